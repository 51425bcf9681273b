import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { createAccount } from './accounts.js';

/** Provider-wide settings. null: not set yet (a fresh server before its first provisioning). */
export interface ServerSettings {
  currency: string | null;
  defaultCountry: string | null;
}

const KEYS = ['currency', 'defaultCountry'] as const;
type SettingKey = (typeof KEYS)[number];

export async function readSettings(db: Kysely<Database>): Promise<ServerSettings> {
  const rows = await db.selectFrom('settings').select(['key', 'value']).where('key', 'in', KEYS).execute();
  const value = (key: SettingKey) => rows.find((r) => r.key === key)?.value ?? null;
  return { currency: value('currency'), defaultCountry: value('defaultCountry') };
}

export async function writeSetting(db: Kysely<Database>, key: SettingKey, value: string): Promise<void> {
  await db
    .insertInto('settings')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

/** The provider (admin) account at the top of the hierarchy; made on first use. */
export async function ensureProvider(db: Kysely<Database>, now: string): Promise<{ id: number; created: boolean }> {
  const existing = await db.selectFrom('accounts').select('id').where('kind', '=', 'provider').executeTakeFirst();
  if (existing) return { id: existing.id, created: false };
  const row = await createAccount(db, { kind: 'provider', name: 'Provider', parentId: null }, now);
  return { id: row.id, created: true };
}
