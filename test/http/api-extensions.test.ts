// Extensions for their managers (SPEC §1): list with search, sort and pages; create with the
// licence enforced; change the name, external number, SIP password and the organization's CallNow
// and Call API switches; delete. Run on both databases, through the whole HTTP server.
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { createAccount } from '../../src/store/accounts.js';
import { loadCallnowTarget } from '../../src/store/callnow.js';
import { type Store } from '../../src/store/db.js';
import type { UserRole } from '../../src/store/schema.js';
import { SipDirectory } from '../../src/store/sip-directory.js';
import { addApiUser, DEMO_YAML as DEMO, provision } from '../helpers/api.js';
import { testDatabases } from '../helpers/stores.js';


/** A second organization, sold through a reseller, with a licence for three extensions. */
const GLOBEX = `
organizations:
  - name: Globex
    defaultCountry: DE
    maxExtensions: 3
    extensions:
      - number: "002001"
        name: Jane Roe
        callnow: { id: jane_roe }
      - number: "002002"
        name: Anna Schmidt
`;

interface View {
  id: number;
  accountId: number;
  organization: string;
  number: string;
  name: string;
  type: 'phone' | 'callback';
  externalNumber: string | null;
  hasSipPassword: boolean;
  callnowEnabled: boolean;
  callApiEnabled: boolean;
  callnowId: string | null;
  createdAt: string;
  updatedAt: string;
  sipPassword?: string | null;
}
interface List {
  total: number;
  items: View[];
}


for (const database of testDatabases) {
  describe(`REST API: extensions on ${database.name}`, () => {
    let store: Store;
    let app: Awaited<ReturnType<typeof buildHttpServer>>;
    const ext: Record<string, number> = {};
    const token: Record<string, string> = {};
    let acmeId: number;
    let globexId: number;
    let resellerId: number;

    async function addUser(who: string, address: string, role: UserRole, accountId: number, extensionId: number | null = null): Promise<void> {
      token[who] = await addApiUser(store, { email: address, role, accountId, extensionId });
    }

    beforeAll(async () => {
      store = await database.open();
      await provision(store, DEMO);
      await provision(store, GLOBEX);
      for (const row of await store.db.selectFrom('extensions').select(['id', 'number']).execute()) ext[row.number] = row.id;
      const accounts = await store.db.selectFrom('accounts').select(['id', 'kind', 'name']).execute();
      const accountId = (name: string) => accounts.find((a) => a.name === name)!.id;
      acmeId = accountId('Acme');
      globexId = accountId('Globex');
      const providerId = accounts.find((a) => a.kind === 'provider')!.id;
      resellerId = (await createAccount(store.db, { kind: 'reseller', name: 'Resell Co', parentId: providerId })).id;
      await store.db.updateTable('accounts').set({ parentId: resellerId }).where('id', '=', globexId).execute();

      await addUser('admin', 'admin@example.com', 'admin', providerId);
      await addUser('reseller', 'sales@resell.example', 'reseller', resellerId);
      await addUser('manager', 'boss@acme.example', 'org_manager', acmeId);
      await addUser('john', 'john@acme.example', 'extension_owner', acmeId, ext['001002']);
      await addUser('globex', 'ops@globex.example', 'org_manager', globexId);

      app = await buildHttpServer({ store, logger: createLogger('silent'), version: 'test' });
      await app.ready();
    });
    afterAll(async () => {
      await app?.close();
      await store?.close();
    });

    const call = (who: string | null, options: InjectOptions) =>
      app.inject({ ...options, headers: { ...(who ? { authorization: `Bearer ${token[who]}` } : {}), ...options.headers } });
    const list = async (who: string, query = '') => {
      const response = await call(who, { method: 'GET', url: `/api/v1/extensions${query}` });
      expect(response.statusCode).toBe(200);
      return response.json<List>();
    };
    const create = (who: string, accountId: number, payload: Record<string, unknown>) =>
      call(who, { method: 'POST', url: `/api/v1/accounts/${accountId}/extensions`, payload });
    const patch = (who: string, id: number, payload: Record<string, unknown>) => call(who, { method: 'PATCH', url: `/api/v1/extensions/${id}`, payload });

    it('lists what each role may manage, with the organization switches', async () => {
      expect((await list('manager')).items.map((e) => e.number)).toEqual(['001002', '001100']);
      expect((await list('globex')).items.map((e) => e.number)).toEqual(['002001', '002002']);
      expect((await list('reseller')).items.map((e) => e.number)).toEqual(['002001', '002002']);
      expect((await list('john')).items.map((e) => e.number)).toEqual(['001002']);
      const all = await list('admin');
      expect(all.total).toBe(4);
      const john = all.items.find((e) => e.number === '001002')!;
      expect(john).toMatchObject({
        accountId: acmeId,
        organization: 'Acme',
        name: 'John Doe',
        type: 'phone',
        externalNumber: '+61290371234',
        hasSipPassword: true,
        callnowEnabled: true,
        callApiEnabled: true,
        callnowId: 'john_doe',
      });
      expect(john).not.toHaveProperty('sipPassword');
      // A callback extension has no CallNow page, so the organization switch is off for it.
      expect(all.items.find((e) => e.number === '001100')).toMatchObject({ type: 'callback', callnowEnabled: false, callApiEnabled: false, callnowId: null });
    });

    it('filters by organization, searches number and name, sorts and pages', async () => {
      expect((await list('admin', `?accountId=${globexId}`)).items.map((e) => e.number)).toEqual(['002001', '002002']);
      // An organization the user does not manage filters to nothing rather than revealing it.
      expect(await list('manager', `?accountId=${globexId}`)).toEqual({ total: 0, items: [] });
      expect((await list('admin', '?search=SCHMIDT')).items.map((e) => e.name)).toEqual(['Anna Schmidt']);
      expect((await list('admin', '?search=1100')).items.map((e) => e.number)).toEqual(['001100']);
      expect((await list('admin', '?sort=name')).items.map((e) => e.name)).toEqual(['Anna Schmidt', 'Jane Roe', 'John Doe', 'Travel line']);
      const page = await list('admin', '?sort=number&order=desc&limit=2&offset=1');
      expect(page.total).toBe(4);
      expect(page.items.map((e) => e.number)).toEqual(['002001', '001100']);
      const bad = await call('admin', { method: 'GET', url: '/api/v1/extensions?sort=colour' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ error: 'bad_request', field: 'sort' });
    });

    it('creates an extension: normalized external number, a SIP password shown once, seen by the registrar at once', async () => {
      const response = await create('manager', acmeId, { number: '001003', name: 'Sue Smith', externalNumber: '02 9037 1299' });
      expect(response.statusCode).toBe(201);
      const created = response.json<View>();
      expect(created).toMatchObject({ number: '001003', name: 'Sue Smith', type: 'phone', externalNumber: '+61290371299', hasSipPassword: true, callnowEnabled: true, callApiEnabled: false, callnowId: null });
      expect(created.sipPassword).toMatch(/^[A-Za-z0-9]{16}$/);
      expect(response.headers.location).toBe(`/api/v1/extensions/${created.id}`);
      // Shown once: reading it again never returns the password.
      const again = await call('manager', { method: 'GET', url: `/api/v1/extensions/${created.id}` });
      expect(again.json()).not.toHaveProperty('sipPassword');
      expect(again.json()).toMatchObject({ id: created.id, hasSipPassword: true });
      // The registrar asks the store on every REGISTER: the new extension can register now.
      const directory = new SipDirectory(store.db);
      expect(await directory.passwordOf('001003')).toBe(created.sipPassword);
      const audit = await store.db.selectFrom('auditLog').selectAll().where('action', '=', 'extension.create').where('entityId', '=', String(created.id)).executeTakeFirstOrThrow();
      expect(audit.actor).toBe('boss@acme.example');
      expect(audit.details).not.toContain(created.sipPassword!);
      expect(JSON.parse(audit.details!)).toMatchObject({ number: '001003', sipPassword: 'generated' });

      const callback = await create('admin', acmeId, { number: '001101', name: 'Second travel line', type: 'callback', sipPassword: null });
      expect(callback.statusCode).toBe(201);
      expect(callback.json()).toMatchObject({ type: 'callback', callnowEnabled: false, hasSipPassword: false, sipPassword: null });
    });

    it('refuses a taken number, bad fields and unknown fields with the field named', async () => {
      const taken = await create('manager', acmeId, { number: '001002', name: 'Twin' });
      expect(taken.statusCode).toBe(409);
      expect(taken.json()).toMatchObject({ error: 'conflict', field: 'number', message: expect.stringContaining('001002 is taken') as unknown });
      const cases: [Record<string, unknown>, string][] = [
        [{ number: '12a', name: 'X' }, 'number'],
        [{ number: '001020' }, 'name'],
        [{ number: '001020', name: 'X', externalNumber: 'call me' }, 'externalNumber'],
        [{ number: '001020', name: 'X', sipPassword: 'short' }, 'sipPassword'],
        [{ number: '001020', name: 'X', sipPassword: 'has spaces in it' }, 'sipPassword'],
        [{ number: '001020', name: 'X', type: 'fax' }, 'type'],
        [{ number: '001020', name: 'X', callApiEnabled: 'yes' }, 'callApiEnabled'],
        [{ number: '001020', name: 'X', type: 'callback', callnowEnabled: true }, 'callnowEnabled'],
        [{ number: '001020', name: 'X', colour: 'red' }, 'colour'],
        [{ number: '001020', name: 'line\u0007break' }, 'name'],
      ];
      for (const [payload, field] of cases) {
        const response = await create('manager', acmeId, payload);
        expect(response.statusCode, JSON.stringify(payload)).toBe(400);
        expect(response.json(), JSON.stringify(payload)).toMatchObject({ error: 'bad_request', field });
      }
      expect(await store.db.selectFrom('extensions').select('id').where('number', '=', '001020').execute()).toEqual([]);
    });

    it("enforces the organization's licence with a 409 that says why", async () => {
      const third = await create('globex', globexId, { number: '002003', name: 'Third' });
      expect(third.statusCode).toBe(201);
      const fourth = await create('reseller', globexId, { number: '002004', name: 'Fourth' });
      expect(fourth.statusCode).toBe(409);
      expect(fourth.json()).toEqual({ error: 'conflict', message: expect.stringMatching(/licence of Globex allows 3 extensions and it has 3/) as unknown });
      expect((await list('globex')).total).toBe(3);
    });

    it('who may create where: 404 for an organization one cannot see, 403 for an owner, 409 for a non-organization', async () => {
      expect((await create('globex', acmeId, { number: '009001', name: 'X' })).statusCode).toBe(404);
      expect((await create('reseller', acmeId, { number: '009001', name: 'X' })).statusCode).toBe(404);
      expect((await create('manager', 999999, { number: '009001', name: 'X' })).statusCode).toBe(404);
      const owner = await create('john', acmeId, { number: '009001', name: 'X' });
      expect(owner.statusCode).toBe(403);
      expect(owner.json()).toMatchObject({ error: 'forbidden' });
      const reseller = await create('admin', resellerId, { number: '009001', name: 'X' });
      expect(reseller.statusCode).toBe(409);
      expect(reseller.json<{ message: string }>().message).toMatch(/reseller account; extensions belong to organizations/);
      expect((await call(null, { method: 'POST', url: `/api/v1/accounts/${acmeId}/extensions`, payload: { number: '009001', name: 'X' } })).statusCode).toBe(401);
    });

    it('changes name, external number and SIP password; the registrar uses the new password at once', async () => {
      const id = ext['001002']!;
      const response = await patch('manager', id, { name: 'John A. Doe', externalNumber: '0290371235', sipPassword: 'new-secret-123' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ name: 'John A. Doe', externalNumber: '+61290371235', hasSipPassword: true });
      expect(await new SipDirectory(store.db).passwordOf('001002')).toBe('new-secret-123');
      const audit = await store.db.selectFrom('auditLog').selectAll().where('action', '=', 'extension.update').where('entityId', '=', String(id)).orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(JSON.parse(audit.details!)).toEqual({
        name: { from: 'John Doe', to: 'John A. Doe' },
        externalNumber: { from: '+61290371234', to: '+61290371235' },
        sipPassword: { from: 'set', to: 'changed' },
      });
      const cleared = await patch('admin', id, { sipPassword: null, externalNumber: null });
      expect(cleared.json()).toMatchObject({ hasSipPassword: false, externalNumber: null });
      expect(await new SipDirectory(store.db).passwordOf('001002')).toBeNull();
      await patch('admin', id, { sipPassword: 'a-long-secret', externalNumber: '+61290371234', name: 'John Doe' });

      const empty = await patch('manager', id, {});
      expect(empty.statusCode).toBe(400);
      expect(empty.json()).toMatchObject({ field: 'body' });
      expect((await patch('manager', id, { number: '001999' })).json()).toMatchObject({ error: 'bad_request', field: 'number' });
      expect((await patch('manager', ext['001100']!, { callnowEnabled: true })).json()).toMatchObject({ error: 'bad_request', field: 'callnowEnabled' });
    });

    it('the CallNow switch turns the public CallNow target off without touching the owner preference', async () => {
      const id = ext['001002']!;
      expect((await loadCallnowTarget(store.db, 'john_doe', 'AU'))?.preferences.enabled).toBe(true);
      expect((await patch('manager', id, { callnowEnabled: false })).json()).toMatchObject({ callnowEnabled: false });
      expect((await loadCallnowTarget(store.db, 'john_doe', 'AU'))?.preferences.enabled).toBe(false);
      const prefs = await store.db.selectFrom('callnowPreferences').select('enabled').where('extensionId', '=', id).executeTakeFirstOrThrow();
      expect(prefs.enabled).toBe(1);
      expect((await patch('manager', id, { callnowEnabled: true, callApiEnabled: false })).json()).toMatchObject({ callnowEnabled: true, callApiEnabled: false });
      expect((await loadCallnowTarget(store.db, 'john_doe', 'AU'))?.preferences.enabled).toBe(true);
      await patch('manager', id, { callApiEnabled: true });
    });

    it('an owner may read but not change or delete; other organizations see 404', async () => {
      const id = ext['001002']!;
      expect((await call('john', { method: 'GET', url: `/api/v1/extensions/${id}` })).statusCode).toBe(200);
      const change = await patch('john', id, { callApiEnabled: false });
      expect(change.statusCode).toBe(403);
      expect(change.json<{ message: string }>().message).toMatch(/extension owner cannot change/);
      expect((await call('john', { method: 'DELETE', url: `/api/v1/extensions/${id}` })).statusCode).toBe(403);
      expect((await patch('john', ext['001100']!, { name: 'Mine now' })).statusCode).toBe(404);
      expect((await patch('globex', id, { name: 'Mine now' })).statusCode).toBe(404);
      expect((await call('reseller', { method: 'DELETE', url: `/api/v1/extensions/${id}` })).statusCode).toBe(404);
      expect((await call('manager', { method: 'GET', url: `/api/v1/extensions/${id}` })).json()).toMatchObject({ name: 'John Doe', callApiEnabled: true });
    });

    it('deletes an extension and disables the portal users who owned it', async () => {
      const created = (await create('manager', acmeId, { number: '001050', name: 'Temp' })).json<View>();
      await addUser('temp', 'temp@acme.example', 'extension_owner', acmeId, created.id);
      expect((await call('temp', { method: 'GET', url: `/api/v1/extensions/${created.id}` })).statusCode).toBe(200);
      const response = await call('manager', { method: 'DELETE', url: `/api/v1/extensions/${created.id}` });
      expect(response.statusCode).toBe(204);
      expect((await call('manager', { method: 'GET', url: `/api/v1/extensions/${created.id}` })).statusCode).toBe(404);
      expect((await call('manager', { method: 'DELETE', url: `/api/v1/extensions/${created.id}` })).statusCode).toBe(404);
      // The owner's token stops working: its user is disabled.
      expect((await call('temp', { method: 'GET', url: `/api/v1/extensions` })).statusCode).toBe(401);
      const audit = await store.db.selectFrom('auditLog').selectAll().where('action', '=', 'extension.delete').where('entityId', '=', String(created.id)).executeTakeFirstOrThrow();
      expect(JSON.parse(audit.details!)).toMatchObject({ number: '001050', disabledOwners: ['temp@acme.example'] });
    });

    it('OpenAPI documents the routes with their errors', async () => {
      const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json<{ paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>> }>();
      expect(doc.paths['/api/v1/extensions']?.get?.operationId).toBe('listExtensions');
      expect(doc.paths['/api/v1/accounts/{accountId}/extensions']?.post?.operationId).toBe('createExtension');
      expect(Object.keys(doc.paths['/api/v1/accounts/{accountId}/extensions']!.post!.responses).sort()).toEqual(['201', '400', '401', '403', '404', '409', '500']);
      expect(doc.paths['/api/v1/extensions/{extensionId}']?.patch?.operationId).toBe('updateExtension');
      expect(doc.paths['/api/v1/extensions/{extensionId}']?.delete?.operationId).toBe('deleteExtension');
    });

    it('provisioning sets the CallNow switch too', async () => {
      await provision(store, GLOBEX.replace('        callnow: { id: jane_roe }', '        callnowEnabled: false\n        callnow: { id: jane_roe }'));
      expect((await list('globex', '?search=jane')).items[0]).toMatchObject({ callnowEnabled: false });
      expect((await loadCallnowTarget(store.db, 'jane_roe', 'DE'))?.preferences.enabled).toBe(false);
      // Left out of the file, the switch stays as the server has it (the portal may have set it).
      await provision(store, GLOBEX);
      expect((await list('globex', '?search=jane')).items[0]).toMatchObject({ callnowEnabled: false });
      await provision(store, GLOBEX.replace('        callnow: { id: jane_roe }', '        callnowEnabled: true\n        callnow: { id: jane_roe }'));
      expect((await list('globex', '?search=jane')).items[0]).toMatchObject({ callnowEnabled: true });
    });
  });
}
