import SQLite from 'better-sqlite3';
import { CamelCasePlugin, Kysely, SqliteDialect, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/db.js';
import type { Database } from '../../src/store/schema.js';
import { WriteBatcher } from '../../src/store/write-batcher.js';
import { testDatabases } from '../helpers/stores.js';

describe('write batcher on SQLite: many units, few commits', () => {
  let db: Kysely<Database>;
  let commits = 0;
  beforeAll(async () => {
    db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: new SQLite(':memory:') }),
      plugins: [new CamelCasePlugin()],
      log: (event) => {
        if (event.level === 'query' && /^commit/i.test(event.query.sql)) commits++;
      },
    });
    await sql`create table settings (key text primary key, value text not null)`.execute(db);
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('runs 50 concurrent units in shared transactions and resolves each with its own value', async () => {
    const batcher = new WriteBatcher({ db, dialect: 'sqlite' });
    commits = 0;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        batcher.run(async (trx) => {
          await trx.insertInto('settings').values({ key: `k${i}`, value: String(i) }).execute();
          return i * 2;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    expect(commits).toBeGreaterThanOrEqual(1);
    expect(commits).toBeLessThanOrEqual(2);
    const rows = await db.selectFrom('settings').select('key').where('key', 'like', 'k%').execute();
    expect(rows).toHaveLength(50);
  });

  it('a failing unit is rolled back alone; the others in its batch commit', async () => {
    const batcher = new WriteBatcher({ db, dialect: 'sqlite' });
    const ok = batcher.run((trx) => trx.insertInto('settings').values({ key: 'before', value: '1' }).execute());
    const failing = batcher.run(async (trx) => {
      await trx.insertInto('settings').values({ key: 'half-done', value: '1' }).execute();
      throw new Error('this unit fails');
    });
    // The same primary key twice: the database refuses the second.
    const duplicate = batcher.run((trx) => trx.insertInto('settings').values({ key: 'before', value: '2' }).execute());
    const after = batcher.run((trx) => trx.insertInto('settings').values({ key: 'after', value: '1' }).execute());
    const outcomes = await Promise.allSettled([ok, failing, duplicate, after]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toEqual(new Error('this unit fails'));
    const keys = (await db.selectFrom('settings').select(['key', 'value']).where('key', 'in', ['before', 'half-done', 'after']).orderBy('key').execute()).map((r) => `${r.key}=${r.value}`);
    expect(keys).toEqual(['after=1', 'before=1']);
  });

  it('keeps working after a batch and accepts units again later', async () => {
    const batcher = new WriteBatcher({ db, dialect: 'sqlite' }, { maxBatch: 3 });
    commits = 0;
    await Promise.all(Array.from({ length: 7 }, (_, i) => batcher.run((trx) => trx.insertInto('settings').values({ key: `m${i}`, value: 'x' }).execute())));
    // At most 3 units a transaction: 7 units need at least 3 commits.
    expect(commits).toBeGreaterThanOrEqual(3);
    await batcher.run((trx) => trx.insertInto('settings').values({ key: 'later', value: 'x' }).execute());
    expect(await db.selectFrom('settings').select('key').where('key', '=', 'later').executeTakeFirst()).toEqual({ key: 'later' });
  });
});

for (const database of testDatabases) {
  describe(`write batcher on ${database.name} store`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await database.open();
    });
    afterAll(async () => {
      await store.close();
    });

    it('commits each unit, and a failing one changes nothing', async () => {
      const batcher = new WriteBatcher(store);
      const outcomes = await Promise.allSettled([
        batcher.run((trx) => trx.insertInto('settings').values({ key: 'currency', value: 'AUD' }).execute()),
        batcher.run(async (trx) => {
          await trx.insertInto('settings').values({ key: 'defaultCountry', value: 'AU' }).execute();
          throw new Error('no');
        }),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
      const rows = await store.db.selectFrom('settings').select(['key', 'value']).orderBy('key').execute();
      expect(rows).toEqual([{ key: 'currency', value: 'AUD' }]);
    });
  });
}
