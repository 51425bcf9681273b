// Self-tests of the SIPp harness and of every scenario in test/interop/scenarios, SIPp
// against SIPp: if these pass, a failing engine test points at the engine, not the peer.
import { beforeAll, describe, expect, it } from 'vitest';
import { requirePeers } from '../../helpers/peers/availability.js';
import {
  describeSippResult,
  parseSippMessages,
  runSipp,
  startSipp,
  verifyDigestAuthorization,
  type SippOptions,
  type SippResult,
  type SippTransport,
} from '../../helpers/peers/sipp.js';

const peers = requirePeers('sipp');

/** Starts `uas`, runs `uac` against it to the end, stops the UAS; returns both results. */
async function pair(
  uas: SippOptions,
  uac: Omit<SippOptions, 'remote' | 'transport'>,
  stopGraceMs?: number,
): Promise<{ client: SippResult; server: SippResult }> {
  const server = await startSipp({ timeoutMs: 20_000, ...uas });
  try {
    const client = await runSipp({ timeoutMs: 15_000, ...uac, remote: server.address, transport: server.transport });
    return { client, server: await server.stop(stopGraceMs) };
  } finally {
    await server.stop(0);
  }
}

function expectAllSucceeded(result: SippResult, calls: number): void {
  const why = describeSippResult(result);
  expect(result.outcome, why).toBe('all-succeeded');
  expect(result.exitCode, why).toBe(0);
  expect(result.successfulCalls, why).toBe(calls);
  expect(result.failedCalls, why).toBe(0);
}

function received(result: SippResult): ReturnType<typeof parseSippMessages> {
  return parseSippMessages(result.messages).filter((m) => m.direction === 'received');
}

const transports: SippTransport[] = ['udp', 'tcp'];

describe('SIPp scenarios, SIPp against SIPp', () => {
  beforeAll(() => peers.assertAvailable());

  it('built-in uac against built-in uas', async () => {
    // The built-in uas ends each call with a 4 s timewait, so it is still busy when the
    // UAC is done (and over TCP counts those calls failed when the UAC disconnects): only
    // the caller's side is asserted.
    const { client, server } = await pair({ scenario: 'uas' }, { scenario: 'uac', calls: 3, rate: 50 }, 100);
    expectAllSucceeded(client, 3);
    expect(received(server).filter((m) => m.method === 'INVITE')).toHaveLength(3);
  });

  it.each(transports)('uac-basic against uas-basic, 5 calls (%s)', async (transport) => {
    const { client, server } = await pair(
      { scenario: 'uas-basic', transport },
      { scenario: 'uac-basic', calls: 5, rate: 50, limit: 5, durationMs: 100, keys: { caller: '4930111' } },
    );
    expectAllSucceeded(client, 5);
    expectAllSucceeded(server, 5);
    const invites = received(server).filter((m) => m.method === 'INVITE');
    expect(invites).toHaveLength(5);
    expect(invites[0]?.headers.get('from')?.[0]).toContain('sip:4930111@');
    expect(invites[0]?.body).toContain('a=rtpmap:8 PCMA/8000');
    // ACK and BYE go to the callee's Contact, as a real UA would send them.
    const byes = received(server).filter((m) => m.method === 'BYE');
    expect(byes).toHaveLength(5);
  });

  it.each(transports)('uac-cancel against a UAS that keeps ringing (%s)', async (transport) => {
    const { client, server } = await pair(
      { scenario: 'uas-ring-cancel', transport },
      { scenario: 'uac-cancel', calls: 2, rate: 20, durationMs: 200 },
    );
    expectAllSucceeded(client, 2);
    expectAllSucceeded(server, 2);
    const statuses = received(client).map((m) => m.status);
    expect(statuses).toContain(487);
    const cancels = received(server).filter((m) => m.method === 'CANCEL');
    expect(cancels).toHaveLength(2);
    // CANCEL reuses the INVITE's branch (RFC 3261 9.1).
    const invite = received(server).find((m) => m.method === 'INVITE');
    const branch = (via: string | undefined) => /branch=([^;\s]+)/.exec(via ?? '')?.[1];
    expect(branch(cancels[0]?.headers.get('via')?.[0])).toBe(branch(invite?.headers.get('via')?.[0]));
  });

  it('uas-busy makes the caller count a failed call with 486 in its trace', async () => {
    const { client, server } = await pair({ scenario: 'uas-busy' }, { scenario: 'uac-basic', calls: 1 });
    expect(client.outcome, describeSippResult(client)).toBe('some-failed');
    expect(client.exitCode).toBe(1);
    expect(client.successfulCalls).toBe(0);
    expect(client.failedCalls).toBe(1);
    expect(received(client).some((m) => m.status === 486)).toBe(true);
    expect(client.messages).toContain('SIP/2.0 486 Busy Here');
    // The busy UAS got its ACK: a complete, successful call from its side.
    expectAllSucceeded(server, 1);
  });

  it.each(transports)('uac-register-digest against uas-register-challenge (%s)', async (transport) => {
    const credentials = { service: 'alice', authUser: 'alice', authPassword: 'secret' };
    const { client, server } = await pair(
      { scenario: 'uas-register-challenge', transport, ...credentials },
      { scenario: 'uac-register-digest', calls: 2, rate: 20, ...credentials },
    );
    expectAllSucceeded(client, 2);
    expectAllSucceeded(server, 2);
    const registers = received(server).filter((m) => m.method === 'REGISTER');
    expect(registers).toHaveLength(4);
    expect(registers[1]?.headers.get('authorization')?.[0]).toMatch(/^Digest username="alice"/);
  });

  it('uas-register-challenge counts a wrong password as a failed call', async () => {
    const { client, server } = await pair(
      { scenario: 'uas-register-challenge', service: 'alice', authUser: 'alice', authPassword: 'secret' },
      { scenario: 'uac-register-digest', calls: 1, service: 'alice', authPassword: 'wrong' },
    );
    // The registrar still answers 200 (check_it does not change the flow) but records it.
    expectAllSucceeded(client, 1);
    expect(server.failedCalls, describeSippResult(server)).toBe(1);
    expect(server.outcome).toBe('some-failed');
    expect(server.errors + server.stderr).toContain("looking in 'false'");
  });

  it.each(transports)('uac-auth against the 407 carrier uas-challenge-407 (%s)', async (transport) => {
    const { client, server } = await pair(
      { scenario: 'uas-challenge-407', transport, keys: { auth_user: 'carrieruser' } },
      { scenario: 'uac-auth', calls: 2, rate: 20, durationMs: 100, authUser: 'carrieruser', authPassword: 's3cret' },
    );
    expectAllSucceeded(client, 2);
    expectAllSucceeded(server, 2);
    const authorized = received(server).filter((m) => m.method === 'INVITE' && m.headers.has('proxy-authorization'));
    expect(authorized).toHaveLength(2);
    const value = authorized[0]?.headers.get('proxy-authorization')?.[0] ?? '';
    const check = { method: 'INVITE', username: 'carrieruser', realm: 'dialback.test' };
    expect(verifyDigestAuthorization(value, { ...check, password: 's3cret' })).toBe(true);
    expect(verifyDigestAuthorization(value, { ...check, password: 'other' })).toBe(false);
  });

  it('uas-challenge-407 counts a retry without Proxy-Authorization as failed', async () => {
    // uac-auth answering a 407 for another user: the username check fails.
    const { client, server } = await pair(
      { scenario: 'uas-challenge-407', keys: { auth_user: 'carrieruser' } },
      { scenario: 'uac-auth', calls: 1, authUser: 'intruder', authPassword: 'x' },
    );
    expectAllSucceeded(client, 1);
    expect(server.failedCalls, describeSippResult(server)).toBe(1);
    expect(server.errors + server.stderr).toContain('Failed regexp match');
  });

  it.each(transports)('uac-reinvite against uas-reinvite (%s)', async (transport) => {
    const { client, server } = await pair(
      { scenario: 'uas-reinvite', transport },
      { scenario: 'uac-reinvite', calls: 2, rate: 20, durationMs: 100 },
    );
    expectAllSucceeded(client, 2);
    expectAllSucceeded(server, 2);
    const invites = received(server).filter((m) => m.method === 'INVITE');
    // Two calls overlap, so only the multiset of CSeqs is fixed.
    expect(invites.map((m) => m.headers.get('cseq')?.[0]).sort()).toEqual(['1 INVITE', '1 INVITE', '2 INVITE', '2 INVITE']);
  });

  it.each(transports)('uas-bye-first hangs up on uac-remote-bye (%s)', async (transport) => {
    const { client, server } = await pair(
      { scenario: 'uas-bye-first', transport, durationMs: 100 },
      { scenario: 'uac-remote-bye', calls: 2, rate: 20 },
    );
    expectAllSucceeded(client, 2);
    expectAllSucceeded(server, 2);
    const bye = received(client).find((m) => m.method === 'BYE');
    // The BYE swaps From and To and targets the caller's Contact.
    expect(bye?.startLine).toMatch(/^BYE sip:sipp@127\.0\.0\.1:\d+/);
    expect(bye?.headers.get('to')?.[0]).toMatch(/^<sip:sipp@.*;tag=/);
  });

  it('uac-info-dtmf sends INFO dtmf-relay, answered by a UAS with -aa', async () => {
    const { client, server } = await pair(
      { scenario: 'uas-basic', autoAnswer: true },
      { scenario: 'uac-info-dtmf', calls: 1, keys: { digit: '7' } },
    );
    expectAllSucceeded(client, 1);
    expectAllSucceeded(server, 1);
    const info = received(server).find((m) => m.method === 'INFO');
    expect(info?.headers.get('content-type')?.[0]).toBe('application/dtmf-relay');
    expect(info?.body).toBe('Signal=7\r\nDuration=160\r\n');
  });

  it('uas-check-callerid accepts the expected caller ID and counts a wrong one as failed', async () => {
    const good = await pair(
      { scenario: 'uas-check-callerid', keys: { expected_caller: '4930123456' } },
      { scenario: 'uac-basic', calls: 1, keys: { caller: '+4930123456' } },
    );
    expectAllSucceeded(good.client, 1);
    expectAllSucceeded(good.server, 1);

    const bad = await pair(
      { scenario: 'uas-check-callerid', keys: { expected_caller: '4930123456' } },
      { scenario: 'uac-basic', calls: 1, keys: { caller: '4940999' } },
    );
    expectAllSucceeded(bad.client, 1); // the flow is unchanged for the caller
    expect(bad.server.failedCalls, describeSippResult(bad.server)).toBe(1);
    expect(bad.server.errors + bad.server.stderr).toContain('4940999');
  });

  it('reports a scenario that does not load as fatal', async () => {
    const result = await runSipp({ scenario: 'uas-check-callerid', keys: {}, timeoutMs: 2000, keepLogs: false });
    expect(result.outcome).toBe('fatal');
    expect(result.stderr).toContain("Unsupported keyword 'expected_caller'");
  });

  it('stop() ends a waiting UAS that got no calls', async () => {
    const server = await startSipp({ scenario: 'uas-basic' });
    const result = await server.stop();
    expect(['no-calls', 'all-succeeded']).toContain(result.outcome);
    expect(result.successfulCalls).toBe(0);
  });
});
