import { createResponse } from '../message/index.js';
import { randomHex } from '../random.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import type { Endpoint, Inbound } from '../transport/types.js';
import { InviteClientTransaction, NonInviteClientTransaction } from './client.js';
import { MAGIC_COOKIE, clientKey, serverKey } from './keys.js';
import { InviteServerTransaction, NonInviteServerTransaction, type ServerTransaction } from './server.js';
import { DEFAULT_TIMER_BASE, transactionTimers, type TimerBase } from './timers.js';
import type { ClientTransactionUser, TransactionTransport } from './transaction.js';

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;

export interface TransactionLayerOptions {
  transport: TransactionTransport;
  timers?: TimerBase;
  /**
   * A new request for the transaction user. ACKs that match no server transaction (the ACK
   * of a 2xx, RFC 3261 §13.2.2.4, which has a branch of its own) arrive with `transaction` null.
   */
  onRequest(request: SipRequest, transaction: ServerTransaction | null, inbound: Inbound): void;
  /** A response no client transaction matches: a 2xx retransmit the dialog layer must ACK again. */
  onStrayResponse?(response: SipResponse, inbound: Inbound): void;
  /** Requests one source address may have waiting for a final response at once; beyond it, 503. */
  maxPendingPerSource?: number;
}

/** A new branch parameter: the magic cookie and enough randomness to be unique (§8.1.1.7). */
export function newBranch(): string {
  return MAGIC_COOKIE + randomHex(10);
}

/**
 * Holds the live transactions, matches what arrives to them (§17.1.3, §17.2.3), creates
 * server transactions for new requests, and bounds how many one source may open.
 */
export class TransactionLayer {
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly servers = new Map<string, ServerTransaction>();
  private readonly pendingBySource = new Map<string, number>();
  private readonly base: TimerBase;
  private readonly maxPendingPerSource: number;
  /** Requests refused because their source had too many transactions open. */
  refusedForLoad = 0;

  constructor(private readonly options: TransactionLayerOptions) {
    this.base = options.timers ?? DEFAULT_TIMER_BASE;
    this.maxPendingPerSource = options.maxPendingPerSource ?? 500;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  get serverCount(): number {
    return this.servers.size;
  }

  /** Starts a client transaction for a request whose top Via already carries a fresh branch. */
  sendRequest(request: SipRequest, target: Endpoint, user: ClientTransactionUser): ClientTransaction {
    if (request.method === 'ACK') throw new Error('ACK is not sent in a client transaction (§17.1)');
    const key = clientKey(request);
    if (this.clients.has(key)) throw new Error(`a client transaction ${key} exists already`);
    const timers = transactionTimers(this.base, target.protocol);
    const transaction =
      request.method === 'INVITE'
        ? new InviteClientTransaction(key, request, this.options.transport, timers, target, user)
        : new NonInviteClientTransaction(key, request, this.options.transport, timers, target, user);
    this.clients.set(key, transaction);
    transaction.onTerminated(() => this.clients.delete(key));
    transaction.start();
    return transaction;
  }

  /** The INVITE server transaction a CANCEL refers to (§9.2: same branch and sent-by, method INVITE). */
  findInviteServerTransaction(cancel: SipRequest): InviteServerTransaction | undefined {
    const transaction = this.servers.get(serverKey(cancel, 'INVITE'));
    return transaction instanceof InviteServerTransaction ? transaction : undefined;
  }

  /** Entry point for everything the transport layer receives. */
  handle(inbound: Inbound): void {
    const { message } = inbound;
    if (message.kind === 'response') {
      const transaction = this.clients.get(clientKey(message));
      if (transaction) transaction.receive(message);
      else this.options.onStrayResponse?.(message, inbound);
      return;
    }
    const key = serverKey(message);
    const existing = this.servers.get(key);
    if (existing) {
      existing.receive(message);
      return;
    }
    if (message.method === 'ACK') {
      this.options.onRequest(message, null, inbound);
      return;
    }
    const source = inbound.source.address;
    const pending = this.pendingBySource.get(source) ?? 0;
    if (pending >= this.maxPendingPerSource) {
      // Stateless 503: this source has enough open; others are still served.
      this.refusedForLoad++;
      const busy = createResponse(message, 503, 'Service Unavailable', { headers: [{ name: 'Retry-After', value: '5' }] });
      this.options.transport.sendResponse(busy, inbound).catch(() => undefined);
      return;
    }
    const timers = transactionTimers(this.base, inbound.source.protocol);
    const transaction =
      message.method === 'INVITE'
        ? new InviteServerTransaction(key, inbound, this.options.transport, timers)
        : new NonInviteServerTransaction(key, inbound, this.options.transport, timers);
    this.servers.set(key, transaction);
    this.pendingBySource.set(source, pending + 1);
    transaction.onTerminated(() => this.servers.delete(key));
    transaction.onSettled(() => {
      const left = (this.pendingBySource.get(source) ?? 1) - 1;
      if (left <= 0) this.pendingBySource.delete(source);
      else this.pendingBySource.set(source, left);
    });
    if (transaction instanceof InviteServerTransaction) transaction.start();
    this.options.onRequest(message, transaction, inbound);
  }
}
