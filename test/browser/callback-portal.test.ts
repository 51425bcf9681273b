// The callback extension in the portal, in Chromium against the whole server: its owner
// changes the callback settings (a bad value is refused next to its field), adds authorized
// CallerIDs up to the licence and is told why the next one is refused, exports the list to
// Excel and CSV, takes credit off an Unlimited CallerID (0 left, and the history says so),
// searches, sorts, deactivates and deletes; an organization manager opens the same pages.
// With DIALBACK_SCREENSHOTS=1 it writes docs/screenshots/portal-callback-* and portal-callerids-*.
import { readFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAuthorizedCallerId } from '../../src/store/authorized-callerids.js';
import { addSound, createFolder } from '../../src/store/sounds.js';
import { requirePeers } from '../helpers/peers/availability.js';
import { createPortalUser, demoWith, launchChromium, portalScreenshot, screenshotsAtWidths, signInToPortal, startApp, type AppUnderTest } from './harness.js';

const peers = requirePeers('chromium');

const OWNER = 'travel@acme.example';
const MANAGER = 'boss@acme.example';
const ADMIN = 'admin@example.com';

describe('the callback extension in the portal', () => {
  let browser: Browser;
  let server: AppUnderTest;
  let extensionId: number;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    peers.assertAvailable();
    browser = await launchChromium();
    server = await startApp(demoWith(5090));
    const db = server.store.db;
    extensionId = (await db.selectFrom('extensions').select('id').where('number', '=', '001100').executeTakeFirstOrThrow()).id;
    // A licence of 4: the demo's two CallerIDs and room for two more.
    await db.updateTable('callbackSettings').set({ maxAuthorizedCallerids: 4 }).where('extensionId', '=', extensionId).execute();
    // A recording of Acme's own for when the credit runs out.
    const acme = await db.selectFrom('accounts').select('id').where('name', '=', 'Acme').executeTakeFirstOrThrow();
    const folder = await createFolder(db, { accountId: acme.id, name: 'prompts', actor: 'test' });
    await addSound(db, { folderId: folder.id, name: 'no-more-credit', durationMs: 2000, encoding: 'pcmu', audio: Buffer.alloc(16000, 0xff), actor: 'test' });
    await createPortalUser(server, OWNER, 'extension_owner', { extension: '001100' });
    await createPortalUser(server, MANAGER, 'org_manager', { account: 'Acme' });
    await createPortalUser(server, ADMIN, 'admin');
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await server?.stop();
  });

  async function open(email: string): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await signInToPortal(page, server.baseUrl, email);
    return { page, problems };
  }

  const settingsOf = async (page: Page) => {
    const response = await page.request.get(`${server.baseUrl}/api/v1/extensions/${extensionId}/callback`);
    expect(response.status()).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  };

  const rowOf = (page: Page, callerId: string) => page.locator('#cid-table tbody tr', { has: page.locator('.number', { hasText: callerId }) });

  it('the owner changes the callback settings and reads them back through the API', async () => {
    const { page, problems } = await open(OWNER);
    // The callback settings are the owner's start page.
    await page.waitForURL(/\/portal\/callback$/);
    await page.locator('#cb-form').waitFor();
    expect(await page.locator('h1').textContent()).toBe('Callback settings');
    expect(await page.locator('#cb-licence').textContent()).toBe('2 of 4 active');
    expect(await page.getByLabel('Ring for (seconds)').inputValue()).toBe('5');
    expect(await page.getByLabel('Only callers whose CallerID is on the authorized list').isChecked()).toBe(true);
    expect(await page.locator('#cb-fixedNumber').count()).toBe(0);
    // The licence is shown, not offered for editing, to an owner.
    expect(await page.locator('#cb-maxAuthorizedCallerIds').count()).toBe(0);
    expect(await page.locator('#cb-maxAuthorizedCallerIds-fixed').textContent()).toContain('allows 4 active');
    // The sound picker: the shipped prompt first, then the library's sounds; a link to the library.
    expect(await page.locator('#cb-creditExhaustedSound').inputValue()).toBe('');
    const sounds = await page.locator('#cb-creditExhaustedSound option').allTextContents();
    expect(sounds[0]).toBe('Shipped prompt: "your credit is exhausted"');
    expect(sounds).toContain('no-more-credit (00:00:02, Acme)');
    expect(await page.getByRole('link', { name: 'Open the sound library' }).getAttribute('href')).toBe('/portal/sounds');
    await screenshotsAtWidths(page, 'portal-callback');

    // Out of range: the API's message under the field, which gets the focus; nothing else is lost.
    await page.getByLabel('Ring for (seconds)').fill('200');
    await page.getByLabel('Always the fixed number below').check();
    await page.getByLabel('Fixed number', { exact: true }).fill('0412 000 111');
    await page.getByRole('button', { name: 'Save the settings' }).click();
    await page.locator('#cb-ringSeconds-error').waitFor();
    expect(await page.locator('#cb-ringSeconds-error').textContent()).toContain('ringSeconds');
    expect(await page.evaluate<string | null>('document.activeElement?.id ?? null')).toBe('cb-ringSeconds');
    expect(await page.getByLabel('Fixed number', { exact: true }).inputValue()).toBe('0412 000 111');
    expect((await settingsOf(page)).ringSeconds).toBe(5);

    // Corrected, with every other setting changed too.
    await page.getByLabel('Ring for (seconds)').fill('8');
    await page.getByLabel('Password', { exact: true }).fill('2468');
    await page.getByLabel('Offer to say the remaining credit').uncheck();
    await page.getByLabel("Ask for the authorized CallerID's own password instead, when it has one").uncheck();
    await page.getByLabel('Time to dial the number (seconds)').fill('25');
    await page.getByLabel('Language of the voice prompts').selectOption('de');
    await page.getByLabel('Sound when the credit runs out').selectOption('no-more-credit');
    await page.getByRole('button', { name: 'Save the settings' }).click();
    await expect.poll(() => page.locator('#cb-save-status').textContent()).toBe('Settings saved.');
    expect(await page.locator('#cb-ringSeconds-error').count()).toBe(0);
    expect(await settingsOf(page)).toMatchObject({
      ringSeconds: 8,
      returnMode: 'fixed',
      fixedNumber: '+61412000111',
      passwordSet: true,
      perCallerIdPassword: false,
      creditInquiry: false,
      dialTimeoutSeconds: 25,
      language: 'de',
      creditExhaustedSound: 'no-more-credit',
      maxAuthorizedCallerIds: 4,
    });
    const stored = await server.store.db.selectFrom('callbackSettings').select('password').where('extensionId', '=', extensionId).executeTakeFirstOrThrow();
    expect(stored.password).toBe('2468');
    // The password is never shown back; the form says one is set and offers to replace or remove it.
    expect(await page.locator('#cb-password-state').textContent()).toBe('A password is set for this extension.');
    expect(await page.getByLabel('New password').inputValue()).toBe('');

    // After a reload the form shows what was saved; another mode hides the fixed number.
    await page.reload();
    await page.locator('#cb-form').waitFor();
    expect(await page.getByLabel('Fixed number', { exact: true }).inputValue()).toBe('+61412000111');
    expect(await page.getByLabel('Language of the voice prompts').inputValue()).toBe('de');
    await page.getByLabel('Any caller, on their CallerID (a hidden CallerID gets no callback)').check();
    expect(await page.locator('#cb-fixedNumber').count()).toBe(0);
    await page.getByRole('button', { name: 'Save the settings' }).click();
    await expect.poll(() => page.locator('#cb-save-status').textContent()).toBe('Settings saved.');
    expect(await settingsOf(page)).toMatchObject({ returnMode: 'callerid', fixedNumber: '+61412000111', passwordSet: true });

    // Removing the password: the field goes, and so does the password.
    await page.getByLabel('Remove the password').check();
    expect(await page.locator('#cb-password').count()).toBe(0);
    await page.getByRole('button', { name: 'Save the settings' }).click();
    await expect.poll(() => page.locator('#cb-password-state').textContent()).toBe('No password is set: callbacks need none.');
    expect((await settingsOf(page)).passwordSet).toBe(false);
    expect(problems).toEqual([]);
  });

  it('the owner adds CallerIDs up to the licence, exports them, and takes credit off an Unlimited one', async () => {
    const { page, problems } = await open(OWNER);
    await page.getByRole('link', { name: 'Authorized CallerIDs', exact: true }).click();
    await page.waitForURL(/\/portal\/callback\/callerids$/);
    await page.locator('#cid-table').waitFor();
    expect(await page.locator('#cid-licence').textContent()).toBe('2 of 4 active');
    expect(await page.locator('#cid-table tbody tr').count()).toBe(2);
    expect(await rowOf(page, '+61412345678').locator('td').allTextContents()).toEqual(
      expect.arrayContaining(['+61412345678', 'Mary mobile', 'Set', 'Active', '20.00']),
    );

    // One with an amount, one Unlimited: the licence is then full.
    await page.getByRole('button', { name: '+ Add a CallerID' }).click();
    await page.getByLabel('CallerID', { exact: true }).fill('0400 000 001');
    await page.getByLabel('Description').fill('Alice abroad');
    await page.getByLabel('An amount').check();
    await page.getByLabel('Amount', { exact: true }).fill('5.00');
    await page.locator('#cid-edit-save').click();
    await expect.poll(() => page.locator('#cid-editor').count()).toBe(0);
    await expect.poll(() => page.locator('#cid-licence').textContent()).toBe('3 of 4 active');
    expect(await rowOf(page, '+61400000001').locator('td').allTextContents()).toEqual(expect.arrayContaining(['Alice abroad', '5.00']));

    await page.getByRole('button', { name: '+ Add a CallerID' }).click();
    await page.getByLabel('CallerID', { exact: true }).fill('+61400000002');
    await page.getByLabel('Description').fill('Bob');
    await page.locator('#cid-edit-save').click();
    await expect.poll(() => page.locator('#cid-licence').textContent()).toBe('4 of 4 active');
    expect(await rowOf(page, '+61400000002').locator('td').allTextContents()).toEqual(expect.arrayContaining(['Bob', 'Unlimited']));

    // The fifth is refused, and the dialog says why; what was typed stays.
    await page.getByRole('button', { name: '+ Add a CallerID' }).click();
    await page.getByLabel('CallerID', { exact: true }).fill('+61400000003');
    await page.locator('#cid-edit-save').click();
    const refusal = page.locator('#cid-edit-error');
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('the licence allows 4 active authorized CallerIDs and 4 are active; deactivate one first');
    expect(await page.getByLabel('CallerID', { exact: true }).inputValue()).toBe('+61400000003');
    // A number already on the list is named at its field.
    await page.getByLabel('CallerID', { exact: true }).fill('+61400000002');
    await page.getByLabel('Active: it is called back and counts against the licence').uncheck();
    await page.locator('#cid-edit-save').click();
    await page.locator('#cid-edit-callerId-error').waitFor();
    expect(await page.locator('#cid-edit-callerId-error').textContent()).toContain('already authorized');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#cid-editor').count()).toBe(0);
    expect(await page.locator('#cid-table tbody tr').count()).toBe(4);

    // Excel and CSV through the buttons: every row, with its credit.
    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export to Excel' }).click()]);
    expect(xlsx.suggestedFilename()).toBe('authorized-callerids-001100.xlsx');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await readFile((await xlsx.path()))) as unknown as ExcelJS.Buffer);
    const sheet = workbook.worksheets[0]!;
    const cells = (row: number) => (sheet.getRow(row).values as unknown[]).slice(1, 5);
    expect(cells(1)).toEqual(['CallerID', 'Description', 'Status', 'Credit']);
    expect(sheet.rowCount).toBe(5);
    expect([2, 3, 4, 5].map(cells)).toEqual([
      ['+61412345678', 'Mary mobile', 'active', 20],
      ['+61298765432', '', 'active', 'Unlimited'],
      ['+61400000001', 'Alice abroad', 'active', 5],
      ['+61400000002', 'Bob', 'active', 'Unlimited'],
    ]);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export to CSV' }).click()]);
    expect(csv.suggestedFilename()).toBe('authorized-callerids-001100.csv');
    const lines = (await readFile((await csv.path()), 'utf8')).trimEnd().split('\r\n');
    expect(lines[0]).toBe('CallerID,Description,Status,Credit,Added on');
    expect(lines.slice(1).map((line) => line.split(',').slice(0, 4))).toEqual([
      ['+61412345678', 'Mary mobile', 'active', '20.00'],
      ['+61298765432', '', 'active', 'Unlimited'],
      ['+61400000001', 'Alice abroad', 'active', '5.00'],
      ['+61400000002', 'Bob', 'active', 'Unlimited'],
    ]);

    // A negative amount on Unlimited: the rule is spelled out; 0 is left and the history records it.
    await page.getByRole('button', { name: 'Credit of +61400000002' }).click();
    const dialog = page.locator('#cid-credit');
    await dialog.locator('#cid-credit-history').waitFor();
    expect(await dialog.locator('#cid-credit-now').textContent()).toBe('Credit left: Unlimited');
    expect(await dialog.locator('#cid-credit-history tbody td.empty').textContent()).toBe('No recharges yet.');
    expect(await dialog.locator('#cid-credit-amount-hint').textContent()).toContain('Adding a negative amount to an Unlimited CallerID limits it: its credit becomes 0');
    await dialog.getByLabel('Amount to add').fill('-3.00');
    await dialog.getByLabel('Note (optional)').fill('trip cancelled');
    await dialog.getByRole('button', { name: 'Add credit' }).click();
    await expect.poll(() => dialog.locator('#cid-credit-now').textContent()).toBe('Credit left: 0.00');
    await expect.poll(() => dialog.locator('#cid-credit-history tbody tr td.empty').count()).toBe(0);
    const newest = await dialog.locator('#cid-credit-history tbody tr').first().locator('td').allTextContents();
    expect(newest.slice(1)).toEqual(['-3.00', '0.00', `${OWNER}trip cancelled; Unlimited ended: credit set to 0`]);
    await screenshotsAtWidths(page, 'portal-callerids-credit');
    // More than there is on limited credit: refused at the field, which keeps the amount.
    await dialog.getByLabel('Amount to add').fill('-1.00');
    await dialog.getByRole('button', { name: 'Add credit' }).click();
    await dialog.locator('#cid-credit-amount-error').waitFor();
    expect(await dialog.locator('#cid-credit-amount-error').textContent()).toContain('cannot remove 1.00');
    expect(await dialog.getByLabel('Amount to add').inputValue()).toBe('-1.00');
    expect(await dialog.locator('#cid-credit-now').textContent()).toBe('Credit left: 0.00');
    await page.keyboard.press('Escape');
    await expect.poll(() => rowOf(page, '+61400000002').locator('td').nth(4).textContent()).toBe('0.00');

    // Back to Unlimited.
    await page.getByRole('button', { name: 'Credit of +61400000002' }).click();
    await dialog.getByRole('button', { name: 'Make it Unlimited' }).click();
    await expect.poll(() => dialog.locator('#cid-credit-now').textContent()).toBe('Credit left: Unlimited');
    await page.keyboard.press('Escape');
    await expect.poll(() => rowOf(page, '+61400000002').locator('td').nth(4).textContent()).toBe('Unlimited');

    // Search, sort, deactivate, edit, delete.
    await page.getByLabel('Search', { exact: true }).fill('alice');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect.poll(() => page.locator('#cid-table tbody tr').count()).toBe(1);
    expect(await page.locator('#cid-licence').textContent()).toBe('4 of 4 active');
    await page.getByRole('button', { name: 'Show all' }).click();
    await expect.poll(() => page.locator('#cid-table tbody tr').count()).toBe(4);
    await page.locator('#cid-table-sort-callerId').click();
    await expect.poll(() => page.locator('#cid-table .number').allTextContents()).toEqual(['+61298765432', '+61400000001', '+61400000002', '+61412345678']);
    await page.locator('#cid-table-sort-callerId').click();
    await expect.poll(() => page.locator('#cid-table .number').first().textContent()).toBe('+61412345678');
    expect(await page.locator('#cid-table th[aria-sort="descending"]').textContent()).toContain('CallerID');

    await page.getByRole('button', { name: 'Deactivate +61298765432' }).click();
    await expect.poll(() => page.locator('#cid-licence').textContent()).toBe('3 of 4 active');
    expect(await rowOf(page, '+61298765432').locator('.badge').textContent()).toBe('Inactive');

    await page.getByRole('button', { name: 'Edit +61400000001' }).click();
    await page.getByLabel('Description').fill('Alice at home');
    await page.locator('#cid-edit-save').click();
    await expect.poll(() => rowOf(page, '+61400000001').locator('td').nth(1).textContent()).toBe('Alice at home');

    await page.getByRole('button', { name: 'Delete +61298765432' }).click();
    expect(await page.locator('#cid-delete-title').textContent()).toBe('Delete +61298765432?');
    await page.locator('#cid-delete-confirm').click();
    await expect.poll(() => page.locator('#cid-table tbody tr').count()).toBe(3);
    await screenshotsAtWidths(page, 'portal-callerids');
    expect(problems).toEqual([]);
  });

  it('an organization manager opens the same pages through extensions/:id', async () => {
    const { page, problems } = await open(MANAGER);
    // The owner's routes are not the manager's.
    await page.goto(`${server.baseUrl}/portal/callback`);
    await page.locator('main h1').waitFor();
    expect(await page.locator('#cb-form').count()).toBe(0);

    await page.goto(`${server.baseUrl}/portal/extensions/${extensionId}/callback`);
    await page.locator('#cb-form').waitFor();
    expect(await page.locator('.lead').textContent()).toContain('001100 (Travel line)');
    expect(await page.locator('#cb-licence').textContent()).toBe('3 of 4 active');
    expect(await page.locator('#cb-maxAuthorizedCallerIds').count()).toBe(0);
    expect(await page.getByLabel('Ring for (seconds)').inputValue()).toBe('8');
    await page.getByLabel('Ring for (seconds)').fill('6');
    await page.getByRole('button', { name: 'Save the settings' }).click();
    await expect.poll(() => page.locator('#cb-save-status').textContent()).toBe('Settings saved.');
    expect((await settingsOf(page)).ringSeconds).toBe(6);

    await page.locator('#cb-callerids-link').click();
    await page.waitForURL(new RegExp(`/portal/extensions/${extensionId}/callerids$`));
    await page.locator('#cid-table').waitFor();
    expect(await page.locator('#cid-table tbody tr').count()).toBe(3);
    await page.getByRole('button', { name: 'Deactivate +61400000002' }).click();
    await expect.poll(() => page.locator('#cid-licence').textContent()).toBe('2 of 4 active');
    expect(await page.locator('#cid-export-csv').getAttribute('href')).toBe(`/api/v1/extensions/${extensionId}/callerids/export.csv?sort=addedOn&order=asc`);
    await portalScreenshot(page, 'portal-callerids-manager-1280');
    expect(problems).toEqual([]);
  });

  it('an administrator changes the licence; the pages in German; a list of two pages', async () => {
    const { page, problems } = await open(ADMIN);
    await page.goto(`${server.baseUrl}/portal/extensions/${extensionId}/callback`);
    await page.locator('#cb-form').waitFor();
    const licence = page.getByLabel('Active authorized CallerIDs allowed');
    expect(await licence.inputValue()).toBe('4');
    await licence.fill('many');
    await page.getByRole('button', { name: 'Save the settings' }).click();
    expect(await page.locator('#cb-maxAuthorizedCallerIds-error').textContent()).toBe('Enter a whole number.');
    await licence.fill('6');
    await page.getByRole('button', { name: 'Save the settings' }).click();
    await expect.poll(() => page.locator('#cb-save-status').textContent()).toBe('Settings saved.');
    expect(await page.locator('#cb-licence').textContent()).toBe('2 of 6 active');
    expect(await settingsOf(page)).toMatchObject({ maxAuthorizedCallerIds: 6, licenceLimit: 6, ringSeconds: 6 });

    // In German, and a list long enough for two pages (inactive ones do not count against the licence).
    const extension = await server.store.db.selectFrom('extensions').select(['id', 'accountId', 'number']).where('id', '=', extensionId).executeTakeFirstOrThrow();
    for (let i = 10; i < 30; i++) {
      await addAuthorizedCallerId(server.store.db, extension, { callerId: `+614000001${i}`, description: `Spare ${i}`, password: null, active: false, credit: 'unlimited' }, { actor: 'test' });
    }
    await page.getByLabel('Language', { exact: true }).selectOption('de');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Rückruf-Einstellungen');
    expect(await page.locator('#cb-licence').textContent()).toBe('2 von 6 aktiv');
    await page.locator('#cb-callerids-link').click();
    await page.locator('#cid-table').waitFor();
    expect(await page.locator('h1').textContent()).toBe('Berechtigte Rufnummern');
    expect(await page.locator('#cid-table caption').textContent()).toBe('Berechtigte Rufnummern (23)');
    expect(await page.locator('#cid-table tbody tr').count()).toBe(20);
    await page.locator('#cid-pager-next').click();
    await expect.poll(() => page.locator('#cid-table tbody tr').count()).toBe(3);
    expect(await page.locator('#cid-table .number').allTextContents()).toEqual(['+61400000127', '+61400000128', '+61400000129']);
    expect(await rowOf(page, '+61400000129').locator('.badge').textContent()).toBe('Inaktiv');
    await page.locator('#cid-pager-previous').click();
    await expect.poll(() => page.locator('#cid-table tbody tr').count()).toBe(20);
    expect(problems).toEqual([]);
  });
});
