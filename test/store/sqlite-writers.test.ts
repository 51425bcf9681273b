import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrations/index.js';

const run = promisify(execFile);
const writer = fileURLToPath(new URL('../helpers/sqlite-writer.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url));

describe('SQLite with several writing processes (the CLI while the server runs)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dialback-writers-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('transactions that read then write wait for each other instead of failing with "database is locked"', async () => {
    const path = join(dir, 'shared.db');
    const store = openStore(`sqlite:${path}`);
    await migrateToLatest(store);
    await store.close();
    const results = await Promise.all(
      ['a', 'b', 'c'].map((name) => run(process.execPath, ['--import', tsx, writer, path, name, '150'], { timeout: 60_000 })),
    );
    expect(results.map((r) => JSON.parse(r.stdout) as { failures: number })).toEqual([{ failures: 0 }, { failures: 0 }, { failures: 0 }]);
    const check = openStore(`sqlite:${path}`);
    expect(await check.db.selectFrom('settings').select('key').where('key', 'like', '%-%').execute()).toHaveLength(450);
    await check.close();
  }, 90_000);
});
