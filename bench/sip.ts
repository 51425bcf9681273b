/**
 * SIP signalling benchmark: `npm run bench:sip` (a script that prints figures, not a test).
 *
 * SIPp places calls to Dialback at rising rates; Dialback bridges each one to a "bench
 * number" through a trunk to a second SIPp answering as the carrier (signalling only, no
 * media), and propagates the hang-up. Each rate step runs for a few seconds; the script
 * stops at the first step with failed calls and prints the highest rate with none, with
 * the setup time (caller's INVITE in → 200 OK out, across both legs) p50/p99. It also
 * prints the parser's throughput.
 *
 * Options (environment): BENCH_RATES="100,200,..." BENCH_STEP_SECONDS=5 BENCH_CALL_MS=2000
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SipTransport } from '../src/sip/transport/transport.js';
import { UserAgentCore } from '../src/sip/ua/core.js';
import { Dialer } from '../src/sip/ua/dialer.js';
import { LocationService } from '../src/sip/ua/location.js';
import type { SipSession } from '../src/sip/ua/session.js';

const rates = (process.env.BENCH_RATES ?? '100,200,300,400,500,600,700,800,1000,1200').split(',').map(Number);
const stepSeconds = Number(process.env.BENCH_STEP_SECONDS ?? 5);
const callMs = Number(process.env.BENCH_CALL_MS ?? 2000);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function parserThroughput(): string {
  const script = fileURLToPath(new URL('./sip-parse.ts', import.meta.url));
  const result = spawnSync(process.execPath, [...process.execArgv, script, '2'], { encoding: 'utf8' });
  return result.stdout.trim();
}

/** The bench node: a B2BUA that bridges every incoming call to the carrier. */
async function startDialback(carrierPort: number) {
  let ua: UserAgentCore | null = null;
  const transport = new SipTransport({ host: '127.0.0.1', port: 0, onMessage: (m) => ua?.receive(m) });
  await transport.start();
  ua = new UserAgentCore(transport, { userAgent: 'Dialback-bench', maxPendingPerSource: 100_000 });
  const core = ua;
  const dialer = new Dialer(core, new LocationService());
  const setupMs: number[] = [];
  const counters = { bridged: 0, failed: 0 };
  core.handlers.onInvite = (call) => {
    const started = call.inbound.receivedAt;
    void dialer
      .callNumber(call.dialled ?? 'bench', { host: '127.0.0.1', port: carrierPort, transport: 'udp' }, '+61290370000', { sdp: call.offer, ringTimeoutMs: 10_000 })
      .then((outcome) => {
        if (!outcome.answered) {
          counters.failed++;
          call.reject(outcome.status >= 400 ? outcome.status : 503);
          return;
        }
        if (!call.pending) {
          void outcome.session.bye();
          return;
        }
        const callerLeg: SipSession = call.answer(outcome.session.remoteSdp);
        setupMs.push(Date.now() - started);
        counters.bridged++;
        // Either side hanging up ends the other.
        callerLeg.whenEnded(() => void outcome.session.bye());
        outcome.session.whenEnded(() => void callerLeg.bye());
      });
  };
  return { transport, core, setupMs, counters };
}

interface StepResult {
  rate: number;
  calls: number;
  successful: number;
  failed: number;
  p50: number;
  p99: number;
}

async function runStep(rate: number, dialbackPort: number, dir: string, node: Awaited<ReturnType<typeof startDialback>>): Promise<StepResult> {
  const calls = rate * stepSeconds;
  const stats = join(dir, `uac-${rate}.csv`);
  const callerPort = await freePort();
  node.setupMs.length = 0;
  const args = [
    '-sn', 'uac', '-i', '127.0.0.1', '-p', String(callerPort), `127.0.0.1:${dialbackPort}`,
    '-s', 'bench', '-r', String(rate), '-rp', '1000', '-m', String(calls), '-l', String(rate * 10),
    '-d', String(callMs), '-recv_timeout', '8000', '-timeout', String(stepSeconds + 40) + 's',
    '-nostdin', '-trace_stat', '-stf', stats, '-fd', '1',
  ];
  await new Promise<void>((resolve) => {
    const child = spawn('sipp', args, { stdio: 'ignore' });
    child.on('close', () => resolve());
  });
  const lines = readFileSync(stats, 'utf8').trim().split('\n');
  const header = (lines[0] ?? '').split(';');
  const last = (lines.at(-1) ?? '').split(';');
  const column = (name: string) => Number(last[header.indexOf(name)] ?? NaN);
  const sorted = [...node.setupMs].sort((a, b) => a - b);
  return {
    rate,
    calls,
    successful: column('SuccessfulCall(C)'),
    failed: column('FailedCall(C)'),
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  };
}

async function main(): Promise<void> {
  if (spawnSync('sipp', ['-v']).error) throw new Error('sipp is not installed: apt-get install sip-tester');
  console.log(`# SIP benchmark on ${process.platform}, node ${process.version}`);
  console.log(parserThroughput());

  const dir = mkdtempSync(join(tmpdir(), 'dialback-bench-'));
  const carrierPort = await freePort();
  const carrier = spawn('sipp', ['-sn', 'uas', '-i', '127.0.0.1', '-p', String(carrierPort), '-nostdin', '-fd', '1'], { stdio: 'ignore' });
  const node = await startDialback(carrierPort);
  console.log(`calls of ${callMs} ms, ${stepSeconds} s per step: SIPp uac -> Dialback (B2BUA) -> SIPp uas as the carrier, UDP`);
  console.log('rate/s  calls  ok     failed  setup p50  setup p99');
  let best: StepResult | null = null;
  try {
    for (const rate of rates) {
      const result = await runStep(rate, node.transport.port, dir, node);
      console.log(
        `${String(rate).padEnd(7)} ${String(result.calls).padEnd(6)} ${String(result.successful).padEnd(6)} ${String(result.failed).padEnd(7)} ${`${result.p50} ms`.padEnd(10)} ${result.p99} ms`,
      );
      if (result.failed > 0 || result.successful < result.calls) break;
      best = result;
      // Let lingering transactions of the step drain a little before the next.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  } finally {
    carrier.kill('SIGKILL');
    await node.transport.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  if (best) {
    console.log(`highest rate with zero failed calls: ${best.rate} calls/s (setup p50 ${best.p50} ms, p99 ${best.p99} ms)`);
  } else {
    console.log('no rate completed without failures');
  }
}

await main();
process.exit(0);
