/**
 * CallNow benchmark: `npm run bench:callnow` (a script that prints figures, not a test).
 *
 * The whole server (SQLite file store, SIP, flows, HTTP) runs in this process, provisioned
 * with the demo organization. Each request is a POST of the public CallNow form for a
 * different number. The owner's "phone" is a UDP socket registered as extension 001002:
 * it notes when each INVITE arrives, answers 180 Ringing, and declines (486) after
 * BENCH_RING_MS, so requests stay in flight (ringing the owner) meanwhile.
 *
 * Two parts:
 * 1. Latency: requests arrive at BENCH_RATE per second (open loop) for BENCH_SECONDS, so
 *    about BENCH_RATE x BENCH_RING_MS requests are in flight; latency is from just before
 *    the POST is sent to the owner's INVITE arriving on the wire.
 * 2. Throughput: a closed loop with BENCH_IN_FLIGHT posts outstanding, BENCH_REQUESTS in
 *    all; requests accepted (303 to the status page) per second.
 *
 * Options (environment): BENCH_RATE=50 BENCH_SECONDS=10 BENCH_RING_MS=2000
 * BENCH_REQUESTS=2000 BENCH_IN_FLIGHT=100
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request as httpRequest } from 'node:http';
import { createApp } from '../src/app.js';
import { createLogger } from '../src/logger.js';
import { applyPlan } from '../src/provisioning/apply.js';
import { parseProvisionFile } from '../src/provisioning/parse.js';
import { buildPlan } from '../src/provisioning/plan.js';
import { openStore } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrations/index.js';
import { readSettings } from '../src/store/settings.js';
import { parseUri } from '../src/sip/message/index.js';

const rate = Number(process.env.BENCH_RATE ?? 50);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const ringMs = Number(process.env.BENCH_RING_MS ?? 2000);
const total = Number(process.env.BENCH_REQUESTS ?? 2000);
const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? 100);
const wide = { max: 10_000, windowMs: 3_600_000 };

function header(text: string, name: string): string[] {
  return text.match(new RegExp(`^${name}:[^\\r\\n]*`, 'gim')) ?? [];
}

function percentiles(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN).toFixed(1);
  return `p50 ${at(50)} ms, p90 ${at(90)} ms, p99 ${at(99)} ms, max ${at(100)} ms`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dialback-bench-callnow-'));
  const store = openStore(`sqlite:${join(dir, 'dialback.db')}`);
  await migrateToLatest(store);
  const demo = readFileSync(new URL('../examples/demo.yaml', import.meta.url), 'utf8')
    .replace("availability: Office hours   # a time interval's name, or Anytime", 'availability: Anytime')
    .replace('rejectWhileOnPhone: true', 'rejectWhileOnPhone: false');
  await applyPlan(store.db, buildPlan(parseProvisionFile(demo), await readSettings(store.db)));
  const app = await createApp({
    config: { sipHost: '127.0.0.1', sipPort: 0, sipPublicAddress: null, sipDigestAlgorithms: ['MD5'], rtpPorts: { first: 32000, last: 39999 } },
    store,
    logger: createLogger('silent'),
    version: 'bench',
    limits: { perNumber: wide, distinctNumbersPerAddress: wide, perAddress: wide, perCallnowId: wide },
  });
  await app.sip.start();
  await app.http.listen({ host: '127.0.0.1', port: 0 });
  const address = app.http.server.address();
  const httpPort = typeof address === 'object' && address ? address.port : 0;

  // The owner's phone: notes each INVITE's arrival by the caller's number, rings, then declines.
  const arrivals = new Map<string, number>();
  const phone = createSocket('udp4');
  await new Promise<void>((resolve) => phone.bind(0, '127.0.0.1', resolve));
  let ringing = 0;
  let mostRinging = 0;
  phone.on('message', (packet, from) => {
    const text = packet.toString('latin1');
    if (!text.startsWith('INVITE ')) return;
    const number = /^From:[^\r\n]*<sip:(\+\d+)@/im.exec(text)?.[1];
    if (!number || arrivals.has(number)) return;
    arrivals.set(number, performance.now());
    const answer = (status: string) =>
      [`SIP/2.0 ${status}`, ...header(text, 'Via'), ...header(text, 'From'), `${header(text, 'To')[0] ?? ''};tag=bench`, ...header(text, 'Call-ID'), ...header(text, 'CSeq'), 'Content-Length: 0', '', ''].join('\r\n');
    phone.send(answer('180 Ringing'), from.port, from.address);
    ringing++;
    mostRinging = Math.max(mostRinging, ringing);
    setTimeout(() => {
      ringing--;
      phone.send(answer('486 Busy Here'), from.port, from.address);
    }, ringMs);
  });
  const port = phone.address().port;
  app.sip.location.replace('001002', [
    {
      aor: '001002',
      contact: parseUri(`sip:001002@127.0.0.1:${port}`),
      contactText: `<sip:001002@127.0.0.1:${port}>`,
      expiresAt: Date.now() + 3_600_000,
      callId: 'bench',
      cseq: 1,
      source: { protocol: 'UDP', address: '127.0.0.1', port },
      connectionId: null,
      userAgent: 'bench',
    },
  ]);

  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const sentAt = new Map<string, number>();
  let sequence = 0;
  /** Posts the form for a fresh number; resolves with the HTTP status. */
  const ask = (): Promise<number> => {
    const i = sequence++;
    // Sydney landlines, one per request: +61 2 9xxx xxxx.
    const number = `+612${String(90_000_000 + i)}`;
    const body = `myname=Bench+${i}&phone=${encodeURIComponent(number)}&requestKey=bench-request-${String(i).padStart(8, '0')}`;
    sentAt.set(number, performance.now());
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: httpPort,
          path: '/callnow/john_doe',
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  };
  const latencies = (numbers: string[]) =>
    numbers.flatMap((n) => {
      const sent = sentAt.get(n);
      const arrived = arrivals.get(n);
      return sent === undefined || arrived === undefined ? [] : [arrived - sent];
    });
  const waitForInvites = async (count: number) => {
    const deadline = Date.now() + 10_000;
    while (arrivals.size < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  };

  console.log(`# CallNow benchmark, node ${process.version}: whole server in one process, SQLite file store (synchronous=FULL)`);

  // Warm-up (not measured): the JIT compiles the request path.
  await Promise.all(Array.from({ length: 200 }, () => ask()));
  await new Promise((resolve) => setTimeout(resolve, ringMs + 500));
  const warmedUp = sentAt.size;

  // 1. Open loop: a steady arrival rate with requests ringing the owner for ringMs each.
  mostRinging = ringing;
  const statuses: Promise<number>[] = [];
  const start = performance.now();
  const count = rate * seconds;
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    statuses.push(ask());
  }
  const answered = await Promise.all(statuses);
  await waitForInvites(warmedUp + count);
  const openNumbers = [...sentAt.keys()].slice(warmedUp);
  console.log(
    `open loop: ${rate} requests/s for ${seconds} s, owner rings ${ringMs} ms: ${answered.filter((s) => s === 303).length} of ${count} accepted, up to ${mostRinging} ringing at once`,
  );
  console.log(`  submission to owner's INVITE: ${percentiles(latencies(openNumbers))}`);
  await new Promise((resolve) => setTimeout(resolve, ringMs + 500));

  // 2. Closed loop: as many requests as the server takes.
  const before = sentAt.size;
  let accepted = 0;
  let issued = 0;
  const closedStart = performance.now();
  const worker = async () => {
    while (issued < total) {
      issued++;
      if ((await ask()) === 303) accepted++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const elapsedMs = performance.now() - closedStart;
  await waitForInvites(before + accepted);
  const closedNumbers = [...sentAt.keys()].slice(before);
  console.log(`closed loop: ${total} requests, ${inFlight} posts outstanding: ${((accepted / elapsedMs) * 1000).toFixed(0)} requests accepted per second`);
  // Past what the server takes, posts are accepted faster than owners are rung: these
  // latencies are the backlog, not the path.
  console.log(`  submission to owner's INVITE under that overload: ${percentiles(latencies(closedNumbers))}`);

  agent.destroy();
  await new Promise((resolve) => setTimeout(resolve, ringMs + 500));
  phone.close();
  await app.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

await main();
process.exit(0);
