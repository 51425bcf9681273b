import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { createAccount } from '../../src/store/accounts.js';
import { organizationCallSetup } from '../../src/store/call-setup.js';
import type { Store } from '../../src/store/db.js';
import { SipDirectory } from '../../src/store/sip-directory.js';
import { readSettings } from '../../src/store/settings.js';
import { DEMO_YAML, addApiUser, directory, provision } from '../helpers/api.js';
import { testDatabases } from '../helpers/stores.js';

interface Trunk {
  id: number;
  name: string;
  host: string;
  port: number;
  transport: string;
  username: string | null;
  hasPassword: boolean;
  register: boolean;
  enabled: boolean;
  maxChannels: number | null;
  didCount: number;
  usedBy: number;
}
interface Did {
  id: number;
  number: string;
  trunkId: number;
  trunkName: string;
  extensionId: number | null;
  extensionNumber: string | null;
  organization: string | null;
}

for (const database of testDatabases) {
  describe(`REST API: trunks, DIDs and settings on ${database.name}`, () => {
    let store: Store;
    let app: Awaited<ReturnType<typeof buildHttpServer>>;
    const token: Record<string, string> = {};
    let ids: Awaited<ReturnType<typeof directory>>;
    let carrier: number;
    /** How often the API told the SIP side that trunks changed. */
    let trunkChanges = 0;

    beforeAll(async () => {
      store = await database.open();
      await provision(store, DEMO_YAML);
      ids = await directory(store);
      const reseller = await createAccount(store.db, { kind: 'reseller', name: 'Resell Co', parentId: ids.providerId });
      carrier = (await store.db.selectFrom('trunks').select('id').where('name', '=', 'carrier').executeTakeFirstOrThrow()).id;
      token.admin = await addApiUser(store, { email: 'admin@example.com', role: 'admin', accountId: ids.providerId });
      token.reseller = await addApiUser(store, { email: 'sales@resell.example', role: 'reseller', accountId: reseller.id });
      token.manager = await addApiUser(store, { email: 'boss@acme.example', role: 'org_manager', accountId: ids.account.Acme as number });
      app = await buildHttpServer({ store, logger: createLogger('silent'), version: 'test', trunks: { trunksChanged: () => (trunkChanges += 1) } });
      await app.ready();
    });
    afterAll(async () => {
      await app?.close();
      await store?.close();
    });

    const call = (who: string, options: InjectOptions) => app.inject({ ...options, headers: { authorization: `Bearer ${token[who]}`, ...options.headers } });

    it('shows trunks to admins only, never their passwords', async () => {
      const list = await call('admin', { method: 'GET', url: '/api/v1/trunks' });
      expect(list.json<{ items: Trunk[] }>().items).toEqual([
        expect.objectContaining({ id: carrier, name: 'carrier', host: '127.0.0.1', port: 5090, transport: 'udp', username: 'acme', hasPassword: true, register: false, enabled: true, usedBy: 1 }),
      ]);
      expect(list.body).not.toContain('secret');
      expect((await call('reseller', { method: 'GET', url: '/api/v1/trunks' })).statusCode).toBe(403);
      expect((await call('manager', { method: 'GET', url: `/api/v1/trunks/${carrier}` })).statusCode).toBe(404);
      expect((await call('reseller', { method: 'PATCH', url: `/api/v1/trunks/${carrier}`, payload: { enabled: false } })).statusCode).toBe(404);
      expect((await call('reseller', { method: 'POST', url: '/api/v1/trunks', payload: { name: 'x', host: 'example.com' } })).statusCode).toBe(403);
    });

    it('adds a trunk with defaults and refuses bad fields with the field named', async () => {
      const created = await call('admin', { method: 'POST', url: '/api/v1/trunks', payload: { name: 'backup', host: 'sip.example.net' } });
      expect(created.statusCode).toBe(201);
      expect(created.json<Trunk>()).toMatchObject({ name: 'backup', port: 5060, transport: 'udp', username: null, hasPassword: false, register: false, enabled: true, maxChannels: null, didCount: 0 });
      const bad: [Record<string, unknown>, string][] = [
        [{ name: 'b1', host: 'bad host' }, 'host'],
        [{ name: 'b2', host: 'h.example', port: 70000 }, 'port'],
        [{ name: 'b3', host: 'h.example', transport: 'tls' }, 'transport'],
        [{ name: 'b4', host: 'h.example', username: 'u' }, 'password'],
        [{ name: 'b5', host: 'h.example', register: true }, 'register'],
        [{ name: 'b6', host: 'h.example', maxChannels: 0 }, 'maxChannels'],
        [{ name: '  ', host: 'h.example' }, 'name'],
        [{ name: 'b8', host: 'h.example', secret: 'x' }, 'secret'],
      ];
      for (const [payload, field] of bad) {
        const response = await call('admin', { method: 'POST', url: '/api/v1/trunks', payload });
        expect({ payload, status: response.statusCode, field: response.json<{ field?: string }>().field }).toEqual({ payload, status: 400, field });
      }
      expect((await call('admin', { method: 'POST', url: '/api/v1/trunks', payload: { name: 'carrier', host: 'h.example' } })).json()).toMatchObject({ error: 'conflict', field: 'name' });
      expect((await store.db.selectFrom('trunks').select('name').execute()).map((t) => t.name).sort()).toEqual(['backup', 'carrier']);
    });

    it('applies a trunk change to the next call, keeps a password left out, and tells carrier registration', async () => {
      const changesBefore = trunkChanges;
      const changed = await call('admin', { method: 'PATCH', url: `/api/v1/trunks/${carrier}`, payload: { host: '10.0.0.7', port: 5070, transport: 'tcp' } });
      expect(changed.json<Trunk>()).toMatchObject({ host: '10.0.0.7', port: 5070, transport: 'tcp', hasPassword: true });
      const setup = await organizationCallSetup(store.db, ids.account.Acme as number, 'AU');
      expect(setup.trunk).toMatchObject({ id: carrier, host: '10.0.0.7', port: 5070, transport: 'tcp', username: 'acme', password: 'secret' });
      await call('admin', { method: 'PATCH', url: `/api/v1/trunks/${carrier}`, payload: { enabled: false } });
      expect((await organizationCallSetup(store.db, ids.account.Acme as number, 'AU')).trunk).toBeNull();
      await call('admin', { method: 'PATCH', url: `/api/v1/trunks/${carrier}`, payload: { enabled: true } });
      expect((await call('admin', { method: 'PATCH', url: `/api/v1/trunks/${carrier}`, payload: { password: null } })).json()).toMatchObject({ field: 'password' });
      const audit = await store.db.selectFrom('auditLog').select('details').where('entity', '=', 'trunk').execute();
      expect(audit.map((a) => a.details).join('\n')).not.toContain('secret');
      // Three changes went through, the refused one did not: carrier registration heard of each.
      expect(trunkChanges - changesBefore).toBe(3);
    });

    it('refuses to remove a trunk in use', async () => {
      const inUse = await call('admin', { method: 'DELETE', url: `/api/v1/trunks/${carrier}` });
      expect(inUse.statusCode).toBe(409);
      expect(inUse.json<{ message: string }>().message).toMatch(/DIDs/);
      const changesBefore = trunkChanges;
      const spare = (await call('admin', { method: 'POST', url: '/api/v1/trunks', payload: { name: 'spare', host: 'spare.example' } })).json<Trunk>();
      expect((await call('admin', { method: 'DELETE', url: `/api/v1/trunks/${spare.id}` })).statusCode).toBe(204);
      expect(trunkChanges - changesBefore).toBe(2);
      expect((await call('admin', { method: 'GET', url: `/api/v1/trunks/${spare.id}` })).statusCode).toBe(404);
    });

    it('keeps DIDs in E.164 and routes them to an extension or nowhere', async () => {
      const list = (await call('admin', { method: 'GET', url: '/api/v1/dids' })).json<{ items: Did[] }>().items;
      expect(list.map((d) => d.number)).toEqual(['+61290370000']);
      const created = await call('admin', { method: 'POST', url: '/api/v1/dids', payload: { number: '02 9037 1111', trunkId: carrier, extensionId: ids.extension['001100'] } });
      expect(created.statusCode).toBe(201);
      const did = created.json<Did>();
      expect(did).toMatchObject({ number: '+61290371111', trunkName: 'carrier', extensionNumber: '001100', organization: 'Acme' });
      const sip = new SipDirectory(store.db);
      expect(await sip.did('+61290371111')).toMatchObject({ extensionId: ids.extension['001100'], trunkId: carrier });
      const unrouted = await call('admin', { method: 'PATCH', url: `/api/v1/dids/${did.id}`, payload: { extensionId: null } });
      expect(unrouted.json<Did>()).toMatchObject({ extensionId: null, extensionNumber: null, organization: null });
      expect(await sip.did('+61290371111')).toMatchObject({ extensionId: null });
      const bad: [Record<string, unknown>, string][] = [
        [{ number: 'call me', trunkId: carrier }, 'number'],
        [{ number: '+61290372222', trunkId: 999999 }, 'trunkId'],
        [{ number: '+61290372222', trunkId: carrier, extensionId: 999999 }, 'extensionId'],
        [{ number: '+61290372222' }, 'trunkId'],
      ];
      for (const [payload, field] of bad) {
        const response = await call('admin', { method: 'POST', url: '/api/v1/dids', payload });
        expect({ payload, status: response.statusCode, field: response.json<{ field?: string }>().field }).toEqual({ payload, status: 400, field });
      }
      expect((await call('admin', { method: 'POST', url: '/api/v1/dids', payload: { number: '+61290371111', trunkId: carrier } })).json()).toMatchObject({ error: 'conflict', field: 'number' });
      expect((await call('reseller', { method: 'GET', url: '/api/v1/dids' })).statusCode).toBe(403);
      expect((await call('reseller', { method: 'DELETE', url: `/api/v1/dids/${did.id}` })).statusCode).toBe(404);
      expect((await call('admin', { method: 'DELETE', url: `/api/v1/dids/${did.id}` })).statusCode).toBe(204);
      expect(await sip.did('+61290371111')).toBeNull();
    });

    it('lets everyone read the settings and only an admin change them; the currency stays once credit exists', async () => {
      // The demo's opening credit is in AUD already.
      expect((await call('manager', { method: 'GET', url: '/api/v1/settings' })).json()).toEqual({ currency: 'AUD', defaultCountry: 'AU', currencyLocked: true });
      expect((await call('reseller', { method: 'PUT', url: '/api/v1/settings', payload: { defaultCountry: 'NZ' } })).statusCode).toBe(403);
      for (const [payload, field] of [
        [{ currency: 'XYZ' }, 'currency'],
        [{ currency: 'eur' }, 'currency'],
        [{ defaultCountry: 'ZZ' }, 'defaultCountry'],
        [{}, 'body'],
      ] as const) {
        expect((await call('admin', { method: 'PUT', url: '/api/v1/settings', payload })).json()).toMatchObject({ error: 'bad_request', field });
      }
      const locked = await call('admin', { method: 'PUT', url: '/api/v1/settings', payload: { currency: 'USD', defaultCountry: 'NZ' } });
      expect(locked.statusCode).toBe(409);
      expect(locked.json()).toMatchObject({ field: 'currency' });
      expect(await readSettings(store.db)).toEqual({ currency: 'AUD', defaultCountry: 'AU' });
      const country = await call('admin', { method: 'PUT', url: '/api/v1/settings', payload: { defaultCountry: 'NZ' } });
      expect(country.json()).toEqual({ currency: 'AUD', defaultCountry: 'NZ', currencyLocked: true });
      expect(await readSettings(store.db)).toEqual({ currency: 'AUD', defaultCountry: 'NZ' });
    });

    it('changes the currency while no credit exists', async () => {
      const fresh = await database.open();
      try {
        await provision(fresh, 'settings: { currency: AUD, defaultCountry: AU }\n');
        const provider = (await directory(fresh)).providerId;
        const adminToken = await addApiUser(fresh, { email: 'admin@example.com', role: 'admin', accountId: provider });
        const freshApp = await buildHttpServer({ store: fresh, logger: createLogger('silent'), version: 'test' });
        try {
          const changed = await freshApp.inject({ method: 'PUT', url: '/api/v1/settings', payload: { currency: 'EUR' }, headers: { authorization: `Bearer ${adminToken}` } });
          expect(changed.json()).toEqual({ currency: 'EUR', defaultCountry: 'AU', currencyLocked: false });
          expect(await readSettings(fresh.db)).toEqual({ currency: 'EUR', defaultCountry: 'AU' });
          const audit = await fresh.db.selectFrom('auditLog').select(['actor', 'details']).where('entity', '=', 'settings').execute();
          expect(audit).toEqual([{ actor: 'admin@example.com', details: JSON.stringify({ currency: { from: 'AUD', to: 'EUR' } }) }]);
        } finally {
          await freshApp.close();
        }
      } finally {
        await fresh.close();
      }
    });
  });
}
