import { PostgresAdapter, type Kysely, type Selectable, type Transaction } from 'kysely';
import { DomainError } from '../domain/errors.js';
import {
  openingEntries,
  recharge,
  reserve,
  setUnlimited,
  settle,
  type CreditState,
  type LedgerEntryDraft,
  type RechargeResult,
  type SettleResult,
} from '../domain/ledger.js';
import type { Micros } from '../domain/money.js';
import { bool, nowIso } from './db.js';
import type { Database, LedgerEntryTable } from './schema.js';

/**
 * Credit accounts and their ledger. Every change runs in one transaction that locks
 * the account row (FOR UPDATE on PostgreSQL; SQLite runs one writer at a time), asks
 * the pure ledger rules what to write, and writes the entries and the new state together.
 */

type Db = Kysely<Database>;

async function inTransaction<T>(db: Db, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db as Transaction<Database>) : db.transaction().execute(work);
}

export async function createCreditAccount(
  db: Db,
  credit: Micros | 'unlimited',
  actor: string,
  now: string = nowIso(),
): Promise<number> {
  const opening = openingEntries(credit);
  const row = await db
    .insertInto('creditAccounts')
    .values({ unlimited: 0, balanceMicros: 0, heldMicros: 0, floorMicros: 0, createdAt: now, updatedAt: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  await writeEntries(db, row.id, emptyState(), opening.state, opening.entries, { actor, now, reservationId: null });
  return row.id;
}

function emptyState(): CreditState {
  return { unlimited: false, balanceMicros: 0, heldMicros: 0, floorMicros: 0 };
}

export async function readCreditState(db: Db, creditAccountId: number): Promise<CreditState> {
  const row = await db
    .selectFrom('creditAccounts')
    .select(['unlimited', 'balanceMicros', 'heldMicros', 'floorMicros'])
    .where('id', '=', creditAccountId)
    .executeTakeFirst();
  if (!row) throw new DomainError('credit_account_not_found', `credit account ${creditAccountId} does not exist`);
  return { ...row, unlimited: row.unlimited === 1 };
}

async function lockCreditState(trx: Transaction<Database>, creditAccountId: number): Promise<CreditState> {
  let query = trx
    .selectFrom('creditAccounts')
    .select(['unlimited', 'balanceMicros', 'heldMicros', 'floorMicros'])
    .where('id', '=', creditAccountId);
  // SQLite has no FOR UPDATE: its transactions already run one writer at a time.
  if (trx.getExecutor().adapter instanceof PostgresAdapter) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw new DomainError('credit_account_not_found', `credit account ${creditAccountId} does not exist`);
  return { ...row, unlimited: row.unlimited === 1 };
}

/** Writes the entries with running totals and stores the final state on the account row. */
async function writeEntries(
  db: Db,
  creditAccountId: number,
  before: CreditState,
  after: CreditState,
  entries: readonly LedgerEntryDraft[],
  meta: { actor: string; now: string; reservationId: number | null },
): Promise<void> {
  let balance = before.balanceMicros;
  let held = before.heldMicros;
  const rows: Omit<LedgerEntryTable, 'id'>[] = entries.map((entry, i) => {
    balance += entry.amountMicros;
    held += entry.heldMicros;
    // The account is unlimited or not from the last entry on; earlier ones carry the old flag.
    const unlimited = i === entries.length - 1 ? after.unlimited : before.unlimited;
    return {
      creditAccountId,
      kind: entry.kind,
      amountMicros: entry.amountMicros,
      heldMicros: entry.heldMicros,
      balanceAfterMicros: balance,
      heldAfterMicros: held,
      unlimitedAfter: bool(unlimited),
      reservationId: meta.reservationId,
      note: entry.note,
      actor: meta.actor,
      createdAt: meta.now,
    };
  });
  if (balance !== after.balanceMicros || held !== after.heldMicros) {
    throw new Error(`ledger entries do not add up to the new state of credit account ${creditAccountId}`);
  }
  if (rows.length > 0) await db.insertInto('ledgerEntries').values(rows).execute();
  await db
    .updateTable('creditAccounts')
    .set({
      unlimited: bool(after.unlimited),
      balanceMicros: after.balanceMicros,
      heldMicros: after.heldMicros,
      floorMicros: after.floorMicros,
      updatedAt: meta.now,
    })
    .where('id', '=', creditAccountId)
    .execute();
}

export interface CreditOptions {
  /** Who made the change (a user's e-mail, "provisioning", "call 123"), kept on each entry. */
  actor: string;
  clock?: () => number;
}

/** Holds credit for a call; throws DomainError('insufficient_credit') when the account cannot afford it. */
export async function reserveCredit(
  db: Db,
  creditAccountId: number,
  amountMicros: Micros,
  purpose: string,
  options: CreditOptions,
): Promise<{ reservationId: number; state: CreditState }> {
  return inTransaction(db, async (trx) => {
    const now = nowIso(options.clock);
    const before = await lockCreditState(trx, creditAccountId);
    const result = reserve(before, amountMicros, purpose);
    const reservation = await trx
      .insertInto('ledgerReservations')
      .values({ creditAccountId, amountMicros, capturedMicros: null, state: 'open', purpose, createdAt: now, updatedAt: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await writeEntries(trx, creditAccountId, before, result.state, result.entries, {
      actor: options.actor,
      now,
      reservationId: reservation.id,
    });
    return { reservationId: reservation.id, state: result.state };
  });
}

/** Ends a reservation: captures the call's cost (never beyond the reservation) and releases the rest. */
export async function settleReservation(
  db: Db,
  reservationId: number,
  costMicros: Micros,
  options: CreditOptions,
): Promise<SettleResult> {
  return inTransaction(db, async (trx) => {
    const now = nowIso(options.clock);
    const reservation = await trx
      .selectFrom('ledgerReservations')
      .selectAll()
      .where('id', '=', reservationId)
      .executeTakeFirst();
    if (!reservation) throw new DomainError('reservation_not_found', `reservation ${reservationId} does not exist`);
    const before = await lockCreditState(trx, reservation.creditAccountId);
    // Re-read under the account lock: two settlements of one reservation must not both pass.
    const current = await trx.selectFrom('ledgerReservations').select('state').where('id', '=', reservationId).executeTakeFirstOrThrow();
    if (current.state !== 'open') throw new DomainError('reservation_settled', `reservation ${reservationId} is settled already`);
    const result = settle(before, reservation.amountMicros, costMicros);
    await trx
      .updateTable('ledgerReservations')
      .set({ state: 'settled', capturedMicros: result.capturedMicros, updatedAt: now })
      .where('id', '=', reservationId)
      .execute();
    await writeEntries(trx, reservation.creditAccountId, before, result.state, result.entries, {
      actor: options.actor,
      now,
      reservationId,
    });
    return result;
  });
}

/** Adds credit (negative amounts lower it; SPEC §4 rule for Unlimited). */
export async function rechargeCredit(
  db: Db,
  creditAccountId: number,
  amountMicros: Micros,
  note: string | null,
  options: CreditOptions,
): Promise<RechargeResult> {
  return inTransaction(db, async (trx) => {
    const now = nowIso(options.clock);
    const before = await lockCreditState(trx, creditAccountId);
    const result = recharge(before, amountMicros, note);
    await writeEntries(trx, creditAccountId, before, result.state, result.entries, { actor: options.actor, now, reservationId: null });
    return result;
  });
}

export async function makeUnlimited(db: Db, creditAccountId: number, options: CreditOptions): Promise<CreditState> {
  return inTransaction(db, async (trx) => {
    const now = nowIso(options.clock);
    const before = await lockCreditState(trx, creditAccountId);
    const result = setUnlimited(before);
    await writeEntries(trx, creditAccountId, before, result.state, result.entries, { actor: options.actor, now, reservationId: null });
    return result.state;
  });
}

/** The account's entries, oldest first. */
export async function ledgerEntries(db: Db, creditAccountId: number): Promise<Selectable<LedgerEntryTable>[]> {
  return db.selectFrom('ledgerEntries').selectAll().where('creditAccountId', '=', creditAccountId).orderBy('id').execute();
}
