import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { createAccount } from '../../src/store/accounts.js';
import { nowIso, type Store } from '../../src/store/db.js';
import type { UserRole } from '../../src/store/schema.js';
import { addSound, createFolder } from '../../src/store/sounds.js';
import { addApiUser, DEMO_YAML as DEMO, provision } from '../helpers/api.js';
import { callbackFlowWithoutSip } from '../helpers/callback-flow.js';
import { testDatabases } from '../helpers/stores.js';


/** A second organization with a callback extension that has no settings row yet, and a phone. */
const GLOBEX = `
organizations:
  - name: Globex
    defaultCountry: DE
    extensions:
      - number: "002001"
        name: Plain phone
      - number: "002100"
        name: Bare line
        type: callback
`;

interface Settings {
  ringSeconds: number;
  returnMode: 'authorized' | 'callerid' | 'fixed';
  fixedNumber: string | null;
  passwordSet: boolean;
  perCallerIdPassword: boolean;
  creditInquiry: boolean;
  dialTimeoutSeconds: number;
  language: string;
  creditExhaustedSound: string | null;
  maxAuthorizedCallerIds: number;
  licenceLimit: number;
  activeCallerIds: number;
  licenceEditable: boolean;
}

/** What a client sends: the settings without the read-only parts. */
const baseChange = {
  ringSeconds: 5,
  returnMode: 'authorized',
  fixedNumber: null,
  perCallerIdPassword: true,
  creditInquiry: true,
  dialTimeoutSeconds: 15,
  language: 'en',
  creditExhaustedSound: null,
} as const;

for (const database of testDatabases) {
  describe(`REST API: callback settings on ${database.name}`, () => {
    let store: Store;
    let app: Awaited<ReturnType<typeof buildHttpServer>>;
    const ext: Record<string, number> = {};
    const account: Record<string, number> = {};
    const token: Record<string, string> = {};

    async function addUser(who: string, email: string, role: UserRole, accountId: number, extensionId: number | null = null): Promise<void> {
      token[who] = await addApiUser(store, { email, role, accountId, extensionId });
    }

    beforeAll(async () => {
      store = await database.open();
      for (const yaml of [DEMO, GLOBEX]) await provision(store, yaml);
      for (const row of await store.db.selectFrom('extensions').select(['id', 'number']).execute()) ext[row.number] = row.id;
      const accounts = await store.db.selectFrom('accounts').select(['id', 'kind', 'name']).execute();
      for (const a of accounts) account[a.name] = a.id;
      const providerId = accounts.find((a) => a.kind === 'provider')!.id;
      // Globex is sold through a reseller; Acme belongs to the provider directly.
      const reseller = await createAccount(store.db, { kind: 'reseller', name: 'Resell Co', parentId: providerId }, nowIso());
      await store.db.updateTable('accounts').set({ parentId: reseller.id }).where('id', '=', account.Globex!).execute();

      await addUser('admin', 'admin@example.com', 'admin', providerId);
      await addUser('reseller', 'sales@resell.example', 'reseller', reseller.id);
      await addUser('manager', 'boss@acme.example', 'org_manager', account.Acme!);
      await addUser('travel', 'travel@acme.example', 'extension_owner', account.Acme!, ext['001100']);
      await addUser('john', 'john@acme.example', 'extension_owner', account.Acme!, ext['001002']);
      await addUser('globex', 'ops@globex.example', 'org_manager', account.Globex!);

      // A sound in the provider's library (every organization sees it) and one of Globex's own.
      const shared = await createFolder(store.db, { accountId: providerId, name: 'shared', actor: 'test' });
      await addSound(store.db, { folderId: shared.id, name: 'out-of-money', durationMs: 1200, encoding: 'pcmu', audio: Buffer.alloc(9600, 0xff), actor: 'test' });
      const own = await createFolder(store.db, { accountId: account.Globex!, name: 'globex', actor: 'test' });
      await addSound(store.db, { folderId: own.id, name: 'globex-only', durationMs: 500, encoding: 'pcmu', audio: Buffer.alloc(4000, 0xff), actor: 'test' });

      app = await buildHttpServer({ store, logger: createLogger('silent'), version: 'test' });
      await app.ready();
    });
    afterAll(async () => {
      await app?.close();
      await store?.close();
    });

    const call = (who: string | null, options: InjectOptions) =>
      app.inject({ ...options, headers: { ...(who ? { authorization: `Bearer ${token[who]}` } : {}), ...options.headers } });
    const url = (number: string) => `/api/v1/extensions/${ext[number]}/callback`;
    const read = async (number = '001100', who = 'travel'): Promise<Settings> => {
      const response = await call(who, { method: 'GET', url: url(number) });
      expect(response.statusCode, response.body).toBe(200);
      return response.json<Settings>();
    };
    const put = (payload: Record<string, unknown>, who = 'travel', number = '001100') => call(who, { method: 'PUT', url: url(number), payload });
    const storedPassword = async (number = '001100') =>
      (await store.db.selectFrom('callbackSettings').select('password').where('extensionId', '=', ext[number]!).executeTakeFirstOrThrow()).password;

    it("reads the demo's provisioned settings, the licence and the active count, never the password", async () => {
      await store.db.updateTable('callbackSettings').set({ password: '2468' }).where('extensionId', '=', ext['001100']!).execute();
      const response = await call('travel', { method: 'GET', url: url('001100') });
      expect(response.statusCode).toBe(200);
      expect(response.body).not.toContain('2468');
      expect(response.json<Settings>()).toEqual({
        ringSeconds: 5,
        returnMode: 'authorized',
        fixedNumber: null,
        passwordSet: true,
        perCallerIdPassword: true,
        creditInquiry: true,
        dialTimeoutSeconds: 15,
        language: 'en',
        creditExhaustedSound: 'credit-exhausted',
        maxAuthorizedCallerIds: 10,
        licenceLimit: 10,
        activeCallerIds: 2,
        licenceEditable: false,
      });
      expect((await read('001100', 'admin')).licenceEditable).toBe(true);
    });

    it('changes every setting; the answer and a later GET agree; the change is audit-logged without the password', async () => {
      const response = await put({
        ringSeconds: 12,
        returnMode: 'fixed',
        fixedNumber: '0412 000 111',
        password: '97531',
        perCallerIdPassword: false,
        creditInquiry: false,
        dialTimeoutSeconds: 30,
        language: 'de',
        creditExhaustedSound: 'out-of-money',
      });
      expect(response.statusCode, response.body).toBe(200);
      const expected = {
        ringSeconds: 12,
        returnMode: 'fixed',
        fixedNumber: '+61412000111',
        passwordSet: true,
        perCallerIdPassword: false,
        creditInquiry: false,
        dialTimeoutSeconds: 30,
        language: 'de',
        creditExhaustedSound: 'out-of-money',
        maxAuthorizedCallerIds: 10,
      };
      expect(response.json<Settings>()).toMatchObject(expected);
      expect(await read()).toMatchObject(expected);
      expect(await storedPassword()).toBe('97531');

      const log = await store.db.selectFrom('auditLog').selectAll().where('entity', '=', 'callback settings').orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(log).toMatchObject({ actor: 'travel@acme.example', action: 'update', entityId: String(ext['001100']) });
      expect(log.details).not.toContain('97531');
      expect(JSON.parse(log.details!)).toMatchObject({ ringSeconds: 12, returnMode: 'fixed', fixedNumber: '+61412000111', passwordChanged: true, language: 'de' });
    });

    it('keeps the password when it is left out, removes it with null, and sets a new one', async () => {
      const kept = await put({ ...baseChange });
      expect(kept.statusCode, kept.body).toBe(200);
      expect(kept.json<Settings>().passwordSet).toBe(true);
      expect(await storedPassword()).toBe('97531');

      const cleared = await put({ ...baseChange, password: null });
      expect(cleared.json<Settings>().passwordSet).toBe(false);
      expect(await storedPassword()).toBeNull();

      const set = await put({ ...baseChange, password: '1234' });
      expect(set.json<Settings>().passwordSet).toBe(true);
      expect(await storedPassword()).toBe('1234');
    });

    it('takes back what GET answered (the read-only parts are ignored), and an unchanged PUT writes no audit entry', async () => {
      const before = await read();
      const count = async () => (await store.db.selectFrom('auditLog').select('id').where('entity', '=', 'callback settings').execute()).length;
      const entries = await count();
      const response = await put({ ...before, activeCallerIds: 99, licenceLimit: 99 });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json<Settings>()).toEqual(before);
      expect(await count()).toBe(entries);
    });

    it('refuses bad input with a 400 that names the field', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ ...baseChange, ringSeconds: 121 }, 'ringSeconds'],
        [{ ...baseChange, ringSeconds: -1 }, 'ringSeconds'],
        [{ ...baseChange, ringSeconds: '5' }, 'ringSeconds'],
        [{ ...baseChange, dialTimeoutSeconds: 0 }, 'dialTimeoutSeconds'],
        [{ ...baseChange, dialTimeoutSeconds: 121 }, 'dialTimeoutSeconds'],
        [{ ...baseChange, returnMode: 'anyone' }, 'returnMode'],
        [{ ...baseChange, returnMode: 'fixed', fixedNumber: null }, 'fixedNumber'],
        [{ ...baseChange, returnMode: 'fixed', fixedNumber: '12' }, 'fixedNumber'],
        [{ ...baseChange, password: '12ab' }, 'password'],
        [{ ...baseChange, password: '123456789012345678901' }, 'password'],
        [{ ...baseChange, language: 'it' }, 'language'],
        [{ ...baseChange, creditExhaustedSound: 'No Such' }, 'creditExhaustedSound'],
        [{ ...baseChange, creditExhaustedSound: 'missing-sound' }, 'creditExhaustedSound'],
        // Globex's own sound is not in Acme's library.
        [{ ...baseChange, creditExhaustedSound: 'globex-only' }, 'creditExhaustedSound'],
        [{ ...baseChange, perCallerIdPassword: 'yes' }, 'perCallerIdPassword'],
        [{ ...baseChange, colour: 'blue' }, 'colour'],
        [{ ringSeconds: 5 }, 'returnMode'],
      ];
      const before = await read();
      for (const [payload, field] of cases) {
        const response = await put(payload);
        expect(response.statusCode, `${JSON.stringify(payload)}: ${response.body}`).toBe(400);
        const body = response.json<{ error: string; message: string; field: string }>();
        expect(body.error).toBe('bad_request');
        expect(body.field, JSON.stringify(payload)).toBe(field);
        expect(body.message).toContain(field);
      }
      expect(await read()).toEqual(before);
    });

    it('lets only administrators and resellers change the licence; others may send back the current value', async () => {
      const refused = await put({ ...baseChange, maxAuthorizedCallerIds: 50 });
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toMatchObject({ error: 'forbidden', field: 'maxAuthorizedCallerIds' });
      expect((await put({ ...baseChange, maxAuthorizedCallerIds: 50 }, 'manager')).statusCode).toBe(403);
      expect((await read()).maxAuthorizedCallerIds).toBe(10);
      expect((await put({ ...baseChange, maxAuthorizedCallerIds: 10 }, 'manager')).statusCode).toBe(200);

      const admin = await put({ ...baseChange, maxAuthorizedCallerIds: 2 }, 'admin');
      expect(admin.statusCode, admin.body).toBe(200);
      expect(admin.json<Settings>()).toMatchObject({ maxAuthorizedCallerIds: 2, licenceLimit: 2, activeCallerIds: 2 });
      // The licence in force is what the CallerIDs API refuses by.
      const more = await call('travel', { method: 'POST', url: `/api/v1/extensions/${ext['001100']}/callerids`, payload: { callerId: '+61400000009' } });
      expect(more.statusCode).toBe(409);
      expect(more.json<{ message: string }>().message).toContain('the licence allows 2 active authorized CallerIDs and 2 are active');
      expect((await put({ ...baseChange, maxAuthorizedCallerIds: 100001 }, 'admin')).json()).toMatchObject({ field: 'maxAuthorizedCallerIds' });

      // The organization's own lower limit is the one in force.
      await store.db.updateTable('accounts').set({ maxAuthorizedCallerids: 1 }).where('id', '=', account.Acme!).execute();
      expect(await read()).toMatchObject({ maxAuthorizedCallerIds: 2, licenceLimit: 1 });
      await store.db.updateTable('accounts').set({ maxAuthorizedCallerids: null }).where('id', '=', account.Acme!).execute();
      expect((await put({ ...baseChange, maxAuthorizedCallerIds: 10 }, 'admin')).statusCode).toBe(200);
    });

    it('a reseller changes the licence of extensions below it and sees no others', async () => {
      const below = await put({ ...baseChange, maxAuthorizedCallerIds: 25 }, 'reseller', '002100');
      expect(below.statusCode, below.body).toBe(200);
      expect(below.json<Settings>()).toMatchObject({ maxAuthorizedCallerIds: 25, licenceEditable: true });
      expect((await put({ ...baseChange, maxAuthorizedCallerIds: 25 }, 'reseller', '001100')).statusCode).toBe(404);
      expect((await call('reseller', { method: 'GET', url: url('001100') })).statusCode).toBe(404);
    });

    it('a callback extension without settings reads as the defaults and a PUT creates them', async () => {
      await store.db.deleteFrom('callbackSettings').where('extensionId', '=', ext['002100']!).execute();
      expect(await read('002100', 'globex')).toEqual({
        ringSeconds: 5,
        returnMode: 'authorized',
        fixedNumber: null,
        passwordSet: false,
        perCallerIdPassword: false,
        creditInquiry: false,
        dialTimeoutSeconds: 15,
        language: 'en',
        creditExhaustedSound: null,
        maxAuthorizedCallerIds: 10,
        licenceLimit: 10,
        activeCallerIds: 0,
        licenceEditable: false,
      });
      // Globex numbers in Germany, and sees its own sounds and the provider's.
      const response = await put({ ...baseChange, returnMode: 'fixed', fixedNumber: '030 1234567', creditExhaustedSound: 'globex-only' }, 'globex', '002100');
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json<Settings>()).toMatchObject({ fixedNumber: '+49301234567', creditExhaustedSound: 'globex-only' });
      const log = await store.db.selectFrom('auditLog').selectAll().where('entity', '=', 'callback settings').where('entityId', '=', String(ext['002100'])).orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(log).toMatchObject({ action: 'create', actor: 'ops@globex.example' });
      expect((await put({ ...baseChange, creditExhaustedSound: 'out-of-money' }, 'globex', '002100')).statusCode).toBe(200);
      expect((await put({ ...baseChange, creditExhaustedSound: null }, 'globex', '002100')).json()).toMatchObject({ creditExhaustedSound: null });
      // The shipped prompt's own name, as provisioning files write it.
      expect((await put({ ...baseChange, creditExhaustedSound: 'credit-exhausted' }, 'globex', '002100')).json()).toMatchObject({ creditExhaustedSound: 'credit-exhausted' });
    });

    it('is 404 for a phone extension (saying why), for other people and for missing extensions; 401 without a token', async () => {
      const phone = await call('john', { method: 'GET', url: url('001002') });
      expect(phone.statusCode).toBe(404);
      expect(phone.json<{ message: string }>().message).toBe('extension 001002 is a phone extension, not a callback extension; it has no callback settings');
      expect((await put({ ...baseChange }, 'manager', '001002')).statusCode).toBe(404);
      // The owner of another extension, another organization's manager: as if it did not exist.
      for (const who of ['john', 'globex']) {
        const response = await call(who, { method: 'GET', url: url('001100') });
        expect(response.statusCode).toBe(404);
        expect(response.json<{ message: string }>().message).toBe('no such extension');
        expect((await put({ ...baseChange }, who)).statusCode).toBe(404);
      }
      expect((await call('admin', { method: 'GET', url: '/api/v1/extensions/999999/callback' })).statusCode).toBe(404);
      expect((await call(null, { method: 'GET', url: url('001100') })).statusCode).toBe(401);
    });

    it('is documented in OpenAPI with its errors', async () => {
      const document = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json<{ paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>> }>();
      const path = document.paths['/api/v1/extensions/{extensionId}/callback']!;
      expect(path.get!.operationId).toBe('getCallbackSettings');
      expect(path.put!.operationId).toBe('putCallbackSettings');
      expect(Object.keys(path.put!.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '404']));
    });

    it('the next incoming call uses a saved change: ring time, whom to call back', async () => {
      const { placed, waits, ring: ringFrom } = callbackFlowWithoutSip(store);
      const ring = () => ringFrom(ext['001100']!);

      // The stranger is not authorized: rung for the provisioned time, then not called back.
      expect((await put({ ...baseChange, ringSeconds: 3 })).statusCode).toBe(200);
      await ring();
      expect(waits).toEqual([3000]);
      expect(placed).toEqual([]);

      // Now any caller is called back on their CallerID, after the new ring time.
      expect((await put({ ...baseChange, ringSeconds: 9, returnMode: 'callerid' })).statusCode).toBe(200);
      await ring();
      expect(waits).toEqual([3000, 9000]);
      expect(placed.map((p) => p.number)).toEqual(['+61400000123']);

      // And the fixed number once that mode is saved.
      expect((await put({ ...baseChange, ringSeconds: 0, returnMode: 'fixed', fixedNumber: '+61299990000' })).statusCode).toBe(200);
      await ring();
      expect(waits).toEqual([3000, 9000, 0]);
      expect(placed.map((p) => p.number)).toEqual(['+61400000123', '+61299990000']);
    });
  });
}
