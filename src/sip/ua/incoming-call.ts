import { formatUri, fromHeader, getHeader, toHeader } from '../message/index.js';
import type { HeaderField, NameAddress, SipRequest } from '../message/types.js';
import { Dialog, DialogRequestError } from '../dialog/dialog.js';
import type { ServerTransaction } from '../transaction/server.js';
import type { Inbound } from '../transport/types.js';
import type { UserAgentCore } from './core.js';
import { SipSession } from './session.js';

/**
 * A call someone placed to us (the UAS side of an INVITE, RFC 3261 §13.3). The
 * application decides: ring, answer with SDP, reject, or redirect. A CANCEL from the
 * caller ends it with 487 and tells the application through `onCancel`.
 */
export class IncomingCall {
  readonly localTag: string;
  cancelled = false;
  /** Set when the caller cancelled before we answered. */
  onCancel: (() => void) | null = null;
  private answered = false;
  private settledListeners: ((session: SipSession | null) => void)[] = [];

  constructor(
    private readonly core: UserAgentCore,
    readonly request: SipRequest,
    readonly transaction: ServerTransaction,
    readonly inbound: Inbound,
  ) {
    this.localTag = core.newTag();
    transaction.onTerminated(() => this.settled(null));
  }

  /** Once: with the session when answered, or null when rejected, cancelled or abandoned. */
  onSettled(listener: (session: SipSession | null) => void): void {
    this.settledListeners.push(listener);
  }

  private settled(session: SipSession | null): void {
    for (const listener of this.settledListeners.splice(0)) listener(session);
  }

  get from(): NameAddress {
    return fromHeader(this.request);
  }

  get to(): NameAddress {
    return toHeader(this.request);
  }

  /** The number or user dialled: the Request-URI's user part. */
  get dialled(): string | null {
    return this.request.uri.user;
  }

  /** The caller's SDP offer (empty when the INVITE had none). */
  get offer(): Buffer {
    return this.request.body;
  }

  header(name: string): string | undefined {
    return getHeader(this.request, name);
  }

  /** True while no final response was sent. */
  get pending(): boolean {
    return !this.answered && !this.transaction.answered && this.transaction.state !== 'terminated';
  }

  /** 180 Ringing (or 183 with early media when `sdp` is given). */
  ring(sdp?: Buffer): void {
    if (!this.pending) return;
    this.transaction.reply(sdp ? 183 : 180, undefined, {
      toTag: this.localTag,
      headers: [this.contactHeader()],
      ...(sdp ? { body: sdp, contentType: 'application/sdp' } : {}),
    });
  }

  /** Answers with our SDP; the session is up once the ACK arrives (`session.acknowledged()`). */
  answer(sdp: Buffer, headers: HeaderField[] = []): SipSession {
    if (!this.pending) throw new Error('the call was already answered, rejected or cancelled');
    this.answered = true;
    let dialog: Dialog;
    try {
      dialog = Dialog.asUas(this.request, this.localTag, this.core.contactFor(this.inbound.source.protocol), false);
    } catch (error) {
      if (error instanceof DialogRequestError) this.transaction.reply(error.status, error.message);
      throw error;
    }
    const session = new SipSession(this.core, dialog, 'uas', sdp, this.request.body);
    this.core.registerSession(session);
    const response = this.transaction.reply(200, 'OK', {
      toTag: this.localTag,
      body: sdp,
      contentType: 'application/sdp',
      headers: [
        this.contactHeader(),
        ...this.request.headers.filter((h) => h.name === 'Record-Route'),
        ...this.core.answerHeaders(),
        ...headers,
      ],
    });
    session.startAnswerRetransmission(response, this.transaction);
    this.core.forgetIncoming(this);
    this.settled(session);
    return session;
  }

  reject(status: number, reason?: string, headers: HeaderField[] = []): void {
    if (!this.pending) return;
    this.answered = true;
    this.transaction.reply(status, reason, { toTag: this.localTag, headers });
    this.core.forgetIncoming(this);
    this.settled(null);
  }

  /** 302 Moved Temporarily to other contacts. */
  redirect(contacts: string[]): void {
    this.reject(302, 'Moved Temporarily', contacts.map((value) => ({ name: 'Contact', value: `<${value}>` })));
  }

  /** The transaction layer matched a CANCEL to our INVITE (§9.2). */
  cancelledByCaller(): void {
    if (!this.pending) return;
    this.cancelled = true;
    this.reject(487, 'Request Terminated');
    this.onCancel?.();
  }

  private contactHeader(): HeaderField {
    return { name: 'Contact', value: `<${formatUri(this.core.contactFor(this.inbound.source.protocol))}>` };
  }
}
