// Self-tests of the baresip harness, baresip against baresip: calls set up and torn down
// over ctrl_tcp, audio really flows (the callee's recording is a tone, not silence), DTMF.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { wavStats } from '../../helpers/peers/audio.js';
import { requirePeers } from '../../helpers/peers/availability.js';
import { startBaresip, type BaresipPeer } from '../../helpers/peers/baresip.js';

const peers = requirePeers('baresip', 'sox');
const started: BaresipPeer[] = [];

async function peer(options: Parameters<typeof startBaresip>[0]): Promise<BaresipPeer> {
  const p = await startBaresip(options);
  started.push(p);
  return p;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('baresip against baresip', () => {
  beforeAll(() => peers.assertAvailable());
  afterEach(async () => {
    await Promise.all(started.splice(0).map((p) => p.stop()));
  });

  it('A calls B (auto answer): both established, audio flows, DTMF arrives, both closed', async () => {
    const [a, b] = await Promise.all([peer({ name: 'a' }), peer({ name: 'b', user: 'b', answerMode: 'auto' })]);
    expect(a.address).not.toBe(b.address);

    await a.dial(`sip:b@${b.address}:${b.sipPort}`);
    const [, answered] = await Promise.all([a.waitForEvent('CALL_ESTABLISHED'), b.waitForEvent('CALL_ESTABLISHED')]);
    // Auto answer skips CALL_INCOMING; the established call names the caller.
    expect(answered.peeruri).toBe(a.aor);
    expect(answered.direction).toBe('incoming');

    await sleep(1200); // let some audio through
    await a.sendDtmf('5');
    const dtmf = await b.waitForEvent('CALL_DTMF_START');
    expect(dtmf.param).toBe('5');

    const since = a.eventCursor();
    await a.hangup();
    await Promise.all([a.waitForEvent('CALL_CLOSED', { since }), b.waitForEvent('CALL_CLOSED')]);

    // What B heard: A's 440 Hz tone at volume 0.2 (RMS about 0.14), not silence.
    const heard = await wavStats(await b.waitForRecording('dec'));
    expect(heard.lengthSeconds).toBeGreaterThan(0.8);
    expect(heard.rmsAmplitude).toBeGreaterThan(0.05);
    expect(Math.abs(heard.roughFrequencyHz - 440)).toBeLessThan(40);
  });

  it('B answers by hand and hangs up; TCP transport', async () => {
    const [a, b] = await Promise.all([peer({ name: 'a' }), peer({ name: 'b', user: 'b' })]);
    await a.dial(`sip:b@${b.address}:${b.sipPort};transport=tcp`);
    await b.waitForEvent('CALL_INCOMING');
    await a.waitForEvent('CALL_RINGING');
    await b.answer();
    await Promise.all([a.waitForEvent('CALL_ESTABLISHED'), b.waitForEvent('CALL_ESTABLISHED')]);
    await b.hangup();
    const [closedA] = await Promise.all([a.waitForEvent('CALL_CLOSED'), b.waitForEvent('CALL_CLOSED')]);
    expect(closedA.direction).toBe('outgoing');
  });

  it('waitForEvent times out listing what it saw', async () => {
    const a = await peer({ name: 'a' });
    await expect(a.waitForEvent('CALL_INCOMING', { timeoutMs: 200 })).rejects.toThrow(/no CALL_INCOMING within 200 ms/);
  });
});
