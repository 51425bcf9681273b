import type { Kysely } from 'kysely';
import type { Logger } from '../logger.js';
import type { Database } from '../store/schema.js';
import { contacts, parseUri } from '../sip/message/index.js';
import type { UserAgentCore } from '../sip/ua/core.js';
import { register } from '../sip/ua/registration.js';

/** Seconds we ask carriers to keep our registration. */
const REQUESTED_EXPIRES = 300;
/** After a failure, try again this much later. */
const RETRY_MS = 60_000;

export interface TrunkRegistrationState {
  trunk: string;
  registered: boolean;
  lastStatus: number | null;
  expiresAt: number | null;
}

/**
 * Keeps Dialback registered to the carriers whose trunks say `register` (SPEC §6:
 * optional registration): registers on start, refreshes before expiry, retries failures,
 * and starts over from the trunks table on reload() (a trunk changed through the API).
 */
export class TrunkRegistrations {
  readonly states = new Map<string, TrunkRegistrationState>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private stopped = false;
  /** Bumped by every start: registrations of an earlier one stop when they see it changed. */
  private generation = 0;

  constructor(
    private readonly ua: UserAgentCore,
    private readonly db: Kysely<Database>,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const generation = ++this.generation;
    const trunks = await this.db
      .selectFrom('trunks')
      .select(['name', 'host', 'port', 'transport', 'username', 'password', 'fromDomain'])
      .where('register', '=', 1)
      .where('enabled', '=', 1)
      .execute();
    for (const trunk of trunks) {
      if (!trunk.username || !trunk.password) continue;
      const state: TrunkRegistrationState = { trunk: trunk.name, registered: false, lastStatus: null, expiresAt: null };
      this.states.set(trunk.name, state);
      const once = async (): Promise<void> => {
        if (this.stopped || generation !== this.generation) return;
        const response = await register(this.ua, {
          registrar: { protocol: trunk.transport === 'tcp' ? 'TCP' : 'UDP', address: trunk.host, port: trunk.port },
          aor: parseUri(`sip:${trunk.username}@${trunk.fromDomain ?? trunk.host}`),
          credentials: { username: trunk.username ?? '', password: trunk.password ?? '' },
          expires: REQUESTED_EXPIRES,
        });
        if (generation !== this.generation) return;
        state.lastStatus = response.status;
        state.registered = response.status >= 200 && response.status < 300;
        let delay = RETRY_MS;
        if (state.registered) {
          // Refresh at 80 % of what the carrier granted (its Contact's expires, or what we asked).
          const granted = contacts(response).find((c) => c !== '*')?.params.get('expires');
          const seconds = granted && /^\d+$/.test(granted) ? Number(granted) : REQUESTED_EXPIRES;
          state.expiresAt = Date.now() + seconds * 1000;
          delay = Math.max(5_000, seconds * 800);
          this.logger.info({ trunk: trunk.name, expires: seconds }, 'registered to carrier');
        } else {
          this.logger.warn({ trunk: trunk.name, status: response.status, reason: response.reason }, 'carrier registration failed');
        }
        this.schedule(once, delay);
      };
      void once();
    }
  }

  /**
   * Reads the trunks again and registers as they now say. A trunk that no longer registers is
   * simply not refreshed: the carrier drops it when the expiry it granted runs out.
   */
  async reload(): Promise<void> {
    // Before start() (the SIP side is not up yet) there is nothing to redo; start() reads the table.
    if (this.stopped || this.generation === 0) return;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.states.clear();
    await this.start();
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(run: () => Promise<void>, delay: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void run();
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }
}
