import { PostgresAdapter, type Kysely, type Selectable, type Transaction } from 'kysely';
import { randomCallNowId } from '../../provisioning/plan.js';
import { bool, nowIso, type Store } from '../../store/db.js';
import type { CallnowPreferencesTable, Database } from '../../store/schema.js';
import type { ManagedExtension } from './auth.js';
import { ApiError } from './errors.js';

/**
 * Reading and writing an extension's CallNow preferences and rules for the REST API,
 * with the same checks provisioning makes (src/provisioning/apply.ts): CallNow IDs are
 * unique across the server (extensions and team links), availability names a time
 * interval the extension's organization can see, and every change is audit-logged.
 */

type Db = Kysely<Database>;
type PreferencesRow = Selectable<CallnowPreferencesTable>;

export type CallnowLanguage = 'en' | 'de' | 'fr' | 'es' | 'caller';

export interface CallnowSettings {
  callnowId: string;
  enabled: boolean;
  confirm: boolean;
  showName: boolean;
  askName: boolean;
  captcha: boolean;
  language: CallnowLanguage;
  message: string;
  /** A time interval's name; null for Anytime. */
  availability: string | null;
  rejectWhileOnPhone: boolean;
}

/** What a PUT sends: the CallNow ID may be left out to keep it (or to get a random one). */
export type CallnowSettingsChange = Omit<CallnowSettings, 'callnowId'> & { callnowId?: string };

export interface CallnowRule {
  number: string | null;
  name: string | null;
  action: 'accept' | 'confirm' | 'reject';
}

const FLAGS = ['enabled', 'confirm', 'showName', 'askName', 'captcha', 'rejectWhileOnPhone'] as const;

function settingsOf(row: PreferencesRow, availability: string | null): CallnowSettings {
  return {
    callnowId: row.callnowId,
    enabled: row.enabled === 1,
    confirm: row.confirm === 1,
    showName: row.showName === 1,
    askName: row.askName === 1,
    captcha: row.captcha === 1,
    // Provisioning admits the same languages (LANGUAGES or "caller"), so the stored value is one of them.
    language: row.language as CallnowLanguage,
    message: row.message,
    availability,
    rejectWhileOnPhone: row.rejectWhileOnPhone === 1,
  };
}

async function intervalName(db: Db, id: number | null): Promise<string | null> {
  if (id === null) return null;
  const row = await db.selectFrom('timeIntervals').select('name').where('id', '=', id).executeTakeFirst();
  return row?.name ?? null;
}

/** The extension's preferences, or null when CallNow was never set up for it. */
export async function readCallnowSettings(db: Db, extensionId: number): Promise<CallnowSettings | null> {
  const row = await db.selectFrom('callnowPreferences').selectAll().where('extensionId', '=', extensionId).executeTakeFirst();
  if (!row) return null;
  return settingsOf(row, await intervalName(db, row.availabilityIntervalId));
}

/**
 * The time interval a name stands for, seen from the extension's organization: its own
 * first, then each account above it (what an upper level defines is visible below).
 */
async function visibleTimeInterval(db: Db, accountChain: number[], name: string): Promise<number | null> {
  if (accountChain.length === 0) return null;
  const rows = await db
    .selectFrom('timeIntervals')
    .select(['id', 'accountId'])
    .where('name', '=', name)
    .where('accountId', 'in', accountChain)
    .execute();
  for (const accountId of accountChain) {
    const match = rows.find((r) => r.accountId === accountId);
    if (match) return match.id;
  }
  return null;
}

/** Serializes writers of one extension: PostgreSQL locks its row; SQLite already runs one writer at a time. */
async function lockExtension(trx: Transaction<Database>, extensionId: number): Promise<void> {
  let query = trx.selectFrom('extensions').select('id').where('id', '=', extensionId);
  if (trx.getExecutor().adapter instanceof PostgresAdapter) query = query.forUpdate();
  await query.executeTakeFirst();
}

const refusesCallbackExtension = (extension: ManagedExtension): ApiError =>
  new ApiError(409, 'conflict', `extension ${extension.number} is a callback extension; CallNow is for phone extensions`);

function callnowIdTaken(callnowId: string): ApiError {
  return new ApiError(409, 'conflict', `CallNow ID "${callnowId}" is taken; choose another`, 'callnowId');
}

/** A unique index refused a second row with this CallNow ID (two requests racing for it). */
function isCallnowIdCollision(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, constraint } = error as Error & { code?: string; constraint?: string };
  const unique = code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
  return unique && `${constraint ?? ''} ${error.message}`.includes('callnow_id');
}

/** Creates or updates the preferences; returns them as stored. */
export async function saveCallnowSettings(
  store: Store,
  extension: ManagedExtension,
  change: CallnowSettingsChange,
  { actor, now = nowIso() }: { actor: string; now?: string },
): Promise<CallnowSettings> {
  if (extension.type === 'callback') throw refusesCallbackExtension(extension);

  // "Anytime" is what people call no restriction; provisioning reads it the same way.
  const availability = change.availability === null || change.availability === 'Anytime' ? null : change.availability;
  let availabilityIntervalId: number | null = null;
  if (availability !== null) {
    availabilityIntervalId = await visibleTimeInterval(store.db, extension.accountChain, availability);
    if (availabilityIntervalId === null) {
      throw new ApiError(
        400,
        'bad_request',
        `availability: no time interval named "${availability}" in this extension's organization or above it (null for Anytime)`,
        'availability',
      );
    }
  }

  // CallNow IDs are case-insensitive in links, so they are kept in lower case.
  const requestedId = change.callnowId?.toLowerCase();
  let attemptedId = requestedId;
  try {
    return await store.db.transaction().execute(async (trx) => {
      await lockExtension(trx, extension.id);
      const existing = await trx.selectFrom('callnowPreferences').selectAll().where('extensionId', '=', extension.id).executeTakeFirst();
      const callnowId = requestedId ?? existing?.callnowId ?? randomCallNowId();
      attemptedId = callnowId;
      if (callnowId !== existing?.callnowId) {
        const byExtension = await trx
          .selectFrom('callnowPreferences')
          .select('extensionId')
          .where('callnowId', '=', callnowId)
          .where('extensionId', '!=', extension.id)
          .executeTakeFirst();
        const byTeam = await trx.selectFrom('callnowTeams').select('id').where('callnowId', '=', callnowId).executeTakeFirst();
        if (byExtension || byTeam) throw callnowIdTaken(callnowId);
      }
      const values = {
        callnowId,
        enabled: bool(change.enabled),
        confirm: bool(change.confirm),
        showName: bool(change.showName),
        askName: bool(change.askName),
        captcha: bool(change.captcha),
        language: change.language,
        message: change.message,
        availabilityIntervalId,
        rejectWhileOnPhone: bool(change.rejectWhileOnPhone),
      };
      const after = settingsOf({ extensionId: extension.id, updatedAt: now, ...values }, availability);
      if (!existing) {
        await trx.insertInto('callnowPreferences').values({ extensionId: extension.id, updatedAt: now, ...values }).execute();
        await audit(trx, { actor, now, action: 'create', extension, entity: 'callnow preferences', details: after });
        return after;
      }
      const before = settingsOf(existing, await intervalName(trx, existing.availabilityIntervalId));
      const changed = diff(before, after);
      // The same name may now point at another interval (the organization's own, named like one above it).
      if (Object.keys(changed).length === 0 && existing.availabilityIntervalId === availabilityIntervalId) return after;
      await trx.updateTable('callnowPreferences').set({ ...values, updatedAt: now }).where('extensionId', '=', extension.id).execute();
      await audit(trx, { actor, now, action: 'update', extension, entity: 'callnow preferences', details: changed });
      return after;
    });
  } catch (error) {
    if (isCallnowIdCollision(error) && attemptedId !== undefined) throw callnowIdTaken(attemptedId);
    throw error;
  }
}

function diff(before: CallnowSettings, after: CallnowSettings): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of ['callnowId', ...FLAGS, 'language', 'message', 'availability'] as const) {
    if (before[key] !== after[key]) changes[key] = { from: before[key], to: after[key] };
  }
  return changes;
}

async function audit(
  trx: Transaction<Database>,
  entry: { actor: string; now: string; action: string; entity: string; extension: ManagedExtension; details: unknown },
): Promise<void> {
  await trx
    .insertInto('auditLog')
    .values({
      at: entry.now,
      actor: entry.actor,
      action: entry.action,
      entity: entry.entity,
      entityId: String(entry.extension.id),
      details: JSON.stringify(entry.details),
    })
    .execute();
}

export async function readCallnowRules(db: Db, extensionId: number): Promise<CallnowRule[]> {
  const rows = await db
    .selectFrom('callnowRules')
    .select(['numberPattern', 'namePattern', 'action'])
    .where('extensionId', '=', extensionId)
    .orderBy('position')
    .execute();
  return rows.map((r) => ({ number: r.numberPattern, name: r.namePattern, action: r.action }));
}

/** Replaces the whole list (rules are checked in order; the first match wins). */
export async function replaceCallnowRules(
  store: Store,
  extension: ManagedExtension,
  rules: { number?: string | null; name?: string | null; action: CallnowRule['action'] }[],
  { actor, now = nowIso() }: { actor: string; now?: string },
): Promise<CallnowRule[]> {
  if (extension.type === 'callback') throw refusesCallbackExtension(extension);
  const normalized: CallnowRule[] = rules.map((r, i) => {
    const number = r.number ?? null;
    const name = r.name ?? null;
    if (number === null && name === null) {
      throw new ApiError(400, 'bad_request', `rules[${i}] needs a number pattern, a name pattern, or both`, `rules[${i}]`);
    }
    return { number, name, action: r.action };
  });
  return store.db.transaction().execute(async (trx) => {
    await lockExtension(trx, extension.id);
    const before = await readCallnowRules(trx, extension.id);
    if (JSON.stringify(before) === JSON.stringify(normalized)) return normalized;
    await trx.deleteFrom('callnowRules').where('extensionId', '=', extension.id).execute();
    if (normalized.length > 0) {
      await trx
        .insertInto('callnowRules')
        .values(normalized.map((r, position) => ({ extensionId: extension.id, position, numberPattern: r.number, namePattern: r.name, action: r.action })))
        .execute();
    }
    await audit(trx, { actor, now, action: 'replace', extension, entity: 'callnow rules', details: { from: before, to: normalized } });
    return normalized;
  });
}
