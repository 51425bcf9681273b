import { RequestLimiter, type WindowLimit } from './request-limits.js';

/**
 * Velocity limits on callback triggers (SPEC §7 fraud guard): each trigger makes us place a
 * call back through the carrier, so a caller ringing the number over and over (or a script
 * spoofing many CallerIDs at one extension) must not make us dial without end.
 */
export interface CallbackTriggerLimits {
  /** Callbacks to one number, from any extension. */
  perCaller: WindowLimit;
  /** Callbacks of one extension, to anyone. */
  perExtension: WindowLimit;
}

export const DEFAULT_CALLBACK_TRIGGER_LIMITS: CallbackTriggerLimits = Object.freeze({
  // A traveller who got cut off may ring again a few times; a loop may not.
  perCaller: Object.freeze({ max: 6, windowMs: 15 * 60_000 }),
  perExtension: Object.freeze({ max: 600, windowMs: 3600_000 }),
});

export type CallbackTriggerRefusal = 'too-many-callbacks-for-number' | 'too-many-callbacks-for-extension';

/**
 * The CallNow limiter's sliding windows, keyed by the number called back and by the
 * extension. A trigger has no client address of its own (they all come from the carrier), so
 * the address limits are set out of reach and every trigger is counted under its extension.
 */
export class CallbackTriggerLimiter {
  private readonly limiter: RequestLimiter;

  constructor(limits: CallbackTriggerLimits = DEFAULT_CALLBACK_TRIGGER_LIMITS) {
    const unlimited = { max: 10_000, windowMs: 1000 };
    this.limiter = new RequestLimiter({ perNumber: limits.perCaller, distinctNumbersPerAddress: unlimited, perAddress: unlimited, perCallnowId: limits.perExtension });
  }

  /** Counts the callback when both limits allow it; a refused one is not counted. */
  admit(trigger: { extensionId: number; number: string }, nowMs: number): { allowed: true } | { allowed: false; reason: CallbackTriggerRefusal; retryAfterSeconds: number } {
    const extension = `callback-extension ${trigger.extensionId}`;
    const result = this.limiter.admit({ address: extension, number: trigger.number, callnowId: extension }, nowMs);
    if (result.allowed) return result;
    return { allowed: false, reason: result.reason === 'too-many-for-number' ? 'too-many-callbacks-for-number' : 'too-many-callbacks-for-extension', retryAfterSeconds: result.retryAfterSeconds };
  }
}
