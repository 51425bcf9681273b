import { createHash, timingSafeEqual } from 'node:crypto';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { isHealthy, type Store } from '../store/db.js';
import { apiV1 } from './api/index.js';
import type { SessionOptions } from './api/session-auth.js';
import type { SoundChangeListener } from './api/sounds.js';
import type { TrunkChangeListener } from './api/trunks.js';
import type { SettingsChangeListener } from './api/settings.js';
import { callnowPages, type CallnowPagesOptions } from './callnow-pages.js';
import { portalRoutes } from './portal.js';

export interface HttpDependencies {
  store: Store;
  logger: Logger;
  version: string;
  /** The base of CallNow links (DIALBACK_PUBLIC_URL). */
  publicUrl?: string;
  /** Told of sound-library changes (the calls' sound cache). */
  sounds?: SoundChangeListener;
  trunks?: TrunkChangeListener;
  /** What /metrics serves (Prometheus); left out, there is no /metrics. */
  metrics?: Metrics;
  /** DIALBACK_METRICS_TOKEN: the bearer token a scraper sends; null: only this host may scrape. */
  metricsToken?: string | null;
  /** Told of server-settings changes (the flows' default country). */
  serverSettings?: SettingsChangeListener;
  /** DIALBACK_TRUST_PROXY: whose X-Forwarded-For to believe. */
  trustProxy?: false | number | string[];
  /** The public CallNow pages; left out where no calls can be placed (e.g. tools that only need the API). */
  callnow?: CallnowPagesOptions;
  /** The portal's sign-in sessions: always-Secure cookies, the clock (tests), sign-in limits. */
  session?: SessionOptions;
}

/** The HTTP side: health, the OpenAPI document, and (in later parts) pages and the REST API. */
export async function buildHttpServer({ store, logger, version, publicUrl, trustProxy = false, sounds, trunks, serverSettings, callnow, session, metrics, metricsToken }: HttpDependencies) {
  const app = Fastify({
    loggerInstance: logger.child({ component: 'http' }),
    bodyLimit: 1024 * 1024,
    // A hop count trusts that many proxies nearest to us.
    trustProxy: typeof trustProxy === 'number' ? (_address: string, hop: number) => hop < trustProxy : trustProxy,
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Dialback API',
        version,
        description: 'Callback server: CallNow links, callback extensions, credit and call records.',
      },
    },
  });
  await app.register(apiV1, { prefix: '/api/v1', store, ...(publicUrl ? { publicUrl } : {}), ...(callnow ? { callnow } : {}), ...(sounds ? { sounds } : {}), ...(trunks ? { trunks } : {}), ...(serverSettings ? { serverSettings } : {}), ...(session ? { session } : {}) });

  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Health check: 200 when the server and its database answer',
        tags: ['operations'],
        response: {
          200: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } }, required: ['status'] },
          503: {
            type: 'object',
            properties: { status: { type: 'string', enum: ['unavailable'] }, reason: { type: 'string' } },
            required: ['status', 'reason'],
          },
        },
      },
    },
    async (_request, reply) => {
      if (await isHealthy(store)) return { status: 'ok' as const };
      return reply.code(503).send({ status: 'unavailable' as const, reason: 'the database does not answer' });
    },
  );

  if (metrics) {
    await app.register((scope, _options, done) => {
      registerMetricsRoute(scope, metrics, metricsToken ?? null);
      done();
    });
  }

  if (callnow) await app.register(callnowPages, callnow);
  // The web portal at /portal/ (dist/web, built from web/ by Vite); / redirects there.
  await app.register(portalRoutes, {});

  app.get('/api/openapi.json', { schema: { hide: true } }, () => app.swagger());

  return app;
}

/**
 * GET /metrics in Prometheus' text format. The figures are the business's (requests, refusals,
 * cost), so they are not for everyone: with DIALBACK_METRICS_TOKEN a scraper sends it as a
 * bearer token; without, only this host (loopback, or the client a trusted proxy names) may scrape.
 */
function registerMetricsRoute(app: FastifyInstance, metrics: Metrics, token: string | null): void {
  const expected = token === null ? null : createHash('sha256').update(token).digest();
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics: requests, fraud-guard refusals, paid calls, billed seconds and cost, the process',
        description: 'Needs `Authorization: Bearer <DIALBACK_METRICS_TOKEN>` when that is set; otherwise only clients on this host are served.',
        tags: ['operations'],
        response: {
          200: { description: 'The metrics, text/plain; version=0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } },
          401: { description: 'A token is needed and was not sent or is wrong', type: 'object', properties: { error: { type: 'string' }, message: { type: 'string' } } },
          403: { description: 'No token is set and the client is not on this host', type: 'object', properties: { error: { type: 'string' }, message: { type: 'string' } } },
        },
      },
    },
    async (request, reply) => {
      if (expected !== null) {
        const sent = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
        // Compared as hashes: equal lengths for timingSafeEqual, and nothing learnt from timing.
        if (!sent || !timingSafeEqual(createHash('sha256').update(sent).digest(), expected)) {
          return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').send({ error: 'unauthorized', message: 'send the metrics token as a bearer token' });
        }
      } else if (!isLoopback(request.ip)) {
        return reply.code(403).send({ error: 'forbidden', message: 'metrics are served to this host only; set DIALBACK_METRICS_TOKEN to scrape from elsewhere' });
      }
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    },
  );
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
