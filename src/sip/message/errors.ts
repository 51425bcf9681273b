import type { HeaderField } from './types.js';

/** What could be read of a request before parsing failed, so a 4xx can still be built. */
export interface PartialRequest {
  method: string;
  headers: HeaderField[];
}

/**
 * Thrown for any message the parser refuses. `status` is the response a UAS should send for a
 * request (400, 413, 416, 505); for responses (`request === null`) the caller simply drops it
 * (RFC 3261 §18.1.2 / §18.2.1).
 */
export class SipParseError extends Error {
  readonly status: number;
  /** Short text usable as a Reason-Phrase: printable, no CR/LF (RFC 3261 §25.1 Reason-Phrase). */
  readonly reason: string;
  request: PartialRequest | null;

  constructor(status: number, reason: string, request: PartialRequest | null = null, detail?: string) {
    const clean = cleanReason(reason);
    super(detail === undefined ? `${status} ${clean}` : `${status} ${clean}: ${detail}`);
    this.name = 'SipParseError';
    this.status = status;
    this.reason = clean;
    this.request = request;
  }
}

/** Keep reasons short and safe to put on a status line. */
function cleanReason(reason: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = reason.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
  return flat.length > 80 ? flat.slice(0, 80) : flat;
}

/** Shorthand used throughout the layer for a syntax error (400) naming the element at fault. */
export function bad(what: string, detail?: string): SipParseError {
  return new SipParseError(400, `Invalid ${what}`, null, detail);
}
