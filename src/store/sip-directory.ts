import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface DirectoryExtension {
  id: number;
  accountId: number;
  number: string;
  name: string;
}

export interface DidRoute {
  number: string;
  trunkId: number;
  extensionId: number | null;
  callbackAccountId: number | null;
}

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

  /** The extension that authenticated with this SIP user name. */
  async extensionOfUser(username: string): Promise<DirectoryExtension | null> {
    const rows = await this.db
      .selectFrom('extensions')
      .select(['id', 'accountId', 'number', 'name'])
      .where('number', '=', username)
      .where('sipPassword', 'is not', null)
      .limit(2)
      .execute();
    return rows.length === 1 ? (rows[0] ?? null) : null;
  }

  /** An extension of the same organization, by internal number. */
  async extensionInAccount(accountId: number, number: string): Promise<DirectoryExtension | null> {
    const row = await this.db
      .selectFrom('extensions')
      .select(['id', 'accountId', 'number', 'name'])
      .where('accountId', '=', accountId)
      .where('number', '=', number)
      .executeTakeFirst();
    return row ?? null;
  }

  /** Where a DID (E.164) delivers calls, if it is ours. */
  async did(e164: string): Promise<DidRoute | null> {
    const row = await this.db
      .selectFrom('dids')
      .select(['number', 'trunkId', 'extensionId', 'callbackAccountId'])
      .where('number', '=', e164)
      .executeTakeFirst();
    return row ?? null;
  }
}
