import type { CallnowState } from '../store/callnow.js';

/** What a status page shows of a request at one moment. */
export interface RequestStatus {
  state: CallnowState;
  reason: string | null;
  /** Set once the call is over. */
  costMicros?: number;
}

/**
 * Live request status for the pages' Server-Sent Events, within this process: a flow
 * publishes each state change, a page subscribes by the request's public token. (Several
 * nodes will need the database to carry these; the page then falls back to polling.)
 */
export class RequestEvents {
  private readonly listeners = new Map<string, Set<(status: RequestStatus) => void>>();

  publish(token: string, status: RequestStatus): void {
    for (const listener of this.listeners.get(token) ?? []) listener(status);
  }

  subscribe(token: string, listener: (status: RequestStatus) => void): () => void {
    let set = this.listeners.get(token);
    if (!set) {
      set = new Set();
      this.listeners.set(token, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(token);
    };
  }

  /** Open subscriptions (for metrics and tests). */
  get subscribers(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }
}
