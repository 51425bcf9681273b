import type { Kysely } from 'kysely';
import { DomainError } from '../domain/errors.js';
import {
  DEFAULT_BLOCKED_PREFIXES,
  DEFAULT_REQUEST_LIMITS,
  validateDestinationRule,
  validateRequestLimits,
  type DestinationRule,
  type RequestLimits,
  type WindowLimit,
} from '../domain/request-limits.js';
import type { Database } from './schema.js';

/**
 * The provider's abuse policy (SPEC §2 Abuse, §7 fraud guard), as provisioning stores it:
 *
 * - CallNow request limits: one settings row per limit that differs from the built-in default,
 *   key `callnowLimits.<name>` (e.g. `callnowLimits.perNumber`), value JSON
 *   `{"max":7,"windowMs":900000}`. A limit with no row is the default.
 * - Whether the built-in premium-rate list applies: settings key `useDefaultBlockedPrefixes`,
 *   value `true` or `false`; no row means true.
 * - Destination rules: rows of destination_policies with account_id null (provider-wide),
 *   prefix as E.164 digits without '+'.
 */

export const REQUEST_LIMIT_NAMES = ['perNumber', 'distinctNumbersPerAddress', 'perAddress', 'perCallnowId'] as const;
export type RequestLimitName = (typeof REQUEST_LIMIT_NAMES)[number];

export const USE_DEFAULT_BLOCKED_PREFIXES_KEY = 'useDefaultBlockedPrefixes';

export function requestLimitKey(name: RequestLimitName): string {
  return `callnowLimits.${name}`;
}

/** A provider-wide destination rule as stored, with its description. */
export interface DestinationPolicyRow extends DestinationRule {
  description: string;
}

async function readSettingValues(db: Kysely<Database>, keys: readonly string[]): Promise<Map<string, string>> {
  const rows = await db.selectFrom('settings').select(['key', 'value']).where('key', 'in', keys).execute();
  return new Map(rows.map((r) => [r.key, r.value]));
}

async function putSetting(db: Kysely<Database>, key: string, value: string | null): Promise<void> {
  if (value === null) {
    await db.deleteFrom('settings').where('key', '=', key).execute();
    return;
  }
  await db
    .insertInto('settings')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

function parseStoredLimit(key: string, text: string): WindowLimit {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const { max, windowMs } = (typeof value === 'object' && value !== null ? value : {}) as Partial<Record<keyof WindowLimit, unknown>>;
  if (typeof max !== 'number' || typeof windowMs !== 'number') {
    throw new DomainError('invalid_request_limits', `the setting ${key} must be JSON like {"max":7,"windowMs":900000}, got ${JSON.stringify(text.slice(0, 80))}`);
  }
  return { max, windowMs };
}

/** The limits the provider has set (only those; the others are the defaults). Not validated. */
export async function readStoredRequestLimits(db: Kysely<Database>): Promise<Partial<RequestLimits>> {
  const values = await readSettingValues(db, REQUEST_LIMIT_NAMES.map(requestLimitKey));
  const limits: Partial<RequestLimits> = {};
  for (const name of REQUEST_LIMIT_NAMES) {
    const text = values.get(requestLimitKey(name));
    if (text !== undefined) limits[name] = parseStoredLimit(requestLimitKey(name), text);
  }
  return limits;
}

/**
 * The CallNow request limits in force: the provider's, the default for any not set. A stored
 * value the limiter cannot use throws DomainError('invalid_request_limits') rather than being
 * replaced by the default silently.
 */
export async function readRequestLimits(db: Kysely<Database>): Promise<RequestLimits> {
  const stored = await readStoredRequestLimits(db);
  const limits: RequestLimits = {
    perNumber: stored.perNumber ?? { ...DEFAULT_REQUEST_LIMITS.perNumber },
    distinctNumbersPerAddress: stored.distinctNumbersPerAddress ?? { ...DEFAULT_REQUEST_LIMITS.distinctNumbersPerAddress },
    perAddress: stored.perAddress ?? { ...DEFAULT_REQUEST_LIMITS.perAddress },
    perCallnowId: stored.perCallnowId ?? { ...DEFAULT_REQUEST_LIMITS.perCallnowId },
  };
  validateRequestLimits(limits);
  return limits;
}

/** Sets one limit; null removes it, so the default applies again. */
export async function writeRequestLimit(db: Kysely<Database>, name: RequestLimitName, limit: WindowLimit | null): Promise<void> {
  validateRequestLimits({ ...DEFAULT_REQUEST_LIMITS, ...(limit ? { [name]: limit } : {}) });
  await putSetting(db, requestLimitKey(name), limit ? JSON.stringify({ max: limit.max, windowMs: limit.windowMs }) : null);
}

/** Whether DEFAULT_BLOCKED_PREFIXES applies; true unless the provider turned it off. */
export async function readUseDefaultBlockedPrefixes(db: Kysely<Database>): Promise<boolean> {
  const values = await readSettingValues(db, [USE_DEFAULT_BLOCKED_PREFIXES_KEY]);
  const text = values.get(USE_DEFAULT_BLOCKED_PREFIXES_KEY);
  if (text === undefined || text === 'true') return true;
  if (text === 'false') return false;
  throw new DomainError('invalid_destination_rule', `the setting ${USE_DEFAULT_BLOCKED_PREFIXES_KEY} must be true or false, got ${JSON.stringify(text.slice(0, 40))}`);
}

export async function writeUseDefaultBlockedPrefixes(db: Kysely<Database>, use: boolean): Promise<void> {
  await putSetting(db, USE_DEFAULT_BLOCKED_PREFIXES_KEY, String(use));
}

/** The provider-wide destination rules (account_id null), ordered by prefix then action. */
export async function readProviderDestinationPolicy(db: Kysely<Database>): Promise<DestinationPolicyRow[]> {
  const rows = await db
    .selectFrom('destinationPolicies')
    .select(['prefix', 'action', 'description'])
    .where('accountId', 'is', null)
    .orderBy('prefix')
    .orderBy('action')
    .execute();
  return rows.map((r) => ({ prefix: r.prefix, action: r.action, description: r.description }));
}

/** Replaces the provider-wide destination rules with `rules` (validated first; nothing is written if one is bad). */
export async function replaceProviderDestinationPolicy(db: Kysely<Database>, rules: readonly DestinationPolicyRow[]): Promise<void> {
  for (const rule of rules) validateDestinationRule(rule);
  await db.deleteFrom('destinationPolicies').where('accountId', 'is', null).execute();
  if (rules.length === 0) return;
  await db
    .insertInto('destinationPolicies')
    .values(rules.map((r) => ({ accountId: null, prefix: r.prefix, action: r.action, description: r.description })))
    .execute();
}

/**
 * The provider's rules plus, when `useDefaults`, DEFAULT_BLOCKED_PREFIXES. A provider rule
 * replaces a default with the same prefix (isDestinationAllowed lets deny win a tie, so
 * otherwise "allow 1900" could never lift the default block); a longer provider prefix lifts
 * part of a default range by itself ("allow 8816" inside the default "deny 881").
 */
export function mergeDestinationRules(provider: readonly DestinationRule[], useDefaults: boolean): DestinationRule[] {
  const own = provider.map((r) => ({ prefix: r.prefix, action: r.action }));
  if (!useDefaults) return own;
  const prefixes = new Set(own.map((r) => r.prefix));
  return [...own, ...DEFAULT_BLOCKED_PREFIXES.filter((r) => !prefixes.has(r.prefix))];
}

/**
 * The destination rules in force, for isDestinationAllowed: the provider's rows plus the
 * built-in premium-rate list unless turned off. A bad stored row throws
 * DomainError('invalid_destination_rule'): skipping it could let a blocked range through.
 */
export async function readDestinationRules(db: Kysely<Database>): Promise<DestinationRule[]> {
  const provider = await readProviderDestinationPolicy(db);
  for (const rule of provider) validateDestinationRule(rule);
  return mergeDestinationRules(provider, await readUseDefaultBlockedPrefixes(db));
}
