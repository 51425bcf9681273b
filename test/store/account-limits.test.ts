import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCallAllowed, readAccountUsage } from '../../src/store/account-limits.js';
import { createAccount } from '../../src/store/accounts.js';
import { endCallLeg, startCallLeg } from '../../src/store/callnow.js';
import { createCreditAccount, reserveCredit, settleReservation } from '../../src/store/credit-accounts.js';
import type { Store } from '../../src/store/db.js';
import type { CallLegTable } from '../../src/store/schema.js';
import { WriteBatcher } from '../../src/store/write-batcher.js';
import { testDatabases } from '../helpers/stores.js';

const NOON = Date.parse('2026-12-02T12:00:00.000Z');
const at = (iso: string) => () => Date.parse(iso);

for (const database of testDatabases) {
  describe(`account limits on ${database.name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await database.open();
    });
    afterAll(async () => {
      await store.close();
    });

    /** A provider, a reseller and two organizations below it; the caps are set per test. */
    let made = 0;
    async function hierarchy(caps: { reseller?: [number | null, number | null]; organization?: [number | null, number | null] } = {}) {
      const db = store.db;
      const n = ++made;
      const provider = await createAccount(db, { kind: 'provider', name: `Provider ${n}`, parentId: null });
      const reseller = await createAccount(db, {
        kind: 'reseller',
        name: `Reseller ${n}`,
        parentId: provider.id,
        maxConcurrentCalls: caps.reseller?.[0] ?? null,
        dailySpendCapMicros: caps.reseller?.[1] ?? null,
      });
      const acme = await createAccount(db, {
        kind: 'organization',
        name: `Acme ${n}`,
        parentId: reseller.id,
        maxConcurrentCalls: caps.organization?.[0] ?? null,
        dailySpendCapMicros: caps.organization?.[1] ?? null,
      });
      const other = await createAccount(db, { kind: 'organization', name: `Other ${n}`, parentId: reseller.id });
      const credit = await createCreditAccount(db, 100_000_000, 'test');
      return { reseller: reseller.id, acme: acme.id, other: other.id, credit };
    }
    const request = async (accountId: number, creditAccountId: number) => {
      const now = new Date(NOON).toISOString();
      const row = await store.db
        .insertInto('callbackRequests')
        .values({ kind: 'callback', accountId, extensionId: null, callbackAccountId: null, authorizedCalleridId: null, requesterName: null, requesterNumber: '+61412345678', destinationNumber: null, clientAddress: null, language: 'en', state: 'received', reason: null, idempotencyKey: null, publicToken: null, scheduledAt: null, creditAccountId, createdAt: now, updatedAt: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    };
    const leg = (accountId: number, requestId: number | null, role: CallLegTable['role'], startedAt: string, reservationId: number | null = null) =>
      startCallLeg(
        store.db,
        { requestId, accountId, role, direction: 'outbound', fromNumber: null, toNumber: '+61298765432', extensionId: null, trunkId: null, reservationId },
        at(startedAt),
      );
    const end = (legId: number, costMicros: number) => endCallLeg(store.db, legId, { cause: 'normal', endedAtMs: NOON, durationSeconds: 30, costMicros });

    it('counts calls by request (one call, however many legs), leaves out ended and long-dead legs, and only connections when connecting', async () => {
      const { acme, credit } = await hierarchy();
      const first = await request(acme, credit);
      await leg(acme, first, 'owner', '2026-12-02T11:59:00.000Z');
      await leg(acme, first, 'requester', '2026-12-02T11:59:30.000Z');
      const second = await request(acme, credit);
      await leg(acme, second, 'callback', '2026-12-02T11:58:00.000Z');
      await end(await leg(acme, await request(acme, credit), 'owner', '2026-12-02T11:00:00.000Z'), 0);
      // Open since before the node that had it stopped: no longer a call.
      await leg(acme, await request(acme, credit), 'destination', '2026-12-02T08:00:00.000Z');
      expect((await readAccountUsage(store.db, [acme], 'start', NOON)).callsInProgress).toBe(2);
      expect((await readAccountUsage(store.db, [acme], 'connect', NOON)).callsInProgress).toBe(1);
    });

    it('adds up what calls that started today cost and what calls still talking hold', async () => {
      const { acme, other, reseller, credit } = await hierarchy();
      await end(await leg(acme, null, 'requester', '2026-12-02T09:00:00.000Z'), 1_500_000);
      await end(await leg(other, null, 'destination', '2026-12-02T10:00:00.000Z'), 700_000);
      // Yesterday's call is not today's spending.
      await end(await leg(acme, null, 'requester', '2026-12-01T23:59:00.000Z'), 9_000_000);
      const { reservationId } = await reserveCredit(store.db, credit, 2_000_000, 'test', { actor: 'test' });
      await leg(acme, null, 'destination', '2026-12-02T11:59:00.000Z', reservationId);
      // A settled hold on a leg that has not been ended yet holds nothing more.
      const settled = await reserveCredit(store.db, credit, 3_000_000, 'test', { actor: 'test' });
      await settleReservation(store.db, settled.reservationId, 0, { actor: 'test' });
      await leg(acme, null, 'destination', '2026-12-02T11:59:30.000Z', settled.reservationId);
      expect(await readAccountUsage(store.db, [acme], 'start', NOON)).toEqual({ callsInProgress: 2, spentTodayMicros: 1_500_000, heldMicros: 2_000_000 });
      expect(await readAccountUsage(store.db, [reseller, acme, other], 'start', NOON)).toMatchObject({ spentTodayMicros: 2_200_000, heldMicros: 2_000_000 });
    });

    it("checks the organization's own caps and the reseller's over all its organizations", async () => {
      const { acme, other, credit } = await hierarchy({ reseller: [2, 5_000_000], organization: [null, 3_000_000] });
      expect(await checkCallAllowed(store.db, acme, 'start', NOON)).toEqual({ allowed: true, spendRoomMicros: 3_000_000 });
      await end(await leg(other, null, 'destination', '2026-12-02T10:00:00.000Z'), 4_000_000);
      // The reseller has 1.00 left today, less than Acme's own 3.00.
      expect(await checkCallAllowed(store.db, acme, 'start', NOON)).toEqual({ allowed: true, spendRoomMicros: 1_000_000 });
      await leg(other, await request(other, credit), 'destination', '2026-12-02T11:59:00.000Z');
      await leg(other, await request(other, credit), 'destination', '2026-12-02T11:59:00.000Z');
      const refused = await checkCallAllowed(store.db, acme, 'start', NOON);
      expect(refused).toMatchObject({ allowed: false, reason: 'concurrent-calls' });
      expect(await checkCallAllowed(store.db, other, 'connect', NOON)).toMatchObject({ allowed: false, reason: 'concurrent-calls' });
    });

    it('refuses at the daily cap, and lets calls through again the next day', async () => {
      const { acme } = await hierarchy({ organization: [null, 2_000_000] });
      await end(await leg(acme, null, 'requester', '2026-12-02T09:00:00.000Z'), 2_000_000);
      expect(await checkCallAllowed(store.db, acme, 'start', NOON)).toMatchObject({ allowed: false, reason: 'daily-spend-cap' });
      expect(await checkCallAllowed(store.db, acme, 'start', Date.parse('2026-12-03T00:00:01.000Z'))).toEqual({ allowed: true, spendRoomMicros: 2_000_000 });
    });

    it('lets exactly as many of 12 simultaneous connections through as the licence allows', async () => {
      const { acme, credit } = await hierarchy({ organization: [3, null] });
      const writes = new WriteBatcher(store);
      const admitted = await Promise.all(
        Array.from({ length: 12 }, async () => {
          const requestId = await request(acme, credit);
          return writes.run(async (db) => {
            const allowed = await checkCallAllowed(db, acme, 'connect', Date.now());
            if (!allowed.allowed) return false;
            await startCallLeg(db, { requestId, accountId: acme, role: 'requester', direction: 'outbound', fromNumber: null, toNumber: '+61298765432', extensionId: null, trunkId: null });
            return true;
          });
        }),
      );
      expect(admitted.filter(Boolean)).toHaveLength(3);
      expect((await readAccountUsage(store.db, [acme], 'connect', Date.now())).callsInProgress).toBe(3);
    });
  });
}
