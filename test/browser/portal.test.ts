// The web portal in Chromium against the whole server: an extension owner signs in with the
// keyboard, edits CallNow (image validation, welcome message) and sees it on the public page,
// gets the warning back with validation off, adds and reorders a rule, reloads, signs out.
// With DIALBACK_SCREENSHOTS=1 it also writes docs/screenshots/portal-*.png (README, "Portal").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { CAPTCHA_OFF_WARNING } from '../../src/http/api/callnow.js';
import type { UserRole } from '../../src/store/schema.js';
import { readCallnowRules } from '../../src/http/api/callnow-preferences.js';
import { requirePeers } from '../helpers/peers/availability.js';
import { createPortalUser, demoWith, launchChromium, portalScreenshot, PORTAL_PASSWORD, screenshotsAtWidths, startApp, type AppUnderTest } from './harness.js';

const peers = requirePeers('chromium');

const PASSWORD = PORTAL_PASSWORD;
const createUser = (server: AppUnderTest, email: string, role: UserRole, extension: string | null) => createPortalUser(server, email, role, extension === null ? {} : { extension });
const screenshot = portalScreenshot;
const atWidths = screenshotsAtWidths;

const activeId = (page: Page) => page.evaluate<string | null>('document.activeElement?.id ?? null');

describe('the web portal in a browser', () => {
  let browser: Browser;
  let server: AppUnderTest;
  beforeAll(async () => {
    peers.assertAvailable();
    browser = await launchChromium();
    server = await startApp(demoWith(5090));
    await createUser(server, 'john@acme.example', 'extension_owner', '001002');
    await createUser(server, 'mary@acme.example', 'extension_owner', '001002');
    await createUser(server, 'admin@example.com', 'admin', null);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('an extension owner signs in, changes CallNow, sees it on the public page, edits the rules and signs out', async () => {
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));

    // The root redirects to the portal, which asks to sign in.
    await page.goto(`${server.baseUrl}/`);
    await page.waitForURL(/\/portal\/sign-in$/);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Sign in');
    expect(await page.title()).toBe('Sign in · Dialback');
    await atWidths(page, 'portal-sign-in');

    // A wrong password: the API's message next to the field, which gets the focus.
    await page.getByLabel('E-mail address').fill('john@acme.example');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const passwordError = page.locator('#sign-in-password-error');
    await passwordError.waitFor();
    expect(await passwordError.textContent()).toBe('wrong e-mail or password');
    expect(await page.getByLabel('Password').getAttribute('aria-invalid')).toBe('true');
    expect(await activeId(page)).toBe('sign-in-password');

    // Signing in with the keyboard alone: Tab from the top to the e-mail field, type, Enter.
    await page.reload();
    await page.locator('#sign-in-email').waitFor();
    for (let i = 0; i < 10 && (await activeId(page)) !== 'sign-in-email'; i++) await page.keyboard.press('Tab');
    expect(await activeId(page)).toBe('sign-in-email');
    await page.keyboard.type('John@Acme.example');
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/portal\/callnow$/);
    await page.locator('#cn-form').waitFor();
    expect(await page.locator('h1').textContent()).toBe('CallNow');
    expect(await page.locator('.lead').textContent()).toContain('001002 (John Doe)');
    expect(await page.locator('.who').textContent()).toBe('Signed in as john@acme.example');

    // Every preference as the demo set it; image validation is off, so the API's warning shows.
    expect(await page.getByLabel('CallNow ID').inputValue()).toBe('john_doe');
    expect(await page.getByLabel('CallNow on: my page takes requests').isChecked()).toBe(true);
    expect(await page.getByLabel('Use image validation (CAPTCHA)').isChecked()).toBe(false);
    expect(await page.getByLabel('Language of the page').inputValue()).toBe('en');
    expect(await page.getByLabel('Welcome message').inputValue()).toBe('Leave your number and I will call you back.');
    expect(await page.getByLabel('Available during').inputValue()).toBe('');
    expect(await page.locator('#cn-warning').textContent()).toContain(CAPTCHA_OFF_WARNING);
    const link = (await page.locator('#cn-link').textContent()) ?? '';
    expect(await page.locator('#cn-link').getAttribute('href')).toBe(link);
    expect(link).toMatch(/^https?:\/\/[^/]+\/callnow\/john_doe$/);
    // The QR code is drawn here, of the same link.
    expect(await page.locator('svg.qr').getAttribute('data-text')).toBe(link);
    expect((await page.locator('svg.qr path').getAttribute('d'))?.length).toBeGreaterThan(1000);
    await atWidths(page, 'portal-callnow');

    // Copy puts the link on the clipboard.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseUrl });
    await page.getByRole('button', { name: 'Copy the link' }).click();
    await expect.poll(() => page.locator('#cn-copy-status').textContent()).toBe('Link copied.');
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(link);

    // The language menu changes the portal's texts at once and keeps what was typed.
    await page.getByLabel('Welcome message').fill('Ring me any time: I call back within the hour. <b>Danke!</b>');
    await page.getByLabel('Language', { exact: true }).selectOption('de');
    await expect.poll(() => page.locator('#cn-save').textContent()).toBe('Einstellungen speichern');
    expect(await page.locator('html').getAttribute('lang')).toBe('de');
    expect(await page.getByLabel('Begrüßungstext').inputValue()).toBe('Ring me any time: I call back within the hour. <b>Danke!</b>');
    await page.getByLabel('Sprache', { exact: true }).selectOption('en');
    await expect.poll(() => page.locator('#cn-save').textContent()).toBe('Save preferences');

    // Image validation on, the new message, saved: the warning goes.
    await page.getByLabel('Use image validation (CAPTCHA)').check();
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await expect.poll(() => page.locator('#cn-save-status').textContent()).toBe('Preferences saved.');
    expect(await page.locator('#cn-warning').count()).toBe(0);
    const stored = await server.store.db.selectFrom('callnowPreferences').select(['captcha', 'message']).where('callnowId', '=', 'john_doe').executeTakeFirstOrThrow();
    expect(stored).toEqual({ captcha: 1, message: 'Ring me any time: I call back within the hour. <b>Danke!</b>' });

    // The public page, in the same browser: the new message (escaped) and the CAPTCHA image.
    const publicPage = await context.newPage();
    await publicPage.goto(`${server.baseUrl}/callnow/john_doe`);
    expect(await publicPage.locator('.message').textContent()).toBe('Ring me any time: I call back within the hour. <b>Danke!</b>');
    const captcha = publicPage.locator('img.captcha');
    await captcha.waitFor();
    await expect.poll(() => captcha.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    await publicPage.close();

    // Image validation off again: the API's warning is back.
    await page.getByLabel('Use image validation (CAPTCHA)').uncheck();
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await page.locator('#cn-warning').waitFor();
    expect(await page.locator('#cn-warning').textContent()).toContain(CAPTCHA_OFF_WARNING);
    expect(await page.locator('#cn-warning h2').textContent()).toBe('Image validation is off');

    // A bad CallNow ID: the API's message under the field, which gets the focus; nothing saved.
    await page.getByLabel('CallNow ID').fill('x!');
    await page.getByRole('button', { name: 'Save preferences' }).click();
    const idError = page.locator('#cn-callnowId-error');
    await idError.waitFor();
    expect(await idError.textContent()).toMatch(/^callnowId has the wrong form/);
    expect(await activeId(page)).toBe('cn-callnowId');
    expect(await page.getByLabel('CallNow ID').getAttribute('aria-describedby')).toContain('cn-callnowId-error');
    await page.getByLabel('CallNow ID').fill('john_doe');

    // Rules: the demo's two, then a third added and moved up one with the keyboard.
    expect(await page.locator('#rules > li').count()).toBe(2);
    await page.getByRole('button', { name: 'Add a rule' }).click();
    expect(await activeId(page)).toBe('rule-2-number');
    await page.keyboard.type('+4930*');
    await page.locator('#rule-2-action').selectOption('reject');
    expect(await page.locator('#rules-status').textContent()).toBe('Unsaved changes.');
    await page.getByRole('button', { name: 'Move rule 3 up' }).focus();
    await page.keyboard.press('Enter');
    // Focus follows the rule to its new place.
    expect(await activeId(page)).toBe('rule-1-up');
    expect(await page.locator('#rule-1-number').inputValue()).toBe('+4930*');
    expect(await page.locator('#rules fieldset legend').allTextContents()).toEqual(['Rule 1', 'Rule 2', 'Rule 3']);
    await page.getByRole('button', { name: 'Save rules' }).click();
    await expect.poll(() => page.locator('#rules-status').textContent()).toBe('Rules saved.');
    const extension = await server.store.db.selectFrom('extensions').select('id').where('number', '=', '001002').executeTakeFirstOrThrow();
    expect(await readCallnowRules(server.store.db, extension.id)).toEqual([
      { number: '+614*', name: null, action: 'accept' },
      { number: '+4930*', name: null, action: 'reject' },
      { number: null, name: '*test*', action: 'reject' },
    ]);

    // After a reload the session holds (cookie), the rules come back in order, and changes
    // still work: the CSRF token comes from GET /api/v1/me again.
    await page.reload();
    await page.locator('#rules').waitFor();
    expect(await page.locator('#rules input[id$="-number"]').evaluateAll((inputs) => inputs.map((i) => (i as unknown as { value: string }).value))).toEqual(['+614*', '+4930*', '']);
    await page.getByRole('button', { name: 'Delete rule 2' }).click();
    expect(await activeId(page)).toBe('rule-1-delete');
    await page.getByRole('button', { name: 'Save rules' }).click();
    await expect.poll(() => page.locator('#rules-status').textContent()).toBe('Rules saved.');
    expect((await readCallnowRules(server.store.db, extension.id)).map((r) => r.number ?? r.name)).toEqual(['+614*', '*test*']);

    // Sign out: back to the sign-in page, and the session is gone on the server.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/portal\/sign-in$/);
    expect(await page.locator('.notice').textContent()).toBe('You are signed out.');
    expect(await page.evaluate(() => fetch('/api/v1/me').then((r) => r.status))).toBe(401);
    await page.goto(`${server.baseUrl}/portal/callnow`);
    await page.waitForURL(/\/portal\/sign-in$/);

    // The browser logs the API's refusals (401 before signing in, 400 for the bad ID); nothing else may fail.
    expect(problems.filter((p) => !/^Failed to load resource: the server responded with a status of 40[01]\b/.test(p))).toEqual([]);
    await context.close();
  });

  it('speaks the browser\'s language, says plainly when sign-in is paused, and takes an administrator to the dashboard', async () => {
    const context = await browser.newContext({ locale: 'de-DE', viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/portal/`);
    await page.waitForURL(/\/portal\/sign-in$/);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Anmelden');
    expect(await page.locator('html').getAttribute('lang')).toBe('de');

    // Wrong passwords until the server slows sign-in down (429 with Retry-After).
    await page.getByLabel('E-Mail-Adresse').fill('mary@acme.example');
    const alert = page.locator('#sign-in-error');
    for (let attempt = 1; attempt <= 12 && (await alert.count()) === 0; attempt++) {
      await page.getByLabel('Passwort').fill(`wrong password ${attempt}`);
      await page.getByRole('button', { name: 'Anmelden' }).click();
      await page.locator('#sign-in-password-error, #sign-in-error').first().waitFor();
      await expect.poll(() => page.locator('#sign-in-submit').textContent()).not.toBe('Anmeldung läuft…');
    }
    expect(await alert.locator('p').first().textContent()).toMatch(/^Zu viele Anmeldeversuche: Die Anmeldung ist pausiert\. Versuchen Sie es in \d+ Sekunden? erneut\.$/);
    expect(await page.locator('#sign-in-submit').isDisabled()).toBe(true);
    await screenshot(page, 'portal-sign-in-paused-de-390');

    // An administrator signs in fine and lands on the dashboard.
    await page.getByLabel('Sprache', { exact: true }).selectOption('en');
    await page.getByLabel('E-mail address').fill('admin@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    // Another e-mail address may try at once (the pause was for Mary's account).
    expect(await page.locator('#sign-in-submit').isDisabled()).toBe(false);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/portal\/dashboard$/);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Dashboard');
    expect(await page.locator('.who').textContent()).toBe('Signed in as admin@example.com');
    await context.close();
  });
});
