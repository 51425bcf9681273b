// Dialback's media against baresip: a prompt played by Dialback is really heard, digits
// pressed on the phone are really collected, the phone's audio really arrives.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaBridge } from '../../../src/media/bridge.js';
import { collectDigits } from '../../../src/media/dtmf.js';
import { pcmuToLinear } from '../../../src/media/g711.js';
import { encodeFor, loadWav, playAudio } from '../../../src/media/player.js';
import { RtpPortPool } from '../../../src/media/ports.js';
import { RtpSession } from '../../../src/media/rtp-session.js';
import { createOffer, formatSdp, parseSdp, readAnswer } from '../../../src/media/sdp.js';
import { promptPath } from '../../../src/media/speech.js';
import { makeToneWav, wavStats } from '../../helpers/peers/audio.js';
import { parseUri } from '../../../src/sip/message/index.js';
import type { CallOutcome } from '../../../src/sip/ua/outgoing-call.js';
import { requirePeers } from '../../helpers/peers/availability.js';
import { startBaresip, type BaresipPeer } from '../../helpers/peers/baresip.js';
import { startDialback, type DialbackUnderTest } from './harness.js';

const peers = requirePeers('baresip', 'sox');
const pool = new RtpPortPool({ first: 31200, last: 31299 }, '127.0.0.1');

describe('media with baresip', () => {
  let dialback: DialbackUnderTest;
  let desk: BaresipPeer | null = null;
  let media: RtpSession | null = null;
  beforeAll(() => peers.assertAvailable());
  beforeEach(async () => {
    dialback = await startDialback();
  });
  afterEach(async () => {
    media?.close();
    media = null;
    await desk?.stop();
    desk = null;
    await dialback.stop();
  });

  it('plays a prompt the phone hears, collects a digit pressed on the phone, and hears the phone', async () => {
    desk = await startBaresip({ name: 'desk', answerMode: 'auto', accountParams: 'audio_codecs=PCMU' });
    const registered = await desk.addAccount(`<sip:001002@${dialback.address}>;auth_pass=a-long-secret;regint=60;answermode=auto;audio_codecs=PCMU`);
    expect(registered?.type).toBe('REGISTER_OK');

    const sockets = await pool.allocate();
    const offer = createOffer({ address: '127.0.0.1', port: sockets.port, sessionId: 1, version: 1 });
    const outcome = await dialback.service.dialer.callExtension('001002', { name: 'Test', number: '+61412345678' }, {
      sdp: Buffer.from(formatSdp(offer)),
      ringTimeoutMs: 5_000,
    });
    if (!outcome.answered) throw new Error(`not answered: ${outcome.cause}`);
    const negotiated = readAnswer(offer, parseSdp(outcome.session.remoteSdp.toString()));
    if ('error' in negotiated) throw new Error(negotiated.message);
    expect(negotiated.codec.name).toBe('PCMU');
    const session = new RtpSession(sockets, { codec: negotiated.codec, telephoneEvent: negotiated.telephoneEvent, remote: negotiated.remote });
    media = session;
    let loudFrames = 0;
    session.onAudio((payload) => {
      let energy = 0;
      for (const code of payload) energy += Math.abs(pcmuToLinear(code));
      if (energy / payload.length > 500) loudFrames++;
    });
    await desk.waitForEvent('CALL_ESTABLISHED', { timeoutMs: 5_000 });

    const prompt = encodeFor(await loadWav(promptPath('press-1-accept-2-decline', 'en')), negotiated.codec.name);
    const digit = collectDigits((listener) => session.onDtmf((event) => listener(event.digit)), { maxLength: 1, timeoutMs: 8_000 });
    expect(await playAudio(session, prompt)).toBe('finished');
    // sndcode acts on the current account's call; an account added with uanew is not current.
    await desk.command('uafind', `sip:001002@${dialback.address}`);
    await desk.sendDtmf('1');
    expect(await digit).toEqual({ digits: '1', reason: 'max-length' });

    await outcome.session.bye();
    await desk.waitForEvent('CALL_CLOSED', { timeoutMs: 5_000 });
    // What the phone heard: the prompt, not silence.
    const heard = await wavStats(await desk.waitForRecording('dec'));
    expect(heard.rmsAmplitude).toBeGreaterThan(0.02);
    expect(heard.lengthSeconds).toBeGreaterThan(prompt.length / 8000 - 0.5);
    // What we heard: baresip's 440 Hz tone for most of the call.
    expect(loudFrames).toBeGreaterThan(20);
    expect(session.counters.foreign).toBe(0);
  });

  it('bridges two phones: each hears the other (different tones both ways)', async () => {
    const toneDir = mkdtempSync(join(tmpdir(), 'dialback-tones-'));
    const highTone = await makeToneWav(join(toneDir, 'high.wav'), { frequencyHz: 1000, seconds: 30 });
    desk = await startBaresip({ name: 'desk', answerMode: 'auto', accountParams: 'audio_codecs=PCMU' });
    const mobile = await startBaresip({ name: 'mobile', answerMode: 'auto', audioSource: highTone, accountParams: 'audio_codecs=PCMA' });
    try {
      expect((await desk.addAccount(`<sip:001002@${dialback.address}>;auth_pass=a-long-secret;regint=60;answermode=auto;audio_codecs=PCMU`))?.type).toBe('REGISTER_OK');
      const leg = async (dial: (sdp: Buffer) => Promise<CallOutcome>) => {
        const sockets = await pool.allocate();
        const offer = createOffer({ address: '127.0.0.1', port: sockets.port, sessionId: sockets.port, version: 1 });
        const outcome = await dial(Buffer.from(formatSdp(offer)));
        if (!outcome.answered) throw new Error(`not answered: ${outcome.cause}`);
        const negotiated = readAnswer(offer, parseSdp(outcome.session.remoteSdp.toString()));
        if ('error' in negotiated) throw new Error(negotiated.message);
        return { call: outcome.session, media: new RtpSession(sockets, { codec: negotiated.codec, telephoneEvent: negotiated.telephoneEvent, remote: negotiated.remote }) };
      };
      const a = await leg((sdp) => dialback.service.dialer.callExtension('001002', { name: null, number: '+61412345678' }, { sdp, ringTimeoutMs: 5_000 }));
      const b = await leg((sdp) => dialback.service.ua.invite({ requestUri: parseUri(mobile.uri), from: { uri: parseUri('sip:+61290371234@127.0.0.1') }, sdp }).outcome);
      expect([a.media.options.codec.name, b.media.options.codec.name]).toEqual(['PCMU', 'PCMA']);
      const bridge = new MediaBridge(a.media, b.media);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      bridge.stop();
      await Promise.all([a.call.bye(), b.call.bye()]);
      a.media.close();
      b.media.close();
      await Promise.all([desk.waitForEvent('CALL_CLOSED', { timeoutMs: 5_000 }), mobile.waitForEvent('CALL_CLOSED', { timeoutMs: 5_000 })]);
      const deskHeard = await wavStats(await desk.waitForRecording('dec'));
      const mobileHeard = await wavStats(await mobile.waitForRecording('dec'));
      // The desk heard the mobile's 1 kHz tone; the mobile heard the desk's 440 Hz tone.
      expect(deskHeard.rmsAmplitude).toBeGreaterThan(0.05);
      expect(mobileHeard.rmsAmplitude).toBeGreaterThan(0.05);
      expect(Math.abs(deskHeard.roughFrequencyHz - 1000)).toBeLessThan(150);
      expect(Math.abs(mobileHeard.roughFrequencyHz - 440)).toBeLessThan(100);
    } finally {
      await mobile.stop();
      rmSync(toneDir, { recursive: true, force: true });
    }
  });
});

