import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateTable, callCost } from '../../src/domain/rating.js';
import { buildHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { createAccount } from '../../src/store/accounts.js';
import { organizationCallSetup } from '../../src/store/call-setup.js';
import type { Store } from '../../src/store/db.js';
import { DEMO_YAML, addApiUser, directory, provision } from '../helpers/api.js';
import { testDatabases } from '../helpers/stores.js';

interface Rate {
  id: number;
  prefix: string;
  name: string;
  flat: string | null;
  perMinute: string;
  connectFee: string;
  increments: string;
}
interface Tariff {
  id: number;
  accountId: number;
  name: string;
  rateCount: number;
  editable: boolean;
  usedBy: number;
}
interface Refused {
  error: string;
  message: string;
  field: string;
  problems: { line: number; field?: string; message: string }[];
}

for (const database of testDatabases) {
  describe(`REST API: tariffs and rates on ${database.name}`, () => {
    let store: Store;
    let app: Awaited<ReturnType<typeof buildHttpServer>>;
    const token: Record<string, string> = {};
    let ids: Awaited<ReturnType<typeof directory>>;
    let standard: number;
    let resellerId: number;

    beforeAll(async () => {
      store = await database.open();
      await provision(store, DEMO_YAML);
      ids = await directory(store);
      resellerId = (await createAccount(store.db, { kind: 'reseller', name: 'Resell Co', parentId: ids.providerId })).id;
      standard = (await store.db.selectFrom('tariffs').select('id').where('name', '=', 'standard').executeTakeFirstOrThrow()).id;
      token.admin = await addApiUser(store, { email: 'admin@example.com', role: 'admin', accountId: ids.providerId });
      token.reseller = await addApiUser(store, { email: 'sales@resell.example', role: 'reseller', accountId: resellerId });
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
    const rates = async (tariffId: number, query = '') => (await call('admin', { method: 'GET', url: `/api/v1/tariffs/${tariffId}/rates${query}` })).json<{ total: number; items: Rate[] }>();
    const importCsv = (who: string, tariffId: number, csv: string, mode?: string) =>
      call(who, { method: 'POST', url: `/api/v1/tariffs/${tariffId}/rates/import${mode ? `?mode=${mode}` : ''}`, payload: csv, headers: { 'content-type': 'text/csv; charset=utf-8' } });

    it('lists tariffs by role: the provider\'s are read only below it', async () => {
      const admin = (await call('admin', { method: 'GET', url: '/api/v1/tariffs' })).json<{ items: Tariff[] }>().items;
      expect(admin).toEqual([expect.objectContaining({ id: standard, name: 'standard', rateCount: 3, editable: true, usedBy: 1 })]);
      const reseller = (await call('reseller', { method: 'GET', url: '/api/v1/tariffs' })).json<{ items: Tariff[] }>().items;
      expect(reseller).toEqual([expect.objectContaining({ id: standard, editable: false })]);
      expect((await call('owner', { method: 'GET', url: '/api/v1/tariffs' })).json<{ items: Tariff[] }>().items).toEqual([]);
      expect((await call('owner', { method: 'GET', url: `/api/v1/tariffs/${standard}/rates` })).statusCode).toBe(404);
      expect((await call('reseller', { method: 'GET', url: `/api/v1/tariffs/${standard}/rates` })).statusCode).toBe(200);
      const change = await call('reseller', { method: 'POST', url: `/api/v1/tariffs/${standard}/rates`, payload: { prefix: '61', name: 'AU', perMinute: '0.10' } });
      expect(change.statusCode).toBe(403);
      expect((await call('manager', { method: 'POST', url: '/api/v1/tariffs', payload: { name: 'Mine' } })).statusCode).toBe(403);
    });

    it('lets a reseller keep tariffs of its own, hidden from others', async () => {
      const created = await call('reseller', { method: 'POST', url: '/api/v1/tariffs', payload: { name: 'Retail' } });
      expect(created.statusCode).toBe(201);
      expect(created.json<Tariff>()).toMatchObject({ accountId: resellerId, name: 'Retail', rateCount: 0, editable: true });
      expect((await call('reseller', { method: 'POST', url: '/api/v1/tariffs', payload: { name: 'Retail' } })).statusCode).toBe(409);
      const id = created.json<Tariff>().id;
      expect((await call('manager', { method: 'GET', url: `/api/v1/tariffs/${id}` })).statusCode).toBe(404);
      expect((await call('reseller', { method: 'PATCH', url: `/api/v1/tariffs/${id}`, payload: { name: 'Retail 2026' } })).json<Tariff>().name).toBe('Retail 2026');
      expect((await call('reseller', { method: 'DELETE', url: `/api/v1/tariffs/${id}` })).statusCode).toBe(204);
      const inUse = await call('admin', { method: 'DELETE', url: `/api/v1/tariffs/${standard}` });
      expect(inUse.statusCode).toBe(409);
      expect(inUse.json<{ message: string }>().message).toMatch(/Acme/);
    });

    it('adds, changes and removes rates, refusing bad ones with the field named', async () => {
      const tariff = (await call('admin', { method: 'POST', url: '/api/v1/tariffs', payload: { name: 'Edits' } })).json<Tariff>();
      const url = `/api/v1/tariffs/${tariff.id}/rates`;
      const bad: [Record<string, unknown>, string][] = [
        [{ prefix: '61a', name: 'x', perMinute: '1' }, 'prefix'],
        [{ prefix: '1'.repeat(21), name: 'x', perMinute: '1' }, 'prefix'],
        [{ prefix: '61', name: '   ', perMinute: '1' }, 'name'],
        [{ prefix: '61', name: 'x' }, 'perMinute'],
        [{ prefix: '61', name: 'x', perMinute: '0.1234567' }, 'perMinute'],
        [{ prefix: '61', name: 'x', perMinute: '-1' }, 'perMinute'],
        [{ prefix: '61', name: 'x', perMinute: 0.1 }, 'perMinute'],
        [{ prefix: '61', name: 'x', perMinute: '1', increments: '30' }, 'increments'],
        [{ prefix: '61', name: 'x', perMinute: '1', increments: '0/6' }, 'increments'],
        [{ prefix: '61', name: 'x', flat: '0.12', perMinute: '1' }, 'flat'],
        [{ prefix: '61', name: 'x', flat: '1e3' }, 'flat'],
        [{ prefix: '61', name: 'x', perMinute: '1', extra: 1 }, 'extra'],
      ];
      for (const [payload, field] of bad) {
        const response = await call('admin', { method: 'POST', url, payload });
        expect({ payload, status: response.statusCode, field: response.json<{ field?: string }>().field }).toEqual({ payload, status: 400, field });
      }
      expect((await rates(tariff.id)).total).toBe(0);

      const mobile = await call('admin', { method: 'POST', url, payload: { prefix: '+614', name: 'AU mobile', perMinute: '0.30', connectFee: '0.05', increments: '30/6' } });
      expect(mobile.statusCode).toBe(201);
      expect(mobile.json<Rate>()).toMatchObject({ prefix: '614', flat: null, perMinute: '0.30', connectFee: '0.05', increments: '30/6' });
      expect((await call('admin', { method: 'POST', url, payload: { prefix: '614', name: 'again', perMinute: '1' } })).json()).toMatchObject({ error: 'conflict', field: 'prefix' });
      const id = mobile.json<Rate>().id;
      const flat = await call('admin', { method: 'PUT', url: `${url}/${id}`, payload: { prefix: '614', name: 'AU mobile flat', flat: '0.50' } });
      expect(flat.json<Rate>()).toMatchObject({ flat: '0.50', perMinute: '0.00', connectFee: '0.00', increments: '60/60' });
      expect((await call('admin', { method: 'PUT', url: `${url}/999999`, payload: { prefix: '1', name: 'x', perMinute: '1' } })).statusCode).toBe(404);
      expect((await call('admin', { method: 'DELETE', url: `${url}/${id}` })).statusCode).toBe(204);
      expect((await rates(tariff.id)).total).toBe(0);
      const audited = await store.db.selectFrom('auditLog').select('action').where('entity', '=', 'rate').where('entityId', '=', String(id)).orderBy('id').execute();
      expect(audited.map((a) => a.action)).toEqual(['create', 'update', 'delete']);
    });

    it('searches, sorts and pages rates', async () => {
      const tariff = (await call('admin', { method: 'POST', url: '/api/v1/tariffs', payload: { name: 'Many' } })).json<Tariff>();
      const lines = Array.from({ length: 30 }, (_, i) => `${4900 + i},Germany ${i},0,${(i % 7) / 10},,60/60`);
      expect((await importCsv('admin', tariff.id, `Prefix,Name,Connect fee,Per minute,Flat,Increments\n${lines.join('\n')}\n`)).statusCode).toBe(200);
      const page = await rates(tariff.id, '?limit=10&offset=10');
      expect(page.total).toBe(30);
      expect(page.items.map((r) => r.prefix)).toEqual(Array.from({ length: 10 }, (_, i) => String(4910 + i)));
      expect((await rates(tariff.id, '?search=4912')).items.map((r) => r.prefix)).toEqual(['4912']);
      expect((await rates(tariff.id, '?search=germany%202')).items.map((r) => r.name)).toEqual(['Germany 2', ...Array.from({ length: 10 }, (_, i) => `Germany ${20 + i}`)].sort());
      const byPrice = (await rates(tariff.id, '?sort=perMinute&order=desc&limit=3')).items;
      expect(byPrice.map((r) => r.perMinute)).toEqual(['0.60', '0.60', '0.60']);
      expect((await call('admin', { method: 'GET', url: `/api/v1/tariffs/${tariff.id}/rates?sort=colour` })).json()).toMatchObject({ field: 'sort' });
    });

    it('refuses a CSV with bad lines as a whole, naming each line, and writes nothing', async () => {
      const before = (await rates(standard)).items;
      const csv = [
        'Prefix,Name,Connect fee,Per minute,Flat,Increments',
        '61,Australia,0.00,0.20,,60/60',
        '61x,Bad prefix,0,0.20,,60/60',
        '44,UK,,,,',
        '"33","France, mobile",0.01,"0,15",,30/6',
        '61,Australia again,0,0.25,,60/60',
        '1,USA,0,0.05,,60',
        '49,Germany,0,0.10',
      ].join('\r\n');
      const response = await importCsv('admin', standard, csv, 'replace');
      expect(response.statusCode).toBe(400);
      const body = response.json<Refused>();
      expect(body).toMatchObject({ error: 'bad_request', field: 'body' });
      expect(body.message).toMatch(/6 lines were refused.*nothing was imported/);
      expect(body.problems.map((p) => [p.line, p.field ?? null])).toEqual([
        [3, 'Prefix'],
        [4, 'Per minute'],
        [5, 'Per minute'],
        [6, 'Prefix'],
        [7, 'Increments'],
        [8, null],
      ]);
      expect(body.problems[3]?.message).toMatch(/line 2/);
      expect(body.problems[1]?.message).toBe('give either flat or Per minute');
      expect(body.problems[2]?.message).toMatch(/^Per minute: "0,15" is not a valid amount/);
      expect((await rates(standard)).items).toEqual(before);

      const header = await importCsv('admin', standard, 'Prefix,Label,Per minute\n61,x,1\n');
      const headerProblems = header.json<Refused>().problems;
      expect(headerProblems.map((p) => p.line)).toEqual([1, 1]);
      expect(headerProblems[0]?.message).toMatch(/"Label" is not a column/);
      expect(headerProblems[1]?.message).toBe('the header has no Name column');
      expect(await importCsv('admin', standard, '')).toMatchObject({ statusCode: 400 });
      const unclosed = await importCsv('admin', standard, 'Prefix,Name,Per minute\n61,"Australia,1\n');
      const unclosedProblems = unclosed.json<Refused>().problems;
      expect(unclosedProblems.map((p) => p.line)).toEqual([2]);
      expect(unclosedProblems[0]?.message).toMatch(/not closed/);
      // A quoted cell may span lines: the lines after it keep their numbers in the file.
      const spanning = await importCsv('admin', standard, 'Prefix,Name,Per minute\n"61","Two\nlines",0.1\n44,UK,x\n');
      expect(spanning.json<Refused>().problems.map((p) => [p.line, p.field])).toEqual([
        [2, 'Name'],
        [4, 'Per minute'],
      ]);
      const json = await call('admin', { method: 'POST', url: `/api/v1/tariffs/${standard}/rates/import`, payload: { rates: [] } });
      expect(json.statusCode).toBe(400);
      expect((await call('reseller', { method: 'POST', url: `/api/v1/tariffs/${standard}/rates/import`, payload: 'Prefix,Name,Per minute\n', headers: { 'content-type': 'text/csv' } })).statusCode).toBe(403);
      expect((await rates(standard)).items).toEqual(before);
    });

    it('exports CSV that imports back unchanged, merging or replacing', async () => {
      const exported = await call('admin', { method: 'GET', url: `/api/v1/tariffs/${standard}/rates/export.csv` });
      expect(exported.statusCode).toBe(200);
      expect(exported.headers['content-type']).toMatch(/^text\/csv/);
      expect(exported.headers['content-disposition']).toBe('attachment; filename="rates-standard.csv"');
      expect(exported.body).toBe(
        'Prefix,Name,Connect fee,Per minute,Flat,Increments\r\n' +
          ',Everywhere else,0.00,1.20,,60/60\r\n' +
          '612,Sydney local,,,0.12,\r\n' +
          '614,AU mobile,0.05,0.30,,30/6\r\n',
      );
      const copy = (await call('admin', { method: 'POST', url: '/api/v1/tariffs', payload: { name: 'Copy' } })).json<Tariff>();
      const imported = await importCsv('admin', copy.id, exported.body);
      expect(imported.json()).toEqual({ mode: 'merge', created: 3, updated: 0, unchanged: 0, deleted: 0, total: 3 });
      const strip = (list: Rate[]) => list.map(({ id: _id, ...rest }) => rest);
      expect(strip((await rates(copy.id)).items)).toEqual(strip((await rates(standard)).items));
      expect((await call('admin', { method: 'GET', url: `/api/v1/tariffs/${copy.id}/rates/export.csv` })).body).toBe(exported.body);
      expect((await importCsv('admin', copy.id, exported.body)).json()).toMatchObject({ created: 0, updated: 0, unchanged: 3 });

      // A name a spreadsheet would read as a formula is guarded on export and comes back as it was.
      await call('admin', { method: 'POST', url: `/api/v1/tariffs/${copy.id}/rates`, payload: { prefix: '1900', name: '=premium', flat: '5' } });
      const guarded = (await call('admin', { method: 'GET', url: `/api/v1/tariffs/${copy.id}/rates/export.csv` })).body;
      expect(guarded).toContain("1900,'=premium,,,5.00,");
      const merged = await importCsv('admin', copy.id, 'name,PREFIX,per_minute\nUK,44,0.08\nAU mobile cheaper,614,0.25\n');
      expect(merged.json()).toEqual({ mode: 'merge', created: 1, updated: 1, unchanged: 0, deleted: 0, total: 5 });
      const replaced = await importCsv('admin', copy.id, guarded, 'replace');
      expect(replaced.json()).toEqual({ mode: 'replace', created: 0, updated: 1, unchanged: 3, deleted: 1, total: 4 });
      expect((await rates(copy.id)).items.find((r) => r.prefix === '1900')?.name).toBe('=premium');
    });

    it('documents the import as a text/csv body with its refusal listing the lines', async () => {
      const spec = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json<{
        paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> }; responses: Record<string, { content?: Record<string, { schema: { properties?: Record<string, unknown> } }> }> }>>;
      }>();
      const operation = spec.paths['/api/v1/tariffs/{tariffId}/rates/import']?.post;
      expect(Object.keys(operation?.requestBody?.content ?? {})).toEqual(['text/csv']);
      expect(Object.keys(operation?.responses['400']?.content?.['application/json']?.schema.properties ?? {})).toContain('problems');
    });

    it('prices the next call by a changed rate', async () => {
      const acme = ids.account.Acme as number;
      const priced = async (number: string, seconds: number) => {
        const setup = await organizationCallSetup(store.db, acme, 'AU');
        const rate = new RateTable(setup.rates).lookup(number);
        return rate ? callCost(rate, seconds) : null;
      };
      // 614: 0.05 connect + 0.30/min in 30/6 increments; 45 s bills 48 s.
      expect(await priced('+61412345678', 45)).toBe(50_000 + 240_000);
      const mobile = (await rates(standard, '?search=614')).items[0] as Rate;
      const changed = await call('admin', { method: 'PUT', url: `/api/v1/tariffs/${standard}/rates/${mobile.id}`, payload: { prefix: '614', name: 'AU mobile', perMinute: '0.60', increments: '1/1' } });
      expect(changed.statusCode).toBe(200);
      expect(await priced('+61412345678', 45)).toBe(450_000);
      const longer = await call('admin', { method: 'POST', url: `/api/v1/tariffs/${standard}/rates`, payload: { prefix: '61412', name: 'Premium mobile', flat: '2' } });
      expect(longer.statusCode).toBe(201);
      expect(await priced('+61412345678', 45)).toBe(2_000_000);
      await importCsv('admin', standard, 'Prefix,Name,Flat\n61412,Premium mobile,3\n');
      expect(await priced('+61412345678', 45)).toBe(3_000_000);
    });
  });
}
