import { timingSafeEqual, createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Call, CallControl, IncomingLeg } from '../calls/call.js';
import { available } from '../domain/ledger.js';
import { tryNormalizePhoneNumber } from '../domain/phone-number.js';
import { RateTable } from '../domain/rating.js';
import { isDestinationAllowed, type DestinationRule } from '../domain/request-limits.js';
import type { Logger } from '../logger.js';
import { PROMPT_LANGUAGES, sayMoney, type PromptLanguage } from '../media/speech.js';
import {
  CALLBACK_FINAL_STATES,
  clearPasswordFailures,
  findAuthorizedCaller,
  recordCallbackRequest,
  recordPasswordFailure,
  type AuthorizedCaller,
  type CallbackState,
  type CallbackTarget,
} from '../store/callback.js';
import { answerCallLeg, endCallLeg, setRequestState, startCallLeg } from '../store/callnow.js';
import type { CallbackTriggerLimiter } from '../domain/callback-trigger-limits.js';
import type { Metrics } from '../metrics.js';
import { checkCallAllowed } from '../store/account-limits.js';
import { readCreditState } from '../store/credit-accounts.js';
import type { Database } from '../store/schema.js';
import type { WriteBatcher } from '../store/write-batcher.js';
import { connectPaidCall } from './paid-call.js';

export interface CallbackFlowSettings {
  /** How long the traveller's phone rings when we call back. */
  callbackRingSeconds: number;
  /** How long the destination rings. */
  destinationRingSeconds: number;
  /** Password tries within one call. */
  passwordTries: number;
  /** Wrong passwords in a row (across calls) before the CallerID is locked out... */
  lockAfterFailures: number;
  /** ...for this long. */
  lockMs: number;
  /** Tries at entering a destination that can be called. */
  destinationTries: number;
  maxCallSeconds: number;
}

export const DEFAULT_CALLBACK_SETTINGS: CallbackFlowSettings = {
  callbackRingSeconds: 45,
  destinationRingSeconds: 45,
  passwordTries: 3,
  lockAfterFailures: 6,
  lockMs: 30 * 60_000,
  destinationTries: 3,
  maxCallSeconds: 2 * 3600,
};

export interface CallbackDependencies {
  db: Kysely<Database>;
  writes: WriteBatcher;
  calls: CallControl;
  destinationRules: readonly DestinationRule[];
  logger: Logger;
  settings: CallbackFlowSettings;
  /** Velocity limits on callbacks (per number called back, per extension). */
  triggerLimiter: CallbackTriggerLimiter;
  metrics: Metrics;
  clock: () => number;
  /** Waits; injectable so tests need not sit through ring times. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * A callback extension (SPEC §3): someone rings one of its numbers; we let it ring for
 * `ringSeconds` and refuse it without answering (486 Busy Here: the caller's network
 * plays busy, and an unanswered call costs the caller nothing), then call back — an
 * authorized CallerID, any caller to their own number, or always the fixed number — ask
 * for the password, say the remaining credit, take the destination on the keypad, and
 * connect it through the trunk for as long as the credit lasts.
 */
export async function handleCallbackTrigger(deps: CallbackDependencies, target: CallbackTarget, incoming: IncomingLeg): Promise<void> {
  const { settings } = target;
  const log = deps.logger.child({ extension: target.extension.number, caller: incoming.callerId ?? 'withheld' });
  const language = promptLanguage(settings.language);

  // 1. Ring, then refuse without answering.
  incoming.ring();
  await Promise.race([wait(deps, settings.ringSeconds * 1000), incoming.abandoned]);
  incoming.reject('busy');

  // 2. Whom to call back, and who pays.
  const caller = incoming.callerId === null ? null : tryNormalizePhoneNumber(incoming.callerId, target.defaultCountry);
  const callerNumber = caller?.ok ? caller.e164 : null;
  const authorized = callerNumber === null ? null : await findAuthorizedCaller(deps.db, target.extension.id, callerNumber);
  let decision = whomToCallBack(target, callerNumber, authorized, deps.clock());
  if (!('refusal' in decision)) {
    // The licence's caps, before a call back that could not be connected.
    const limits = await checkCallAllowed(deps.db, target.extension.accountId, 'start', deps.clock());
    if (!limits.allowed) {
      log.warn({ account: target.extension.accountId, capped: limits.accountId, reason: limits.reason }, 'callback refused by the licence');
      decision = { refusal: limits.reason };
    }
  }
  if (!('refusal' in decision)) {
    // Counted only for a callback we would place: refused triggers cost nothing.
    const admitted = deps.triggerLimiter.admit({ extensionId: target.extension.id, number: decision.number }, deps.clock());
    if (!admitted.allowed) {
      log.warn({ reason: admitted.reason, retryAfterSeconds: admitted.retryAfterSeconds }, 'callback refused by the velocity limit');
      decision = { refusal: admitted.reason };
    }
  }
  const creditAccountId = authorized?.active ? authorized.creditAccountId : target.extension.creditAccountId;
  const requestId = await deps.writes.run((db) =>
    recordCallbackRequest(
      db,
      {
        accountId: target.extension.accountId,
        extensionId: target.extension.id,
        authorizedCallerIdId: authorized?.id ?? null,
        requesterNumber: callerNumber,
        creditAccountId,
        language,
        state: 'refusal' in decision ? 'refused' : 'received',
        reason: 'refusal' in decision ? decision.refusal : null,
      },
      deps.clock,
    ),
  );
  deps.metrics.requestTakenIn('callback', 'refusal' in decision ? decision.refusal : null);
  if ('refusal' in decision) {
    log.info({ reason: decision.refusal, request: requestId }, 'no callback');
    return;
  }
  const trunk = target.trunk;
  if (!trunk) {
    log.error({ request: requestId }, 'no trunk to call back through');
    await setState(deps, requestId, 'failed', 'unavailable');
    return;
  }

  // 3. Call back, showing the extension's number so the traveller knows who calls.
  await setState(deps, requestId, 'calling-back');
  const leg = await deps.writes.run((db) =>
    startCallLeg(
      db,
      {
        requestId,
        accountId: target.extension.accountId,
        role: 'callback',
        direction: 'outbound',
        fromNumber: target.extension.externalNumber,
        toNumber: decision.number,
        extensionId: target.extension.id,
        trunkId: trunk.id,
        creditAccountId,
      },
      deps.clock,
    ),
  );
  const back = await deps.calls.callNumber(decision.number, {
    trunk,
    callerId: target.extension.externalNumber,
    ringSeconds: deps.settings.callbackRingSeconds,
  });
  if (!back.answered) {
    await deps.writes.run((db) => endCallLeg(db, leg, { cause: back.cause, endedAtMs: deps.clock(), durationSeconds: 0 }));
    await setState(deps, requestId, 'callback-no-answer', back.cause);
    return;
  }
  const traveller = back.call;
  await deps.writes.run((db) => answerCallLeg(db, leg, traveller.id, traveller.answeredAt));
  void traveller.ended.then((end) =>
    deps.writes.run((db) => endCallLeg(db, leg, { cause: end.cause, endedAtMs: end.at, durationSeconds: Math.ceil((end.at - traveller.answeredAt) / 1000) })),
  );

  try {
    await talkToTraveller(deps, target, { requestId, traveller, authorized, creditAccountId, language, log });
  } catch (error) {
    log.error({ err: error, request: requestId }, 'callback failed');
    await setState(deps, requestId, 'failed', 'internal-error').catch(() => undefined);
  } finally {
    await traveller.hangup();
  }
}

type CallBackDecision = { number: string } | { refusal: string };

function whomToCallBack(target: CallbackTarget, callerNumber: string | null, authorized: AuthorizedCaller | null, nowMs: number): CallBackDecision {
  if (authorized?.lockedUntil && Date.parse(authorized.lockedUntil) > nowMs) return { refusal: 'locked-out' };
  switch (target.settings.returnMode) {
    case 'authorized':
      if (callerNumber === null) return { refusal: 'callerid-withheld' };
      if (!authorized) return { refusal: 'not-authorized' };
      if (!authorized.active) return { refusal: 'callerid-inactive' };
      return { number: callerNumber };
    case 'callerid':
      return callerNumber === null ? { refusal: 'callerid-withheld' } : { number: callerNumber };
    case 'fixed':
      return target.settings.fixedNumber ? { number: target.settings.fixedNumber } : { refusal: 'no-fixed-number' };
  }
}

interface Conversation {
  requestId: number;
  traveller: Call;
  authorized: AuthorizedCaller | null;
  creditAccountId: number;
  language: PromptLanguage;
  log: Logger;
}

async function talkToTraveller(deps: CallbackDependencies, target: CallbackTarget, talk: Conversation): Promise<void> {
  const { traveller, language, requestId } = talk;
  const { settings } = target;

  // 4. The password: the CallerID's own, or the extension's.
  const password = settings.perCallerIdPassword && talk.authorized?.password ? talk.authorized.password : settings.password;
  if (password) {
    await setState(deps, requestId, 'authenticating');
    if (!(await checkPassword(deps, talk, password))) {
      await setState(deps, requestId, 'wrong-password', traveller.signal.aborted ? 'hung-up' : 'wrong-password');
      return;
    }
  }

  // 5. The remaining credit, when the extension offers it.
  if (settings.creditInquiry) {
    const credit = available(await readCreditState(deps.db, talk.creditAccountId));
    const currency = (await deps.db.selectFrom('settings').select('value').where('key', '=', 'currency').executeTakeFirst())?.value ?? 'USD';
    const amount = credit === 'unlimited' ? ['credit-unlimited'] : ['remaining-credit-is', ...sayMoney(Math.max(0, credit), currency, language)];
    await traveller.say({ prompts: amount, language, bargeIn: true });
  }

  // 6. The destination, on the keypad; `#` ends it.
  await setState(deps, requestId, 'dialling');
  for (let attempt = 1; attempt <= deps.settings.destinationTries; attempt++) {
    if (traveller.signal.aborted) return;
    await traveller.say({ prompts: ['enter-number'], language, bargeIn: true });
    const typed = await traveller.collectDigits({ maxLength: 20, terminator: '#', timeoutMs: settings.dialTimeoutSeconds * 1000, interDigitTimeoutMs: 5_000 });
    if (typed.reason === 'aborted') return;
    if (typed.digits === '') continue;
    const number = tryNormalizePhoneNumber(typed.digits, target.defaultCountry);
    const rate = number.ok ? new RateTable(target.rates).lookup(number.e164) : null;
    if (!number.ok || !rate || !isDestinationAllowed(number.e164, deps.destinationRules)) {
      talk.log.info({ typed: typed.digits, request: requestId }, 'destination cannot be called');
      if (number.ok && rate && !isDestinationAllowed(number.e164, deps.destinationRules)) deps.metrics.fraudGuardRefusals.inc({ kind: 'callback', reason: 'number-not-allowed' });
      await traveller.say({ prompts: ['destination-blocked'], language });
      continue;
    }

    // 7. Call it, for as long as the credit lasts.
    await setState(deps, requestId, 'calling-destination', null, number.e164);
    const paid = await connectPaidCall(deps, {
      caller: traveller,
      destination: number.e164,
      rate,
      trunk: target.trunk!,
      callerId: target.extension.externalNumber,
      ringSeconds: deps.settings.destinationRingSeconds,
      maxCallSeconds: deps.settings.maxCallSeconds,
      creditAccountId: talk.creditAccountId,
      language,
      exhaustedSound: { prompts: [settings.creditExhaustedSound ?? 'credit-exhausted'], account: target.extension.accountId, fallback: 'credit-exhausted' },
      record: { requestId, accountId: target.extension.accountId, extensionId: target.extension.id, role: 'destination', callerRole: 'traveller' },
      actor: `callback ${requestId}`,
      onDialling: () => Promise.resolve(),
      onConnected: () => setState(deps, requestId, 'connected'),
    });
    if (paid.outcome === 'no-credit') {
      await traveller.say({ prompts: ['credit-insufficient', 'goodbye'], language });
      await setState(deps, requestId, 'destination-refused', 'out-of-credit');
      return;
    }
    if (paid.outcome === 'limited') {
      talk.log.warn({ request: requestId, account: target.extension.accountId, reason: paid.reason }, 'destination refused by the licence');
      deps.metrics.fraudGuardRefusals.inc({ kind: 'callback', reason: paid.reason });
      await traveller.say({ prompts: ['try-again-later', 'goodbye'], language });
      await setState(deps, requestId, 'destination-refused', paid.reason);
      return;
    }
    if (paid.outcome === 'not-answered') {
      if (!traveller.signal.aborted) await traveller.say({ prompts: ['try-again-later', 'goodbye'], language });
      await setState(deps, requestId, 'destination-no-answer', paid.cause);
      return;
    }
    await setState(deps, requestId, 'completed', paid.spendCapReached ? 'daily-spend-cap' : paid.creditExhausted ? 'credit-exhausted' : null, undefined, paid.costMicros);
    return;
  }
  await traveller.say({ prompts: ['goodbye'], language });
  await setState(deps, requestId, 'destination-refused', 'no-destination');
}

/** Up to `passwordTries` tries; wrong ones count against the CallerID across calls. */
async function checkPassword(deps: CallbackDependencies, talk: Conversation, password: string): Promise<boolean> {
  const { traveller, language } = talk;
  for (let attempt = 1; attempt <= deps.settings.passwordTries; attempt++) {
    await traveller.say({ prompts: ['enter-password'], language, bargeIn: true });
    const typed = await traveller.collectDigits({ maxLength: 20, terminator: '#', timeoutMs: 15_000, interDigitTimeoutMs: 5_000 });
    if (typed.reason === 'aborted') return false;
    if (samePassword(typed.digits, password)) {
      if (talk.authorized) {
        const id = talk.authorized.id;
        await deps.writes.run((db) => clearPasswordFailures(db, id));
      }
      return true;
    }
    if (talk.authorized) {
      const id = talk.authorized.id;
      const locked = await deps.writes.run((db) => recordPasswordFailure(db, id, deps.clock(), { lockAfter: deps.settings.lockAfterFailures, lockMs: deps.settings.lockMs }));
      if (locked) {
        talk.log.warn({ request: talk.requestId }, 'CallerID locked out after repeated wrong passwords');
        await traveller.say({ prompts: ['too-many-attempts', 'goodbye'], language });
        return false;
      }
    }
    if (attempt < deps.settings.passwordTries) await traveller.say({ prompts: ['wrong-password'], language });
  }
  await traveller.say({ prompts: ['too-many-attempts', 'goodbye'], language });
  return false;
}

/** Compares in constant time (digests of equal length), so timing says nothing about the password. */
function samePassword(typed: string, password: string): boolean {
  const a = createHash('sha256').update(typed).digest();
  const b = createHash('sha256').update(password).digest();
  return timingSafeEqual(a, b);
}

function promptLanguage(language: string): PromptLanguage {
  return (PROMPT_LANGUAGES as readonly string[]).includes(language) ? (language as PromptLanguage) : 'en';
}

function setState(
  deps: CallbackDependencies,
  requestId: number,
  state: CallbackState,
  reason: string | null = null,
  destinationNumber?: string,
  costMicros?: number,
): Promise<void> {
  // The request record is written with its first state; only what moves it on to the end is counted here.
  if (CALLBACK_FINAL_STATES.has(state)) deps.metrics.requestsEnded.inc({ kind: 'callback', state });
  return deps.writes.run((db) =>
    setRequestState(
      db,
      requestId,
      { state, reason, ...(destinationNumber !== undefined ? { destinationNumber } : {}), ...(costMicros !== undefined ? { costMicros } : {}) },
      deps.clock,
    ),
  );
}

function wait(deps: CallbackDependencies, ms: number): Promise<void> {
  if (deps.sleep) return deps.sleep(ms);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
