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

/** Carries events to the other nodes and back (PostgreSQL NOTIFY/LISTEN); see store/notifications.ts. */
export interface EventBus {
  send(message: unknown): void;
  onMessage(handler: (message: unknown) => void): void;
}

type BusMessage = { kind: 'status'; token: string; status: RequestStatus } | { kind: 'extension'; extensionId: number; change: ExtensionRequestChange };

/**
 * Live request status for Server-Sent Events: a flow publishes each state change; a public
 * status page subscribes by the request's public token, the owner's portal list by the
 * extension. Listeners in this process hear at once; with a bus (several nodes on one
 * PostgreSQL), the other nodes' listeners hear it through the database too.
 */
export class RequestEvents {
  private readonly byToken = new Channels<string, RequestStatus>();
  private readonly byExtension = new Channels<number, ExtensionRequestChange>();
  private bus: EventBus | null = null;

  /** From now on, events go to the other nodes too, and theirs come here. */
  connect(bus: EventBus): void {
    this.bus = bus;
    bus.onMessage((message) => {
      const event = message as BusMessage;
      if (event.kind === 'status' && typeof event.token === 'string') this.byToken.publish(event.token, event.status);
      else if (event.kind === 'extension' && typeof event.extensionId === 'number') this.byExtension.publish(event.extensionId, event.change);
    });
  }

  publish(token: string, status: RequestStatus): void {
    this.byToken.publish(token, status);
    this.bus?.send({ kind: 'status', token, status } satisfies BusMessage);
  }

  subscribe(token: string, listener: (status: RequestStatus) => void): () => void {
    return this.byToken.subscribe(token, listener);
  }

  publishForExtension(extensionId: number, change: ExtensionRequestChange): void {
    this.byExtension.publish(extensionId, change);
    this.bus?.send({ kind: 'extension', extensionId, change } satisfies BusMessage);
  }

  subscribeExtension(extensionId: number, listener: (change: ExtensionRequestChange) => void): () => void {
    return this.byExtension.subscribe(extensionId, listener);
  }

  /** Open subscriptions (for metrics and tests). */
  get subscribers(): number {
    return this.byToken.size + this.byExtension.size;
  }
}
