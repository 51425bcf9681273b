/**
 * Media relay benchmark: `npm run bench:media` (a script that prints figures, not a test).
 *
 * For N calls, Dialback holds two RTP sessions per call and bridges them (`MediaBridge`,
 * the relay of a connected call), in this process. The phones of every call are a small C
 * program (bench/rtp-phones.c, compiled with the system's cc on first use) so that making
 * the load costs little CPU: each phone sends 50 G.711 packets per second and receives the
 * other phone's packets through Dialback. For each load step it reports packets lost (of
 * those sent into the relay), the interarrival jitter the relay added (RFC 3550 estimator,
 * in ms, mean and worst stream) and the relay's CPU use. A last step repeats the largest
 * A last step runs BENCH_FLOOD_CALLS calls while a flood of junk from a stranger hits one
 * call's port, which must not disturb the other calls.
 *
 * Options (environment): BENCH_CALLS="100,250,500,750,1000" BENCH_STEP_SECONDS=5
 * BENCH_FLOOD_CALLS=500 BENCH_FLOOD_PPS=20000 (0: no flood step) BENCH_VERBOSE=1 (CPU split)
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MediaBridge } from '../src/media/bridge.js';
import { RtpPortPool } from '../src/media/ports.js';
import { RtpSession } from '../src/media/rtp-session.js';

interface PhonesReport {
  sent: number;
  received: number;
  /** What the phones of the first call (the flooded one, in the flood step) received. */
  firstCallReceived: number;
  sentPerPhone: number;
  jitterMs: number;
  jitterMaxMs: number;
  stray: number;
  floodSent: number;
}

/** Builds the C phones once per source change. */
function phonesBinary(): string {
  const source = fileURLToPath(new URL('./rtp-phones.c', import.meta.url));
  const dir = join(tmpdir(), 'dialback-bench');
  mkdirSync(dir, { recursive: true });
  const binary = join(dir, `rtp-phones-${statSync(source).mtimeMs.toFixed(0)}`);
  if (!existsSync(binary)) execFileSync('cc', ['-O2', '-o', binary, source], { stdio: 'inherit' });
  return binary;
}

function runPhones(binary: string, ports: number[], seconds: number, flood: { port: number; pps: number } | null): Promise<PhonesReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`rtp-phones exited with ${String(code)}`));
      else resolve(JSON.parse(out) as PhonesReport);
    });
    child.stdin.end(`${seconds} ${PHONES_PORT} ${flood?.port ?? 0} ${flood?.pps ?? 0}\n${ports.join('\n')}\n`);
  });
}

/** Where the phones' one socket listens: what each Dialback session is told in SDP. */
const PHONES_PORT = 41000;

interface Step {
  calls: number;
  report: PhonesReport;
  cpuPercent: number;
  floodDropped: number;
}

async function runStep(binary: string, pool: RtpPortPool, calls: number, seconds: number, floodPps: number): Promise<Step> {
  const sessions: RtpSession[] = [];
  const bridges: MediaBridge[] = [];
  const ports: number[] = [];
  const codec = { name: 'PCMU' as const, payloadType: 0 };
  for (let i = 0; i < calls; i++) {
    const [a, b] = [await pool.allocate(), await pool.allocate()];
    const remote = { address: '127.0.0.1', port: PHONES_PORT, rtcpPort: PHONES_PORT + 1 };
    const sa = new RtpSession(a, { codec, telephoneEvent: 101, remote });
    const sb = new RtpSession(b, { codec, telephoneEvent: 101, remote });
    sessions.push(sa, sb);
    bridges.push(new MediaBridge(sa, sb));
    ports.push(a.port, b.port);
  }
  const flooded = floodPps > 0 ? sessions[0] : undefined;
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const report = await runPhones(binary, ports, seconds, flooded ? { port: flooded.localPort, pps: floodPps } : null);
  const cpu = process.cpuUsage(cpuBefore);
  const wall = performance.now() - wallBefore;
  const cpuPercent = ((cpu.user + cpu.system) / 1000 / wall) * 100;
  if (process.env.BENCH_VERBOSE) console.log(`# user ${(cpu.user / 10 / wall).toFixed(0)} %, system ${(cpu.system / 10 / wall).toFixed(0)} %`);
  const floodDropped = flooded ? flooded.counters.dropped + flooded.counters.foreign : 0;
  for (const bridge of bridges) bridge.stop();
  for (const session of sessions) session.close();
  return { calls, report, cpuPercent, floodDropped };
}

function row(step: Step, seconds: number, label = ''): string {
  const { report } = step;
  const lost = report.sent - report.received;
  const cells = [
    `${step.calls}${label}`.padEnd(13),
    String(step.calls * 2).padEnd(8),
    String(Math.round(report.sent / seconds)).padEnd(10),
    String(lost).padEnd(8),
    ((100 * lost) / Math.max(1, report.sent)).toFixed(3).padEnd(8),
    report.jitterMs.toFixed(2).padEnd(12),
    report.jitterMaxMs.toFixed(2).padEnd(12),
    `${step.cpuPercent.toFixed(0)} %`,
  ];
  return cells.join(' ');
}

async function main(): Promise<void> {
  const steps = (process.env.BENCH_CALLS ?? '100,250,500,750,1000').split(',').map(Number);
  const seconds = Number(process.env.BENCH_STEP_SECONDS ?? 5);
  const floodPps = Number(process.env.BENCH_FLOOD_PPS ?? 20_000);
  const binary = phonesBinary();
  const pool = new RtpPortPool({ first: 32000, last: 39999 }, '127.0.0.1');
  console.log(`# media relay benchmark, node ${process.version}: Dialback relay in this process, phones in C (bench/rtp-phones.c)`);
  console.log('calls         streams  packets/s  lost     loss %   jitter (ms)  worst (ms)   relay CPU');
  for (const calls of steps) console.log(row(await runStep(binary, pool, calls, seconds, 0), seconds));
  if (floodPps > 0) {
    const calls = Number(process.env.BENCH_FLOOD_CALLS ?? 500);
    const step = await runStep(binary, pool, calls, seconds, floodPps);
    console.log(row(step, seconds, ' + flood'));
    const { report } = step;
    const othersSent = report.sent - 2 * report.sentPerPhone;
    const othersLost = othersSent - (report.received - report.firstCallReceived);
    console.log(
      `# flood: ${report.floodSent} junk packets (${floodPps}/s) from a stranger at one call's port; ${step.floodDropped} reached the session (the kernel dropped the rest);` +
        ` the flooded call received ${report.firstCallReceived} of ${2 * report.sentPerPhone}; the other ${calls - 1} calls lost ${othersLost} of ${othersSent}`,
    );
  }
}

await main();
process.exit(0);
