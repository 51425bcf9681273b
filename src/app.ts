import { SipService } from './calls/sip-service.js';
import type { Config } from './config.js';
import { RequestLimiter, type DestinationRule, type RequestLimits } from './domain/request-limits.js';
import { DEFAULT_CALLBACK_SETTINGS, handleCallbackTrigger, type CallbackDependencies, type CallbackFlowSettings } from './flows/callback-extension.js';
import { DEFAULT_CALLNOW_SETTINGS, type CallnowDependencies, type CallnowSettings } from './flows/callnow.js';
import { RequestEvents } from './flows/request-events.js';
import { CallbackTriggerLimiter, type CallbackTriggerLimits } from './domain/callback-trigger-limits.js';
import { CaptchaStore } from './http/captcha.js';
import { LivePolicies } from './live-policies.js';
import { Metrics } from './metrics.js';
import { buildHttpServer } from './http/server.js';
import type { Logger } from './logger.js';
import type { Store } from './store/db.js';
import { loadCallbackTarget } from './store/callback.js';
import { PgNotifications } from './store/notifications.js';
import { readDestinationRules, readRequestLimits } from './store/policies.js';
import { readSettings } from './store/settings.js';
import { WriteBatcher } from './store/write-batcher.js';

export type AppConfig = Pick<Config, 'sipHost' | 'sipPort' | 'sipPublicAddress' | 'sipDigestAlgorithms' | 'rtpPorts'> & Partial<Pick<Config, 'publicUrl' | 'trustProxy' | 'metricsToken'>>;

export interface AppOptions {
  config: AppConfig;
  store: Store;
  logger: Logger;
  version: string;
  callnow?: Partial<CallnowSettings>;
  callback?: Partial<CallbackFlowSettings>;
  /** Velocity limits on callback triggers; the defaults when left out. */
  callbackLimits?: CallbackTriggerLimits;
  /** Default: the provider's, from the store (provisioning's callnowLimits). */
  limits?: RequestLimits;
  /** Default: the provider's destination policy from the store, with the built-in premium-rate list unless turned off. */
  destinationRules?: readonly DestinationRule[];
  clock?: () => number;
  /** How often the provider's policies are read again from the store (ms; default 30 s). */
  policyRefreshMs?: number;
}

/**
 * The whole server wired together: the SIP side (registrar, call control with media), the
 * flows over it, and the HTTP side (health, OpenAPI, CallNow pages). `dialback serve` and
 * the end-to-end tests build it the same way.
 */
export async function createApp(options: AppOptions) {
  const { store, logger, version } = options;
  const clock = options.clock ?? Date.now;
  const sip = new SipService(options.config, store, logger, version);
  const settings = await readSettings(store.db);
  const limits = options.limits ?? (await readRequestLimits(store.db));
  const metrics = new Metrics();
  const flows: CallnowDependencies = {
    db: store.db,
    writes: new WriteBatcher(store),
    calls: sip.calls,
    limiter: new RequestLimiter(limits),
    metrics,
    destinationRules: options.destinationRules ?? (await readDestinationRules(store.db)),
    events: new RequestEvents(),
    logger: logger.child({ component: 'callnow' }),
    settings: { ...DEFAULT_CALLNOW_SETTINGS, ...options.callnow },
    clock,
  };
  const callback: CallbackDependencies = {
    db: store.db,
    writes: flows.writes,
    calls: sip.calls,
    destinationRules: flows.destinationRules,
    logger: logger.child({ component: 'callback' }),
    settings: { ...DEFAULT_CALLBACK_SETTINGS, ...options.callback },
    triggerLimiter: new CallbackTriggerLimiter(options.callbackLimits),
    metrics,
    clock,
  };
  metrics.scrapedGauge('dialback_sip_registrations', 'Phones registered now (unexpired bindings, all nodes)', async () => {
    const row = await store.db.selectFrom('sipBindings').select((eb) => eb.fn.countAll<string | number>().as('n')).where('expiresAt', '>', new Date(clock()).toISOString()).executeTakeFirst();
    return Number(row?.n ?? 0);
  });
  metrics.scrapedGauge('dialback_live_streams', 'Open Server-Sent Events streams (status pages and portal lists) in this process', () => flows.events.subscribers);
  // Several nodes on one PostgreSQL: live pages hear the calls every node runs.
  const notifications = store.dialect === 'postgres' && store.pgUrl ? new PgNotifications({ ...store, pgUrl: store.pgUrl }, logger.child({ component: 'notifications' }), 'requests') : null;
  if (notifications) {
    await notifications.start();
    flows.events.connect(notifications);
  }
  const policies = new LivePolicies(store, logger.child({ component: 'policies' }), { callnow: flows, callback }, { limits: options.limits !== undefined, destinationRules: options.destinationRules !== undefined }, { defaultCountry: settings.defaultCountry, limits });
  policies.start(options.policyRefreshMs ?? 30_000);
  const refreshPolicies = () => void policies.refresh();
  // Calls to our numbers: a DID of a callback extension triggers its callback; nothing else
  // is answered yet (480).
  sip.onIncomingCall = (call, route) => {
    const refuse = () => call.reject(480, 'Temporarily Unavailable');
    const extensionId = route.kind === 'did' ? route.did.extensionId : null;
    if (extensionId === null) return refuse();
    void loadCallbackTarget(store.db, extensionId, policies.defaultCountry)
      .then((target) => (target ? handleCallbackTrigger(callback, target, sip.calls.incoming(call)) : refuse()))
      .catch((error: unknown) => {
        callback.logger.error({ err: error }, 'callback trigger failed');
        refuse();
      });
  };
  const http = await buildHttpServer({
    store,
    logger,
    version,
    ...(options.config.publicUrl ? { publicUrl: options.config.publicUrl } : {}),
    trustProxy: options.config.trustProxy ?? false,
    sounds: sip.sounds,
    trunks: {
      trunksChanged: () => {
        sip.trunkRegistrations.reload().catch((error: unknown) => logger.error({ err: error }, 'reading the trunks for carrier registration failed'));
      },
    },
    callnow: { flows, captcha: new CaptchaStore({ clock }), defaultCountry: () => policies.defaultCountry },
    serverSettings: { settingsChanged: refreshPolicies },
    metrics,
    metricsToken: options.config.metricsToken ?? null,
  });
  return {
    sip,
    http,
    flows,
    callback,
    policies,
    metrics,
    async stop(): Promise<void> {
      policies.stop();
      await Promise.all([http.close(), sip.stop(), notifications?.stop()]);
    },
  };
}
