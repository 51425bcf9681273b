// Live events across nodes: two servers on one PostgreSQL schema each run RequestEvents over
// PgNotifications; what one publishes, the other's listeners hear, once, even after the
// listening connection was cut. On SQLite (one process) events stay in the process.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestEvents, type ExtensionRequestChange, type RequestStatus } from '../../src/flows/request-events.js';
import { createLogger } from '../../src/logger.js';
import { openStore, type Store } from '../../src/store/db.js';
import { PgNotifications } from '../../src/store/notifications.js';
import { openPostgresForTest, openSqliteForTest, pgUrl } from '../helpers/stores.js';

describe('request events in one process', () => {
  it('reach the listeners of the token and of the extension, and stop at unsubscribing', async () => {
    const store = await openSqliteForTest();
    try {
      expect(store.pgUrl).toBeUndefined();
      const events = new RequestEvents();
      const heard: RequestStatus[] = [];
      const changes: ExtensionRequestChange[] = [];
      const stop = events.subscribe('token-1', (status) => heard.push(status));
      events.subscribeExtension(7, (change) => changes.push(change));
      events.publish('token-1', { state: 'calling-owner', reason: null });
      events.publish('token-2', { state: 'failed', reason: 'x' });
      events.publishForExtension(7, { requestId: 1, state: 'calling-owner', reason: null });
      stop();
      events.publish('token-1', { state: 'completed', reason: null });
      expect(heard).toEqual([{ state: 'calling-owner', reason: null }]);
      expect(changes).toEqual([{ requestId: 1, state: 'calling-owner', reason: null }]);
      expect(events.subscribers).toBe(1);
    } finally {
      await store.close();
    }
  });
});

// PostgreSQL is there in CI (.ci/run); elsewhere these run when DIALBACK_TEST_PG_URL is set.
describe.runIf(pgUrl !== undefined)('request events across nodes on PostgreSQL', () => {
  let first: Store;
  let second: Store;
  let busA: PgNotifications;
  let busB: PgNotifications;
  const nodeA = new RequestEvents();
  const nodeB = new RequestEvents();
  beforeAll(async () => {
    first = await openPostgresForTest(pgUrl!);
    // The second node: its own pool on the same schema.
    second = openStore(pgUrl!, { pgSchema: first.pgSchema! });
    const logger = createLogger('silent');
    busA = new PgNotifications({ ...first, pgUrl: first.pgUrl! }, logger, 'requests');
    busB = new PgNotifications({ ...second, pgUrl: second.pgUrl! }, logger, 'requests');
    await busA.start();
    await busB.start();
    nodeA.connect(busA);
    nodeB.connect(busB);
  });
  afterAll(async () => {
    await busA.stop();
    await busB.stop();
    await second.close();
    await first.close();
  });

  it("one node's events reach the other's listeners once, and its own listeners once", async () => {
    const onB: RequestStatus[] = [];
    const onA: RequestStatus[] = [];
    const listB: ExtensionRequestChange[] = [];
    nodeB.subscribe('tok-1', (status) => onB.push(status));
    nodeA.subscribe('tok-1', (status) => onA.push(status));
    nodeB.subscribeExtension(42, (change) => listB.push(change));
    nodeA.publish('tok-1', { state: 'calling-owner', reason: null });
    nodeA.publishForExtension(42, { requestId: 9, state: 'calling-owner', reason: null });
    nodeA.publish('tok-1', { state: 'completed', reason: null, costMicros: 120_000 });
    await expect.poll(() => onB.length).toBe(2);
    expect(onB).toEqual([
      { state: 'calling-owner', reason: null },
      { state: 'completed', reason: null, costMicros: 120_000 },
    ]);
    await expect.poll(() => listB).toEqual([{ requestId: 9, state: 'calling-owner', reason: null }]);
    // A's own listener heard each at once, and not again through the database.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(onA).toHaveLength(2);
  });

  it('hears again after the listening connection is cut', async () => {
    const pid = busB.listenerPid;
    expect(pid).not.toBeNull();
    await sql`select pg_terminate_backend(${pid})`.execute(first.db);
    await expect.poll(() => busB.listenerPid !== null && busB.listenerPid !== pid, { timeout: 10_000 }).toBe(true);
    const onB: RequestStatus[] = [];
    nodeB.subscribe('tok-2', (status) => onB.push(status));
    nodeA.publish('tok-2', { state: 'connected', reason: null });
    await expect.poll(() => onB).toEqual([{ state: 'connected', reason: null }]);
  });
});
