import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import type { Store } from '../../src/store/db.js';
import { createAccount } from '../../src/store/accounts.js';
import { DEMO_YAML, addApiUser, directory, provision } from '../helpers/api.js';
import { testDatabases } from '../helpers/stores.js';

interface Account {
  id: number;
  kind: string;
  name: string;
  parentId: number | null;
  defaultCountry: string | null;
  tariffId: number | null;
  trunkId: number | null;
  maxExtensions: number | null;
  maxAuthorizedCallerIds: number | null;
  maxConcurrentCalls: number | null;
  dailySpendCap: string | null;
  extensionCount: number;
}

for (const database of testDatabases) {
  describe(`REST API: accounts on ${database.name}`, () => {
    let store: Store;
    let app: Awaited<ReturnType<typeof buildHttpServer>>;
    const token: Record<string, string> = {};
    let ids: Awaited<ReturnType<typeof directory>>;
    let resellerId: number;
    let otherResellerId: number;
    let tariffId: number;
    let trunkId: number;

    beforeAll(async () => {
      store = await database.open();
      await provision(store, DEMO_YAML);
      ids = await directory(store);
      resellerId = (await createAccount(store.db, { kind: 'reseller', name: 'Resell Co', parentId: ids.providerId })).id;
      otherResellerId = (await createAccount(store.db, { kind: 'reseller', name: 'Other Co', parentId: ids.providerId })).id;
      tariffId = (await store.db.selectFrom('tariffs').select('id').where('name', '=', 'standard').executeTakeFirstOrThrow()).id;
      trunkId = (await store.db.selectFrom('trunks').select('id').where('name', '=', 'carrier').executeTakeFirstOrThrow()).id;
      token.admin = await addApiUser(store, { email: 'admin@example.com', role: 'admin', accountId: ids.providerId });
      token.reseller = await addApiUser(store, { email: 'sales@resell.example', role: 'reseller', accountId: resellerId });
      token.other = await addApiUser(store, { email: 'sales@other.example', role: 'reseller', accountId: otherResellerId });
      token.manager = await addApiUser(store, { email: 'boss@acme.example', role: 'org_manager', accountId: ids.account.Acme as number });
      token.owner = await addApiUser(store, { email: 'john@acme.example', role: 'extension_owner', accountId: ids.account.Acme as number, extensionId: ids.extension['001002'] ?? null });
      app = await buildHttpServer({ store, logger: createLogger('silent'), version: 'test' });
      await app.ready();
    });
    afterAll(async () => {
      await app?.close();
      await store?.close();
    });

    const call = (who: string, options: InjectOptions) => app.inject({ ...options, headers: { authorization: `Bearer ${token[who]}`, ...options.headers } });
    const names = (body: string) => (JSON.parse(body) as { items: Account[] }).items.map((a) => a.name);

    it('lists what each role manages', async () => {
      expect(names((await call('admin', { method: 'GET', url: '/api/v1/accounts' })).body)).toEqual(['Provider', 'Other Co', 'Resell Co', 'Acme']);
      expect(names((await call('reseller', { method: 'GET', url: '/api/v1/accounts' })).body)).toEqual(['Resell Co']);
      expect(names((await call('manager', { method: 'GET', url: '/api/v1/accounts' })).body)).toEqual(['Acme']);
      expect(names((await call('owner', { method: 'GET', url: '/api/v1/accounts' })).body)).toEqual([]);
      const acme = (JSON.parse((await call('admin', { method: 'GET', url: '/api/v1/accounts?kind=organization' })).body) as { items: Account[] }).items;
      expect(acme).toEqual([expect.objectContaining({ name: 'Acme', tariffId, trunkId, extensionCount: 2, maxExtensions: null, dailySpendCap: null })]);
    });

    it('lets an admin create a reseller and an organization under it with a licence', async () => {
      const reseller = await call('admin', { method: 'POST', url: '/api/v1/accounts', payload: { kind: 'reseller', name: 'Telco Partners', defaultCountry: 'DE' } });
      expect(reseller.statusCode).toBe(201);
      const r = reseller.json<Account>();
      expect(r).toMatchObject({ kind: 'reseller', name: 'Telco Partners', parentId: ids.providerId, defaultCountry: 'DE' });
      const org = await call('admin', {
        method: 'POST',
        url: '/api/v1/accounts',
        payload: { kind: 'organization', name: 'Initech', parentId: r.id, tariffId, trunkId, maxExtensions: 5, maxAuthorizedCallerIds: 3, maxConcurrentCalls: 2, dailySpendCap: '25.5' },
      });
      expect(org.statusCode).toBe(201);
      expect(org.headers.location).toBe(`/api/v1/accounts/${org.json<Account>().id}`);
      expect(org.json<Account>()).toMatchObject({ kind: 'organization', parentId: r.id, tariffId, trunkId, maxExtensions: 5, maxAuthorizedCallerIds: 3, maxConcurrentCalls: 2, dailySpendCap: '25.50', extensionCount: 0 });
      const stored = await store.db.selectFrom('accounts').select(['dailySpendCapMicros', 'maxAuthorizedCallerids']).where('id', '=', org.json<Account>().id).executeTakeFirstOrThrow();
      expect(stored).toEqual({ dailySpendCapMicros: 25_500_000, maxAuthorizedCallerids: 3 });
      const audit = await store.db.selectFrom('auditLog').select(['actor', 'action', 'entity']).where('entityId', '=', String(org.json<Account>().id)).where('entity', '=', 'organization').execute();
      expect(audit).toEqual([{ actor: 'admin@example.com', action: 'create', entity: 'organization' }]);
    });

    it('refuses bad fields with the field named', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ kind: 'organization', name: 'X1', defaultCountry: 'ZZ' }, 'defaultCountry'],
        [{ kind: 'organization', name: 'X2', defaultCountry: 'au' }, 'defaultCountry'],
        [{ kind: 'organization', name: 'X3', dailySpendCap: '-1' }, 'dailySpendCap'],
        [{ kind: 'organization', name: 'X4', dailySpendCap: '1,000' }, 'dailySpendCap'],
        [{ kind: 'organization', name: 'X5', maxExtensions: -1 }, 'maxExtensions'],
        [{ kind: 'organization', name: 'X6', maxExtensions: '5' }, 'maxExtensions'],
        [{ kind: 'organization', name: 'X7', tariffId: 999999 }, 'tariffId'],
        [{ kind: 'organization', name: 'X8', trunkId: 999999 }, 'trunkId'],
        [{ kind: 'organization', name: 'X9', parentId: ids.account.Acme }, 'parentId'],
        [{ kind: 'organization', name: '' }, 'name'],
        [{ kind: 'organization', name: 'X10', colour: 'red' }, 'colour'],
        [{ kind: 'provider', name: 'X11' }, 'kind'],
      ];
      for (const [payload, field] of cases) {
        const response = await call('admin', { method: 'POST', url: '/api/v1/accounts', payload });
        expect({ payload, status: response.statusCode, field: response.json<{ field?: string }>().field }).toEqual({ payload, status: 400, field });
      }
      const taken = await call('admin', { method: 'POST', url: '/api/v1/accounts', payload: { kind: 'organization', name: 'Acme' } });
      expect(taken.statusCode).toBe(409);
      expect(taken.json()).toMatchObject({ error: 'conflict', field: 'name' });
      expect(await store.db.selectFrom('accounts').select('id').where('name', 'like', 'X%').execute()).toEqual([]);
    });

    it('lets a reseller create organizations under itself only, and never resellers or trunks', async () => {
      const own = await call('reseller', { method: 'POST', url: '/api/v1/accounts', payload: { kind: 'organization', name: 'Reseller Org', tariffId, maxExtensions: 2 } });
      expect(own.statusCode).toBe(201);
      expect(own.json<Account>()).toMatchObject({ parentId: resellerId, tariffId, maxExtensions: 2 });
      expect((await call('reseller', { method: 'POST', url: '/api/v1/accounts', payload: { kind: 'reseller', name: 'Sub' } })).statusCode).toBe(403);
      const elsewhere = await call('reseller', { method: 'POST', url: '/api/v1/accounts', payload: { kind: 'organization', name: 'Elsewhere', parentId: otherResellerId } });
      expect(elsewhere.statusCode).toBe(403);
      expect(elsewhere.json()).toMatchObject({ field: 'parentId' });
      const trunk = await call('reseller', { method: 'POST', url: '/api/v1/accounts', payload: { kind: 'organization', name: 'With trunk', trunkId } });
      expect(trunk.statusCode).toBe(403);
      expect(trunk.json()).toMatchObject({ field: 'trunkId' });
      expect((await call('manager', { method: 'POST', url: '/api/v1/accounts', payload: { kind: 'organization', name: 'Nope' } })).statusCode).toBe(403);
      expect(names((await call('reseller', { method: 'GET', url: '/api/v1/accounts' })).body)).toEqual(['Resell Co', 'Reseller Org']);
      // The other reseller does not see it: 404, as for a missing account.
      const id = own.json<Account>().id;
      expect((await call('other', { method: 'GET', url: `/api/v1/accounts/${id}` })).statusCode).toBe(404);
      expect((await call('other', { method: 'PATCH', url: `/api/v1/accounts/${id}`, payload: { name: 'Mine' } })).statusCode).toBe(404);
      expect((await call('other', { method: 'DELETE', url: `/api/v1/accounts/${id}` })).statusCode).toBe(404);
    });

    it('lets only the account above change a licence', async () => {
      const acme = ids.account.Acme as number;
      const own = await call('manager', { method: 'PATCH', url: `/api/v1/accounts/${acme}`, payload: { maxExtensions: 100 } });
      expect(own.statusCode).toBe(403);
      expect(own.json()).toMatchObject({ error: 'forbidden', field: 'maxExtensions' });
      expect((await call('manager', { method: 'PATCH', url: `/api/v1/accounts/${acme}`, payload: { tariffId: null } })).statusCode).toBe(403);
      const country = await call('manager', { method: 'PATCH', url: `/api/v1/accounts/${acme}`, payload: { defaultCountry: 'NZ' } });
      expect(country.statusCode).toBe(200);
      expect(country.json<Account>().defaultCountry).toBe('NZ');
      expect((await call('reseller', { method: 'PATCH', url: `/api/v1/accounts/${resellerId}`, payload: { maxConcurrentCalls: 50 } })).statusCode).toBe(403);
      // Acme is the provider's own: not visible to the reseller.
      expect((await call('reseller', { method: 'PATCH', url: `/api/v1/accounts/${acme}`, payload: { maxExtensions: 9 } })).statusCode).toBe(404);
      const licence = await call('admin', { method: 'PATCH', url: `/api/v1/accounts/${acme}`, payload: { maxExtensions: 10, maxConcurrentCalls: 4, dailySpendCap: '100' } });
      expect(licence.statusCode).toBe(200);
      expect(licence.json<Account>()).toMatchObject({ maxExtensions: 10, maxConcurrentCalls: 4, dailySpendCap: '100.00', defaultCountry: 'NZ' });
      const below = await call('admin', { method: 'PATCH', url: `/api/v1/accounts/${acme}`, payload: { maxExtensions: 1 } });
      expect(below.statusCode).toBe(409);
      expect(below.json()).toMatchObject({ field: 'maxExtensions' });
      expect((await store.db.selectFrom('accounts').select('maxExtensions').where('id', '=', acme).executeTakeFirstOrThrow()).maxExtensions).toBe(10);
      const cleared = await call('admin', { method: 'PATCH', url: `/api/v1/accounts/${acme}`, payload: { dailySpendCap: null, defaultCountry: null } });
      expect(cleared.json<Account>()).toMatchObject({ dailySpendCap: null, defaultCountry: null });
      expect((await call('admin', { method: 'PATCH', url: `/api/v1/accounts/${acme}`, payload: {} })).json()).toMatchObject({ field: 'body' });
    });

    it("lets a reseller set its organization's licence, and an admin move the organization", async () => {
      const org = (await call('reseller', { method: 'POST', url: '/api/v1/accounts', payload: { kind: 'organization', name: 'Movable' } })).json<Account>();
      const set = await call('reseller', { method: 'PATCH', url: `/api/v1/accounts/${org.id}`, payload: { maxExtensions: 7, name: 'Movable Ltd' } });
      expect(set.json<Account>()).toMatchObject({ maxExtensions: 7, name: 'Movable Ltd' });
      expect((await call('reseller', { method: 'PATCH', url: `/api/v1/accounts/${org.id}`, payload: { parentId: otherResellerId } })).statusCode).toBe(403);
      const moved = await call('admin', { method: 'PATCH', url: `/api/v1/accounts/${org.id}`, payload: { parentId: otherResellerId } });
      expect(moved.json<Account>().parentId).toBe(otherResellerId);
      expect((await call('reseller', { method: 'GET', url: `/api/v1/accounts/${org.id}` })).statusCode).toBe(404);
      expect((await call('other', { method: 'GET', url: `/api/v1/accounts/${org.id}` })).statusCode).toBe(200);
    });

    it('refuses to delete an account with extensions or accounts below it, and deletes an empty one', async () => {
      const acme = ids.account.Acme as number;
      const withExtensions = await call('admin', { method: 'DELETE', url: `/api/v1/accounts/${acme}` });
      expect(withExtensions.statusCode).toBe(409);
      expect(withExtensions.json<{ message: string }>().message).toMatch(/2 extensions/);
      expect((await call('manager', { method: 'DELETE', url: `/api/v1/accounts/${acme}` })).statusCode).toBe(403);
      const withOrganizations = await call('admin', { method: 'DELETE', url: `/api/v1/accounts/${resellerId}` });
      expect(withOrganizations.statusCode).toBe(409);
      const empty = (await call('reseller', { method: 'POST', url: '/api/v1/accounts', payload: { kind: 'organization', name: 'Short-lived' } })).json<Account>();
      expect((await call('reseller', { method: 'DELETE', url: `/api/v1/accounts/${empty.id}` })).statusCode).toBe(204);
      expect(await store.db.selectFrom('accounts').select('id').where('id', '=', empty.id).execute()).toEqual([]);
      expect((await call('reseller', { method: 'GET', url: `/api/v1/accounts/${empty.id}` })).statusCode).toBe(404);
    });
  });
}
