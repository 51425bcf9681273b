import type { Migration } from './index.js';

/**
 * A request's public token: the CallNow status page and its live events are addressed by
 * it, so a stranger cannot walk through other people's requests by counting ids.
 */
export const requestPublicToken: Migration = {
  name: '0002-request-public-token',
  async up(db) {
    await db.schema.alterTable('callback_requests').addColumn('public_token', 'text').execute();
    await db.schema.createIndex('callback_requests_public_token_unique').unique().on('callback_requests').column('public_token').execute();
  },
};
