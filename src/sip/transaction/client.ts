import { getHeader, getHeaders } from '../message/index.js';
import type { HeaderField, SipRequest, SipResponse } from '../message/types.js';
import type { Endpoint } from '../transport/types.js';
import type { TransactionTimers } from './timers.js';
import { Transaction, type ClientTransactionUser, type TransactionTransport } from './transaction.js';

abstract class ClientTransaction extends Transaction {
  protected retransmitInterval: number;

  protected constructor(
    key: string,
    request: SipRequest,
    transport: TransactionTransport,
    timers: TransactionTimers,
    readonly target: Endpoint,
    protected readonly user: ClientTransactionUser,
    initial: 'calling' | 'trying',
    /** Timer A and B for INVITE (§17.1.1.2), E and F for the rest (§17.1.2.2). */
    private readonly timerNames: { retransmit: 'A' | 'E'; timeout: 'B' | 'F' },
  ) {
    super(key, request, transport, timers, target.protocol !== 'UDP', initial);
    this.retransmitInterval = timers[timerNames.retransmit];
  }

  abstract receive(response: SipResponse): void;

  /** True while the request still waits for a final response (retransmit and time out only then). */
  protected abstract waitingForFinal(): boolean;

  /** The interval after one retransmission. */
  protected abstract nextInterval(): number;

  /** Sends the request, retransmits it over UDP, and gives up after 64*T1 without an answer. */
  start(): void {
    this.sendRequest();
    if (!this.reliable) this.scheduleRetransmit();
    this.timers.start(this.timerNames.timeout, this.timerValues[this.timerNames.timeout], () => {
      if (!this.waitingForFinal()) return;
      this.terminate();
      this.user.onTimeout();
    });
  }

  private scheduleRetransmit(): void {
    this.timers.start(this.timerNames.retransmit, this.retransmitInterval, () => {
      if (!this.waitingForFinal()) return;
      this.sendRequest();
      this.retransmitInterval = this.nextInterval();
      this.scheduleRetransmit();
    });
  }

  protected sendRequest(message: SipRequest = this.request): void {
    this.transport.send(message, this.target).catch((error: unknown) => this.transportFailed(error));
  }

  protected transportFailed(error: unknown): void {
    if (this.state === 'terminated') return;
    this.terminate();
    this.user.onTransportError(error instanceof Error ? error : new Error(String(error)));
  }
}

/** RFC 3261 §17.1.1 with RFC 6026 §7.2 (the Accepted state). */
export class InviteClientTransaction extends ClientTransaction {
  constructor(
    key: string,
    request: SipRequest,
    transport: TransactionTransport,
    timers: TransactionTimers,
    target: Endpoint,
    user: ClientTransactionUser,
  ) {
    super(key, request, transport, timers, target, user, 'calling', { retransmit: 'A', timeout: 'B' });
  }

  // Timer B runs only in Calling: once ringing, the TU decides how long to wait (and CANCELs).
  protected waitingForFinal(): boolean {
    return this.state === 'calling';
  }

  protected nextInterval(): number {
    return this.retransmitInterval * 2;
  }

  receive(response: SipResponse): void {
    const { status } = response;
    switch (this.state) {
      case 'calling':
      case 'proceeding':
        if (status < 200) {
          this.state = 'proceeding';
          this.timers.stop('A');
          this.user.onResponse(response);
        } else if (status < 300) {
          // RFC 6026: stay to pass 2xx retransmits up (the TU ACKs each) until Timer M.
          this.state = 'accepted';
          this.timers.stop('A');
          this.timers.stop('B');
          this.timers.start('M', this.timerValues.M, () => this.terminate());
          this.user.onResponse(response);
        } else {
          this.state = 'completed';
          this.timers.stop('A');
          this.timers.stop('B');
          this.sendAck(response);
          this.user.onResponse(response);
          this.after('D', this.timerValues.D, () => this.terminate());
        }
        return;
      case 'accepted':
        if (status >= 200 && status < 300) this.user.onResponse(response);
        return;
      case 'completed':
        // A retransmitted final response: ACK again, do not bother the TU.
        if (status >= 300) this.sendAck(response);
        return;
      default:
        return;
    }
  }

  /** §17.1.1.3: the ACK for a non-2xx final response belongs to this transaction. */
  private sendAck(response: SipResponse): void {
    this.sendRequest(ackForFailure(this.request, response));
  }
}

/** RFC 3261 §17.1.2. */
export class NonInviteClientTransaction extends ClientTransaction {
  constructor(
    key: string,
    request: SipRequest,
    transport: TransactionTransport,
    timers: TransactionTimers,
    target: Endpoint,
    user: ClientTransactionUser,
  ) {
    super(key, request, transport, timers, target, user, 'trying', { retransmit: 'E', timeout: 'F' });
  }

  protected waitingForFinal(): boolean {
    return this.state === 'trying' || this.state === 'proceeding';
  }

  // Trying doubles up to T2; Proceeding retransmits every T2 (§17.1.2.2).
  protected nextInterval(): number {
    return this.state === 'proceeding' ? this.timerValues.T2 : Math.min(this.retransmitInterval * 2, this.timerValues.T2);
  }

  receive(response: SipResponse): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    if (response.status < 200) {
      this.state = 'proceeding';
      this.user.onResponse(response);
      return;
    }
    this.state = 'completed';
    this.timers.stop('E');
    this.timers.stop('F');
    this.user.onResponse(response);
    this.after('K', this.timerValues.K, () => this.terminate());
  }
}

/** §17.1.1.3: ACK for a non-2xx final: same Request-URI, Call-ID, From, CSeq number, top Via and Route; To from the response. */
export function ackForFailure(invite: SipRequest, response: SipResponse): SipRequest {
  const first = (name: string): HeaderField[] => {
    const value = getHeader(invite, name);
    return value === undefined ? [] : [{ name, value }];
  };
  const topVia = getHeaders(invite, 'Via')[0];
  const cseqNumber = (getHeader(invite, 'CSeq') ?? '').trim().split(/\s+/)[0] ?? '1';
  const headers: HeaderField[] = [
    ...(topVia === undefined ? [] : [{ name: 'Via', value: topVia }]),
    ...first('From'),
    { name: 'To', value: getHeader(response, 'To') ?? getHeader(invite, 'To') ?? '' },
    ...first('Call-ID'),
    { name: 'CSeq', value: `${cseqNumber} ACK` },
    { name: 'Max-Forwards', value: '70' },
    ...invite.headers.filter((h) => h.name === 'Route'),
  ];
  return { kind: 'request', method: 'ACK', uri: invite.uri, headers, body: Buffer.alloc(0) };
}
