import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { createAccount } from '../../src/store/accounts.js';
import type { Store } from '../../src/store/db.js';
import type { CallLegTable } from '../../src/store/schema.js';
import { writeSetting } from '../../src/store/settings.js';
import { addApiUser, DEMO_YAML, directory, provision } from '../helpers/api.js';
import { testDatabases } from '../helpers/stores.js';

const GLOBEX = `
organizations:
  - name: Globex
    defaultCountry: DE
    extensions:
      - number: "002001"
        name: Plain phone
`;

/** 2026-12-02 10:00 UTC: "today" for the dashboard. */
const NOW = Date.parse('2026-12-02T10:00:00Z');
const at = (daysAgo: number, time = '09:00:00') => new Date(Date.parse(`2026-12-02T${time}Z`) - daysAgo * 86_400_000).toISOString();

interface Call {
  id: number;
  role: string;
  kind: string | null;
  toNumber: string;
  extensionNumber: string | null;
  cost: string;
  billedSeconds: number;
  startedAt: string;
}
interface CallList {
  calls: Call[];
  total: number;
  totalCost: string;
  totalBilledSeconds: number;
  currency: string | null;
}
interface Day {
  date: string;
  requests: number;
  calls: number;
  billedSeconds: number;
  cost: string;
}
interface Stats {
  currency: string | null;
  today: Day;
  days: Day[];
}

for (const database of testDatabases) {
  describe(`REST API: call history and dashboard on ${database.name}`, () => {
    let store: Store;
    let app: Awaited<ReturnType<typeof buildHttpServer>>;
    const token: Record<string, string> = {};
    let ids: Awaited<ReturnType<typeof directory>>;

    /** A request of `extension` with an owner leg and, when answered, a requester leg that cost `cost` micros. */
    async function callnow(extension: string, startedAt: string, requester: string, billed: number, cost: number): Promise<void> {
      const extensionId = ids.extension[extension] as number;
      const { accountId } = await store.db.selectFrom('extensions').select('accountId').where('id', '=', extensionId).executeTakeFirstOrThrow();
      const request = await store.db
        .insertInto('callbackRequests')
        .values({ kind: 'callnow', accountId, extensionId, callbackAccountId: null, authorizedCalleridId: null, requesterName: 'Ann', requesterNumber: requester, destinationNumber: null, clientAddress: '192.0.2.1', language: 'en', state: billed > 0 ? 'completed' : 'owner-no-answer', reason: null, idempotencyKey: null, publicToken: null, scheduledAt: null, creditAccountId: null, costMicros: cost, createdAt: startedAt, updatedAt: startedAt })
        .returning('id')
        .executeTakeFirstOrThrow();
      const leg = (role: CallLegTable['role'], to: string, answered: boolean, seconds: number, micros: number) => ({
        requestId: request.id,
        accountId,
        role,
        direction: 'outbound' as const,
        fromNumber: null,
        toNumber: to,
        extensionId: role === 'owner' ? extensionId : null,
        trunkId: null,
        sipCallId: null,
        cause: answered ? 'normal' : 'no-answer',
        startedAt,
        answeredAt: answered ? startedAt : null,
        endedAt: startedAt,
        durationSeconds: seconds,
        billedSeconds: seconds,
        ratePrefix: micros > 0 ? '614' : null,
        costMicros: micros,
        creditAccountId: null,
      });
      await store.db.insertInto('callLegs').values(leg('owner', extension, billed > 0, 0, 0)).execute();
      if (billed > 0) await store.db.insertInto('callLegs').values(leg('requester', requester, true, billed, cost)).execute();
    }

    beforeAll(async () => {
      store = await database.open();
      await provision(store, DEMO_YAML);
      await provision(store, GLOBEX);
      await writeSetting(store.db, 'currency', 'AUD');
      ids = await directory(store);
      const reseller = await createAccount(store.db, { kind: 'reseller', name: 'Resell Co', parentId: ids.providerId });
      await store.db.updateTable('accounts').set({ parentId: reseller.id }).where('id', '=', ids.account.Globex as number).execute();
      const acme = ids.account.Acme as number;
      token.admin = await addApiUser(store, { email: 'admin@example.com', role: 'admin', accountId: ids.providerId });
      token.reseller = await addApiUser(store, { email: 'sales@resell.example', role: 'reseller', accountId: reseller.id });
      token.manager = await addApiUser(store, { email: 'boss@acme.example', role: 'org_manager', accountId: acme });
      token.john = await addApiUser(store, { email: 'john@acme.example', role: 'extension_owner', accountId: acme, extensionId: ids.extension['001002'] ?? null });
      token.travel = await addApiUser(store, { email: 'travel@acme.example', role: 'extension_owner', accountId: acme, extensionId: ids.extension['001100'] ?? null });

      // John: two answered today (0.35 + 0.12), one unanswered yesterday, one 40 days ago (outside the chart).
      await callnow('001002', at(0, '08:00:00'), '+61412345678', 90, 350_000);
      await callnow('001002', at(0, '09:30:00'), '+61298765432', 30, 120_000);
      await callnow('001002', at(1), '+61412345678', 0, 0);
      await callnow('001002', at(40), '+61412345678', 60, 300_000);
      // Globex (the reseller's organization): one answered three days ago.
      await callnow('002001', at(3), '+4930123456', 120, 2_400_000);

      app = await buildHttpServer({ store, logger: createLogger('silent'), version: 'test', session: { clock: () => NOW } });
      await app.ready();
    });
    afterAll(async () => {
      await app?.close();
      await store?.close();
    });

    const call = (who: string | null, options: InjectOptions) => app.inject({ ...options, headers: { ...(who ? { authorization: `Bearer ${token[who]}` } : {}), ...options.headers } });
    const calls = async (who: string, query = ''): Promise<CallList> => {
      const response = await call(who, { method: 'GET', url: `/api/v1/calls${query}` });
      expect(response.statusCode, response.body).toBe(200);
      return response.json<CallList>();
    };
    const stats = async (who: string, query = ''): Promise<Stats> => {
      const response = await call(who, { method: 'GET', url: `/api/v1/stats${query}` });
      expect(response.statusCode, response.body).toBe(200);
      return response.json<Stats>();
    };

    it('lists every leg with its cost, newest first, with totals and pages', async () => {
      const all = await calls('admin');
      expect(all.total).toBe(9);
      expect(all.totalCost).toBe('3.17');
      expect(all.currency).toBe('AUD');
      expect(all.calls[0]).toMatchObject({ role: 'requester', kind: 'callnow', toNumber: '+61298765432', cost: '0.12', billedSeconds: 30 });
      const starts = all.calls.map((c) => c.startedAt);
      expect([...starts].sort().reverse()).toEqual(starts);

      const page2 = await calls('admin', '?limit=4&offset=4');
      expect(page2.calls.map((c) => c.id)).toEqual(all.calls.slice(4, 8).map((c) => c.id));
      expect(page2.total).toBe(9);
    });

    it('shows each role only what is theirs', async () => {
      const john = await calls('john');
      expect(john.total).toBe(7);
      expect(john.calls.every((c) => c.toNumber !== '+4930123456')).toBe(true);
      expect((await calls('travel')).total).toBe(0);
      expect((await calls('manager')).total).toBe(7);
      const reseller = await calls('reseller');
      expect(reseller.total).toBe(2);
      expect(reseller.totalCost).toBe('2.40');

      // Asking for something outside one's scope looks like asking for something that does not exist.
      expect((await call('manager', { method: 'GET', url: `/api/v1/calls?accountId=${ids.account.Globex}` })).statusCode).toBe(404);
      expect((await call('reseller', { method: 'GET', url: `/api/v1/calls?extensionId=${ids.extension['001002']}` })).statusCode).toBe(404);
      expect((await call('john', { method: 'GET', url: `/api/v1/calls?extensionId=${ids.extension['001100']}` })).statusCode).toBe(404);
      expect((await call(null, { method: 'GET', url: '/api/v1/calls' })).statusCode).toBe(401);
      expect((await calls('admin', `?accountId=${ids.account.Globex}`)).total).toBe(2);
    });

    it('filters by time, number and answer, and refuses bad filters with the field named', async () => {
      expect((await calls('john', '?from=2026-12-02')).total).toBe(4);
      expect((await calls('john', '?from=2026-11-01&to=2026-12-02')).total).toBe(1);
      expect((await calls('john', '?answered=true')).total).toBe(6);
      const mobile = await calls('john', '?number=614123');
      expect(mobile.calls.every((c) => c.toNumber === '+61412345678')).toBe(true);
      // The requester legs of today's and of 40 days ago (the unanswered one rang only the owner).
      expect(mobile.total).toBe(2);

      const bad = await call('john', { method: 'GET', url: '/api/v1/calls?from=yesterday' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ error: 'bad_request', field: 'from' });
      const backwards = await call('john', { method: 'GET', url: '/api/v1/calls?from=2026-12-02&to=2026-12-01' });
      expect(backwards.statusCode).toBe(400);
      expect(backwards.json()).toMatchObject({ field: 'to' });
      expect((await call('john', { method: 'GET', url: '/api/v1/calls?limit=1000' })).statusCode).toBe(400);
    });

    it('exports the filtered history as CSV', async () => {
      const response = await call('john', { method: 'GET', url: '/api/v1/calls/export.csv?answered=true' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toContain('text/csv');
      expect(response.headers['content-disposition']).toBe('attachment; filename="calls-2026-12-02.csv"');
      const lines = response.body.trimEnd().split('\r\n');
      expect(lines[0]).toBe('Started (UTC),Answered (UTC),Ended (UTC),Kind,Leg,Extension,From,To,Duration (s),Billed (s),Rate prefix,Cost (AUD),Cause');
      expect(lines).toHaveLength(7);
      expect(lines[1]).toBe('2026-12-02T09:30:00.000Z,2026-12-02T09:30:00.000Z,2026-12-02T09:30:00.000Z,callnow,requester,,,+61298765432,30,30,614,0.12,normal');
    });

    it("gives the dashboard today's figures and 30 days of them", async () => {
      const john = await stats('john');
      expect(john.currency).toBe('AUD');
      expect(john.days).toHaveLength(30);
      expect(john.days[29]?.date).toBe('2026-12-02');
      expect(john.days[0]?.date).toBe('2026-11-03');
      expect(john.today).toEqual({ date: '2026-12-02', requests: 2, calls: 2, billedSeconds: 120, cost: '0.47' });
      expect(john.days[28]).toEqual({ date: '2026-12-01', requests: 1, calls: 0, billedSeconds: 0, cost: '0.00' });
      // 40 days ago is outside the chart.
      expect(john.days.reduce((sum, day) => sum + day.requests, 0)).toBe(3);

      const reseller = await stats('reseller');
      expect(reseller.today.requests).toBe(0);
      expect(reseller.days.find((d) => d.date === '2026-11-29')).toEqual({ date: '2026-11-29', requests: 1, calls: 1, billedSeconds: 120, cost: '2.40' });
      const admin = await stats('admin');
      expect(admin.days.reduce((sum, day) => sum + day.requests, 0)).toBe(4);
      expect((await call('manager', { method: 'GET', url: `/api/v1/stats?accountId=${ids.account.Globex}` })).statusCode).toBe(404);
    });
  });
}
