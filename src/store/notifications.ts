import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import type { Logger } from '../logger.js';
import type { Store } from './db.js';

/** How long to wait before connecting again after the listening connection was lost. */
const RECONNECT_MS = 1_000;

/**
 * Messages between the nodes that share one PostgreSQL database (NOTIFY on a channel, LISTEN
 * on a connection of its own): what one node's call does, the others' live pages hear. The
 * channel is per schema, so test schemas and tenants sharing a server do not hear each other.
 * Each message names the node it came from; a node ignores its own, having already told its
 * own listeners. Delivery is at most once: a message sent while a node's listening connection
 * is down is not seen by that node (its pages read the list again anyway).
 */
export class PgNotifications {
  readonly node = randomBytes(6).toString('hex');
  private readonly channel: string;
  private client: pg.Client | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  private pid: number | null = null;
  private readonly handlers = new Set<(message: unknown) => void>();

  constructor(
    private readonly store: Store & { pgUrl: string },
    private readonly logger: Logger,
    topic: string,
  ) {
    // Identifiers: lower case letters, digits and _; at most 63 bytes.
    this.channel = `dialback_${topic}${store.pgSchema ? `_${store.pgSchema}` : ''}`.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 63);
  }

  /** Resolves once listening; a failure then is logged and retried, never thrown. */
  async start(): Promise<void> {
    await this.connect();
  }

  /** Hears every other node's messages. */
  onMessage(handler: (message: unknown) => void): void {
    this.handlers.add(handler);
  }

  /** Sends to the other nodes; a failure is logged (the live pages fall back to reading). */
  send(message: unknown): void {
    const payload = JSON.stringify({ node: this.node, message });
    sql`select pg_notify(${this.channel}, ${payload})`.execute(this.store.db).catch((error: unknown) => {
      this.logger.warn({ err: error, channel: this.channel }, 'NOTIFY failed; other nodes miss this event');
    });
  }

  /** The backend process id of the listening connection (tests end it to see the reconnection). */
  get listenerPid(): number | null {
    return this.client ? this.pid : null;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.store.pgUrl });
    client.on('notification', (note) => {
      if (note.channel !== this.channel || !note.payload) return;
      let parsed: { node?: unknown; message?: unknown };
      try {
        parsed = JSON.parse(note.payload) as { node?: unknown; message?: unknown };
      } catch {
        return;
      }
      if (parsed.node === this.node) return;
      for (const handler of this.handlers) handler(parsed.message);
    });
    const lost = (error?: Error) => {
      if (this.stopped || this.client !== client) return;
      this.client = null;
      this.logger.warn({ err: error, channel: this.channel }, 'the LISTEN connection was lost; connecting again');
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
      const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
      this.pid = rows[0]?.pid ?? null;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (this.stopped) return;
      this.logger.warn({ err: error, channel: this.channel }, 'cannot LISTEN; trying again');
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
  }

  private scheduleReconnect(): void {
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.connect(), RECONNECT_MS);
    this.retry.unref();
  }
}
