// The portal's pages for each role in Chromium: what each role's navigation offers and what it
// cannot open; the dashboard's figures; the call history with its filters and CSV export; the
// CallNow requests list following a new request live. With DIALBACK_SCREENSHOTS=1 it writes
// docs/screenshots/portal-dashboard-*, portal-calls-*, portal-requests-*.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createAccount } from '../../src/store/accounts.js';
import type { CallLegTable } from '../../src/store/schema.js';
import { writeSetting } from '../../src/store/settings.js';
import { requirePeers } from '../helpers/peers/availability.js';
import { createPortalUser, demoWith, launchChromium, portalScreenshot, screenshotsAtWidths, signInToPortal, startApp, type AppUnderTest } from './harness.js';

const peers = requirePeers('chromium');
/** The portal's safety read of the requests list while its stream is open (web/src/pages/requests.ts). */
const SAFETY_POLL_MS = 30_000;

const GLOBEX = `
  - name: Globex
    defaultCountry: DE
    extensions:
      - number: "002001"
        name: Greta Globex
`;

describe('the portal for each role', () => {
  let browser: Browser;
  let server: AppUnderTest;
  let johnId: number;

  /** A CallNow request of John's `daysAgo` days ago, answered for `billed` seconds costing `micros`, with its two legs. */
  async function johnsRequest(daysAgo: number, requester: string, name: string | null, billed: number, micros: number, state = billed > 0 ? 'completed' : 'owner-no-answer') {
    const db = server.store.db;
    const at = new Date(Date.now() - daysAgo * 86_400_000 - 60_000).toISOString();
    const { accountId } = await db.selectFrom('extensions').select('accountId').where('id', '=', johnId).executeTakeFirstOrThrow();
    const request = await db
      .insertInto('callbackRequests')
      .values({ kind: 'callnow', accountId, extensionId: johnId, callbackAccountId: null, authorizedCalleridId: null, requesterName: name, requesterNumber: requester, destinationNumber: null, clientAddress: '192.0.2.7', language: 'en', state, reason: null, idempotencyKey: null, publicToken: null, scheduledAt: null, creditAccountId: null, costMicros: micros, createdAt: at, updatedAt: at })
      .returning('id')
      .executeTakeFirstOrThrow();
    const leg = (role: CallLegTable['role'], to: string, seconds: number, cost: number) => ({
      requestId: request.id,
      accountId,
      role,
      direction: 'outbound' as const,
      fromNumber: role === 'requester' ? '+61290370001' : requester,
      toNumber: to,
      extensionId: role === 'owner' ? johnId : null,
      trunkId: null,
      sipCallId: null,
      cause: billed > 0 ? 'normal' : 'no-answer',
      startedAt: at,
      answeredAt: billed > 0 ? at : null,
      endedAt: at,
      durationSeconds: seconds,
      // The owner's leg is talk time, not billed: the requester's leg carries the charge.
      billedSeconds: role === 'requester' ? seconds : 0,
      ratePrefix: cost > 0 ? '614' : null,
      costMicros: cost,
      creditAccountId: null,
    });
    await db.insertInto('callLegs').values(leg('owner', '001002', billed, 0)).execute();
    if (billed > 0) await db.insertInto('callLegs').values(leg('requester', requester, billed, micros)).execute();
    return request.id;
  }

  beforeAll(async () => {
    peers.assertAvailable();
    browser = await launchChromium();
    server = await startApp(demoWith(5090, (yaml) => yaml.replace(/\norganizations:\n/, `\norganizations:\n${GLOBEX}`)));
    const db = server.store.db;
    await writeSetting(db, 'currency', 'AUD');
    const provider = await db.selectFrom('accounts').select('id').where('kind', '=', 'provider').executeTakeFirstOrThrow();
    const reseller = await createAccount(db, { kind: 'reseller', name: 'Resell Co', parentId: provider.id });
    await db.updateTable('accounts').set({ parentId: reseller.id }).where('name', '=', 'Globex').execute();
    johnId = (await db.selectFrom('extensions').select('id').where('number', '=', '001002').executeTakeFirstOrThrow()).id;

    await createPortalUser(server, 'admin@example.com', 'admin');
    await createPortalUser(server, 'sales@resell.example', 'reseller', { account: 'Resell Co' });
    await createPortalUser(server, 'boss@acme.example', 'org_manager', { account: 'Acme' });
    await createPortalUser(server, 'john@acme.example', 'extension_owner', { extension: '001002' });
    await createPortalUser(server, 'travel@acme.example', 'extension_owner', { extension: '001100' });

    // Three weeks of John's CallNow calls: a chart with something in it.
    const costs = [0, 120_000, 350_000, 0, 600_000, 120_000, 0, 240_000, 900_000, 120_000, 0, 470_000, 0, 350_000, 120_000, 0, 0, 720_000, 120_000, 350_000];
    for (const [daysAgo, micros] of costs.entries()) if (daysAgo > 0) await johnsRequest(daysAgo, '+61412345678', 'Ann Example', micros > 0 ? 60 + daysAgo * 7 : 0, micros);
    await johnsRequest(0, '+61412345678', 'Ann Example', 95, 470_000);
    await johnsRequest(0, '+61298765432', null, 30, 120_000);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const navTexts = (page: Page) => page.locator('header nav a').allTextContents();

  it('gives each role its own navigation and start page, and nothing of the others', async () => {
    // Each role's whole navigation, in order, and pages of the others that must look like no page at all.
    const expectations: { email: string; start: RegExp; nav: string[]; forbidden: string[] }[] = [
      {
        email: 'admin@example.com',
        start: /\/portal\/dashboard$/,
        nav: ['Dashboard', 'Organizations', 'Extensions', 'Time intervals', 'Tariffs', 'Sounds', 'Trunks', 'Settings', 'Call history', 'Users', 'Account'],
        forbidden: ['callnow', 'callnow/requests', 'callback', 'callback/callerids'],
      },
      {
        email: 'sales@resell.example',
        start: /\/portal\/dashboard$/,
        nav: ['Dashboard', 'Organizations', 'Extensions', 'Time intervals', 'Tariffs', 'Sounds', 'Call history', 'Users', 'Account'],
        forbidden: ['trunks', 'settings', 'callnow'],
      },
      {
        email: 'boss@acme.example',
        start: /\/portal\/dashboard$/,
        nav: ['Dashboard', 'Extensions', 'Time intervals', 'Sounds', 'Call history', 'Users', 'Account'],
        forbidden: ['accounts', 'tariffs', 'trunks', 'settings', 'callnow'],
      },
      {
        email: 'john@acme.example',
        start: /\/portal\/callnow$/,
        nav: ['CallNow', 'Requests', 'Sounds', 'Call history', 'Account'],
        forbidden: ['dashboard', 'extensions', 'users', 'time-intervals', 'accounts', 'tariffs', 'trunks', 'settings', 'callback', `extensions/${johnId}/callnow`],
      },
      {
        email: 'travel@acme.example',
        start: /\/portal\/callback$/,
        nav: ['Callback', 'Authorized CallerIDs', 'Sounds', 'Call history', 'Account'],
        forbidden: ['callnow', 'callnow/requests', 'dashboard', 'extensions', 'users'],
      },
    ];
    for (const who of expectations) {
      const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      await signInToPortal(page, server.baseUrl, who.email);
      expect(page.url(), who.email).toMatch(who.start);
      expect(await navTexts(page), who.email).toEqual(who.nav);
      for (const path of who.forbidden) {
        await page.goto(`${server.baseUrl}/portal/${path}`);
        await expect.poll(() => page.locator('main h1').textContent()).toBe('Page not found');
      }
      expect(problems, who.email).toEqual([]);
      await context.close();
    }
  });

  it("shows the dashboard's figures for today and a 30-day chart", async () => {
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signInToPortal(page, server.baseUrl, 'boss@acme.example');
    await page.locator('#dash-requests dd').waitFor();
    expect(await page.locator('#dash-requests dd').textContent()).toBe('2');
    expect(await page.locator('#dash-calls dd').textContent()).toBe('2');
    expect(await page.locator('#dash-minutes dd').textContent()).toBe('2.1');
    expect(await page.locator('#dash-cost dd').textContent()).toBe('A$0.59');
    expect(await page.locator('svg.chart rect.bar').count()).toBe(30);
    await screenshotsAtWidths(page, 'portal-dashboard');

    // On a phone the navigation folds behind the Menu button, and folds again after a choice.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.locator('#main-nav').isVisible()).toBe(false);
    await page.locator('#nav-toggle').click();
    expect(await page.locator('#nav-toggle').getAttribute('aria-expanded')).toBe('true');
    expect(await page.locator('#main-nav').isVisible()).toBe(true);
    await portalScreenshot(page, 'portal-menu-390');
    await page.locator('#main-nav a', { hasText: 'Call history' }).click();
    await page.waitForURL(/\/portal\/calls$/);
    expect(await page.locator('#main-nav').isVisible()).toBe(false);
    await page.goBack();
    await page.waitForURL(/\/portal\/dashboard$/);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.locator('#dash-cost dd').waitFor();
    // The chart's figures are also in a table, today first.
    await page.locator('details summary').click();
    expect(await page.locator('#dash-days tbody tr').count()).toBe(30);
    expect(await page.locator('#dash-days tbody tr').first().locator('td').last().textContent()).toBe('A$0.59');

    // The reseller sees Globex only: nothing today.
    const other = await browser.newContext({ locale: 'de-DE', viewport: { width: 1280, height: 900 } });
    const resellerPage = await other.newPage();
    await signInToPortal(resellerPage, server.baseUrl, 'sales@resell.example');
    await resellerPage.locator('#dash-cost dd').waitFor();
    expect(await resellerPage.locator('main h1').textContent()).toBe('Übersicht');
    expect(await resellerPage.locator('#dash-requests dd').textContent()).toBe('0');
    expect(await resellerPage.locator('#dash-cost dd').textContent()).toBe('0,00\u00a0AU$');
    await other.close();
    await context.close();
  });

  it('lists the call history with costs, filters it, pages through it and exports it as CSV', async () => {
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await signInToPortal(page, server.baseUrl, 'john@acme.example');
    await page.locator('header nav a', { hasText: 'Call history' }).click();
    await page.waitForURL(/\/portal\/calls$/);
    await page.locator('#calls-summary').waitFor();
    // 21 requests: 21 owner legs and the 15 answered ones' requester legs.
    expect(await page.locator('#calls-summary').textContent()).toMatch(/^Call legs: 36 · minutes billed: [\d.]+ · cost: A\$5\.17$/);
    expect(await page.locator('#calls-table tbody tr').count()).toBe(25);
    await page.locator('#calls-pager-next').click();
    await expect.poll(() => page.locator('#calls-table tbody tr').count()).toBe(11);
    expect(await page.locator('#calls-pager').textContent()).toContain('Page 2 of 2');

    await page.locator('#calls-number').fill('9876');
    await page.locator('#calls-answered').check();
    await page.locator('#calls-apply').click();
    // The requester's leg, and John's own leg that showed the requester's number.
    await expect.poll(() => page.locator('#calls-summary').textContent()).toBe('Call legs: 2 · minutes billed: 0.5 · cost: A$0.12');
    const row = page.locator('#calls-table tbody tr').first();
    expect(await row.locator('td').nth(4).textContent()).toBe('+61298765432');
    expect(await row.locator('td').nth(7).textContent()).toBe('A$0.12');
    await screenshotsAtWidths(page, 'portal-calls');

    const download = page.waitForEvent('download');
    await page.locator('#calls-export').click();
    const file = await (await download).createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of file) chunks.push(chunk as Buffer);
    const lines = Buffer.concat(chunks).toString('utf8').trimEnd().split('\r\n');
    expect(lines[0]).toContain('Cost (AUD)');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(',callnow,requester,,+61290370001,+61298765432,30,30,614,0.12,normal');

    // A bad day is refused next to its field.
    await page.locator('#calls-clear').click();
    // Clearing reloads the list and draws the form anew; typing before that lands in the old field.
    await page.locator('#calls-apply:not([disabled])').waitFor();
    // A date input cannot hold junk; as a text field it shows how the API's refusal is drawn.
    await page.evaluate("document.getElementById('calls-from').type = 'text'");
    await page.locator('#calls-from').fill('yesterday');
    await page.locator('#calls-apply').click();
    await page.locator('#calls-from-error').waitFor();
    expect(await page.locator('#calls-from').getAttribute('aria-invalid')).toBe('true');
    await context.close();
  });

  it("follows the owner's CallNow requests live", async () => {
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signInToPortal(page, server.baseUrl, 'john@acme.example');
    await page.locator('header nav a', { hasText: 'Requests' }).click();
    await page.locator('#requests-table').waitFor();
    expect(await page.locator('#requests-table tbody tr').count()).toBe(21);
    expect(await page.locator('#requests-table tbody tr').first().locator('td').nth(1).textContent()).toBe('(no name)');

    // The list listens to the server's stream rather than polling.
    await page.locator('#requests-status[data-mode="stream"]').waitFor();
    expect(await page.locator('#requests-status').textContent()).toMatch(/^Live: updated /);
    const listReads: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes(`/api/v1/extensions/${johnId}/callnow/requests?`)) listReads.push(r.url());
    });

    // A request arrives through the public one-step link; John's phone is not registered, so it
    // ends unanswered. The list shows it without a reload, each state as the flow publishes it,
    // well before the 30-second safety read.
    const asked = Date.now();
    const placed = await fetch(`${server.baseUrl}/callnow/index.php?call=john_doe&myname=Newcomer&phone=%2B61455500011`, { redirect: 'manual' });
    expect(placed.status).toBe(303);
    const newcomer = page.locator('#requests-table tbody tr', { hasText: 'Newcomer' });
    await newcomer.waitFor({ timeout: 10_000 });
    const id = Number(await newcomer.getAttribute('data-id'));
    await expect.poll(async () => (await server.store.db.selectFrom('callbackRequests').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state).toBe('owner-no-answer');
    await expect.poll(() => newcomer.locator('[data-state]').textContent()).toBe('You did not answer');
    // The reason in words, not the flow's code ("unavailable").
    expect(await newcomer.locator('.hint').textContent()).toBe(' Why: not reachable');
    expect(Date.now() - asked).toBeLessThan(SAFETY_POLL_MS);
    // One read when it arrived, one per state change at most: events, not a timer.
    expect(listReads.length).toBeGreaterThanOrEqual(1);
    expect(listReads.length).toBeLessThanOrEqual(4);
    await screenshotsAtWidths(page, 'portal-requests');

    // A manager reads the same list through the extension's own route.
    const managerContext = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
    const managerPage = await managerContext.newPage();
    await signInToPortal(managerPage, server.baseUrl, 'boss@acme.example');
    await managerPage.goto(`${server.baseUrl}/portal/extensions/${johnId}/requests`);
    await managerPage.locator(`#requests-table tr[data-id="${id}"]`).waitFor();
    await managerContext.close();
    await context.close();
  });

  it('lets an organization manager add an extension owner, who signs in with the password made for them, and disable them', async () => {
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await signInToPortal(page, server.baseUrl, 'boss@acme.example');
    await page.locator('header nav a', { hasText: 'Users' }).click();
    await page.locator('#users-table tbody tr[data-id]').first().waitFor();
    expect(await page.locator('#users-table tbody tr[data-id] td:first-child').allTextContents()).toEqual(['boss@acme.example', 'john@acme.example', 'travel@acme.example']);
    // No actions on one's own row.
    expect(await page.locator('#users-table tbody tr', { hasText: 'boss@acme.example' }).locator('button').count()).toBe(0);

    await page.locator('#users-add').click();
    await page.locator('#user-email').waitFor();
    // An organization manager makes managers and owners of their organization only.
    expect(await page.locator('#user-role option').allTextContents()).toEqual(['Organization manager', 'Extension owner']);
    expect(await page.locator('#user-accountId option').allTextContents()).toEqual(['Acme']);
    await page.locator('#user-email').fill('nina@acme.example');
    await page.locator('#user-extensionId option', { hasText: '001100' }).waitFor({ state: 'attached' });
    // Without an extension the API's refusal is shown next to the field.
    await page.locator('#user-create').click();
    await page.locator('#user-extensionId-error').waitFor();
    await page.locator('#user-extensionId').selectOption({ label: '001100 · Travel line' });
    await page.locator('#user-create').click();
    const made = await page.locator('#user-made-password').inputValue();
    expect(made).toMatch(/^[A-Za-z0-9_-]{16}$/);
    await screenshotsAtWidths(page, 'portal-users-added');
    await page.locator('#user-done').click();
    await page.locator('#users-table tr', { hasText: 'nina@acme.example' }).waitFor();

    const nina = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
    const ninaPage = await nina.newPage();
    await signInToPortal(ninaPage, server.baseUrl, 'nina@acme.example', made);
    expect(await ninaPage.locator('.who').textContent()).toBe('Signed in as nina@acme.example');
    await nina.close();

    await page.locator('#users-table tr', { hasText: 'nina@acme.example' }).getByRole('button', { name: 'Disable nina@acme.example' }).click();
    await page.locator('#users-table tr', { hasText: 'nina@acme.example' }).getByText('Disabled', { exact: true }).waitFor();
    await screenshotsAtWidths(page, 'portal-users');
    const again = await browser.newContext({ locale: 'en-GB' });
    const againPage = await again.newPage();
    await againPage.goto(`${server.baseUrl}/portal/sign-in`);
    await againPage.locator('#sign-in-email').fill('nina@acme.example');
    await againPage.locator('#sign-in-password').fill(made);
    await againPage.locator('#sign-in-submit').click();
    await againPage.locator('#sign-in-error, #sign-in-password-error').first().waitFor();
    expect(againPage.url()).toMatch(/\/portal\/sign-in$/);
    await again.close();
    await context.close();
  });
});
