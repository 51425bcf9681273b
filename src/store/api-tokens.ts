import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { nowIso } from './db.js';
import type { Database, UserRole } from './schema.js';

/**
 * API tokens for the REST API (`Authorization: Bearer dbk_...`). The token is shown once
 * when it is made; the database keeps only its SHA-256, so a copy of the database does
 * not let anyone call the API. A plain hash (no salt, no scrypt) is enough because the
 * token is 32 random bytes: there is nothing to guess, and it lets us find the row by it.
 */

type Db = Kysely<Database>;

/** Marks our tokens so secret scanners and people recognise them. */
export const API_TOKEN_PREFIX = 'dbk_';
const API_TOKEN = /^dbk_[A-Za-z0-9_-]{43}$/;

/** Writing last-used on every request would turn each read into a write; once a minute says enough. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export function generateApiToken(): string {
  return API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface ApiTokenSummary {
  id: number;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Makes a token for a user; returns the token itself, which is not kept anywhere. */
export async function createApiToken(
  db: Db,
  { userId, name, actor, now = nowIso() }: { userId: number; name: string; actor: string; now?: string },
): Promise<{ id: number; token: string }> {
  const token = generateApiToken();
  const id = await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('apiTokens')
      .values({ userId, name, tokenHash: hashApiToken(token), createdAt: now, lastUsedAt: null, revokedAt: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('auditLog')
      .values({ at: now, actor, action: 'create', entity: 'api token', entityId: String(row.id), details: JSON.stringify({ userId, name }) })
      .execute();
    return row.id;
  });
  return { id, token };
}

export async function listApiTokens(db: Db, userId: number): Promise<ApiTokenSummary[]> {
  return db
    .selectFrom('apiTokens')
    .select(['id', 'name', 'createdAt', 'lastUsedAt', 'revokedAt'])
    .where('userId', '=', userId)
    .orderBy('id')
    .execute();
}

export type RevokeResult =
  | { status: 'revoked'; token: ApiTokenSummary }
  | { status: 'already revoked'; token: ApiTokenSummary }
  | { status: 'not found' };

/** Revokes a token at once: the next request that presents it gets 401. Revoking twice keeps the first time. */
export async function revokeApiToken(db: Db, id: number, { actor, now = nowIso() }: { actor: string; now?: string }): Promise<RevokeResult> {
  return db.transaction().execute(async (trx) => {
    const token = await trx
      .selectFrom('apiTokens')
      .select(['id', 'name', 'createdAt', 'lastUsedAt', 'revokedAt'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!token) return { status: 'not found' } as const;
    if (token.revokedAt !== null) return { status: 'already revoked', token } as const;
    await trx.updateTable('apiTokens').set({ revokedAt: now }).where('id', '=', id).execute();
    await trx
      .insertInto('auditLog')
      .values({ at: now, actor, action: 'revoke', entity: 'api token', entityId: String(id), details: null })
      .execute();
    return { status: 'revoked', token: { ...token, revokedAt: now } } as const;
  });
}

/** Who a request acts for. */
export interface ApiPrincipal {
  /** The API token the request carried; null when it came with a portal session cookie instead. */
  tokenId: number | null;
  /** The portal session (src/store/sessions.ts) the request came with; absent for API tokens. */
  sessionId?: number;
  userId: number;
  email: string;
  role: UserRole;
  accountId: number;
  extensionId: number | null;
}

/**
 * The user behind a presented token, or null when the token is malformed, unknown,
 * revoked, or its user is disabled. Records the use (at most once a minute per token).
 */
export async function authenticateApiToken(db: Db, token: string, clock: () => number = Date.now): Promise<ApiPrincipal | null> {
  // Anything that is not our format cannot match; skip the database.
  if (!API_TOKEN.test(token)) return null;
  const row = await db
    .selectFrom('apiTokens as t')
    .innerJoin('users as u', 'u.id', 't.userId')
    .select(['t.id as tokenId', 't.lastUsedAt', 't.revokedAt', 'u.id as userId', 'u.email', 'u.role', 'u.accountId', 'u.extensionId', 'u.disabled'])
    .where('t.tokenHash', '=', hashApiToken(token))
    .executeTakeFirst();
  if (!row || row.revokedAt !== null || row.disabled === 1) return null;

  const now = clock();
  if (row.lastUsedAt === null || Date.parse(row.lastUsedAt) <= now - LAST_USED_RESOLUTION_MS) {
    const staleBefore = nowIso(() => now - LAST_USED_RESOLUTION_MS);
    // The condition is repeated in SQL so that several nodes (or parallel requests) write it once.
    await db
      .updateTable('apiTokens')
      .set({ lastUsedAt: nowIso(() => now) })
      .where('id', '=', row.tokenId)
      .where((eb) => eb.or([eb('lastUsedAt', 'is', null), eb('lastUsedAt', '<=', staleBefore)]))
      .execute();
  }
  return {
    tokenId: row.tokenId,
    userId: row.userId,
    email: row.email,
    role: row.role,
    accountId: row.accountId,
    extensionId: row.extensionId,
  };
}
