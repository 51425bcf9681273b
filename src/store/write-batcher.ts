import type { Kysely } from 'kysely';
import type { Store } from './db.js';
import type { Database } from './schema.js';

/** A unit of writes: database work only (no waiting on calls or the network inside). */
export type WriteWork<T> = (db: Kysely<Database>) => Promise<T>;

interface Pending {
  work: WriteWork<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Lets many small writes share one commit (group commit). On SQLite with
 * synchronous=FULL every commit waits for an fsync (about 3 ms on the development
 * machine) and better-sqlite3 blocks the event loop meanwhile, so a hundred requests
 * each writing a few rows would queue behind hundreds of fsyncs. Here the writes that
 * arrive while a commit is under way go together into the next transaction, each in a
 * savepoint of its own: one unit failing rolls back only itself. A unit's promise settles
 * once its transaction has committed, so what it wrote is durable when it resolves.
 * PostgreSQL commits without blocking us and groups commits itself: each unit runs in
 * its own transaction there.
 */
export class WriteBatcher {
  private queue: Pending[] = [];
  private flushing = false;
  private readonly maxBatch: number;

  constructor(
    private readonly store: Pick<Store, 'db' | 'dialect'>,
    options: { maxBatch?: number } = {},
  ) {
    this.maxBatch = options.maxBatch ?? 200;
  }

  run<T>(work: WriteWork<T>): Promise<T> {
    if (this.store.dialect === 'postgres') return this.store.db.transaction().execute(work);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      // Let writes issued in the same turn of the event loop join the first batch.
      await new Promise((resolve) => setImmediate(resolve));
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        await this.commit(batch);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async commit(batch: Pending[]): Promise<void> {
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    let trx;
    try {
      trx = await this.store.db.startTransaction().execute();
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    try {
      for (const item of batch) {
        const unit = await trx.savepoint('unit').execute();
        try {
          const value = await item.work(unit);
          await unit.releaseSavepoint('unit').execute();
          outcomes.push({ ok: true, value });
        } catch (error) {
          await unit.rollbackToSavepoint('unit').execute();
          outcomes.push({ ok: false, error });
        }
      }
      await trx.commit().execute();
    } catch (error) {
      await trx.rollback().execute().catch(() => undefined);
      for (const item of batch) item.reject(error);
      return;
    }
    outcomes.forEach((outcome, i) => {
      const item = batch[i]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
  }
}
