import type { Kysely } from 'kysely';
import { nowIso } from './db.js';
import type { AccountTable, Database } from './schema.js';

/** A new account in the hierarchy (provider → reseller → organization); what is not given is unset. */
export async function createAccount(
  db: Kysely<Database>,
  account: Pick<AccountTable, 'kind' | 'name' | 'parentId'> & Partial<Omit<AccountTable, 'id' | 'kind' | 'name' | 'parentId' | 'createdAt' | 'updatedAt'>>,
  now: string = nowIso(),
): Promise<{ id: number }> {
  return db
    .insertInto('accounts')
    .values({
      defaultCountry: null,
      tariffId: null,
      trunkId: null,
      creditAccountId: null,
      maxExtensions: null,
      maxAuthorizedCallerids: null,
      maxConcurrentCalls: null,
      dailySpendCapMicros: null,
      ...account,
      createdAt: now,
      updatedAt: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}
