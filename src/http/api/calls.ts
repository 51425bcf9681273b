import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginCallback, FastifyRequest } from 'fastify';
import { toDecimalString } from '../../domain/money.js';
import { accountTree } from '../../store/accounts.js';
import { dailyFigures, listCalls, type CallFilter, type CallRecord, type HistoryScope } from '../../store/call-history.js';
import type { Store } from '../../store/db.js';
import { readSettings } from '../../store/settings.js';
import { findManagedExtension, principalOf } from './auth.js';
import { toCsv } from './callerids.js';
import { ApiError, commonErrorResponses } from './errors.js';
import { authenticatedRoute } from './openapi.js';
import { Id, Nullable, StringEnum } from './schemas.js';

/**
 * Call history with cost (SPEC §6: CDRs for every leg, with filters and export) and the
 * dashboard's figures (today and the last 30 days), each for what the caller may see:
 * an administrator everything, a reseller its accounts and those below, an organization
 * manager its organization, an extension owner the calls of their extension.
 */

const ISO_INSTANT = '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,3})?)?(Z|[+-]\\d{2}:\\d{2}))?$';

const FilterQuery = {
  accountId: Type.Optional(Id('Only this account and those below it (an organization, a reseller)')),
  extensionId: Type.Optional(Id('Only calls of this extension')),
  from: Type.Optional(Type.String({ pattern: ISO_INSTANT, description: 'Started at or after: a date (UTC midnight) or an ISO 8601 instant' })),
  to: Type.Optional(Type.String({ pattern: ISO_INSTANT, description: 'Started before: a date (UTC midnight) or an ISO 8601 instant' })),
  number: Type.Optional(Type.String({ maxLength: 32, pattern: '^[0-9+*#]*$', description: 'Digits found in the calling or called number' })),
  answered: Type.Optional(Type.Boolean({ description: 'Only answered legs' })),
};

const ListQuery = Type.Object(
  {
    ...FilterQuery,
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0, description: 'Skip this many (newest first)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 25, description: 'At most this many (1-200, default 25)' })),
  },
  { additionalProperties: false },
);
type ListQuery = Static<typeof ListQuery>;
const ExportQuery = Type.Object(FilterQuery, { additionalProperties: false });
type ExportQuery = Static<typeof ExportQuery>;

const Call = Type.Object(
  {
    id: Type.Integer({ description: "The leg's id" }),
    requestId: Nullable(Type.Integer({ description: 'The request the leg belongs to' })),
    kind: Nullable(Type.String({ description: 'What triggered it: callnow, callback, …' })),
    role: StringEnum(['owner', 'requester', 'caller', 'callback', 'destination', 'source'] as const, 'The leg: owner (the extension rung), requester, callback, destination, …'),
    direction: StringEnum(['inbound', 'outbound'] as const, 'Seen from the server'),
    fromNumber: Nullable(Type.String()),
    toNumber: Type.String(),
    extensionId: Nullable(Type.Integer()),
    extensionNumber: Nullable(Type.String({ description: "The extension's internal number" })),
    accountId: Type.Integer({ description: 'The account charged' }),
    startedAt: Type.String({ format: 'date-time' }),
    answeredAt: Nullable(Type.String({ format: 'date-time' })),
    endedAt: Nullable(Type.String({ format: 'date-time' })),
    durationSeconds: Type.Integer({ description: 'Talk time' }),
    billedSeconds: Type.Integer({ description: 'Seconds charged (after billing increments)' }),
    ratePrefix: Nullable(Type.String({ description: 'The rate that priced it' })),
    cost: Type.String({ description: 'Decimal amount in the server currency' }),
    cause: Nullable(Type.String({ description: 'Why it ended (normal, busy, no-answer, credit-exhausted, …)' })),
  },
  { additionalProperties: false },
);
type Call = Static<typeof Call>;

const CallList = Type.Object(
  {
    calls: Type.Array(Call, { description: 'Newest first' }),
    total: Type.Integer({ description: 'Legs matching the filters' }),
    totalCost: Type.String({ description: 'Cost of all matching legs' }),
    totalBilledSeconds: Type.Integer({ description: 'Billed seconds of all matching legs' }),
    currency: Nullable(Type.String({ description: 'ISO 4217 code of the server currency' })),
  },
  { additionalProperties: false },
);
type CallList = Static<typeof CallList>;

const Day = Type.Object(
  {
    date: Type.String({ description: 'YYYY-MM-DD (UTC)' }),
    requests: Type.Integer({ description: 'Callback and CallNow requests received' }),
    calls: Type.Integer({ description: 'Requests that got through: at least one of their legs was answered' }),
    billedSeconds: Type.Integer(),
    cost: Type.String({ description: 'Decimal amount in the server currency' }),
  },
  { additionalProperties: false },
);
const Stats = Type.Object(
  {
    currency: Nullable(Type.String()),
    today: Day,
    days: Type.Array(Day, { description: 'The last 30 UTC days, oldest first, today last' }),
  },
  { additionalProperties: false, description: "The dashboard's figures" },
);
type Stats = Static<typeof Stats>;
const StatsQuery = Type.Object({ accountId: FilterQuery.accountId, extensionId: FilterQuery.extensionId }, { additionalProperties: false });
type StatsQuery = Static<typeof StatsQuery>;

const accountNotFound = (): ApiError => new ApiError(404, 'not_found', 'no such account', 'accountId');

/** A bare date means midnight UTC. */
const instantOf = (text: string | undefined): string | undefined => {
  if (text === undefined) return undefined;
  const date = new Date(text.length === 10 ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(date.getTime())) throw new ApiError(400, 'bad_request', `${JSON.stringify(text)} is not a date`);
  return date.toISOString();
};

export interface CallRoutesOptions {
  store: Store;
  clock?: () => number;
}

export const callRoutes: FastifyPluginCallback<CallRoutesOptions> = (app: FastifyInstance, { store, clock = Date.now }, done) => {
  const db = store.db;

  /** What the caller may see, narrowed by the accountId and extensionId they asked for. */
  const scopeOf = async (request: FastifyRequest, asked: { accountId?: number | undefined; extensionId?: number | undefined }): Promise<HistoryScope> => {
    const principal = principalOf(request);
    if (asked.extensionId !== undefined) {
      const extension = await findManagedExtension(store, principal, asked.extensionId);
      if (asked.accountId !== undefined && !extension.accountChain.includes(asked.accountId)) throw accountNotFound();
      return { kind: 'extension', extensionId: extension.id };
    }
    if (principal.role === 'extension_owner') {
      if (principal.extensionId === null || asked.accountId !== undefined) throw accountNotFound();
      return { kind: 'extension', extensionId: principal.extensionId };
    }
    if (principal.role === 'admin') {
      if (asked.accountId === undefined) return { kind: 'all' };
      const exists = await db.selectFrom('accounts').select('id').where('id', '=', asked.accountId).executeTakeFirst();
      if (!exists) throw accountNotFound();
      return { kind: 'accounts', accountIds: await accountTree(db, asked.accountId) };
    }
    const own = principal.role === 'reseller' ? await accountTree(db, principal.accountId) : [principal.accountId];
    if (asked.accountId === undefined) return { kind: 'accounts', accountIds: own };
    if (!own.includes(asked.accountId)) throw accountNotFound();
    return { kind: 'accounts', accountIds: principal.role === 'reseller' ? await accountTree(db, asked.accountId) : [asked.accountId] };
  };

  const filterOf = (query: ExportQuery): CallFilter => {
    const from = instantOf(query.from);
    const to = instantOf(query.to);
    if (from !== undefined && to !== undefined && from >= to) throw new ApiError(400, 'bad_request', '"to" must come after "from"', 'to');
    return {
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
      ...(query.number ? { number: query.number } : {}),
      ...(query.answered ? { answeredOnly: true } : {}),
    };
  };

  const view = ({ costMicros, ...call }: CallRecord): Call => ({ ...call, cost: toDecimalString(costMicros) });

  app.get<{ Querystring: ListQuery; Reply: CallList }>(
    '/calls',
    authenticatedRoute({
      schema: {
        summary: 'Call history: every call leg with its cost, newest first, a page at a time',
        tags: ['calls'],
        operationId: 'listCalls',
        querystring: ListQuery,
        response: { 200: CallList, ...commonErrorResponses },
      },
    }),
    async (request) => {
      const scope = await scopeOf(request, request.query);
      const result = await listCalls(db, scope, filterOf(request.query), { offset: request.query.offset ?? 0, limit: request.query.limit ?? 25 });
      const { currency } = await readSettings(db);
      return { calls: result.calls.map(view), total: result.total, totalCost: toDecimalString(result.costMicros), totalBilledSeconds: result.billedSeconds, currency };
    },
  );

  app.get<{ Querystring: ExportQuery }>(
    '/calls/export.csv',
    authenticatedRoute({
      schema: {
        summary: 'Call history as CSV (every leg that matches the filters, newest first, at most 100,000)',
        description: 'RFC 4180, UTF-8, header row; times in UTC (ISO 8601); cost as a decimal amount in the server currency.',
        tags: ['calls'],
        operationId: 'exportCallsCsv',
        querystring: ExportQuery,
        response: { 200: { description: 'The CSV file (Content-Disposition: attachment)', content: { 'text/csv': { schema: { type: 'string' } } } }, ...commonErrorResponses },
      },
    }),
    async (request, reply) => {
      const scope = await scopeOf(request, request.query);
      const { calls } = await listCalls(db, scope, filterOf(request.query), { offset: 0, limit: 100_000 });
      const { currency } = await readSettings(db);
      const header = ['Started (UTC)', 'Answered (UTC)', 'Ended (UTC)', 'Kind', 'Leg', 'Extension', 'From', 'To', 'Duration (s)', 'Billed (s)', 'Rate prefix', `Cost${currency ? ` (${currency})` : ''}`, 'Cause'];
      const rows = calls.map((c) => [
        c.startedAt,
        c.answeredAt ?? '',
        c.endedAt ?? '',
        c.kind ?? '',
        c.role,
        c.extensionNumber ?? '',
        c.fromNumber ?? '',
        c.toNumber,
        String(c.durationSeconds),
        String(c.billedSeconds),
        c.ratePrefix ?? '',
        toDecimalString(c.costMicros),
        c.cause ?? '',
      ]);
      return reply
        .code(200)
        .header('content-type', 'text/csv; charset=utf-8; header=present')
        .header('content-disposition', `attachment; filename="calls-${new Date(clock()).toISOString().slice(0, 10)}.csv"`)
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff')
        .send(toCsv([header, ...rows]));
    },
  );

  app.get<{ Querystring: StatsQuery; Reply: Stats }>(
    '/stats',
    authenticatedRoute({
      schema: {
        summary: "The dashboard: today's requests, answered calls, billed time and cost, and the same for each of the last 30 days (UTC)",
        tags: ['calls'],
        operationId: 'getStats',
        querystring: StatsQuery,
        response: { 200: Stats, ...commonErrorResponses },
      },
    }),
    async (request) => {
      const scope = await scopeOf(request, request.query);
      const days = (await dailyFigures(store, scope, new Date(clock()), 30)).map(({ costMicros, ...day }) => ({ ...day, cost: toDecimalString(costMicros) }));
      const { currency } = await readSettings(db);
      return { currency, today: days[days.length - 1] as Stats['today'], days };
    },
  );

  done();
};
