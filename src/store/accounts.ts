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

/** Deeper than any real hierarchy (provider → reseller → organization); stops a corrupt cycle. */
const MAX_DEPTH = 16;

/** The account, then each account above it, nearest first; empty when there is no such account. */
export async function accountChain(db: Kysely<Database>, accountId: number): Promise<number[]> {
  const chain: number[] = [];
  let next: number | null = accountId;
  while (next !== null && !chain.includes(next) && chain.length < MAX_DEPTH) {
    const row: { parentId: number | null } | undefined = await db.selectFrom('accounts').select('parentId').where('id', '=', next).executeTakeFirst();
    if (!row) break;
    chain.push(next);
    next = row.parentId;
  }
  return chain;
}

/** Every account at or below `accountId` (a reseller's organizations, say). */
export async function accountTree(db: Kysely<Database>, accountId: number): Promise<number[]> {
  const rows = await db.selectFrom('accounts').select(['id', 'parentId']).execute();
  const children = new Map<number, number[]>();
  for (const row of rows) {
    if (row.parentId === null) continue;
    const list = children.get(row.parentId) ?? [];
    list.push(row.id);
    children.set(row.parentId, list);
  }
  const found = new Set<number>([accountId]);
  const queue = [accountId];
  while (queue.length > 0) {
    const next = queue.pop() as number;
    for (const child of children.get(next) ?? []) {
      if (found.has(child)) continue;
      found.add(child);
      queue.push(child);
    }
  }
  return [...found];
}
