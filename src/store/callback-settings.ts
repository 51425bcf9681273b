import { PostgresAdapter, type Kysely, type Transaction } from 'kysely';
import { DEFAULT_MAX_AUTHORIZED_CALLERIDS } from './authorized-callerids.js';
import { bool, nowIso } from './db.js';
import type { ReturnMode } from './callback.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/**
 * A callback extension's settings as the portal and the REST API read and write them
 * (SPEC §3). The flow reads the same row for every incoming call (loadCallbackTarget), so
 * a saved change applies to the next call without a restart.
 */

export interface StoredCallbackSettings {
  ringSeconds: number;
  returnMode: ReturnMode;
  fixedNumber: string | null;
  /** The extension's one password for everybody, or null; only the API's answers hide it. */
  password: string | null;
  /** Ask for the authorized CallerID's own password instead (when it has one). */
  perCallerIdPassword: boolean;
  creditInquiry: boolean;
  dialTimeoutSeconds: number;
  language: string;
  /** A sound-library name; null: the shipped "credit exhausted" prompt. */
  creditExhaustedSound: string | null;
  maxAuthorizedCallerIds: number;
}

/** What a callback extension without a settings row behaves as: provisioning's defaults. */
export const DEFAULT_CALLBACK_SETTINGS: StoredCallbackSettings = {
  ringSeconds: 5,
  returnMode: 'authorized',
  fixedNumber: null,
  password: null,
  perCallerIdPassword: false,
  creditInquiry: false,
  dialTimeoutSeconds: 15,
  language: 'en',
  creditExhaustedSound: null,
  maxAuthorizedCallerIds: DEFAULT_MAX_AUTHORIZED_CALLERIDS,
};

/** The extension's settings, or null when it has no row yet. */
export async function readCallbackSettings(db: Db, extensionId: number): Promise<StoredCallbackSettings | null> {
  const row = await db.selectFrom('callbackSettings').selectAll().where('extensionId', '=', extensionId).executeTakeFirst();
  if (!row) return null;
  return {
    ringSeconds: row.ringSeconds,
    returnMode: row.returnMode,
    fixedNumber: row.fixedNumber,
    password: row.password,
    perCallerIdPassword: row.perCalleridPassword === 1,
    creditInquiry: row.creditInquiry === 1,
    dialTimeoutSeconds: row.dialTimeoutSeconds,
    language: row.language,
    creditExhaustedSound: row.creditExhaustedSound,
    maxAuthorizedCallerIds: row.maxAuthorizedCallerids,
  };
}

/** Serializes writers of one extension: PostgreSQL locks its row; SQLite already runs one writer at a time. */
async function lockExtension(trx: Transaction<Database>, extensionId: number): Promise<void> {
  let query = trx.selectFrom('extensions').select('id').where('id', '=', extensionId);
  if (trx.getExecutor().adapter instanceof PostgresAdapter) query = query.forUpdate();
  await query.executeTakeFirst();
}

/** The audit log keeps whether a password was set or changed, never the password. */
function auditable(settings: StoredCallbackSettings): Record<string, unknown> {
  const { password, ...rest } = settings;
  return { ...rest, passwordSet: password !== null };
}

/**
 * Stores the settings (creating the row when there is none) and audit-logs what changed.
 * `change` maps each setting to its new value; settings left out keep theirs.
 * Returns the settings after the change.
 */
export async function saveCallbackSettings(
  db: Db,
  extensionId: number,
  change: Partial<StoredCallbackSettings>,
  { actor, now = nowIso() }: { actor: string; now?: string },
): Promise<StoredCallbackSettings> {
  return db.transaction().execute(async (trx) => {
    await lockExtension(trx, extensionId);
    const existing = await readCallbackSettings(trx, extensionId);
    const before = existing ?? DEFAULT_CALLBACK_SETTINGS;
    const after: StoredCallbackSettings = { ...before, ...change };
    const values = {
      ringSeconds: after.ringSeconds,
      returnMode: after.returnMode,
      fixedNumber: after.fixedNumber,
      password: after.password,
      perCalleridPassword: bool(after.perCallerIdPassword),
      creditInquiry: bool(after.creditInquiry),
      dialTimeoutSeconds: after.dialTimeoutSeconds,
      language: after.language,
      creditExhaustedSound: after.creditExhaustedSound,
      maxAuthorizedCallerids: after.maxAuthorizedCallerIds,
      updatedAt: now,
    };
    const beforeLog = auditable(before);
    const afterLog = auditable(after);
    const changed: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(afterLog)) if (beforeLog[key] !== value) changed[key] = value;
    if (after.password !== before.password && after.password !== null && before.password !== null) changed.passwordChanged = true;
    if (existing && Object.keys(changed).length === 0) return after;
    if (existing) await trx.updateTable('callbackSettings').set(values).where('extensionId', '=', extensionId).execute();
    else await trx.insertInto('callbackSettings').values({ extensionId, ...values }).execute();
    await trx
      .insertInto('auditLog')
      .values({
        at: now,
        actor,
        action: existing ? 'update' : 'create',
        entity: 'callback settings',
        entityId: String(extensionId),
        details: JSON.stringify(existing ? changed : afterLog),
      })
      .execute();
    return after;
  });
}
