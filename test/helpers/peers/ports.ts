/**
 * Ports and loopback addresses for interop tests.
 *
 * A port is handed out only when it binds for both UDP and TCP (SIP peers listen on both)
 * and a lock file under the OS temp dir is ours: Vitest runs files in parallel worker
 * processes, and a bind probe alone cannot stop two workers picking the same port between
 * the probe and the peer's own bind. Locks are freed when this process exits; locks of dead
 * processes are taken over.
 *
 * Ports come from 20000-29999, below Linux's ephemeral range (32768+) so outgoing sockets
 * of unrelated programs do not grab them between allocation and use.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isAlive, onProcessExit } from './processes.js';

const LOCK_DIR = path.join(os.tmpdir(), 'dialback-test-ports');
const RANGE_START = 20000;
const RANGE_END = 29999;
const PROBE_HOSTS = ['127.0.0.1', '0.0.0.0'];

const held = new Set<number>();
let exitHookInstalled = false;


/**
 * A lock is stale when its owner is dead. An empty file is a lock being written right now
 * (create and write are two steps), unless it has been empty for a while.
 */
function lockIsStale(file: string): boolean {
  const text = fs.readFileSync(file, 'utf8').trim();
  const owner = Number(text);
  if (text === '' || !Number.isInteger(owner) || owner <= 0) {
    return Date.now() - fs.statSync(file).mtimeMs > 10_000;
  }
  return !isAlive(owner);
}

function lockPath(port: number): string {
  return path.join(LOCK_DIR, String(port));
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  onProcessExit(() => {
    for (const port of held) fs.rmSync(lockPath(port), { force: true });
  });
  sweepStaleLocks();
}

/** Removes locks whose owner process is gone (a run killed before it could clean up). */
function sweepStaleLocks(): void {
  let files: string[];
  try {
    files = fs.readdirSync(LOCK_DIR);
  } catch {
    return;
  }
  for (const file of files) {
    try {
      if (lockIsStale(path.join(LOCK_DIR, file))) fs.rmSync(path.join(LOCK_DIR, file), { force: true });
    } catch {
      // Raced with its owner or another sweeper.
    }
  }
}

/** Takes the cross-process lock for one port; false when another live process has it. */
function tryLock(port: number): boolean {
  if (held.has(port)) return false;
  fs.mkdirSync(LOCK_DIR, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath(port), String(process.pid), { flag: 'wx' });
      held.add(port);
      installExitHook();
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (!lockIsStale(lockPath(port))) return false;
      // Stale lock of a dead process: remove and retry once.
      fs.rmSync(lockPath(port), { force: true });
    }
  }
  return false;
}

function unlock(port: number): void {
  if (!held.delete(port)) return;
  fs.rmSync(lockPath(port), { force: true });
}

function probeTcp(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function probeUdp(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ port, address: host, exclusive: true }, () => socket.close(() => resolve(true)));
  });
}

/** True when nothing on this machine holds the port for UDP or TCP (any local address). */
export async function isPortFree(port: number): Promise<boolean> {
  for (const host of PROBE_HOSTS) {
    if (!(await probeTcp(port, host))) return false;
    if (!(await probeUdp(port, host))) return false;
  }
  return true;
}

export interface PortBlockOptions {
  /** Number of consecutive ports, all free and all reserved. Default 1. */
  size?: number;
  /** Tries before giving up. Default 200. */
  attempts?: number;
}

/**
 * Reserves `size` consecutive ports that are free for UDP and TCP and returns the first.
 * None of them is handed out again in this run (across Vitest workers too) until released.
 */
export async function allocatePortBlock(options: PortBlockOptions = {}): Promise<number> {
  const size = options.size ?? 1;
  const attempts = options.attempts ?? 200;
  for (let i = 0; i < attempts; i++) {
    const first = RANGE_START + Math.floor(Math.random() * (RANGE_END - RANGE_START - size));
    const locked: number[] = [];
    let ok = true;
    for (let port = first; port < first + size; port++) {
      if (!tryLock(port)) {
        ok = false;
        break;
      }
      locked.push(port);
    }
    if (ok) {
      for (const port of locked) {
        if (!(await isPortFree(port))) {
          ok = false;
          break;
        }
      }
    }
    if (ok) return first;
    for (const port of locked) unlock(port);
  }
  throw new Error(`no block of ${size} free ports found in ${RANGE_START}-${RANGE_END}`);
}

/** Reserves one port free for UDP and TCP. */
export function allocatePort(): Promise<number> {
  return allocatePortBlock({ size: 1 });
}

/**
 * Reserves a SIP port for baresip together with port + 1, where baresip also listens
 * (SIP over TLS) whether or not TLS is used; port + 1 is never handed to anything else.
 */
export function allocateBaresipPort(): Promise<number> {
  return allocatePortBlock({ size: 2 });
}

/** Gives reserved ports back (e.g. in a long-lived process); a no-op for ports not held. */
export function releasePorts(first: number, size = 1): void {
  for (let port = first; port < first + size; port++) unlock(port);
}

/** Ports this process holds, for diagnostics. */
export function reservedPorts(): number[] {
  return [...held].sort((a, b) => a - b);
}

// Each Vitest worker starts at a different offset so parallel files rarely share addresses.
let nextLoopback = (Number(process.env.VITEST_POOL_ID ?? process.pid) * 41) % 253;

/**
 * A loopback address 127.0.0.x (x in 2..254) for a peer that needs its own source
 * address (per-address limits, bans). Distinct on each call until all 253 have been used.
 * Linux routes all of 127.0.0.0/8 to lo, so no setup is needed.
 */
export function allocateLoopbackAddress(): string {
  const x = 2 + (nextLoopback % 253);
  nextLoopback++;
  return `127.0.0.${x}`;
}

/** `count` distinct loopback addresses. */
export function allocateLoopbackAddresses(count: number): string[] {
  if (count > 253) throw new Error('only 253 loopback addresses 127.0.0.2-254 are available');
  return Array.from({ length: count }, () => allocateLoopbackAddress());
}

function hexToIpv4(hex: string): string {
  // /proc/net stores IPv4 addresses as little-endian hex on x86 and arm.
  const n = Number.parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join('.');
}

/**
 * True when some process has bound `port` (UDP) or listens on it (TCP), on `host` or on
 * the wildcard address. Reads /proc/net instead of probing so it never races the owner.
 */
export function isPortBound(port: number, protocol: 'udp' | 'tcp', host?: string): boolean {
  let table: string;
  try {
    table = fs.readFileSync(`/proc/net/${protocol}`, 'utf8');
  } catch {
    return false;
  }
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    const state = fields[3];
    if (!local || !state) continue;
    const [ipHex, portHex] = local.split(':');
    if (!ipHex || !portHex || Number.parseInt(portHex, 16) !== port) continue;
    if (protocol === 'tcp' && state !== '0A') continue; // 0A = LISTEN
    const ip = hexToIpv4(ipHex);
    if (host === undefined || ip === host || ip === '0.0.0.0') return true;
  }
  return false;
}

/** Waits until isPortBound holds, polling every 20 ms; throws after timeoutMs. */
export async function waitForPortBound(
  port: number,
  protocol: 'udp' | 'tcp',
  options: { host?: string; timeoutMs?: number; abort?: () => string | undefined } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  for (;;) {
    if (isPortBound(port, protocol, options.host)) return;
    const aborted = options.abort?.();
    if (aborted !== undefined) throw new Error(aborted);
    if (Date.now() > deadline) {
      throw new Error(`nothing bound ${protocol} port ${options.host ?? '*'}:${port} in time`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
