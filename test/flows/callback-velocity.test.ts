// Velocity limits on callback triggers (SPEC §7 fraud guard), through the callback flow: each
// trigger would make us dial the carrier, so one number and one extension get only so many.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackTriggerLimiter } from '../../src/domain/callback-trigger-limits.js';
import type { Store } from '../../src/store/db.js';
import { directory, DEMO_YAML, provision } from '../helpers/api.js';
import { callbackFlowWithoutSip } from '../helpers/callback-flow.js';
import { testDatabases } from '../helpers/stores.js';

for (const database of testDatabases) {
  describe(`callback trigger velocity limits on ${database.name}`, () => {
    let store: Store;
    let travelLine: number;
    beforeAll(async () => {
      store = await database.open();
      await provision(store, DEMO_YAML);
      travelLine = (await directory(store)).extension['001100']!;
      // Anyone is called back on their CallerID, so several numbers can trigger.
      await store.db.updateTable('callbackSettings').set({ returnMode: 'callerid' }).where('extensionId', '=', travelLine).execute();
    });
    afterAll(async () => {
      await store.close();
    });

    it('calls one number back only so often, and the extension only so often in all; refused triggers are recorded with why and cost nothing', async () => {
      let now = Date.parse('2026-12-02T10:00:00Z');
      const limiter = new CallbackTriggerLimiter({ perCaller: { max: 2, windowMs: 60_000 }, perExtension: { max: 3, windowMs: 60_000 } });
      const flow = callbackFlowWithoutSip(store, { triggerLimiter: limiter, clock: () => now });
      const [ann, bob, cat] = ['+61400000001', '+61400000002', '+61400000003'];
      await flow.ring(travelLine, ann);
      await flow.ring(travelLine, ann);
      await flow.ring(travelLine, ann);
      await flow.ring(travelLine, bob);
      await flow.ring(travelLine, cat);
      expect(flow.placed.map((p) => p.number)).toEqual([ann, ann, bob]);
      const requests = await store.db.selectFrom('callbackRequests').select(['requesterNumber', 'state', 'reason']).where('extensionId', '=', travelLine).orderBy('id').execute();
      expect(requests.slice(-5)).toEqual([
        { requesterNumber: ann, state: 'callback-no-answer', reason: 'no-answer' },
        { requesterNumber: ann, state: 'callback-no-answer', reason: 'no-answer' },
        { requesterNumber: ann, state: 'refused', reason: 'too-many-callbacks-for-number' },
        { requesterNumber: bob, state: 'callback-no-answer', reason: 'no-answer' },
        { requesterNumber: cat, state: 'refused', reason: 'too-many-callbacks-for-extension' },
      ]);

      // A minute on, the window has passed.
      now += 60_001;
      await flow.ring(travelLine, cat);
      expect(flow.placed.map((p) => p.number)).toEqual([ann, ann, bob, cat]);
    });
  });
}
