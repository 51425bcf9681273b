// The Extensions and Time intervals pages in Chromium against the whole server: an organization
// manager creates an extension (its SIP password shown once), sets up its CallNow page, switches
// CallNow off for it and the public page is gone, builds a time interval with the weekly editor
// (copying Monday to the weekdays, a closed date), then picks it as that extension's CallNow
// availability. With DIALBACK_SCREENSHOTS=1 it writes docs/screenshots/portal-extensions-*.png
// and portal-time-intervals-*.png.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createAccount } from '../../src/store/accounts.js';
import { requirePeers } from '../helpers/peers/availability.js';
import { createPortalUser, demoWith, launchChromium, screenshotsAtWidths, signInToPortal, startApp, type AppUnderTest } from './harness.js';

const peers = requirePeers('chromium');

describe('extensions and time intervals in the portal', () => {
  let browser: Browser;
  let server: AppUnderTest;
  beforeAll(async () => {
    peers.assertAvailable();
    browser = await launchChromium();
    server = await startApp(demoWith(5090));
    await createPortalUser(server, 'boss@acme.example', 'org_manager', { account: 'Acme' });
    await createPortalUser(server, 'admin@example.com', 'admin');
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('an organization manager creates an extension, switches its CallNow off, builds a time interval and picks it as availability', async () => {
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      // The browser logs every refused request (the 409s this test provokes, the 404 of CallNow not set up yet); anything else is a fault.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
    });
    const db = server.store.db;

    await signInToPortal(page, server.baseUrl, 'boss@acme.example');
    await page.getByRole('link', { name: 'Extensions' }).click();
    await page.waitForURL(/\/portal\/extensions$/);
    await page.locator('#ext-table tbody tr[data-id]').first().waitFor();
    expect(await page.locator('#ext-table tbody tr[data-id] td:first-child').allTextContents()).toEqual(['001002', '001100']);

    // A new extension; a taken number first: the API's message under the number field.
    await page.locator('#ext-new').click();
    await page.getByLabel('Number', { exact: true }).fill('001002');
    await page.getByLabel('Name', { exact: true }).fill('Sue Smith');
    await page.getByRole('button', { name: 'Create the extension' }).click();
    await page.locator('#ext-form-number-error').waitFor();
    expect(await page.locator('#ext-form-number-error').textContent()).toContain('001002 is taken');
    expect(await page.locator('#ext-form-number').getAttribute('aria-invalid')).toBe('true');
    // Nothing typed is lost: the name is still there.
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Sue Smith');
    await page.getByLabel('Number', { exact: true }).fill('001003');
    await page.getByLabel('External number').fill('02 9037 1299');
    await page.getByRole('button', { name: 'Create the extension' }).click();
    const password = page.locator('#ext-form-password');
    await password.waitFor();
    const shownPassword = (await password.textContent()) ?? '';
    expect(shownPassword).toMatch(/^[A-Za-z0-9]{16}$/);
    const stored = await db.selectFrom('extensions').selectAll().where('number', '=', '001003').executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ name: 'Sue Smith', externalNumber: '+61290371299', sipPassword: shownPassword, callnowEnabled: 1, callApiEnabled: 0 });
    await page.locator('#ext-form-done').click();
    const row = page.locator(`#ext-table tr[data-id="${stored.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('+61290371299');
    // Links to each extension's pages: CallNow for a phone, callback pages for a callback extension.
    expect(await page.getByRole('link', { name: 'Authorized CallerIDs of 001100' }).getAttribute('href')).toMatch(/\/portal\/extensions\/\d+\/callerids$/);
    expect(await page.getByRole('link', { name: 'Callback settings of 001100' }).getAttribute('href')).toMatch(/\/portal\/extensions\/\d+\/callback$/);
    await screenshotsAtWidths(page, 'portal-extensions');

    // Its CallNow page, set up from the extension's link; the public page answers.
    await page.getByRole('link', { name: 'CallNow of 001003' }).click();
    await page.waitForURL(new RegExp(`/portal/extensions/${stored.id}/callnow$`));
    await page.locator('#cn-form').waitFor();
    await page.getByLabel('CallNow ID').fill('sue_smith');
    await page.locator('#cn-save').click();
    await expect.poll(() => page.locator('#cn-save-status').textContent()).toBe('Preferences saved.');
    expect((await fetch(`${server.baseUrl}/callnow/sue_smith`)).status).toBe(200);

    // The organization switches CallNow off for it: the public page is gone, the owner's choice stays.
    await page.goBack();
    await page.waitForURL(/\/portal\/extensions$/);
    const callnowSwitch = page.getByRole('switch', { name: 'CallNow for 001003' });
    expect(await callnowSwitch.isChecked()).toBe(true);
    await callnowSwitch.uncheck();
    await expect.poll(() => callnowSwitch.isDisabled()).toBe(false);
    expect(await callnowSwitch.isChecked()).toBe(false);
    await expect.poll(async () => (await db.selectFrom('extensions').select('callnowEnabled').where('id', '=', stored.id).executeTakeFirstOrThrow()).callnowEnabled).toBe(0);
    expect((await fetch(`${server.baseUrl}/callnow/sue_smith`)).status).toBe(404);
    expect((await fetch(`${server.baseUrl}/callnow/index.php?call=sue_smith`)).status).toBe(404);
    expect((await db.selectFrom('callnowPreferences').select('enabled').where('extensionId', '=', stored.id).executeTakeFirstOrThrow()).enabled).toBe(1);

    // A time interval with the weekly editor.
    await page.getByRole('link', { name: 'Time intervals' }).click();
    await page.waitForURL(/\/portal\/time-intervals$/);
    await page.locator('#ti-new').click();
    await page.getByLabel('Name', { exact: true }).fill('Anytime');
    await page.getByLabel('Time zone').selectOption('Europe/Berlin');
    await page.getByRole('button', { name: 'Add hours on Monday' }).click();
    await page.getByLabel('Monday, hours 1: from').fill('08:00');
    await page.getByLabel('Monday, hours 1: to').fill('16:30');
    await page.locator('#ti-copy-monday').click();
    expect(await page.getByLabel('Friday, hours 1: to').inputValue()).toBe('16:30');
    expect(await page.locator('#ti-day-sat').textContent()).toContain('Closed');
    await page.locator('#ti-ex-add').click();
    await page.getByLabel('Date 1', { exact: true }).fill('2026-12-24');
    expect(await page.getByLabel('Date 1: closed all day').isChecked()).toBe(true);
    // "Anytime" is built in: the API refuses it and the message sits under the name.
    await page.locator('#ti-save').click();
    await page.locator('#ti-name-error').waitFor();
    expect(await page.locator('#ti-name-error').textContent()).toContain('"Anytime" is built in');
    expect(await page.getByLabel('Monday, hours 1: from').inputValue()).toBe('08:00');
    await page.getByLabel('Name', { exact: true }).fill('Late office');
    await screenshotsAtWidths(page, 'portal-time-intervals');
    await page.locator('#ti-save').click();
    const cardTitle = page.locator('.ti-card h2', { hasText: 'Late office' });
    await cardTitle.waitFor();
    const saved = await db.selectFrom('timeIntervals').selectAll().where('name', '=', 'Late office').executeTakeFirstOrThrow();
    expect(saved.timezone).toBe('Europe/Berlin');
    const slots = await db.selectFrom('timeIntervalSlots').select(['days', 'fromMinute', 'toMinute']).where('timeIntervalId', '=', saved.id).execute();
    expect(slots).toEqual([{ days: 'mon,tue,wed,thu,fri', fromMinute: 480, toMinute: 990 }]);
    const exceptions = await db.selectFrom('timeIntervalExceptions').select(['date', 'closed']).where('timeIntervalId', '=', saved.id).execute();
    expect(exceptions).toEqual([{ date: '2026-12-24', closed: 1 }]);
    expect(await page.locator(`#ti-${saved.id}`).textContent()).toContain('08:00–16:30');

    // The new extension's CallNow page offers it; picking it is what the API then shows.
    await page.goto(`${server.baseUrl}/portal/extensions/${stored.id}/callnow`);
    await page.locator('#cn-form').waitFor();
    // The page says the organization has switched CallNow off here.
    expect(await page.locator('#cn-switched-off').textContent()).toContain('switched CallNow off');
    const availability = page.getByLabel('Available during');
    expect(await availability.locator('option').allTextContents()).toEqual(['Anytime', 'Late office', 'Office hours']);
    await availability.selectOption({ label: 'Late office' });
    await page.locator('#cn-save').click();
    await expect.poll(() => page.locator('#cn-save-status').textContent()).toBe('Preferences saved.');
    const fromApi = await page.evaluate(async (id) => (await fetch(`/api/v1/extensions/${id}/callnow`)).json() as Promise<{ availability: string | null }>, stored.id);
    expect(fromApi.availability).toBe('Late office');
    await page.reload();
    await page.locator('#cn-form').waitFor();
    expect(await page.getByLabel('Available during').inputValue()).toBe('Late office');

    // In use, it cannot be deleted: the dialog says by which extension.
    await page.goto(`${server.baseUrl}/portal/time-intervals`);
    await page.getByRole('button', { name: 'Delete Late office' }).click();
    await page.locator('#ti-remove-confirm').click();
    await page.locator('#ti-remove-error').waitFor();
    expect(await page.locator('#ti-remove-error').textContent()).toContain('001003 (Sue Smith)');
    await page.locator('#ti-remove-cancel').click();

    expect(problems).toEqual([]);
    await context.close();
  });

  it('speaks German too, and a new extension can be made with the keyboard alone', async () => {
    const context = await browser.newContext({ locale: 'de-DE', viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await signInToPortal(page, server.baseUrl, 'boss@acme.example');
    await page.goto(`${server.baseUrl}/portal/time-intervals`);
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Zeitpläne');
    await page.goto(`${server.baseUrl}/portal/extensions`);
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Nebenstellen');
    await page.locator('#ext-table tbody tr[data-id]').first().waitFor();
    await page.locator('#ext-new').focus();
    await page.keyboard.press('Enter');
    // The dialog opens with the focus on its first field.
    await expect.poll(() => page.evaluate<string | null>('document.activeElement?.id ?? null')).toBe('ext-form-number');
    await page.keyboard.type('001004');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Max Muster');
    await page.keyboard.press('Enter');
    await page.locator('#ext-form-password').waitFor();
    expect(await page.locator('.ext-created').textContent()).toContain('Nebenstelle 001004 angelegt');
    await expect.poll(() => page.evaluate<string | null>('document.activeElement?.id ?? null')).toBe('ext-form-done');
    await page.keyboard.press('Enter');
    await page.locator('#ext-table tr', { hasText: 'Max Muster' }).waitFor();
    expect(await server.store.db.selectFrom('extensions').select('name').where('number', '=', '001004').executeTakeFirst()).toEqual({ name: 'Max Muster' });
    await context.close();
  });

  it('an administrator picks the organization of a new extension, one without extensions too, and filters by it', async () => {
    const db = server.store.db;
    const provider = await db.selectFrom('accounts').select('id').where('kind', '=', 'provider').executeTakeFirstOrThrow();
    const globex = await createAccount(db, { kind: 'organization', name: 'Globex', parentId: provider.id });
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signInToPortal(page, server.baseUrl, 'admin@example.com');
    await page.goto(`${server.baseUrl}/portal/extensions`);
    await page.locator('#ext-table tbody tr[data-id]').first().waitFor();
    expect(await page.locator('#ext-table thead').textContent()).toContain('Organization');
    await page.locator('#ext-new').click();
    const organization = page.locator('#ext-form-accountId');
    expect(await organization.locator('option').allTextContents()).toEqual(['Acme', 'Globex']);
    await organization.selectOption({ label: 'Globex' });
    await page.getByLabel('Number', { exact: true }).fill('002001');
    await page.getByLabel('Name', { exact: true }).fill('Jane Roe');
    await page.getByLabel('SIP password').fill('jane-secret-1');
    await page.getByRole('button', { name: 'Create the extension' }).click();
    expect(await page.locator('#ext-form-password').textContent()).toBe('jane-secret-1');
    await page.locator('#ext-form-done').click();
    expect(await db.selectFrom('extensions').select(['accountId', 'sipPassword']).where('number', '=', '002001').executeTakeFirst()).toEqual({ accountId: globex.id, sipPassword: 'jane-secret-1' });
    await page.getByLabel('Organization', { exact: true }).selectOption({ label: 'Globex' });
    await expect.poll(() => page.locator('#ext-table tbody tr[data-id] td:first-child').allTextContents()).toEqual(['002001']);
    await context.close();
  });
});
