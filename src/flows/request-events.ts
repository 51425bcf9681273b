import type { CallnowState } from '../store/callnow.js';

/** What a status page shows of a request at one moment. */
export interface RequestStatus {
  state: CallnowState;
  reason: string | null;
  /** Set once the call is over. */
  costMicros?: number;
}

/** A request of an extension changed (a new one arrived, or its state moved): what the owner's portal list hears. */
export interface ExtensionRequestChange {
  requestId: number;
  state: CallnowState;
  reason: string | null;
}

/** Listeners by key; the set of a key goes when its last listener does. */
class Channels<Key, Message> {
  private readonly listeners = new Map<Key, Set<(message: Message) => void>>();

  publish(key: Key, message: Message): void {
    for (const listener of this.listeners.get(key) ?? []) listener(message);
  }

  subscribe(key: Key, listener: (message: Message) => void): () => void {
    let set = this.listeners.get(key);
    if (!set) {
      set = new Set();
      this.listeners.set(key, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(key);
    };
  }

  get size(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }
}

/**
 * Live request status for Server-Sent Events, within this process: a flow publishes each
 * state change; a public status page subscribes by the request's public token, the owner's
 * portal list by the extension. (Several nodes will need the database to carry these; the
 * pages then fall back to polling.)
 */
export class RequestEvents {
  private readonly byToken = new Channels<string, RequestStatus>();
  private readonly byExtension = new Channels<number, ExtensionRequestChange>();

  publish(token: string, status: RequestStatus): void {
    this.byToken.publish(token, status);
  }

  subscribe(token: string, listener: (status: RequestStatus) => void): () => void {
    return this.byToken.subscribe(token, listener);
  }

  publishForExtension(extensionId: number, change: ExtensionRequestChange): void {
    this.byExtension.publish(extensionId, change);
  }

  subscribeExtension(extensionId: number, listener: (change: ExtensionRequestChange) => void): () => void {
    return this.byExtension.subscribe(extensionId, listener);
  }

  /** Open subscriptions (for metrics and tests). */
  get subscribers(): number {
    return this.byToken.size + this.byExtension.size;
  }
}
