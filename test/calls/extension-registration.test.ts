// The registrar sees extensions made and changed through the REST API at once, without a
// restart: a REGISTER with the SIP password shown at creation succeeds, and after a new
// password is set the old one is refused and the new one accepted.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SipService } from '../../src/calls/sip-service.js';
import { buildHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { applyPlan } from '../../src/provisioning/apply.js';
import { parseProvisionFile } from '../../src/provisioning/parse.js';
import { buildPlan } from '../../src/provisioning/plan.js';
import { createApiToken } from '../../src/store/api-tokens.js';
import { nowIso, type Store } from '../../src/store/db.js';
import { readSettings } from '../../src/store/settings.js';
import { parseUri } from '../../src/sip/message/index.js';
import { SipTransport } from '../../src/sip/transport/transport.js';
import { UserAgentCore } from '../../src/sip/ua/core.js';
import { register } from '../../src/sip/ua/registration.js';
import { openSqliteForTest } from '../helpers/stores.js';

const demo = readFileSync(new URL('../../examples/demo.yaml', import.meta.url), 'utf8');

describe('SIP registrar and extensions changed through the REST API', () => {
  let store: Store;
  let service: SipService;
  let http: Awaited<ReturnType<typeof buildHttpServer>>;
  let peer: { transport: SipTransport; ua: UserAgentCore };
  let token: string;
  let acmeId: number;

  beforeEach(async () => {
    store = await openSqliteForTest();
    await applyPlan(store.db, buildPlan(parseProvisionFile(demo), await readSettings(store.db)));
    acmeId = (await store.db.selectFrom('accounts').select('id').where('name', '=', 'Acme').executeTakeFirstOrThrow()).id;
    const now = nowIso();
    const user = await store.db
      .insertInto('users')
      .values({ accountId: acmeId, email: 'boss@acme.example', passwordHash: 'scrypt$unused', role: 'org_manager', extensionId: null, lockedUntil: null, createdAt: now, updatedAt: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    token = (await createApiToken(store.db, { userId: user.id, name: 'test', actor: 'test' })).token;
    service = new SipService({ sipHost: '127.0.0.1', sipPort: 0, sipPublicAddress: null, sipDigestAlgorithms: ['MD5'], rtpPorts: { first: 31400, last: 31999 } }, store, createLogger('silent'), 'test');
    await service.start();
    http = await buildHttpServer({ store, logger: createLogger('silent'), version: 'test' });
    await http.ready();
    let ua: UserAgentCore | null = null;
    const transport = new SipTransport({ host: '127.0.0.1', port: 0, onMessage: (m) => ua?.receive(m) });
    await transport.start();
    ua = new UserAgentCore(transport);
    peer = { transport, ua };
  });
  afterEach(async () => {
    await peer.transport.stop();
    await service.stop();
    await http.close();
    await store.close();
  });

  const registrar = () => ({ protocol: 'UDP' as const, address: '127.0.0.1', port: service.port });
  const registerAs = (user: string, password: string) =>
    register(peer.ua, { registrar: registrar(), aor: parseUri(`sip:${user}@127.0.0.1:${service.port}`), credentials: { username: user, password }, expires: 300 });

  it('registers a new extension with the password shown once, then only with its new password', async () => {
    const created = await http.inject({ method: 'POST', url: `/api/v1/accounts/${acmeId}/extensions`, headers: { authorization: `Bearer ${token}` }, payload: { number: '001007', name: 'New phone' } });
    expect(created.statusCode).toBe(201);
    const { id, sipPassword } = created.json<{ id: number; sipPassword: string }>();
    expect((await registerAs('001007', sipPassword)).status).toBe(200);
    expect(service.location.lookup('001007')).toHaveLength(1);

    const changed = await http.inject({ method: 'PATCH', url: `/api/v1/extensions/${id}`, headers: { authorization: `Bearer ${token}` }, payload: { sipPassword: 'brand-new-secret' } });
    expect(changed.statusCode).toBe(200);
    expect((await registerAs('001007', sipPassword)).status).toBe(403);
    expect((await registerAs('001007', 'brand-new-secret')).status).toBe(200);
  });
});
