import { Migrator, type Kysely, type MigrationResultSet } from 'kysely';
import type { Dialect, Store } from '../db.js';
import { initial } from './0001-initial.js';
import { requestPublicToken } from './0002-request-public-token.js';
import { callbackLanguage } from './0003-callback-language.js';
import { sessions } from './0004-sessions.js';
import { extensionFeatures } from './0005-extension-features.js';
import { callLegReservation } from './0006-call-leg-reservation.js';

/** A schema change; it is told which database it runs on so one set serves both. */
export interface Migration {
  name: string;
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
}

/** Every migration, in the order they apply. Names never change once released. */
export const migrations: readonly Migration[] = [initial, requestPublicToken, callbackLanguage, sessions, extensionFeatures, callLegReservation];

function migrator(store: Store): Migrator {
  return new Migrator({
    db: store.db,
    // Kysely looks for its own tables across all schemas; pin them to ours.
    ...(store.pgSchema ? { migrationTableSchema: store.pgSchema } : {}),
    provider: {
      getMigrations: () =>
        Promise.resolve(
          Object.fromEntries(
            migrations.map((m) => [m.name, { up: (db: Kysely<unknown>) => m.up(db, store.dialect) }]),
          ),
        ),
    },
  });
}

export class MigrationError extends Error {}

/** Applies pending migrations (each in its own transaction); returns the names applied. */
export async function migrateToLatest(store: Store): Promise<string[]> {
  const { error, results }: MigrationResultSet = await migrator(store).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(`migration ${failed} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
