/**
 * SIP, SIPS and tel URIs: parsing (RFC 3261 §19.1.1, §25.1 SIP-URI), formatting with escaping,
 * and the comparison rules of §19.1.4.
 */
import { isIPv6 } from 'node:net';
import { SipParseError, bad } from './errors.js';
import {
  C_HNV,
  C_HOST,
  C_PARAM,
  C_PASSWORD,
  C_UNRESERVED,
  C_USER,
  hasClass,
  isHexDigit,
  parseBoundedInt,
} from './syntax.js';
import type { Params, SipUri } from './types.js';

const SUPPORTED_SCHEMES = new Set(['sip', 'sips', 'tel']);

/**
 * Index of the scheme's ":" if `text` starts with a well-formed scheme
 * (scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), RFC 3986 §3.1), else -1.
 */
export function schemeEnd(text: string): number {
  const c0 = text.charCodeAt(0);
  if (!((c0 >= 65 && c0 <= 90) || (c0 >= 97 && c0 <= 122))) return -1;
  for (let i = 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 58) return i;
    const ok =
      (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46;
    if (!ok) return -1;
  }
  return -1;
}

/**
 * Loose check for an absoluteURI of a scheme we do not implement (§25.1 absoluteURI): a scheme and
 * a non-empty rest without characters that can never appear in a URI. Lets the parser accept
 * messages such as RFC 4475 §3.3.4 (unksm2) whose To/From use foreign schemes.
 */
export function isPlausibleAbsoluteUri(text: string): boolean {
  const colon = schemeEnd(text);
  if (colon < 0 || colon === text.length - 1) return false;
  for (let i = colon + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const excluded = c === 34 || c === 60 || c === 62 || c === 92 || c === 94 || c === 96 || c === 123 || c === 124 || c === 125;
    if (c <= 32 || c >= 127 || excluded) return false;
  }
  return true;
}

/** Parses a SIP/SIPS/tel URI; throws SipParseError 400 on bad syntax, 416 on another scheme. */
export function parseUri(text: string): SipUri {
  return parseUriAs(text, 'URI');
}

/** parseUri with the element named in the error reason ("Request-URI", "To", ...). */
export function parseUriAs(text: string, what: string): SipUri {
  const colon = schemeEnd(text);
  if (colon < 0) throw bad(what, 'missing or malformed scheme');
  const scheme = text.slice(0, colon).toLowerCase();
  if (!SUPPORTED_SCHEMES.has(scheme)) {
    // RFC 3261 §8.2.2.1: a well-formed request with a scheme we do not serve gets 416.
    throw new SipParseError(416, 'Unsupported URI Scheme', null, scheme);
  }
  return scheme === 'tel' ? parseTel(text, colon + 1, what) : parseSip(text, scheme as 'sip' | 'sips', colon + 1, what);
}

function parseSip(text: string, scheme: 'sip' | 'sips', i: number, what: string): SipUri {
  const end = text.length;
  let user: string | null = null;
  let password: string | null = null;
  // '@' cannot appear unescaped in userinfo or hostport, so the first one ends the userinfo;
  // the user part itself may legally hold ';' and '?' (user-unreserved, RFC 4475 semiuri).
  const at = text.indexOf('@', i);
  if (at >= 0) {
    const pc = text.indexOf(':', i);
    if (pc >= 0 && pc < at) {
      user = decode(text, i, pc, C_USER, what);
      password = decode(text, pc + 1, at, C_PASSWORD, what);
      if (pc === i) throw bad(what, 'empty user');
    } else {
      if (at === i) throw bad(what, 'empty user');
      user = decode(text, i, at, C_USER, what);
    }
    i = at + 1;
  }
  const hp = readHostPort(text, i, what);
  i = hp.next;
  const params: Params = new Map();
  i = readUriParams(text, i, params, what);
  const headers = new Map<string, string>();
  if (i < end && text.charCodeAt(i) === 63) {
    i = readUriHeaders(text, i + 1, headers, what);
  }
  if (i !== end) throw bad(what, `unexpected character at ${i}`);
  return { scheme, user, password, host: hp.host, port: hp.port, params, headers };
}

function parseTel(text: string, i: number, what: string): SipUri {
  // RFC 3966: the number is everything up to the first ';'; we keep it as the "user".
  let j = i;
  while (j < text.length && text.charCodeAt(j) !== 59) j++;
  if (j === i) throw bad(what, 'empty telephone number');
  const number = decode(text, i, j, C_PARAM | C_UNRESERVED, what);
  const params: Params = new Map();
  const k = readUriParams(text, j, params, what);
  if (k !== text.length) throw bad(what, `unexpected character at ${k}`);
  return { scheme: 'tel', user: number, password: null, host: '', port: null, params, headers: new Map() };
}

/** host [ ":" port ] — hostname, IPv4address or IPv6reference (§25.1 hostport). */
export function readHostPort(text: string, i: number, what: string): { host: string; port: number | null; next: number } {
  let host: string;
  let j: number;
  if (text.charCodeAt(i) === 91) {
    j = text.indexOf(']', i);
    if (j < 0) throw bad(what, 'unterminated IPv6 reference');
    const inner = text.slice(i + 1, j);
    if (!isIPv6(inner)) throw bad(what, 'invalid IPv6 address');
    host = `[${inner.toLowerCase()}]`;
    j++;
  } else {
    j = i;
    while (j < text.length && hasClass(text.charCodeAt(j), C_HOST)) j++;
    if (j === i) throw bad(what, 'missing host');
    const first = text.charCodeAt(i);
    if (first === 45 || first === 46) throw bad(what, 'malformed host');
    host = text.slice(i, j).toLowerCase();
  }
  let port: number | null = null;
  if (j < text.length && text.charCodeAt(j) === 58) {
    const ps = j + 1;
    j = ps;
    while (j < text.length && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
    const n = parseBoundedInt(text.slice(ps, j), 65535);
    if (n < 0) throw bad(what, 'invalid port');
    port = n;
  }
  return { host, port, next: j };
}

function readUriParams(text: string, i: number, params: Params, what: string): number {
  const end = text.length;
  while (i < end && text.charCodeAt(i) === 59) {
    const nameStart = i + 1;
    let j = nameStart;
    while (j < end) {
      const c = text.charCodeAt(j);
      if (c === 59 || c === 61 || c === 63) break;
      j++;
    }
    if (j === nameStart) throw bad(what, 'empty URI parameter');
    const name = decode(text, nameStart, j, C_PARAM, what).toLowerCase();
    if (j < end && text.charCodeAt(j) === 61) {
      const valueStart = j + 1;
      let k = valueStart;
      while (k < end) {
        const c = text.charCodeAt(k);
        if (c === 59 || c === 63) break;
        k++;
      }
      if (k === valueStart) throw bad(what, `empty value for URI parameter ${name}`);
      params.set(name, decode(text, valueStart, k, C_PARAM, what));
      i = k;
    } else {
      params.set(name, null);
      i = j;
    }
  }
  return i;
}

function readUriHeaders(text: string, i: number, headers: Map<string, string>, what: string): number {
  const end = text.length;
  for (;;) {
    const nameStart = i;
    let j = i;
    while (j < end && text.charCodeAt(j) !== 61 && text.charCodeAt(j) !== 38) j++;
    if (j === nameStart || j >= end || text.charCodeAt(j) !== 61) throw bad(what, 'malformed URI header');
    const name = decode(text, nameStart, j, C_HNV, what);
    let k = j + 1;
    while (k < end && text.charCodeAt(k) !== 38) k++;
    headers.set(name, decode(text, j + 1, k, C_HNV, what));
    if (k >= end) return k;
    i = k + 1;
  }
}

/** Validates text[start, end) against a character class plus %HH escapes, and unescapes it. */
function decode(text: string, start: number, end: number, flags: number, what: string): string {
  let escaped = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 37) {
      // escaped = "%" HEXDIG HEXDIG, entirely inside this component
      if (i + 2 >= end || !isHexDigit(text.charCodeAt(i + 1)) || !isHexDigit(text.charCodeAt(i + 2))) {
        throw bad(what, 'malformed escape');
      }
      escaped = true;
      i += 2;
    } else if (!hasClass(c, flags)) {
      throw bad(what, `character not allowed at ${i}`);
    }
  }
  const raw = text.slice(start, end);
  return escaped ? unescape(raw) : raw;
}

/** %HH → octets, read as UTF-8 when they form valid UTF-8, else one character per octet. */
function unescape(raw: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 37) {
      bytes.push(parseInt(raw.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(c);
    }
  }
  const buf = Buffer.from(bytes);
  const utf8 = buf.toString('utf8');
  if (utf8.indexOf('\ufffd') < 0) return utf8;
  return buf.toString('latin1');
}

const HEX = '0123456789ABCDEF';

/** Escapes every octet outside the allowed class (and always '%'), per §19.1.2. */
export function escapeComponent(value: string, flags: number): string {
  let plain = true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 37 || !hasClass(c, flags)) {
      plain = false;
      break;
    }
  }
  if (plain) return value;
  let out = '';
  for (const b of Buffer.from(value, 'utf8')) {
    if (b !== 37 && hasClass(b, flags)) out += String.fromCharCode(b);
    else out += '%' + (HEX[b >> 4] ?? '0') + (HEX[b & 15] ?? '0');
  }
  return out;
}

function formatUriParams(params: Params): string {
  let out = '';
  for (const [name, value] of params) {
    out += ';' + escapeComponent(name, C_PARAM);
    if (value !== null) out += '=' + escapeComponent(value, C_PARAM);
  }
  return out;
}

/** Writes a URI back out, escaping user, password, parameters and headers as needed. */
export function formatUri(uri: SipUri): string {
  if (uri.scheme === 'tel') {
    return `tel:${escapeComponent(uri.user ?? '', C_PARAM | C_UNRESERVED)}${formatUriParams(uri.params)}`;
  }
  let out = uri.scheme + ':';
  if (uri.user !== null) {
    out += escapeComponent(uri.user, C_USER);
    if (uri.password !== null) out += ':' + escapeComponent(uri.password, C_PASSWORD);
    out += '@';
  }
  out += uri.host;
  if (uri.port !== null) out += ':' + String(uri.port);
  out += formatUriParams(uri.params);
  if (uri.headers.size > 0) {
    const parts: string[] = [];
    for (const [name, value] of uri.headers) parts.push(`${escapeComponent(name, C_HNV)}=${escapeComponent(value, C_HNV)}`);
    out += '?' + parts.join('&');
  }
  return out;
}

/** Parameters that make URIs differ when present in only one of them (§19.1.4). */
const STICKY_PARAMS = new Set(['user', 'ttl', 'method', 'maddr', 'transport']);

function sameValue(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  return a === b || a.toLowerCase() === b.toLowerCase();
}

/**
 * URI equality per RFC 3261 §19.1.4: userinfo case-sensitive (escapes already decoded), host and
 * parameters case-insensitive, port/transport/user/ttl/method/maddr must be present in both or
 * neither, other parameters only compared when in both, URI headers always compared.
 */
export function uriEquals(a: SipUri, b: SipUri): boolean {
  if (a.scheme !== b.scheme) return false;
  if (a.scheme === 'tel') return telEquals(a, b);
  if (a.user !== b.user || a.password !== b.password) return false;
  if (a.host !== b.host || a.port !== b.port) return false;
  for (const [name, value] of a.params) {
    if (b.params.has(name)) {
      if (!sameValue(value, b.params.get(name) ?? null)) return false;
    } else if (STICKY_PARAMS.has(name)) {
      return false;
    }
  }
  for (const name of b.params.keys()) {
    if (!a.params.has(name) && STICKY_PARAMS.has(name)) return false;
  }
  return sameHeaders(a.headers, b.headers);
}

function sameHeaders(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  const lower = new Map<string, string>();
  for (const [name, value] of b) lower.set(name.toLowerCase(), value);
  for (const [name, value] of a) {
    const other = lower.get(name.toLowerCase());
    if (other === undefined || other !== value) return false;
  }
  return true;
}

/** RFC 3966 §4: numbers compared without visual separators; all parameters must match. */
function telEquals(a: SipUri, b: SipUri): boolean {
  const strip = (s: string | null): string => (s ?? '').replace(/[-.()]/g, '').toLowerCase();
  if (strip(a.user) !== strip(b.user)) return false;
  if (a.params.size !== b.params.size) return false;
  for (const [name, value] of a.params) {
    if (!b.params.has(name) || !sameValue(value, b.params.get(name) ?? null)) return false;
  }
  return true;
}
