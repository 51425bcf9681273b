import { openMigratedStore } from './io.js';

export async function migrate(): Promise<void> {
  const { store, applied } = await openMigratedStore();
  await store.close();
  process.stdout.write(applied.length === 0 ? 'the database is up to date\n' : `applied ${applied.join(', ')}\n`);
}
