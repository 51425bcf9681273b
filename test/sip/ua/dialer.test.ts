import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromHeader, getHeader, parseUri } from '../../../src/sip/message/index.js';
import { SipTransport } from '../../../src/sip/transport/transport.js';
import { Authenticator } from '../../../src/sip/ua/authenticator.js';
import { UserAgentCore } from '../../../src/sip/ua/core.js';
import { Dialer } from '../../../src/sip/ua/dialer.js';
import type { IncomingCall } from '../../../src/sip/ua/incoming-call.js';
import { LocationService } from '../../../src/sip/ua/location.js';

const SDP = Buffer.from('v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n');

interface Agent {
  transport: SipTransport;
  ua: UserAgentCore;
  calls: IncomingCall[];
}

async function agent(onCall?: (call: IncomingCall) => void): Promise<Agent> {
  let ua: UserAgentCore | null = null;
  const transport = new SipTransport({ host: '127.0.0.1', port: 0, onMessage: (inbound) => ua?.receive(inbound) });
  await transport.start();
  ua = new UserAgentCore(transport);
  const calls: IncomingCall[] = [];
  ua.handlers.onInvite = (call) => {
    calls.push(call);
    onCall?.(call);
  };
  return { transport, ua, calls };
}

const until = async (check: () => boolean, ms = 3_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('dialer: calls to extensions and through trunks', () => {
  let server: Agent;
  let location: LocationService;
  let dialer: Dialer;
  const phones: Agent[] = [];

  beforeEach(async () => {
    server = await agent();
    location = new LocationService();
    dialer = new Dialer(server.ua, location);
  });
  afterEach(async () => {
    await server.transport.stop();
    for (const phone of phones.splice(0)) await phone.transport.stop();
  });

  async function registeredPhone(aor: string, onCall: (call: IncomingCall) => void): Promise<Agent> {
    const phone = await agent(onCall);
    phones.push(phone);
    const contact = parseUri(`sip:${aor}@192.168.1.20:5060`);
    const existing = location.lookup(aor);
    location.replace(aor, [
      ...existing,
      {
        aor,
        contact,
        contactText: `sip:${aor}@192.168.1.20:5060`,
        expiresAt: Date.now() + 60_000,
        callId: `c${phones.length}`,
        cseq: 1,
        // The phone sits behind NAT: its Contact is private, its REGISTER came from here.
        source: { protocol: 'UDP', address: '127.0.0.1', port: phone.transport.port },
        connectionId: null,
        userAgent: null,
      },
    ]);
    return phone;
  }

  it('forks to every contact: the first answer wins, the others are cancelled; the extension is on the phone until hang-up', async () => {
    const desk = await registeredPhone('001002', (call) => call.ring());
    const mobile = await registeredPhone('001002', (call) => {
      call.ring();
      setTimeout(() => call.answer(SDP), 50);
    });
    const progress: number[] = [];
    const outcome = await dialer.callExtension('001002', { name: 'Mary Requester', number: '+61412345678' }, {
      sdp: SDP,
      ringTimeoutMs: 5_000,
      onProgress: (r) => progress.push(r.status),
    });
    if (!outcome.answered) throw new Error(outcome.cause);
    expect(progress).toContain(180);
    const shown = desk.calls[0];
    expect(shown ? fromHeader(shown.request).displayName : null).toBe('Mary Requester');
    expect(shown?.from.uri.user).toBe('+61412345678');
    await until(() => desk.calls[0]?.cancelled === true);
    expect(mobile.calls[0]?.pending).toBe(false);
    expect(dialer.activity.isOnThePhone('001002')).toBe(true);
    await outcome.session.bye();
    expect(dialer.activity.isOnThePhone('001002')).toBe(false);
  });

  it('reports "unavailable" for an extension with no registration and "no-answer" after the ring timeout', async () => {
    expect(await dialer.callExtension('009999', { name: null, number: null }, { sdp: SDP, ringTimeoutMs: 1_000 })).toMatchObject({
      answered: false,
      cause: 'unavailable',
    });
    const phone = await registeredPhone('001002', (call) => call.ring());
    const outcome = await dialer.callExtension('001002', { name: null, number: null }, { sdp: SDP, ringTimeoutMs: 300 });
    expect(outcome).toMatchObject({ answered: false, cause: 'no-answer' });
    await until(() => phone.calls[0]?.cancelled === true);
    expect(dialer.activity.isOnThePhone('001002')).toBe(false);
  });

  it('reports "busy" when every contact is busy, and an abort cancels', async () => {
    await registeredPhone('001002', (call) => call.reject(486, 'Busy Here'));
    await registeredPhone('001002', (call) => call.reject(480));
    expect(await dialer.callExtension('001002', { name: null, number: null }, { sdp: SDP, ringTimeoutMs: 2_000 })).toMatchObject({ cause: 'busy', status: 486 });

    const ringing = await registeredPhone('001003', (call) => call.ring());
    const abort = new AbortController();
    const attempt = dialer.callExtension('001003', { name: null, number: null }, { sdp: SDP, ringTimeoutMs: 5_000, signal: abort.signal });
    await until(() => ringing.calls.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    abort.abort();
    expect(await attempt).toMatchObject({ answered: false, cause: 'cancelled' });
  });

  it('calls a number through a challenging trunk with our caller ID in From and P-Asserted-Identity', async () => {
    const authenticator = new Authenticator('carrier.example', { passwordOf: (u) => Promise.resolve(u === 'acme' ? 'secret' : null) });
    const carrier = await agent((call) => {
      void authenticator.authenticate(call.request, call.transaction, call.inbound.source).then((user) => {
        if (user !== null) call.answer(SDP);
      });
    });
    phones.push(carrier);
    const outcome = await dialer.callNumber(
      '+61412345678',
      { host: '127.0.0.1', port: carrier.transport.port, transport: 'udp', username: 'acme', password: 'secret', fromDomain: 'acme.example' },
      '+61290371234',
      { sdp: SDP, ringTimeoutMs: 5_000 },
    );
    if (!outcome.answered) throw new Error(outcome.cause);
    const invite = carrier.calls.at(-1);
    expect(invite?.dialled).toBe('+61412345678');
    expect(invite?.from.uri.user).toBe('+61290371234');
    expect(invite?.header('P-Asserted-Identity')).toBe('<sip:+61290371234@acme.example>');
    expect(getHeader(invite?.request ?? outcome.response, 'Proxy-Authorization')).toMatch(/username="acme"/);
    await outcome.session.bye();
  });

  it('maps a carrier refusal to a clear cause', async () => {
    const carrier = await agent((call) => call.reject(404, 'Not Found'));
    phones.push(carrier);
    const outcome = await dialer.callNumber('+61400000000', { host: '127.0.0.1', port: carrier.transport.port, transport: 'udp' }, null, { sdp: SDP, ringTimeoutMs: 2_000 });
    expect(outcome).toMatchObject({ answered: false, cause: 'not-found', status: 404 });
    expect(carrier.calls[0]?.header('Privacy')).toBe('id');
  });
});
