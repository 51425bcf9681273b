import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import {
  MICROS_PER_UNIT,
  addMicros,
  currencyMinorDigits,
  formatMoney,
  isCurrencyCode,
  moneyForSpeech,
  parseAmount,
  toDecimalString,
} from '../../src/domain/money.js';

const MAX = Number.MAX_SAFE_INTEGER;
const safeMicros = fc.integer({ min: -MAX, max: MAX });

function domainError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError');
}

describe('parseAmount', () => {
  it.each([
    ['12', 12_000_000],
    ['12.5', 12_500_000],
    ['-3.20', -3_200_000],
    ['0.000001', 1],
    ['+5', 5_000_000],
    ['0', 0],
    ['0.00', 0],
    ['007.50', 7_500_000],
    ['  4.25\n', 4_250_000],
    ['1.5000000', 1_500_000],
    ['9007199254.740991', MAX],
    ['-9007199254.740991', -MAX],
    ['0'.repeat(50) + '1.5', 1_500_000],
  ])('parses %j', (text, expected) => {
    expect(parseAmount(text)).toBe(expected);
  });

  it('turns "-0" into 0, not -0', () => {
    expect(Object.is(parseAmount('-0'), 0)).toBe(true);
    expect(Object.is(parseAmount('-0.000'), 0)).toBe(true);
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['abc', /expected digits/],
    ['12abc', /expected digits/],
    ['1e3', /exponent/],
    ['1.5E-2', /exponent/],
    ['1,000', /thousands separators/],
    ['1,000,000.50', /thousands separators/],
    ['12,5', /"\." as the decimal point/],
    ['0.0000001', /smallest step is 0\.000001/],
    ['1.1234567', /more than 6 decimals/],
    ['--1', /more than one sign/],
    ['+-1', /more than one sign/],
    ['.5', /0\.5 rather than \.5/],
    ['-.5', /0\.5 rather than \.5/],
    ['5.', /5 or 5\.0/],
    ['.', /expected digits/],
    ['-', /expected digits/],
    ['1 000', /expected digits/],
    ['Infinity', /expected digits/],
    ['NaN', /expected digits/],
    ['0x10', /expected digits/],
    ['١٢', /expected digits/],
    ['9007199254.740992', /out of range/],
    ['-9007199254.740992', /out of range/],
    ['1'.repeat(60), /out of range/],
  ])('refuses %j', (text, reason) => {
    const err = domainError(() => parseAmount(text));
    expect(err.code).toBe('invalid_amount');
    expect(err.message).toMatch(reason);
  });

  it('refuses a million-digit number quickly', () => {
    const started = performance.now();
    expect(domainError(() => parseAmount('9'.repeat(1_000_000))).message).toMatch(/out of range/);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('does not echo a huge input in full', () => {
    const err = domainError(() => parseAmount('x'.repeat(10_000)));
    expect(err.message.length).toBeLessThan(200);
  });

  it('refuses non-string input from untyped callers', () => {
    expect(domainError(() => parseAmount(12 as unknown as string)).code).toBe('invalid_amount');
  });

  it('agrees with integer scaling for whole and fractional inputs (property)', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.integer({ min: 0, max: 9_007_199_253 }),
        fc.integer({ min: 0, max: 999_999 }),
        (neg, whole, frac) => {
          const text = `${neg ? '-' : ''}${whole}.${String(frac).padStart(6, '0')}`;
          const magnitude = whole * MICROS_PER_UNIT + frac;
          expect(parseAmount(text)).toBe(neg && magnitude !== 0 ? -magnitude : magnitude);
        },
      ),
    );
  });
});

describe('toDecimalString', () => {
  it.each([
    [0, '0.00'],
    [120_000, '0.12'],
    [12_500_000, '12.50'],
    [123, '0.000123'],
    [-3_200_000, '-3.20'],
    [1, '0.000001'],
    [-1, '-0.000001'],
    [10_000, '0.01'],
    [1_000, '0.001'],
    [12_345_670, '12.34567'],
    [5_000_000, '5.00'],
    [MAX, '9007199254.740991'],
    [-MAX, '-9007199254.740991'],
  ])('%d -> %j', (m, text) => {
    expect(toDecimalString(m)).toBe(text);
  });

  it('prints -0 as 0.00', () => {
    expect(toDecimalString(-0)).toBe('0.00');
  });

  it.each([0.5, NaN, Infinity, MAX + 1])('refuses %d', (m) => {
    expect(domainError(() => toDecimalString(m)).code).toBe('invalid_amount');
  });

  it('round-trips through parseAmount (property)', () => {
    fc.assert(
      fc.property(safeMicros, (m) => {
        expect(parseAmount(toDecimalString(m))).toBe(m);
      }),
      { numRuns: 2000 },
    );
  });

  it('is canonical: 2 to 6 decimals, no trailing zero beyond the 2nd (property)', () => {
    fc.assert(
      fc.property(safeMicros, (m) => {
        expect(toDecimalString(m)).toMatch(/^-?(0|[1-9]\d*)\.\d{2}(\d{0,3}[1-9])?$/);
      }),
    );
  });
});

describe('isCurrencyCode', () => {
  it.each(['AUD', 'USD', 'EUR', 'JPY', 'KWD', 'GBP'])('accepts %s', (code) => {
    expect(isCurrencyCode(code)).toBe(true);
  });
  it.each(['aud', 'Aud', 'AU', 'AUDD', '', 'XYZ', 'A1D', ' AUD'])('refuses %j', (code) => {
    expect(isCurrencyCode(code)).toBe(false);
  });
});

describe('currencyMinorDigits', () => {
  it.each([
    ['AUD', 2],
    ['USD', 2],
    ['JPY', 0],
    ['KWD', 3],
    ['BHD', 3],
  ])('%s has %d', (code, digits) => {
    expect(currencyMinorDigits(code)).toBe(digits);
  });

  it.each(['aud', 'XYZ', ''])('refuses %j', (code) => {
    expect(domainError(() => currencyMinorDigits(code)).code).toBe('invalid_currency');
  });
});

describe('formatMoney', () => {
  it.each([
    [12_500_000, '$12.50'],
    [1_234, '$0.001234'],
    [0, '$0.00'],
    [10_000, '$0.01'],
    [12_345_000, '$12.345'],
    [-3_200_000, '-$3.20'],
    [1_234_567_890_000, '$1,234,567.89'],
  ])('en-AU AUD %d -> %j', (m, text) => {
    expect(formatMoney(m, 'AUD', 'en-AU')).toBe(text);
  });

  it('keeps every digit of the largest amounts (no float rounding)', () => {
    expect(formatMoney(Number.MAX_SAFE_INTEGER, 'AUD', 'en-AU')).toBe('$9,007,199,254.740991');
    expect(formatMoney(-Number.MAX_SAFE_INTEGER, 'AUD', 'en-AU')).toBe('-$9,007,199,254.740991');
    expect(formatMoney(9_007_199_254_740_990, 'AUD', 'en-AU')).toBe('$9,007,199,254.74099');
  });

  it('uses the currency usual digits: JPY none, KWD three', () => {
    expect(formatMoney(1_500_000_000, 'JPY', 'en-US')).toBe('¥1,500');
    expect(formatMoney(1_500_000, 'JPY', 'en-US')).toBe('¥1.5');
    expect(formatMoney(12_500_000, 'KWD', 'en-US')).toMatch(/^KWD\s12\.500$/);
    expect(formatMoney(12_500_100, 'KWD', 'en-US')).toMatch(/^KWD\s12\.5001$/);
  });

  it('follows the locale', () => {
    expect(formatMoney(1_234_567_890_000, 'EUR', 'de-DE')).toBe('1.234.567,89\u00a0€');
    expect(formatMoney(1_234, 'EUR', 'de-DE')).toBe('0,001234\u00a0€');
  });

  it('works without a locale', () => {
    expect(formatMoney(12_500_000, 'USD')).toMatch(/12[.,]50/);
  });

  it('refuses unknown currencies, bad locales and non-integers', () => {
    expect(domainError(() => formatMoney(1, 'XYZ', 'en-AU')).code).toBe('invalid_currency');
    expect(domainError(() => formatMoney(1, 'AUD', 'not a locale!')).code).toBe('invalid_locale');
    expect(domainError(() => formatMoney(0.5, 'AUD', 'en-AU')).code).toBe('invalid_amount');
  });

  it('shows exactly the digits of the amount (property)', () => {
    fc.assert(
      fc.property(safeMicros, (m) => {
        // en-US groups with "," and uses "." so removing grouping yields the canonical value.
        const text = formatMoney(m, 'USD', 'en-US').replace(/[$,]/g, '');
        expect(parseAmount(text)).toBe(m);
      }),
      { numRuns: 500 },
    );
  });
});

describe('moneyForSpeech', () => {
  it('truncates to the minor unit', () => {
    expect(moneyForSpeech(12_505_000, 'AUD')).toEqual({ negative: false, major: 12, minor: 50, minorDigits: 2 });
    expect(moneyForSpeech(12_509_999, 'AUD')).toEqual({ negative: false, major: 12, minor: 50, minorDigits: 2 });
    expect(moneyForSpeech(1_000_000, 'AUD')).toEqual({ negative: false, major: 1, minor: 0, minorDigits: 2 });
  });

  it('handles negative amounts', () => {
    expect(moneyForSpeech(-3_205_000, 'AUD')).toEqual({ negative: true, major: 3, minor: 20, minorDigits: 2 });
  });

  it('does not say "minus zero"', () => {
    expect(moneyForSpeech(-4_000, 'AUD')).toEqual({ negative: false, major: 0, minor: 0, minorDigits: 2 });
    expect(moneyForSpeech(0, 'AUD')).toEqual({ negative: false, major: 0, minor: 0, minorDigits: 2 });
  });

  it('uses the currency minor digits', () => {
    expect(moneyForSpeech(1_500_999_999, 'JPY')).toEqual({ negative: false, major: 1500, minor: 0, minorDigits: 0 });
    expect(moneyForSpeech(12_345_678, 'KWD')).toEqual({ negative: false, major: 12, minor: 345, minorDigits: 3 });
  });

  it('handles the largest amount', () => {
    expect(moneyForSpeech(Number.MAX_SAFE_INTEGER, 'AUD')).toEqual({
      negative: false,
      major: 9_007_199_254,
      minor: 74,
      minorDigits: 2,
    });
  });

  it('never exceeds the amount and loses less than one minor unit (property)', () => {
    fc.assert(
      fc.property(safeMicros, fc.constantFrom('AUD', 'JPY', 'KWD'), (m, currency) => {
        const s = moneyForSpeech(m, currency);
        const step = 10 ** (6 - s.minorDigits);
        const spoken = BigInt(s.major) * 1_000_000n + BigInt(s.minor) * BigInt(step);
        const abs = BigInt(Math.abs(m));
        expect(spoken <= abs).toBe(true);
        expect(abs - spoken < BigInt(step)).toBe(true);
        expect(s.minor).toBeLessThan(10 ** s.minorDigits);
        expect(s.negative).toBe(m < 0 && spoken > 0n);
      }),
    );
  });
});

describe('addMicros', () => {
  it('adds', () => {
    expect(addMicros(1, 2)).toBe(3);
    expect(addMicros(-5_000_000, 2_000_000)).toBe(-3_000_000);
    expect(addMicros(MAX, 0)).toBe(MAX);
    expect(addMicros(MAX, -MAX)).toBe(0);
  });

  it('refuses results beyond the safe range', () => {
    expect(domainError(() => addMicros(MAX, 1)).code).toBe('amount_out_of_range');
    expect(domainError(() => addMicros(-MAX, -1)).code).toBe('amount_out_of_range');
    expect(domainError(() => addMicros(MAX, MAX)).code).toBe('amount_out_of_range');
  });

  it('refuses non-integer inputs', () => {
    expect(domainError(() => addMicros(0.5, 1)).code).toBe('invalid_amount');
    expect(domainError(() => addMicros(1, NaN)).code).toBe('invalid_amount');
  });

  it('is exact or refuses (property)', () => {
    fc.assert(
      fc.property(safeMicros, safeMicros, (a, b) => {
        const exact = BigInt(a) + BigInt(b);
        if (exact >= BigInt(-MAX) && exact <= BigInt(MAX)) {
          expect(BigInt(addMicros(a, b))).toBe(exact);
        } else {
          expect(domainError(() => addMicros(a, b)).code).toBe('amount_out_of_range');
        }
      }),
    );
  });
});
