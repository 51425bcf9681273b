import type { SipMessage } from '../message/types.js';

export type TransportProtocol = 'UDP' | 'TCP';

/** Where a message came from or goes to. */
export interface Endpoint {
  protocol: TransportProtocol;
  address: string;
  port: number;
}

/** A message as received, with where it came from (RFC 3261 §18.2.1 needs the source). */
export interface Inbound {
  message: SipMessage;
  source: Endpoint;
  /** The TCP connection it arrived on, so responses can go back the same way (§18.2.2). */
  connectionId: number | null;
  receivedAt: number;
}

export interface TransportLimits {
  /** Largest message accepted, in bytes (a larger one is refused with 413 or dropped). */
  maxMessageBytes: number;
  /** TCP connections one remote address may hold open at once. */
  maxConnectionsPerAddress: number;
  /** TCP connections in total. */
  maxConnections: number;
  /** A TCP connection with no traffic for this long is closed. */
  idleTimeoutMs: number;
}

export const DEFAULT_TRANSPORT_LIMITS: TransportLimits = {
  maxMessageBytes: 65_536,
  maxConnectionsPerAddress: 64,
  maxConnections: 10_000,
  idleTimeoutMs: 300_000,
};

/** Counters a transport keeps for metrics and tests. */
export interface TransportStats {
  received: number;
  sent: number;
  /** Messages that did not parse (answered with 4xx where possible). */
  malformed: number;
  /** Messages over the size limit. */
  oversized: number;
  /** TCP connections refused by the per-address or total limit. */
  connectionsRefused: number;
  /** TCP connections closed for idleness. */
  idleClosed: number;
}
