import fc from 'fast-check';
import { getCountries, getExampleNumber } from 'libphonenumber-js/max';
import mobileExamples from 'libphonenumber-js/mobile/examples';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import {
  e164Digits,
  isCountryCode,
  normalizePhoneNumber,
  tryNormalizePhoneNumber,
} from '../../src/domain/phone-number.js';
import { domainError } from '../helpers/domain-error.js';


function refusal(input: string, country: string): string {
  const error = domainError(() => normalizePhoneNumber(input, country));
  expect(error.code).toBe('invalid_phone_number');
  return error.message;
}

const E164_RE = /^\+[1-9]\d{1,14}$/;

describe('normalizePhoneNumber: accepted forms', () => {
  it.each([
    ['0290375678', 'national digits without separators'],
    ['02 9037 5678', 'spaces'],
    ['02-9037-5678', 'dashes'],
    ['02.9037.5678', 'dots'],
    ['(02) 9037 5678', 'parentheses'],
    ['(02) 9037–5678', 'an en dash pasted from a document'],
    ['02\u00a09037\u00a05678', 'non-breaking spaces'],
    ['  02 9037 5678 \t', 'surrounding whitespace'],
    ['+61290375678', 'E.164'],
    ['+61 2 9037 5678', 'international format'],
    ['+ 61 2 9037 5678', "a space after '+'"],
    ['(+61) 2 9037 5678', "'+' inside parentheses"],
    ['+61 (0)2 9037 5678', 'the "(0)" trunk prefix kept in international form'],
    ['0061290375678', '00 prefix (not AU\'s own IDD; libphonenumber leaves it alone)'],
    ['0061 2 9037 5678', '00 prefix with spaces'],
    ['0011 61 2 9037 5678', "AU's own IDD prefix 0011"],
    ['0014 61 2 9037 5678', 'another AU IDD prefix (carrier selection)'],
    ['\uff10\uff12\uff19\uff10\uff13\uff17\uff15\uff16\uff17\uff18', 'full-width digits'],
    ['\uff0b61 2 9037 5678', "full-width '+'"],
  ])('AU: %j (%s)', (input) => {
    expect(normalizePhoneNumber(input, 'AU')).toBe('+61290375678');
  });

  it.each([
    ['001 684 733 1234', '+16847331234'], // "0016" is also an AU carrier IDD prefix; as IDD it is invalid
    ['001 506 234 5678', '+15062345678'], // "0015…" then 0: libphonenumber reads it nationally
    ['0018 1 212 555 0123', '+12125550123'], // the carrier IDD reading; as 00 it is too long
    ['0015 44 20 7946 0018', '+442079460018'],
    // Not ambiguous: "+11 501…" is only +1 501… after dropping a NANP trunk 1, not a 00 reading.
    ['0011 501 622 1234', '+5016221234'],
  ])('AU: 00 versus the carrier IDD prefixes 0014-0019: %j', (input, expected) => {
    expect(normalizePhoneNumber(input, 'AU')).toBe(expected);
  });

  it('AU: refuses a 00 number that a carrier IDD prefix reads as another valid number', () => {
    // 0016 + 49 231 1234 (Germany) or 00 + 1 649 231 1234 (Turks and Caicos).
    expect(refusal('00 1 649 231 1234', 'AU')).toBe(
      "the number is ambiguous: it could be +492311234 or +16492311234; write it with '+' and the country code",
    );
    expect(normalizePhoneNumber('+1 649 231 1234', 'AU')).toBe('+16492311234');
  });

  it('AU mobile', () => {
    expect(normalizePhoneNumber('0412 345 678', 'AU')).toBe('+61412345678');
  });

  it.each([
    ['(212) 555-0123', '+12125550123'],
    ['212-555-0123', '+12125550123'],
    ['212.555.0123', '+12125550123'],
    ['2125550123', '+12125550123'],
    ['1 212 555 0123', '+12125550123'],
    ['+1 (212) 555-0123', '+12125550123'],
    ['011 61 2 9037 5678', '+61290375678'], // the US IDD prefix
    ['011 44 20 7946 0018', '+442079460018'],
    ['00 44 20 7946 0018', '+442079460018'], // 00 is not the US prefix; we accept it anyway
    ['+49 30 901820', '+4930901820'],
  ])('US: %j -> %s', (input, expected) => {
    expect(normalizePhoneNumber(input, 'US')).toBe(expected);
  });

  it('CA shares +1 with the US; numbers of either normalize', () => {
    expect(normalizePhoneNumber('(506) 234-5678', 'CA')).toBe('+15062345678');
    expect(normalizePhoneNumber('+1 212 555 0123', 'CA')).toBe('+12125550123');
    expect(normalizePhoneNumber('011 61 2 9037 5678', 'CA')).toBe('+61290375678');
  });

  it.each([
    ['030 901820', '+4930901820'],
    ['030/901820', '+4930901820'],
    ['(030) 901820', '+4930901820'],
    ['+49 30 901820', '+4930901820'],
    ['0049 30 901820', '+4930901820'], // 00 is the DE prefix: libphonenumber handles it
    ['01512 3456789', '+4915123456789'],
    ['0061 2 9037 5678', '+61290375678'],
  ])('DE: %j -> %s', (input, expected) => {
    expect(normalizePhoneNumber(input, 'DE')).toBe(expected);
  });

  it.each([
    ['020 7946 0018', '+442079460018'],
    ['020-7946-0018', '+442079460018'],
    ['+44 (0)20 7946 0018', '+442079460018'],
    ['+44 020 7946 0018', '+442079460018'],
    ['0044 20 7946 0018', '+442079460018'],
    ['07400 123456', '+447400123456'],
  ])('GB: %j -> %s', (input, expected) => {
    expect(normalizePhoneNumber(input, 'GB')).toBe(expected);
  });

  it('an international number ignores the default country', () => {
    expect(normalizePhoneNumber('+61 2 9037 5678', 'GB')).toBe('+61290375678');
    expect(normalizePhoneNumber('+44 20 7946 0018', 'AU')).toBe('+442079460018');
  });

  it('accepts non-geographic numbers (international freephone +800)', () => {
    expect(normalizePhoneNumber('+800 1234 5678', 'AU')).toBe('+80012345678');
  });

  it('trims before applying the 64-character limit', () => {
    const padded = `${' '.repeat(40)}02 9037 5678${' '.repeat(40)}`;
    expect(padded.length).toBeGreaterThan(64);
    expect(normalizePhoneNumber(padded, 'AU')).toBe('+61290375678');
  });

  it('accepts exactly 64 characters', () => {
    const input = `0${' '.repeat(54)}290375678`;
    expect(input).toHaveLength(64);
    expect(normalizePhoneNumber(input, 'AU')).toBe('+61290375678');
  });
});

describe('normalizePhoneNumber: refusals', () => {
  it.each(['', '   ', '\t\n'])('empty: %j', (input) => {
    expect(refusal(input, 'AU')).toBe('the number is empty');
  });

  it('refuses inputs over 64 characters before parsing', () => {
    const input = `0${' '.repeat(55)}290375678`;
    expect(input).toHaveLength(65);
    expect(refusal(input, 'AU')).toBe('the input is too long (more than 64 characters)');
    expect(refusal('1'.repeat(10_000), 'AU')).toMatch(/too long/);
  });

  it.each(['abc', '02 9037 CALL', 'tel:+61290375678', 'call 02 9037 5678', '02 9O37 5678', 'é', 'ß', 'ا'])(
    'letters: %j',
    (input) => {
      expect(refusal(input, 'AU')).toBe('letters are not allowed in a phone number');
    },
  );

  it.each([
    ['1800 FLOWERS', 'AU'],
    ['1-800-FLOWERS', 'US'],
    ['+1 800 FLOWERS', 'US'],
    ['1300 MY CALL', 'AU'],
  ])('vanity numbers are refused (we dial digits): %j', (input, country) => {
    expect(refusal(input, country)).toBe('letters are not allowed in a phone number');
  });

  it.each(['02 9037 5678 ext 12', '02 9037 5678 ext. 12', '0290375678x12', '02 9037 5678 x 12', '0290375678;ext=12'])(
    'extensions: %j',
    (input) => {
      expect(refusal(input, 'AU')).toBe('extensions are not supported; give the number without the extension');
    },
  );

  it.each(['++61290375678', '+61 +2 9037 5678', '+61290375678+'])("more than one '+': %j", (input) => {
    expect(refusal(input, 'AU')).toBe("only one '+' is allowed in a phone number");
  });

  it.each(['61+290375678', '02 9037 5678 +', '(02)+90375678'])("'+' after digits: %j", (input) => {
    expect(refusal(input, 'AU')).toBe("'+' is only allowed at the start of a phone number");
  });

  it.each([
    ['0290375678#', '#'],
    ['*31#0290375678', '*'],
    ['02,9037,5678', ','],
    ['02_9037_5678', '_'],
    ['02 9037 5678;', ';'],
    ['02 9037 5678 🙂', '🙂'],
    ['0290375678\u0000', '\u0000'],
  ])('other characters: %j', (input, ch) => {
    expect(refusal(input, 'AU')).toBe(`the character ${JSON.stringify(ch)} is not allowed in a phone number`);
  });

  it.each(['-', '( )', '+', '+ - .', '...'])('no digits: %j', (input) => {
    expect(refusal(input, 'AU')).toBe('the number has no digits');
  });

  it.each([
    ['1', 'AU'],
    ['0', 'AU'],
    ['06', 'AU'],
    ['000', 'AU'],
    ['112', 'DE'],
    ['+6', 'AU'],
    ['+61', 'AU'],
    ['0011', 'AU'],
    ['911', 'US'],
  ])('too short: %j (%s)', (input, country) => {
    expect(refusal(input, country)).toBe('the number is too short');
  });

  it.each([
    ['029037567811111', 'AU'],
    ['+61 2 9037 5678 1234 5678', 'AU'],
    ['+49 30 901820 123456789012', 'DE'],
    ['212 555 0123 4567', 'US'],
  ])('too long: %j (%s)', (input, country) => {
    expect(refusal(input, country)).toBe('the number is too long');
  });

  it.each([
    ['+999 1234 5678', '+999…'],
    ['+999', '+999'],
    ['+99 1234 5678', '+991…'], // no code is 9, 99 or 991
    ['0011 999 1234 5678', '+999…'], // via the AU IDD prefix
    ['00 999 1234 5678', '+999…'], // via 00
  ])('bad country code: %j', (input, code) => {
    expect(refusal(input, 'AU')).toBe(`${code} is not a valid country code`);
  });

  it("'+' and 00 together", () => {
    expect(refusal('+0061290375678', 'AU')).toBe('+0… is not a valid country code: none starts with 0');
  });

  it.each([
    ['02 1111 111', 'AU', 'Australia'],
    ['0911 234 567', 'AU', 'Australia'],
    ['0000000000', 'AU', 'Australia'], // "00…" but no country code starts with 0: stays national
    ['2125550123', 'GB', 'United Kingdom'],
    ['+49 1234', 'DE', 'Germany'],
  ])('invalid for the country: %j (%s)', (input, country, name) => {
    expect(refusal(input, country)).toBe(`not a valid number for ${name}`);
  });

  it('names the calling code when no single country owns an invalid number', () => {
    expect(refusal('+1 999 555 0123', 'US')).toBe('not a valid number for country code +1');
    // +61 is shared with Christmas Island and Cocos: no single country for an invalid number.
    expect(refusal('+61 1 2345 6789', 'GB')).toBe('not a valid number for country code +61');
  });

  it('a valid number for another country is not valid nationally', () => {
    // US digits with an AU default are read as an AU national number.
    expect(refusal('212 555 0123', 'AU')).toMatch(/Australia|too/);
  });

  it('refuses non-string input from untyped callers', () => {
    expect(refusal(61290375678 as unknown as string, 'AU')).toBe('a phone number must be given as text');
  });
});

describe('normalizePhoneNumber: default country', () => {
  it.each(['au', 'XX', '', 'AUS', 'UK', '001', '__proto__', 'A1'])('refuses %j as a caller error', (country) => {
    const error = domainError(() => normalizePhoneNumber('0290375678', country));
    expect(error.code).toBe('invalid_country');
    expect(() => tryNormalizePhoneNumber('0290375678', country)).toThrow(DomainError);
  });
});

describe('tryNormalizePhoneNumber', () => {
  it('returns the E.164 number', () => {
    expect(tryNormalizePhoneNumber('(02) 9037 5678', 'AU')).toEqual({ ok: true, e164: '+61290375678' });
  });

  it('returns the reason instead of throwing', () => {
    expect(tryNormalizePhoneNumber('1800 FLOWERS', 'AU')).toEqual({
      ok: false,
      reason: 'letters are not allowed in a phone number',
    });
    expect(tryNormalizePhoneNumber('', 'US')).toEqual({ ok: false, reason: 'the number is empty' });
  });
});

describe('isCountryCode', () => {
  it.each(['AU', 'US', 'DE', 'GB', 'CA', 'NZ', 'JP'])('knows %s', (code) => {
    expect(isCountryCode(code)).toBe(true);
  });

  it.each(['au', 'Au', 'UK', 'XX', 'AUS', '', 'A', '001', ' AU', 'EU', 'constructor'])('refuses %j', (code) => {
    expect(isCountryCode(code)).toBe(false);
  });
});

describe('e164Digits', () => {
  it('drops the +', () => {
    expect(e164Digits('+61290375678')).toBe('61290375678');
    expect(e164Digits('+12125550123')).toBe('12125550123');
  });

  it('takes a bare calling-code prefix', () => {
    expect(e164Digits('+61')).toBe('61');
  });

  it.each(['61290375678', '+', '', '+0290375678', '+61 2 9037 5678', '+1234567890123456', '++61'])(
    'refuses %j',
    (value) => {
      expect(domainError(() => e164Digits(value)).code).toBe('invalid_phone_number');
    },
  );
});

describe('properties', () => {
  const countries = getCountries();
  const examples = countries.flatMap((country) => {
    const number = getExampleNumber(country, mobileExamples);
    return number ? [{ country, number }] : [];
  });

  it('has example numbers for (almost) every country', () => {
    expect(countries.length).toBeGreaterThan(200);
    expect(examples.length).toBeGreaterThan(countries.length * 0.95);
  });

  it('normalizing an E.164 result again gives the same value, whatever the default country', () => {
    fc.assert(
      fc.property(fc.constantFrom(...examples), fc.constantFrom(...countries), ({ country, number }, other) => {
        const once = normalizePhoneNumber(number.number, country);
        expect(once).toBe(number.number);
        expect(once).toMatch(E164_RE);
        expect(normalizePhoneNumber(once, other)).toBe(once);
        expect(normalizePhoneNumber(normalizePhoneNumber(once, other), country)).toBe(once);
      }),
      { numRuns: 1000 },
    );
  });

  it('every country: national, international and E.164 forms of its example agree', () => {
    for (const { country, number } of examples) {
      const expected = number.number;
      expect(normalizePhoneNumber(number.formatNational(), country), `${country} national`).toBe(expected);
      expect(normalizePhoneNumber(number.formatInternational(), country), `${country} intl`).toBe(expected);
      expect(normalizePhoneNumber(number.formatInternational(), 'AU'), `${country} intl/AU`).toBe(expected);
      expect(normalizePhoneNumber(`00${e164Digits(expected)}`, 'GB'), `${country} 00/GB`).toBe(expected);
      // In AU, 00 may collide with the carrier IDD prefixes 0014-0019 (see above): never misread.
      const viaAu = tryNormalizePhoneNumber(`00${e164Digits(expected)}`, 'AU');
      expect(viaAu.ok ? viaAu.e164 : viaAu.reason, `${country} 00/AU`).toMatch(
        new RegExp(`^\\${expected}$|^the number is ambiguous: .*\\${expected}`),
      );
      expect(normalizePhoneNumber(`0011${e164Digits(expected)}`, 'AU'), `${country} 0011/AU`).toBe(expected);
      expect(normalizePhoneNumber(`011${e164Digits(expected)}`, 'US'), `${country} 011/US`).toBe(expected);
    }
  });

  it('separators anywhere in the digits do not change the result', () => {
    const separator = fc.constantFrom(' ', '-', '.', '  ', ' - ');
    fc.assert(
      fc.property(
        fc.constantFrom(...examples),
        fc.array(fc.tuple(fc.nat(), separator), { maxLength: 4 }),
        ({ country, number }, cuts) => {
          let national = number.formatNational().replace(/\D/g, '');
          for (const [at, sep] of cuts) {
            const i = 1 + (at % national.length);
            national = national.slice(0, i) + sep + national.slice(i);
          }
          expect(normalizePhoneNumber(national, country)).toBe(number.number);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('arbitrary input either gives a stable E.164 number or an invalid_phone_number reason', () => {
    const phoneish = fc.stringMatching(/^[+0-9 ()\-.]{0,24}$/);
    fc.assert(
      fc.property(fc.oneof(fc.string(), phoneish), fc.constantFrom('AU', 'US', 'DE', 'GB', 'FR', 'IN'), (input, country) => {
        const result = tryNormalizePhoneNumber(input, country);
        if (result.ok) {
          expect(result.e164).toMatch(E164_RE);
          expect(normalizePhoneNumber(result.e164, country)).toBe(result.e164);
        } else {
          expect(result.reason.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
