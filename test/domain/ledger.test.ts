import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import {
  UNLIMITED_ENDED_NOTE,
  UNLIMITED_STARTED_NOTE,
  available,
  openingEntries,
  recharge,
  reserve,
  setUnlimited,
  settle,
  sumEntries,
  type CreditState,
  type LedgerEntryDraft,
} from '../../src/domain/ledger.js';

function domainError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError');
}

/** A frozen state: any mutation by the code under test throws (ES modules are strict). */
function st(balanceMicros: number, heldMicros = 0, unlimited = false, floorMicros = 0): CreditState {
  return Object.freeze({ unlimited, balanceMicros, heldMicros, floorMicros });
}

const UNIT = 1_000_000;

describe('openingEntries', () => {
  it('starts Unlimited with no entries', () => {
    expect(openingEntries('unlimited')).toEqual({
      state: { unlimited: true, balanceMicros: 0, heldMicros: 0, floorMicros: 0 },
      entries: [],
    });
  });

  it('starts limited with a recharge entry for a positive amount', () => {
    expect(openingEntries(10 * UNIT, 'welcome')).toEqual({
      state: { unlimited: false, balanceMicros: 10 * UNIT, heldMicros: 0, floorMicros: 0 },
      entries: [{ kind: 'recharge', amountMicros: 10 * UNIT, heldMicros: 0, note: 'welcome' }],
    });
  });

  it('starts limited with no entry for 0', () => {
    expect(openingEntries(0)).toEqual({
      state: { unlimited: false, balanceMicros: 0, heldMicros: 0, floorMicros: 0 },
      entries: [],
    });
  });

  it.each([-1, 0.5, NaN, Number.MAX_SAFE_INTEGER + 1])('refuses %d', (credit) => {
    expect(domainError(() => openingEntries(credit)).code).toBe('invalid_amount');
  });
});

describe('available', () => {
  it('is balance minus held, or unlimited', () => {
    expect(available(st(10 * UNIT, 3 * UNIT))).toBe(7 * UNIT);
    expect(available(st(0, 2 * UNIT))).toBe(-2 * UNIT);
    expect(available(st(-5, 0, true))).toBe('unlimited');
  });

  it('refuses a malformed state', () => {
    expect(domainError(() => available(st(0.5))).code).toBe('invalid_state');
    expect(domainError(() => available(st(0, -1))).code).toBe('invalid_state');
    expect(domainError(() => available({ ...st(0), unlimited: 'yes' as unknown as boolean })).code).toBe(
      'invalid_state',
    );
  });
});

describe('sumEntries', () => {
  it('sums balance and held changes', () => {
    const entries: LedgerEntryDraft[] = [
      { kind: 'recharge', amountMicros: 10, heldMicros: 0, note: null },
      { kind: 'reservation', amountMicros: 0, heldMicros: 4, note: null },
      { kind: 'capture', amountMicros: -3, heldMicros: -3, note: null },
      { kind: 'release', amountMicros: 0, heldMicros: -1, note: null },
    ];
    expect(sumEntries(entries)).toEqual({ balanceMicros: 7, heldMicros: 0 });
    expect(sumEntries([])).toEqual({ balanceMicros: 0, heldMicros: 0 });
  });

  it('refuses a sum beyond the safe range', () => {
    const big: LedgerEntryDraft = { kind: 'recharge', amountMicros: Number.MAX_SAFE_INTEGER, heldMicros: 0, note: null };
    expect(domainError(() => sumEntries([big, big])).code).toBe('amount_out_of_range');
  });
});

describe('reserve', () => {
  it('holds credit without touching the balance', () => {
    const r = reserve(st(10 * UNIT), 3 * UNIT, 'call 42');
    expect(r.state).toEqual({ unlimited: false, balanceMicros: 10 * UNIT, heldMicros: 3 * UNIT, floorMicros: 0 });
    expect(r.entries).toEqual([{ kind: 'reservation', amountMicros: 0, heldMicros: 3 * UNIT, note: 'call 42' }]);
  });

  it('may use all available credit down to the floor, not one micro more', () => {
    expect(reserve(st(10 * UNIT, 4 * UNIT), 6 * UNIT).state.heldMicros).toBe(10 * UNIT);
    const err = domainError(() => reserve(st(10 * UNIT, 4 * UNIT), 6 * UNIT + 1));
    expect(err.code).toBe('insufficient_credit');
    expect(err.message).toMatch(/cannot reserve 6\.000001: only 6\.00 of credit is available/);
  });

  it('allows an overdraft down to a negative floor', () => {
    expect(reserve(st(1 * UNIT, 0, false, -2 * UNIT), 3 * UNIT).state.heldMicros).toBe(3 * UNIT);
    expect(domainError(() => reserve(st(1 * UNIT, 0, false, -2 * UNIT), 3 * UNIT + 1)).code).toBe(
      'insufficient_credit',
    );
  });

  it('says 0.00 is available when the account is below its floor', () => {
    expect(domainError(() => reserve(st(0, 2 * UNIT), 1)).message).toMatch(/only 0\.00/);
  });

  it('never refuses an Unlimited account, but records the hold', () => {
    const r = reserve(st(-50 * UNIT, 0, true), 1_000 * UNIT);
    expect(r.state).toEqual({ unlimited: true, balanceMicros: -50 * UNIT, heldMicros: 1_000 * UNIT, floorMicros: 0 });
    expect(r.entries).toEqual([{ kind: 'reservation', amountMicros: 0, heldMicros: 1_000 * UNIT, note: null }]);
  });

  it.each([0, -1, 1.5, NaN])('refuses amount %d', (amount) => {
    expect(domainError(() => reserve(st(10 * UNIT), amount)).code).toBe('invalid_amount');
  });

  it('refuses a hold beyond the safe range', () => {
    expect(domainError(() => reserve(st(0, Number.MAX_SAFE_INTEGER, true), 1)).code).toBe('amount_out_of_range');
  });
});

describe('settle', () => {
  it('captures the cost and releases the rest', () => {
    const r = settle(st(10 * UNIT, 3 * UNIT), 3 * UNIT, 1_200_000, 'call 42');
    expect(r.entries).toEqual([
      { kind: 'capture', amountMicros: -1_200_000, heldMicros: -1_200_000, note: 'call 42' },
      { kind: 'release', amountMicros: 0, heldMicros: -1_800_000, note: 'call 42' },
    ]);
    expect(r.state).toEqual({ unlimited: false, balanceMicros: 8_800_000, heldMicros: 0, floorMicros: 0 });
    expect(r).toMatchObject({ capturedMicros: 1_200_000, releasedMicros: 1_800_000, uncapturedMicros: 0 });
  });

  it('has no release when the cost uses the whole reservation', () => {
    const r = settle(st(10 * UNIT, 3 * UNIT), 3 * UNIT, 3 * UNIT);
    expect(r.entries.map((e) => e.kind)).toEqual(['capture']);
    expect(r.state.balanceMicros).toBe(7 * UNIT);
  });

  it('has no capture for a cost of 0 (an unanswered call)', () => {
    const r = settle(st(10 * UNIT, 3 * UNIT), 3 * UNIT, 0);
    expect(r.entries).toEqual([{ kind: 'release', amountMicros: 0, heldMicros: -3 * UNIT, note: null }]);
    expect(r.state).toEqual({ unlimited: false, balanceMicros: 10 * UNIT, heldMicros: 0, floorMicros: 0 });
    expect(r.capturedMicros).toBe(0);
  });

  it('never captures beyond the reservation on a limited account, reporting the difference', () => {
    const r = settle(st(10 * UNIT, 3 * UNIT), 3 * UNIT, 3 * UNIT + 7);
    expect(r.entries).toEqual([{ kind: 'capture', amountMicros: -3 * UNIT, heldMicros: -3 * UNIT, note: null }]);
    expect(r).toMatchObject({ capturedMicros: 3 * UNIT, releasedMicros: 0, uncapturedMicros: 7 });
  });

  it('leaves other reservations held', () => {
    const r = settle(st(10 * UNIT, 5 * UNIT), 2 * UNIT, UNIT);
    expect(r.state.heldMicros).toBe(3 * UNIT);
    expect(r.state.balanceMicros).toBe(9 * UNIT);
  });

  it('charges an Unlimited account the whole cost, removing only this reservation from held', () => {
    const r = settle(st(-1 * UNIT, 5 * UNIT, true), 2 * UNIT, 3 * UNIT);
    expect(r.entries).toEqual([{ kind: 'capture', amountMicros: -3 * UNIT, heldMicros: -2 * UNIT, note: null }]);
    expect(r.state).toEqual({ unlimited: true, balanceMicros: -4 * UNIT, heldMicros: 3 * UNIT, floorMicros: 0 });
    expect(r).toMatchObject({ capturedMicros: 3 * UNIT, releasedMicros: 0, uncapturedMicros: 0 });
  });

  it('releases the unused hold on an Unlimited account too', () => {
    const r = settle(st(0, 2 * UNIT, true), 2 * UNIT, 500_000);
    expect(r.entries.map((e) => [e.kind, e.amountMicros, e.heldMicros])).toEqual([
      ['capture', -500_000, -500_000],
      ['release', 0, -1_500_000],
    ]);
  });

  it('refuses to settle more than is held', () => {
    const err = domainError(() => settle(st(10 * UNIT, 1 * UNIT), 2 * UNIT, 0));
    expect(err.code).toBe('reservation_not_held');
    expect(err.message).toMatch(/2\.00.*1\.00/);
  });

  it.each([
    [0, 0],
    [-1, 0],
    [1.5, 0],
    [1, -1],
    [1, 0.5],
  ])('refuses reserved %d with cost %d', (reserved, cost) => {
    expect(domainError(() => settle(st(10 * UNIT, 5 * UNIT), reserved, cost)).code).toBe('invalid_amount');
  });
});

describe('recharge', () => {
  it('adds credit to a limited account', () => {
    const r = recharge(st(2 * UNIT, UNIT), 10 * UNIT, 'by admin');
    expect(r.entries).toEqual([{ kind: 'recharge', amountMicros: 10 * UNIT, heldMicros: 0, note: 'by admin' }]);
    expect(r.state).toEqual({ unlimited: false, balanceMicros: 12 * UNIT, heldMicros: UNIT, floorMicros: 0 });
    expect(r.creditLeftAfter).toBe(12 * UNIT);
    expect(r.endedUnlimited).toBe(false);
  });

  it('pays off a negative balance first', () => {
    expect(recharge(st(-400_000), 10 * UNIT).creditLeftAfter).toBe(9_600_000);
  });

  it('removes credit down to the floor, keeping held credit covered', () => {
    // Balance 10, held 4: at most 6 can be removed.
    const r = recharge(st(10 * UNIT, 4 * UNIT), -6 * UNIT);
    expect(r.state.balanceMicros).toBe(4 * UNIT);
    expect(available(r.state)).toBe(0);
    expect(r.creditLeftAfter).toBe(4 * UNIT);
    const err = domainError(() => recharge(st(10 * UNIT, 4 * UNIT), -6 * UNIT - 1));
    expect(err.code).toBe('insufficient_credit');
    expect(err.message).toBe('cannot remove 6.000001: at most 6.00 can be removed');
  });

  it('respects a negative floor', () => {
    expect(recharge(st(UNIT, 0, false, -UNIT), -2 * UNIT).state.balanceMicros).toBe(-UNIT);
    expect(domainError(() => recharge(st(UNIT, 0, false, -UNIT), -2 * UNIT - 1)).code).toBe('insufficient_credit');
  });

  it('says nothing can be removed when the account is at or below its floor', () => {
    expect(domainError(() => recharge(st(0), -1)).message).toMatch(/at most 0\.00 can be removed/);
    expect(domainError(() => recharge(st(0, UNIT), -1)).message).toMatch(/at most 0\.00 can be removed/);
  });

  it.each([0, 0.5, NaN])('refuses amount %d', (amount) => {
    expect(domainError(() => recharge(st(UNIT), amount)).code).toBe('invalid_amount');
  });

  it('refuses a balance beyond the safe range', () => {
    expect(domainError(() => recharge(st(Number.MAX_SAFE_INTEGER), 1)).code).toBe('amount_out_of_range');
  });

  it('records a positive amount on an Unlimited account, which stays Unlimited', () => {
    const r = recharge(st(-3 * UNIT, 0, true), 5 * UNIT);
    expect(r.entries).toEqual([{ kind: 'recharge', amountMicros: 5 * UNIT, heldMicros: 0, note: null }]);
    expect(r.state).toEqual({ unlimited: true, balanceMicros: 2 * UNIT, heldMicros: 0, floorMicros: 0 });
    expect(r.creditLeftAfter).toBe('unlimited');
  });

  describe('SPEC §4: a negative amount ends Unlimited', () => {
    it('worked example: spent 12.50 while Unlimited, then -5.00 is added', () => {
      // Unlimited spend shows as a negative balance: -12.50.
      const before = st(-12_500_000, 0, true);
      const r = recharge(before, -5 * UNIT, 'stop this line');
      expect(r.entries).toEqual([
        // The addition is recorded as given...
        { kind: 'recharge', amountMicros: -5 * UNIT, heldMicros: 0, note: 'stop this line' },
        // ...then the balance (-17.50) is brought to exactly 0.
        { kind: 'adjustment', amountMicros: 17_500_000, heldMicros: 0, note: UNLIMITED_ENDED_NOTE },
      ]);
      expect(r.state).toEqual({ unlimited: false, balanceMicros: 0, heldMicros: 0, floorMicros: 0 });
      expect(r.creditLeftAfter).toBe(0);
      expect(r.endedUnlimited).toBe(true);
      expect(sumEntries(r.entries).balanceMicros).toBe(0 - before.balanceMicros);

      // It can place no calls until recharged...
      expect(domainError(() => reserve(r.state, 1)).code).toBe('insufficient_credit');
      // ...and a recharge makes it usable again, still limited.
      const again = recharge(r.state, 10 * UNIT);
      expect(again.state).toEqual({ unlimited: false, balanceMicros: 10 * UNIT, heldMicros: 0, floorMicros: 0 });
      expect(reserve(again.state, 10 * UNIT).state.heldMicros).toBe(10 * UNIT);
    });

    it('works from a positive Unlimited balance (adjustment is negative)', () => {
      const r = recharge(st(20 * UNIT, 0, true), -5 * UNIT);
      expect(r.entries.map((e) => [e.kind, e.amountMicros])).toEqual([
        ['recharge', -5 * UNIT],
        ['adjustment', -15 * UNIT],
      ]);
      expect(r.state.balanceMicros).toBe(0);
    });

    it('keeps the adjustment entry even when it is 0, as the record of the change of mode', () => {
      const r = recharge(st(5 * UNIT, 0, true), -5 * UNIT);
      expect(r.entries[1]).toEqual({ kind: 'adjustment', amountMicros: 0, heldMicros: 0, note: UNLIMITED_ENDED_NOTE });
      expect(Object.is(r.entries[1]?.amountMicros, 0)).toBe(true);
    });

    it('keeps holds of calls in progress: available is -held, the calls still settle', () => {
      const r = recharge(st(-2 * UNIT, UNIT, true), -UNIT);
      expect(r.state).toEqual({ unlimited: false, balanceMicros: 0, heldMicros: UNIT, floorMicros: 0 });
      expect(available(r.state)).toBe(-UNIT);
      expect(domainError(() => reserve(r.state, 1)).code).toBe('insufficient_credit');
      // The call in progress ends costing 0.40: captured within its hold, balance goes to -0.40.
      const s = settle(r.state, UNIT, 400_000);
      expect(s.state).toEqual({ unlimited: false, balanceMicros: -400_000, heldMicros: 0, floorMicros: 0 });
      // The next recharge pays that off first.
      expect(recharge(s.state, 10 * UNIT).creditLeftAfter).toBe(9_600_000);
    });
  });
});

describe('setUnlimited', () => {
  it('makes a limited account Unlimited, keeping its balance, with a zero adjustment', () => {
    const r = setUnlimited(st(3 * UNIT, UNIT));
    expect(r.state).toEqual({ unlimited: true, balanceMicros: 3 * UNIT, heldMicros: UNIT, floorMicros: 0 });
    expect(r.entries).toEqual([{ kind: 'adjustment', amountMicros: 0, heldMicros: 0, note: UNLIMITED_STARTED_NOTE }]);
  });

  it('takes a note', () => {
    expect(setUnlimited(st(0), 'VIP').entries[0]?.note).toBe('VIP');
  });

  it('refuses an account that is already Unlimited', () => {
    expect(domainError(() => setUnlimited(st(0, 0, true))).code).toBe('already_unlimited');
  });

  it('lets an account below its floor place calls again', () => {
    const r = setUnlimited(st(0, UNIT));
    expect(reserve(r.state, 5 * UNIT).state.heldMicros).toBe(6 * UNIT);
  });
});

// --- Property test over random sequences of operations -------------------------------------

type Op =
  | { t: 'reserve'; amount: number }
  | { t: 'settle'; pick: number; cost: number }
  | { t: 'recharge'; amount: number }
  | { t: 'setUnlimited' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('reserve' as const), amount: fc.integer({ min: 1, max: 5 * UNIT }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('settle' as const),
      pick: fc.nat(),
      cost: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 6 * UNIT })),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('recharge' as const),
      amount: fc.integer({ min: -8 * UNIT, max: 8 * UNIT }).filter((n) => n !== 0),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ t: 'setUnlimited' as const }) },
);

function availOf(s: CreditState): number {
  return s.balanceMicros - s.heldMicros;
}

describe('ledger invariants (property)', () => {
  it('hold over any sequence of operations', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant('unlimited' as const), fc.integer({ min: 0, max: 20 * UNIT })),
        fc.integer({ min: -3 * UNIT, max: 0 }),
        fc.array(opArb, { maxLength: 60 }),
        (opening, floor, ops) => {
          const start = openingEntries(opening);
          let state: CreditState = Object.freeze({ ...start.state, floorMicros: floor });
          const ledger: LedgerEntryDraft[] = [...start.entries];
          const open: number[] = [];

          for (const op of ops) {
            const before = state;
            const snapshot = JSON.stringify(before);
            let result: { state: CreditState; entries: LedgerEntryDraft[] };
            try {
              if (op.t === 'reserve') {
                result = reserve(before, op.amount);
                open.push(op.amount);
              } else if (op.t === 'settle') {
                if (open.length === 0) continue;
                const [reserved] = open.splice(op.pick % open.length, 1) as [number];
                const s = settle(before, reserved, op.cost);
                // Settle never captures beyond the reservation on a limited account.
                if (before.unlimited) {
                  expect(s.capturedMicros).toBe(op.cost);
                } else {
                  expect(s.capturedMicros).toBe(Math.min(op.cost, reserved));
                }
                expect(s.capturedMicros + s.uncapturedMicros).toBe(op.cost);
                expect(s.state.heldMicros).toBe(before.heldMicros - reserved);
                expect(-sumEntries(s.entries).heldMicros).toBe(reserved);
                result = s;
              } else if (op.t === 'recharge') {
                const r = recharge(before, op.amount);
                if (before.unlimited && op.amount < 0) {
                  // SPEC §4: limited, balance exactly 0, holds kept.
                  expect(r.endedUnlimited).toBe(true);
                  expect(r.state).toEqual({ ...before, unlimited: false, balanceMicros: 0 });
                  expect(r.entries[0]).toMatchObject({ kind: 'recharge', amountMicros: op.amount });
                  expect(r.creditLeftAfter).toBe(0);
                } else {
                  expect(r.creditLeftAfter).toBe(r.state.unlimited ? 'unlimited' : r.state.balanceMicros);
                }
                result = r;
              } else {
                result = setUnlimited(before);
              }
            } catch (err) {
              if (!(err instanceof DomainError)) throw err;
              // A refusal must be exactly the one the rules call for.
              if (op.t === 'reserve') {
                expect(err.code).toBe('insufficient_credit');
                expect(!before.unlimited && availOf(before) - op.amount < before.floorMicros).toBe(true);
              } else if (op.t === 'recharge') {
                expect(err.code).toBe('insufficient_credit');
                expect(!before.unlimited && op.amount < 0 && availOf(before) + op.amount < before.floorMicros).toBe(
                  true,
                );
              } else if (op.t === 'setUnlimited') {
                expect(err.code).toBe('already_unlimited');
                expect(before.unlimited).toBe(true);
              } else {
                throw err;
              }
              expect(JSON.stringify(before)).toBe(snapshot);
              continue;
            }

            // Inputs are never mutated.
            expect(JSON.stringify(before)).toBe(snapshot);
            // Only adjustments may be entries without effect (they record a change of mode).
            for (const e of result.entries) {
              if (e.kind !== 'adjustment') expect(e.amountMicros !== 0 || e.heldMicros !== 0).toBe(true);
            }
            ledger.push(...result.entries);
            state = Object.freeze(result.state);

            // The ledger sums to the state; held is exactly the open reservations.
            expect(sumEntries(ledger)).toEqual({ balanceMicros: state.balanceMicros, heldMicros: state.heldMicros });
            expect(state.heldMicros).toBe(open.reduce((a, b) => a + b, 0));
            expect(state.heldMicros).toBeGreaterThanOrEqual(0);
            expect(state.floorMicros).toBe(floor);

            // A limited account never goes below its floor, nor further below it; the end of
            // Unlimited is the one way in, and leaves available at exactly -held.
            if (!state.unlimited) {
              if (before.unlimited) {
                expect(availOf(state)).toBe(0 - state.heldMicros);
              } else {
                expect(availOf(state)).toBeGreaterThanOrEqual(Math.min(availOf(before), floor));
              }
              expect(available(state)).toBe(availOf(state));
            } else {
              expect(available(state)).toBe('unlimited');
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
