// The Call API's CallNow requests (SPEC §6 "place this callback now", §2): POST through the
// same flow as the public page, GET one with its legs, GET an extension's page of requests.
// The whole app runs (SIP call control without a listener): the owner, extension 001002, is
// not registered, so a request that passes every check ends 'owner-no-answer' / 'unavailable'
// at once; every other request here is refused by the clock, the rules or the destination.
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { buildHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { createApiToken } from '../../src/store/api-tokens.js';
import { FINAL_STATES, type CallnowState } from '../../src/store/callnow.js';
import { nowIso, type Store } from '../../src/store/db.js';
import type { UserRole } from '../../src/store/schema.js';
import { TEST_RTP_PORTS } from '../interop/dialback/harness.js';
import { DEMO_YAML as DEMO, provision } from '../helpers/api.js';
import { testDatabases } from '../helpers/stores.js';


/** A second organization: no tariff, so every number it is asked for is refused; one CallNow off. */
const GLOBEX = `
organizations:
  - name: Globex
    extensions:
      - number: "002001"
        name: Jane Roe
        callApi: true
        callnow: { id: jane_roe, askName: false }
      - number: "002002"
        name: Plain phone
      - number: "002003"
        name: Switched off
        callnow: { id: switched_off, enabled: false }
`;

const PUBLIC_URL = 'https://dialback.example';
const WEEK_MS = 7 * 24 * 3600 * 1000;
// Sunday 2026-12-06 12:00 in Sydney: outside the demo's office hours (Mon-Fri 09-17).
const FIRST_SUNDAY_NOON = Date.parse('2026-12-06T01:00:00Z');
// Monday 2026-12-07 10:00 in Sydney: inside them.
const FIRST_MONDAY_TEN = Date.parse('2026-12-06T23:00:00Z');

interface RequestBody {
  id: number;
  extensionId: number;
  state: CallnowState;
  reason: string | null;
  requesterName: string | null;
  requesterNumber: string;
  language: string;
  costMicros: number;
  cost: string;
  currency: string | null;
  createdAt: string;
  updatedAt: string;
  statusUrl: string;
  legs?: Record<string, unknown>[];
}


for (const database of testDatabases) {
  describe(`REST API: CallNow requests on ${database.name}`, () => {
    let store: Store;
    let app: Awaited<ReturnType<typeof createApp>>;
    const ext: Record<string, number> = {};
    const token: Record<string, string> = {};
    const userId: Record<string, number> = {};
    // Each test gets a week of its own, so no request limit carries over from another test.
    let week = 0;
    let now = FIRST_SUNDAY_NOON;
    const sunday = () => (now = FIRST_SUNDAY_NOON + week * WEEK_MS);
    const monday = () => (now = FIRST_MONDAY_TEN + week * WEEK_MS);

    async function addUser(who: string, email: string, role: UserRole, accountId: number, extensionId: number | null = null): Promise<void> {
      const at = nowIso();
      const user = await store.db
        .insertInto('users')
        .values({ accountId, email, passwordHash: 'scrypt$unused', role, extensionId, lockedUntil: null, createdAt: at, updatedAt: at })
        .returning('id')
        .executeTakeFirstOrThrow();
      userId[who] = user.id;
      token[who] = (await createApiToken(store.db, { userId: user.id, name: 'test', actor: 'test' })).token;
    }

    beforeAll(async () => {
      store = await database.open();
      await provision(store, DEMO);
      await provision(store, GLOBEX);
      for (const row of await store.db.selectFrom('extensions').select(['id', 'number']).execute()) ext[row.number] = row.id;
      const accounts = await store.db.selectFrom('accounts').select(['id', 'kind', 'name']).execute();
      const accountId = (name: string) => accounts.find((a) => a.name === name)!.id;
      await addUser('admin', 'admin@example.com', 'admin', accounts.find((a) => a.kind === 'provider')!.id);
      await addUser('acmeManager', 'boss@acme.example', 'org_manager', accountId('Acme'));
      await addUser('john', 'john@acme.example', 'extension_owner', accountId('Acme'), ext['001002']);
      await addUser('jane', 'jane@globex.example', 'extension_owner', accountId('Globex'), ext['002001']);

      app = await createApp({
        config: { sipHost: '127.0.0.1', sipPort: 0, sipPublicAddress: null, sipDigestAlgorithms: ['MD5'], rtpPorts: TEST_RTP_PORTS, publicUrl: PUBLIC_URL },
        store,
        logger: createLogger('silent'),
        version: 'test',
        clock: () => now,
      });
      await app.http.ready();
    });
    afterAll(async () => {
      await app?.stop();
      await store?.close();
    });
    beforeEach(() => {
      week++;
      sunday();
    });

    const call = (who: string | null, options: InjectOptions) =>
      app.http.inject({ ...options, headers: { ...(who ? { authorization: `Bearer ${token[who]}` } : {}), ...options.headers } });
    const requestsUrl = (number: string) => `/api/v1/extensions/${ext[number]}/callnow/requests`;
    /** Each test asks from addresses of its own (limits count per address too). */
    const place = (who: string, number: string, payload: Record<string, unknown>, options: { key?: string; address?: string } = {}) =>
      call(who, {
        method: 'POST',
        url: requestsUrl(number),
        payload,
        remoteAddress: options.address ?? `10.0.${week}.1`,
        headers: options.key === undefined ? {} : { 'idempotency-key': options.key },
      });
    const rowsFor = (number: string) =>
      store.db.selectFrom('callbackRequests').selectAll().where('extensionId', '=', ext[number]!).orderBy('id').execute();

    /** GET the request until it reaches a final state. */
    async function settled(who: string, id: number): Promise<RequestBody> {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const response = await call(who, { method: 'GET', url: `/api/v1/callnow/requests/${id}` });
        expect(response.statusCode, response.body).toBe(200);
        const body = response.json<RequestBody>();
        if (FINAL_STATES.has(body.state) || Date.now() > deadline) return body;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }

    it('needs an API token', async () => {
      const response = await call(null, { method: 'POST', url: requestsUrl('001002'), payload: { name: 'Jane', phone: '0298765432' } });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer\b/);
    });

    it('201: a new request, recorded and refused with its reason outside the owner\'s hours', async () => {
      const response = await place('john', '001002', { name: 'Jane Smith', phone: '02 9876 5432', language: 'de' });
      expect(response.statusCode, response.body).toBe(201);
      const body = response.json<RequestBody>();
      expect(body).toEqual({
        id: expect.any(Number) as unknown,
        extensionId: ext['001002'],
        state: 'refused',
        reason: 'outside-hours',
        requesterName: 'Jane Smith',
        requesterNumber: '+61298765432',
        language: 'de',
        costMicros: 0,
        cost: '0.00',
        currency: 'AUD',
        createdAt: new Date(now).toISOString(),
        updatedAt: new Date(now).toISOString(),
        statusUrl: expect.stringMatching(/^https:\/\/dialback\.example\/callnow\/requests\/[\w-]{10,64}$/) as unknown,
        legs: [],
      });
      expect(response.headers.location).toBe(`/api/v1/callnow/requests/${body.id}`);
      const rows = await rowsFor('001002');
      expect(rows.at(-1)).toMatchObject({ id: body.id, state: 'refused', reason: 'outside-hours', clientAddress: `10.0.${week}.1`, idempotencyKey: null });
      // The status link is the public page's.
      expect(body.statusUrl.endsWith(`/callnow/requests/${rows.at(-1)!.publicToken}`)).toBe(true);
      // Without a language: the owner's page language.
      const english = await place('john', '001002', { name: 'Jane Smith', phone: '0298765432' });
      expect(english.json<RequestBody>().language).toBe('en');
    });

    it('refuses with the reasons the page gives: a blocked destination, a rule that says reject', async () => {
      monday();
      const premium = await place('john', '001002', { name: 'Jane', phone: '+1 900 555 0123' });
      const rejected = await place('john', '001002', { name: 'A test caller', phone: '0298765432' });
      expect([premium.statusCode, rejected.statusCode]).toEqual([201, 201]);
      expect(premium.json()).toMatchObject({ state: 'refused', reason: 'number-not-allowed', legs: [] });
      expect(rejected.json()).toMatchObject({ state: 'refused', reason: 'rule-rejected', legs: [] });
    });

    it("refuses at the organization's licence caps, set by the provider: calls at once, then the day's spending", async () => {
      monday();
      const acme = (await store.db.selectFrom('extensions').select('accountId').where('id', '=', ext['001002']!).executeTakeFirstOrThrow()).accountId;
      const licence = (body: Record<string, unknown>) => call('admin', { method: 'PATCH', url: `/api/v1/accounts/${acme}`, payload: body });
      try {
        expect((await licence({ maxConcurrentCalls: 0 })).statusCode).toBe(200);
        const busy = await place('john', '001002', { name: 'Jane', phone: '0298765432' });
        expect(busy.json()).toMatchObject({ state: 'refused', reason: 'concurrent-calls', legs: [] });

        // 0.50 a day, and a call today already cost 0.50.
        expect((await licence({ maxConcurrentCalls: null, dailySpendCap: '0.50' })).statusCode).toBe(200);
        await store.db
          .insertInto('callLegs')
          .values({ requestId: null, accountId: acme, role: 'requester', direction: 'outbound', fromNumber: null, toNumber: '+61298765432', extensionId: null, trunkId: null, sipCallId: null, cause: 'normal', startedAt: new Date(now).toISOString(), answeredAt: null, endedAt: new Date(now).toISOString(), ratePrefix: '612', costMicros: 500_000, creditAccountId: null, reservationId: null })
          .execute();
        const spent = await place('john', '001002', { name: 'Jane', phone: '0298765432' });
        expect(spent.json()).toMatchObject({ state: 'refused', reason: 'daily-spend-cap' });
        // Raised by the provider: the next request goes through to the owner.
        expect((await licence({ dailySpendCap: '5.00' })).statusCode).toBe(200);
        const through = await place('john', '001002', { name: 'Jane', phone: '0298765432' });
        expect(through.json<RequestBody>().state).not.toBe('refused');
        expect((await settled('john', through.json<RequestBody>().id)).state).toBe('owner-no-answer');
      } finally {
        await licence({ maxConcurrentCalls: null, dailySpendCap: null });
      }
    });

    it('an accepted request rings the owner: GET shows its state moving to the end, with the owner leg', async () => {
      monday();
      const response = await place('john', '001002', { name: 'Jane', phone: '0298765432' });
      expect(response.statusCode, response.body).toBe(201);
      const placed = response.json<RequestBody>();
      expect(['received', 'calling-owner', 'owner-no-answer']).toContain(placed.state);
      const body = await settled('john', placed.id);
      expect(body).toMatchObject({ id: placed.id, state: 'owner-no-answer', reason: 'unavailable', costMicros: 0, cost: '0.00', currency: 'AUD' });
      expect(body.legs).toEqual([
        {
          role: 'owner',
          direction: 'outbound',
          fromNumber: '+61298765432',
          toNumber: '001002',
          cause: 'unavailable',
          startedAt: new Date(now).toISOString(),
          answeredAt: null,
          endedAt: new Date(now).toISOString(),
          durationSeconds: 0,
          billedSeconds: 0,
          ratePrefix: null,
          costMicros: 0,
        },
      ]);
    });

    it('money is micro-units and a decimal string in the server currency', async () => {
      const { id } = (await place('john', '001002', { name: 'Jane', phone: '0298765432' })).json<RequestBody>();
      await store.db.updateTable('callbackRequests').set({ costMicros: 120_000 }).where('id', '=', id).execute();
      expect((await call('john', { method: 'GET', url: `/api/v1/callnow/requests/${id}` })).json()).toMatchObject({ costMicros: 120_000, cost: '0.12' });
      await store.db.updateTable('callbackRequests').set({ costMicros: 12_345_678 }).where('id', '=', id).execute();
      expect((await call('john', { method: 'GET', url: `/api/v1/callnow/requests/${id}` })).json()).toMatchObject({ costMicros: 12_345_678, cost: '12.345678' });
    });

    it('200: the same Idempotency-Key is the same request, one row, and the owner rang once', async () => {
      monday();
      const first = await place('john', '001002', { name: 'Jane', phone: '0298765432' }, { key: 'retry-me-123' });
      expect(first.statusCode, first.body).toBe(201);
      const id = first.json<RequestBody>().id;
      await settled('john', id);
      const again = await place('john', '001002', { name: 'Jane', phone: '+61298765432' }, { key: 'retry-me-123' });
      expect(again.statusCode, again.body).toBe(200);
      expect(again.json()).toMatchObject({ id, state: 'owner-no-answer', reason: 'unavailable' });
      // Retries do not count against the limits either: an eighth, ninth... retry still answers 200.
      for (let i = 0; i < 8; i++) expect((await place('john', '001002', { name: 'Jane', phone: '0298765432' }, { key: 'retry-me-123' })).statusCode).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const rows = await store.db.selectFrom('callbackRequests').selectAll().where('idempotencyKey', 'like', '%retry-me-123').execute();
      expect(rows.map((r) => [r.id, r.idempotencyKey])).toEqual([[id, `api:${userId.john}:retry-me-123`]]);
      const legs = await store.db.selectFrom('callLegs').select('role').where('requestId', '=', id).execute();
      expect(legs).toEqual([{ role: 'owner' }]);
    });

    it('the same key for another number or extension is a conflict, not the earlier request', async () => {
      expect((await place('admin', '001002', { name: 'Jane', phone: '0298765432' }, { key: 'one-key-two-uses' })).statusCode).toBe(201);
      const otherNumber = await place('admin', '001002', { name: 'Jane', phone: '0298765433' }, { key: 'one-key-two-uses' });
      expect(otherNumber.statusCode).toBe(409);
      expect(otherNumber.json()).toMatchObject({ error: 'conflict', field: 'idempotency-key' });
      const otherExtension = await place('admin', '002001', { phone: '0298765432' }, { key: 'one-key-two-uses' });
      expect(otherExtension.statusCode).toBe(409);
      expect(await store.db.selectFrom('callbackRequests').select('id').where('idempotencyKey', 'like', '%one-key-two-uses').execute()).toHaveLength(1);
    });

    it("two users' same key are two requests", async () => {
      const john = await place('john', '001002', { name: 'Jane', phone: '0298765432' }, { key: 'shared-key-1' });
      const manager = await place('acmeManager', '001002', { name: 'Jane', phone: '0298765432' }, { key: 'shared-key-1' });
      expect([john.statusCode, manager.statusCode]).toEqual([201, 201]);
      expect(john.json<RequestBody>().id).not.toBe(manager.json<RequestBody>().id);
      const keys = await store.db.selectFrom('callbackRequests').select('idempotencyKey').where('idempotencyKey', 'like', '%shared-key-1').orderBy('id').execute();
      expect(keys.map((k) => k.idempotencyKey)).toEqual([`api:${userId.john}:shared-key-1`, `api:${userId.acmeManager}:shared-key-1`]);
    });

    it('400 for form problems, with the field named; nothing is recorded', async () => {
      const before = (await rowsFor('001002')).length;
      const cases: [Record<string, unknown>, string | undefined, string][] = [
        [{ name: 'Jane', phone: '12ab' }, undefined, 'phone'],
        [{ name: '   ', phone: '0298765432' }, undefined, 'name'],
        [{ phone: '0298765432' }, undefined, 'name'],
        [{ name: 'Jane' }, undefined, 'phone'],
        [{ name: 'Jane', phone: 298765432 }, undefined, 'phone'],
        [{ name: 'Jane', phone: '0298765432', language: 'it' }, undefined, 'language'],
        [{ name: 'Jane', phone: '0298765432', extra: true }, undefined, 'extra'],
        [{ name: 'Jane', phone: '0298765432' }, 'short', 'idempotency-key'],
        [{ name: 'Jane', phone: '0298765432' }, 'has spaces in it', 'idempotency-key'],
      ];
      for (const [payload, key, field] of cases) {
        const response = await place('john', '001002', payload, key === undefined ? {} : { key });
        expect(response.statusCode, JSON.stringify(payload)).toBe(400);
        expect(response.json(), JSON.stringify(payload)).toEqual({ error: 'bad_request', message: expect.any(String) as unknown, field });
      }
      const phone = await place('john', '001002', { name: 'Jane', phone: '12ab' });
      expect(phone.json<{ message: string }>().message).toMatch(/^phone: that number cannot be used: .+/);
      expect(await rowsFor('001002')).toHaveLength(before);
    });

    it('429 with Retry-After after seven requests for one number in 15 minutes', async () => {
      const statuses: number[] = [];
      let last: LightMyRequestResponse | null = null;
      for (let i = 0; i < 8; i++) {
        last = await place('john', '001002', { name: 'Jane', phone: '0298765439' }, { address: `10.1.${week}.${i}` });
        statuses.push(last.statusCode);
      }
      expect(statuses).toEqual([201, 201, 201, 201, 201, 201, 201, 429]);
      expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
      expect(last!.json()).toEqual({ error: 'too_many_requests', message: expect.stringMatching(/too-many-for-number/) as unknown });
      expect((await rowsFor('001002')).filter((r) => r.requesterNumber === '+61298765439')).toHaveLength(7);
    });

    it('404 when the extension has no CallNow, CallNow is off, or it does not exist', async () => {
      for (const number of ['001100', '002002', '002003']) {
        const response = await place('admin', number, { name: 'Jane', phone: '0298765432' });
        expect(response.statusCode, number).toBe(404);
        expect(response.json()).toMatchObject({ error: 'not_found' });
      }
      const missing = await call('admin', { method: 'POST', url: '/api/v1/extensions/999999/callnow/requests', payload: { phone: '0298765432' } });
      expect(missing.statusCode).toBe(404);
    });

    it("403 while the organization has not enabled the Call API for the extension; 404 while it has switched CallNow off", async () => {
      const id = ext['001002']!;
      const before = (await rowsFor('001002')).length;
      await store.db.updateTable('extensions').set({ callApiEnabled: 0 }).where('id', '=', id).execute();
      const noApi = await place('admin', '001002', { name: 'Jane', phone: '0298765432' });
      expect(noApi.statusCode).toBe(403);
      expect(noApi.json()).toMatchObject({ error: 'forbidden', message: expect.stringContaining('Call API is not enabled') as unknown });
      await store.db.updateTable('extensions').set({ callApiEnabled: 1, callnowEnabled: 0 }).where('id', '=', id).execute();
      expect((await place('admin', '001002', { name: 'Jane', phone: '0298765432' })).statusCode).toBe(404);
      await store.db.updateTable('extensions').set({ callnowEnabled: 1 }).where('id', '=', id).execute();
      expect((await rowsFor('001002')).length).toBe(before);
    });

    it('an extension owner cannot place, read or list the requests of another extension', async () => {
      const johns = (await place('john', '001002', { name: 'Jane', phone: '0298765432' })).json<RequestBody>();
      const janes = (await place('jane', '002001', { phone: '0298765432' })).json<RequestBody>();
      expect(janes).toMatchObject({ extensionId: ext['002001'], state: 'refused', reason: 'number-not-allowed' });

      expect((await place('jane', '001002', { name: 'Jane', phone: '0298765432' })).statusCode).toBe(404);
      const read = await call('jane', { method: 'GET', url: `/api/v1/callnow/requests/${johns.id}` });
      expect(read.statusCode).toBe(404);
      expect(read.json()).toEqual({ error: 'not_found', message: 'no such CallNow request' });
      expect((await call('jane', { method: 'GET', url: requestsUrl('001002') })).statusCode).toBe(404);
      expect((await call('john', { method: 'GET', url: `/api/v1/callnow/requests/${janes.id}` })).statusCode).toBe(404);
      expect((await call('acmeManager', { method: 'GET', url: `/api/v1/callnow/requests/${janes.id}` })).statusCode).toBe(404);
      // A request that does not exist looks the same.
      expect((await call('admin', { method: 'GET', url: '/api/v1/callnow/requests/999999' })).json()).toEqual(read.json());
      // Those who may see the extension see its requests.
      expect((await call('acmeManager', { method: 'GET', url: `/api/v1/callnow/requests/${johns.id}` })).statusCode).toBe(200);
      expect((await call('admin', { method: 'GET', url: `/api/v1/callnow/requests/${janes.id}` })).statusCode).toBe(200);
    });

    it('lists an extension\'s requests newest first, a page at a time', async () => {
      const existing = (await rowsFor('002001')).length;
      const ids: number[] = [];
      for (let i = 0; i < 5; i++) {
        const response = await place('jane', '002001', { name: `Caller ${i}`, phone: `029876543${i}` }, { address: `10.2.${week}.${i}` });
        expect(response.statusCode, response.body).toBe(201);
        ids.push(response.json<RequestBody>().id);
      }
      const newest = [...ids].reverse();
      const page = async (query: string) => {
        const response = await call('jane', { method: 'GET', url: `${requestsUrl('002001')}${query}` });
        expect(response.statusCode, response.body).toBe(200);
        return response.json<{ requests: RequestBody[]; nextBefore: number | null }>();
      };
      const first = await page('?limit=2');
      expect(first.requests.map((r) => r.id)).toEqual(newest.slice(0, 2));
      expect(first.nextBefore).toBe(newest[1]);
      expect(first.requests[0]).toEqual({
        id: newest[0],
        extensionId: ext['002001'],
        state: 'refused',
        reason: 'number-not-allowed',
        requesterName: 'Caller 4',
        requesterNumber: '+61298765434',
        language: 'en',
        costMicros: 0,
        cost: '0.00',
        currency: 'AUD',
        createdAt: expect.any(String) as unknown,
        updatedAt: expect.any(String) as unknown,
        statusUrl: expect.stringMatching(/^https:\/\/dialback\.example\/callnow\/requests\//) as unknown,
      });
      const second = await page(`?limit=2&before=${first.nextBefore}`);
      expect(second.requests.map((r) => r.id)).toEqual(newest.slice(2, 4));
      const third = await page(`?limit=2&before=${second.nextBefore}`);
      expect(third.requests.map((r) => r.id)).toEqual(existing === 0 ? newest.slice(4) : [newest[4], expect.any(Number)]);
      // The default page holds 20; all of this extension's requests fit.
      const all = await page('');
      expect(all.requests).toHaveLength(existing + 5);
      expect(all.nextBefore).toBeNull();
      expect(all.requests.every((r) => r.extensionId === ext['002001'])).toBe(true);

      for (const query of ['?limit=0', '?limit=101', '?limit=x', '?before=0', '?other=1']) {
        const response = await call('jane', { method: 'GET', url: `${requestsUrl('002001')}${query}` });
        expect(response.statusCode, query).toBe(400);
        expect(response.json<{ error: string }>().error).toBe('bad_request');
      }
    });

    it('without call control the POST answers 503; reading still works', async () => {
      const bare = await buildHttpServer({ store, logger: createLogger('silent'), version: 'test' });
      try {
        const headers = { authorization: `Bearer ${token.admin}` };
        const response = await bare.inject({ method: 'POST', url: requestsUrl('001002'), headers, payload: { name: 'Jane', phone: '0298765432' } });
        expect(response.statusCode).toBe(503);
        expect(response.json()).toEqual({ error: 'unavailable', message: expect.any(String) as unknown });
        expect((await bare.inject({ method: 'GET', url: requestsUrl('001002'), headers })).statusCode).toBe(200);
      } finally {
        await bare.close();
      }
    });

    it('OpenAPI describes the three routes with their schemas and bearerAuth', async () => {
      const document = (await app.http.inject({ method: 'GET', url: '/api/openapi.json' })).json<{
        paths: Record<string, Record<string, Record<string, unknown>>>;
        components: { securitySchemes: Record<string, unknown> };
      }>();
      const collection = document.paths['/api/v1/extensions/{extensionId}/callnow/requests']!;
      const one = document.paths['/api/v1/callnow/requests/{requestId}']!;
      expect(Object.keys(collection).sort()).toEqual(['get', 'post']);
      expect(Object.keys(one)).toEqual(['get']);
      const post = collection.post as {
        operationId: string;
        security: unknown;
        parameters: { in: string; name: string }[];
        requestBody: { content: Record<string, { schema: { properties: Record<string, unknown>; required: string[] } }> };
        responses: Record<string, { content?: Record<string, { schema: { properties?: Record<string, unknown> } }>; headers?: Record<string, unknown> }>;
      };
      expect(post.operationId).toBe('createCallnowRequest');
      expect(post.security).toEqual([{ bearerAuth: [] }, { sessionCookie: [] }]);
      expect(post.parameters.map((p) => `${p.in}:${p.name}`).sort()).toEqual(['header:idempotency-key', 'path:extensionId']);
      const bodySchema = post.requestBody.content['application/json']!.schema;
      expect(Object.keys(bodySchema.properties).sort()).toEqual(['language', 'name', 'phone']);
      expect(bodySchema.required).toEqual(['phone']);
      expect(Object.keys(post.responses).sort()).toEqual(['200', '201', '400', '401', '403', '404', '409', '429', '500', '503']);
      expect(Object.keys(post.responses['201']!.content!['application/json']!.schema.properties!)).toEqual(
        expect.arrayContaining(['id', 'state', 'reason', 'costMicros', 'cost', 'currency', 'statusUrl', 'legs']),
      );
      expect(post.responses['429']!.headers).toEqual({
        'Retry-After': { schema: { type: 'integer', minimum: 1 }, description: expect.any(String) as unknown },
      });
      const get = one.get as { operationId: string; security: unknown; responses: Record<string, unknown> };
      expect(get).toMatchObject({ operationId: 'getCallnowRequest', security: [{ bearerAuth: [] }, { sessionCookie: [] }] });
      const list = collection.get as { operationId: string; parameters: { in: string; name: string }[] };
      expect(list.operationId).toBe('listCallnowRequests');
      expect(list.parameters.map((p) => `${p.in}:${p.name}`).sort()).toEqual(['path:extensionId', 'query:before', 'query:limit']);
      expect(document.components.securitySchemes).toHaveProperty('bearerAuth');
    });
  });
}
