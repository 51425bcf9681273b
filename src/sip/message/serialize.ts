/**
 * SipMessage → wire bytes (RFC 3261 §7), and building responses from requests (§8.2.6).
 */
import { checkNameAddress } from './address.js';
import type { SipParseError } from './errors.js';
import { isToken } from './syntax.js';
import type { HeaderField, SipRequest, SipResponse, SipMessage } from './types.js';
import { formatUri } from './uri.js';

const PHRASES: Record<number, string> = {
  100: 'Trying', 180: 'Ringing', 181: 'Call Is Being Forwarded', 182: 'Queued', 183: 'Session Progress',
  199: 'Early Dialog Terminated',
  200: 'OK', 202: 'Accepted', 204: 'No Notification',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Moved Temporarily', 305: 'Use Proxy',
  380: 'Alternative Service',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required',
  408: 'Request Timeout', 410: 'Gone', 412: 'Conditional Request Failed', 413: 'Request Entity Too Large',
  414: 'Request-URI Too Long', 415: 'Unsupported Media Type', 416: 'Unsupported URI Scheme',
  417: 'Unknown Resource-Priority', 420: 'Bad Extension', 421: 'Extension Required',
  422: 'Session Interval Too Small', 423: 'Interval Too Brief', 428: 'Use Identity Header',
  429: 'Provide Referrer Identity', 433: 'Anonymity Disallowed', 436: 'Bad Identity-Info',
  437: 'Unsupported Certificate', 438: 'Invalid Identity Header', 439: 'First Hop Lacks Outbound Support',
  440: 'Max-Breadth Exceeded', 469: 'Bad Info Package', 470: 'Consent Needed',
  480: 'Temporarily Unavailable', 481: 'Call/Transaction Does Not Exist', 482: 'Loop Detected',
  483: 'Too Many Hops', 484: 'Address Incomplete', 485: 'Ambiguous', 486: 'Busy Here',
  487: 'Request Terminated', 488: 'Not Acceptable Here', 489: 'Bad Event', 491: 'Request Pending',
  493: 'Undecipherable', 494: 'Security Agreement Required',
  500: 'Server Internal Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
  504: 'Server Time-out', 505: 'Version Not Supported', 513: 'Message Too Large',
  555: 'Push Notification Service Not Supported', 580: 'Precondition Failure',
  600: 'Busy Everywhere', 603: 'Decline', 604: 'Does Not Exist Anywhere', 606: 'Not Acceptable',
  607: 'Unwanted', 608: 'Rejected',
};

const CLASS_PHRASES = ['', 'Provisional', 'Success', 'Redirection', 'Client Error', 'Server Error', 'Global Failure'];

/** Standard reason phrase (RFC 3261 §21 and later RFCs), else a generic one for the class. */
export function reasonPhrase(status: number): string {
  return PHRASES[status] ?? CLASS_PHRASES[Math.floor(status / 100)] ?? 'Unknown';
}

/** Replaces line breaks (and the folding after them) by one SP, so no value can forge a line. */
function oneLine(value: string): string {
  return /[\r\n]/.test(value) ? value.replace(/[\r\n]+[ \t]*/g, ' ') : value;
}

/**
 * Start line, header fields in order, a Content-Length equal to the body length (replacing any
 * present, at the first one's position, else appended), the empty line, the body (§7, §20.14).
 */
export function serializeMessage(msg: SipMessage): Buffer {
  if (msg.kind === 'request' && !isToken(msg.method)) throw new TypeError(`invalid SIP method: ${JSON.stringify(msg.method)}`);
  let head =
    msg.kind === 'request'
      ? `${msg.method} ${formatUri(msg.uri)} SIP/2.0\r\n`
      : `SIP/2.0 ${msg.status} ${oneLine(msg.reason)}\r\n`;
  const length = `Content-Length: ${msg.body.length}\r\n`;
  let lengthWritten = false;
  for (const f of msg.headers) {
    if (f.name.length === 14 || f.name.length === 1) {
      const lower = f.name.toLowerCase();
      if (lower === 'content-length' || lower === 'l') {
        if (!lengthWritten) head += length;
        lengthWritten = true;
        continue;
      }
    }
    if (!isToken(f.name)) throw new TypeError(`invalid SIP header name: ${JSON.stringify(f.name)}`);
    head += `${f.name}: ${oneLine(f.value)}\r\n`;
  }
  if (!lengthWritten) head += length;
  head += '\r\n';
  const headBytes = Buffer.from(head, 'utf8');
  return msg.body.length === 0 ? headBytes : Buffer.concat([headBytes, msg.body], headBytes.length + msg.body.length);
}

export interface ResponseOptions {
  /** Added to To when it has none, for every status but 100 (§8.2.6.2). */
  toTag?: string;
  /** Extra fields appended after the copied ones. */
  headers?: HeaderField[];
  body?: Buffer;
  contentType?: string;
}

/**
 * Builds a response to `request` per §8.2.6: all Via in order, From, To (with `toTag` added when
 * To has no tag, never on 100 Trying), Call-ID, CSeq, and Timestamp when present (§8.2.6.1).
 * Record-Route copying for dialog-creating responses is left to the dialog layer (§12.1.1).
 */
export function createResponse(
  request: SipRequest,
  status: number,
  reason?: string,
  options: ResponseOptions = {},
): SipResponse {
  if (!Number.isInteger(status) || status < 100 || status > 699) throw new RangeError(`invalid SIP status ${status}`);
  const headers: HeaderField[] = [];
  for (const f of request.headers) {
    switch (f.name) {
      case 'Via':
      case 'From':
      case 'Call-ID':
      case 'CSeq':
      case 'Timestamp':
        headers.push({ name: f.name, value: f.value });
        break;
      case 'To': {
        let value = f.value;
        if (options.toTag !== undefined && status !== 100 && !checkNameAddress(value, 'To').has('tag')) {
          value = `${value};tag=${options.toTag}`;
        }
        headers.push({ name: 'To', value });
        break;
      }
      default:
        break;
    }
  }
  if (options.headers !== undefined) for (const f of options.headers) headers.push({ name: f.name, value: f.value });
  const body: Buffer = options.body ?? Buffer.alloc(0);
  if (options.contentType !== undefined && !headers.some((f) => /^(content-type|c)$/i.test(f.name))) {
    headers.push({ name: 'Content-Type', value: options.contentType });
  }
  return { kind: 'response', status, reason: oneLine(reason ?? reasonPhrase(status)), headers, body };
}

/**
 * The response a UAS should send for a request the parser refused (400/413/416/505), built from
 * what could be read of it; null when nothing can be sent back: a refused response, no Via to
 * route it (§18.2.2), or an ACK, which never gets a response (§17.2.1).
 */
export function responseForParseError(err: SipParseError): SipResponse | null {
  const req = err.request;
  if (req === null || req.method === 'ACK') return null;
  const headers: HeaderField[] = [];
  const seen = new Set<string>();
  for (const f of req.headers) {
    if (f.name === 'Via') {
      headers.push({ name: f.name, value: f.value });
    } else if ((f.name === 'From' || f.name === 'To' || f.name === 'Call-ID' || f.name === 'CSeq') && !seen.has(f.name)) {
      seen.add(f.name);
      headers.push({ name: f.name, value: f.value });
    }
  }
  if (!headers.some((f) => f.name === 'Via')) return null;
  return { kind: 'response', status: err.status, reason: err.reason || reasonPhrase(err.status), headers, body: Buffer.alloc(0) };
}
