import type { Kysely, Transaction } from 'kysely';
import { DomainError } from '../../domain/errors.js';
import { parseAmount, type Micros } from '../../domain/money.js';
import type { ApiPrincipal } from '../../store/api-tokens.js';
import type { Store } from '../../store/db.js';
import type { AccountTable, Database } from '../../store/schema.js';
import { ApiError } from './errors.js';
import { accountChain } from '../../store/accounts.js';

/**
 * What the provider's areas (accounts, tariffs, trunks, DIDs, settings) share: who may see
 * which account, amounts as decimal strings, and the audit entry every change leaves.
 */

export type AccountRow = { id: number } & Pick<
  AccountTable,
  | 'kind'
  | 'name'
  | 'parentId'
  | 'defaultCountry'
  | 'tariffId'
  | 'trunkId'
  | 'maxExtensions'
  | 'maxAuthorizedCallerids'
  | 'maxConcurrentCalls'
  | 'dailySpendCapMicros'
  | 'createdAt'
  | 'updatedAt'
>;

export const ACCOUNT_COLUMNS = [
  'id',
  'kind',
  'name',
  'parentId',
  'defaultCountry',
  'tariffId',
  'trunkId',
  'maxExtensions',
  'maxAuthorizedCallerids',
  'maxConcurrentCalls',
  'dailySpendCapMicros',
  'createdAt',
  'updatedAt',
] as const;

/** Whether the principal manages the account: admin every one, a reseller its own and those below it, an organization manager its own. */
export async function manages(db: Kysely<Database>, principal: ApiPrincipal, accountId: number): Promise<boolean> {
  switch (principal.role) {
    case 'admin':
      return true;
    case 'reseller':
      return (await accountChain(db, accountId)).includes(principal.accountId);
    case 'org_manager':
      return accountId === principal.accountId;
    default:
      return false;
  }
}

/** Whether the principal's account is above this one (admin: always): licences are set from above, never by the account itself. */
export async function isAbove(db: Kysely<Database>, principal: ApiPrincipal, accountId: number): Promise<boolean> {
  if (principal.role === 'admin') return true;
  if (principal.role !== 'reseller') return false;
  return (await accountChain(db, accountId)).slice(1).includes(principal.accountId);
}

export const accountNotFound = (): ApiError => new ApiError(404, 'not_found', 'no such account');

export async function findManagedAccount(store: Store, principal: ApiPrincipal, accountId: number): Promise<AccountRow> {
  const row = await store.db.selectFrom('accounts').select(ACCOUNT_COLUMNS).where('id', '=', accountId).executeTakeFirst();
  if (!row || !(await manages(store.db, principal, accountId))) throw accountNotFound();
  return row;
}

/** The provider account (made by provisioning or the first admin); the top of the hierarchy. */
export async function providerId(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('accounts').select('id').where('kind', '=', 'provider').executeTakeFirst();
  if (!row) throw new ApiError(409, 'conflict', 'the server has no provider account yet: provision it first (dialback provision FILE.yaml)');
  return row.id;
}

/** A decimal amount of 0 or more, or the field's 400. */
export function nonNegativeAmount(text: string, field: string): Micros {
  let micros: Micros;
  try {
    micros = parseAmount(text);
  } catch (error) {
    if (error instanceof DomainError) throw new ApiError(400, 'bad_request', `${field}: ${error.message}`, field);
    throw error;
  }
  if (micros < 0) throw new ApiError(400, 'bad_request', `${field} cannot be negative`, field);
  return micros;
}

export function requireAdmin(principal: ApiPrincipal, what: string): void {
  if (principal.role !== 'admin') throw new ApiError(403, 'forbidden', `only the provider's administrators manage ${what}`);
}

export async function audit(
  db: Kysely<Database> | Transaction<Database>,
  entry: { actor: string; at: string; action: string; entity: string; entityId: number | string | null; details: unknown },
): Promise<void> {
  await db
    .insertInto('auditLog')
    .values({
      at: entry.at,
      actor: entry.actor,
      action: entry.action,
      entity: entry.entity,
      entityId: entry.entityId === null ? null : String(entry.entityId),
      details: JSON.stringify(entry.details),
    })
    .execute();
}

/** True when a database error is a unique-constraint violation (SQLite or PostgreSQL). */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(error.message);
}
