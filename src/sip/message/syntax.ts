/**
 * Character classes and small scanners shared by the message layer, after the ABNF of
 * RFC 3261 §25.1. Everything works on JS strings by char code; no regular expressions on the
 * hot path because the parser has to stay fast.
 */
import { bad } from './errors.js';
import type { Params } from './types.js';

export const C_TOKEN = 1;
/** unreserved = alphanum / mark */
export const C_UNRESERVED = 2;
/** user = 1*( unreserved / escaped / user-unreserved ) */
export const C_USER = 4;
/** password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," ) */
export const C_PASSWORD = 8;
/** paramchar = param-unreserved / unreserved / escaped */
export const C_PARAM = 16;
/** hname / hvalue = hnv-unreserved / unreserved / escaped */
export const C_HNV = 32;
/** hostname characters (alphanum, "-", "."; "_" tolerated as many deployed hosts use it) */
export const C_HOST = 64;
/** word, used by Call-ID (RFC 3261 §25.1) */
export const C_WORD = 128;

const table = new Uint8Array(128);

function mark(chars: string, flags: number): void {
  for (let i = 0; i < chars.length; i++) {
    const c = chars.charCodeAt(i);
    table[c] = (table[c] ?? 0) | flags;
  }
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
mark(ALNUM, C_TOKEN | C_UNRESERVED | C_USER | C_PASSWORD | C_PARAM | C_HNV | C_HOST | C_WORD);
mark("-.!%*_+`'~", C_TOKEN | C_WORD);
mark("-_.!~*'()", C_UNRESERVED | C_USER | C_PASSWORD | C_PARAM | C_HNV);
mark('&=+$,;?/', C_USER);
mark('&=+$,', C_PASSWORD);
mark('[]/:&+$', C_PARAM);
mark('[]/?:+$', C_HNV);
mark('-._', C_HOST);
mark('()<>:\\"/[]?{}', C_WORD);

export function hasClass(code: number, flags: number): boolean {
  return code < 128 && ((table[code] ?? 0) & flags) !== 0;
}

export function isTokenChar(code: number): boolean {
  return code < 128 && ((table[code] ?? 0) & C_TOKEN) !== 0;
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

export function isHexDigit(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}

export function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** SP or HTAB: after unfolding, the only linear white space left in a header value (§25.1 LWS). */
export function isWs(code: number): boolean {
  return code === 32 || code === 9;
}

export function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i;
}

/** Trims SP/HTAB only; String#trim would also eat U+FEFF and other characters SIP treats as data. */
export function trimWs(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWs(s.charCodeAt(a))) a++;
  while (b > a && isWs(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/**
 * Parses a non-negative decimal within [0, max]; leading zeros are allowed ("0068" in RFC 4475
 * wsinv). Returns -1 for anything else, including values too large to represent.
 */
export function parseBoundedInt(s: string, max: number): number {
  if (!isDigits(s)) return -1;
  let i = 0;
  while (i < s.length - 1 && s.charCodeAt(i) === 48) i++;
  if (s.length - i > 15) return -1;
  const n = Number(s.slice(i));
  return n <= max ? n : -1;
}

/**
 * Reads a quoted-string starting at s[i] === '"' (§25.1: quoted-string, quoted-pair).
 * Returns the unescaped text and the index just past the closing quote.
 */
export function readQuoted(s: string, i: number, what: string): { text: string; end: number } {
  let out = '';
  let start = i + 1;
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 34) {
      out += s.slice(start, j);
      return { text: out, end: j + 1 };
    }
    if (c === 92) {
      // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F): CR and LF cannot be escaped.
      if (j + 1 >= s.length) break;
      const n = s.charCodeAt(j + 1);
      if (n === 10 || n === 13 || n > 0x7f) throw bad(what, 'bad quoted-pair');
      out += s.slice(start, j) + s[j + 1];
      j++;
      start = j + 1;
    }
  }
  throw bad(what, 'unterminated quoted string');
}

/** Index just past a quoted-string starting at s[i] === '"', without building its text. */
export function skipQuoted(s: string, i: number, what: string): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 34) return j + 1;
    if (c === 92) j++;
  }
  throw bad(what, 'unterminated quoted string');
}

function isGenValueChar(c: number): boolean {
  // gen-value = token / host / quoted-string: token characters plus what an IPv6 host adds.
  return isTokenChar(c) || c === 58 || c === 91 || c === 93;
}

/**
 * Reads `*( SEMI generic-param )` starting at i (§25.1; SEMI = SWS ";" SWS, EQUAL = SWS "=" SWS).
 * Names are lower-cased; a quoted value is stored with its quotes so it round-trips unchanged.
 * Stops (without error) at the first character that does not start another parameter and
 * returns its index; the caller decides whether what follows is acceptable.
 */
export function readParams(s: string, i: number, params: Params, what: string): number {
  for (;;) {
    let j = skipWs(s, i);
    if (j >= s.length || s.charCodeAt(j) !== 59) return j;
    j = skipWs(s, j + 1);
    const nameStart = j;
    while (j < s.length && isTokenChar(s.charCodeAt(j))) j++;
    if (j === nameStart) throw bad(what, 'empty parameter');
    const name = s.slice(nameStart, j).toLowerCase();
    let k = skipWs(s, j);
    if (k < s.length && s.charCodeAt(k) === 61) {
      k = skipWs(s, k + 1);
      if (k < s.length && s.charCodeAt(k) === 34) {
        const end = skipQuoted(s, k, what);
        params.set(name, s.slice(k, end));
        i = end;
      } else {
        const valueStart = k;
        while (k < s.length && isGenValueChar(s.charCodeAt(k))) k++;
        if (k === valueStart) throw bad(what, `empty value for parameter ${name}`);
        params.set(name, s.slice(valueStart, k));
        i = k;
      }
    } else {
      params.set(name, null);
      i = j;
    }
  }
}

/** Writes params back as `;name` / `;name=value` (values are stored raw, quotes included). */
export function formatParams(params: Params): string {
  let out = '';
  for (const [name, value] of params) out += value === null ? `;${name}` : `;${name}=${value}`;
  return out;
}

/**
 * Splits a header value on commas that separate list elements (§7.3.1), ignoring commas inside
 * quoted strings (with their escapes) and inside <...>. Elements are trimmed; empty elements are
 * kept when `keepEmpty` is set so a validator can reject "a,,b".
 */
export function splitList(value: string, keepEmpty: boolean): string[] {
  if (value.indexOf(',') < 0) {
    const t = trimWs(value);
    return t.length > 0 || keepEmpty ? [t] : [];
  }
  const out: string[] = [];
  let start = 0;
  let inQuote = false;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (inQuote) {
      if (c === 92) i++;
      else if (c === 34) inQuote = false;
    } else if (c === 34) {
      inQuote = true;
    } else if (c === 60) {
      inAngle = true;
    } else if (c === 62) {
      inAngle = false;
    } else if (c === 44 && !inAngle) {
      const part = trimWs(value.slice(start, i));
      if (part.length > 0 || keepEmpty) out.push(part);
      start = i + 1;
    }
  }
  const last = trimWs(value.slice(start));
  if (last.length > 0 || keepEmpty) out.push(last);
  return out;
}
