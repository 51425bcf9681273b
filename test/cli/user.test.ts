import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { openStore, type Store } from '../../src/store/db.js';
import { runCli } from '../helpers/cli.js';
import { createPgDatabase, pgUrl } from '../helpers/stores.js';
import { createAccount } from '../../src/store/accounts.js';

/** Each CLI run starts Node with tsx (one to three seconds on a busy two-core machine); these tests make several. */
const CLI_RUNS_TIMEOUT = 180_000;
const DEMO = new URL('../../examples/demo.yaml', import.meta.url);
const PASSWORD = 'correct horse battery';
const WRONG = 'wrong horse battery';

type App = Awaited<ReturnType<typeof buildHttpServer>>;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dialback-user-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const databases: { name: string; setup(): Promise<{ url: string; drop(): Promise<void> }> }[] = [
  { name: 'sqlite', setup: () => Promise.resolve({ url: `sqlite:${join(mkdtempSync(join(dir, 'db-')), 'db.sqlite')}`, drop: () => Promise.resolve() }) },
  ...(pgUrl === undefined ? [] : [{ name: 'postgres', setup: () => createPgDatabase(pgUrl as string) }]),
];

function cookieOf(response: LightMyRequestResponse): string {
  const match = /^dialback_session=([A-Za-z0-9_-]{43});/.exec(String(response.headers['set-cookie']));
  if (!match) throw new Error(`no session cookie in ${String(response.headers['set-cookie'])}`);
  return `dialback_session=${match[1]!}`;
}

for (const database of databases) {
  describe(`dialback user on ${database.name}`, () => {
    let db: { url: string; drop(): Promise<void> };
    let cwd: string;
    let env: Record<string, string>;
    let store: Store;
    let app: App;
    /** The API's clock: real time plus a shift, so the sign-in slow-down can be waited out at once. */
    let shiftMs = 0;
    let addressCounter = 0;
    const cli = (args: string[], input?: string) => runCli(args, { cwd, env, ...(input === undefined ? {} : { input }) });
    const signIn = (email: string, password: string) =>
      app.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password }, remoteAddress: `198.51.100.${++addressCounter}` });
    const audit = (action: string, email: string) =>
      store.db.selectFrom('auditLog').select(['actor', 'details']).where('action', '=', action).where('entity', '=', 'user').where('entityId', '=', email).execute();

    beforeAll(async () => {
      db = await database.setup();
      cwd = mkdtempSync(join(dir, 'case-'));
      env = { DIALBACK_DATABASE_URL: db.url };
      writeFileSync(join(cwd, 'pw'), `${PASSWORD}\n`);
      writeFileSync(join(cwd, 'short'), 'short1234\n');
      writeFileSync(join(cwd, 'same'), 'Weak@Acme.Example\n');
      const provisioned = await cli(['provision', DEMO.pathname]);
      expect(provisioned.code, provisioned.stderr).toBe(0);
      store = openStore(db.url);
      // Provisioning files have no resellers yet: add one as the portal would.
      const provider = await store.db.selectFrom('accounts').select('id').where('kind', '=', 'provider').executeTakeFirst();
      await createAccount(store.db, { kind: 'reseller', name: 'Resell Co', parentId: provider?.id ?? null });
      app = await buildHttpServer({ store, logger: createLogger('silent'), version: 'test', session: { clock: () => Date.now() + shiftMs } });
      await app.ready();
    }, CLI_RUNS_TIMEOUT);
    afterAll(async () => {
      await app?.close();
      await store?.close();
      await db?.drop();
    });

    it('creates an extension owner who signs in through the API and sees the extension in GET /api/v1/me', async () => {
      const created = await cli(['user', 'create', 'John@Acme.example', '--role', 'extension-owner', '--organization', 'Acme', '--extension', '001002', '--password-file', 'pw']);
      expect(created.code, created.stderr).toBe(0);
      expect(created.stdout).toMatch(/^created extension-owner john@acme\.example \(user \d+\) for Acme extension 001002\n$/);

      const signedIn = await signIn('john@acme.example', PASSWORD);
      expect(signedIn.statusCode, signedIn.body).toBe(200);
      const acme = await store.db.selectFrom('accounts').select('id').where('name', '=', 'Acme').executeTakeFirstOrThrow();
      const extension = await store.db.selectFrom('extensions').select('id').where('number', '=', '001002').executeTakeFirstOrThrow();
      const me = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: cookieOf(signedIn) } });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({
        user: { email: 'john@acme.example', role: 'extension_owner', accountId: acme.id, extensionId: extension.id },
        extension: { id: extension.id, number: '001002', name: 'John Doe', type: 'phone' },
      });
      expect(await audit('create', 'john@acme.example')).toEqual([
        { actor: 'cli', details: JSON.stringify({ role: 'extension_owner', accountId: acme.id, extensionId: extension.id }) },
      ]);
    }, CLI_RUNS_TIMEOUT);

    it('creates an organization manager (password on standard input) and a reseller user', async () => {
      const [manager, reseller] = await Promise.all([
        cli(['user', 'create', 'boss@acme.example', '--role', 'org-manager', '--organization', 'Acme'], `${PASSWORD}\n`),
        cli(['user', 'create', 'sales@resell.example', '--role', 'reseller', '--reseller', 'Resell Co', '--password-file', 'pw']),
      ]);
      expect(manager.code, manager.stderr).toBe(0);
      expect(manager.stdout).toMatch(/^created org-manager boss@acme\.example \(user \d+\) for Acme\n$/);
      expect(reseller.code, reseller.stderr).toBe(0);
      expect(reseller.stdout).toMatch(/^created reseller sales@resell\.example \(user \d+\) for Resell Co\n$/);

      const boss = await signIn('boss@acme.example', PASSWORD);
      expect(boss.statusCode).toBe(200);
      expect(boss.json()).toMatchObject({ user: { role: 'org_manager', extensionId: null } });
      const sales = await signIn('sales@resell.example', PASSWORD);
      expect(sales.statusCode).toBe(200);
      expect(sales.json()).toMatchObject({ user: { role: 'reseller', extensionId: null } });
    }, CLI_RUNS_TIMEOUT);

    it('refuses, naming what is wrong, and creates nothing', async () => {
      const before = await store.db.selectFrom('users').select('email').execute();
      const pw = ['--password-file', 'pw'];
      const cases: [string[], RegExp][] = [
        [['new@acme.example', '--role', 'org-manager', '--organization', 'Nope', ...pw], /^dialback: no organization named "Nope"; nothing was created\n$/],
        [['new@acme.example', '--role', 'reseller', '--reseller', 'Nobody Ltd', ...pw], /^dialback: no reseller named "Nobody Ltd"; nothing was created\n$/],
        [['new@acme.example', '--role', 'reseller', '--reseller', 'Acme', ...pw], /no reseller named "Acme"/],
        [['new@acme.example', '--role', 'extension-owner', '--organization', 'Acme', '--extension', '009999', ...pw], /^dialback: the organization "Acme" has no extension 009999; nothing was created\n$/],
        [['JOHN@acme.example', '--role', 'org-manager', '--organization', 'Acme', ...pw], /^dialback: the e-mail john@acme\.example is already used by another user; nothing was created\n$/],
        [['new@acme.example', '--role', 'extension-owner', '--organization', 'Acme', ...pw], /^dialback: the role extension-owner needs --extension; nothing was created\n$/],
        [['new@acme.example', '--role', 'org-manager', ...pw], /^dialback: the role org-manager needs --organization; nothing was created\n$/],
        [['new@acme.example', '--role', 'reseller', '--reseller', 'Resell Co', '--organization', 'Acme', ...pw], /^dialback: --organization does not fit the role reseller; nothing was created\n$/],
        [['new@acme.example', '--role', 'org-manager', '--organization', 'Acme', '--extension', '001002', ...pw], /^dialback: --extension does not fit the role org-manager; nothing was created\n$/],
        [['new@acme.example', '--role', 'admin', ...pw], /^dialback: administrators are made with dialback admin create EMAIL; nothing was created\n$/],
        [['new@acme.example', '--role', 'boss', ...pw], /--role must be one of reseller, org-manager, extension-owner, not "boss"/],
        [['new@acme.example', '--organization', 'Acme', ...pw], /required option '--role <role>' not specified/],
        [['not-an-email', '--role', 'org-manager', '--organization', 'Acme', ...pw], /^dialback: "not-an-email" is not an e-mail address\n$/],
        [['new@acme.example', '--role', 'org-manager', '--organization', 'Acme', '--password-file', 'short'], /^dialback: the password must have at least 10 characters; nothing was created\n$/],
        [['weak@acme.example', '--role', 'org-manager', '--organization', 'Acme', '--password-file', 'same'], /^dialback: the password must not be the e-mail address; nothing was created\n$/],
        [['new@acme.example', '--role', 'org-manager', '--organization', 'Acme', '--password-file', 'missing'], /^dialback: cannot read the password file missing:/],
      ];
      // A few at a time: many Node processes at once starve each other on a small machine.
      const results = [];
      for (let i = 0; i < cases.length; i += 4) {
        results.push(...(await Promise.all(cases.slice(i, i + 4).map(([args]) => cli(['user', 'create', ...args])))));
      }
      results.forEach((result, i) => {
        expect(result.code, `${cases[i]![0].join(' ')}: ${result.stderr}`).toBe(1);
        expect(result.stderr, cases[i]![0].join(' ')).toMatch(cases[i]![1]);
        expect(result.stdout).toBe('');
      });
      expect(await store.db.selectFrom('users').select('email').execute()).toEqual(before);
    }, CLI_RUNS_TIMEOUT);

    it('lists the users, all or one organization', async () => {
      const [all, acme, unknown] = await Promise.all([
        cli(['user', 'list']),
        cli(['user', 'list', '--organization', 'Acme']),
        cli(['user', 'list', '--organization', 'Nope']),
      ]);
      expect(all.code, all.stderr).toBe(0);
      expect(all.stdout.split('\n')).toEqual([
        expect.stringMatching(/^email +role +account +extension +state$/),
        expect.stringMatching(/^boss@acme\.example +org-manager +Acme \(organization\) +- +active$/),
        expect.stringMatching(/^john@acme\.example +extension-owner +Acme \(organization\) +001002 +active$/),
        expect.stringMatching(/^sales@resell\.example +reseller +Resell Co \(reseller\) +- +active$/),
        '',
      ]);
      expect(acme.code, acme.stderr).toBe(0);
      expect(acme.stdout).toMatch(/boss@acme\.example/);
      expect(acme.stdout).toMatch(/john@acme\.example/);
      expect(acme.stdout).not.toMatch(/sales@resell/);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toBe('dialback: no organization named "Nope"\n');
    }, CLI_RUNS_TIMEOUT);

    it('unlocks a user locked out by failed sign-ins', async () => {
      for (let i = 1; i <= 10; i++) {
        shiftMs += 5 * 60_000; // past any slow-down wait (at most 80 s), well within the 15-minute lock
        const failed = await signIn('john@acme.example', WRONG);
        expect(failed.statusCode, `attempt ${i}`).toBe(401);
      }
      const locked = await signIn('john@acme.example', PASSWORD);
      expect(locked.statusCode).toBe(429);
      expect(locked.json<{ message: string }>().message).toMatch(/locked until/);

      const listed = await cli(['user', 'list']);
      expect(listed.stdout).toMatch(/john@acme\.example .* locked until \d{4}-\S+\n/);

      const unlocked = await cli(['user', 'unlock', 'John@acme.example']);
      expect(unlocked.code, unlocked.stderr).toBe(0);
      expect(unlocked.stdout).toBe('unlocked john@acme.example\n');
      const row = await store.db.selectFrom('users').select(['failedSignIns', 'lockedUntil']).where('email', '=', 'john@acme.example').executeTakeFirstOrThrow();
      expect(row).toEqual({ failedSignIns: 0, lockedUntil: null });
      expect((await signIn('john@acme.example', PASSWORD)).statusCode).toBe(200);
      const entries = await audit('unlock', 'john@acme.example');
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ actor: 'cli', details: expect.stringContaining('"failedSignIns":10') as unknown });

      const again = await cli(['user', 'unlock', 'john@acme.example']);
      expect(again.code).toBe(0);
      expect(again.stdout).toBe('john@acme.example was not locked\n');
      expect(await audit('unlock', 'john@acme.example')).toHaveLength(1);
    }, CLI_RUNS_TIMEOUT);

    it('disable stops sign-in and ends sessions; enable lets the user in again', async () => {
      // boss has two sessions now: this one and the one from the second test.
      const before = await signIn('boss@acme.example', PASSWORD);
      expect(before.statusCode).toBe(200);
      const cookie = cookieOf(before);

      const disabled = await cli(['user', 'disable', 'boss@acme.example']);
      expect(disabled.code, disabled.stderr).toBe(0);
      expect(disabled.stdout).toBe('disabled boss@acme.example\n');
      const refused = await signIn('boss@acme.example', PASSWORD);
      expect(refused.statusCode).toBe(401);
      expect(refused.json<{ message: string }>().message).toMatch(/disabled/);
      expect((await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(401);
      expect((await cli(['user', 'list', '--organization', 'Acme'])).stdout).toMatch(/boss@acme\.example .* disabled\n/);
      expect((await cli(['user', 'disable', 'boss@acme.example'])).stdout).toBe('boss@acme.example was already disabled\n');

      const enabled = await cli(['user', 'enable', 'boss@acme.example']);
      expect(enabled.code, enabled.stderr).toBe(0);
      expect(enabled.stdout).toBe('enabled boss@acme.example\n');
      expect((await signIn('boss@acme.example', PASSWORD)).statusCode).toBe(200);
      expect(await audit('disable', 'boss@acme.example')).toEqual([{ actor: 'cli', details: JSON.stringify({ endedSessions: 2 }) }]);
      expect(await audit('enable', 'boss@acme.example')).toEqual([{ actor: 'cli', details: '{}' }]);

      const unknown = await Promise.all(['unlock', 'disable', 'enable'].map((command) => cli(['user', command, 'nobody@example.com'])));
      for (const result of unknown) {
        expect(result.code).toBe(1);
        expect(result.stderr).toBe('dialback: no user with e-mail nobody@example.com\n');
      }
    }, CLI_RUNS_TIMEOUT);
  });
}

describe('dialback user configuration errors', () => {
  it('explains itself and stops on a bad configuration with exit code 78', async () => {
    const cwd = mkdtempSync(join(dir, 'case-'));
    const [help, config] = await Promise.all([
      runCli(['user', 'create', '--help'], { cwd }),
      runCli(['user', 'list'], { cwd, env: { DIALBACK_DATABASE_URL: 'mysql://nope' } }),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: dialback user create \[options\] <email>/);
    expect(config.code).toBe(78);
    expect(config.stderr).toMatch(/DIALBACK_DATABASE_URL/);
  }, CLI_RUNS_TIMEOUT);
});
