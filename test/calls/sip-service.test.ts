import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SipService, type IncomingRoute } from '../../src/calls/sip-service.js';
import { createLogger } from '../../src/logger.js';
import { applyPlan } from '../../src/provisioning/apply.js';
import { parseProvisionFile } from '../../src/provisioning/parse.js';
import { buildPlan } from '../../src/provisioning/plan.js';
import type { Store } from '../../src/store/db.js';
import { readSettings } from '../../src/store/settings.js';
import { parseUri } from '../../src/sip/message/index.js';
import { SipTransport } from '../../src/sip/transport/transport.js';
import { UserAgentCore } from '../../src/sip/ua/core.js';
import type { IncomingCall } from '../../src/sip/ua/incoming-call.js';
import { register } from '../../src/sip/ua/registration.js';
import { openSqliteForTest } from '../helpers/stores.js';

const demo = readFileSync(new URL('../../examples/demo.yaml', import.meta.url), 'utf8');
const SDP = Buffer.from('v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n');

describe('SIP service: registrar and incoming call routing on a provisioned store', () => {
  let store: Store;
  let service: SipService;
  let peer: { transport: SipTransport; ua: UserAgentCore };
  let routed: { call: IncomingCall; route: IncomingRoute }[];

  beforeEach(async () => {
    store = await openSqliteForTest();
    await applyPlan(store.db, buildPlan(parseProvisionFile(demo), await readSettings(store.db)));
    service = new SipService({ sipHost: '127.0.0.1', sipPort: 0, sipPublicAddress: null, sipDigestAlgorithms: ['SHA-256', 'MD5'], rtpPorts: { first: 31400, last: 31999 } }, store, createLogger('silent'), 'test');
    await service.start();
    routed = [];
    service.onIncomingCall = (call, route) => {
      routed.push({ call, route });
      call.answer(SDP);
    };
    let ua: UserAgentCore | null = null;
    const transport = new SipTransport({ host: '127.0.0.1', port: 0, onMessage: (m) => ua?.receive(m) });
    await transport.start();
    ua = new UserAgentCore(transport);
    peer = { transport, ua };
  });
  afterEach(async () => {
    await peer.transport.stop();
    await service.stop();
    await store.close();
  });

  const registrar = () => ({ protocol: 'UDP' as const, address: '127.0.0.1', port: service.port });
  const at = (user: string) => parseUri(`sip:${user}@127.0.0.1:${service.port}`);

  it('registers a provisioned extension with its SIP password and refuses a wrong one', async () => {
    const ok = await register(peer.ua, { registrar: registrar(), aor: at('001002'), credentials: { username: '001002', password: 'a-long-secret' }, expires: 300 });
    expect(ok.status).toBe(200);
    expect(service.location.lookup('001002')).toHaveLength(1);
    const wrong = await register(peer.ua, { registrar: registrar(), aor: at('001002'), credentials: { username: '001002', password: 'nope-nope-nope' }, expires: 300 });
    expect(wrong.status).toBe(403);
    // An extension without a SIP password cannot register at all.
    const none = await register(peer.ua, { registrar: registrar(), aor: at('001100'), credentials: { username: '001100', password: 'anything-at-all' }, expires: 300 });
    expect(none.status).toBe(403);
  });

  it('delivers a call to a DID without authentication, in any number format', async () => {
    const call = peer.ua.invite({ requestUri: at('0290370000'), from: { uri: parseUri('sip:+61412345678@127.0.0.1') }, sdp: SDP });
    const outcome = await call.outcome;
    expect(outcome.answered).toBe(true);
    expect(routed[0]?.route).toMatchObject({ kind: 'did', did: { number: '+61290370000' } });
    if (outcome.answered) await outcome.session.bye();
  });

  it('challenges calls to anything but a DID, and refuses them without credentials', async () => {
    const call = peer.ua.invite({ requestUri: at('001002'), from: { uri: parseUri('sip:stranger@127.0.0.1') }, sdp: SDP });
    expect(await call.outcome).toMatchObject({ answered: false, status: 407 });
    expect(routed).toHaveLength(0);
  });

  it('lets an authenticated extension call its colleagues (404 for unknown numbers) and marks it on the phone', async () => {
    const credentials = { username: '001002', password: 'a-long-secret' };
    const call = peer.ua.invite({ requestUri: at('001100'), from: { uri: parseUri('sip:001002@127.0.0.1') }, sdp: SDP, credentials });
    const outcome = await call.outcome;
    if (!outcome.answered) throw new Error(outcome.cause);
    expect(routed[0]?.route).toMatchObject({ kind: 'extension', caller: { number: '001002' }, destination: { number: '001100' } });
    expect(service.dialer.activity.isOnThePhone('001002')).toBe(true);
    await outcome.session.bye();
    expect(service.dialer.activity.isOnThePhone('001002')).toBe(false);

    const unknown = peer.ua.invite({ requestUri: at('777'), from: { uri: parseUri('sip:001002@127.0.0.1') }, sdp: SDP, credentials });
    expect(await unknown.outcome).toMatchObject({ answered: false, cause: 'not-found', status: 404 });
  });
});
