// PATCH /api/v1/sound-folders/{id}: renaming a sound folder, on SQLite and PostgreSQL. Who may
// (the folder's account level and below, not extension owners, not inherited folders), what
// names are taken, and that the sounds inside keep their names (calls play them by name).
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const GLOBEX = `
organizations:
  - name: Globex
    extensions:
      - number: "002001"
        name: Jane Roe
`;

/** A second of silence as an 8 kHz mono 16-bit WAV. */
function silence(): Buffer {
  const data = Buffer.alloc(16000);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(16000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

for (const database of testDatabases) {
  describe(`REST API: renaming a sound folder on ${database.name}`, () => {
    let store: Store;
    let app: Awaited<ReturnType<typeof buildHttpServer>>;
    const token: Record<string, string> = {};
    const account = { provider: 0, acme: 0, globex: 0 };

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
      for (const yaml of [DEMO, GLOBEX]) await applyPlan(store.db, buildPlan(parseProvisionFile(yaml), await readSettings(store.db)));
      const accounts = await store.db.selectFrom('accounts').select(['id', 'kind', 'name']).execute();
      account.provider = accounts.find((a) => a.kind === 'provider')!.id;
      account.acme = accounts.find((a) => a.name === 'Acme')!.id;
      account.globex = accounts.find((a) => a.name === 'Globex')!.id;
      const john = await store.db.selectFrom('extensions').select('id').where('number', '=', '001002').executeTakeFirstOrThrow();
      token.admin = await addUser('admin@example.com', 'admin', account.provider);
      token.acme = await addUser('boss@acme.example', 'org_manager', account.acme);
      token.globex = await addUser('boss@globex.example', 'org_manager', account.globex);
      token.john = await addUser('john@acme.example', 'extension_owner', account.acme, john.id);
      app = await buildHttpServer({ store, logger: createLogger('silent'), version: 'test' });
      await app.ready();
    });
    afterAll(async () => {
      await app?.close();
      await store?.close();
    });

    const call = (who: string, options: InjectOptions) => app.inject({ ...options, headers: { authorization: `Bearer ${token[who]}`, ...options.headers } });
    const makeFolder = async (who: string, accountId: number, name: string): Promise<number> => {
      const response = await call(who, { method: 'POST', url: `/api/v1/accounts/${accountId}/sound-folders`, payload: { name } });
      expect(response.statusCode, response.body).toBe(201);
      return response.json<{ id: number }>().id;
    };
    const rename = (who: string, folderId: number, payload: unknown) => call(who, { method: 'PATCH', url: `/api/v1/sound-folders/${folderId}`, payload: payload as Record<string, unknown> });

    it('renames the folder, keeps its sounds and their names, and audit-logs it', async () => {
      const folderId = await makeFolder('acme', account.acme, 'greetings');
      const upload = await call('acme', { method: 'POST', url: `/api/v1/sound-folders/${folderId}/sounds?name=welcome`, payload: silence(), headers: { 'content-type': 'audio/wav' } });
      expect(upload.statusCode, upload.body).toBe(201);

      const response = await rename('acme', folderId, { name: 'welcome-messages' });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({
        id: folderId,
        name: 'welcome-messages',
        accountId: account.acme,
        owner: { id: account.acme, name: 'Acme', kind: 'organization' },
        inherited: false,
        editable: true,
        sounds: [{ name: 'welcome', folder: 'welcome-messages', length: '00:00:01' }],
      });
      const list = await call('john', { method: 'GET', url: `/api/v1/accounts/${account.acme}/sound-folders` });
      expect(list.json<{ folders: { name: string }[] }>().folders.map((f) => f.name)).toContain('welcome-messages');
      const log = await store.db.selectFrom('auditLog').selectAll().where('entity', '=', 'sound folder').where('entityId', '=', String(folderId)).where('action', '=', 'rename').execute();
      expect(log).toHaveLength(1);
      expect(log[0]).toMatchObject({ actor: 'boss@acme.example' });
      expect(JSON.parse(log[0]!.details!)).toEqual({ accountId: account.acme, from: 'greetings', to: 'welcome-messages' });
      // The same name again changes nothing and is fine.
      expect((await rename('acme', folderId, { name: 'welcome-messages' })).statusCode).toBe(200);
    });

    it('refuses a name taken in the account (409 on name) and malformed names (400 on name)', async () => {
      const a = await makeFolder('acme', account.acme, 'alpha');
      await makeFolder('acme', account.acme, 'beta');
      const taken = await rename('acme', a, { name: 'beta' });
      expect(taken.statusCode).toBe(409);
      expect(taken.json()).toMatchObject({ error: 'conflict', field: 'name', message: 'there is already a folder named "beta" in this account' });
      for (const name of ['Beta', 'two words', '', 'x'.repeat(65)]) {
        const bad = await rename('acme', a, { name });
        expect(bad.statusCode, name).toBe(400);
        expect(bad.json(), name).toMatchObject({ error: 'bad_request', field: 'name', message: expect.stringContaining('lower-case letters') as unknown });
      }
      const extra = await rename('acme', a, { name: 'gamma', owner: 1 });
      expect(extra.statusCode).toBe(400);
      expect((await store.db.selectFrom('soundFolders').select('name').where('id', '=', a).executeTakeFirstOrThrow()).name).toBe('alpha');
      // Another account may have a folder of the same name.
      const globexFolder = await makeFolder('globex', account.globex, 'shared');
      expect((await rename('acme', a, { name: 'shared' })).statusCode).toBe(200);
      expect((await rename('globex', globexFolder, { name: 'alpha' })).statusCode).toBe(200);
    });

    it('is for the folder\'s account level: 403 for an extension owner and an inherited folder, 404 for another organization', async () => {
      const own = await makeFolder('acme', account.acme, 'own');
      const providers = await makeFolder('admin', account.provider, 'provider-prompts');
      const globexFolder = await makeFolder('globex', account.globex, 'globex-only');

      const owner = await rename('john', own, { name: 'mine' });
      expect(owner.statusCode).toBe(403);
      expect(owner.json<{ message: string }>().message).toContain('extension owners can listen to sounds but not change the sound library');
      const inherited = await rename('acme', providers, { name: 'ours' });
      expect(inherited.statusCode).toBe(403);
      expect(inherited.json<{ message: string }>().message).toContain('an account above yours');
      const elsewhere = await rename('acme', globexFolder, { name: 'taken-over' });
      expect(elsewhere.statusCode).toBe(404);
      expect(elsewhere.json()).toMatchObject({ error: 'not_found', message: 'no such sound folder' });
      expect((await rename('acme', 999_999, { name: 'nothing' })).statusCode).toBe(404);
      // The provider's administrator renames anywhere.
      expect((await rename('admin', globexFolder, { name: 'renamed-by-admin' })).json()).toMatchObject({ name: 'renamed-by-admin', inherited: false });
      const names = await store.db.selectFrom('soundFolders').select(['id', 'name']).where('id', 'in', [own, providers]).orderBy('id').execute();
      expect(names.map((f) => f.name)).toEqual(['own', 'provider-prompts']);
    });
  });
}
