import { DomainError } from './errors.js';
import type { Micros } from './money.js';

/** One tariff line: the price of calls to numbers starting with `prefix`. */
export interface Rate {
  /** E.164 digits without '+'; '' matches every number (a default rate). */
  prefix: string;
  name: string;
  connectFeeMicros: Micros;
  perMinuteMicros: Micros;
  /** Non-null: a flat price per answered call; duration, per-minute price and connect fee are ignored. */
  flatMicros: Micros | null;
  firstIncrementSeconds: number;
  nextIncrementSeconds: number;
}

export const MAX_INCREMENT_SECONDS = 3600;
export const MAX_PREFIX_DIGITS = 20;
/**
 * Longest call duration rating handles (2^31 - 1 s, about 68 years): fits an int32 column and keeps
 * every intermediate value a safe integer. maxAffordableSeconds never answers more than this.
 */
export const MAX_DURATION_SECONDS = 2_147_483_647;

const INCREMENTS_RE = /^(\d+)\/(\d+)$/;

/** Parses billing increments written "first/next" in seconds, e.g. "60/60", "30/6", "1/1". */
export function parseIncrements(text: string): { firstIncrementSeconds: number; nextIncrementSeconds: number } {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  const match = INCREMENTS_RE.exec(trimmed);
  if (!match) {
    throw new DomainError(
      'invalid_increments',
      `${JSON.stringify(String(text).slice(0, 40))} is not a billing increment: expected "first/next" in whole seconds, e.g. 30/6`,
    );
  }
  const [, firstText = '', nextText = ''] = match;
  for (const [label, digits] of [
    ['first', firstText],
    ['next', nextText],
  ] as const) {
    const value = Number(digits);
    if (value < 1 || value > MAX_INCREMENT_SECONDS) {
      throw new DomainError(
        'invalid_increments',
        `the ${label} increment must be 1 to ${MAX_INCREMENT_SECONDS} seconds, got ${digits}`,
      );
    }
  }
  const first = Number(firstText);
  const next = Number(nextText);
  return { firstIncrementSeconds: first, nextIncrementSeconds: next };
}

function invalidRate(rate: Rate, reason: string): DomainError {
  const label = typeof rate.prefix === 'string' ? `rate for prefix "${rate.prefix}"` : 'rate';
  return new DomainError('invalid_rate', `${label}: ${reason}`);
}

/** Refuses a rate that rating could not price sensibly; throws DomainError('invalid_rate'). */
export function validateRate(rate: Rate): void {
  if (typeof rate.prefix !== 'string' || !/^\d*$/.test(rate.prefix)) {
    throw invalidRate(rate, 'the prefix must be digits only (E.164 without "+"), or empty for all numbers');
  }
  if (rate.prefix.length > MAX_PREFIX_DIGITS) {
    throw invalidRate(rate, `the prefix has more than ${MAX_PREFIX_DIGITS} digits`);
  }
  if (typeof rate.name !== 'string' || rate.name.trim() === '') {
    throw invalidRate(rate, 'the name must not be empty');
  }
  const money: [string, Micros][] = [
    ['connect fee', rate.connectFeeMicros],
    ['per-minute price', rate.perMinuteMicros],
  ];
  if (rate.flatMicros !== null) money.push(['flat price', rate.flatMicros]);
  for (const [label, value] of money) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw invalidRate(rate, `the ${label} must be a non-negative integer of micro-units, got ${String(value)}`);
    }
  }
  for (const [label, value] of [
    ['first', rate.firstIncrementSeconds],
    ['next', rate.nextIncrementSeconds],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > MAX_INCREMENT_SECONDS) {
      throw invalidRate(rate, `the ${label} increment must be 1 to ${MAX_INCREMENT_SECONDS} seconds, got ${String(value)}`);
    }
  }
}

/**
 * A validated tariff. Lookup is a Map probe per candidate prefix length (at most 21), so it stays
 * fast for tens of thousands of prefixes.
 */
export class RateTable {
  private readonly byPrefix = new Map<string, Rate>();
  private readonly longestPrefix: number;

  constructor(rates: readonly Rate[]) {
    let longest = 0;
    for (const rate of rates) {
      validateRate(rate);
      const existing = this.byPrefix.get(rate.prefix);
      if (existing) {
        throw new DomainError(
          'duplicate_prefix',
          `prefix "${rate.prefix}" appears twice (rates "${existing.name}" and "${rate.name}"); each prefix may have one rate`,
        );
      }
      // A frozen copy: later changes to the caller's objects cannot alter prices.
      this.byPrefix.set(rate.prefix, Object.freeze({ ...rate }));
      longest = Math.max(longest, rate.prefix.length);
    }
    this.longestPrefix = longest;
  }

  /** The rate with the longest prefix of the number ("+614..." or "614..."), or null when none matches or the text is not a number. */
  lookup(e164OrDigits: string): Rate | null {
    if (typeof e164OrDigits !== 'string') return null;
    const digits = e164OrDigits.startsWith('+') ? e164OrDigits.slice(1) : e164OrDigits;
    if (!/^\d*$/.test(digits)) return null;
    for (let len = Math.min(digits.length, this.longestPrefix); len >= 0; len--) {
      const rate = this.byPrefix.get(digits.slice(0, len));
      if (rate) return rate;
    }
    return null;
  }

  get size(): number {
    return this.byPrefix.size;
  }
}

function checkDuration(durationSeconds: number): void {
  if (typeof durationSeconds !== 'number' || Number.isNaN(durationSeconds) || durationSeconds > MAX_DURATION_SECONDS) {
    throw new DomainError(
      'invalid_duration',
      `a call duration must be a number of seconds up to ${MAX_DURATION_SECONDS}, got ${String(durationSeconds)}`,
    );
  }
}

/**
 * Seconds the carrier bills: 0 when unanswered (<= 0 s); otherwise the first increment, then whole
 * next increments. A started increment is billed in full, so fractional durations round up too.
 */
export function billedSeconds(rate: Rate, durationSeconds: number): number {
  checkDuration(durationSeconds);
  if (durationSeconds <= 0) return 0;
  const first = rate.firstIncrementSeconds;
  const next = rate.nextIncrementSeconds;
  if (durationSeconds <= first) return first;
  // Operands stay far below 2^53 and next <= 3600, so this ceil of a quotient is exact.
  return first + Math.ceil((durationSeconds - first) / next) * next;
}

/** ceil(a / b) for non-negative BigInts. */
function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/**
 * The price of a call in micros: 0 unanswered, the flat price if any, else connect fee + per-minute
 * price for the billed seconds. The per-second share is rounded UP to the micro because the carrier
 * never undercharges us: rounding down could sell calls for less than they cost. Computed in BigInt
 * since perMinute * billed can pass 2^53. The rate is assumed valid (see validateRate).
 */
export function callCost(rate: Rate, durationSeconds: number): Micros {
  const billed = billedSeconds(rate, durationSeconds);
  if (billed === 0) return 0;
  if (rate.flatMicros !== null) return rate.flatMicros;
  const cost = BigInt(rate.connectFeeMicros) + ceilDiv(BigInt(rate.perMinuteMicros) * BigInt(billed), 60n);
  if (cost > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new DomainError('amount_out_of_range', `the cost of a ${billed} s call on "${rate.name}" is out of range`);
  }
  return Number(cost);
}

/**
 * The longest duration D in whole seconds with callCost(rate, D) <= credit, capped at
 * MAX_DURATION_SECONDS; null when no duration can exhaust the credit (per-minute price 0, or a flat
 * price the credit covers); 0 when even the first increment plus connect fee is unaffordable.
 * Derived in exact integer math from the same formula as callCost, so the two always agree:
 * ceil(p * B / 60) <= budget  <=>  p * B <= 60 * budget  (budget is an integer).
 */
export function maxAffordableSeconds(rate: Rate, creditMicros: Micros): number | null {
  if (!Number.isSafeInteger(creditMicros)) {
    throw new DomainError('invalid_amount', `credit must be a safe integer of micro-units, got ${String(creditMicros)}`);
  }
  if (rate.flatMicros !== null) return rate.flatMicros <= creditMicros ? null : 0;
  if (rate.perMinuteMicros === 0) return rate.connectFeeMicros <= creditMicros ? null : 0;
  const budget = BigInt(creditMicros) - BigInt(rate.connectFeeMicros);
  if (budget < 0n) return 0;
  const maxBilled = (60n * budget) / BigInt(rate.perMinuteMicros);
  const first = BigInt(rate.firstIncrementSeconds);
  if (maxBilled < first) return 0;
  const next = BigInt(rate.nextIncrementSeconds);
  // Billed seconds take the values first + k*next; a duration of exactly that many seconds is
  // the longest one billed so, as one more second starts the next increment.
  const seconds = first + ((maxBilled - first) / next) * next;
  return seconds > BigInt(MAX_DURATION_SECONDS) ? MAX_DURATION_SECONDS : Number(seconds);
}
