import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getHeader, getHeaders, parseUri } from '../../../src/sip/message/index.js';
import type { HeaderField, SipRequest, SipResponse } from '../../../src/sip/message/types.js';
import { SipTransport } from '../../../src/sip/transport/transport.js';
import { Authenticator } from '../../../src/sip/ua/authenticator.js';
import { UserAgentCore } from '../../../src/sip/ua/core.js';
import { DigestClient } from '../../../src/sip/ua/digest.js';
import { LocationService } from '../../../src/sip/ua/location.js';
import { Registrar } from '../../../src/sip/ua/registrar.js';

interface Node {
  transport: SipTransport;
  ua: UserAgentCore;
}

async function node(): Promise<Node> {
  let ua: UserAgentCore | null = null;
  const transport = new SipTransport({ host: '127.0.0.1', port: 0, onMessage: (inbound) => ua?.receive(inbound) });
  await transport.start();
  ua = new UserAgentCore(transport);
  return { transport, ua };
}

describe('registrar (RFC 3261 §10.3) with digest authentication (RFC 7616)', () => {
  let server: Node;
  let phone: Node;
  let location: LocationService;
  let authenticator: Authenticator;
  let now: number;
  let callId: string;
  let seq: number;

  beforeEach(async () => {
    server = await node();
    phone = await node();
    now = Date.now();
    location = new LocationService(() => now);
    authenticator = new Authenticator(
      'dialback',
      { passwordOf: (user) => Promise.resolve({ '001002': 'a-long-secret', '001003': 'other-secret' }[user] ?? null) },
      undefined,
      () => now,
    );
    const registrar = new Registrar(authenticator, location, {}, {}, () => now);
    server.ua.handlers.onRegister = (request, transaction, inbound) => void registrar.handle(request, transaction, inbound);
    callId = `reg-${Math.random()}`;
    seq = 1;
  });
  afterEach(async () => {
    await server.transport.stop();
    await phone.transport.stop();
  });

  function register(user: string, contacts: string[], extra: HeaderField[] = [], aor = user): Promise<SipResponse> {
    const request: SipRequest = {
      kind: 'request',
      method: 'REGISTER',
      uri: parseUri(`sip:127.0.0.1:${server.transport.port}`),
      headers: [
        phone.ua.viaFor('UDP'),
        { name: 'Max-Forwards', value: '70' },
        { name: 'From', value: `<sip:${user}@127.0.0.1>;tag=p1` },
        { name: 'To', value: `<sip:${aor}@127.0.0.1>` },
        { name: 'Call-ID', value: callId },
        { name: 'CSeq', value: `${seq++} REGISTER` },
        ...contacts.map((value) => ({ name: 'Contact', value })),
        { name: 'User-Agent', value: 'test-phone' },
        ...extra,
      ],
      body: Buffer.alloc(0),
    };
    return new Promise((resolve, reject) => {
      phone.ua.transactions.sendRequest(request, { protocol: 'UDP', address: '127.0.0.1', port: server.transport.port }, {
        onResponse: (r) => {
          if (r.status >= 200) resolve(r);
        },
        onTimeout: () => reject(new Error('timeout')),
        onTransportError: reject,
      });
    });
  }

  /** REGISTER, answer the challenge with the password, return the final response. */
  async function registerWithPassword(user: string, password: string, contacts: string[], extra: HeaderField[] = [], aor = user) {
    const challenge = await register(user, contacts, extra, aor);
    expect(challenge.status).toBe(401);
    const client = new DigestClient({ username: user, password });
    const authorization = client.respond(getHeaders(challenge, 'WWW-Authenticate'), {
      method: 'REGISTER',
      uri: `sip:127.0.0.1:${server.transport.port}`,
    });
    return register(user, contacts, [...extra, { name: 'Authorization', value: authorization }], aor);
  }

  it('challenges with SHA-256 then MD5 and registers with the right password', async () => {
    const challenge = await register('001002', ['<sip:001002@127.0.0.1:5099>']);
    expect(challenge.status).toBe(401);
    const offered = getHeaders(challenge, 'WWW-Authenticate');
    expect(offered).toHaveLength(2);
    expect(offered[0]).toMatch(/algorithm=SHA-256/);
    expect(offered[1]).toMatch(/algorithm=MD5/);
    expect(offered[0]).toMatch(/qop="auth"/);

    const ok = await registerWithPassword('001002', 'a-long-secret', ['<sip:001002@127.0.0.1:5099>'], [{ name: 'Expires', value: '600' }]);
    expect(ok.status).toBe(200);
    expect(getHeader(ok, 'Contact')).toBe('<sip:001002@127.0.0.1:5099>;expires=600');
    const [binding] = location.lookup('001002');
    expect(binding).toMatchObject({ contactText: 'sip:001002@127.0.0.1:5099', userAgent: 'test-phone' });
    expect(binding?.source).toEqual({ protocol: 'UDP', address: '127.0.0.1', port: phone.transport.port });
    expect(binding?.expiresAt).toBe(now + 600_000);
  });

  it('keeps several contacts, removes one with expires=0, and all with "*"', async () => {
    expect((await registerWithPassword('001002', 'a-long-secret', ['<sip:001002@127.0.0.1:5101>', '<sip:001002@127.0.0.1:5102>;expires=120'])).status).toBe(200);
    expect(location.lookup('001002').map((b) => b.contactText).sort()).toEqual(['sip:001002@127.0.0.1:5101', 'sip:001002@127.0.0.1:5102']);

    const removed = await registerWithPassword('001002', 'a-long-secret', ['<sip:001002@127.0.0.1:5101>;expires=0']);
    expect(getHeaders(removed, 'Contact')).toEqual(['<sip:001002@127.0.0.1:5102>;expires=120']);

    const all = await registerWithPassword('001002', 'a-long-secret', ['*'], [{ name: 'Expires', value: '0' }]);
    expect(all.status).toBe(200);
    expect(location.lookup('001002')).toEqual([]);
  });

  it('expires bindings with time', async () => {
    await registerWithPassword('001002', 'a-long-secret', ['<sip:001002@127.0.0.1:5101>;expires=60']);
    now += 59_000;
    expect(location.lookup('001002')).toHaveLength(1);
    now += 2_000;
    expect(location.lookup('001002')).toHaveLength(0);
  });

  it('refuses a wrong password and counts the failure per source', async () => {
    const refused = await registerWithPassword('001002', 'guess', ['<sip:001002@127.0.0.1:5101>']);
    expect(refused.status).toBe(403);
    expect(authenticator.failuresBySource.get('127.0.0.1')).toBe(1);
    expect(location.lookup('001002')).toEqual([]);
  });

  it('refuses registering another extension and "*" without Expires: 0', async () => {
    const other = await registerWithPassword('001003', 'other-secret', ['<sip:001002@127.0.0.1:5101>'], [], '001002');
    expect(other.status).toBe(403);
    const star = await registerWithPassword('001002', 'a-long-secret', ['*']);
    expect(star.status).toBe(400);
  });

  it('refuses too brief an expiry with 423 and Min-Expires', async () => {
    const brief = await registerWithPassword('001002', 'a-long-secret', ['<sip:001002@127.0.0.1:5101>;expires=30']);
    expect(brief.status).toBe(423);
    expect(getHeader(brief, 'Min-Expires')).toBe('60');
  });

  it('answers an expired nonce with a new challenge marked stale=true', async () => {
    const challenge = await register('001002', ['<sip:001002@127.0.0.1:5101>']);
    const client = new DigestClient({ username: '001002', password: 'a-long-secret' });
    const authorization = client.respond(getHeaders(challenge, 'WWW-Authenticate'), { method: 'REGISTER', uri: `sip:127.0.0.1:${server.transport.port}` });
    now += 301_000;
    const stale = await register('001002', ['<sip:001002@127.0.0.1:5101>'], [{ name: 'Authorization', value: authorization }]);
    expect(stale.status).toBe(401);
    expect(getHeaders(stale, 'WWW-Authenticate')[0]).toMatch(/stale=true/);
    expect(authenticator.failuresBySource.size).toBe(0);
  });

  it('refuses a REGISTER that requires an extension', async () => {
    const response = await register('001002', ['<sip:001002@127.0.0.1:5101>'], [{ name: 'Require', value: 'gruu' }]);
    expect(response.status).toBe(420);
    expect(getHeader(response, 'Unsupported')).toBe('gruu');
  });
});
