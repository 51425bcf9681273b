import { cseq } from '../message/index.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import type { ServerTransaction } from '../transaction/server.js';
import type { Dialog } from '../dialog/dialog.js';
import type { UserAgentCore } from './core.js';

export type SessionEndReason = 'local-bye' | 'remote-bye' | 'ack-timeout' | 'failed';

export interface SessionHandlers {
  /** The session ended (either side hung up, or it failed). Called once. */
  onEnded?(reason: SessionEndReason): void;
  /** An INFO arrived (SIP INFO DTMF: application/dtmf-relay, application/dtmf). Return the status to answer. */
  onInfo?(request: SipRequest): number;
  /** A re-INVITE offer; return the SDP answer (default: our current SDP, unchanged media). */
  onReinvite?(offer: Buffer): Buffer;
}

/**
 * An established call: an INVITE dialog usage (RFC 3261 §13-15, RFC 5057). It answers
 * BYE, re-INVITE, INFO and OPTIONS in the dialog, and hangs up with BYE.
 */
export class SipSession {
  handlers: SessionHandlers = {};
  ended = false;
  endReason: SessionEndReason | null = null;
  /** For the UAS: the 2xx to the INVITE, retransmitted until the ACK comes (§13.3.1.4). */
  private pendingAnswer: { response: SipResponse; transaction: ServerTransaction } | null = null;
  private ackWaiters: ((acked: boolean) => void)[] = [];
  private retransmitTimer: ReturnType<typeof setTimeout> | null = null;
  private giveUpTimer: ReturnType<typeof setTimeout> | null = null;
  /** The CSeq of the INVITE whose 2xx we ACK (UAC), to ACK 2xx retransmits again. */
  inviteSeq: number | null = null;
  private readonly endListeners: ((reason: SessionEndReason) => void)[] = [];

  constructor(
    readonly core: UserAgentCore,
    readonly dialog: Dialog,
    readonly role: 'uac' | 'uas',
    public localSdp: Buffer,
    public remoteSdp: Buffer,
  ) {}

  get callId(): string {
    return this.dialog.callId;
  }

  /** Engine-side bookkeeping (who is on the phone) that the application's handlers cannot replace. */
  whenEnded(listener: (reason: SessionEndReason) => void): void {
    if (this.ended && this.endReason) listener(this.endReason);
    else this.endListeners.push(listener);
  }

  /** UAS: send the 2xx and keep sending it with T1 doubling to T2 until ACKed, 64*T1 at most. */
  startAnswerRetransmission(response: SipResponse, transaction: ServerTransaction): void {
    this.pendingAnswer = { response, transaction };
    const { T1, T2 } = this.core.timerBase;
    let interval = T1;
    const again = () => {
      this.retransmitTimer = setTimeout(() => {
        if (!this.pendingAnswer) return;
        transaction.respond(response);
        interval = Math.min(interval * 2, T2);
        again();
      }, interval);
    };
    if (transaction.inbound.source.protocol === 'UDP') again();
    this.giveUpTimer = setTimeout(() => {
      if (!this.pendingAnswer) return;
      // §13.3.1.4: no ACK within 64*T1: the session is over; say so with a BYE.
      this.stopAnswerRetransmission(false);
      void this.bye('ack-timeout');
    }, 64 * T1);
  }

  /** Resolves true when the ACK of our 2xx arrives (at once for a UAC session), false if it never does. */
  acknowledged(): Promise<boolean> {
    if (!this.pendingAnswer) return Promise.resolve(!this.ended);
    return new Promise((resolve) => this.ackWaiters.push(resolve));
  }

  receiveAck(_request: SipRequest): void {
    if (!this.pendingAnswer) return;
    this.dialog.confirm();
    this.stopAnswerRetransmission(true);
  }

  private stopAnswerRetransmission(acked: boolean): void {
    this.pendingAnswer = null;
    if (this.retransmitTimer) clearTimeout(this.retransmitTimer);
    if (this.giveUpTimer) clearTimeout(this.giveUpTimer);
    this.retransmitTimer = null;
    this.giveUpTimer = null;
    for (const waiter of this.ackWaiters.splice(0)) waiter(acked);
  }

  /** UAC: (re-)send the ACK of the 2xx; 2xx retransmits get the same ACK (§13.2.2.4). */
  sendAck(): void {
    if (this.inviteSeq === null) return;
    const ack = this.dialog.createRequest('ACK', { cseq: this.inviteSeq });
    this.core.sendStateless(ack, this.dialog.nextHop);
  }

  /** A request from the peer inside this dialog. */
  receiveRequest(request: SipRequest, transaction: ServerTransaction): void {
    switch (request.method) {
      case 'BYE':
        transaction.reply(200);
        this.finish('remote-bye');
        return;
      case 'INFO': {
        const status = this.handlers.onInfo?.(request) ?? 200;
        transaction.reply(status);
        return;
      }
      case 'INVITE': {
        // A re-INVITE (§14.2): answer with our SDP for the offer; no offer means we offer.
        const answer = request.body.length > 0 ? (this.handlers.onReinvite?.(request.body) ?? this.localSdp) : this.localSdp;
        if (request.body.length > 0) this.remoteSdp = request.body;
        this.localSdp = answer;
        const response = transaction.reply(200, 'OK', {
          toTag: this.dialog.localTag,
          body: answer,
          contentType: 'application/sdp',
          headers: this.core.answerHeaders(),
        });
        this.startAnswerRetransmission(response, transaction);
        return;
      }
      case 'OPTIONS':
        transaction.reply(200, 'OK', { headers: this.core.capabilityHeaders() });
        return;
      case 'UPDATE':
        transaction.reply(200, 'OK', { headers: this.core.answerHeaders() });
        return;
      default:
        transaction.reply(405, 'Method Not Allowed', { headers: this.core.capabilityHeaders() });
    }
  }

  /** Hangs up: BYE in the dialog; resolves when it is answered or times out. */
  async bye(reason: SessionEndReason = 'local-bye'): Promise<void> {
    if (this.ended) return;
    this.finish(reason);
    const bye = this.dialog.createRequest('BYE');
    await this.core.sendInDialog(bye, this.dialog).catch(() => undefined);
  }

  /** Re-INVITE with a new offer (e.g. hold, or a new media address). Resolves with the answer's SDP. */
  async reinvite(offer: Buffer): Promise<SipResponse> {
    const request = this.dialog.createRequest('INVITE', { body: offer, contentType: 'application/sdp', headers: this.core.answerHeaders() });
    const response = await this.core.sendInDialog(request, this.dialog);
    if (response.status >= 200 && response.status < 300) {
      this.localSdp = offer;
      this.remoteSdp = response.body;
      this.dialog.receiveTargetRefreshResponse(response);
      const ack = this.dialog.createRequest('ACK', { cseq: cseq(request).seq });
      this.core.sendStateless(ack, this.dialog.nextHop);
    }
    return response;
  }

  private finish(reason: SessionEndReason): void {
    if (this.ended) return;
    this.ended = true;
    this.endReason = reason;
    this.stopAnswerRetransmission(false);
    this.dialog.terminate();
    this.core.forgetSession(this);
    for (const listener of this.endListeners.splice(0)) listener(reason);
    this.handlers.onEnded?.(reason);
  }
}
