import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/auth/password.js';
import { buildHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { createAccount } from '../../src/store/accounts.js';
import type { Store } from '../../src/store/db.js';
import { addApiUser, DEMO_YAML, directory, provision } from '../helpers/api.js';
import { testDatabases } from '../helpers/stores.js';

const GLOBEX = `
organizations:
  - name: Globex
    extensions:
      - number: "002001"
        name: Greta
`;

interface User {
  id: number;
  email: string;
  role: string;
  accountId: number;
  accountName: string;
  extensionId: number | null;
  extensionNumber: string | null;
  disabled: boolean;
  initialPassword?: string;
}

for (const database of testDatabases) {
  describe(`REST API: portal users on ${database.name}`, () => {
    let store: Store;
    let app: Awaited<ReturnType<typeof buildHttpServer>>;
    const token: Record<string, string> = {};
    let ids: Awaited<ReturnType<typeof directory>>;
    let resellerId: number;

    beforeAll(async () => {
      store = await database.open();
      await provision(store, DEMO_YAML);
      await provision(store, GLOBEX);
      ids = await directory(store);
      resellerId = (await createAccount(store.db, { kind: 'reseller', name: 'Resell Co', parentId: ids.providerId })).id;
      await store.db.updateTable('accounts').set({ parentId: resellerId }).where('id', '=', ids.account.Globex as number).execute();
      token.admin = await addApiUser(store, { email: 'admin@example.com', role: 'admin', accountId: ids.providerId });
      token.reseller = await addApiUser(store, { email: 'sales@resell.example', role: 'reseller', accountId: resellerId });
      token.manager = await addApiUser(store, { email: 'boss@acme.example', role: 'org_manager', accountId: ids.account.Acme as number });
      token.john = await addApiUser(store, { email: 'john@acme.example', role: 'extension_owner', accountId: ids.account.Acme as number, extensionId: ids.extension['001002'] ?? null });
      app = await buildHttpServer({ store, logger: createLogger('silent'), version: 'test' });
      await app.ready();
    });
    afterAll(async () => {
      await app?.close();
      await store?.close();
    });

    const call = (who: string | null, options: InjectOptions) => app.inject({ ...options, headers: { ...(who ? { authorization: `Bearer ${token[who]}` } : {}), ...options.headers } });
    const list = async (who: string): Promise<string[]> => {
      const response = await call(who, { method: 'GET', url: '/api/v1/users' });
      expect(response.statusCode, response.body).toBe(200);
      return response.json<{ users: User[] }>().users.map((u) => u.email);
    };

    it('lists the users each manager manages, and none for an extension owner', async () => {
      expect(await list('admin')).toEqual(['admin@example.com', 'boss@acme.example', 'john@acme.example', 'sales@resell.example']);
      expect(await list('manager')).toEqual(['boss@acme.example', 'john@acme.example']);
      expect(await list('reseller')).toEqual(['sales@resell.example']);
      expect((await call('john', { method: 'GET', url: '/api/v1/users' })).statusCode).toBe(403);
      expect((await call('manager', { method: 'GET', url: `/api/v1/users?accountId=${ids.account.Globex}` })).statusCode).toBe(404);
    });

    it('makes an extension owner with a password made for them, shown once', async () => {
      const response = await call('manager', { method: 'POST', url: '/api/v1/users', payload: { email: ' Mary@Acme.Example ', role: 'extension_owner', accountId: ids.account.Acme, extensionId: ids.extension['001100'] } });
      expect(response.statusCode, response.body).toBe(201);
      const mary = response.json<User>();
      expect(mary).toMatchObject({ email: 'mary@acme.example', role: 'extension_owner', accountName: 'Acme', extensionNumber: '001100', disabled: false });
      expect(mary.initialPassword).toMatch(/^[A-Za-z0-9_-]{16}$/);
      const row = await store.db.selectFrom('users').select('passwordHash').where('id', '=', mary.id).executeTakeFirstOrThrow();
      expect(await verifyPassword(mary.initialPassword as string, row.passwordHash)).toBe(true);
      const audit = await store.db.selectFrom('auditLog').selectAll().where('entity', '=', 'user').where('entityId', '=', 'mary@acme.example').execute();
      expect(audit.map((a) => [a.actor, a.action])).toEqual([['boss@acme.example', 'create']]);

      const again = await call('manager', { method: 'POST', url: '/api/v1/users', payload: { email: 'mary@acme.example', role: 'org_manager', accountId: ids.account.Acme, password: 'long enough password' } });
      expect(again.statusCode).toBe(409);
      expect(again.json()).toMatchObject({ field: 'email' });
    });

    it('refuses roles above the caller, accounts outside their reach and bad input, naming the field', async () => {
      const post = (who: string, payload: Record<string, unknown>) => call(who, { method: 'POST', url: '/api/v1/users', payload });
      const refused = async (who: string, payload: Record<string, unknown>, status: number, field: string) => {
        const response = await post(who, payload);
        expect(response.statusCode, response.body).toBe(status);
        expect(response.json()).toMatchObject({ field });
      };
      await refused('manager', { email: 'x@acme.example', role: 'reseller', accountId: resellerId }, 403, 'role');
      await refused('manager', { email: 'x@acme.example', role: 'org_manager', accountId: ids.account.Globex }, 404, 'accountId');
      await refused('reseller', { email: 'x@acme.example', role: 'org_manager', accountId: ids.account.Acme }, 404, 'accountId');
      await refused('reseller', { email: 'x@resell.example', role: 'org_manager', accountId: resellerId }, 400, 'accountId');
      await refused('manager', { email: 'x@acme.example', role: 'extension_owner', accountId: ids.account.Acme }, 400, 'extensionId');
      await refused('manager', { email: 'x@acme.example', role: 'extension_owner', accountId: ids.account.Acme, extensionId: ids.extension['002001'] }, 400, 'extensionId');
      await refused('manager', { email: 'not-an-address', role: 'org_manager', accountId: ids.account.Acme }, 400, 'email');
      await refused('manager', { email: 'x@acme.example', role: 'org_manager', accountId: ids.account.Acme, password: 'short' }, 400, 'password');
      expect((await post('john', { email: 'x@acme.example', role: 'extension_owner', accountId: ids.account.Acme, extensionId: ids.extension['001002'] })).statusCode).toBe(403);
      // A reseller makes the manager of an organization under it.
      const made = await post('reseller', { email: 'ops@globex.example', role: 'org_manager', accountId: ids.account.Globex, password: 'globex manager pass' });
      expect(made.statusCode, made.body).toBe(201);
      expect(made.json<User>().initialPassword).toBeUndefined();
    });

    it('disables a user (their API token stops at once), enables them again, and removes them', async () => {
      const users = (await call('admin', { method: 'GET', url: '/api/v1/users?search=john' })).json<{ users: User[] }>().users;
      expect(users.map((u) => u.email)).toEqual(['john@acme.example']);
      const john = users[0] as User;
      expect((await call('john', { method: 'GET', url: '/api/v1/me' })).statusCode).toBe(200);

      const disabled = await call('manager', { method: 'PATCH', url: `/api/v1/users/${john.id}`, payload: { disabled: true } });
      expect(disabled.statusCode, disabled.body).toBe(200);
      expect(disabled.json<User>().disabled).toBe(true);
      expect((await call('john', { method: 'GET', url: '/api/v1/me' })).statusCode).toBe(401);
      await call('manager', { method: 'PATCH', url: `/api/v1/users/${john.id}`, payload: { disabled: false } });
      expect((await call('john', { method: 'GET', url: '/api/v1/me' })).statusCode).toBe(200);

      // Not one's own, not above one's role, not outside one's reach.
      const me = (await call('manager', { method: 'GET', url: '/api/v1/me' })).json<{ user: { id: number } }>().user.id;
      expect((await call('manager', { method: 'PATCH', url: `/api/v1/users/${me}`, payload: { disabled: true } })).statusCode).toBe(409);
      const admin = (await call('admin', { method: 'GET', url: '/api/v1/me' })).json<{ user: { id: number } }>().user.id;
      expect((await call('manager', { method: 'PATCH', url: `/api/v1/users/${admin}`, payload: { disabled: true } })).statusCode).toBe(404);
      expect((await call('reseller', { method: 'DELETE', url: `/api/v1/users/${john.id}` })).statusCode).toBe(404);
      expect((await call('manager', { method: 'PATCH', url: `/api/v1/users/${john.id}`, payload: {} })).statusCode).toBe(400);

      expect((await call('manager', { method: 'DELETE', url: `/api/v1/users/${john.id}` })).statusCode).toBe(204);
      expect((await call('john', { method: 'GET', url: '/api/v1/me' })).statusCode).toBe(401);
      expect(await list('manager')).not.toContain('john@acme.example');
    });
  });
}
