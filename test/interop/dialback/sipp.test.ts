// Dialback's SIP engine against SIPp, as the far end of calls in both directions.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requirePeers } from '../../helpers/peers/availability.js';
import {
  describeSippResult,
  parseSippMessages,
  runSipp,
  startSipp,
  verifyDigestAuthorization,
  type SippHandle,
  type SippResult,
  type SippTransport,
} from '../../helpers/peers/sipp.js';
import type { SipSession } from '../../../src/sip/ua/session.js';
import { ANSWER_SDP, DEMO, startDialback, waitUntil, type DialbackUnderTest } from './harness.js';

const peers = requirePeers('sipp');
const transports: SippTransport[] = ['udp', 'tcp'];

function expectAllSucceeded(result: SippResult, calls: number): void {
  const why = describeSippResult(result);
  expect(result.outcome, why).toBe('all-succeeded');
  expect(result.successfulCalls, why).toBe(calls);
  expect(result.failedCalls, why).toBe(0);
}

describe('SIPp calls Dialback (Dialback as UAS on a DID)', () => {
  let dialback: DialbackUnderTest;
  beforeAll(() => peers.assertAvailable());
  beforeEach(async () => {
    dialback = await startDialback();
  });
  afterEach(async () => {
    await dialback.stop();
  });

  const toDid = { service: '0290370000' };

  it.each(transports)('basic calls: INVITE, 200, ACK, BYE from the caller, 5 calls (%s)', async (transport) => {
    const result = await runSipp({ scenario: 'uac-basic', remote: dialback.address, transport, calls: 5, rate: 20, limit: 5, durationMs: 200, timeoutMs: 20_000, ...toDid });
    expectAllSucceeded(result, 5);
    expect(dialback.calls).toHaveLength(5);
    expect(dialback.calls.every((c) => c.route.kind === 'did')).toBe(true);
    await waitUntil(() => dialback.service.ua.sessionCount === 0);
  });

  it.each(transports)('CANCEL of a ringing call ends it with 487 (%s)', async (transport) => {
    dialback.onCall = (call) => call.ring();
    const result = await runSipp({ scenario: 'uac-cancel', remote: dialback.address, transport, calls: 2, rate: 10, durationMs: 200, timeoutMs: 20_000, ...toDid });
    expectAllSucceeded(result, 2);
    expect(dialback.calls.map((c) => c.call.cancelled)).toEqual([true, true]);
  });

  it.each(transports)('a re-INVITE from the caller is answered in the dialog (%s)', async (transport) => {
    const result = await runSipp({ scenario: 'uac-reinvite', remote: dialback.address, transport, calls: 1, durationMs: 100, timeoutMs: 20_000, ...toDid });
    expectAllSucceeded(result, 1);
  });

  it.each(transports)('Dialback hangs up first with BYE (%s)', async (transport) => {
    dialback.onCall = (call) => {
      const session = call.answer(ANSWER_SDP);
      void session.acknowledged().then(() => session.bye());
    };
    const result = await runSipp({ scenario: 'uac-remote-bye', remote: dialback.address, transport, calls: 2, rate: 10, timeoutMs: 20_000, ...toDid });
    expectAllSucceeded(result, 2);
  });

  it('SIP INFO DTMF in the dialog reaches the application', async () => {
    const digits: string[] = [];
    dialback.onCall = (call) => {
      const session: SipSession = call.answer(ANSWER_SDP);
      session.handlers.onInfo = (request) => {
        digits.push(/Signal=(.)/.exec(request.body.toString())?.[1] ?? '?');
        return 200;
      };
    };
    const result = await runSipp({ scenario: 'uac-info-dtmf', remote: dialback.address, calls: 1, durationMs: 100, keys: { digit: '7' }, timeoutMs: 20_000, ...toDid });
    expectAllSucceeded(result, 1);
    expect(digits).toEqual(['7']);
  });

  it.each(transports)('registers with digest authentication (%s)', async (transport) => {
    const result = await runSipp({
      scenario: 'uac-register-digest',
      remote: dialback.address,
      transport,
      calls: 1,
      service: '001002',
      authUser: '001002',
      authPassword: 'a-long-secret',
      timeoutMs: 20_000,
    });
    expectAllSucceeded(result, 1);
    expect(dialback.service.location.lookup('001002')).toHaveLength(1);
  });

  it('refuses a registration with a wrong password and counts the failure', async () => {
    const result = await runSipp({ scenario: 'uac-register-digest', remote: dialback.address, calls: 1, service: '001002', authUser: '001002', authPassword: 'wrong-password', timeoutMs: 20_000 });
    expect(result.failedCalls, describeSippResult(result)).toBe(1);
    expect(parseSippMessages(result.messages).some((m) => m.direction === 'received' && m.status === 403)).toBe(true);
    expect(dialback.service.authenticator.failuresBySource.get('127.0.0.1')).toBe(1);
  });

  it('refuses a call to an extension from an unauthenticated caller', async () => {
    const result = await runSipp({ scenario: 'uac-basic', remote: dialback.address, calls: 1, service: '001002', timeoutMs: 20_000 });
    expect(result.failedCalls).toBe(1);
    expect(parseSippMessages(result.messages).some((m) => m.direction === 'received' && m.status === 407)).toBe(true);
    expect(dialback.calls).toHaveLength(0);
  });
});

describe('Dialback calls SIPp as the carrier (Dialback as UAC through a trunk)', () => {
  let dialback: DialbackUnderTest;
  let carrier: SippHandle | null = null;
  beforeAll(() => peers.assertAvailable());
  beforeEach(async () => {
    dialback = await startDialback();
  });
  afterEach(async () => {
    await carrier?.stop(0);
    carrier = null;
    await dialback.stop();
  });

  const trunk = (handle: SippHandle, extra: { username?: string; password?: string } = {}) => ({
    host: handle.localIp,
    port: handle.localPort,
    transport: handle.transport,
    fromDomain: 'acme.example',
    ...extra,
  });
  const dial = (handle: SippHandle, options: { ringTimeoutMs?: number; callerId?: string; username?: string; password?: string } = {}) =>
    dialback.service.dialer.callNumber('+61412345678', trunk(handle, options), options.callerId ?? '+61290371234', {
      sdp: ANSWER_SDP,
      ringTimeoutMs: options.ringTimeoutMs ?? 5_000,
    });

  it.each(transports)('a basic call, hung up by Dialback (%s)', async (transport) => {
    carrier = await startSipp({ scenario: 'uas-basic', transport, timeoutMs: 20_000 });
    const outcome = await dial(carrier);
    if (!outcome.answered) throw new Error(outcome.cause);
    await outcome.session.bye();
    const result = await carrier.stop(2_000);
    expectAllSucceeded(result, 1);
  });

  it.each(transports)('shows our caller ID in From and P-Asserted-Identity (%s)', async (transport) => {
    carrier = await startSipp({ scenario: 'uas-check-callerid', transport, keys: { expected_caller: '+61290371234' }, timeoutMs: 20_000 });
    const outcome = await dial(carrier);
    if (!outcome.answered) throw new Error(outcome.cause);
    await outcome.session.bye();
    expectAllSucceeded(await carrier.stop(2_000), 1);
  });

  it.each(transports)('maps 486 to busy (%s)', async (transport) => {
    carrier = await startSipp({ scenario: 'uas-busy', transport, timeoutMs: 20_000 });
    expect(await dial(carrier)).toMatchObject({ answered: false, cause: 'busy', status: 486 });
  });

  it.each(transports)('answers the carrier\'s 407 challenge with the trunk credentials (%s)', async (transport) => {
    carrier = await startSipp({ scenario: 'uas-challenge-407', transport, keys: { auth_user: 'acme', realm: 'carrier.test' }, timeoutMs: 20_000 });
    const outcome = await dial(carrier, { username: 'acme', password: 'trunk-secret' });
    if (!outcome.answered) throw new Error(outcome.cause);
    await outcome.session.bye();
    const result = await carrier.stop(2_000);
    expectAllSucceeded(result, 1);
    const retried = parseSippMessages(result.messages).filter((m) => m.direction === 'received' && m.method === 'INVITE')[1];
    const authorization = retried?.headers.get('proxy-authorization')?.[0] ?? '';
    expect(verifyDigestAuthorization(authorization, { method: 'INVITE', password: 'trunk-secret', username: 'acme', realm: 'carrier.test' })).toBe(true);
  });

  it.each(transports)('cancels when nobody answers in time: "no answer" (%s)', async (transport) => {
    carrier = await startSipp({ scenario: 'uas-ring-cancel', transport, timeoutMs: 20_000 });
    expect(await dial(carrier, { ringTimeoutMs: 600 })).toMatchObject({ answered: false, cause: 'no-answer' });
    expectAllSucceeded(await carrier.stop(2_000), 1);
  });

  it.each(transports)('the carrier hangs up first (%s)', async (transport) => {
    carrier = await startSipp({ scenario: 'uas-bye-first', transport, durationMs: 300, timeoutMs: 20_000 });
    const outcome = await dial(carrier);
    if (!outcome.answered) throw new Error(outcome.cause);
    const reason = await new Promise((resolve) => outcome.session.whenEnded(resolve));
    expect(reason).toBe('remote-bye');
    expectAllSucceeded(await carrier.stop(2_000), 1);
  });

  it.each(transports)('re-INVITE both ways within the dialog (%s)', async (transport) => {
    carrier = await startSipp({ scenario: 'uas-reinvite', transport, timeoutMs: 20_000 });
    const outcome = await dial(carrier);
    if (!outcome.answered) throw new Error(outcome.cause);
    const reinvite = await outcome.session.reinvite(ANSWER_SDP);
    expect(reinvite.status).toBe(200);
    await outcome.session.bye();
    expectAllSucceeded(await carrier.stop(2_000), 1);

    carrier = await startSipp({ scenario: 'uas-send-reinvite', transport, durationMs: 200, timeoutMs: 20_000 });
    const second = await dial(carrier);
    if (!second.answered) throw new Error(second.cause);
    // The carrier's own re-INVITE got our 200: the only 200 to an INVITE that SIPp receives.
    await waitUntil(() =>
      parseSippMessages(carrier?.messagesSoFar() ?? '').some(
        (m) => m.direction === 'received' && m.status === 200 && /\bINVITE$/.test(m.headers.get('cseq')?.[0] ?? ''),
      ),
    );
    await second.session.bye();
    expectAllSucceeded(await carrier.stop(2_000), 1);
  });
});

describe('Dialback registers to a carrier whose trunk asks for it', () => {
  beforeAll(() => peers.assertAvailable());

  it.each(transports)('REGISTER, answers the 401 with the trunk credentials, and stays registered (%s)', async (transport) => {
    const registrar = await startSipp({ scenario: 'uas-register-challenge', transport, keys: { auth_user: 'acme', auth_pass: 'secret', realm: 'carrier.test' }, timeoutMs: 20_000 });
    const yaml = DEMO.replace('port: 5090', `port: ${registrar.localPort}`)
      .replace('transport: udp              # udp | tcp', `transport: ${transport}\n    register: true`);
    const dialback = await startDialback(yaml);
    try {
      await waitUntil(() => dialback.service.trunkRegistrations.states.get('carrier')?.registered === true);
      expect(dialback.service.trunkRegistrations.states.get('carrier')?.lastStatus).toBe(200);
      expectAllSucceeded(await registrar.stop(1_000), 1);
    } finally {
      await registrar.stop(0);
      await dialback.stop();
    }
  });
});

