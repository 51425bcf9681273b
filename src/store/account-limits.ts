import { PostgresAdapter, sql, type Kysely } from 'kysely';
import { checkAccountLimits, startOfDayUtc, type AccountLicence, type AccountLimitDecision, type AccountUsage } from '../domain/account-limits.js';
import { accountChain, accountTree } from './accounts.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/**
 * A line open longer than this belongs to a call that can no longer be running (the node
 * that had it stopped without ending it): it no longer counts against the caps. Longer than
 * the longest call the flows connect (two hours) plus their ringing.
 */
export const OPEN_LEG_LIFETIME_MS = 3 * 3600_000;

/** The legs that are the paid connection of a call, rated and charged. */
const PAID_ROLES = ['requester', 'destination'] as const;

/**
 * When the caps are checked. `start`: before anyone is rung, counting every call with a
 * line open. `connect`: before the paid leg is dialled, counting the connections already
 * made, under the accounts' locks (so two calls cannot both take the last place); the
 * call's own first leg (the owner, the traveller) is not a connection.
 */
export type LimitStage = 'start' | 'connect';

/** The licences of the account and of each account above it, nearest first; the ones without caps left out. */
export async function cappedLicences(db: Db, accountId: number): Promise<AccountLicence[]> {
  const chain = await accountChain(db, accountId);
  if (chain.length === 0) return [];
  const rows = await db
    .selectFrom('accounts')
    .select(['id', 'maxConcurrentCalls', 'dailySpendCapMicros'])
    .where('id', 'in', chain)
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return chain
    .map((id) => byId.get(id))
    .filter((r): r is NonNullable<typeof r> => r !== undefined && (r.maxConcurrentCalls !== null || r.dailySpendCapMicros !== null))
    .map((r) => ({ accountId: r.id, maxConcurrentCalls: r.maxConcurrentCalls, dailySpendCapMicros: r.dailySpendCapMicros === null ? null : Number(r.dailySpendCapMicros) }));
}

/** What the accounts (an account and everything below it) use now. */
export async function readAccountUsage(db: Db, accountIds: readonly number[], stage: LimitStage, nowMs: number): Promise<AccountUsage> {
  const openSince = new Date(nowMs - OPEN_LEG_LIFETIME_MS).toISOString();
  const dayStart = new Date(startOfDayUtc(nowMs)).toISOString();
  let open = db
    .selectFrom('callLegs')
    .select(['id', 'requestId'])
    .where('accountId', 'in', accountIds)
    .where('endedAt', 'is', null)
    .where('startedAt', '>=', openSince);
  if (stage === 'connect') open = open.where('role', 'in', PAID_ROLES);
  const openLegs = await open.execute();
  // A call is one request however many legs it has open; a leg of no request is a call of its own.
  const calls = new Set(openLegs.map((leg) => (leg.requestId === null ? `leg ${leg.id}` : `request ${leg.requestId}`)));

  const spent = await db
    .selectFrom('callLegs')
    .select(sql<string | number | null>`sum(cost_micros)`.as('total'))
    .where('accountId', 'in', accountIds)
    .where('startedAt', '>=', dayStart)
    .executeTakeFirst();
  const held = await db
    .selectFrom('callLegs')
    .innerJoin('ledgerReservations', 'ledgerReservations.id', 'callLegs.reservationId')
    .select(sql<string | number | null>`sum(ledger_reservations.amount_micros)`.as('total'))
    .where('callLegs.accountId', 'in', accountIds)
    .where('callLegs.endedAt', 'is', null)
    .where('callLegs.startedAt', '>=', openSince)
    .where('ledgerReservations.state', '=', 'open')
    .executeTakeFirst();
  return { callsInProgress: calls.size, spentTodayMicros: Number(spent?.total ?? 0), heldMicros: Number(held?.total ?? 0) };
}

/**
 * Whether the account may have one more call now, by its licence and every licence above
 * it. At `connect`, call it inside the transaction that then holds the credit and writes the
 * paid leg: on PostgreSQL it locks the capped accounts' rows (in id order, so two calls never
 * wait on each other crosswise); SQLite runs one writer at a time anyway.
 */
export async function checkCallAllowed(db: Db, accountId: number, stage: LimitStage, nowMs: number): Promise<AccountLimitDecision> {
  const licences = await cappedLicences(db, accountId);
  if (licences.length === 0) return { allowed: true, spendRoomMicros: null };
  if (stage === 'connect' && db.isTransaction && db.getExecutor().adapter instanceof PostgresAdapter) {
    const ids = licences.map((l) => l.accountId).sort((a, b) => a - b);
    // NO KEY UPDATE: admissions wait for each other, but rows that merely reference the account (legs, requests) do not.
    await db.selectFrom('accounts').select('id').where('id', 'in', ids).orderBy('id').forNoKeyUpdate().execute();
  }
  const chain = [];
  for (const licence of licences) {
    // An organization's usage is its own; a reseller's covers all its organizations.
    const below = await accountTree(db, licence.accountId);
    chain.push({ licence, usage: await readAccountUsage(db, below, stage, nowMs) });
  }
  return checkAccountLimits(chain);
}
