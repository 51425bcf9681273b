import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { hashPassword } from '../../src/auth/password.js';
import { createApp, type AppOptions } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { applyPlan } from '../../src/provisioning/apply.js';
import { parseProvisionFile } from '../../src/provisioning/parse.js';
import { buildPlan } from '../../src/provisioning/plan.js';
import { nowIso, type Store } from '../../src/store/db.js';
import type { UserRole } from '../../src/store/schema.js';
import { readSettings } from '../../src/store/settings.js';
import { DEMO, TEST_RTP_PORTS } from '../interop/dialback/harness.js';
import { allocatePort, releasePorts } from '../helpers/peers/ports.js';
import { openSqliteForTest } from '../helpers/stores.js';

export interface AppUnderTest {
  app: Awaited<ReturnType<typeof createApp>>;
  store: Store;
  baseUrl: string;
  /** host:port of its SIP side. */
  sipAddress: string;
  stop(): Promise<void>;
}

/** The whole server (SIP, flows, HTTP) on a provisioned SQLite store, on ports of its own. */
export async function startApp(
  yaml: string,
  options: Partial<Pick<AppOptions, 'callnow' | 'callback' | 'callbackLimits' | 'limits' | 'clock'>> = {},
  config: Partial<AppOptions['config']> = {},
): Promise<AppUnderTest> {
  const store = await openSqliteForTest();
  await applyPlan(store.db, buildPlan(parseProvisionFile(yaml), await readSettings(store.db)));
  const sipPort = await allocatePort();
  const app = await createApp({
    config: { sipHost: '127.0.0.1', sipPort, sipPublicAddress: null, sipDigestAlgorithms: ['MD5'], rtpPorts: TEST_RTP_PORTS, ...config },
    store,
    logger: createLogger(process.env.DIALBACK_TEST_LOG === '1' ? 'debug' : 'silent'),
    version: 'test',
    ...options,
  });
  await app.sip.start();
  await app.http.listen({ host: '127.0.0.1', port: 0 });
  const address = app.http.server.address();
  const httpPort = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    store,
    baseUrl: `http://127.0.0.1:${httpPort}`,
    sipAddress: `127.0.0.1:${sipPort}`,
    async stop() {
      await app.stop();
      await store.close();
      releasePorts(sipPort);
    },
  };
}

/** Debian's Chromium, headless, with the flags this closed network needs (../shared/PEERS.md). */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

/** The demo organization with its trunk at `carrierPort`, 50.00 of credit and no office hours. */
export function demoWith(carrierPort: number, changes: (yaml: string) => string = (y) => y): string {
  const yaml = DEMO.replace('port: 5090', `port: ${carrierPort}`)
    .replace('credit: unlimited        # or an amount such as "50.00"', 'credit: "50.00"')
    .replace("availability: Office hours   # a time interval's name, or Anytime", 'availability: Anytime');
  return changes(yaml);
}

// --- Portal helpers shared by the browser tests ---------------------------------------------

/** The password every portal test user gets. */
export const PORTAL_PASSWORD = 'correct horse battery';

/**
 * A portal user, made as `dialback user create` makes one (scrypt hash, audit entry): an
 * extension owner of `extension`, or a user of the account named `account` (the provider when
 * neither is given).
 */
export async function createPortalUser(server: AppUnderTest, email: string, role: UserRole, where: { extension?: string; account?: string } = {}): Promise<void> {
  const db = server.store.db;
  const extension = where.extension === undefined ? null : await db.selectFrom('extensions').select(['id', 'accountId']).where('number', '=', where.extension).executeTakeFirstOrThrow();
  const account = extension
    ? { id: extension.accountId }
    : where.account !== undefined
      ? await db.selectFrom('accounts').select('id').where('name', '=', where.account).executeTakeFirstOrThrow()
      : await db.selectFrom('accounts').select('id').where('kind', '=', 'provider').executeTakeFirstOrThrow();
  const now = nowIso();
  await db
    .insertInto('users')
    .values({ accountId: account.id, email, passwordHash: await hashPassword(PORTAL_PASSWORD), role, extensionId: extension?.id ?? null, lockedUntil: null, createdAt: now, updatedAt: now })
    .execute();
  await db.insertInto('auditLog').values({ at: now, actor: 'test', action: 'create', entity: 'user', entityId: email, details: JSON.stringify({ role }) }).execute();
}

/** Signs in on the portal's sign-in page and waits for the start page. */
export async function signInToPortal(page: Page, baseUrl: string, email: string, password = PORTAL_PASSWORD): Promise<void> {
  await page.goto(`${baseUrl}/portal/sign-in`);
  await page.locator('#sign-in-email').fill(email);
  await page.locator('#sign-in-password').fill(password);
  await page.locator('#sign-in-submit').click();
  await page.waitForURL((url) => !url.pathname.endsWith('/sign-in'));
  await page.locator('main h1').waitFor();
}

const SCREENSHOT_DIR = process.env.DIALBACK_SCREENSHOTS === '1' ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url)) : null;

/** Checks the page fits its width without sideways scrolling; with DIALBACK_SCREENSHOTS=1 saves docs/screenshots/NAME.png. */
export async function portalScreenshot(page: Page, name: string): Promise<void> {
  const width = page.viewportSize()?.width ?? 0;
  // What sticks out, named in the failure.
  const wide = await page.evaluate<string[]>(
    `[...document.querySelectorAll('main *')].filter((e) => e.getBoundingClientRect().right > ${width + 0.5}).map((e) => e.tagName.toLowerCase() + '#' + e.id + '.' + e.className).slice(0, 5)`,
  );
  expect(await page.evaluate<number>('document.documentElement.scrollWidth'), `${name}: no horizontal scrolling (${wide.join(', ')})`).toBeLessThanOrEqual(width);
  if (!SCREENSHOT_DIR) return;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOT_DIR}${name}.png`, fullPage: true });
}

/** The page at a phone's width (390) and a desktop's (1280), each checked and saved as NAME-390 / NAME-1280. */
export async function screenshotsAtWidths(page: Page, name: string): Promise<void> {
  await page.setViewportSize({ width: 390, height: 844 });
  await portalScreenshot(page, `${name}-390`);
  await page.setViewportSize({ width: 1280, height: 900 });
  await portalScreenshot(page, `${name}-1280`);
}
