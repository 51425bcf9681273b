// The web portal as the server serves it: / redirects, /portal/* gives files or index.html
// (client routes), content types, caching and the CSP. dist/web is built by the suite's
// globalSetup (test/helpers/portal-build.ts) when missing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { buildHttpServer } from '../../src/http/server.js';
import { DEFAULT_PORTAL_ROOT, loadPortalFiles, portalRoutes } from '../../src/http/portal.js';
import type { Store } from '../../src/store/db.js';
import { openSqliteForTest } from '../helpers/stores.js';

describe('the web portal over HTTP', () => {
  let store: Store;
  let app: Awaited<ReturnType<typeof buildHttpServer>>;
  let script: string;
  let stylesheet: string;
  beforeAll(async () => {
    store = await openSqliteForTest();
    app = await buildHttpServer({ store, logger: createLogger('silent'), version: 'test' });
    await app.ready();
    const files = [...(await loadPortalFiles(DEFAULT_PORTAL_ROOT)).keys()];
    script = files.find((f) => /^assets\/.+\.js$/.test(f))!;
    stylesheet = files.find((f) => /^assets\/.+\.css$/.test(f))!;
    expect(script, `no built script in ${DEFAULT_PORTAL_ROOT}: ${files.join(', ')}`).toBeDefined();
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  it('redirects / and /portal to /portal/', async () => {
    for (const url of ['/', '/portal']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(302);
      expect(response.headers.location, url).toBe('/portal/');
    }
  });

  it('answers index.html for /portal/ and for every client route, never cached, with a strict CSP', async () => {
    const index = await app.inject({ method: 'GET', url: '/portal/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.body).toContain(`<script type="module" crossorigin src="/portal/${script}"></script>`);
    expect(index.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const csp = String(index.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(index.headers['x-content-type-options']).toBe('nosniff');

    for (const url of ['/portal/sign-in', '/portal/callnow', '/portal/callnow?x=1', '/portal/some/deeper/route']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      expect(response.body, url).toBe(index.body);
    }
  });

  it('serves hashed assets with their types, cached for a year, and revalidates by ETag', async () => {
    const js = await app.inject({ method: 'GET', url: `/portal/${script}` });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const css = await app.inject({ method: 'GET', url: `/portal/${stylesheet}` });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const icon = await app.inject({ method: 'GET', url: '/portal/favicon.svg' });
    expect(icon.headers['content-type']).toBe('image/svg+xml');
    expect(icon.headers['cache-control']).toBe('no-cache');

    const index = await app.inject({ method: 'GET', url: '/portal/' });
    const etag = String(index.headers.etag);
    const again = await app.inject({ method: 'GET', url: '/portal/', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const head = await app.inject({ method: 'HEAD', url: `/portal/${script}` });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('answers 404 for a missing file, and nothing outside the build', async () => {
    for (const url of ['/portal/assets/missing-1234.js', '/portal/robots.txt', '/portal/../package.json', '/portal/%2e%2e/package.json', '/portal/..%2fpackage.json']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.body, url).not.toContain('"name": "dialback"');
      if (response.statusCode === 200) expect(response.headers['content-type'], url).toBe('text/html; charset=utf-8');
      else expect(response.statusCode, url).toBe(404);
    }
    expect((await app.inject({ method: 'GET', url: '/portal/assets/missing-1234.js' })).statusCode).toBe(404);
  });

  it('says how to build the portal when it is not built', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'dialback-portal-'));
    const bare = Fastify();
    try {
      await bare.register(portalRoutes, { root: empty });
      const response = await bare.inject({ method: 'GET', url: '/portal/callnow' });
      expect(response.statusCode).toBe(503);
      expect(response.body).toContain('npm run build:web');
    } finally {
      await bare.close();
      await rm(empty, { recursive: true });
    }
  });
});
