import { sql } from 'kysely';
import type { Migration } from './index.js';

/**
 * SPEC §7 fraud guard: a paid leg names the credit it holds, so the daily spend cap counts
 * what calls still talking may spend; calls in progress are found by their open legs.
 */
export const callLegReservation: Migration = {
  name: '0006-call-leg-reservation',
  async up(db, dialect) {
    await db.schema
      .alterTable('call_legs')
      .addColumn('reservation_id', dialect === 'postgres' ? 'bigint' : 'integer', (c) => c.references('ledger_reservations.id').onDelete('set null'))
      .execute();
    // Both databases keep partial indexes: only the few legs still open are in it.
    await sql`create index call_legs_open_idx on call_legs (account_id, started_at) where ended_at is null`.execute(db);
  },
};
