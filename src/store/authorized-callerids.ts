import { PostgresAdapter, type Kysely, type Transaction } from 'kysely';
import { DomainError } from '../domain/errors.js';
import { UNLIMITED_ENDED_NOTE, type RechargeResult } from '../domain/ledger.js';
import type { Micros } from '../domain/money.js';
import type { E164 } from '../domain/phone-number.js';
import { createCreditAccount, makeUnlimited, rechargeCredit } from './credit-accounts.js';
import { bool, nowIso } from './db.js';
import type { Database } from './schema.js';
import { readSettings } from './settings.js';

/**
 * SPEC §4: the authorized CallerIDs of a callback extension and their credit. Each CallerID
 * has a credit account of its own (Unlimited unless given an amount); every credit change is
 * a ledger entry (credit-accounts.ts), every other change an audit-log entry. The licence
 * limits how many are active at once; the check runs with the extension's row locked, so two
 * requests racing for the last place cannot both take it.
 *
 * Refusals are DomainErrors with these codes: `duplicate_callerid`, `licence_limit`,
 * `callerid_not_found`, and the ledger's own (`insufficient_credit`, `invalid_amount`, ...).
 */

type Db = Kysely<Database>;

/** What these functions need to know about the extension (the REST API's ManagedExtension will do). */
export interface CalleridExtension {
  id: number;
  accountId: number;
  number: string;
}

export interface AuthorizedCallerId {
  id: number;
  extensionId: number;
  callerId: E164;
  description: string;
  active: boolean;
  /** Whether a password is set; the password itself never leaves the store through this type. */
  hasPassword: boolean;
  credit: { unlimited: true } | { unlimited: false; balanceMicros: Micros };
  /** When it was added (ISO 8601). */
  createdAt: string;
}

export const CALLERID_SORTS = ['callerId', 'description', 'status', 'credit', 'addedOn'] as const;
export type CalleridSort = (typeof CALLERID_SORTS)[number];
export type SortOrder = 'asc' | 'desc';

export interface CalleridQuery {
  /** Case-insensitive, in the CallerID and the description. */
  search?: string;
  sort?: CalleridSort;
  order?: SortOrder;
}

/** callbackSettings.maxAuthorizedCallerids when an extension has no callback settings row (provisioning's default). */
export const DEFAULT_MAX_AUTHORIZED_CALLERIDS = 10;

const COLUMNS = [
  'a.id',
  'a.extensionId',
  'a.callerId',
  'a.description',
  'a.password',
  'a.active',
  'a.createdAt',
  'a.creditAccountId',
  'c.unlimited',
  'c.balanceMicros',
] as const;

interface Row {
  id: number;
  extensionId: number;
  callerId: string;
  description: string;
  password: string | null;
  active: 0 | 1;
  createdAt: string;
  creditAccountId: number;
  unlimited: 0 | 1;
  balanceMicros: number;
}

function viewOf(row: Row): AuthorizedCallerId {
  return {
    id: row.id,
    extensionId: row.extensionId,
    callerId: row.callerId,
    description: row.description,
    active: row.active === 1,
    hasPassword: row.password !== null,
    credit: row.unlimited === 1 ? { unlimited: true } : { unlimited: false, balanceMicros: row.balanceMicros },
    createdAt: row.createdAt,
  };
}

const selectRows = (db: Db) =>
  db.selectFrom('authorizedCallerids as a').innerJoin('creditAccounts as c', 'c.id', 'a.creditAccountId').select(COLUMNS);

async function rowById(db: Db, id: number): Promise<Row | undefined> {
  return selectRows(db).where('a.id', '=', id).executeTakeFirst();
}

export async function findAuthorizedCallerId(db: Db, id: number): Promise<AuthorizedCallerId | null> {
  const row = await rowById(db, id);
  return row ? viewOf(row) : null;
}

/** Text compared without regard to case (any script) or Unicode composition. */
const fold = (text: string): string => text.normalize('NFKC').toLowerCase();
/** Phone-number separators people type in a search: "+61 412 345". */
const PHONE_SEARCH = /^[+\d\s\-.()]+$/;
const descriptionOrder = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

function matcher(search: string | undefined): (c: AuthorizedCallerId) => boolean {
  const needle = fold(search?.trim() ?? '');
  if (needle === '') return () => true;
  const digits = PHONE_SEARCH.test(needle) ? needle.replace(/\D/g, '') : '';
  return (c) => fold(c.description).includes(needle) || c.callerId.includes(needle) || (digits !== '' && c.callerId.includes(digits));
}

function comparator(sort: CalleridSort): (a: AuthorizedCallerId, b: AuthorizedCallerId) => number {
  switch (sort) {
    case 'callerId':
      return (a, b) => (a.callerId < b.callerId ? -1 : a.callerId > b.callerId ? 1 : 0);
    case 'description':
      return (a, b) => descriptionOrder.compare(a.description, b.description);
    case 'status':
      // "active" before "inactive", as the words sort.
      return (a, b) => Number(b.active) - Number(a.active);
    case 'credit':
      // Amounts in order, Unlimited above any amount.
      return (a, b) => {
        if (a.credit.unlimited || b.credit.unlimited) return Number(a.credit.unlimited) - Number(b.credit.unlimited);
        return a.credit.balanceMicros - b.credit.balanceMicros;
      };
    case 'addedOn':
      // Ids break ties in the same direction: two added in the same millisecond keep their order.
      return (a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id - b.id);
  }
}

/**
 * The extension's CallerIDs that match the search, in the order asked for (equal values in the
 * order they were added, so pages never overlap). Searching and sorting happen here rather than in SQL so they mean the
 * same on both databases: SQLite's lower() and LIKE fold ASCII only, and PostgreSQL orders text
 * by its locale. An extension has at most thousands of CallerIDs; exports need them all anyway.
 */
export async function listAuthorizedCallerIds(db: Db, extensionId: number, query: CalleridQuery = {}): Promise<AuthorizedCallerId[]> {
  const rows = await selectRows(db).where('a.extensionId', '=', extensionId).orderBy('a.id').execute();
  const compare = comparator(query.sort ?? 'addedOn');
  const direction = query.order === 'desc' ? -1 : 1;
  return rows
    .map(viewOf)
    .filter(matcher(query.search))
    .sort((a, b) => direction * compare(a, b) || a.id - b.id);
}

export async function countActiveCallerIds(db: Db, extensionId: number): Promise<number> {
  const row = await db
    .selectFrom('authorizedCallerids')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('extensionId', '=', extensionId)
    .where('active', '=', 1)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * How many active CallerIDs the licence allows the extension: its callback settings'
 * maxAuthorizedCallerids, or the organization's maxAuthorizedCallerids when that is set and lower.
 */
export async function licenceLimit(db: Db, extension: CalleridExtension): Promise<number> {
  const settings = await db.selectFrom('callbackSettings').select('maxAuthorizedCallerids').where('extensionId', '=', extension.id).executeTakeFirst();
  const organization = await db.selectFrom('accounts').select('maxAuthorizedCallerids').where('id', '=', extension.accountId).executeTakeFirst();
  const own = settings?.maxAuthorizedCallerids ?? DEFAULT_MAX_AUTHORIZED_CALLERIDS;
  const ofOrganization = organization?.maxAuthorizedCallerids ?? null;
  return ofOrganization === null ? own : Math.min(own, ofOrganization);
}

/** The country national numbers are read in: the organization's, else the server's; null when neither is set. */
export async function numberingCountry(db: Db, extension: CalleridExtension): Promise<string | null> {
  const organization = await db.selectFrom('accounts').select('defaultCountry').where('id', '=', extension.accountId).executeTakeFirst();
  return organization?.defaultCountry ?? (await readSettings(db)).defaultCountry;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function licenceRefusal(extension: CalleridExtension, limit: number, active: number): DomainError {
  if (limit === 0) {
    return new DomainError('licence_limit', `the licence allows no active authorized CallerIDs on extension ${extension.number}; add it as inactive`);
  }
  const over = active - limit + 1;
  return new DomainError(
    'licence_limit',
    `the licence allows ${plural(limit, 'active authorized CallerID', 'active authorized CallerIDs')} and ${active} ${active === 1 ? 'is' : 'are'} active; ` +
      `deactivate ${over === 1 ? 'one' : over} first`,
  );
}

/** Serializes writers of one extension's list: PostgreSQL locks its row; SQLite already runs one writer at a time. */
async function lockExtension(trx: Transaction<Database>, extensionId: number): Promise<void> {
  let query = trx.selectFrom('extensions').select('id').where('id', '=', extensionId);
  if (trx.getExecutor().adapter instanceof PostgresAdapter) query = query.forUpdate();
  await query.executeTakeFirst();
}

async function assertRoomForOneMore(trx: Transaction<Database>, extension: CalleridExtension): Promise<void> {
  const limit = await licenceLimit(trx, extension);
  const active = await countActiveCallerIds(trx, extension.id);
  if (active >= limit) throw licenceRefusal(extension, limit, active);
}

const duplicate = (extension: CalleridExtension, callerId: string) =>
  new DomainError('duplicate_callerid', `CallerID ${callerId} is already authorized on extension ${extension.number}`);
const notFound = (id: number) => new DomainError('callerid_not_found', `authorized CallerID ${id} does not exist`);

async function assertUnique(trx: Transaction<Database>, extension: CalleridExtension, callerId: string, except: number | null): Promise<void> {
  let query = trx.selectFrom('authorizedCallerids').select('id').where('extensionId', '=', extension.id).where('callerId', '=', callerId);
  if (except !== null) query = query.where('id', '!=', except);
  if (await query.executeTakeFirst()) throw duplicate(extension, callerId);
}

/** A unique index refused a second row for the CallerID (two requests racing to add it). */
function isDuplicateRow(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, constraint } = error as Error & { code?: string; constraint?: string };
  const unique = code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
  return unique && `${constraint ?? ''} ${error.message}`.includes('authorized_callerids');
}

async function audit(
  db: Db,
  entry: { actor: string; now: string; action: string; id: number; details: Record<string, unknown> },
): Promise<void> {
  await db
    .insertInto('auditLog')
    .values({
      at: entry.now,
      actor: entry.actor,
      action: entry.action,
      entity: 'authorized callerid',
      entityId: String(entry.id),
      details: JSON.stringify(entry.details),
    })
    .execute();
}

export interface NewAuthorizedCallerId {
  callerId: E164;
  description: string;
  /** Digits, or null for none. */
  password: string | null;
  active: boolean;
  /** The opening credit: 'unlimited' (SPEC §4 default) or an amount of at least 0. */
  credit: Micros | 'unlimited';
}

interface ChangeOptions {
  /** Who made the change (the user's e-mail); kept in the audit log and on ledger entries. */
  actor: string;
  now?: string;
}

export async function addAuthorizedCallerId(
  db: Db,
  extension: CalleridExtension,
  input: NewAuthorizedCallerId,
  { actor, now = nowIso() }: ChangeOptions,
): Promise<AuthorizedCallerId> {
  try {
    return await db.transaction().execute(async (trx) => {
      await lockExtension(trx, extension.id);
      await assertUnique(trx, extension, input.callerId, null);
      if (input.active) await assertRoomForOneMore(trx, extension);
      const creditAccountId = await createCreditAccount(trx, input.credit, actor, now);
      const { id } = await trx
        .insertInto('authorizedCallerids')
        .values({
          extensionId: extension.id,
          callerId: input.callerId,
          description: input.description,
          password: input.password,
          creditAccountId,
          lockedUntil: null,
          active: bool(input.active),
          createdAt: now,
          updatedAt: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await audit(trx, {
        actor,
        now,
        action: 'create',
        id,
        details: {
          extensionId: extension.id,
          callerId: input.callerId,
          description: input.description,
          password: input.password === null ? 'none' : 'set',
          active: input.active,
          credit: input.credit,
        },
      });
      return viewOf((await rowById(trx, id)) as Row);
    });
  } catch (error) {
    if (isDuplicateRow(error)) throw duplicate(extension, input.callerId);
    throw error;
  }
}

export interface AuthorizedCallerIdChange {
  callerId?: E164;
  description?: string;
  /** null removes the password. */
  password?: string | null;
  active?: boolean;
}

/**
 * Changes what is given. Activating counts against the licence. A new password also clears
 * the lock-out of wrong password attempts. Audited as activate/deactivate when only the status
 * changes, else as update; nothing is written when nothing changes.
 */
export async function updateAuthorizedCallerId(
  db: Db,
  extension: CalleridExtension,
  id: number,
  change: AuthorizedCallerIdChange,
  { actor, now = nowIso() }: ChangeOptions,
): Promise<AuthorizedCallerId> {
  try {
    return await db.transaction().execute(async (trx) => {
      await lockExtension(trx, extension.id);
      const before = await trx.selectFrom('authorizedCallerids').selectAll().where('id', '=', id).where('extensionId', '=', extension.id).executeTakeFirst();
      if (!before) throw notFound(id);

      const set: { callerId?: string; description?: string; password?: string | null; active?: 0 | 1; failedPasswordAttempts?: number; lockedUntil?: null } = {};
      const details: Record<string, unknown> = {};
      if (change.callerId !== undefined && change.callerId !== before.callerId) {
        await assertUnique(trx, extension, change.callerId, id);
        set.callerId = change.callerId;
        details.callerId = { from: before.callerId, to: change.callerId };
      }
      if (change.description !== undefined && change.description !== before.description) {
        set.description = change.description;
        details.description = { from: before.description, to: change.description };
      }
      if (change.password !== undefined && change.password !== before.password) {
        set.password = change.password;
        set.failedPasswordAttempts = 0;
        set.lockedUntil = null;
        details.password = change.password === null ? 'removed' : 'changed';
      }
      if (change.active !== undefined && bool(change.active) !== before.active) {
        if (change.active) await assertRoomForOneMore(trx, extension);
        set.active = bool(change.active);
        details.active = { from: before.active === 1, to: change.active };
      }
      const keys = Object.keys(details);
      if (keys.length > 0) {
        await trx
          .updateTable('authorizedCallerids')
          .set({ ...set, updatedAt: now })
          .where('id', '=', id)
          .execute();
        const action = keys.length === 1 && keys[0] === 'active' ? (change.active ? 'activate' : 'deactivate') : 'update';
        await audit(trx, { actor, now, action, id, details: { extensionId: extension.id, callerId: set.callerId ?? before.callerId, ...details } });
      }
      return viewOf((await rowById(trx, id)) as Row);
    });
  } catch (error) {
    if (isDuplicateRow(error) && change.callerId !== undefined) throw duplicate(extension, change.callerId);
    throw error;
  }
}

/**
 * Removes the CallerID from the extension's list. Its credit account and ledger stay: they
 * are money history, and the call records that charged them still point at them.
 */
export async function deleteAuthorizedCallerId(db: Db, extension: CalleridExtension, id: number, { actor, now = nowIso() }: ChangeOptions): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await lockExtension(trx, extension.id);
    const before = await rowById(trx, id);
    if (!before || before.extensionId !== extension.id) throw notFound(id);
    await trx.deleteFrom('authorizedCallerids').where('id', '=', id).execute();
    await audit(trx, {
      actor,
      now,
      action: 'delete',
      id,
      details: {
        extensionId: extension.id,
        callerId: before.callerId,
        description: before.description,
        active: before.active === 1,
        creditAccountId: before.creditAccountId,
        credit: before.unlimited === 1 ? 'unlimited' : before.balanceMicros,
      },
    });
  });
}

async function creditAccountOf(db: Db, id: number): Promise<{ creditAccountId: number; extensionId: number; callerId: string }> {
  const row = await db.selectFrom('authorizedCallerids').select(['creditAccountId', 'extensionId', 'callerId']).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound(id);
  return row;
}

/** Adds credit through the ledger (a negative amount lowers it; SPEC §4 for Unlimited, see ledger.recharge). */
export async function rechargeAuthorizedCallerId(
  db: Db,
  id: number,
  amountMicros: Micros,
  note: string | null,
  { actor, now = nowIso() }: ChangeOptions,
): Promise<{ callerId: AuthorizedCallerId; recharge: RechargeResult }> {
  return db.transaction().execute(async (trx) => {
    const { creditAccountId, extensionId, callerId } = await creditAccountOf(trx, id);
    const result = await rechargeCredit(trx, creditAccountId, amountMicros, note, { actor, clock: () => Date.parse(now) });
    await audit(trx, {
      actor,
      now,
      action: 'recharge',
      id,
      details: { extensionId, callerId, amountMicros, note, creditLeftAfter: result.creditLeftAfter, endedUnlimited: result.endedUnlimited },
    });
    return { callerId: viewOf((await rowById(trx, id)) as Row), recharge: result };
  });
}

/** Makes the CallerID's credit Unlimited; already Unlimited is left as it is (nothing recorded). */
export async function makeAuthorizedCallerIdUnlimited(db: Db, id: number, { actor, now = nowIso() }: ChangeOptions): Promise<AuthorizedCallerId> {
  return db.transaction().execute(async (trx) => {
    const { creditAccountId, extensionId, callerId } = await creditAccountOf(trx, id);
    try {
      // It decides under the account's lock, so of two requests at once one changes it and one finds it done.
      await makeUnlimited(trx, creditAccountId, { actor, clock: () => Date.parse(now) });
      await audit(trx, { actor, now, action: 'unlimited', id, details: { extensionId, callerId } });
    } catch (error) {
      // Refused before anything was written, so the transaction is intact.
      if (!(error instanceof DomainError && error.code === 'already_unlimited')) throw error;
    }
    return viewOf((await rowById(trx, id)) as Row);
  });
}

export interface CreditHistoryEntry {
  at: string;
  /** What was added (negative: removed); 0 for a change of mode such as "Unlimited started". */
  amountAddedMicros: Micros;
  /** The credit left after it, or 'unlimited'. */
  creditLeftAfter: Micros | 'unlimited';
  /** Who did it: a user's e-mail, or "provisioning". */
  by: string;
  note: string | null;
}

/**
 * The recharge history of the CallerID's credit, newest first: the recharges and adjustments of
 * its ledger (calls' holds and captures are not recharges). A negative amount given to Unlimited
 * is written as two entries, the recharge as given and the adjustment that sets the credit to 0
 * (ledger.recharge); the history shows them as the one change it was: that amount added, 0 left.
 */
export async function creditHistory(db: Db, id: number): Promise<CreditHistoryEntry[]> {
  const { creditAccountId } = await creditAccountOf(db, id);
  const entries = await db
    .selectFrom('ledgerEntries')
    .select(['id', 'kind', 'amountMicros', 'balanceAfterMicros', 'unlimitedAfter', 'note', 'actor', 'createdAt'])
    .where('creditAccountId', '=', creditAccountId)
    .where('kind', 'in', ['recharge', 'adjustment'])
    .orderBy('id')
    .execute();
  const history: CreditHistoryEntry[] = [];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const next = entries[i + 1];
    const endsUnlimited =
      entry.kind === 'recharge' &&
      entry.unlimitedAfter === 1 &&
      next !== undefined &&
      next.kind === 'adjustment' &&
      next.unlimitedAfter === 0 &&
      next.note === UNLIMITED_ENDED_NOTE &&
      next.createdAt === entry.createdAt;
    const last = endsUnlimited ? next : entry;
    history.push({
      at: entry.createdAt,
      amountAddedMicros: entry.amountMicros,
      creditLeftAfter: last.unlimitedAfter === 1 ? 'unlimited' : last.balanceAfterMicros,
      by: entry.actor,
      note: endsUnlimited ? [entry.note, next.note].filter((n) => n !== null && n !== '').join('; ') : entry.note,
    });
    if (endsUnlimited) i++;
  }
  return history.reverse();
}
