import type { Kysely } from 'kysely';
import type { Call, CallControl, Say } from '../calls/call.js';
import { DomainError } from '../domain/errors.js';
import { available } from '../domain/ledger.js';
import type { Micros } from '../domain/money.js';
import { billedSeconds, callCost, maxAffordableSeconds, type Rate } from '../domain/rating.js';
import type { PromptLanguage } from '../media/speech.js';
import type { TrunkTarget } from '../sip/ua/dialer.js';
import type { AccountLimitReason } from '../domain/account-limits.js';
import type { FlowKind, Metrics } from '../metrics.js';
import { checkCallAllowed } from '../store/account-limits.js';
import { answerCallLeg, endCallLeg, startCallLeg } from '../store/callnow.js';
import { readCreditState, reserveCredit, settleReservation } from '../store/credit-accounts.js';
import type { Database } from '../store/schema.js';
import type { WriteBatcher } from '../store/write-batcher.js';

export interface PaidCallDependencies {
  db: Kysely<Database>;
  writes: WriteBatcher;
  calls: CallControl;
  clock: () => number;
  metrics: Metrics;
}

export interface PaidCall {
  /** Who is on the line already and hears the prompts (the CallNow owner, the traveller). */
  caller: Call;
  /** Whom we call, E.164, and the rate its price comes from. */
  destination: string;
  rate: Rate;
  trunk: TrunkTarget & { id: number };
  /** Presented to the destination (From and P-Asserted-Identity). */
  callerId: string | null;
  ringSeconds: number;
  /** The longest call connected, whatever the credit. */
  maxCallSeconds: number;
  /** Whose credit pays. */
  creditAccountId: number;
  language: PromptLanguage;
  /** What the caller hears when the credit held runs out, before both are hung up. */
  exhaustedSound: Omit<Say, 'bargeIn' | 'language'>;
  /** For the CDR of the destination's leg. */
  record: { requestId: number; accountId: number; extensionId: number; role: 'requester' | 'destination'; callerRole: 'owner' | 'traveller' };
  /** Who the ledger names for the reservation and its capture. */
  actor: string;
  /** The destination is being called (its leg and the reservation are written). */
  onDialling(): Promise<void>;
  /** Both are talking. */
  onConnected(): Promise<void>;
}

/**
 * Admits the call and holds the credit for the longest call the balance affords, in one
 * transaction that also writes the destination's leg naming the hold: the organization's
 * caps (calls at once, spend today) are checked under the accounts' locks, so two calls
 * cannot both take the last place, and a spend cap shortens the hold to what is left of
 * today's cap. The balance is read before the hold is taken under the credit account's
 * lock, so another call on the same account may take the credit in between: then the hold
 * is refused and worked out again from the new balance, a few times, before the call is
 * refused for credit.
 */
async function admitAndHold(deps: PaidCallDependencies, call: PaidCall): Promise<{ reservationId: number; maxSeconds: number; legId: number; cappedBySpendCap: boolean } | { refused: 'no-credit' | AccountLimitReason }> {
  const longest = callCost(call.rate, call.maxCallSeconds);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const outcome = await deps.writes.run(async (db) => {
        const limits = await checkCallAllowed(db, call.record.accountId, 'connect', deps.clock());
        if (!limits.allowed) return { refused: limits.reason };
        const credit = available(await readCreditState(db, call.creditAccountId));
        const creditHold = credit === 'unlimited' ? longest : Math.min(credit, longest);
        const cappedBySpendCap = limits.spendRoomMicros !== null && limits.spendRoomMicros < creditHold;
        const hold = cappedBySpendCap ? (limits.spendRoomMicros as number) : creditHold;
        const affordable = maxAffordableSeconds(call.rate, hold);
        if (affordable === 0) {
          // Today's cap leaves less than the first increment: that is the cap's refusal, not the credit's.
          return { refused: cappedBySpendCap && maxAffordableSeconds(call.rate, creditHold) !== 0 ? ('daily-spend-cap' as const) : ('no-credit' as const) };
        }
        const { reservationId } = await reserveCredit(db, call.creditAccountId, hold, call.actor, { actor: call.actor, clock: deps.clock });
        const legId = await startCallLeg(
          db,
          {
            requestId: call.record.requestId,
            accountId: call.record.accountId,
            role: call.record.role,
            direction: 'outbound',
            fromNumber: call.callerId,
            toNumber: call.destination,
            extensionId: call.record.extensionId,
            trunkId: call.trunk.id,
            creditAccountId: call.creditAccountId,
            reservationId,
          },
          deps.clock,
        );
        return { reservationId, legId, cappedBySpendCap, maxSeconds: Math.min(affordable ?? call.maxCallSeconds, call.maxCallSeconds) };
      });
      return outcome;
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'insufficient_credit')) throw error;
    }
  }
  return { refused: 'no-credit' };
}

export type PaidCallResult =
  | { outcome: 'no-credit' }
  /** The organization's licence (or one above it) has no room for the call now. */
  | { outcome: 'limited'; reason: AccountLimitReason }
  | { outcome: 'not-answered'; cause: string }
  /** creditExhausted: cut off when the hold ran out; spendCapReached: that hold was what was left of today's cap, not of the credit. */
  | { outcome: 'talked'; costMicros: Micros; seconds: number; creditExhausted: boolean; spendCapReached: boolean; destinationHungUpFirst: boolean };

/**
 * The paid part of every flow: hold the payer's credit for the longest call it affords at
 * the destination's rate, call the destination through the trunk, connect it to the
 * caller, cut the destination off when the held credit runs out (then the caller hears why),
 * then capture what the call cost and release the rest. The destination's leg gets its CDR.
 * Nothing is charged for a call nobody answered. The caller is not hung up here; the
 * destination is, whenever it was answered.
 */
export async function connectPaidCall(deps: PaidCallDependencies, call: PaidCall): Promise<PaidCallResult> {
  const kind: FlowKind = call.record.role === 'requester' ? 'callnow' : 'callback';
  const result = await placePaidCall(deps, call, kind);
  deps.metrics.paidCalls.inc({ kind, outcome: result.outcome });
  if (result.outcome === 'talked') deps.metrics.costMicros.inc({ kind }, result.costMicros);
  return result;
}

async function placePaidCall(deps: PaidCallDependencies, call: PaidCall, kind: FlowKind): Promise<PaidCallResult> {
  const { writes, clock } = deps;
  const held = await admitAndHold(deps, call);
  if ('refused' in held) return held.refused === 'no-credit' ? { outcome: 'no-credit' } : { outcome: 'limited', reason: held.refused };
  const { reservationId, maxSeconds, legId: leg, cappedBySpendCap } = held;
  const settle = (costMicros: Micros) => writes.run((db) => settleReservation(db, reservationId, costMicros, { actor: call.actor, clock }));
  let destination: Call | null = null;
  deps.metrics.paidCallsInProgress.inc({ kind });
  try {
    await call.onDialling();
    // "Please wait", until the destination answers (or does not).
    const hush = new AbortController();
    const connecting = call.caller.say({ prompts: ['please-wait-connecting'], language: call.language, signal: hush.signal });
    const dialled = await deps.calls.callNumber(call.destination, {
      trunk: call.trunk,
      callerId: call.callerId,
      ringSeconds: call.ringSeconds,
      // The caller hanging up while it rings cancels the call to the destination.
      signal: call.caller.signal,
    });
    if (dialled.answered) hush.abort();
    await connecting;
    if (!dialled.answered) {
      await writes.run((db) => endCallLeg(db, leg, { cause: dialled.cause, endedAtMs: clock(), durationSeconds: 0 }));
      await settle(0);
      return { outcome: 'not-answered', cause: dialled.cause };
    }
    destination = dialled.call;
    const answered = destination;
    await writes.run((db) => answerCallLeg(db, leg, answered.id, answered.answeredAt));
    if (call.caller.signal.aborted || answered.signal.aborted) {
      // One side hung up while the other answered: nobody talked, nothing is charged.
      await answered.hangup();
      await writes.run((db) => endCallLeg(db, leg, { cause: call.caller.signal.aborted ? `${call.record.callerRole}-hangup` : 'hung-up', endedAtMs: clock(), durationSeconds: 0 }));
      await settle(0);
      return { outcome: 'not-answered', cause: 'hung-up' };
    }

    await call.onConnected();
    const bridge = deps.calls.bridge(call.caller, destination);
    // When the held credit runs out the destination is cut at once (each second costs),
    // then the caller hears why.
    let exhausted = false;
    const limit = setTimeout(() => {
      exhausted = true;
      bridge.stop();
    }, maxSeconds * 1000);
    const ended = await bridge.ended;
    clearTimeout(limit);
    await destination.hangup();
    if (exhausted) await call.caller.say({ ...call.exhaustedSound, language: call.language });

    const talked = Math.min(bridge.talkSeconds(ended.at), maxSeconds);
    const settled = await settle(callCost(call.rate, talked));
    deps.metrics.billedSeconds.inc({ kind }, billedSeconds(call.rate, talked));
    const destinationHungUpFirst = ended.first === destination;
    await writes.run((db) =>
      endCallLeg(db, leg, {
        cause: exhausted ? (cappedBySpendCap ? 'daily-spend-cap' : 'credit-exhausted') : `${destinationHungUpFirst ? call.record.role : call.record.callerRole}-hangup`,
        endedAtMs: ended.at,
        durationSeconds: talked,
        billedSeconds: billedSeconds(call.rate, talked),
        ratePrefix: call.rate.prefix,
        costMicros: settled.capturedMicros,
      }),
    );
    return { outcome: 'talked', costMicros: settled.capturedMicros, seconds: talked, creditExhausted: exhausted, spendCapReached: exhausted && cappedBySpendCap, destinationHungUpFirst };
  } catch (error) {
    // Whatever failed, the destination is not left connected and the hold is given back.
    await destination?.hangup().catch(() => undefined);
    await settle(0).catch(() => undefined);
    throw error;
  } finally {
    deps.metrics.paidCallsInProgress.dec({ kind });
  }
}
