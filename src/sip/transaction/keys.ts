import { callId, cseq, fromHeader, tag, toHeader, topVia } from '../message/index.js';
import type { SipMessage, SipRequest } from '../message/types.js';

/** RFC 3261 §8.1.1.7: branches of RFC 3261 elements begin with this cookie. */
export const MAGIC_COOKIE = 'z9hG4bK';

/**
 * §17.1.3: a response matches a client transaction by the branch of its top Via and
 * its CSeq method (CANCEL and the INVITE it cancels share a branch).
 */
export function clientKey(message: SipMessage): string {
  const branch = topVia(message).params.get('branch') ?? '';
  return `${branch}|${cseq(message).method}`;
}

/**
 * §17.2.3: a request matches a server transaction by top-Via branch, sent-by and method,
 * where ACK matches the INVITE it acknowledges. Requests from RFC 2543 elements (no magic
 * cookie) fall back to the dialog identifiers, Call-ID and CSeq number.
 */
export function serverKey(request: SipRequest, methodOverride?: string): string {
  const via = topVia(request);
  const method = methodOverride ?? (request.method === 'ACK' ? 'INVITE' : request.method);
  const branch = via.params.get('branch');
  const sentBy = `${via.host}:${via.port ?? ''}`;
  if (branch?.startsWith(MAGIC_COOKIE)) return `${branch}|${sentBy}|${method}`;
  // ACK to a non-2xx carries the To tag of the response; the INVITE had none, so leave To out.
  return [
    'rfc2543',
    request.uri.host,
    tag(fromHeader(request)) ?? '',
    request.method === 'ACK' ? '' : (tag(toHeader(request)) ?? ''),
    callId(request),
    cseq(request).seq,
    sentBy,
    method,
  ].join('|');
}
