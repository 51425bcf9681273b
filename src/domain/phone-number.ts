import {
  Metadata,
  ParseError,
  isSupportedCountry,
  parseDigits,
  parsePhoneNumberWithError,
  validatePhoneNumberLength,
  type CountryCode,
  type PhoneNumber,
} from 'libphonenumber-js/max';
import { DomainError } from './errors.js';

/** A phone number in E.164 form: '+', country code, national number; 15 digits at most. */
export type E164 = string;

/** Longer inputs are refused before parsing: no real number needs it, and it bounds the work. */
const MAX_INPUT_LENGTH = 64;
const E164_RE = /^\+[1-9]\d{1,14}$/;
/** Also accepts a bare prefix such as "+61", because e164Digits() feeds prefix matching. */
const E164_OR_PREFIX_RE = /^\+[1-9]\d{0,14}$/;
const COUNTRY_RE = /^[A-Z]{2}$/;
/** Separators people type or paste: whitespace, hyphens and Unicode dashes, dots, parentheses, '/' (DE). */
const SEPARATOR_RE = /[\s\-.()/\u2010-\u2015\u2212]/u;
const LETTER_RE = /\p{L}/u;
/** "… ext. 12", "… x12", ";ext=12": refused with their own reason so the user knows what to drop. */
const EXTENSION_RE = /(?<!\p{L})(?:ext(?:ension|n)?|x)\.?\s*[:=]?\s*\d+\s*$/iu;
const PLUS_RE = /[+\uFF0B]/u;

function invalid(reason: string): DomainError {
  return new DomainError('invalid_phone_number', reason);
}

/** ISO 3166-1 alpha-2 code (uppercase) that libphonenumber has metadata for. */
export function isCountryCode(code: string): boolean {
  return typeof code === 'string' && COUNTRY_RE.test(code) && isSupportedCountry(code);
}

function asCountryCode(code: string): CountryCode {
  if (!isCountryCode(code)) {
    // A caller/configuration bug rather than bad user input, hence its own code.
    const shown = JSON.stringify(String(code).slice(0, 20));
    throw new DomainError('invalid_country', `${shown} is not a known ISO 3166 country code`);
  }
  return code as CountryCode;
}

let regionNames: Intl.DisplayNames | undefined;
function countryName(country: CountryCode): string {
  regionNames ??= new Intl.DisplayNames(['en'], { type: 'region' });
  return regionNames.of(country) ?? country;
}

const iddCache = new Map<CountryCode, RegExp>();
/** The country's own international dialling prefix(es), e.g. 0011 (and 0014, …) in AU, 011 in US. */
function iddPrefix(country: CountryCode): RegExp {
  let re = iddCache.get(country);
  if (!re) {
    const metadata = new Metadata();
    metadata.selectNumberingPlan(country);
    const pattern = metadata.numberingPlan?.IDDPrefix();
    re = pattern ? new RegExp(`^(?:${pattern})`) : /$^/;
    iddCache.set(country, re);
  }
  return re;
}

/**
 * Reduces the input to its digits (ASCII; full-width and Arabic-Indic digits are mapped) and
 * whether it starts with '+', refusing anything that is not a digit, a separator or one leading '+'.
 */
function scan(text: string): { plus: boolean; digits: string } {
  if (LETTER_RE.test(text)) {
    throw invalid(
      EXTENSION_RE.test(text)
        ? 'extensions are not supported; give the number without the extension'
        : 'letters are not allowed in a phone number',
    );
  }
  let plus = false;
  let digits = '';
  for (const ch of text) {
    if (PLUS_RE.test(ch)) {
      if (plus) throw invalid("only one '+' is allowed in a phone number");
      if (digits !== '') throw invalid("'+' is only allowed at the start of a phone number");
      plus = true;
      continue;
    }
    if (SEPARATOR_RE.test(ch)) continue;
    const digit = parseDigits(ch);
    if (digit.length !== 1) {
      throw invalid(`the character ${JSON.stringify(ch)} is not allowed in a phone number`);
    }
    digits += digit;
  }
  if (digits === '') throw invalid('the number has no digits');
  return { plus, digits };
}

function lengthReason(result: string | undefined, country: CountryCode | undefined): string | undefined {
  switch (result) {
    case 'TOO_SHORT':
    case 'NOT_A_NUMBER': // our input is clean digits by now, so this only means "too few of them"
      return 'the number is too short';
    case 'TOO_LONG':
      return 'the number is too long';
    case 'INVALID_LENGTH':
      return country
        ? `the number has the wrong number of digits for ${countryName(country)}`
        : 'the number has the wrong number of digits';
    default:
      return undefined;
  }
}

/**
 * Parses one cleaned candidate. `afterPrefix` holds the digits after '+' / the international
 * prefix (undefined for a national number) so a bad country code can be named.
 */
function parseCandidate(text: string, country: CountryCode, afterPrefix: string | undefined): PhoneNumber {
  // Country codes are 1-3 digits and here none of those prefixes is one, so show up to 3.
  const badCountry = (): DomainError => {
    if (!afterPrefix) return invalid('the country code is not valid');
    if (afterPrefix.startsWith('0')) return invalid('+0… is not a valid country code: none starts with 0');
    const shown = afterPrefix.slice(0, 3);
    return invalid(`+${shown}${afterPrefix.length > 3 ? '…' : ''} is not a valid country code`);
  };
  let number: PhoneNumber;
  try {
    number = parsePhoneNumberWithError(text, country);
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    if (error.message === 'INVALID_COUNTRY') throw badCountry();
    throw invalid(lengthReason(error.message, undefined) ?? 'this is not a phone number');
  }
  const length = validatePhoneNumberLength(text, country);
  if (length === 'INVALID_COUNTRY') throw badCountry();
  const reason = lengthReason(length, number.country);
  if (reason) throw invalid(reason);
  if (!number.isValid()) {
    throw invalid(
      number.country
        ? `not a valid number for ${countryName(number.country)}`
        : `not a valid number for country code +${number.countryCallingCode}`,
    );
  }
  // Valid numbers always fit E.164; checked anyway because the whole product relies on it.
  if (!E164_RE.test(number.number)) throw invalid('the number is too long');
  return number;
}

/**
 * The one phone number normalizer of the product: returns E.164 or throws
 * DomainError('invalid_phone_number', reason) with a reason fit to show to the user.
 *
 * Accepted: national numbers of `defaultCountry` with or without separators; "+<cc>…";
 * "00<cc>…" (the common international prefix, even where the country's own prefix differs,
 * e.g. AU); and the country's own international prefix (AU "0011…", US/CA "011…"). When two
 * of these readings give different valid numbers the input is refused as ambiguous.
 * Refused: letters, vanity numbers included (we dial digits, and guessing the keypad mapping
 * is error prone), extensions, '*', '#', stray or repeated '+', inputs over 64 characters,
 * and numbers that are too short, too long or not valid per libphonenumber's full metadata.
 * A `defaultCountry` libphonenumber does not know is a caller bug: DomainError('invalid_country').
 */
export function normalizePhoneNumber(input: string, defaultCountry: string): E164 {
  const country = asCountryCode(defaultCountry);
  if (typeof input !== 'string') throw invalid('a phone number must be given as text');
  const text = input.trim();
  if (text === '') throw invalid('the number is empty');
  if (text.length > MAX_INPUT_LENGTH) {
    throw invalid(`the input is too long (more than ${MAX_INPUT_LENGTH} characters)`);
  }
  const { plus, digits } = scan(text);

  if (plus) return parseCandidate(`+${digits}`, country, digits).number;

  // libphonenumber reads national numbers and strips the country's own IDD prefix (AU 0011,
  // US 011) by itself.
  const idd = iddPrefix(country).exec(digits);
  const libReading = attempt(() => parseCandidate(digits, country, idd ? digits.slice(idd[0].length) : undefined));

  // It does not treat "00" as international where the country's prefix is something else (AU
  // "0061…" becomes +61 061…), so we add that reading. No country code starts with 0, so
  // "000…" has none.
  const doubleZero =
    digits.startsWith('00') && !digits.startsWith('000')
      ? attempt(() => parseCandidate(`+${digits.slice(2)}`, country, digits.slice(2)))
      : undefined;
  // AU also has carrier IDD prefixes 0014-0019: "0016 492311234" is +49 231 1234 that way and
  // +1 649 231 1234 read as 00. Guessing would dial the wrong country, so ask. A 00 reading
  // competes only when the digits after 00 are exactly the E.164 digits: libphonenumber also
  // drops a trunk prefix after the country code, so "0011 501…" would read as +1 (1) 501….
  const competing = doubleZero?.ok === true && doubleZero.e164 === `+${digits.slice(2)}`;
  if (libReading.ok && doubleZero?.ok && competing && libReading.e164 !== doubleZero.e164) {
    throw invalid(
      `the number is ambiguous: it could be ${libReading.e164} or ${doubleZero.e164}; ` +
        "write it with '+' and the country code",
    );
  }
  if (libReading.ok) return libReading.e164;
  if (doubleZero?.ok) return doubleZero.e164;
  // Explain the reading the user most likely meant: their country's IDD, else 00, else national.
  throw idd || !doubleZero ? libReading.error : doubleZero.error;
}

function attempt(parse: () => PhoneNumber): { ok: true; e164: E164 } | { ok: false; error: DomainError } {
  try {
    return { ok: true, e164: parse().number };
  } catch (error) {
    if (error instanceof DomainError) return { ok: false, error };
    throw error;
  }
}

/**
 * normalizePhoneNumber without the throw, for bulk input (CSV imports, forms) where a refusal
 * is an expected outcome. A bad `defaultCountry` still throws: it is not the input's fault.
 */
export function tryNormalizePhoneNumber(
  input: string,
  defaultCountry: string,
): { ok: true; e164: E164 } | { ok: false; reason: string } {
  try {
    return { ok: true, e164: normalizePhoneNumber(input, defaultCountry) };
  } catch (error) {
    if (error instanceof DomainError && error.code === 'invalid_phone_number') {
      return { ok: false, reason: error.message };
    }
    throw error;
  }
}

/**
 * The digits of an E.164 number without '+', for prefix matching (rates, routes, blocks).
 * Also takes a bare "+<digits>" prefix. Throws on anything else rather than matching garbage.
 */
export function e164Digits(e164: E164): string {
  if (typeof e164 !== 'string' || !E164_OR_PREFIX_RE.test(e164)) {
    throw invalid(`${JSON.stringify(String(e164).slice(0, 40))} is not an E.164 number`);
  }
  return e164.slice(1);
}
