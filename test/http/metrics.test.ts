// GET /metrics: Prometheus' text format with the business's figures, served to this host or to
// a scraper that sends the token, counting what the flows did.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { demoWith, startApp, type AppUnderTest } from '../browser/harness.js';
import { TEST_RTP_PORTS } from '../interop/dialback/harness.js';
import { openSqliteForTest } from '../helpers/stores.js';

/** The samples of Prometheus' text format: name, labels, value. */
function samples(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    out.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return out;
}

function valueOf(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  return samples(text).find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe('metrics', () => {
  let server: AppUnderTest;
  beforeAll(async () => {
    server = await startApp(demoWith(5090));
  });
  afterAll(async () => {
    await server.stop();
  });
  const scrape = async () => {
    const response = await fetch(`${server.baseUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text();
  };

  it('counts CallNow requests taken in, refused by the fraud guard and ended, and serves this host without a token', async () => {
    const before = await scrape();
    expect(valueOf(before, 'dialback_sip_registrations')).toBe(0);
    expect(valueOf(before, 'dialback_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(valueOf(before, 'dialback_requests_total', { kind: 'callnow' })).toBeUndefined();

    // One the owner is rung for (not registered: unanswered), one to a premium-rate number.
    for (const phone of ['%2B61455500013', '%2B19005550123']) {
      const placed = await fetch(`${server.baseUrl}/callnow/index.php?call=john_doe&myname=Metrics&phone=${phone}`, { redirect: 'manual' });
      expect(placed.status).toBe(303);
    }
    await expect
      .poll(async () => (await server.store.db.selectFrom('callbackRequests').select('state').where('requesterNumber', '=', '+61455500013').executeTakeFirstOrThrow()).state)
      .toBe('owner-no-answer');
    const after = await scrape();
    expect(valueOf(after, 'dialback_requests_total', { kind: 'callnow', result: 'accepted' })).toBe(1);
    expect(valueOf(after, 'dialback_requests_total', { kind: 'callnow', result: 'refused', reason: 'number-not-allowed' })).toBe(1);
    expect(valueOf(after, 'dialback_fraud_guard_refusals_total', { kind: 'callnow', reason: 'number-not-allowed' })).toBe(1);
    expect(valueOf(after, 'dialback_requests_ended_total', { kind: 'callnow', state: 'owner-no-answer' })).toBe(1);
    expect(valueOf(after, 'dialback_requests_ended_total', { kind: 'callnow', state: 'refused' })).toBe(1);
    // Nobody was called at a price.
    expect(valueOf(after, 'dialback_paid_calls_total')).toBeUndefined();
  });

  it('wants the token when one is set, and refuses other hosts when none is', async () => {
    const store = await openSqliteForTest();
    const token = 'a-metrics-token-0123456789';
    const config = { sipHost: '127.0.0.1', sipPort: 0, sipPublicAddress: null, sipDigestAlgorithms: ['MD5' as const], rtpPorts: TEST_RTP_PORTS };
    const withToken = await createApp({ config: { ...config, metricsToken: token }, store, logger: createLogger('silent'), version: 'test' });
    const open = await createApp({ config, store, logger: createLogger('silent'), version: 'test' });
    try {
      const get = (app: typeof open, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') => app.http.inject({ method: 'GET', url: '/metrics', headers, remoteAddress });
      const missing = await get(withToken);
      expect(missing.statusCode).toBe(401);
      expect(missing.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect((await get(withToken, { authorization: 'Bearer not-the-token-at-all' })).statusCode).toBe(401);
      const right = await get(withToken, { authorization: `Bearer ${token}` }, '203.0.113.9');
      expect(right.statusCode).toBe(200);
      expect(right.body).toContain('# TYPE dialback_requests_total counter');

      const elsewhere = await get(open, {}, '203.0.113.9');
      expect(elsewhere.statusCode).toBe(403);
      expect(elsewhere.json()).toMatchObject({ error: 'forbidden', message: expect.stringMatching(/DIALBACK_METRICS_TOKEN/) as unknown });
      expect((await get(open, {}, '::1')).statusCode).toBe(200);
    } finally {
      await withToken.stop();
      await open.stop();
      await store.close();
    }
  });
});
