import { sql } from 'kysely';
import type { Migration } from './index.js';

/**
 * SPEC §1: an organization enables CallNow per extension, apart from the owner's own on/off
 * preference. Existing phone extensions keep their CallNow pages (on); callback extensions have
 * none, so the switch starts off for them.
 */
export const extensionFeatures: Migration = {
  name: '0005-extension-features',
  async up(db) {
    await db.schema
      .alterTable('extensions')
      .addColumn('callnow_enabled', 'integer', (c) => c.notNull().defaultTo(1).check(sql`callnow_enabled in (0, 1)`))
      .execute();
    await sql`update extensions set callnow_enabled = 0 where type = 'callback'`.execute(db);
  },
};
