import type { TransportProtocol } from '../transport/types.js';

/** RFC 3261 §17.1.1.1 / Table 4: the base values every timer is derived from. */
export interface TimerBase {
  /** RTT estimate, default 500 ms. */
  T1: number;
  /** Longest retransmit interval for non-INVITE requests and INVITE responses, default 4 s. */
  T2: number;
  /** Longest time a message stays in the network, default 5 s. */
  T4: number;
}

export const DEFAULT_TIMER_BASE: TimerBase = { T1: 500, T2: 4_000, T4: 5_000 };

/** Every timer of RFC 3261 Table 4 and RFC 6026 (L, M), in one place, for one transport. */
export interface TransactionTimers {
  /** INVITE retransmit interval, first value (doubles); UDP only. */
  A: number;
  /** INVITE transaction timeout. */
  B: number;
  /** Wait for response retransmits after a non-2xx final (client INVITE). */
  D: number;
  /** Non-INVITE retransmit interval, first value; UDP only. */
  E: number;
  /** Non-INVITE transaction timeout. */
  F: number;
  /** INVITE final-response retransmit interval, first value; UDP only. */
  G: number;
  /** Wait for ACK. */
  H: number;
  /** Wait for ACK retransmits. */
  I: number;
  /** Wait for non-INVITE request retransmits. */
  J: number;
  /** Wait for non-INVITE response retransmits. */
  K: number;
  /** RFC 6026: server INVITE stays Accepted to absorb INVITE retransmits. */
  L: number;
  /** RFC 6026: client INVITE stays Accepted to pass 2xx retransmits up. */
  M: number;
  /** Cap of doubling intervals. */
  T2: number;
}

export function transactionTimers(base: TimerBase, protocol: TransportProtocol): TransactionTimers {
  const reliable = protocol !== 'UDP';
  const { T1, T2, T4 } = base;
  return {
    A: T1,
    B: 64 * T1,
    D: reliable ? 0 : Math.max(32_000, 64 * T1),
    E: T1,
    F: 64 * T1,
    G: T1,
    H: 64 * T1,
    I: reliable ? 0 : T4,
    J: reliable ? 0 : 64 * T1,
    K: reliable ? 0 : T4,
    L: 64 * T1,
    M: 64 * T1,
    T2,
  };
}
