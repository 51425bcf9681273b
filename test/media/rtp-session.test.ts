import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { pcmuToLinear } from '../../src/media/g711.js';
import { encodeFor, parseWav, playAudio, type Sound } from '../../src/media/player.js';
import { RtpPortPool } from '../../src/media/ports.js';
import { RtpSession } from '../../src/media/rtp-session.js';
import { RTCP_RR, RTCP_SR, parseRtcpReports, type RtcpReport } from '../../src/media/rtp-packet.js';

const pool = new RtpPortPool({ first: 31100, last: 31199 }, '127.0.0.1');
const sessions: RtpSession[] = [];

async function pair(): Promise<[RtpSession, RtpSession]> {
  const [x, y] = [await pool.allocate(), await pool.allocate()];
  const codec = { name: 'PCMU' as const, payloadType: 0 };
  const a = new RtpSession(x, { codec, telephoneEvent: 101, remote: { address: '127.0.0.1', port: y.port, rtcpPort: y.port + 1 } });
  const b = new RtpSession(y, { codec, telephoneEvent: 101, remote: { address: '127.0.0.1', port: x.port, rtcpPort: x.port + 1 } });
  sessions.push(a, b);
  return [a, b];
}

/** One second of a 440 Hz tone as 16-bit PCM. */
function tone(seconds: number): Sound {
  const data = Buffer.alloc(seconds * 8000 * 2);
  for (let i = 0; i < seconds * 8000; i++) data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)), i * 2);
  return { encoding: 'pcm16', data };
}

afterEach(() => {
  for (const s of sessions.splice(0)) s.close();
});

describe('RTP sessions and playback', () => {
  it('plays audio in 20 ms packets with consecutive sequence numbers and timestamps, never faster than real time', async () => {
    const [a, b] = await pair();
    const received: { seq: number; ts: number; energy: number }[] = [];
    b.onAudio((payload, header) => {
      let energy = 0;
      for (const code of payload) energy += Math.abs(pcmuToLinear(code));
      received.push({ seq: header.sequenceNumber, ts: header.timestamp, energy: energy / payload.length });
    });
    const started = performance.now();
    expect(await playAudio(a, encodeFor(tone(2), 'PCMU'))).toBe('finished');
    const elapsed = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toHaveLength(100);
    for (let i = 1; i < received.length; i++) {
      expect((received[i]?.seq ?? 0) - (received[i - 1]?.seq ?? 0)).toBe(1);
      expect(((received[i]?.ts ?? 0) - (received[i - 1]?.ts ?? 0)) >>> 0).toBe(160);
    }
    // The tone arrived as audio, not silence (a 8000-amplitude sine averages about 5,100).
    expect(Math.min(...received.map((r) => r.energy))).toBeGreaterThan(3000);
    // 100 packets are due at 0..1980 ms: playback cannot finish early.
    expect(elapsed).toBeGreaterThanOrEqual(1975);
    expect(a.counters.sent).toBe(100);
  });

  it('keeps every packet of a burst intact (buffers are reused only after their send completed)', async () => {
    const [a, b] = await pair();
    const sequences: number[] = [];
    b.onAudio((_payload, header) => sequences.push(header.sequenceNumber));
    for (let i = 0; i < 50; i++) a.sendAudio(new Uint8Array(160).fill(i));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sequences).toHaveLength(50);
    expect(new Set(sequences).size).toBe(50);
    expect(b.stats.cumulativeLost).toBe(0);
  });

  it('stops playing when the signal aborts (barge-in)', async () => {
    const [a] = await pair();
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    expect(await playAudio(a, encodeFor(tone(2), 'PCMU'), abort.signal)).toBe('interrupted');
    expect(a.counters.sent).toBeLessThan(20);
  });

  it('sends and receives RFC 4733 digits once each', async () => {
    const [a, b] = await pair();
    const digits: string[] = [];
    b.onDtmf((event) => digits.push(event.digit));
    await a.sendDigit('5');
    await a.sendDigit('#', 60);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(digits).toEqual(['5', '#']);
  });

  it('latches to where the peer really sends from, and then ignores other sources and unknown payloads', async () => {
    const [x, y] = [await pool.allocate(), await pool.allocate()];
    const codec = { name: 'PCMU' as const, payloadType: 0 };
    // The peer signalled a port it does not send from (NAT): we must answer its real source.
    const ours = new RtpSession(x, { codec, telephoneEvent: null, remote: { address: '127.0.0.1', port: 9, rtcpPort: 10 } });
    const theirs = new RtpSession(y, { codec, telephoneEvent: null, remote: { address: '127.0.0.1', port: x.port, rtcpPort: x.port + 1 } });
    sessions.push(ours, theirs);
    const heard: number[] = [];
    theirs.onAudio(() => heard.push(1));
    theirs.sendAudio(new Uint8Array(160).fill(0xff));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(ours.sendingTo).toEqual({ address: '127.0.0.1', port: y.port });
    ours.sendAudio(new Uint8Array(160).fill(0xff));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(heard).toHaveLength(1);

    const intruder = createSocket('udp4');
    await new Promise<void>((resolve) => intruder.bind(0, '127.0.0.1', resolve));
    const packet = Buffer.alloc(172);
    packet[0] = 0x80;
    intruder.send(packet, x.port, '127.0.0.1');
    intruder.send(Buffer.from('garbage'), x.port, '127.0.0.1');
    await new Promise((resolve) => setTimeout(resolve, 30));
    intruder.close();
    // Latched means connected: the kernel drops the intruder's packets before they reach us.
    expect(ours.counters.received).toBe(1);
    expect(ours.counters.dropped + ours.counters.foreign).toBe(0);
    expect(ours.sendingTo.port).toBe(y.port);
  });

  it('moves to a new address on retarget (re-INVITE) and latches afresh to the new source', async () => {
    const [x, y, z] = [await pool.allocate(), await pool.allocate(), await pool.allocate()];
    const codec = { name: 'PCMU' as const, payloadType: 0 };
    const ours = new RtpSession(x, { codec, telephoneEvent: null, remote: { address: '127.0.0.1', port: y.port, rtcpPort: y.port + 1 } });
    const before = new RtpSession(y, { codec, telephoneEvent: null, remote: { address: '127.0.0.1', port: x.port, rtcpPort: x.port + 1 } });
    const after = new RtpSession(z, { codec, telephoneEvent: null, remote: { address: '127.0.0.1', port: x.port, rtcpPort: x.port + 1 } });
    sessions.push(ours, before, after);
    const heardAfter: number[] = [];
    after.onAudio(() => heardAfter.push(1));
    before.sendAudio(new Uint8Array(160).fill(0xff));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(ours.sendingTo.port).toBe(y.port);

    ours.retarget({ address: '127.0.0.1', port: z.port, rtcpPort: z.port + 1 });
    expect(ours.sendingTo.port).toBe(z.port);
    after.sendAudio(new Uint8Array(160).fill(0xff));
    await new Promise((resolve) => setTimeout(resolve, 30));
    ours.sendAudio(new Uint8Array(160).fill(0xff));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(ours.counters.received).toBe(2);
    expect(heardAfter).toHaveLength(1);
  });

  it('reports with RTCP: a sender report from the side that sends, a receiver report about it from the other', async () => {
    const [x, y] = [await pool.allocate(), await pool.allocate()];
    const codec = { name: 'PCMU' as const, payloadType: 0 };
    const a = new RtpSession(x, { codec, telephoneEvent: null, remote: { address: '127.0.0.1', port: y.port, rtcpPort: y.port + 1 }, rtcpIntervalMs: 100 });
    const b = new RtpSession(y, { codec, telephoneEvent: null, remote: { address: '127.0.0.1', port: x.port, rtcpPort: x.port + 1 }, rtcpIntervalMs: 100 });
    sessions.push(a, b);
    const atB: RtcpReport[] = [];
    const atA: RtcpReport[] = [];
    y.rtcp.on('message', (packet) => atB.push(...(parseRtcpReports(packet, packet.length) ?? [])));
    x.rtcp.on('message', (packet) => atA.push(...(parseRtcpReports(packet, packet.length) ?? [])));
    for (let i = 0; i < 10; i++) a.sendAudio(new Uint8Array(160).fill(0xff));
    await new Promise((resolve) => setTimeout(resolve, 250));
    const sr = atB.find((r) => r.packetType === RTCP_SR);
    expect(sr?.ssrc).toBe(a.ssrc);
    expect(sr?.sender?.packetCount).toBe(10);
    const rr = atA.find((r) => r.packetType === RTCP_RR);
    expect(rr?.blocks[0]?.ssrc).toBe(a.ssrc);
    expect(rr?.blocks[0]?.cumulativeLost).toBe(0);
  });

  it('a flood of junk on one call\'s port does not disturb another call', async () => {
    const [victim] = await pair();
    const [a, b] = await pair();
    const heard: number[] = [];
    b.onAudio((_payload, header) => heard.push(header.sequenceNumber));
    const flooder = createSocket('udp4');
    await new Promise<void>((resolve) => flooder.bind(0, '127.0.0.1', resolve));
    const junk = Buffer.alloc(200, 0xab);
    let flooding = true;
    let floodPackets = 0;
    const flood = async () => {
      while (flooding) {
        for (let i = 0; i < 200; i++) flooder.send(junk, victim.localPort, '127.0.0.1');
        floodPackets += 200;
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const flooded = flood();
    for (let i = 0; i < 25; i++) {
      a.sendAudio(new Uint8Array(160).fill(0xff));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    flooding = false;
    await flooded;
    await new Promise((resolve) => setTimeout(resolve, 100));
    flooder.close();
    expect(floodPackets).toBeGreaterThan(5_000);
    expect(heard).toHaveLength(25);
    expect(victim.counters.received).toBe(0);
    expect(victim.counters.dropped + victim.counters.foreign).toBeGreaterThan(0);
  });

  it('reads WAV files in the supported formats and refuses others clearly', () => {
    const wav = (code: number, bits: number, rate = 8000, channels = 1) => {
      const header = Buffer.alloc(44);
      header.write('RIFF', 0, 'latin1');
      header.writeUInt32LE(36 + 4, 4);
      header.write('WAVE', 8, 'latin1');
      header.write('fmt ', 12, 'latin1');
      header.writeUInt32LE(16, 16);
      header.writeUInt16LE(code, 20);
      header.writeUInt16LE(channels, 22);
      header.writeUInt32LE(rate, 24);
      header.writeUInt16LE(bits, 34);
      header.write('data', 36, 'latin1');
      header.writeUInt32LE(4, 40);
      return Buffer.concat([header, Buffer.from([1, 2, 3, 4])]);
    };
    expect(parseWav(wav(7, 8)).encoding).toBe('pcmu');
    expect(parseWav(wav(6, 8)).encoding).toBe('pcma');
    expect(parseWav(wav(1, 16)).data).toHaveLength(4);
    expect(() => parseWav(wav(1, 16, 22050))).toThrow(/need 8 kHz mono, got 22050 Hz/);
    expect(() => parseWav(wav(3, 32))).toThrow(/unsupported WAV format 3/);
    expect(() => parseWav(Buffer.from('not a wav'))).toThrow(/not a RIFF/);
  });
});
