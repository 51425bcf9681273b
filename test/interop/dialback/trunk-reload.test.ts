// A trunk changed through the REST API takes effect on the SIP side without a restart: the
// server starts with a trunk that does not register, an admin turns registration on (and points
// it at a SIPp registrar that challenges for the trunk's credentials), and Dialback registers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../../src/store/api-tokens.js';
import { nowIso } from '../../../src/store/db.js';
import { startApp, type AppUnderTest } from '../../browser/harness.js';
import { requirePeers } from '../../helpers/peers/availability.js';
import { startSipp, type SippHandle } from '../../helpers/peers/sipp.js';
import { DEMO, waitUntil } from './harness.js';

const peers = requirePeers('sipp');

describe('trunk changes through the API reach carrier registration', () => {
  let server: AppUnderTest;
  let registrar: SippHandle | null = null;
  let token: string;

  beforeAll(async () => {
    peers.assertAvailable();
    server = await startApp(DEMO);
    const provider = await server.store.db.selectFrom('accounts').select('id').where('kind', '=', 'provider').executeTakeFirstOrThrow();
    const now = nowIso();
    const user = await server.store.db
      .insertInto('users')
      .values({ accountId: provider.id, email: 'admin@example.com', passwordHash: 'scrypt$unused', role: 'admin', extensionId: null, lockedUntil: null, createdAt: now, updatedAt: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    token = (await createApiToken(server.store.db, { userId: user.id, name: 'test', actor: 'test' })).token;
  });
  afterAll(async () => {
    await registrar?.stop(0);
    await server?.stop();
  });

  it('registers once an admin turns registration on, without a restart', async () => {
    const registrations = server.app.sip.trunkRegistrations;
    expect(registrations.states.size).toBe(0);
    registrar = await startSipp({ scenario: 'uas-register-challenge', transport: 'udp', keys: { auth_user: 'acme', auth_pass: 'secret', realm: 'carrier.test' }, timeoutMs: 20_000 });
    const trunk = await server.store.db.selectFrom('trunks').select('id').where('name', '=', 'carrier').executeTakeFirstOrThrow();
    const response = await fetch(`${server.baseUrl}/api/v1/trunks/${trunk.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ port: registrar.localPort, register: true }),
    });
    expect(response.status).toBe(200);
    await waitUntil(() => registrations.states.get('carrier')?.registered === true, 10_000);
    expect(registrations.states.get('carrier')?.lastStatus).toBe(200);
  });
});
