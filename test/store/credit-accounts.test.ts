import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import type { Store } from '../../src/store/db.js';
import {
  createCreditAccount,
  ledgerEntries,
  makeUnlimited,
  readCreditState,
  rechargeCredit,
  reserveCredit,
  settleReservation,
} from '../../src/store/credit-accounts.js';
import { testDatabases } from '../helpers/stores.js';

const actor = { actor: 'test' };

for (const database of testDatabases) {
  describe(`credit accounts on ${database.name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await database.open();
    });
    afterAll(async () => {
      await store.close();
    });

    /** The invariant of the ledger: the row's balance and holds are the sums of its entries. */
    async function expectConsistent(id: number) {
      const state = await readCreditState(store.db, id);
      const entries = await ledgerEntries(store.db, id);
      expect(entries.reduce((sum, e) => sum + e.amountMicros, 0)).toBe(state.balanceMicros);
      expect(entries.reduce((sum, e) => sum + e.heldMicros, 0)).toBe(state.heldMicros);
      const last = entries.at(-1);
      if (last) {
        expect(last.balanceAfterMicros).toBe(state.balanceMicros);
        expect(last.heldAfterMicros).toBe(state.heldMicros);
      }
      return state;
    }

    it('opens an account with its opening credit as a recharge entry', async () => {
      const id = await createCreditAccount(store.db, 20_000_000, 'test');
      const state = await expectConsistent(id);
      expect(state).toEqual({ unlimited: false, balanceMicros: 20_000_000, heldMicros: 0, floorMicros: 0 });
      const [entry] = await ledgerEntries(store.db, id);
      expect(entry).toMatchObject({ kind: 'recharge', amountMicros: 20_000_000, actor: 'test', unlimitedAfter: 0 });
    });

    it('50 reservations at once never pass the floor', async () => {
      const id = await createCreditAccount(store.db, 10_000_000, 'test');
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) => reserveCredit(store.db, id, 300_000, `call ${i}`, actor)),
      );
      const accepted = results.filter((r) => r.status === 'fulfilled');
      const refused = results.filter((r) => r.status === 'rejected');
      // 10.00 affords 33 holds of 0.30 and not a 34th.
      expect(accepted).toHaveLength(33);
      for (const r of refused) {
        expect((r).reason).toBeInstanceOf(DomainError);
        expect(((r).reason as DomainError).code).toBe('insufficient_credit');
      }
      const state = await expectConsistent(id);
      expect(state.heldMicros).toBe(33 * 300_000);
      expect(state.balanceMicros - state.heldMicros).toBeGreaterThanOrEqual(0);

      // Settle them all at once with costs below, at and above the reservation.
      const reservations = accepted.map((r) => (r as PromiseFulfilledResult<{ reservationId: number }>).value.reservationId);
      await Promise.all(reservations.map((rid, i) => settleReservation(store.db, rid, [0, 120_000, 300_000, 450_000][i % 4] ?? 0, actor)));
      const after = await expectConsistent(id);
      expect(after.heldMicros).toBe(0);
      const charged = reservations.reduce((sum, _, i) => sum + Math.min([0, 120_000, 300_000, 450_000][i % 4] ?? 0, 300_000), 0);
      expect(after.balanceMicros).toBe(10_000_000 - charged);
    });

    it('refuses to settle a reservation twice, even at once', async () => {
      const id = await createCreditAccount(store.db, 5_000_000, 'test');
      const { reservationId } = await reserveCredit(store.db, id, 1_000_000, 'call', actor);
      const results = await Promise.allSettled([
        settleReservation(store.db, reservationId, 500_000, actor),
        settleReservation(store.db, reservationId, 500_000, actor),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const state = await expectConsistent(id);
      expect(state).toMatchObject({ balanceMicros: 4_500_000, heldMicros: 0 });
    });

    it('applies the Unlimited rule of SPEC §4 and records the recharge history', async () => {
      const id = await createCreditAccount(store.db, 'unlimited', 'test');
      const { reservationId } = await reserveCredit(store.db, id, 2_000_000, 'call', actor);
      await settleReservation(store.db, reservationId, 1_500_000, actor);
      expect(await expectConsistent(id)).toMatchObject({ unlimited: true, balanceMicros: -1_500_000 });

      const result = await rechargeCredit(store.db, id, -5_000_000, null, { actor: 'owner@example.com' });
      expect(result.creditLeftAfter).toBe(0);
      const state = await expectConsistent(id);
      expect(state).toMatchObject({ unlimited: false, balanceMicros: 0 });
      const recharge = (await ledgerEntries(store.db, id)).find((e) => e.kind === 'recharge');
      expect(recharge).toMatchObject({ amountMicros: -5_000_000, actor: 'owner@example.com' });
      await expect(reserveCredit(store.db, id, 1, 'call', actor)).rejects.toMatchObject({ code: 'insufficient_credit' });

      await rechargeCredit(store.db, id, 3_000_000, 'top-up', actor);
      expect(await expectConsistent(id)).toMatchObject({ unlimited: false, balanceMicros: 3_000_000 });
      await makeUnlimited(store.db, id, actor);
      expect(await expectConsistent(id)).toMatchObject({ unlimited: true });
    });

    it('refuses unknown accounts and reservations with clear codes', async () => {
      await expect(reserveCredit(store.db, 999_999, 1, 'x', actor)).rejects.toMatchObject({ code: 'credit_account_not_found' });
      await expect(settleReservation(store.db, 999_999, 1, actor)).rejects.toMatchObject({ code: 'reservation_not_found' });
    });
  });
}
