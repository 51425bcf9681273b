import { callId, cseq, formatNameAddress, formatUri, fromHeader, getHeaders, tag, toHeader } from '../message/index.js';
import type { HeaderField, SipRequest, SipResponse, SipUri } from '../message/types.js';
import { Dialog } from '../dialog/dialog.js';
import type { ClientTransaction } from '../transaction/layer.js';
import type { Endpoint } from '../transport/types.js';
import type { UserAgentCore } from './core.js';
import { causeOfStatus, type FailureCause } from './causes.js';
import { DigestClient, DigestError } from './digest.js';
import { SipSession } from './session.js';
import { endpointOf } from './targets.js';

export interface OutgoingCallOptions {
  /** Whom to call: sip:001002@phone-contact or sip:+61412345678@carrier. */
  requestUri: SipUri;
  /** Where to send it, when not where the Request-URI points (a phone behind NAT: its binding's source). */
  target?: Endpoint;
  from: { uri: SipUri; displayName?: string | null };
  /** Defaults to the Request-URI. */
  to?: { uri: SipUri; displayName?: string | null };
  sdp: Buffer;
  /** Extra headers, e.g. P-Asserted-Identity. */
  headers?: HeaderField[];
  /** Answers 401/407 challenges with these (a carrier trunk's account). */
  credentials?: { username: string; password: string };
}

export type CallOutcome =
  | { answered: true; session: SipSession; response: SipResponse }
  | { answered: false; cause: FailureCause; status: number; reason: string };

/** How many times one call answers a challenge before it gives up (a wrong password loops otherwise). */
const MAX_AUTH_ATTEMPTS = 2;

/**
 * A call we place (the UAC side of an INVITE, RFC 3261 §13.2): sends the INVITE, reports
 * provisional responses, answers digest challenges, ACKs the answer, and can be cancelled
 * (§9.1: the CANCEL waits for a provisional response).
 */
export class OutgoingCall {
  readonly callId: string;
  readonly fromTag: string;
  readonly outcome: Promise<CallOutcome>;
  /** Provisional responses (180 Ringing, 183 Session Progress) as they come. */
  onProgress: ((response: SipResponse) => void) | null = null;
  private settle!: (outcome: CallOutcome) => void;
  private settled = false;
  private request!: SipRequest;
  private transaction: ClientTransaction | null = null;
  private readonly target: Endpoint;
  private seq = 1;
  private authAttempts = 0;
  private readonly digest: DigestClient | null;
  private gotProvisional = false;
  private cancelRequested = false;
  private session: SipSession | null = null;

  constructor(
    private readonly core: UserAgentCore,
    private readonly options: OutgoingCallOptions,
  ) {
    this.callId = core.newCallId();
    this.fromTag = core.newTag();
    this.target = options.target ?? endpointOf(options.requestUri);
    this.digest = options.credentials ? new DigestClient(options.credentials) : null;
    this.outcome = new Promise((resolve) => (this.settle = resolve));
  }

  get key(): string {
    return `${this.callId}\u0000${this.fromTag}`;
  }

  static keyOf(response: SipResponse): string {
    return `${callId(response)}\u0000${tag(fromHeader(response)) ?? ''}`;
  }

  /** The INVITE as last sent (with Via), e.g. to check headers in tests. */
  get invite(): SipRequest {
    return this.request;
  }

  start(extraHeaders: HeaderField[] = []): void {
    const { options } = this;
    const to = options.to ?? { uri: options.requestUri };
    const headers: HeaderField[] = [
      this.core.viaFor(this.target.protocol),
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: formatNameAddress({ displayName: options.from.displayName ?? null, uri: options.from.uri, params: new Map([['tag', this.fromTag]]) }) },
      { name: 'To', value: formatNameAddress({ displayName: to.displayName ?? null, uri: to.uri, params: new Map() }) },
      { name: 'Call-ID', value: this.callId },
      { name: 'CSeq', value: `${this.seq} INVITE` },
      { name: 'Contact', value: `<${formatUri(this.core.contactFor(this.target.protocol))}>` },
      { name: 'Allow', value: 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE' },
      ...this.core.agentHeader('User-Agent'),
      ...(options.headers ?? []),
      ...extraHeaders,
      { name: 'Content-Type', value: 'application/sdp' },
    ];
    this.request = { kind: 'request', method: 'INVITE', uri: options.requestUri, headers, body: options.sdp };
    this.transaction = this.core.transactions.sendRequest(this.request, this.target, {
      onResponse: (response) => this.onResponse(response),
      onTimeout: () => this.fail('timeout', 408, 'Request Timeout'),
      onTransportError: () => this.fail('network-error', 503, 'Service Unavailable'),
    });
  }

  /** Stops ringing: CANCEL now, or as soon as the callee's first provisional response arrives. */
  cancel(): void {
    if (this.settled) return;
    this.cancelRequested = true;
    if (this.gotProvisional) this.sendCancel();
  }

  private onResponse(response: SipResponse): void {
    const { status } = response;
    if (status < 200) {
      if (!this.gotProvisional) {
        this.gotProvisional = true;
        if (this.cancelRequested) this.sendCancel();
      }
      if (status > 100 && !this.settled) this.onProgress?.(response);
      return;
    }
    if (status < 300) {
      this.onAnswer(response);
      return;
    }
    if ((status === 401 || status === 407) && this.retryWithCredentials(response)) return;
    this.fail(this.cancelRequested && status === 487 ? 'cancelled' : causeOfStatus(status), status, response.reason);
  }

  private onAnswer(response: SipResponse): void {
    if (this.session && tag(fromHeader(response)) === this.fromTag && this.session.dialog.remoteTag === tag(toHeader(response))) {
      // A retransmitted 2xx (RFC 6026 Accepted state): the same ACK again.
      this.session.sendAck();
      return;
    }
    const dialog = Dialog.asUac(this.request, response, this.core.contactFor(this.target.protocol));
    const session = new SipSession(this.core, dialog, 'uac', this.options.sdp, response.body);
    session.inviteSeq = cseq(this.request).seq;
    this.core.registerSession(session);
    session.sendAck();
    if (this.settled || this.session) {
      // Answered after we gave up, or a second fork answered: take it and hang up at once (§13.2.2.4).
      void session.bye();
      return;
    }
    this.session = session;
    this.settled = true;
    this.core.forgetOutgoing(this);
    this.settle({ answered: true, session, response });
  }

  /** A 2xx that arrived after the INVITE transaction ended. */
  receiveLateAnswer(response: SipResponse): void {
    this.onAnswer(response);
  }

  private retryWithCredentials(response: SipResponse): boolean {
    if (!this.digest || this.authAttempts >= MAX_AUTH_ATTEMPTS || this.cancelRequested) return false;
    const proxy = response.status === 407;
    const challenges = getHeaders(response, proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate');
    let authorization: string;
    try {
      authorization = this.digest.respond(challenges, { method: 'INVITE', uri: formatUri(this.options.requestUri) });
    } catch (error) {
      if (error instanceof DigestError) {
        this.core.logger.warn({ reason: error.message }, 'cannot answer the challenge');
        return false;
      }
      throw error;
    }
    this.authAttempts++;
    this.seq++;
    // §22.2: the same Call-ID and From tag, a new CSeq and branch.
    this.start([{ name: proxy ? 'Proxy-Authorization' : 'Authorization', value: authorization }]);
    return true;
  }

  private sendCancel(): void {
    if (this.settled || !this.transaction) return;
    // §9.1: same Request-URI, Call-ID, To, From, CSeq number and top Via (branch) as the INVITE.
    const copy = (name: string): HeaderField[] => this.request.headers.filter((h) => h.name === name);
    const topVia = getHeaders(this.request, 'Via')[0] ?? '';
    const cancel: SipRequest = {
      kind: 'request',
      method: 'CANCEL',
      uri: this.request.uri,
      headers: [
        { name: 'Via', value: topVia },
        { name: 'Max-Forwards', value: '70' },
        ...copy('From'),
        ...copy('To'),
        ...copy('Call-ID'),
        { name: 'CSeq', value: `${this.seq} CANCEL` },
        ...copy('Route'),
        ...this.core.agentHeader('User-Agent'),
      ],
      body: Buffer.alloc(0),
    };
    this.core.transactions.sendRequest(cancel, this.target, {
      onResponse: () => undefined,
      onTimeout: () => undefined,
      onTransportError: () => undefined,
    });
  }

  private fail(cause: FailureCause, status: number, reason: string): void {
    if (this.settled) return;
    this.settled = true;
    // Stay findable for a while: a 2xx racing our CANCEL must still be ACKed and hung up.
    const linger = setTimeout(() => this.core.forgetOutgoing(this), 64 * this.core.timerBase.T1);
    linger.unref();
    this.settle({ answered: false, cause, status, reason });
  }
}

