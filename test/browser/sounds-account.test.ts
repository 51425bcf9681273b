// The sound library and account pages in Chromium against the whole server. An organization
// manager uploads a 16 kHz stereo WAV, sees its length, plays it in the page, downloads it as
// 8 kHz mono, is told what is wrong with a bad file and a bad name, deletes it; an extension
// owner sees the library read-only. On the account page a user changes the password (other
// sessions end; the old password fails, the new one works), makes an API token, uses it and
// revokes it. With DIALBACK_SCREENSHOTS=1 it writes docs/screenshots/portal-sounds-*.png and
// portal-account-*.png.
import { readFileSync } from 'node:fs';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserRole } from '../../src/store/schema.js';
import { readSoundUpload } from '../../src/media/sound-file.js';
import { addSound, createFolder } from '../../src/store/sounds.js';
import { requirePeers } from '../helpers/peers/availability.js';
import { createPortalUser, demoWith, launchChromium, PORTAL_PASSWORD, portalScreenshot, screenshotsAtWidths, startApp, type AppUnderTest } from './harness.js';

const peers = requirePeers('chromium');

const PASSWORD = PORTAL_PASSWORD;
const NEW_PASSWORD = 'a much longer passphrase';

/** Debian's Chromium as the harness launches it, and allowed to play audio without a click (the test starts playback from script). */
const launchChromiumWithAudio = () => launchChromium(['--autoplay-policy=no-user-gesture-required']);

/** A portal user as `dialback user create` makes one: an extension's owner, the organization's manager, or an administrator. */
const createUser = (server: AppUnderTest, email: string, role: UserRole, extensionNumber: string | null = null) =>
  createPortalUser(server, email, role, extensionNumber !== null ? { extension: extensionNumber } : role === 'admin' ? {} : { account: 'Acme' });

/** A sine tone as a RIFF WAV file: 16-bit PCM, `rate` Hz, one tone per channel. */
function sineWav(seconds: number, rate: number, channels: number): Buffer {
  const frames = Math.round(seconds * rate);
  const data = Buffer.alloc(frames * channels * 2);
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channels; c++) {
      const value = Math.round(0.5 * 32767 * Math.sin((2 * Math.PI * (440 + 220 * c) * f) / rate));
      data.writeInt16LE(value, (f * channels + c) * 2);
    }
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** The fmt chunk of a WAV file: format code, channels, sample rate; and the data chunk's size. */
function wavFormat(file: Buffer): { format: number; channels: number; rate: number; dataBytes: number } {
  expect(file.toString('ascii', 0, 4)).toBe('RIFF');
  expect(file.toString('ascii', 8, 12)).toBe('WAVE');
  let offset = 12;
  let format = { format: 0, channels: 0, rate: 0 };
  while (offset + 8 <= file.length) {
    const id = file.toString('ascii', offset, offset + 4);
    const size = file.readUInt32LE(offset + 4);
    if (id === 'fmt ') format = { format: file.readUInt16LE(offset + 8), channels: file.readUInt16LE(offset + 10), rate: file.readUInt32LE(offset + 12) };
    if (id === 'data') return { ...format, dataBytes: size };
    offset += 8 + size + (size % 2);
  }
  throw new Error('no data chunk');
}

const atWidths = screenshotsAtWidths;

const activeId = (page: Page) => page.evaluate<string | null>('document.activeElement?.id ?? null');

async function signIn(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/portal/sign-in`);
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.endsWith('/sign-in'));
}

describe('the sound library and account pages in a browser', () => {
  let browser: Browser;
  let server: AppUnderTest;
  let providerFolderId: number;
  beforeAll(async () => {
    peers.assertAvailable();
    browser = await launchChromiumWithAudio();
    server = await startApp(demoWith(5090));
    await createUser(server, 'olga@acme.example', 'org_manager');
    await createUser(server, 'john@acme.example', 'extension_owner', '001002');
    await createUser(server, 'paula@acme.example', 'extension_owner', '001002');
    await createUser(server, 'admin@example.com', 'admin');
    const provider = await server.store.db.selectFrom('accounts').select('id').where('kind', '=', 'provider').executeTakeFirstOrThrow();
    providerFolderId = (await createFolder(server.store.db, { accountId: provider.id, name: 'provider-prompts', actor: 'test' })).id;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a manager makes a folder, uploads a WAV, hears it, downloads it as 8 kHz mono, is told what is wrong, and deletes it', async () => {
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    await signIn(page, server.baseUrl, 'olga@acme.example', PASSWORD);
    await page.getByRole('link', { name: 'Sounds' }).click();
    await page.waitForURL(/\/portal\/sounds$/);
    await page.locator('#sf-new').waitFor();
    expect(await page.locator('h1').textContent()).toBe('Sound library');
    expect(await page.locator('.lead').textContent()).toContain('folders of Acme');
    expect(await page.locator('#sounds-credit-note').textContent()).toContain('chosen in the settings of a callback extension');
    expect(await page.locator('#sounds-credit-note a').getAttribute('href')).toBe('/portal/extensions');

    // The provider's folder is there, marked inherited and without upload or delete.
    const inherited = page.locator(`#folder-${providerFolderId}`);
    expect(await inherited.locator('.badge').textContent()).toBe('Inherited');
    expect(await inherited.locator('.owner').textContent()).toMatch(/an account above yours: read-only here$/);
    expect(await inherited.locator('form').count()).toBe(0);
    expect(await inherited.locator('button.danger').count()).toBe(0);

    // A folder name the API refuses: its message under the field, which gets the focus.
    await page.getByLabel('Folder name').fill('Greetings!');
    await page.getByRole('button', { name: 'Create the folder' }).click();
    await page.locator('#sf-new-name-error').waitFor();
    expect(await page.locator('#sf-new-name-error').textContent()).toMatch(/^name has the wrong form/);
    expect(await activeId(page)).toBe('sf-new-name');
    await page.getByLabel('Folder name').fill('greetings');
    await page.getByRole('button', { name: 'Create the folder' }).click();
    const folder = await server.store.db.selectFrom('soundFolders').select('id').where('name', '=', 'greetings').executeTakeFirstOrThrow();
    const card = page.locator(`#folder-${folder.id}`);
    await card.waitFor();
    expect(await activeId(page)).toBe(`up-${folder.id}-file`);
    expect(await card.locator('.owner').textContent()).toBe('Folder of Acme');

    // Not a WAV: the API says so under the file field.
    const fileInput = page.locator(`#up-${folder.id}-file`);
    await fileInput.setInputFiles({ name: 'notes.wav', mimeType: 'audio/wav', buffer: Buffer.from('these are notes, not sound\n'.repeat(4)) });
    expect(await page.getByLabel('Sound name').inputValue()).toBe('notes');
    await page.getByRole('button', { name: 'Upload' }).click();
    const fileError = page.locator(`#up-${folder.id}-file-error`);
    await fileError.waitFor();
    expect(await fileError.textContent()).toMatch(/^the file is not a WAV file/);
    expect(await fileInput.getAttribute('aria-invalid')).toBe('true');
    expect(await fileInput.getAttribute('aria-describedby')).toContain(`up-${folder.id}-file-error`);
    expect(await activeId(page)).toBe(`up-${folder.id}-file`);
    await atWidths(page, 'portal-sounds-bad-file');

    // A good file (16 kHz stereo, 2 s) with a name the library refuses: the file is kept, the name is flagged.
    const wav = sineWav(2, 16000, 2);
    await fileInput.setInputFiles({ name: 'Welcome Tone.wav', mimeType: 'audio/wav', buffer: wav });
    expect(await page.getByLabel('Sound name').inputValue()).toBe('welcome-tone');
    await page.getByLabel('Sound name').fill('Welcome Tone');
    await page.getByRole('button', { name: 'Upload' }).click();
    const nameError = page.locator(`#up-${folder.id}-name-error`);
    await nameError.waitFor();
    expect(await nameError.textContent()).toMatch(/^name has the wrong form/);
    expect(await fileError.count()).toBe(0);
    expect(await activeId(page)).toBe(`up-${folder.id}-name`);
    expect(await fileInput.evaluate((input) => (input as unknown as { files: { length: number } }).files.length)).toBe(1);

    // While the upload is on its way (held back here), the form says so and cannot be sent twice.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/v1/sound-folders/*/sounds?*', async (route) => {
      await held;
      await route.continue();
    });
    await page.getByLabel('Sound name').fill('welcome-tone');
    await page.getByRole('button', { name: 'Upload' }).click();
    const progress = page.locator(`#up-${folder.id}-progress`);
    await progress.waitFor();
    // The bar counts the bytes sent; the words say how far, then that the server converts the file.
    expect(await progress.textContent()).toMatch(new RegExp(`^(Uploading Welcome Tone\\.wav \\(${Math.round(wav.length / 1024)} KB\\)… \\d{1,3} %|Converting Welcome Tone\\.wav for the phone line…)$`));
    expect(await page.locator(`#up-${folder.id}-progress-bar`).getAttribute('max')).toBe(String(wav.length));
    expect(await page.locator(`#up-${folder.id}`).getAttribute('aria-busy')).toBe('true');
    expect(await page.locator(`#up-${folder.id}-submit`).isDisabled()).toBe(true);
    expect(await page.locator(`#up-${folder.id}-submit`).textContent()).toBe('Uploading…');
    release();
    const row = card.locator('tbody tr[data-id]');
    await row.waitFor();
    await page.unroute('**/api/v1/sound-folders/*/sounds?*');
    expect(await progress.count()).toBe(0);
    const stored = await server.store.db.selectFrom('sounds').select(['id', 'name', 'durationMs']).where('folderId', '=', folder.id).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ name: 'welcome-tone', durationMs: 2000 });
    expect(await row.getAttribute('data-id')).toBe(String(stored.id));
    expect(await row.locator('.sound-name').textContent()).toBe('welcome-tone');
    expect(await page.locator(`#snd-${stored.id}-length`).textContent()).toBe('00:00:02');
    expect(await page.getByLabel('Sound name').inputValue()).toBe('');
    await atWidths(page, 'portal-sounds');

    // Listen: the page's <audio> loads the WAV and plays it through.
    const audio = page.locator(`#snd-${stored.id}-audio`);
    expect(await audio.getAttribute('preload')).toBe('none');
    expect(await audio.getAttribute('aria-label')).toBe('Listen to welcome-tone');
    const played = await audio.evaluate(
      (element) =>
        new Promise<{ duration: number; currentTime: number; ended: boolean }>((resolve, reject) => {
          const player = element as unknown as { play(): Promise<void>; duration: number; currentTime: number; ended: boolean; addEventListener(name: string, listener: () => void): void; error: { message: string } | null };
          player.addEventListener('ended', () => resolve({ duration: player.duration, currentTime: player.currentTime, ended: player.ended }));
          player.addEventListener('error', () => reject(new Error(player.error?.message ?? 'audio error')));
          player.play().catch(reject);
        }),
    );
    expect(played.ended).toBe(true);
    expect(played.duration).toBeCloseTo(2, 1);
    expect(played.currentTime).toBeCloseTo(2, 1);

    // Download: the same sound as a WAV file of 8 kHz mono μ-law, 2 s of it.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`#snd-${stored.id}-download`).click()]);
    expect(download.suggestedFilename()).toBe('welcome-tone.wav');
    const file = readFileSync(await download.path());
    expect(wavFormat(file)).toEqual({ format: 7, channels: 1, rate: 8000, dataBytes: 16000 });

    // The same name again in the folder: the API's conflict under the name field.
    await fileInput.setInputFiles({ name: 'welcome-tone.wav', mimeType: 'audio/wav', buffer: wav });
    await page.getByRole('button', { name: 'Upload' }).click();
    await nameError.waitFor();
    expect(await nameError.textContent()).toContain('welcome-tone');

    // A folder that still holds a sound is not deleted: the API's reason in the dialog.
    await page.getByRole('button', { name: 'Delete the folder greetings' }).click();
    await page.locator('#sf-delete-dialog-confirm').click();
    await page.locator('#sf-delete-dialog-error').waitFor();
    expect(await page.locator('#sf-delete-dialog-error').textContent()).toMatch(/sounds|empty/);
    await page.locator('#sf-delete-dialog-cancel').click();
    expect(await page.locator('#sf-delete-dialog').count()).toBe(0);

    // Delete the sound, confirmed in a dialog; cancelling first keeps it.
    await page.getByRole('button', { name: 'Delete the sound welcome-tone' }).click();
    expect(await page.locator('#snd-delete-dialog-title').textContent()).toBe('Delete the sound "welcome-tone"?');
    await page.keyboard.press('Escape');
    // The dialog's close event comes after the key press: wait for it rather than race it.
    await expect.poll(() => page.locator('#snd-delete-dialog').count()).toBe(0);
    expect(await server.store.db.selectFrom('sounds').select('id').where('id', '=', stored.id).executeTakeFirst()).toBeDefined();
    await page.getByRole('button', { name: 'Delete the sound welcome-tone' }).click();
    await page.locator('#snd-delete-dialog-confirm').click();
    await expect.poll(() => card.locator('tbody tr[data-id]').count()).toBe(0);
    expect(await card.locator('td.empty').textContent()).toBe('No sounds in this folder.');
    expect(await server.store.db.selectFrom('sounds').select('id').where('id', '=', stored.id).executeTakeFirst()).toBeUndefined();
    expect((await page.request.get(`${server.baseUrl}/api/v1/sounds/${stored.id}/audio.wav`)).status()).toBe(404);

    // Rename the folder: a refused name is said in the dialog, under its field; then a good one.
    await page.getByRole('button', { name: 'Rename the folder greetings' }).click();
    expect(await activeId(page)).toBe('sf-rename-name');
    await page.getByLabel('New name').fill('Welcome Messages');
    await page.keyboard.press('Enter');
    await page.locator('#sf-rename-name-error').waitFor();
    expect(await page.locator('#sf-rename-name-error').textContent()).toMatch(/^name has the wrong form/);
    await page.getByLabel('New name').fill('welcome-messages');
    await page.locator('#sf-rename-save').click();
    await expect.poll(() => page.locator('#sf-rename-dialog').count()).toBe(0);
    expect(await page.locator(`#folder-${folder.id}-title`).textContent()).toBe('welcome-messages');
    expect(await activeId(page)).toBe(`folder-${folder.id}-rename`);
    expect((await server.store.db.selectFrom('soundFolders').select('name').where('id', '=', folder.id).executeTakeFirstOrThrow()).name).toBe('welcome-messages');

    // Now the empty folder goes.
    await page.getByRole('button', { name: 'Delete the folder welcome-messages' }).click();
    await page.locator('#sf-delete-dialog-confirm').click();
    await expect.poll(() => card.count()).toBe(0);
    expect(await server.store.db.selectFrom('soundFolders').select('id').where('id', '=', folder.id).executeTakeFirst()).toBeUndefined();

    // The browser logs the API's refusals (400, 409); nothing else may fail.
    expect(problems.filter((p) => !/^Failed to load resource: the server responded with a status of (400|401|404|409)\b/.test(p))).toEqual([]);
    await context.close();
  });

  it('an extension owner hears the library but cannot change it, and the page is in their language', async () => {
    const folder = await createFolder(server.store.db, { accountId: (await server.store.db.selectFrom('accounts').select('id').where('name', '=', 'Acme').executeTakeFirstOrThrow()).id, name: 'office', actor: 'test' });
    const converted = readSoundUpload(sineWav(1, 8000, 1));
    const sound = await addSound(server.store.db, { folderId: folder.id, name: 'hold-music', durationMs: converted.durationMs, encoding: 'pcmu', audio: converted.pcmu, actor: 'test' });
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await signIn(page, server.baseUrl, 'john@acme.example', PASSWORD);
    await page.goto(`${server.baseUrl}/portal/sounds`);
    await page.locator('#sounds-read-only').waitFor();
    expect(await page.locator('#sounds-read-only').textContent()).toContain('changing the library is for the managers of your organization');
    expect(await page.locator(`#folder-${folder.id}`).count()).toBe(1);
    expect(await page.locator(`#folder-${providerFolderId}`).count()).toBe(1);
    expect(await page.locator('#sf-new').count()).toBe(0);
    expect(await page.locator('.sound-folder form, .sound-folder button').count()).toBe(0);
    // Listening and downloading are theirs.
    expect(await page.locator(`#snd-${sound.id}-length`).textContent()).toBe('00:00:01');
    expect(await page.locator(`#snd-${sound.id}-download`).getAttribute('href')).toBe(`/api/v1/sounds/${sound.id}/audio.wav?download=true`);
    const duration = await page.locator(`#snd-${sound.id}-audio`).evaluate(
      (element) =>
        new Promise<number>((resolve, reject) => {
          const player = element as unknown as { play(): Promise<void>; duration: number; addEventListener(name: string, listener: () => void): void };
          player.addEventListener('ended', () => resolve(player.duration));
          player.addEventListener('error', () => reject(new Error('audio error')));
          player.play().catch(reject);
        }),
    );
    expect(duration).toBeCloseTo(1, 1);
    await portalScreenshot(page, 'portal-sounds-read-only-390');

    await page.getByLabel('Language', { exact: true }).selectOption('de');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Klangbibliothek');
    // The navigation's entry for this page (folded behind the Menu button at this width).
    expect(await page.locator('header nav a[aria-current="page"]').textContent()).toBe('Klänge');
    await page.getByLabel('Sprache', { exact: true }).selectOption('en');
    await context.close();
  });

  it('an administrator opens the library of another account they manage', async () => {
    const acme = await server.store.db.selectFrom('accounts').select('id').where('name', '=', 'Acme').executeTakeFirstOrThrow();
    const acmeFolder = await createFolder(server.store.db, { accountId: acme.id, name: 'acme-only', actor: 'test' });
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signIn(page, server.baseUrl, 'admin@example.com', PASSWORD);
    await page.goto(`${server.baseUrl}/portal/sounds`);
    const picker = page.getByLabel('Library of');
    await picker.waitFor();
    expect(await page.locator(`#folder-${providerFolderId}`).locator('.owner').textContent()).toBe('Folder of Provider');
    expect(await page.locator(`#folder-${acmeFolder.id}`).count()).toBe(0);
    expect(await picker.locator('option').allTextContents()).toEqual(expect.arrayContaining(['Acme (organization)']));

    await picker.selectOption({ label: 'Acme (organization)' });
    await page.locator(`#folder-${acmeFolder.id}`).waitFor();
    expect(await activeId(page)).toBe('sf-account');
    expect(await page.locator('.lead').textContent()).toContain('folders of Acme');
    // The provider's folder is above Acme: inherited here, yet still the administrator's to change.
    expect(await page.locator(`#folder-${providerFolderId} .badge`).textContent()).toBe('Inherited');
    // A folder made now goes to Acme.
    await page.getByLabel('Folder name').fill('made-by-admin');
    await page.getByRole('button', { name: 'Create the folder' }).click();
    await expect.poll(() => server.store.db.selectFrom('soundFolders').select('accountId').where('name', '=', 'made-by-admin').executeTakeFirst()).toEqual({ accountId: acme.id });
    await context.close();
  });

  it('changes the password (ending the other sessions), and makes, uses and revokes an API token', async () => {
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    // Another session of the same user, elsewhere: it must end with the password change.
    const other = await fetch(`${server.baseUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'paula@acme.example', password: PASSWORD }) });
    expect(other.status).toBe(200);
    const otherCookie = (other.headers.get('set-cookie') ?? '').split(';')[0]!;
    const otherMe = () => fetch(`${server.baseUrl}/api/v1/me`, { headers: { cookie: otherCookie } }).then((r) => r.status);
    expect(await otherMe()).toBe(200);

    await signIn(page, server.baseUrl, 'paula@acme.example', PASSWORD);
    await page.getByRole('link', { name: 'Account' }).click();
    await page.waitForURL(/\/portal\/account$/);
    await page.locator('#acc-facts').waitFor();
    expect(await page.locator('h1').textContent()).toBe('Your account');
    expect(await page.locator('#acc-email').textContent()).toBe('paula@acme.example');
    expect(await page.locator('#acc-role').textContent()).toBe('Extension owner: your own extension');
    expect(await page.locator('#acc-account').textContent()).toBe('Acme (organization)');
    expect(await page.locator('#acc-extension').textContent()).toBe('001002 (John Doe), a phone extension');
    expect(await page.locator('#acc-tokens td.empty').textContent()).toBe('You have no API tokens.');
    await atWidths(page, 'portal-account');

    // The page's own checks: the current password missing, the two new ones differing.
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('New password again').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change the password' }).click();
    expect(await page.locator('#acc-current-error').textContent()).toBe('Enter your current password.');
    expect(await activeId(page)).toBe('acc-current');
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password again').fill(`${NEW_PASSWORD}!`);
    await page.getByRole('button', { name: 'Change the password' }).click();
    expect(await page.locator('#acc-repeat-error').textContent()).toBe('The two new passwords differ: type the same one twice.');
    expect(await activeId(page)).toBe('acc-repeat');

    // The server's checks, each under its field: too short, a wrong current password.
    await page.getByLabel('New password', { exact: true }).fill('short');
    await page.getByLabel('New password again').fill('short');
    await page.getByRole('button', { name: 'Change the password' }).click();
    await page.locator('#acc-new-error').waitFor();
    expect(await page.locator('#acc-new-error').textContent()).toBe('the password must have at least 10 characters');
    expect(await page.locator('#acc-new').getAttribute('aria-describedby')).toBe('acc-new-hint acc-new-error');
    expect(await activeId(page)).toBe('acc-new');
    await page.getByLabel('Current password').fill('not my password');
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('New password again').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change the password' }).click();
    await page.locator('#acc-current-error').waitFor();
    expect(await page.locator('#acc-current-error').textContent()).toBe('currentPassword is wrong');
    // Nothing typed is lost on a refusal.
    expect(await page.getByLabel('New password', { exact: true }).inputValue()).toBe(NEW_PASSWORD);
    expect(await otherMe()).toBe(200);

    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Change the password' }).click();
    await page.locator('#acc-password-done').waitFor();
    expect(await page.locator('#acc-password-done').textContent()).toContain('Your other sessions (other browsers and devices) were signed out');
    expect(await page.getByLabel('Current password').inputValue()).toBe('');
    expect(await otherMe()).toBe(401);
    // This session goes on.
    expect(await page.evaluate(() => fetch('/api/v1/me').then((r) => r.status))).toBe(200);

    // Signed out: the old password fails, the new one works.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/portal\/sign-in$/);
    await page.getByLabel('E-mail address').fill('paula@acme.example');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#sign-in-password-error').waitFor();
    expect(await page.locator('#sign-in-password-error').textContent()).toBe('wrong e-mail or password');
    await signIn(page, server.baseUrl, 'paula@acme.example', NEW_PASSWORD);
    await page.goto(`${server.baseUrl}/portal/account`);
    await page.locator('#acc-token-form').waitFor();

    // A token without a name is refused by the page; with one it is shown once.
    await page.getByRole('button', { name: 'Create a token' }).click();
    expect(await page.locator('#acc-token-name-error').textContent()).toBe('Enter a name for the token.');
    await page.getByLabel('Name of a new token').fill('CI script');
    await page.getByRole('button', { name: 'Create a token' }).click();
    const shown = page.locator('#acc-token-value');
    await shown.waitFor();
    expect(await activeId(page)).toBe('acc-token-value');
    expect(await shown.getAttribute('readonly')).not.toBeNull();
    const token = await shown.inputValue();
    expect(token).toMatch(/^dbk_[A-Za-z0-9_-]{43}$/);
    expect(await page.locator('#acc-created-warning').textContent()).toContain('it is not shown again');
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseUrl });
    await page.getByRole('button', { name: 'Copy the token' }).click();
    await expect.poll(() => page.locator('#acc-copy-status').textContent()).toBe('Token copied.');
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(token);
    const tokenRow = page.locator('#acc-tokens tbody tr[data-id]');
    expect(await tokenRow.count()).toBe(1);
    expect(await tokenRow.locator('td').first().textContent()).toBe('CI script');
    expect(await tokenRow.locator('td').nth(2).textContent()).toBe('Never');
    await atWidths(page, 'portal-account-new-token');

    // The token works against the API, from outside the browser.
    const withToken = () => fetch(`${server.baseUrl}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    const me = await withToken();
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe('paula@acme.example');

    // Hidden, it is gone from the page for good; a reload shows its last use.
    await page.getByRole('button', { name: 'Done, hide the token' }).click();
    expect(await shown.count()).toBe(0);
    await page.reload();
    await page.locator('#acc-tokens tbody tr[data-id]').waitFor();
    expect(await page.locator('#acc-token-value').count()).toBe(0);
    expect(await tokenRow.locator('td').nth(2).textContent()).not.toBe('Never');
    expect(await page.content()).not.toContain(token);

    // Revoke, confirmed: the row says so and the API refuses the token.
    await page.getByRole('button', { name: 'Revoke the token CI script' }).click();
    expect(await page.locator('#acc-revoke-dialog-title').textContent()).toBe('Revoke the token "CI script"?');
    await page.locator('#acc-revoke-confirm').click();
    await expect.poll(() => tokenRow.locator('.badge').textContent()).toMatch(/^Revoked /);
    expect(await page.getByRole('button', { name: 'Revoke the token CI script' }).count()).toBe(0);
    expect((await withToken()).status).toBe(401);

    expect(problems).toEqual([]);
    await context.close();
  });
});
