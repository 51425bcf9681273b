import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getHeader, parseUri } from '../../../src/sip/message/index.js';
import { SipTransport } from '../../../src/sip/transport/transport.js';
import type { TransportProtocol } from '../../../src/sip/transport/types.js';
import { Authenticator } from '../../../src/sip/ua/authenticator.js';
import { UserAgentCore } from '../../../src/sip/ua/core.js';
import type { IncomingCall } from '../../../src/sip/ua/incoming-call.js';

const SDP_A = Buffer.from('v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n');
const SDP_B = Buffer.from('v=0\r\no=b 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40002 RTP/AVP 0\r\n');

interface Agent {
  transport: SipTransport;
  ua: UserAgentCore;
}

async function agent(name: string): Promise<Agent> {
  let ua: UserAgentCore | null = null;
  const transport = new SipTransport({ host: '127.0.0.1', port: 0, onMessage: (inbound) => ua?.receive(inbound) });
  await transport.start();
  ua = new UserAgentCore(transport, { userAgent: name });
  return { transport, ua };
}

function nextCall(b: Agent): Promise<IncomingCall> {
  return new Promise((resolve) => (b.ua.handlers.onInvite = resolve));
}

for (const protocol of ['UDP', 'TCP'] as TransportProtocol[]) {
  describe(`user agent calls over ${protocol}`, () => {
    let a: Agent;
    let b: Agent;
    beforeEach(async () => {
      a = await agent('A');
      b = await agent('B');
    });
    afterEach(async () => {
      await a.transport.stop();
      await b.transport.stop();
    });

    const uriOfB = (user = 'bob') =>
      parseUri(`sip:${user}@127.0.0.1:${b.transport.port}${protocol === 'TCP' ? ';transport=tcp' : ''}`);
    const from = () => ({ uri: parseUri('sip:alice@127.0.0.1'), displayName: 'Alice Caller' });

    it('rings, answers, ACKs and hangs up from either side', async () => {
      const incoming = nextCall(b);
      const call = a.ua.invite({
        requestUri: uriOfB(),
        from: from(),
        sdp: SDP_A,
        headers: [{ name: 'P-Asserted-Identity', value: '<sip:+61290371234@127.0.0.1>' }],
      });
      const progress: number[] = [];
      call.onProgress = (r) => progress.push(r.status);
      const inbound = await incoming;
      expect(inbound.dialled).toBe('bob');
      expect(inbound.from.displayName).toBe('Alice Caller');
      expect(inbound.header('P-Asserted-Identity')).toBe('<sip:+61290371234@127.0.0.1>');
      expect(inbound.offer.equals(SDP_A)).toBe(true);
      inbound.ring();
      const calleeSession = inbound.answer(SDP_B);
      const outcome = await call.outcome;
      expect(progress).toEqual([180]);
      if (!outcome.answered) throw new Error(`not answered: ${outcome.cause}`);
      expect(outcome.session.remoteSdp.equals(SDP_B)).toBe(true);
      expect(await calleeSession.acknowledged()).toBe(true);
      expect(a.ua.sessionCount).toBe(1);
      expect(b.ua.sessionCount).toBe(1);

      const ended = new Promise((resolve) => (calleeSession.handlers.onEnded = resolve));
      await outcome.session.bye();
      expect(await ended).toBe('remote-bye');
      expect(a.ua.sessionCount).toBe(0);
      expect(b.ua.sessionCount).toBe(0);
    });

    it('the callee can hang up too, and a re-INVITE is answered in the dialog', async () => {
      const incoming = nextCall(b);
      const call = a.ua.invite({ requestUri: uriOfB(), from: from(), sdp: SDP_A });
      const calleeSession = (await incoming).answer(SDP_B);
      const outcome = await call.outcome;
      if (!outcome.answered) throw new Error('not answered');
      await calleeSession.acknowledged();

      const reinvite = await outcome.session.reinvite(SDP_A);
      expect(reinvite.status).toBe(200);
      expect(reinvite.body.equals(SDP_B)).toBe(true);

      const ended = new Promise((resolve) => (outcome.session.handlers.onEnded = resolve));
      await calleeSession.bye();
      expect(await ended).toBe('remote-bye');
    });

    it('maps a busy callee to "busy"', async () => {
      const incoming = nextCall(b);
      const call = a.ua.invite({ requestUri: uriOfB(), from: from(), sdp: SDP_A });
      (await incoming).reject(486, 'Busy Here');
      expect(await call.outcome).toEqual({ answered: false, cause: 'busy', status: 486, reason: 'Busy Here' });
    });

    it('cancels a ringing call: the caller sees "cancelled", the callee is told', async () => {
      const incoming = nextCall(b);
      const call = a.ua.invite({ requestUri: uriOfB(), from: from(), sdp: SDP_A });
      const inbound = await incoming;
      const cancelled = new Promise<void>((resolve) => (inbound.onCancel = resolve));
      const ringing = new Promise<void>((resolve) => (call.onProgress = () => resolve()));
      inbound.ring();
      await ringing;
      call.cancel();
      await cancelled;
      expect(await call.outcome).toMatchObject({ answered: false, cause: 'cancelled', status: 487 });
      expect(inbound.cancelled).toBe(true);
    });

    it('answers a proxy challenge with the trunk credentials; a wrong password is refused', async () => {
      const authenticator = new Authenticator('carrier', {
        passwordOf: (username) => Promise.resolve(username === 'acme' ? 'secret' : null),
      });
      const authenticated: string[] = [];
      b.ua.handlers.onInvite = (incoming) => {
        void authenticator.authenticate(incoming.request, incoming.transaction, incoming.inbound.source).then((user) => {
          if (user === null) return;
          authenticated.push(user);
          incoming.answer(SDP_B);
        });
      };
      const good = a.ua.invite({ requestUri: uriOfB('+61412345678'), from: from(), sdp: SDP_A, credentials: { username: 'acme', password: 'secret' } });
      const outcome = await good.outcome;
      expect(outcome.answered).toBe(true);
      expect(authenticated).toEqual(['acme']);
      expect(getHeader(good.invite, 'Proxy-Authorization')).toMatch(/^Digest username="acme"/);
      if (outcome.answered) await outcome.session.bye();

      const bad = a.ua.invite({ requestUri: uriOfB('+61412345678'), from: from(), sdp: SDP_A, credentials: { username: 'acme', password: 'wrong' } });
      expect(await bad.outcome).toMatchObject({ answered: false, cause: 'rejected', status: 403 });
      expect(authenticator.failuresBySource.get('127.0.0.1')).toBe(1);
    });

    it('answers OPTIONS and refuses unknown dialogs and methods', async () => {
      const options = await sendOutOfDialog(a, b, 'OPTIONS');
      expect(options.status).toBe(200);
      expect(getHeader(options, 'Allow')).toContain('INVITE');
      expect((await sendOutOfDialog(a, b, 'BYE')).status).toBe(481);
      expect((await sendOutOfDialog(a, b, 'SUBSCRIBE')).status).toBe(405);
      expect((await sendOutOfDialog(a, b, 'REGISTER')).status).toBe(405);
    });
  });

  async function sendOutOfDialog(a: Agent, b: Agent, method: string) {
    const target = { protocol, address: '127.0.0.1', port: b.transport.port };
    const request = {
      kind: 'request' as const,
      method,
      uri: parseUri(`sip:bob@127.0.0.1:${b.transport.port}`),
      headers: [
        a.ua.viaFor(protocol),
        { name: 'Max-Forwards', value: '70' },
        { name: 'From', value: '<sip:alice@127.0.0.1>;tag=x1' },
        { name: 'To', value: '<sip:bob@127.0.0.1>' },
        { name: 'Call-ID', value: `c-${method}-${Math.random()}` },
        { name: 'CSeq', value: `1 ${method}` },
      ],
      body: Buffer.alloc(0),
    };
    return new Promise<import('../../../src/sip/message/types.js').SipResponse>((resolve, reject) => {
      a.ua.transactions.sendRequest(request, target, {
        onResponse: (r) => {
          if (r.status >= 200) resolve(r);
        },
        onTimeout: () => reject(new Error('timeout')),
        onTransportError: reject,
      });
    });
  }
}
