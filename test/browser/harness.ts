import { chromium, type Browser } from 'playwright-core';
import { createApp, type AppOptions } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { applyPlan } from '../../src/provisioning/apply.js';
import { parseProvisionFile } from '../../src/provisioning/parse.js';
import { buildPlan } from '../../src/provisioning/plan.js';
import type { Store } from '../../src/store/db.js';
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
  options: Partial<Pick<AppOptions, 'callnow' | 'callback' | 'limits' | 'clock'>> = {},
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
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** The demo organization with its trunk at `carrierPort`, 50.00 of credit and no office hours. */
export function demoWith(carrierPort: number, changes: (yaml: string) => string = (y) => y): string {
  const yaml = DEMO.replace('port: 5090', `port: ${carrierPort}`)
    .replace('credit: unlimited        # or an amount such as "50.00"', 'credit: "50.00"')
    .replace("availability: Office hours   # a time interval's name, or Anytime", 'availability: Anytime');
  return changes(yaml);
}
