import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrations/index.js';

/** PostgreSQL for tests: set by CI (.ci/run); without it only SQLite runs, outside CI. */
export const pgUrl = process.env.DIALBACK_TEST_PG_URL;
if (process.env.CI === 'true' && !pgUrl) {
  throw new Error('CI=true but DIALBACK_TEST_PG_URL is not set: repository tests must run on PostgreSQL in CI');
}

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  open(): Promise<Store>;
}

/** The databases repository tests run on: SQLite always, PostgreSQL when configured. */
export const testDatabases: TestDatabase[] = [
  { name: 'sqlite', open: openSqliteForTest },
  ...(pgUrl ? [{ name: 'postgres' as const, open: () => openPostgresForTest(pgUrl) }] : []),
];

/** A fresh in-memory SQLite store, migrated. */
export async function openSqliteForTest(): Promise<Store> {
  const store = openStore('sqlite::memory:');
  await migrateToLatest(store);
  return store;
}

/** A fresh PostgreSQL schema of its own (dropped on close), migrated. */
export async function openPostgresForTest(url: string, poolSize = 10): Promise<Store> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = openStore(url);
  await sql`create schema ${sql.id(schema)}`.execute(admin.db);
  await admin.close();
  const store = openStore(url, { pgSchema: schema, pgPoolSize: poolSize });
  await migrateToLatest(store);
  return {
    ...store,
    async close() {
      await store.close();
      const cleanup = openStore(url);
      await sql`drop schema ${sql.id(schema)} cascade`.execute(cleanup.db);
      await cleanup.close();
    },
  };
}

/** A fresh PostgreSQL database of its own, for tests that run the CLI as a separate process. */
export async function createPgDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = openStore(url);
  await sql`create database ${sql.id(name)}`.execute(admin.db);
  await admin.close();
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  return {
    url: dbUrl.href,
    async drop() {
      const cleanup = openStore(url);
      await sql`drop database if exists ${sql.id(name)} with (force)`.execute(cleanup.db);
      await cleanup.close();
    },
  };
}
