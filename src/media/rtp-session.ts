import type { RemoteInfo } from 'node:dgram';
import { randomFillSync } from 'node:crypto';
import { DtmfReceiver, buildDtmfPackets, type DtmfDigitEvent } from './dtmf.js';
import type { RtpSocketPair } from './ports.js';
import {
  RTP_HEADER_SIZE,
  RtpReceiveStats,
  createRtpHeader,
  readRtpHeader,
  writeRtcpReceiverReport,
  writeRtcpSenderReport,
  unixMsToNtp,
  type RtpHeader,
} from './rtp-packet.js';

export interface RtpSessionOptions {
  /** The negotiated audio codec and its payload type (from SDP offer/answer). */
  codec: { name: 'PCMU' | 'PCMA'; payloadType: number };
  /** The peer's telephone-event payload type, or null when it has none. */
  telephoneEvent: number | null;
  /** Where the SDP says the peer receives. */
  remote: { address: string; port: number; rtcpPort: number };
  /** RTCP report interval (RFC 3550 §6.2 suggests 5 s for small sessions). */
  rtcpIntervalMs?: number;
  clock?: () => number;
}

export interface RtpSessionCounters {
  received: number;
  sent: number;
  /** Malformed packets, unknown payload types. */
  dropped: number;
  /** Packets from a source other than the one the session latched to (once latched, the kernel drops most of them first). */
  foreign: number;
}

/** Receives one audio payload: a view valid only during the call (the buffer is reused). */
export type AudioListener = (payload: Uint8Array, header: RtpHeader) => void;

/**
 * One leg's RTP stream (RFC 3550): receives from the peer, sends our audio and RFC 4733
 * events, reports with RTCP. Symmetric RTP: we send to where the peer's packets really
 * come from, since a phone behind NAT signals a private address. The session latches to
 * the source of the first valid packet in a negotiated payload type (as Asterisk's strict
 * RTP learns it) and connects its socket there, so the kernel drops packets from any other
 * source. The receive path allocates nothing of ours per packet.
 */
export class RtpSession {
  readonly counters: RtpSessionCounters = { received: 0, sent: 0, dropped: 0, foreign: 0 };
  readonly stats: RtpReceiveStats;
  readonly ssrc: number;
  private readonly header = createRtpHeader();
  private sequence: number;
  private timestamp: number;
  private octetsSent = 0;
  private target: { address: string; port: number };
  private rtcpTarget: { address: string; port: number };
  private latched = false;
  /** Connected to the latched source: the kernel then drops foreign packets and sends need no address. */
  private connected = false;
  /** The peer's SSRC, which our reception reports are about. */
  private remoteSsrc = 0;
  private audioListeners: AudioListener[] = [];
  private dtmfListeners: ((event: DtmfDigitEvent) => void)[] = [];
  private readonly dtmf: DtmfReceiver;
  private rtcpTimer: ReturnType<typeof setInterval> | null = null;
  private closed = false;
  private readonly clock: () => number;

  constructor(
    readonly sockets: RtpSocketPair,
    readonly options: RtpSessionOptions,
  ) {
    const random = new Uint32Array(3);
    randomFillSync(random);
    this.ssrc = random[0] ?? 1;
    // RFC 3550 §5.1: random initial sequence number and timestamp.
    this.sequence = (random[1] ?? 0) & 0xffff;
    this.timestamp = random[2] ?? 0;
    this.clock = options.clock ?? Date.now;
    this.stats = new RtpReceiveStats({ clockRate: 8000 });
    this.target = { address: options.remote.address, port: options.remote.port };
    this.rtcpTarget = { address: options.remote.address, port: options.remote.rtcpPort };
    this.dtmf = new DtmfReceiver((event) => {
      for (const listener of this.dtmfListeners) listener(event);
    });
    sockets.rtp.on('message', (packet, from) => this.onPacket(packet, from));
    sockets.rtcp.on('message', () => undefined);
    const interval = options.rtcpIntervalMs ?? 5_000;
    this.rtcpTimer = setInterval(() => this.sendRtcp(), interval);
    this.rtcpTimer.unref();
  }

  get localPort(): number {
    return this.sockets.port;
  }

  /** Where we currently send: the signalled address until the peer's first packet, then its real source. */
  get sendingTo(): { address: string; port: number } {
    return this.target;
  }

  onAudio(listener: AudioListener): () => void {
    this.audioListeners.push(listener);
    return () => {
      this.audioListeners = this.audioListeners.filter((l) => l !== listener);
    };
  }

  onDtmf(listener: (event: DtmfDigitEvent) => void): () => void {
    this.dtmfListeners.push(listener);
    return () => {
      this.dtmfListeners = this.dtmfListeners.filter((l) => l !== listener);
    };
  }

  /** Sends one audio frame (160 bytes = 20 ms of G.711) in the session's codec. */
  sendAudio(payload: Uint8Array, samples = payload.length, marker = false): void {
    this.sendPacket(this.options.codec.payloadType, payload, this.timestamp, marker);
    this.timestamp = (this.timestamp + samples) >>> 0;
  }

  /**
   * Sends a DTMF digit as RFC 4733 events, paced every 20 ms; resolves when the last end
   * packet is out. Audio sent meanwhile keeps its own timeline.
   */
  async sendDigit(digit: string, durationMs = 100): Promise<void> {
    const payloadType = this.options.telephoneEvent;
    if (payloadType === null) throw new Error('the peer did not negotiate telephone-event');
    const start = this.timestamp;
    const packets = buildDtmfPackets(digit, { durationMs, timestamp: start });
    const began = this.clock();
    for (const packet of packets) {
      const wait = began + packet.sendAtMs - this.clock();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (this.closed) return;
      this.sendPacket(payloadType, packet.payload, packet.timestamp, packet.marker);
    }
    this.timestamp = (start + durationMs * 8) >>> 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.rtcpTimer) clearInterval(this.rtcpTimer);
    this.dtmf.flush();
    this.sockets.release();
  }

  private sendPacket(payloadType: number, payload: Uint8Array, timestamp: number, marker: boolean): void {
    if (this.closed) return;
    // A fresh exact-size buffer from Node's pool: dgram may still hold it after send()
    // returns (a full socket buffer queues the send), and sending without a completion
    // callback saves a tick per packet; measured cheaper than recycling buffers.
    const buf = Buffer.allocUnsafe(RTP_HEADER_SIZE + payload.length);
    // Fixed 12-byte header (no CSRC, no extension), written by hand on the hot path.
    buf[0] = 0x80;
    buf[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
    buf.writeUInt16BE(this.sequence, 2);
    buf.writeUInt32BE(timestamp >>> 0, 4);
    buf.writeUInt32BE(this.ssrc, 8);
    buf.set(payload, RTP_HEADER_SIZE);
    this.sequence = (this.sequence + 1) & 0xffff;
    this.counters.sent++;
    this.octetsSent += payload.length;
    if (this.connected) this.sockets.rtp.send(buf);
    else this.sockets.rtp.send(buf, this.target.port, this.target.address);
  }

  private onPacket(packet: Buffer, from: RemoteInfo): void {
    if (this.closed) return;
    if (this.latched && (from.port !== this.target.port || from.address !== this.target.address)) {
      this.counters.foreign++;
      return;
    }
    const header = this.header;
    if (!readRtpHeader(packet, packet.length, header)) {
      this.counters.dropped++;
      return;
    }
    const audio = header.payloadType === this.options.codec.payloadType;
    const event = header.payloadType === this.options.telephoneEvent;
    if (!audio && !event) {
      this.counters.dropped++;
      return;
    }
    if (!this.latched) this.latch(from);
    this.counters.received++;
    this.remoteSsrc = header.ssrc;
    this.stats.update(header.sequenceNumber, header.timestamp, this.clock());
    const payload = packet.subarray(header.payloadOffset, header.payloadOffset + header.payloadLength);
    if (audio) {
      for (const listener of this.audioListeners) listener(payload, header);
    } else {
      this.dtmf.feed(header.timestamp, header.marker, payload);
    }
  }

  /**
   * Latches to the peer's real source and connects the socket to it: sends then skip the
   * per-packet destination lookup, and the kernel itself drops packets from anyone else
   * (a flood from a foreign source never reaches this process).
   */
  private latch(from: RemoteInfo): void {
    this.latched = true;
    this.target = { address: from.address, port: from.port };
    this.rtcpTarget = { address: from.address, port: from.port + 1 };
    const socket = this.sockets.rtp;
    try {
      // With the pool's literal lookup, connect completes before it returns.
      socket.connect(from.port, from.address);
      socket.remoteAddress();
      this.connected = true;
    } catch {
      this.connected = false;
    }
  }

  /**
   * The peer moved its media (a re-INVITE with a new address): send there and latch
   * afresh to whatever source its packets now come from.
   */
  retarget(remote: { address: string; port: number; rtcpPort: number }): void {
    if (this.closed) return;
    if (this.connected) {
      this.sockets.rtp.disconnect();
      this.connected = false;
    }
    this.latched = false;
    this.target = { address: remote.address, port: remote.port };
    this.rtcpTarget = { address: remote.address, port: remote.rtcpPort };
    this.dtmf.reset();
  }

  private sendRtcp(): void {
    if (this.closed) return;
    // A few packets a minute: a fresh buffer each time is simpler than pooling.
    const buffer = Buffer.alloc(256);
    const block = this.counters.received > 0 ? this.stats.buildReportBlock(this.remoteSsrc, this.clock()) : null;
    let length: number;
    if (this.counters.sent > 0) {
      const ntp = unixMsToNtp(this.clock());
      length = writeRtcpSenderReport(
        buffer,
        0,
        this.ssrc,
        { ntpSeconds: ntp.seconds, ntpFraction: ntp.fraction, rtpTimestamp: this.timestamp, packetCount: this.counters.sent, octetCount: this.octetsSent },
        block,
      );
    } else {
      length = writeRtcpReceiverReport(buffer, 0, this.ssrc, block);
    }
    this.sockets.rtcp.send(buffer, 0, length, this.rtcpTarget.port, this.rtcpTarget.address);
  }
}
