import { createResponse } from '../message/index.js';
import { randomHex } from '../random.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import type { Inbound } from '../transport/types.js';
import type { TransactionTimers } from './timers.js';
import { Transaction, type TransactionTransport } from './transaction.js';

export interface ServerTransactionEvents {
  /** Timer H fired: the final non-2xx response was never acknowledged (§17.2.1). */
  onAckTimeout?(): void;
  /** The transport could not send a response. */
  onTransportError?(error: Error): void;
}

export abstract class ServerTransaction extends Transaction {
  protected lastResponse: SipResponse | null = null;
  events: ServerTransactionEvents = {};
  private settledHandler: (() => void) | null = null;
  private tagOfResponses: string | null = null;

  protected constructor(
    key: string,
    readonly inbound: Inbound,
    transport: TransactionTransport,
    timers: TransactionTimers,
    initial: 'proceeding' | 'trying',
  ) {
    super(key, inbound.message as SipRequest, transport, timers, inbound.source.protocol !== 'UDP', initial);
  }

  /** The TU's answer; the transaction sends it and retransmits as its state machine says. */
  abstract respond(response: SipResponse): void;

  /** A request that matched this transaction after the first (a retransmission or, for INVITE, the ACK). */
  abstract receive(request: SipRequest): void;

  /**
   * Builds and sends a response to this transaction's request (RFC 3261 §8.2.6). Every
   * response but 100 carries a To tag (§8.2.6.2), the same one for the whole transaction
   * unless the caller (a dialog) names its own.
   */
  reply(status: number, reason?: string, options: NonNullable<Parameters<typeof createResponse>[3]> = {}): SipResponse {
    const toTag = status === 100 ? undefined : (options.toTag ?? this.localTag);
    const response = createResponse(this.request, status, reason, { ...options, toTag });
    this.respond(response);
    return response;
  }

  /**
   * Called once, when the request stops being pending: a final response was sent or the
   * transaction ended without one. The layer bounds pending requests per source with it.
   */
  onSettled(handler: () => void): void {
    this.settledHandler = handler;
    this.onTerminated(() => this.settle());
  }

  private settle(): void {
    const handler = this.settledHandler;
    this.settledHandler = null;
    handler?.();
  }

  /** The To tag of this transaction's responses when the TU does not choose one. */
  get localTag(): string {
    this.tagOfResponses ??= randomHex(6);
    return this.tagOfResponses;
  }

  /** True once a final response was sent. */
  get answered(): boolean {
    return this.lastResponse !== null && this.lastResponse.status >= 200;
  }

  protected sendResponse(response: SipResponse): void {
    if (response.status >= 200) this.settle();
    this.transport.sendResponse(response, this.inbound).catch((error: unknown) => {
      const failure = error instanceof Error ? error : new Error(String(error));
      // §17.2.4: a transport failure on a response ends the transaction and tells the TU.
      this.terminate();
      this.events.onTransportError?.(failure);
    });
  }
}

/** RFC 3261 §17.2.1 with RFC 6026 §7.1 (2xx moves to Accepted, Timer L). */
export class InviteServerTransaction extends ServerTransaction {
  private retransmitInterval: number;

  constructor(key: string, inbound: Inbound, transport: TransactionTransport, timers: TransactionTimers) {
    super(key, inbound, transport, timers, 'proceeding');
    this.retransmitInterval = timers.G;
  }

  /** §17.2.1: send 100 Trying unless the TU answers within 200 ms. */
  start(): void {
    this.timers.start('trying', 200, () => {
      if (this.state === 'proceeding' && this.lastResponse === null) this.respond(createResponse(this.request, 100));
    });
  }

  respond(response: SipResponse): void {
    if (this.state !== 'proceeding' && !(this.state === 'accepted' && response.status < 300 && response.status >= 200)) return;
    this.lastResponse = response;
    this.sendResponse(response);
    if (response.status < 200) return;
    this.timers.stop('trying');
    if (response.status < 300) {
      // The TU retransmits its 2xx until ACKed (§13.3.1.4); we absorb INVITE retransmits.
      if (this.state === 'proceeding') {
        this.state = 'accepted';
        this.timers.start('L', this.timerValues.L, () => this.terminate());
      }
      return;
    }
    this.state = 'completed';
    if (!this.reliable) this.scheduleRetransmit();
    this.timers.start('H', this.timerValues.H, () => {
      if (this.state !== 'completed') return;
      this.terminate();
      this.events.onAckTimeout?.();
    });
  }

  private scheduleRetransmit(): void {
    this.timers.start('G', this.retransmitInterval, () => {
      if (this.state !== 'completed' || !this.lastResponse) return;
      this.sendResponse(this.lastResponse);
      this.retransmitInterval = Math.min(this.retransmitInterval * 2, this.timerValues.T2);
      this.scheduleRetransmit();
    });
  }

  receive(request: SipRequest): void {
    if (request.method === 'ACK') {
      if (this.state !== 'completed') return;
      this.state = 'confirmed';
      this.timers.stop('G');
      this.timers.stop('H');
      this.after('I', this.timerValues.I, () => this.terminate());
      return;
    }
    // A retransmitted INVITE: repeat the last response, if any (§17.2.1).
    if ((this.state === 'proceeding' || this.state === 'completed') && this.lastResponse) {
      this.sendResponse(this.lastResponse);
    }
  }
}

/** RFC 3261 §17.2.2. */
export class NonInviteServerTransaction extends ServerTransaction {
  constructor(key: string, inbound: Inbound, transport: TransactionTransport, timers: TransactionTimers) {
    super(key, inbound, transport, timers, 'trying');
  }

  respond(response: SipResponse): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    this.lastResponse = response;
    this.sendResponse(response);
    if (response.status < 200) {
      this.state = 'proceeding';
      return;
    }
    this.state = 'completed';
    this.after('J', this.timerValues.J, () => this.terminate());
  }

  receive(_request: SipRequest): void {
    // Retransmissions get the last response again; in Trying there is none yet.
    if ((this.state === 'proceeding' || this.state === 'completed') && this.lastResponse) {
      this.sendResponse(this.lastResponse);
    }
  }
}
