import type { SipUri } from '../message/types.js';
import type { Endpoint } from '../transport/types.js';

/** One registered contact of an address-of-record (RFC 3261 §10.3). */
export interface Binding {
  /** The address-of-record: here the extension's SIP user name. */
  aor: string;
  contact: SipUri;
  /** The contact as the phone wrote it, for the 200 OK and for comparison. */
  contactText: string;
  expiresAt: number;
  callId: string;
  cseq: number;
  /** Where the REGISTER really came from: phones behind NAT are reached there (RFC 3581 spirit). */
  source: Endpoint;
  connectionId: number | null;
  userAgent: string | null;
}

/**
 * The location service: who is reachable where. In memory, one per node; the call layer
 * asks it for an extension's contacts to fork an INVITE to all of them.
 */
export class LocationService {
  private readonly byAor = new Map<string, Binding[]>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Current (unexpired) bindings of an address-of-record. */
  lookup(aor: string): Binding[] {
    const now = this.clock();
    const live = (this.byAor.get(aor) ?? []).filter((b) => b.expiresAt > now);
    if (live.length === 0) this.byAor.delete(aor);
    else this.byAor.set(aor, live);
    return live;
  }

  /** Replaces the bindings of an address-of-record (the registrar computed the new set). */
  replace(aor: string, bindings: Binding[]): void {
    if (bindings.length === 0) this.byAor.delete(aor);
    else this.byAor.set(aor, bindings);
  }

  /** Drops expired bindings everywhere; call now and then. */
  purge(): number {
    let removed = 0;
    for (const aor of [...this.byAor.keys()]) {
      const before = this.byAor.get(aor)?.length ?? 0;
      removed += before - this.lookup(aor).length;
    }
    return removed;
  }

  get size(): number {
    let count = 0;
    for (const list of this.byAor.values()) count += list.length;
    return count;
  }
}
