import { describe, expect, it } from 'vitest';
import { checkAccountLimits, startOfDayUtc, type AccountLicence, type AccountUsage } from '../../src/domain/account-limits.js';

const licence = (accountId: number, maxConcurrentCalls: number | null, dailySpendCapMicros: number | null): AccountLicence => ({ accountId, maxConcurrentCalls, dailySpendCapMicros });
const usage = (callsInProgress: number, spentTodayMicros = 0, heldMicros = 0): AccountUsage => ({ callsInProgress, spentTodayMicros, heldMicros });

describe('account limits (fraud guard caps)', () => {
  it('allows a call below every cap, with no spend room when nothing caps spending', () => {
    expect(checkAccountLimits([])).toEqual({ allowed: true, spendRoomMicros: null });
    expect(checkAccountLimits([{ licence: licence(7, 3, null), usage: usage(2) }])).toEqual({ allowed: true, spendRoomMicros: null });
  });

  it('refuses at the concurrent-call cap: the calls in progress fill it', () => {
    expect(checkAccountLimits([{ licence: licence(7, 3, null), usage: usage(3) }])).toEqual({ allowed: false, reason: 'concurrent-calls', accountId: 7 });
    expect(checkAccountLimits([{ licence: licence(7, 0, null), usage: usage(0) }])).toEqual({ allowed: false, reason: 'concurrent-calls', accountId: 7 });
  });

  it('gives what is left of the daily cap after what was spent and what calls still hold', () => {
    expect(checkAccountLimits([{ licence: licence(7, null, 50_000_000), usage: usage(1, 20_000_000, 5_000_000) }])).toEqual({ allowed: true, spendRoomMicros: 25_000_000 });
    expect(checkAccountLimits([{ licence: licence(7, null, 50_000_000), usage: usage(1, 45_000_000, 5_000_000) }])).toEqual({ allowed: false, reason: 'daily-spend-cap', accountId: 7 });
    // Spent beyond the cap (a cap lowered today): still refused, never a negative room.
    expect(checkAccountLimits([{ licence: licence(7, null, 10_000_000), usage: usage(0, 12_000_000) }])).toMatchObject({ allowed: false, reason: 'daily-spend-cap' });
  });

  it('takes the tightest of the organization and the reseller above it, and names the account that refused', () => {
    const organization = { licence: licence(7, 5, 30_000_000), usage: usage(1, 10_000_000) };
    const reseller = { licence: licence(3, 10, 100_000_000), usage: usage(9, 95_000_000) };
    expect(checkAccountLimits([organization, reseller])).toEqual({ allowed: true, spendRoomMicros: 5_000_000 });
    expect(checkAccountLimits([organization, { ...reseller, usage: usage(10, 0) }])).toEqual({ allowed: false, reason: 'concurrent-calls', accountId: 3 });
    expect(checkAccountLimits([{ ...organization, usage: usage(5) }, { ...reseller, usage: usage(10) }])).toMatchObject({ accountId: 7 });
  });

  it('starts the day at midnight UTC', () => {
    expect(new Date(startOfDayUtc(Date.parse('2026-12-02T23:59:59.999Z'))).toISOString()).toBe('2026-12-02T00:00:00.000Z');
    expect(new Date(startOfDayUtc(Date.parse('2026-12-03T00:00:00.000Z'))).toISOString()).toBe('2026-12-03T00:00:00.000Z');
  });
});
