/**
 * CallNow decisions (SPEC §2): whether a request from the public page may ring the owner, and
 * whether the owner must confirm it first. Pure: the caller works out availability (isOpenAt)
 * and whether the owner is on the phone, and passes them in.
 *
 * Rules match the requester's number and/or name with globs. Globs are matched by a small
 * hand-written matcher rather than by turning them into regular expressions: nothing the owner
 * types can then be read as regex syntax, and the matcher is linear-ish in the short, length-
 * limited inputs however many '*' a pattern has (a regex of many '.*' can backtrack badly).
 */
import { DomainError } from './errors.js';
import { e164Digits } from './phone-number.js';

export type CallnowRuleAction = 'accept' | 'confirm' | 'reject';

export interface CallnowRule {
  /** Glob over the E.164 number: digits, '*' (any run), '?' (one digit), an optional leading '+'. */
  numberPattern: string | null;
  /** Case-insensitive glob over the requester's name: '*' (any run), '?' (one character). */
  namePattern: string | null;
  action: CallnowRuleAction;
}

export interface CallnowPreferences {
  enabled: boolean;
  confirm: boolean;
  showName: boolean;
  askName: boolean;
  captcha: boolean;
  /** 'en' | 'de' | 'fr' | 'es' | 'caller' */
  language: string;
  message: string;
  rejectWhileOnPhone: boolean;
}

export type CallnowRefusal = 'callnow-disabled' | 'outside-hours' | 'on-the-phone' | 'rule-rejected' | 'name-required';

export type CallnowDecision =
  | { outcome: 'refuse'; reason: CallnowRefusal }
  | { outcome: 'call'; confirm: boolean; ruleIndex: number | null };

/** Longest number pattern, '+' included: E.164 has 15 digits, so this leaves room for wildcards. */
export const MAX_NUMBER_PATTERN_LENGTH = 32;
/** Longest name pattern, in characters (code points); as long as the longest name we keep. */
export const MAX_NAME_PATTERN_LENGTH = 64;
/** Longest requester name kept, in characters (code points): it goes on the owner's phone display. */
export const MAX_REQUESTER_NAME_LENGTH = 64;

const RULE_ACTIONS: readonly CallnowRuleAction[] = ['accept', 'confirm', 'reject'];
const NUMBER_PATTERN_CHAR_RE = /^[\d*?]$/;
const MAX_ECHO = 40;

/**
 * Characters removed from names: C0/C1 controls, lone surrogates (not encodable in UTF-8, so
 * not in a SIP header either), the byte-order mark, and bidirectional controls, which would let
 * a name display as something else on the owner's phone ("Bank" written backwards, say).
 */
const INVISIBLE_RE = /[\p{Cc}\p{Cs}\uFEFF\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;
/** The same set, to refuse it in name patterns: a name never contains it, so such a pattern could never match. */
const INVISIBLE_CHAR_RE = /[\p{Cc}\p{Cs}\uFEFF\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
/** Controls that separate words (tab, line breaks): they become a space, so "John\nDoe" stays two words. */
const BREAKING_CONTROL_RE = /^[\t-\r\u0085]$/u;
const WHITESPACE_RUN_RE = /\s+/gu;

function echo(text: string): string {
  return JSON.stringify(text.length > MAX_ECHO ? `${text.slice(0, MAX_ECHO)}…` : text);
}

function invalidRule(message: string): DomainError {
  return new DomainError('invalid_rule', message);
}

/** Whitespace runs to one space, trimmed, NFC (so a composed and a decomposed "é" are the same text). */
function collapse(text: string): string {
  return text.normalize('NFC').replace(WHITESPACE_RUN_RE, ' ').trim();
}

/**
 * The name as we keep and show it: invisible characters removed, whitespace collapsed, trimmed,
 * NFC, at most 64 characters (cut between code points, never inside a surrogate pair); null
 * when nothing is left, which counts as "no name". A non-string (untyped caller) is no name.
 */
export function normalizeRequesterName(raw: string): string | null {
  if (typeof raw !== 'string') return null;
  const cleaned = collapse(raw.replace(INVISIBLE_RE, (ch) => (BREAKING_CONTROL_RE.test(ch) ? ' ' : '')));
  const chars = Array.from(cleaned);
  const name = chars.length > MAX_REQUESTER_NAME_LENGTH ? chars.slice(0, MAX_REQUESTER_NAME_LENGTH).join('').trimEnd() : cleaned;
  return name === '' ? null : name;
}

// ---------------------------------------------------------------------------------------------
// Validation

function checkNumberPattern(pattern: unknown): void {
  if (typeof pattern !== 'string') throw invalidRule('the number pattern must be text, or null for none');
  const example = 'e.g. +614* (numbers starting +614) or +61412345678 (that number only)';
  if (pattern === '') throw invalidRule('the number pattern is empty; use null for no number pattern');
  if (pattern.length > MAX_NUMBER_PATTERN_LENGTH) {
    throw invalidRule(`the number pattern ${echo(pattern)} is longer than ${MAX_NUMBER_PATTERN_LENGTH} characters`);
  }
  const body = pattern.startsWith('+') ? pattern.slice(1) : pattern;
  for (const ch of body) {
    if (NUMBER_PATTERN_CHAR_RE.test(ch)) continue;
    if (ch === '+') throw invalidRule(`the number pattern ${echo(pattern)} has a '+' that is not at the start`);
    throw invalidRule(
      `the number pattern ${echo(pattern)} contains ${echo(ch)}: only digits, '*' (any digits), '?' (one digit) ` +
        `and a leading '+' are allowed, ${example}`,
    );
  }
  if (body === '') throw invalidRule(`the number pattern ${echo(pattern)} has no digits or wildcards, ${example}`);
  // Numbers are matched in E.164 form, and no country code starts with 0: a national number
  // such as 0412345678 would be a rule that silently never matches.
  if (body.startsWith('0')) {
    throw invalidRule(
      `the number pattern ${echo(pattern)} starts with 0 and would never match: write numbers in ` +
        'international form with the country code, e.g. +61412345678 rather than 0412345678',
    );
  }
}

function checkNamePattern(pattern: unknown): void {
  if (typeof pattern !== 'string') throw invalidRule('the name pattern must be text, or null for none');
  if (INVISIBLE_CHAR_RE.test(pattern)) {
    throw invalidRule('the name pattern must not contain control characters or invisible direction marks');
  }
  const text = collapse(pattern);
  if (text === '') throw invalidRule('the name pattern is empty; use null for no name pattern');
  if (Array.from(text).length > MAX_NAME_PATTERN_LENGTH) {
    throw invalidRule(`the name pattern ${echo(text)} is longer than ${MAX_NAME_PATTERN_LENGTH} characters`);
  }
}

/**
 * Refuses a rule that could not match as the owner meant it; throws DomainError('invalid_rule')
 * with a message for the person who wrote it. The API and provisioning call it before storing.
 */
export function validateCallnowRule(rule: CallnowRule): void {
  if (typeof rule !== 'object' || rule === null) throw invalidRule('a CallNow rule must be an object');
  if (!RULE_ACTIONS.includes(rule.action)) {
    throw invalidRule(`the action must be "accept", "confirm" or "reject", got ${echo(String(rule.action))}`);
  }
  // undefined is how an untyped caller leaves a field out; it means the same as null.
  const numberPattern: unknown = rule.numberPattern ?? null;
  const namePattern: unknown = rule.namePattern ?? null;
  if (numberPattern === null && namePattern === null) {
    throw invalidRule('a rule needs a number pattern, a name pattern or both; a rule for everyone is the preference itself');
  }
  if (numberPattern !== null) checkNumberPattern(numberPattern);
  if (namePattern !== null) checkNamePattern(namePattern);
}

// ---------------------------------------------------------------------------------------------
// Matching

/**
 * Whether `text` matches the glob `pattern` as a whole, both given as arrays of characters. The
 * classic greedy matcher: on a mismatch it backtracks only to the last '*', letting it swallow
 * one more character, so the work is at most pattern length x text length.
 */
function globMatch(pattern: readonly string[], text: readonly string[], same: (p: string, t: string) => boolean): boolean {
  let p = 0;
  let t = 0;
  let starP = -1; // position of the last '*' seen
  let starT = 0; // where in text that '*' currently stops
  while (t < text.length) {
    const pc = pattern[p];
    const tc = text[t] as string;
    if (pc === '*') {
      starP = p++;
      starT = t;
    } else if (pc !== undefined && (pc === '?' || same(pc, tc))) {
      p++;
      t++;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

const sameDigit = (a: string, b: string): boolean => a === b;

/**
 * Case-insensitive per character. Both directions, because case mappings are not symmetric:
 * 'ς' (final sigma) and 'σ' only meet in upper case, the Kelvin sign and 'K' only in lower case.
 */
const sameLetter = (a: string, b: string): boolean =>
  a === b || a.toLowerCase() === b.toLowerCase() || a.toUpperCase() === b.toUpperCase();

function numberMatches(pattern: string, digits: string): boolean {
  const body = pattern.startsWith('+') ? pattern.slice(1) : pattern;
  return globMatch(Array.from(body), Array.from(digits), sameDigit);
}

/** `name` is already normalized; the pattern is collapsed the same way so spacing typos do not matter. */
function nameMatches(pattern: string, name: string): boolean {
  return globMatch(Array.from(collapse(pattern)), Array.from(name), sameLetter);
}

/**
 * The first rule (in order) that matches the requester, with its index, or null. A number
 * pattern matches the E.164 number as a whole (a pattern without wildcards is that exact
 * number); a name pattern matches the normalized name, never a request without a name; a rule
 * with both needs both.
 *
 * Every rule is validated: an invalid one throws DomainError('invalid_rule') instead of being
 * skipped, because skipping a 'reject' rule would let through calls the owner refused. A
 * requester number that is not E.164 throws DomainError('invalid_phone_number').
 */
export function matchCallnowRule(
  rules: readonly CallnowRule[],
  requester: { number: string; name: string | null },
): { index: number; rule: CallnowRule } | null {
  const digits = e164Digits(requester.number);
  const name = requester.name === null ? null : normalizeRequesterName(requester.name);
  for (const [index, rule] of rules.entries()) {
    validateCallnowRule(rule);
    if (rule.numberPattern != null && !numberMatches(rule.numberPattern, digits)) continue;
    if (rule.namePattern != null && (name === null || !nameMatches(rule.namePattern, name))) continue;
    return { index, rule };
  }
  return null;
}

/**
 * What to do with a CallNow request, checked in this order: CallNow off; a name required but
 * not given; outside the owner's hours; the owner on the phone (when they refuse calls then);
 * then the first matching rule (reject refuses, accept calls without confirmation, confirm
 * asks for it); with no matching rule the owner's confirmation preference decides.
 *
 * The cheap, rule-independent refusals come first so the page can tell the requester the real
 * reason (a disabled link says so even when a rule would also have refused).
 */
export function decideCallnow(input: {
  preferences: CallnowPreferences;
  rules: readonly CallnowRule[];
  requester: { number: string; name: string | null };
  ownerAvailable: boolean;
  ownerOnThePhone: boolean;
}): CallnowDecision {
  const { preferences, rules, requester } = input;
  if (!preferences.enabled) return { outcome: 'refuse', reason: 'callnow-disabled' };
  if (preferences.askName && (requester.name === null || normalizeRequesterName(requester.name) === null)) {
    return { outcome: 'refuse', reason: 'name-required' };
  }
  if (!input.ownerAvailable) return { outcome: 'refuse', reason: 'outside-hours' };
  if (input.ownerOnThePhone && preferences.rejectWhileOnPhone) return { outcome: 'refuse', reason: 'on-the-phone' };
  const match = matchCallnowRule(rules, requester);
  if (match === null) return { outcome: 'call', confirm: preferences.confirm, ruleIndex: null };
  switch (match.rule.action) {
    case 'reject':
      return { outcome: 'refuse', reason: 'rule-rejected' };
    case 'accept':
      return { outcome: 'call', confirm: false, ruleIndex: match.index };
    case 'confirm':
      return { outcome: 'call', confirm: true, ruleIndex: match.index };
  }
}
