import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { DEFAULT_BLOCKED_PREFIXES, DEFAULT_REQUEST_LIMITS, isDestinationAllowed } from '../src/domain/request-limits.js';
import { createLogger } from '../src/logger.js';
import { applyPlan } from '../src/provisioning/apply.js';
import { parseProvisionFile } from '../src/provisioning/parse.js';
import { buildPlan } from '../src/provisioning/plan.js';
import type { Store } from '../src/store/db.js';
import { readSettings } from '../src/store/settings.js';
import { addApiUser } from './helpers/api.js';
import { openSqliteForTest } from './helpers/stores.js';

/** createApp on a provisioned store, neither side started: only the wiring is looked at. */
async function appOn(yaml: string, options: Partial<Parameters<typeof createApp>[0]> = {}) {
  const store: Store = await openSqliteForTest();
  await applyPlan(store.db, buildPlan(parseProvisionFile(yaml), await readSettings(store.db)));
  const app = await createApp({
    config: { sipHost: '127.0.0.1', sipPort: 0, sipPublicAddress: null, sipDigestAlgorithms: ['MD5'], rtpPorts: { first: 31400, last: 31999 } },
    store,
    logger: createLogger('silent'),
    version: 'test',
    ...options,
  });
  return {
    app,
    store,
    flows: app.flows,
    async stop() {
      await app.stop();
      await store.close();
    },
  };
}

const request = (n: number) => ({ address: `192.0.2.${n}`, number: '+61290371234', callnowId: `id${n}` });

describe('createApp reads the abuse policy from the store', () => {
  it("uses the provider's limits and destination rules", async () => {
    const app = await appOn(`
callnowLimits:
  perNumber: { max: 1, window: 1h }
destinationPolicy:
  - { prefix: "+8816", action: allow }
`);
    try {
      expect(app.flows.limiter.admit(request(1), 0)).toEqual({ allowed: true });
      expect(app.flows.limiter.admit(request(2), 1000)).toMatchObject({ allowed: false, reason: 'too-many-for-number' });
      expect(isDestinationAllowed('+881631234567', app.flows.destinationRules)).toBe(true);
      expect(isDestinationAllowed('+19005550100', app.flows.destinationRules)).toBe(false);
    } finally {
      await app.stop();
    }
  });

  it('uses the defaults on a server that has none, and options given win over the store', async () => {
    const fresh = await appOn('trunks: []\n');
    try {
      expect(fresh.flows.destinationRules).toEqual(DEFAULT_BLOCKED_PREFIXES);
      for (let i = 0; i < DEFAULT_REQUEST_LIMITS.perNumber.max; i++) expect(fresh.flows.limiter.admit(request(i), i).allowed).toBe(true);
      expect(fresh.flows.limiter.admit(request(99), 99).allowed).toBe(false);
    } finally {
      await fresh.stop();
    }
    const given = await appOn('callnowLimits:\n  perNumber: { max: 1, window: 1h }\n', {
      limits: { ...DEFAULT_REQUEST_LIMITS, perNumber: { max: 2, windowMs: 60_000 } },
      destinationRules: [],
    });
    try {
      expect(given.flows.destinationRules).toEqual([]);
      expect(given.flows.limiter.admit(request(1), 0).allowed).toBe(true);
      expect(given.flows.limiter.admit(request(2), 1).allowed).toBe(true);
      expect(given.flows.limiter.admit(request(3), 2).allowed).toBe(false);
    } finally {
      await given.stop();
    }
  });

  it("follows the provider's changes without a restart: provisioning's on the next read, the settings API's at once", async () => {
    const server = await appOn('callnowLimits:\n  perNumber: { max: 1, window: 1h }\n', { policyRefreshMs: 50 });
    try {
      expect(isDestinationAllowed('+19005550100', server.flows.destinationRules)).toBe(false);
      expect(server.flows.limiter.admit(request(1), 0).allowed).toBe(true);
      expect(server.flows.limiter.admit(request(2), 1).allowed).toBe(false);
      // Provisioning (another process) writes the store: allow 1900, two requests a number.
      await applyPlan(server.store.db, buildPlan(parseProvisionFile('callnowLimits:\n  perNumber: { max: 2, window: 1h }\ndestinationPolicy:\n  - { prefix: "1900", action: allow }\n'), await readSettings(server.store.db)));
      await expect.poll(() => isDestinationAllowed('+19005550100', server.flows.destinationRules)).toBe(true);
      await expect.poll(() => server.flows.limiter.admit(request(3), 2).allowed).toBe(true);
      // The callback flow's deps follow too.
      expect(isDestinationAllowed('+19005550100', server.app.callback.destinationRules)).toBe(true);
    } finally {
      await server.stop();
    }

    // The portal's Settings page (PUT /settings) takes effect in this process at once.
    const portal = await appOn('trunks: []\n', { policyRefreshMs: 3_600_000 });
    try {
      const provider = await portal.store.db.selectFrom('accounts').select('id').where('kind', '=', 'provider').executeTakeFirstOrThrow();
      const token = await addApiUser(portal.store, { email: 'admin@example.com', role: 'admin', accountId: provider.id });
      expect(portal.app.policies.defaultCountry).toBe('US');
      const changed = await portal.app.http.inject({ method: 'PUT', url: '/api/v1/settings', headers: { authorization: `Bearer ${token}` }, payload: { defaultCountry: 'NZ' } });
      expect(changed.statusCode, changed.body).toBe(200);
      await expect.poll(() => portal.app.policies.defaultCountry).toBe('NZ');
    } finally {
      await portal.stop();
    }
  });
});
