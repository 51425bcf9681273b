import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginCallback } from 'fastify';
import { isCurrencyCode } from '../../domain/money.js';
import { isCountryCode } from '../../domain/phone-number.js';
import { nowIso, type Store } from '../../store/db.js';
import { readSettings, writeSetting } from '../../store/settings.js';
import { principalOf } from './auth.js';
import { ApiError, commonErrorResponses, conflictResponse, forbiddenResponse } from './errors.js';
import { authenticatedRoute } from './openapi.js';
import { audit } from './provider-common.js';
import { Nullable } from './schemas.js';

/**
 * The provider's server-wide settings: the one currency (SPEC §6) and the default country.
 * Everyone signed in reads them (the portal shows amounts in the currency); admins change them.
 */

const SettingsView = Type.Object(
  {
    currency: Nullable(Type.String({ description: 'ISO 4217 code of the server\'s one currency; null: not set yet' })),
    defaultCountry: Nullable(Type.String({ description: 'ISO 3166 country for numbers without a country code; null: not set yet' })),
    currencyLocked: Type.Boolean({ description: 'true once credit exists: the currency can no longer change' }),
  },
  { additionalProperties: false },
);
type SettingsView = Static<typeof SettingsView>;

const SettingsChange = Type.Object(
  {
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217, e.g. AUD' })),
    defaultCountry: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166 alpha-2, e.g. AU' })),
  },
  { additionalProperties: false, description: 'The settings to change (at least one)' },
);
type SettingsChange = Static<typeof SettingsChange>;

export interface SettingsRoutesOptions {
  store: Store;
  /** Told after a change, so this process's flows use it at once (the others read it within 30 s). */
  listener?: SettingsChangeListener;
}

export interface SettingsChangeListener {
  settingsChanged(): void;
}

export const settingsRoutes: FastifyPluginCallback<SettingsRoutesOptions> = (app: FastifyInstance, { store, listener }, done) => {
  const db = store.db;

  /** The rule of provisioning: once any amount of credit moved, balances mean that currency. */
  const creditExists = async (): Promise<boolean> => (await db.selectFrom('ledgerEntries').select('id').where('amountMicros', '!=', 0).limit(1).execute()).length > 0;

  const view = async (): Promise<SettingsView> => {
    const settings = await readSettings(db);
    return { ...settings, currencyLocked: await creditExists() };
  };

  app.get<{ Reply: SettingsView }>(
    '/settings',
    authenticatedRoute({
      schema: { summary: "The server's currency and default country", tags: ['settings'], operationId: 'getSettings', response: { 200: SettingsView, ...commonErrorResponses } },
    }),
    async () => view(),
  );

  app.put<{ Body: SettingsChange; Reply: SettingsView }>(
    '/settings',
    authenticatedRoute({
      schema: {
        summary: "Change the server's currency or default country (admin only)",
        description: 'Only the settings sent change. The currency cannot change once credit exists (409): every balance is an amount in it.',
        tags: ['settings'],
        operationId: 'updateSettings',
        body: SettingsChange,
        response: { 200: SettingsView, ...commonErrorResponses, 403: forbiddenResponse, 409: { ...conflictResponse, description: 'Credit exists in the current currency' } },
      },
    }),
    async (request) => {
      const principal = principalOf(request);
      if (principal.role !== 'admin') throw new ApiError(403, 'forbidden', "only the provider's administrators change the server settings");
      const { currency, defaultCountry } = request.body;
      if (currency === undefined && defaultCountry === undefined) throw new ApiError(400, 'bad_request', 'send currency, defaultCountry or both', 'body');
      if (currency !== undefined && !isCurrencyCode(currency)) throw new ApiError(400, 'bad_request', `currency: "${currency}" is not an ISO 4217 currency code`, 'currency');
      if (defaultCountry !== undefined && !isCountryCode(defaultCountry)) throw new ApiError(400, 'bad_request', `defaultCountry: "${defaultCountry}" is not a country code`, 'defaultCountry');
      const now = nowIso();
      await db.transaction().execute(async (trx) => {
        const current = await readSettings(trx);
        const changed: Record<string, { from: string | null; to: string }> = {};
        if (currency !== undefined && currency !== current.currency) {
          const locked = (await trx.selectFrom('ledgerEntries').select('id').where('amountMicros', '!=', 0).limit(1).execute()).length > 0;
          if (locked && current.currency !== null) {
            throw new ApiError(409, 'conflict', `the server already holds credit in ${current.currency}; changing the currency would change what every balance means`, 'currency');
          }
          await writeSetting(trx, 'currency', currency);
          changed.currency = { from: current.currency, to: currency };
        }
        if (defaultCountry !== undefined && defaultCountry !== current.defaultCountry) {
          await writeSetting(trx, 'defaultCountry', defaultCountry);
          changed.defaultCountry = { from: current.defaultCountry, to: defaultCountry };
        }
        if (Object.keys(changed).length > 0) await audit(trx, { actor: principal.email, at: now, action: 'update', entity: 'settings', entityId: null, details: changed });
      });
      listener?.settingsChanged();
      return view();
    },
  );

  done();
};
