/**
 * DTMF: RFC 4733 telephone-event payloads (in-band RTP), SIP INFO bodies
 * (application/dtmf-relay and application/dtmf), and digit collection for call control.
 */

/** Event codes 0–15 of RFC 4733 §3.2 (Table 1), indexed by code. */
const EVENT_DIGITS = '0123456789*#ABCD';

/** Size of one telephone-event payload (RFC 4733 §2.3). */
export const TELEPHONE_EVENT_SIZE = 4;

export interface TelephoneEvent {
  /** Event code (0–255); only 0–15 are DTMF. */
  event: number;
  /** The DTMF digit for codes 0–15, otherwise null. */
  digit: string | null;
  /** E bit: this packet reports the end of the event. */
  end: boolean;
  /** Power level in -dBm0, 0–63 (§2.3.4). */
  volume: number;
  /** Duration so far, in timestamp units (§2.3.5). */
  duration: number;
}

/** DTMF digit for an event code, or null if the code is not 0–15. */
export function eventToDigit(event: number): string | null {
  return event >= 0 && event < 16 && Number.isInteger(event) ? EVENT_DIGITS[event]! : null;
}

/** Event code for a digit (`0-9 * # A-D`, letters in either case), or -1. */
export function digitToEvent(digit: string): number {
  return digit.length === 1 ? EVENT_DIGITS.indexOf(digit.toUpperCase()) : -1;
}

/**
 * Parse the first telephone-event in a payload (RFC 4733 §2.3):
 * event(8) | E(1) R(1) volume(6) | duration(16). Returns null if shorter than 4 bytes.
 * Multiple events in one payload (§2.5.1.5) are not used for DTMF, so only the first is read.
 */
export function parseTelephoneEvent(buf: Uint8Array, offset: number, length: number): TelephoneEvent | null {
  if (length < TELEPHONE_EVENT_SIZE || offset + TELEPHONE_EVENT_SIZE > buf.length) return null;
  const event = buf[offset]!;
  const flags = buf[offset + 1]!;
  return {
    event,
    digit: eventToDigit(event),
    end: (flags & 0x80) !== 0,
    volume: flags & 0x3f,
    duration: (buf[offset + 2]! << 8) | buf[offset + 3]!,
  };
}

/** Write one telephone-event payload at `offset`; returns 4. The R bit is always 0 (§2.3). */
export function writeTelephoneEvent(
  buf: Uint8Array,
  offset: number,
  event: number,
  end: boolean,
  volume: number,
  duration: number,
): number {
  buf[offset] = event & 0xff;
  buf[offset + 1] = (end ? 0x80 : 0) | (volume & 0x3f);
  buf[offset + 2] = (duration >> 8) & 0xff;
  buf[offset + 3] = duration & 0xff;
  return TELEPHONE_EVENT_SIZE;
}

export interface DtmfPacket {
  /** 4-byte telephone-event payload. */
  payload: Buffer;
  /** RTP timestamp: the event's start, identical on every packet of the event (§2.3.1). */
  timestamp: number;
  /** RTP marker bit: set on the first packet of the event only (§2.5.1.2). */
  marker: boolean;
  end: boolean;
  /** When to send it, in ms after the first packet. */
  sendAtMs: number;
}

export interface DtmfSendOptions {
  /** Tone length; default 100 ms. */
  durationMs?: number;
  /** RTP timestamp of the event start (the current media timestamp); default 0. */
  timestamp?: number;
  /** Clock rate negotiated for telephone-event; default 8000. */
  clockRate?: number;
  /** Interval between updates; default 20 ms, the usual packetisation (§2.5.1.2). */
  intervalMs?: number;
  /** Power level in -dBm0; default 10. */
  volume?: number;
  /** Copies of the final packet; default 3 (§2.5.1.4). */
  endPackets?: number;
}

/**
 * The packets that send one digit (RFC 4733 §2.5.1): a first packet with the marker bit,
 * updates every interval with the same timestamp and growing duration, then the final
 * duration with the E bit set, repeated (three times by default) so that losing one does not
 * lose the end. The caller assigns consecutive sequence numbers and sends each at `sendAtMs`.
 * The first packet already reports one interval of tone, as is common practice.
 * Durations beyond 16 bits would need §2.5.1.3 segmentation, which DTMF never needs, so they
 * throw.
 */
export function buildDtmfPackets(digit: string, options: DtmfSendOptions = {}): DtmfPacket[] {
  const event = digitToEvent(digit);
  if (event < 0) throw new RangeError(`not a DTMF digit: ${JSON.stringify(digit)}`);
  const clockRate = options.clockRate ?? 8000;
  const intervalMs = options.intervalMs ?? 20;
  const durationMs = options.durationMs ?? 100;
  const volume = options.volume ?? 10;
  const endPackets = options.endPackets ?? 3;
  const timestamp = (options.timestamp ?? 0) >>> 0;
  const total = Math.round((durationMs * clockRate) / 1000);
  const step = Math.round((intervalMs * clockRate) / 1000);
  if (!(step > 0) || !(total > 0)) throw new RangeError('duration and interval must be positive');
  if (total > 0xffff) throw new RangeError('DTMF duration exceeds the 16-bit duration field');
  if (!(endPackets >= 1)) throw new RangeError('at least one end packet is required');

  const packets: DtmfPacket[] = [];
  const make = (duration: number, end: boolean, sendAtMs: number): void => {
    const payload = Buffer.allocUnsafe(TELEPHONE_EVENT_SIZE);
    writeTelephoneEvent(payload, 0, event, end, volume, duration);
    packets.push({ payload, timestamp, marker: packets.length === 0, end, sendAtMs });
  };
  let k = 0;
  for (let elapsed = step; elapsed < total; elapsed += step, k++) make(elapsed, false, k * intervalMs);
  for (let i = 0; i < endPackets; i++) make(total, true, k * intervalMs);
  return packets;
}

export interface DtmfDigitEvent {
  digit: string;
  /** Duration in timestamp units, as last reported (0 if no packet carried it). */
  duration: number;
  /** RTP timestamp identifying the event. */
  timestamp: number;
}

/**
 * Turns a stream of telephone-event packets into digits, each reported exactly once
 * (RFC 4733 §2.5.2). An event is identified by its RTP timestamp (§2.3.1), so:
 * - it is reported at its first end packet; the retransmitted end packets are ignored;
 * - a long press (many updates, one timestamp) is one digit;
 * - a lost start is harmless: an end packet alone reports the digit;
 * - a lost end is recovered when a newer event timestamp arrives (the pending digit is
 *   reported first), or when the owner calls flush() (e.g. on an inactivity timer or BYE);
 * - a long-duration continuation segment (§2.5.1.3: same event, new timestamp, no marker,
 *   previous segment at the 0xFFFF maximum) continues the pending digit;
 * - packets with a timestamp older than the current event (reordered stragglers) are ignored.
 * Feed it from the RTP path with the packet's timestamp, marker and payload; it only keeps a
 * few numbers of state.
 */
export class DtmfReceiver {
  private active = false;
  private timestamp = 0;
  private event = 0;
  private duration = 0;
  private reported = false;

  constructor(private readonly onDigit: (digit: DtmfDigitEvent) => void) {}

  feed(rtpTimestamp: number, marker: boolean, payload: Uint8Array, offset = 0, length = payload.length - offset): void {
    if (length < TELEPHONE_EVENT_SIZE || offset + TELEPHONE_EVENT_SIZE > payload.length) return;
    const event = payload[offset]!;
    if (event > 15) return; // not DTMF (§3.2); other events are not ours to report
    const end = (payload[offset + 1]! & 0x80) !== 0;
    const duration = (payload[offset + 2]! << 8) | payload[offset + 3]!;
    const ts = rtpTimestamp >>> 0;

    if (this.active) {
      if (ts === this.timestamp) {
        if (this.reported) return; // retransmitted end, or an update after a reported end
        if (duration > this.duration) this.duration = duration;
        if (end) this.report();
        return;
      }
      // Signed 32-bit distance: negative means a straggler from an earlier event.
      if (((ts - this.timestamp) | 0) < 0) return;
      if (!this.reported) {
        const continuation = !marker && event === this.event && this.duration === 0xffff;
        if (continuation) {
          this.timestamp = ts;
          this.duration = duration;
          if (end) this.report();
          return;
        }
        this.report(); // the previous event's end packets were all lost
      }
    }
    this.active = true;
    this.timestamp = ts;
    this.event = event;
    this.duration = duration;
    this.reported = false;
    if (end) this.report();
  }

  /** Report a digit still waiting for its end packet (call on inactivity or teardown). */
  flush(): void {
    if (this.active && !this.reported) this.report();
  }

  /** Forget all state (e.g. on a new SSRC or re-INVITE). */
  reset(): void {
    this.active = false;
    this.reported = false;
  }

  private report(): void {
    this.reported = true;
    this.onDigit({ digit: EVENT_DIGITS[this.event]!, duration: this.duration, timestamp: this.timestamp });
  }
}

// ---------------------------------------------------------------------------------------
// SIP INFO DTMF bodies. Neither media type is defined by an RFC; both are de facto practice
// (RFC 6086 INFO with vendor packages): application/dtmf-relay carries
// "Signal=<d>\r\nDuration=<ms>", application/dtmf carries just the digit.

/** A digit from a Signal value: one of `0-9 * # A-D` (any case), or the event codes 10–15. */
function signalToDigit(value: string): string | null {
  if (value.length === 1) {
    return digitToEvent(value) >= 0 ? value.toUpperCase() : null;
  }
  // Some gateways send the RFC 4733 event code instead of the character for * # A-D.
  if (/^1[0-5]$/.test(value)) return EVENT_DIGITS[Number(value)]!;
  return null;
}

/**
 * The digit carried by a SIP INFO request body, or null if the content type is not a DTMF
 * one or the body is not a well-formed DTMF body. The media type is matched without
 * parameters and case-insensitively; keys and whitespace are tolerated.
 */
export function parseDtmfInfo(contentType: string, body: string): string | null {
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  if (type === 'application/dtmf') {
    return signalToDigit(body.trim());
  }
  if (type !== 'application/dtmf-relay') return null;
  let digit: string | null = null;
  for (const rawLine of body.split(/\r\n|\r|\n/)) {
    const line = rawLine.trim();
    if (line === '') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return null; // not a key=value line: junk
    const key = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim();
    if (key === 'signal') {
      if (digit !== null) return null; // two signals in one INFO is ambiguous
      digit = signalToDigit(value);
      if (digit === null) return null;
    } else if (key === 'duration') {
      if (!/^\d{1,9}$/.test(value)) return null;
    }
    // Other keys are ignored for forward compatibility.
  }
  return digit;
}

// ---------------------------------------------------------------------------------------
// Digit collection ("enter your number followed by #").

export type CollectReason = 'max-length' | 'terminator' | 'inter-digit-timeout' | 'timeout' | 'aborted';

export interface CollectResult {
  digits: string;
  reason: CollectReason;
}

/** Timer functions, injectable for tests; defaults to the global ones. */
export interface CollectorTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface DigitCollectorOptions {
  /** Stop after this many digits (terminator excluded). */
  maxLength: number;
  /** Digit that ends collection and is not included; default '#', '' for none. */
  terminator?: string;
  /** Max silence between digits, started by the first digit; default none. */
  interDigitTimeoutMs?: number;
  /** Max total time from start, including waiting for the first digit; default none. */
  timeoutMs?: number;
  /** Abort (e.g. hang-up) resolves the result with reason 'aborted' and the digits so far. */
  signal?: AbortSignal;
  timers?: CollectorTimers;
}

const defaultTimers: CollectorTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Collects digits until one of: max length, terminator, inter-digit timeout, overall timeout,
 * abort. `push` each received digit (from DtmfReceiver or SIP INFO); `result` settles once
 * and never rejects. Digits pushed after it settles are ignored (returned false).
 */
export class DigitCollector {
  readonly result: Promise<CollectResult>;
  private digits = '';
  private done = false;
  private resolve!: (r: CollectResult) => void;
  private readonly timers: CollectorTimers;
  private overallTimer: unknown = null;
  private interDigitTimer: unknown = null;
  private readonly maxLength: number;
  private readonly terminator: string;
  private readonly interDigitTimeoutMs: number | undefined;
  private readonly signal: AbortSignal | undefined;
  private readonly onAbort = (): void => this.finish('aborted');

  constructor(options: DigitCollectorOptions) {
    if (!(options.maxLength >= 1)) throw new RangeError('maxLength must be at least 1');
    this.maxLength = options.maxLength;
    this.terminator = (options.terminator ?? '#').toUpperCase();
    this.interDigitTimeoutMs = options.interDigitTimeoutMs;
    this.timers = options.timers ?? defaultTimers;
    this.signal = options.signal;
    this.result = new Promise<CollectResult>((resolve) => {
      this.resolve = resolve;
    });
    if (this.signal?.aborted) {
      this.finish('aborted');
      return;
    }
    this.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (options.timeoutMs !== undefined && Number.isFinite(options.timeoutMs)) {
      this.overallTimer = this.timers.setTimeout(() => this.finish('timeout'), options.timeoutMs);
    }
  }

  /** Offer one digit; returns false if it was not accepted (not a digit, or already done). */
  push(digit: string): boolean {
    if (this.done || digitToEvent(digit) < 0) return false;
    const d = digit.toUpperCase();
    if (this.terminator !== '' && d === this.terminator) {
      this.finish('terminator');
      return true;
    }
    this.digits += d;
    if (this.digits.length >= this.maxLength) {
      this.finish('max-length');
      return true;
    }
    if (this.interDigitTimeoutMs !== undefined && Number.isFinite(this.interDigitTimeoutMs)) {
      if (this.interDigitTimer !== null) this.timers.clearTimeout(this.interDigitTimer);
      this.interDigitTimer = this.timers.setTimeout(() => this.finish('inter-digit-timeout'), this.interDigitTimeoutMs);
    }
    return true;
  }

  private finish(reason: CollectReason): void {
    if (this.done) return;
    this.done = true;
    if (this.overallTimer !== null) this.timers.clearTimeout(this.overallTimer);
    if (this.interDigitTimer !== null) this.timers.clearTimeout(this.interDigitTimer);
    this.overallTimer = null;
    this.interDigitTimer = null;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.resolve({ digits: this.digits, reason });
  }
}

/** Convenience: start a collector, wire a digit source, and return the result. */
export function collectDigits(
  subscribe: (onDigit: (digit: string) => void) => () => void,
  options: DigitCollectorOptions,
): Promise<CollectResult> {
  const collector = new DigitCollector(options);
  const unsubscribe = subscribe((d) => {
    collector.push(d);
  });
  return collector.result.finally(unsubscribe);
}
