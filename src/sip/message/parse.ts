/**
 * Wire bytes → SipMessage (RFC 3261 §7). Only what every layer needs is checked up front
 * (start line, Via, CSeq, Call-ID, From, To, Max-Forwards, Content-Length, framing); the rest is
 * kept raw and parsed on demand by the accessors in headers.ts.
 */
import { checkNameAddress } from './address.js';
import { SipParseError, bad, type PartialRequest } from './errors.js';
import { isCallId, knownHeaderName, parseCSeqAs, parseViaAs } from './headers.js';
import { isToken, isWs, parseBoundedInt, splitList, trimWs } from './syntax.js';
import type { HeaderField, SipMessage, SipRequest, SipResponse } from './types.js';
import { parseUriAs } from './uri.js';

export { SipParseError } from './errors.js';
export type { PartialRequest } from './errors.js';

/** Largest message accepted (RFC 3261 §18.1.1 leaves the bound to us; 64 KiB covers UDP). */
export const MAX_MESSAGE_BYTES = 65536;

interface StartLine {
  kind: 'request' | 'response';
  method: string;
  /** Set when the line is a request/response we can name but not accept (deferred so the headers
   * can still be read for the error response). */
  error: SipParseError | null;
  uriText: string;
  status: number;
  reason: string;
}

interface Head {
  start: StartLine;
  headers: HeaderField[];
}

/** Where the header section ends: first empty line, CRLF or bare LF (RFC 3261 §7, §7.5). */
function findHeaderEnd(data: Buffer, from: number): { headEnd: number; bodyStart: number } | null {
  const limit = Math.min(data.length, MAX_MESSAGE_BYTES + 4);
  const view = limit === data.length ? data : data.subarray(0, limit);
  const crlf = view.indexOf('\n\r\n', from);
  const lflf = view.indexOf('\n\n', from);
  if (crlf >= 0 && (lflf < 0 || crlf < lflf)) return { headEnd: crlf, bodyStart: crlf + 3 };
  if (lflf >= 0) return { headEnd: lflf, bodyStart: lflf + 2 };
  // Lenient: a datagram whose last header line is terminated but lacks the empty line.
  if (limit === data.length && data[data.length - 1] === 10) return { headEnd: data.length - 1, bodyStart: data.length };
  return null;
}

const VERSION_RE = /^SIP\/(\d+)\.(\d+)$/i;

/** Checks SIP-Version (§7.1: "SIP" "/" 1*DIGIT "." 1*DIGIT, case-insensitive); null when 2.0. */
function versionError(version: string): SipParseError | null {
  const m = VERSION_RE.exec(version);
  if (m === null) return new SipParseError(400, 'Malformed SIP-Version');
  if (Number(m[1]) === 2 && Number(m[2]) === 0) return null;
  return new SipParseError(505, 'Version Not Supported', null, version);
}

function parseStartLine(line: string): StartLine {
  if (line.indexOf('\r') >= 0) throw new SipParseError(400, 'Malformed start line');
  if (line.length >= 4 && line.slice(0, 4).toUpperCase() === 'SIP/') {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (§7.2)
    const sp = line.indexOf(' ');
    if (sp < 0) throw new SipParseError(400, 'Malformed Status-Line');
    const verErr = versionError(line.slice(0, sp));
    if (verErr !== null) throw verErr;
    const codeText = line.slice(sp + 1, sp + 4);
    const after = line.charCodeAt(sp + 4);
    // The SP before an empty reason is required, but RFC 4475 §3.1.1.13 allows a liberal reader
    // to accept its absence.
    if (!/^\d{3}$/.test(codeText) || (line.length > sp + 4 && after !== 32)) {
      throw new SipParseError(400, 'Malformed Status-Line');
    }
    const status = Number(codeText);
    if (status < 100 || status > 699) throw new SipParseError(400, 'Malformed Status-Line', null, 'status out of range');
    return { kind: 'response', method: '', error: null, uriText: '', status, reason: line.slice(sp + 5) };
  }
  // Request-Line = Method SP Request-URI SP SIP-Version: single spaces only (§7.1).
  const firstSp = line.indexOf(' ');
  const method = firstSp < 0 ? line : line.slice(0, firstSp);
  if (!isToken(method)) throw new SipParseError(400, 'Malformed start line');
  const parts = line.split(' ');
  let error: SipParseError | null = null;
  let uriText = '';
  if (parts.length !== 3 || parts[1] === '' || parts[2] === '') {
    // lwsstart, trws, lwsruri and ltgtruri-like lines (RFC 4475 §3.1.2.8-10): rejected, not repaired.
    error = new SipParseError(400, 'Malformed Request-Line');
  } else {
    uriText = parts[1] ?? '';
    error = versionError(parts[2] ?? '');
  }
  return { kind: 'request', method, error, uriText, status: 0, reason: '' };
}

/** Splits the header section into unfolded fields (§7.3.1) with canonical names (§7.3.3). */
function readHeaders(text: string, pos: number, headers: HeaderField[]): void {
  let name = '';
  let value = '';
  let open = false;
  while (pos <= text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    let line = text.slice(pos, end);
    pos = end + 1;
    if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    if (line.indexOf('\r') >= 0) throw new SipParseError(400, 'Malformed header line', null, 'bare CR');
    if (line.length === 0) continue;
    if (isWs(line.charCodeAt(0))) {
      // Continuation: LWS (including the line break) means a single SP (§7.3.1).
      if (!open) throw new SipParseError(400, 'Malformed header line', null, 'continuation without header');
      value += ' ' + trimWs(line);
      continue;
    }
    if (open) headers.push({ name, value: trimWs(value) });
    const colon = line.indexOf(':');
    if (colon <= 0) throw new SipParseError(400, 'Malformed header line', null, 'missing colon');
    // HCOLON = *( SP / HTAB ) ":" SWS — white space may precede the colon.
    let ne = colon;
    while (ne > 0 && isWs(line.charCodeAt(ne - 1))) ne--;
    const raw = line.slice(0, ne);
    if (!isToken(raw)) throw new SipParseError(400, 'Malformed header line', null, 'bad header name');
    // Unknown names are kept exactly as received; known ones (and compact forms) are canonical.
    name = knownHeaderName(raw) ?? raw;
    value = line.slice(colon + 1);
    open = true;
  }
  if (open) headers.push({ name, value: trimWs(value) });
}

function parseHead(data: Buffer, start: number, headEnd: number): Head {
  const text = data.toString('utf8', start, headEnd);
  let lineEnd = text.indexOf('\n');
  if (lineEnd < 0) lineEnd = text.length;
  let first = text.slice(0, lineEnd);
  if (first.length > 0 && first.charCodeAt(first.length - 1) === 13) first = first.slice(0, -1);
  const startLine = parseStartLine(first);
  const headers: HeaderField[] = [];
  try {
    readHeaders(text, lineEnd + 1, headers);
  } catch (err) {
    throw withRequest(err, startLine, headers);
  }
  return { start: startLine, headers };
}

function withRequest(err: unknown, start: StartLine, headers: HeaderField[]): unknown {
  if (err instanceof SipParseError && start.kind === 'request' && err.request === null) {
    const request: PartialRequest = { method: start.method, headers };
    err.request = request;
  }
  return err;
}

/**
 * Parses one complete SIP message (a datagram, or one message already framed off a stream).
 * Throws SipParseError (400/413/416/505) for anything it refuses; never anything else.
 */
export function parseMessage(data: Buffer): SipMessage {
  let start = 0;
  // §7.5: CRLFs before the start line (stream keep-alives) are ignored.
  while (start < data.length && (data[start] === 13 || data[start] === 10)) start++;
  if (start >= data.length) throw new SipParseError(400, 'Empty message');
  const sep = findHeaderEnd(data, start);
  if (data.length > MAX_MESSAGE_BYTES) {
    let request: PartialRequest | null = null;
    if (sep !== null) {
      try {
        const head = parseHead(data, start, sep.headEnd);
        if (head.start.kind === 'request') request = { method: head.start.method, headers: head.headers };
      } catch {
        request = null;
      }
    }
    throw new SipParseError(413, 'Request Entity Too Large', request, `${data.length} bytes`);
  }
  if (sep === null) throw new SipParseError(400, 'Missing empty line after headers');
  const head = parseHead(data, start, sep.headEnd);
  const { start: line, headers } = head;
  try {
    if (line.error !== null) throw line.error;
    const contentLength = validate(line, headers);
    const available = data.length - sep.bodyStart;
    if (contentLength !== null && contentLength > available) {
      // RFC 4475 §3.1.2.2 (clerr): over UDP this is a 400; a stream framer waits for more instead.
      throw new SipParseError(400, 'Content-Length larger than message');
    }
    // The body is exactly Content-Length octets (§18.3, extra datagram octets are ignored) or the
    // rest of the datagram without it. Copied so the caller's buffer can be reused.
    const end = contentLength === null ? data.length : sep.bodyStart + contentLength;
    const body = Buffer.from(data.subarray(sep.bodyStart, end));
    if (line.kind === 'request') {
      const uri = parseUriAs(line.uriText, 'Request-URI');
      if (uri.headers.size > 0) {
        // §19.1.1 Table 1: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11 escruri).
        throw new SipParseError(400, 'Invalid Request-URI', null, 'URI headers not allowed');
      }
      const req: SipRequest = { kind: 'request', method: line.method, uri, headers, body };
      return req;
    }
    const res: SipResponse = { kind: 'response', status: line.status, reason: line.reason, headers, body };
    return res;
  } catch (err) {
    throw withRequest(err, line, headers);
  }
}

/**
 * Checks the fields every layer relies on and returns the Content-Length (null if absent).
 * Order matters only for which reason is reported when several are wrong.
 */
function validate(line: StartLine, headers: HeaderField[]): number | null {
  let viaCount = 0;
  let cseq: string | null = null;
  let callId: string | null = null;
  let from: string | null = null;
  let to: string | null = null;
  let maxForwards: string | null = null;
  let contentLength: string | null = null;
  // A second field of a single-valued header is remembered by name and reported below.
  let dup: string[] | null = null;
  for (const f of headers) {
    switch (f.name) {
      case 'Via':
        for (const item of splitList(f.value, true)) {
          if (item.length === 0) throw bad('Via', 'empty list element');
          parseViaAs(item, 'Via');
          viaCount++;
        }
        break;
      case 'CSeq':
        if (cseq !== null) (dup ??= []).push('CSeq');
        cseq = f.value;
        break;
      case 'Call-ID':
        if (callId !== null) (dup ??= []).push('Call-ID');
        callId = f.value;
        break;
      case 'From':
        if (from !== null) (dup ??= []).push('From');
        from = f.value;
        break;
      case 'To':
        if (to !== null) (dup ??= []).push('To');
        to = f.value;
        break;
      case 'Max-Forwards':
        if (maxForwards !== null) (dup ??= []).push('Max-Forwards');
        maxForwards = f.value;
        break;
      case 'Content-Length':
        if (contentLength !== null) (dup ??= []).push('Content-Length');
        contentLength = f.value;
        break;
      default:
        break;
    }
  }
  // §8.1.1 / §8.2.1 (and RFC 4475 §3.3.1 insuf, §3.3.8 multi01, §3.3.9 mcl01)
  if (viaCount === 0) throw new SipParseError(400, 'Missing Via');
  if (cseq === null) throw new SipParseError(400, 'Missing CSeq');
  if (dup?.includes('CSeq')) throw new SipParseError(400, 'Multiple CSeq');
  const parsedCSeq = parseCSeqAs(cseq, 'CSeq');
  if (line.kind === 'request' && parsedCSeq.method !== line.method) {
    // §8.1.1.5: the CSeq method MUST match the request method (RFC 4475 mismatch01/02).
    throw new SipParseError(400, 'CSeq method mismatch');
  }
  if (callId === null) throw new SipParseError(400, 'Missing Call-ID');
  if (dup?.includes('Call-ID')) throw new SipParseError(400, 'Multiple Call-ID');
  if (!isCallId(callId)) throw bad('Call-ID');
  if (from === null) throw new SipParseError(400, 'Missing From');
  if (dup?.includes('From')) throw new SipParseError(400, 'Multiple From');
  checkNameAddress(from, 'From');
  if (to === null) throw new SipParseError(400, 'Missing To');
  if (dup?.includes('To')) throw new SipParseError(400, 'Multiple To');
  checkNameAddress(to, 'To');
  if (line.kind === 'request' && maxForwards !== null) {
    // Absent Max-Forwards is tolerated: RFC 4475 §3.4.1 (inv2543) asks RFC 2543 requests to be
    // accepted for backward compatibility. A present one must be 0..255 (§20.22).
    if (dup?.includes('Max-Forwards')) throw new SipParseError(400, 'Multiple Max-Forwards');
    if (parseBoundedInt(trimWs(maxForwards), 255) < 0) throw bad('Max-Forwards');
  }
  if (contentLength === null) return null;
  if (dup?.includes('Content-Length')) throw new SipParseError(400, 'Multiple Content-Length');
  const cl = trimWs(contentLength);
  // Content-Length = 1*DIGIT (§20.14); RFC 4475 §3.1.2.3 ncl: negative or non-numeric → 400.
  const n = parseBoundedInt(cl, Number.MAX_SAFE_INTEGER);
  if (n < 0) {
    if (/^\d+$/.test(cl)) throw new SipParseError(400, 'Content-Length larger than message');
    throw bad('Content-Length');
  }
  return n;
}
