import type { SipRequest, SipResponse } from '../message/types.js';
import type { Endpoint, Inbound } from '../transport/types.js';
import type { TransactionTimers } from './timers.js';

/** What transactions need from the transport layer. */
export interface TransactionTransport {
  send(message: SipRequest | SipResponse, target: Endpoint, connectionId?: number | null): Promise<void>;
  sendResponse(response: SipResponse, inbound: Pick<Inbound, 'source' | 'connectionId'>): Promise<void>;
}

/**
 * The transaction user of a client transaction (RFC 3261 §17.1). Each method is
 * called at most as the RFC says: responses as they pass the state machine, a
 * timeout or transport error once, and then the transaction is over.
 */
export interface ClientTransactionUser {
  /** A response the state machine passes up (1xx, the first final, and 2xx retransmits of an INVITE). */
  onResponse(response: SipResponse): void;
  /** Timer B or F fired: "MUST be treated as a 408 (Request Timeout)" (§8.1.3.1). */
  onTimeout(): void;
  /** The transport could not send: treated as a 503 (§8.1.3.1). */
  onTransportError(error: Error): void;
}

export type TransactionState = 'calling' | 'trying' | 'proceeding' | 'accepted' | 'completed' | 'confirmed' | 'terminated';

/** Timers owned by one transaction, all cleared when it terminates. */
export class TimerSet {
  private readonly handles = new Map<string, ReturnType<typeof setTimeout>>();

  start(name: string, ms: number, fire: () => void): void {
    this.stop(name);
    const handle = setTimeout(() => {
      this.handles.delete(name);
      fire();
    }, ms);
    // Transaction timers alone must not keep a process alive.
    handle.unref?.();
    this.handles.set(name, handle);
  }

  stop(name: string): void {
    const handle = this.handles.get(name);
    if (handle !== undefined) clearTimeout(handle);
    this.handles.delete(name);
  }

  clear(): void {
    for (const handle of this.handles.values()) clearTimeout(handle);
    this.handles.clear();
  }
}

/** Shared by the four kinds: state, timers, and the hook that tells the layer it is over. */
export abstract class Transaction {
  state: TransactionState;
  protected readonly timers = new TimerSet();
  private readonly terminatedHandlers: (() => void)[] = [];

  protected constructor(
    readonly key: string,
    readonly request: SipRequest,
    protected readonly transport: TransactionTransport,
    protected readonly timerValues: TransactionTimers,
    protected readonly reliable: boolean,
    initial: TransactionState,
  ) {
    this.state = initial;
  }

  onTerminated(handler: () => void): void {
    if (this.state === 'terminated') handler();
    else this.terminatedHandlers.push(handler);
  }

  protected terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.timers.clear();
    for (const handler of this.terminatedHandlers.splice(0)) handler();
  }

  /** A timer that fires at once on reliable transports (timers D, I, J, K are 0 there). */
  protected after(name: string, ms: number, fire: () => void): void {
    if (ms <= 0) fire();
    else this.timers.start(name, ms, fire);
  }
}
