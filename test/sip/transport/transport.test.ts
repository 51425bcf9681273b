import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createResponse, getHeader, parseMessage } from '../../../src/sip/message/index.js';
import type { SipRequest } from '../../../src/sip/message/types.js';
import { findMessageEnd } from '../../../src/sip/transport/framing.js';
import { SipTransport } from '../../../src/sip/transport/transport.js';
import type { Inbound } from '../../../src/sip/transport/types.js';

function options(branch: string, via = 'SIP/2.0/UDP 10.9.9.9:5099', body = ''): string {
  return (
    `OPTIONS sip:dialback@127.0.0.1 SIP/2.0\r\nVia: ${via};branch=${branch}\r\nMax-Forwards: 70\r\n` +
    `From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:dialback@127.0.0.1>\r\nCall-ID: ${branch}\r\nCSeq: 1 OPTIONS\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

async function udpClient(): Promise<{ socket: UdpSocket; port: number; next(): Promise<string> }> {
  const socket = createSocket('udp4');
  const queue: string[] = [];
  const waiting: ((text: string) => void)[] = [];
  socket.on('message', (data) => {
    const text = data.toString();
    const waiter = waiting.shift();
    if (waiter) waiter(text);
    else queue.push(text);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    socket,
    port: socket.address().port,
    next: () =>
      new Promise((resolve, reject) => {
        const queued = queue.shift();
        if (queued !== undefined) return resolve(queued);
        const timer = setTimeout(() => reject(new Error('no datagram')), 2_000);
        waiting.push((text) => {
          clearTimeout(timer);
          resolve(text);
        });
      }),
  };
}

function tcpClient(port: number): Promise<{ socket: Socket; data: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    const closed = new Promise<void>((done) => socket.on('close', () => done()));
    socket.once('error', reject);
    socket.once('connect', () => resolve({ socket, data: () => received, closed }));
  });
}

const until = async (check: () => boolean, ms = 2_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('SIP transport (RFC 3261 §18)', () => {
  let transport: SipTransport;
  let inbound: Inbound[];

  beforeEach(async () => {
    inbound = [];
    transport = new SipTransport({
      host: '127.0.0.1',
      port: 0,
      limits: { maxConnectionsPerAddress: 3, idleTimeoutMs: 300, maxMessageBytes: 8_192 },
      onMessage: (message) => {
        inbound.push(message);
        // Echo requests back as 200 so tests can see the response path.
        if (message.message.kind === 'request') void transport.sendResponse(createResponse(message.message, 200), message);
      },
    });
    await transport.start();
  });
  afterEach(async () => {
    await transport.stop();
  });

  it('uses one port for UDP and TCP, stamps received/rport, and answers at the rport (RFC 3581)', async () => {
    const client = await udpClient();
    client.socket.send(options('z9hG4bKu1', 'SIP/2.0/UDP 10.9.9.9:5099;rport'), transport.port, '127.0.0.1');
    const answer = await client.next();
    expect(answer).toMatch(/^SIP\/2\.0 200 OK/);
    const request = inbound[0]?.message as SipRequest;
    expect(getHeader(request, 'Via')).toBe(`SIP/2.0/UDP 10.9.9.9:5099;rport=${client.port};branch=z9hG4bKu1;received=127.0.0.1`);
    expect(inbound[0]?.source).toEqual({ protocol: 'UDP', address: '127.0.0.1', port: client.port });
    client.socket.close();
  });

  it('answers a malformed request with 400 naming the problem, and drops junk', async () => {
    const client = await udpClient();
    const broken = options('z9hG4bKu2', `SIP/2.0/UDP 127.0.0.1:${client.port}`).replace('CSeq: 1 OPTIONS', 'CSeq: 1 INVITE');
    client.socket.send(broken, transport.port, '127.0.0.1');
    const answer = await client.next();
    expect(answer).toMatch(/^SIP\/2\.0 400 /);
    client.socket.send(Buffer.from([0, 1, 2, 255, 13, 10]), transport.port, '127.0.0.1');
    client.socket.send(options('z9hG4bKu3', `SIP/2.0/UDP 127.0.0.1:${client.port}`), transport.port, '127.0.0.1');
    expect(await client.next()).toMatch(/^SIP\/2\.0 200 OK/);
    expect(transport.stats.malformed).toBe(2);
    expect(inbound).toHaveLength(1);
    client.socket.close();
  });

  it('drops datagrams over the size limit', async () => {
    const client = await udpClient();
    client.socket.send(options('z9hG4bKu4', `SIP/2.0/UDP 127.0.0.1:${client.port}`, 'x'.repeat(9_000)), transport.port, '127.0.0.1');
    client.socket.send(options('z9hG4bKu5', `SIP/2.0/UDP 127.0.0.1:${client.port}`), transport.port, '127.0.0.1');
    expect(await client.next()).toMatch(/^SIP\/2\.0 200 OK/);
    expect(transport.stats.oversized).toBe(1);
    client.socket.close();
  });

  it('frames TCP streams: several messages in one chunk, one message over many, keep-alive pings', async () => {
    const client = await tcpClient(transport.port);
    const first = options('z9hG4bKt1', 'SIP/2.0/TCP 127.0.0.1:5099', 'hello');
    const second = options('z9hG4bKt2', 'SIP/2.0/TCP 127.0.0.1:5099');
    client.socket.write(first + second);
    const third = options('z9hG4bKt3', 'SIP/2.0/TCP 127.0.0.1:5099', 'body!');
    for (let i = 0; i < third.length; i += 7) {
      client.socket.write(third.slice(i, i + 7));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    client.socket.write('\r\n\r\n');
    await until(() => inbound.length === 3 && client.data().includes('\r\n\r\n\r\n'));
    expect(inbound.map((i) => (i.message as SipRequest).body.toString())).toEqual(['hello', '', 'body!']);
    expect(client.data().match(/SIP\/2\.0 200 OK/g)).toHaveLength(3);
    client.socket.destroy();
  });

  it('closes a TCP connection that sends an oversized message or a bad Content-Length, serving others', async () => {
    const big = await tcpClient(transport.port);
    big.socket.write(options('z9hG4bKt4', 'SIP/2.0/TCP 127.0.0.1:5099', 'x'.repeat(10_000)));
    await big.closed;
    const bad = await tcpClient(transport.port);
    bad.socket.write(options('z9hG4bKt5', 'SIP/2.0/TCP 127.0.0.1:5099').replace('Content-Length: 0', 'Content-Length: ten'));
    await bad.closed;
    expect(transport.stats.oversized).toBe(1);
    expect(transport.stats.malformed).toBe(1);
    const good = await tcpClient(transport.port);
    good.socket.write(options('z9hG4bKt6', 'SIP/2.0/TCP 127.0.0.1:5099'));
    await until(() => good.data().includes('200 OK'));
    good.socket.destroy();
  });

  it('bounds TCP connections per address and closes idle ones', async () => {
    const clients = await Promise.all([1, 2, 3, 4].map(() => tcpClient(transport.port)));
    await clients[3]?.closed;
    expect(transport.stats.connectionsRefused).toBe(1);
    await Promise.all(clients.slice(0, 3).map((c) => c.closed));
    await until(() => transport.connectionCount === 0);
    expect(transport.stats.idleClosed).toBe(3);
  });

  it('sends requests over TCP, reusing the connection for the answer', async () => {
    const peer = new SipTransport({ host: '127.0.0.1', port: 0, onMessage: (m) => inbound.push(m) });
    await peer.start();
    try {
      const request = parseMessage(Buffer.from(options('z9hG4bKt7', `SIP/2.0/TCP 127.0.0.1:${peer.port}`))) as SipRequest;
      await peer.send(request, { protocol: 'TCP', address: '127.0.0.1', port: transport.port });
      await until(() => inbound.some((i) => i.message.kind === 'response'));
      expect(peer.connectionCount).toBe(1);
      expect(transport.connectionCount).toBe(1);
    } finally {
      await peer.stop();
    }
  });
});

describe('TCP framing', () => {
  it('waits for the whole body and rejects nonsense lengths', () => {
    const head = Buffer.from('OPTIONS sip:x SIP/2.0\r\nl: 5\r\n\r\nab');
    expect(findMessageEnd(head, 1000)).toEqual({ kind: 'incomplete' });
    expect(findMessageEnd(Buffer.concat([head, Buffer.from('cde')]), 1000)).toEqual({ kind: 'message', length: head.length + 3 });
    expect(findMessageEnd(Buffer.from('A\r\nContent-Length: -1\r\n\r\n'), 1000).kind).toBe('invalid');
    expect(findMessageEnd(Buffer.from('A\r\nContent-Length: 5000\r\n\r\n'), 1000).kind).toBe('oversized');
    expect(findMessageEnd(Buffer.alloc(2000, 65), 1000).kind).toBe('oversized');
    expect(findMessageEnd(Buffer.from('\r\n\r\nINVITE'), 1000)).toEqual({ kind: 'keepalive', length: 4, ping: true });
  });
});
