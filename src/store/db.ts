import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { CamelCasePlugin, CompiledQuery, Kysely, PostgresDialect, SqliteDialect, SqliteDriver, sql, type DatabaseConnection, type Driver } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** The PostgreSQL schema in use when not the default one. */
  pgSchema?: string;
  /** The PostgreSQL connection string, for connections of their own (LISTEN). */
  pgUrl?: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PostgreSQL schema to use (tests isolate themselves in one each). */
  pgSchema?: string;
  /** Maximum PostgreSQL connections. */
  pgPoolSize?: number;
}

let pgTypesConfigured = false;

/** pg returns int8 and timestamptz as strings/Dates; we want numbers and ISO strings, as SQLite gives. */
function configurePgTypes(): void {
  if (pgTypesConfigured) return;
  pgTypesConfigured = true;
  pg.types.setTypeParser(pg.types.builtins.INT8, (text) => {
    const value = Number(text);
    if (!Number.isSafeInteger(value)) throw new RangeError(`int8 value ${text} exceeds the safe integer range`);
    return value;
  });
  pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, (text) => new Date(text).toISOString());
}

/** Opens the store named by a DIALBACK_DATABASE_URL ("sqlite:PATH" or "postgres://..."). */
export function openStore(url: string, options: OpenOptions = {}): Store {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length));
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres(url, options);
  throw new Error(`unsupported database URL "${url}": expected sqlite:PATH or postgres://...`);
}

/**
 * SQLite transactions that take the write lock when they begin (BEGIN IMMEDIATE). A plain
 * BEGIN reads first and asks for the lock at its first write; when another process (the
 * CLI while the server runs) wrote meanwhile, SQLite refuses at once with "database is
 * locked" instead of waiting busy_timeout, since waiting could deadlock. Taking the lock
 * up front makes every writer wait its turn.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}

function openSqlite(path: string): Store {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const database = new SQLite(path);
  // WAL lets readers run beside the writer; synchronous=FULL makes a commit durable
  // once it returns (NORMAL could lose the last commits on power loss in WAL mode).
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database }),
    plugins: [new CamelCasePlugin()],
  });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

function openPostgres(url: string, options: OpenOptions): Store {
  configurePgTypes();
  const pool = new pg.Pool({
    connectionString: url,
    max: options.pgPoolSize ?? 10,
    ...(options.pgSchema ? { options: `-c search_path=${options.pgSchema}` } : {}),
  });
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    plugins: [new CamelCasePlugin()],
  });
  return { db, dialect: 'postgres', pgSchema: options.pgSchema, pgUrl: url, close: () => db.destroy() };
}

/** True when the database answers a trivial query. */
export async function isHealthy(store: Store): Promise<boolean> {
  try {
    await sql`select 1`.execute(store.db);
    return true;
  } catch {
    return false;
  }
}

/** Current time as stored: ISO 8601 UTC with milliseconds (sorts as text on SQLite). */
export function nowIso(clock: () => number = Date.now): string {
  return new Date(clock()).toISOString();
}

/** Booleans are stored as 0/1 on both databases so one schema and one set of types serve both. */
export const bool = (value: boolean): 0 | 1 => (value ? 1 : 0);
