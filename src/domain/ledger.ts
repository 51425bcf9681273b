/**
 * Prepaid credit as pure decisions: each operation takes an account's state and returns the new
 * state plus the ledger entries a store must apply atomically. Credit works like a card
 * authorization hold: a call first reserves (holds) credit, then settles, capturing its cost
 * and releasing the rest.
 *
 * Invariants: balance == sum of entries' amountMicros, held == sum of entries' heldMicros,
 * held >= 0, and on a limited account no operation takes available (balance - held) below the
 * floor. The one way a limited account is below its floor is the end of Unlimited while calls
 * are in flight (see recharge).
 */
import { DomainError } from './errors.js';
import { addMicros, toDecimalString, type Micros } from './money.js';

export interface CreditState {
  /** Unlimited accounts are never refused; their spend shows as a negative balance. */
  unlimited: boolean;
  balanceMicros: Micros;
  /** Sum of open reservations (credit held for calls in progress); never negative. */
  heldMicros: Micros;
  /** Lowest available credit a limited account may reach; normally 0. */
  floorMicros: Micros;
}

export type LedgerEntryKind = 'recharge' | 'adjustment' | 'reservation' | 'capture' | 'release';

export interface LedgerEntryDraft {
  kind: LedgerEntryKind;
  /** Change of the balance. */
  amountMicros: Micros;
  /** Change of the held amount. */
  heldMicros: Micros;
  note: string | null;
}

export interface LedgerResult {
  state: CreditState;
  entries: LedgerEntryDraft[];
}

export interface SettleResult extends LedgerResult {
  /** Taken from the balance. */
  capturedMicros: Micros;
  /** Held credit given back to available. */
  releasedMicros: Micros;
  /** Cost beyond the reservation that a limited account was not charged; for the caller to log. */
  uncapturedMicros: Micros;
}

export interface RechargeResult extends LedgerResult {
  /** The balance after the change (what the recharge history shows), or 'unlimited'. */
  creditLeftAfter: Micros | 'unlimited';
  /** True when a negative amount ended Unlimited (SPEC §4). */
  endedUnlimited: boolean;
}

export const UNLIMITED_ENDED_NOTE = 'Unlimited ended: credit set to 0';
export const UNLIMITED_STARTED_NOTE = 'Unlimited started';

function assertState(state: CreditState): void {
  const fields = [state.balanceMicros, state.heldMicros, state.floorMicros];
  if (typeof state.unlimited !== 'boolean' || !fields.every((v) => Number.isSafeInteger(v)) || state.heldMicros < 0) {
    throw new DomainError('invalid_state', 'credit state must hold safe integer micros and a non-negative held amount');
  }
}

function assertAmount(value: Micros, what: string, rule: 'positive' | 'non-negative' | 'non-zero'): void {
  const ok =
    Number.isSafeInteger(value) &&
    (rule === 'positive' ? value > 0 : rule === 'non-negative' ? value >= 0 : value !== 0);
  if (!ok) {
    throw new DomainError('invalid_amount', `${what} must be a ${rule} integer of micro-units, got ${String(value)}`);
  }
}

function entry(kind: LedgerEntryKind, amountMicros: Micros, heldMicros: Micros, note: string | null): LedgerEntryDraft {
  return { kind, amountMicros, heldMicros, note };
}

/** Whether available + change would fall below the floor; BigInt keeps the comparison exact at any size. */
function wouldGoBelowFloor(state: CreditState, change: Micros): boolean {
  return BigInt(state.balanceMicros) - BigInt(state.heldMicros) + BigInt(change) < BigInt(state.floorMicros);
}

/** How much available exceeds the floor, 0 when it does not (for refusal messages). */
function aboveFloor(state: CreditState): Micros {
  const excess = BigInt(state.balanceMicros) - BigInt(state.heldMicros) - BigInt(state.floorMicros);
  if (excess <= 0n) return 0;
  return excess > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(excess);
}

/** Credit usable for new reservations: balance - held, or 'unlimited'. May be below the floor (see recharge). */
export function available(state: CreditState): Micros | 'unlimited' {
  assertState(state);
  return state.unlimited ? 'unlimited' : addMicros(state.balanceMicros, -state.heldMicros);
}

/** Balance and held implied by a list of entries, so stores and tests can check the invariant. */
export function sumEntries(entries: readonly LedgerEntryDraft[]): { balanceMicros: Micros; heldMicros: Micros } {
  let balanceMicros = 0;
  let heldMicros = 0;
  for (const e of entries) {
    balanceMicros = addMicros(balanceMicros, e.amountMicros);
    heldMicros = addMicros(heldMicros, e.heldMicros);
  }
  return { balanceMicros, heldMicros };
}

/**
 * The state and entries of a new account. 'unlimited' starts Unlimited (SPEC §4: a CallerID is
 * Unlimited unless given an amount); an amount starts limited with that credit, recorded as a
 * 'recharge' when above 0. A negative opening credit is refused: an account cannot start in debt.
 */
export function openingEntries(credit: Micros | 'unlimited', note: string | null = null): LedgerResult {
  if (credit === 'unlimited') {
    return { state: { unlimited: true, balanceMicros: 0, heldMicros: 0, floorMicros: 0 }, entries: [] };
  }
  assertAmount(credit, 'opening credit', 'non-negative');
  return {
    state: { unlimited: false, balanceMicros: credit, heldMicros: 0, floorMicros: 0 },
    entries: credit > 0 ? [entry('recharge', credit, 0, note)] : [],
  };
}

/**
 * Holds credit for a call about to start. A limited account is refused when the hold would take
 * available below the floor; an Unlimited one is never refused but the hold is still recorded, so
 * settle works the same way for both.
 */
export function reserve(state: CreditState, amountMicros: Micros, note: string | null = null): LedgerResult {
  assertState(state);
  assertAmount(amountMicros, 'reservation', 'positive');
  if (!state.unlimited && wouldGoBelowFloor(state, -amountMicros)) {
    throw new DomainError(
      'insufficient_credit',
      `cannot reserve ${toDecimalString(amountMicros)}: only ${toDecimalString(aboveFloor(state))} of credit is available`,
    );
  }
  const heldMicros = addMicros(state.heldMicros, amountMicros);
  return {
    state: { ...state, heldMicros },
    entries: [entry('reservation', 0, amountMicros, note)],
  };
}

/**
 * Ends a reservation of `reservedMicros` for a call that cost `costMicros`. A limited account is
 * charged at most what was reserved: the call was cut when the reservation ran out, so a higher
 * cost is a rating or rounding artifact; the excess is returned as uncapturedMicros. An Unlimited
 * account is charged the whole cost. The unused part of the hold is released. Entries with no
 * effect are left out.
 */
export function settle(
  state: CreditState,
  reservedMicros: Micros,
  costMicros: Micros,
  note: string | null = null,
): SettleResult {
  assertState(state);
  assertAmount(reservedMicros, 'reserved amount', 'positive');
  assertAmount(costMicros, 'call cost', 'non-negative');
  if (reservedMicros > state.heldMicros) {
    throw new DomainError(
      'reservation_not_held',
      `cannot settle a reservation of ${toDecimalString(reservedMicros)}: only ${toDecimalString(state.heldMicros)} is held`,
    );
  }
  const capturedMicros = state.unlimited ? costMicros : Math.min(costMicros, reservedMicros);
  const uncapturedMicros = costMicros - capturedMicros;
  // On Unlimited the capture can exceed the hold; only this reservation's hold is removed, never
  // another call's.
  const heldByCapture = Math.min(capturedMicros, reservedMicros);
  const releasedMicros = reservedMicros - heldByCapture;
  const entries: LedgerEntryDraft[] = [];
  if (capturedMicros > 0) entries.push(entry('capture', -capturedMicros, -heldByCapture, note));
  if (releasedMicros > 0) entries.push(entry('release', 0, -releasedMicros, note));
  return {
    state: {
      ...state,
      balanceMicros: addMicros(state.balanceMicros, -capturedMicros),
      heldMicros: state.heldMicros - reservedMicros,
    },
    entries,
    capturedMicros,
    releasedMicros,
    uncapturedMicros,
  };
}

/**
 * Adds credit; a negative amount removes it.
 * - Limited: removal may take available down to the floor, no further (the refusal says how much
 *   can be removed).
 * - Unlimited, positive: recorded, and the account stays Unlimited.
 * - Unlimited, negative (SPEC §4): the 'recharge' entry records the amount as given, then an
 *   'adjustment' sets the balance to exactly 0 and the account becomes limited, so it can place no
 *   more callback calls until recharged. Holds of calls in progress stay held, so available is then
 *   -held (below the floor): new reservations are refused, while those calls still settle, and what
 *   they capture leaves a negative balance that the next recharge pays off first, as spend under
 *   Unlimited always did.
 * Zero is refused: it would record nothing.
 */
export function recharge(state: CreditState, amountMicros: Micros, note: string | null = null): RechargeResult {
  assertState(state);
  assertAmount(amountMicros, 'recharge amount', 'non-zero');
  const balanceMicros = addMicros(state.balanceMicros, amountMicros);
  const added = entry('recharge', amountMicros, 0, note);

  if (state.unlimited && amountMicros < 0) {
    return {
      state: { ...state, unlimited: false, balanceMicros: 0 },
      // The adjustment is kept even when it is 0: it records the change of mode.
      entries: [added, entry('adjustment', 0 - balanceMicros, 0, UNLIMITED_ENDED_NOTE)],
      creditLeftAfter: 0,
      endedUnlimited: true,
    };
  }
  if (!state.unlimited && amountMicros < 0 && wouldGoBelowFloor(state, amountMicros)) {
    throw new DomainError(
      'insufficient_credit',
      `cannot remove ${toDecimalString(-amountMicros)}: at most ${toDecimalString(aboveFloor(state))} can be removed`,
    );
  }
  return {
    state: { ...state, balanceMicros },
    entries: [added],
    creditLeftAfter: state.unlimited ? 'unlimited' : balanceMicros,
    endedUnlimited: false,
  };
}

/** Makes a limited account Unlimited, keeping its balance; recorded as an 'adjustment' of 0. */
export function setUnlimited(state: CreditState, note: string = UNLIMITED_STARTED_NOTE): LedgerResult {
  assertState(state);
  if (state.unlimited) throw new DomainError('already_unlimited', 'the account is already Unlimited');
  return {
    state: { ...state, unlimited: true },
    entries: [entry('adjustment', 0, 0, note)],
  };
}
