// The callback extension end to end with real SIP peers: a traveller (SIPp) rings the DID
// and is refused after the ring time; Dialback calls back through the carrier (SIPp), the
// traveller types the password and the destination (SIP INFO), Dialback calls the
// destination through the same carrier and connects both, charging the CallerID's credit.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ledgerEntries, readCreditState } from '../../../src/store/credit-accounts.js';
import { callLegsOf } from '../../../src/store/callnow.js';
import { requirePeers } from '../../helpers/peers/availability.js';
import { writeCarrierScenario, writeTriggerScenario, type CarrierScript } from '../../helpers/peers/callback-scenarios.js';
import { describeSippResult, runSipp, startSipp, type SippHandle, type SippResult } from '../../helpers/peers/sipp.js';
import { demoWith, startApp, type AppUnderTest } from '../../browser/harness.js';
import { waitUntil } from './harness.js';

const peers = requirePeers('sipp');
const DID = '+61290370000';
const MARY = '+61412345678';

/** The demo with the trunk at the carrier, a one-second ring, and `changes`. */
function callbackDemo(carrierPort: number, changes: (yaml: string) => string = (y) => y): string {
  return demoWith(carrierPort, (y) => changes(y.replace('ringSeconds: 5', 'ringSeconds: 1')));
}

function expectAllSucceeded(result: SippResult, calls: number): void {
  const why = describeSippResult(result);
  expect(result.failedCalls, why).toBe(0);
  expect(result.successfulCalls, why).toBe(calls);
}

describe('callback extension', () => {
  let server: AppUnderTest | null = null;
  let carrier: SippHandle | null = null;
  beforeAll(() => peers.assertAvailable());
  afterEach(async () => {
    await carrier?.stop(0);
    carrier = null;
    await server?.stop();
    server = null;
  });

  const startCarrier = async (script: CarrierScript, calls = 2) => {
    carrier = await startSipp({ scenario: writeCarrierScenario(script), calls, timeoutMs: 60_000 });
    return carrier;
  };
  const trigger = (from: string, options: { expectStatus?: number; privacy?: string } = {}) =>
    runSipp({
      scenario: writeTriggerScenario({ expectStatus: options.expectStatus ?? 486 }),
      remote: server!.sipAddress,
      service: DID,
      calls: 1,
      keys: { caller: from, privacy: options.privacy ?? 'X-Test: plain' },
      timeoutMs: 20_000,
    });
  const requests = () => server!.store.db.selectFrom('callbackRequests').selectAll().where('kind', '=', 'callback').orderBy('id').execute();
  const said = () => {
    const prompts: string[][] = [];
    server!.app.sip.calls.onSay = (_callId, names) => prompts.push([...names]);
    return prompts;
  };
  const creditOf = async (callerId: string) => {
    const row = await server!.store.db.selectFrom('authorizedCallerids').select('creditAccountId').where('callerId', '=', callerId).executeTakeFirstOrThrow();
    return row.creditAccountId;
  };

  it('rings, refuses with 486 after the ring time, calls back, takes password and destination, connects and charges the CallerID', async () => {
    const sippCarrier = await startCarrier({ traveller: MARY, keys: ['4711#', '0298765432#'], pauseBeforeGroupMs: 800, hangUpAfterMs: 6_000 });
    server = await startApp(callbackDemo(sippCarrier.localPort));
    const prompts = said();
    const started = Date.now();
    const rang = await trigger(MARY);
    const refusedAfter = Date.now() - started;
    expectAllSucceeded(rang, 1);
    // Refused after the one-second ring, never answered.
    expect(refusedAfter).toBeGreaterThanOrEqual(900);
    expect(refusedAfter).toBeLessThan(4_000);

    const carried = await sippCarrier.done;
    expectAllSucceeded(carried, 2);
    await waitUntil(() => prompts.length > 0);
    const [request] = await requests();
    expect(request).toBeDefined();
    const db = server.store.db;
    await waitUntilAsync(async () => (await db.selectFrom('callbackRequests').select('state').where('id', '=', request!.id).executeTakeFirstOrThrow()).state === 'completed');
    const done = await db.selectFrom('callbackRequests').selectAll().where('id', '=', request!.id).executeTakeFirstOrThrow();
    expect(done).toMatchObject({ state: 'completed', requesterNumber: MARY, destinationNumber: '+61298765432', costMicros: 120_000 });
    const legs = await callLegsOf(db, request!.id);
    expect(legs.map((l) => [l.role, l.toNumber])).toEqual([
      ['callback', MARY],
      ['destination', '+61298765432'],
    ]);
    expect(legs[1]).toMatchObject({ ratePrefix: '612', costMicros: 120_000, cause: 'traveller-hangup', fromNumber: '+61290370000' });
    // The credit inquiry said Mary's 20.00 AUD before the number was asked for.
    expect(prompts).toContainEqual(['enter-password']);
    expect(prompts).toContainEqual(['remaining-credit-is', 'number-20', 'dollars']);
    expect(prompts).toContainEqual(['enter-number']);
    const account = await creditOf(MARY);
    expect(await readCreditState(db, account)).toMatchObject({ balanceMicros: 19_880_000, heldMicros: 0 });
    expect((await ledgerEntries(db, account)).map((e) => e.kind)).toEqual(['recharge', 'reservation', 'capture']);
    // What Prometheus is told: one callback taken in and completed, one paid call, its cost.
    const metrics = server.app.metrics;
    const sample = async (metric: { get(): Promise<{ values: { labels: Record<string, string | number>; value: number }[] }> }, labels: Record<string, string>) =>
      (await metric.get()).values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))?.value;
    expect(await sample(metrics.requests, { kind: 'callback', result: 'accepted' })).toBe(1);
    expect(await sample(metrics.requestsEnded, { kind: 'callback', state: 'completed' })).toBe(1);
    expect(await sample(metrics.paidCalls, { kind: 'callback', outcome: 'talked' })).toBe(1);
    expect(await sample(metrics.costMicros, { kind: 'callback' })).toBe(120_000);
    expect(await sample(metrics.paidCallsInProgress, { kind: 'callback' })).toBe(0);
  });

  it('an unauthorized caller is refused after the ring time and gets no callback', async () => {
    server = await startApp(callbackDemo(5090));
    expectAllSucceeded(await trigger('+61400000001'), 1);
    await waitUntilAsync(async () => (await requests()).length === 1);
    expect((await requests())[0]).toMatchObject({ state: 'refused', reason: 'not-authorized', requesterNumber: '+61400000001' });
    expect(await server.store.db.selectFrom('callLegs').selectAll().execute()).toHaveLength(0);
  });

  it('a withheld CallerID gets no callback, even when any caller may be called back', async () => {
    server = await startApp(callbackDemo(5090, (y) => y.replace('returnTo: authorized', 'returnTo: callerid')));
    expectAllSucceeded(await trigger(MARY, { privacy: 'Privacy: id' }), 1);
    await waitUntilAsync(async () => (await requests()).length === 1);
    expect((await requests())[0]).toMatchObject({ state: 'refused', reason: 'callerid-withheld', requesterNumber: null });
  });

  it('fixed-number mode calls the fixed number back, whoever rang, and charges the extension', async () => {
    const home = '+61298765400';
    const sippCarrier = await startCarrier({ traveller: home, keys: ['0298765432#'], pauseBeforeGroupMs: 800, hangUpAfterMs: 2_000 });
    server = await startApp(
      callbackDemo(sippCarrier.localPort, (y) =>
        y.replace('returnTo: authorized', 'returnTo: fixed').replace('fixedNumber: null', `fixedNumber: "${home}"`).replace('perCallerIdPassword: true', 'perCallerIdPassword: false').replace('creditInquiry: true', 'creditInquiry: false'),
      ),
    );
    expectAllSucceeded(await trigger('+61400000002'), 1);
    expectAllSucceeded(await sippCarrier.done, 2);
    await waitUntilAsync(async () => (await requests())[0]?.state === 'completed');
    const [request] = await requests();
    const legs = await callLegsOf(server.store.db, request!.id);
    expect(legs.map((l) => [l.role, l.toNumber])).toEqual([
      ['callback', home],
      ['destination', '+61298765432'],
    ]);
    const extension = await server.store.db.selectFrom('extensions').select('creditAccountId').where('number', '=', '001100').executeTakeFirstOrThrow();
    expect(legs[1]?.creditAccountId).toBe(extension.creditAccountId);
  });

  it('three wrong passwords end the call; repeated failures lock the CallerID out of callbacks', async () => {
    const sippCarrier = await startCarrier({ traveller: MARY, keys: ['1111#', '2222#', '3333#'], pauseBeforeGroupMs: 1_500, hangUpAfterMs: null }, 1);
    server = await startApp(callbackDemo(sippCarrier.localPort), { callback: { lockAfterFailures: 3 } });
    const prompts = said();
    expectAllSucceeded(await trigger(MARY), 1);
    expectAllSucceeded(await sippCarrier.done, 1);
    await waitUntilAsync(async () => (await requests())[0]?.state === 'wrong-password');
    expect(prompts.filter((p) => p[0] === 'enter-password')).toHaveLength(3);
    expect(prompts).toContainEqual(['too-many-attempts', 'goodbye']);
    const locked = await server.store.db.selectFrom('authorizedCallerids').select('lockedUntil').where('callerId', '=', MARY).executeTakeFirstOrThrow();
    expect(Date.parse(locked.lockedUntil ?? '')).toBeGreaterThan(Date.now());
    // Locked: the next ring gets no callback.
    expectAllSucceeded(await trigger(MARY), 1);
    await waitUntilAsync(async () => (await requests()).length === 2);
    expect((await requests())[1]).toMatchObject({ state: 'refused', reason: 'locked-out' });
  });

  it('a destination without a rate is refused with a prompt, and the traveller may try again', async () => {
    const sippCarrier = await startCarrier({ traveller: MARY, keys: ['4711#', '00442079460958#'], pauseBeforeGroupMs: 800, hangUpAfterMs: null }, 1);
    server = await startApp(
      callbackDemo(sippCarrier.localPort, (y) => y.replace('      - { prefix: "", name: Everywhere else, perMinute: "1.20", increments: "60/60" }\n', '').replace('dialTimeoutSeconds: 15', 'dialTimeoutSeconds: 1')),
    );
    const prompts = said();
    expectAllSucceeded(await trigger(MARY), 1);
    expectAllSucceeded(await sippCarrier.done, 1);
    await waitUntilAsync(async () => (await requests())[0]?.state === 'destination-refused');
    expect(prompts).toContainEqual(['destination-blocked']);
    expect(prompts.filter((p) => p[0] === 'enter-number')).toHaveLength(3);
    expect((await requests())[0]).toMatchObject({ reason: 'no-destination', costMicros: 0 });
  });

  it('cuts the destination off when the credit runs out, within a second of the limit, and the traveller hears the sound', async () => {
    const sippCarrier = await startCarrier({ traveller: MARY, keys: ['4711#', '0298765432#'], pauseBeforeGroupMs: 800, hangUpAfterMs: null });
    // 20.00 of credit at 600.00 a minute, billed by the second: 2 seconds.
    server = await startApp(
      callbackDemo(sippCarrier.localPort, (y) =>
        y.replace('{ prefix: "612", name: Sydney local, flat: "0.12" }', '{ prefix: "612", name: Sydney local, perMinute: "600.00", increments: "1/1" }').replace('creditInquiry: true', 'creditInquiry: false'),
      ),
    );
    const prompts = said();
    expectAllSucceeded(await trigger(MARY), 1);
    expectAllSucceeded(await sippCarrier.done, 2);
    await waitUntilAsync(async () => (await requests())[0]?.state === 'completed');
    const [request] = await requests();
    expect(request).toMatchObject({ reason: 'credit-exhausted', costMicros: 20_000_000 });
    const legs = await callLegsOf(server.store.db, request!.id);
    const destination = legs[1]!;
    expect(destination).toMatchObject({ cause: 'credit-exhausted', durationSeconds: 2, billedSeconds: 2, costMicros: 20_000_000 });
    const talkedMs = Date.parse(destination.endedAt ?? '') - Date.parse(destination.answeredAt ?? '');
    expect(talkedMs).toBeGreaterThanOrEqual(2_000);
    expect(talkedMs).toBeLessThan(3_000);
    expect(prompts).toContainEqual(['credit-exhausted']);
    expect(await readCreditState(server.store.db, await creditOf(MARY))).toMatchObject({ balanceMicros: 0, heldMicros: 0 });
  });

  /** The organization's licence, as the provider sets it (the flows read it for every call). */
  const licence = async (caps: { maxConcurrentCalls?: number | null; dailySpendCapMicros?: number | null }) => {
    const db = server!.store.db;
    const { accountId } = await db.selectFrom('extensions').select('accountId').where('number', '=', '001100').executeTakeFirstOrThrow();
    await db.updateTable('accounts').set(caps).where('id', '=', accountId).execute();
  };

  it('with a licence of one call at once, the next traveller is refused after the ring time and not called back while the first talks', async () => {
    const sippCarrier = await startCarrier({ traveller: MARY, keys: ['4711#', '0298765432#'], pauseBeforeGroupMs: 800, hangUpAfterMs: 4_000 });
    server = await startApp(callbackDemo(sippCarrier.localPort, (y) => y.replace('creditInquiry: true', 'creditInquiry: false')));
    await licence({ maxConcurrentCalls: 1 });
    expectAllSucceeded(await trigger(MARY), 1);
    await waitUntilAsync(async () => (await requests())[0]?.state === 'connected');
    expectAllSucceeded(await trigger(MARY), 1);
    await waitUntilAsync(async () => (await requests()).length === 2);
    const [, second] = await requests();
    expect(second).toMatchObject({ state: 'refused', reason: 'concurrent-calls', costMicros: 0 });
    const refusals = (await server.app.metrics.fraudGuardRefusals.get()).values;
    expect(refusals).toEqual([expect.objectContaining({ labels: { kind: 'callback', reason: 'concurrent-calls' }, value: 1 })]);
    expect(await callLegsOf(server.store.db, second!.id)).toHaveLength(0);
    // The carrier saw only the first traveller's two calls.
    expectAllSucceeded(await sippCarrier.done, 2);
    await waitUntilAsync(async () => (await requests())[0]?.state === 'completed');
  });

  it('the licence is checked again before the destination is dialled: lowered meanwhile, the traveller is told to try later', async () => {
    const sippCarrier = await startCarrier({ traveller: MARY, keys: ['4711#', '0298765432#'], pauseBeforeGroupMs: 800, hangUpAfterMs: null }, 1);
    server = await startApp(callbackDemo(sippCarrier.localPort, (y) => y.replace('creditInquiry: true', 'creditInquiry: false')));
    const prompts = said();
    expectAllSucceeded(await trigger(MARY), 1);
    await waitUntilAsync(async () => (await requests())[0]?.state === 'authenticating');
    await licence({ maxConcurrentCalls: 0 });
    // Only the call back: the destination is never dialled.
    expectAllSucceeded(await sippCarrier.done, 1);
    await waitUntilAsync(async () => (await requests())[0]?.state === 'destination-refused');
    expect((await requests())[0]).toMatchObject({ reason: 'concurrent-calls', costMicros: 0 });
    expect(prompts).toContainEqual(['try-again-later', 'goodbye']);
    const legs = await callLegsOf(server.store.db, (await requests())[0]!.id);
    expect(legs.map((l) => l.role)).toEqual(['callback']);
    expect(await readCreditState(server.store.db, await creditOf(MARY))).toMatchObject({ balanceMicros: 20_000_000, heldMicros: 0 });
  });

  it("the daily spend cap cuts the call where today's cap ends, before the credit does, then refuses the next callback", async () => {
    const sippCarrier = await startCarrier({ traveller: MARY, keys: ['4711#', '0298765432#'], pauseBeforeGroupMs: 800, hangUpAfterMs: null });
    // 10.00 a second: Mary's 20.00 would last 2 seconds, the organization's 10.00 cap for the day lasts 1.
    server = await startApp(
      callbackDemo(sippCarrier.localPort, (y) =>
        y.replace('{ prefix: "612", name: Sydney local, flat: "0.12" }', '{ prefix: "612", name: Sydney local, perMinute: "600.00", increments: "1/1" }').replace('creditInquiry: true', 'creditInquiry: false'),
      ),
    );
    await licence({ dailySpendCapMicros: 10_000_000 });
    const prompts = said();
    expectAllSucceeded(await trigger(MARY), 1);
    expectAllSucceeded(await sippCarrier.done, 2);
    await waitUntilAsync(async () => (await requests())[0]?.state === 'completed');
    const [first] = await requests();
    expect(first).toMatchObject({ reason: 'daily-spend-cap', costMicros: 10_000_000 });
    const destination = (await callLegsOf(server.store.db, first!.id))[1]!;
    expect(destination).toMatchObject({ cause: 'daily-spend-cap', durationSeconds: 1, costMicros: 10_000_000 });
    const talkedMs = Date.parse(destination.endedAt ?? '') - Date.parse(destination.answeredAt ?? '');
    expect(talkedMs).toBeGreaterThanOrEqual(1_000);
    expect(talkedMs).toBeLessThan(2_000);
    expect(prompts).toContainEqual(['credit-exhausted']);
    // Mary keeps what the cap did not let her spend; the ledger holds nothing back.
    expect(await readCreditState(server.store.db, await creditOf(MARY))).toMatchObject({ balanceMicros: 10_000_000, heldMicros: 0 });

    expectAllSucceeded(await trigger(MARY), 1);
    await waitUntilAsync(async () => (await requests()).length === 2);
    expect((await requests())[1]).toMatchObject({ state: 'refused', reason: 'daily-spend-cap' });
  });

  it('20 simultaneous callbacks on one CallerID share its credit and never overdraw it', async () => {
    const calls = 20;
    // 1.00 of credit, 0.12 a call: eight calls can be held, the others are told the credit is short.
    const sippCarrier = await startCarrier({ traveller: MARY, keys: ['4711#', '0298765432#'], pauseBeforeGroupMs: 800, hangUpAfterMs: null }, calls + 8);
    server = await startApp(
      callbackDemo(sippCarrier.localPort, (y) => y.replace('credit: "20.00", active: true', 'credit: "1.00", active: true').replace('creditInquiry: true', 'creditInquiry: false')),
      // One traveller triggering 20 callbacks at once is past the velocity limit: raised here, the credit is under test.
      { callback: { maxCallSeconds: 3 }, callbackLimits: { perCaller: { max: 100, windowMs: 60_000 }, perExtension: { max: 100, windowMs: 60_000 } } },
    );
    const triggers = await Promise.all(Array.from({ length: calls }, () => trigger(MARY)));
    for (const result of triggers) expectAllSucceeded(result, 1);
    const carried = await sippCarrier.done;
    if (carried.failedCalls > 0) console.log(JSON.stringify((await requests()).map((r) => [r.state, r.reason])), carried.errors.slice(0, 3000));
    expectAllSucceeded(carried, calls + 8);
    await waitUntilAsync(async () => (await requests()).filter((r) => r.state === 'completed' || r.state === 'destination-refused').length === calls, 30_000);
    const all = await requests();
    expect(all.filter((r) => r.state === 'completed')).toHaveLength(8);
    expect(all.filter((r) => r.state === 'destination-refused' && r.reason === 'out-of-credit')).toHaveLength(12);
    const account = await creditOf(MARY);
    expect(await readCreditState(server.store.db, account)).toMatchObject({ balanceMicros: 40_000, heldMicros: 0 });
    const entries = await ledgerEntries(server.store.db, account);
    expect(entries.filter((e) => e.kind === 'capture').reduce((sum, e) => sum + e.amountMicros, 0)).toBe(-960_000);
    expect(entries.every((e) => e.balanceAfterMicros >= 0)).toBe(true);
  }, 90_000);
});

async function waitUntilAsync(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
