import { createHash } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/password.js';
import { WRONG_CREDENTIALS } from '../../src/http/api/session.js';
import { buildHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { applyPlan } from '../../src/provisioning/apply.js';
import { parseProvisionFile } from '../../src/provisioning/parse.js';
import { buildPlan } from '../../src/provisioning/plan.js';
import { createApiToken } from '../../src/store/api-tokens.js';
import { nowIso, type Store } from '../../src/store/db.js';
import type { UserRole } from '../../src/store/schema.js';
import { readSettings } from '../../src/store/settings.js';
import { DEMO_YAML as DEMO } from '../helpers/api.js';
import { testDatabases } from '../helpers/stores.js';

const PASSWORD = 'correct horse battery';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

type App = Awaited<ReturnType<typeof buildHttpServer>>;

function cookieOf(response: LightMyRequestResponse): string {
  const header = String(response.headers['set-cookie']);
  const match = /^dialback_session=([A-Za-z0-9_-]{43});/.exec(header);
  if (!match) throw new Error(`no session cookie in ${header}`);
  return match[1]!;
}

for (const database of testDatabases) {
  describe(`REST API: portal sign-in and sessions on ${database.name}`, () => {
    let store: Store;
    let app: App;
    let nowMs = Date.parse('2030-01-01T09:00:00.000Z');
    const clock = () => nowMs;
    const ext: Record<string, number> = {};
    const userIds: Record<string, number> = {};
    let acmeId: number;
    let addressCounter = 0;
    /** A client address of its own per test, so the per-address limit does not mix tests. */
    const freshAddress = () => `198.51.100.${++addressCounter}`;

    /** As `dialback admin create` does: the password hashed with scrypt, the user in the users table. */
    async function addUser(email: string, role: UserRole, accountId: number, extensionId: number | null = null, password = PASSWORD): Promise<number> {
      const now = nowIso();
      const user = await store.db
        .insertInto('users')
        .values({ accountId, email, passwordHash: await hashPassword(password), role, extensionId, lockedUntil: null, createdAt: now, updatedAt: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      userIds[email] = user.id;
      return user.id;
    }

    beforeAll(async () => {
      store = await database.open();
      await applyPlan(store.db, buildPlan(parseProvisionFile(DEMO), await readSettings(store.db)));
      for (const row of await store.db.selectFrom('extensions').select(['id', 'number']).execute()) ext[row.number] = row.id;
      const accounts = await store.db.selectFrom('accounts').select(['id', 'kind', 'name']).execute();
      acmeId = accounts.find((a) => a.name === 'Acme')!.id;
      const providerId = accounts.find((a) => a.kind === 'provider')!.id;
      await Promise.all([
        addUser('john@acme.example', 'extension_owner', acmeId, ext['001002']),
        addUser('admin@example.com', 'admin', providerId),
        addUser('locky@acme.example', 'extension_owner', acmeId, ext['001002']),
        addUser('changer@acme.example', 'org_manager', acmeId),
        addUser('gone@acme.example', 'org_manager', acmeId),
      ]);
      app = await buildHttpServer({ store, logger: createLogger('silent'), version: 'test', session: { clock } });
      await app.ready();
    });
    afterAll(async () => {
      await app?.close();
      await store?.close();
    });

    const signIn = (email: string, password: string, options: Partial<InjectOptions> = {}, on: App = app) =>
      on.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password }, remoteAddress: freshAddress(), ...options });
    /** Signs in and answers the cookie header value and the CSRF token. */
    async function session(email = 'john@acme.example', password = PASSWORD): Promise<{ cookie: string; csrf: string }> {
      const response = await signIn(email, password);
      expect(response.statusCode).toBe(200);
      return { cookie: `dialback_session=${cookieOf(response)}`, csrf: (response.json<{ csrfToken: string }>()).csrfToken };
    }
    const callnowUrl = (number: string) => `/api/v1/extensions/${ext[number]}/callnow`;

    describe('signing in', () => {
      it('answers the user and a CSRF token, and sets an HttpOnly, SameSite=Strict cookie whose hash only is stored', async () => {
        const response = await signIn('john@acme.example', PASSWORD);
        expect(response.statusCode).toBe(200);
        expect(response.json()).toEqual({
          user: { id: userIds['john@acme.example'], email: 'john@acme.example', role: 'extension_owner', accountId: acmeId, extensionId: ext['001002'] },
          csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) as unknown,
          expiresAt: '2030-01-08T09:00:00.000Z',
        });
        expect(response.headers['cache-control']).toBe('no-store');
        const header = String(response.headers['set-cookie']);
        const attributes = header.split(';').map((a) => a.trim());
        expect(attributes[0]).toMatch(/^dialback_session=[A-Za-z0-9_-]{43}$/);
        expect(attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/', 'Max-Age=604800']));
        expect(attributes).not.toContain('Secure');

        const secret = cookieOf(response);
        const rows = await store.db.selectFrom('sessions').selectAll().where('userId', '=', userIds['john@acme.example']!).execute();
        expect(rows.some((r) => r.tokenHash === secret)).toBe(false);
        const row = rows.find((r) => r.tokenHash === createHash('sha256').update(secret).digest('hex'));
        expect(row).toMatchObject({
          csrfToken: response.json<{ csrfToken: string }>().csrfToken,
          createdAt: '2030-01-01T09:00:00.000Z',
          lastSeenAt: '2030-01-01T09:00:00.000Z',
          expiresAt: '2030-01-08T09:00:00.000Z',
          clientAddress: expect.stringMatching(/^198\.51\.100\./) as unknown,
        });
      });

      it('takes the e-mail in any case and with spaces around', async () => {
        expect((await signIn('  John@ACME.example ', PASSWORD)).statusCode).toBe(200);
      });

      it('answers a wrong password and an unknown e-mail alike: 401 with the same message', async () => {
        const wrong = await signIn('john@acme.example', 'not the password');
        const unknown = await signIn('nobody@acme.example', PASSWORD);
        expect(wrong.statusCode).toBe(401);
        expect(unknown.statusCode).toBe(401);
        expect(wrong.json()).toEqual({ error: 'unauthorized', message: WRONG_CREDENTIALS });
        expect(unknown.json()).toEqual(wrong.json());
        expect(wrong.headers['set-cookie']).toBeUndefined();
        await store.db.updateTable('users').set({ failedSignIns: 0 }).where('email', '=', 'john@acme.example').execute();
      });

      it('checks the body strictly', async () => {
        const response = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'john@acme.example', password: PASSWORD, remember: true } });
        expect(response.statusCode).toBe(400);
        expect(response.json()).toMatchObject({ error: 'bad_request', field: 'remember' });
        const missing = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'john@acme.example' } });
        expect(missing.json()).toMatchObject({ error: 'bad_request', field: 'password' });
      });

      it('refuses a disabled user, and the sessions a disabled user had', async () => {
        const { cookie } = await session('gone@acme.example');
        await store.db.updateTable('users').set({ disabled: 1 }).where('email', '=', 'gone@acme.example').execute();
        const response = await signIn('gone@acme.example', PASSWORD);
        expect(response.statusCode).toBe(401);
        expect(response.json<{ message: string }>().message).toMatch(/disabled/);
        expect((await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(401);
      });

      it('refuses sign-in from another site (Sec-Fetch-Site, Origin)', async () => {
        const crossSite = await signIn('john@acme.example', PASSWORD, { headers: { 'sec-fetch-site': 'cross-site' } });
        expect(crossSite.statusCode).toBe(403);
        expect(crossSite.json()).toMatchObject({ error: 'forbidden' });
        for (const origin of ['https://evil.example', 'null']) {
          const response = await signIn('john@acme.example', PASSWORD, { headers: { origin, host: 'dialback.example' } });
          expect(response.statusCode).toBe(403);
          expect(response.headers['set-cookie']).toBeUndefined();
        }
        // The same host (a proxy may change port and scheme), the public URL's origin, and same-origin fetches are fine.
        for (const headers of [
          { origin: 'https://dialback.example', host: 'dialback.example:8080' },
          { origin: 'http://localhost:8080', host: 'internal:8080' },
          { origin: 'https://dialback.example', host: 'dialback.example', 'sec-fetch-site': 'same-origin' },
        ]) {
          expect((await signIn('john@acme.example', PASSWORD, { headers })).statusCode).toBe(200);
        }
      });
    });

    describe('the session cookie', () => {
      it('authenticates an extension owner for their own extension only', async () => {
        const { cookie } = await session();
        const own = await app.inject({ method: 'GET', url: callnowUrl('001002'), headers: { cookie } });
        expect(own.statusCode).toBe(200);
        expect(own.json()).toMatchObject({ enabled: true });
        const other = await app.inject({ method: 'GET', url: callnowUrl('001100'), headers: { cookie } });
        expect(other.statusCode).toBe(404);
      });

      it('needs the CSRF token for unsafe methods: 403 without or with a wrong one, 200 with it', async () => {
        const { cookie, csrf } = await session();
        const current = (await app.inject({ method: 'GET', url: callnowUrl('001002'), headers: { cookie } })).json<Record<string, unknown>>();
        const put = (headers: Record<string, string>) => app.inject({ method: 'PUT', url: callnowUrl('001002'), headers: { cookie, ...headers }, payload: current });
        const wrongHeaders: Record<string, string>[] = [{}, { 'x-csrf-token': 'x'.repeat(43) }, { 'x-csrf-token': '' }];
        for (const headers of wrongHeaders) {
          const refused = await put(headers);
          expect(refused.statusCode).toBe(403);
          expect(refused.json()).toEqual({ error: 'forbidden', message: 'missing or wrong CSRF token' });
        }
        const accepted = await put({ 'x-csrf-token': csrf });
        expect(accepted.statusCode).toBe(200);
        expect(accepted.json()).toMatchObject({ callnowId: current.callnowId });
      });

      it('another session\'s CSRF token does not do', async () => {
        const first = await session();
        const second = await session();
        const response = await app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: first.cookie, 'x-csrf-token': second.csrf } });
        expect(response.statusCode).toBe(403);
      });

      it('API tokens keep working, need no CSRF token, and win over a cookie', async () => {
        const { token } = await createApiToken(store.db, { userId: userIds['admin@example.com']!, name: 'ci', actor: 'test' });
        const { cookie } = await session();
        const current = (await app.inject({ method: 'GET', url: callnowUrl('001002'), headers: { cookie } })).json<Record<string, unknown>>();
        const put = await app.inject({ method: 'PUT', url: callnowUrl('001002'), headers: { authorization: `Bearer ${token}` }, payload: current });
        expect(put.statusCode).toBe(200);
        const me = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}`, cookie } });
        expect(me.json()).toMatchObject({ user: { email: 'admin@example.com', role: 'admin' }, extension: null, csrfToken: null });
      });

      it('refuses an unknown cookie with 401 and clears it', async () => {
        const response = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: `dialback_session=${'A'.repeat(43)}` } });
        expect(response.statusCode).toBe(401);
        expect(response.json()).toMatchObject({ error: 'unauthorized', message: expect.stringMatching(/sign in again/) as unknown });
        expect(String(response.headers['set-cookie'])).toMatch(/^dialback_session=;.*Max-Age=0/);
      });

      it('GET /me: the user, an extension owner\'s extension, and the CSRF token', async () => {
        const { cookie, csrf } = await session();
        const response = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } });
        expect(response.statusCode).toBe(200);
        expect(response.json()).toEqual({
          user: { id: userIds['john@acme.example'], email: 'john@acme.example', role: 'extension_owner', accountId: acmeId, extensionId: ext['001002'] },
          extension: { id: ext['001002'], number: '001002', name: 'John Doe', type: 'phone' },
          account: { id: acmeId, name: 'Acme', kind: 'organization' },
          csrfToken: csrf,
        });
        const admin = await session('admin@example.com');
        expect((await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: admin.cookie } })).json()).toMatchObject({
          user: { role: 'admin', extensionId: null },
          extension: null,
          account: { kind: 'provider' },
        });
      });

      it('signs out: 204, the cookie cleared, and the session refused after', async () => {
        const { cookie, csrf } = await session();
        expect((await app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie } })).statusCode).toBe(403);
        const out = await app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie, 'x-csrf-token': csrf } });
        expect(out.statusCode).toBe(204);
        expect(String(out.headers['set-cookie'])).toMatch(/^dialback_session=;.*HttpOnly.*Max-Age=0/);
        const after = await app.inject({ method: 'GET', url: callnowUrl('001002'), headers: { cookie } });
        expect(after.statusCode).toBe(401);
        expect((await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(401);
      });

      it('sign-out with an API token is a conflict: there is no session', async () => {
        const { token } = await createApiToken(store.db, { userId: userIds['john@acme.example']!, name: 'script', actor: 'test' });
        const response = await app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { authorization: `Bearer ${token}` } });
        expect(response.statusCode).toBe(409);
      });

      it('records last use at most once a minute; ends after 12 hours idle and 7 days in all', async () => {
        const { cookie } = await session();
        const start = nowMs;
        const me = () => app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } });
        const row = async () =>
          store.db.selectFrom('sessions').select(['lastSeenAt']).where('tokenHash', '=', createHash('sha256').update(cookie.split('=')[1]!).digest('hex')).executeTakeFirst();
        nowMs = start + 59_000;
        expect((await me()).statusCode).toBe(200);
        expect((await row())?.lastSeenAt).toBe(nowIso(() => start));
        nowMs = start + 60_000;
        expect((await me()).statusCode).toBe(200);
        expect((await row())?.lastSeenAt).toBe(nowIso(() => start + 60_000));
        nowMs = start + 60_000 + 12 * HOUR - 1;
        expect((await me()).statusCode).toBe(200);
        nowMs = nowMs + 12 * HOUR;
        expect((await me()).statusCode).toBe(401);
        expect(await row()).toBeUndefined();

        // Absolute: used every 11 hours, still over after 7 days.
        const busy = await session();
        const signedInAt = nowMs;
        while (nowMs + 11 * HOUR < signedInAt + 7 * 24 * HOUR) {
          nowMs += 11 * HOUR;
          expect((await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: busy.cookie } })).statusCode).toBe(200);
        }
        nowMs = signedInAt + 7 * 24 * HOUR;
        expect((await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: busy.cookie } })).statusCode).toBe(401);
      });
    });

    describe('failed sign-ins', () => {
      it('slow down after 5 in a row (429, Retry-After), lock for 15 minutes after 10, and unlock after', async () => {
        const email = 'locky@acme.example';
        const address = '203.0.113.50';
        const attempt = (password: string) => signIn(email, password, { remoteAddress: address });
        const user = () => store.db.selectFrom('users').select(['failedSignIns', 'lockedUntil']).where('email', '=', email).executeTakeFirstOrThrow();

        for (let i = 1; i <= 5; i++) expect((await attempt('wrong password')).statusCode).toBe(401);
        // Each wait after the 5th failure: 5, 10, 20, 40 seconds; even the right password waits.
        for (const [wait, failures] of [[5, 5], [10, 6], [20, 7], [40, 8], [80, 9]] as const) {
          expect(await user()).toMatchObject({ failedSignIns: failures });
          const early = await attempt(PASSWORD);
          expect(early.statusCode).toBe(429);
          expect(early.headers['retry-after']).toBe(String(wait));
          expect(early.json()).toEqual({ error: 'too_many_requests', message: `too many failed sign-ins; wait ${wait} seconds before trying again` });
          nowMs += (wait - 1) * 1000;
          expect((await attempt(PASSWORD)).headers['retry-after']).toBe('1');
          nowMs += 1000;
          expect((await attempt('wrong password')).statusCode).toBe(401);
        }

        // The 10th failure locks for 15 minutes: the message says until when.
        const lockedUntil = nowIso(() => nowMs + 15 * MINUTE);
        expect(await user()).toEqual({ failedSignIns: 10, lockedUntil });
        const locked = await attempt(PASSWORD);
        expect(locked.statusCode).toBe(429);
        expect(locked.headers['retry-after']).toBe('900');
        expect(locked.json()).toEqual({
          error: 'too_many_requests',
          message: `too many failed sign-ins: the account is locked until ${lockedUntil}; try again then`,
        });
        const audit = await store.db.selectFrom('auditLog').selectAll().where('action', '=', 'lock').where('entityId', '=', email).execute();
        expect(audit).toHaveLength(1);

        nowMs += 15 * MINUTE - 1000;
        expect((await attempt(PASSWORD)).statusCode).toBe(429);
        nowMs += 1000;
        const unlocked = await attempt(PASSWORD);
        expect(unlocked.statusCode).toBe(200);
        expect(await user()).toEqual({ failedSignIns: 0, lockedUntil: null });
        // Counting starts over: the next wrong password is a plain 401.
        expect((await attempt('wrong password')).statusCode).toBe(401);
        expect((await attempt(PASSWORD)).statusCode).toBe(200);
      });

      it('limits failures per client address (IPv6 by its /64), whatever the e-mail', async () => {
        const limited = await buildHttpServer({
          store,
          logger: createLogger('silent'),
          version: 'test',
          session: { clock, addressFailureLimit: { max: 3, windowMs: 15 * MINUTE } },
        });
        try {
          for (const email of ['a@nowhere.example', 'b@nowhere.example', 'c@nowhere.example']) {
            expect((await signIn(email, PASSWORD, { remoteAddress: '2001:db8:1:2::1' }, limited)).statusCode).toBe(401);
          }
          const refused = await signIn('john@acme.example', PASSWORD, { remoteAddress: '2001:db8:1:2::99' }, limited);
          expect(refused.statusCode).toBe(429);
          expect(refused.headers['retry-after']).toBe('900');
          expect(refused.json()).toMatchObject({ error: 'too_many_requests', message: expect.stringMatching(/from this address/) as unknown });
          expect((await signIn('john@acme.example', PASSWORD, { remoteAddress: '2001:db8:1:3::1' }, limited)).statusCode).toBe(200);
          nowMs += 15 * MINUTE;
          expect((await signIn('john@acme.example', PASSWORD, { remoteAddress: '2001:db8:1:2::1' }, limited)).statusCode).toBe(200);
        } finally {
          await limited.close();
        }
      });
    });

    describe('password change', () => {
      it('checks the passwords, changes it, and ends the user\'s other sessions', async () => {
        const email = 'changer@acme.example';
        const mine = await session(email);
        const other = await session(email);
        const change = (payload: object, headers: Record<string, string> = { 'x-csrf-token': mine.csrf }) =>
          app.inject({ method: 'PUT', url: '/api/v1/me/password', headers: { cookie: mine.cookie, ...headers }, payload });
        const newPassword = 'a much better passphrase';

        expect((await change({ currentPassword: PASSWORD, newPassword }, {})).statusCode).toBe(403);
        for (const [payload, field, message] of [
          [{ currentPassword: 'not it at all', newPassword }, 'currentPassword', /wrong/],
          [{ currentPassword: PASSWORD, newPassword: 'short' }, 'newPassword', /at least 10 characters/],
          [{ currentPassword: PASSWORD, newPassword: 'Changer@Acme.example' }, 'newPassword', /e-mail/],
          [{ currentPassword: PASSWORD, newPassword: PASSWORD }, 'newPassword', /differ/],
          [{ currentPassword: PASSWORD }, 'newPassword', /required/],
        ] as const) {
          const response = await change(payload);
          expect(response.statusCode).toBe(400);
          expect(response.json()).toMatchObject({ error: 'bad_request', field, message: expect.stringMatching(message) as unknown });
        }

        expect((await change({ currentPassword: PASSWORD, newPassword })).statusCode).toBe(204);
        expect((await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: mine.cookie } })).statusCode).toBe(200);
        expect((await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: other.cookie } })).statusCode).toBe(401);
        expect((await signIn(email, PASSWORD)).statusCode).toBe(401);
        expect((await signIn(email, newPassword)).statusCode).toBe(200);
        const audit = await store.db.selectFrom('auditLog').selectAll().where('action', '=', 'change password').where('entityId', '=', email).execute();
        expect(audit).toHaveLength(1);
        expect(await store.db.selectFrom('users').select(['failedSignIns']).where('email', '=', email).executeTakeFirstOrThrow()).toEqual({ failedSignIns: 0 });
      });
    });

    describe('API tokens on the portal', () => {
      it('lists, creates (shown once) and revokes the user\'s own tokens', async () => {
        const { cookie, csrf } = await session('admin@example.com');
        const headers = { cookie, 'x-csrf-token': csrf };
        expect((await app.inject({ method: 'POST', url: '/api/v1/me/tokens', headers: { cookie }, payload: { name: 'laptop' } })).statusCode).toBe(403);
        for (const [payload, field] of [[{}, 'name'], [{ name: '' }, 'name'], [{ name: 'two\nlines' }, 'name'], [{ name: 'x', scope: 'all' }, 'scope']] as const) {
          const bad = await app.inject({ method: 'POST', url: '/api/v1/me/tokens', headers, payload });
          expect(bad.statusCode).toBe(400);
          expect(bad.json()).toMatchObject({ field });
        }

        const created = await app.inject({ method: 'POST', url: '/api/v1/me/tokens', headers, payload: { name: 'laptop' } });
        expect(created.statusCode).toBe(201);
        const { id, token } = created.json<{ id: number; token: string }>();
        expect(created.json()).toEqual({ id, name: 'laptop', token: expect.stringMatching(/^dbk_[A-Za-z0-9_-]{43}$/) as unknown, createdAt: nowIso(clock) });
        expect(created.headers['cache-control']).toBe('no-store');

        const withToken = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } });
        expect(withToken.json()).toMatchObject({ user: { email: 'admin@example.com' } });

        const list = await app.inject({ method: 'GET', url: '/api/v1/me/tokens', headers: { cookie } });
        expect(list.statusCode).toBe(200);
        expect(list.body).not.toContain(token);
        expect(list.body).not.toContain(token.slice(4));
        const items = list.json<{ items: Record<string, unknown>[] }>().items;
        expect(items.find((t) => t.id === id)).toEqual({ id, name: 'laptop', createdAt: nowIso(clock), lastUsedAt: expect.any(String) as unknown, revokedAt: null });
        expect(items.every((t) => Object.keys(t).sort().join() === 'createdAt,id,lastUsedAt,name,revokedAt')).toBe(true);

        // Someone else's token is not found, exactly like a missing one.
        const { id: johns } = await createApiToken(store.db, { userId: userIds['john@acme.example']!, name: 'john', actor: 'test' });
        for (const other of [johns, 999_999]) {
          const response = await app.inject({ method: 'DELETE', url: `/api/v1/me/tokens/${other}`, headers });
          expect(response.statusCode).toBe(404);
        }
        expect((await app.inject({ method: 'DELETE', url: `/api/v1/me/tokens/${id}`, headers: { cookie } })).statusCode).toBe(403);
        expect((await app.inject({ method: 'DELETE', url: `/api/v1/me/tokens/${id}`, headers })).statusCode).toBe(204);
        expect((await app.inject({ method: 'DELETE', url: `/api/v1/me/tokens/${id}`, headers })).statusCode).toBe(204);
        expect((await app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
        const after = (await app.inject({ method: 'GET', url: '/api/v1/me/tokens', headers: { cookie } })).json<{ items: { id: number; revokedAt: string | null }[] }>();
        expect(after.items.find((t) => t.id === id)?.revokedAt).toBe(nowIso(clock));
        expect(await store.db.selectFrom('apiTokens').select('revokedAt').where('id', '=', johns).executeTakeFirstOrThrow()).toEqual({ revokedAt: null });
      });
    });

    describe('Secure cookies', () => {
      it('are Secure over https as a trusted proxy says (X-Forwarded-Proto), or always when asked', async () => {
        const proxied = await buildHttpServer({ store, logger: createLogger('silent'), version: 'test', trustProxy: ['127.0.0.1'], session: { clock } });
        const always = await buildHttpServer({ store, logger: createLogger('silent'), version: 'test', session: { clock, secureCookies: true } });
        try {
          const attributes = (response: LightMyRequestResponse) => String(response.headers['set-cookie']).split(';').map((a) => a.trim());
          const https = { 'x-forwarded-proto': 'https' };
          const viaProxy = await signIn('john@acme.example', PASSWORD, { remoteAddress: '127.0.0.1', headers: https }, proxied);
          expect(viaProxy.statusCode).toBe(200);
          expect(attributes(viaProxy)).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/', 'Secure']));
          const plain = await signIn('john@acme.example', PASSWORD, { remoteAddress: '127.0.0.1' }, proxied);
          expect(attributes(plain)).not.toContain('Secure');
          // Without trustProxy nobody's X-Forwarded-Proto is believed.
          const untrusted = await signIn('john@acme.example', PASSWORD, { remoteAddress: '127.0.0.1', headers: https });
          expect(attributes(untrusted)).not.toContain('Secure');
          const forced = await signIn('john@acme.example', PASSWORD, {}, always);
          expect(attributes(forced)).toContain('Secure');
          const { csrfToken } = forced.json<{ csrfToken: string }>();
          const out = await always.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: `dialback_session=${cookieOf(forced)}`, 'x-csrf-token': csrfToken } });
          expect(out.statusCode).toBe(204);
          expect(attributes(out)).toContain('Secure');
        } finally {
          await proxied.close();
          await always.close();
        }
      });
    });

    describe('OpenAPI', () => {
      it('lists the routes with the sessionCookie scheme beside bearerAuth; signing in needs neither', async () => {
        type Operation = { operationId?: string; security?: Record<string, string[]>[]; responses: Record<string, unknown> };
        const document = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json<{
          paths: Record<string, Record<string, Operation>>;
          components: { securitySchemes: Record<string, Record<string, string>> };
        }>();
        expect(document.components.securitySchemes.sessionCookie).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'dialback_session' });
        expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
        const both = [{ bearerAuth: [] }, { sessionCookie: [] }];
        const expected: [string, string, string][] = [
          ['/api/v1/session', 'delete', 'signOut'],
          ['/api/v1/me', 'get', 'getMe'],
          ['/api/v1/me/password', 'put', 'changePassword'],
          ['/api/v1/me/tokens', 'get', 'listMyTokens'],
          ['/api/v1/me/tokens', 'post', 'createMyToken'],
          ['/api/v1/me/tokens/{id}', 'delete', 'revokeMyToken'],
        ];
        for (const [path, method, operationId] of expected) {
          const operation = document.paths[path]?.[method];
          expect(operation, `${method} ${path}`).toMatchObject({ operationId, security: both });
        }
        const signInOperation = document.paths['/api/v1/session']?.post;
        expect(signInOperation).toMatchObject({ operationId: 'signIn', security: [] });
        expect(Object.keys(signInOperation!.responses).sort()).toEqual(['200', '400', '401', '403', '429', '500']);
      });
    });
  });
}
