import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/db.js';
import { runCli, startCli } from '../helpers/cli.js';
import { createPgDatabase, pgUrl } from '../helpers/stores.js';

const demo = readFileSync(new URL('../../examples/demo.yaml', import.meta.url), 'utf8');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dialback-cli-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function freshDir(): string {
  return mkdtempSync(join(dir, 'case-'));
}

/** Sends one OPTIONS over UDP and returns the first answer's text. */
function sipOptions(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('no answer to OPTIONS'));
    }, 3_000);
    socket.on('message', (data) => {
      clearTimeout(timer);
      socket.close();
      resolve(data.toString());
    });
    socket.bind(0, '127.0.0.1', () => {
      const local = socket.address().port;
      const text =
        `OPTIONS sip:127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bKcli1\r\nMax-Forwards: 70\r\n` +
        `From: <sip:test@127.0.0.1>;tag=t1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: cli-options\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
      socket.send(text, port, '127.0.0.1');
    });
  });
}

async function waitForHealth(url: string, deadlineMs: number): Promise<Response> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await fetch(url);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('dialback serve', () => {
  // Run from source through the tsx loader, which compiles every module first: about 3 s on an
  // idle machine, more while the suite loads both cores. The built server (`npm start`) answers
  // in about 1.3 s; this limit is for the loader, not a slower server.
  it('with no environment set, answers /healthz within 10 seconds, creates data/dialback.db and answers SIP', async () => {
    const cwd = freshDir();
    const child = startCli(['serve'], { cwd });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const response = await waitForHealth('http://127.0.0.1:8080/healthz', 10_000);
      expect(response.status, stderr).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
      expect(existsSync(join(cwd, 'data', 'dialback.db'))).toBe(true);

      const openapi = (await (await fetch('http://127.0.0.1:8080/api/openapi.json')).json()) as {
        openapi: string;
        paths: Record<string, unknown>;
      };
      expect(openapi.openapi).toBe('3.0.3');
      expect(Object.keys(openapi.paths)).toContain('/healthz');

      // SIP answers on the default port, UDP.
      const answer = await sipOptions(5060);
      expect(answer).toMatch(/^SIP\/2\.0 200 OK\r\n/);
      expect(answer).toMatch(/\r\nAllow: [^\r]*INVITE/);
    } finally {
      const exited = new Promise((resolve) => child.on('close', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });

  it('stops at once on a bad setting, naming the variable', async () => {
    const result = await runCli(['serve'], { cwd: freshDir(), env: { DIALBACK_HTTP_PORT: 'eighty', DIALBACK_RTP_PORTS: '5' } });
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/DIALBACK_HTTP_PORT: expected a port number from 1 to 65535, got "eighty"/);
    expect(result.stderr).toMatch(/DIALBACK_RTP_PORTS: expected a range/);
  });

  it('refuses a database it cannot reach with a clear error', async () => {
    const result = await runCli(['migrate'], {
      cwd: freshDir(),
      env: { DIALBACK_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/ECONNREFUSED/);
  });
});

describe('dialback --help', () => {
  it.each([[[]], [['serve']], [['migrate']], [['provision']], [['admin', 'create']]])('explains %j', async (args) => {
    const result = await runCli([...args, '--help'], { cwd: freshDir() });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage: dialback/);
  });
});

const databases: { name: string; setup(): Promise<{ env: Record<string, string>; count(): Promise<number>; drop(): Promise<void> }> }[] = [
  {
    name: 'sqlite',
    setup: () => {
      const cwd = freshDir();
      const url = `sqlite:${join(cwd, 'db.sqlite')}`;
      return Promise.resolve({
        env: { DIALBACK_DATABASE_URL: url },
        count: () => countAccounts(url),
        drop: () => Promise.resolve(),
      });
    },
  },
  ...(pgUrl === undefined
    ? []
    : [
        {
          name: 'postgres',
          async setup() {
            const database = await createPgDatabase(pgUrl as string);
            return { env: { DIALBACK_DATABASE_URL: database.url }, count: () => countAccounts(database.url), drop: () => database.drop() };
          },
        },
      ]),
];

async function countAccounts(url: string): Promise<number> {
  const store = openStore(url);
  try {
    const rows = await store.db.selectFrom('accounts').select('id').execute();
    return rows.length;
  } catch {
    return 0;
  } finally {
    await store.close();
  }
}

for (const database of databases) {
  describe(`dialback provision on ${database.name}`, () => {
    it('provisions examples/demo.yaml; a second run reports no changes', async () => {
      const db = await database.setup();
      try {
        const cwd = freshDir();
        const file = join(cwd, 'demo.yaml');
        writeFileSync(file, demo);
        const first = await runCli(['provision', file], { cwd, env: db.env });
        expect(first.stderr).toBe('');
        expect(first.code).toBe(0);
        expect(first.stdout).toMatch(/made \d+ changes/);
        expect(first.stdout).toMatch(/created extension Acme\/001002/);
        const second = await runCli(['provision', file], { cwd, env: db.env });
        expect(second.code).toBe(0);
        expect(second.stdout).toBe(`${file}: no changes\n`);
        expect(await db.count()).toBe(2);
      } finally {
        await db.drop();
      }
    });

    it('refuses a bad file with the path and reason, exits non-zero and writes nothing', async () => {
      const db = await database.setup();
      try {
        const cwd = freshDir();
        const file = join(cwd, 'bad.yaml');
        writeFileSync(file, demo.replace('perMinute: "0.30"', 'perMinute: "0.3x"').replace('tariff: standard', 'tariff: gold'));
        const result = await runCli(['provision', file], { cwd, env: db.env });
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(/nothing was changed/);
        expect(result.stderr).toMatch(/tariffs\[0\]\.rates\[1\]\.perMinute/);
        expect(await db.count()).toBe(0);

        // With the amount fixed, the unknown tariff is found in the database pass; still nothing lands.
        writeFileSync(file, demo.replace('tariff: standard', 'tariff: gold'));
        const second = await runCli(['provision', file], { cwd, env: db.env });
        expect(second.code).toBe(1);
        expect(second.stderr).toMatch(/organizations\[0\]\.tariff: no tariff named "gold"/);
        expect(await db.count()).toBe(0);
      } finally {
        await db.drop();
      }
    });
  });
}

describe('dialback provision input errors', () => {
  it('names a missing file', async () => {
    const result = await runCli(['provision', 'nope.yaml'], { cwd: freshDir() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot read nope.yaml/);
  });

  it('shows the line of a YAML syntax error', async () => {
    const cwd = freshDir();
    writeFileSync(join(cwd, 'x.yaml'), 'settings:\n  currency: "AUD\n');
    const result = await runCli(['provision', 'x.yaml'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not valid YAML/);
  });
});

describe('dialback admin create', () => {
  it('reads the password from a file, never from argv, and refuses duplicates', async () => {
    const cwd = freshDir();
    writeFileSync(join(cwd, 'pw'), 'correct horse battery\n');
    const created = await runCli(['admin', 'create', 'Admin@Example.com', '--password-file', 'pw'], { cwd });
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe('created administrator admin@example.com\n');
    const store = openStore(`sqlite:${join(cwd, 'data', 'dialback.db')}`);
    const user = await store.db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
    await store.close();
    expect(user).toMatchObject({ email: 'admin@example.com', role: 'admin' });
    expect(user.passwordHash).toMatch(/^scrypt\$65536\$8\$1\$/);
    expect(user.passwordHash).not.toContain('correct horse');

    const again = await runCli(['admin', 'create', 'admin@example.com', '--password-file', 'pw'], { cwd });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists already/);
  });

  it('reads the password from standard input when it is not a terminal', async () => {
    const result = await runCli(['admin', 'create', 'ops@example.com'], { cwd: freshDir(), input: 'a-long-enough-password\n' });
    expect(result.stdout).toBe('created administrator ops@example.com\n');
  });

  it('refuses a short password, a bad address and a password option', async () => {
    const short = await runCli(['admin', 'create', 'a@example.com'], { cwd: freshDir(), input: 'short\n' });
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/at least 10 characters; nothing was created/);
    const bad = await runCli(['admin', 'create', 'not-an-address', '--password-file', '/dev/null'], { cwd: freshDir() });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/"not-an-address" is not an e-mail address/);
    const argv = await runCli(['admin', 'create', 'a@example.com', '--password', 'secret-secret'], { cwd: freshDir() });
    expect(argv.code).not.toBe(0);
    expect(argv.stderr).toMatch(/unknown option '--password'/);
  });
});
