import type { Kysely } from 'kysely';
import { accountChain, accountTree } from '../../store/accounts.js';
import type { ApiPrincipal } from '../../store/api-tokens.js';
import type { Database } from '../../store/schema.js';
import { ApiError } from './errors.js';

/**
 * Which accounts a user may see and change, for the areas organizations manage themselves
 * (extensions, time intervals): an admin every account, a reseller its own and those below it,
 * an organization manager its organization; an extension owner sees its organization but changes
 * nothing in it. What a user may not see answers 404, like a missing account.
 */

type Db = Kysely<Database>;

export interface ScopedAccount {
  id: number;
  kind: 'provider' | 'reseller' | 'organization';
  name: string;
  defaultCountry: string | null;
  maxExtensions: number | null;
  /** The account, then each one above it, nearest first. */
  chain: number[];
  /** Whether the user may change what belongs to this account (else read-only: 403 on writes). */
  canChange: boolean;
}

export const accountNotFound = (): ApiError => new ApiError(404, 'not_found', 'no such account');

/** The account as this user sees it, or 404. */
export async function scopedAccount(db: Db, principal: ApiPrincipal, accountId: number): Promise<ScopedAccount> {
  const row = await db
    .selectFrom('accounts')
    .select(['id', 'kind', 'name', 'defaultCountry', 'maxExtensions'])
    .where('id', '=', accountId)
    .executeTakeFirst();
  if (!row) throw accountNotFound();
  const chain = await accountChain(db, row.id);
  let canSee = false;
  let canChange = false;
  switch (principal.role) {
    case 'admin':
      canSee = canChange = true;
      break;
    case 'reseller':
      canSee = canChange = chain.includes(principal.accountId);
      break;
    case 'org_manager':
      canSee = canChange = row.id === principal.accountId;
      break;
    case 'extension_owner':
      canSee = row.id === principal.accountId;
      break;
  }
  if (!canSee) throw accountNotFound();
  return { ...row, chain, canChange };
}

/** Every account id the user manages (null: all of them, for an admin); an extension owner manages none. */
export async function managedAccountIds(db: Db, principal: ApiPrincipal): Promise<number[] | null> {
  switch (principal.role) {
    case 'admin':
      return null;
    case 'org_manager':
      return [principal.accountId];
    case 'reseller':
      return accountTree(db, principal.accountId);
    default:
      return [];
  }
}
