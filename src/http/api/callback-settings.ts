import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginCallback, FastifyRequest } from 'fastify';
import { tryNormalizePhoneNumber } from '../../domain/phone-number.js';
import { LANGUAGES } from '../../provisioning/plan.js';
import { countActiveCallerIds, licenceLimit, numberingCountry } from '../../store/authorized-callerids.js';
import { DEFAULT_CALLBACK_SETTINGS, readCallbackSettings, saveCallbackSettings, type StoredCallbackSettings } from '../../store/callback-settings.js';
import type { Store } from '../../store/db.js';
import { findSound, SOUND_NAME_WORDS } from '../../store/sounds.js';
import type { ApiPrincipal } from '../../store/api-tokens.js';
import { findManagedExtension, principalOf, type ManagedExtension } from './auth.js';
import { ApiError, commonErrorResponses, forbiddenResponse } from './errors.js';
import { authenticatedRoute } from './openapi.js';
import { ExtensionParams, Nullable, StringEnum } from './schemas.js';

/**
 * SPEC §3: a callback extension's settings — how long an incoming call rings, whom to call
 * back, the password, the credit inquiry, the dialling time, the prompts' language and the
 * "credit exhausted" sound — and its licence (how many active authorized CallerIDs). The
 * password is write-only. The flow reads these for every call, so a change applies to the
 * next one. Store access is in src/store/callback-settings.ts.
 */

const RING_SECONDS = { minimum: 0, maximum: 120 };
const DIAL_TIMEOUT_SECONDS = { minimum: 1, maximum: 120 };
const MAX_CALLERIDS = { minimum: 0, maximum: 100000 };
/** The shipped prompt the flow plays when no sound is chosen; naming it is the same as null (provisioning files do). */
const SHIPPED_PROMPT = 'credit-exhausted';

const ReturnMode = StringEnum(
  ['authorized', 'callerid', 'fixed'] as const,
  'Whom to call back: authorized — only CallerIDs on the authorized list; callerid — any caller, on their CallerID (a hidden one gets no callback); fixed — always fixedNumber',
);
const Language = StringEnum(LANGUAGES, 'The language of the voice prompts the traveller hears');

const fields = {
  ringSeconds: Type.Integer({ ...RING_SECONDS, description: 'How long an incoming call rings before it is refused unanswered and called back (0-120 seconds)' }),
  returnMode: ReturnMode,
  perCallerIdPassword: Type.Boolean({ description: "Ask for the authorized CallerID's own password (when it has one) instead of the extension's" }),
  creditInquiry: Type.Boolean({ description: 'Offer to say the remaining credit before dialling' }),
  dialTimeoutSeconds: Type.Integer({ ...DIAL_TIMEOUT_SECONDS, description: 'How long the traveller has to key in the destination (1-120 seconds; # ends it early)' }),
  language: Language,
};

const CallbackSettingsView = Type.Object(
  {
    ...fields,
    fixedNumber: Nullable(Type.String({ description: 'The number every callback goes to in the fixed mode (E.164); null when none is set' })),
    passwordSet: Type.Boolean({ description: 'Whether the extension has a password (the password itself is never returned)' }),
    creditExhaustedSound: Nullable(
      Type.String({ description: 'The sound played when the credit runs out, by its name in the sound library; null for the shipped "credit exhausted" prompt' }),
    ),
    maxAuthorizedCallerIds: Type.Integer({ description: "The extension's licence: how many authorized CallerIDs may be active at once" }),
    licenceLimit: Type.Integer({ description: "The limit in force: the extension's licence, or the organization's when that is lower" }),
    activeCallerIds: Type.Integer({ description: 'How many authorized CallerIDs are active now' }),
    licenceEditable: Type.Boolean({ description: 'Whether this caller may change maxAuthorizedCallerIds (administrators and resellers)' }),
  },
  { additionalProperties: false, description: "A callback extension's settings" },
);
type CallbackSettingsView = Static<typeof CallbackSettingsView>;

const readOnly = (description: string) => ({ readOnly: true, description: `Ignored: ${description}, returned by GET and accepted back unchanged` });

const CallbackSettingsChange = Type.Object(
  {
    ...fields,
    fixedNumber: Nullable(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: "Required (not null) when returnMode is fixed: E.164 (+61412345678) or national form, normalized with the organization's country",
      }),
    ),
    password: Type.Optional(
      Nullable(
        Type.String({
          pattern: '^[0-9]{1,20}$',
          description: 'Write-only. Left out: the current password is kept; null: the extension has no password; 1 to 20 digits: the new password',
        }),
      ),
    ),
    creditExhaustedSound: Nullable(
      Type.String({
        pattern: '^[a-z0-9_-]{1,64}$',
        description: `A sound the extension's organization sees in the sound library (its own folders or those of the accounts above it): ${SOUND_NAME_WORDS}; null (or "${SHIPPED_PROMPT}" when the library has no sound of that name) for the shipped "credit exhausted" prompt`,
      }),
    ),
    maxAuthorizedCallerIds: Type.Optional(
      Type.Integer({
        ...MAX_CALLERIDS,
        description: 'The licence (0-100000). Only administrators and resellers may change it (else 403); anyone may send back the current value. Left out: kept',
      }),
    ),
    passwordSet: Type.Optional(Type.Boolean(readOnly('whether a password is set'))),
    licenceLimit: Type.Optional(Type.Integer(readOnly('the limit in force'))),
    activeCallerIds: Type.Optional(Type.Integer(readOnly('the count of active CallerIDs'))),
    licenceEditable: Type.Optional(Type.Boolean(readOnly('whether the licence may be changed'))),
  },
  {
    additionalProperties: false,
    description: 'The settings to store; every field is required except password (left out: kept) and maxAuthorizedCallerIds (left out: kept)',
  },
);
type CallbackSettingsChange = Static<typeof CallbackSettingsChange>;

export interface CallbackSettingsRoutesOptions {
  store: Store;
}

/** Who may change a licence: the provider and resellers sell them; organizations and owners only use them. */
const mayChangeLicence = (principal: ApiPrincipal): boolean => principal.role === 'admin' || principal.role === 'reseller';

const notFoundResponse = {
  ...commonErrorResponses[404],
  description: 'No such extension, not one this caller may manage (the two look the same on purpose), or not a callback extension',
};

export const callbackSettingsRoutes: FastifyPluginCallback<CallbackSettingsRoutesOptions> = (app: FastifyInstance, { store }, done) => {
  const db = store.db;

  const callbackExtension = async (request: FastifyRequest, extensionId: number): Promise<ManagedExtension> => {
    const extension = await findManagedExtension(store, principalOf(request), extensionId);
    if (extension.type !== 'callback') {
      throw new ApiError(404, 'not_found', `extension ${extension.number} is a ${extension.type} extension, not a callback extension; it has no callback settings`);
    }
    return extension;
  };

  const view = async (request: FastifyRequest, extension: ManagedExtension, settings: StoredCallbackSettings): Promise<CallbackSettingsView> => ({
    ringSeconds: settings.ringSeconds,
    returnMode: settings.returnMode,
    fixedNumber: settings.fixedNumber,
    passwordSet: settings.password !== null,
    perCallerIdPassword: settings.perCallerIdPassword,
    creditInquiry: settings.creditInquiry,
    dialTimeoutSeconds: settings.dialTimeoutSeconds,
    // Rows written before the language existed, or by hand, may hold another code; the flow speaks English then.
    language: (LANGUAGES as readonly string[]).includes(settings.language) ? (settings.language as CallbackSettingsView['language']) : 'en',
    creditExhaustedSound: settings.creditExhaustedSound,
    maxAuthorizedCallerIds: settings.maxAuthorizedCallerIds,
    licenceLimit: await licenceLimit(db, extension),
    activeCallerIds: await countActiveCallerIds(db, extension.id),
    licenceEditable: mayChangeLicence(principalOf(request)),
  });

  const fixedNumberOf = async (extension: ManagedExtension, body: CallbackSettingsChange): Promise<string | null> => {
    if (body.fixedNumber === null) {
      if (body.returnMode === 'fixed') throw new ApiError(400, 'bad_request', 'fixedNumber: the fixed return mode needs the number to call back', 'fixedNumber');
      return null;
    }
    const text = body.fixedNumber.trim();
    const country = await numberingCountry(db, extension);
    if (country === null && !text.startsWith('+')) {
      throw new ApiError(400, 'bad_request', 'fixedNumber: write the number with its country code (+...): no default country is set', 'fixedNumber');
    }
    const result = tryNormalizePhoneNumber(text, country ?? 'US');
    if (!result.ok) throw new ApiError(400, 'bad_request', `fixedNumber: that number cannot be used: ${result.reason}`, 'fixedNumber');
    return result.e164;
  };

  app.get<{ Params: ExtensionParams; Reply: CallbackSettingsView }>(
    '/extensions/:extensionId/callback',
    authenticatedRoute({
      schema: {
        summary: "A callback extension's settings and licence",
        description: 'The password is never returned: passwordSet says whether there is one. A phone extension answers 404.',
        tags: ['callback'],
        operationId: 'getCallbackSettings',
        params: ExtensionParams,
        response: { 200: CallbackSettingsView, ...commonErrorResponses, 404: notFoundResponse },
      },
    }),
    async (request) => {
      const extension = await callbackExtension(request, request.params.extensionId);
      return view(request, extension, (await readCallbackSettings(db, extension.id)) ?? DEFAULT_CALLBACK_SETTINGS);
    },
  );

  app.put<{ Params: ExtensionParams; Body: CallbackSettingsChange; Reply: CallbackSettingsView }>(
    '/extensions/:extensionId/callback',
    authenticatedRoute({
      schema: {
        summary: "Set a callback extension's settings",
        description:
          'Every setting is sent; the password only to change it (left out: kept, null: removed, digits: set). ' +
          'maxAuthorizedCallerIds may be changed by administrators and resellers only (403 for others, unless it is the current value). ' +
          'The next incoming call uses the new settings. Audit-logged with the user\'s e-mail (never the password).',
        tags: ['callback'],
        operationId: 'putCallbackSettings',
        params: ExtensionParams,
        body: CallbackSettingsChange,
        response: {
          200: CallbackSettingsView,
          ...commonErrorResponses,
          403: { ...forbiddenResponse, description: 'Only administrators and resellers may change the licence (maxAuthorizedCallerIds)' },
          404: notFoundResponse,
        },
      },
    }),
    async (request) => {
      const principal = principalOf(request);
      const extension = await callbackExtension(request, request.params.extensionId);
      const body = request.body;
      const current = (await readCallbackSettings(db, extension.id)) ?? DEFAULT_CALLBACK_SETTINGS;

      if (body.maxAuthorizedCallerIds !== undefined && body.maxAuthorizedCallerIds !== current.maxAuthorizedCallerIds && !mayChangeLicence(principal)) {
        throw new ApiError(
          403,
          'forbidden',
          'maxAuthorizedCallerIds: the licence is set by the provider or reseller; ask them to change it',
          'maxAuthorizedCallerIds',
        );
      }
      const fixedNumber = await fixedNumberOf(extension, body);
      const sound = body.creditExhaustedSound;
      // The sound kept as it was is fine even when the library no longer has it: the flow falls back to the shipped prompt.
      if (sound !== null && sound !== SHIPPED_PROMPT && sound !== current.creditExhaustedSound && !(await findSound(db, extension.accountId, sound))) {
        throw new ApiError(
          400,
          'bad_request',
          `creditExhaustedSound: there is no sound named "${sound}" in the sound library of this extension's organization or above it (null for the shipped prompt)`,
          'creditExhaustedSound',
        );
      }
      const saved = await saveCallbackSettings(
        db,
        extension.id,
        {
          ringSeconds: body.ringSeconds,
          returnMode: body.returnMode,
          fixedNumber,
          ...(body.password !== undefined ? { password: body.password } : {}),
          perCallerIdPassword: body.perCallerIdPassword,
          creditInquiry: body.creditInquiry,
          dialTimeoutSeconds: body.dialTimeoutSeconds,
          language: body.language,
          creditExhaustedSound: sound,
          ...(body.maxAuthorizedCallerIds !== undefined ? { maxAuthorizedCallerIds: body.maxAuthorizedCallerIds } : {}),
        },
        { actor: principal.email },
      );
      return view(request, extension, saved);
    },
  );

  done();
};
