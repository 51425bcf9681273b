import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { isLock, signInBlockedUntil } from '../domain/sign-in-limits.js';
import { nowIso } from './db.js';
import type { Database, UserRole } from './schema.js';

/**
 * Portal sessions and the sign-in bookkeeping behind them. The browser holds the session's
 * secret in a cookie (32 random bytes, base64url); the database keeps its SHA-256, so the
 * row is found by it and a copy of the database lets nobody in. Like API tokens, the
 * secret is random enough that a plain hash is all it needs.
 */

type Db = Kysely<Database>;

const HOUR_MS = 60 * 60 * 1000;
/** A session ends after this long without a request... */
export const SESSION_IDLE_MS = 12 * HOUR_MS;
/** ...and this long after sign-in, whatever happens. */
export const SESSION_ABSOLUTE_MS = 7 * 24 * HOUR_MS;
/** last_seen_at is written at most this often per session (the idle end is that precise). */
export const LAST_SEEN_RESOLUTION_MS = 60_000;
/** Sessions a user keeps at once; signing in again ends the oldest beyond it. */
export const MAX_SESSIONS_PER_USER = 20;

const SESSION_SECRET = /^[A-Za-z0-9_-]{43}$/;
const MAX_USER_AGENT = 512;

export const isSessionSecretFormat = (value: string): boolean => SESSION_SECRET.test(value);

export function hashSessionSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export interface SignInUser {
  id: number;
  email: string;
  passwordHash: string;
  role: UserRole;
  accountId: number;
  extensionId: number | null;
  disabled: boolean;
  failedSignIns: number;
  lockedUntil: string | null;
}

export async function findUserForSignIn(db: Db, email: string): Promise<SignInUser | null> {
  const row = await db
    .selectFrom('users')
    .select(['id', 'email', 'passwordHash', 'role', 'accountId', 'extensionId', 'disabled', 'failedSignIns', 'lockedUntil'])
    .where('email', '=', email)
    .executeTakeFirst();
  return row ? { ...row, disabled: row.disabled === 1 } : null;
}

export type AttemptClaim =
  /** The attempt may check the password; it is already counted as a failure until clearSignInFailures. */
  | { status: 'claimed'; failures: number }
  /** Too many failures: no password is checked before `until` (a lock when `locked`). */
  | { status: 'blocked'; until: number; locked: boolean }
  | { status: 'no user' };

/**
 * Reserves one sign-in attempt for the user before the password is checked: counts it as a
 * failure and, at the thresholds, sets locked_until for the attempts after it (a success
 * then clears both). Counting first means parallel guesses cannot all slip past the check
 * while the (slow) password hash runs: each claims its own count by compare-and-set, so no
 * more attempts than the policy allows ever reach the password check, on any node.
 */
export async function claimSignInAttempt(db: Db, userId: number, nowMs: number): Promise<AttemptClaim> {
  const now = nowIso(() => nowMs);
  for (let round = 0; round < 5; round++) {
    const row = await db.selectFrom('users').select(['failedSignIns', 'lockedUntil']).where('id', '=', userId).executeTakeFirst();
    if (!row) return { status: 'no user' };
    if (row.lockedUntil !== null && Date.parse(row.lockedUntil) > nowMs) {
      return { status: 'blocked', until: Date.parse(row.lockedUntil), locked: isLock(row.failedSignIns) };
    }
    const failures = row.failedSignIns + 1;
    const until = signInBlockedUntil(failures, nowMs);
    const result = await db
      .updateTable('users')
      .set({ failedSignIns: failures, lockedUntil: until === null ? null : nowIso(() => until) })
      .where('id', '=', userId)
      .where('failedSignIns', '=', row.failedSignIns)
      .where((eb) => eb.or([eb('lockedUntil', 'is', null), eb('lockedUntil', '<=', now)]))
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) return { status: 'claimed', failures };
    // Another attempt claimed first; look again.
  }
  return { status: 'blocked', until: nowMs + 1000, locked: false };
}

/** A right password: the failures in a row start over and any wait ends. */
export async function clearSignInFailures(db: Db, userId: number): Promise<void> {
  await db.updateTable('users').set({ failedSignIns: 0, lockedUntil: null }).where('id', '=', userId).execute();
}

export interface NewSession {
  id: number;
  /** The cookie's value: shown to the browser once, kept nowhere. */
  secret: string;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
}

/** Opens a session; prunes the user's ended sessions and keeps at most MAX_SESSIONS_PER_USER. */
export async function createSession(
  db: Db,
  { userId, userAgent, clientAddress, nowMs }: { userId: number; userAgent: string | null; clientAddress: string | null; nowMs: number },
): Promise<NewSession> {
  const secret = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const createdAt = nowIso(() => nowMs);
  const expiresAt = nowIso(() => nowMs + SESSION_ABSOLUTE_MS);
  return db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('sessions')
      .where('userId', '=', userId)
      .where((eb) => eb.or([eb('expiresAt', '<=', createdAt), eb('lastSeenAt', '<=', nowIso(() => nowMs - SESSION_IDLE_MS))]))
      .execute();
    const row = await trx
      .insertInto('sessions')
      .values({
        userId,
        tokenHash: hashSessionSecret(secret),
        csrfToken,
        createdAt,
        lastSeenAt: createdAt,
        expiresAt,
        userAgent: userAgent === null ? null : userAgent.slice(0, MAX_USER_AGENT),
        clientAddress,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const oldestKept = await trx
      .selectFrom('sessions')
      .select('id')
      .where('userId', '=', userId)
      .orderBy('id', 'desc')
      .limit(1)
      .offset(MAX_SESSIONS_PER_USER - 1)
      .executeTakeFirst();
    if (oldestKept) await trx.deleteFrom('sessions').where('userId', '=', userId).where('id', '<', oldestKept.id).execute();
    return { id: row.id, secret, csrfToken, createdAt, expiresAt };
  });
}

/** Who a session acts for. */
export interface SessionPrincipal {
  sessionId: number;
  csrfToken: string;
  expiresAt: string;
  userId: number;
  email: string;
  role: UserRole;
  accountId: number;
  extensionId: number | null;
}

/**
 * The user behind a session cookie's value, or null when it is malformed, unknown, ended
 * (idle or absolute; the row is removed then) or its user is disabled. Records the use at
 * most once a minute.
 */
export async function authenticateSession(db: Db, secret: string, nowMs: number): Promise<SessionPrincipal | null> {
  if (!isSessionSecretFormat(secret)) return null;
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.userId')
    .select(['s.id as sessionId', 's.csrfToken', 's.lastSeenAt', 's.expiresAt', 'u.id as userId', 'u.email', 'u.role', 'u.accountId', 'u.extensionId', 'u.disabled'])
    .where('s.tokenHash', '=', hashSessionSecret(secret))
    .executeTakeFirst();
  if (!row) return null;
  if (Date.parse(row.expiresAt) <= nowMs || Date.parse(row.lastSeenAt) + SESSION_IDLE_MS <= nowMs) {
    await endSession(db, row.sessionId);
    return null;
  }
  if (row.disabled === 1) return null;
  if (Date.parse(row.lastSeenAt) <= nowMs - LAST_SEEN_RESOLUTION_MS) {
    // Repeated in SQL so that parallel requests (or several nodes) write it once.
    await db
      .updateTable('sessions')
      .set({ lastSeenAt: nowIso(() => nowMs) })
      .where('id', '=', row.sessionId)
      .where('lastSeenAt', '<=', nowIso(() => nowMs - LAST_SEEN_RESOLUTION_MS))
      .execute();
  }
  return {
    sessionId: row.sessionId,
    csrfToken: row.csrfToken,
    expiresAt: row.expiresAt,
    userId: row.userId,
    email: row.email,
    role: row.role,
    accountId: row.accountId,
    extensionId: row.extensionId,
  };
}

export async function endSession(db: Db, sessionId: number): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}

/** Ends the session a cookie's value names, if any (signing in again over an old cookie). */
export async function endSessionBySecret(db: Db, secret: string): Promise<void> {
  if (!isSessionSecretFormat(secret)) return;
  await db.deleteFrom('sessions').where('tokenHash', '=', hashSessionSecret(secret)).execute();
}

/** Ends every session of the user but `except` (the one asking); returns how many ended. */
export async function endUserSessions(db: Db, userId: number, { except }: { except?: number | null } = {}): Promise<number> {
  let query = db.deleteFrom('sessions').where('userId', '=', userId);
  if (except !== undefined && except !== null) query = query.where('id', '<>', except);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}
