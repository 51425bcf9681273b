import { Type, type Static } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { FastifyInstance, FastifyPluginCallback, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import { formatClock, isTimeZone, parseClock, validateTimeInterval, type DateException, type TimeInterval, type Weekday, type WeeklySlot } from '../../domain/time-interval.js';
import { bool, nowIso, type Store } from '../../store/db.js';
import type { Database } from '../../store/schema.js';
import { accountChain } from '../../store/accounts.js';
import { scopedAccount } from './account-scope.js';
import { findManagedExtension, principalOf } from './auth.js';
import { ApiError, commonErrorResponses, conflictResponse, forbiddenResponse } from './errors.js';
import { authenticatedRoute } from './openapi.js';
import { ExtensionParams, Id, Nullable, ONE_LINE_TEXT, StringEnum } from './schemas.js';

/**
 * Time intervals (SPEC §6): named weekly hours in a time zone with dated exceptions, which CallNow
 * availability picks from. An account sees its own and those of the accounts above it (marked
 * inherited, read-only there); changing one needs the account it belongs to. The checks are the
 * domain's (src/domain/time-interval.ts), the same provisioning makes.
 */

type Db = Kysely<Database>;

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const Clock = (description: string) => Type.String({ minLength: 1, maxLength: 5, description: `${description}, local time HH:MM (00:00 to 24:00)` });

const WeeklyHours = Type.Object(
  {
    days: Type.Array(StringEnum(WEEKDAYS, 'A weekday'), { minItems: 1, maxItems: 7, uniqueItems: true, description: 'The weekdays these hours apply to' }),
    from: Clock('Opens at'),
    to: Clock('Closes at; earlier than from means past midnight'),
  },
  { additionalProperties: false, description: 'Opening hours on some weekdays' },
);

const ExceptionDay = Type.Object(
  {
    date: Type.String({ minLength: 10, maxLength: 10, description: 'The local date, YYYY-MM-DD' }),
    closed: Type.Boolean({ description: 'Closed all day; otherwise open only from..to on that date' }),
    from: Type.Optional(Nullable(Clock('Opens at (not for a closed day)'))),
    to: Type.Optional(Nullable(Clock('Closes at (not for a closed day)'))),
  },
  { additionalProperties: false, description: 'A date whose hours replace the weekly ones' },
);

const TimeIntervalBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: ONE_LINE_TEXT, description: 'Unique in the account; "Anytime" is built in' }),
    timezone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Australia/Sydney' }),
    weekly: Type.Array(WeeklyHours, { maxItems: 70, description: 'The weekly opening hours (empty: never open, except on exception dates)' }),
    exceptions: Type.Optional(Type.Array(ExceptionDay, { maxItems: 400, description: 'Dates with other hours, or closed' })),
  },
  { additionalProperties: false, description: 'A time interval' },
);
type TimeIntervalBody = Static<typeof TimeIntervalBody>;

const UsedBy = Type.Object(
  { id: Type.Integer(), number: Type.String(), name: Type.String() },
  { additionalProperties: false, description: 'An extension whose CallNow availability is this interval' },
);

const TimeIntervalView = Type.Object(
  {
    id: Type.Integer(),
    accountId: Type.Integer({ description: 'The account it belongs to' }),
    accountName: Type.String(),
    name: Type.String(),
    timezone: Type.String(),
    weekly: Type.Array(
      Type.Object({ days: Type.Array(StringEnum(WEEKDAYS, 'A weekday')), from: Type.String(), to: Type.String() }, { additionalProperties: false }),
    ),
    exceptions: Type.Array(
      Type.Object(
        { date: Type.String(), closed: Type.Boolean(), from: Nullable(Type.String()), to: Nullable(Type.String()) },
        { additionalProperties: false },
      ),
    ),
    inherited: Type.Boolean({ description: 'Defined by an account above the one asked about: read-only there' }),
    usedBy: Type.Array(UsedBy, { description: 'Extensions (of the account asked about and below) that use it for CallNow availability' }),
  },
  { additionalProperties: false, description: 'A time interval' },
);
type TimeIntervalView = Static<typeof TimeIntervalView>;
const TimeIntervalList = Type.Array(TimeIntervalView, { description: 'Own intervals first (by name), then inherited ones, nearest account first' });
type TimeIntervalList = Static<typeof TimeIntervalList>;

const AccountParams = Type.Object({ accountId: Id('The account id') }, { additionalProperties: false });
type AccountParams = Static<typeof AccountParams>;
const IntervalParams = Type.Object({ id: Id("The time interval's id") }, { additionalProperties: false });
type IntervalParams = Static<typeof IntervalParams>;

const intervalNotFound = (): ApiError => new ApiError(404, 'not_found', 'no such time interval');
const notFoundResponse = { ...commonErrorResponses[404], description: 'No such time interval (or account), or not one this user can see' };

interface IntervalRow {
  id: number;
  accountId: number;
  accountName: string;
  name: string;
  timezone: string;
}

async function intervalsOf(db: Db, accountIds: number[]): Promise<IntervalRow[]> {
  if (accountIds.length === 0) return [];
  return db
    .selectFrom('timeIntervals as t')
    .innerJoin('accounts as a', 'a.id', 't.accountId')
    .select(['t.id', 't.accountId', 'a.name as accountName', 't.name', 't.timezone'])
    .where('t.accountId', 'in', accountIds)
    .execute();
}

/** Rows as views; `usedWithin` limits usedBy to extensions of these accounts (null: any). */
async function views(db: Db, rows: IntervalRow[], ownAccountId: number, usedWithin: number[] | null): Promise<TimeIntervalView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [slots, exceptions, users] = await Promise.all([
    db.selectFrom('timeIntervalSlots').select(['timeIntervalId', 'days', 'fromMinute', 'toMinute', 'position']).where('timeIntervalId', 'in', ids).orderBy('position').execute(),
    db.selectFrom('timeIntervalExceptions').select(['timeIntervalId', 'date', 'closed', 'fromMinute', 'toMinute']).where('timeIntervalId', 'in', ids).orderBy('date').execute(),
    (() => {
      let q = db
        .selectFrom('callnowPreferences as p')
        .innerJoin('extensions as e', 'e.id', 'p.extensionId')
        .select(['p.availabilityIntervalId', 'e.id', 'e.number', 'e.name'])
        .where('p.availabilityIntervalId', 'in', ids);
      if (usedWithin !== null) q = q.where('e.accountId', 'in', usedWithin.length > 0 ? usedWithin : [0]);
      return q.orderBy('e.number').execute();
    })(),
  ]);
  return rows.map((r) => ({
    id: r.id,
    accountId: r.accountId,
    accountName: r.accountName,
    name: r.name,
    timezone: r.timezone,
    weekly: slots
      .filter((s) => s.timeIntervalId === r.id)
      .map((s) => ({ days: s.days.split(',').filter(Boolean) as Weekday[], from: formatClock(s.fromMinute), to: formatClock(s.toMinute) })),
    exceptions: exceptions
      .filter((e) => e.timeIntervalId === r.id)
      .map((e) => ({
        date: e.date,
        closed: e.closed === 1,
        from: e.fromMinute === null ? null : formatClock(e.fromMinute),
        to: e.toMinute === null ? null : formatClock(e.toMinute),
      })),
    inherited: r.accountId !== ownAccountId,
    usedBy: users.filter((u) => u.availabilityIntervalId === r.id).map((u) => ({ id: u.id, number: u.number, name: u.name })),
  }));
}

/** Own first by name, then each account above, nearest first. */
function ordered(rows: IntervalRow[], chain: number[]): IntervalRow[] {
  return [...rows].sort((a, b) => chain.indexOf(a.accountId) - chain.indexOf(b.accountId) || a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }));
}

function badField(field: string, message: string): ApiError {
  return new ApiError(400, 'bad_request', `${field}: ${message}`, field);
}

function clockAt(field: string, text: string): number {
  try {
    return parseClock(text);
  } catch (error) {
    if (error instanceof DomainError) throw badField(field, error.message);
    throw error;
  }
}

/** The request as the domain's TimeInterval, each problem reported with the field at fault. */
export function timeIntervalOf(body: TimeIntervalBody): TimeInterval {
  if (body.name.trim() === '') throw badField('name', 'give the interval a name');
  if (body.name.trim().toLowerCase() === 'anytime') throw badField('name', '"Anytime" is built in; choose another name');
  if (!isTimeZone(body.timezone)) throw badField('timezone', `"${body.timezone}" is not an IANA time zone (e.g. Europe/Berlin)`);
  const weekly: WeeklySlot[] = body.weekly.map((w, i) => ({
    days: [...w.days],
    fromMinute: clockAt(`weekly[${i}].from`, w.from),
    toMinute: clockAt(`weekly[${i}].to`, w.to),
  }));
  const exceptions: DateException[] = (body.exceptions ?? []).map((e, i) => {
    const from = e.from ?? null;
    const to = e.to ?? null;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(e.date) || Number.isNaN(Date.parse(`${e.date}T00:00:00Z`)) || new Date(`${e.date}T00:00:00Z`).toISOString().slice(0, 10) !== e.date) {
      throw badField(`exceptions[${i}].date`, `"${e.date}" is not a date; write it as YYYY-MM-DD`);
    }
    if (e.closed) {
      if (from !== null || to !== null) throw badField(`exceptions[${i}]`, 'a closed day has no from/to');
      return { date: e.date, closed: true };
    }
    if (from === null) throw badField(`exceptions[${i}].from`, 'an open exception needs both from and to');
    if (to === null) throw badField(`exceptions[${i}].to`, 'an open exception needs both from and to');
    return { date: e.date, closed: false, fromMinute: clockAt(`exceptions[${i}].from`, from), toMinute: clockAt(`exceptions[${i}].to`, to) };
  });
  const seen = new Set<string>();
  for (const [i, e] of exceptions.entries()) {
    if (seen.has(e.date)) throw badField(`exceptions[${i}].date`, `${e.date} is listed twice`);
    seen.add(e.date);
  }
  const interval: TimeInterval = { timezone: body.timezone, weekly, exceptions };
  // Each entry alone first, so the message can name it; then the whole (what entries only do together).
  const check = (field: string, ti: TimeInterval) => {
    try {
      validateTimeInterval(ti);
    } catch (error) {
      if (error instanceof DomainError) throw badField(field, error.message);
      throw error;
    }
  };
  weekly.forEach((w, i) => check(`weekly[${i}]`, { timezone: body.timezone, weekly: [w], exceptions: [] }));
  exceptions.forEach((e, i) => check(`exceptions[${i}]`, { timezone: body.timezone, weekly: [], exceptions: [e] }));
  check('weekly', interval);
  return interval;
}

function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: string }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

async function audit(db: Db, actor: string, action: string, id: number, details: unknown): Promise<void> {
  await db
    .insertInto('auditLog')
    .values({ at: nowIso(), actor, action, entity: 'time_interval', entityId: String(id), details: JSON.stringify(details) })
    .execute();
}

/** Replaces the interval's hours and exceptions with these (they are configuration, like in provisioning). */
async function writeHours(db: Db, id: number, ti: TimeInterval): Promise<void> {
  await db.deleteFrom('timeIntervalSlots').where('timeIntervalId', '=', id).execute();
  await db.deleteFrom('timeIntervalExceptions').where('timeIntervalId', '=', id).execute();
  if (ti.weekly.length > 0) {
    await db
      .insertInto('timeIntervalSlots')
      .values(ti.weekly.map((w, position) => ({ timeIntervalId: id, position, days: w.days.join(','), fromMinute: w.fromMinute, toMinute: w.toMinute })))
      .execute();
  }
  if (ti.exceptions.length > 0) {
    await db
      .insertInto('timeIntervalExceptions')
      .values(ti.exceptions.map((e) => ({ timeIntervalId: id, date: e.date, closed: bool(e.closed), fromMinute: e.fromMinute ?? null, toMinute: e.toMinute ?? null })))
      .execute();
  }
}

export interface TimeIntervalRoutesOptions {
  store: Store;
}

export const timeIntervalRoutes: FastifyPluginCallback<TimeIntervalRoutesOptions> = (app: FastifyInstance, { store }, done) => {
  const db = store.db;

  const nameTaken = (name: string) => new ApiError(409, 'conflict', `a time interval named "${name}" exists in this account already; choose another name`, 'name');

  /**
   * The interval and whether this user may change it. Visible: in an account the user sees, or
   * above the user's own account (inherited: 403 on change). Otherwise 404.
   */
  const managedInterval = async (request: FastifyRequest, id: number): Promise<{ row: IntervalRow; canChange: boolean }> => {
    const principal = principalOf(request);
    const [row] = await db
      .selectFrom('timeIntervals as t')
      .innerJoin('accounts as a', 'a.id', 't.accountId')
      .select(['t.id', 't.accountId', 'a.name as accountName', 't.name', 't.timezone'])
      .where('t.id', '=', id)
      .execute();
    if (!row) throw intervalNotFound();
    try {
      const account = await scopedAccount(db, principal, row.accountId);
      return { row, canChange: account.canChange };
    } catch (error) {
      if (!(error instanceof ApiError && error.statusCode === 404)) throw error;
    }
    if ((await accountChain(db, principal.accountId)).includes(row.accountId)) return { row, canChange: false };
    throw intervalNotFound();
  };

  const readOnly = (row: IntervalRow) =>
    new ApiError(403, 'forbidden', `time interval "${row.name}" belongs to ${row.accountName}, an account above yours: it is read-only here`);

  app.get<{ Params: AccountParams; Reply: TimeIntervalList }>(
    '/accounts/:accountId/time-intervals',
    authenticatedRoute({
      schema: {
        summary: "An account's time intervals, and those of the accounts above it (inherited)",
        tags: ['time-intervals'],
        operationId: 'listTimeIntervals',
        params: AccountParams,
        response: { 200: TimeIntervalList, ...commonErrorResponses, 404: notFoundResponse },
      },
    }),
    async (request) => {
      const account = await scopedAccount(db, principalOf(request), request.params.accountId);
      const rows = ordered(await intervalsOf(db, account.chain), account.chain);
      return views(db, rows, account.id, [account.id, ...(await accountsBelow(db, account.id))]);
    },
  );

  app.get<{ Params: ExtensionParams; Reply: TimeIntervalList }>(
    '/extensions/:extensionId/time-intervals',
    authenticatedRoute({
      schema: {
        summary: "The time intervals an extension's CallNow availability may name",
        description: "Its organization's own and those above it; where two share a name, the nearer one is the one meant (and listed).",
        tags: ['time-intervals'],
        operationId: 'listExtensionTimeIntervals',
        params: ExtensionParams,
        response: { 200: TimeIntervalList, ...commonErrorResponses },
      },
    }),
    async (request) => {
      const extension = await findManagedExtension(store, principalOf(request), request.params.extensionId);
      const chain = extension.accountChain;
      const seen = new Set<string>();
      const rows = ordered(await intervalsOf(db, chain), chain).filter((r) => !seen.has(r.name) && (seen.add(r.name), true));
      return views(db, rows, extension.accountId, [extension.accountId]);
    },
  );

  app.get<{ Params: IntervalParams; Reply: TimeIntervalView }>(
    '/time-intervals/:id',
    authenticatedRoute({
      schema: {
        summary: 'One time interval',
        tags: ['time-intervals'],
        operationId: 'getTimeInterval',
        params: IntervalParams,
        response: { 200: TimeIntervalView, ...commonErrorResponses, 404: notFoundResponse },
      },
    }),
    async (request) => {
      const { row, canChange } = await managedInterval(request, request.params.id);
      const principal = principalOf(request);
      // Seen from below it is inherited, and usedBy stays within the user's own account.
      const [result] = canChange ? await views(db, [row], row.accountId, null) : await views(db, [row], principal.accountId, [principal.accountId]);
      return result;
    },
  );

  app.post<{ Params: AccountParams; Body: TimeIntervalBody; Reply: TimeIntervalView }>(
    '/accounts/:accountId/time-intervals',
    authenticatedRoute({
      schema: {
        summary: 'Create a time interval in an account',
        description: 'Visible to the account and every account below it. Times are HH:MM; a "to" earlier than "from" runs past midnight.',
        tags: ['time-intervals'],
        operationId: 'createTimeInterval',
        params: AccountParams,
        body: TimeIntervalBody,
        response: {
          201: TimeIntervalView,
          ...commonErrorResponses,
          403: { ...forbiddenResponse, description: 'An extension owner cannot create time intervals' },
          404: notFoundResponse,
          409: { ...conflictResponse, description: 'The account has a time interval of that name' },
        },
      },
    }),
    async (request, reply) => {
      const principal = principalOf(request);
      const account = await scopedAccount(db, principal, request.params.accountId);
      if (!account.canChange) throw new ApiError(403, 'forbidden', "an extension owner cannot change time intervals; the organization's manager can");
      const body = request.body;
      const interval = timeIntervalOf(body);
      const name = body.name.trim();
      const now = nowIso();
      let id: number;
      try {
        id = await db.transaction().execute(async (trx) => {
          const taken = await trx.selectFrom('timeIntervals').select('id').where('accountId', '=', account.id).where('name', '=', name).executeTakeFirst();
          if (taken) throw nameTaken(name);
          const row = await trx
            .insertInto('timeIntervals')
            .values({ accountId: account.id, name, timezone: body.timezone, createdAt: now, updatedAt: now })
            .returning('id')
            .executeTakeFirstOrThrow();
          await writeHours(trx, row.id, interval);
          await audit(trx, principal.email, 'time_interval.create', row.id, { accountId: account.id, ...body, name });
          return row.id;
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw nameTaken(name);
        throw error;
      }
      const [created] = await views(db, [{ id, accountId: account.id, accountName: account.name, name, timezone: body.timezone }], account.id, null);
      return reply.code(201).header('location', `${app.prefix}/time-intervals/${id}`).send(created as TimeIntervalView);
    },
  );

  app.put<{ Params: IntervalParams; Body: TimeIntervalBody; Reply: TimeIntervalView }>(
    '/time-intervals/:id',
    authenticatedRoute({
      schema: {
        summary: "Replace a time interval's name, time zone, weekly hours and exceptions",
        description: 'Extensions that use it for availability follow the new hours at once (they refer to it, not to its name).',
        tags: ['time-intervals'],
        operationId: 'updateTimeInterval',
        params: IntervalParams,
        body: TimeIntervalBody,
        response: {
          200: TimeIntervalView,
          ...commonErrorResponses,
          403: { ...forbiddenResponse, description: 'Defined by an account above the user (inherited, read-only), or the user is an extension owner' },
          404: notFoundResponse,
          409: { ...conflictResponse, description: 'The account has another time interval of that name' },
        },
      },
    }),
    async (request) => {
      const principal = principalOf(request);
      const { row, canChange } = await managedInterval(request, request.params.id);
      if (!canChange) throw readOnly(row);
      const body = request.body;
      const interval = timeIntervalOf(body);
      const name = body.name.trim();
      try {
        await db.transaction().execute(async (trx) => {
          const taken = await trx
            .selectFrom('timeIntervals')
            .select('id')
            .where('accountId', '=', row.accountId)
            .where('name', '=', name)
            .where('id', '!=', row.id)
            .executeTakeFirst();
          if (taken) throw nameTaken(name);
          await trx.updateTable('timeIntervals').set({ name, timezone: body.timezone, updatedAt: nowIso() }).where('id', '=', row.id).execute();
          await writeHours(trx, row.id, interval);
          await audit(trx, principal.email, 'time_interval.update', row.id, { before: { name: row.name, timezone: row.timezone }, after: { ...body, name } });
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw nameTaken(name);
        throw error;
      }
      const [updated] = await views(db, [{ ...row, name, timezone: body.timezone }], row.accountId, null);
      return updated;
    },
  );

  app.delete<{ Params: IntervalParams }>(
    '/time-intervals/:id',
    authenticatedRoute({
      schema: {
        summary: 'Delete a time interval',
        description: 'Refused (409, naming them) while an extension uses it for CallNow availability.',
        tags: ['time-intervals'],
        operationId: 'deleteTimeInterval',
        params: IntervalParams,
        response: {
          204: { type: 'null', description: 'Deleted' },
          ...commonErrorResponses,
          403: { ...forbiddenResponse, description: 'Defined by an account above the user (inherited, read-only), or the user is an extension owner' },
          404: notFoundResponse,
          409: { ...conflictResponse, description: 'Extensions use it for their CallNow availability' },
        },
      },
    }),
    async (request, reply) => {
      const principal = principalOf(request);
      const { row, canChange } = await managedInterval(request, request.params.id);
      if (!canChange) throw readOnly(row);
      await db.transaction().execute(async (trx) => {
        const users = await trx
          .selectFrom('callnowPreferences as p')
          .innerJoin('extensions as e', 'e.id', 'p.extensionId')
          .innerJoin('accounts as a', 'a.id', 'e.accountId')
          .select(['e.number', 'e.name', 'a.name as organization'])
          .where('p.availabilityIntervalId', '=', row.id)
          .orderBy('e.number')
          .execute();
        if (users.length > 0) {
          const which = users.map((u) => (u.organization === row.accountName ? `${u.number} (${u.name})` : `${u.number} (${u.name}, ${u.organization})`)).join(', ');
          throw new ApiError(
            409,
            'conflict',
            `time interval "${row.name}" is the CallNow availability of extension${users.length === 1 ? '' : 's'} ${which}; pick another availability there first`,
          );
        }
        await trx.deleteFrom('timeIntervals').where('id', '=', row.id).execute();
        await audit(trx, principal.email, 'time_interval.delete', row.id, { accountId: row.accountId, name: row.name });
      });
      return reply.code(204).send();
    },
  );

  done();
};

/** Every account below this one (children, their children, ...). */
async function accountsBelow(db: Db, accountId: number): Promise<number[]> {
  const found: number[] = [];
  let level = [accountId];
  for (let depth = 0; depth < 16 && level.length > 0; depth++) {
    const rows = await db.selectFrom('accounts').select('id').where('parentId', 'in', level).execute();
    level = rows.map((r) => r.id).filter((id) => id !== accountId && !found.includes(id));
    found.push(...level);
  }
  return found;
}
