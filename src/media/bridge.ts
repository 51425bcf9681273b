import { transcodePcmaToPcmu, transcodePcmuToPcma } from './g711.js';
import { playAudio, type PlayOutcome } from './player.js';
import type { RtpSession } from './rtp-session.js';

/**
 * Connects two legs by relaying their RTP through Dialback: audio both ways (transcoded
 * between PCMU and PCMA when the legs negotiated different codecs, into a buffer reused
 * for every packet), DTMF passed on as RFC 4733 events in the other leg's payload type.
 * Talk time counts from the moment the bridge is made.
 */
export class MediaBridge {
  readonly startedAt: number;
  private readonly muted = new Set<RtpSession>();
  private readonly unsubscribe: (() => void)[] = [];
  private stopped = false;

  constructor(
    readonly a: RtpSession,
    readonly b: RtpSession,
    private readonly clock: () => number = Date.now,
  ) {
    this.startedAt = clock();
    this.relay(a, b);
    this.relay(b, a);
  }

  /** Seconds since the bridge was made (whole seconds, rounded up: a started second is talked). */
  talkSeconds(now: number = this.clock()): number {
    return Math.ceil((now - this.startedAt) / 1000);
  }

  /**
   * Stops relaying to `side`, plays it a sound (e.g. "your credit is exhausted"), and
   * resolves when the sound ends; the other side hears nothing from it meanwhile.
   */
  async interrupt(side: RtpSession, sound: Uint8Array, signal?: AbortSignal): Promise<PlayOutcome> {
    this.muted.add(side);
    return playAudio(side, sound, signal);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const off of this.unsubscribe.splice(0)) off();
  }

  private relay(from: RtpSession, to: RtpSession): void {
    const scratch = new Uint8Array(1500);
    const fromCodec = from.options.codec.name;
    const toCodec = to.options.codec.name;
    const transcode = fromCodec === toCodec ? null : fromCodec === 'PCMU' ? transcodePcmuToPcma : transcodePcmaToPcmu;
    this.unsubscribe.push(
      from.onAudio((payload) => {
        if (this.muted.has(to)) return;
        if (!transcode) {
          to.sendAudio(payload, payload.length);
          return;
        }
        const length = Math.min(payload.length, scratch.length);
        transcode(payload, 0, length, scratch, 0);
        to.sendAudio(scratch.subarray(0, length), length);
      }),
      from.onDtmf((event) => {
        if (this.muted.has(to) || to.options.telephoneEvent === null) return;
        void to.sendDigit(event.digit, Math.max(40, Math.round(event.duration / 8)));
      }),
    );
  }
}
