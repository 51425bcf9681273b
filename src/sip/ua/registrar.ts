import { callId, contacts, cseq, expires, formatUri, getHeader, getHeaders, toHeader, uriEquals } from '../message/index.js';
import type { HeaderField, SipRequest } from '../message/types.js';
import type { ServerTransaction } from '../transaction/server.js';
import type { Inbound } from '../transport/types.js';
import type { Authenticator } from './authenticator.js';
import type { Binding, LocationService } from './location.js';

export interface RegistrarOptions {
  /** Expiry when the phone asks for none (§10.2.1.1). */
  defaultExpires: number;
  /** Shortest expiry accepted; shorter gets 423 with Min-Expires (§10.3 step 7). */
  minExpires: number;
  /** Longest expiry granted; longer is shortened. */
  maxExpires: number;
  /** Contacts one extension may register at once. */
  maxBindingsPerAor: number;
}

export const DEFAULT_REGISTRAR_OPTIONS: RegistrarOptions = {
  defaultExpires: 3600,
  minExpires: 60,
  maxExpires: 7200,
  maxBindingsPerAor: 10,
};

export interface RegistrarEvents {
  /** An extension's set of contacts changed (registered, refreshed, removed). */
  onBindingsChanged?(aor: string, bindings: Binding[]): void;
}

/**
 * The registrar of RFC 3261 §10.3: authenticates the phone, checks it registers its own
 * address-of-record, then adds, refreshes or removes its contacts in the location service.
 */
export class Registrar {
  private readonly options: RegistrarOptions;

  constructor(
    private readonly authenticator: Authenticator,
    private readonly location: LocationService,
    options: Partial<RegistrarOptions> = {},
    private readonly events: RegistrarEvents = {},
    private readonly clock: () => number = Date.now,
  ) {
    this.options = { ...DEFAULT_REGISTRAR_OPTIONS, ...options };
  }

  async handle(request: SipRequest, transaction: ServerTransaction, inbound: Inbound): Promise<void> {
    // §10.3 step 2: we support no extensions a REGISTER could require.
    const required = getHeaders(request, 'Require');
    if (required.length > 0) {
      transaction.reply(420, 'Bad Extension', { headers: [{ name: 'Unsupported', value: required.join(', ') }] });
      return;
    }
    const username = await this.authenticator.authenticate(request, transaction, inbound.source);
    if (username === null) return;

    // §10.3 step 6: only your own address-of-record.
    const aor = toHeader(request).uri.user;
    if (aor !== username) {
      transaction.reply(403, 'Forbidden (you may only register your own extension)');
      return;
    }

    let requested;
    try {
      requested = contacts(request);
    } catch {
      transaction.reply(400, 'Bad Request (Contact)');
      return;
    }
    const headerExpires = expires(request);
    const now = this.clock();
    const id = callId(request);
    const seq = cseq(request).seq;
    let bindings = this.location.lookup(aor);

    if (requested.includes('*')) {
      // §10.3 step 6: "*" only alone and with Expires: 0.
      if (requested.length > 1 || headerExpires !== 0) {
        transaction.reply(400, 'Bad Request ("*" needs Expires: 0 and no other Contact)');
        return;
      }
      bindings = bindings.filter((b) => b.callId === id && b.cseq >= seq);
      this.commit(aor, bindings);
      this.replyOk(transaction, bindings);
      return;
    }

    for (const contact of requested) {
      if (contact === '*') continue;
      const param = contact.params.get('expires');
      let wanted = param !== undefined && param !== null && /^\d+$/.test(param) ? Number(param) : (headerExpires ?? this.options.defaultExpires);
      if (wanted !== 0 && wanted < this.options.minExpires) {
        transaction.reply(423, 'Interval Too Brief', { headers: [{ name: 'Min-Expires', value: String(this.options.minExpires) }] });
        return;
      }
      wanted = Math.min(wanted, this.options.maxExpires);
      const existing = bindings.find((b) => uriEquals(b.contact, contact.uri));
      if (existing && existing.callId === id && existing.cseq >= seq) {
        // §10.3 step 7: an older or repeated REGISTER of the same Call-ID must not win.
        transaction.reply(500, 'Server Internal Error (CSeq out of order)');
        return;
      }
      bindings = bindings.filter((b) => b !== existing);
      if (wanted === 0) continue;
      bindings.push({
        aor,
        contact: contact.uri,
        contactText: formatUri(contact.uri),
        expiresAt: now + wanted * 1000,
        callId: id,
        cseq: seq,
        source: inbound.source,
        connectionId: inbound.connectionId,
        userAgent: getHeader(request, 'User-Agent') ?? null,
      });
    }
    if (bindings.length > this.options.maxBindingsPerAor) {
      transaction.reply(403, `Forbidden (at most ${this.options.maxBindingsPerAor} contacts per extension)`);
      return;
    }
    this.commit(aor, bindings);
    this.replyOk(transaction, bindings);
  }

  private commit(aor: string, bindings: Binding[]): void {
    this.location.replace(aor, bindings);
    this.events.onBindingsChanged?.(aor, bindings);
  }

  /** §10.3 step 8: 200 lists every current binding with its remaining time. */
  private replyOk(transaction: ServerTransaction, bindings: Binding[]): void {
    const now = this.clock();
    const headers: HeaderField[] = bindings.map((b) => ({
      name: 'Contact',
      value: `<${b.contactText}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}`,
    }));
    headers.push({ name: 'Date', value: new Date(now).toUTCString() });
    transaction.reply(200, 'OK', { headers });
  }
}
