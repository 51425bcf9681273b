/**
 * Media relay benchmark: `npm run bench:media` (a script that prints figures, not a test).
 *
 * For N calls, Dialback holds two RTP sessions per call and bridges them (the relay of a
 * connected callback call). A child process plays both phones of every call: each phone
 * sends 20 ms G.711 packets and receives what the other phone sent, through Dialback.
 * For each load step the phones report packets lost (of those sent into the relay) and
 * the interarrival jitter the relay added (RFC 3550 estimator, in ms).
 *
 * Options (environment): BENCH_CALLS="100,250,500,750,1000" BENCH_STEP_SECONDS=5
 */
import { createSocket, type Socket } from 'node:dgram';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MediaBridge } from '../src/media/bridge.js';
import { RtpPortPool } from '../src/media/ports.js';
import { RtpSession } from '../src/media/rtp-session.js';

interface StepRequest {
  legs: { ours: number; theirs: number }[][];
  seconds: number;
}

interface StepReport {
  sent: number;
  received: number;
  jitterMs: number;
}

const PACKET = 172;

function phones(): void {
  process.on('message', (request: StepRequest) => {
    void runPhones(request).then((report) => process.send?.(report));
  });
}

/** Both phones of every call: send 50 packets/s each, measure what comes back through the relay. */
async function runPhones({ legs, seconds }: StepRequest): Promise<StepReport> {
  const sockets: { socket: Socket; target: number; seq: number; ts: number; lastTransit: number | null; jitter: number }[] = [];
  let received = 0;
  for (const call of legs) {
    for (const leg of call) {
      const socket = createSocket('udp4');
      await new Promise<void>((resolve) => socket.bind(leg.theirs, '127.0.0.1', resolve));
      const state = { socket, target: leg.ours, seq: 0, ts: 0, lastTransit: null as number | null, jitter: 0 };
      socket.on('message', (packet) => {
        received++;
        // RFC 3550 A.8 on our send time stamped in the payload: D = arrival difference - send difference.
        const sentAt = packet.readDoubleBE(12);
        const transit = performance.now() - sentAt;
        if (state.lastTransit !== null) state.jitter += (Math.abs(transit - state.lastTransit) - state.jitter) / 16;
        state.lastTransit = transit;
      });
      sockets.push(state);
    }
  }
  let sent = 0;
  const start = performance.now();
  const packet = Buffer.alloc(PACKET);
  await new Promise<void>((resolve) => {
    let tick = 0;
    const total = seconds * 50;
    const timer = setInterval(() => {
      // Each tick sends the packets due by now, so a late tick catches up instead of drifting.
      const due = Math.min(total, Math.floor((performance.now() - start) / 20) + 1);
      for (; tick < due; tick++) {
        for (const state of sockets) {
          packet[0] = 0x80;
          packet[1] = 0;
          packet.writeUInt16BE(state.seq++ & 0xffff, 2);
          packet.writeUInt32BE((state.ts += 160) >>> 0, 4);
          packet.writeUInt32BE(0x1234, 8);
          packet.writeDoubleBE(performance.now(), 12);
          state.socket.send(Buffer.from(packet), state.target, '127.0.0.1');
          sent++;
        }
      }
      if (tick >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const jitterMs = sockets.reduce((sum, s) => sum + s.jitter, 0) / Math.max(1, sockets.length);
  for (const state of sockets) state.socket.close();
  return { sent, received, jitterMs };
}

async function main(): Promise<void> {
  const steps = (process.env.BENCH_CALLS ?? '100,250,500,750,1000').split(',').map(Number);
  const seconds = Number(process.env.BENCH_STEP_SECONDS ?? 5);
  // The phones run in their own process (the other core), loading this file with tsx.
  const child = fork(fileURLToPath(import.meta.url), ['--phones'], { execArgv: ['--import', 'tsx'] });
  const ask = (request: StepRequest) =>
    new Promise<StepReport>((resolve) => {
      child.once('message', (report) => resolve(report as StepReport));
      child.send(request);
    });
  const ours = new RtpPortPool({ first: 32000, last: 39999 }, '127.0.0.1');
  console.log(`# media relay benchmark, node ${process.version}: phones in a child process, Dialback relay in this one`);
  console.log('calls  streams  packets/s  lost      loss %   jitter (ms)');
  let phonePort = 42000;
  for (const calls of steps) {
    const legs: { ours: number; theirs: number }[][] = [];
    const sessions: RtpSession[] = [];
    const bridges: MediaBridge[] = [];
    for (let i = 0; i < calls; i++) {
      const [a, b] = [await ours.allocate(), await ours.allocate()];
      const [pa, pb] = [phonePort, phonePort + 2];
      phonePort += 4;
      const codec = { name: 'PCMU' as const, payloadType: 0 };
      const sa = new RtpSession(a, { codec, telephoneEvent: null, remote: { address: '127.0.0.1', port: pa, rtcpPort: pa + 1 } });
      const sb = new RtpSession(b, { codec, telephoneEvent: null, remote: { address: '127.0.0.1', port: pb, rtcpPort: pb + 1 } });
      sessions.push(sa, sb);
      bridges.push(new MediaBridge(sa, sb));
      legs.push([
        { ours: a.port, theirs: pa },
        { ours: b.port, theirs: pb },
      ]);
    }
    const report = await ask({ legs, seconds });
    const lost = report.sent - report.received;
    console.log(
      `${String(calls).padEnd(6)} ${String(calls * 2).padEnd(8)} ${String(Math.round(report.sent / seconds)).padEnd(10)} ${String(lost).padEnd(9)} ${((100 * lost) / Math.max(1, report.sent)).toFixed(3).padEnd(8)} ${report.jitterMs.toFixed(2)}`,
    );
    for (const bridge of bridges) bridge.stop();
    for (const session of sessions) session.close();
    if (phonePort > 60000) phonePort = 42000;
  }
  child.kill();
}

if (process.argv.includes('--phones')) {
  phones();
} else {
  await main();
  process.exit(0);
}
