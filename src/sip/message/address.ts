/**
 * name-addr / addr-spec with header parameters, as used by From, To, Contact, Route,
 * Record-Route, Refer-To, P-Asserted-Identity (RFC 3261 §20.10, §25.1).
 */
import { SipParseError, bad } from './errors.js';
import { formatParams, isToken, isTokenChar, isWs, readParams, readQuoted, skipWs } from './syntax.js';
import type { NameAddress, Params } from './types.js';
import { formatUri, isPlausibleAbsoluteUri, parseUriAs } from './uri.js';

interface RawAddress {
  displayName: string | null;
  uriText: string;
  params: Params;
}

/** Splits one address value into display name, URI text and header parameters. */
function readAddress(s: string, what: string): RawAddress {
  let i = skipWs(s, 0);
  if (i >= s.length) throw bad(what, 'empty value');
  let displayName: string | null = null;
  let uriText: string;
  const c = s.charCodeAt(i);
  if (c === 34) {
    const q = readQuoted(s, i, what);
    displayName = q.text;
    i = skipWs(s, q.end);
    if (s.charCodeAt(i) !== 60) throw bad(what, 'expected "<" after display name');
    ({ uriText, next: i } = readAngle(s, i, what));
  } else if (c === 60) {
    ({ uriText, next: i } = readAngle(s, i, what));
  } else {
    let j = i;
    while (j < s.length && isTokenChar(s.charCodeAt(j))) j++;
    if (j === i) throw bad(what, 'malformed value');
    if (j < s.length && s.charCodeAt(j) === 58) {
      // addr-spec form: the URI stops at the first ";" or white space and every parameter after
      // it belongs to the header (§20.10). A URI holding ",", ";" or "?" must use <> instead.
      let k = j;
      while (k < s.length) {
        const d = s.charCodeAt(k);
        if (d === 59 || isWs(d)) break;
        k++;
      }
      uriText = s.slice(i, k);
      if (uriText.indexOf('?') >= 0 || uriText.indexOf(',') >= 0) {
        throw bad(what, 'URI with "?" or "," must be enclosed in <>');
      }
      i = k;
    } else {
      // display-name = *(token LWS); RFC 4475 §3.1.1.6 (lwsdisp) also allows no LWS before "<".
      const words: string[] = [];
      for (;;) {
        words.push(s.slice(i, j));
        i = skipWs(s, j);
        if (i < s.length && s.charCodeAt(i) === 60) break;
        j = i;
        while (j < s.length && isTokenChar(s.charCodeAt(j))) j++;
        if (j === i) throw bad(what, 'display name must be tokens or a quoted string');
      }
      displayName = words.join(' ');
      ({ uriText, next: i } = readAngle(s, i, what));
    }
  }
  const params: Params = new Map();
  i = readParams(s, i, params, what);
  if (skipWs(s, i) !== s.length) throw bad(what, 'unexpected characters after value');
  return { displayName, uriText, params };
}

/** LAQUOT addr-spec RAQUOT: no white space is allowed just inside the brackets (§25.1). */
function readAngle(s: string, i: number, what: string): { uriText: string; next: number } {
  const close = s.indexOf('>', i + 1);
  if (close < 0) throw bad(what, 'missing ">"');
  return { uriText: s.slice(i + 1, close), next: close + 1 };
}

/** Parses one address; throws SipParseError 400 on bad syntax, 416 on a scheme we do not serve. */
export function parseNameAddress(text: string): NameAddress {
  return parseNameAddressAs(text, 'address');
}

export function parseNameAddressAs(text: string, what: string): NameAddress {
  const raw = readAddress(text, what);
  return { displayName: raw.displayName, uri: parseUriAs(raw.uriText, what), params: raw.params };
}

/**
 * Syntax check used by the message parser for From/To. A foreign scheme is tolerated here
 * (RFC 4475 §3.3.4: the message is well formed); the typed accessor reports it as 416 later.
 * Returns the header parameters (for the tag).
 */
export function checkNameAddress(text: string, what: string): Params {
  const raw = readAddress(text, what);
  try {
    parseUriAs(raw.uriText, what);
  } catch (err) {
    if (!(err instanceof SipParseError && err.status === 416 && isPlausibleAbsoluteUri(raw.uriText))) throw err;
  }
  return raw.params;
}

/** The "tag" parameter of a From/To value (§19.3), or null. */
export function tag(value: NameAddress): string | null {
  return value.params.get('tag') ?? null;
}

function isTokenWords(s: string): boolean {
  if (s.length === 0) return false;
  const words = s.split(' ');
  for (const w of words) if (!isToken(w)) return false;
  return true;
}

/** Quotes a display name unless it is plain tokens (§25.1 display-name, quoted-pair). */
export function formatDisplayName(name: string): string {
  if (isTokenWords(name)) return name;
  let out = '"';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 13 || c === 10) out += ' '; // CR and LF cannot be carried, even escaped
    else if (c === 34 || c === 92 || c < 32 || c === 127) out += '\\' + name[i];
    else out += name[i];
  }
  return out + '"';
}

/** Always writes the name-addr form, so URI parameters can never be mistaken for header ones. */
export function formatNameAddress(value: NameAddress): string {
  const display = value.displayName === null ? '' : `${formatDisplayName(value.displayName)} `;
  return `${display}<${formatUri(value.uri)}>${formatParams(value.params)}`;
}
