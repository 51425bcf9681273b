// Time intervals (SPEC §6): an account's own and those above it (inherited, read-only below),
// what an extension may pick for CallNow availability, create and replace with the domain's
// checks (fields named), and delete refused while an extension uses the interval.
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { createAccount } from '../../src/store/accounts.js';
import { loadCallnowTarget } from '../../src/store/callnow.js';
import { nowIso, type Store } from '../../src/store/db.js';
import type { UserRole } from '../../src/store/schema.js';
import { isOpenAt } from '../../src/domain/time-interval.js';
import { addApiUser, DEMO_YAML as DEMO, provision } from '../helpers/api.js';
import { testDatabases } from '../helpers/stores.js';


interface View {
  id: number;
  accountId: number;
  accountName: string;
  name: string;
  timezone: string;
  weekly: { days: string[]; from: string; to: string }[];
  exceptions: { date: string; closed: boolean; from: string | null; to: string | null }[];
  inherited: boolean;
  usedBy: { id: number; number: string; name: string }[];
}

const LATE_SHIFT = {
  name: 'Late shift',
  timezone: 'Europe/Berlin',
  weekly: [
    { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '18:00', to: '02:00' },
    { days: ['sat'], from: '10:00', to: '14:00' },
  ],
  exceptions: [
    { date: '2026-12-24', closed: true },
    { date: '2026-12-31', closed: false, from: '18:00', to: '22:00' },
  ],
};


for (const database of testDatabases) {
  describe(`REST API: time intervals on ${database.name}`, () => {
    let store: Store;
    let app: Awaited<ReturnType<typeof buildHttpServer>>;
    const ext: Record<string, number> = {};
    const token: Record<string, string> = {};
    let acmeId: number;
    let globexId: number;
    let providerId: number;
    let resellerId: number;
    let officeHoursId: number;
    let holidaysId: number;
    let resellerHoursId: number;

    async function addUser(who: string, address: string, role: UserRole, accountId: number, extensionId: number | null = null): Promise<void> {
      token[who] = await addApiUser(store, { email: address, role, accountId, extensionId });
    }

    beforeAll(async () => {
      store = await database.open();
      await provision(store, DEMO);
      await provision(store, `
organizations:
  - name: Globex
    extensions:
      - { number: "002001", name: Jane Roe, callnow: { id: jane_roe } }
`);
      for (const row of await store.db.selectFrom('extensions').select(['id', 'number']).execute()) ext[row.number] = row.id;
      const accounts = await store.db.selectFrom('accounts').select(['id', 'kind', 'name']).execute();
      acmeId = accounts.find((a) => a.name === 'Acme')!.id;
      globexId = accounts.find((a) => a.name === 'Globex')!.id;
      providerId = accounts.find((a) => a.kind === 'provider')!.id;
      resellerId = (await createAccount(store.db, { kind: 'reseller', name: 'Resell Co', parentId: providerId })).id;
      await store.db.updateTable('accounts').set({ parentId: resellerId }).where('id', '=', globexId).execute();
      officeHoursId = (await store.db.selectFrom('timeIntervals').select('id').where('name', '=', 'Office hours').executeTakeFirstOrThrow()).id;
      // An interval of the provider (seen by every organization) and one of the reseller (seen by Globex only).
      const now = nowIso();
      holidaysId = (
        await store.db.insertInto('timeIntervals').values({ accountId: providerId, name: 'Public holidays', timezone: 'UTC', createdAt: now, updatedAt: now }).returning('id').executeTakeFirstOrThrow()
      ).id;
      resellerHoursId = (
        await store.db.insertInto('timeIntervals').values({ accountId: resellerId, name: 'Reseller hours', timezone: 'Europe/Berlin', createdAt: now, updatedAt: now }).returning('id').executeTakeFirstOrThrow()
      ).id;

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
    const listOf = async (who: string, accountId: number) => {
      const response = await call(who, { method: 'GET', url: `/api/v1/accounts/${accountId}/time-intervals` });
      expect(response.statusCode).toBe(200);
      return response.json<View[]>();
    };
    const create = (who: string, accountId: number, payload: Record<string, unknown>) =>
      call(who, { method: 'POST', url: `/api/v1/accounts/${accountId}/time-intervals`, payload });

    it("lists an organization's own intervals first, then the inherited ones, nearest first", async () => {
      const acme = await listOf('manager', acmeId);
      expect(acme.map((t) => [t.name, t.inherited])).toEqual([
        ['Office hours', false],
        ['Public holidays', true],
      ]);
      expect(acme[0]).toMatchObject({
        accountId: acmeId,
        accountName: 'Acme',
        timezone: 'Australia/Sydney',
        weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }],
        exceptions: [{ date: '2026-12-25', closed: true, from: null, to: null }],
        usedBy: [{ id: ext['001002'], number: '001002', name: 'John Doe' }],
      });
      const globex = await listOf('globex', globexId);
      const providerName = (await store.db.selectFrom('accounts').select('name').where('id', '=', providerId).executeTakeFirstOrThrow()).name;
      expect(globex.map((t) => [t.name, t.inherited, t.accountName])).toEqual([
        ['Reseller hours', true, 'Resell Co'],
        ['Public holidays', true, providerName],
      ]);
      expect((await listOf('reseller', resellerId)).map((t) => [t.name, t.inherited])).toEqual([
        ['Reseller hours', false],
        ['Public holidays', true],
      ]);
    });

    it('shows an extension what it may pick, for its owner too; other accounts are 404', async () => {
      const john = await call('john', { method: 'GET', url: `/api/v1/extensions/${ext['001002']}/time-intervals` });
      expect(john.statusCode).toBe(200);
      expect(john.json<View[]>().map((t) => t.name)).toEqual(['Office hours', 'Public holidays']);
      const jane = await call('globex', { method: 'GET', url: `/api/v1/extensions/${ext['002001']}/time-intervals` });
      expect(jane.json<View[]>().map((t) => t.name)).toEqual(['Reseller hours', 'Public holidays']);
      expect((await call('john', { method: 'GET', url: `/api/v1/extensions/${ext['002001']}/time-intervals` })).statusCode).toBe(404);
      expect((await call('globex', { method: 'GET', url: `/api/v1/accounts/${acmeId}/time-intervals` })).statusCode).toBe(404);
      expect((await call('manager', { method: 'GET', url: `/api/v1/accounts/${providerId}/time-intervals` })).statusCode).toBe(404);
      expect((await call('reseller', { method: 'GET', url: `/api/v1/accounts/${acmeId}/time-intervals` })).statusCode).toBe(404);
      expect((await call(null, { method: 'GET', url: `/api/v1/accounts/${acmeId}/time-intervals` })).statusCode).toBe(401);
    });

    it('creates an interval with weekly hours and exceptions that CallNow availability then uses', async () => {
      const response = await create('manager', acmeId, LATE_SHIFT);
      expect(response.statusCode).toBe(201);
      const created = response.json<View>();
      expect(created).toMatchObject({ ...LATE_SHIFT, exceptions: [{ date: '2026-12-24', closed: true, from: null, to: null }, LATE_SHIFT.exceptions[1]], inherited: false, usedBy: [] });
      expect(response.headers.location).toBe(`/api/v1/time-intervals/${created.id}`);
      // The owner picks it; the CallNow target then follows its hours.
      const pick = await call('john', {
        method: 'PUT',
        url: `/api/v1/extensions/${ext['001002']}/callnow`,
        payload: { ...(await call('john', { method: 'GET', url: `/api/v1/extensions/${ext['001002']}/callnow` })).json<Record<string, unknown>>(), availability: 'Late shift' },
      });
      expect(pick.statusCode, pick.body).toBe(200);
      const target = await loadCallnowTarget(store.db, 'john_doe', 'AU');
      // Tuesday 2026-12-08 23:30 in Berlin (22:30 UTC): inside 18:00-02:00; at noon: outside.
      expect(isOpenAt(target!.availability!, new Date('2026-12-08T22:30:00Z'))).toBe(true);
      expect(isOpenAt(target!.availability!, new Date('2026-12-08T11:00:00Z'))).toBe(false);
      const audit = await store.db.selectFrom('auditLog').selectAll().where('action', '=', 'time_interval.create').where('entityId', '=', String(created.id)).executeTakeFirstOrThrow();
      expect(audit.actor).toBe('boss@acme.example');
    });

    it('refuses bad input with the field at fault', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ ...LATE_SHIFT, name: 'Anytime' }, 'name'],
        [{ ...LATE_SHIFT, name: 'X', timezone: 'Mars/Olympus' }, 'timezone'],
        [{ ...LATE_SHIFT, name: 'X', weekly: [{ days: ['mon'], from: '9:00', to: '17:00' }] }, 'weekly[0].from'],
        [{ ...LATE_SHIFT, name: 'X', weekly: [{ days: ['mon'], from: '09:00', to: '25:00' }] }, 'weekly[0].to'],
        [{ ...LATE_SHIFT, name: 'X', weekly: [{ days: [], from: '09:00', to: '17:00' }] }, 'weekly[0].days'],
        [{ ...LATE_SHIFT, name: 'X', weekly: [{ days: ['someday'], from: '09:00', to: '17:00' }] }, 'weekly[0].days[0]'],
        [{ ...LATE_SHIFT, name: 'X', exceptions: [{ date: '2026-02-30', closed: true }] }, 'exceptions[0].date'],
        [{ ...LATE_SHIFT, name: 'X', exceptions: [{ date: '2026-03-01', closed: false, from: '10:00' }] }, 'exceptions[0].to'],
        [{ ...LATE_SHIFT, name: 'X', exceptions: [{ date: '2026-03-01', closed: true, from: '10:00', to: '12:00' }] }, 'exceptions[0]'],
        [{ ...LATE_SHIFT, name: 'X', exceptions: [{ date: '2026-03-01', closed: true }, { date: '2026-03-01', closed: true }] }, 'exceptions[1].date'],
        [{ ...LATE_SHIFT, name: 'X', colour: 'red' }, 'colour'],
        [{ name: 'X', timezone: 'UTC' }, 'weekly'],
      ];
      for (const [payload, field] of cases) {
        const response = await create('manager', acmeId, payload);
        expect(response.statusCode, JSON.stringify(payload)).toBe(400);
        expect(response.json(), JSON.stringify(payload)).toMatchObject({ error: 'bad_request', field });
      }
      const taken = await create('manager', acmeId, { ...LATE_SHIFT, name: 'Office hours' });
      expect(taken.statusCode).toBe(409);
      expect(taken.json()).toMatchObject({ error: 'conflict', field: 'name' });
      expect((await listOf('manager', acmeId)).map((t) => t.name)).toEqual(['Late shift', 'Office hours', 'Public holidays']);
    });

    it('replaces an interval; inherited ones are read-only below (403), an owner changes nothing', async () => {
      const put = (who: string, id: number, payload: Record<string, unknown>) => call(who, { method: 'PUT', url: `/api/v1/time-intervals/${id}`, payload });
      const updated = await put('manager', officeHoursId, { name: 'Office hours', timezone: 'Australia/Perth', weekly: [{ days: ['mon'], from: '08:30', to: '12:00' }] });
      expect(updated.statusCode).toBe(200);
      expect(updated.json()).toMatchObject({ timezone: 'Australia/Perth', weekly: [{ days: ['mon'], from: '08:30', to: '12:00' }], exceptions: [] });
      const readOnly = await put('manager', holidaysId, { name: 'Mine', timezone: 'UTC', weekly: [] });
      expect(readOnly.statusCode).toBe(403);
      expect(readOnly.json<{ message: string }>().message).toMatch(/read-only/);
      expect((await put('globex', resellerHoursId, { name: 'Mine', timezone: 'UTC', weekly: [] })).statusCode).toBe(403);
      expect((await call('globex', { method: 'DELETE', url: `/api/v1/time-intervals/${holidaysId}` })).statusCode).toBe(403);
      expect((await put('reseller', resellerHoursId, { name: 'Reseller hours', timezone: 'UTC', weekly: [] })).statusCode).toBe(200);
      expect((await put('john', officeHoursId, { name: 'Office hours', timezone: 'UTC', weekly: [] })).statusCode).toBe(403);
      expect((await put('globex', officeHoursId, { name: 'Mine', timezone: 'UTC', weekly: [] })).statusCode).toBe(404);
      expect((await put('manager', resellerHoursId, { name: 'Mine', timezone: 'UTC', weekly: [] })).statusCode).toBe(404);
      expect((await call('manager', { method: 'GET', url: `/api/v1/time-intervals/${holidaysId}` })).json()).toMatchObject({ name: 'Public holidays', inherited: true });
      const renamed = await put('manager', officeHoursId, { name: 'Late shift', timezone: 'UTC', weekly: [] });
      expect(renamed.statusCode).toBe(409);
      expect(renamed.json()).toMatchObject({ field: 'name' });
    });

    it('OpenAPI documents the routes', async () => {
      const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json<{ paths: Record<string, Record<string, { operationId: string }>> }>();
      expect(doc.paths['/api/v1/accounts/{accountId}/time-intervals']?.get?.operationId).toBe('listTimeIntervals');
      expect(doc.paths['/api/v1/accounts/{accountId}/time-intervals']?.post?.operationId).toBe('createTimeInterval');
      expect(doc.paths['/api/v1/extensions/{extensionId}/time-intervals']?.get?.operationId).toBe('listExtensionTimeIntervals');
      expect(Object.keys(doc.paths['/api/v1/time-intervals/{id}'] ?? {}).sort()).toEqual(['delete', 'get', 'put']);
    });

    it('refuses to delete an interval an extension uses, naming it; deletes once it is free', async () => {
      const late = (await listOf('manager', acmeId)).find((t) => t.name === 'Late shift')!;
      const refused = await call('manager', { method: 'DELETE', url: `/api/v1/time-intervals/${late.id}` });
      expect(refused.statusCode).toBe(409);
      expect(refused.json()).toEqual({ error: 'conflict', message: expect.stringContaining('availability of extension 001002 (John Doe)') as unknown });
      await store.db.updateTable('callnowPreferences').set({ availabilityIntervalId: null }).where('extensionId', '=', ext['001002']!).execute();
      expect((await call('john', { method: 'DELETE', url: `/api/v1/time-intervals/${late.id}` })).statusCode).toBe(403);
      expect((await call('manager', { method: 'DELETE', url: `/api/v1/time-intervals/${late.id}` })).statusCode).toBe(204);
      expect((await call('manager', { method: 'GET', url: `/api/v1/time-intervals/${late.id}` })).statusCode).toBe(404);
      expect(await store.db.selectFrom('timeIntervalSlots').select('id').where('timeIntervalId', '=', late.id).execute()).toEqual([]);
    });
  });
}
