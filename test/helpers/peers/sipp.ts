/**
 * SIPp as a test peer: run a scenario to the end (runSipp) or keep one running as a UAS,
 * e.g. a carrier, while the system under test calls it (startSipp).
 *
 * Verified with SIPp v3.6.1-SCTP-PCAP-RTPSTREAM (Debian 12 package sip-tester). Quirks
 * this module works around:
 * - Exit codes: 0 all calls succeeded, 1 some failed, 97 stopped by -timeout or an
 *   internal command, 99 ended with no calls, 255 (-1) fatal, 254 (-2) cannot bind. A
 *   scenario that does not load (unknown [keyword], bad XML) also exits 1, so a 1 without
 *   a statistics file is reported as 'fatal'.
 * - -timeout has whole-second resolution ("700ms" disables it) and is graceful: calls in
 *   progress (e.g. a UDP retransmission timeout, 32 s) still run to their end. Hence the
 *   hard kill after killAfterMs.
 * - SIGUSR1 stops SIPp gracefully with final statistics; SIGINT/SIGTERM exit 0 without
 *   writing the final statistics line.
 * - It binds a control port (-cp, default 8888) and media ports (-mp, default 6000, plus
 *   mp+2) at start; all three are allocated here so parallel instances never collide.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { allocatePort, allocatePortBlock, releasePorts, waitForPortBound } from './ports.js';
import { exited, terminate, trackPeer } from './processes.js';

/** Directory of the project's SIPp scenarios (test/interop/scenarios). */
export const SCENARIO_DIR = fileURLToPath(new URL('../../interop/scenarios/', import.meta.url));

export type SippTransport = 'udp' | 'tcp';

export interface SippOptions {
  /**
   * 'uac' / 'uas' for SIPp's built-in scenarios (-sn), a file name in
   * test/interop/scenarios with or without '.xml' ('uac-basic'), or a path to an XML file.
   */
  scenario: string;
  /** host:port the scenario sends to (UAC); a UAS may leave it out. */
  remote?: string;
  /** -i: local address for sockets, Via, Contact and SDP. Default 127.0.0.1. */
  localIp?: string;
  /** -p: local SIP port. Default: a freshly allocated one. */
  localPort?: number;
  /** -t u1 (UDP, one socket) or t1 (TCP, one connection). Default udp. */
  transport?: SippTransport;
  /** -m: stop after this many calls. */
  calls?: number;
  /** -r: calls per ratePeriodMs (default 1000 ms, -rp). */
  rate?: number;
  ratePeriodMs?: number;
  /** -l: at most this many simultaneous calls. */
  limit?: number;
  /** -s: user part of the Request-URI ([service]). */
  service?: string;
  /** -d: length of <pause/> in scenarios (call hold time), ms. */
  durationMs?: number;
  /** -au / -ap, and the keys auth_user / auth_pass that verifying scenarios read. */
  authUser?: string;
  authPassword?: string;
  /** -key NAME VALUE for [NAME] in the scenario; merged over DEFAULT_KEYS. */
  keys?: Record<string, string | number>;
  /** -set NAME VALUE for scenario variables ([$NAME]). */
  vars?: Record<string, string | number>;
  /** -mi: media address. Default localIp. */
  mediaIp?: string;
  /** -rtp_echo: send received RTP back (a caller can check it hears audio). */
  rtpEcho?: boolean;
  /** -aa: answer unexpected INFO, NOTIFY, OPTIONS and UPDATE with 200. */
  autoAnswer?: boolean;
  /** -timeout: SIPp's own graceful global timeout (rounded up to whole seconds). */
  timeoutMs?: number;
  /** Hard deadline: SIGUSR1, then SIGKILL 2 s later. Default timeoutMs + 10 s, or 120 s. */
  killAfterMs?: number;
  /** -recv_timeout: fail a call that waits this long for a message. */
  recvTimeoutMs?: number;
  /** -trace_msg into the result's `messages`. Default true (it costs little at test rates). */
  traceMessages?: boolean;
  /** Arguments appended verbatim. */
  extraArgs?: string[];
  /**
   * Keep the log directory (its path is in the result). Default: only when the environment
   * sets DIALBACK_KEEP_PEER_LOGS=1; the result carries the logs' text either way.
   */
  keepLogs?: boolean;
}

/**
 * Keys every run passes unless overridden, so shared scenarios load without the caller
 * knowing all their keywords (SIPp refuses to load a scenario with an unknown [keyword];
 * keys a scenario does not use are ignored).
 */
export const DEFAULT_KEYS: Readonly<Record<string, string>> = {
  caller: 'sipp',
  digit: '1',
  expires: '300',
  realm: 'dialback.test',
  auth_user: 'sipp',
  auth_pass: 'secret',
};

export type SippOutcome =
  | 'all-succeeded' // exit 0
  | 'some-failed' // exit 1 with statistics
  | 'internal-exit' // exit 97 (-timeout, stop command)
  | 'no-calls' // exit 99
  | 'fatal' // exit 255, or exit 1 before any statistics (scenario did not load)
  | 'bind-error' // exit 254
  | 'killed' // hard deadline or stop() had to SIGKILL
  | 'unknown';

export interface SippResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  outcome: SippOutcome;
  successfulCalls: number;
  failedCalls: number;
  /** The last row of the -trace_stat CSV (cumulative "(C)" columns are the totals). */
  stats: Record<string, string>;
  /** -trace_msg log: every message sent and received, separated by dashed lines. */
  messages: string;
  /** -trace_err log: unexpected messages, failed check_it assertions, warnings. */
  errors: string;
  stderr: string;
  /** The last part of SIPp's screen output. */
  stdout: string;
  args: string[];
  localIp: string;
  localPort: number;
  /** Where the logs are, when kept. */
  logDir: string | undefined;
}

export interface SippHandle {
  readonly pid: number;
  readonly localIp: string;
  readonly localPort: number;
  readonly transport: SippTransport;
  /** "ip:port", for the system under test to send to. */
  readonly address: string;
  /** Settles when SIPp exits by itself (e.g. after -m calls) or is stopped. */
  readonly done: Promise<SippResult>;
  /** Messages traced so far (the log grows while SIPp runs). */
  messagesSoFar(): string;
  /** Graceful stop (SIGUSR1: no new calls, final statistics), SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<SippResult>;
}

/** Absolute path of a scenario: a name in test/interop/scenarios or a path. */
export function scenarioPath(name: string): string {
  if (name.includes('/')) return path.resolve(name);
  return path.join(SCENARIO_DIR, name.endsWith('.xml') ? name : `${name}.xml`);
}

function parseStatsCsv(text: string): Record<string, string> {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0];
  const last = lines[lines.length - 1];
  if (!header || !last || lines.length < 2) return {};
  const names = header.split(';');
  const values = last.split(';');
  const stats: Record<string, string> = {};
  names.forEach((name, i) => {
    if (name !== '') stats[name] = values[i] ?? '';
  });
  return stats;
}

/** Totals from SIPp's screen dump, when no statistics row was written. */
function parseScreen(text: string): { successful?: number; failed?: number } {
  const last = (label: string): number | undefined => {
    const matches = [...text.matchAll(new RegExp(`${label}\\s*\\|\\s*\\d+\\s*\\|\\s*(\\d+)`, 'g'))];
    const value = matches[matches.length - 1]?.[1];
    return value === undefined ? undefined : Number(value);
  };
  return { successful: last('Successful call'), failed: last('Failed call') };
}

function readIfExists(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function outcomeOf(exitCode: number | null, killed: boolean, hasStats: boolean): SippOutcome {
  if (killed) return 'killed';
  switch (exitCode) {
    case 0:
      return 'all-succeeded';
    case 1:
      return hasStats ? 'some-failed' : 'fatal';
    case 97:
      return 'internal-exit';
    case 99:
      return 'no-calls';
    case 255:
      return 'fatal';
    case 254:
      return 'bind-error';
    default:
      return 'unknown';
  }
}

interface Launch {
  child: ChildProcess;
  args: string[];
  localIp: string;
  localPort: number;
  transport: SippTransport;
  logDir: string;
  files: { messages: string; errors: string; stats: string; screen: string };
  /** Set when we had to SIGKILL. */
  killed: { value: boolean };
  output: { stdout: string; stderr: string };
  result: Promise<SippResult>;
}

const STDOUT_KEEP = 64 * 1024;

async function launch(options: SippOptions): Promise<Launch> {
  const builtIn = options.scenario === 'uac' || options.scenario === 'uas';
  const scenarioFile = builtIn ? undefined : scenarioPath(options.scenario);
  if (scenarioFile !== undefined && !fs.existsSync(scenarioFile)) {
    throw new Error(`SIPp scenario not found: ${scenarioFile}`);
  }
  const localIp = options.localIp ?? '127.0.0.1';
  const localPort = options.localPort ?? (await allocatePort());
  const mediaPort = await allocatePortBlock({ size: 4 }); // -mp binds mp and mp+2
  const controlPort = await allocatePort();
  // Ports go back to the pool once SIPp has exited.
  const releaseAll = () => {
    if (options.localPort === undefined) releasePorts(localPort);
    releasePorts(mediaPort, 4);
    releasePorts(controlPort);
  };
  const transport = options.transport ?? 'udp';
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialback-sipp-'));
  const files = {
    messages: path.join(logDir, 'messages.log'),
    errors: path.join(logDir, 'errors.log'),
    stats: path.join(logDir, 'stats.csv'),
    screen: path.join(logDir, 'screen.log'),
  };

  const args: string[] = [];
  if (scenarioFile === undefined) args.push('-sn', options.scenario);
  else args.push('-sf', scenarioFile);
  if (options.remote) args.push(options.remote);
  args.push('-i', localIp, '-p', String(localPort), '-t', transport === 'tcp' ? 't1' : 'u1');
  args.push('-mi', options.mediaIp ?? localIp, '-mp', String(mediaPort), '-cp', String(controlPort));
  args.push('-nostdin');
  if (options.calls !== undefined) args.push('-m', String(options.calls));
  if (options.rate !== undefined) args.push('-r', String(options.rate));
  if (options.ratePeriodMs !== undefined) args.push('-rp', String(options.ratePeriodMs));
  if (options.limit !== undefined) args.push('-l', String(options.limit));
  if (options.service !== undefined) args.push('-s', options.service);
  if (options.durationMs !== undefined) args.push('-d', String(options.durationMs));
  if (options.authUser !== undefined) args.push('-au', options.authUser);
  if (options.authPassword !== undefined) args.push('-ap', options.authPassword);
  if (options.rtpEcho) args.push('-rtp_echo');
  if (options.autoAnswer) args.push('-aa');
  if (options.timeoutMs !== undefined) {
    args.push('-timeout', `${Math.max(1, Math.ceil(options.timeoutMs / 1000))}s`);
  }
  if (options.recvTimeoutMs !== undefined) args.push('-recv_timeout', String(options.recvTimeoutMs));
  const keys: Record<string, string | number> = { ...DEFAULT_KEYS };
  if (options.authUser !== undefined) keys.auth_user = options.authUser;
  else if (options.service !== undefined) keys.auth_user = options.service; // SIPp's -au default
  if (options.authPassword !== undefined) keys.auth_pass = options.authPassword;
  Object.assign(keys, options.keys);
  for (const [name, value] of Object.entries(keys)) args.push('-key', name, String(value));
  for (const [name, value] of Object.entries(options.vars ?? {})) args.push('-set', name, String(value));
  if (options.traceMessages ?? true) args.push('-trace_msg', '-message_file', files.messages);
  args.push('-trace_err', '-error_file', files.errors);
  args.push('-trace_stat', '-stf', files.stats, '-fd', '1');
  args.push('-trace_screen', '-screen_file', files.screen);
  args.push(...(options.extraArgs ?? []));

  const child = spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: logDir });
  trackPeer(child, `sipp ${options.scenario}`);
  const output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (d: Buffer) => {
    output.stdout = (output.stdout + d.toString()).slice(-STDOUT_KEEP);
  });
  child.stderr?.on('data', (d: Buffer) => (output.stderr += d.toString()));
  const killed = { value: false };
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

  const killAfterMs = options.killAfterMs ?? (options.timeoutMs !== undefined ? options.timeoutMs + 10_000 : 120_000);
  const deadline = setTimeout(() => {
    killed.value = true;
    void terminate(child, { polite: 'SIGUSR1', graceMs: 2000 });
  }, killAfterMs);

  // Without a pid the spawn failed: 'error' follows, 'exit' never does.
  const ended: Promise<Error | undefined> = child.pid === undefined ? spawnError : exited(child).then(() => undefined);
  const result = ended.then(async (err) => {
    clearTimeout(deadline);
    releaseAll();
    if (err) {
      fs.rmSync(logDir, { recursive: true, force: true });
      throw new Error(`cannot start sipp: ${err.message}`);
    }
    // Streams may still hold the last output after 'exit'.
    await new Promise((resolve) => setImmediate(resolve));
    const statsText = readIfExists(files.stats);
    const stats = parseStatsCsv(statsText);
    const hasStats = Object.keys(stats).length > 0;
    const screen = parseScreen(readIfExists(files.screen) + output.stdout);
    const successfulCalls = hasStats ? Number(stats['SuccessfulCall(C)'] ?? 0) : (screen.successful ?? 0);
    const failedCalls = hasStats ? Number(stats['FailedCall(C)'] ?? 0) : (screen.failed ?? 0);
    const outcome = outcomeOf(child.exitCode, killed.value || child.signalCode === 'SIGKILL', hasStats);
    const keep = options.keepLogs ?? process.env.DIALBACK_KEEP_PEER_LOGS === '1';
    const sippResult: SippResult = {
      exitCode: child.exitCode,
      signal: child.signalCode,
      outcome,
      successfulCalls,
      failedCalls,
      stats,
      messages: readIfExists(files.messages),
      errors: readIfExists(files.errors),
      stderr: output.stderr,
      stdout: output.stdout,
      args,
      localIp,
      localPort,
      logDir: keep ? logDir : undefined,
    };
    if (!keep) fs.rmSync(logDir, { recursive: true, force: true });
    return sippResult;
  });

  return { child, args, localIp, localPort, transport, logDir, files, killed, output, result };
}

/** Runs a scenario to its end and reports how the calls went. */
export async function runSipp(options: SippOptions): Promise<SippResult> {
  const { result } = await launch(options);
  return result;
}

/**
 * Starts a scenario and resolves once SIPp listens on its SIP port, leaving it running
 * (typically a UAS: a callee or carrier for the system under test). Always stop() it.
 */
export async function startSipp(options: SippOptions & { readyTimeoutMs?: number }): Promise<SippHandle> {
  const run = await launch(options);
  let finished: string | undefined;
  void run.result.then(
    (r) => (finished = `sipp exited before listening (${r.outcome}): ${r.stderr.trim()}`),
    (err: Error) => (finished = err.message),
  );
  try {
    await waitForPortBound(run.localPort, run.transport, {
      host: run.localIp,
      timeoutMs: options.readyTimeoutMs ?? 5000,
      abort: () => finished,
    });
  } catch (err) {
    await terminate(run.child, { graceMs: 0 });
    await run.result.catch(() => undefined);
    throw err;
  }
  const pid = run.child.pid ?? -1;
  return {
    pid,
    localIp: run.localIp,
    localPort: run.localPort,
    transport: run.transport,
    address: `${run.localIp}:${run.localPort}`,
    done: run.result,
    messagesSoFar: () => readIfExists(run.files.messages),
    async stop(graceMs = 3000) {
      await terminate(run.child, { polite: 'SIGUSR1', graceMs });
      // A SIGKILL from stop() is a normal way to end a UAS that waits for a call.
      return run.result;
    },
  };
}

/** One SIP message from a -trace_msg log. */
export interface TracedMessage {
  direction: 'sent' | 'received';
  transport: string;
  timestamp: string;
  /** Request line or status line. */
  startLine: string;
  method: string | undefined;
  status: number | undefined;
  /** Header values by lower-case name, in order (repeated headers collected). */
  headers: Map<string, string[]>;
  /** Exactly Content-Length bytes. */
  body: string;
  /** Start line, headers, blank line and body as logged. */
  raw: string;
}

/**
 * Splits a -trace_msg log into messages. SIPp writes each as a dashed line with a
 * timestamp, "UDP message sent (N bytes):" or "TCP message received [N] bytes :", a blank
 * line, then the message.
 */
export function parseSippMessages(log: string): TracedMessage[] {
  const out: TracedMessage[] = [];
  const blocks = log.split(/^-{20,} (.*)$/m);
  // split with a capture group: [before, ts1, block1, ts2, block2, ...]
  for (let i = 1; i + 1 < blocks.length; i += 2) {
    const timestamp = (blocks[i] ?? '').trim();
    const block = blocks[i + 1] ?? '';
    const intro = /^\s*(\S+) message (sent|received)[^\n]*\n\n?/.exec(block);
    if (!intro) continue;
    const text = block.slice(intro[0].length);
    const separator = /\r?\n\r?\n/.exec(text);
    const head = separator ? text.slice(0, separator.index) : text.replace(/\s+$/, '');
    const rest = separator ? Buffer.from(text.slice(separator.index + separator[0].length)) : Buffer.alloc(0);
    const lines = head.split(/\r?\n/);
    const startLine = (lines.shift() ?? '').trim();
    const headers = new Map<string, string[]>();
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const list = headers.get(name) ?? [];
      list.push(line.slice(colon + 1).trim());
      headers.set(name, list);
    }
    // The log adds blank lines after each message: Content-Length says where the body ends.
    const length = Number(headers.get('content-length')?.[0] ?? headers.get('l')?.[0] ?? 0);
    const body = rest.subarray(0, Number.isFinite(length) ? length : 0).toString();
    const statusMatch = /^SIP\/2\.0 (\d{3})/.exec(startLine);
    out.push({
      direction: intro[2] === 'sent' ? 'sent' : 'received',
      transport: intro[1] ?? '',
      timestamp,
      startLine,
      method: statusMatch ? undefined : startLine.split(' ')[0],
      status: statusMatch?.[1] ? Number(statusMatch[1]) : undefined,
      headers,
      body,
      raw: `${head}\r\n\r\n${body}`,
    });
  }
  return out;
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

/** Parameters of a Digest challenge or credentials header value. */
export function parseDigestParams(value: string): Record<string, string> {
  const params: Record<string, string> = {};
  const body = value.replace(/^\s*Digest\s+/i, '');
  for (const m of body.matchAll(/([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    const key = m[1];
    if (key) params[key.toLowerCase()] = m[2] ?? m[3] ?? '';
  }
  return params;
}

/**
 * Checks an Authorization / Proxy-Authorization Digest value (RFC 2617 / 3261, MD5, with
 * or without qop=auth) against a password. SIPp's verifyauth cannot check
 * Proxy-Authorization, so scenarios that challenge with 407 leave this to the test.
 */
export function verifyDigestAuthorization(
  headerValue: string,
  options: { method: string; password: string; username?: string; realm?: string },
): boolean {
  const p = parseDigestParams(headerValue);
  if (!p.username || !p.realm || !p.nonce || !p.uri || !p.response) return false;
  if (options.username !== undefined && p.username !== options.username) return false;
  if (options.realm !== undefined && p.realm !== options.realm) return false;
  if (p.algorithm && p.algorithm.toUpperCase() !== 'MD5') return false;
  const ha1 = md5(`${p.username}:${p.realm}:${options.password}`);
  const ha2 = md5(`${options.method}:${p.uri}`);
  const expected = p.qop
    ? md5(`${ha1}:${p.nonce}:${p.nc ?? ''}:${p.cnonce ?? ''}:${p.qop}:${ha2}`)
    : md5(`${ha1}:${p.nonce}:${ha2}`);
  return expected === p.response.toLowerCase();
}

/** A one-paragraph description of a result, for assertion messages. */
export function describeSippResult(result: SippResult): string {
  return [
    `sipp ${result.args.join(' ')}`,
    `exit ${String(result.exitCode)}${result.signal ? ` (${result.signal})` : ''}: ${result.outcome},` +
      ` ${result.successfulCalls} succeeded, ${result.failedCalls} failed`,
    result.logDir ? `logs in ${result.logDir}` : '',
    result.stderr.trim() ? `stderr:\n${result.stderr.trim().slice(-4000)}` : '',
    result.errors.trim() ? `errors:\n${result.errors.trim().slice(-4000)}` : '',
  ]
    .filter((s) => s !== '')
    .join('\n');
}
