// The call-control interface the flows use, against real peers: calls carry media, keys
// pressed arrive as digits (RFC 4733 and SIP INFO), offers we cannot take get 488, and the
// RTP ports go back to the pool however a call ends.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Call } from '../../../src/calls/call.js';
import { SipCall, SipCallControl } from '../../../src/calls/sip-call-control.js';
import { sayDigits } from '../../../src/media/speech.js';
import { PromptLibrary } from '../../../src/media/prompts.js';
import { requirePeers } from '../../helpers/peers/availability.js';
import { startBaresip, type BaresipPeer } from '../../helpers/peers/baresip.js';
import { describeSippResult, parseSippMessages, runSipp, startSipp, type SippHandle, type SippResult } from '../../helpers/peers/sipp.js';
import { startDialback, waitUntil, type DialbackUnderTest } from './harness.js';

const peers = requirePeers('sipp', 'baresip');

function expectAllSucceeded(result: SippResult, calls = 1): void {
  const why = describeSippResult(result);
  expect(result.outcome, why).toBe('all-succeeded');
  expect(result.successfulCalls, why).toBe(calls);
}

describe('call control', () => {
  let dialback: DialbackUnderTest;
  let carrier: SippHandle | null = null;
  let desk: BaresipPeer | null = null;
  beforeAll(() => peers.assertAvailable());
  beforeEach(async () => {
    dialback = await startDialback();
  });
  afterEach(async () => {
    await carrier?.stop(0);
    carrier = null;
    await desk?.stop();
    desk = null;
    await dialback.stop();
  });

  const trunk = (handle: SippHandle) => ({ host: handle.localIp, port: handle.localPort, transport: handle.transport, fromDomain: 'acme.example' });
  const callCarrier = (handle: SippHandle, control = dialback.service.calls, ringSeconds = 5) =>
    control.callNumber('+61412345678', { trunk: trunk(handle), callerId: '+61290371234', ringSeconds });

  it('an extension answers: a prompt with barge-in stops at the key press, and the key is the first digit collected', async () => {
    desk = await startBaresip({ name: 'desk', answerMode: 'auto', accountParams: 'audio_codecs=PCMU' });
    expect((await desk.addAccount(`<sip:001002@${dialback.address}>;auth_pass=a-long-secret;regint=60;answermode=auto;audio_codecs=PCMU`))?.type).toBe('REGISTER_OK');
    let rang = false;
    const originated = await dialback.service.calls.callExtension('001002', {
      caller: { name: 'Jane Caller', number: '+61412345678' },
      ringSeconds: 5,
      onRinging: () => (rang = true),
    });
    if (!originated.answered) throw new Error(`not answered: ${originated.cause}`);
    const call = originated.call;
    expect(dialback.service.calls.isOnThePhone('001002')).toBe(true);
    expect(dialback.service.rtpPorts.used).toBe(1);
    await desk.waitForEvent('CALL_ESTABLISHED', { timeoutMs: 5_000 });
    await desk.command('uafind', `sip:001002@${dialback.address}`);

    // A long prompt (the number digit by digit, then the question), cut short by a key.
    const playing = call.say({ prompts: [...sayDigits('+61412345678', 'en'), 'press-1-accept-2-decline'], language: 'en', bargeIn: true });
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 700));
    await desk.sendDtmf('1');
    expect(await playing).toBe('interrupted');
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(await call.collectDigits({ maxLength: 1, timeoutMs: 3_000 })).toEqual({ digits: '1', reason: 'max-length' });
    expect(rang).toBe(true);

    // The phone hangs up: the call ends as a remote hang-up and its ports are free again.
    await desk.hangup();
    expect((await call.ended).cause).toBe('remote-hangup');
    expect(call.signal.aborted).toBe(true);
    expect(await call.collectDigits({ maxLength: 4 })).toEqual({ digits: '', reason: 'aborted' });
    expect(dialback.service.rtpPorts.used).toBe(0);
    await waitUntil(() => !dialback.service.calls.isOnThePhone('001002'));
  });

  it('bridges a phone to the carrier, counts talk time, and interrupts one side with a prompt', async () => {
    desk = await startBaresip({ name: 'desk', answerMode: 'auto', accountParams: 'audio_codecs=PCMA' });
    expect((await desk.addAccount(`<sip:001002@${dialback.address}>;auth_pass=a-long-secret;regint=60;answermode=auto;audio_codecs=PCMA`))?.type).toBe('REGISTER_OK');
    carrier = await startSipp({ scenario: 'uas-basic', rtpEcho: true, timeoutMs: 20_000 });
    const owner = await dialback.service.calls.callExtension('001002', { caller: { name: null, number: '+61412345678' }, ringSeconds: 5 });
    const requester = await callCarrier(carrier);
    if (!owner.answered || !requester.answered) throw new Error('a leg was not answered');
    const bridge = dialback.service.calls.bridge(owner.call, requester.call);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(bridge.talkSeconds()).toBe(2);
    // The carrier echoes what it hears: the phone's audio crossed the bridge (PCMA to PCMU) and came back.
    expect(requester.call).toBeInstanceOf(SipCall);
    expect((requester.call as SipCall).media.counters.received).toBeGreaterThan(40);
    expect(await bridge.interrupt(owner.call, { prompts: ['credit-exhausted'], language: 'en' })).toBe('finished');
    await owner.call.hangup();
    expect((await bridge.ended).first).toBe(owner.call);
    await requester.call.hangup();
    expectAllSucceeded(await carrier.stop(2_000));
    expect(dialback.service.rtpPorts.used).toBe(0);
  });

  it('answers an incoming call with media and collects a SIP INFO digit', async () => {
    const collected: Promise<unknown>[] = [];
    dialback.onCall = (incoming) => {
      collected.push(
        dialback.service.calls.answer(incoming).then((call) => call?.collectDigits({ maxLength: 1, timeoutMs: 5_000 })),
      );
    };
    const result = await runSipp({ scenario: 'uac-info-dtmf', remote: dialback.address, service: '0290370000', calls: 1, durationMs: 300, keys: { digit: '7' }, timeoutMs: 20_000 });
    expectAllSucceeded(result);
    expect(await Promise.all(collected)).toEqual([{ digits: '7', reason: 'max-length' }]);
    await waitUntil(() => dialback.service.rtpPorts.used === 0);
  });

  it('refuses an offer without a codec we speak with 488, and keeps no port', async () => {
    const answered: (Call | null)[] = [];
    dialback.onCall = (incoming) => void dialback.service.calls.answer(incoming).then((call) => answered.push(call));
    const result = await runSipp({ scenario: 'uac-offer-g729', remote: dialback.address, service: '0290370000', calls: 1, timeoutMs: 20_000 });
    expectAllSucceeded(result);
    const refusal = parseSippMessages(result.messages).find((m) => m.direction === 'received' && m.status === 488);
    expect(refusal?.headers.get('warning')?.[0]).toMatch(/^305 dialback /);
    await waitUntil(() => answered.length === 1);
    expect(answered).toEqual([null]);
    expect(dialback.service.rtpPorts.used).toBe(0);
  });

  it('hangs up a carrier that answers with a codec we did not offer: codec-mismatch, port released', async () => {
    carrier = await startSipp({ scenario: 'uas-answer-g729', timeoutMs: 20_000 });
    expect(await callCarrier(carrier)).toMatchObject({ answered: false, cause: 'codec-mismatch', status: 488 });
    expectAllSucceeded(await carrier.stop(2_000));
    expect(dialback.service.rtpPorts.used).toBe(0);
  });

  it('releases the port when nobody answers, and when the carrier is busy', async () => {
    carrier = await startSipp({ scenario: 'uas-ring-cancel', timeoutMs: 20_000 });
    expect(await callCarrier(carrier, dialback.service.calls, 0.6)).toMatchObject({ answered: false, cause: 'no-answer' });
    expectAllSucceeded(await carrier.stop(2_000));
    carrier = await startSipp({ scenario: 'uas-busy', timeoutMs: 20_000 });
    expect(await callCarrier(carrier)).toMatchObject({ answered: false, cause: 'busy' });
    expect(dialback.service.rtpPorts.used).toBe(0);
  });

  it('the carrier hangs up first: remote-hangup, and a collect in progress ends as aborted', async () => {
    carrier = await startSipp({ scenario: 'uas-bye-first', durationMs: 400, timeoutMs: 20_000 });
    const originated = await callCarrier(carrier);
    if (!originated.answered) throw new Error(originated.cause);
    expect(await originated.call.collectDigits({ maxLength: 10, timeoutMs: 10_000 })).toEqual({ digits: '', reason: 'aborted' });
    expect((await originated.call.ended).cause).toBe('remote-hangup');
    expectAllSucceeded(await carrier.stop(2_000));
    expect(dialback.service.rtpPorts.used).toBe(0);
  });

  it('hangs up a call whose peer sends no RTP for the media timeout (it vanished without BYE)', async () => {
    const control = new SipCallControl(dialback.service.dialer, dialback.service.rtpPorts, new PromptLibrary(), { mediaAddress: '127.0.0.1', mediaTimeoutMs: 600 });
    carrier = await startSipp({ scenario: 'uas-basic', timeoutMs: 20_000 });
    const originated = await callCarrier(carrier, control);
    if (!originated.answered) throw new Error(originated.cause);
    const end = await originated.call.ended;
    expect(end.cause).toBe('media-timeout');
    expect(end.at - originated.call.answeredAt).toBeGreaterThanOrEqual(600);
    // Our BYE reached the carrier: its scenario (which waits for a BYE) completed.
    expectAllSucceeded(await carrier.stop(2_000));
    expect(dialback.service.rtpPorts.used).toBe(0);
  });
});
