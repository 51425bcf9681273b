// A separate process writing to one SQLite file (test/store/sqlite-writers.test.ts):
// transactions that read and then write, as provisioning and the CLI do while the server runs.
import { openStore } from '../../src/store/db.js';

const [path, name, countText] = process.argv.slice(2);
const store = openStore(`sqlite:${path}`);
let failures = 0;
for (let i = 0; i < Number(countText); i++) {
  try {
    await store.db.transaction().execute(async (trx) => {
      const rows = await trx.selectFrom('settings').select('key').execute();
      await trx.insertInto('settings').values({ key: `${name}-${i}`, value: String(rows.length) }).execute();
    });
  } catch {
    failures++;
  }
}
await store.close();
process.stdout.write(JSON.stringify({ failures }));
