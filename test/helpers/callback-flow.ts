import { expect } from 'vitest';
import type { CallControl, IncomingLeg, NumberCallOptions } from '../../src/calls/call.js';
import { CallbackTriggerLimiter } from '../../src/domain/callback-trigger-limits.js';
import { DEFAULT_CALLBACK_SETTINGS, handleCallbackTrigger, type CallbackDependencies } from '../../src/flows/callback-extension.js';
import { createLogger } from '../../src/logger.js';
import { Metrics } from '../../src/metrics.js';
import { loadCallbackTarget } from '../../src/store/callback.js';
import type { Store } from '../../src/store/db.js';
import { WriteBatcher } from '../../src/store/write-batcher.js';

/**
 * The callback flow over a stand-in for call control, as the SIP service runs it for each
 * incoming call (load the target, then the flow): the callbacks it would place are recorded
 * and never answered, and ring times are recorded instead of waited for.
 */
export function callbackFlowWithoutSip(store: Store, options: { triggerLimiter?: CallbackTriggerLimiter; clock?: () => number; metrics?: Metrics } = {}) {
  const placed: { number: string; options: NumberCallOptions }[] = [];
  const waits: number[] = [];
  const calls: CallControl = {
    callExtension: () => Promise.reject(new Error('not used')),
    callNumber: (number, callOptions) => {
      placed.push({ number, options: callOptions });
      return Promise.resolve({ answered: false, cause: 'no-answer', status: 480, reason: 'Temporarily Unavailable' });
    },
    bridge: () => {
      throw new Error('not used');
    },
    isOnThePhone: () => false,
  };
  const deps: CallbackDependencies = {
    db: store.db,
    writes: new WriteBatcher(store),
    calls,
    destinationRules: [],
    logger: createLogger('silent'),
    settings: DEFAULT_CALLBACK_SETTINGS,
    triggerLimiter: options.triggerLimiter ?? new CallbackTriggerLimiter(),
    metrics: options.metrics ?? new Metrics({ processMetrics: false }),
    clock: options.clock ?? Date.now,
    sleep: (ms: number) => {
      waits.push(ms);
      return Promise.resolve();
    },
  };
  /** Someone rings the extension's number from `callerId`; it is refused with busy, as always. */
  const ring = async (extensionId: number, callerId = '+61400000123') => {
    const target = await loadCallbackTarget(store.db, extensionId, 'AU');
    const rejected: string[] = [];
    const leg: IncomingLeg = { callerId, dialled: '+61290370000', abandoned: new Promise(() => undefined), ring: () => undefined, reject: (cause) => rejected.push(cause) };
    await handleCallbackTrigger(deps, target!, leg);
    expect(rejected).toEqual(['busy']);
  };
  return { deps, placed, waits, ring };
}
