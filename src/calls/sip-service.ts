import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/db.js';
import { SipDirectory, type DidRoute, type DirectoryExtension } from '../store/sip-directory.js';
import { tryNormalizePhoneNumber } from '../domain/phone-number.js';
import { readSettings } from '../store/settings.js';
import { Dialer } from '../sip/ua/dialer.js';
import { TrunkRegistrations } from './trunk-registrations.js';
import { SipTransport } from '../sip/transport/transport.js';
import { Authenticator } from '../sip/ua/authenticator.js';
import { UserAgentCore } from '../sip/ua/core.js';
import type { IncomingCall } from '../sip/ua/incoming-call.js';
import { LocationService } from '../sip/ua/location.js';
import { Registrar } from '../sip/ua/registrar.js';
import { RtpPortPool } from '../media/ports.js';
import { PromptLibrary } from '../media/prompts.js';
import { SoundResolver } from './sound-resolver.js';
import { SipCallControl } from './sip-call-control.js';

/** The realm of our digest challenges; phones show it when asking for a password. */
export const SIP_REALM = 'dialback';

/** Where an incoming call is going, once the engine has checked who may make it. */
export type IncomingRoute =
  | { kind: 'did'; did: DidRoute }
  | { kind: 'extension'; caller: DirectoryExtension; destination: DirectoryExtension };

/** The application's decision point for incoming calls (flows plug in here). */
export type IncomingCallHandler = (call: IncomingCall, route: IncomingRoute) => void;

/**
 * Dialback's SIP side: the engine on DIALBACK_SIP_HOST/PORT (UDP and TCP), the registrar
 * for extensions, and the routing of incoming calls to the application.
 */
export class SipService {
  readonly location = new LocationService();
  readonly authenticator: Authenticator;
  readonly registrar: Registrar;
  readonly ua: UserAgentCore;
  readonly dialer: Dialer;
  readonly trunkRegistrations: TrunkRegistrations;
  /** Call control for the flows: calls with media on DIALBACK_RTP_PORTS. */
  readonly calls: SipCallControl;
  readonly rtpPorts: RtpPortPool;
  /** What calls say: the sound library's recordings, else the shipped prompts. */
  readonly sounds: SoundResolver;
  /** Set by the application; without it, routed calls are refused as unavailable (480). */
  onIncomingCall: IncomingCallHandler | null = null;
  private readonly transport: SipTransport;
  private readonly directory: SipDirectory;
  private purgeTimer: ReturnType<typeof setInterval> | null = null;

  constructor(
    config: Pick<Config, 'sipHost' | 'sipPort' | 'sipPublicAddress' | 'sipDigestAlgorithms' | 'rtpPorts'>,
    private readonly store: Store,
    private readonly logger: Logger,
    version: string,
  ) {
    const log = logger.child({ component: 'sip' });
    const directory = new SipDirectory(store.db);
    this.directory = directory;
    this.transport = new SipTransport({
      host: config.sipHost,
      port: config.sipPort,
      publicAddress: config.sipPublicAddress,
      logger: log,
      onMessage: (inbound) => this.ua.receive(inbound),
    });
    this.ua = new UserAgentCore(this.transport, { userAgent: `Dialback/${version}`, logger: log });
    this.authenticator = new Authenticator(SIP_REALM, directory, log, Date.now, config.sipDigestAlgorithms);
    this.registrar = new Registrar(this.authenticator, this.location, {}, {
      onBindingsChanged: (aor, bindings) => log.info({ extension: aor, contacts: bindings.length }, 'registration changed'),
    });
    this.ua.handlers.onRegister = (request, transaction, inbound) => {
      this.registrar.handle(request, transaction, inbound).catch((error: unknown) => {
        log.error({ err: error }, 'registrar failed');
        if (!transaction.answered) transaction.reply(500, 'Server Internal Error');
      });
    };
    this.ua.handlers.onInvite = (call) => {
      this.routeIncomingCall(call).catch((error: unknown) => {
        log.error({ err: error }, 'routing an incoming call failed');
        call.reject(500, 'Server Internal Error');
      });
    };
    this.dialer = new Dialer(this.ua, this.location);
    this.trunkRegistrations = new TrunkRegistrations(this.ua, store.db, log);
    this.rtpPorts = new RtpPortPool(config.rtpPorts, config.sipHost);
    this.sounds = new SoundResolver(store.db, new PromptLibrary(), logger.child({ component: 'sounds' }));
    this.calls = new SipCallControl(this.dialer, this.rtpPorts, this.sounds, { mediaAddress: this.transport.advertisedHost.replace(/^\[(.*)\]$/, '$1') });
  }

  get port(): number {
    return this.transport.port;
  }

  async start(): Promise<void> {
    await this.transport.start();
    this.purgeTimer = setInterval(() => this.location.purge(), 60_000);
    this.purgeTimer.unref();
    await this.trunkRegistrations.start();
    this.logger.info({ port: this.transport.port }, 'SIP listening on UDP and TCP');
  }

  async stop(): Promise<void> {
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    this.trunkRegistrations.stop();
    await this.calls.stop();
    await this.transport.stop();
  }

  /**
   * Calls in (RFC 3261 §16-style routing, done by us as the endpoint): a DID of ours is
   * open to anyone (that is what carriers deliver); everything else must come from an
   * extension that authenticates, and may only reach numbers of its own organization.
   */
  private async routeIncomingCall(call: IncomingCall): Promise<void> {
    const dialled = call.dialled ?? '';
    const settings = await readSettings(this.store.db);
    const asNumber = tryNormalizePhoneNumber(dialled, settings.defaultCountry ?? 'US');
    const did = asNumber.ok ? await this.directory.did(asNumber.e164) : null;
    if (did) {
      this.deliver(call, { kind: 'did', did });
      return;
    }
    const username = await this.authenticator.authenticate(call.request, call.transaction, call.inbound.source);
    if (username === null) return;
    const caller = await this.directory.extensionOfUser(username);
    if (!caller) {
      call.reject(403, 'Forbidden');
      return;
    }
    const destination = await this.directory.extensionInAccount(caller.accountId, dialled);
    if (!destination) {
      call.reject(404, 'Not Found');
      return;
    }
    this.deliver(call, { kind: 'extension', caller, destination });
  }

  private deliver(call: IncomingCall, route: IncomingRoute): void {
    if (route.kind === 'extension') {
      // The calling extension is on the phone from now until its call ends.
      const key = `in-${call.transaction.key}`;
      this.dialer.activity.begin(route.caller.number, key);
      call.onSettled((session) => {
        if (session) session.whenEnded(() => this.dialer.activity.end(route.caller.number, key));
        else this.dialer.activity.end(route.caller.number, key);
      });
    }
    if (this.onIncomingCall) this.onIncomingCall(call, route);
    else call.reject(480, 'Temporarily Unavailable');
  }
}
