import swagger from '@fastify/swagger';
import Fastify from 'fastify';
import type { Logger } from '../logger.js';
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
export async function buildHttpServer({ store, logger, version, publicUrl, trustProxy = false, sounds, trunks, serverSettings, callnow, session }: HttpDependencies) {
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

  if (callnow) await app.register(callnowPages, callnow);
  // The web portal at /portal/ (dist/web, built from web/ by Vite); / redirects there.
  await app.register(portalRoutes, {});

  app.get('/api/openapi.json', { schema: { hide: true } }, () => app.swagger());

  return app;
}
