import { afterEach, describe, expect, it } from 'vitest';
import { MediaBridge } from '../../src/media/bridge.js';
import { linearToPcma, pcmaToLinear, pcmuToLinear } from '../../src/media/g711.js';
import { RtpPortPool } from '../../src/media/ports.js';
import { RtpSession } from '../../src/media/rtp-session.js';

const pool = new RtpPortPool({ first: 31300, last: 31399 }, '127.0.0.1');
const sessions: RtpSession[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Two sessions talking to each other: a phone's and Dialback's side of one leg. */
async function leg(codec: { name: 'PCMU' | 'PCMA'; payloadType: number }): Promise<{ phone: RtpSession; ours: RtpSession }> {
  const [x, y] = [await pool.allocate(), await pool.allocate()];
  const phone = new RtpSession(x, { codec, telephoneEvent: 101, remote: { address: '127.0.0.1', port: y.port, rtcpPort: y.port + 1 } });
  const ours = new RtpSession(y, { codec, telephoneEvent: 101, remote: { address: '127.0.0.1', port: x.port, rtcpPort: x.port + 1 } });
  sessions.push(phone, ours);
  return { phone, ours };
}

function loudness(decode: (code: number) => number) {
  const levels: number[] = [];
  return {
    levels,
    listener: (payload: Uint8Array) => {
      let sum = 0;
      for (const code of payload) sum += Math.abs(decode(code));
      levels.push(sum / payload.length);
    },
  };
}

afterEach(() => {
  for (const s of sessions.splice(0)) s.close();
});

describe('media bridge', () => {
  it('relays audio both ways, transcoding PCMU to PCMA, and passes DTMF on', async () => {
    const caller = await leg({ name: 'PCMU', payloadType: 0 });
    const callee = await leg({ name: 'PCMA', payloadType: 8 });
    const bridge = new MediaBridge(caller.ours, callee.ours);
    const atCallee = loudness(pcmaToLinear);
    const atCaller = loudness(pcmuToLinear);
    callee.phone.onAudio(atCallee.listener);
    caller.phone.onAudio(atCaller.listener);
    const digits: string[] = [];
    callee.phone.onDtmf((e) => digits.push(e.digit));

    // A loud PCMU frame from the caller, a loud PCMA frame from the callee.
    const loudPcmu = new Uint8Array(160).fill(0x80);
    const loudPcma = new Uint8Array(160).fill(linearToPcma(20000));
    for (let i = 0; i < 10; i++) {
      caller.phone.sendAudio(loudPcmu);
      callee.phone.sendAudio(loudPcma);
      await sleep(20);
    }
    await caller.phone.sendDigit('7');
    await sleep(100);
    expect(atCallee.levels.length).toBeGreaterThanOrEqual(9);
    expect(Math.min(...atCallee.levels)).toBeGreaterThan(10000);
    expect(Math.min(...atCaller.levels)).toBeGreaterThan(10000);
    expect(digits).toEqual(['7']);
    bridge.stop();
  });

  it('interrupts one side to play it a sound, muting the other side meanwhile, and counts talk time', async () => {
    const caller = await leg({ name: 'PCMU', payloadType: 0 });
    const callee = await leg({ name: 'PCMU', payloadType: 0 });
    let now = 1_000;
    const bridge = new MediaBridge(caller.ours, callee.ours, () => now);
    const atCaller = loudness(pcmuToLinear);
    caller.phone.onAudio(atCaller.listener);
    const quiet = new Uint8Array(160).fill(0xff);
    const sound = new Uint8Array(160 * 5).fill(0x80);
    // The callee keeps talking quietly; the caller must hear only the sound.
    const talking = setInterval(() => callee.phone.sendAudio(quiet), 20);
    const played = await bridge.interrupt(caller.ours, sound);
    clearInterval(talking);
    await sleep(50);
    expect(played).toBe('finished');
    expect(atCaller.levels).toHaveLength(5);
    expect(Math.min(...atCaller.levels)).toBeGreaterThan(20000);
    now += 61_500;
    expect(bridge.talkSeconds()).toBe(62);
    bridge.stop();
  });
});
