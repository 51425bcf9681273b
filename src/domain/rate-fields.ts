import { DomainError } from './errors.js';
import { parseAmount, toDecimalString, type Micros } from './money.js';
import { MAX_PREFIX_DIGITS, parseIncrements, validateRate, type Rate } from './rating.js';

/**
 * A rate as people write it (the REST API's body, a CSV line): decimal amounts, increments as
 * "first/next". The same rules as a provisioning file's rates: a flat rate has no per-minute
 * price, connect fee or increments; every other rate has a per-minute price.
 */
export interface RateFields {
  prefix: string;
  name: string;
  flat?: string | null | undefined;
  perMinute?: string | null | undefined;
  connectFee?: string | null | undefined;
  increments?: string | null | undefined;
}

export type RateField = 'prefix' | 'name' | 'flat' | 'perMinute' | 'connectFee' | 'increments';
export interface RateProblem {
  field: RateField;
  message: string;
}

export const MAX_RATE_NAME = 100;

/** Tabs, line breaks and other control characters have no place in a one-line name. */
const hasControlCharacters = (text: string) => [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

const given = (value: string | null | undefined): value is string => typeof value === 'string' && value.trim() !== '';

/** The rate, or every problem with the fields (each naming its field). */
export function rateFromFields(fields: RateFields): { rate: Rate; problems: [] } | { rate: null; problems: RateProblem[] } {
  const problems: RateProblem[] = [];
  const prefix = fields.prefix.trim().replace(/^\+/, '');
  if (!/^\d*$/.test(prefix)) problems.push({ field: 'prefix', message: `prefix "${fields.prefix.slice(0, 30)}": digits only (E.164 without "+"), or empty for every number` });
  else if (prefix.length > MAX_PREFIX_DIGITS) problems.push({ field: 'prefix', message: `prefix has more than ${MAX_PREFIX_DIGITS} digits` });
  const name = fields.name.trim();
  if (name === '') problems.push({ field: 'name', message: 'name must not be empty' });
  else if (name.length > MAX_RATE_NAME || hasControlCharacters(name)) problems.push({ field: 'name', message: `name: plain text of at most ${MAX_RATE_NAME} characters` });

  const amount = (field: RateField, text: string): Micros | null => {
    try {
      const micros = parseAmount(text);
      if (micros < 0) {
        problems.push({ field, message: `${field} cannot be negative` });
        return null;
      }
      return micros;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      problems.push({ field, message: `${field}: ${error.message}` });
      return null;
    }
  };

  const flat = given(fields.flat) ? amount('flat', fields.flat) : null;
  if (given(fields.flat) && (given(fields.perMinute) || given(fields.connectFee) || given(fields.increments))) {
    problems.push({ field: 'flat', message: 'a flat rate has no perMinute, connectFee or increments' });
  }
  if (!given(fields.flat) && !given(fields.perMinute)) problems.push({ field: 'perMinute', message: 'give either flat or perMinute' });
  const perMinute = given(fields.perMinute) ? amount('perMinute', fields.perMinute) : 0;
  const connectFee = given(fields.connectFee) ? amount('connectFee', fields.connectFee) : 0;
  let increments = { firstIncrementSeconds: 60, nextIncrementSeconds: 60 };
  if (given(fields.increments)) {
    try {
      increments = parseIncrements(fields.increments);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      problems.push({ field: 'increments', message: `increments: ${error.message}` });
    }
  }
  if (problems.length > 0) return { rate: null, problems };
  const rate: Rate = {
    prefix,
    name,
    flatMicros: given(fields.flat) ? (flat ?? 0) : null,
    perMinuteMicros: perMinute ?? 0,
    connectFeeMicros: connectFee ?? 0,
    ...increments,
  };
  try {
    validateRate(rate);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { rate: null, problems: [{ field: 'prefix', message: error.message }] };
  }
  return { rate, problems: [] };
}

/** The fields of a stored rate, as rateFromFields reads them back (export, the API's answers). */
export function fieldsOfRate(rate: Rate): { prefix: string; name: string; flat: string | null; perMinute: string; connectFee: string; increments: string } {
  const flat = rate.flatMicros !== null;
  return {
    prefix: rate.prefix,
    name: rate.name,
    flat: flat ? toDecimalString(rate.flatMicros ?? 0) : null,
    perMinute: flat ? '' : toDecimalString(rate.perMinuteMicros),
    connectFee: flat ? '' : toDecimalString(rate.connectFeeMicros),
    increments: flat ? '' : `${rate.firstIncrementSeconds}/${rate.nextIncrementSeconds}`,
  };
}
