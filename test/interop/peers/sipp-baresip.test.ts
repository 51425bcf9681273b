// Self-tests across peers, SIPp against baresip: the scenarios work with a real softphone
// on the other side, not only with SIPp's own idea of SIP.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { wavStats } from '../../helpers/peers/audio.js';
import { requirePeers } from '../../helpers/peers/availability.js';
import { startBaresip, type BaresipPeer } from '../../helpers/peers/baresip.js';
import {
  describeSippResult,
  parseSippMessages,
  runSipp,
  startSipp,
  verifyDigestAuthorization,
  type SippHandle,
  type SippResult,
} from '../../helpers/peers/sipp.js';

const peers = requirePeers('sipp', 'baresip', 'sox');
const phones: BaresipPeer[] = [];
const servers: SippHandle[] = [];

async function phone(options: Parameters<typeof startBaresip>[0]): Promise<BaresipPeer> {
  const p = await startBaresip(options);
  phones.push(p);
  return p;
}

async function sippServer(options: Parameters<typeof startSipp>[0]): Promise<SippHandle> {
  const s = await startSipp({ timeoutMs: 20_000, ...options });
  servers.push(s);
  return s;
}

function expectAllSucceeded(result: SippResult, calls: number): void {
  const why = describeSippResult(result);
  expect(result.outcome, why).toBe('all-succeeded');
  expect(result.successfulCalls, why).toBe(calls);
  expect(result.failedCalls, why).toBe(0);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}

describe('SIPp against baresip', () => {
  beforeAll(() => peers.assertAvailable());
  afterEach(async () => {
    await Promise.all([...phones.splice(0).map((p) => p.stop()), ...servers.splice(0).map((s) => s.stop(0))]);
  });

  it('baresip calls SIPp uas-basic (PCMU, RTP echoed back) and the call completes', async () => {
    const [a, carrier] = await Promise.all([phone({ name: 'a' }), sippServer({ scenario: 'uas-basic', rtpEcho: true })]);
    await a.dial(`sip:service@${carrier.address}`);
    await a.waitForEvent('CALL_ESTABLISHED');
    await sleep(1200);
    await a.hangup();
    await a.waitForEvent('CALL_CLOSED');
    expectAllSucceeded(await carrier.stop(), 1);
    // SIPp echoed A's own tone: A's recording of what it heard is not silence.
    const heard = await wavStats(await a.waitForRecording('dec'));
    expect(heard.rmsAmplitude).toBeGreaterThan(0.05);
  });

  it('SIPp uac-basic calls baresip (auto answer), over UDP and TCP', async () => {
    const b = await phone({ name: 'b', user: 'service', answerMode: 'auto' });
    for (const transport of ['udp', 'tcp'] as const) {
      const result = await runSipp({
        scenario: 'uac-basic',
        remote: `${b.address}:${b.sipPort}`,
        transport,
        calls: 1,
        durationMs: 300,
        timeoutMs: 10_000,
      });
      expectAllSucceeded(result, 1);
    }
    expect(b.events.filter((e) => e.type === 'CALL_ESTABLISHED')).toHaveLength(2);
  });

  it('baresip registers with digest at SIPp uas-register-challenge (addAccount)', async () => {
    const [a, registrar] = await Promise.all([
      phone({ name: 'a' }),
      sippServer({ scenario: 'uas-register-challenge', authUser: 'alice', authPassword: 'secret' }),
    ]);
    const event = await a.addAccount(`<sip:alice@${registrar.address}>;auth_pass=secret;regint=600`);
    expect(event?.type).toBe('REGISTER_OK');
    expectAllSucceeded(await registrar.stop(), 1);
  });

  it('baresip authenticates to the 407 carrier uas-challenge-407 with a chosen account', async () => {
    const [a, carrier] = await Promise.all([
      phone({ name: 'a' }),
      sippServer({ scenario: 'uas-challenge-407', keys: { auth_user: 'trunk1' } }),
    ]);
    const account = `sip:trunk1@${carrier.address}`;
    await a.addAccount(`<${account}>;auth_pass=pw1;regint=0`);
    await a.dial(`sip:4930555@${carrier.address}`, { from: account });
    const established = await a.waitForEvent('CALL_ESTABLISHED');
    expect(established.accountaor).toBe(account);
    await a.hangup();
    await a.waitForEvent('CALL_CLOSED');
    const result = await carrier.stop();
    expectAllSucceeded(result, 1);
    const retry = parseSippMessages(result.messages).find(
      (m) => m.direction === 'received' && m.method === 'INVITE' && m.headers.has('proxy-authorization'),
    );
    const credentials = retry?.headers.get('proxy-authorization')?.[0] ?? '';
    expect(verifyDigestAuthorization(credentials, { method: 'INVITE', password: 'pw1', username: 'trunk1' })).toBe(true);
  });

  it('SIPp uas-bye-first hangs up on baresip', async () => {
    const [a, carrier] = await Promise.all([phone({ name: 'a' }), sippServer({ scenario: 'uas-bye-first', durationMs: 500 })]);
    await a.dial(`sip:service@${carrier.address}`);
    await a.waitForEvent('CALL_ESTABLISHED');
    const closed = await a.waitForEvent('CALL_CLOSED', { timeoutMs: 5000 });
    expect(closed.param).toMatch(/peer/i);
    expectAllSucceeded(await carrier.stop(), 1);
  });

  it('SIPp uas-send-reinvite re-INVITEs baresip, which answers', async () => {
    const [a, carrier] = await Promise.all([
      phone({ name: 'a' }),
      sippServer({ scenario: 'uas-send-reinvite', durationMs: 300 }),
    ]);
    await a.dial(`sip:service@${carrier.address}`);
    await a.waitForEvent('CALL_ESTABLISHED');
    // The re-INVITE transaction is over once SIPp has sent its ACK.
    await waitUntil(() =>
      parseSippMessages(carrier.messagesSoFar()).some((m) => m.direction === 'sent' && m.method === 'ACK'),
    );
    await a.hangup();
    await a.waitForEvent('CALL_CLOSED');
    const result = await carrier.stop();
    expectAllSucceeded(result, 1);
    const answers = parseSippMessages(result.messages).filter((m) => m.direction === 'received' && m.status === 200);
    expect(answers.some((m) => m.headers.get('cseq')?.[0] === '1 INVITE')).toBe(true);
  });

  it('SIPp uac-reinvite and uac-info-dtmf against baresip', async () => {
    const b = await phone({ name: 'b', user: 'service', answerMode: 'auto' });
    const remote = `${b.address}:${b.sipPort}`;
    const reinvite = await runSipp({ scenario: 'uac-reinvite', remote, calls: 1, durationMs: 200, timeoutMs: 10_000 });
    expectAllSucceeded(reinvite, 1);
    const info = await runSipp({ scenario: 'uac-info-dtmf', remote, calls: 1, durationMs: 200, timeoutMs: 10_000 });
    expectAllSucceeded(info, 1);
  });
});
