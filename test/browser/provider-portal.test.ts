// The provider's pages in Chromium against the whole server: an admin creates a reseller and an
// organization with a licence, imports a rates CSV with bad lines and sees each one refused,
// imports the fixed file, edits a rate, exports the CSV and reads the file back; a reseller
// has no trunks page. With DIALBACK_SCREENSHOTS=1 it writes docs/screenshots/portal-accounts-*.png
// and portal-tariffs-*.png.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createAccount } from '../../src/store/accounts.js';
import { requirePeers } from '../helpers/peers/availability.js';
import { createPortalUser, demoWith, launchChromium, screenshotsAtWidths, signInToPortal, startApp, type AppUnderTest } from './harness.js';

const peers = requirePeers('chromium');

const activeId = (page: Page) => page.evaluate<string | null>('document.activeElement?.id ?? null');
const navTexts = (page: Page) => page.locator('.topbar nav a').allTextContents();

const BAD_CSV = [
  'Prefix,Name,Connect fee,Per minute,Flat,Increments',
  '61,Australia,0.00,0.20,,60/60',
  '61x,Australia typo,0.00,0.20,,60/60',
  '44,United Kingdom,0.00,"0,08",,60/60',
  '612,Sydney local,,,0.12,',
].join('\n');
const GOOD_CSV = BAD_CSV.replace('61x,Australia typo,0.00,0.20', '64,New Zealand,0.00,0.25').replace('"0,08"', '0.08');

describe('the provider pages in a browser', () => {
  let browser: Browser;
  let server: AppUnderTest;
  const problems: string[] = [];

  beforeAll(async () => {
    peers.assertAvailable();
    browser = await launchChromium();
    server = await startApp(demoWith(5090));
    const provider = await server.store.db.selectFrom('accounts').select('id').where('kind', '=', 'provider').executeTakeFirstOrThrow();
    await createAccount(server.store.db, { kind: 'reseller', name: 'Resell Co', parentId: provider.id });
    await createPortalUser(server, 'admin@example.com', 'admin');
    await createPortalUser(server, 'sales@resell.example', 'reseller', { account: 'Resell Co' });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const newPage = async () => {
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    page.on('console', (message) => {
      // Chromium logs the refusals the test provokes (400) and the signed-out GET /me of the sign-in page (401) as failed loads; anything else is a fault.
      if (message.type() === 'error' && !/^Failed to load resource: the server responded with a status of 40[01]/.test(message.text())) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    return page;
  };

  it('an admin creates a reseller and an organization with a licence', async () => {
    const page = await newPage();
    await signInToPortal(page, server.baseUrl, 'admin@example.com');
    const nav = await navTexts(page);
    for (const entry of ['Organizations', 'Tariffs', 'Trunks', 'Settings']) expect(nav).toContain(entry);
    expect(nav.indexOf('Organizations')).toBeLessThan(nav.indexOf('Tariffs'));
    await page.getByRole('link', { name: 'Organizations' }).click();
    await page.waitForURL(/\/portal\/accounts$/);
    await page.locator('#accounts-table').waitFor();
    expect(await page.locator('h1').textContent()).toBe('Organizations and resellers');
    expect(await page.locator('#accounts-table tbody tr').count()).toBe(2);

    await page.getByRole('button', { name: 'New reseller' }).click();
    await page.locator('#acc-dialog').waitFor();
    expect(await activeId(page)).toBe('acc-name');
    await page.keyboard.type('Telco Partners');
    await page.getByLabel('Default country').fill('de');
    await page.keyboard.press('Enter');
    await page.locator('#acc-dialog').waitFor({ state: 'detached' });
    await expect.poll(() => page.locator('#accounts-table tbody tr').count()).toBe(3);
    const reseller = await server.store.db.selectFrom('accounts').select(['id', 'kind', 'defaultCountry']).where('name', '=', 'Telco Partners').executeTakeFirstOrThrow();
    expect(reseller).toMatchObject({ kind: 'reseller', defaultCountry: 'DE' });

    // An organization under it with a licence; a bad spend cap first: the API's message under the field, nothing lost.
    await page.getByRole('button', { name: 'New organization' }).click();
    await page.locator('#acc-dialog').waitFor();
    await page.getByLabel('Name').fill('Initech');
    await page.getByLabel('Belongs to').selectOption({ label: 'Telco Partners' });
    await page.getByLabel('Tariff').selectOption({ label: 'standard (Provider)' });
    await page.getByLabel('Extensions at most').fill('5');
    await page.getByLabel('Calls at once at most').fill('2');
    await page.getByLabel('Daily spend cap (AUD)').fill('25,50');
    await page.getByRole('button', { name: 'Create' }).click();
    const capError = page.locator('#acc-dailySpendCap-error');
    await capError.waitFor();
    expect(await capError.textContent()).toMatch(/use "\." as the decimal point/);
    expect(await activeId(page)).toBe('acc-dailySpendCap');
    expect(await page.getByLabel('Extensions at most').inputValue()).toBe('5');
    expect(await server.store.db.selectFrom('accounts').select('id').where('name', '=', 'Initech').execute()).toEqual([]);
    await page.getByLabel('Daily spend cap (AUD)').fill('25.50');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('#acc-dialog').waitFor({ state: 'detached' });
    await expect.poll(() => page.locator('#accounts-table tbody tr').count()).toBe(4);
    const initech = await server.store.db
      .selectFrom('accounts')
      .select(['parentId', 'tariffId', 'maxExtensions', 'maxConcurrentCalls', 'maxAuthorizedCallerids', 'dailySpendCapMicros'])
      .where('name', '=', 'Initech')
      .executeTakeFirstOrThrow();
    expect(initech).toMatchObject({ parentId: reseller.id, maxExtensions: 5, maxConcurrentCalls: 2, maxAuthorizedCallerids: null, dailySpendCapMicros: 25_500_000 });
    expect(initech.tariffId).not.toBeNull();
    const row = page.locator('#accounts-table tbody tr', { hasText: 'Initech' });
    expect(await row.locator('td').nth(2).textContent()).toBe('Telco Partners');
    expect(await row.locator('td').nth(3).textContent()).toBe('0 of 5');

    // The licence is shown again in the dialog for editing.
    await page.getByRole('button', { name: 'Edit Initech' }).click();
    await page.locator('#acc-dialog').waitFor();
    expect(await page.getByLabel('Daily spend cap (AUD)').inputValue()).toBe('25.50');
    await screenshotsAtWidths(page, 'portal-accounts-dialog');
    await page.keyboard.press('Escape');
    await page.locator('#acc-dialog').waitFor({ state: 'detached' });
    await screenshotsAtWidths(page, 'portal-accounts');
    await page.context().close();
  });

  it('an admin imports rates: a file with bad lines is refused line by line, the fixed one is imported, edited and exported', async () => {
    const page = await newPage();
    await signInToPortal(page, server.baseUrl, 'admin@example.com');
    await page.getByRole('link', { name: 'Tariffs' }).click();
    await page.waitForURL(/\/portal\/tariffs$/);
    await page.locator('#rates-table').waitFor();
    await expect.poll(() => page.locator('#rates-table tbody tr').count()).toBe(3);
    const tariff = await server.store.db.selectFrom('tariffs').select('id').where('name', '=', 'standard').executeTakeFirstOrThrow();
    const before = await server.store.db.selectFrom('rates').selectAll().where('tariffId', '=', tariff.id).orderBy('prefix').execute();

    await page.getByLabel('How to import').selectOption('replace');
    await page.getByLabel('CSV file of rates').setInputFiles({ name: 'rates.csv', mimeType: 'text/csv', buffer: Buffer.from(BAD_CSV) });
    await page.getByRole('button', { name: 'Import' }).click();
    const refused = page.locator('#import-problems');
    await refused.waitFor();
    const refusedLines = await Promise.all((await refused.locator('li').all()).map((li) => li.getAttribute('data-line')));
    expect(refusedLines).toEqual(['3', '4']);
    expect(await refused.locator('li').nth(0).textContent()).toMatch(/^Line 3: Prefix "61x": digits only/);
    expect(await refused.locator('li').nth(1).textContent()).toMatch(/^Line 4: Per minute: "0,08" is not a valid amount: use "\." as the decimal point/);
    expect(await activeId(page)).toBe('import-problems');
    expect(await server.store.db.selectFrom('rates').selectAll().where('tariffId', '=', tariff.id).orderBy('prefix').execute()).toEqual(before);
    await screenshotsAtWidths(page, 'portal-tariffs-import-refused');

    await page.getByLabel('CSV file of rates').setInputFiles({ name: 'rates.csv', mimeType: 'text/csv', buffer: Buffer.from(GOOD_CSV) });
    await page.getByRole('button', { name: 'Import' }).click();
    const result = page.locator('#import-result');
    await result.waitFor();
    expect(await result.textContent()).toBe('Imported: 3 new, 0 changed, 1 unchanged, 2 deleted; the tariff has 4 rates.');
    expect(await page.locator('#import-problems').count()).toBe(0);
    await expect.poll(() => page.locator('#rates-table tbody tr td:first-child').allTextContents()).toEqual(['44', '61', '612', '64']);

    // Search, then sort by the per-minute price, highest first.
    await page.getByLabel('Search by prefix or name').fill('zeal');
    await expect.poll(() => page.locator('#rates-table tbody tr td:first-child').allTextContents()).toEqual(['64']);
    expect(await activeId(page)).toBe('rates-search');
    await page.getByLabel('Search by prefix or name').fill('');
    await expect.poll(() => page.locator('#rates-table tbody tr').count()).toBe(4);
    await page.locator('#rates-table-sort-perMinute').click();
    await page.locator('#rates-table-sort-perMinute').click();
    await expect.poll(() => page.locator('#rates-table th[aria-sort="descending"]').textContent()).toContain('Per minute');
    expect(await page.locator('#rates-table tbody tr td:first-child').allTextContents()).toEqual(['64', '61', '44', '612']);

    // Edit a rate in the dialog: a bad increment first, then a good one.
    await page.getByRole('button', { name: 'Edit the rate for 64' }).click();
    await page.locator('#rate-dialog').waitFor();
    await page.getByLabel('Per minute').fill('0.35');
    await page.getByLabel('Increments').fill('30');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#rate-increments-error').waitFor();
    expect(await activeId(page)).toBe('rate-increments');
    await page.getByLabel('Increments').fill('30/6');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#rate-dialog').waitFor({ state: 'detached' });
    const nz = page.locator('#rates-table tbody tr', { hasText: 'New Zealand' });
    await expect.poll(() => nz.locator('td').nth(3).textContent()).toBe('0.35');
    expect(await nz.locator('td').nth(5).textContent()).toBe('30/6');
    await screenshotsAtWidths(page, 'portal-tariffs');

    // The export is a file the import reads back.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export as CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('rates-standard.csv');
    const file = readFileSync(await download.path(), 'utf8');
    expect(file).toBe(
      'Prefix,Name,Connect fee,Per minute,Flat,Increments\r\n' +
        '44,United Kingdom,0.00,0.08,,60/60\r\n' +
        '61,Australia,0.00,0.20,,60/60\r\n' +
        '612,Sydney local,,,0.12,\r\n' +
        '64,New Zealand,0.00,0.35,,30/6\r\n',
    );
    await page.context().close();
  });

  it('an admin adds a DID on the trunks page and changes the default country on the settings page', async () => {
    const page = await newPage();
    await signInToPortal(page, server.baseUrl, 'admin@example.com');
    await page.getByRole('link', { name: 'Trunks' }).click();
    await page.waitForURL(/\/portal\/trunks$/);
    await page.locator('#trunks-table').waitFor();
    expect(await page.locator('#trunks-table tbody tr td').first().textContent()).toBe('carrier');
    expect(await page.locator('.notice').textContent()).toMatch(/registers again at once/);
    // Edit the trunk: the password is never shown and stays when left empty.
    await page.getByRole('button', { name: 'Edit trunk carrier' }).click();
    await page.locator('#trunk-dialog').waitFor();
    expect(await page.getByLabel('Password', { exact: true }).inputValue()).toBe('');
    await page.getByLabel('Port', { exact: true }).fill('99999');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#trunk-port-error').waitFor();
    expect(await activeId(page)).toBe('trunk-port');
    await page.getByLabel('Port', { exact: true }).fill('5091');
    await page.getByLabel('Calls at once at most').fill('30');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#trunk-dialog').waitFor({ state: 'detached' });
    await expect.poll(() => page.locator('#trunks-table tbody tr td').nth(1).textContent()).toBe('127.0.0.1:5091/udp');
    const stored = await server.store.db.selectFrom('trunks').select(['port', 'maxChannels', 'password']).where('name', '=', 'carrier').executeTakeFirstOrThrow();
    expect(stored).toEqual({ port: 5091, maxChannels: 30, password: 'secret' });
    await page.getByRole('button', { name: 'Add a DID' }).click();
    await page.locator('#did-dialog').waitFor();
    await page.getByLabel('Number').fill('not a number');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#did-number-error').waitFor();
    expect(await activeId(page)).toBe('did-number');
    await page.getByLabel('Number').fill('02 9037 5555');
    await page.getByLabel('Rings').selectOption({ label: 'Acme: 001002 John Doe' });
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#did-dialog').waitFor({ state: 'detached' });
    const did = page.locator('#dids-table tbody tr', { hasText: '+61290375555' });
    await did.waitFor();
    expect(await did.locator('td').nth(2).textContent()).toBe('Acme: 001002 John Doe');
    expect(await server.store.db.selectFrom('dids').select('number').where('number', '=', '+61290375555').execute()).toHaveLength(1);
    await screenshotsAtWidths(page, 'portal-trunks');

    await page.getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL(/\/portal\/settings$/);
    await page.locator('#settings-form').waitFor();
    // The demo's opening credit is in AUD, so the currency is fixed.
    expect(await page.getByLabel('Currency').inputValue()).toBe('AUD');
    expect(await page.getByLabel('Currency').getAttribute('readonly')).not.toBeNull();
    await page.getByLabel('Default country').fill('ZZ');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#settings-defaultCountry-error').waitFor();
    await page.getByLabel('Default country').fill('nz');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('.saved').textContent()).toBe('Settings saved.');
    expect((await server.store.db.selectFrom('settings').select('value').where('key', '=', 'defaultCountry').executeTakeFirstOrThrow()).value).toBe('NZ');
    await page.context().close();
  });

  it('a reseller sees no trunks page: not in the navigation, and the address says page not found', async () => {
    const page = await newPage();
    await signInToPortal(page, server.baseUrl, 'sales@resell.example');
    const nav = await navTexts(page);
    expect(nav).toContain('Organizations');
    expect(nav).toContain('Tariffs');
    expect(nav).not.toContain('Trunks');
    expect(nav).not.toContain('Settings');
    await page.goto(`${server.baseUrl}/portal/trunks`);
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Page not found');
    // Its own account: the licence is the provider's to set, so it is shown but cannot be changed.
    await page.goto(`${server.baseUrl}/portal/accounts`);
    await page.locator('#accounts-table').waitFor();
    expect(await page.locator('#accounts-table tbody tr td:first-child').allTextContents()).toEqual(['Resell Co']);
    expect(await page.locator('#acc-new-reseller').count()).toBe(0);
    await page.getByRole('button', { name: 'Edit Resell Co' }).click();
    await page.locator('#acc-dialog').waitFor();
    expect(await page.getByLabel('Extensions at most').isDisabled()).toBe(true);
    expect(await page.locator('#acc-trunkId').count()).toBe(0);
    await page.getByLabel('Name').fill('Resell Company');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#acc-dialog').waitFor({ state: 'detached' });
    await expect.poll(() => page.locator('#accounts-table tbody tr td:first-child').allTextContents()).toEqual(['Resell Company']);
    await page.goto(`${server.baseUrl}/portal/tariffs`);
    await page.locator('#rates-table').waitFor();
    expect(await page.locator('.notice').textContent()).toMatch(/defined by Provider/);
    expect(await page.locator('#rates-import').count()).toBe(0);
    expect(await page.locator('#rate-add').count()).toBe(0);
    await page.context().close();
    expect(problems).toEqual([]);
  });
});
