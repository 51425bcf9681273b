import type { Micros } from './money.js';

/**
 * The fraud guard's caps per account (SPEC §7): how many calls an organization, or a
 * reseller across all its organizations, may have at once, and how much it may spend in a
 * day. They are set by the account above, in the licence; a stolen password or a runaway
 * script then costs at most a day's cap, on as many lines as the licence allows.
 */
export interface AccountLicence {
  accountId: number;
  /** null: no cap. */
  maxConcurrentCalls: number | null;
  /** null: no cap. */
  dailySpendCapMicros: Micros | null;
}

/** What the account (with everything below it) uses now. */
export interface AccountUsage {
  /** Calls in progress: at the start of a call, every call with a line open; when connecting, the connections already made. */
  callsInProgress: number;
  /** Captured today by calls that started today. */
  spentTodayMicros: Micros;
  /** Held for calls still talking: they may spend up to this much more. */
  heldMicros: Micros;
}

export type AccountLimitReason = 'concurrent-calls' | 'daily-spend-cap';

export type AccountLimitDecision =
  | { allowed: true; /** The most the next call may spend today; null when no account in the chain caps spending. */ spendRoomMicros: Micros | null }
  | { allowed: false; reason: AccountLimitReason; accountId: number };

/**
 * Whether one more call fits every cap in the chain (the organization, then each account
 * above it). Calls in progress count against the cap in full: at the cap, the next waits.
 */
export function checkAccountLimits(chain: readonly { licence: AccountLicence; usage: AccountUsage }[]): AccountLimitDecision {
  let room: Micros | null = null;
  for (const { licence, usage } of chain) {
    if (licence.maxConcurrentCalls !== null && usage.callsInProgress >= licence.maxConcurrentCalls) {
      return { allowed: false, reason: 'concurrent-calls', accountId: licence.accountId };
    }
    if (licence.dailySpendCapMicros !== null) {
      const left = licence.dailySpendCapMicros - usage.spentTodayMicros - usage.heldMicros;
      if (left <= 0) return { allowed: false, reason: 'daily-spend-cap', accountId: licence.accountId };
      room = room === null ? left : Math.min(room, left);
    }
  }
  return { allowed: true, spendRoomMicros: room };
}

/** Where "today" starts for the daily cap: midnight UTC, the same for every node and account. */
export function startOfDayUtc(nowMs: number): number {
  return Math.floor(nowMs / 86_400_000) * 86_400_000;
}
