import ExcelJS from 'exceljs';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvField } from '../../src/http/api/callerids.js';
import { buildHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { nowIso, type Store } from '../../src/store/db.js';
import type { UserRole } from '../../src/store/schema.js';
import { addApiUser, DEMO_YAML as DEMO, provision } from '../helpers/api.js';
import { testDatabases } from '../helpers/stores.js';
import { createAccount } from '../../src/store/accounts.js';


/** A second organization, numbering in Germany: a callback extension of its own and a phone. */
const GLOBEX = `
organizations:
  - name: Globex
    defaultCountry: DE
    extensions:
      - number: "002001"
        name: Plain phone
      - number: "002100"
        name: Export line
        type: callback
        callback:
          maxAuthorizedCallerIds: 20
`;


interface Item {
  id: number;
  extensionId: number;
  callerId: string;
  description: string;
  status: 'active' | 'inactive';
  credit: { unlimited: boolean; amount: string | null; amountMicros: number | null };
  hasPassword: boolean;
  addedOn: string;
}
interface List {
  total: number;
  activeCount: number;
  licenceLimit: number;
  items: Item[];
}
interface HistoryRow {
  at: string;
  amountAdded: string;
  amountAddedMicros: number;
  creditLeftAfter: string;
  creditLeftAfterMicros: number | null;
  by: string;
  note: string | null;
}

const MARY = '+61412345678';
const OTHER = '+61298765432';

for (const database of testDatabases) {
  describe(`REST API: authorized CallerIDs on ${database.name}`, () => {
    let store: Store;
    let app: Awaited<ReturnType<typeof buildHttpServer>>;
    const ext: Record<string, number> = {};
    const token: Record<string, string> = {};
    const email: Record<string, string> = {};
    let acmeId: number;

    async function addUser(who: string, address: string, role: UserRole, accountId: number, extensionId: number | null = null): Promise<void> {
      token[who] = await addApiUser(store, { email: address, role, accountId, extensionId });
      email[who] = address;
    }

    beforeAll(async () => {
      store = await database.open();
      await provision(store, DEMO);
      await provision(store, GLOBEX);
      for (const row of await store.db.selectFrom('extensions').select(['id', 'number']).execute()) ext[row.number] = row.id;
      const accounts = await store.db.selectFrom('accounts').select(['id', 'kind', 'name']).execute();
      const accountId = (name: string) => accounts.find((a) => a.name === name)!.id;
      acmeId = accountId('Acme');
      const providerId = accounts.find((a) => a.kind === 'provider')!.id;

      // Globex is sold through a reseller; Acme belongs to the provider directly.
      const now = nowIso();
      const reseller = await createAccount(store.db, { kind: 'reseller', name: 'Resell Co', parentId: providerId }, now);
      await store.db.updateTable('accounts').set({ parentId: reseller.id }).where('id', '=', accountId('Globex')).execute();

      await addUser('admin', 'admin@example.com', 'admin', providerId);
      await addUser('reseller', 'sales@resell.example', 'reseller', reseller.id);
      await addUser('manager', 'boss@acme.example', 'org_manager', acmeId);
      await addUser('travel', 'travel@acme.example', 'extension_owner', acmeId, ext['001100']);
      await addUser('john', 'john@acme.example', 'extension_owner', acmeId, ext['001002']);
      await addUser('globex', 'ops@globex.example', 'org_manager', accountId('Globex'));

      app = await buildHttpServer({ store, logger: createLogger('silent'), version: 'test' });
      await app.ready();
    });
    afterAll(async () => {
      await app?.close();
      await store?.close();
    });

    const call = (who: string | null, options: InjectOptions) =>
      app.inject({ ...options, headers: { ...(who ? { authorization: `Bearer ${token[who]}` } : {}), ...options.headers } });
    const listUrl = (number: string, query = '') => `/api/v1/extensions/${ext[number]}/callerids${query}`;
    const list = async (number: string, query = '', who = 'manager'): Promise<List> => {
      const response = await call(who, { method: 'GET', url: listUrl(number, query) });
      expect(response.statusCode, response.body).toBe(200);
      return response.json<List>();
    };
    const add = async (number: string, payload: Record<string, unknown>, who = 'manager'): Promise<Item> => {
      const response = await call(who, { method: 'POST', url: listUrl(number), payload });
      expect(response.statusCode, response.body).toBe(201);
      return response.json<Item>();
    };
    const idOf = async (callerId: string, number = '001100'): Promise<number> =>
      (await store.db.selectFrom('authorizedCallerids').select('id').where('extensionId', '=', ext[number]!).where('callerId', '=', callerId).executeTakeFirstOrThrow()).id;
    const history = async (id: number): Promise<HistoryRow[]> => {
      const response = await call('manager', { method: 'GET', url: `/api/v1/callerids/${id}/credit/history` });
      expect(response.statusCode, response.body).toBe(200);
      return response.json<HistoryRow[]>();
    };
    const setLimit = (max: number) =>
      store.db.updateTable('callbackSettings').set({ maxAuthorizedCallerids: max }).where('extensionId', '=', ext['001100']!).execute();

    describe('the list', () => {
      it("shows the demo's two CallerIDs with their credit, the licence and no passwords", async () => {
        const response = await call('travel', { method: 'GET', url: listUrl('001100') });
        expect(response.statusCode).toBe(200);
        expect(response.body).not.toContain('4711');
        expect(response.body).not.toContain('"password"');
        const body = response.json<List>();
        expect(body).toMatchObject({ total: 2, activeCount: 2, licenceLimit: 10 });
        expect(body.items).toEqual([
          {
            id: expect.any(Number) as unknown,
            extensionId: ext['001100'],
            callerId: MARY,
            description: 'Mary mobile',
            status: 'active',
            credit: { unlimited: false, amount: '20.00', amountMicros: 20_000_000 },
            hasPassword: true,
            addedOn: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
          },
          {
            id: expect.any(Number) as unknown,
            extensionId: ext['001100'],
            callerId: OTHER,
            description: '',
            status: 'active',
            credit: { unlimited: true, amount: null, amountMicros: null },
            hasPassword: false,
            addedOn: expect.any(String) as unknown,
          },
        ]);
      });

      it('searches the number and the description, without regard to case', async () => {
        expect((await list('001100', '?search=MARY')).items.map((i) => i.callerId)).toEqual([MARY]);
        expect((await list('001100', '?search=9876')).items.map((i) => i.callerId)).toEqual([OTHER]);
        // Typed the way people write numbers.
        expect((await list('001100', `?search=${encodeURIComponent('412 345')}`)).items.map((i) => i.callerId)).toEqual([MARY]);
        const none = await list('001100', '?search=nobody');
        expect(none).toMatchObject({ total: 0, activeCount: 2, items: [] });
      });

      it('sorts by every column, both ways, and pages', async () => {
        const g = '002100';
        // Added in this order; each with a distinct description, status and credit.
        await add(g, { callerId: '030 1234567', description: 'zeta', credit: '5.00' }, 'globex');
        await add(g, { callerId: '+4915112345678', description: 'Älpha', status: 'inactive' }, 'globex');
        await add(g, { callerId: '089 1234567', description: 'beta', credit: '0.50' }, 'globex');
        await add(g, { callerId: '+442071838750', description: 'Gamma', credit: '12' }, 'globex');
        const order = async (query: string) => (await list(g, query, 'globex')).items.map((i) => i.description);

        expect(await order('')).toEqual(['zeta', 'Älpha', 'beta', 'Gamma']);
        expect(await order('?sort=addedOn&order=desc')).toEqual(['Gamma', 'beta', 'Älpha', 'zeta']);
        expect(await order('?sort=description')).toEqual(['Älpha', 'beta', 'Gamma', 'zeta']);
        expect(await order('?sort=description&order=desc')).toEqual(['zeta', 'Gamma', 'beta', 'Älpha']);
        // +4930..., +4989..., +49151..., +44...: as text.
        expect(await order('?sort=callerId')).toEqual(['Gamma', 'Älpha', 'zeta', 'beta']);
        expect(await order('?sort=credit')).toEqual(['beta', 'zeta', 'Gamma', 'Älpha']);
        expect(await order('?sort=credit&order=desc')).toEqual(['Älpha', 'Gamma', 'zeta', 'beta']);
        expect(await order('?sort=status')).toEqual(['zeta', 'beta', 'Gamma', 'Älpha']);
        expect(await order('?sort=status&order=desc')).toEqual(['Älpha', 'zeta', 'beta', 'Gamma']);
        expect(await order('?search=%C3%A4LPHA')).toEqual(['Älpha']);

        const page = await list(g, '?sort=description&limit=2&offset=1', 'globex');
        expect(page).toMatchObject({ total: 4, activeCount: 3, licenceLimit: 20 });
        expect(page.items.map((i) => i.description)).toEqual(['beta', 'Gamma']);
        expect((await list(g, '?limit=2&offset=4', 'globex')).items).toEqual([]);
      });

      it.each([
        ['limit=0', 'limit'],
        ['limit=201', 'limit'],
        ['offset=-1', 'offset'],
        ['sort=password', 'sort'],
        ['order=up', 'order'],
        ['colour=red', 'colour'],
      ])('refuses ?%s naming the field', async (query, field) => {
        const response = await call('manager', { method: 'GET', url: listUrl('001100', `?${query}`) });
        expect(response.statusCode).toBe(400);
        expect(response.json()).toMatchObject({ error: 'bad_request', field });
      });

      it('has no CallerIDs on a phone extension: 409 that says why', async () => {
        for (const request of [
          { method: 'GET', url: listUrl('001002') },
          { method: 'POST', url: listUrl('001002'), payload: { callerId: MARY } },
          { method: 'GET', url: `${listUrl('001002')}/export.csv` },
        ] as const) {
          const response = await call('admin', request);
          expect(response.statusCode).toBe(409);
          expect(response.json()).toEqual({ error: 'conflict', message: 'extension 001002 is a phone extension; only callback extensions have authorized CallerIDs' });
        }
      });
    });

    describe('adding, editing, removing', () => {
      it('adds a national number in E.164 of the organization, Unlimited by default, and audits it', async () => {
        const item = await add('001100', { callerId: '0412 000 001', description: 'Fred' });
        expect(item).toMatchObject({ callerId: '+61412000001', description: 'Fred', status: 'active', hasPassword: false, credit: { unlimited: true } });
        const audit = await store.db.selectFrom('auditLog').selectAll().where('entity', '=', 'authorized callerid').where('entityId', '=', String(item.id)).execute();
        expect(audit).toEqual([expect.objectContaining({ action: 'create', actor: email.manager })]);
        expect((await history(item.id)).length).toBe(0);

        const withCredit = await add('001100', { callerId: '+61412000002', password: '123456', credit: '7.5', status: 'inactive' });
        expect(withCredit).toMatchObject({ status: 'inactive', hasPassword: true, credit: { unlimited: false, amount: '7.50', amountMicros: 7_500_000 } });
        expect(await history(withCredit.id)).toEqual([expect.objectContaining({ amountAdded: '7.50', creditLeftAfter: '7.50', by: email.manager })]);
        // The organization's country decides: the same digits in Globex are German.
        expect((await add('002100', { callerId: '0221 1234567' }, 'globex')).callerId).toBe('+492211234567');
      });

      it.each([
        [{ callerId: 'call me' }, 'callerId', /^callerId: that number cannot be used: letters/],
        [{ callerId: '12' }, 'callerId', /^callerId: that number cannot be used/],
        [{ description: 'no number' }, 'callerId', /^callerId is required$/],
        [{ callerId: '+61412000003', password: '12' }, 'password', /4 to 16 digits/],
        [{ callerId: '+61412000003', password: 1234 }, 'password', /must be a string or null/],
        [{ callerId: '+61412000003', credit: '-1.00' }, 'credit', /cannot be negative/],
        [{ callerId: '+61412000003', credit: 'lots' }, 'credit', /not a valid amount/],
        [{ callerId: '+61412000003', credit: 5 }, 'credit', /must be a string/],
        [{ callerId: '+61412000003', status: 'on' }, 'status', /must be one of "active", "inactive"/],
        [{ callerId: '+61412000003', pin: '1' }, 'pin', /not a field/],
        [{ callerId: '+61412000003', description: 'two\nlines' }, 'description', /plain text/],
      ])('refuses %j with 400 naming %s', async (payload, field, message) => {
        const response = await call('manager', { method: 'POST', url: listUrl('001100'), payload });
        expect(response.statusCode, response.body).toBe(400);
        expect(response.json()).toEqual({ error: 'bad_request', field, message: expect.stringMatching(message) as unknown });
      });

      it('refuses a CallerID the extension has already (409), however it is written', async () => {
        for (const callerId of [MARY, '0412 345 678']) {
          const response = await call('manager', { method: 'POST', url: listUrl('001100'), payload: { callerId } });
          expect(response.statusCode).toBe(409);
          expect(response.json()).toEqual({ error: 'conflict', field: 'callerId', message: `CallerID ${MARY} is already authorized on extension 001100` });
        }
        const fred = await idOf('+61412000001');
        const response = await call('manager', { method: 'PATCH', url: `/api/v1/callerids/${fred}`, payload: { callerId: MARY } });
        expect(response.statusCode).toBe(409);
        expect(response.json()).toMatchObject({ field: 'callerId' });
        // Another extension may have the same number.
        expect((await add('002100', { callerId: MARY }, 'globex')).callerId).toBe(MARY);
      });

      it('edits the number, description, password and status', async () => {
        const id = await idOf('+61412000002');
        const patch = (payload: Record<string, unknown>) => call('travel', { method: 'PATCH', url: `/api/v1/callerids/${id}`, payload });

        let response = await patch({ description: 'Fred’s office', callerId: '(04) 1200 0012' });
        expect(response.statusCode, response.body).toBe(200);
        expect(response.json()).toMatchObject({ id, callerId: '+61412000012', description: 'Fred’s office', hasPassword: true, status: 'inactive' });
        response = await patch({ password: null });
        expect(response.json()).toMatchObject({ hasPassword: false });
        response = await patch({ password: '98765' });
        expect(response.json()).toMatchObject({ hasPassword: true });
        const row = await store.db.selectFrom('authorizedCallerids').select(['password']).where('id', '=', id).executeTakeFirstOrThrow();
        expect(row.password).toBe('98765');
        response = await patch({ status: 'active' });
        expect(response.json()).toMatchObject({ status: 'active' });

        expect((await patch({})).json()).toMatchObject({ error: 'bad_request', field: 'body' });
        expect((await patch({ callerId: 'x' })).json()).toMatchObject({ error: 'bad_request', field: 'callerId' });
        expect((await patch({ credit: '5' })).json()).toMatchObject({ error: 'bad_request', field: 'credit' });

        const audit = await store.db.selectFrom('auditLog').select(['action', 'actor', 'details']).where('entity', '=', 'authorized callerid').where('entityId', '=', String(id)).orderBy('id').execute();
        expect(audit.map((a) => a.action)).toEqual(['create', 'update', 'update', 'update', 'activate']);
        expect(new Set(audit.slice(1).map((a) => a.actor))).toEqual(new Set([email.travel]));
        // The audit log says a password changed, never what it is.
        expect(audit.map((a) => a.details).join()).not.toContain('98765');
      });

      it('activates and deactivates', async () => {
        const id = await idOf('+61412000012');
        let response = await call('manager', { method: 'POST', url: `/api/v1/callerids/${id}/deactivate` });
        expect(response.statusCode).toBe(200);
        expect(response.json()).toMatchObject({ status: 'inactive' });
        // Again: nothing changes, nothing is recorded.
        response = await call('manager', { method: 'POST', url: `/api/v1/callerids/${id}/deactivate` });
        expect(response.json()).toMatchObject({ status: 'inactive' });
        response = await call('manager', { method: 'POST', url: `/api/v1/callerids/${id}/activate` });
        expect(response.json()).toMatchObject({ status: 'active' });
        const actions = await store.db.selectFrom('auditLog').select('action').where('entityId', '=', String(id)).where('entity', '=', 'authorized callerid').orderBy('id').execute();
        expect(actions.map((a) => a.action).slice(-2)).toEqual(['deactivate', 'activate']);
      });

      it('removes one; its ledger stays', async () => {
        const item = await add('001100', { callerId: '+61412000099', credit: '3.00' });
        const before = await list('001100');
        const response = await call('manager', { method: 'DELETE', url: `/api/v1/callerids/${item.id}` });
        expect(response.statusCode).toBe(204);
        expect(response.body).toBe('');
        expect((await call('manager', { method: 'GET', url: `/api/v1/callerids/${item.id}` })).statusCode).toBe(404);
        expect((await call('manager', { method: 'DELETE', url: `/api/v1/callerids/${item.id}` })).statusCode).toBe(404);
        const after = await list('001100');
        expect(after.total).toBe(before.total - 1);
        expect(after.activeCount).toBe(before.activeCount - 1);
        const audit = await store.db.selectFrom('auditLog').select(['action', 'actor']).where('entity', '=', 'authorized callerid').where('entityId', '=', String(item.id)).orderBy('id').execute();
        expect(audit).toEqual([
          { action: 'create', actor: email.manager },
          { action: 'delete', actor: email.manager },
        ]);
        const entries = await store.db.selectFrom('ledgerEntries').select('amountMicros').where('actor', '=', email.manager!).where('amountMicros', '=', 3_000_000).execute();
        expect(entries.length).toBeGreaterThanOrEqual(1);
      });
    });

    describe('the licence', () => {
      it('refuses an active CallerID at the limit, says why, and takes an inactive one', async () => {
        const { activeCount } = await list('001100');
        await setLimit(activeCount);
        try {
          const message = `the licence allows ${activeCount} active authorized CallerIDs and ${activeCount} are active; deactivate one first`;
          let response = await call('manager', { method: 'POST', url: listUrl('001100'), payload: { callerId: '+61412000050' } });
          expect(response.statusCode).toBe(409);
          expect(response.json()).toEqual({ error: 'conflict', message });

          const inactive = await add('001100', { callerId: '+61412000050', status: 'inactive' });
          response = await call('manager', { method: 'POST', url: `/api/v1/callerids/${inactive.id}/activate` });
          expect(response.statusCode).toBe(409);
          expect(response.json()).toEqual({ error: 'conflict', message });
          response = await call('manager', { method: 'PATCH', url: `/api/v1/callerids/${inactive.id}`, payload: { status: 'active', description: 'x' } });
          expect(response.statusCode).toBe(409);
          // Refused as a whole: the description did not change either.
          expect((await call('manager', { method: 'GET', url: `/api/v1/callerids/${inactive.id}` })).json()).toMatchObject({ description: '', status: 'inactive' });

          // Deactivating one makes room.
          const fred = await idOf('+61412000001');
          expect((await call('manager', { method: 'POST', url: `/api/v1/callerids/${fred}/deactivate` })).statusCode).toBe(200);
          response = await call('manager', { method: 'POST', url: `/api/v1/callerids/${inactive.id}/activate` });
          expect(response.statusCode).toBe(200);
          expect((await list('001100')).activeCount).toBe(activeCount);

          // The organization's licence counts when it is lower.
          await store.db.updateTable('accounts').set({ maxAuthorizedCallerids: 1 }).where('id', '=', acmeId).execute();
          expect((await list('001100')).licenceLimit).toBe(1);
          response = await call('manager', { method: 'POST', url: `/api/v1/callerids/${fred}/activate` });
          expect(response.statusCode).toBe(409);
          expect(response.json<{ message: string }>().message).toBe(
            `the licence allows 1 active authorized CallerID and ${activeCount} are active; deactivate ${activeCount} first`,
          );
        } finally {
          await setLimit(10);
          await store.db.updateTable('accounts').set({ maxAuthorizedCallerids: null }).where('id', '=', acmeId).execute();
        }
      });

      it('lets only one of two racing requests take the last place', async () => {
        const { activeCount } = await list('001100');
        await setLimit(activeCount + 1);
        try {
          const responses = await Promise.all(
            ['+61412000061', '+61412000062'].map((callerId) => call('manager', { method: 'POST', url: listUrl('001100'), payload: { callerId } })),
          );
          expect(responses.map((r) => r.statusCode).sort()).toEqual([201, 409]);
          expect((await list('001100')).activeCount).toBe(activeCount + 1);
        } finally {
          await setLimit(10);
        }
      });
    });

    describe('credit', () => {
      it('adds and removes credit through the ledger, refusing to go below 0', async () => {
        const id = await idOf(MARY);
        const recharge = (payload: Record<string, unknown>) => call('travel', { method: 'POST', url: `/api/v1/callerids/${id}/credit`, payload });
        let response = await recharge({ amount: '5.00', note: 'top-up' });
        expect(response.statusCode, response.body).toBe(200);
        expect(response.json()).toMatchObject({ credit: { unlimited: false, amount: '25.00', amountMicros: 25_000_000 } });
        response = await recharge({ amount: '-2.50' });
        expect(response.json()).toMatchObject({ credit: { unlimited: false, amount: '22.50' } });

        response = await recharge({ amount: '-100' });
        expect(response.statusCode).toBe(409);
        expect(response.json()).toEqual({ error: 'conflict', field: 'amount', message: 'cannot remove 100.00: at most 22.50 can be removed' });
        for (const [amount, message] of [
          ['0', /must not be 0/],
          ['1,000', /thousands separators/],
          ['abc', /not a valid amount/],
        ] as const) {
          response = await recharge({ amount });
          expect(response.statusCode).toBe(400);
          expect(response.json()).toMatchObject({ error: 'bad_request', field: 'amount', message: expect.stringMatching(message) as unknown });
        }
        expect((await recharge({ amount: 5 })).json()).toMatchObject({ field: 'amount' });
        expect((await recharge({})).json()).toMatchObject({ field: 'amount' });

        // Newest first; the opening credit came from provisioning.
        expect(await history(id)).toEqual([
          { at: expect.any(String) as unknown, amountAdded: '-2.50', amountAddedMicros: -2_500_000, creditLeftAfter: '22.50', creditLeftAfterMicros: 22_500_000, by: email.travel, note: null },
          { at: expect.any(String) as unknown, amountAdded: '5.00', amountAddedMicros: 5_000_000, creditLeftAfter: '25.00', creditLeftAfterMicros: 25_000_000, by: email.travel, note: 'top-up' },
          { at: expect.any(String) as unknown, amountAdded: '20.00', amountAddedMicros: 20_000_000, creditLeftAfter: '20.00', creditLeftAfterMicros: 20_000_000, by: 'provisioning', note: null },
        ]);
        const at = (await history(id)).map((h) => h.at);
        expect([...at].sort().reverse()).toEqual(at);
        const audit = await store.db.selectFrom('auditLog').select(['action', 'actor']).where('entity', '=', 'authorized callerid').where('entityId', '=', String(id)).execute();
        expect(audit).toEqual([
          { action: 'recharge', actor: email.travel },
          { action: 'recharge', actor: email.travel },
        ]);
      });

      it('SPEC §4: a negative amount on Unlimited leaves 0, and the history shows the amount added and 0 left', async () => {
        const id = await idOf(OTHER);
        let response = await call('manager', { method: 'POST', url: `/api/v1/callerids/${id}/credit`, payload: { amount: '3.00' } });
        expect(response.json()).toMatchObject({ credit: { unlimited: true, amount: null, amountMicros: null } });
        response = await call('manager', { method: 'POST', url: `/api/v1/callerids/${id}/credit`, payload: { amount: '-2.50', note: 'cap it' } });
        expect(response.statusCode).toBe(200);
        expect(response.json()).toMatchObject({ credit: { unlimited: false, amount: '0.00', amountMicros: 0 } });

        let rows = await history(id);
        expect(rows).toEqual([
          expect.objectContaining({ amountAdded: '-2.50', creditLeftAfter: '0.00', creditLeftAfterMicros: 0, by: email.manager, note: 'cap it; Unlimited ended: credit set to 0' }),
          expect.objectContaining({ amountAdded: '3.00', creditLeftAfter: 'unlimited', creditLeftAfterMicros: null }),
        ]);

        response = await call('manager', { method: 'PUT', url: `/api/v1/callerids/${id}/credit/unlimited` });
        expect(response.statusCode).toBe(200);
        expect(response.json()).toMatchObject({ credit: { unlimited: true } });
        // Already Unlimited: nothing more is recorded.
        response = await call('manager', { method: 'PUT', url: `/api/v1/callerids/${id}/credit/unlimited` });
        expect(response.statusCode).toBe(200);
        rows = await history(id);
        expect(rows.length).toBe(3);
        expect(rows[0]).toMatchObject({ amountAdded: '0.00', creditLeftAfter: 'unlimited', by: email.manager, note: 'Unlimited started' });
      });
    });

    describe('export', () => {
      const g = '002100';
      const tricky = [
        { callerId: '+4930555000001', description: '=HYPERLINK("http://evil.example","click")' },
        { callerId: '+4930555000002', description: '@SUM(A1:A2)' },
        { callerId: '+4930555000003', description: '-5 days, then "call"' },
        { callerId: '+4930555000004', description: 'Müller, Jürgen' },
        { callerId: '+4930555000005', description: '+1 more' },
      ];

      it('guards CSV fields against formula injection and quotes them when needed', () => {
        expect(csvField('=1+1')).toBe("'=1+1");
        expect(csvField('+61412345678')).toBe('+61412345678');
        expect(csvField('-2.50')).toBe('-2.50');
        expect(csvField('-x')).toBe("'-x");
        expect(csvField('@x')).toBe("'@x");
        expect(csvField('\t=x')).toBe("'\t=x");
        expect(csvField('a,b')).toBe('"a,b"');
        expect(csvField('say "hi"')).toBe('"say ""hi"""');
        expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
        expect(csvField('plain')).toBe('plain');
      });

      it('exports CSV: RFC 4180, UTF-8, a header row, every matching row in order', async () => {
        for (const t of tricky) await add(g, t, 'globex');
        const response = await call('globex', { method: 'GET', url: `${listUrl(g)}/export.csv?sort=callerId` });
        expect(response.statusCode).toBe(200);
        expect(response.headers['content-type']).toBe('text/csv; charset=utf-8; header=present');
        expect(response.headers['content-disposition']).toBe('attachment; filename="authorized-callerids-002100.csv"');
        const text = response.rawPayload.toString('utf8');
        expect(text.endsWith('\r\n')).toBe(true);
        const lines = text.split('\r\n').slice(0, -1);
        expect(lines[0]).toBe('CallerID,Description,Status,Credit,Added on');

        const all = await list(g, '?sort=callerId&limit=200', 'globex');
        expect(lines.length).toBe(1 + all.total);
        const expected = all.items.map((i) =>
          [i.callerId, i.description, i.status, i.credit.unlimited ? 'Unlimited' : i.credit.amount!, i.addedOn].map(csvField).join(','),
        );
        expect(lines.slice(1)).toEqual(expected);
        expect(text).toContain(`+4930555000001,"'=HYPERLINK(""http://evil.example"",""click"")",active,Unlimited,`);
        expect(text).toContain("+4930555000002,'@SUM(A1:A2),active,");
        expect(text).toContain(`+4930555000003,"'-5 days, then ""call""",active,`);
        expect(text).toContain('+4930555000004,"Müller, Jürgen",active,');
        expect(text).toContain("+4930555000005,'+1 more,active,");
        expect(text).toMatch(/\r\n\+4930\d+,zeta,active,5\.00,\d{4}-/);

        // The same search as the list.
        const searched = await call('globex', { method: 'GET', url: `${listUrl(g)}/export.csv?search=m%C3%BCller` });
        expect(searched.body.split('\r\n').slice(1, -1)).toEqual([expect.stringMatching(/^\+4930555000004,"Müller, Jürgen",/)]);
      });

      it('exports Excel (.xlsx) that reads back as the same rows', async () => {
        const response = await call('globex', { method: 'GET', url: `${listUrl(g)}/export.xlsx?sort=credit&order=desc` });
        expect(response.statusCode).toBe(200);
        expect(response.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
        expect(response.headers['content-disposition']).toBe('attachment; filename="authorized-callerids-002100.xlsx"');

        const workbook = new ExcelJS.Workbook();
        await workbook.xlsx.load(response.rawPayload as unknown as ExcelJS.Buffer);
        const sheet = workbook.worksheets[0]!;
        const rows: unknown[][] = [];
        sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));

        const all = await list(g, '?sort=credit&order=desc&limit=200', 'globex');
        expect(rows[0]).toEqual(['CallerID', 'Description', 'Status', 'Credit', 'Added on']);
        expect(rows.slice(1)).toEqual(
          all.items.map((i) => [i.callerId, i.description, i.status, i.credit.unlimited ? 'Unlimited' : Number(i.credit.amount), new Date(i.addedOn)]),
        );
        expect(rows.length).toBe(1 + all.total);
        // Text stays text: the formula-looking description is a string cell, not a formula.
        const cell = sheet.getRow(rows.findIndex((r) => String(r[1]).startsWith('=HYPERLINK')) + 1).getCell(2);
        expect(cell.type).toBe(ExcelJS.ValueType.String);
      });
    });

    describe('who sees what', () => {
      it('answers 404 for CallerIDs of extensions the token may not manage', async () => {
        const mary = await idOf(MARY);
        for (const who of ['john', 'globex', 'reseller']) {
          for (const request of [
            { method: 'GET', url: listUrl('001100') },
            { method: 'POST', url: listUrl('001100'), payload: { callerId: '+61412000077' } },
            { method: 'GET', url: `${listUrl('001100')}/export.csv` },
            { method: 'GET', url: `${listUrl('001100')}/export.xlsx` },
            { method: 'GET', url: `/api/v1/callerids/${mary}` },
            { method: 'PATCH', url: `/api/v1/callerids/${mary}`, payload: { description: 'mine' } },
            { method: 'DELETE', url: `/api/v1/callerids/${mary}` },
            { method: 'POST', url: `/api/v1/callerids/${mary}/deactivate` },
            { method: 'POST', url: `/api/v1/callerids/${mary}/credit`, payload: { amount: '1.00' } },
            { method: 'PUT', url: `/api/v1/callerids/${mary}/credit/unlimited` },
            { method: 'GET', url: `/api/v1/callerids/${mary}/credit/history` },
          ] as const) {
            const response = await call(who, request);
            expect(response.statusCode, `${who} ${request.method} ${request.url}`).toBe(404);
            expect(response.json()).toMatchObject({ error: 'not_found' });
          }
        }
        // Nothing changed.
        expect((await call('admin', { method: 'GET', url: `/api/v1/callerids/${mary}` })).json()).toMatchObject({ description: 'Mary mobile', status: 'active' });
        // A missing one looks the same.
        expect((await call('admin', { method: 'GET', url: '/api/v1/callerids/999999' })).json()).toEqual({ error: 'not_found', message: 'no such authorized CallerID' });
      });

      it('lets the owner, the organization manager, the reseller above and the admin in', async () => {
        for (const who of ['travel', 'manager', 'admin']) expect((await call(who, { method: 'GET', url: listUrl('001100') })).statusCode).toBe(200);
        for (const who of ['globex', 'reseller', 'admin']) expect((await call(who, { method: 'GET', url: listUrl('002100') })).statusCode).toBe(200);
      });

      it('needs a token', async () => {
        const response = await call(null, { method: 'GET', url: listUrl('001100') });
        expect(response.statusCode).toBe(401);
        expect(response.headers['www-authenticate']).toMatch(/^Bearer\b/);
      });
    });

    it('describes every route in OpenAPI with bearerAuth', async () => {
      const response = await app.inject({ method: 'GET', url: '/api/openapi.json' });
      type Operation = { security?: unknown; responses: Record<string, { content?: Record<string, unknown> }>; parameters?: { name: string; in: string }[] };
      const document = response.json<{ paths: Record<string, Record<string, Operation>> }>();
      const routes: [string, string, string[]][] = [
        ['get', '/api/v1/extensions/{extensionId}/callerids', ['200', '400', '401', '404', '409']],
        ['post', '/api/v1/extensions/{extensionId}/callerids', ['201', '400', '401', '404', '409']],
        ['get', '/api/v1/extensions/{extensionId}/callerids/export.csv', ['200', '404']],
        ['get', '/api/v1/extensions/{extensionId}/callerids/export.xlsx', ['200', '404']],
        ['get', '/api/v1/callerids/{id}', ['200', '404']],
        ['patch', '/api/v1/callerids/{id}', ['200', '400', '404', '409']],
        ['delete', '/api/v1/callerids/{id}', ['204', '404']],
        ['post', '/api/v1/callerids/{id}/activate', ['200', '404', '409']],
        ['post', '/api/v1/callerids/{id}/deactivate', ['200', '404']],
        ['post', '/api/v1/callerids/{id}/credit', ['200', '400', '404', '409']],
        ['put', '/api/v1/callerids/{id}/credit/unlimited', ['200', '404']],
        ['get', '/api/v1/callerids/{id}/credit/history', ['200', '404']],
      ];
      for (const [method, path, statuses] of routes) {
        const operation = document.paths[path]?.[method];
        expect(operation, `${method} ${path}`).toBeDefined();
        expect(operation!.security).toEqual([{ bearerAuth: [] }, { sessionCookie: [] }]);
        expect(Object.keys(operation!.responses)).toEqual(expect.arrayContaining(statuses));
      }
      expect(Object.keys(document.paths['/api/v1/extensions/{extensionId}/callerids/export.csv']!.get!.responses['200']!.content!)).toEqual(['text/csv']);
      expect(Object.keys(document.paths['/api/v1/extensions/{extensionId}/callerids/export.xlsx']!.get!.responses['200']!.content!)).toEqual([
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      ]);
      expect(document.paths['/api/v1/extensions/{extensionId}/callerids']!.get!.parameters!.map((p) => p.name)).toEqual(
        expect.arrayContaining(['search', 'sort', 'order', 'limit', 'offset', 'extensionId']),
      );
    });
  });
}
