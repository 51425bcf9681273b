/**
 * Header-field names, lists, access and the typed accessors (RFC 3261 §7.3, §20).
 * Accessors parse on demand from the raw values kept in SipMessage.headers.
 */
import { parseNameAddressAs } from './address.js';
import { SipParseError, bad } from './errors.js';
import {
  formatParams,
  isToken,
  isTokenChar,
  isWs,
  parseBoundedInt,
  readParams,
  skipWs,
  splitList,
  trimWs,
} from './syntax.js';
import type { ContactValue, CSeq, HeaderField, NameAddress, Params, SipMessage, Via } from './types.js';
import { readHostPort } from './uri.js';

const KNOWN_NAMES = [
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Accept-Resource-Priority',
  'Alert-Info', 'Allow', 'Allow-Events', 'Answer-Mode', 'Authentication-Info', 'Authorization',
  'Call-ID', 'Call-Info', 'Contact', 'Content-Disposition', 'Content-Encoding', 'Content-ID',
  'Content-Language', 'Content-Length', 'Content-Transfer-Encoding', 'Content-Type', 'CSeq', 'Date',
  'Error-Info', 'Event', 'Expires', 'Flow-Timer', 'From', 'History-Info', 'Identity', 'Identity-Info',
  'In-Reply-To', 'Join', 'Max-Breadth', 'Max-Forwards', 'MIME-Version', 'Min-Expires', 'Min-SE',
  'Organization', 'P-Asserted-Identity', 'P-Preferred-Identity', 'Path', 'Priority', 'Privacy',
  'Proxy-Authenticate', 'Proxy-Authorization', 'Proxy-Require', 'RAck', 'Reason', 'Record-Route',
  'Refer-Sub', 'Refer-To', 'Referred-By', 'Reject-Contact', 'Replaces', 'Reply-To',
  'Request-Disposition', 'Require', 'Resource-Priority', 'Retry-After', 'Route', 'RSeq',
  'Security-Client', 'Security-Server', 'Security-Verify', 'Server', 'Service-Route',
  'Session-Expires', 'SIP-ETag', 'SIP-If-Match', 'Subject', 'Subscription-State', 'Supported',
  'Timestamp', 'To', 'Unsupported', 'User-Agent', 'Via', 'Warning', 'WWW-Authenticate',
];

/** Compact forms (RFC 3261 §7.3.3 and the IANA SIP header registry). */
const COMPACT: Record<string, string> = {
  a: 'Accept-Contact', b: 'Referred-By', c: 'Content-Type', d: 'Request-Disposition',
  e: 'Content-Encoding', f: 'From', i: 'Call-ID', j: 'Reject-Contact', k: 'Supported',
  l: 'Content-Length', m: 'Contact', n: 'Identity-Info', o: 'Event', r: 'Refer-To', s: 'Subject',
  t: 'To', u: 'Allow-Events', v: 'Via', x: 'Session-Expires', y: 'Identity',
};

/** lower-case spelling → canonical name, for full and compact names. */
const CANON = new Map<string, string>();
for (const name of KNOWN_NAMES) CANON.set(name.toLowerCase(), name);
for (const [letter, name] of Object.entries(COMPACT)) CANON.set(letter, name);
/** exact spelling fast path: canonical names map to themselves. */
const EXACT = new Map<string, string>();
for (const name of KNOWN_NAMES) EXACT.set(name, name);
for (const [letter, name] of Object.entries(COMPACT)) {
  EXACT.set(letter, name);
  EXACT.set(letter.toUpperCase(), name);
}

/** Canonical spelling of a known header name (full or compact form, any case), or undefined. */
export function knownHeaderName(name: string): string | undefined {
  return EXACT.get(name) ?? CANON.get(name.toLowerCase());
}

/** "v" → "Via", "call-id" → "Call-ID"; unknown names get each dash-separated word capitalized. */
export function canonicalHeaderName(name: string): string {
  const known = knownHeaderName(name);
  if (known !== undefined) return known;
  return name
    .split('-')
    .map((w) => (w.length === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()))
    .join('-');
}

/**
 * Headers whose values are comma-separated lists (§7.3.1) and may be split. Unknown headers are
 * never split (their syntax is unknown, RFC 4475 §3.1.1.1), nor the auth headers whose
 * challenge/credential values contain commas (§20.7, §20.27, §20.28, §20.44).
 */
const LIST_HEADERS = new Set([
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Accept-Resource-Priority',
  'Alert-Info', 'Allow', 'Allow-Events', 'Call-Info', 'Contact', 'Content-Encoding',
  'Content-Language', 'Error-Info', 'History-Info', 'In-Reply-To', 'P-Asserted-Identity',
  'P-Preferred-Identity', 'Path', 'Proxy-Require', 'Reason', 'Record-Route', 'Reject-Contact',
  'Require', 'Resource-Priority', 'Route', 'Security-Client', 'Security-Server', 'Security-Verify',
  'Service-Route', 'Supported', 'Unsupported', 'Via', 'Warning',
]);

/** Comma-split of a list header value, respecting quotes, escapes and <...>; empty items dropped. */
export function splitHeaderList(value: string): string[] {
  return splitList(value, false);
}

function matcher(name: string): (fieldName: string) => boolean {
  const canon = canonicalHeaderName(name);
  const lower = canon.toLowerCase();
  return (fieldName) =>
    fieldName === canon ||
    (fieldName.length === lower.length && fieldName.toLowerCase() === lower) ||
    (fieldName.length === 1 && COMPACT[fieldName.toLowerCase()] === canon);
}

/** The value of the first field with that name (any spelling or compact form). */
export function getHeader(msg: SipMessage, name: string): string | undefined {
  const matches = matcher(name);
  for (const f of msg.headers) if (matches(f.name)) return f.value;
  return undefined;
}

/** Every value of that header, with list headers split into their elements. */
export function getHeaders(msg: SipMessage, name: string): string[] {
  const matches = matcher(name);
  const split = LIST_HEADERS.has(canonicalHeaderName(name));
  const out: string[] = [];
  for (const f of msg.headers) {
    if (!matches(f.name)) continue;
    if (split) for (const item of splitList(f.value, false)) out.push(item);
    else out.push(f.value);
  }
  return out;
}

function checkValue(value: string): void {
  // A CR or LF in a value would let it forge extra header lines on the wire.
  if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
    throw new TypeError('SIP header values must not contain CR or LF');
  }
}

/** Replaces every field of that name by one field at the first one's position, or appends. */
export function setHeader(msg: SipMessage, name: string, value: string): void {
  checkValue(value);
  const matches = matcher(name);
  const canon = canonicalHeaderName(name);
  const first = msg.headers.findIndex((f) => matches(f.name));
  if (first < 0) {
    msg.headers.push({ name: canon, value });
    return;
  }
  msg.headers = msg.headers.filter((f, i) => i <= first || !matches(f.name));
  msg.headers[first] = { name: canon, value };
}

/** Adds a field; 'top' puts it above the existing fields of that name (e.g. a new Via). */
export function addHeader(msg: SipMessage, name: string, value: string, where: 'top' | 'bottom' = 'bottom'): void {
  checkValue(value);
  const field: HeaderField = { name: canonicalHeaderName(name), value };
  if (where === 'bottom') {
    msg.headers.push(field);
    return;
  }
  const matches = matcher(name);
  const first = msg.headers.findIndex((f) => matches(f.name));
  msg.headers.splice(first < 0 ? 0 : first, 0, field);
}

export function removeHeader(msg: SipMessage, name: string): void {
  const matches = matcher(name);
  msg.headers = msg.headers.filter((f) => !matches(f.name));
}

/**
 * Via = sent-protocol LWS sent-by *( SEMI via-params ), sent-protocol = "SIP" SLASH "2.0" SLASH
 * transport, SLASH = SWS "/" SWS (§20.42, §25.1). Only SIP/2.0 is accepted.
 */
export function parseVia(text: string): Via {
  return parseViaAs(text, 'Via');
}

function readSlashToken(s: string, i: number, what: string): { token: string; next: number } {
  i = skipWs(s, i);
  const start = i;
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  if (i === start) throw bad(what, 'malformed sent-protocol');
  return { token: s.slice(start, i), next: i };
}

function expectSlash(s: string, i: number, what: string): number {
  i = skipWs(s, i);
  if (s.charCodeAt(i) !== 47) throw bad(what, 'malformed sent-protocol');
  return i + 1;
}

export function parseViaAs(text: string, what: string): Via {
  const name = readSlashToken(text, 0, what);
  const version = readSlashToken(text, expectSlash(text, name.next, what), what);
  const transport = readSlashToken(text, expectSlash(text, version.next, what), what);
  if (name.token.toUpperCase() !== 'SIP' || version.token !== '2.0') throw bad(what, 'not SIP/2.0');
  let i = transport.next;
  if (i >= text.length || !isWs(text.charCodeAt(i))) throw bad(what, 'missing sent-by');
  i = skipWs(text, i);
  const hp = readHostPort(text, i, what);
  let port = hp.port;
  i = hp.next;
  if (port === null) {
    // sent-by = host [ COLON port ] with COLON = SWS ":" SWS (§25.1), so "host : 5060" is valid.
    const j = skipWs(text, i);
    if (j < text.length && text.charCodeAt(j) === 58) {
      const ds = skipWs(text, j + 1);
      let de = ds;
      while (de < text.length && text.charCodeAt(de) >= 48 && text.charCodeAt(de) <= 57) de++;
      port = parseBoundedInt(text.slice(ds, de), 65535);
      if (port < 0) throw bad(what, 'invalid port');
      i = de;
    }
  }
  const params: Params = new Map();
  i = readParams(text, i, params, what);
  if (skipWs(text, i) !== text.length) throw bad(what, 'unexpected characters');
  return { transport: transport.token.toUpperCase(), host: hp.host, port, params };
}

export function formatVia(via: Via): string {
  const port = via.port === null ? '' : `:${via.port}`;
  return `SIP/2.0/${via.transport.toUpperCase()} ${via.host}${port}${formatParams(via.params)}`;
}

/** CSeq = 1*DIGIT LWS Method, the number fitting 32 bits unsigned (§8.1.1.5, §20.16). */
export function parseCSeq(text: string): CSeq {
  return parseCSeqAs(text, 'CSeq');
}

export function parseCSeqAs(text: string, what: string): CSeq {
  let i = skipWs(text, 0);
  const ds = i;
  while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  const seq = parseBoundedInt(text.slice(ds, i), 0xffffffff);
  if (seq < 0) throw bad(what, 'sequence number is not a 32-bit unsigned integer');
  if (i >= text.length || !isWs(text.charCodeAt(i))) throw bad(what, 'missing method');
  const method = trimWs(text.slice(i));
  if (!isToken(method)) throw bad(what, 'malformed method');
  return { seq, method };
}

// ---- typed accessors -------------------------------------------------------------------------

function required(msg: SipMessage, name: string): string {
  const value = getHeader(msg, name);
  if (value === undefined) throw new SipParseError(400, `Missing ${name}`);
  return value;
}

export function vias(msg: SipMessage): Via[] {
  return getHeaders(msg, 'Via').map((v) => parseViaAs(v, 'Via'));
}

export function topVia(msg: SipMessage): Via {
  const first = getHeaders(msg, 'Via')[0];
  if (first === undefined) throw new SipParseError(400, 'Missing Via');
  return parseViaAs(first, 'Via');
}

export function fromHeader(msg: SipMessage): NameAddress {
  return parseNameAddressAs(required(msg, 'From'), 'From');
}

export function toHeader(msg: SipMessage): NameAddress {
  return parseNameAddressAs(required(msg, 'To'), 'To');
}

export function callId(msg: SipMessage): string {
  const value = trimWs(required(msg, 'Call-ID'));
  if (!isCallId(value)) throw bad('Call-ID');
  return value;
}

/** callid = word [ "@" word ] (§25.1): printable, no white space. */
export function isCallId(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 32 || c === 127) return false;
  }
  return true;
}

export function cseq(msg: SipMessage): CSeq {
  return parseCSeqAs(required(msg, 'CSeq'), 'CSeq');
}

/** Contact values; "*" is returned as is (REGISTER, §10.2.2). */
export function contacts(msg: SipMessage): ContactValue[] {
  return getHeaders(msg, 'Contact').map((v) => (v === '*' ? '*' : parseNameAddressAs(v, 'Contact')));
}

export function routes(msg: SipMessage, name: 'Route' | 'Record-Route'): NameAddress[] {
  return getHeaders(msg, name).map((v) => parseNameAddressAs(v, name));
}

/** Max-Forwards = 1*DIGIT, 0..255 (§20.22); null when absent. */
export function maxForwards(msg: SipMessage): number | null {
  const value = getHeader(msg, 'Max-Forwards');
  if (value === undefined) return null;
  const n = parseBoundedInt(trimWs(value), 255);
  if (n < 0) throw bad('Max-Forwards');
  return n;
}

/**
 * Expires = delta-seconds, 0..2**32-1 (§20.19); null when absent. An out-of-range or date value
 * (RFC 2543 style) throws; RFC 4475 §3.1.2.4 lets the caller fall back to its default then.
 */
export function expires(msg: SipMessage): number | null {
  const value = getHeader(msg, 'Expires');
  if (value === undefined) return null;
  const n = parseBoundedInt(trimWs(value), 0xffffffff);
  if (n < 0) throw bad('Expires');
  return n;
}

/**
 * The media type of Content-Type as "type/subtype", lower-cased, without parameters (read those
 * with getHeader); null when absent (§20.15: m-type SLASH m-subtype *(SEMI m-parameter)).
 */
export function contentType(msg: SipMessage): string | null {
  const value = getHeader(msg, 'Content-Type');
  if (value === undefined) return null;
  let i = skipWs(value, 0);
  const ts = i;
  while (i < value.length && isTokenChar(value.charCodeAt(i))) i++;
  const type = value.slice(ts, i);
  i = skipWs(value, i);
  if (type.length === 0 || value.charCodeAt(i) !== 47) throw bad('Content-Type');
  i = skipWs(value, i + 1);
  const ss = i;
  while (i < value.length && isTokenChar(value.charCodeAt(i))) i++;
  const subtype = value.slice(ss, i);
  if (subtype.length === 0) throw bad('Content-Type');
  const rest = readParams(value, i, new Map(), 'Content-Type');
  if (skipWs(value, rest) !== value.length) throw bad('Content-Type');
  return `${type}/${subtype}`.toLowerCase();
}
