import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';

/** An RTP socket and its RTCP companion on the next port (RFC 3550 §11: RTP even, RTCP odd). */
export interface RtpSocketPair {
  port: number;
  rtp: Socket;
  rtcp: Socket;
  /** Closes both sockets and gives the port back; safe to call more than once. */
  release(): void;
}

/**
 * Hands out RTP/RTCP port pairs from DIALBACK_RTP_PORTS. Ports are taken round-robin so a
 * port just released is not reused at once (late packets of the last call would land in
 * the next); a port some other program holds is skipped.
 */
export class RtpPortPool {
  private readonly inUse = new Set<number>();
  private next: number;
  private readonly first: number;
  private readonly last: number;

  constructor(range: { first: number; last: number }, private readonly host = '0.0.0.0') {
    this.first = range.first % 2 === 0 ? range.first : range.first + 1;
    this.last = range.last;
    if (this.first + 1 > this.last) throw new RangeError('the RTP port range holds no even/odd pair');
    this.next = this.first;
  }

  /** Pairs the range can hold at most. */
  get capacity(): number {
    return Math.floor((this.last - this.first + 1) / 2);
  }

  get used(): number {
    return this.inUse.size;
  }

  async allocate(): Promise<RtpSocketPair> {
    for (let tried = 0; tried < this.capacity; tried++) {
      const port = this.next;
      this.next = port + 2 + 1 > this.last ? this.first : port + 2;
      if (this.inUse.has(port)) continue;
      this.inUse.add(port);
      try {
        const rtp = await bind(port, this.host);
        const rtcp = await bind(port + 1, this.host).catch((error: unknown) => {
          rtp.close();
          throw error;
        });
        let released = false;
        return {
          port,
          rtp,
          rtcp,
          release: () => {
            if (released) return;
            released = true;
            rtp.close();
            rtcp.close();
            this.inUse.delete(port);
          },
        };
      } catch {
        // Taken by another program: try the next pair.
        this.inUse.delete(port);
      }
    }
    throw new Error(`no free RTP port pair in ${this.first}-${this.last}`);
  }
}

const RECEIVE_BUFFER_BYTES = 1 << 20;

function bind(port: number, host: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', lookup: literalLookup });
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.removeListener('error', reject);
      // A connected socket reports ICMP "port unreachable" as an error event; a peer that
      // went away is the call layer's business (RTP timeout, BYE), never a crash.
      socket.on('error', () => undefined);
      // A bigger receive buffer rides out event-loop pauses without dropping packets
      // (the kernel caps it at net.core.rmem_max).
      try {
        socket.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
      } catch {
        // Keep the system default.
      }
      resolve(socket);
    });
  });
}

/**
 * dgram resolves every destination through `lookup`, by default dns.lookup, which answers
 * on the next tick even for an IP literal: a closure and a tick per packet sent. RTP
 * peers are IP literals from SDP, so answer those at once; `connect` then completes
 * synchronously too, which RtpSession relies on when it latches.
 */
type LookupCallback = (error: NodeJS.ErrnoException | null, address: string, family: number) => void;
function literalLookup(hostname: string, options: LookupOneOptions, callback: LookupCallback): void {
  const family = isIP(hostname);
  if (family !== 0) {
    callback(null, hostname, family);
    return;
  }
  dnsLookup(hostname, options, callback);
}
