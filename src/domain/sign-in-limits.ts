/**
 * How sign-ins slow down and lock after failures (the web portal's sign-in, SPEC §6). Pure:
 * the caller passes the time in.
 */

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;

/** Failed sign-ins in a row after which each further attempt must wait. */
export const SLOW_DOWN_AFTER = 5;
/** Failed sign-ins in a row after which the user is locked for LOCK_MS. */
export const LOCK_AFTER = 10;
export const LOCK_MS = 15 * MINUTE_MS;
/** The wait after the SLOW_DOWN_AFTER-th failure; it doubles with each further one (5, 10, 20, 40, 80 s). */
export const FIRST_WAIT_MS = 5 * SECOND_MS;

/**
 * Until when a user must wait after `failures` failed sign-ins in a row, or null for no wait.
 * At LOCK_AFTER and beyond every failure locks again for LOCK_MS (only a success resets the
 * count), so a guesser gets one try per lock once the count is reached.
 */
export function signInBlockedUntil(failures: number, nowMs: number): number | null {
  if (failures < SLOW_DOWN_AFTER) return null;
  if (failures >= LOCK_AFTER) return nowMs + LOCK_MS;
  return nowMs + FIRST_WAIT_MS * 2 ** (failures - SLOW_DOWN_AFTER);
}

/** Whether a wait imposed after `failures` failures is a lock (rather than a slow-down). */
export const isLock = (failures: number): boolean => failures >= LOCK_AFTER;

/** Whole seconds until `untilMs`, at least 1: a Retry-After value. */
export const retryAfterSeconds = (untilMs: number, nowMs: number): number => Math.max(1, Math.ceil((untilMs - nowMs) / SECOND_MS));

export interface FailureLimit {
  /** Failures allowed in any span of windowMs; the next attempt is refused. */
  max: number;
  windowMs: number;
}

/** Failed sign-ins from one client address: 20 in 15 minutes, then wait. */
export const DEFAULT_ADDRESS_FAILURE_LIMIT: FailureLimit = Object.freeze({ max: 20, windowMs: 15 * MINUTE_MS });
export const DEFAULT_MAX_TRACKED_ADDRESSES = 10_000;

/**
 * Failed sign-ins per key (a client address, IPv6 by its /64) in a sliding window, in memory.
 * Memory is bounded: each key keeps at most `max` times, and at most `maxKeys` keys are kept;
 * the Map is in the order keys last failed, so its head is the key to forget first (expired
 * heads are dropped on every call; over the cap the least recently failing one is evicted).
 * Times earlier than one seen before (a clock stepped back) count as that latest time.
 */
export class FailureLimiter {
  private readonly byKey = new Map<string, number[]>();
  private latestMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly limit: FailureLimit = DEFAULT_ADDRESS_FAILURE_LIMIT,
    private readonly maxKeys: number = DEFAULT_MAX_TRACKED_ADDRESSES,
  ) {
    if (!Number.isSafeInteger(limit.max) || limit.max < 1) throw new RangeError(`max must be a whole number of at least 1, got ${String(limit.max)}`);
    if (!Number.isFinite(limit.windowMs) || limit.windowMs < SECOND_MS) throw new RangeError(`windowMs must be at least 1000, got ${String(limit.windowMs)}`);
    if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) throw new RangeError(`maxKeys must be a whole number of at least 1, got ${String(maxKeys)}`);
  }

  get trackedKeys(): number {
    return this.byKey.size;
  }

  /** Seconds to wait when the key has used up its failures, else null. */
  blocked(key: string, nowMs: number): number | null {
    const now = this.advance(nowMs);
    const times = this.byKey.get(key);
    if (!times) return null;
    prune(times, now - this.limit.windowMs);
    if (times.length < this.limit.max) return null;
    return retryAfterSeconds((times[times.length - this.limit.max] as number) + this.limit.windowMs, now);
  }

  /** Counts a failure against the key. */
  record(key: string, nowMs: number): void {
    const now = this.advance(nowMs);
    const times = this.byKey.get(key) ?? [];
    prune(times, now - this.limit.windowMs);
    times.push(now);
    if (times.length > this.limit.max) times.splice(0, times.length - this.limit.max);
    this.byKey.delete(key);
    this.byKey.set(key, times);
    while (this.byKey.size > this.maxKeys) {
      const head = this.byKey.keys().next();
      if (head.done) break;
      this.byKey.delete(head.value);
    }
  }

  private advance(nowMs: number): number {
    const now = Math.max(nowMs, this.latestMs);
    this.latestMs = now;
    // The head failed least recently: once its last failure has left the window, it is forgotten.
    for (const [key, times] of this.byKey) {
      const last = times[times.length - 1];
      if (last !== undefined && last + this.limit.windowMs > now) break;
      this.byKey.delete(key);
    }
    return now;
  }
}

/** Drops the times at or before `cutoff` from the front of an ascending list. */
function prune(times: number[], cutoff: number): void {
  let drop = 0;
  while (drop < times.length && (times[drop] as number) <= cutoff) drop++;
  if (drop > 0) times.splice(0, drop);
}
