import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPTCHA_OFF_WARNING } from '../../src/http/api/callnow.js';
import { buildHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { authenticateApiToken, createApiToken, revokeApiToken } from '../../src/store/api-tokens.js';
import { nowIso, type Store } from '../../src/store/db.js';
import type { UserRole } from '../../src/store/schema.js';
import { DEMO_YAML as DEMO, provision } from '../helpers/api.js';
import { testDatabases } from '../helpers/stores.js';
import { createAccount } from '../../src/store/accounts.js';


/** A second organization beside the demo's Acme: one CallNow extension, one phone without CallNow yet. */
const GLOBEX = `
organizations:
  - name: Globex
    timeIntervals:
      - name: Night shift
        timezone: Europe/Berlin
        weekly:
          - { days: [mon, tue, wed, thu, fri], from: "22:00", to: "24:00" }
    extensions:
      - number: "002001"
        name: Jane Roe
        callnow: { id: jane_roe, captcha: true }
      - number: "002002"
        name: Plain phone
`;


const preferences = {
  enabled: true,
  confirm: false,
  showName: false,
  askName: true,
  captcha: true,
  language: 'de',
  message: 'Hinterlassen Sie Ihre Nummer.\nIch rufe zurück.',
  availability: null,
  rejectWhileOnPhone: false,
};

for (const database of testDatabases) {
  describe(`REST API: CallNow preferences and rules on ${database.name}`, () => {
    let store: Store;
    let app: Awaited<ReturnType<typeof buildHttpServer>>;
    const ext: Record<string, number> = {};
    const token: Record<string, string> = {};
    let providerId: number;

    async function addUser(email: string, role: UserRole, accountId: number, extensionId: number | null = null): Promise<string> {
      const now = nowIso();
      const user = await store.db
        .insertInto('users')
        .values({ accountId, email, passwordHash: 'scrypt$unused', role, extensionId, lockedUntil: null, createdAt: now, updatedAt: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      return (await createApiToken(store.db, { userId: user.id, name: 'test', actor: 'test' })).token;
    }

    beforeAll(async () => {
      store = await database.open();
      await provision(store, DEMO);
      await provision(store, GLOBEX);
      for (const row of await store.db.selectFrom('extensions').select(['id', 'number']).execute()) ext[row.number] = row.id;
      const accounts = await store.db.selectFrom('accounts').select(['id', 'kind', 'name']).execute();
      const accountId = (name: string) => accounts.find((a) => a.name === name)!.id;
      providerId = accounts.find((a) => a.kind === 'provider')!.id;

      // Globex is sold through a reseller; Acme belongs to the provider directly.
      const now = nowIso();
      const reseller = await createAccount(store.db, { kind: 'reseller', name: 'Resell Co', parentId: providerId }, now);
      await store.db.updateTable('accounts').set({ parentId: reseller.id }).where('id', '=', accountId('Globex')).execute();
      // A time interval the provider defines: visible to every organization below it.
      await store.db
        .insertInto('timeIntervals')
        .values({ accountId: providerId, name: 'Provider hours', timezone: 'UTC', createdAt: now, updatedAt: now })
        .execute();

      token.admin = await addUser('admin@example.com', 'admin', providerId);
      token.reseller = await addUser('sales@resell.example', 'reseller', reseller.id);
      token.acmeManager = await addUser('boss@acme.example', 'org_manager', accountId('Acme'));
      token.john = await addUser('john@acme.example', 'extension_owner', accountId('Acme'), ext['001002']);
      token.jane = await addUser('jane@globex.example', 'extension_owner', accountId('Globex'), ext['002001']);

      app = await buildHttpServer({ store, logger: createLogger('silent'), version: 'test' });
      await app.ready();
    });
    afterAll(async () => {
      await app?.close();
      await store?.close();
    });

    const call = (who: string | null, options: InjectOptions) =>
      app.inject({ ...options, headers: { ...(who ? { authorization: `Bearer ${token[who]}` } : {}), ...options.headers } });
    const callnowUrl = (number: string) => `/api/v1/extensions/${ext[number]}/callnow`;
    const rulesUrl = (number: string) => `/api/v1/extensions/${ext[number]}/callnow/rules`;

    describe('authentication', () => {
      it('refuses a request without a token, with a Bearer challenge', async () => {
        const response = await call(null, { method: 'GET', url: callnowUrl('001002') });
        expect(response.statusCode).toBe(401);
        expect(response.headers['www-authenticate']).toMatch(/^Bearer\b/);
        expect(response.json()).toEqual({ error: 'unauthorized', message: expect.stringMatching(/Bearer/) as unknown });
      });

      it.each([
        ['another scheme', 'Basic YWRtaW46c2VjcmV0'],
        ['an unknown token', `Bearer dbk_${'A'.repeat(43)}`],
        ['a malformed token', 'Bearer not-a-token'],
      ])('refuses %s', async (_what, authorization) => {
        const response = await call(null, { method: 'GET', url: callnowUrl('001002'), headers: { authorization } });
        expect(response.statusCode).toBe(401);
        expect(response.headers['www-authenticate']).toMatch(/^Bearer\b/);
        expect(response.json()).toMatchObject({ error: 'unauthorized' });
      });

      it('checks the token before the body: a bad body without a token is 401, not 400', async () => {
        const response = await call(null, { method: 'PUT', url: callnowUrl('001002'), payload: { nonsense: true } });
        expect(response.statusCode).toBe(401);
      });

      it('refuses a revoked token at once', async () => {
        const user = await store.db.selectFrom('users').select('id').where('email', '=', 'john@acme.example').executeTakeFirstOrThrow();
        const { id, token: secret } = await createApiToken(store.db, { userId: user.id, name: 'to revoke', actor: 'test' });
        const headers = { authorization: `Bearer ${secret}` };
        expect((await app.inject({ method: 'GET', url: callnowUrl('001002'), headers })).statusCode).toBe(200);
        await revokeApiToken(store.db, id, { actor: 'test' });
        const response = await app.inject({ method: 'GET', url: callnowUrl('001002'), headers });
        expect(response.statusCode).toBe(401);
        expect(response.headers['www-authenticate']).toMatch(/^Bearer\b.*invalid_token/);
      });

      it('refuses the token of a disabled user', async () => {
        const user = await store.db.selectFrom('users').select('id').where('email', '=', 'jane@globex.example').executeTakeFirstOrThrow();
        const { token: secret } = await createApiToken(store.db, { userId: user.id, name: 'disabled', actor: 'test' });
        await store.db.updateTable('users').set({ disabled: 1 }).where('id', '=', user.id).execute();
        try {
          const response = await app.inject({ method: 'GET', url: callnowUrl('002001'), headers: { authorization: `Bearer ${secret}` } });
          expect(response.statusCode).toBe(401);
        } finally {
          await store.db.updateTable('users').set({ disabled: 0 }).where('id', '=', user.id).execute();
        }
      });

      it('records when a token was last used, at most once a minute', async () => {
        const user = await store.db.selectFrom('users').select('id').where('email', '=', 'admin@example.com').executeTakeFirstOrThrow();
        const { id, token: secret } = await createApiToken(store.db, { userId: user.id, name: 'clock', actor: 'test' });
        const lastUsed = async () =>
          (await store.db.selectFrom('apiTokens').select('lastUsedAt').where('id', '=', id).executeTakeFirstOrThrow()).lastUsedAt;
        const t0 = Date.parse('2030-01-01T10:00:00.000Z');
        expect(await lastUsed()).toBeNull();
        expect(await authenticateApiToken(store.db, secret, () => t0)).toMatchObject({ email: 'admin@example.com', role: 'admin' });
        expect(await lastUsed()).toBe('2030-01-01T10:00:00.000Z');
        await authenticateApiToken(store.db, secret, () => t0 + 59_000);
        expect(await lastUsed()).toBe('2030-01-01T10:00:00.000Z');
        await authenticateApiToken(store.db, secret, () => t0 + 60_000);
        expect(await lastUsed()).toBe('2030-01-01T10:01:00.000Z');
      });
    });

    describe('who may manage which extension', () => {
      const cases: [string, string, number][] = [
        ['john', '001002', 200],
        ['john', '002001', 404],
        ['jane', '002001', 200],
        ['jane', '001002', 404],
        ['acmeManager', '001002', 200],
        ['acmeManager', '002001', 404],
        ['reseller', '002001', 200],
        ['reseller', '001002', 404],
        ['admin', '001002', 200],
        ['admin', '002001', 200],
      ];
      it.each(cases)('%s reading %s gets %i', async (who, number, status) => {
        const response = await call(who, { method: 'GET', url: callnowUrl(number) });
        expect(response.statusCode).toBe(status);
        if (status === 404) expect(response.json()).toEqual({ error: 'not_found', message: 'no such extension' });
      });

      it('answers an unknown extension exactly like one that is not yours', async () => {
        const missing = await call('john', { method: 'GET', url: '/api/v1/extensions/987654/callnow' });
        const foreign = await call('john', { method: 'GET', url: callnowUrl('002001') });
        expect(missing.statusCode).toBe(404);
        expect(missing.json()).toEqual(foreign.json());
        expect(missing.json()).toMatchObject({ error: 'not_found' });
      });

      it('does not let an owner change another extension', async () => {
        const response = await call('john', { method: 'PUT', url: callnowUrl('002001'), payload: { ...preferences, callnowId: 'stolen' } });
        expect(response.statusCode).toBe(404);
        const rules = await call('john', { method: 'PUT', url: rulesUrl('002001'), payload: { rules: [] } });
        expect(rules.statusCode).toBe(404);
        expect((await call('jane', { method: 'GET', url: callnowUrl('002001') })).json()).toMatchObject({ callnowId: 'jane_roe' });
      });
    });

    describe('preferences', () => {
      it('reads what provisioning wrote, with the public link and the warning (image validation is off)', async () => {
        const response = await call('john', { method: 'GET', url: callnowUrl('001002') });
        expect(response.statusCode).toBe(200);
        expect(response.json()).toEqual({
          callnowId: 'john_doe',
          enabled: true,
          confirm: true,
          showName: true,
          askName: true,
          captcha: false,
          language: 'en',
          message: 'Leave your number and I will call you back.',
          availability: 'Office hours',
          rejectWhileOnPhone: true,
          publicUrl: 'http://localhost:8080/callnow/john_doe',
          warning: CAPTCHA_OFF_WARNING,
        });
        expect(CAPTCHA_OFF_WARNING).toBe('Without image validation anyone who has your link can make calls that you pay for.');
      });

      it('has no warning while image validation is on', async () => {
        const body = (await call('jane', { method: 'GET', url: callnowUrl('002001') })).json<Record<string, unknown>>();
        expect(body.captcha).toBe(true);
        expect(body).not.toHaveProperty('warning');
      });

      it('round-trips a PUT (availability from the provider above), audit-logs it, and keeps the id when it is left out', async () => {
        const put = await call('john', {
          method: 'PUT',
          url: callnowUrl('001002'),
          payload: { ...preferences, availability: 'Provider hours' },
        });
        expect(put.statusCode, put.body).toBe(200);
        const expected = {
          ...preferences,
          availability: 'Provider hours',
          callnowId: 'john_doe',
          publicUrl: 'http://localhost:8080/callnow/john_doe',
        };
        expect(put.json()).toEqual(expected);
        expect((await call('john', { method: 'GET', url: callnowUrl('001002') })).json()).toEqual(expected);

        const audit = await store.db
          .selectFrom('auditLog')
          .selectAll()
          .where('entity', '=', 'callnow preferences')
          .where('entityId', '=', String(ext['001002']))
          .execute();
        expect(audit).toHaveLength(1);
        expect(audit[0]).toMatchObject({ actor: 'john@acme.example', action: 'update' });
        expect(JSON.parse(audit[0]!.details!)).toMatchObject({ captcha: { from: false, to: true }, language: { from: 'en', to: 'de' } });

        // The same again changes nothing and logs nothing.
        const again = await call('john', { method: 'PUT', url: callnowUrl('001002'), payload: { ...preferences, availability: 'Provider hours' } });
        expect(again.statusCode).toBe(200);
        const after = await store.db.selectFrom('auditLog').select('id').where('entity', '=', 'callnow preferences').execute();
        expect(after).toHaveLength(1);
      });

      it('accepts back what GET returned (publicUrl and warning are ignored) and turns the warning on with captcha off', async () => {
        const current = (await call('john', { method: 'GET', url: callnowUrl('001002') })).json<Record<string, unknown>>();
        const put = await call('john', {
          method: 'PUT',
          url: callnowUrl('001002'),
          payload: { ...current, captcha: false, callnowId: 'John.Doe'.replace('.', '-'), availability: 'Office hours' },
        });
        expect(put.statusCode, put.body).toBe(200);
        expect(put.json()).toMatchObject({
          callnowId: 'john-doe',
          captcha: false,
          availability: 'Office hours',
          publicUrl: 'http://localhost:8080/callnow/john-doe',
          warning: CAPTCHA_OFF_WARNING,
        });
        // Back to the demo's id for the other tests.
        const back = await call('john', { method: 'PUT', url: callnowUrl('001002'), payload: { ...preferences, callnowId: 'john_doe' } });
        expect(back.statusCode).toBe(200);
      });

      it('creates preferences for an extension that has none, with a random 16-hex-digit id', async () => {
        const before = await call('admin', { method: 'GET', url: callnowUrl('002002') });
        expect(before.statusCode).toBe(404);
        expect(before.json()).toMatchObject({ error: 'not_found', message: expect.stringMatching(/no CallNow preferences yet/) as unknown });

        const put = await call('admin', { method: 'PUT', url: callnowUrl('002002'), payload: { ...preferences, availability: 'Night shift' } });
        expect(put.statusCode, put.body).toBe(200);
        const body = put.json<{ callnowId: string; publicUrl: string }>();
        expect(body.callnowId).toMatch(/^[0-9a-f]{16}$/);
        expect(body.publicUrl).toBe(`http://localhost:8080/callnow/${body.callnowId}`);
        const audit = await store.db
          .selectFrom('auditLog')
          .selectAll()
          .where('entity', '=', 'callnow preferences')
          .where('entityId', '=', String(ext['002002']))
          .executeTakeFirstOrThrow();
        expect(audit).toMatchObject({ actor: 'admin@example.com', action: 'create' });
      });

      it('refuses a CallNow ID another extension has, whatever its case, with 409', async () => {
        for (const callnowId of ['john_doe', 'JOHN_DOE']) {
          const response = await call('jane', { method: 'PUT', url: callnowUrl('002001'), payload: { ...preferences, callnowId } });
          expect(response.statusCode).toBe(409);
          expect(response.json()).toEqual({ error: 'conflict', message: 'CallNow ID "john_doe" is taken; choose another', field: 'callnowId' });
        }
        expect((await call('jane', { method: 'GET', url: callnowUrl('002001') })).json()).toMatchObject({ callnowId: 'jane_roe' });
      });

      it('refuses CallNow on a callback extension', async () => {
        const put = await call('admin', { method: 'PUT', url: callnowUrl('001100'), payload: preferences });
        expect(put.statusCode).toBe(409);
        expect(put.json()).toMatchObject({ error: 'conflict', message: expect.stringMatching(/callback extension/) as unknown });
        expect((await call('admin', { method: 'GET', url: callnowUrl('001100') })).statusCode).toBe(404);
      });

      const badFields: [string, Record<string, unknown>, string, RegExp][] = [
        ['a short CallNow ID', { callnowId: 'ab' }, 'callnowId', /callnowId has the wrong form: expected 3 to 32/],
        ['a CallNow ID with a dot', { callnowId: 'john.doe' }, 'callnowId', /callnowId has the wrong form/],
        ['a long CallNow ID', { callnowId: 'a'.repeat(33) }, 'callnowId', /callnowId has the wrong form/],
        ['a language not offered', { language: 'it' }, 'language', /language must be one of "en", "de", "fr", "es", "caller"/],
        ['a message over 500 characters', { message: 'x'.repeat(501) }, 'message', /message is too long: at most 500/],
        ['a message with control characters', { message: 'bell\u0007' }, 'message', /message has the wrong form: expected plain text/],
        ['a flag given as text', { captcha: 'false' }, 'captcha', /captcha must be a boolean/],
        ['a flag given as a number', { enabled: 1 }, 'enabled', /enabled must be a boolean/],
        ['an unknown field', { colour: 'red' }, 'colour', /colour is not a field of this request/],
        ['availability of another organization', { availability: 'Night shift' }, 'availability', /no time interval named "Night shift"/],
        ['availability as a number', { availability: 5 }, 'availability', /availability must be a string or null/],
      ];
      it.each(badFields)('refuses %s with 400 naming the field', async (_what, change, field, message) => {
        const response = await call('john', { method: 'PUT', url: callnowUrl('001002'), payload: { ...preferences, ...change } });
        expect(response.statusCode, response.body).toBe(400);
        const body = response.json<{ error: string; message: string; field: string }>();
        expect(body).toMatchObject({ error: 'bad_request', field });
        expect(body.message).toMatch(message);
      });

      it('refuses a missing field, a body that is not JSON, and an extension id that is not a number', async () => {
        const { enabled: _enabled, ...withoutEnabled } = preferences;
        const missing = await call('john', { method: 'PUT', url: callnowUrl('001002'), payload: withoutEnabled });
        expect(missing.statusCode).toBe(400);
        expect(missing.json()).toEqual({ error: 'bad_request', message: 'enabled is required', field: 'enabled' });

        const notJson = await call('john', {
          method: 'PUT',
          url: callnowUrl('001002'),
          payload: '{"enabled": tru',
          headers: { 'content-type': 'application/json' },
        });
        expect(notJson.statusCode).toBe(400);
        expect(notJson.json()).toMatchObject({ error: 'bad_request' });

        const badId = await call('john', { method: 'GET', url: '/api/v1/extensions/abc/callnow' });
        expect(badId.statusCode).toBe(400);
        expect(badId.json()).toMatchObject({ error: 'bad_request', field: 'extensionId' });

        // Nothing of it landed.
        expect((await call('john', { method: 'GET', url: callnowUrl('001002') })).json()).toMatchObject({ callnowId: 'john_doe', language: 'de' });
      });
    });

    describe('rules', () => {
      it('reads the demo rules in order', async () => {
        const response = await call('john', { method: 'GET', url: rulesUrl('001002') });
        expect(response.statusCode).toBe(200);
        expect(response.json()).toEqual({
          rules: [
            { number: '+614*', name: null, action: 'accept' },
            { number: null, name: '*test*', action: 'reject' },
          ],
        });
      });

      it('replaces the list, keeping the order given, and audit-logs it', async () => {
        const rules = [
          { number: '+61290??????', action: 'confirm' },
          { name: 'Spam*', action: 'reject' },
          { number: '+49*', name: '*Müller*', action: 'accept' },
          { number: '0*', name: null, action: 'reject' },
        ];
        const put = await call('acmeManager', { method: 'PUT', url: rulesUrl('001002'), payload: { rules } });
        expect(put.statusCode, put.body).toBe(200);
        const expected = {
          rules: [
            { number: '+61290??????', name: null, action: 'confirm' },
            { number: null, name: 'Spam*', action: 'reject' },
            { number: '+49*', name: '*Müller*', action: 'accept' },
            { number: '0*', name: null, action: 'reject' },
          ],
        };
        expect(put.json()).toEqual(expected);
        expect((await call('john', { method: 'GET', url: rulesUrl('001002') })).json()).toEqual(expected);

        const reordered = [expected.rules[3], expected.rules[0]];
        const second = await call('john', { method: 'PUT', url: rulesUrl('001002'), payload: { rules: reordered } });
        expect(second.json()).toEqual({ rules: reordered });
        expect((await call('john', { method: 'GET', url: rulesUrl('001002') })).json()).toEqual({ rules: reordered });

        const audit = await store.db.selectFrom('auditLog').selectAll().where('entity', '=', 'callnow rules').orderBy('id').execute();
        expect(audit.map((a) => a.actor)).toEqual(['boss@acme.example', 'john@acme.example']);

        const cleared = await call('john', { method: 'PUT', url: rulesUrl('001002'), payload: { rules: [] } });
        expect(cleared.json()).toEqual({ rules: [] });
        expect((await call('john', { method: 'GET', url: rulesUrl('001002') })).json()).toEqual({ rules: [] });
      });

      const badRules: [string, unknown, string, RegExp][] = [
        ['a rule with neither number nor name', [{ number: '+61*', action: 'accept' }, { action: 'reject' }], 'rules[1]', /rules\[1\] needs a number pattern, a name pattern, or both/],
        ['a rule with both null', [{ number: null, name: null, action: 'reject' }], 'rules[0]', /needs a number pattern/],
        ['a number pattern with letters', [{ number: '+61abc', action: 'accept' }], 'rules[0].number', /rules\[0\]\.number has the wrong form: expected digits/],
        ['a + inside a number pattern', [{ number: '61+2', action: 'accept' }], 'rules[0].number', /wrong form/],
        ['a number pattern over 32', [{ number: '1'.repeat(33), action: 'accept' }], 'rules[0].number', /too long: at most 32/],
        ['a name pattern over 64', [{ name: 'n'.repeat(65), action: 'accept' }], 'rules[0].name', /too long: at most 64/],
        ['an unknown action', [{ number: '1*', action: 'maybe' }], 'rules[0].action', /must be one of "accept", "confirm", "reject"/],
        ['more than 100 rules', Array.from({ length: 101 }, (_, i) => ({ number: `${i}*`, action: 'accept' })), 'rules', /at most 100/],
      ];
      it.each(badRules)('refuses %s with 400 naming the field, changing nothing', async (_what, rules, field, message) => {
        await call('john', { method: 'PUT', url: rulesUrl('001002'), payload: { rules: [{ number: '+614*', action: 'accept' }] } });
        const response = await call('john', { method: 'PUT', url: rulesUrl('001002'), payload: { rules } });
        expect(response.statusCode, response.body).toBe(400);
        const body = response.json<{ message: string }>();
        expect(body).toMatchObject({ error: 'bad_request', field });
        expect(body.message).toMatch(message);
        expect((await call('john', { method: 'GET', url: rulesUrl('001002') })).json()).toEqual({
          rules: [{ number: '+614*', name: null, action: 'accept' }],
        });
      });

      it('accepts exactly 100 rules', async () => {
        const rules = Array.from({ length: 100 }, (_, i) => ({ number: `+${i}*`, name: null, action: 'confirm' }));
        const response = await call('john', { method: 'PUT', url: rulesUrl('001002'), payload: { rules } });
        expect(response.statusCode, response.body).toBe(200);
        expect((await call('john', { method: 'GET', url: rulesUrl('001002') })).json()).toEqual({ rules });
      });
    });

    describe('OpenAPI', () => {
      it('lists the routes with their schemas, the bearerAuth scheme, and the errors', async () => {
        const response = await app.inject({ method: 'GET', url: '/api/openapi.json' });
        expect(response.statusCode).toBe(200);
        type Operation = {
          security?: Record<string, string[]>[];
          parameters?: { name: string; in: string }[];
          requestBody?: { content: Record<string, { schema: { required?: string[] } }> };
          responses: Record<string, unknown>;
        };
        const document = response.json<{
          paths: Record<string, Record<string, Operation>>;
          components: { securitySchemes?: Record<string, { type: string; scheme: string }> };
        }>();
        expect(document.components.securitySchemes?.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
        for (const path of ['/api/v1/extensions/{extensionId}/callnow', '/api/v1/extensions/{extensionId}/callnow/rules']) {
          for (const method of ['get', 'put']) {
            const operation = document.paths[path]?.[method];
            expect(operation, `${method} ${path}`).toBeDefined();
            expect(operation!.security).toEqual([{ bearerAuth: [] }, { sessionCookie: [] }]);
            expect(operation!.parameters).toContainEqual(expect.objectContaining({ name: 'extensionId', in: 'path' }));
            expect(Object.keys(operation!.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '404']));
            if (method === 'put') expect(Object.keys(operation!.responses)).toContain('409');
          }
        }
        const put = document.paths['/api/v1/extensions/{extensionId}/callnow']!.put!;
        expect(put.requestBody?.content['application/json']?.schema.required).toEqual(
          expect.arrayContaining(['enabled', 'confirm', 'showName', 'askName', 'captcha', 'language', 'message', 'availability', 'rejectWhileOnPhone']),
        );
        expect(put.requestBody?.content['application/json']?.schema.required).not.toContain('callnowId');
        // The health check stays open.
        expect(document.paths['/healthz']?.get?.security).toBeUndefined();
      });
    });
  });
}
