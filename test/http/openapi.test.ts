import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import type { Store } from '../../src/store/db.js';
import { openSqliteForTest } from '../helpers/stores.js';

interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  responses?: Record<string, unknown>;
}

/** The one OpenAPI document describes every REST API route the same way: named, summarized, secured, with its errors. */
describe('the OpenAPI document', () => {
  let store: Store;
  let app: Awaited<ReturnType<typeof buildHttpServer>>;
  let paths: Record<string, Record<string, Operation>>;
  beforeAll(async () => {
    store = await openSqliteForTest();
    app = await buildHttpServer({ store, logger: createLogger('silent'), version: 'test' });
    await app.ready();
    paths = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json<{ paths: Record<string, Record<string, Operation>> }>().paths;
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  const operations = () =>
    Object.entries(paths)
      .filter(([path]) => path.startsWith('/api/v1/'))
      .flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));

  it('lists the portal’s routes among them', () => {
    const ids = new Set(operations().map((o) => o.operation.operationId));
    for (const id of ['listCalls', 'exportCallsCsv', 'getStats', 'listUsers', 'createUser', 'changeUser', 'deleteUser', 'getExtension', 'getMe']) expect(ids, id).toContain(id);
  });

  it('gives every route a unique operationId, a summary, a tag and its error answers', () => {
    const seen = new Map<string, string>();
    for (const { path, method, operation } of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(operation.operationId, where).toMatch(/^[a-z][A-Za-z0-9]+$/);
      expect(seen.get(operation.operationId as string), `${where} reuses an operationId`).toBeUndefined();
      seen.set(operation.operationId as string, where);
      expect(operation.summary?.length ?? 0, where).toBeGreaterThan(5);
      expect(operation.tags?.length ?? 0, where).toBeGreaterThan(0);
      expect(Object.keys(operation.responses ?? {}), where).toContain('400');
    }
    expect(seen.size).toBeGreaterThan(30);
  });

  it('names the API token and the session cookie on every route but signing in', () => {
    for (const { path, method, operation } of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      if (path === '/api/v1/session' && method === 'post') {
        expect(operation.security, where).toEqual([]);
        continue;
      }
      expect(operation.security, where).toEqual([{ bearerAuth: [] }, { sessionCookie: [] }]);
      expect(Object.keys(operation.responses ?? {}), where).toContain('401');
    }
  });
});
