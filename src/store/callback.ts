import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { organizationCallSetup, type OrganizationCallSetup } from './call-setup.js';
import { readCallbackSettings, type StoredCallbackSettings } from './callback-settings.js';
import { nowIso } from './db.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

export type ReturnMode = 'authorized' | 'callerid' | 'fixed';

/** A callback extension's settings as the flow uses them (SPEC §3): the stored row without the licence. */
export type CallbackSettings = Omit<StoredCallbackSettings, 'maxAuthorizedCallerIds'>;

export interface CallbackTarget extends OrganizationCallSetup {
  extension: { id: number; accountId: number; number: string; name: string; externalNumber: string | null; creditAccountId: number };
  settings: CallbackSettings;
}

/** The callback extension a DID delivers to, or null when the extension is not a callback extension. */
export async function loadCallbackTarget(db: Db, extensionId: number, fallbackCountry: string): Promise<CallbackTarget | null> {
  const row = await db
    .selectFrom('extensions')
    .select(['id', 'accountId', 'number', 'name', 'externalNumber', 'creditAccountId', 'type'])
    .where('id', '=', extensionId)
    .executeTakeFirst();
  if (!row || row.type !== 'callback') return null;
  // A callback extension without its settings row has nothing to run yet.
  const settings = await readCallbackSettings(db, extensionId);
  if (!settings) return null;
  return {
    extension: { id: row.id, accountId: row.accountId, number: row.number, name: row.name, externalNumber: row.externalNumber, creditAccountId: row.creditAccountId },
    settings,
    ...(await organizationCallSetup(db, row.accountId, fallbackCountry)),
  };
}

export interface AuthorizedCaller {
  id: number;
  callerId: string;
  password: string | null;
  creditAccountId: number;
  active: boolean;
  failedPasswordAttempts: number;
  lockedUntil: string | null;
}

/** The extension's authorized CallerID entry for a number, active or not. */
export async function findAuthorizedCaller(db: Db, extensionId: number, callerId: string): Promise<AuthorizedCaller | null> {
  const row = await db
    .selectFrom('authorizedCallerids')
    .select(['id', 'callerId', 'password', 'creditAccountId', 'active', 'failedPasswordAttempts', 'lockedUntil'])
    .where('extensionId', '=', extensionId)
    .where('callerId', '=', callerId)
    .executeTakeFirst();
  return row ? { ...row, active: row.active === 1 } : null;
}

/**
 * Counts a wrong password against a CallerID; after `lockAfter` in a row it is locked for
 * `lockMs` (no callbacks, whatever it dials). Returns whether it is locked now.
 */
export async function recordPasswordFailure(db: Db, id: number, nowMs: number, policy: { lockAfter: number; lockMs: number }): Promise<boolean> {
  const row = await db.selectFrom('authorizedCallerids').select('failedPasswordAttempts').where('id', '=', id).executeTakeFirstOrThrow();
  const failures = row.failedPasswordAttempts + 1;
  const locked = failures >= policy.lockAfter;
  await db
    .updateTable('authorizedCallerids')
    .set({
      failedPasswordAttempts: locked ? 0 : failures,
      ...(locked ? { lockedUntil: new Date(nowMs + policy.lockMs).toISOString() } : {}),
      updatedAt: new Date(nowMs).toISOString(),
    })
    .where('id', '=', id)
    .execute();
  return locked;
}

export async function clearPasswordFailures(db: Db, id: number): Promise<void> {
  await db.updateTable('authorizedCallerids').set({ failedPasswordAttempts: 0, lockedUntil: null }).where('id', '=', id).execute();
}

/** The states a callback request moves through. */
export type CallbackState =
  | 'received'
  | 'refused'
  | 'calling-back'
  | 'callback-no-answer'
  | 'authenticating'
  | 'wrong-password'
  | 'dialling'
  | 'destination-refused'
  | 'calling-destination'
  | 'destination-no-answer'
  | 'connected'
  | 'completed'
  | 'failed';

/** The states a callback request ends in. */
export const CALLBACK_FINAL_STATES: ReadonlySet<CallbackState> = new Set(['refused', 'callback-no-answer', 'wrong-password', 'destination-refused', 'destination-no-answer', 'completed', 'failed']);

export interface NewCallbackRequest {
  accountId: number;
  extensionId: number;
  authorizedCallerIdId: number | null;
  /** Who rang (null when withheld). */
  requesterNumber: string | null;
  creditAccountId: number;
  language: string;
  state: CallbackState;
  reason: string | null;
}

/** Records a callback trigger; returns its id. */
export async function recordCallbackRequest(db: Db, request: NewCallbackRequest, clock: () => number = Date.now): Promise<number> {
  const now = nowIso(clock);
  const row = await db
    .insertInto('callbackRequests')
    .values({
      kind: 'callback',
      accountId: request.accountId,
      extensionId: request.extensionId,
      callbackAccountId: null,
      authorizedCalleridId: request.authorizedCallerIdId,
      requesterName: null,
      requesterNumber: request.requesterNumber,
      destinationNumber: null,
      clientAddress: null,
      language: request.language,
      state: request.state,
      reason: request.reason,
      idempotencyKey: null,
      publicToken: randomBytes(18).toString('base64url'),
      scheduledAt: null,
      creditAccountId: request.creditAccountId,
      createdAt: now,
      updatedAt: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
