import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_NAME_PATTERN_LENGTH,
  MAX_NUMBER_PATTERN_LENGTH,
  MAX_REQUESTER_NAME_LENGTH,
  decideCallnow,
  matchCallnowRule,
  normalizeRequesterName,
  validateCallnowRule,
  type CallnowPreferences,
  type CallnowRule,
  type CallnowRuleAction,
} from '../../src/domain/callnow.js';
import { domainError } from '../helpers/domain-error.js';


const NUMBER = '+61412345678';

function rule(numberPattern: string | null, namePattern: string | null = null, action: CallnowRuleAction = 'reject'): CallnowRule {
  return { numberPattern, namePattern, action };
}

const numberMatches = (pattern: string, number: string): boolean => matchCallnowRule([rule(pattern)], { number, name: null }) !== null;
const nameMatches = (pattern: string, name: string | null): boolean =>
  matchCallnowRule([rule(null, pattern)], { number: NUMBER, name }) !== null;

function preferences(overrides: Partial<CallnowPreferences> = {}): CallnowPreferences {
  return {
    enabled: true,
    confirm: false,
    showName: false,
    askName: false,
    captcha: false,
    language: 'en',
    message: '',
    rejectWhileOnPhone: false,
    ...overrides,
  };
}

function decide(
  overrides: {
    preferences?: Partial<CallnowPreferences>;
    rules?: CallnowRule[];
    number?: string;
    name?: string | null;
    ownerAvailable?: boolean;
    ownerOnThePhone?: boolean;
  } = {},
) {
  return decideCallnow({
    preferences: preferences(overrides.preferences),
    rules: overrides.rules ?? [],
    requester: { number: overrides.number ?? NUMBER, name: overrides.name === undefined ? 'Jane Doe' : overrides.name },
    ownerAvailable: overrides.ownerAvailable ?? true,
    ownerOnThePhone: overrides.ownerOnThePhone ?? false,
  });
}

describe('number patterns', () => {
  it.each([
    ['+614*', true],
    ['614*', true],
    ['+61412345678', true],
    ['61412345678', true],
    ['+6141234567?', true],
    ['+61?12345678', true],
    ['+61*678', true],
    ['*678', true],
    ['*', true],
    ['+*', true],
    ['+61**', true],
    ['+61*4*5*8', true],
    ['+61412345678*', true], // '*' may match nothing
    ['+615*', false],
    ['+6141234567', false], // no wildcard: an exact number, not a prefix
    ['+614123456789', false],
    ['+61412345678?', false], // '?' needs exactly one digit
    ['+614123456??', true],
    ['+614123456???', false],
    ['*679', false],
    ['+1*', false],
    ['?', false],
  ])('%s against +61412345678: %s', (pattern, expected) => {
    expect(numberMatches(pattern, NUMBER)).toBe(expected);
  });

  it('matches the same with and without "+"', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[1-9][\d*?]{0,20}$/), fc.stringMatching(/^[1-9]\d{1,14}$/), (pattern, digits) => {
        expect(numberMatches(`+${pattern}`, `+${digits}`)).toBe(numberMatches(pattern, `+${digits}`));
      }),
    );
  });

  it('a pattern without wildcards matches its own number only', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[1-9]\d{1,14}$/), fc.stringMatching(/^[1-9]\d{1,14}$/), (a, b) => {
        expect(numberMatches(`+${a}`, `+${b}`)).toBe(a === b);
      }),
    );
  });

  it('a prefix with "*" matches exactly the numbers that start with it', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[1-9]\d{0,6}$/), fc.stringMatching(/^[1-9]\d{1,14}$/), (prefix, digits) => {
        expect(numberMatches(`+${prefix}*`, `+${digits}`)).toBe(digits.startsWith(prefix));
      }),
    );
  });

  it('stays fast on patterns with many stars', () => {
    const started = performance.now();
    const pattern = `+${'*1'.repeat(14)}*2`;
    expect(pattern.length).toBeLessThanOrEqual(MAX_NUMBER_PATTERN_LENGTH);
    expect(numberMatches(pattern, '+111111111111111')).toBe(false);
    // A regex of many '.*' would backtrack for ages here; generous bound for a loaded machine.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses a requester number that is not E.164', () => {
    for (const number of ['0412345678', '61412345678', '+61 412 345 678', '', '+']) {
      expect(domainError(() => matchCallnowRule([], { number, name: null })).code).toBe('invalid_phone_number');
    }
  });
});

describe('name patterns', () => {
  it.each([
    ['*test*', 'A Test Caller', true],
    ['*test*', 'TESTER', true],
    ['*TEST*', 'my test', true],
    ['*test*', 'tst', false],
    ['john doe', 'John Doe', true],
    ['john doe', 'John Doe Jr', false], // no wildcard: the whole name
    ['john', 'John Doe', false],
    ['john*', 'John Doe', true],
    ['j?hn*', 'Jahn', true],
    ['j?hn*', 'Jhn', false],
    ['*', 'anyone', true],
  ])('%j against %j: %s', (pattern, name, expected) => {
    expect(nameMatches(pattern, name)).toBe(expected);
  });

  it('treats regex syntax as literal characters', () => {
    expect(nameMatches('.*(', '.*(')).toBe(true);
    expect(nameMatches('.*(', 'abc(')).toBe(false);
    expect(nameMatches('.*(', 'x.yz(')).toBe(false);
    expect(nameMatches('*.*(', 'x.yz(')).toBe(true); // only '*' is a wildcard
    expect(nameMatches('a+b', 'a+b')).toBe(true);
    expect(nameMatches('a+b', 'aab')).toBe(false);
    expect(nameMatches('[abc]', 'a')).toBe(false);
    expect(nameMatches('[abc]', '[ABC]')).toBe(true);
    expect(nameMatches('^$|\\d', '^$|\\d')).toBe(true);
    expect(nameMatches('(a|b){2}', 'ab')).toBe(false);
  });

  it('matches names with wildcard characters through "?"', () => {
    expect(nameMatches('a?b', 'a*b')).toBe(true);
    expect(nameMatches('a*b', 'a*b')).toBe(true);
  });

  it('is case-insensitive beyond ASCII', () => {
    expect(nameMatches('*émile*', 'ÉMILE ZOLA')).toBe(true);
    expect(nameMatches('σοφία', 'ΣΟΦΊΑ')).toBe(true);
    expect(nameMatches('*ς', 'ΟΔΥΣΣΕΥΣ')).toBe(true); // final sigma meets Σ in upper case
    expect(nameMatches('straße', 'STRAẞE')).toBe(true);
    expect(nameMatches('müller', 'MÜLLER')).toBe(true);
    expect(nameMatches('müller', 'MULLER')).toBe(false);
  });

  it('treats composed and decomposed accents as the same text', () => {
    expect(nameMatches('zoë', 'Zoe\u0308')).toBe(true);
    expect(nameMatches('zoe\u0308', 'ZOË')).toBe(true);
  });

  it('"?" is one character, astral characters included', () => {
    expect(nameMatches('?', '😀')).toBe(true);
    expect(nameMatches('??', '😀')).toBe(false);
    expect(nameMatches('李?', '李雷')).toBe(true);
    expect(nameMatches('*😀*', 'hi 😀 there')).toBe(true);
  });

  it('never matches a request without a name', () => {
    expect(nameMatches('*', null)).toBe(false);
    expect(nameMatches('*', '')).toBe(false);
    expect(nameMatches('*', '   ')).toBe(false);
    expect(nameMatches('*', '\u0000\u202E')).toBe(false);
  });

  it('matches the normalized name, with the pattern spaced the same way', () => {
    expect(nameMatches('john doe', '  John \t  Doe ')).toBe(true);
    expect(nameMatches('john   doe', 'John Doe')).toBe(true);
    expect(nameMatches('*bank*', 'kna\u202Eb bank')).toBe(true);
    expect(nameMatches('johndoe', 'John\u0000Doe')).toBe(true);
  });

  it('treats every character of a random pattern without wildcards literally', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 30 }), (text) => {
        const name = normalizeRequesterName(text);
        fc.pre(name !== null && !name.includes('*') && !name.includes('?'));
        expect(nameMatches(name, name)).toBe(true);
        expect(nameMatches(`${name}x`, name)).toBe(false);
      }),
    );
  });
});

describe('matchCallnowRule', () => {
  it('checks rules in order and the first match wins', () => {
    const rules = [rule('+1*', null, 'reject'), rule('+61*', null, 'accept'), rule('+614*', null, 'confirm')];
    expect(matchCallnowRule(rules, { number: NUMBER, name: null })).toEqual({ index: 1, rule: rules[1] });
    expect(matchCallnowRule(rules, { number: '+12125551234', name: null })).toEqual({ index: 0, rule: rules[0] });
    expect(matchCallnowRule(rules, { number: '+442071234567', name: null })).toBeNull();
    expect(matchCallnowRule([], { number: NUMBER, name: 'x' })).toBeNull();
  });

  it('needs both patterns of a rule to match', () => {
    const both = [rule('+614*', '*spam*')];
    expect(matchCallnowRule(both, { number: NUMBER, name: 'Spam Bot' })?.index).toBe(0);
    expect(matchCallnowRule(both, { number: NUMBER, name: 'Jane' })).toBeNull();
    expect(matchCallnowRule(both, { number: '+4420712345678', name: 'Spam Bot' })).toBeNull();
    expect(matchCallnowRule(both, { number: NUMBER, name: null })).toBeNull();
  });

  it('takes undefined patterns from untyped callers as none', () => {
    const loose = { numberPattern: '+614*', action: 'accept' } as unknown as CallnowRule;
    expect(matchCallnowRule([loose], { number: NUMBER, name: null })?.index).toBe(0);
  });

  it('throws on an invalid rule rather than skipping it', () => {
    const rules = [rule('+1*', null, 'accept'), rule('+61 4*', null, 'reject')];
    // The first rule does not match, so the invalid second one is reached.
    expect(domainError(() => matchCallnowRule(rules, { number: NUMBER, name: null })).code).toBe('invalid_rule');
  });
});

describe('validateCallnowRule', () => {
  it.each([
    rule('+614*'),
    rule('614*'),
    rule('+61412345678', null, 'accept'),
    rule('*', null, 'confirm'),
    rule('?1234'),
    rule(null, '*test*'),
    rule('+1*', 'jane*'),
    rule(null, '.*('),
    rule(null, 'Zoë 😀'),
    rule(`+${'1'.repeat(MAX_NUMBER_PATTERN_LENGTH - 1)}`),
    rule(null, 'x'.repeat(MAX_NAME_PATTERN_LENGTH)),
    rule(null, `  ${'x'.repeat(MAX_NAME_PATTERN_LENGTH)}  `), // spacing is not counted
  ])('accepts %j', (r) => {
    expect(() => validateCallnowRule(r)).not.toThrow();
  });

  it.each([
    [rule(null, null), /number pattern, a name pattern or both/],
    [rule(''), /number pattern is empty; use null/],
    [rule('+'), /no digits or wildcards/],
    [rule('+61 4*'), /contains " ": only digits, '\*' \(any digits\), '\?' \(one digit\)/],
    [rule('+61-4*'), /contains "-"/],
    [rule('+61[4]'), /contains "\["/],
    [rule('+614.*'), /contains "\."/],
    [rule('abc'), /contains "a"/],
    [rule('+61٤*'), /contains "٤"/], // Arabic-Indic digit: \d in JS is ASCII only, and so are we
    [rule('6+14*'), /'\+' that is not at the start/],
    [rule('++614*'), /'\+' that is not at the start/],
    [rule('0412345678'), /starts with 0 and would never match.*\+61412345678 rather than 0412345678/],
    [rule('+0412*'), /starts with 0/],
    [rule(`+${'1'.repeat(MAX_NUMBER_PATTERN_LENGTH)}`), /longer than 32 characters/],
    [rule(null, ''), /name pattern is empty; use null/],
    [rule(null, '   '), /name pattern is empty/],
    [rule(null, 'x'.repeat(MAX_NAME_PATTERN_LENGTH + 1)), /longer than 64 characters/],
    [rule(null, '😀'.repeat(MAX_NAME_PATTERN_LENGTH + 1)), /longer than 64 characters/],
    [rule(null, 'a\u0000b'), /control characters/],
    [rule(null, 'a\nb'), /control characters/],
    [rule(null, 'kna\u202Eb'), /invisible direction marks/],
    [rule('+614*', 'a\u0007'), /control characters/],
    [rule('+614*', null, 'allow' as CallnowRuleAction), /"accept", "confirm" or "reject", got "allow"/],
    [{ numberPattern: 614, namePattern: null, action: 'reject' } as unknown as CallnowRule, /number pattern must be text/],
    [{ numberPattern: null, namePattern: 7, action: 'reject' } as unknown as CallnowRule, /name pattern must be text/],
    [null as unknown as CallnowRule, /must be an object/],
  ])('refuses %j', (r, message) => {
    const error = domainError(() => validateCallnowRule(r));
    expect(error.code).toBe('invalid_rule');
    expect(error.message).toMatch(message);
  });

  it('keeps long input out of the message', () => {
    const error = domainError(() => validateCallnowRule(rule(`+${'1'.repeat(200)}`)));
    expect(error.message.length).toBeLessThan(150);
  });
});

/** Any code point (lone surrogates included), weighted towards the characters normalization handles. */
const nameUnit = fc.oneof(
  fc.constantFrom(' ', '  ', '\t', '\r\n', '\u00A0', '\u0000', '\u0085', '\u202E', '\u2066', '\uFEFF', '\uD800', 'e\u0301', '😀', 'x'),
  fc.integer({ min: 0, max: 0x10ffff }).map((cp) => String.fromCodePoint(cp)),
);

describe('normalizeRequesterName', () => {
  it.each([
    ['Jane Doe', 'Jane Doe'],
    ['  Jane   Doe  ', 'Jane Doe'],
    ['Jane\tDoe', 'Jane Doe'],
    ['Jane\r\nDoe', 'Jane Doe'],
    ['Jane\u00A0\u2003Doe', 'Jane Doe'], // no-break and em spaces are whitespace too
    ['Jane\u0000Doe', 'JaneDoe'],
    ['Jane \u0007 Doe', 'Jane Doe'],
    ['\u202Eenaj', 'enaj'],
    ['a\u200Fb\u2066c\u2069', 'abc'],
    ['\uFEFFJane', 'Jane'],
    ['Zoe\u0308', 'Zoë'],
    ['李雷', '李雷'],
    ['👩‍💻 Dev', '👩‍💻 Dev'], // the zero-width joiner of an emoji stays
    ['x\uD800y', 'xy'], // lone surrogate
  ])('%j -> %j', (raw, expected) => {
    expect(normalizeRequesterName(raw)).toBe(expected);
  });

  it.each(['', '   ', '\t\n', '\u0000\u0001', '\u202E\u200E', '\uFEFF'])('%j is no name', (raw) => {
    expect(normalizeRequesterName(raw)).toBeNull();
  });

  it('returns null for a non-string from an untyped caller', () => {
    expect(normalizeRequesterName(undefined as unknown as string)).toBeNull();
    expect(normalizeRequesterName(42 as unknown as string)).toBeNull();
  });

  it('limits the name to 64 characters without splitting a character', () => {
    expect(normalizeRequesterName('x'.repeat(100))).toBe('x'.repeat(MAX_REQUESTER_NAME_LENGTH));
    const emoji = normalizeRequesterName('😀'.repeat(100));
    expect(Array.from(emoji ?? '')).toHaveLength(MAX_REQUESTER_NAME_LENGTH);
    expect(emoji).toBe('😀'.repeat(MAX_REQUESTER_NAME_LENGTH));
    // A cut just after a space does not leave it dangling.
    expect(normalizeRequesterName(`${'x'.repeat(63)} yyy`)).toBe('x'.repeat(63));
  });

  it('is idempotent and its output is clean', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120, unit: nameUnit }), (raw) => {
        const name = normalizeRequesterName(raw);
        if (name === null) return;
        expect(normalizeRequesterName(name)).toBe(name);
        expect(name).toBe(name.trim());
        expect(name).not.toMatch(/\s{2}|[\p{Cc}\p{Cs}\u202A-\u202E\u2066-\u2069]/u);
        expect(Array.from(name).length).toBeLessThanOrEqual(MAX_REQUESTER_NAME_LENGTH);
      }),
    );
  });
});

describe('decideCallnow', () => {
  it('calls with the confirmation preference when no rule matches', () => {
    expect(decide()).toEqual({ outcome: 'call', confirm: false, ruleIndex: null });
    expect(decide({ preferences: { confirm: true } })).toEqual({ outcome: 'call', confirm: true, ruleIndex: null });
    expect(decide({ rules: [rule('+1*', null, 'accept')], preferences: { confirm: true } })).toEqual({
      outcome: 'call',
      confirm: true,
      ruleIndex: null,
    });
  });

  it('follows the first matching rule', () => {
    const rules = [rule('+1*', null, 'reject'), rule('+614*', null, 'accept'), rule(null, '*', 'confirm')];
    expect(decide({ rules, preferences: { confirm: true } })).toEqual({ outcome: 'call', confirm: false, ruleIndex: 1 });
    expect(decide({ rules, number: '+442071234567' })).toEqual({ outcome: 'call', confirm: true, ruleIndex: 2 });
    expect(decide({ rules, number: '+12125551234' })).toEqual({ outcome: 'refuse', reason: 'rule-rejected' });
    // No name: the name-only confirm rule cannot match, so the preference decides.
    expect(decide({ rules, number: '+442071234567', name: null })).toEqual({ outcome: 'call', confirm: false, ruleIndex: null });
  });

  it('refuses when CallNow is off, before anything else', () => {
    expect(
      decide({
        preferences: { enabled: false, askName: true, rejectWhileOnPhone: true },
        name: null,
        ownerAvailable: false,
        ownerOnThePhone: true,
        rules: [rule('*', null, 'reject')],
      }),
    ).toEqual({ outcome: 'refuse', reason: 'callnow-disabled' });
  });

  it('requires a name when the owner asks for one', () => {
    for (const name of [null, '', '   ', '\u0000']) {
      expect(decide({ preferences: { askName: true }, name })).toEqual({ outcome: 'refuse', reason: 'name-required' });
    }
    expect(decide({ preferences: { askName: true }, name: ' Jo ' })).toEqual({ outcome: 'call', confirm: false, ruleIndex: null });
    expect(decide({ preferences: { askName: false }, name: null })).toEqual({ outcome: 'call', confirm: false, ruleIndex: null });
  });

  it('checks the name before the hours', () => {
    expect(decide({ preferences: { askName: true }, name: null, ownerAvailable: false })).toEqual({
      outcome: 'refuse',
      reason: 'name-required',
    });
  });

  it('refuses outside the owner\'s hours, before the phone and the rules', () => {
    expect(decide({ ownerAvailable: false })).toEqual({ outcome: 'refuse', reason: 'outside-hours' });
    expect(
      decide({ ownerAvailable: false, ownerOnThePhone: true, preferences: { rejectWhileOnPhone: true }, rules: [rule('*', null, 'reject')] }),
    ).toEqual({ outcome: 'refuse', reason: 'outside-hours' });
  });

  it('refuses while the owner is on the phone only when they asked for it', () => {
    expect(decide({ ownerOnThePhone: true, preferences: { rejectWhileOnPhone: true } })).toEqual({
      outcome: 'refuse',
      reason: 'on-the-phone',
    });
    expect(decide({ ownerOnThePhone: true })).toEqual({ outcome: 'call', confirm: false, ruleIndex: null });
    expect(decide({ ownerOnThePhone: false, preferences: { rejectWhileOnPhone: true } })).toEqual({
      outcome: 'call',
      confirm: false,
      ruleIndex: null,
    });
    // Before the rules: an accept rule does not override it.
    expect(decide({ ownerOnThePhone: true, preferences: { rejectWhileOnPhone: true }, rules: [rule('*', null, 'accept')] })).toEqual({
      outcome: 'refuse',
      reason: 'on-the-phone',
    });
  });

  it('never calls when any refusal condition holds (property)', () => {
    const actions: CallnowRuleAction[] = ['accept', 'confirm', 'reject'];
    fc.assert(
      fc.property(
        fc.record({
          enabled: fc.boolean(),
          askName: fc.boolean(),
          confirm: fc.boolean(),
          rejectWhileOnPhone: fc.boolean(),
          ownerAvailable: fc.boolean(),
          ownerOnThePhone: fc.boolean(),
          hasName: fc.boolean(),
          action: fc.constantFrom(...actions, null),
        }),
        (c) => {
          const decision = decide({
            preferences: { enabled: c.enabled, askName: c.askName, confirm: c.confirm, rejectWhileOnPhone: c.rejectWhileOnPhone },
            name: c.hasName ? 'Jane' : null,
            ownerAvailable: c.ownerAvailable,
            ownerOnThePhone: c.ownerOnThePhone,
            rules: c.action === null ? [] : [rule('*', null, c.action)],
          });
          const expected = !c.enabled
            ? 'callnow-disabled'
            : c.askName && !c.hasName
              ? 'name-required'
              : !c.ownerAvailable
                ? 'outside-hours'
                : c.ownerOnThePhone && c.rejectWhileOnPhone
                  ? 'on-the-phone'
                  : c.action === 'reject'
                    ? 'rule-rejected'
                    : null;
          if (expected !== null) {
            expect(decision).toEqual({ outcome: 'refuse', reason: expected });
          } else {
            const confirm = c.action === null ? c.confirm : c.action === 'confirm';
            expect(decision).toEqual({ outcome: 'call', confirm, ruleIndex: c.action === null ? null : 0 });
          }
        },
      ),
    );
  });
});
