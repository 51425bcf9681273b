import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  NTP_UNIX_OFFSET_SECONDS,
  RTCP_RR,
  RTCP_SR,
  RtpReceiveStats,
  createRtpHeader,
  isRtcpPacket,
  ntpMiddle32,
  ntpToUnixMs,
  parseRtcpReports,
  readRtpHeader,
  unixMsToNtp,
  writeRtcpReceiverReport,
  writeRtcpSenderReport,
  writeRtpHeader,
  type RtcpReportBlock,
} from '../../src/media/rtp-packet.js';

function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}

describe('readRtpHeader', () => {
  it('parses a plain PCMU packet', () => {
    const pkt = hex('80 00 1234 00000640 deadbeef') ;
    const buf = Buffer.concat([pkt, Buffer.alloc(160, 0xff)]);
    const h = createRtpHeader();
    expect(readRtpHeader(buf, buf.length, h)).toBe(true);
    expect(h).toMatchObject({
      version: 2,
      padding: false,
      extension: false,
      csrcCount: 0,
      marker: false,
      payloadType: 0,
      sequenceNumber: 0x1234,
      timestamp: 1600,
      ssrc: 0xdeadbeef,
      payloadOffset: 12,
      payloadLength: 160,
      paddingLength: 0,
    });
  });

  it('reads marker, payload type 101, CSRCs, extension and padding', () => {
    // V=2 P=1 X=1 CC=2; M=1 PT=101
    const buf = hex(
      'b2 e5 ffff ffffffff 00000001' + // header
        '00000002 00000003' + // CSRCs
        'bede 0002 11223344 55667788' + // extension, 2 words
        'aabbccdd' + // payload
        '000003', // padding: 3 bytes, last is the count
    );
    const h = createRtpHeader();
    expect(readRtpHeader(buf, buf.length, h)).toBe(true);
    expect(h.marker).toBe(true);
    expect(h.payloadType).toBe(101);
    expect(h.sequenceNumber).toBe(65535);
    expect(h.timestamp).toBe(0xffffffff);
    expect(h.csrcCount).toBe(2);
    expect([...h.csrc.subarray(0, 2)]).toEqual([2, 3]);
    expect(h.extensionProfile).toBe(0xbede);
    expect(h.extensionOffset).toBe(24);
    expect(h.extensionLength).toBe(8);
    expect(h.paddingLength).toBe(3);
    expect(h.payloadOffset).toBe(32);
    expect(h.payloadLength).toBe(4);
    expect(buf.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength).toString('hex')).toBe('aabbccdd');
  });

  it('honours the length argument rather than the buffer size (pooled receive buffers)', () => {
    const buf = Buffer.alloc(1500, 0xaa);
    hex('80 08 0001 00000000 00000001').copy(buf);
    const h = createRtpHeader();
    expect(readRtpHeader(buf, 172, h)).toBe(true);
    expect(h.payloadLength).toBe(160);
    expect(readRtpHeader(buf, 1501, h)).toBe(false);
  });

  it('refuses malformed packets', () => {
    const h = createRtpHeader();
    const ok = hex('80 00 0001 00000000 00000001 ff');
    expect(readRtpHeader(ok, ok.length, h)).toBe(true);
    expect(readRtpHeader(ok, 11, h)).toBe(false); // too short
    expect(readRtpHeader(hex('40 00 0001 00000000 00000001'), 12, h)).toBe(false); // version 1
    expect(readRtpHeader(hex('c0 00 0001 00000000 00000001'), 12, h)).toBe(false); // version 3
    expect(readRtpHeader(hex('81 00 0001 00000000 00000001'), 12, h)).toBe(false); // CSRC missing
    expect(readRtpHeader(hex('90 00 0001 00000000 00000001 bede'), 14, h)).toBe(false); // short ext preamble
    expect(readRtpHeader(hex('90 00 0001 00000000 00000001 bede0002 00000000'), 20, h)).toBe(false); // ext too long
    expect(readRtpHeader(hex('a0 00 0001 00000000 00000001 ff00'), 14, h)).toBe(false); // padding count 0
    expect(readRtpHeader(hex('a0 00 0001 00000000 00000001 ff03'), 14, h)).toBe(false); // padding past header
  });

  it('accepts padding that consumes the whole payload', () => {
    const buf = hex('a0 00 0001 00000000 00000001 00000004');
    const h = createRtpHeader();
    expect(readRtpHeader(buf, buf.length, h)).toBe(true);
    expect(h.payloadLength).toBe(0);
  });

  it('never throws on random input, and accepted payloads stay inside the packet', () => {
    const h = createRtpHeader();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 80 }), (bytes) => {
        const buf = Buffer.from(bytes);
        if (readRtpHeader(buf, buf.length, h)) {
          expect(h.payloadOffset).toBeGreaterThanOrEqual(12);
          expect(h.payloadOffset + h.payloadLength + h.paddingLength).toBe(buf.length);
          expect(h.payloadLength).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });
});

describe('writeRtpHeader', () => {
  it('round-trips through readRtpHeader', () => {
    fc.assert(
      fc.property(
        fc.record({
          marker: fc.boolean(),
          payloadType: fc.integer({ min: 0, max: 127 }),
          sequenceNumber: fc.integer({ min: 0, max: 65535 }),
          timestamp: fc.integer({ min: 0, max: 0xffffffff }),
          ssrc: fc.integer({ min: 0, max: 0xffffffff }),
          csrc: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
        }),
        (v) => {
          const h = createRtpHeader();
          Object.assign(h, { marker: v.marker, payloadType: v.payloadType, sequenceNumber: v.sequenceNumber });
          h.timestamp = v.timestamp;
          h.ssrc = v.ssrc;
          h.csrcCount = v.csrc.length;
          h.csrc.set(v.csrc);
          const buf = Buffer.alloc(200);
          const n = writeRtpHeader(buf, h);
          expect(n).toBe(12 + 4 * v.csrc.length);
          const back = createRtpHeader();
          expect(readRtpHeader(buf, n + 20, back)).toBe(true);
          expect(back).toMatchObject({ ...v, csrc: back.csrc, csrcCount: v.csrc.length, payloadOffset: n, payloadLength: 20 });
          expect([...back.csrc.subarray(0, v.csrc.length)]).toEqual(v.csrc);
        },
      ),
    );
  });

  it('writes exact bytes and refuses impossible headers', () => {
    const h = createRtpHeader();
    h.marker = true;
    h.payloadType = 101;
    h.sequenceNumber = 0xabcd;
    h.timestamp = 0x01020304;
    h.ssrc = 0x05060708;
    const buf = Buffer.alloc(12);
    expect(writeRtpHeader(buf, h)).toBe(12);
    expect(buf.toString('hex')).toBe('80e5abcd0102030405060708');
    expect(() => writeRtpHeader(Buffer.alloc(11), h)).toThrow(RangeError);
    // We never originate padding or extensions: P and X are always written as 0.
    h.padding = true;
    h.extension = true;
    writeRtpHeader(buf, h);
    expect(buf[0]).toBe(0x80);
    h.csrcCount = 16;
    expect(() => writeRtpHeader(Buffer.alloc(100), h)).toThrow(RangeError);
  });
});

describe('NTP timestamps', () => {
  it('converts the Unix epoch and back', () => {
    expect(unixMsToNtp(0)).toEqual({ seconds: NTP_UNIX_OFFSET_SECONDS, fraction: 0 });
    expect(unixMsToNtp(1500)).toEqual({ seconds: NTP_UNIX_OFFSET_SECONDS + 1, fraction: 0x80000000 });
    expect(ntpToUnixMs(NTP_UNIX_OFFSET_SECONDS + 1, 0x40000000)).toBe(1250);
  });

  it('round-trips present-day times to within a millisecond', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_600_000_000_000, max: 2_000_000_000_000 }), (ms) => {
        const { seconds, fraction } = unixMsToNtp(ms);
        expect(Math.abs(ntpToUnixMs(seconds, fraction) - ms)).toBeLessThan(1);
      }),
    );
  });

  it('takes the middle 32 bits for LSR', () => {
    expect(ntpMiddle32(0x12345678, 0x9abcdef0)).toBe(0x56789abc);
  });
});

describe('RTCP SR / RR', () => {
  const block: RtcpReportBlock = {
    ssrc: 0x11111111,
    fractionLost: 64,
    cumulativeLost: -3,
    extendedHighestSequence: 0x0001_0005,
    jitter: 42,
    lastSr: 0x56789abc,
    delaySinceLastSr: 65536,
  };

  it('builds and parses a Sender Report with one block', () => {
    const buf = Buffer.alloc(100);
    const sender = { ntpSeconds: 0xe0000000, ntpFraction: 0x80000000, rtpTimestamp: 160, packetCount: 10, octetCount: 1600 };
    const n = writeRtcpSenderReport(buf, 0, 0xcafebabe, sender, block);
    expect(n).toBe(52);
    expect(buf.subarray(0, 4).toString('hex')).toBe('81c8000c'); // V=2 RC=1, PT=200, length 12
    expect(isRtcpPacket(buf, n)).toBe(true);
    expect(parseRtcpReports(buf, n)).toEqual([{ packetType: RTCP_SR, ssrc: 0xcafebabe, sender, blocks: [block] }]);
  });

  it('builds and parses a Receiver Report, with and without a block, as a compound packet', () => {
    const buf = Buffer.alloc(100);
    let n = writeRtcpReceiverReport(buf, 0, 1, block);
    expect(n).toBe(32);
    expect(buf.subarray(0, 4).toString('hex')).toBe('81c90007');
    n += writeRtcpReceiverReport(buf, n, 2, null);
    // An SDES packet (CNAME "a") that the parser must skip.
    n += hex('81ca0002 00000002 01016100').copy(buf, n);
    expect(parseRtcpReports(buf, n)).toEqual([
      { packetType: RTCP_RR, ssrc: 1, sender: null, blocks: [block] },
      { packetType: RTCP_RR, ssrc: 2, sender: null, blocks: [] },
    ]);
  });

  it('clamps cumulative lost to 24 bits signed', () => {
    const buf = Buffer.alloc(32);
    writeRtcpReceiverReport(buf, 0, 1, { ...block, cumulativeLost: 1e9 });
    expect(parseRtcpReports(buf, 32)?.[0]?.blocks[0]?.cumulativeLost).toBe(0x7fffff);
    writeRtcpReceiverReport(buf, 0, 1, { ...block, cumulativeLost: -1e9 });
    expect(parseRtcpReports(buf, 32)?.[0]?.blocks[0]?.cumulativeLost).toBe(-0x800000);
  });

  it('refuses malformed RTCP', () => {
    const buf = Buffer.alloc(32);
    writeRtcpReceiverReport(buf, 0, 1, block);
    expect(parseRtcpReports(buf, 31)).toBeNull(); // length runs past datagram
    expect(parseRtcpReports(buf, 3)).toBeNull();
    const badVersion = Buffer.from(buf);
    badVersion[0] = 0x41;
    expect(parseRtcpReports(badVersion, 32)).toBeNull();
    const badCount = Buffer.from(buf);
    badCount[0] = 0x82; // claims two blocks in room for one
    expect(parseRtcpReports(badCount, 32)).toBeNull();
    expect(isRtcpPacket(hex('80 00 0001'), 3)).toBe(false);
  });
});

/** Feed packets with 20 ms spacing, timestamps advancing 160 per sequence step. */
function feed(stats: RtpReceiveStats, seqs: number[], startMs = 0): boolean[] {
  return seqs.map((s, i) => stats.update(s & 0xffff, (s * 160) >>> 0, startMs + i * 20));
}

describe('RtpReceiveStats', () => {
  it('counts an in-order stream with no loss and no jitter', () => {
    const stats = new RtpReceiveStats({ clockRate: 8000 });
    feed(stats, [100, 101, 102, 103, 104]);
    expect(stats.packetsReceived).toBe(5);
    expect(stats.cumulativeLost).toBe(0);
    expect(stats.extendedHighestSequence).toBe(104);
    expect(stats.jitter).toBe(0);
    expect(stats.takeFractionLost()).toBe(0);
  });

  it('extends the sequence number across the 16-bit wrap', () => {
    const stats = new RtpReceiveStats({ clockRate: 8000 });
    feed(stats, [65533, 65534, 65535, 65536, 65537, 65538]);
    expect(stats.extendedHighestSequence).toBe(65536 + 2);
    expect(stats.packetsReceived).toBe(6);
    expect(stats.cumulativeLost).toBe(0);
  });

  it('counts losses, and fraction lost per interval', () => {
    const stats = new RtpReceiveStats({ clockRate: 8000 });
    feed(stats, [1, 2, 4, 5]); // 3 lost: expected 5, received 4
    expect(stats.cumulativeLost).toBe(1);
    expect(stats.takeFractionLost()).toBe(Math.floor(256 / 5));
    feed(stats, [6, 7, 8, 9], 100); // no loss in this interval
    expect(stats.takeFractionLost()).toBe(0);
    expect(stats.cumulativeLost).toBe(1);
  });

  it('handles reordering across the wrap without counting a cycle twice', () => {
    const stats = new RtpReceiveStats({ clockRate: 8000 });
    feed(stats, [65534, 0, 65535, 1, 2].map((s) => (s < 100 ? s + 65536 : s)));
    expect(stats.extendedHighestSequence).toBe(65536 + 2);
    expect(stats.packetsReceived).toBe(5);
    expect(stats.cumulativeLost).toBe(0);
  });

  it('a late packet after loss fills the gap (lost goes back down)', () => {
    const stats = new RtpReceiveStats({ clockRate: 8000 });
    feed(stats, [10, 11, 13]);
    expect(stats.cumulativeLost).toBe(1);
    feed(stats, [12], 100);
    expect(stats.cumulativeLost).toBe(0);
    expect(stats.extendedHighestSequence).toBe(13);
  });

  it('duplicates make cumulative lost negative and fraction lost zero', () => {
    const stats = new RtpReceiveStats({ clockRate: 8000 });
    feed(stats, [1, 2, 2, 3]);
    expect(stats.cumulativeLost).toBe(-1);
    expect(stats.takeFractionLost()).toBe(0);
  });

  it('treats a huge jump as a restart only when the next packet confirms it (A.1)', () => {
    const stats = new RtpReceiveStats({ clockRate: 8000 });
    feed(stats, [1, 2, 3]);
    expect(stats.update(30000, 0, 100)).toBe(false);
    expect(stats.extendedHighestSequence).toBe(3);
    expect(stats.update(4, 4 * 160, 120)).toBe(true); // stray packet ignored, stream continues
    expect(stats.update(40000, 0, 140)).toBe(false);
    expect(stats.update(40001, 160, 160)).toBe(true); // confirmed: statistics restart
    expect(stats.extendedHighestSequence).toBe(40001);
    expect(stats.packetsReceived).toBe(1);
  });

  it('applies probation when minSequential is set', () => {
    const stats = new RtpReceiveStats({ clockRate: 8000, minSequential: 2 });
    expect(stats.update(500, 0, 0)).toBe(false);
    expect(stats.packetsExpected).toBe(0);
    expect(stats.update(501, 160, 20)).toBe(true);
    expect(stats.update(502, 320, 40)).toBe(true);
    expect(stats.packetsReceived).toBe(2);
    expect(stats.cumulativeLost).toBe(0);
  });

  it('computes interarrival jitter in timestamp units (A.8)', () => {
    const stats = new RtpReceiveStats({ clockRate: 8000 });
    // Packets every 20 ms of media but arriving alternately 0 and 10 ms late:
    // |D| = 80 timestamp units on every packet after the first.
    let expected = 0;
    for (let i = 0; i < 50; i++) {
      stats.update(i, i * 160, i * 20 + (i % 2) * 10);
      if (i > 0) expected += (80 - expected) / 16;
    }
    expect(stats.jitter).toBe(Math.floor(expected));
    expect(stats.jitter).toBeGreaterThan(70);
  });

  it('is not disturbed by the 32-bit RTP timestamp wrapping', () => {
    const stats = new RtpReceiveStats({ clockRate: 8000 });
    const base = 0xffffffff - 320;
    for (let i = 0; i < 10; i++) stats.update(i, (base + i * 160) >>> 0, i * 20);
    expect(stats.jitter).toBe(0);
  });

  it('builds a report block with LSR and DLSR', () => {
    const stats = new RtpReceiveStats({ clockRate: 8000 });
    feed(stats, [1, 2, 4]);
    stats.onSenderReport(0x12345678, 0x9abcdef0, 1000);
    const block = stats.buildReportBlock(0xabc, 1500);
    expect(block).toEqual({
      ssrc: 0xabc,
      fractionLost: Math.floor(256 / 4),
      cumulativeLost: 1,
      extendedHighestSequence: 4,
      jitter: 10, // seq 4 arrived 20 ms after seq 2 but is 40 ms later in media: |D| = 160, /16

      lastSr: 0x56789abc,
      delaySinceLastSr: 32768,
    });
    const fresh = new RtpReceiveStats({ clockRate: 8000 }).buildReportBlock(1, 0);
    expect(fresh.lastSr).toBe(0);
    expect(fresh.delaySinceLastSr).toBe(0);
  });
});
