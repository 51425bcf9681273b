/**
 * baresip as a test peer: a real softphone, headless, driven over its ctrl_tcp module.
 *
 * Verified with baresip v1.0.0 (Debian 12 packages baresip / baresip-core 1.0.0-4) and
 * these ctrl_tcp commands (module menu.so): dial, accept, hangup, sndcode (DTMF, RFC 4733),
 * uanew, uafind, reginfo, listcalls, quit. Framing: netstrings ("LEN:JSON,") both ways;
 * responses {"response":true,"ok":…,"data":…,"token":…}, events {"event":true,"type":…}.
 * Event types seen: REGISTERING, REGISTER_OK, REGISTER_FAIL, CALL_INCOMING, CALL_RINGING,
 * CALL_PROGRESS, CALL_ESTABLISHED, CALL_CLOSED, CALL_DTMF_START (param = digit),
 * CALL_DTMF_END, CALL_RTPESTAB, CALL_RTCP, CALL_LOCAL_SDP, CALL_REMOTE_SDP.
 * With answermode=auto there is no CALL_INCOMING: the call goes straight to ESTABLISHED.
 *
 * Quirks handled here (see also /work/shared/PEERS.md):
 * - It also listens for TLS on SIP port + 1 (allocateBaresipPort reserves both).
 * - Registration events fire before ctrl_tcp clients connect, so accounts that register
 *   are added later with addAccount (uanew); the startup account never registers.
 * - uanew does not make the new account current; dial uses the current one, so dial()
 *   selects the caller account with uafind first when `from` is given.
 * - Without net_interface, SDP carries the machine's first non-loopback address;
 *   "net_interface lo" fails ("could not get IPv4 address"), an address works.
 * - aufile needs 16-bit PCM; recordings come from sndfile (one -dec.wav per call, named
 *   by the second the call started, so two calls in one second share a file).
 * - menu.so prints a status line every few hundred ms during calls: statmode_default off.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { makeToneWav } from './audio.js';
import { allocateBaresipPort, allocateLoopbackAddress, allocatePort, allocatePortBlock, releasePorts } from './ports.js';
import { terminate, trackPeer } from './processes.js';

export const BARESIP_MODULE_DIR = '/usr/lib/baresip/modules';

export interface BaresipEvent {
  type: string;
  class?: string;
  accountaor?: string;
  direction?: 'incoming' | 'outgoing';
  peeruri?: string;
  id?: string;
  param?: string;
  /** Milliseconds since the peer started, when the harness received it. */
  receivedAtMs: number;
  [key: string]: unknown;
}

export interface BaresipResponse {
  ok: boolean;
  data: string;
}

export interface BaresipOptions {
  /** Name used in diagnostics and as the default account user. Default 'peer'. */
  name?: string;
  /** Address for SIP and RTP (127.0.0.x). Default: a fresh loopback address. */
  address?: string;
  /** SIP port (UDP and TCP; TLS takes port + 1). Default: allocated with its + 1. */
  sipPort?: number;
  /**
   * The account present at start, which receives calls: "<sip:USER@ADDRESS>;regint=0" plus
   * answermode and accountParams. Accounts that register are added later with addAccount.
   */
  user?: string;
  answerMode?: 'manual' | 'auto' | 'early';
  /** Extra account parameters, e.g. "audio_codecs=PCMA". */
  accountParams?: string;
  /** 16-bit PCM wav to send. Default: a generated 440 Hz tone. */
  audioSource?: string;
  /** Write sndfile recordings (what it heard / sent) to recordingsDir. Default true. */
  record?: boolean;
  /** Extra config lines (e.g. "rtp_timeout 10"). */
  extraConfig?: string[];
  /** Milliseconds to wait for ctrl_tcp. Default 5000. */
  startTimeoutMs?: number;
  /** Keep the config directory after stop(). Default: DIALBACK_KEEP_PEER_LOGS=1. */
  keepDir?: boolean;
}

interface Pending {
  resolve: (r: BaresipResponse) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

interface Waiter {
  types: readonly string[];
  predicate: ((e: BaresipEvent) => boolean) | undefined;
  since: number;
  settle: (result: BaresipEvent | Error) => void;
}

const LOG_KEEP = 512 * 1024;

function netstring(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(',')]);
}

export class BaresipPeer {
  readonly name: string;
  readonly address: string;
  readonly sipPort: number;
  readonly ctrlPort: number;
  readonly dir: string;
  readonly recordingsDir: string;
  /** The startup account's address of record, e.g. "sip:b@127.0.0.5". */
  readonly aor: string;
  /** What to dial to reach this peer: "sip:USER@ADDRESS:PORT". */
  readonly uri: string;
  /** Every event received, in order. */
  readonly events: BaresipEvent[] = [];

  private readonly child: ChildProcess;
  private readonly startedAt = Date.now();
  private socket: net.Socket | undefined;
  private buffer = Buffer.alloc(0);
  private nextToken = 1;
  private readonly pending = new Map<string, Pending>();
  private waiters: Waiter[] = [];
  private output = '';
  private readonly keepDir: boolean;
  private readonly releaseOwnPorts: () => void;
  private stopped = false;

  private constructor(init: {
    name: string;
    address: string;
    sipPort: number;
    ctrlPort: number;
    dir: string;
    recordingsDir: string;
    aor: string;
    child: ChildProcess;
    keepDir: boolean;
    releasePorts: () => void;
  }) {
    this.name = init.name;
    this.address = init.address;
    this.sipPort = init.sipPort;
    this.ctrlPort = init.ctrlPort;
    this.dir = init.dir;
    this.recordingsDir = init.recordingsDir;
    this.aor = init.aor;
    this.uri = `${init.aor}:${init.sipPort}`;
    this.child = init.child;
    this.keepDir = init.keepDir;
    this.releaseOwnPorts = init.releasePorts;
    this.child.stdout?.on('data', (d: Buffer) => this.appendOutput(d));
    this.child.stderr?.on('data', (d: Buffer) => this.appendOutput(d));
    // A crash should fail waiting tests at once, not at their timeouts.
    this.child.once('exit', (code, signal) => {
      if (this.stopped) return;
      const waiters = this.waiters;
      this.waiters = [];
      const why = new Error(`baresip ${this.name} exited (${String(code ?? signal)}); output:\n${this.output.slice(-4000)}`);
      for (const w of waiters) w.settle(why);
    });
  }

  /** Writes a config folder, starts baresip and connects to ctrl_tcp. */
  static async start(options: BaresipOptions = {}): Promise<BaresipPeer> {
    const name = options.name ?? 'peer';
    const address = options.address ?? allocateLoopbackAddress();
    const sipPort = options.sipPort ?? (await allocateBaresipPort());
    const ctrlPort = await allocatePort();
    const rtpPorts = await allocatePortBlock({ size: 10 });
    // Ports go back to the pool once baresip has exited (stop()).
    const releaseAll = () => {
      if (options.sipPort === undefined) releasePorts(sipPort, 2);
      releasePorts(ctrlPort);
      releasePorts(rtpPorts, 10);
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dialback-baresip-${name}-`));
    const recordingsDir = path.join(dir, 'recordings');
    fs.mkdirSync(recordingsDir);
    const audioSource = options.audioSource ?? (await makeToneWav(path.join(dir, 'tone.wav'), { seconds: 120 }));
    const record = options.record ?? true;

    const config = [
      'poll_method epoll',
      `sip_listen ${address}:${sipPort}`,
      // SDP address: the loopback address instead of the machine's first interface.
      `net_interface ${address}`,
      `rtp_ports ${rtpPorts}-${rtpPorts + 9}`,
      'call_local_timeout 120',
      'call_max_calls 4',
      `audio_source aufile,${audioSource}`,
      'audio_buffer 20-160',
      'statmode_default off',
      `module_path ${BARESIP_MODULE_DIR}`,
      'module g711.so',
      'module aufile.so',
      ...(record ? ['module sndfile.so', `snd_path ${recordingsDir}`] : []),
      'module_app account.so',
      'module_app menu.so',
      'module_app ctrl_tcp.so',
      `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
      ...(options.extraConfig ?? []),
    ];
    fs.writeFileSync(path.join(dir, 'config'), `${config.join('\n')}\n`);
    const user = options.user ?? name;
    const aor = `sip:${user}@${address}`;
    const params = [`regint=0`, `answermode=${options.answerMode ?? 'manual'}`];
    if (options.accountParams) params.push(options.accountParams.replace(/^;/, ''));
    fs.writeFileSync(path.join(dir, 'accounts'), `<${aor}>;${params.join(';')}\n`);

    const child = spawn('baresip', ['-f', dir], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
    trackPeer(child, `baresip ${name}`);
    const spawnFailed = new Promise<Error>((resolve) => child.once('error', resolve));
    const peer = new BaresipPeer({
      name,
      address,
      sipPort,
      ctrlPort,
      dir,
      recordingsDir,
      aor,
      child,
      keepDir: options.keepDir ?? process.env.DIALBACK_KEEP_PEER_LOGS === '1',
      releasePorts: releaseAll,
    });
    try {
      await Promise.race([
        peer.connect(options.startTimeoutMs ?? 5000),
        spawnFailed.then((err) => {
          throw new Error(`cannot start baresip: ${err.message}`);
        }),
      ]);
    } catch (err) {
      await peer.stop();
      throw new Error(`${(err as Error).message}\nbaresip output:\n${peer.log()}`);
    }
    return peer;
  }

  private appendOutput(d: Buffer): void {
    this.output = (this.output + d.toString()).slice(-LOG_KEEP);
  }

  private async connect(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`baresip ${this.name} exited during start (${String(this.child.exitCode ?? this.child.signalCode)})`);
      }
      try {
        this.socket = await new Promise<net.Socket>((resolve, reject) => {
          const socket = net.connect(this.ctrlPort, '127.0.0.1');
          socket.once('connect', () => resolve(socket));
          socket.once('error', reject);
        });
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`baresip ${this.name}: ctrl_tcp did not come up`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    this.socket.on('data', (d: Buffer) => this.onData(d));
    this.socket.on('error', () => undefined); // 'close' follows; pending commands fail there
    this.socket.on('close', () => {
      for (const [token, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new Error(`baresip ${this.name}: ctrl connection closed`));
        this.pending.delete(token);
      }
    });
  }

  private onData(d: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, d]);
    for (;;) {
      const colon = this.buffer.indexOf(0x3a);
      if (colon < 0) return;
      const length = Number(this.buffer.subarray(0, colon).toString());
      if (!Number.isInteger(length)) {
        this.buffer = Buffer.alloc(0); // unrecoverable framing error; drop
        return;
      }
      if (this.buffer.length < colon + 1 + length + 1) return;
      const payload = this.buffer.subarray(colon + 1, colon + 1 + length).toString('utf8');
      this.buffer = this.buffer.subarray(colon + 1 + length + 1);
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(payload) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (message.event === true) this.onEvent(message);
      else if (message.response === true) {
        const token = String(message.token);
        const p = this.pending.get(token);
        if (p) {
          clearTimeout(p.timer);
          this.pending.delete(token);
          p.resolve({ ok: message.ok === true, data: typeof message.data === 'string' ? message.data : '' });
        }
      }
    }
  }

  private onEvent(message: Record<string, unknown>): void {
    const event = { ...message, type: String(message.type), receivedAtMs: Date.now() - this.startedAt } as BaresipEvent;
    this.events.push(event);
    const index = this.events.length - 1;
    this.waiters = this.waiters.filter((w) => {
      if (index < w.since || !w.types.includes(event.type) || (w.predicate && !w.predicate(event))) return true;
      w.settle(event);
      return false;
    });
  }

  /** Sends a ctrl_tcp command and waits for its response. */
  command(command: string, params = '', timeoutMs = 5000): Promise<BaresipResponse> {
    const socket = this.socket;
    if (!socket || socket.destroyed) return Promise.reject(new Error(`baresip ${this.name}: not connected`));
    const token = String(this.nextToken++);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new Error(`baresip ${this.name}: no response to ${command} ${params}`));
      }, timeoutMs);
      this.pending.set(token, { resolve, reject, timer });
      socket.write(netstring(JSON.stringify({ command, params, token })));
    });
  }

  private async commandOk(command: string, params = ''): Promise<BaresipResponse> {
    const response = await this.command(command, params);
    if (!response.ok) throw new Error(`baresip ${this.name}: ${command} ${params} failed: ${response.data}`);
    return response;
  }

  /** Index of the next event: pass as `since` to wait only for events after this point. */
  eventCursor(): number {
    return this.events.length;
  }

  /**
   * Resolves with the first event of `type` (or of any of several types) matching
   * `predicate` at or after index `since` (default 0: events that already arrived count,
   * so a fast peer cannot beat the wait). Rejects after timeoutMs (default 10 s) listing
   * the events seen, or when the peer is stopped.
   */
  waitForEvent(
    type: string | readonly string[],
    options: { predicate?: (e: BaresipEvent) => boolean; timeoutMs?: number; since?: number } = {},
  ): Promise<BaresipEvent> {
    const types = typeof type === 'string' ? [type] : type;
    const since = options.since ?? 0;
    const matches = (e: BaresipEvent) => types.includes(e.type) && (!options.predicate || options.predicate(e));
    const found = this.events.find((e, i) => i >= since && matches(e));
    if (found) return Promise.resolve(found);
    if (this.stopped) return Promise.reject(new Error(`baresip ${this.name}: stopped`));
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const seen = this.events.slice(since).map((e) => `${e.type}${e.param ? `(${e.param})` : ''}`);
        reject(
          new Error(`baresip ${this.name}: no ${types.join('/')} within ${timeoutMs} ms; events: ${seen.join(', ') || 'none'}`),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        types,
        predicate: options.predicate,
        since,
        settle: (result) => {
          clearTimeout(timer);
          if (result instanceof Error) reject(result);
          else resolve(result);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /**
   * Adds an account with uanew ("<sip:user@host>;auth_pass=…;regint=60"). Unless it has
   * regint=0, waits for REGISTER_OK or REGISTER_FAIL of that account and returns it.
   */
  async addAccount(line: string, options: { timeoutMs?: number } = {}): Promise<BaresipEvent | undefined> {
    const aor = /<([^>;]+)/.exec(line)?.[1];
    if (!aor) throw new Error(`account line without <sip:…>: ${line}`);
    const since = this.eventCursor();
    await this.commandOk('uanew', line);
    if (/;regint=0(;|$)/.test(line)) return undefined;
    return this.waitForEvent(['REGISTER_OK', 'REGISTER_FAIL'], {
      predicate: (e) => e.accountaor === aor,
      since,
      timeoutMs: options.timeoutMs ?? 10_000,
    });
  }

  /** Calls `uri`; from: the AOR of an account added with addAccount (default: current). */
  async dial(uri: string, options: { from?: string } = {}): Promise<void> {
    if (options.from) await this.commandOk('uafind', options.from);
    await this.commandOk('dial', uri);
  }

  /** Answers the ringing incoming call (answermode manual). */
  async answer(): Promise<void> {
    await this.commandOk('accept');
  }

  /** Hangs up the current call. */
  async hangup(): Promise<void> {
    await this.commandOk('hangup');
  }

  /** Sends one DTMF digit (0-9, *, #, A-D) as RFC 4733 telephone-event. */
  async sendDtmf(digit: string): Promise<void> {
    if (!/^[0-9*#A-Da-d]$/.test(digit)) throw new Error(`not a DTMF digit: ${digit}`);
    await this.commandOk('sndcode', digit);
  }

  /** stdout and stderr of baresip (the last 512 KiB). */
  log(): string {
    return this.output;
  }

  /** Recordings in recordingsDir; kind 'dec' = what it heard, 'enc' = what it sent. */
  recordings(kind: 'dec' | 'enc' = 'dec'): string[] {
    try {
      return fs
        .readdirSync(this.recordingsDir)
        .filter((f) => f.endsWith(`-${kind}.wav`))
        .sort()
        .map((f) => path.join(this.recordingsDir, f));
    } catch {
      return [];
    }
  }

  /**
   * Waits until a recording of `kind` exists and has stopped growing (sndfile finalises
   * the file when the call's audio stops, shortly after CALL_CLOSED); returns its path.
   */
  async waitForRecording(kind: 'dec' | 'enc' = 'dec', timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let lastSize = -1;
    for (;;) {
      const file = this.recordings(kind).at(-1);
      if (file) {
        const size = fs.statSync(file).size;
        if (size > 44 && size === lastSize) return file;
        lastSize = size;
      }
      if (Date.now() > deadline) throw new Error(`baresip ${this.name}: no finished ${kind} recording in ${this.recordingsDir}`);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }

  /**
   * quit over ctrl_tcp, SIGKILL if still running after graceMs (default 1000; quitting
   * un-registers accounts and waits for registrars that may already be gone, and SIGTERM
   * does the same), then removes the folder unless kept.
   */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.settle(new Error(`baresip ${this.name}: stopped`));
    if (this.child.exitCode === null && this.child.signalCode === null) {
      if (this.socket && !this.socket.destroyed) {
        // The response may never come when it quits first.
        this.socket.write(netstring(JSON.stringify({ command: 'quit', params: '', token: 'quit' })));
      }
      await terminate(this.child, { graceMs: options.graceMs ?? 1000 });
    }
    this.socket?.destroy();
    this.releaseOwnPorts();
    for (const [token, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error(`baresip ${this.name}: stopped`));
      this.pending.delete(token);
    }
    if (!this.keepDir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts a baresip peer; same as BaresipPeer.start. */
export function startBaresip(options: BaresipOptions = {}): Promise<BaresipPeer> {
  return BaresipPeer.start(options);
}
