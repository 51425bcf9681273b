/**
 * Why a call did not connect, in the product's words (the pages and API show these).
 * Mapped from SIP final responses and transaction outcomes.
 */
export type FailureCause =
  | 'busy'
  | 'no-answer'
  | 'declined'
  | 'unavailable'
  | 'not-found'
  | 'rejected'
  | 'cancelled'
  | 'timeout'
  | 'network-error'
  | 'codec-mismatch';

export function causeOfStatus(status: number): FailureCause {
  if (status === 486 || status === 600) return 'busy';
  if (status === 603) return 'declined';
  if (status === 487) return 'cancelled';
  if (status === 408) return 'timeout';
  if (status === 480) return 'no-answer';
  if (status === 404 || status === 484 || status === 604 || status === 410) return 'not-found';
  if (status === 488 || status === 606) return 'codec-mismatch';
  if (status === 401 || status === 403 || status === 407) return 'rejected';
  if (status >= 500) return 'unavailable';
  return 'rejected';
}
