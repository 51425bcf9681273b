import { tag, toHeader } from '../message/index.js';
import { randomHex } from '../random.js';
import type { HeaderField, SipRequest, SipResponse, SipUri } from '../message/types.js';
import { requestDialogKey, responseDialogKey, DialogRequestError, type Dialog } from '../dialog/dialog.js';
import { TransactionLayer, newBranch } from '../transaction/layer.js';
import type { ServerTransaction } from '../transaction/server.js';
import { DEFAULT_TIMER_BASE, type TimerBase } from '../transaction/timers.js';
import type { Inbound } from '../transport/types.js';
import type { SipTransport } from '../transport/transport.js';
import { IncomingCall } from './incoming-call.js';
import { OutgoingCall, type OutgoingCallOptions } from './outgoing-call.js';
import type { SipSession } from './session.js';
import { endpointOf } from './targets.js';

export const ALLOWED_METHODS = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'INFO', 'UPDATE', 'REGISTER'];

export interface UserAgentHandlers {
  /** A new call (out-of-dialog INVITE). Without a handler, calls get 480. */
  onInvite?(call: IncomingCall): void;
  /** A REGISTER. Without a handler, 405 (we are not a registrar). */
  onRegister?(request: SipRequest, transaction: ServerTransaction, inbound: Inbound): void;
}

export interface UserAgentLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

const quiet: UserAgentLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined };

/**
 * The user agent core (RFC 3261 §8, §12-§15): dispatches what the transaction layer
 * delivers to dialogs, calls and the registrar, and offers the friendly operations the
 * rest of the server uses: place a call (`invite`), accept calls (`handlers.onInvite`).
 */
export class UserAgentCore {
  readonly transactions: TransactionLayer;
  readonly timerBase: TimerBase;
  handlers: UserAgentHandlers = {};
  private readonly sessions = new Map<string, SipSession>();
  /** Outgoing INVITEs in progress, by Call-ID + From tag, for 2xx that arrive after the transaction. */
  private readonly outgoing = new Map<string, OutgoingCall>();
  /** Incoming INVITEs not answered yet, by their server transaction key. */
  private readonly incoming = new Map<string, IncomingCall>();

  constructor(
    readonly transport: SipTransport,
    readonly options: { userAgent?: string; timers?: TimerBase; logger?: UserAgentLogger; maxPendingPerSource?: number } = {},
  ) {
    this.timerBase = options.timers ?? DEFAULT_TIMER_BASE;
    this.transactions = new TransactionLayer({
      transport,
      timers: this.timerBase,
      maxPendingPerSource: options.maxPendingPerSource,
      onRequest: (request, transaction, inbound) => this.onRequest(request, transaction, inbound),
      onStrayResponse: (response) => this.onStrayResponse(response),
    });
  }

  get logger(): UserAgentLogger {
    return this.options.logger ?? quiet;
  }

  /** Wire the transport's messages here. */
  receive(inbound: Inbound): void {
    this.transactions.handle(inbound);
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Places a call. Progress and the outcome come through the returned object. */
  invite(options: OutgoingCallOptions): OutgoingCall {
    const call = new OutgoingCall(this, options);
    this.outgoing.set(call.key, call);
    call.start();
    return call;
  }

  /** A Contact URI for us on the transport a peer is reached by. */
  contactFor(protocol: 'UDP' | 'TCP', user: string | null = null): SipUri {
    const params = new Map<string, string | null>();
    if (protocol === 'TCP') params.set('transport', 'tcp');
    return { scheme: 'sip', user, password: null, host: this.transport.advertisedHost, port: this.transport.port, params, headers: new Map() };
  }

  /** Our Via for a request going over `protocol`, with a fresh branch. */
  viaFor(protocol: 'UDP' | 'TCP'): HeaderField {
    return { name: 'Via', value: `SIP/2.0/${protocol} ${this.transport.advertisedHost}:${this.transport.port};branch=${newBranch()};rport` };
  }

  capabilityHeaders(): HeaderField[] {
    return [
      { name: 'Allow', value: ALLOWED_METHODS.join(', ') },
      { name: 'Accept', value: 'application/sdp, application/dtmf-relay, application/dtmf' },
      { name: 'Supported', value: '' },
      ...this.agentHeader('Server'),
    ].filter((h) => h.value !== '');
  }

  answerHeaders(): HeaderField[] {
    return [{ name: 'Allow', value: ALLOWED_METHODS.join(', ') }, ...this.agentHeader('Server')];
  }

  agentHeader(name: 'User-Agent' | 'Server'): HeaderField[] {
    return [{ name, value: this.options.userAgent ?? 'Dialback' }];
  }

  newTag(): string {
    return randomHex(6);
  }

  newCallId(): string {
    return `${randomHex(12)}@${this.transport.advertisedHost}`;
  }

  /** Sends a request outside any transaction (the ACK of a 2xx, §13.2.2.4), with a fresh Via. */
  sendStateless(request: SipRequest, nextHop: SipUri): void {
    const target = endpointOf(nextHop);
    request.headers.unshift(this.viaFor(target.protocol));
    this.transport.send(request, target).catch((error: unknown) => this.logger.debug({ err: error }, 'could not send ACK'));
  }

  /** Sends a request in a dialog and resolves with its final response (408 on timeout, 503 on transport failure). */
  sendInDialog(request: SipRequest, dialog: Dialog): Promise<SipResponse> {
    const target = endpointOf(dialog.nextHop);
    request.headers.unshift(this.viaFor(target.protocol));
    request.headers.push(...this.agentHeader('User-Agent'));
    return new Promise((resolve) => {
      this.transactions.sendRequest(request, target, {
        onResponse: (response) => {
          if (response.status >= 200) resolve(response);
        },
        onTimeout: () => resolve(syntheticResponse(request, 408, 'Request Timeout')),
        onTransportError: () => resolve(syntheticResponse(request, 503, 'Service Unavailable')),
      });
    });
  }

  registerSession(session: SipSession): void {
    this.sessions.set(session.dialog.key, session);
  }

  forgetSession(session: SipSession): void {
    if (this.sessions.get(session.dialog.key) === session) this.sessions.delete(session.dialog.key);
  }

  forgetOutgoing(call: OutgoingCall): void {
    if (this.outgoing.get(call.key) === call) this.outgoing.delete(call.key);
  }

  forgetIncoming(call: IncomingCall): void {
    if (this.incoming.get(call.transaction.key) === call) this.incoming.delete(call.transaction.key);
  }

  private onRequest(request: SipRequest, transaction: ServerTransaction | null, inbound: Inbound): void {
    if (transaction === null) {
      // An ACK outside a transaction: the ACK of a 2xx we sent (§13.3.1.4).
      const key = requestDialogKey(request);
      const session = key === null ? undefined : this.sessions.get(key);
      session?.receiveAck(request);
      return;
    }
    if (tag(toHeader(request)) !== null) {
      this.onInDialogRequest(request, transaction);
      return;
    }
    switch (request.method) {
      case 'INVITE': {
        const call = new IncomingCall(this, request, transaction, inbound);
        this.incoming.set(transaction.key, call);
        transaction.onTerminated(() => this.forgetIncoming(call));
        if (this.handlers.onInvite) this.handlers.onInvite(call);
        else call.reject(480, 'Temporarily Unavailable');
        return;
      }
      case 'CANCEL': {
        // §9.2: answer the CANCEL, then end the INVITE with 487 if it is still unanswered.
        const invite = this.transactions.findInviteServerTransaction(request);
        const call = invite ? this.incoming.get(invite.key) : undefined;
        if (!invite || !call) {
          transaction.reply(481, 'Call/Transaction Does Not Exist');
          return;
        }
        transaction.reply(200);
        call.cancelledByCaller();
        return;
      }
      case 'REGISTER':
        if (this.handlers.onRegister) this.handlers.onRegister(request, transaction, inbound);
        else transaction.reply(405, 'Method Not Allowed', { headers: this.capabilityHeaders() });
        return;
      case 'OPTIONS':
        transaction.reply(200, 'OK', { headers: this.capabilityHeaders() });
        return;
      case 'BYE':
        transaction.reply(481, 'Call/Transaction Does Not Exist');
        return;
      default:
        transaction.reply(ALLOWED_METHODS.includes(request.method) ? 481 : 405, undefined, { headers: this.capabilityHeaders() });
    }
  }

  private onInDialogRequest(request: SipRequest, transaction: ServerTransaction): void {
    const key = requestDialogKey(request);
    const session = key === null ? undefined : this.sessions.get(key);
    if (!session) {
      transaction.reply(481, 'Call/Transaction Does Not Exist');
      return;
    }
    try {
      session.dialog.receiveRequest(request);
    } catch (error) {
      if (error instanceof DialogRequestError) {
        transaction.reply(error.status, error.message);
        return;
      }
      throw error;
    }
    session.receiveRequest(request, transaction);
  }

  /** A 2xx after its INVITE transaction ended (retransmit, or a late fork): ACK it again or end it. */
  private onStrayResponse(response: SipResponse): void {
    if (response.status < 200 || response.status >= 300) return;
    const key = responseDialogKey(response);
    const session = key === null ? undefined : this.sessions.get(key);
    if (session) {
      session.sendAck();
      return;
    }
    const call = this.outgoing.get(OutgoingCall.keyOf(response));
    call?.receiveLateAnswer(response);
  }
}

/** A final response made up locally for a request that got none (timeout, transport failure). */
export function syntheticResponse(request: SipRequest, status: number, reason: string): SipResponse {
  return { kind: 'response', status, reason, headers: request.headers.filter((h) => ['Via', 'From', 'To', 'Call-ID', 'CSeq'].includes(h.name)), body: Buffer.alloc(0) };
}
