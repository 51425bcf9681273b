/**
 * Abuse limits on CallNow requests (SPEC §2 Abuse, §7 fraud guard): velocity limits per
 * requested number, per client address and per CallNow ID, and the destination policy that
 * refuses premium-rate and other costly ranges. Pure: the caller passes the time in.
 */
import { DomainError } from './errors.js';
import { e164Digits } from './phone-number.js';

/** At most `max` requests in any span of `windowMs` milliseconds. */
export interface WindowLimit {
  max: number;
  windowMs: number;
}

export interface RequestLimits {
  /** Requests for one requested number, from anyone: stops calling one victim over and over. */
  perNumber: WindowLimit;
  /** Different numbers requested from one client address: stops one client calling many victims. */
  distinctNumbersPerAddress: WindowLimit;
  /** Requests from one client address. */
  perAddress: WindowLimit;
  /** Requests to one CallNow ID: bounds what the owner can be made to pay, from all addresses together. */
  perCallnowId: WindowLimit;
}

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

export const DEFAULT_REQUEST_LIMITS: RequestLimits = Object.freeze({
  perNumber: Object.freeze({ max: 7, windowMs: 15 * MINUTE_MS }),
  distinctNumbersPerAddress: Object.freeze({ max: 3, windowMs: HOUR_MS }),
  perAddress: Object.freeze({ max: 30, windowMs: HOUR_MS }),
  perCallnowId: Object.freeze({ max: 60, windowMs: HOUR_MS }),
});

export const DEFAULT_MAX_TRACKED_KEYS = 100_000;
/** Every request is counted under its number, its address and its CallNow ID: three keys. */
export const MIN_TRACKED_KEYS = 3;
/** A limit's max bounds the timestamps kept per key, so it bounds memory too. */
export const MAX_LIMIT = 10_000;
/** retryAfterSeconds is whole seconds, so shorter windows would not mean much. */
export const MIN_WINDOW_MS = SECOND_MS;
export const MAX_WINDOW_MS = 7 * DAY_MS;
/** Longest address, number or CallNow ID taken as a key; an IPv6 address with zone fits easily. */
export const MAX_KEY_LENGTH = 256;

export type LimitRefusal =
  | 'too-many-for-number'
  | 'too-many-numbers-from-address'
  | 'too-many-from-address'
  | 'too-many-for-callnow-id';

export type AdmitResult = { allowed: true } | { allowed: false; reason: LimitRefusal; retryAfterSeconds: number };

const LIMIT_NAMES = ['perNumber', 'distinctNumbersPerAddress', 'perAddress', 'perCallnowId'] as const;

function invalidLimits(message: string): DomainError {
  return new DomainError('invalid_request_limits', message);
}

/** Refuses limits the limiter cannot apply sensibly; throws DomainError('invalid_request_limits'). */
export function validateRequestLimits(limits: RequestLimits): void {
  if (typeof limits !== 'object' || limits === null) throw invalidLimits('request limits must be an object');
  for (const name of LIMIT_NAMES) {
    const limit: unknown = limits[name];
    if (typeof limit !== 'object' || limit === null) {
      throw invalidLimits(`request limits: ${name} must be an object with max and windowMs`);
    }
    const { max, windowMs } = limit as Partial<WindowLimit>;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_LIMIT) {
      // 0 is refused rather than read as "refuse all": turning CallNow off is a preference.
      throw invalidLimits(`request limits: ${name}.max must be a whole number from 1 to ${MAX_LIMIT}, got ${String(max)}`);
    }
    if (typeof windowMs !== 'number' || !Number.isInteger(windowMs) || windowMs < MIN_WINDOW_MS || windowMs > MAX_WINDOW_MS) {
      throw invalidLimits(
        `request limits: ${name}.windowMs must be a whole number of milliseconds from ${MIN_WINDOW_MS} (1 s) ` +
          `to ${MAX_WINDOW_MS} (7 days), got ${String(windowMs)}`,
      );
    }
  }
}

function checkKey(what: string, value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.length > MAX_KEY_LENGTH) {
    throw new DomainError('invalid_request', `the request's ${what} must be non-empty text of at most ${MAX_KEY_LENGTH} characters`);
  }
  return value;
}

/** Drops the times that have left the window, i.e. those at or before `cutoff`. `times` is ascending. */
function prune(times: number[], cutoff: number): void {
  let expired = 0;
  while (expired < times.length && (times[expired] as number) <= cutoff) expired++;
  if (expired > 0) times.splice(0, expired);
}

/** When the request would fit under a limit whose counted times (ascending) are `times`, or null if it fits now. */
function blockedUntil(times: readonly number[], limit: WindowLimit): number | null {
  if (times.length < limit.max) return null;
  // Room for one more once all but max - 1 of them have left the window.
  return (times[times.length - limit.max] as number) + limit.windowMs;
}

interface AddressEntry {
  /**
   * When a request from the address was last counted. Kept apart from `times` because the
   * distinct-numbers window may be the longer one, and pruning `times` must not lose it.
   */
  lastMs: number;
  /** Times of counted requests from the address, ascending. */
  times: number[];
  /** Numbers requested from the address -> when last counted; in that order (oldest first). */
  numbers: Map<string, number>;
}

/**
 * Sliding-window bookkeeping in memory. A request at time t counts while now - t < windowMs,
 * i.e. up to but not at t + windowMs; so no span of windowMs holds more than max counted
 * requests, and a burst at the end of one fixed window and the start of the next cannot double
 * the limit. admit() checks every limit and, only when all allow, counts the request under all
 * of them: a refused request is not counted, so hammering does not extend the refusal.
 *
 * Time. `nowMs` earlier than one seen before (an NTP step back) is taken as that latest time,
 * so the bookkeeping stays ordered; a step back never frees a slot early.
 *
 * Memory. Only admitted requests create keys (a refused one just looks), each key keeps at most
 * `max` times (an address also at most `max` numbers), and the number of keys is capped
 * (default 100,000). Each kind of key (number, address, CallNow ID) sits in a Map in the order
 * it was last counted, and all keys of a kind share one window, so the first key of each Map is
 * the one whose counted requests all leave their window soonest. Keys whose requests have all
 * left are dropped on every call. When the cap is still exceeded, the soonest to expire of the
 * three Map heads is evicted: the least recently counted key, the one closest to being
 * forgotten anyway. An evicted key starts over, so under a flood of new keys the limits fail
 * open for the quietest keys; refusing new keys instead would let anyone with enough addresses
 * lock every real requester out. Such a flood is slow to build, since every new key needs an
 * admitted request and perCallnowId bounds those per owner (60 an hour by default).
 *
 * The caller picks the keys: an IPv6 client is best given as its /64 (one subscriber owns the
 * whole /64), and numbers in one form (E.164), or one requester has as many keys as spellings.
 */
export class RequestLimiter {
  private readonly limits: RequestLimits;
  private readonly maxTrackedKeys: number;
  private readonly byNumber = new Map<string, number[]>();
  private readonly byAddress = new Map<string, AddressEntry>();
  private readonly byCallnowId = new Map<string, number[]>();
  /** The address entry holds two windows; it is forgotten when the longer one has passed. */
  private readonly addressWindowMs: number;
  private latestMs = Number.NEGATIVE_INFINITY;

  constructor(limits: RequestLimits = DEFAULT_REQUEST_LIMITS, options: { maxTrackedKeys?: number } = {}) {
    validateRequestLimits(limits);
    const maxTrackedKeys = options.maxTrackedKeys ?? DEFAULT_MAX_TRACKED_KEYS;
    if (!Number.isSafeInteger(maxTrackedKeys) || maxTrackedKeys < MIN_TRACKED_KEYS) {
      throw invalidLimits(
        `maxTrackedKeys must be a whole number of at least ${MIN_TRACKED_KEYS} (one request uses three keys), got ${String(maxTrackedKeys)}`,
      );
    }
    // A copy: later changes to the caller's object cannot change the limits under us.
    this.limits = {
      perNumber: { ...limits.perNumber },
      distinctNumbersPerAddress: { ...limits.distinctNumbersPerAddress },
      perAddress: { ...limits.perAddress },
      perCallnowId: { ...limits.perCallnowId },
    };
    this.maxTrackedKeys = maxTrackedKeys;
    this.addressWindowMs = Math.max(limits.perAddress.windowMs, limits.distinctNumbersPerAddress.windowMs);
  }

  /** Keys held now (numbers + addresses + CallNow IDs); never more than maxTrackedKeys after admit(). */
  get trackedKeys(): number {
    return this.byNumber.size + this.byAddress.size + this.byCallnowId.size;
  }

  /**
   * Checks the request against every limit and, when all allow it, counts it: one call, so no
   * other request can slip in between check and count. When refused, `reason` is the first
   * refusing limit in the order per number, distinct numbers per address, per address, per
   * CallNow ID, and `retryAfterSeconds` is when this same request would be admitted if nothing
   * else came in: when enough counted requests have left the window of every refusing limit
   * (rounded up to whole seconds, at least 1).
   */
  admit(request: { address: string; number: string; callnowId: string }, nowMs: number): AdmitResult {
    if (typeof nowMs !== 'number' || !Number.isFinite(nowMs)) {
      throw new DomainError('invalid_time', `the time must be a finite number of milliseconds, got ${String(nowMs)}`);
    }
    const address = checkKey('address', request.address);
    const number = checkKey('number', request.number);
    const callnowId = checkKey('CallNow ID', request.callnowId);
    const now = Math.max(nowMs, this.latestMs);
    this.latestMs = now;
    this.dropExpired(now);

    const { perNumber, distinctNumbersPerAddress, perAddress, perCallnowId } = this.limits;
    const numberTimes = this.byNumber.get(number) ?? [];
    prune(numberTimes, now - perNumber.windowMs);
    const addressEntry = this.byAddress.get(address) ?? { lastMs: now, times: [], numbers: new Map<string, number>() };
    prune(addressEntry.times, now - perAddress.windowMs);
    pruneNumbers(addressEntry.numbers, now - distinctNumbersPerAddress.windowMs);
    const callnowTimes = this.byCallnowId.get(callnowId) ?? [];
    prune(callnowTimes, now - perCallnowId.windowMs);

    const refusals: [LimitRefusal, number | null][] = [
      ['too-many-for-number', blockedUntil(numberTimes, perNumber)],
      [
        'too-many-numbers-from-address',
        // A number already requested from this address within the window is no new number.
        addressEntry.numbers.has(number) ? null : blockedUntil([...addressEntry.numbers.values()], distinctNumbersPerAddress),
      ],
      ['too-many-from-address', blockedUntil(addressEntry.times, perAddress)],
      ['too-many-for-callnow-id', blockedUntil(callnowTimes, perCallnowId)],
    ];
    let reason: LimitRefusal | null = null;
    let until = now;
    for (const [refusal, blocked] of refusals) {
      if (blocked === null) continue;
      reason ??= refusal;
      until = Math.max(until, blocked);
    }
    if (reason !== null) {
      return { allowed: false, reason, retryAfterSeconds: Math.max(1, Math.ceil((until - now) / SECOND_MS)) };
    }

    numberTimes.push(now);
    addressEntry.lastMs = now;
    addressEntry.times.push(now);
    addressEntry.numbers.delete(number);
    addressEntry.numbers.set(number, now);
    callnowTimes.push(now);
    // Deleted and set again so each Map stays in the order keys were last counted.
    moveToEnd(this.byNumber, number, numberTimes);
    moveToEnd(this.byAddress, address, addressEntry);
    moveToEnd(this.byCallnowId, callnowId, callnowTimes);
    this.evictOverCap(number, address, callnowId);
    return { allowed: true };
  }

  /** Drops, from the head of each Map, the keys whose counted requests have all left their window. */
  private dropExpired(now: number): void {
    dropExpiredHeads(this.byNumber, (times) => lastOf(times) + this.limits.perNumber.windowMs <= now);
    dropExpiredHeads(this.byAddress, (entry) => entry.lastMs + this.addressWindowMs <= now);
    dropExpiredHeads(this.byCallnowId, (times) => lastOf(times) + this.limits.perCallnowId.windowMs <= now);
  }

  /**
   * Evicts the key that expires soonest among the three Map heads until the cap holds. The keys
   * of the request just counted are spared: each is the last of its Map, so it is a head only
   * when alone, and with a cap of at least 3 some other head is always there to evict.
   */
  private evictOverCap(number: string, address: string, callnowId: string): void {
    while (this.trackedKeys > this.maxTrackedKeys) {
      const candidates: [number, () => void][] = [];
      const numberHead = firstOf(this.byNumber);
      if (numberHead && numberHead[0] !== number) {
        candidates.push([lastOf(numberHead[1]) + this.limits.perNumber.windowMs, () => this.byNumber.delete(numberHead[0])]);
      }
      const addressHead = firstOf(this.byAddress);
      if (addressHead && addressHead[0] !== address) {
        candidates.push([addressHead[1].lastMs + this.addressWindowMs, () => this.byAddress.delete(addressHead[0])]);
      }
      const callnowHead = firstOf(this.byCallnowId);
      if (callnowHead && callnowHead[0] !== callnowId) {
        candidates.push([lastOf(callnowHead[1]) + this.limits.perCallnowId.windowMs, () => this.byCallnowId.delete(callnowHead[0])]);
      }
      const victim = candidates.reduce<[number, () => void] | undefined>((best, c) => (best && best[0] <= c[0] ? best : c), undefined);
      if (!victim) return; // cannot happen with maxTrackedKeys >= 3; stops the loop regardless
      victim[1]();
    }
  }
}

/** The latest time in an ascending list; -Infinity when empty (already expired). */
function lastOf(times: readonly number[]): number {
  return times.length === 0 ? Number.NEGATIVE_INFINITY : (times[times.length - 1] as number);
}

function firstOf<V>(map: Map<string, V>): [string, V] | undefined {
  const first = map.entries().next();
  return first.done ? undefined : first.value;
}

function moveToEnd<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
}

function dropExpiredHeads<V>(map: Map<string, V>, expired: (value: V) => boolean): void {
  for (const [key, value] of map) {
    if (!expired(value)) return;
    map.delete(key); // deleting the current entry while iterating a Map is well defined
  }
}

/** Drops numbers last counted at or before `cutoff`; the Map is in order of last count. */
function pruneNumbers(numbers: Map<string, number>, cutoff: number): void {
  dropExpiredHeads(numbers, (at) => at <= cutoff);
}

// ---------------------------------------------------------------------------------------------
// Destination policy

export interface DestinationRule {
  /** Digits of E.164 without '+'; '' matches every number. */
  prefix: string;
  action: 'allow' | 'deny';
}

/** E.164 numbers have at most 15 digits, so a longer prefix could never match. */
export const MAX_DESTINATION_PREFIX_DIGITS = 15;

/**
 * Ranges where a call costs far more than a normal one, or pays the called party: the classic
 * targets of toll fraud (IRSF), where an attacker makes the owner's account call numbers the
 * attacker earns from. Blocked unless the provider allows them; a longer 'allow' prefix lifts a
 * block for part of a range (e.g. '8816' for Iridium phones only). The list is deliberately
 * short: blocking whole countries is the provider's choice, not a default.
 */
export const DEFAULT_BLOCKED_PREFIXES: readonly DestinationRule[] = Object.freeze(
  (
    [
      // NANP (US, Canada, Caribbean) 1-900: premium-rate.
      '1900',
      // UK 09xx (090, 091, 098): premium-rate and adult services.
      '449',
      // UK 070 "personal numbers": look like mobiles (07...) but cost up to premium rates; a
      // long-standing fraud range.
      '4470',
      // Germany 0900: premium-rate (Premium-Dienste).
      '49900',
      // France 089x: value-added services at the highest tariffs (tarif majoré).
      '3389',
      // Spain 803 (adult), 806 (entertainment), 807 (professional services): premium-rate.
      '34803',
      '34806',
      '34807',
      // Australia 190x: premium-rate (mostly unreachable from abroad; blocked in case a trunk routes it).
      '61190',
      // Inmarsat (+870): satellite, several units per minute.
      '870',
      // Global Mobile Satellite Systems (+881: Iridium, Globalstar, ...): satellite phones.
      '881',
      // International Networks (+882, +883): shared codes of satellite, maritime and carrier
      // networks; among the most abused IRSF ranges.
      '882',
      '883',
      // International Premium Rate Service (+979, ITU-T E.164 shared code).
      '979',
    ] as const
  ).map((prefix): DestinationRule => Object.freeze({ prefix, action: 'deny' })),
);

function invalidDestinationRule(message: string): DomainError {
  return new DomainError('invalid_destination_rule', message);
}

/** Throws DomainError('invalid_destination_rule') with a message for whoever wrote the rule. */
export function validateDestinationRule(rule: DestinationRule): void {
  if (typeof rule !== 'object' || rule === null) throw invalidDestinationRule('a destination rule must be an object');
  if (rule.action !== 'allow' && rule.action !== 'deny') {
    throw invalidDestinationRule(`the action of a destination rule must be "allow" or "deny", got ${JSON.stringify(String(rule.action))}`);
  }
  const prefix: unknown = rule.prefix;
  if (typeof prefix !== 'string' || !/^\d*$/.test(prefix)) {
    const shown = JSON.stringify(String(prefix).slice(0, 40));
    throw invalidDestinationRule(
      `the destination prefix ${shown} must be digits only (E.164 without '+', e.g. 1900), or empty for every number`,
    );
  }
  if (prefix.length > MAX_DESTINATION_PREFIX_DIGITS) {
    throw invalidDestinationRule(`the destination prefix "${prefix}" has more than ${MAX_DESTINATION_PREFIX_DIGITS} digits and could never match`);
  }
}

/**
 * Whether we may call `e164`: the rule with the longest prefix of its digits decides; when an
 * 'allow' and a 'deny' have the same prefix, deny wins (the cautious reading of a contradiction);
 * with no matching rule the number is allowed. Rules are validated (a bad one throws
 * DomainError('invalid_destination_rule') rather than being skipped, which could let through a
 * range meant to be blocked); a number that is not E.164 throws DomainError('invalid_phone_number').
 */
export function isDestinationAllowed(e164: string, rules: readonly DestinationRule[]): boolean {
  const digits = e164Digits(e164);
  let best: DestinationRule | undefined;
  for (const rule of rules) {
    validateDestinationRule(rule);
    if (!digits.startsWith(rule.prefix)) continue;
    const longer = best === undefined || rule.prefix.length > best.prefix.length;
    const sameButDeny = best !== undefined && rule.prefix.length === best.prefix.length && rule.action === 'deny';
    if (longer || sameButDeny) best = rule;
  }
  return best?.action !== 'deny';
}

/**
 * The key a client address is limited by: an IPv4 address as it is (also when written as
 * IPv4-mapped IPv6), an IPv6 address by its /64, since one subscriber usually holds a whole
 * /64 and could otherwise take a fresh address for every request.
 */
export function clientAddressKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('%')[0]!.split('::');
  const headParts = head === '' ? [] : head.split(':');
  const tailParts = tail === '' ? [] : tail.split(':');
  const missing = address.includes('::') ? 8 - headParts.length - tailParts.length : 0;
  const groups = [...headParts, ...Array<string>(Math.max(0, missing)).fill('0'), ...tailParts];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
