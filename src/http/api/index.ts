import { Ajv } from 'ajv';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/db.js';
import { accountRoutes } from './accounts.js';
import { apiAuthentication } from './auth.js';
import { calleridRoutes } from './callerids.js';
import { callbackSettingsRoutes } from './callback-settings.js';
import { callRoutes } from './calls.js';
import { userRoutes } from './users.js';
import { extensionRoutes } from './extensions.js';
import { timeIntervalRoutes } from './time-intervals.js';
import { callnowRoutes } from './callnow.js';
import { callnowRequestRoutes, type CallnowRequestsDependencies } from './callnow-requests.js';
import { handleApiError, sendError } from './errors.js';
import { sessionRoutes } from './session.js';
import { resolveSessionOptions, type SessionOptions } from './session-auth.js';
import { tariffRoutes } from './tariffs.js';
import { trunkRoutes, type TrunkChangeListener } from './trunks.js';
import { didRoutes } from './dids.js';
import { settingsRoutes, type SettingsChangeListener } from './settings.js';
import { soundRoutes, type SoundChangeListener } from './sounds.js';

export interface ApiV1Options {
  store: Store;
  /** The base of public CallNow links (DIALBACK_PUBLIC_URL). */
  publicUrl?: string;
  /** What placing CallNow requests needs (the pages' options do); without it POST .../callnow/requests answers 503. */
  callnow?: CallnowRequestsDependencies;
  /** Told when the sound library changes (the flows' SoundResolver), so this process plays the new sound at once. */
  sounds?: SoundChangeListener;
  /** Told when trunks change (the SIP side's carrier registrations), so they follow without a restart. */
  trunks?: TrunkChangeListener;
  /** Told when the server settings change (the default country the flows use). */
  serverSettings?: SettingsChangeListener;
  /** The portal's session cookie (Secure, the clock, sign-in limits); see session-auth.ts. */
  session?: SessionOptions;
}

const DEFAULT_PUBLIC_URL = 'http://localhost:8080';

/**
 * The REST API, version 1 (registered under /api/v1). Everything here needs an API token
 * (`dialback token create EMAIL`) or the portal's session cookie (POST /session signs in). The plugin is encapsulated: its token check, its
 * validation rules and its error shape apply to its own routes and nothing else.
 */
export async function apiV1(app: FastifyInstance, deps: ApiV1Options): Promise<void> {
  // Bodies are taken as sent: Fastify's defaults would turn "1" into true and drop unknown
  // fields silently; an API should say what is wrong instead. Path parameters arrive as
  // text, so those are converted to the numbers their schema names.
  const bodyValidator = new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false, verbose: true, strict: false });
  const textValidator = new Ajv({ coerceTypes: true, removeAdditional: false, useDefaults: false, allErrors: false, verbose: true, strict: false });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyValidator : textValidator).compile(schema));
  app.setErrorHandler(handleApiError);
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, 'not_found', `no such route: ${request.method} ${request.url}`));

  app.decorateRequest('apiPrincipal', null);
  app.decorateRequest('apiSession', null);
  const session = resolveSessionOptions(deps.session, deps.publicUrl);
  app.addHook('onRequest', apiAuthentication(deps.store, session));

  const publicUrl = (deps.publicUrl ?? DEFAULT_PUBLIC_URL).replace(/\/+$/, '');
  await app.register(callnowRoutes, { store: deps.store, publicUrl });
  await app.register(callnowRequestRoutes, { store: deps.store, publicUrl, ...(deps.callnow ? { callnow: deps.callnow } : {}) });
  await app.register(soundRoutes, { store: deps.store, ...(deps.sounds ? { sounds: deps.sounds } : {}) });
  await app.register(calleridRoutes, { store: deps.store });
  await app.register(callbackSettingsRoutes, { store: deps.store });
  await app.register(extensionRoutes, { store: deps.store });
  await app.register(timeIntervalRoutes, { store: deps.store });
  await app.register(userRoutes, { store: deps.store });
  await app.register(callRoutes, { store: deps.store, ...(deps.session?.clock ? { clock: deps.session.clock } : {}) });
  await app.register(accountRoutes, { store: deps.store });
  await app.register(tariffRoutes, { store: deps.store });
  await app.register(trunkRoutes, { store: deps.store, ...(deps.trunks ? { trunks: deps.trunks } : {}) });
  await app.register(didRoutes, { store: deps.store });
  await app.register(settingsRoutes, { store: deps.store, ...(deps.serverSettings ? { listener: deps.serverSettings } : {}) });
  await app.register(sessionRoutes, { store: deps.store, publicUrl, sessions: session });
}
