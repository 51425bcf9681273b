/**
 * RTP and RTCP wire formats (RFC 3550) on caller-owned buffers.
 *
 * The RTP data path (readRtpHeader / writeRtpHeader / RtpReceiveStats.update) allocates
 * nothing per packet: headers are parsed into a reusable RtpHeader object, in the style of
 * pion/rtp (ARCHITECTURE.md, "hot paths"). RTCP runs a few times a second, so its parser
 * returns fresh objects.
 */

export const RTP_VERSION = 2;
/** Fixed RTP header: V/P/X/CC, M/PT, sequence, timestamp, SSRC (RFC 3550 §5.1). */
export const RTP_HEADER_SIZE = 12;
/** The 4-bit CC field allows at most 15 contributing sources (RFC 3550 §5.1). */
export const RTP_MAX_CSRC = 15;

export interface RtpHeader {
  version: number;
  padding: boolean;
  extension: boolean;
  csrcCount: number;
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  /** Preallocated; only the first `csrcCount` entries are meaningful. */
  readonly csrc: Uint32Array;
  /** Header extension "defined by profile" field (RFC 3550 §5.3.1); 0 when absent. */
  extensionProfile: number;
  /** Offset and byte length of the extension data (after its 4-byte preamble); 0 when absent. */
  extensionOffset: number;
  extensionLength: number;
  /** Bytes of padding removed from the end (RFC 3550 §5.1, P bit); 0 when absent. */
  paddingLength: number;
  payloadOffset: number;
  payloadLength: number;
}

/** A reusable header object; allocate one per socket/leg, not per packet. */
export function createRtpHeader(): RtpHeader {
  return {
    version: RTP_VERSION,
    padding: false,
    extension: false,
    csrcCount: 0,
    marker: false,
    payloadType: 0,
    sequenceNumber: 0,
    timestamp: 0,
    ssrc: 0,
    csrc: new Uint32Array(RTP_MAX_CSRC),
    extensionProfile: 0,
    extensionOffset: 0,
    extensionLength: 0,
    paddingLength: 0,
    payloadOffset: 0,
    payloadLength: 0,
  };
}

/**
 * Parse the RTP header of the first `length` bytes of `buf` into `out`.
 * Returns false (leaving `out` partly written) for anything that is not a well-formed
 * RTP packet: shorter than 12 bytes, version other than 2, CSRC list or header extension
 * running past the end, or a padding count of 0 or larger than what is left (RFC 3550 §5.1,
 * and the validity checks of Appendix A.1).
 */
export function readRtpHeader(buf: Uint8Array, length: number, out: RtpHeader): boolean {
  if (length < RTP_HEADER_SIZE || length > buf.length) return false;
  const b0 = buf[0]!;
  const b1 = buf[1]!;
  const version = b0 >> 6;
  if (version !== RTP_VERSION) return false;
  const csrcCount = b0 & 0x0f;
  let offset = RTP_HEADER_SIZE + 4 * csrcCount;
  if (offset > length) return false;

  out.version = version;
  out.padding = (b0 & 0x20) !== 0;
  out.extension = (b0 & 0x10) !== 0;
  out.csrcCount = csrcCount;
  out.marker = (b1 & 0x80) !== 0;
  out.payloadType = b1 & 0x7f;
  out.sequenceNumber = (buf[2]! << 8) | buf[3]!;
  out.timestamp = readU32(buf, 4);
  out.ssrc = readU32(buf, 8);
  for (let i = 0; i < csrcCount; i++) out.csrc[i] = readU32(buf, RTP_HEADER_SIZE + 4 * i);

  out.extensionProfile = 0;
  out.extensionOffset = 0;
  out.extensionLength = 0;
  if (out.extension) {
    // §5.3.1: 16-bit profile-defined id, 16-bit length in 32-bit words excluding this preamble.
    if (offset + 4 > length) return false;
    out.extensionProfile = (buf[offset]! << 8) | buf[offset + 1]!;
    const words = (buf[offset + 2]! << 8) | buf[offset + 3]!;
    out.extensionOffset = offset + 4;
    out.extensionLength = words * 4;
    offset += 4 + words * 4;
    if (offset > length) return false;
  }

  out.paddingLength = 0;
  if (out.padding) {
    // §5.1: the last octet counts the padding octets, itself included, so it is at least 1.
    const pad = buf[length - 1]!;
    if (pad === 0 || offset + pad > length) return false;
    out.paddingLength = pad;
  }
  out.payloadOffset = offset;
  out.payloadLength = length - offset - out.paddingLength;
  return true;
}

/**
 * Write the fixed header and CSRC list of `header` at the start of `buf`; returns the header
 * size, where the caller writes the payload. We never originate header extensions or
 * padding, so X and P are written as 0 whatever `header` says; relays that must keep them
 * forward the received bytes and patch fields in place instead.
 */
export function writeRtpHeader(buf: Uint8Array, header: RtpHeader): number {
  const csrcCount = header.csrcCount;
  if (csrcCount < 0 || csrcCount > RTP_MAX_CSRC) throw new RangeError(`csrcCount ${csrcCount} out of range`);
  const size = RTP_HEADER_SIZE + 4 * csrcCount;
  if (buf.length < size) throw new RangeError('buffer too small for RTP header');
  buf[0] = (RTP_VERSION << 6) | csrcCount;
  buf[1] = (header.marker ? 0x80 : 0) | (header.payloadType & 0x7f);
  buf[2] = (header.sequenceNumber >> 8) & 0xff;
  buf[3] = header.sequenceNumber & 0xff;
  writeU32(buf, 4, header.timestamp);
  writeU32(buf, 8, header.ssrc);
  for (let i = 0; i < csrcCount; i++) writeU32(buf, RTP_HEADER_SIZE + 4 * i, header.csrc[i]!);
  return size;
}

function readU32(buf: Uint8Array, offset: number): number {
  return ((buf[offset]! << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!) >>> 0;
}

function writeU32(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = (value >>> 24) & 0xff;
  buf[offset + 1] = (value >>> 16) & 0xff;
  buf[offset + 2] = (value >>> 8) & 0xff;
  buf[offset + 3] = value & 0xff;
}

// ---------------------------------------------------------------------------------------
// RTCP Sender and Receiver Reports (RFC 3550 §6.4)

export const RTCP_SR = 200;
export const RTCP_RR = 201;
const RTCP_HEADER_SIZE = 8; // V/P/RC, PT, length, SSRC of packet sender
const SENDER_INFO_SIZE = 20;
const REPORT_BLOCK_SIZE = 24;

export interface RtcpSenderInfo {
  /** NTP timestamp (RFC 3550 §4): seconds since 1900 and 32-bit binary fraction. */
  ntpSeconds: number;
  ntpFraction: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
}

export interface RtcpReportBlock {
  ssrc: number;
  /** Fraction lost since the previous report, in 1/256 (8-bit fixed point). */
  fractionLost: number;
  /** Cumulative number lost, 24-bit signed (duplicates can make it negative). */
  cumulativeLost: number;
  extendedHighestSequence: number;
  /** Interarrival jitter in timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received (LSR), 0 if none. */
  lastSr: number;
  /** Delay since that SR, in units of 1/65536 s (DLSR), 0 if none. */
  delaySinceLastSr: number;
}

export interface RtcpReport {
  packetType: typeof RTCP_SR | typeof RTCP_RR;
  ssrc: number;
  /** Present for SR only. */
  sender: RtcpSenderInfo | null;
  blocks: RtcpReportBlock[];
}

/** Write an SR with zero or one report block at `offset`; returns bytes written. */
export function writeRtcpSenderReport(
  buf: Uint8Array,
  offset: number,
  ssrc: number,
  sender: RtcpSenderInfo,
  block: RtcpReportBlock | null,
): number {
  const size = RTCP_HEADER_SIZE + SENDER_INFO_SIZE + (block ? REPORT_BLOCK_SIZE : 0);
  if (buf.length < offset + size) throw new RangeError('buffer too small for RTCP SR');
  writeRtcpHeader(buf, offset, RTCP_SR, block ? 1 : 0, size, ssrc);
  let p = offset + RTCP_HEADER_SIZE;
  writeU32(buf, p, sender.ntpSeconds);
  writeU32(buf, p + 4, sender.ntpFraction);
  writeU32(buf, p + 8, sender.rtpTimestamp);
  writeU32(buf, p + 12, sender.packetCount);
  writeU32(buf, p + 16, sender.octetCount);
  p += SENDER_INFO_SIZE;
  if (block) writeReportBlock(buf, p, block);
  return size;
}

/** Write an RR with zero or one report block at `offset`; returns bytes written. */
export function writeRtcpReceiverReport(
  buf: Uint8Array,
  offset: number,
  ssrc: number,
  block: RtcpReportBlock | null,
): number {
  const size = RTCP_HEADER_SIZE + (block ? REPORT_BLOCK_SIZE : 0);
  if (buf.length < offset + size) throw new RangeError('buffer too small for RTCP RR');
  writeRtcpHeader(buf, offset, RTCP_RR, block ? 1 : 0, size, ssrc);
  if (block) writeReportBlock(buf, offset + RTCP_HEADER_SIZE, block);
  return size;
}

function writeRtcpHeader(buf: Uint8Array, offset: number, pt: number, count: number, size: number, ssrc: number): void {
  buf[offset] = (RTP_VERSION << 6) | count;
  buf[offset + 1] = pt;
  // §6.4.1: length is in 32-bit words minus one, header included.
  const words = size / 4 - 1;
  buf[offset + 2] = (words >> 8) & 0xff;
  buf[offset + 3] = words & 0xff;
  writeU32(buf, offset + 4, ssrc);
}

function writeReportBlock(buf: Uint8Array, p: number, block: RtcpReportBlock): void {
  writeU32(buf, p, block.ssrc);
  // §6.4.1: cumulative lost is a signed 24-bit field; clamp rather than wrap.
  const lost = Math.max(-0x800000, Math.min(0x7fffff, Math.trunc(block.cumulativeLost)));
  writeU32(buf, p + 4, (((block.fractionLost & 0xff) << 24) | (lost & 0xffffff)) >>> 0);
  writeU32(buf, p + 8, block.extendedHighestSequence);
  writeU32(buf, p + 12, block.jitter);
  writeU32(buf, p + 16, block.lastSr);
  writeU32(buf, p + 20, block.delaySinceLastSr);
}

function readReportBlock(buf: Uint8Array, p: number): RtcpReportBlock {
  const word = readU32(buf, p + 4);
  return {
    ssrc: readU32(buf, p),
    fractionLost: word >>> 24,
    cumulativeLost: ((word & 0xffffff) << 8) >> 8, // sign-extend 24 bits
    extendedHighestSequence: readU32(buf, p + 8),
    jitter: readU32(buf, p + 12),
    lastSr: readU32(buf, p + 16),
    delaySinceLastSr: readU32(buf, p + 20),
  };
}

/**
 * Parse the SR and RR packets of a (compound, §6.1) RTCP packet, skipping other types
 * (SDES, BYE, APP, feedback). Returns null if any packet's header is malformed: version
 * not 2, length running past the datagram, or a report count that does not fit its length.
 */
export function parseRtcpReports(buf: Uint8Array, length: number): RtcpReport[] | null {
  if (length > buf.length || length < 4) return null;
  const reports: RtcpReport[] = [];
  let offset = 0;
  while (offset < length) {
    if (offset + 4 > length) return null;
    const b0 = buf[offset]!;
    if (b0 >> 6 !== RTP_VERSION) return null;
    const count = b0 & 0x1f;
    const pt = buf[offset + 1]!;
    const size = (((buf[offset + 2]! << 8) | buf[offset + 3]!) + 1) * 4;
    if (offset + size > length) return null;
    // §6.4.1/§6.4.2: padding, when present, can only follow the report blocks.
    const padding = (b0 & 0x20) !== 0 ? buf[offset + size - 1]! : 0;
    const usable = size - padding;
    if (pt === RTCP_SR || pt === RTCP_RR) {
      const fixed = RTCP_HEADER_SIZE + (pt === RTCP_SR ? SENDER_INFO_SIZE : 0);
      if (fixed + count * REPORT_BLOCK_SIZE > usable) return null;
      const sender: RtcpSenderInfo | null =
        pt === RTCP_SR
          ? {
              ntpSeconds: readU32(buf, offset + 8),
              ntpFraction: readU32(buf, offset + 12),
              rtpTimestamp: readU32(buf, offset + 16),
              packetCount: readU32(buf, offset + 20),
              octetCount: readU32(buf, offset + 24),
            }
          : null;
      const blocks: RtcpReportBlock[] = [];
      for (let i = 0; i < count; i++) blocks.push(readReportBlock(buf, offset + fixed + i * REPORT_BLOCK_SIZE));
      reports.push({ packetType: pt, ssrc: readU32(buf, offset + 4), sender, blocks });
    }
    offset += size;
  }
  return reports;
}

/** True if the datagram looks like RTCP rather than RTP when both share a port (RFC 5761 §4). */
export function isRtcpPacket(buf: Uint8Array, length: number): boolean {
  if (length < 2) return false;
  const pt = buf[1]!;
  return pt >= 192 && pt <= 223;
}

// ---------------------------------------------------------------------------------------
// NTP timestamps (RFC 3550 §4): seconds since 1 January 1900 UTC, plus a 32-bit fraction.

/** Seconds between the NTP era 0 epoch (1900) and the Unix epoch (1970). */
export const NTP_UNIX_OFFSET_SECONDS = 2_208_988_800;
const TWO_32 = 4_294_967_296;

/** Unix milliseconds → NTP seconds/fraction (seconds taken mod 2^32, i.e. NTP era 0 then 1). */
export function unixMsToNtp(ms: number): { seconds: number; fraction: number } {
  const whole = Math.floor(ms / 1000);
  const seconds = (whole + NTP_UNIX_OFFSET_SECONDS) % TWO_32;
  const fraction = Math.floor(((ms - whole * 1000) / 1000) * TWO_32) >>> 0;
  return { seconds, fraction };
}

/** NTP seconds/fraction → Unix milliseconds (assumes era 0, which runs until 2036). */
export function ntpToUnixMs(seconds: number, fraction: number): number {
  return (seconds - NTP_UNIX_OFFSET_SECONDS) * 1000 + (fraction / TWO_32) * 1000;
}

/** The middle 32 bits of an NTP timestamp, as carried in LSR (RFC 3550 §6.4.1). */
export function ntpMiddle32(seconds: number, fraction: number): number {
  return (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0;
}

// ---------------------------------------------------------------------------------------
// Receive statistics: RFC 3550 Appendix A.1 (sequence extension and validity),
// A.3 (expected and lost packets), A.8 (interarrival jitter).

const RTP_SEQ_MOD = 0x10000;
/** A.1 recommended values: a jump forward of up to 3000 is loss, back by up to 100 is reordering. */
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;

export interface RtpReceiveStatsOptions {
  /** RTP clock rate of the payload (8000 for G.711 and telephone-event). */
  clockRate: number;
  /**
   * Sequential packets required before a source counts as valid (A.1 MIN_SEQUENTIAL).
   * Default 0: our peers are negotiated over SIP on ports we chose, so we count from the
   * first packet; set 2 to get the RFC's probation behaviour.
   */
  minSequential?: number;
}

export class RtpReceiveStats {
  private readonly clockRate: number;
  private readonly minSequential: number;
  private started = false;
  private probation = 0;
  private maxSeq = 0;
  private cycles = 0;
  private baseSeq = 0;
  private badSeq = RTP_SEQ_MOD + 1;
  private received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private jitterValue = 0;
  private haveTransit = false;
  private lastTimestamp = 0;
  private lastArrival = 0;
  private haveSr = false;
  private lastSrMiddle = 0;
  private lastSrArrivalMs = 0;

  constructor(options: RtpReceiveStatsOptions) {
    if (!(options.clockRate > 0)) throw new RangeError('clockRate must be positive');
    this.clockRate = options.clockRate;
    this.minSequential = options.minSequential ?? 0;
  }

  /**
   * Account for one received RTP packet. `arrivalMs` is a monotonic clock in milliseconds.
   * Returns false if A.1 judges the packet invalid (in probation, or a large jump not yet
   * confirmed by a second sequential packet); such packets should not be played out.
   */
  update(sequenceNumber: number, rtpTimestamp: number, arrivalMs: number): boolean {
    const seq = sequenceNumber & 0xffff;
    if (!this.started) {
      this.started = true;
      if (this.minSequential <= 0) {
        this.initSeq(seq);
        this.received = 1;
        this.updateJitter(rtpTimestamp, arrivalMs);
        return true;
      }
      this.initSeq(seq);
      this.maxSeq = (seq - 1) & 0xffff;
      this.probation = this.minSequential;
    }
    if (!this.updateSeq(seq)) return false;
    this.updateJitter(rtpTimestamp, arrivalMs);
    return true;
  }

  private initSeq(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = RTP_SEQ_MOD + 1; // so that seq === badSeq is false
    this.cycles = 0;
    this.received = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
  }

  // A.1 update_seq, in our words.
  private updateSeq(seq: number): boolean {
    const udelta = (seq - this.maxSeq) & 0xffff;
    if (this.probation > 0) {
      if (seq === ((this.maxSeq + 1) & 0xffff)) {
        this.probation--;
        this.maxSeq = seq;
        if (this.probation === 0) {
          this.initSeq(seq);
          this.received++;
          return true;
        }
      } else {
        this.probation = this.minSequential - 1;
        this.maxSeq = seq;
      }
      return false;
    }
    if (udelta < MAX_DROPOUT) {
      // In order, with an acceptable gap; wrapping past 65535 starts a new cycle.
      if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD;
      this.maxSeq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      // A very large jump: only believe it (as a sender restart) if the next packet follows it.
      if (seq === this.badSeq) {
        this.initSeq(seq);
      } else {
        this.badSeq = (seq + 1) & 0xffff;
        return false;
      }
    }
    // else: duplicate or reordered packet within MAX_MISORDER; counted, max unchanged.
    this.received++;
    return true;
  }

  // A.8: J += (|D(i-1,i)| - J) / 16, with D computed from timestamp and arrival deltas so that
  // a 32-bit RTP timestamp wrap does not look like a huge transit change.
  private updateJitter(rtpTimestamp: number, arrivalMs: number): void {
    const arrival = (arrivalMs * this.clockRate) / 1000;
    if (this.haveTransit) {
      const dTimestamp = (rtpTimestamp - this.lastTimestamp) | 0; // signed mod 2^32
      let d = arrival - this.lastArrival - dTimestamp;
      if (d < 0) d = -d;
      this.jitterValue += (d - this.jitterValue) / 16;
    }
    this.haveTransit = true;
    this.lastTimestamp = rtpTimestamp >>> 0;
    this.lastArrival = arrival;
  }

  /** Record a received SR so the next report block carries LSR/DLSR (RFC 3550 §6.4.1). */
  onSenderReport(ntpSeconds: number, ntpFraction: number, arrivalMs: number): void {
    this.haveSr = true;
    this.lastSrMiddle = ntpMiddle32(ntpSeconds, ntpFraction);
    this.lastSrArrivalMs = arrivalMs;
  }

  get packetsReceived(): number {
    return this.received;
  }

  /** Highest sequence number seen, extended with the wrap count (A.3 extended_max). */
  get extendedHighestSequence(): number {
    return this.cycles + this.maxSeq;
  }

  get packetsExpected(): number {
    return this.started && this.probation === 0 ? this.extendedHighestSequence - this.baseSeq + 1 : 0;
  }

  /** Cumulative lost since the start; negative if duplicates outnumber losses (A.3). */
  get cumulativeLost(): number {
    return this.packetsExpected - this.received;
  }

  /** Interarrival jitter in timestamp units, as reported (§6.4.1). */
  get jitter(): number {
    return Math.floor(this.jitterValue);
  }

  /**
   * Fraction lost since the previous call, as the 8-bit fixed-point value of §6.4.1 (A.3).
   * Advances the reporting interval, so call it once per report.
   */
  takeFractionLost(): number {
    const expected = this.packetsExpected;
    const expectedInterval = expected - this.expectedPrior;
    this.expectedPrior = expected;
    const receivedInterval = this.received - this.receivedPrior;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    if (expectedInterval === 0 || lostInterval <= 0) return 0;
    return Math.floor((lostInterval * 256) / expectedInterval);
  }

  /** A report block about this source for an SR/RR sent at `nowMs`; advances the interval. */
  buildReportBlock(ssrc: number, nowMs: number): RtcpReportBlock {
    return {
      ssrc,
      fractionLost: this.takeFractionLost(),
      cumulativeLost: this.cumulativeLost,
      extendedHighestSequence: this.extendedHighestSequence >>> 0,
      jitter: this.jitter >>> 0,
      lastSr: this.lastSrMiddle,
      delaySinceLastSr: this.haveSr ? Math.max(0, Math.round(((nowMs - this.lastSrArrivalMs) * 65536) / 1000)) >>> 0 : 0,
    };
  }
}
