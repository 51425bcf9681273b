import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/db.js';
import { SipDirectory } from '../store/sip-directory.js';
import { SipTransport } from '../sip/transport/transport.js';
import { Authenticator } from '../sip/ua/authenticator.js';
import { UserAgentCore } from '../sip/ua/core.js';
import type { IncomingCall } from '../sip/ua/incoming-call.js';
import { LocationService } from '../sip/ua/location.js';
import { Registrar } from '../sip/ua/registrar.js';

/** The realm of our digest challenges; phones show it when asking for a password. */
export const SIP_REALM = 'dialback';

/**
 * Dialback's SIP side: the engine on DIALBACK_SIP_HOST/PORT (UDP and TCP), the registrar
 * for extensions, and the routing of incoming calls to the application.
 */
export class SipService {
  readonly location = new LocationService();
  readonly authenticator: Authenticator;
  readonly registrar: Registrar;
  readonly ua: UserAgentCore;
  private readonly transport: SipTransport;
  private purgeTimer: ReturnType<typeof setInterval> | null = null;

  constructor(config: Pick<Config, 'sipHost' | 'sipPort' | 'sipPublicAddress'>, store: Store, private readonly logger: Logger, version: string) {
    const log = logger.child({ component: 'sip' });
    const directory = new SipDirectory(store.db);
    this.transport = new SipTransport({
      host: config.sipHost,
      port: config.sipPort,
      publicAddress: config.sipPublicAddress,
      logger: log,
      onMessage: (inbound) => this.ua.receive(inbound),
    });
    this.ua = new UserAgentCore(this.transport, { userAgent: `Dialback/${version}`, logger: log });
    this.authenticator = new Authenticator(SIP_REALM, directory, log);
    this.registrar = new Registrar(this.authenticator, this.location, {}, {
      onBindingsChanged: (aor, bindings) => log.info({ extension: aor, contacts: bindings.length }, 'registration changed'),
    });
    this.ua.handlers.onRegister = (request, transaction, inbound) => {
      this.registrar.handle(request, transaction, inbound).catch((error: unknown) => {
        log.error({ err: error }, 'registrar failed');
        if (!transaction.answered) transaction.reply(500, 'Server Internal Error');
      });
    };
    this.ua.handlers.onInvite = (call) => this.routeIncomingCall(call);
  }

  get port(): number {
    return this.transport.port;
  }

  async start(): Promise<void> {
    await this.transport.start();
    this.purgeTimer = setInterval(() => this.location.purge(), 60_000);
    this.purgeTimer.unref();
    this.logger.info({ port: this.transport.port }, 'SIP listening on UDP and TCP');
  }

  async stop(): Promise<void> {
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    await this.transport.stop();
  }

  /**
   * Incoming calls: the flows that answer DIDs and extension numbers come with the CallNow
   * and callback-extension work; until a flow claims a call it is refused as unavailable.
   */
  private routeIncomingCall(call: IncomingCall): void {
    call.reject(480, 'Temporarily Unavailable');
  }
}
