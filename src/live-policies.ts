import { RequestLimiter, type DestinationRule, type RequestLimits } from './domain/request-limits.js';
import type { CallbackDependencies } from './flows/callback-extension.js';
import type { CallnowDependencies } from './flows/callnow.js';
import type { Logger } from './logger.js';
import type { Store } from './store/db.js';
import { readDestinationRules, readRequestLimits } from './store/policies.js';
import { readSettings } from './store/settings.js';

/** Where a number written without a country code is read when neither the organization nor the provider names a country. */
const LAST_RESORT_COUNTRY = 'US';

/**
 * What the provider changes while the server runs and the flows must follow without a
 * restart: the default country (portal Settings), the destination policy and the CallNow
 * request limits (provisioning). Read again after a change made through this process's API,
 * and every `everyMs` besides, since provisioning and other nodes change the store directly.
 * A policy given to createApp (tests) stays as given.
 */
export class LivePolicies {
  private timer: NodeJS.Timeout | undefined;
  private limitsKey: string;
  private rulesKey: string;
  private country: string;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly flows: { callnow: CallnowDependencies; callback: CallbackDependencies },
    private readonly fixed: { limits: boolean; destinationRules: boolean },
    initial: { defaultCountry: string | null; limits: RequestLimits },
  ) {
    this.country = initial.defaultCountry ?? LAST_RESORT_COUNTRY;
    this.limitsKey = JSON.stringify(initial.limits);
    this.rulesKey = JSON.stringify(flows.callnow.destinationRules);
  }

  /** The provider's default country now. */
  get defaultCountry(): string {
    return this.country;
  }

  /** Reads the policies again and applies what changed; a policy that cannot be read keeps the one in force. */
  async refresh(): Promise<void> {
    const db = this.store.db;
    try {
      const { defaultCountry } = await readSettings(db);
      const country = defaultCountry ?? LAST_RESORT_COUNTRY;
      if (country !== this.country) {
        this.logger.info({ from: this.country, to: country }, 'default country changed');
        this.country = country;
      }
      if (!this.fixed.destinationRules) this.applyRules(await readDestinationRules(db));
      if (!this.fixed.limits) this.applyLimits(await readRequestLimits(db));
    } catch (error) {
      this.logger.error({ err: error }, 'reading the provider policies failed; the ones in force stay');
    }
  }

  private applyRules(rules: readonly DestinationRule[]): void {
    const key = JSON.stringify(rules);
    if (key === this.rulesKey) return;
    this.rulesKey = key;
    this.flows.callnow.destinationRules = rules;
    this.flows.callback.destinationRules = rules;
    this.logger.info({ rules: rules.length }, 'destination policy changed');
  }

  private applyLimits(limits: RequestLimits): void {
    const key = JSON.stringify(limits);
    if (key === this.limitsKey) return;
    this.limitsKey = key;
    // A new limiter: the counts start over, which only a provider's change can cause.
    this.flows.callnow.limiter = new RequestLimiter(limits);
    this.logger.info({ limits }, 'CallNow request limits changed');
  }

  start(everyMs: number): void {
    this.stop();
    this.timer = setInterval(() => void this.refresh(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
