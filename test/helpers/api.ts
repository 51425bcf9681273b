import { readFileSync } from 'node:fs';
import { applyPlan } from '../../src/provisioning/apply.js';
import { parseProvisionFile } from '../../src/provisioning/parse.js';
import { buildPlan } from '../../src/provisioning/plan.js';
import { createApiToken } from '../../src/store/api-tokens.js';
import { nowIso, type Store } from '../../src/store/db.js';
import type { UserRole } from '../../src/store/schema.js';
import { readSettings } from '../../src/store/settings.js';

/** What REST API tests share: the demo provisioning, and users with API tokens. */

export const DEMO_YAML = readFileSync(new URL('../../examples/demo.yaml', import.meta.url), 'utf8');

export async function provision(store: Store, yaml: string): Promise<void> {
  await applyPlan(store.db, buildPlan(parseProvisionFile(yaml), await readSettings(store.db)));
}

/** A user of `role` with an API token; returns the token. */
export async function addApiUser(store: Store, user: { email: string; role: UserRole; accountId: number; extensionId?: number | null }): Promise<string> {
  const now = nowIso();
  const row = await store.db
    .insertInto('users')
    .values({ accountId: user.accountId, email: user.email, passwordHash: 'scrypt$unused', role: user.role, extensionId: user.extensionId ?? null, lockedUntil: null, createdAt: now, updatedAt: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return (await createApiToken(store.db, { userId: row.id, name: 'test', actor: 'test' })).token;
}

/** Ids of extensions by number and accounts by name. */
export async function directory(store: Store): Promise<{ extension: Record<string, number>; account: Record<string, number>; providerId: number }> {
  const extension: Record<string, number> = {};
  for (const row of await store.db.selectFrom('extensions').select(['id', 'number']).execute()) extension[row.number] = row.id;
  const account: Record<string, number> = {};
  let providerId = 0;
  for (const row of await store.db.selectFrom('accounts').select(['id', 'kind', 'name']).execute()) {
    account[row.name] = row.id;
    if (row.kind === 'provider') providerId = row.id;
  }
  return { extension, account, providerId };
}
