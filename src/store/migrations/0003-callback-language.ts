import type { Migration } from './index.js';

/** The language a callback extension's travellers hear its prompts in. */
export const callbackLanguage: Migration = {
  name: '0003-callback-language',
  async up(db) {
    await db.schema
      .alterTable('callback_settings')
      .addColumn('language', 'text', (c) => c.notNull().defaultTo('en'))
      .execute();
  },
};
