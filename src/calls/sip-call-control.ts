import { MediaBridge } from '../media/bridge.js';
import { DigitCollector, parseDtmfInfo, type CollectResult } from '../media/dtmf.js';
import { playSequence, type PlayOutcome } from '../media/player.js';
import type { RtpPortPool, RtpSocketPair } from '../media/ports.js';
import { RtpSession } from '../media/rtp-session.js';
import { answerOffer, createOffer, formatSdp, parseSdp, readAnswer, SdpError, type CodecName, type Negotiated, type ReadAnswerResult } from '../media/sdp.js';
import type { PromptLanguage } from '../media/speech.js';
import { getHeader, parseNameAddress } from '../sip/message/index.js';
import type { SipRequest } from '../sip/message/types.js';
import type { Dialer, DialOptions } from '../sip/ua/dialer.js';
import type { IncomingCall } from '../sip/ua/incoming-call.js';
import type { CallOutcome } from '../sip/ua/outgoing-call.js';
import type { SessionEndReason, SipSession } from '../sip/ua/session.js';
import type {
  Bridge,
  Call,
  CallControl,
  CallEnd,
  CollectOptions,
  ExtensionCallOptions,
  IncomingLeg,
  HangupCause,
  NumberCallOptions,
  OriginateOptions,
  Originated,
  Say,
} from './call.js';

/**
 * Where the audio of what calls say comes from: shipped prompts by name, or an account's
 * recordings by the same names (the sound library). PromptLibrary is the first kind.
 */
export interface SoundSource {
  sequence(names: readonly string[], language: PromptLanguage, codec: CodecName, account?: number, fallback?: string): Promise<Uint8Array[]>;
}

export interface SipCallControlOptions {
  /** The address we put in SDP (c=): where peers send us RTP. */
  mediaAddress: string;
  /** Hang up a call whose peer sent no RTP for this long (not while it holds us); default 60 s. */
  mediaTimeoutMs?: number;
  clock?: () => number;
}

/** Digits pressed while nobody collects are kept for the next collect, up to this many. */
const TYPE_AHEAD_LIMIT = 32;

const END_CAUSES: Record<SessionEndReason, HangupCause> = {
  'remote-bye': 'remote-hangup',
  'local-bye': 'local-hangup',
  'ack-timeout': 'failed',
  failed: 'failed',
};

/**
 * Call control over our SIP engine and RTP media: every leg gets an RTP session on a port
 * pair from the pool, negotiated by SDP offer/answer, and the ports go back to the pool
 * whichever way the call ends (no answer, codec mismatch, either side's BYE, an ACK that
 * never came, a media timeout, shutdown).
 */
export class SipCallControl implements CallControl {
  private readonly live = new Set<SipCall>();
  private sessionIds = Math.floor(Date.now() / 1000);
  private readonly clock: () => number;

  constructor(
    private readonly dialer: Dialer,
    private readonly ports: RtpPortPool,
    private readonly prompts: SoundSource,
    private readonly options: SipCallControlOptions,
  ) {
    this.clock = options.clock ?? Date.now;
  }

  /** Told of every prompt sequence a call is asked to say (metrics, logs, tests). */
  onSay: ((callId: string, prompts: readonly string[]) => void) | null = null;

  /** Calls up now. */
  get activeCalls(): number {
    return this.live.size;
  }

  isOnThePhone(extension: string): boolean {
    return this.dialer.activity.isOnThePhone(extension);
  }

  callExtension(extension: string, options: ExtensionCallOptions): Promise<Originated> {
    return this.originate(options, (dial) => this.dialer.callExtension(extension, options.caller, dial));
  }

  callNumber(e164: string, options: NumberCallOptions): Promise<Originated> {
    return this.originate(options, (dial) => this.dialer.callNumber(e164, options.trunk, options.callerId, dial, options.callerName ?? null));
  }

  /** The flows' view of a call made to us: who calls, ring, refuse. */
  incoming(call: IncomingCall): IncomingLeg {
    return new SipIncomingLeg(call);
  }

  bridge(a: Call, b: Call): Bridge {
    return new SipBridge(this.own(a), this.own(b), this.prompts, this.clock);
  }

  /**
   * Answers a call made to us with media. An offer we cannot take (no PCMU/PCMA, no
   * audio, SRTP only, unreadable SDP) is refused with 488 (RFC 3261 §13.3.1.3); so is an
   * INVITE without an offer, which we do not answer yet. Resolves with the call once our
   * 200 is acknowledged, or null.
   */
  async answer(incoming: IncomingCall): Promise<Call | null> {
    if (incoming.offer.length === 0) {
      incoming.reject(488, 'Not Acceptable Here', [warning('an INVITE without an SDP offer is not supported')]);
      return null;
    }
    let offer;
    try {
      offer = parseSdp(incoming.offer.toString('utf8'));
    } catch (error) {
      incoming.reject(488, 'Not Acceptable Here', [warning(error instanceof SdpError ? error.message : 'unreadable SDP')]);
      return null;
    }
    const sockets = await this.ports.allocate();
    const negotiated = answerOffer(offer, { address: this.options.mediaAddress, port: sockets.port, sessionId: this.nextSessionId(), version: 1 });
    if ('error' in negotiated) {
      sockets.release();
      incoming.reject(488, 'Not Acceptable Here', [warning(negotiated.message)]);
      return null;
    }
    if (!incoming.pending) {
      // The caller gave up while we were allocating.
      sockets.release();
      return null;
    }
    const session = incoming.answer(Buffer.from(formatSdp(negotiated.answer)));
    const call = this.track(session, sockets, negotiated);
    return (await session.acknowledged()) ? call : null;
  }

  /** Hangs up every call (server shutdown). */
  async stop(): Promise<void> {
    await Promise.all([...this.live].map((call) => call.hangup()));
  }

  private async originate(options: OriginateOptions, dial: (dial: DialOptions) => Promise<CallOutcome>): Promise<Originated> {
    const sockets = await this.ports.allocate();
    const offer = createOffer({ address: this.options.mediaAddress, port: sockets.port, sessionId: this.nextSessionId(), version: 1 });
    let outcome: CallOutcome;
    try {
      let rang = false;
      outcome = await dial({
        sdp: Buffer.from(formatSdp(offer)),
        ringTimeoutMs: options.ringSeconds * 1000,
        ...(options.signal ? { signal: options.signal } : {}),
        onProgress: () => {
          if (rang) return;
          rang = true;
          options.onRinging?.();
        },
      });
    } catch (error) {
      sockets.release();
      throw error;
    }
    if (!outcome.answered) {
      sockets.release();
      return outcome;
    }
    const negotiated = readAnswerText(offer, outcome.session.remoteSdp);
    if ('error' in negotiated) {
      // Answered with media we cannot use: hang up at once rather than connect silence.
      sockets.release();
      await outcome.session.bye();
      return { answered: false, cause: 'codec-mismatch', status: 488, reason: negotiated.message };
    }
    return { answered: true, call: this.track(outcome.session, sockets, negotiated) };
  }

  private track(session: SipSession, sockets: RtpSocketPair, negotiated: Negotiated): SipCall {
    const media = new RtpSession(sockets, { codec: negotiated.codec, telephoneEvent: negotiated.telephoneEvent, remote: negotiated.remote });
    const call = new SipCall(session, media, negotiated, this.prompts, {
      mediaAddress: this.options.mediaAddress,
      mediaTimeoutMs: this.options.mediaTimeoutMs ?? 60_000,
      clock: this.clock,
      onSay: (callId, prompts) => this.onSay?.(callId, prompts),
    });
    this.live.add(call);
    void call.ended.then(() => this.live.delete(call));
    return call;
  }

  private own(call: Call): SipCall {
    if (!(call instanceof SipCall) || !this.live.has(call)) throw new Error('that call is not a live call of this call control');
    return call;
  }

  private nextSessionId(): number {
    return this.sessionIds++;
  }
}

function readAnswerText(offer: ReturnType<typeof createOffer>, answer: Buffer): ReadAnswerResult {
  try {
    return readAnswer(offer, parseSdp(answer.toString('utf8')));
  } catch (error) {
    return { error: 'invalid-answer', message: error instanceof SdpError ? error.message : 'unreadable SDP answer' };
  }
}

function warning(text: string): { name: string; value: string } {
  // RFC 3261 §20.43: 304 "Media type not available" / 305 "Incompatible media format".
  return { name: 'Warning', value: `305 dialback "${text.replace(/["\\]/g, "'")}"` };
}

/** One answered leg: its SIP session and its RTP session, with the digits pressed on it. */
export class SipCall implements Call {
  readonly id: string;
  readonly answeredAt: number;
  readonly ended: Promise<CallEnd>;
  private readonly abort = new AbortController();
  private resolveEnded!: (end: CallEnd) => void;
  private typeAhead: string[] = [];
  private collector: DigitCollector | null = null;
  private readonly keyListeners = new Set<() => void>();
  private mediaTimer: ReturnType<typeof setInterval> | null = null;
  private onHold: boolean;
  private endCause: HangupCause | null = null;
  private sdpVersion = 1;

  constructor(
    private readonly session: SipSession,
    readonly media: RtpSession,
    negotiated: Negotiated,
    private readonly prompts: SoundSource,
    private readonly options: { mediaAddress: string; mediaTimeoutMs: number; clock: () => number; onSay?: (callId: string, prompts: readonly string[]) => void },
  ) {
    this.id = session.callId;
    this.answeredAt = options.clock();
    this.onHold = negotiated.hold;
    this.ended = new Promise((resolve) => {
      this.resolveEnded = resolve;
    });
    media.onDtmf((event) => this.key(event.digit));
    session.handlers = {
      onEnded: (reason) => this.finish(this.endCause ?? END_CAUSES[reason]),
      onInfo: (request) => this.info(request),
      onReinvite: (offer) => this.reinvite(offer),
    };
    if (session.ended) this.finish(END_CAUSES[session.endReason ?? 'failed']);
    else this.watchMedia();
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  async say(say: Say): Promise<PlayOutcome> {
    if (this.signal.aborted || say.signal?.aborted) return 'interrupted';
    this.options.onSay?.(this.id, say.prompts);
    if (say.bargeIn && this.typeAhead.length > 0) return 'interrupted';
    const audio = await this.prompts.sequence(say.prompts, say.language, this.media.options.codec.name, say.account, say.fallback);
    const stop = new AbortController();
    const onCallEnd = () => stop.abort();
    this.signal.addEventListener('abort', onCallEnd, { once: true });
    say.signal?.addEventListener('abort', onCallEnd, { once: true });
    const onKey = () => stop.abort();
    if (say.bargeIn) this.keyListeners.add(onKey);
    try {
      return await playSequence(this.media, audio, stop.signal);
    } finally {
      this.keyListeners.delete(onKey);
      this.signal.removeEventListener('abort', onCallEnd);
      say.signal?.removeEventListener('abort', onCallEnd);
    }
  }

  collectDigits(options: CollectOptions): Promise<CollectResult> {
    if (this.collector) throw new Error('digits are already being collected on this call');
    if (options.discardTypeAhead) this.typeAhead = [];
    const collector = new DigitCollector({
      maxLength: options.maxLength,
      ...(options.terminator !== undefined ? { terminator: options.terminator } : {}),
      ...(options.interDigitTimeoutMs !== undefined ? { interDigitTimeoutMs: options.interDigitTimeoutMs } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      signal: this.signal,
    });
    this.collector = collector;
    // Type-ahead: keys pressed during the prompt count, in order; what the collector does
    // not take (it finished) stays for the next collect.
    while (this.typeAhead.length > 0 && collector.push(this.typeAhead[0]!)) this.typeAhead.shift();
    return collector.result.finally(() => {
      if (this.collector === collector) this.collector = null;
    });
  }

  async hangup(): Promise<void> {
    await this.session.bye();
  }

  /** A key pressed on the phone, by RFC 4733 event or SIP INFO. */
  private key(digit: string): void {
    if (this.signal.aborted) return;
    if (!this.collector?.push(digit) && this.typeAhead.length < TYPE_AHEAD_LIMIT) this.typeAhead.push(digit);
    for (const listener of this.keyListeners) listener();
  }

  private info(request: SipRequest): number {
    const contentType = getHeader(request, 'Content-Type') ?? '';
    const digit = parseDtmfInfo(contentType, request.body.toString('utf8'));
    if (digit === null) {
      // RFC 6086 §4.2.2: an INFO we cannot use is refused, so the sender knows.
      return contentType === '' ? 200 : 415;
    }
    this.key(digit);
    return 200;
  }

  /**
   * A re-INVITE (RFC 3264 §8): hold, resume, or media moved. We keep the codec the RTP
   * session runs (offering the same one first is what phones do); an offer without it, or
   * an unreadable one, gets our current SDP back, so the call goes on as it was.
   */
  private reinvite(offerBody: Buffer): Buffer {
    let offer;
    try {
      offer = parseSdp(offerBody.toString('utf8'));
    } catch {
      return this.session.localSdp;
    }
    const negotiated = answerOffer(offer, {
      address: this.options.mediaAddress,
      port: this.media.localPort,
      sessionId: 1,
      version: ++this.sdpVersion,
      codecs: [this.media.options.codec.name],
    });
    if ('error' in negotiated) return this.session.localSdp;
    const current = this.media.sendingTo;
    if (!negotiated.hold && (negotiated.remote.address !== current.address || negotiated.remote.port !== current.port)) {
      this.media.retarget(negotiated.remote);
    }
    this.onHold = negotiated.hold;
    return Buffer.from(formatSdp(negotiated.answer));
  }

  /** A peer that vanished without BYE must not keep a paid call open. */
  private watchMedia(): void {
    let lastReceived = this.media.counters.received;
    let lastHeardAt = this.options.clock();
    const check = Math.min(5_000, Math.max(50, this.options.mediaTimeoutMs / 4));
    this.mediaTimer = setInterval(() => {
      const now = this.options.clock();
      if (this.media.counters.received !== lastReceived || this.onHold) {
        lastReceived = this.media.counters.received;
        lastHeardAt = now;
        return;
      }
      if (now - lastHeardAt >= this.options.mediaTimeoutMs) {
        this.endCause = 'media-timeout';
        void this.hangup();
      }
    }, check);
    this.mediaTimer.unref();
  }

  private finish(cause: HangupCause): void {
    if (this.abort.signal.aborted) return;
    if (this.mediaTimer) clearInterval(this.mediaTimer);
    this.media.close();
    this.abort.abort();
    this.resolveEnded({ cause, at: this.options.clock() });
  }
}

const REJECT_STATUS: Record<'busy' | 'unavailable' | 'declined', [number, string]> = {
  busy: [486, 'Busy Here'],
  unavailable: [480, 'Temporarily Unavailable'],
  declined: [603, 'Decline'],
};

class SipIncomingLeg implements IncomingLeg {
  readonly callerId: string | null;
  readonly dialled: string | null;
  readonly abandoned: Promise<void>;

  constructor(private readonly call: IncomingCall) {
    this.dialled = call.dialled;
    this.callerId = callerIdOf(call);
    this.abandoned = new Promise((resolve) => {
      call.onCancel = () => resolve();
    });
  }

  ring(): void {
    this.call.ring();
  }

  reject(cause: 'busy' | 'unavailable' | 'declined'): void {
    const [status, reason] = REJECT_STATUS[cause];
    this.call.reject(status, reason);
  }
}

/**
 * The caller's number: P-Asserted-Identity when the carrier sends one (RFC 3325: it is
 * the network's word, From is the caller's), else From; null when the caller withholds it
 * (Privacy: id or header, RFC 3323) or it is anonymous.
 */
function callerIdOf(call: IncomingCall): string | null {
  const privacy = (call.header('Privacy') ?? '').toLowerCase();
  if (/\b(id|header|user)\b/.test(privacy)) return null;
  let user: string | null = null;
  const asserted = call.header('P-Asserted-Identity');
  if (asserted) {
    try {
      user = parseNameAddress(asserted.split(',')[0] ?? '').uri.user;
    } catch {
      user = null;
    }
  }
  user ??= call.from.uri.user;
  if (!user) return null;
  const decoded = decodeURIComponent(user);
  if (/^(anonymous|unknown|restricted|unavailable|private)$/i.test(decoded)) return null;
  return decoded;
}

class SipBridge implements Bridge {
  readonly startedAt: number;
  readonly ended: Promise<{ first: Call | null; at: number }>;
  private readonly relay: MediaBridge;
  private stopped!: () => void;

  constructor(
    a: SipCall,
    b: SipCall,
    private readonly prompts: SoundSource,
    private readonly clock: () => number,
  ) {
    this.relay = new MediaBridge(a.media, b.media, clock);
    this.startedAt = this.relay.startedAt;
    const stopped = new Promise<null>((resolve) => {
      this.stopped = () => resolve(null);
    });
    this.ended = Promise.race([a.ended.then(() => a), b.ended.then(() => b), stopped]).then((first) => {
      this.relay.stop();
      return { first, at: this.clock() };
    });
  }

  talkSeconds(now?: number): number {
    return this.relay.talkSeconds(now);
  }

  async interrupt(side: Call, say: Omit<Say, 'bargeIn'>): Promise<PlayOutcome> {
    if (!(side instanceof SipCall) || (side.media !== this.relay.a && side.media !== this.relay.b)) {
      throw new Error('that call is not a side of this bridge');
    }
    const parts = await this.prompts.sequence(say.prompts, say.language, side.media.options.codec.name, say.account, say.fallback);
    const audio = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      audio.set(part, offset);
      offset += part.length;
    }
    return this.relay.interrupt(side.media, audio, side.signal);
  }

  stop(): void {
    this.stopped();
  }
}
