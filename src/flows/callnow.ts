import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Call, CallControl, Originated } from '../calls/call.js';
import { decideCallnow, normalizeRequesterName } from '../domain/callnow.js';
import { available } from '../domain/ledger.js';
import { tryNormalizePhoneNumber } from '../domain/phone-number.js';
import { maxAffordableSeconds, RateTable, type Rate } from '../domain/rating.js';
import { clientAddressKey, isDestinationAllowed, type DestinationRule, type RequestLimiter } from '../domain/request-limits.js';
import { isOpenAt } from '../domain/time-interval.js';
import type { Logger } from '../logger.js';
import { sayDigits, type PromptLanguage, PROMPT_LANGUAGES } from '../media/speech.js';
import {
  answerCallLeg,
  endCallLeg,
  findByIdempotencyKey,
  FINAL_STATES,
  recordCallnowRequest,
  setRequestState,
  startCallLeg,
  type CallnowRequestRecord,
  type CallnowState,
  type CallnowTarget,
} from '../store/callnow.js';
import { checkCallAllowed } from '../store/account-limits.js';
import { readCreditState } from '../store/credit-accounts.js';
import type { Database } from '../store/schema.js';
import type { WriteBatcher } from '../store/write-batcher.js';
import { connectPaidCall } from './paid-call.js';
import type { RequestEvents } from './request-events.js';
import type { Metrics } from '../metrics.js';

export interface CallnowSettings {
  /** How long the owner's phone rings. */
  ownerRingSeconds: number;
  /** How long the requester's phone rings. */
  requesterRingSeconds: number;
  /** How long the owner has to press 1 or 2. */
  confirmTimeoutMs: number;
  /** The longest call we connect, whatever the credit (an unlimited account too). */
  maxCallSeconds: number;
}

export const DEFAULT_CALLNOW_SETTINGS: CallnowSettings = {
  ownerRingSeconds: 30,
  requesterRingSeconds: 45,
  confirmTimeoutMs: 10_000,
  maxCallSeconds: 2 * 3600,
};

export interface CallnowDependencies {
  /** For reads. */
  db: Kysely<Database>;
  /** Every write goes here: small writes of many requests share a commit. */
  writes: WriteBatcher;
  calls: CallControl;
  limiter: RequestLimiter;
  metrics: Metrics;
  destinationRules: readonly DestinationRule[];
  events: RequestEvents;
  logger: Logger;
  settings: CallnowSettings;
  clock: () => number;
}

/** What the public page sent. */
export interface CallnowSubmission {
  name: string;
  phone: string;
  clientAddress: string;
  /** The page's language (the caller's choice, or the owner's). */
  language: string;
  /** A form posted twice, or a retried API call, carries the same key. */
  idempotencyKey: string | null;
}

/** Problems with the form itself: shown next to the field, nothing is recorded. */
export type SubmissionProblem = { field: 'phone'; reason: 'invalid-phone'; message: string } | { field: 'name'; reason: 'name-required' };

export type SubmissionResult =
  | { kind: 'invalid'; problem: SubmissionProblem }
  | { kind: 'limited'; reason: string; retryAfterSeconds: number }
  | { kind: 'recorded'; request: CallnowRequestRecord; created: boolean };

/**
 * A CallNow request (SPEC §2), from the form to the end of the call. Checks come first
 * and refuse at once with a reason the page shows; an accepted request then rings the
 * owner, asks them to press 1 when confirmation is wanted, calls the requester through
 * the trunk with the extension's number as caller ID, connects both, and charges the
 * owner's account for the requester's leg.
 */
export async function submitCallnowRequest(deps: CallnowDependencies, target: CallnowTarget, submission: CallnowSubmission): Promise<SubmissionResult> {
  const phone = tryNormalizePhoneNumber(submission.phone, target.defaultCountry);
  if (!phone.ok) return { kind: 'invalid', problem: { field: 'phone', reason: 'invalid-phone', message: phone.reason } };
  const number = phone.e164;
  const name = normalizeRequesterName(submission.name);
  if (target.preferences.askName && name === null) return { kind: 'invalid', problem: { field: 'name', reason: 'name-required' } };

  // A form posted twice is the request already made: not counted, checked or dialled again.
  if (submission.idempotencyKey !== null) {
    const earlier = await findByIdempotencyKey(deps.db, submission.idempotencyKey);
    if (earlier) return { kind: 'recorded', request: earlier, created: false };
  }
  const now = deps.clock();
  const admitted = deps.limiter.admit({ address: clientAddressKey(submission.clientAddress), number, callnowId: target.callnowId }, now);
  if (!admitted.allowed) {
    deps.metrics.fraudGuardRefusals.inc({ kind: 'callnow', reason: admitted.reason });
    return { kind: 'limited', reason: admitted.reason, retryAfterSeconds: admitted.retryAfterSeconds };
  }

  const refusal = await refusalOf(deps, target, number, name, now);
  const language = pageLanguage(submission.language);
  const recorded = await deps.writes.run((db) =>
    recordCallnowRequest(
      db,
      {
        accountId: target.extension.accountId,
        extensionId: target.extension.id,
        creditAccountId: target.extension.creditAccountId,
        requesterName: name,
        requesterNumber: number,
        clientAddress: submission.clientAddress,
        language,
        state: refusal ? 'refused' : 'received',
        reason: refusal,
        idempotencyKey: submission.idempotencyKey,
      },
      deps.clock,
    ),
  );
  if (recorded.created) deps.metrics.requestTakenIn('callnow', refusal);
  // The owner's portal list shows every new request, the refused ones too.
  if (recorded.created) deps.events.publishForExtension(target.extension.id, { requestId: recorded.request.id, state: recorded.request.state, reason: recorded.request.reason });
  if (recorded.created && !refusal) {
    const rate = new RateTable(target.rates).lookup(number);
    // Checked by refusalOf; kept for the type.
    if (rate) {
      void connectCallnow(deps, target, recorded.request, rate, decideConfirm(deps, target, number, name)).catch((error: unknown) => {
        deps.logger.error({ err: error, request: recorded.request.id }, 'CallNow request failed');
      });
    }
  }
  return { kind: 'recorded', request: recorded.request, created: recorded.created };
}

/** An idempotency key for the one-step URL: the same person asking again within ten minutes is one request. */
export function oneStepKey(callnowId: string, phone: string, clientAddress: string, nowMs: number): string {
  const bucket = Math.floor(nowMs / 600_000);
  return `one-step:${createHash('sha256').update(`${callnowId}\n${phone}\n${clientAddress}\n${bucket}`).digest('base64url')}`;
}

function pageLanguage(language: string): PromptLanguage {
  return (PROMPT_LANGUAGES as readonly string[]).includes(language) ? (language as PromptLanguage) : 'en';
}

/** Why the request cannot be placed now, in the product's words; null when it can. */
async function refusalOf(deps: CallnowDependencies, target: CallnowTarget, number: string, name: string | null, now: number): Promise<string | null> {
  if (!isDestinationAllowed(number, deps.destinationRules)) return 'number-not-allowed';
  const rate = new RateTable(target.rates).lookup(number);
  if (!rate) return 'number-not-allowed';
  if (!target.trunk) return 'unavailable';
  const decision = decideCallnow({
    preferences: target.preferences,
    rules: target.rules,
    requester: { number, name },
    ownerAvailable: target.availability === null || isOpenAt(target.availability, new Date(now)),
    ownerOnThePhone: deps.calls.isOnThePhone(target.extension.number),
  });
  if (decision.outcome === 'refuse') return decision.reason;
  const credit = available(await readCreditState(deps.db, target.extension.creditAccountId));
  if (credit !== 'unlimited' && maxAffordableSeconds(rate, credit) === 0) return 'out-of-credit';
  // The licence's caps, before the owner is rung for a call that could not be connected.
  const limits = await checkCallAllowed(deps.db, target.extension.accountId, 'start', now);
  if (!limits.allowed) {
    deps.logger.warn({ account: target.extension.accountId, capped: limits.accountId, reason: limits.reason, callnowId: target.callnowId }, 'CallNow request refused by the licence');
    return limits.reason;
  }
  return null;
}

function decideConfirm(deps: CallnowDependencies, target: CallnowTarget, number: string, name: string | null): boolean {
  const decision = decideCallnow({
    preferences: target.preferences,
    rules: target.rules,
    requester: { number, name },
    ownerAvailable: true,
    ownerOnThePhone: false,
  });
  return decision.outcome === 'call' ? decision.confirm : true;
}

/** The prompts' language for the owner: theirs when fixed, else English. */
function ownerLanguage(target: CallnowTarget): PromptLanguage {
  return pageLanguage(target.preferences.language);
}

async function connectCallnow(deps: CallnowDependencies, target: CallnowTarget, request: CallnowRequestRecord, rate: Rate, confirm: boolean): Promise<void> {
  const { calls, settings, clock } = deps;
  const write = <T>(work: (db: Kysely<Database>) => Promise<T>) => deps.writes.run(work);
  const state = async (next: CallnowState, reason: string | null = null, costMicros?: number) => {
    await write((db) => setRequestState(db, request.id, { state: next, reason, ...(costMicros !== undefined ? { costMicros } : {}) }, clock));
    deps.events.publish(request.publicToken, { state: next, reason, ...(costMicros !== undefined ? { costMicros } : {}) });
    deps.events.publishForExtension(target.extension.id, { requestId: request.id, state: next, reason });
    if (FINAL_STATES.has(next)) deps.metrics.requestsEnded.inc({ kind: 'callnow', state: next });
  };
  const ownerLegOf = (toNumber: string) =>
    write((db) =>
      startCallLeg(
        db,
        {
          requestId: request.id,
          accountId: target.extension.accountId,
          role: 'owner',
          direction: 'outbound',
          fromNumber: request.requesterNumber,
          toNumber,
          extensionId: target.extension.id,
          trunkId: null,
          creditAccountId: null,
        },
        clock,
      ),
    );
  const endLeg = (legId: number, end: Parameters<typeof endCallLeg>[2]) => write((db) => endCallLeg(db, legId, end));
  const language = ownerLanguage(target);
  let owner: Call | null = null;
  let ringing: Promise<Originated> | null = null;
  try {
    // 1. Ring the owner, showing who asks (the INVITE goes out before we write about it).
    ringing = calls.callExtension(target.extension.number, {
      caller: { name: request.requesterName, number: request.requesterNumber },
      ringSeconds: settings.ownerRingSeconds,
    });
    const [ownerLeg] = await Promise.all([ownerLegOf(target.extension.number), state('calling-owner')]);
    const ownerCall = await ringing;
    if (!ownerCall.answered) {
      await endLeg(ownerLeg, { cause: ownerCall.cause, endedAtMs: clock(), durationSeconds: 0 });
      await (ownerCall.cause === 'declined' || ownerCall.cause === 'busy' ? state('owner-declined', ownerCall.cause) : state('owner-no-answer', ownerCall.cause));
      return;
    }
    owner = ownerCall.call;
    await write((db) => answerCallLeg(db, ownerLeg, owner!.id, owner!.answeredAt));
    void owner.ended.then((end) =>
      endLeg(ownerLeg, { cause: end.cause, endedAtMs: end.at, durationSeconds: Math.ceil((end.at - owner!.answeredAt) / 1000) }),
    );

    // 2. "Call request from 0412 345 678. Press 1 to accept, 2 to decline."
    if (confirm) {
      await owner.say({ prompts: ['call-request-from', ...sayDigits(request.requesterNumber, language), 'press-1-accept-2-decline'], language, bargeIn: true });
      const pressed = await owner.collectDigits({ maxLength: 1, terminator: '', timeoutMs: settings.confirmTimeoutMs });
      if (pressed.digits !== '1') {
        if (pressed.reason !== 'aborted') await owner.say({ prompts: ['request-declined', 'goodbye'], language });
        await owner.hangup();
        await state('owner-declined', pressed.reason === 'aborted' ? 'hung-up' : pressed.digits === '' ? 'no-answer' : 'declined');
        return;
      }
    }

    // 3. Call the requester with the owner's number, connect both, and charge the owner.
    const paid = await connectPaidCall(deps, {
      caller: owner,
      destination: request.requesterNumber,
      rate,
      trunk: target.trunk!,
      callerId: target.extension.externalNumber,
      ringSeconds: settings.requesterRingSeconds,
      maxCallSeconds: settings.maxCallSeconds,
      creditAccountId: target.extension.creditAccountId,
      language,
      exhaustedSound: { prompts: ['credit-exhausted'] },
      record: { requestId: request.id, accountId: target.extension.accountId, extensionId: target.extension.id, role: 'requester', callerRole: 'owner' },
      actor: `callnow ${request.id}`,
      onDialling: () => state('calling-requester'),
      onConnected: () => state('connected'),
    });
    if (paid.outcome === 'no-credit') {
      await owner.say({ prompts: ['credit-insufficient', 'goodbye'], language });
      await owner.hangup();
      await state('failed', 'out-of-credit');
      return;
    }
    if (paid.outcome === 'limited') {
      deps.logger.warn({ request: request.id, account: target.extension.accountId, reason: paid.reason }, 'CallNow call refused by the licence');
      deps.metrics.fraudGuardRefusals.inc({ kind: 'callnow', reason: paid.reason });
      await owner.say({ prompts: ['try-again-later', 'goodbye'], language });
      await owner.hangup();
      await state('failed', paid.reason);
      return;
    }
    if (paid.outcome === 'not-answered') {
      if (!owner.signal.aborted) {
        await owner.say({ prompts: ['try-again-later', 'goodbye'], language });
        await owner.hangup();
      }
      await state('requester-no-answer', paid.cause);
      return;
    }
    await owner.hangup();
    await state('completed', paid.spendCapReached ? 'daily-spend-cap' : paid.creditExhausted ? 'credit-exhausted' : null, paid.costMicros);
  } catch (error) {
    deps.logger.error({ err: error, request: request.id }, 'CallNow call failed');
    // A failure while the owner's phone rang must not leave it to be answered into silence.
    if (!owner && ringing) {
      const late = await ringing.catch(() => null);
      if (late?.answered) owner = late.call;
    }
    await owner?.hangup().catch(() => undefined);
    await state('failed', 'internal-error').catch(() => undefined);
  }
}

