import type { Kysely } from 'kysely';
import type { Rate } from '../domain/rating.js';
import type { TrunkTarget } from '../sip/ua/dialer.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/** What any call an organization pays for needs: how to read numbers, which trunk, which prices. */
export interface OrganizationCallSetup {
  /** For numbers typed without a country code. */
  defaultCountry: string;
  /** The organization's trunk (or the nearest account above it that has one); null when none is enabled. */
  trunk: (TrunkTarget & { id: number }) | null;
  /** The organization's tariff (or the nearest one above). */
  rates: Rate[];
}

/** The account and its ancestors, nearest first (SPEC §1: what an upper level defines is visible below). */
export async function accountChain(db: Db, accountId: number) {
  const chain: { id: number; parentId: number | null; trunkId: number | null; tariffId: number | null; defaultCountry: string | null }[] = [];
  let next: number | null = accountId;
  while (next !== null && chain.length < 8) {
    const account = await db.selectFrom('accounts').select(['id', 'parentId', 'trunkId', 'tariffId', 'defaultCountry']).where('id', '=', next).executeTakeFirst();
    if (!account) break;
    chain.push(account);
    next = account.parentId;
  }
  return chain;
}

export async function organizationCallSetup(db: Db, accountId: number, fallbackCountry: string): Promise<OrganizationCallSetup> {
  const chain = await accountChain(db, accountId);
  const trunkId = chain.find((a) => a.trunkId !== null)?.trunkId ?? null;
  const tariffId = chain.find((a) => a.tariffId !== null)?.tariffId ?? null;
  const [trunk, rates] = await Promise.all([
    trunkId === null ? Promise.resolve(null) : db.selectFrom('trunks').selectAll().where('id', '=', trunkId).where('enabled', '=', 1).executeTakeFirst(),
    tariffId === null ? Promise.resolve([]) : db.selectFrom('rates').selectAll().where('tariffId', '=', tariffId).execute(),
  ]);
  return {
    defaultCountry: chain.find((a) => a.defaultCountry !== null)?.defaultCountry ?? fallbackCountry,
    trunk: trunk
      ? { id: trunk.id, host: trunk.host, port: trunk.port, transport: trunk.transport, username: trunk.username, password: trunk.password, fromDomain: trunk.fromDomain }
      : null,
    rates: rates.map((r) => ({
      prefix: r.prefix,
      name: r.name,
      connectFeeMicros: r.connectFeeMicros,
      perMinuteMicros: r.perMinuteMicros,
      flatMicros: r.flatMicros,
      firstIncrementSeconds: r.firstIncrementSeconds,
      nextIncrementSeconds: r.nextIncrementSeconds,
    })),
  };
}
