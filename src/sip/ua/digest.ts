/**
 * SIP Digest authentication (RFC 3261 §22, RFC 7616, RFC 2617, RFC 8760).
 *
 * Works on header VALUE strings only (WWW-Authenticate / Proxy-Authenticate,
 * Authorization / Proxy-Authorization), so it does not depend on the message layer.
 *
 * - Server side (registrar, INVITE): stateless HMAC nonces, challenges with qop="auth",
 *   constant-time verification, nc replay protection.
 * - Client side (carrier trunks): picks the strongest challenge, answers with qop=auth,
 *   or in RFC 2069 mode when the server offers no qop.
 *
 * Every string is hashed as UTF-8: SIP is UTF-8 throughout (RFC 3261 §7.3), unlike the
 * ISO-8859-1 default of RFC 2617.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Raised for malformed or unusable Digest data (never for server-side verification failures). */
export class DigestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DigestError';
  }
}

/** The algorithms this module computes (RFC 7616 §3.4.2, §6.1); SHA-512-256 is not supported. */
export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';
/** The algorithms our own servers offer and accept (no -sess: nothing gains from it here). */
export type ServerDigestAlgorithm = 'MD5' | 'SHA-256';

/** A parsed WWW-Authenticate / Proxy-Authenticate value (RFC 7616 §3.3). */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  /** The algorithm token as received; absent means MD5 (RFC 7616 §3.3). See {@link parseAlgorithm}. */
  algorithm?: string;
  /** qop-options as received; absent means the legacy RFC 2069 exchange (no cnonce, no nc). */
  qop?: string[];
  stale?: boolean;
  /** Space-separated URI list of the protection space (RFC 7616 §3.3). */
  domain?: string[];
  userhash?: boolean;
  charset?: string;
}

/** A parsed Authorization / Proxy-Authorization value (RFC 7616 §3.4). */
export interface DigestCredentials {
  /** The username, or H(username:realm) when userhash is true (RFC 7616 §3.4.4). */
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm?: string;
  cnonce?: string;
  opaque?: string;
  qop?: string;
  /** Nonce count: exactly 8 hex digits, kept as sent because it is hashed as text. */
  nc?: string;
  userhash?: boolean;
}

/** Header values longer than this are refused before any parsing (RFC 3261 sets no limit; we do). */
export const MAX_HEADER_VALUE_LENGTH = 8192;
/** More parameters than this is not a Digest header but an attack. */
const MAX_PARAMS = 64;

// ---------------------------------------------------------------------------
// Hashing (RFC 7616 §3.4.1–§3.4.3)
// ---------------------------------------------------------------------------

const HASH_OF: Record<DigestAlgorithm, 'md5' | 'sha256'> = {
  MD5: 'md5',
  'MD5-sess': 'md5',
  'SHA-256': 'sha256',
  'SHA-256-sess': 'sha256',
};

/**
 * Maps an algorithm token to a supported algorithm, or null. Absent means MD5 (RFC 7616 §3.3);
 * comparison ignores case because RFC 3261 itself spells the token "MD5-Sess".
 */
export function parseAlgorithm(token: string | undefined): DigestAlgorithm | null {
  if (token === undefined) return 'MD5';
  switch (token.toLowerCase()) {
    case 'md5':
      return 'MD5';
    case 'md5-sess':
      return 'MD5-sess';
    case 'sha-256':
      return 'SHA-256';
    case 'sha-256-sess':
      return 'SHA-256-sess';
    default:
      return null;
  }
}

function isSession(algorithm: DigestAlgorithm): boolean {
  return algorithm.endsWith('-sess');
}

function hashHex(algorithm: DigestAlgorithm, data: string): string {
  return createHash(HASH_OF[algorithm]).update(data, 'utf8').digest('hex');
}

/**
 * H(unq(username) ":" unq(realm) ":" passwd), RFC 7616 §3.4.2. For -sess algorithms this is the
 * per-user base that {@link computeResponse} turns into the session HA1 with nonce and cnonce, so a
 * registrar can store one HA1 per hash function.
 */
export function computeHa1(algorithm: DigestAlgorithm, username: string, realm: string, password: string): string {
  return hashHex(algorithm, `${username}:${realm}:${password}`);
}

/** userhash = H(unq(username) ":" unq(realm)), RFC 7616 §3.4.4. */
export function hashUsername(algorithm: DigestAlgorithm, username: string, realm: string): string {
  return hashHex(algorithm, `${username}:${realm}`);
}

export interface ResponseInput {
  algorithm: DigestAlgorithm;
  /** From {@link computeHa1} (the non-session base, even for -sess). */
  ha1: string;
  nonce: string;
  method: string;
  /** digest-uri: the Request-URI as written in the uri parameter (RFC 3261 §22.4 item 3). */
  uri: string;
  /** 'auth', or undefined for the RFC 2069 form. 'auth-int' is refused. */
  qop?: string;
  nc?: string;
  cnonce?: string;
}

/** The request-digest of RFC 7616 §3.4.1 (or RFC 2069 §2.1.2 without qop), lower-case hex. */
export function computeResponse(input: ResponseInput): string {
  const { algorithm, nonce, method, uri, qop, nc, cnonce } = input;
  let ha1 = input.ha1.toLowerCase();
  if (isSession(algorithm)) {
    // RFC 3261 §22.4 item 8: cnonce only exists with qop, so -sess needs qop.
    if (qop === undefined || cnonce === undefined) throw new DigestError(`${algorithm} requires qop and cnonce`);
    ha1 = hashHex(algorithm, `${ha1}:${nonce}:${cnonce}`);
  }
  // RFC 3261 §22.4 item 7 would hash the body for auth-int; we never need it, so say so.
  if (qop !== undefined && qop.toLowerCase() !== 'auth') throw new DigestError(`qop "${qop}" is not supported (only auth)`);
  const ha2 = hashHex(algorithm, `${method}:${uri}`);
  if (qop === undefined) return hashHex(algorithm, `${ha1}:${nonce}:${ha2}`);
  if (nc === undefined || cnonce === undefined) throw new DigestError('qop=auth requires nc and cnonce');
  return hashHex(algorithm, `${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`);
}

// ---------------------------------------------------------------------------
// Parsing (RFC 7235 §2.1 auth-param syntax as used by RFC 3261 §25.1 and RFC 7616)
// ---------------------------------------------------------------------------

interface RawParam {
  value: string;
  quoted: boolean;
}

// tchar of RFC 7230 §3.2.6, a superset of the SIP token of RFC 3261 §25.1.
function isTokenChar(code: number): boolean {
  if (code >= 0x30 && code <= 0x39) return true; // DIGIT
  if ((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) return true; // ALPHA
  return "!#$%&'*+-.^_`|~".includes(String.fromCharCode(code));
}

function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

// Header values reach us unfolded, but tolerate CR/LF between elements as LWS (RFC 3261 §25.1).
function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0a;
}

// Controls other than HTAB never belong inside a value: they would let a value break out of its header.
function isForbiddenControl(code: number): boolean {
  return (code < 0x20 && code !== 0x09) || code === 0x7f;
}

function describe(ch: string | undefined): string {
  return ch === undefined ? 'end of value' : JSON.stringify(ch);
}

/** A linear, single-pass scanner: no regular expressions, so no backtracking on hostile input. */
function parseDigestParams(headerValue: string, what: string): Map<string, RawParam> {
  if (typeof headerValue !== 'string') throw new DigestError(`${what} must be a string`);
  if (headerValue.length > MAX_HEADER_VALUE_LENGTH) {
    throw new DigestError(`${what} is longer than ${MAX_HEADER_VALUE_LENGTH} characters`);
  }
  const s = headerValue;
  let i = 0;
  const skipSpace = (): void => {
    while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
    return s.slice(start, i);
  };

  skipSpace();
  const scheme = readToken();
  if (scheme === '') throw new DigestError(`${what} has no authentication scheme`);
  // RFC 7235 §2.1: scheme names are case-insensitive; SIP forbids Basic (RFC 3261 §22.4).
  if (scheme.toLowerCase() !== 'digest') throw new DigestError(`${what} uses scheme "${scheme}", not Digest`);
  const afterScheme = i;
  skipSpace();
  if (i === afterScheme && i < s.length) throw new DigestError(`${what}: expected white space after "Digest"`);

  const params = new Map<string, RawParam>();
  for (;;) {
    skipSpace();
    if (i >= s.length) break;
    // RFC 7230 §7: empty list elements are to be ignored.
    if (s[i] === ',') {
      i++;
      continue;
    }
    const nameAt = i;
    const name = readToken();
    if (name === '') throw new DigestError(`${what}: unexpected ${describe(s[i])} at offset ${i}`);
    skipSpace();
    if (s[i] !== '=') {
      // RFC 3261 §7.3.1: these headers are never comma-combined, so a second scheme is an error.
      const hint = i < s.length && isTokenChar(s.charCodeAt(i)) ? ' (one header value holds one challenge)' : '';
      throw new DigestError(`${what}: expected "=" after "${name}" at offset ${nameAt}${hint}`);
    }
    i++;
    skipSpace();
    let value: string;
    let quoted = false;
    if (s[i] === '"') {
      quoted = true;
      i++;
      let out = '';
      let closed = false;
      while (i < s.length) {
        const code = s.charCodeAt(i);
        if (code === 0x22) {
          closed = true;
          i++;
          break;
        }
        if (code === 0x5c) {
          // quoted-pair (RFC 3261 §25.1): the next character stands for itself.
          i++;
          if (i >= s.length) break;
          const escaped = s.charCodeAt(i);
          if (isForbiddenControl(escaped)) throw new DigestError(`${what}: control character in "${name}"`);
          out += s[i];
          i++;
          continue;
        }
        if (isForbiddenControl(code)) throw new DigestError(`${what}: control character in "${name}"`);
        out += s[i];
        i++;
      }
      if (!closed) throw new DigestError(`${what}: unterminated quoted string for "${name}"`);
      value = out;
    } else {
      value = readToken();
      if (value === '') {
        throw new DigestError(`${what}: expected a token or quoted string for "${name}", found ${describe(s[i])}`);
      }
    }
    const key = name.toLowerCase();
    // RFC 7235 §2.2: each parameter name MUST only occur once per challenge.
    if (params.has(key)) throw new DigestError(`${what}: parameter "${key}" appears twice`);
    if (params.size >= MAX_PARAMS) throw new DigestError(`${what} has more than ${MAX_PARAMS} parameters`);
    params.set(key, { value, quoted });
    skipSpace();
    if (i >= s.length) break;
    if (s[i] !== ',') throw new DigestError(`${what}: expected "," after "${key}", found ${describe(s[i])}`);
    i++;
  }
  if (params.size === 0) throw new DigestError(`${what} has no parameters`);
  return params;
}

function required(params: Map<string, RawParam>, name: string, what: string): string {
  const p = params.get(name);
  if (p === undefined) throw new DigestError(`${what} lacks the "${name}" parameter`);
  return p.value;
}

// RFC 7616 makes senders quote some values and not others; receivers here accept both spellings
// because deployed SIP phones and servers get this wrong in both directions.
function tokenValue(params: Map<string, RawParam>, name: string, what: string): string | undefined {
  const p = params.get(name);
  if (p === undefined) return undefined;
  if (!isToken(p.value)) throw new DigestError(`${what}: "${name}" must be a token, got ${JSON.stringify(p.value)}`);
  return p.value;
}

function flagValue(params: Map<string, RawParam>, name: string): boolean | undefined {
  const p = params.get(name);
  // RFC 7616 §3.3: anything other than "true" means false.
  return p === undefined ? undefined : p.value.toLowerCase() === 'true';
}

function splitList(value: string, separator: 'comma' | 'space'): string[] {
  const parts = separator === 'comma' ? value.split(',') : value.split(/[ \t]/);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** Parses one WWW-Authenticate / Proxy-Authenticate value; throws {@link DigestError} on junk. */
export function parseChallenge(headerValue: string): DigestChallenge {
  const what = 'Digest challenge';
  const params = parseDigestParams(headerValue, what);
  const challenge: DigestChallenge = {
    realm: required(params, 'realm', what),
    nonce: required(params, 'nonce', what),
  };
  const opaque = params.get('opaque');
  if (opaque !== undefined) challenge.opaque = opaque.value;
  const algorithm = tokenValue(params, 'algorithm', what);
  if (algorithm !== undefined) challenge.algorithm = algorithm;
  const qop = params.get('qop');
  if (qop !== undefined) {
    // RFC 7616 §3.3: qop is a quoted, comma-separated list of tokens.
    const list = splitList(qop.value, 'comma');
    for (const q of list) if (!isToken(q)) throw new DigestError(`${what}: bad qop value ${JSON.stringify(q)}`);
    challenge.qop = list;
  }
  const stale = flagValue(params, 'stale');
  if (stale !== undefined) challenge.stale = stale;
  const domain = params.get('domain');
  if (domain !== undefined) challenge.domain = splitList(domain.value, 'space');
  const userhash = flagValue(params, 'userhash');
  if (userhash !== undefined) challenge.userhash = userhash;
  const charset = tokenValue(params, 'charset', what);
  if (charset !== undefined) challenge.charset = charset;
  return challenge;
}

function isHexDigit(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

function isNonceCount(s: string): boolean {
  if (s.length !== 8) return false;
  for (let i = 0; i < 8; i++) if (!isHexDigit(s.charCodeAt(i))) return false;
  return true;
}

// RFC 7616 §3.4 / RFC 5987 §3.2: username*=UTF-8'lang'percent-encoded, for names a quoted string cannot carry.
function decodeExtValue(value: string, what: string): string {
  const first = value.indexOf("'");
  const second = first < 0 ? -1 : value.indexOf("'", first + 1);
  if (second < 0) throw new DigestError(`${what}: malformed username*`);
  if (value.slice(0, first).toLowerCase() !== 'utf-8') throw new DigestError(`${what}: username* must use UTF-8`);
  try {
    return decodeURIComponent(value.slice(second + 1));
  } catch {
    throw new DigestError(`${what}: malformed percent-encoding in username*`);
  }
}

/** Parses one Authorization / Proxy-Authorization value; throws {@link DigestError} on junk. */
export function parseCredentials(headerValue: string): DigestCredentials {
  const what = 'Digest credentials';
  const params = parseDigestParams(headerValue, what);
  const star = params.get('username*');
  if (star !== undefined && params.has('username')) {
    // RFC 7616 §3.4: a client MUST NOT send both.
    throw new DigestError(`${what}: both "username" and "username*" are present`);
  }
  const username = star !== undefined ? decodeExtValue(star.value, what) : required(params, 'username', what);
  const credentials: DigestCredentials = {
    username,
    realm: required(params, 'realm', what),
    nonce: required(params, 'nonce', what),
    uri: required(params, 'uri', what),
    response: required(params, 'response', what),
  };
  const algorithm = tokenValue(params, 'algorithm', what);
  if (algorithm !== undefined) credentials.algorithm = algorithm;
  const cnonce = params.get('cnonce');
  if (cnonce !== undefined) credentials.cnonce = cnonce.value;
  const opaque = params.get('opaque');
  if (opaque !== undefined) credentials.opaque = opaque.value;
  const qop = tokenValue(params, 'qop', what);
  if (qop !== undefined) credentials.qop = qop;
  const nc = params.get('nc');
  if (nc !== undefined) {
    // RFC 7616 §3.4: nc is exactly 8 hex digits.
    if (!isNonceCount(nc.value)) throw new DigestError(`${what}: nc must be 8 hex digits, got ${JSON.stringify(nc.value)}`);
    credentials.nc = nc.value;
  }
  const userhash = flagValue(params, 'userhash');
  if (userhash !== undefined) credentials.userhash = userhash;
  return credentials;
}

// ---------------------------------------------------------------------------
// Formatting (RFC 7616 §3.3 and §3.4 quoting rules)
// ---------------------------------------------------------------------------

function quote(name: string, value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    // Refusing controls here is what keeps a hostile value from injecting a header line.
    if (isForbiddenControl(code)) throw new DigestError(`"${name}" contains a control character`);
    if (code === 0x22 || code === 0x5c) out += '\\';
    out += value[i];
  }
  return `${name}=${out}"`;
}

function token(name: string, value: string): string {
  if (!isToken(value)) throw new DigestError(`"${name}" must be a token, got ${JSON.stringify(value)}`);
  return `${name}=${value}`;
}

/**
 * Formats a challenge. RFC 7616 §3.3: realm, domain, nonce, opaque and qop are quoted strings;
 * stale and algorithm (and charset, userhash) are tokens.
 */
export function formatChallenge(c: DigestChallenge): string {
  const parts = [quote('realm', c.realm)];
  if (c.domain !== undefined && c.domain.length > 0) {
    for (const uri of c.domain) if (uri === '' || /[ \t]/.test(uri)) throw new DigestError('domain URIs must be non-empty and without spaces');
    parts.push(quote('domain', c.domain.join(' ')));
  }
  parts.push(quote('nonce', c.nonce));
  if (c.opaque !== undefined) parts.push(quote('opaque', c.opaque));
  if (c.stale !== undefined) parts.push(`stale=${c.stale ? 'true' : 'false'}`);
  if (c.algorithm !== undefined) parts.push(token('algorithm', c.algorithm));
  if (c.qop !== undefined) {
    if (c.qop.length === 0) throw new DigestError('qop must list at least one value');
    for (const q of c.qop) if (!isToken(q)) throw new DigestError(`bad qop value ${JSON.stringify(q)}`);
    parts.push(quote('qop', c.qop.join(', ')));
  }
  if (c.charset !== undefined) parts.push(token('charset', c.charset));
  if (c.userhash !== undefined) parts.push(`userhash=${c.userhash ? 'true' : 'false'}`);
  return `Digest ${parts.join(', ')}`;
}

/**
 * Formats credentials. RFC 7616 §3.4: username, realm, nonce, uri, response, cnonce and opaque are
 * quoted strings; algorithm, qop and nc MUST NOT be quoted. RFC 3261 §22.4 item 2: uri is quoted.
 */
export function formatCredentials(c: DigestCredentials): string {
  const parts = [quote('username', c.username), quote('realm', c.realm), quote('uri', c.uri)];
  if (c.algorithm !== undefined) parts.push(token('algorithm', c.algorithm));
  parts.push(quote('nonce', c.nonce));
  if (c.nc !== undefined) {
    if (!isNonceCount(c.nc)) throw new DigestError(`nc must be 8 hex digits, got ${JSON.stringify(c.nc)}`);
    parts.push(`nc=${c.nc}`);
  }
  if (c.cnonce !== undefined) parts.push(quote('cnonce', c.cnonce));
  if (c.qop !== undefined) parts.push(token('qop', c.qop));
  parts.push(quote('response', c.response));
  if (c.opaque !== undefined) parts.push(quote('opaque', c.opaque));
  if (c.userhash !== undefined) parts.push(`userhash=${c.userhash ? 'true' : 'false'}`);
  return `Digest ${parts.join(', ')}`;
}

// ---------------------------------------------------------------------------
// Client side (answering a carrier's 401 / 407)
// ---------------------------------------------------------------------------

const MAX_NC = 0xffffffff;

/** Why a challenge cannot be answered, or null when it can. */
function unusable(c: DigestChallenge): string | null {
  const algorithm = parseAlgorithm(c.algorithm);
  if (algorithm === null) return `unsupported algorithm "${c.algorithm ?? ''}"`;
  if (c.qop !== undefined && !c.qop.some((q) => q.toLowerCase() === 'auth')) {
    return `no supported qop in "${c.qop.join(', ')}" (only auth)`;
  }
  // RFC 3261 §22.4 item 8: -sess depends on cnonce, which needs qop.
  if (c.qop === undefined && isSession(algorithm)) return `${algorithm} offered without qop`;
  return null;
}

function strength(algorithm: DigestAlgorithm): number {
  return HASH_OF[algorithm] === 'sha256' ? 2 : 1;
}

/**
 * Chooses the challenge to answer among the WWW-Authenticate (or Proxy-Authenticate) values of one
 * response: the strongest supported hash, and among equals the first, since RFC 7616 §3.7 has the
 * server list them in its order of preference. Throws {@link DigestError} when none is usable.
 */
export function pickChallenge(values: readonly string[]): DigestChallenge {
  let best: DigestChallenge | null = null;
  let bestRank = 0;
  const problems: string[] = [];
  for (const [index, value] of values.entries()) {
    let challenge: DigestChallenge;
    try {
      challenge = parseChallenge(value);
    } catch (err) {
      if (!(err instanceof DigestError)) throw err;
      problems.push(`#${index + 1}: ${err.message}`);
      continue;
    }
    const problem = unusable(challenge);
    if (problem !== null) {
      problems.push(`#${index + 1}: ${problem}`);
      continue;
    }
    const rank = strength(parseAlgorithm(challenge.algorithm) ?? 'MD5');
    if (rank > bestRank) {
      best = challenge;
      bestRank = rank;
    }
  }
  if (best === null) {
    const detail = problems.length > 0 ? `: ${problems.join('; ')}` : '';
    throw new DigestError(`no usable Digest challenge${detail}`);
  }
  return best;
}

export interface AnswerChallengeInput {
  /** A parsed challenge or a raw header value. */
  challenge: DigestChallenge | string;
  method: string;
  /** The Request-URI of the request being authorized (RFC 3261 §22.4 item 3). */
  uri: string;
  username: string;
  password: string;
  /** How many requests this nonce has now authorized, starting at 1 (RFC 7616 §3.4). */
  nc: number;
  /** Client nonce; random when omitted. Only used with qop. */
  cnonce?: string;
}

/** Returns the Authorization / Proxy-Authorization header value answering one challenge. */
export function answerChallenge(input: AnswerChallengeInput): string {
  const challenge = typeof input.challenge === 'string' ? parseChallenge(input.challenge) : input.challenge;
  const problem = unusable(challenge);
  if (problem !== null) throw new DigestError(`cannot answer the challenge: ${problem}`);
  const algorithm = parseAlgorithm(challenge.algorithm) ?? 'MD5';
  const ha1 = computeHa1(algorithm, input.username, challenge.realm, input.password);
  // RFC 7616 §3.4.4: the username is hashed after every other computation, when the server asks.
  const username = challenge.userhash === true ? hashUsername(algorithm, input.username, challenge.realm) : input.username;
  const credentials: DigestCredentials = {
    username,
    realm: challenge.realm,
    nonce: challenge.nonce,
    uri: input.uri,
    response: '',
  };
  // Echo the token exactly as offered; an absent one stays absent (it means MD5, RFC 7616 §3.3).
  if (challenge.algorithm !== undefined) credentials.algorithm = challenge.algorithm;
  if (challenge.qop !== undefined) {
    if (!Number.isInteger(input.nc) || input.nc < 1 || input.nc > MAX_NC) {
      throw new DigestError(`nc must be an integer from 1 to ${MAX_NC}, got ${input.nc}`);
    }
    // RFC 3261 §22.4 item 8: a client offered qop MUST send qop.
    credentials.qop = 'auth';
    credentials.nc = input.nc.toString(16).padStart(8, '0');
    credentials.cnonce = input.cnonce ?? randomBytes(16).toString('base64url');
  }
  // RFC 2069 mode otherwise: no qop, nc or cnonce may be sent (RFC 2617 §3.2.2).
  credentials.response = computeResponse({
    algorithm,
    ha1,
    nonce: challenge.nonce,
    method: input.method,
    uri: input.uri,
    qop: credentials.qop,
    nc: credentials.nc,
    cnonce: credentials.cnonce,
  });
  if (challenge.opaque !== undefined) credentials.opaque = challenge.opaque;
  if (challenge.userhash === true) credentials.userhash = true;
  return formatCredentials(credentials);
}

export interface DigestRequest {
  method: string;
  uri: string;
}

/**
 * A trunk account's answering side: picks the strongest challenge, counts nc per nonce (RFC 7616
 * §3.4) so that a nonce can be reused for later requests, and draws a fresh cnonce each time.
 */
export class DigestClient {
  /** Nonce → last nc sent; bounded, oldest first out. */
  private readonly counts = new Map<string, number>();
  private last: DigestChallenge | null = null;
  private static readonly MAX_NONCES = 64;

  constructor(private readonly account: { username: string; password: string }) {}

  /** Answers the challenge values of one 401 / 407 response. */
  respond(challengeValues: string | readonly string[], request: DigestRequest): string {
    const values = typeof challengeValues === 'string' ? [challengeValues] : challengeValues;
    const challenge = pickChallenge(values);
    this.last = challenge;
    return this.answer(challenge, request);
  }

  /**
   * Credentials for a further request under the last challenge (same nonce, next nc), so a
   * re-REGISTER can skip a round trip. Null when there is none, or when it had no qop: without nc
   * a reused RFC 2069 answer is indistinguishable from a replay.
   */
  respondAgain(request: DigestRequest): string | null {
    if (this.last === null || this.last.qop === undefined) return null;
    return this.answer(this.last, request);
  }

  private answer(challenge: DigestChallenge, request: DigestRequest): string {
    const nc = (this.counts.get(challenge.nonce) ?? 0) + 1;
    if (nc > MAX_NC) throw new DigestError('nonce count exhausted; a new challenge is needed');
    this.counts.delete(challenge.nonce);
    this.counts.set(challenge.nonce, nc);
    while (this.counts.size > DigestClient.MAX_NONCES) {
      const oldest = this.counts.keys().next();
      if (oldest.done === true) break;
      this.counts.delete(oldest.value);
    }
    return answerChallenge({
      challenge,
      method: request.method,
      uri: request.uri,
      username: this.account.username,
      password: this.account.password,
      nc,
    });
  }
}

// ---------------------------------------------------------------------------
// Server side: nonces, challenges, verification
// ---------------------------------------------------------------------------

const NONCE_TIME_BYTES = 8;
const NONCE_SALT_BYTES = 8;
const NONCE_MAC_BYTES = 32;
const NONCE_BYTES = NONCE_TIME_BYTES + NONCE_SALT_BYTES + NONCE_MAC_BYTES; // 48: base64url without padding
const NONCE_CHARS = 64;
const MAC_LABEL = Buffer.from('dialback digest nonce v1\0', 'utf8');
/** Nonces stamped this far in the future (clock stepped back) are treated as stale, not forged. */
const CLOCK_SKEW_MS = 5_000;

function isBase64UrlChar(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a) ||
    code === 0x2d ||
    code === 0x5f
  );
}

export type NonceStatus = 'valid' | 'stale' | 'invalid';

/**
 * Stateless server nonces (RFC 7616 §3.3, §5.4): base64url(timestamp ‖ salt ‖ HMAC-SHA256(secret,
 * timestamp ‖ salt ‖ realm)). The salt keeps nonces issued in the same millisecond distinct, since
 * replay tracking is per nonce. Only the nc bookkeeping is state, in a bounded LRU map.
 */
export class NonceManager {
  private readonly lifetimeMs: number;
  /** Nonce → highest nc accepted; Map order is least recently used first. */
  private readonly seen = new Map<string, number>();
  /** Issue time of the newest nonce whose nc record was evicted; older unknown nonces are refused. */
  private evictedUpTo = -1;

  constructor(
    private readonly secret: Buffer = randomBytes(32),
    lifetimeSeconds = 300,
    private readonly now: () => number = Date.now,
    private readonly maxTracked = 10_000,
  ) {
    if (secret.length < 16) throw new RangeError('the nonce secret must have at least 16 bytes');
    if (!Number.isFinite(lifetimeSeconds) || lifetimeSeconds <= 0) throw new RangeError('the nonce lifetime must be positive');
    if (!Number.isInteger(maxTracked) || maxTracked < 1) throw new RangeError('maxTracked must be a positive integer');
    this.lifetimeMs = lifetimeSeconds * 1000;
  }

  /** A fresh nonce for a challenge in this realm. */
  issue(realm: string): string {
    const head = Buffer.alloc(NONCE_TIME_BYTES + NONCE_SALT_BYTES);
    head.writeBigUInt64BE(BigInt(this.clock()), 0);
    randomBytes(NONCE_SALT_BYTES).copy(head, NONCE_TIME_BYTES);
    return Buffer.concat([head, this.mac(head, realm)]).toString('base64url');
  }

  /** 'invalid' for anything we did not issue for this realm; 'stale' once past its lifetime. */
  check(nonce: string, realm: string): NonceStatus {
    const bytes = decodeNonce(nonce);
    if (bytes === null) return 'invalid';
    const head = bytes.subarray(0, NONCE_TIME_BYTES + NONCE_SALT_BYTES);
    if (!timingSafeEqual(bytes.subarray(NONCE_TIME_BYTES + NONCE_SALT_BYTES), this.mac(head, realm))) return 'invalid';
    const age = this.clock() - Number(bytes.readBigUInt64BE(0));
    return age > this.lifetimeMs || age < -CLOCK_SKEW_MS ? 'stale' : 'valid';
  }

  /**
   * Records the nonce count of an authenticated request (call only after the response verified, or
   * forged requests could push the counter ahead and lock the real client out). An nc not greater
   * than the last one seen for this nonce is a 'replay'. A nonce whose record may have been evicted
   * is answered 'stale' so the client simply fetches a new one instead of being replayable.
   */
  recordNonceCount(nonce: string, nc: number): 'ok' | 'replay' | 'stale' {
    if (!Number.isInteger(nc) || nc < 1) return 'replay';
    const bytes = decodeNonce(nonce);
    if (bytes === null) return 'stale';
    const last = this.seen.get(nonce);
    if (last === undefined) {
      if (Number(bytes.readBigUInt64BE(0)) <= this.evictedUpTo) return 'stale';
    } else if (nc <= last) {
      return 'replay';
    }
    this.seen.delete(nonce);
    this.seen.set(nonce, nc);
    while (this.seen.size > this.maxTracked) {
      const oldest = this.seen.keys().next();
      if (oldest.done === true) break;
      const evicted = decodeNonce(oldest.value);
      if (evicted !== null) this.evictedUpTo = Math.max(this.evictedUpTo, Number(evicted.readBigUInt64BE(0)));
      this.seen.delete(oldest.value);
    }
    return 'ok';
  }

  /** How many nonces have an nc on record (for metrics and tests). */
  get trackedCount(): number {
    return this.seen.size;
  }

  private clock(): number {
    return Math.max(0, Math.floor(this.now()));
  }

  private mac(head: Buffer, realm: string): Buffer {
    return createHmac('sha256', this.secret).update(MAC_LABEL).update(head).update(realm, 'utf8').digest();
  }
}

/** Strict decoding: only the one canonical spelling of a nonce is accepted, so replay records can't be dodged. */
function decodeNonce(nonce: string): Buffer | null {
  if (typeof nonce !== 'string' || nonce.length !== NONCE_CHARS) return null;
  for (let i = 0; i < nonce.length; i++) if (!isBase64UrlChar(nonce.charCodeAt(i))) return null;
  const bytes = Buffer.from(nonce, 'base64url');
  return bytes.length === NONCE_BYTES ? bytes : null;
}

export interface BuildChallengeInput {
  realm: string;
  nonces: NonceManager;
  algorithm: ServerDigestAlgorithm;
  /** True when the credentials were right but the nonce had expired (RFC 7616 §3.3). */
  stale?: boolean;
  opaque?: string;
}

/** One WWW-Authenticate / Proxy-Authenticate value; we always offer qop="auth" (RFC 3261 §22.4 item 8). */
export function buildChallenge(input: BuildChallengeInput): string {
  return challengeWithNonce(input, input.algorithm, input.nonces.issue(input.realm));
}

export interface BuildChallengesInput {
  realm: string;
  nonces: NonceManager;
  stale?: boolean;
  opaque?: string;
  /** In order of preference; SHA-256 then MD5 by default. */
  algorithms?: readonly ServerDigestAlgorithm[];
}

/**
 * One header value per algorithm, most preferred first (RFC 7616 §3.7, RFC 8760 §2.4), sharing
 * one nonce: the client answers just one of them, and MD5-only phones still find theirs.
 */
export function buildChallenges(input: BuildChallengesInput): string[] {
  const algorithms = input.algorithms ?? (['SHA-256', 'MD5'] as const);
  if (algorithms.length === 0) throw new DigestError('at least one algorithm must be offered');
  const nonce = input.nonces.issue(input.realm);
  return algorithms.map((algorithm) => challengeWithNonce(input, algorithm, nonce));
}

function challengeWithNonce(
  input: { realm: string; stale?: boolean; opaque?: string },
  algorithm: ServerDigestAlgorithm,
  nonce: string,
): string {
  const challenge: DigestChallenge = { realm: input.realm, nonce, algorithm, qop: ['auth'] };
  if (input.opaque !== undefined) challenge.opaque = input.opaque;
  if (input.stale === true) challenge.stale = true;
  return formatChallenge(challenge);
}

export type VerifyFailureReason =
  | 'stale'
  | 'invalid-nonce'
  | 'wrong-response'
  | 'realm-mismatch'
  | 'unsupported-algorithm'
  | 'missing-field'
  | 'replay'
  | 'uri-mismatch';

export type VerifyResult = { ok: true } | { ok: false; reason: VerifyFailureReason };

export interface VerifyCredentialsInput {
  credentials: DigestCredentials;
  /** The method of the request carrying the credentials. */
  method: string;
  /**
   * HA1 ({@link computeHa1}) of the user named in credentials.username for this algorithm, or null
   * when the user or that hash is unknown (answered as 'wrong-response', so users can't be probed).
   */
  ha1ForAlgorithm: (algorithm: ServerDigestAlgorithm) => string | null;
  nonces: NonceManager;
  realm: string;
  /** When given, the uri parameter must equal it exactly (RFC 3261 §22.4 item 6 makes this a MAY). */
  expectedUri?: string;
  /** Algorithms accepted; both by default. Narrow it to refuse MD5 answers. */
  allowedAlgorithms?: readonly ServerDigestAlgorithm[];
}

// Compared when the user is unknown, so that path costs the same as a real check.
const DUMMY_HA1 = '0'.repeat(64);

function constantTimeEqual(a: string, b: string): boolean {
  // Hashing first gives equal lengths, so timingSafeEqual never leaks where or whether lengths differ.
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}

/**
 * Verifies credentials answering one of our challenges. Order matters: the response is checked
 * before staleness (RFC 7616 §3.3: stale=true only with a valid digest) and before the nc record
 * is touched (so forgeries cannot advance it).
 */
export function verifyCredentials(input: VerifyCredentialsInput): VerifyResult {
  const { credentials: c, nonces, realm } = input;
  const fail = (reason: VerifyFailureReason): VerifyResult => ({ ok: false, reason });

  if (!c.username || !c.realm || !c.nonce || !c.uri || !c.response) return fail('missing-field');
  if (c.realm !== realm) return fail('realm-mismatch');

  const algorithm = parseAlgorithm(c.algorithm);
  const allowed = input.allowedAlgorithms ?? ['SHA-256', 'MD5'];
  if (algorithm === null || isSession(algorithm) || !allowed.includes(algorithm as ServerDigestAlgorithm)) {
    return fail('unsupported-algorithm');
  }
  const serverAlgorithm = algorithm as ServerDigestAlgorithm;

  // We always send qop="auth", and RFC 3261 §22.4 item 8 obliges the client to echo qop; without
  // it there is no nc and so no replay protection, hence no RFC 2069 answers here.
  if (c.qop === undefined || !c.cnonce || c.nc === undefined || !isNonceCount(c.nc)) return fail('missing-field');
  if (c.qop.toLowerCase() !== 'auth') return fail('unsupported-algorithm');

  if (input.expectedUri !== undefined && c.uri !== input.expectedUri) return fail('uri-mismatch');

  const status = nonces.check(c.nonce, realm);
  if (status === 'invalid') return fail('invalid-nonce');

  const ha1 = input.ha1ForAlgorithm(serverAlgorithm);
  const expected = computeResponse({
    algorithm: serverAlgorithm,
    ha1: ha1 ?? DUMMY_HA1,
    nonce: c.nonce,
    method: input.method,
    uri: c.uri,
    qop: c.qop,
    nc: c.nc,
    cnonce: c.cnonce,
  });
  const matches = constantTimeEqual(expected, c.response.toLowerCase());
  if (ha1 === null || !matches) return fail('wrong-response');

  if (status === 'stale') return fail('stale');

  const recorded = nonces.recordNonceCount(c.nonce, Number.parseInt(c.nc, 16));
  if (recorded === 'replay') return fail('replay');
  if (recorded === 'stale') return fail('stale');
  return { ok: true };
}
