import { sql } from 'kysely';
import type { Migration } from './index.js';

/**
 * Portal sign-in sessions. The browser holds a random cookie value; the database keeps only
 * its SHA-256 (token_hash), as for API tokens, so a copy of the database signs nobody in.
 * csrf_token is what unsafe requests made with the cookie must echo in X-CSRF-Token.
 * A session ends at expires_at (absolute) or after a long enough gap since last_seen_at (idle).
 */
export const sessions: Migration = {
  name: '0004-sessions',
  async up(db, dialect) {
    const pgsql = dialect === 'postgres';
    const instant = pgsql ? sql`timestamptz` : sql`text`;
    await db.schema
      .createTable('sessions')
      .$call((t) =>
        pgsql
          ? t.addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
          : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement()),
      )
      .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('csrf_token', 'text', (c) => c.notNull())
      .addColumn('created_at', instant, (c) => c.notNull())
      .addColumn('last_seen_at', instant, (c) => c.notNull())
      .addColumn('expires_at', instant, (c) => c.notNull())
      .addColumn('user_agent', 'text')
      .addColumn('client_address', 'text')
      .execute();
    // Ending a user's other sessions (password change) and pruning them at sign-in go by user.
    await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();
  },
};
