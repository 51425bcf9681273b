import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginCallback, FastifyRequest } from 'fastify';
import { toDecimalString } from '../../domain/money.js';
import { rateFromFields } from '../../domain/rate-fields.js';
import type { Rate } from '../../domain/rating.js';
import type { ApiPrincipal } from '../../store/api-tokens.js';
import { nowIso, type Store } from '../../store/db.js';
import type { RateTable } from '../../store/schema.js';
import { principalOf } from './auth.js';
import { ApiError, ErrorBody, commonErrorResponses, conflictResponse, forbiddenResponse } from './errors.js';
import { authenticatedRoute } from './openapi.js';
import { audit, isUniqueViolation, manages, providerId } from './provider-common.js';
import { MAX_CSV_RATES, RATE_CSV_COLUMNS, ratesFromCsv, ratesToCsv } from './rates-csv.js';
import { Id, Nullable, ONE_LINE_TEXT, StringEnum } from './schemas.js';
import { accountChain } from '../../store/accounts.js';

/**
 * Tariffs and their rates (SPEC §6: destination prefixes, longest prefix wins; connect fee,
 * per-minute price, billing increments, flat prices). A tariff belongs to the provider or a
 * reseller; the accounts below see it (read only). Calls read the rates when they start,
 * so a change prices the next call.
 */

const TariffParams = Type.Object({ tariffId: Id("The tariff's id") }, { additionalProperties: false });
type TariffParams = Static<typeof TariffParams>;
const RateParams = Type.Object({ tariffId: Id("The tariff's id"), rateId: Id("The rate's id") }, { additionalProperties: false });
type RateParams = Static<typeof RateParams>;

const TariffView = Type.Object(
  {
    id: Type.Integer(),
    accountId: Type.Integer({ description: 'The account it belongs to (the provider or a reseller)' }),
    accountName: Type.String(),
    name: Type.String(),
    rateCount: Type.Integer(),
    editable: Type.Boolean({ description: 'Whether the caller may change it (false: defined by an account above)' }),
    usedBy: Type.Integer({ description: 'How many accounts are priced by it' }),
  },
  { additionalProperties: false },
);
type TariffView = Static<typeof TariffView>;
const TariffList = Type.Object({ items: Type.Array(TariffView) }, { additionalProperties: false });
type TariffList = Static<typeof TariffList>;

const tariffName = Type.String({ minLength: 1, maxLength: 100, pattern: ONE_LINE_TEXT, description: 'Unique within its account' });
const NewTariff = Type.Object(
  {
    name: tariffName,
    accountId: Type.Optional(Id("The account it belongs to: the provider or a reseller the caller manages; left out: the caller's own")),
  },
  { additionalProperties: false },
);
type NewTariff = Static<typeof NewTariff>;
const TariffChange = Type.Object({ name: tariffName }, { additionalProperties: false });
type TariffChange = Static<typeof TariffChange>;

const amount = (description: string) => Type.String({ minLength: 1, maxLength: 40, description: `${description}, a decimal amount of 0 or more in the server currency` });
const RateBody = Type.Object(
  {
    prefix: Type.String({ maxLength: 21, pattern: '^\\+?[0-9]*$', description: 'E.164 digits (a leading "+" is dropped); "" matches every number' }),
    name: Type.String({ minLength: 1, maxLength: 100, pattern: ONE_LINE_TEXT, description: 'What the destination is, e.g. AU mobile' }),
    flat: Type.Optional(Nullable(amount('A price per answered call ("0.12"); then perMinute, connectFee and increments are left out'))),
    perMinute: Type.Optional(amount('The price per minute ("0.30")')),
    connectFee: Type.Optional(amount('Charged once per answered call ("0.05"); default 0')),
    increments: Type.Optional(Type.String({ maxLength: 20, description: 'Billing increments "first/next" in seconds: 60/60 (default), 30/6, 1/1' })),
  },
  { additionalProperties: false, description: 'A rate: either flat, or perMinute with an optional connectFee and increments' },
);
type RateBody = Static<typeof RateBody>;

const RateView = Type.Object(
  {
    id: Type.Integer(),
    prefix: Type.String({ description: 'E.164 digits without "+"; "" for every number' }),
    name: Type.String(),
    flat: Nullable(Type.String({ description: 'The flat price per call; null for a per-minute rate' })),
    perMinute: Type.String(),
    connectFee: Type.String(),
    increments: Type.String({ description: 'first/next in seconds' }),
  },
  { additionalProperties: false },
);
type RateView = Static<typeof RateView>;

const RATE_SORTS = ['prefix', 'name', 'connectFee', 'perMinute', 'flat'] as const;
const RateQuery = Type.Object(
  {
    search: Type.Optional(Type.String({ maxLength: 100, description: 'Only rates whose prefix starts with, or whose name contains, this (case-insensitive)' })),
    sort: Type.Optional(StringEnum(RATE_SORTS, 'The column to sort by (default prefix)')),
    order: Type.Optional(StringEnum(['asc', 'desc'] as const, 'asc (default) or desc')),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'At most this many (1-500, default 50)' })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Skip this many (default 0)' })),
  },
  { additionalProperties: false },
);
type RateQuery = Static<typeof RateQuery>;
const RateList = Type.Object({ total: Type.Integer({ description: 'How many match (all pages)' }), items: Type.Array(RateView) }, { additionalProperties: false });
type RateList = Static<typeof RateList>;

const ImportQuery = Type.Object(
  { mode: Type.Optional(StringEnum(['merge', 'replace'] as const, 'merge (default): add new prefixes, update those in the file, keep the rest; replace: the tariff has exactly the file\'s rates')) },
  { additionalProperties: false },
);
type ImportQuery = Static<typeof ImportQuery>;
const ImportResult = Type.Object(
  {
    mode: StringEnum(['merge', 'replace'] as const, 'How the file was applied'),
    created: Type.Integer(),
    updated: Type.Integer(),
    unchanged: Type.Integer(),
    deleted: Type.Integer({ description: 'Rates not in the file that replace removed' }),
    total: Type.Integer({ description: 'Rates the tariff has now' }),
  },
  { additionalProperties: false },
);
type ImportResult = Static<typeof ImportResult>;
const ImportRefused = {
  ...ErrorBody,
  description: 'The file was refused as a whole and nothing was imported; problems lists every bad line',
  properties: {
    ...ErrorBody.properties,
    problems: {
      type: 'array',
      description: 'Every bad line: its number in the file (1 is the header), the column at fault, and why',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['line', 'message'],
        properties: { line: { type: 'integer' }, field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
} as const;

const CSV_TYPE = 'text/csv; charset=utf-8; header=present';
const MAX_CSV_BYTES = 8 * 1024 * 1024;

const tariffNotFound = (): ApiError => new ApiError(404, 'not_found', 'no such tariff');
const rateNotFound = (): ApiError => new ApiError(404, 'not_found', 'no such rate');
const notFoundResponse = { ...commonErrorResponses[404], description: 'No such tariff (or rate), or not one the caller can see' };

type RateRow = Pick<RateTable, 'prefix' | 'name' | 'connectFeeMicros' | 'perMinuteMicros' | 'flatMicros' | 'firstIncrementSeconds' | 'nextIncrementSeconds'> & { id: number };
const RATE_COLUMNS = ['id', 'prefix', 'name', 'connectFeeMicros', 'perMinuteMicros', 'flatMicros', 'firstIncrementSeconds', 'nextIncrementSeconds'] as const;

function rateView(r: RateRow): RateView {
  return {
    id: r.id,
    prefix: r.prefix,
    name: r.name,
    flat: r.flatMicros === null ? null : toDecimalString(r.flatMicros),
    perMinute: toDecimalString(r.perMinuteMicros),
    connectFee: toDecimalString(r.connectFeeMicros),
    increments: `${r.firstIncrementSeconds}/${r.nextIncrementSeconds}`,
  };
}

const rateOf = (r: RateRow): Rate => ({
  prefix: r.prefix,
  name: r.name,
  connectFeeMicros: r.connectFeeMicros,
  perMinuteMicros: r.perMinuteMicros,
  flatMicros: r.flatMicros,
  firstIncrementSeconds: r.firstIncrementSeconds,
  nextIncrementSeconds: r.nextIncrementSeconds,
});

const sameRate = (a: Rate, b: Rate) =>
  a.name === b.name &&
  a.connectFeeMicros === b.connectFeeMicros &&
  a.perMinuteMicros === b.perMinuteMicros &&
  a.flatMicros === b.flatMicros &&
  a.firstIncrementSeconds === b.firstIncrementSeconds &&
  a.nextIncrementSeconds === b.nextIncrementSeconds;

/** The body as a rate, or the first problem as a 400 naming its field. */
function rateFromBody(body: RateBody): Rate {
  const result = rateFromFields(body);
  if (result.rate === null) {
    const first = result.problems[0] ?? { field: 'body', message: 'the rate is not valid' };
    throw new ApiError(400, 'bad_request', first.message, first.field);
  }
  return result.rate;
}

export interface TariffRoutesOptions {
  store: Store;
}

export const tariffRoutes: FastifyPluginCallback<TariffRoutesOptions> = (app: FastifyInstance, { store }, done) => {
  const db = store.db;
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: MAX_CSV_BYTES }, (_request, body, parsed) => parsed(null, body));

  /** What the caller may do with a tariff of this account: edit (it manages the account), read (the account is above it), or nothing. */
  const accessTo = async (principal: ApiPrincipal, accountId: number): Promise<'edit' | 'read' | null> => {
    if (principal.role === 'extension_owner') return null;
    if (principal.role !== 'org_manager' && (await manages(db, principal, accountId))) return 'edit';
    return (await accountChain(db, principal.accountId)).includes(accountId) ? 'read' : null;
  };

  const findTariff = async (request: FastifyRequest, tariffId: number, need: 'read' | 'edit') => {
    const principal = principalOf(request);
    const tariff = await db
      .selectFrom('tariffs')
      .innerJoin('accounts', 'accounts.id', 'tariffs.accountId')
      .select(['tariffs.id', 'tariffs.accountId', 'tariffs.name', 'accounts.name as accountName'])
      .where('tariffs.id', '=', tariffId)
      .executeTakeFirst();
    if (!tariff) throw tariffNotFound();
    const access = await accessTo(principal, tariff.accountId);
    if (access === null) throw tariffNotFound();
    if (need === 'edit' && access !== 'edit') throw new ApiError(403, 'forbidden', `tariff "${tariff.name}" is defined by ${tariff.accountName}, an account above yours`);
    return { ...tariff, editable: access === 'edit', principal };
  };

  const tariffView = async (tariff: { id: number; accountId: number; name: string; accountName: string; editable: boolean }): Promise<TariffView> => {
    const [rates, users] = await Promise.all([
      db.selectFrom('rates').select(db.fn.countAll<string | number>().as('n')).where('tariffId', '=', tariff.id).executeTakeFirstOrThrow(),
      db.selectFrom('accounts').select(db.fn.countAll<string | number>().as('n')).where('tariffId', '=', tariff.id).executeTakeFirstOrThrow(),
    ]);
    return { id: tariff.id, accountId: tariff.accountId, accountName: tariff.accountName, name: tariff.name, rateCount: Number(rates.n), editable: tariff.editable, usedBy: Number(users.n) };
  };

  const nameTaken = (name: string) => new ApiError(409, 'conflict', `the account has a tariff named "${name}" already`, 'name');
  const allRates = (tariffId: number): Promise<RateRow[]> => db.selectFrom('rates').select(RATE_COLUMNS).where('tariffId', '=', tariffId).orderBy('prefix').execute();

  app.get<{ Reply: TariffList }>(
    '/tariffs',
    authenticatedRoute({
      schema: {
        summary: 'The tariffs the caller can see',
        description: 'An admin sees every tariff; a reseller its own, those of the accounts under it, and (read only) the provider\'s; an organization manager those above it (read only).',
        tags: ['tariffs'],
        operationId: 'listTariffs',
        response: { 200: TariffList, ...commonErrorResponses },
      },
    }),
    async (request) => {
      const principal = principalOf(request);
      const rows = await db
        .selectFrom('tariffs')
        .innerJoin('accounts', 'accounts.id', 'tariffs.accountId')
        .select(['tariffs.id', 'tariffs.accountId', 'tariffs.name', 'accounts.name as accountName'])
        .orderBy('tariffs.name')
        .orderBy('tariffs.id')
        .execute();
      const items: TariffView[] = [];
      for (const row of rows) {
        const access = await accessTo(principal, row.accountId);
        if (access) items.push(await tariffView({ ...row, editable: access === 'edit' }));
      }
      return { items };
    },
  );

  app.post<{ Body: NewTariff; Reply: TariffView }>(
    '/tariffs',
    authenticatedRoute({
      schema: {
        summary: 'Create a tariff (no rates yet)',
        description: 'For the provider (admin) or a reseller (the reseller itself, or an admin for it).',
        tags: ['tariffs'],
        operationId: 'createTariff',
        body: NewTariff,
        response: {
          201: TariffView,
          ...commonErrorResponses,
          403: { ...forbiddenResponse, description: 'Only admins and resellers create tariffs' },
          409: { ...conflictResponse, description: 'The account has a tariff of that name' },
        },
      },
    }),
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.role !== 'admin' && principal.role !== 'reseller') throw new ApiError(403, 'forbidden', 'only the provider and resellers create tariffs');
      const accountId = request.body.accountId ?? (principal.role === 'admin' ? await providerId(db) : principal.accountId);
      const account = await db.selectFrom('accounts').select(['id', 'kind', 'name']).where('id', '=', accountId).executeTakeFirst();
      if (!account || !(await manages(db, principal, accountId))) throw new ApiError(400, 'bad_request', `accountId: no account ${accountId} that you manage`, 'accountId');
      if (account.kind === 'organization') throw new ApiError(400, 'bad_request', 'accountId: tariffs belong to the provider or a reseller', 'accountId');
      const name = request.body.name.trim();
      if (name === '') throw new ApiError(400, 'bad_request', 'name must not be blank', 'name');
      const now = nowIso();
      try {
        const id = await db.transaction().execute(async (trx) => {
          const taken = await trx.selectFrom('tariffs').select('id').where('accountId', '=', accountId).where('name', '=', name).executeTakeFirst();
          if (taken) throw nameTaken(name);
          const row = await trx.insertInto('tariffs').values({ accountId, name, createdAt: now, updatedAt: now }).returning('id').executeTakeFirstOrThrow();
          await audit(trx, { actor: principal.email, at: now, action: 'create', entity: 'tariff', entityId: row.id, details: { accountId, name } });
          return row.id;
        });
        return reply.code(201).header('location', `${app.prefix}/tariffs/${id}`).send(await tariffView({ id, accountId, name, accountName: account.name, editable: true }));
      } catch (error) {
        if (isUniqueViolation(error)) throw nameTaken(name);
        throw error;
      }
    },
  );

  app.get<{ Params: TariffParams; Reply: TariffView }>(
    '/tariffs/:tariffId',
    authenticatedRoute({
      schema: { summary: 'One tariff', tags: ['tariffs'], operationId: 'getTariff', params: TariffParams, response: { 200: TariffView, ...commonErrorResponses, 404: notFoundResponse } },
    }),
    async (request) => tariffView(await findTariff(request, request.params.tariffId, 'read')),
  );

  app.patch<{ Params: TariffParams; Body: TariffChange; Reply: TariffView }>(
    '/tariffs/:tariffId',
    authenticatedRoute({
      schema: {
        summary: 'Rename a tariff',
        tags: ['tariffs'],
        operationId: 'updateTariff',
        params: TariffParams,
        body: TariffChange,
        response: { 200: TariffView, ...commonErrorResponses, 403: forbiddenResponse, 404: notFoundResponse, 409: { ...conflictResponse, description: 'The name is taken' } },
      },
    }),
    async (request) => {
      const tariff = await findTariff(request, request.params.tariffId, 'edit');
      const name = request.body.name.trim();
      if (name === '') throw new ApiError(400, 'bad_request', 'name must not be blank', 'name');
      const now = nowIso();
      try {
        await db.transaction().execute(async (trx) => {
          const taken = await trx.selectFrom('tariffs').select('id').where('accountId', '=', tariff.accountId).where('name', '=', name).where('id', '!=', tariff.id).executeTakeFirst();
          if (taken) throw nameTaken(name);
          await trx.updateTable('tariffs').set({ name, updatedAt: now }).where('id', '=', tariff.id).execute();
          await audit(trx, { actor: tariff.principal.email, at: now, action: 'update', entity: 'tariff', entityId: tariff.id, details: { from: tariff.name, name } });
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw nameTaken(name);
        throw error;
      }
      return tariffView({ ...tariff, name });
    },
  );

  app.delete<{ Params: TariffParams }>(
    '/tariffs/:tariffId',
    authenticatedRoute({
      schema: {
        summary: 'Delete a tariff and its rates',
        description: 'Refused (409) while an account is priced by it: choose another tariff for those accounts first.',
        tags: ['tariffs'],
        operationId: 'deleteTariff',
        params: TariffParams,
        response: { 204: { type: 'null', description: 'Deleted' }, ...commonErrorResponses, 403: forbiddenResponse, 404: notFoundResponse, 409: { ...conflictResponse, description: 'Accounts use it' } },
      },
    }),
    async (request, reply) => {
      const tariff = await findTariff(request, request.params.tariffId, 'edit');
      const now = nowIso();
      await db.transaction().execute(async (trx) => {
        const users = await trx.selectFrom('accounts').select('name').where('tariffId', '=', tariff.id).orderBy('name').execute();
        if (users.length > 0) throw new ApiError(409, 'conflict', `tariff "${tariff.name}" prices the calls of ${users.map((u) => u.name).join(', ')}; choose another tariff for them first`);
        await trx.deleteFrom('rates').where('tariffId', '=', tariff.id).execute();
        await trx.deleteFrom('tariffs').where('id', '=', tariff.id).execute();
        await audit(trx, { actor: tariff.principal.email, at: now, action: 'delete', entity: 'tariff', entityId: tariff.id, details: { name: tariff.name } });
      });
      return reply.code(204).send();
    },
  );

  app.get<{ Params: TariffParams; Querystring: RateQuery; Reply: RateList }>(
    '/tariffs/:tariffId/rates',
    authenticatedRoute({
      schema: {
        summary: "A tariff's rates: search, sort, a page at a time",
        tags: ['tariffs'],
        operationId: 'listRates',
        params: TariffParams,
        querystring: RateQuery,
        response: { 200: RateList, ...commonErrorResponses, 404: notFoundResponse },
      },
    }),
    async (request) => {
      const tariff = await findTariff(request, request.params.tariffId, 'read');
      const q = request.query;
      const search = q.search?.trim().toLowerCase().replace(/^\+/, '') ?? '';
      let rows = await allRates(tariff.id);
      if (search !== '') rows = rows.filter((r) => r.prefix.startsWith(search) || r.name.toLowerCase().includes(search));
      const sort = q.sort ?? 'prefix';
      const key = (r: RateRow): string | number =>
        sort === 'prefix' ? r.prefix : sort === 'name' ? r.name.toLowerCase() : sort === 'connectFee' ? r.connectFeeMicros : sort === 'perMinute' ? r.perMinuteMicros : (r.flatMicros ?? -1);
      const direction = q.order === 'desc' ? -1 : 1;
      rows.sort((a, b) => {
        const ka = key(a);
        const kb = key(b);
        const order = typeof ka === 'number' && typeof kb === 'number' ? ka - kb : String(ka).localeCompare(String(kb));
        return (order || a.prefix.localeCompare(b.prefix)) * direction;
      });
      const offset = q.offset ?? 0;
      return { total: rows.length, items: rows.slice(offset, offset + (q.limit ?? 50)).map(rateView) };
    },
  );

  app.post<{ Params: TariffParams; Body: RateBody; Reply: RateView }>(
    '/tariffs/:tariffId/rates',
    authenticatedRoute({
      schema: {
        summary: 'Add a rate to a tariff',
        description: 'The next call the tariff prices uses it.',
        tags: ['tariffs'],
        operationId: 'createRate',
        params: TariffParams,
        body: RateBody,
        response: { 201: RateView, ...commonErrorResponses, 403: forbiddenResponse, 404: notFoundResponse, 409: { ...conflictResponse, description: 'The tariff has a rate for that prefix' } },
      },
    }),
    async (request, reply) => {
      const tariff = await findTariff(request, request.params.tariffId, 'edit');
      const rate = rateFromBody(request.body);
      const taken = () => new ApiError(409, 'conflict', `the tariff has a rate for prefix "${rate.prefix}" already; change that one`, 'prefix');
      const now = nowIso();
      try {
        const id = await db.transaction().execute(async (trx) => {
          if (await trx.selectFrom('rates').select('id').where('tariffId', '=', tariff.id).where('prefix', '=', rate.prefix).executeTakeFirst()) throw taken();
          const row = await trx.insertInto('rates').values({ tariffId: tariff.id, ...rate }).returning('id').executeTakeFirstOrThrow();
          await audit(trx, { actor: tariff.principal.email, at: now, action: 'create', entity: 'rate', entityId: row.id, details: { tariffId: tariff.id, ...rate } });
          return row.id;
        });
        return reply.code(201).send(rateView({ id, ...rate }));
      } catch (error) {
        if (isUniqueViolation(error)) throw taken();
        throw error;
      }
    },
  );

  app.put<{ Params: RateParams; Body: RateBody; Reply: RateView }>(
    '/tariffs/:tariffId/rates/:rateId',
    authenticatedRoute({
      schema: {
        summary: 'Replace a rate',
        description: 'The whole rate is sent (a flat rate becomes per-minute by sending perMinute without flat). The next call the tariff prices uses it.',
        tags: ['tariffs'],
        operationId: 'updateRate',
        params: RateParams,
        body: RateBody,
        response: { 200: RateView, ...commonErrorResponses, 403: forbiddenResponse, 404: notFoundResponse, 409: { ...conflictResponse, description: 'Another rate has that prefix' } },
      },
    }),
    async (request) => {
      const tariff = await findTariff(request, request.params.tariffId, 'edit');
      const rate = rateFromBody(request.body);
      const id = request.params.rateId;
      const taken = () => new ApiError(409, 'conflict', `another rate of the tariff has prefix "${rate.prefix}"`, 'prefix');
      const now = nowIso();
      try {
        await db.transaction().execute(async (trx) => {
          const before = await trx.selectFrom('rates').select(RATE_COLUMNS).where('id', '=', id).where('tariffId', '=', tariff.id).executeTakeFirst();
          if (!before) throw rateNotFound();
          if (await trx.selectFrom('rates').select('id').where('tariffId', '=', tariff.id).where('prefix', '=', rate.prefix).where('id', '!=', id).executeTakeFirst()) throw taken();
          await trx.updateTable('rates').set(rate).where('id', '=', id).execute();
          await audit(trx, { actor: tariff.principal.email, at: now, action: 'update', entity: 'rate', entityId: id, details: { tariffId: tariff.id, from: rateOf(before), to: rate } });
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw taken();
        throw error;
      }
      return rateView({ id, ...rate });
    },
  );

  app.delete<{ Params: RateParams }>(
    '/tariffs/:tariffId/rates/:rateId',
    authenticatedRoute({
      schema: {
        summary: 'Remove a rate',
        tags: ['tariffs'],
        operationId: 'deleteRate',
        params: RateParams,
        response: { 204: { type: 'null', description: 'Removed' }, ...commonErrorResponses, 403: forbiddenResponse, 404: notFoundResponse },
      },
    }),
    async (request, reply) => {
      const tariff = await findTariff(request, request.params.tariffId, 'edit');
      const now = nowIso();
      await db.transaction().execute(async (trx) => {
        const before = await trx.selectFrom('rates').select(RATE_COLUMNS).where('id', '=', request.params.rateId).where('tariffId', '=', tariff.id).executeTakeFirst();
        if (!before) throw rateNotFound();
        await trx.deleteFrom('rates').where('id', '=', before.id).execute();
        await audit(trx, { actor: tariff.principal.email, at: now, action: 'delete', entity: 'rate', entityId: before.id, details: { tariffId: tariff.id, ...rateOf(before) } });
      });
      return reply.code(204).send();
    },
  );

  app.get<{ Params: TariffParams }>(
    '/tariffs/:tariffId/rates/export.csv',
    authenticatedRoute({
      schema: {
        summary: "Export a tariff's rates as CSV",
        description:
          `RFC 4180, UTF-8, a header row: ${RATE_CSV_COLUMNS.join(', ')}; sorted by prefix. Amounts are decimal strings; a flat rate leaves Connect fee, Per minute and Increments empty. ` +
          'The file imports back unchanged (POST .../rates/import).',
        tags: ['tariffs'],
        operationId: 'exportRatesCsv',
        params: TariffParams,
        response: { 200: { description: 'The CSV file (Content-Disposition: attachment)', content: { 'text/csv': { schema: { type: 'string' } } } }, ...commonErrorResponses, 404: notFoundResponse },
      },
    }),
    async (request, reply) => {
      const tariff = await findTariff(request, request.params.tariffId, 'read');
      const csv = ratesToCsv((await allRates(tariff.id)).map(rateOf));
      const file = `rates-${tariff.name.replace(/[^A-Za-z0-9_-]/g, '_') || tariff.id}.csv`;
      return reply
        .code(200)
        .header('content-type', CSV_TYPE)
        .header('content-disposition', `attachment; filename="${file}"`)
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff')
        .send(csv);
    },
  );

  app.post<{ Params: TariffParams; Querystring: ImportQuery; Body: string }>(
    '/tariffs/:tariffId/rates/import',
    {
      ...authenticatedRoute({
        schema: {
          summary: 'Import rates from CSV',
          description:
            `The body is the file (Content-Type: text/csv, UTF-8, at most ${MAX_CSV_BYTES / 1024 / 1024} MB and ${MAX_CSV_RATES} rates). The first line names the columns ` +
            `(${RATE_CSV_COLUMNS.join(', ')}; Prefix and Name are required, any order, case and spacing do not matter). Each line is checked like a rate sent to POST .../rates. ` +
            'When any line is bad, the whole file is refused with 400 and problems lists every bad line with its number and reason; nothing is imported. ' +
            'mode=merge (default) adds and updates the file\'s prefixes and keeps the others; mode=replace leaves the tariff with exactly the file\'s rates.',
          tags: ['tariffs'],
          operationId: 'importRatesCsv',
          params: TariffParams,
          querystring: ImportQuery,
          consumes: ['text/csv'],
          body: { type: 'string', description: 'The CSV file' },
          response: {
            200: ImportResult,
            ...commonErrorResponses,
            400: ImportRefused,
            403: forbiddenResponse,
            404: notFoundResponse,
          },
        },
      }),
      bodyLimit: MAX_CSV_BYTES,
    },
    async (request, reply) => {
      const tariff = await findTariff(request, request.params.tariffId, 'edit');
      const type = request.headers['content-type'] ?? '';
      if (!/^text\/csv\b/i.test(type)) return reply.code(415).send({ error: 'unsupported_media_type', message: 'send the file as text/csv' });
      const mode = request.query.mode ?? 'merge';
      const { rates, problems } = ratesFromCsv(typeof request.body === 'string' ? request.body : '');
      if (problems.length > 0) {
        const lines = [...new Set(problems.map((p) => p.line))];
        return reply.code(400).send({
          error: 'bad_request',
          message: `${lines.length} line${lines.length === 1 ? ' was' : 's were'} refused (line${lines.length === 1 ? '' : 's'} ${lines.slice(0, 20).join(', ')}${lines.length > 20 ? ', ...' : ''}); nothing was imported`,
          field: 'body',
          problems: problems.slice(0, 1000),
        });
      }
      const now = nowIso();
      const result: ImportResult = await db.transaction().execute(async (trx) => {
        const existing = new Map((await trx.selectFrom('rates').select(RATE_COLUMNS).where('tariffId', '=', tariff.id).execute()).map((r) => [r.prefix, r]));
        let created = 0;
        let updated = 0;
        let unchanged = 0;
        let deleted = 0;
        const inFile = new Set(rates.map((r) => r.prefix));
        if (mode === 'replace') {
          const gone = [...existing.values()].filter((r) => !inFile.has(r.prefix)).map((r) => r.id);
          for (let i = 0; i < gone.length; i += 500) await trx.deleteFrom('rates').where('id', 'in', gone.slice(i, i + 500)).execute();
          deleted = gone.length;
        }
        const fresh: Rate[] = [];
        for (const rate of rates) {
          const before = existing.get(rate.prefix);
          if (!before) fresh.push(rate);
          else if (sameRate(rateOf(before), rate)) unchanged += 1;
          else {
            await trx.updateTable('rates').set(rate).where('id', '=', before.id).execute();
            updated += 1;
          }
        }
        for (let i = 0; i < fresh.length; i += 200) {
          await trx
            .insertInto('rates')
            .values(fresh.slice(i, i + 200).map((r) => ({ tariffId: tariff.id, ...r })))
            .execute();
        }
        created = fresh.length;
        const total = Number((await trx.selectFrom('rates').select(trx.fn.countAll<string | number>().as('n')).where('tariffId', '=', tariff.id).executeTakeFirstOrThrow()).n);
        await audit(trx, { actor: tariff.principal.email, at: now, action: 'import', entity: 'rates', entityId: tariff.id, details: { mode, created, updated, unchanged, deleted, total } });
        return { mode, created, updated, unchanged, deleted, total };
      });
      return result;
    },
  );

  done();
};
