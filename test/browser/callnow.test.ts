// CallNow end to end with real parts: Chromium opens the public page and asks to be called;
// baresip, registered as the owner's extension, rings, answers and presses 1; SIPp, as the
// carrier, answers the requester's leg and checks the caller ID; the page follows live.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ledgerEntries, readCreditState } from '../../src/store/credit-accounts.js';
import { callLegsOf } from '../../src/store/callnow.js';
import { requirePeers } from '../helpers/peers/availability.js';
import { startBaresip, type BaresipPeer } from '../helpers/peers/baresip.js';
import { describeSippResult, startSipp, type SippHandle } from '../helpers/peers/sipp.js';
import { demoWith, launchChromium, startApp, type AppUnderTest } from './harness.js';

const peers = requirePeers('sipp', 'baresip', 'chromium');

describe('CallNow in a browser, with a real phone and a real carrier', () => {
  let browser: Browser;
  let server: AppUnderTest | null = null;
  let desk: BaresipPeer | null = null;
  let carrier: SippHandle | null = null;
  beforeAll(async () => {
    peers.assertAvailable();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser.close();
  });
  afterEach(async () => {
    await carrier?.stop(0);
    carrier = null;
    await desk?.stop();
    desk = null;
    await server?.stop();
    server = null;
  });

  it('asks, rings the owner who presses 1, calls the requester with the owner\'s number, connects, and charges the owner', async () => {
    carrier = await startSipp({ scenario: 'uas-check-callerid', keys: { expected_caller: '+61290371234' }, rtpEcho: true, timeoutMs: 60_000 });
    // Confirmation comes from a rule here (the preference says no): "confirm" for this range.
    server = await startApp(
      demoWith(carrier.localPort, (y) =>
        y.replace('confirm: true', 'confirm: false').replace('- { number: "+614*", action: accept }', '- { number: "+614*", action: accept }\n            - { number: "+6129876*", action: confirm }'),
      ),
    );
    desk = await startBaresip({ name: 'owner', answerMode: 'auto', accountParams: 'audio_codecs=PCMU' });
    expect((await desk.addAccount(`<sip:001002@${server.sipAddress}>;auth_pass=a-long-secret;regint=60;answermode=auto;audio_codecs=PCMU`))?.type).toBe('REGISTER_OK');
    const owner = desk;

    const page = await browser.newPage();
    let loads = 0;
    page.on('load', () => loads++);
    await page.goto(`${server.baseUrl}/callnow/john_doe`);
    expect(await page.locator('h1').textContent()).toBe('Call me back');
    expect(await page.locator('main').textContent()).toContain('John Doe will call you back');
    expect(await page.locator('.message').textContent()).toBe('Leave your number and I will call you back.');
    await page.fill('#myname', 'Jane Requester');
    // A Sydney landline typed as people type it: national form with spaces.
    await page.fill('#phone', '02 9876 5432');

    // The owner's phone rings with the caller on its display; it answers (auto) and, while
    // the prompt says the number, presses 1.
    const answered = owner.waitForEvent('CALL_ESTABLISHED', { timeoutMs: 10_000 });
    await page.click('button[type=submit]');
    await page.waitForURL(/\/callnow\/requests\/[\w-]+$/);
    expect(JSON.stringify(await answered)).toContain('sip:+61298765432@');
    await owner.command('uafind', `sip:001002@${server.sipAddress}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await owner.sendDtmf('1');

    // The page follows the request live (Server-Sent Events), then the owner hangs up.
    await page.locator('#status[data-state="connected"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('.state').textContent()).toBe('Connected. Enjoy your call.');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await owner.hangup();
    await page.locator('#status[data-state="completed"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('.state').textContent()).toBe('The call has finished.');
    expect(await page.locator('.cost').textContent()).toMatch(/0\.12/);
    // The form and the status page loaded once each: the status moved live (SSE), not by reloads.
    expect(loads).toBe(2);

    // The carrier saw our caller ID in From and P-Asserted-Identity (its scenario checks both).
    const carried = await carrier.stop(3_000);
    expect(carried.failedCalls, describeSippResult(carried)).toBe(0);
    expect(carried.successfulCalls, describeSippResult(carried)).toBe(1);

    // One request, two legs; the requester's leg rated "Sydney local" (flat 0.12) and charged to the owner.
    const db = server.store.db;
    const request = await db.selectFrom('callbackRequests').selectAll().executeTakeFirstOrThrow();
    expect(request).toMatchObject({ kind: 'callnow', state: 'completed', requesterNumber: '+61298765432', requesterName: 'Jane Requester', costMicros: 120_000 });
    const legs = await callLegsOf(db, request.id);
    expect(legs.map((l) => [l.role, l.toNumber])).toEqual([
      ['owner', '001002'],
      ['requester', '+61298765432'],
    ]);
    expect(legs[1]).toMatchObject({ ratePrefix: '612', costMicros: 120_000, cause: 'owner-hangup' });
    expect(legs[1]?.durationSeconds).toBeGreaterThanOrEqual(1);
    const extension = await db.selectFrom('extensions').select('creditAccountId').where('number', '=', '001002').executeTakeFirstOrThrow();
    const credit = await readCreditState(db, extension.creditAccountId);
    expect(credit).toMatchObject({ balanceMicros: 49_880_000, heldMicros: 0 });
    // The flat price was held before dialling the requester, then captured whole.
    const entries = (await ledgerEntries(db, extension.creditAccountId)).map((e) => [e.kind, e.amountMicros, e.heldMicros]);
    expect(entries).toEqual([
      ['recharge', 50_000_000, 0],
      ['reservation', 0, 120_000],
      ['capture', -120_000, -120_000],
    ]);
    await page.close();
  });

  it('the one-step link from a number a rule accepts connects without asking, and cuts the call when the credit runs out', async () => {
    carrier = await startSipp({ scenario: 'uas-check-callerid', keys: { expected_caller: '+61290371234' }, rtpEcho: true, timeoutMs: 60_000 });
    // 3.00 of credit at 60.00 a minute, billed by the second: the call may last 3 seconds.
    server = await startApp(
      demoWith(carrier.localPort, (y) =>
        y.replace('credit: "50.00"', 'credit: "3.00"').replace('{ prefix: "614", name: AU mobile, perMinute: "0.30", connectFee: "0.05", increments: "30/6" }', '{ prefix: "614", name: AU mobile, perMinute: "60.00", increments: "1/1" }'),
      ),
    );
    desk = await startBaresip({ name: 'owner', answerMode: 'auto', accountParams: 'audio_codecs=PCMA' });
    expect((await desk.addAccount(`<sip:001002@${server.sipAddress}>;auth_pass=a-long-secret;regint=60;answermode=auto;audio_codecs=PCMA`))?.type).toBe('REGISTER_OK');

    const page = await browser.newPage();
    await page.goto(`${server.baseUrl}/callnow/index.php?call=john_doe&myname=Mary&phone=%2B61412345678`);
    expect(page.url()).toMatch(/\/callnow\/requests\/[\w-]+$/);
    await page.locator('#status[data-state="connected"]').waitFor({ timeout: 15_000 });
    await page.locator('#status[data-state="completed"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('.reason').textContent()).toBe("The call ended when the owner's credit ran out.");
    expect(await page.locator('.cost').textContent()).toMatch(/3\.00/);
    await desk.waitForEvent('CALL_CLOSED', { timeoutMs: 10_000 });
    const carried = await carrier.stop(3_000);
    expect(carried.successfulCalls, describeSippResult(carried)).toBe(1);

    const db = server.store.db;
    const request = await db.selectFrom('callbackRequests').selectAll().executeTakeFirstOrThrow();
    expect(request).toMatchObject({ state: 'completed', reason: 'credit-exhausted', costMicros: 3_000_000 });
    const legs = await callLegsOf(db, request.id);
    expect(legs[1]).toMatchObject({ role: 'requester', cause: 'credit-exhausted', durationSeconds: 3, billedSeconds: 3, costMicros: 3_000_000 });
    const extension = await db.selectFrom('extensions').select('creditAccountId').where('number', '=', '001002').executeTakeFirstOrThrow();
    expect(await readCreditState(db, extension.creditAccountId)).toMatchObject({ balanceMicros: 0, heldMicros: 0 });
    await page.close();
  });

  it("tells the requester when the organization's licence has no line free, and rings nobody", async () => {
    server = await startApp(demoWith(5090));
    const db = server.store.db;
    const { accountId } = await db.selectFrom('extensions').select('accountId').where('number', '=', '001002').executeTakeFirstOrThrow();
    await db.updateTable('accounts').set({ maxConcurrentCalls: 0 }).where('id', '=', accountId).execute();
    const page = await browser.newPage();
    await page.goto(`${server.baseUrl}/callnow/index.php?call=john_doe&myname=Mary&phone=%2B61412345678`);
    await page.locator('#status[data-state="refused"]').waitFor();
    expect(await page.locator('.reason').textContent()).toBe('All lines are busy right now. Please try again in a few minutes.');
    const request = await db.selectFrom('callbackRequests').selectAll().executeTakeFirstOrThrow();
    expect(request).toMatchObject({ state: 'refused', reason: 'concurrent-calls' });
    expect(await callLegsOf(db, request.id)).toHaveLength(0);
    await page.close();
  });
});
