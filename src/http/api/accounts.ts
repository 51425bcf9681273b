import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginCallback } from 'fastify';
import { toDecimalString } from '../../domain/money.js';
import { isCountryCode } from '../../domain/phone-number.js';
import type { ApiPrincipal } from '../../store/api-tokens.js';
import { nowIso, type Store } from '../../store/db.js';
import type { AccountTable } from '../../store/schema.js';
import { principalOf } from './auth.js';
import { ApiError, commonErrorResponses, conflictResponse, forbiddenResponse } from './errors.js';
import { authenticatedRoute } from './openapi.js';
import {
  ACCOUNT_COLUMNS,
  audit,
  findManagedAccount,
  isAbove,
  isUniqueViolation,
  manages,
  nonNegativeAmount,
  providerId,
  type AccountRow,
} from './provider-common.js';
import { Id, Nullable, ONE_LINE_TEXT, StringEnum } from './schemas.js';
import { accountChain, createAccount } from '../../store/accounts.js';

/**
 * Issue 8 item 5: resellers and organizations, with what their calls use (tariff, trunk,
 * default country) and their licence. The account above sets the licence; an account never
 * raises its own.
 */

const Kind = StringEnum(['provider', 'reseller', 'organization'] as const, 'provider: the top (the admin); reseller: sells to organizations; organization: has extensions');
const AccountParams = Type.Object({ accountId: Id("The account's id") }, { additionalProperties: false });
type AccountParams = Static<typeof AccountParams>;

const licenceLimit = (description: string) => Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000, description: `${description}; null: no limit` }));
const dailySpendCap = Nullable(
  Type.String({
    minLength: 1,
    maxLength: 40,
    description:
      'The most the account (a reseller: with all its organizations) may spend on calls in a day (from midnight UTC), a decimal amount in the server currency ("50.00"); ' +
      'a call holds no more than what is left of it, and at the cap new calls are refused with the reason daily-spend-cap; null: no cap',
  }),
);

const AccountView = Type.Object(
  {
    id: Type.Integer(),
    kind: Kind,
    name: Type.String(),
    parentId: Nullable(Type.Integer({ description: 'The account above (the provider or a reseller); null for the provider' })),
    defaultCountry: Nullable(Type.String({ description: 'ISO 3166 country for numbers written without a country code; null: the one above, or the server\'s' })),
    tariffId: Nullable(Type.Integer({ description: 'The tariff its calls are priced by; null: the nearest one above' })),
    trunkId: Nullable(Type.Integer({ description: 'The trunk its calls go out through; null: the nearest one above' })),
    maxExtensions: licenceLimit('Licence: how many extensions it may have'),
    maxAuthorizedCallerIds: licenceLimit('Licence: how many active authorized CallerIDs each callback extension may have'),
    maxConcurrentCalls: licenceLimit('Licence: how many calls it (a reseller: with all its organizations) may have at once; more are refused with the reason concurrent-calls'),
    dailySpendCap: Nullable(Type.String({ description: 'Licence: the daily spend cap (from midnight UTC), a decimal string; null: no cap' })),
    extensionCount: Type.Integer({ description: 'How many extensions it has now' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false, description: 'An account of the hierarchy' },
);
type AccountView = Static<typeof AccountView>;

const ListQuery = Type.Object({ kind: Type.Optional(Kind) }, { additionalProperties: false });
type ListQuery = Static<typeof ListQuery>;
const AccountList = Type.Object({ items: Type.Array(AccountView, { description: 'Sorted by kind (provider, resellers, organizations), then name' }) }, { additionalProperties: false });
type AccountList = Static<typeof AccountList>;

const name = Type.String({ minLength: 1, maxLength: 100, pattern: ONE_LINE_TEXT, description: 'Unique among accounts of its kind' });
const country = Nullable(Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166 alpha-2, e.g. AU; null: inherit' }));
const settable = {
  defaultCountry: Type.Optional(country),
  tariffId: Type.Optional(Nullable(Id('A tariff of this account or of one above it; null: inherit'))),
  trunkId: Type.Optional(Nullable(Id('A trunk (admin only); null: inherit'))),
  maxExtensions: Type.Optional(licenceLimit('Licence: how many extensions it may have')),
  maxAuthorizedCallerIds: Type.Optional(licenceLimit('Licence: active authorized CallerIDs per callback extension')),
  maxConcurrentCalls: Type.Optional(licenceLimit('Licence: calls at once (a reseller: with all its organizations)')),
  dailySpendCap: Type.Optional(dailySpendCap),
};
type Settable = Static<ReturnType<typeof Type.Object<typeof settable>>>;

const NewAccount = Type.Object(
  {
    kind: StringEnum(['reseller', 'organization'] as const, 'Only an admin creates resellers; a reseller creates organizations under itself'),
    name,
    parentId: Type.Optional(Nullable(Id('For an organization: the reseller it belongs to (admin only); left out: the caller\'s account (the provider for an admin)'))),
    ...settable,
  },
  { additionalProperties: false },
);
type NewAccount = Static<typeof NewAccount>;

const AccountChange = Type.Object(
  {
    name: Type.Optional(name),
    parentId: Type.Optional(Nullable(Id('Move an organization to a reseller, or null for the provider (admin only)'))),
    ...settable,
  },
  { additionalProperties: false, description: 'The fields to change (at least one). Licence fields and the tariff are set by the account above; the trunk by an admin.' },
);
type AccountChange = Static<typeof AccountChange>;

const LICENCE_FIELDS = ['maxExtensions', 'maxAuthorizedCallerIds', 'maxConcurrentCalls', 'dailySpendCap'] as const;

export interface AccountRoutesOptions {
  store: Store;
}

const ORDER: Record<AccountTable['kind'], number> = { provider: 0, reseller: 1, organization: 2 };

export const accountRoutes: FastifyPluginCallback<AccountRoutesOptions> = (app: FastifyInstance, { store }, done) => {
  const db = store.db;

  const extensionCounts = async (ids: number[]): Promise<Map<number, number>> => {
    if (ids.length === 0) return new Map();
    const rows = await db
      .selectFrom('extensions')
      .select(['accountId', db.fn.countAll<string | number>().as('count')])
      .where('accountId', 'in', ids)
      .groupBy('accountId')
      .execute();
    return new Map(rows.map((r) => [r.accountId, Number(r.count)]));
  };

  const view = (a: AccountRow, extensionCount: number): AccountView => ({
    id: a.id,
    kind: a.kind,
    name: a.name,
    parentId: a.parentId,
    defaultCountry: a.defaultCountry,
    tariffId: a.tariffId,
    trunkId: a.trunkId,
    maxExtensions: a.maxExtensions,
    maxAuthorizedCallerIds: a.maxAuthorizedCallerids,
    maxConcurrentCalls: a.maxConcurrentCalls,
    dailySpendCap: a.dailySpendCapMicros === null ? null : toDecimalString(a.dailySpendCapMicros),
    extensionCount,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  });

  const viewOne = async (id: number): Promise<AccountView> => {
    const row = await db.selectFrom('accounts').select(ACCOUNT_COLUMNS).where('id', '=', id).executeTakeFirstOrThrow();
    return view(row, (await extensionCounts([id])).get(id) ?? 0);
  };

  /** The tariff must belong to the account (when it exists) or to one above it, where `chain` is the account's chain. */
  const checkTariff = async (tariffId: number | null | undefined, chain: number[]) => {
    if (tariffId === null || tariffId === undefined) return;
    const tariff = await db.selectFrom('tariffs').select(['id', 'accountId']).where('id', '=', tariffId).executeTakeFirst();
    if (!tariff || !chain.includes(tariff.accountId)) {
      throw new ApiError(400, 'bad_request', `tariffId: no tariff ${tariffId} of this account or of one above it`, 'tariffId');
    }
  };

  const checkTrunk = async (principal: ApiPrincipal, trunkId: number | null | undefined) => {
    if (trunkId === undefined) return;
    if (principal.role !== 'admin') throw new ApiError(403, 'forbidden', "only the provider's administrators choose trunks", 'trunkId');
    if (trunkId === null) return;
    const trunk = await db.selectFrom('trunks').select('id').where('id', '=', trunkId).executeTakeFirst();
    if (!trunk) throw new ApiError(400, 'bad_request', `trunkId: no trunk ${trunkId}`, 'trunkId');
  };

  const checkCountry = (code: string | null | undefined) => {
    if (code !== null && code !== undefined && !isCountryCode(code)) throw new ApiError(400, 'bad_request', `defaultCountry: "${code}" is not a country code`, 'defaultCountry');
  };

  /** The columns for the settable fields that were sent. */
  const columnsOf = (body: Settable) => ({
    ...(body.defaultCountry !== undefined ? { defaultCountry: body.defaultCountry } : {}),
    ...(body.tariffId !== undefined ? { tariffId: body.tariffId } : {}),
    ...(body.trunkId !== undefined ? { trunkId: body.trunkId } : {}),
    ...(body.maxExtensions !== undefined ? { maxExtensions: body.maxExtensions } : {}),
    ...(body.maxAuthorizedCallerIds !== undefined ? { maxAuthorizedCallerids: body.maxAuthorizedCallerIds } : {}),
    ...(body.maxConcurrentCalls !== undefined ? { maxConcurrentCalls: body.maxConcurrentCalls } : {}),
    ...(body.dailySpendCap !== undefined
      ? { dailySpendCapMicros: body.dailySpendCap === null ? null : nonNegativeAmount(body.dailySpendCap, 'dailySpendCap') }
      : {}),
  });

  const nameTaken = (kind: string, value: string) => new ApiError(409, 'conflict', `there is already a ${kind} named "${value}"`, 'name');

  /** A parent for an organization: the provider or a reseller, one the caller manages. */
  const parentFor = async (principal: ApiPrincipal, parentId: number | null | undefined): Promise<number> => {
    if (principal.role === 'reseller') {
      if (parentId !== undefined && parentId !== principal.accountId) {
        throw new ApiError(403, 'forbidden', 'a reseller creates organizations under its own account only', 'parentId');
      }
      return principal.accountId;
    }
    if (parentId === undefined || parentId === null) return providerId(db);
    const parent = await db.selectFrom('accounts').select(['id', 'kind']).where('id', '=', parentId).executeTakeFirst();
    if (!parent || parent.kind === 'organization') {
      throw new ApiError(400, 'bad_request', `parentId: no reseller ${parentId}; an organization belongs to a reseller or to the provider (null)`, 'parentId');
    }
    return parent.id;
  };

  app.get<{ Querystring: ListQuery; Reply: AccountList }>(
    '/accounts',
    authenticatedRoute({
      schema: {
        summary: 'The accounts the caller manages',
        description: 'An admin sees every account; a reseller its own and the organizations under it; an organization manager its organization; an extension owner none.',
        tags: ['accounts'],
        operationId: 'listAccounts',
        querystring: ListQuery,
        response: { 200: AccountList, ...commonErrorResponses },
      },
    }),
    async (request) => {
      const principal = principalOf(request);
      let rows = await db.selectFrom('accounts').select(ACCOUNT_COLUMNS).execute();
      if (request.query.kind) rows = rows.filter((r) => r.kind === request.query.kind);
      const visible: AccountRow[] = [];
      for (const row of rows) if (await manages(db, principal, row.id)) visible.push(row);
      visible.sort((a, b) => ORDER[a.kind] - ORDER[b.kind] || a.name.localeCompare(b.name) || a.id - b.id);
      const counts = await extensionCounts(visible.map((r) => r.id));
      return { items: visible.map((r) => view(r, counts.get(r.id) ?? 0)) };
    },
  );

  app.get<{ Params: AccountParams; Reply: AccountView }>(
    '/accounts/:accountId',
    authenticatedRoute({
      schema: {
        summary: 'One account the caller manages',
        tags: ['accounts'],
        operationId: 'getAccount',
        params: AccountParams,
        response: { 200: AccountView, ...commonErrorResponses, 404: { ...commonErrorResponses[404], description: 'No such account, or not one the caller manages' } },
      },
    }),
    async (request) => {
      const row = await findManagedAccount(store, principalOf(request), request.params.accountId);
      return view(row, (await extensionCounts([row.id])).get(row.id) ?? 0);
    },
  );

  app.post<{ Body: NewAccount; Reply: AccountView }>(
    '/accounts',
    authenticatedRoute({
      schema: {
        summary: 'Create a reseller or an organization',
        description:
          'Only an admin creates resellers (under the provider). An admin creates organizations under the provider or a reseller; a reseller under itself. ' +
          'The tariff must be one of the new account\'s parent or of an account above; only an admin chooses a trunk.',
        tags: ['accounts'],
        operationId: 'createAccount',
        body: NewAccount,
        response: {
          201: { ...AccountView, description: 'The new account' },
          ...commonErrorResponses,
          403: { ...forbiddenResponse, description: 'The caller may not create this kind of account there, or choose a trunk' },
          409: { ...conflictResponse, description: 'The name is taken' },
        },
      },
    }),
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body;
      if (principal.role !== 'admin' && principal.role !== 'reseller') throw new ApiError(403, 'forbidden', 'only the provider and resellers create accounts');
      if (body.kind === 'reseller' && principal.role !== 'admin') throw new ApiError(403, 'forbidden', "only the provider's administrators create resellers", 'kind');
      if (body.kind === 'reseller' && body.parentId !== undefined && body.parentId !== null) {
        throw new ApiError(400, 'bad_request', 'parentId: resellers belong to the provider; leave parentId out', 'parentId');
      }
      const parentId = body.kind === 'reseller' ? await providerId(db) : await parentFor(principal, body.parentId);
      checkCountry(body.defaultCountry);
      await checkTariff(body.tariffId, await accountChain(db, parentId));
      await checkTrunk(principal, body.trunkId);
      const columns = columnsOf(body);
      const now = nowIso();
      const trimmed = body.name.trim();
      if (trimmed === '') throw new ApiError(400, 'bad_request', 'name must not be blank', 'name');
      try {
        const id = await db.transaction().execute(async (trx) => {
          const taken = await trx.selectFrom('accounts').select('id').where('kind', '=', body.kind).where('name', '=', trimmed).executeTakeFirst();
          if (taken) throw nameTaken(body.kind, trimmed);
          const row = await createAccount(trx, { kind: body.kind, name: trimmed, parentId, ...columns }, now);
          await audit(trx, { actor: principal.email, at: now, action: 'create', entity: body.kind, entityId: row.id, details: { name: trimmed, parentId, ...columns } });
          return row.id;
        });
        return reply.code(201).header('location', `${app.prefix}/accounts/${id}`).send(await viewOne(id));
      } catch (error) {
        if (isUniqueViolation(error)) throw nameTaken(body.kind, trimmed);
        throw error;
      }
    },
  );

  app.patch<{ Params: AccountParams; Body: AccountChange; Reply: AccountView }>(
    '/accounts/:accountId',
    authenticatedRoute({
      schema: {
        summary: "Change an account's name, default country, tariff, trunk, parent or licence",
        description:
          'Only the fields sent change. The licence (maxExtensions, maxAuthorizedCallerIds, maxConcurrentCalls, dailySpendCap) and the tariff are set by the account above ' +
          '(an admin, or the reseller of an organization): an account changing its own gets 403. The trunk and the parent are set by an admin. ' +
          'maxExtensions cannot go below the extensions the account has (409).',
        tags: ['accounts'],
        operationId: 'updateAccount',
        params: AccountParams,
        body: AccountChange,
        response: {
          200: AccountView,
          ...commonErrorResponses,
          403: { ...forbiddenResponse, description: 'The licence, tariff, trunk or parent is not the caller\'s to change' },
          409: { ...conflictResponse, description: 'The name is taken, or the licence is below what the account has' },
        },
      },
    }),
    async (request) => {
      const principal = principalOf(request);
      const body = request.body;
      const account = await findManagedAccount(store, principal, request.params.accountId);
      if (Object.keys(body).length === 0) throw new ApiError(400, 'bad_request', 'send at least one field to change', 'body');
      if (account.kind === 'provider') throw new ApiError(403, 'forbidden', 'the provider account is changed through the server settings');
      const above = await isAbove(db, principal, account.id);
      for (const field of [...LICENCE_FIELDS, 'tariffId'] as const) {
        if (body[field] !== undefined && !above) throw new ApiError(403, 'forbidden', `${field} is set by the account above this one`, field);
      }
      let parentId = account.parentId;
      if (body.parentId !== undefined) {
        if (principal.role !== 'admin') throw new ApiError(403, 'forbidden', "only the provider's administrators move accounts", 'parentId');
        if (account.kind !== 'organization') throw new ApiError(400, 'bad_request', 'parentId: only organizations move between resellers', 'parentId');
        parentId = await parentFor(principal, body.parentId);
      }
      checkCountry(body.defaultCountry);
      const chain = parentId === null ? [account.id] : [account.id, ...(await accountChain(db, parentId))];
      await checkTariff(body.tariffId, chain);
      await checkTrunk(principal, body.trunkId);
      const columns = columnsOf(body);
      const trimmed = body.name?.trim();
      if (trimmed === '') throw new ApiError(400, 'bad_request', 'name must not be blank', 'name');
      const now = nowIso();
      try {
        await db.transaction().execute(async (trx) => {
          if (trimmed !== undefined && trimmed !== account.name) {
            const taken = await trx.selectFrom('accounts').select('id').where('kind', '=', account.kind).where('name', '=', trimmed).executeTakeFirst();
            if (taken) throw nameTaken(account.kind, trimmed);
          }
          if (columns.maxExtensions !== undefined && columns.maxExtensions !== null) {
            const row = await trx.selectFrom('extensions').select(trx.fn.countAll<string | number>().as('count')).where('accountId', '=', account.id).executeTakeFirstOrThrow();
            if (Number(row.count) > columns.maxExtensions) {
              throw new ApiError(409, 'conflict', `${account.name} has ${Number(row.count)} extensions; the licence cannot allow fewer (remove extensions first)`, 'maxExtensions');
            }
          }
          const set = { ...columns, ...(trimmed !== undefined ? { name: trimmed } : {}), ...(body.parentId !== undefined ? { parentId } : {}) };
          await trx
            .updateTable('accounts')
            .set({ ...set, updatedAt: now })
            .where('id', '=', account.id)
            .execute();
          await audit(trx, { actor: principal.email, at: now, action: 'update', entity: account.kind, entityId: account.id, details: set });
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw nameTaken(account.kind, trimmed ?? account.name);
        throw error;
      }
      return viewOne(account.id);
    },
  );

  app.delete<{ Params: AccountParams }>(
    '/accounts/:accountId',
    authenticatedRoute({
      schema: {
        summary: 'Delete a reseller or an organization',
        description:
          'Only the account above deletes it. Refused (409) while it has extensions, accounts under it, or call records: those carry money and history. ' +
          'Its users, tariffs, time intervals and sound folders go with it.',
        tags: ['accounts'],
        operationId: 'deleteAccount',
        params: AccountParams,
        response: {
          204: { type: 'null', description: 'Deleted' },
          ...commonErrorResponses,
          403: { ...forbiddenResponse, description: 'An account cannot delete itself' },
          409: { ...conflictResponse, description: 'It still has extensions, accounts under it, or call records' },
        },
      },
    }),
    async (request, reply) => {
      const principal = principalOf(request);
      const account = await findManagedAccount(store, principal, request.params.accountId);
      if (account.kind === 'provider') throw new ApiError(403, 'forbidden', 'the provider account cannot be deleted');
      if (!(await isAbove(db, principal, account.id))) throw new ApiError(403, 'forbidden', 'only the account above deletes an account');
      const now = nowIso();
      await db.transaction().execute(async (trx) => {
        const count = async (table: 'extensions' | 'callLegs' | 'callbackRequests') =>
          Number((await trx.selectFrom(table).select(trx.fn.countAll<string | number>().as('n')).where('accountId', '=', account.id).executeTakeFirstOrThrow()).n);
        const extensions = await count('extensions');
        if (extensions > 0) throw new ApiError(409, 'conflict', `${account.name} has ${extensions} extension${extensions === 1 ? '' : 's'}; remove them first`);
        const below = await trx.selectFrom('accounts').select('id').where('parentId', '=', account.id).executeTakeFirst();
        if (below) throw new ApiError(409, 'conflict', `${account.name} has organizations under it; move or delete them first`);
        if ((await count('callLegs')) > 0 || (await count('callbackRequests')) > 0) {
          throw new ApiError(409, 'conflict', `${account.name} has call records, which are kept`);
        }
        // What the account defined goes with it; accounts below never pointed at its tariffs once it has none below.
        await trx.updateTable('accounts').set({ tariffId: null }).where('tariffId', 'in', trx.selectFrom('tariffs').select('id').where('accountId', '=', account.id)).execute();
        await trx.deleteFrom('accounts').where('id', '=', account.id).execute();
        await audit(trx, { actor: principal.email, at: now, action: 'delete', entity: account.kind, entityId: account.id, details: { name: account.name } });
      });
      return reply.code(204).send();
    },
  );

  done();
};

