import { isIP, isIPv4, isIPv6 } from 'node:net';

/**
 * SDP (RFC 4566) parsing and formatting, plus the RFC 3264 offer/answer rules for the one
 * thing Dialback does with media: a single G.711 audio stream with RFC 4733 DTMF.
 */

/** Refuse anything larger: a real audio offer is well under 4 KiB, and this bounds parser work. */
export const MAX_SDP_BYTES = 64 * 1024;

export class SdpError extends Error {
  override readonly name = 'SdpError';
}

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
export type AddressType = 'IP4' | 'IP6';

/** c= (RFC 4566 §5.7); the network type is always IN. ttl and count only matter for multicast. */
export interface Connection {
  addressType: AddressType;
  address: string;
  ttl?: number;
  count?: number;
}

/** o= (RFC 4566 §5.2). Ids stay strings: RFC 3264 §5 lets them run to 64 bits. */
export interface Origin {
  username: string;
  sessionId: string;
  sessionVersion: string;
  addressType: AddressType;
  address: string;
}

/** t= with its r= lines (RFC 4566 §5.9, §5.10); NTP values can exceed 2^53, so strings. */
export interface Timing {
  start: string;
  stop: string;
  repeats: string[];
}

/** a=rtpmap (RFC 4566 §6): <payload type> <encoding name>/<clock rate>[/<encoding parameters>]. */
export interface Rtpmap {
  payloadType: number;
  encodingName: string;
  clockRate: number;
  encodingParameters?: string;
}

export interface Fmtp {
  format: string;
  parameters: string;
}

/** a=rtcp (RFC 3605 §2.1): port and optional address of RTCP when it is not RTP port + 1. */
export interface RtcpAttribute {
  port: number;
  connection?: Connection;
}

/** Any attribute not modelled below, kept in order so nothing is lost on a round trip. */
export interface Attribute {
  name: string;
  value?: string;
}

/** Any other line (i=, u=, e=, p=, b=, z=, k=, or an unknown type letter), kept verbatim. */
export interface Line {
  type: string;
  value: string;
}

export interface MediaDescription {
  media: string;
  port: number;
  portCount?: number;
  proto: string;
  formats: string[];
  connection?: Connection;
  rtpmaps: Rtpmap[];
  fmtps: Fmtp[];
  ptime?: number;
  maxptime?: number;
  direction?: Direction;
  rtcp?: RtcpAttribute;
  rtcpMux: boolean;
  attributes: Attribute[];
  lines: Line[];
}

export interface SessionDescription {
  origin: Origin;
  sessionName: string;
  connection?: Connection;
  timing: Timing[];
  direction?: Direction;
  attributes: Attribute[];
  lines: Line[];
  media: MediaDescription[];
}

// ---------------------------------------------------------------------------------------------
// Parsing

const TOKEN = /^[A-Za-z0-9!#$%&'*+\-.^_`{|}~]+$/;
const PROTO = /^[A-Za-z0-9!#$%&'*+\-.^_`{|}~]+(\/[A-Za-z0-9!#$%&'*+\-.^_`{|}~]+)*$/;
const FQDN = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/;
const DIGITS = /^\d+$/;
const DIRECTIONS: ReadonlySet<string> = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);
/** Letters RFC 4566 §5 allows only in the session section. */
const SESSION_ONLY = new Set(['v', 'o', 's', 'u', 'e', 'p', 't', 'r', 'z']);

function fail(message: string, lineNo?: number): never {
  throw new SdpError(lineNo === undefined ? message : `line ${lineNo}: ${message}`);
}

function fields(value: string): string[] {
  // Strict grammar says one space; trailing or doubled blanks are a common, harmless slip.
  const trimmed = value.trim();
  return trimmed === '' ? [] : trimmed.split(/[ \t]+/);
}

function smallInt(text: string | undefined, max: number, what: string, lineNo: number): number {
  if (text === undefined || !DIGITS.test(text) || text.length > 10) fail(`bad ${what} "${text ?? ''}"`, lineNo);
  const n = Number(text);
  if (n > max) fail(`${what} ${n} out of range`, lineNo);
  return n;
}

function positiveNumber(text: string | undefined, what: string, lineNo: number): number {
  if (text === undefined || !/^\d{1,6}(\.\d{1,6})?$/.test(text.trim())) fail(`bad ${what} "${text ?? ''}"`, lineNo);
  const n = Number(text.trim());
  if (n <= 0) fail(`${what} must be positive`, lineNo);
  return n;
}

function isHostName(host: string): boolean {
  // A dotted-digit string that is not a valid IPv4 address is junk, not a host name.
  return FQDN.test(host) && !/^[\d.]+$/.test(host);
}

function parseConnectionFields(parts: string[], lineNo: number): Connection {
  if (parts.length !== 3) fail('connection needs "IN <addrtype> <address>"', lineNo);
  const [netType, addrType, addr] = parts as [string, string, string];
  if (netType !== 'IN') fail(`unsupported network type "${netType}"`, lineNo);
  const pieces = addr.split('/');
  const host = pieces[0] ?? '';
  if (addrType === 'IP4') {
    // RFC 4566 §5.7: IP4 is <address>[/<ttl>[/<number of addresses>]].
    if (pieces.length > 3) fail(`bad IP4 address "${addr}"`, lineNo);
    if (!isIPv4(host) && (isIP(host) !== 0 || !isHostName(host))) fail(`bad IP4 address "${addr}"`, lineNo);
    const c: Connection = { addressType: 'IP4', address: host };
    if (pieces[1] !== undefined) c.ttl = smallInt(pieces[1], 255, 'TTL', lineNo);
    if (pieces[2] !== undefined) c.count = smallInt(pieces[2], 65535, 'address count', lineNo);
    return c;
  }
  if (addrType === 'IP6') {
    // IP6 has no TTL, only <address>[/<number of addresses>].
    if (pieces.length > 2) fail(`bad IP6 address "${addr}"`, lineNo);
    if (!isIPv6(host) && (isIP(host) !== 0 || !isHostName(host))) fail(`bad IP6 address "${addr}"`, lineNo);
    const c: Connection = { addressType: 'IP6', address: host };
    if (pieces[1] !== undefined) c.count = smallInt(pieces[1], 65535, 'address count', lineNo);
    return c;
  }
  return fail(`unsupported address type "${addrType}"`, lineNo);
}

function parseOrigin(value: string, lineNo: number): Origin {
  const f = fields(value);
  if (f.length !== 6) fail('o= needs 6 fields', lineNo);
  const [username, sessionId, sessionVersion, netType, addrType, address] = f as [
    string, string, string, string, string, string,
  ];
  // RFC 3264 §8 compares o= versions to spot changed SDP, so these must be numeric.
  if (!DIGITS.test(sessionId)) fail(`bad session id "${sessionId}"`, lineNo);
  if (!DIGITS.test(sessionVersion)) fail(`bad session version "${sessionVersion}"`, lineNo);
  if (netType !== 'IN') fail(`unsupported network type "${netType}"`, lineNo);
  if (addrType !== 'IP4' && addrType !== 'IP6') fail(`unsupported address type "${addrType}"`, lineNo);
  // The origin address is an identifier only, never used for media; accept any token.
  return { username, sessionId, sessionVersion, addressType: addrType, address };
}

function isRtpProto(proto: string): boolean {
  return proto.split('/').includes('RTP');
}

function parseMediaLine(value: string, lineNo: number): MediaDescription {
  const f = fields(value);
  if (f.length < 4) fail('m= needs "<media> <port> <proto> <fmt> ..."', lineNo);
  const [media, portField, proto] = f as [string, string, string];
  const formats = f.slice(3);
  if (!TOKEN.test(media)) fail(`bad media type "${media}"`, lineNo);
  const [portText, countText, extra] = portField.split('/');
  if (extra !== undefined) fail(`bad port "${portField}"`, lineNo);
  const port = smallInt(portText, 65535, 'port', lineNo);
  if (!PROTO.test(proto)) fail(`bad transport protocol "${proto}"`, lineNo);
  for (const fmt of formats) {
    // RFC 4566 §5.14: for RTP profiles the formats are payload type numbers (7 bits, RFC 3550).
    if (isRtpProto(proto)) smallInt(fmt, 127, 'payload type', lineNo);
    else if (!TOKEN.test(fmt)) fail(`bad format "${fmt}"`, lineNo);
  }
  const m: MediaDescription = {
    media,
    port,
    proto,
    formats,
    rtpmaps: [],
    fmtps: [],
    rtcpMux: false,
    attributes: [],
    lines: [],
  };
  if (countText !== undefined) {
    m.portCount = smallInt(countText, 65535, 'port count', lineNo);
    if (m.portCount === 0) fail('port count must be positive', lineNo);
  }
  return m;
}

function splitAttribute(value: string, lineNo: number): Attribute {
  const colon = value.indexOf(':');
  const name = colon === -1 ? value : value.slice(0, colon);
  if (!TOKEN.test(name)) fail(`bad attribute name "${name}"`, lineNo);
  return colon === -1 ? { name } : { name, value: value.slice(colon + 1) };
}

function setDirection(
  target: { direction?: Direction },
  d: Direction,
  lineNo: number,
): void {
  // Repeating the same direction is harmless; two different ones leave the stream ambiguous.
  if (target.direction !== undefined && target.direction !== d) {
    fail(`conflicting direction attributes ${target.direction} and ${d}`, lineNo);
  }
  target.direction = d;
}

function parseMediaAttribute(m: MediaDescription, attr: Attribute, lineNo: number): void {
  const { name, value } = attr;
  if (DIRECTIONS.has(name) && value === undefined) {
    setDirection(m, name as Direction, lineNo);
    return;
  }
  switch (name) {
    case 'rtpmap': {
      const match = /^(\d{1,3}) +([^\s/]+)\/(\d{1,10})(?:\/(\S+))?\s*$/.exec(value ?? '');
      if (!match) fail(`bad rtpmap "${value ?? ''}"`, lineNo);
      const payloadType = smallInt(match[1], 127, 'payload type', lineNo);
      const clockRate = Number(match[3]);
      if (clockRate === 0) fail('rtpmap clock rate must be positive', lineNo);
      // RFC 4566 §6: at most one rtpmap per format.
      if (m.rtpmaps.some((r) => r.payloadType === payloadType)) fail(`duplicate rtpmap for ${payloadType}`, lineNo);
      const r: Rtpmap = { payloadType, encodingName: match[2] ?? '', clockRate };
      if (match[4] !== undefined) r.encodingParameters = match[4];
      m.rtpmaps.push(r);
      return;
    }
    case 'fmtp': {
      const match = /^(\S+)(?:[ \t]+(.*))?$/.exec(value ?? '');
      if (!match) fail(`bad fmtp "${value ?? ''}"`, lineNo);
      m.fmtps.push({ format: match[1] ?? '', parameters: (match[2] ?? '').trim() });
      return;
    }
    case 'ptime':
      m.ptime = positiveNumber(value, 'ptime', lineNo);
      return;
    case 'maxptime':
      m.maxptime = positiveNumber(value, 'maxptime', lineNo);
      return;
    case 'rtcp': {
      const f = fields(value ?? '');
      const port = smallInt(f[0], 65535, 'RTCP port', lineNo);
      m.rtcp = f.length > 1 ? { port, connection: parseConnectionFields(f.slice(1), lineNo) } : { port };
      return;
    }
    case 'rtcp-mux':
      if (value === undefined) {
        m.rtcpMux = true;
        return;
      }
      break;
  }
  m.attributes.push(attr);
}

/**
 * Parses an SDP body. Accepts CRLF or bare LF, skips blank lines, keeps unknown lines and
 * attributes; throws SdpError (and only SdpError) on anything structurally wrong.
 */
export function parseSdp(text: string): SessionDescription {
  if (typeof text !== 'string') fail('SDP must be a string');
  if (text.length > MAX_SDP_BYTES || Buffer.byteLength(text, 'utf8') > MAX_SDP_BYTES) {
    fail(`SDP larger than ${MAX_SDP_BYTES} bytes`);
  }
  let origin: Origin | undefined;
  let sessionName: string | undefined;
  let sessionConnection: Connection | undefined;
  const timing: Timing[] = [];
  const session: { direction?: Direction } = {};
  const sessionAttributes: Attribute[] = [];
  const sessionLines: Line[] = [];
  const media: MediaDescription[] = [];
  let current: MediaDescription | undefined;
  let sawVersion = false;

  const rawLines = text.split('\n');
  for (let i = 0; i < rawLines.length; i++) {
    const lineNo = i + 1;
    let raw = rawLines[i] ?? '';
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    if (raw.trim() === '') continue;
    // RFC 4566 §5: <type>=<value>, type one lowercase letter, no blanks around "=".
    if (!/^[a-z]=/.test(raw)) fail(`not an SDP line: "${raw.slice(0, 40)}"`, lineNo);
    const type = raw[0] ?? '';
    const value = raw.slice(2);
    if (/[\r\0]/.test(value)) fail('CR or NUL inside a line', lineNo);

    if (!sawVersion) {
      if (type !== 'v') fail('SDP must start with v=', lineNo);
      if (value.trim() !== '0') fail(`unsupported SDP version "${value}"`, lineNo);
      sawVersion = true;
      continue;
    }
    if (type === 'v') fail('second v= line (only one session description is allowed)', lineNo);

    if (type === 'm') {
      current = parseMediaLine(value, lineNo);
      media.push(current);
      continue;
    }

    if (current) {
      if (SESSION_ONLY.has(type)) fail(`${type}= is not allowed in a media description`, lineNo);
      if (type === 'c') {
        if (current.connection) fail('second c= in a media description', lineNo);
        current.connection = parseConnectionFields(fields(value), lineNo);
      } else if (type === 'a') {
        parseMediaAttribute(current, splitAttribute(value, lineNo), lineNo);
      } else {
        current.lines.push({ type, value });
      }
      continue;
    }

    switch (type) {
      case 'o':
        if (origin) fail('second o= line', lineNo);
        origin = parseOrigin(value, lineNo);
        break;
      case 's':
        if (sessionName !== undefined) fail('second s= line', lineNo);
        sessionName = value;
        break;
      case 'c':
        if (sessionConnection) fail('second session-level c= line', lineNo);
        sessionConnection = parseConnectionFields(fields(value), lineNo);
        break;
      case 't': {
        const f = fields(value);
        if (f.length !== 2 || !DIGITS.test(f[0] ?? '') || !DIGITS.test(f[1] ?? '')) fail(`bad t= "${value}"`, lineNo);
        timing.push({ start: f[0] ?? '', stop: f[1] ?? '', repeats: [] });
        break;
      }
      case 'r': {
        const last = timing[timing.length - 1];
        if (!last) fail('r= without a preceding t=', lineNo);
        last.repeats.push(value);
        break;
      }
      case 'a': {
        const attr = splitAttribute(value, lineNo);
        // Session-level direction is the default for every stream (RFC 4566 §6, RFC 3264 §5.1).
        if (DIRECTIONS.has(attr.name) && attr.value === undefined) setDirection(session, attr.name as Direction, lineNo);
        else sessionAttributes.push(attr);
        break;
      }
      default:
        sessionLines.push({ type, value });
    }
  }

  if (!sawVersion) fail('empty SDP');
  if (!origin) fail('missing o= line');
  if (sessionName === undefined) fail('missing s= line');
  if (timing.length === 0) fail('missing t= line');
  media.forEach((m, index) => {
    // RFC 4566 §5.7: every stream needs c= at media or session level. A disabled stream
    // (port 0) carries no media, so its absence there is tolerated.
    if (!m.connection && !sessionConnection && m.port !== 0) {
      fail(`media ${index + 1} (${m.media}) has no c= line and there is no session-level c=`);
    }
  });

  const desc: SessionDescription = {
    origin,
    sessionName,
    timing,
    attributes: sessionAttributes,
    lines: sessionLines,
    media,
  };
  if (sessionConnection) desc.connection = sessionConnection;
  if (session.direction) desc.direction = session.direction;
  return desc;
}

// ---------------------------------------------------------------------------------------------
// Formatting

function formatConnection(c: Connection): string {
  let addr = c.address;
  if (c.addressType === 'IP4' && c.ttl !== undefined) {
    addr += `/${c.ttl}`;
    if (c.count !== undefined) addr += `/${c.count}`;
  } else if (c.addressType === 'IP6' && c.count !== undefined) {
    addr += `/${c.count}`;
  }
  return `IN ${c.addressType} ${addr}`;
}

function formatAttribute(a: Attribute): string {
  return a.value === undefined ? `a=${a.name}` : `a=${a.name}:${a.value}`;
}

function linesOf(lines: Line[], types: string): Line[] {
  return lines.filter((l) => types.includes(l.type));
}

/**
 * Canonical form: RFC 4566 §5 field order, CRLF line ends, rtpmap each followed by its fmtp.
 */
export function formatSdp(desc: SessionDescription): string {
  const out: string[] = ['v=0'];
  const o = desc.origin;
  out.push(`o=${o.username} ${o.sessionId} ${o.sessionVersion} IN ${o.addressType} ${o.address}`);
  out.push(`s=${desc.sessionName}`);
  const known = 'iuepbzk';
  for (const t of 'iuep') for (const l of linesOf(desc.lines, t)) out.push(`${l.type}=${l.value}`);
  if (desc.connection) out.push(`c=${formatConnection(desc.connection)}`);
  for (const l of linesOf(desc.lines, 'b')) out.push(`b=${l.value}`);
  for (const t of desc.timing) {
    out.push(`t=${t.start} ${t.stop}`);
    for (const r of t.repeats) out.push(`r=${r}`);
  }
  for (const t of 'zk') for (const l of linesOf(desc.lines, t)) out.push(`${l.type}=${l.value}`);
  for (const l of desc.lines) if (!known.includes(l.type)) out.push(`${l.type}=${l.value}`);
  if (desc.direction) out.push(`a=${desc.direction}`);
  for (const a of desc.attributes) out.push(formatAttribute(a));

  for (const m of desc.media) {
    const port = m.portCount === undefined ? String(m.port) : `${m.port}/${m.portCount}`;
    out.push(`m=${m.media} ${port} ${m.proto} ${m.formats.join(' ')}`);
    for (const l of linesOf(m.lines, 'i')) out.push(`i=${l.value}`);
    if (m.connection) out.push(`c=${formatConnection(m.connection)}`);
    for (const t of 'bk') for (const l of linesOf(m.lines, t)) out.push(`${l.type}=${l.value}`);
    for (const l of m.lines) if (!'ibk'.includes(l.type)) out.push(`${l.type}=${l.value}`);
    const emitted = new Set<Fmtp>();
    for (const r of m.rtpmaps) {
      const params = r.encodingParameters === undefined ? '' : `/${r.encodingParameters}`;
      out.push(`a=rtpmap:${r.payloadType} ${r.encodingName}/${r.clockRate}${params}`);
      for (const f of m.fmtps) {
        if (f.format === String(r.payloadType) && !emitted.has(f)) {
          emitted.add(f);
          out.push(`a=fmtp:${f.format} ${f.parameters}`.trimEnd());
        }
      }
    }
    for (const f of m.fmtps) if (!emitted.has(f)) out.push(`a=fmtp:${f.format} ${f.parameters}`.trimEnd());
    if (m.ptime !== undefined) out.push(`a=ptime:${String(m.ptime)}`);
    if (m.maxptime !== undefined) out.push(`a=maxptime:${String(m.maxptime)}`);
    if (m.rtcp) out.push(`a=rtcp:${m.rtcp.port}${m.rtcp.connection ? ` ${formatConnection(m.rtcp.connection)}` : ''}`);
    if (m.rtcpMux) out.push('a=rtcp-mux');
    if (m.direction) out.push(`a=${m.direction}`);
    for (const a of m.attributes) out.push(formatAttribute(a));
  }
  return out.join('\r\n') + '\r\n';
}

// ---------------------------------------------------------------------------------------------
// Offer/answer (RFC 3264) for one G.711 audio stream plus telephone-event

export type CodecName = 'PCMU' | 'PCMA';

export interface RemoteEndpoint {
  address: string;
  port: number;
  rtcpPort: number;
  /** From a=rtcp with an address (RFC 3605), else the RTP address. */
  rtcpAddress: string;
}

export interface Negotiated {
  codec: { name: CodecName; payloadType: number };
  /** Payload type for RFC 4733 events on this stream, or null when not negotiated. */
  telephoneEvent: number | null;
  remote: RemoteEndpoint;
  /** Our own direction: 'sendrecv' means we both send to and receive from the peer. */
  direction: Direction;
  /** True when the peer put us on hold (sendonly/inactive or c=0.0.0.0, RFC 3264 §8.4). */
  hold: boolean;
  /** Index of the negotiated m-line. */
  mediaIndex: number;
}

export type NegotiationErrorCode = 'no-audio' | 'no-common-codec' | 'unsupported-transport' | 'invalid-answer';

export interface NegotiationFailure {
  error: NegotiationErrorCode;
  message: string;
}

export type AnswerResult = (Negotiated & { answer: SessionDescription }) | NegotiationFailure;
export type ReadAnswerResult = Negotiated | NegotiationFailure;

export interface LocalEndpoint {
  address: string;
  port: number;
  sessionId: string | number | bigint;
  version: string | number | bigint;
  /** Codecs we are willing to use; defaults to both. */
  codecs?: readonly CodecName[];
  ptime?: number;
  username?: string;
  /** Set false to leave telephone-event out of the answer. */
  telephoneEvent?: boolean;
}

export interface OfferOptions extends LocalEndpoint {
  /** Dynamic payload type for telephone-event, or null for none. */
  telephoneEventPayloadType?: number | null;
  direction?: Direction;
}

const DEFAULT_CODECS: readonly CodecName[] = ['PCMU', 'PCMA'];
/** The events we generate and detect: DTMF 0-9, *, #, A-D (RFC 4733 §3.2). */
const DTMF_EVENTS = '0-15';
const MAX_DTMF_EVENT = 15;

/**
 * The telephone-event fmtp value is a comma list of event codes and ranges (RFC 4733 §7).
 * Returns the DTMF codes in it, or null when the list cannot be read.
 */
function dtmfEventsIn(list: string): Set<number> | null {
  const out = new Set<number>();
  for (const item of list.split(',')) {
    const match = /^\s*(\d{1,3})(?:\s*-\s*(\d{1,3}))?\s*$/.exec(item);
    if (!match) return null;
    const low = Number(match[1]);
    const high = match[2] === undefined ? low : Number(match[2]);
    if (high < low || high > 255) return null;
    for (let e = low; e <= Math.min(high, MAX_DTMF_EVENT); e++) out.add(e);
  }
  return out;
}

function formatEvents(events: Set<number>): string {
  const sorted = [...events].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] as number) === (sorted[j] as number) + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * What to put in our answer's telephone-event fmtp: the DTMF part of what the offerer listed.
 * With no list (or one we cannot read) we state our own set; an empty overlap means the
 * event stream is useless to both sides, so it is left out.
 */
function answerEvents(m: MediaDescription, pt: number): string | null {
  const fmtp = m.fmtps.find((f) => f.format === String(pt));
  if (!fmtp || fmtp.parameters === '') return DTMF_EVENTS;
  const offered = dtmfEventsIn(fmtp.parameters.replace(/^events=/i, ''));
  if (offered === null) return DTMF_EVENTS;
  return offered.size === 0 ? null : formatEvents(offered);
}
/** RFC 3551 §6 Table 4: the static audio payload types an rtpmap may omit. */
const STATIC_AUDIO: ReadonlyMap<number, { name: string; clockRate: number }> = new Map([
  [0, { name: 'PCMU', clockRate: 8000 }],
  [3, { name: 'GSM', clockRate: 8000 }],
  [4, { name: 'G723', clockRate: 8000 }],
  [8, { name: 'PCMA', clockRate: 8000 }],
  [9, { name: 'G722', clockRate: 8000 }],
  [13, { name: 'CN', clockRate: 8000 }],
  [18, { name: 'G729', clockRate: 8000 }],
]);

interface FormatInfo {
  name: string;
  clockRate: number;
  channels: number;
}

function describeFormat(m: MediaDescription, fmt: string): FormatInfo | null {
  if (!DIGITS.test(fmt)) return null;
  const pt = Number(fmt);
  // An rtpmap wins over the static table: RFC 4566 §6 lets it rebind any number.
  const map = m.rtpmaps.find((r) => r.payloadType === pt);
  if (map) {
    const channels = map.encodingParameters === undefined ? 1 : Number(map.encodingParameters);
    return { name: map.encodingName.toUpperCase(), clockRate: map.clockRate, channels };
  }
  const known = STATIC_AUDIO.get(pt);
  return known ? { ...known, channels: 1 } : null;
}

function asCodec(info: FormatInfo | null, allowed: readonly CodecName[]): CodecName | null {
  if (!info || info.clockRate !== 8000 || info.channels !== 1) return null;
  return (allowed as readonly string[]).includes(info.name) ? (info.name as CodecName) : null;
}

function findTelephoneEvent(m: MediaDescription): number | null {
  for (const fmt of m.formats) {
    const info = describeFormat(m, fmt);
    // RFC 4733 §7: telephone-event is always dynamic; we run it at the G.711 clock of 8000 Hz.
    if (info && info.name === 'TELEPHONE-EVENT' && info.clockRate === 8000) return Number(fmt);
  }
  return null;
}

function codecNames(m: MediaDescription, allowed: readonly CodecName[]): string[] {
  return m.formats.map((f) => {
    const info = describeFormat(m, f);
    return info ? info.name : f;
  }).filter((n) => n !== 'TELEPHONE-EVENT' && n !== 'CN' && !allowed.includes(n as CodecName));
}

interface Flags {
  send: boolean;
  recv: boolean;
}

function toFlags(d: Direction): Flags {
  return { send: d === 'sendrecv' || d === 'sendonly', recv: d === 'sendrecv' || d === 'recvonly' };
}

function fromFlags(f: Flags): Direction {
  if (f.send) return f.recv ? 'sendrecv' : 'sendonly';
  return f.recv ? 'recvonly' : 'inactive';
}

/** The stream's direction, falling back to the session's and then to sendrecv (RFC 3264 §5.1). */
export function effectiveDirection(desc: SessionDescription, m: MediaDescription): Direction {
  return m.direction ?? desc.direction ?? 'sendrecv';
}

function connectionOf(desc: SessionDescription, m: MediaDescription): Connection | undefined {
  return m.connection ?? desc.connection;
}

function isUnspecified(address: string): boolean {
  // 0.0.0.0 is RFC 2543 hold; "::" is treated alike since it is equally unreachable.
  return address === '0.0.0.0' || (isIPv6(address) && /^[0:]+$/.test(address));
}

function isMulticast(address: string): boolean {
  if (isIPv4(address)) {
    const first = Number(address.split('.')[0]);
    return first >= 224 && first <= 239;
  }
  return isIPv6(address) && /^ff/i.test(address);
}

function remoteOf(conn: Connection, m: MediaDescription): RemoteEndpoint {
  // RTCP goes to RTP port + 1 (RFC 3550 §11) unless a=rtcp says otherwise (RFC 3605).
  return {
    address: conn.address,
    port: m.port,
    rtcpPort: m.rtcp?.port ?? m.port + 1,
    rtcpAddress: m.rtcp?.connection?.address ?? conn.address,
  };
}

function checkLocal(local: LocalEndpoint): { codecs: CodecName[]; sessionId: string; version: string; addressType: AddressType } {
  const sessionId = String(local.sessionId);
  const version = String(local.version);
  if (!DIGITS.test(sessionId)) throw new RangeError(`sessionId must be a decimal number, got ${sessionId}`);
  if (!DIGITS.test(version)) throw new RangeError(`version must be a decimal number, got ${version}`);
  if (!Number.isInteger(local.port) || local.port < 1 || local.port > 65535) {
    throw new RangeError(`port must be 1..65535, got ${local.port}`);
  }
  const addressType: AddressType | null = isIPv4(local.address) ? 'IP4' : isIPv6(local.address) ? 'IP6' : null;
  if (!addressType) throw new RangeError(`address must be an IP address, got ${local.address}`);
  const codecs = [...new Set(local.codecs ?? DEFAULT_CODECS)];
  if (codecs.length === 0) throw new RangeError('at least one codec is required');
  for (const c of codecs) if (c !== 'PCMU' && c !== 'PCMA') throw new RangeError(`unsupported codec ${String(c)}`);
  const ptime = local.ptime ?? 20;
  if (!Number.isInteger(ptime) || ptime < 10 || ptime > 200) throw new RangeError(`bad ptime ${ptime}`);
  return { codecs, sessionId, version, addressType };
}

function sessionSkeleton(
  local: LocalEndpoint,
  checked: ReturnType<typeof checkLocal>,
  media: MediaDescription[],
): SessionDescription {
  return {
    origin: {
      username: local.username ?? '-',
      sessionId: checked.sessionId,
      sessionVersion: checked.version,
      addressType: checked.addressType,
      address: local.address,
    },
    sessionName: '-',
    connection: { addressType: checked.addressType, address: local.address },
    timing: [{ start: '0', stop: '0', repeats: [] }],
    attributes: [],
    lines: [],
    media,
  };
}

function audioMedia(
  port: number,
  codecs: { name: CodecName; payloadType: number }[],
  telephoneEvent: number | null,
  ptime: number,
  direction: Direction,
  events = DTMF_EVENTS,
): MediaDescription {
  const m: MediaDescription = {
    media: 'audio',
    port,
    proto: 'RTP/AVP',
    formats: codecs.map((c) => String(c.payloadType)),
    // RFC 3264 §5.1 and §6.1: rtpmap SHOULD be present for static types too.
    rtpmaps: codecs.map((c) => ({ payloadType: c.payloadType, encodingName: c.name, clockRate: 8000 })),
    fmtps: [],
    ptime,
    direction,
    rtcpMux: false,
    attributes: [],
    lines: [],
  };
  if (telephoneEvent !== null) {
    m.formats.push(String(telephoneEvent));
    m.rtpmaps.push({ payloadType: telephoneEvent, encodingName: 'telephone-event', clockRate: 8000 });
    m.fmtps.push({ format: String(telephoneEvent), parameters: events });
  }
  return m;
}

/** Builds our offer: one audio stream, G.711 in the given order, then telephone-event. */
export function createOffer(options: OfferOptions): SessionDescription {
  const checked = checkLocal(options);
  const te = options.telephoneEventPayloadType === undefined ? 101 : options.telephoneEventPayloadType;
  // RFC 3551 §6: dynamic payload types are 96-127.
  if (te !== null && (!Number.isInteger(te) || te < 96 || te > 127)) {
    throw new RangeError(`telephone-event payload type must be 96..127, got ${te}`);
  }
  const codecs = checked.codecs.map((name) => ({ name, payloadType: name === 'PCMU' ? 0 : 8 }));
  const m = audioMedia(options.port, codecs, te, options.ptime ?? 20, options.direction ?? 'sendrecv');
  return sessionSkeleton(options, checked, [m]);
}

function rejected(m: MediaDescription): MediaDescription {
  // RFC 3264 §6: a declined stream keeps its m-line, with port 0 and the offered formats.
  return {
    media: m.media,
    port: 0,
    proto: m.proto,
    formats: [...m.formats],
    rtpmaps: [],
    fmtps: [],
    rtcpMux: false,
    attributes: [],
    lines: [],
  };
}

/**
 * Answers a peer's offer (RFC 3264 §6). Takes the first usable audio stream; every other
 * m-line is declined with port 0. Within that stream the offerer's format order decides the
 * codec, and offered payload type numbers are kept. A failure result means the SIP layer
 * should reply 488 Not Acceptable Here.
 */
export function answerOffer(offer: SessionDescription, local: LocalEndpoint): AnswerResult {
  const checked = checkLocal(local);
  const answerMedia: MediaDescription[] = [];
  let chosen: (Negotiated & { media: MediaDescription }) | undefined;
  let sawAudio = false;
  let sawRtpAvp = false;
  let otherCodecs: string[] = [];

  offer.media.forEach((m, index) => {
    if (chosen || m.media !== 'audio' || m.port === 0) {
      answerMedia.push(rejected(m));
      return;
    }
    sawAudio = true;
    // We run plain RTP only: no SRTP keys (RTP/SAVP) and no RTCP feedback profile (AVPF).
    if (m.proto !== 'RTP/AVP') {
      answerMedia.push(rejected(m));
      return;
    }
    const conn = connectionOf(offer, m);
    // Multicast streams follow different answer rules (RFC 3264 §6.2); we only do unicast.
    if (conn && isMulticast(conn.address)) {
      answerMedia.push(rejected(m));
      return;
    }
    sawRtpAvp = true;
    let codec: { name: CodecName; payloadType: number } | undefined;
    for (const fmt of m.formats) {
      const name = asCodec(describeFormat(m, fmt), checked.codecs);
      if (name) {
        codec = { name, payloadType: Number(fmt) };
        break;
      }
    }
    if (!codec || !conn) {
      otherCodecs = otherCodecs.concat(codecNames(m, checked.codecs));
      answerMedia.push(rejected(m));
      return;
    }
    const offered = toFlags(effectiveDirection(offer, m));
    const heldByAddress = isUnspecified(conn.address);
    // RFC 3264 §8.4: c=0.0.0.0 means send neither RTP nor RTCP to the offerer.
    if (heldByAddress) offered.recv = false;
    const direction = fromFlags({ send: offered.recv, recv: offered.send });
    let telephoneEvent = local.telephoneEvent === false ? null : findTelephoneEvent(m);
    const events = telephoneEvent === null ? null : answerEvents(m, telephoneEvent);
    if (events === null) telephoneEvent = null;
    const media = audioMedia(local.port, [codec], telephoneEvent, local.ptime ?? 20, direction, events ?? DTMF_EVENTS);
    answerMedia.push(media);
    chosen = {
      codec,
      telephoneEvent,
      remote: remoteOf(conn, m),
      direction,
      hold: heldByAddress || !offered.recv,
      mediaIndex: index,
      media,
    };
  });

  if (!chosen) {
    if (!sawAudio) return { error: 'no-audio', message: 'the offer has no active audio stream' };
    if (!sawRtpAvp) {
      return { error: 'unsupported-transport', message: 'audio is offered only over SRTP, multicast or another non-RTP/AVP transport' };
    }
    const names = [...new Set(otherCodecs)].join(', ') || 'none';
    return {
      error: 'no-common-codec',
      message: `no offered audio codec is acceptable (offered: ${names}; we support ${checked.codecs.join(', ')} at 8000 Hz)`,
    };
  }
  const { media: _media, ...negotiated } = chosen;
  return { ...negotiated, answer: sessionSkeleton(local, checked, answerMedia) };
}

/**
 * Checks the answer to an offer we made (RFC 3264 §6 and §7) and reads what was agreed.
 * The payload types returned are the answer's: they are what the peer expects to receive.
 */
export function readAnswer(offer: SessionDescription, answer: SessionDescription): ReadAnswerResult {
  const invalid = (message: string): NegotiationFailure => ({ error: 'invalid-answer', message });
  if (answer.media.length !== offer.media.length) {
    return invalid(`answer has ${answer.media.length} m-lines, offer had ${offer.media.length}`);
  }
  let index = -1;
  for (let i = 0; i < offer.media.length; i++) {
    const o = offer.media[i] as MediaDescription;
    const a = answer.media[i] as MediaDescription;
    if (o.media !== a.media) return invalid(`m-line ${i + 1} is ${a.media} in the answer but ${o.media} in the offer`);
    if (o.port === 0 && a.port !== 0) return invalid(`m-line ${i + 1} was offered disabled but answered with a port`);
    if (index === -1 && o.media === 'audio' && o.port !== 0 && a.port !== 0) index = i;
  }
  if (index === -1) return { error: 'no-audio', message: 'the answer declined every audio stream' };
  const o = offer.media[index] as MediaDescription;
  const a = answer.media[index] as MediaDescription;
  if (a.proto !== o.proto) return invalid(`answer changed the transport from ${o.proto} to ${a.proto}`);
  const conn = connectionOf(answer, a);
  if (!conn) return invalid('answer has no connection address');

  const offeredCodecs = o.formats
    .map((f) => asCodec(describeFormat(o, f), DEFAULT_CODECS))
    .filter((c): c is CodecName => c !== null);
  if (offeredCodecs.length === 0) return { error: 'no-common-codec', message: 'our offer held no G.711 codec' };
  let codec: { name: CodecName; payloadType: number } | undefined;
  for (const fmt of a.formats) {
    const name = asCodec(describeFormat(a, fmt), offeredCodecs);
    if (name) {
      codec = { name, payloadType: Number(fmt) };
      break;
    }
  }
  // RFC 3264 §6.1: the answer must pick at least one format from the offer.
  if (!codec) return invalid(`answer chose none of the offered codecs (${offeredCodecs.join(', ')})`);

  const telephoneEvent = findTelephoneEvent(o) === null ? null : findTelephoneEvent(a);
  const ours = toFlags(effectiveDirection(offer, o));
  const theirs = toFlags(effectiveDirection(answer, a));
  const heldByAddress = isUnspecified(conn.address);
  if (heldByAddress) theirs.recv = false;
  const direction = fromFlags({ send: ours.send && theirs.recv, recv: ours.recv && theirs.send });
  return {
    codec,
    telephoneEvent,
    remote: remoteOf(conn, a),
    direction,
    hold: heldByAddress || !theirs.recv,
    mediaIndex: index,
  };
}
