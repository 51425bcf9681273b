import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { Store } from './db.js';
import type { CallLegTable, Database } from './schema.js';

/**
 * Call history (CDRs, SPEC §6) and the dashboard's figures, for one scope of what a user
 * may see: every account (admin), a set of accounts (a reseller's tree, an organization),
 * or one extension (its owner).
 */

type Db = Kysely<Database>;

export type HistoryScope = { kind: 'all' } | { kind: 'accounts'; accountIds: number[] } | { kind: 'extension'; extensionId: number };

export interface CallFilter {
  /** Inclusive start and exclusive end, ISO 8601 instants. */
  from?: string;
  to?: string;
  extensionId?: number;
  /** Digits (or part of them) of either number. */
  number?: string;
  answeredOnly?: boolean;
}

export interface CallRecord {
  id: number;
  requestId: number | null;
  kind: string | null;
  role: CallLegTable['role'];
  direction: 'inbound' | 'outbound';
  fromNumber: string | null;
  toNumber: string;
  extensionId: number | null;
  extensionNumber: string | null;
  accountId: number;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  durationSeconds: number;
  billedSeconds: number;
  ratePrefix: string | null;
  costMicros: number;
  cause: string | null;
}

type LegRow = ExpressionBuilder<Database & { l: Database['callLegs']; r: Database['callbackRequests'] }, 'l' | 'r'>;

function legsQuery(db: Db, scope: HistoryScope, filter: CallFilter) {
  let query = db.selectFrom('callLegs as l').leftJoin('callbackRequests as r', 'r.id', 'l.requestId').leftJoin('extensions as e', 'e.id', 'l.extensionId');
  if (scope.kind === 'accounts') query = query.where('l.accountId', 'in', scope.accountIds.length > 0 ? scope.accountIds : [-1]);
  // A leg belongs to an extension when it rang it, or when it was placed for one of its requests.
  if (scope.kind === 'extension') query = query.where((eb: LegRow) => eb.or([eb('l.extensionId', '=', scope.extensionId), eb('r.extensionId', '=', scope.extensionId)]));
  if (filter.extensionId !== undefined) {
    const extensionId = filter.extensionId;
    query = query.where((eb: LegRow) => eb.or([eb('l.extensionId', '=', extensionId), eb('r.extensionId', '=', extensionId)]));
  }
  if (filter.from !== undefined) query = query.where('l.startedAt', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('l.startedAt', '<', filter.to);
  if (filter.answeredOnly) query = query.where('l.answeredAt', 'is not', null);
  if (filter.number !== undefined && filter.number !== '') {
    const pattern = `%${filter.number.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb: LegRow) => eb.or([sql<boolean>`${eb.ref('l.toNumber')} like ${pattern} escape '\\'`, sql<boolean>`${eb.ref('l.fromNumber')} like ${pattern} escape '\\'`]));
  }
  return query;
}

export async function listCalls(db: Db, scope: HistoryScope, filter: CallFilter, page: { offset: number; limit: number }) {
  const base = legsQuery(db, scope, filter);
  const [rows, totals] = await Promise.all([
    base
      .select([
        'l.id',
        'l.requestId',
        'r.kind',
        'l.role',
        'l.direction',
        'l.fromNumber',
        'l.toNumber',
        'l.extensionId',
        'e.number as extensionNumber',
        'l.accountId',
        'l.startedAt',
        'l.answeredAt',
        'l.endedAt',
        'l.durationSeconds',
        'l.billedSeconds',
        'l.ratePrefix',
        'l.costMicros',
        'l.cause',
      ])
      .orderBy('l.startedAt', 'desc')
      .orderBy('l.id', 'desc')
      .offset(page.offset)
      .limit(page.limit)
      .execute(),
    base
      .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.coalesce(eb.fn.sum<number>('l.costMicros'), sql<number>`0`).as('cost'), eb.fn.coalesce(eb.fn.sum<number>('l.billedSeconds'), sql<number>`0`).as('seconds')])
      .executeTakeFirstOrThrow(),
  ]);
  return {
    calls: rows as CallRecord[],
    total: Number(totals.count),
    costMicros: Number(totals.cost),
    billedSeconds: Number(totals.seconds),
  };
}

export interface DayFigures {
  /** YYYY-MM-DD (UTC). */
  date: string;
  requests: number;
  /** Requests with an answered leg. */
  calls: number;
  billedSeconds: number;
  costMicros: number;
}

/** The UTC day of an instant column, as YYYY-MM-DD on both databases. */
function dayOf(store: Store, column: string) {
  return store.dialect === 'postgres' ? sql<string>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD')` : sql<string>`substr(${sql.ref(column)}, 1, 10)`;
}

/** Requests, answered calls, billed seconds and cost per UTC day, for the `days` days ending with `today` (oldest first, every day present). */
export async function dailyFigures(store: Store, scope: HistoryScope, today: Date, days: number): Promise<DayFigures[]> {
  const db = store.db;
  const end = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 1));
  const start = new Date(end.getTime() - days * 86_400_000);
  const from = start.toISOString();
  const to = end.toISOString();

  const legDay = dayOf(store, 'l.startedAt');
  const legs = await legsQuery(db, scope, { from, to })
    .select((eb) => [
      legDay.as('day'),
      // A call is a request that got through (its legs answered), not each leg of it.
      sql<number>`count(distinct case when ${eb.ref('l.answeredAt')} is not null then ${eb.ref('l.requestId')} end)`.as('calls'),
      eb.fn.coalesce(eb.fn.sum<number>('l.billedSeconds'), sql<number>`0`).as('seconds'),
      eb.fn.coalesce(eb.fn.sum<number>('l.costMicros'), sql<number>`0`).as('cost'),
    ])
    .groupBy(legDay)
    .execute();

  const requestDay = dayOf(store, 'r.createdAt');
  let requests = db.selectFrom('callbackRequests as r').where('r.createdAt', '>=', from).where('r.createdAt', '<', to);
  if (scope.kind === 'accounts') requests = requests.where('r.accountId', 'in', scope.accountIds.length > 0 ? scope.accountIds : [-1]);
  if (scope.kind === 'extension') requests = requests.where('r.extensionId', '=', scope.extensionId);
  const requestRows = await requests.select((eb) => [requestDay.as('day'), eb.fn.countAll<number>().as('count')]).groupBy(requestDay).execute();

  const byDay = new Map<string, DayFigures>();
  for (let i = 0; i < days; i += 1) {
    const date = new Date(start.getTime() + i * 86_400_000).toISOString().slice(0, 10);
    byDay.set(date, { date, requests: 0, calls: 0, billedSeconds: 0, costMicros: 0 });
  }
  for (const row of legs) {
    const day = byDay.get(row.day);
    if (!day) continue;
    day.calls = Number(row.calls);
    day.billedSeconds = Number(row.seconds);
    day.costMicros = Number(row.cost);
  }
  for (const row of requestRows) {
    const day = byDay.get(row.day);
    if (day) day.requests = Number(row.count);
  }
  return [...byDay.values()];
}
