/**
 * Bookkeeping for the peer processes (SIPp, baresip) that tests start, so none outlives
 * its test run: every child is tracked, killed on process exit, and recorded in a pid file
 * so a later run can reap the children of a run that was killed too hard to clean up.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const PID_DIR = path.join(os.tmpdir(), 'dialback-test-peers');

interface PidRecord {
  pid: number;
  owner: number;
  command: string;
}

const live = new Map<number, { child: ChildProcess; name: string }>();
let exitHookInstalled = false;

/** True when a process with this pid exists (ours to signal or not). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive but not ours to signal.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function commandOf(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * Kills peers left by earlier runs whose owning test process is gone. Only processes
 * recorded in our pid files, still running the recorded command, are touched.
 */
export function reapOrphanedPeers(): number {
  let reaped = 0;
  let files: string[];
  try {
    files = fs.readdirSync(PID_DIR);
  } catch {
    return 0;
  }
  for (const file of files) {
    const full = path.join(PID_DIR, file);
    let record: PidRecord;
    try {
      record = JSON.parse(fs.readFileSync(full, 'utf8')) as PidRecord;
    } catch {
      continue;
    }
    if (isAlive(record.owner)) continue;
    if (isAlive(record.pid) && commandOf(record.pid) === record.command) {
      try {
        process.kill(record.pid, 'SIGKILL');
        reaped++;
      } catch {
        // Already gone.
      }
    }
    fs.rmSync(full, { force: true });
  }
  return reaped;
}

const exitCallbacks: (() => void)[] = [];
let signalsHooked = false;

/**
 * Runs `callback` (synchronous) when this process ends: on 'exit' and on SIGTERM / SIGINT /
 * SIGHUP, which otherwise kill Node without 'exit' handlers. Vitest ends its fork workers
 * with SIGTERM, so without this, peers and port locks of a worker would outlive it. After
 * the callbacks, the signal is re-raised when nobody else listens for it, so the process
 * still dies the way the sender meant.
 */
export function onProcessExit(callback: () => void): void {
  exitCallbacks.push(callback);
  if (signalsHooked) return;
  signalsHooked = true;
  let ran = false;
  const runAll = () => {
    if (ran) return;
    ran = true;
    for (const cb of exitCallbacks) {
      try {
        cb();
      } catch {
        // Best effort: the process is going away.
      }
    }
  };
  process.on('exit', runAll);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    const handler = () => {
      runAll();
      process.off(signal, handler);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, handler);
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Exit callbacks must be synchronous: SIGKILL is, and cannot be ignored.
  onProcessExit(() => killAllPeers());
  reapOrphanedPeers();
}

/** Registers a freshly spawned peer process; it is forgotten once it exits. */
export function trackPeer(child: ChildProcess, name: string): void {
  installExitHook();
  const pid = child.pid;
  if (pid === undefined) return;
  live.set(pid, { child, name });
  const pidFile = path.join(PID_DIR, `${pid}.json`);
  try {
    fs.mkdirSync(PID_DIR, { recursive: true });
    const command = commandOf(pid) ?? path.basename(child.spawnfile);
    const record: PidRecord = { pid, owner: process.pid, command };
    fs.writeFileSync(pidFile, JSON.stringify(record));
  } catch {
    // The pid file is only a safety net for crashed runs.
  }
  child.once('exit', () => {
    live.delete(pid);
    fs.rmSync(pidFile, { force: true });
  });
}

/** Peers of this process that are still running (name and pid), for diagnostics. */
export function livePeers(): { pid: number; name: string }[] {
  return [...live.entries()].map(([pid, { name }]) => ({ pid, name }));
}

/** Kills every tracked peer of this process at once. Used on exit; tests call stop(). */
export function killAllPeers(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const [pid, { child }] of live) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(pid, signal);
      } catch {
        // Already gone.
      }
    }
    if (signal === 'SIGKILL') {
      live.delete(pid);
      fs.rmSync(path.join(PID_DIR, `${pid}.json`), { force: true });
    }
  }
}

/** Resolves when the child has exited (immediately if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  // No pid: spawn failed ('error', never 'exit').
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Stops a child politely and then firmly: `signal` (or nothing when `polite` is
 * undefined), wait up to graceMs, then SIGKILL. Resolves once it has exited.
 */
export async function terminate(
  child: ChildProcess,
  options: { polite?: NodeJS.Signals; graceMs?: number } = {},
): Promise<void> {
  const done = exited(child);
  if (child.exitCode !== null || child.signalCode !== null) return done;
  if (options.polite) child.kill(options.polite);
  const grace = options.graceMs ?? 2000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), grace);
  });
  const outcome = await Promise.race([done.then(() => 'exited' as const), timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    child.kill('SIGKILL');
    await done;
  }
}

/** Absolute path of an executable on PATH, or undefined. */
export function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}
