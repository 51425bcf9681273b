import { parseUri } from '../message/index.js';
import type { HeaderField, SipResponse, SipUri } from '../message/types.js';
import type { UserAgentCore } from './core.js';
import type { FailureCause } from './causes.js';
import type { LocationService } from './location.js';
import type { CallOutcome, OutgoingCall } from './outgoing-call.js';
import type { SipSession } from './session.js';

/** A carrier trunk as the dialer needs it. */
export interface TrunkTarget {
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
  username?: string | null;
  password?: string | null;
  /** Domain for From/P-Asserted-Identity; the trunk host when absent. */
  fromDomain?: string | null;
}

export interface DialOptions {
  sdp: Buffer;
  /** Give up (CANCEL) when nobody answered within this time. */
  ringTimeoutMs: number;
  /** Aborting cancels the attempt (e.g. the requester gave up). */
  signal?: AbortSignal;
  /** Provisional responses (ringing), once per call attempt. */
  onProgress?: (response: SipResponse) => void;
}

/**
 * Who is on the phone: extensions with a call ringing or up, either direction
 * (SPEC: "do not allow people to contact me while I am on the phone").
 */
export class PhoneActivity {
  private readonly calls = new Map<string, Set<string>>();

  begin(aor: string, callKey: string): void {
    const set = this.calls.get(aor) ?? new Set<string>();
    set.add(callKey);
    this.calls.set(aor, set);
  }

  end(aor: string, callKey: string): void {
    const set = this.calls.get(aor);
    if (!set) return;
    set.delete(callKey);
    if (set.size === 0) this.calls.delete(aor);
  }

  isOnThePhone(aor: string): boolean {
    return this.calls.has(aor);
  }
}

/** §16.7 in spirit: when every fork failed, the most telling failure is the one to report. */
const CAUSE_RANK: FailureCause[] = ['busy', 'declined', 'no-answer', 'cancelled', 'rejected', 'codec-mismatch', 'not-found', 'timeout', 'unavailable', 'network-error'];

/**
 * Places calls for the application: to an extension through all its registered contacts
 * (forking, first answer wins, the others are cancelled), or to a number through a trunk
 * with the caller ID we choose (From and P-Asserted-Identity).
 */
export class Dialer {
  constructor(
    private readonly ua: UserAgentCore,
    private readonly location: LocationService,
    readonly activity: PhoneActivity = new PhoneActivity(),
  ) {}

  /** Rings every registered contact of an extension; shows `caller` on the phone's display. */
  async callExtension(aor: string, caller: { name: string | null; number: string | null }, options: DialOptions): Promise<CallOutcome> {
    const bindings = this.location.lookup(aor);
    if (bindings.length === 0) return { answered: false, cause: 'unavailable', status: 480, reason: 'Extension not registered' };
    const fromUser = caller.number ?? 'anonymous';
    const callKey = `ext-${Math.random()}`;
    this.activity.begin(aor, callKey);
    const calls = bindings.map((binding) =>
      this.ua.invite({
        requestUri: binding.contact,
        // A phone behind NAT is reached where its REGISTER came from, not at its private Contact.
        target: binding.source,
        from: { uri: sipUri(fromUser, this.ua.transport.advertisedHost), displayName: caller.name ?? caller.number },
        to: { uri: sipUri(aor, this.ua.transport.advertisedHost) },
        sdp: options.sdp,
      }),
    );
    const outcome = await this.race(calls, options);
    if (outcome.answered) this.trackSession(aor, callKey, outcome.session);
    else this.activity.end(aor, callKey);
    return outcome;
  }

  /** Calls an E.164 number through a trunk, presenting `callerId` (E.164) as the caller. */
  async callNumber(e164: string, trunk: TrunkTarget, callerId: string | null, options: DialOptions, callerName: string | null = null): Promise<CallOutcome> {
    const domain = trunk.fromDomain ?? trunk.host;
    const params = new Map<string, string | null>();
    if (trunk.transport === 'tcp') params.set('transport', 'tcp');
    const requestUri: SipUri = { ...sipUri(e164, trunk.host), port: trunk.port, params };
    const identity = callerId ?? 'anonymous';
    const headers: HeaderField[] = callerId ? [{ name: 'P-Asserted-Identity', value: `<sip:${callerId}@${domain}>` }] : [{ name: 'Privacy', value: 'id' }];
    const call = this.ua.invite({
      requestUri,
      target: { protocol: trunk.transport === 'tcp' ? 'TCP' : 'UDP', address: trunk.host, port: trunk.port },
      from: { uri: sipUri(identity, domain), displayName: callerName },
      to: { uri: sipUri(e164, domain) },
      sdp: options.sdp,
      headers,
      ...(trunk.username && trunk.password ? { credentials: { username: trunk.username, password: trunk.password } } : {}),
    });
    return this.race([call], options);
  }

  /** First answer wins; the rest are cancelled; a timeout or abort cancels all. */
  private race(calls: OutgoingCall[], options: DialOptions): Promise<CallOutcome> {
    return new Promise((resolve) => {
      let done = false;
      let failures: CallOutcome[] = [];
      const cancelAll = () => calls.forEach((c) => c.cancel());
      const finish = (outcome: CallOutcome) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        cancelAll();
      }, options.ringTimeoutMs);
      const onAbort = () => cancelAll();
      if (options.signal?.aborted) cancelAll();
      options.signal?.addEventListener('abort', onAbort);
      for (const call of calls) {
        call.onProgress = (response) => options.onProgress?.(response);
        void call.outcome.then((outcome) => {
          if (outcome.answered) {
            if (done) {
              void outcome.session.bye();
              return;
            }
            calls.filter((c) => c !== call).forEach((c) => c.cancel());
            finish(outcome);
            return;
          }
          failures = [...failures, outcome];
          if (failures.length < calls.length) return;
          const best = bestFailure(failures);
          // Our own CANCEL on ring timeout is "no answer" to the product; an abort stays "cancelled".
          finish(timedOut && best.cause === 'cancelled' ? { ...best, cause: 'no-answer', reason: 'No answer' } : best);
        });
      }
    });
  }

  private trackSession(aor: string, callKey: string, session: SipSession): void {
    session.whenEnded(() => this.activity.end(aor, callKey));
  }
}

function bestFailure(failures: CallOutcome[]): Extract<CallOutcome, { answered: false }> {
  const failed = failures.filter((f): f is Extract<CallOutcome, { answered: false }> => !f.answered);
  failed.sort((a, b) => CAUSE_RANK.indexOf(a.cause) - CAUSE_RANK.indexOf(b.cause));
  return failed[0] ?? { answered: false, cause: 'unavailable', status: 480, reason: 'Unavailable' };
}

function sipUri(user: string, host: string): SipUri {
  return parseUri(`sip:${encodeURIComponent(user).replace(/%2B/g, '+')}@${host}`);
}
