import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { hashApiToken } from '../../src/store/api-tokens.js';
import { openStore } from '../../src/store/db.js';
import { runCli } from '../helpers/cli.js';
import { createPgDatabase, pgUrl } from '../helpers/stores.js';

/** Each CLI run starts Node with tsx (one to three seconds on a busy two-core machine); these tests make several. */
const CLI_RUNS_TIMEOUT = 120_000;
const DEMO = new URL('../../examples/demo.yaml', import.meta.url);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dialback-token-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const databases: { name: string; setup(): Promise<{ url: string; drop(): Promise<void> }> }[] = [
  { name: 'sqlite', setup: () => Promise.resolve({ url: `sqlite:${join(mkdtempSync(join(dir, 'db-')), 'db.sqlite')}`, drop: () => Promise.resolve() }) },
  ...(pgUrl === undefined ? [] : [{ name: 'postgres', setup: () => createPgDatabase(pgUrl as string) }]),
];

/** Asks the REST API (on the same database the CLI wrote) for the demo extension's CallNow preferences. */
async function callnowStatus(url: string, token: string): Promise<number> {
  const store = openStore(url);
  try {
    const extension = await store.db.selectFrom('extensions').select('id').where('number', '=', '001002').executeTakeFirstOrThrow();
    const app = await buildHttpServer({ store, logger: createLogger('silent'), version: 'test' });
    try {
      const response = await app.inject({
        method: 'GET',
        url: `/api/v1/extensions/${extension.id}/callnow`,
        headers: { authorization: `Bearer ${token}` },
      });
      return response.statusCode;
    } finally {
      await app.close();
    }
  } finally {
    await store.close();
  }
}

for (const database of databases) {
  describe(`dialback token on ${database.name}`, () => {
    it('creates a token that authenticates, lists it without the secret, and revokes it', async () => {
      const db = await database.setup();
      try {
        const cwd = mkdtempSync(join(dir, 'case-'));
        const env = { DIALBACK_DATABASE_URL: db.url };
        writeFileSync(join(cwd, 'pw'), 'correct horse battery\n');
        expect((await runCli(['provision', DEMO.pathname], { cwd, env })).code).toBe(0);
        expect((await runCli(['admin', 'create', 'ops@example.com', '--password-file', 'pw'], { cwd, env })).code).toBe(0);

        const created = await runCli(['token', 'create', 'Ops@Example.com', '--name', 'portal'], { cwd, env });
        expect(created.code, created.stderr).toBe(0);
        expect(created.stdout).toMatch(/^dbk_[A-Za-z0-9_-]{43}\n$/);
        expect(created.stderr).toMatch(/created API token 1 "portal" for ops@example\.com; it is shown only this once/);
        const token = created.stdout.trim();

        // Only the hash is kept.
        const store = openStore(db.url);
        const rows = await store.db.selectFrom('apiTokens').selectAll().execute();
        await store.close();
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ name: 'portal', tokenHash: hashApiToken(token), lastUsedAt: null, revokedAt: null });
        expect(JSON.stringify(rows)).not.toContain(token);

        expect(await callnowStatus(db.url, token)).toBe(200);

        const listed = await runCli(['token', 'list', 'ops@example.com'], { cwd, env });
        expect(listed.code).toBe(0);
        expect(listed.stdout).toMatch(/^id +name +created +last used +state\n1 +portal +\S+ +\d{4}-\S+ +active\n$/);
        expect(listed.stdout).not.toContain(token);

        const revoked = await runCli(['token', 'revoke', '1'], { cwd, env });
        expect(revoked.code, revoked.stderr).toBe(0);
        expect(revoked.stdout).toBe('revoked API token 1 "portal"\n');
        expect(await callnowStatus(db.url, token)).toBe(401);

        const again = await runCli(['token', 'revoke', '1'], { cwd, env });
        expect(again.code).toBe(0);
        expect(again.stdout).toMatch(/was already revoked/);
        expect((await runCli(['token', 'list', 'ops@example.com'], { cwd, env })).stdout).toMatch(/revoked \d{4}-/);
      } finally {
        await db.drop();
      }
    }, CLI_RUNS_TIMEOUT);
  });
}

describe('dialback token input errors', () => {
  it('refuses an unknown user, an unknown or malformed id, and a bad configuration', async () => {
    const cwd = mkdtempSync(join(dir, 'case-'));
    const unknown = await runCli(['token', 'create', 'nobody@example.com'], { cwd });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('dialback: no user with e-mail nobody@example.com\n');
    expect(unknown.stdout).toBe('');

    const list = await runCli(['token', 'list', 'nobody@example.com'], { cwd });
    expect(list.code).toBe(1);
    expect(list.stderr).toMatch(/no user with e-mail nobody@example\.com/);

    const missing = await runCli(['token', 'revoke', '42'], { cwd });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no API token with id 42/);

    const malformed = await runCli(['token', 'revoke', 'abc'], { cwd });
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toMatch(/"abc" is not a token id/);

    const config = await runCli(['token', 'create', 'a@example.com'], { cwd, env: { DIALBACK_DATABASE_URL: 'mysql://nope' } });
    expect(config.code).toBe(78);
    expect(config.stderr).toMatch(/DIALBACK_DATABASE_URL/);
  }, CLI_RUNS_TIMEOUT);

  it.each([[['token', 'create']], [['token', 'list']], [['token', 'revoke']]])('explains %j', async (args) => {
    const result = await runCli([...args, '--help'], { cwd: mkdtempSync(join(dir, 'case-')) });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage: dialback token/);
  });
});
