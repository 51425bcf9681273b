import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, connect, isIPv6, type Server, type Socket } from 'node:net';
import { parseMessage, SipParseError } from '../message/parse.js';
import { responseForParseError, serializeMessage } from '../message/serialize.js';
import { formatVia, getHeaders, parseVia, splitHeaderList, vias } from '../message/index.js';
import type { SipMessage, SipRequest, SipResponse, Via } from '../message/types.js';
import { findMessageEnd } from './framing.js';
import {
  DEFAULT_TRANSPORT_LIMITS,
  type Endpoint,
  type Inbound,
  type TransportLimits,
  type TransportProtocol,
  type TransportStats,
} from './types.js';

/** What the transport needs to report problems; pino's Logger fits. */
export interface TransportLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface TransportOptions {
  host: string;
  /** 0 picks a free port (the same for UDP and TCP). */
  port: number;
  /** The address written in Via/Contact when it differs from the bind address (NAT, 0.0.0.0). */
  publicAddress?: string | null;
  limits?: Partial<TransportLimits>;
  logger?: TransportLogger;
  onMessage: (inbound: Inbound) => void;
  clock?: () => number;
}

interface Connection {
  id: number;
  socket: Socket;
  remote: Endpoint;
  buffer: Buffer;
}

const silent: TransportLogger = { debug: () => undefined, warn: () => undefined };
const CRLF_ONLY = /^[\r\n]+$/;

/**
 * The transport layer of RFC 3261 §18: one UDP socket and one TCP listener on the same
 * port. It frames and parses what arrives, answers garbage with 400 where it can, stamps
 * the top Via of requests with received/rport (§18.2.1, RFC 3581), and sends responses
 * back the way §18.2.2 says. Nothing a peer sends can throw out of it.
 */
export class SipTransport {
  readonly stats: TransportStats = { received: 0, sent: 0, malformed: 0, oversized: 0, connectionsRefused: 0, idleClosed: 0 };
  private udp: UdpSocket | null = null;
  private tcp: Server | null = null;
  private readonly connections = new Map<number, Connection>();
  /** Connections by "address:port" of the remote end, for reuse when sending. */
  private readonly connectionsByRemote = new Map<string, Connection>();
  private readonly connectionsPerAddress = new Map<string, number>();
  private readonly pendingConnects = new Map<string, Promise<Connection>>();
  private nextConnectionId = 1;
  private boundPort = 0;
  private readonly limits: TransportLimits;
  private readonly logger: TransportLogger;
  private readonly clock: () => number;

  constructor(private readonly options: TransportOptions) {
    this.limits = { ...DEFAULT_TRANSPORT_LIMITS, ...options.limits };
    this.logger = options.logger ?? silent;
    this.clock = options.clock ?? Date.now;
  }

  get port(): number {
    return this.boundPort;
  }

  /** The host written in our Via sent-by and Contact. */
  get advertisedHost(): string {
    const host = this.options.publicAddress ?? (isUnspecified(this.options.host) ? '127.0.0.1' : this.options.host);
    return isIPv6(host) ? `[${host}]` : host;
  }

  async start(): Promise<void> {
    // With port 0, UDP picks a port first and TCP must get the same one; retry on a clash.
    for (let attempt = 0; attempt < 20; attempt++) {
      const udp = await this.bindUdp(this.options.port);
      const port = udp.address().port;
      try {
        this.tcp = await this.listenTcp(port);
        this.udp = udp;
        this.boundPort = port;
        return;
      } catch (error) {
        udp.close();
        if (this.options.port !== 0) throw error;
      }
    }
    throw new Error('could not find a port free for both UDP and TCP');
  }

  async stop(): Promise<void> {
    for (const connection of this.connections.values()) connection.socket.destroy();
    this.connections.clear();
    this.connectionsByRemote.clear();
    this.connectionsPerAddress.clear();
    await Promise.all([
      new Promise<void>((resolve) => (this.udp ? this.udp.close(() => resolve()) : resolve())),
      new Promise<void>((resolve) => (this.tcp ? this.tcp.close(() => resolve()) : resolve())),
    ]);
    this.udp = null;
    this.tcp = null;
  }

  /** Sends a message to an endpoint; over TCP it reuses an open connection or opens one. */
  async send(message: SipMessage, target: Endpoint, connectionId: number | null = null): Promise<void> {
    const bytes = serializeMessage(message);
    if (target.protocol === 'UDP') {
      await this.sendUdp(bytes, target);
    } else {
      const connection =
        (connectionId !== null ? this.connections.get(connectionId) : undefined) ?? (await this.connectionTo(target));
      await new Promise<void>((resolve, reject) =>
        connection.socket.write(bytes, (error) => (error ? reject(error) : resolve())),
      );
    }
    this.stats.sent++;
  }

  /** Sends a response where RFC 3261 §18.2.2 (and RFC 3581 for rport) says it goes. */
  async sendResponse(response: SipResponse, inbound: Pick<Inbound, 'source' | 'connectionId'>): Promise<void> {
    const top = vias(response)[0];
    if (!top) throw new Error('a response needs a Via');
    if (inbound.source.protocol === 'TCP' && inbound.connectionId !== null && this.connections.has(inbound.connectionId)) {
      return this.send(response, inbound.source, inbound.connectionId);
    }
    return this.send(response, responseTarget(top, inbound.source));
  }

  /** Open TCP connections (for tests and metrics). */
  get connectionCount(): number {
    return this.connections.size;
  }

  private bindUdp(port: number): Promise<UdpSocket> {
    return new Promise((resolve, reject) => {
      const socket = createSocket({ type: isIPv6(this.options.host) ? 'udp6' : 'udp4', reuseAddr: false });
      socket.once('error', reject);
      socket.bind(port, this.options.host, () => {
        socket.removeListener('error', reject);
        socket.on('error', (error) => this.logger.warn({ err: error }, 'UDP socket error'));
        socket.on('message', (data, rinfo) => {
          this.receive(data, { protocol: 'UDP', address: rinfo.address, port: rinfo.port }, null);
        });
        resolve(socket);
      });
    });
  }

  private listenTcp(port: number): Promise<Server> {
    return new Promise((resolve, reject) => {
      const server = createServer((socket) => this.accept(socket));
      server.maxConnections = this.limits.maxConnections;
      server.once('error', reject);
      server.listen(port, this.options.host, () => {
        server.removeListener('error', reject);
        server.on('error', (error) => this.logger.warn({ err: error }, 'TCP listener error'));
        resolve(server);
      });
    });
  }

  private sendUdp(bytes: Buffer, target: Endpoint): Promise<void> {
    const udp = this.udp;
    if (!udp) return Promise.reject(new Error('the transport is not started'));
    return new Promise((resolve, reject) =>
      udp.send(bytes, target.port, unbracket(target.address), (error) => (error ? reject(error) : resolve())),
    );
  }

  private accept(socket: Socket): void {
    const address = socket.remoteAddress ?? '';
    const perAddress = this.connectionsPerAddress.get(address) ?? 0;
    if (perAddress >= this.limits.maxConnectionsPerAddress || this.connections.size >= this.limits.maxConnections) {
      this.stats.connectionsRefused++;
      this.logger.warn({ address, perAddress }, 'TCP connection refused: too many connections');
      socket.destroy();
      return;
    }
    this.register(socket, { protocol: 'TCP', address, port: socket.remotePort ?? 0 });
  }

  private register(socket: Socket, remote: Endpoint): Connection {
    const connection: Connection = { id: this.nextConnectionId++, socket, remote, buffer: Buffer.alloc(0) };
    this.connections.set(connection.id, connection);
    this.connectionsByRemote.set(endpointKey(remote), connection);
    this.connectionsPerAddress.set(remote.address, (this.connectionsPerAddress.get(remote.address) ?? 0) + 1);
    socket.setNoDelay(true);
    socket.setTimeout(this.limits.idleTimeoutMs, () => {
      this.stats.idleClosed++;
      socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => this.onTcpData(connection, chunk));
    socket.on('error', (error) => this.logger.debug({ err: error, remote }, 'TCP connection error'));
    socket.on('close', () => this.forget(connection));
    return connection;
  }

  private forget(connection: Connection): void {
    if (!this.connections.delete(connection.id)) return;
    const key = endpointKey(connection.remote);
    if (this.connectionsByRemote.get(key) === connection) this.connectionsByRemote.delete(key);
    const count = (this.connectionsPerAddress.get(connection.remote.address) ?? 1) - 1;
    if (count <= 0) this.connectionsPerAddress.delete(connection.remote.address);
    else this.connectionsPerAddress.set(connection.remote.address, count);
  }

  private connectionTo(target: Endpoint): Promise<Connection> {
    const key = endpointKey(target);
    const open = this.connectionsByRemote.get(key);
    if (open) return Promise.resolve(open);
    const pending = this.pendingConnects.get(key);
    if (pending) return pending;
    const attempt = new Promise<Connection>((resolve, reject) => {
      const socket = connect({ host: unbracket(target.address), port: target.port });
      const fail = (error: Error) => {
        socket.destroy();
        reject(error);
      };
      socket.setTimeout(10_000, () => fail(new Error(`TCP connect to ${key} timed out`)));
      socket.once('error', fail);
      socket.once('connect', () => {
        socket.removeListener('error', fail);
        resolve(this.register(socket, target));
      });
    }).finally(() => this.pendingConnects.delete(key));
    this.pendingConnects.set(key, attempt);
    return attempt;
  }

  /** Stream framing (RFC 3261 §18.3): messages are delimited by Content-Length. */
  private onTcpData(connection: Connection, chunk: Buffer): void {
    connection.buffer = connection.buffer.length === 0 ? chunk : Buffer.concat([connection.buffer, chunk]);
    for (;;) {
      const frame = findMessageEnd(connection.buffer, this.limits.maxMessageBytes);
      if (frame.kind === 'incomplete') return;
      if (frame.kind === 'keepalive') {
        // RFC 5626 §3.5.1: a double CRLF ping gets a single CRLF pong.
        if (frame.ping) connection.socket.write('\r\n');
        connection.buffer = connection.buffer.subarray(frame.length);
        continue;
      }
      if (frame.kind === 'oversized' || frame.kind === 'invalid') {
        this.stats.oversized += frame.kind === 'oversized' ? 1 : 0;
        this.stats.malformed += frame.kind === 'invalid' ? 1 : 0;
        this.logger.warn({ remote: connection.remote, reason: frame.reason }, 'closing TCP connection');
        connection.socket.destroy();
        return;
      }
      const message = connection.buffer.subarray(0, frame.length);
      connection.buffer = connection.buffer.subarray(frame.length);
      this.receive(message, connection.remote, connection.id);
    }
  }

  private receive(data: Buffer, source: Endpoint, connectionId: number | null): void {
    try {
      if (data.length > this.limits.maxMessageBytes) {
        this.stats.oversized++;
        return;
      }
      if (CRLF_ONLY.test(data.subarray(0, 8).toString('latin1')) && CRLF_ONLY.test(data.toString('latin1'))) return;
      let message: SipMessage;
      try {
        message = parseMessage(data);
      } catch (error) {
        if (!(error instanceof SipParseError)) throw error;
        this.stats.malformed++;
        this.logger.debug({ source, reason: error.reason }, 'malformed SIP message');
        this.answerMalformed(error, source, connectionId);
        return;
      }
      this.stats.received++;
      if (message.kind === 'request') stampVia(message, source);
      this.options.onMessage({ message, source, connectionId, receivedAt: this.clock() });
    } catch (error) {
      // A bug must not take the engine down for every other peer.
      this.logger.warn({ err: error, source }, 'error handling an inbound message');
    }
  }

  /** A malformed request gets a 4xx when enough of it was readable to address a response. */
  private answerMalformed(error: SipParseError, source: Endpoint, connectionId: number | null): void {
    const response = responseForParseError(error);
    if (!response) return;
    let target = source;
    try {
      target = responseTarget(parseVia(getHeaders(response, 'Via')[0] ?? ''), source);
    } catch {
      // An unreadable Via: answer where the bytes came from.
    }
    this.send(response, target, connectionId).catch((sendError: unknown) =>
      this.logger.debug({ err: sendError }, 'could not answer a malformed request'),
    );
  }
}

/** RFC 3261 §18.2.1 and RFC 3581: record where a request really came from in its top Via. */
function stampVia(request: SipRequest, source: Endpoint): void {
  const field = request.headers.find((h) => h.name === 'Via');
  if (!field) return;
  const values = splitHeaderList(field.value);
  const top = parseVia(values[0] ?? '');
  let changed = false;
  if (unbracket(top.host) !== source.address) {
    top.params.set('received', source.address);
    changed = true;
  }
  if (top.params.has('rport') && top.params.get('rport') === null) {
    top.params.set('rport', String(source.port));
    top.params.set('received', source.address);
    changed = true;
  }
  if (!changed) return;
  values[0] = formatVia(top);
  field.value = values.join(', ');
}

/** Where a response goes (RFC 3261 §18.2.2, RFC 3581 §4). */
export function responseTarget(top: Via, source: Endpoint): Endpoint {
  const protocol: TransportProtocol = top.transport === 'TCP' ? 'TCP' : 'UDP';
  const received = top.params.get('received') ?? null;
  const rport = top.params.get('rport') ?? null;
  if (protocol === 'UDP' && rport !== null && /^\d+$/.test(rport)) {
    return { protocol, address: received ?? source.address, port: Number(rport) };
  }
  return { protocol, address: unbracket(received ?? top.host), port: top.port ?? 5060 };
}

function endpointKey(endpoint: Endpoint): string {
  return `${unbracket(endpoint.address)}:${endpoint.port}`;
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function isUnspecified(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}
