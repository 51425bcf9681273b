import { DomainError } from './errors.js';

/**
 * Integer micro-units (1/1,000,000) of the server's one currency. Always a safe integer:
 * floats cannot hold decimal money exactly, so money never goes through float arithmetic.
 */
export type Micros = number;

export const MICROS_PER_UNIT = 1_000_000;

/** Decimals a Micros value can carry. */
const MICRO_DIGITS = 6;
const MICROS_PER_UNIT_BIG = 1_000_000n;
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);
/** Longest input echoed back in an error message, so a huge paste does not flood logs. */
const MAX_ECHO = 40;

function echo(text: string): string {
  return JSON.stringify(text.length > MAX_ECHO ? `${text.slice(0, MAX_ECHO)}…` : text);
}

function invalidAmount(text: string, reason: string): DomainError {
  return new DomainError('invalid_amount', `${echo(text)} is not a valid amount: ${reason}`);
}

const AMOUNT_RE = /^([+-])?(\d+)(?:\.(\d+))?$/;

/**
 * Parses a decimal amount such as "12", "12.5", "-3.20", "+5" or "0.000001" into Micros.
 * Surrounding whitespace is ignored (forms and CLI arguments often carry it). Refused, with a
 * reason saying how to write it: exponents, thousands separators, a bare "." (".5", "5."),
 * more than 6 significant decimals, and values beyond the safe integer range. Zeros past the
 * 6th decimal ("1.5000000") are accepted because the value is still exact.
 */
export function parseAmount(text: string): Micros {
  if (typeof text !== 'string') {
    throw new DomainError('invalid_amount', 'an amount must be given as text, e.g. "12.50"');
  }
  const trimmed = text.trim();
  if (trimmed === '') throw invalidAmount(text, 'it is empty; write a number such as 12.50');
  const match = AMOUNT_RE.exec(trimmed);
  if (!match) throw invalidAmount(text, explainJunk(trimmed));
  const [, sign, whole = '', rawFraction = ''] = match;
  const fraction = rawFraction.replace(/0+$/, '');
  if (fraction.length > MICRO_DIGITS) {
    throw invalidAmount(text, 'it has more than 6 decimals; the smallest step is 0.000001');
  }
  // More than 10 whole digits is out of range anyway; checking first keeps BigInt off huge inputs.
  const wholeDigits = whole.replace(/^0+(?=\d)/, '');
  const magnitude =
    wholeDigits.length > 10
      ? MAX_SAFE_BIG + 1n
      : BigInt(wholeDigits) * MICROS_PER_UNIT_BIG + BigInt(fraction.padEnd(MICRO_DIGITS, '0'));
  if (magnitude > MAX_SAFE_BIG) {
    throw invalidAmount(
      text,
      `it is out of range; amounts must lie within ±${toDecimalString(Number.MAX_SAFE_INTEGER)}`,
    );
  }
  // BigInt has no -0, so "-0" comes out as plain 0.
  return Number(sign === '-' ? -magnitude : magnitude);
}

/** The reason for a refused amount, aimed at the mistake people actually make. */
function explainJunk(text: string): string {
  if (/^[+-]?\d*\.?\d*[eE][+-]?\d+$/.test(text)) {
    return 'exponent notation is not accepted; write the number in full, e.g. 1000';
  }
  if (/^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(text)) {
    return 'thousands separators are not accepted; write e.g. 1000 instead of 1,000';
  }
  if (/^[+-]?\.\d+$/.test(text)) return 'write a digit before the decimal point, e.g. 0.5 rather than .5';
  if (/^[+-]?\d+\.$/.test(text)) return 'write digits after the decimal point or drop it, e.g. 5 or 5.0';
  if (/^[+-]{2,}/.test(text)) return 'it has more than one sign';
  if (/^[+-]?\d+,\d+$/.test(text)) return 'use "." as the decimal point, e.g. 12.50';
  return 'expected digits with an optional sign and up to 6 decimals, e.g. 12.50';
}

function assertMicros(m: Micros, what = 'amount'): void {
  if (!Number.isSafeInteger(m)) {
    throw new DomainError('invalid_amount', `${what} must be a safe integer of micro-units, got ${String(m)}`);
  }
}

/** Splits |m| into whole units and the 6-digit micro fraction, using exact integer operations. */
function splitMicros(m: Micros): { negative: boolean; whole: number; fraction: number } {
  const abs = Math.abs(m);
  const fraction = abs % MICROS_PER_UNIT;
  // abs - fraction is a multiple of 1e6, so this division is exact.
  return { negative: m < 0, whole: (abs - fraction) / MICROS_PER_UNIT, fraction };
}

/** The 6-digit fraction with trailing zeros trimmed, but keeping at least `minDigits` digits. */
function fractionText(fraction: number, minDigits: number): string {
  const full = String(fraction).padStart(MICRO_DIGITS, '0');
  let end = MICRO_DIGITS;
  while (end > minDigits && full[end - 1] === '0') end--;
  return full.slice(0, end).padEnd(minDigits, '0');
}

/**
 * Canonical decimal text: at least 2 decimals, trailing zeros trimmed beyond that
 * (120000 -> "0.12", 12_500_000 -> "12.50", 123 -> "0.000123"). Round-trips through parseAmount.
 */
export function toDecimalString(m: Micros): string {
  assertMicros(m);
  const { negative, whole, fraction } = splitMicros(m);
  return `${negative ? '-' : ''}${whole}.${fractionText(fraction, 2)}`;
}

let knownCurrencies: ReadonlySet<string> | null = null;

/** An uppercase ISO 4217 code that this runtime's Intl knows (e.g. "AUD"; not "aud", not "XYZ"). */
export function isCurrencyCode(code: string): boolean {
  if (typeof code !== 'string' || !/^[A-Z]{3}$/.test(code)) return false;
  knownCurrencies ??= new Set(Intl.supportedValuesOf('currency'));
  return knownCurrencies.has(code);
}

const minorDigitsCache = new Map<string, number>();

/** Digits of the currency's minor unit as Intl uses them: AUD 2, JPY 0, KWD 3. */
export function currencyMinorDigits(currency: string): number {
  const cached = minorDigitsCache.get(currency);
  if (cached !== undefined) return cached;
  if (!isCurrencyCode(currency)) {
    throw new DomainError(
      'invalid_currency',
      `${echo(String(currency))} is not a known ISO 4217 currency code (three uppercase letters, e.g. AUD)`,
    );
  }
  const digits =
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  minorDigitsCache.set(currency, digits);
  return digits;
}

/**
 * Display text in the locale's currency format. Shows the currency's usual decimals, or more
 * (up to 6) when the amount is finer than its minor unit, so a price of 0.001234 is not shown
 * as 0.00. Intl receives an exact decimal string (Intl.NumberFormat v3), never a float, so large
 * values keep every digit; the fraction digits are fixed to what the string holds, so no rounding.
 */
export function formatMoney(m: Micros, currency: string, locale?: string): string {
  assertMicros(m);
  const minorDigits = currencyMinorDigits(currency);
  const { negative, whole, fraction } = splitMicros(m);
  const significant = fraction === 0 ? 0 : fractionText(fraction, 0).length;
  const digits = Math.max(minorDigits, significant);
  const decimal = `${negative ? '-' : ''}${whole}.${String(fraction).padStart(MICRO_DIGITS, '0')}`;
  let format: Intl.NumberFormat;
  try {
    format = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
  } catch (err) {
    if (err instanceof RangeError) {
      throw new DomainError('invalid_locale', `${echo(String(locale))} is not a valid locale`);
    }
    throw err;
  }
  return format.format(decimal as Intl.StringNumericLiteral);
}

/**
 * An amount split for speaking ("twelve dollars and fifty cents"), truncated (not rounded) to the
 * currency's minor unit: 12_505_000 AUD -> { major: 12, minor: 50, minorDigits: 2 }. Truncation
 * never tells a caller they have more than they do. `negative` is false when the truncated amount
 * is zero, so nothing says "minus zero".
 */
export function moneyForSpeech(
  m: Micros,
  currency: string,
): { negative: boolean; major: number; minor: number; minorDigits: number } {
  assertMicros(m);
  const minorDigits = currencyMinorDigits(currency);
  const { negative, whole, fraction } = splitMicros(m);
  let minor: number;
  if (minorDigits <= MICRO_DIGITS) {
    const step = 10 ** (MICRO_DIGITS - minorDigits);
    minor = (fraction - (fraction % step)) / step;
  } else {
    minor = fraction * 10 ** (minorDigits - MICRO_DIGITS);
  }
  return { negative: negative && (whole !== 0 || minor !== 0), major: whole, minor, minorDigits };
}

/** a + b, refused when either input or the sum is not a safe integer (it would silently lose micros). */
export function addMicros(a: Micros, b: Micros): Micros {
  assertMicros(a);
  assertMicros(b);
  const sum = a + b;
  if (!Number.isSafeInteger(sum)) {
    throw new DomainError(
      'amount_out_of_range',
      `${toDecimalString(a)} + ${toDecimalString(b)} is out of range; amounts must lie within ±${toDecimalString(Number.MAX_SAFE_INTEGER)}`,
    );
  }
  return sum;
}
