import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import {
  MAX_DURATION_SECONDS,
  RateTable,
  billedSeconds,
  callCost,
  maxAffordableSeconds,
  parseIncrements,
  validateRate,
  type Rate,
} from '../../src/domain/rating.js';

function domainError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError');
}

/** callCost, with a cost beyond the safe range (refused) standing as BigInt above any credit. */
function costOrAboveRange(r: Rate, d: number): bigint {
  try {
    return BigInt(callCost(r, d));
  } catch (err) {
    if (err instanceof DomainError && err.code === 'amount_out_of_range') return BigInt(Number.MAX_SAFE_INTEGER) + 1n;
    throw err;
  }
}

function rate(overrides: Partial<Rate> = {}): Rate {
  return {
    prefix: '61',
    name: 'Australia',
    connectFeeMicros: 0,
    perMinuteMicros: 100_000,
    flatMicros: null,
    firstIncrementSeconds: 60,
    nextIncrementSeconds: 60,
    ...overrides,
  };
}

describe('parseIncrements', () => {
  it.each([
    ['60/60', 60, 60],
    ['30/6', 30, 6],
    ['1/1', 1, 1],
    ['3600/3600', 3600, 3600],
    [' 30/6 ', 30, 6],
    ['030/06', 30, 6],
  ])('parses %j', (text, first, next) => {
    expect(parseIncrements(text)).toEqual({ firstIncrementSeconds: first, nextIncrementSeconds: next });
  });

  it.each([
    ['', /expected "first\/next"/],
    ['30', /expected "first\/next"/],
    ['30/', /expected "first\/next"/],
    ['/6', /expected "first\/next"/],
    ['30/6/1', /expected "first\/next"/],
    ['30 / 6', /expected "first\/next"/],
    ['30.5/6', /expected "first\/next"/],
    ['-30/6', /expected "first\/next"/],
    ['a/b', /expected "first\/next"/],
    ['0/6', /first increment must be 1 to 3600/],
    ['30/0', /next increment must be 1 to 3600/],
    ['3601/1', /first increment must be 1 to 3600/],
    ['1/99999999999999999999', /next increment must be 1 to 3600/],
  ])('refuses %j', (text, reason) => {
    const err = domainError(() => parseIncrements(text));
    expect(err.code).toBe('invalid_increments');
    expect(err.message).toMatch(reason);
  });
});

describe('validateRate', () => {
  it('accepts valid rates, including the catch-all prefix and a flat price', () => {
    expect(() => validateRate(rate())).not.toThrow();
    expect(() => validateRate(rate({ prefix: '' }))).not.toThrow();
    expect(() => validateRate(rate({ flatMicros: 0 }))).not.toThrow();
    expect(() => validateRate(rate({ prefix: '1'.repeat(20) }))).not.toThrow();
  });

  it.each<[string, Partial<Rate>, RegExp]>([
    ['a "+" in the prefix', { prefix: '+61' }, /digits only/],
    ['letters in the prefix', { prefix: '61a' }, /digits only/],
    ['a 21-digit prefix', { prefix: '1'.repeat(21) }, /more than 20 digits/],
    ['an empty name', { name: '' }, /name/],
    ['a blank name', { name: '   ' }, /name/],
    ['a negative connect fee', { connectFeeMicros: -1 }, /connect fee/],
    ['a fractional per-minute price', { perMinuteMicros: 0.5 }, /per-minute price/],
    ['an unsafe per-minute price', { perMinuteMicros: 2 ** 53 }, /per-minute price/],
    ['a negative flat price', { flatMicros: -5 }, /flat price/],
    ['a zero first increment', { firstIncrementSeconds: 0 }, /first increment/],
    ['a fractional next increment', { nextIncrementSeconds: 1.5 }, /next increment/],
    ['a huge next increment', { nextIncrementSeconds: 3601 }, /next increment/],
  ])('refuses %s', (_label, overrides, reason) => {
    const err = domainError(() => validateRate(rate(overrides)));
    expect(err.code).toBe('invalid_rate');
    expect(err.message).toMatch(reason);
  });
});

describe('RateTable', () => {
  const table = new RateTable([
    rate({ prefix: '', name: 'World' }),
    rate({ prefix: '61', name: 'Australia' }),
    rate({ prefix: '614', name: 'Australia mobile' }),
    rate({ prefix: '6141', name: 'Australia mobile special' }),
    rate({ prefix: '1', name: 'NANP' }),
  ]);

  it('finds the longest matching prefix', () => {
    expect(table.lookup('+61412345678')?.name).toBe('Australia mobile special');
    expect(table.lookup('61422345678')?.name).toBe('Australia mobile');
    expect(table.lookup('+61298765432')?.name).toBe('Australia');
    expect(table.lookup('+14155550123')?.name).toBe('NANP');
    expect(table.lookup('+442071234567')?.name).toBe('World');
  });

  it('matches a number equal to a prefix, and the empty number only by the catch-all', () => {
    expect(table.lookup('614')?.name).toBe('Australia mobile');
    expect(table.lookup('')?.name).toBe('World');
    expect(table.lookup('+')?.name).toBe('World');
  });

  it('returns null without a match or for text that is not a number', () => {
    const noDefault = new RateTable([rate({ prefix: '61' })]);
    expect(noDefault.lookup('+442071234567')).toBeNull();
    expect(noDefault.lookup('6')).toBeNull();
    expect(table.lookup('+61 412 345 678')).toBeNull();
    expect(table.lookup('++61')).toBeNull();
    expect(table.lookup('abc')).toBeNull();
  });

  it('reports its size; an empty table matches nothing', () => {
    expect(table.size).toBe(5);
    const empty = new RateTable([]);
    expect(empty.size).toBe(0);
    expect(empty.lookup('+61412345678')).toBeNull();
  });

  it('refuses a repeated prefix, naming both rates', () => {
    const err = domainError(() => new RateTable([rate({ name: 'A' }), rate({ name: 'B' })]));
    expect(err.code).toBe('duplicate_prefix');
    expect(err.message).toMatch(/"61".*"A".*"B"/);
  });

  it('refuses an invalid rate', () => {
    expect(domainError(() => new RateTable([rate({ prefix: 'x' })])).code).toBe('invalid_rate');
  });

  it('is not affected by later changes to the given rate objects', () => {
    const given = rate({ prefix: '44', name: 'UK' });
    const t = new RateTable([given]);
    given.perMinuteMicros = 999;
    expect(t.lookup('+44207')?.perMinuteMicros).toBe(100_000);
  });

  it('agrees with a linear longest-prefix scan (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[0-9]{0,4}$/), { maxLength: 40 }),
        fc.stringMatching(/^[0-9]{0,6}$/),
        (prefixes, number) => {
          const t = new RateTable(prefixes.map((p) => rate({ prefix: p, name: `r${p}` })));
          const best = prefixes
            .filter((p) => number.startsWith(p))
            .sort((a, b) => b.length - a.length)[0];
          expect(t.lookup(number)?.prefix ?? null).toBe(best ?? null);
          expect(t.lookup(`+${number}`)?.prefix ?? null).toBe(best ?? null);
        },
      ),
    );
  });

  it('looks up quickly among 50,000 prefixes', () => {
    const rates: Rate[] = [];
    for (let i = 0; i < 50_000; i++) rates.push(rate({ prefix: String(100_000 + i * 7), name: `r${i}` }));
    const big = new RateTable(rates);
    expect(big.size).toBe(50_000);
    const started = performance.now();
    for (let i = 0; i < 100_000; i++) big.lookup(`+${100_000 + (i % 50_000) * 7}123456789`);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(big.lookup('+100007999')?.name).toBe('r1');
  });
});

describe('billedSeconds', () => {
  it.each([
    // [first, next, duration, billed]
    [60, 60, 0, 0],
    [60, 60, -5, 0],
    [60, 60, 1, 60],
    [60, 60, 60, 60],
    [60, 60, 61, 120],
    [60, 60, 120, 120],
    [30, 6, 1, 30],
    [30, 6, 30, 30],
    [30, 6, 31, 36],
    [30, 6, 36, 36],
    [30, 6, 37, 42],
    [1, 1, 1, 1],
    [1, 1, 59, 59],
    [60, 1, 61, 61],
    [30, 6, 29.5, 30],
    [30, 6, 30.2, 36],
    [1, 1, 0.1, 1],
  ])('%d/%d for %d s bills %d s', (first, next, duration, billed) => {
    expect(billedSeconds(rate({ firstIncrementSeconds: first, nextIncrementSeconds: next }), duration)).toBe(billed);
  });

  it('refuses NaN and durations beyond the maximum', () => {
    expect(domainError(() => billedSeconds(rate(), NaN)).code).toBe('invalid_duration');
    expect(domainError(() => billedSeconds(rate(), Infinity)).code).toBe('invalid_duration');
    expect(domainError(() => billedSeconds(rate(), MAX_DURATION_SECONDS + 1)).code).toBe('invalid_duration');
    expect(billedSeconds(rate(), MAX_DURATION_SECONDS)).toBe(2_147_483_700);
  });

  it('bills at least the duration, in whole increments (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3600 }),
        fc.integer({ min: 1, max: 3600 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        (first, next, d) => {
          const billed = billedSeconds(rate({ firstIncrementSeconds: first, nextIncrementSeconds: next }), d);
          expect(billed).toBeGreaterThanOrEqual(d);
          expect(billed).toBeGreaterThanOrEqual(first);
          expect((billed - first) % next).toBe(0);
          if (d > first) expect(billed - d).toBeLessThan(next);
          else expect(billed).toBe(first);
        },
      ),
    );
  });
});

describe('callCost', () => {
  it('is 0 for an unanswered call, even with a connect fee or flat price', () => {
    expect(callCost(rate({ connectFeeMicros: 50_000 }), 0)).toBe(0);
    expect(callCost(rate({ flatMicros: 1_000_000 }), 0)).toBe(0);
    expect(callCost(rate(), -1)).toBe(0);
  });

  it('charges the flat price for any answered call, ignoring duration and connect fee', () => {
    const flat = rate({ flatMicros: 250_000, connectFeeMicros: 50_000 });
    expect(callCost(flat, 1)).toBe(250_000);
    expect(callCost(flat, 36_000)).toBe(250_000);
    expect(callCost(rate({ flatMicros: 0 }), 100)).toBe(0);
  });

  it('charges connect fee plus the billed minutes', () => {
    // 0.10/min, 60/60: 61 s bills 2 minutes.
    expect(callCost(rate({ connectFeeMicros: 50_000 }), 61)).toBe(250_000);
    // 0.12/min, 30/6: 37 s bills 42 s = 0.084.
    expect(callCost(rate({ perMinuteMicros: 120_000, firstIncrementSeconds: 30, nextIncrementSeconds: 6 }), 37)).toBe(
      84_000,
    );
  });

  it('rounds the per-second share up to the micro', () => {
    // 1 s at 0.000100/min = 1.666... micros -> 2.
    const r = rate({ perMinuteMicros: 100, firstIncrementSeconds: 1, nextIncrementSeconds: 1 });
    expect(callCost(r, 1)).toBe(2);
    expect(callCost(r, 3)).toBe(5);
    expect(callCost(r, 6)).toBe(10);
    expect(callCost(rate({ perMinuteMicros: 1, firstIncrementSeconds: 1, nextIncrementSeconds: 1 }), 1)).toBe(1);
  });

  it('stays exact where perMinute * billed passes 2^53', () => {
    const r = rate({ perMinuteMicros: 3_000_000_000_000, firstIncrementSeconds: 1, nextIncrementSeconds: 1 });
    // 3e12 * 3001 = 9.003e15 > 2^53; / 60 = 150,050,000,000,000 exactly.
    expect(callCost(r, 3001)).toBe(150_050_000_000_000);
    const odd = rate({ perMinuteMicros: 9_007_199_254_740_991, firstIncrementSeconds: 1, nextIncrementSeconds: 1 });
    // ceil((2^53 - 1) * 7 / 60), computed here in BigInt.
    expect(callCost(odd, 7)).toBe(Number((9_007_199_254_740_991n * 7n + 59n) / 60n));
  });

  it('refuses a cost beyond the safe range', () => {
    const r = rate({ perMinuteMicros: 9_007_199_254_740_991, connectFeeMicros: 0 });
    expect(domainError(() => callCost(r, 120)).code).toBe('amount_out_of_range');
  });

  it('equals the exact BigInt formula and never decreases with duration (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 1_000_000_000 }),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (fee, perMinute, first, next, d) => {
          const r = rate({ connectFeeMicros: fee, perMinuteMicros: perMinute, firstIncrementSeconds: first, nextIncrementSeconds: next });
          const cost = callCost(r, d);
          if (d === 0) {
            expect(cost).toBe(0);
          } else {
            const exact = BigInt(fee) * 60n + BigInt(perMinute) * BigInt(billedSeconds(r, d));
            // cost is the least integer with 60 * (cost - fee) >= perMinute * billed.
            expect(BigInt(cost) * 60n >= exact).toBe(true);
            expect((BigInt(cost) - 1n) * 60n < exact).toBe(true);
          }
          expect(callCost(r, d + 1)).toBeGreaterThanOrEqual(cost);
        },
      ),
    );
  });
});

describe('maxAffordableSeconds', () => {
  it('is null when the credit can never run out', () => {
    expect(maxAffordableSeconds(rate({ perMinuteMicros: 0 }), 0)).toBeNull();
    expect(maxAffordableSeconds(rate({ perMinuteMicros: 0, connectFeeMicros: 50_000 }), 50_000)).toBeNull();
    expect(maxAffordableSeconds(rate({ flatMicros: 250_000 }), 250_000)).toBeNull();
    expect(maxAffordableSeconds(rate({ flatMicros: 0 }), 0)).toBeNull();
  });

  it('is 0 when the first increment and connect fee are unaffordable', () => {
    expect(maxAffordableSeconds(rate({ perMinuteMicros: 0, connectFeeMicros: 50_000 }), 49_999)).toBe(0);
    expect(maxAffordableSeconds(rate({ flatMicros: 250_000 }), 249_999)).toBe(0);
    // 60/60 at 0.10/min + 0.05: the first minute costs 0.15.
    expect(maxAffordableSeconds(rate({ connectFeeMicros: 50_000 }), 149_999)).toBe(0);
    expect(maxAffordableSeconds(rate({ connectFeeMicros: 50_000 }), 40_000)).toBe(0);
    expect(maxAffordableSeconds(rate(), 0)).toBe(0);
    expect(maxAffordableSeconds(rate(), -1_000_000)).toBe(0);
  });

  it('gives whole increments', () => {
    const r = rate({ connectFeeMicros: 50_000 });
    expect(maxAffordableSeconds(r, 150_000)).toBe(60);
    expect(maxAffordableSeconds(r, 249_999)).toBe(60);
    expect(maxAffordableSeconds(r, 250_000)).toBe(120);
    // 30/6 at 0.12/min: 1.00 buys 500 s exactly.
    expect(maxAffordableSeconds(rate({ perMinuteMicros: 120_000, firstIncrementSeconds: 30, nextIncrementSeconds: 6 }), 1_000_000)).toBe(498);
  });

  it('accounts for rounding up to the micro', () => {
    // 1/1 at 0.000100/min: 1 s costs 2 micros, 3 s costs 5, 6 s costs 10.
    const r = rate({ perMinuteMicros: 100, firstIncrementSeconds: 1, nextIncrementSeconds: 1 });
    expect(maxAffordableSeconds(r, 1)).toBe(0);
    expect(maxAffordableSeconds(r, 2)).toBe(1);
    expect(maxAffordableSeconds(r, 4)).toBe(2);
    expect(maxAffordableSeconds(r, 5)).toBe(3);
  });

  it('caps at MAX_DURATION_SECONDS', () => {
    const r = rate({ perMinuteMicros: 1, firstIncrementSeconds: 1, nextIncrementSeconds: 1 });
    expect(maxAffordableSeconds(r, Number.MAX_SAFE_INTEGER)).toBe(MAX_DURATION_SECONDS);
    expect(callCost(r, MAX_DURATION_SECONDS)).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
  });

  it('refuses a credit that is not a safe integer', () => {
    expect(domainError(() => maxAffordableSeconds(rate(), 1.5)).code).toBe('invalid_amount');
  });

  const perMinuteRate = fc.record({
    prefix: fc.constant('61'),
    name: fc.constant('r'),
    connectFeeMicros: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1_000_000 })),
    perMinuteMicros: fc.oneof(
      fc.integer({ min: 1, max: 1_000 }),
      fc.integer({ min: 1, max: 10_000_000 }),
      fc.integer({ min: 1, max: 1_000_000_000_000 }),
    ),
    flatMicros: fc.constant(null),
    firstIncrementSeconds: fc.oneof(fc.constantFrom(1, 6, 30, 60), fc.integer({ min: 1, max: 3600 })),
    nextIncrementSeconds: fc.oneof(fc.constantFrom(1, 6, 30, 60), fc.integer({ min: 1, max: 3600 })),
  });

  it('agrees exactly with callCost (property)', () => {
    fc.assert(
      fc.property(
        perMinuteRate,
        fc.oneof(fc.integer({ min: -1_000_000, max: 100_000_000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
        (r, credit) => {
          const max = maxAffordableSeconds(r, credit);
          expect(max).not.toBeNull();
          if (max === null) return;
          expect(Number.isSafeInteger(max)).toBe(true);
          if (max > 0) expect(callCost(r, max)).toBeLessThanOrEqual(credit);
          if (max < MAX_DURATION_SECONDS) expect(costOrAboveRange(r, max + 1)).toBeGreaterThan(credit);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('matches a brute-force search on small tariffs (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 400 }),
        (fee, perMinute, first, next, credit) => {
          const r = rate({ connectFeeMicros: fee, perMinuteMicros: perMinute, firstIncrementSeconds: first, nextIncrementSeconds: next });
          let best = 0;
          for (let d = 1; d <= 30_000; d++) if (callCost(r, d) <= credit) best = d;
          expect(maxAffordableSeconds(r, credit)).toBe(best);
        },
      ),
      { numRuns: 200 },
    );
  });
});
