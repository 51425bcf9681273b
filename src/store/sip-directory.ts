import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * What the SIP side needs from the store: extension credentials and where numbers lead.
 * An extension's SIP user name is its internal number; a number used in two
 * organizations cannot register until one of them changes (refused, never guessed).
 */
export class SipDirectory {
  constructor(private readonly db: Kysely<Database>) {}

  async passwordOf(username: string): Promise<string | null> {
    const rows = await this.db
      .selectFrom('extensions')
      .select(['sipPassword'])
      .where('number', '=', username)
      .where('sipPassword', 'is not', null)
      .limit(2)
      .execute();
    return rows.length === 1 ? (rows[0]?.sipPassword ?? null) : null;
  }

  /** The extension a DID (E.164) delivers to, if any. */
  async didDestination(e164: string): Promise<{ extensionId: number | null; trunkId: number } | null> {
    const row = await this.db.selectFrom('dids').select(['extensionId', 'trunkId']).where('number', '=', e164).executeTakeFirst();
    return row ?? null;
  }
}
