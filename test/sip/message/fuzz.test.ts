/**
 * Robustness of the parser against random and mutated input. For every input parseMessage either
 * returns a message or throws SipParseError — nothing else, quickly, without retaining memory —
 * and whatever it accepts survives the typed accessors and a serialize/parse round trip.
 * Seeds: fixtures/corpus/*.sip plus the RFC 4475 fixtures. Set FUZZ_SEED to replay a failure.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_MESSAGE_BYTES,
  SipParseError,
  callId,
  contacts,
  contentType,
  cseq,
  expires,
  formatUri,
  fromHeader,
  maxForwards,
  parseMessage,
  routes,
  serializeMessage,
  toHeader,
  vias,
  type SipMessage,
} from '../../../src/sip/message/index.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

function readSeeds(dir: string): Buffer[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sip'))
    .sort()
    .map((f) => readFileSync(join(dir, f)));
}

const SEEDS = [...readSeeds(join(FIXTURES, 'corpus')), ...readSeeds(join(FIXTURES, 'rfc4475'))];

/** Characters that matter to the grammar, so mutations hit the interesting branches. */
const SPECIAL = Buffer.from(':;,"<>%\\[]@?=& \t\r\n/.0');

type Mutation =
  | { op: 'flip'; at: number; byte: number }
  | { op: 'special'; at: number; which: number }
  | { op: 'truncate'; at: number }
  | { op: 'dupLine'; line: number }
  | { op: 'dropLine'; line: number }
  | { op: 'swapLines'; a: number; b: number }
  | { op: 'hugeHeader'; size: number; byte: number }
  | { op: 'contentLength'; value: string }
  | { op: 'insert'; at: number; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('special' as const), at: fc.nat(), which: fc.nat(SPECIAL.length - 1) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('dupLine' as const), line: fc.nat(60) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('dropLine' as const), line: fc.nat(60) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('swapLines' as const), a: fc.nat(60), b: fc.nat(60) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('hugeHeader' as const),
      size: fc.oneof(fc.integer({ min: 1, max: 4000 }), fc.integer({ min: 60_000, max: 70_000 })),
      byte: fc.constantFrom(0x61, 0x2c, 0x3b, 0x22, 0x3c, 0x25, 0x20),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('contentLength' as const),
      value: fc.oneof(
        fc.integer({ min: -5, max: 2000 }).map(String),
        fc.constantFrom('', ' ', '1e3', '0x10', '99999999999999999999', '00000000000000000000001', '+1', '1 2'),
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }) },
);

function splitLines(data: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, start)) {
    lines.push(data.subarray(start, i + 1));
    start = i + 1;
  }
  if (start < data.length) lines.push(data.subarray(start));
  return lines;
}

function mutate(seed: Buffer, mutations: Mutation[]): Buffer {
  let data = Buffer.from(seed);
  for (const m of mutations) {
    const len = Math.max(data.length, 1);
    switch (m.op) {
      case 'flip':
        if (data.length > 0) data[m.at % data.length] = m.byte;
        break;
      case 'special':
        if (data.length > 0) data[m.at % data.length] = SPECIAL[m.which] ?? 0x3a;
        break;
      case 'truncate':
        data = data.subarray(0, m.at % len);
        break;
      case 'insert': {
        const at = m.at % len;
        data = Buffer.concat([data.subarray(0, at), Buffer.from(m.bytes), data.subarray(at)]);
        break;
      }
      case 'dupLine':
      case 'dropLine':
      case 'swapLines': {
        const lines = splitLines(data);
        if (lines.length === 0) break;
        if (m.op === 'dupLine') {
          const i = m.line % lines.length;
          lines.splice(i, 0, lines[i] ?? Buffer.alloc(0));
        } else if (m.op === 'dropLine') {
          lines.splice(m.line % lines.length, 1);
        } else {
          const a = m.a % lines.length;
          const b = m.b % lines.length;
          const tmp = lines[a] ?? Buffer.alloc(0);
          lines[a] = lines[b] ?? Buffer.alloc(0);
          lines[b] = tmp;
        }
        data = Buffer.concat(lines);
        break;
      }
      case 'hugeHeader': {
        const first = data.indexOf(10);
        const at = first < 0 ? data.length : first + 1;
        const header = Buffer.concat([Buffer.from('X-Huge: '), Buffer.alloc(m.size, m.byte), Buffer.from('\r\n')]);
        data = Buffer.concat([data.subarray(0, at), header, data.subarray(at)]);
        break;
      }
      case 'contentLength': {
        const text = data.toString('latin1');
        const replaced = text.replace(/^(Content-Length|l)[ \t]*:[^\r\n]*/im, `Content-Length: ${m.value}`);
        data = Buffer.from(replaced === text ? text.replace(/\r?\n/, `\r\nContent-Length: ${m.value}\r\n`) : replaced, 'latin1');
        break;
      }
    }
  }
  return data;
}

/** A SIP-looking message built from grammar fragments, to reach deep into header parsing. */
const fragment = fc.constantFrom(
  'sip:', 'sips:', 'tel:', 'mailto:', 'alice', 'Alice', '@', 'example.com', '[2001:db8::1]', '[::', ':5060', ':99999',
  ';', ';tag=', ';branch=z9hG4bK', ';lr', ';transport=tcp', '?', 'Subject=hi', '&', '=', ',', '<', '>', '"', '\\', '\\"',
  ' ', '\t', '%', '%41', '%00', '%4', 'SIP/2.0/UDP ', 'SIP/2.0', 'INVITE', '1', '0', '4294967296', '-', '*', 'é', '\u0000',
);
// Mostly headers parsed on demand, so that garbage reaches the accessors instead of being refused.
const headerName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('Contact', 'm', 'Route', 'Record-Route', 'Expires', 'Content-Type', 'c', 'Supported', 'X-Custom', 'WWW-Authenticate') },
  { weight: 1, arbitrary: fc.constantFrom('Via', 'v', 'From', 'f', 'To', 't', 'Call-ID', 'i', 'CSeq', 'Max-Forwards', 'Content-Length', 'l') },
);
const startLine = fc.oneof(
  fc.constantFrom('INVITE sip:b@example.com SIP/2.0', 'SIP/2.0 200 OK', 'SIP/2.0 100 ', 'INVITE sips:[::1]:5061;lr SIP/2.0'),
  fc.tuple(fc.constantFrom('INVITE', 'ACK', 'OPTIONS', 'REGISTER', 'BYE', 'X'), fc.array(fragment, { maxLength: 8 })).map(
    ([method, uri]) => `${method} sip:${uri.join('')}@example.com SIP/2.0`,
  ),
  fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.array(fragment, { maxLength: 4 })).map(([code, reason]) => `SIP/2.0 ${code} ${reason.join('')}`),
  fc.array(fragment, { maxLength: 10 }).map((parts) => parts.join('')),
);
const structured = fc
  .tuple(
    startLine,
    fc.array(fc.tuple(headerName, fc.array(fragment, { maxLength: 12 })), { maxLength: 12 }),
    fc.constantFrom('\r\n', '\n'),
    fc.string({ maxLength: 40 }),
  )
  .map(([line, headers, eol, body]) => {
    const base = [
      'Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1',
      'From: <sip:a@example.com>;tag=1',
      'To: <sip:b@example.com>',
      'Call-ID: fuzz@h',
      'CSeq: 1 INVITE',
    ];
    const fuzzed = headers.map(([name, parts]) => `${name}: ${parts.join('')}`);
    return Buffer.from([line, ...base, ...fuzzed].join(eol) + eol + eol + body);
  });

const input = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...SEEDS), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([s, ms]) => mutate(s, ms)) },
  { weight: 3, arbitrary: structured },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)) },
);

/** Everything a layer above might read; each read may only fail with SipParseError. */
function readAll(m: SipMessage): void {
  const reads = [
    () => vias(m), () => fromHeader(m), () => toHeader(m), () => callId(m), () => cseq(m), () => contacts(m),
    () => routes(m, 'Route'), () => routes(m, 'Record-Route'), () => maxForwards(m), () => expires(m), () => contentType(m),
  ];
  for (const read of reads) {
    try {
      read();
    } catch (err) {
      if (!(err instanceof SipParseError)) throw err;
    }
  }
}

function comparable(m: SipMessage): unknown {
  return {
    start: m.kind === 'request' ? [m.method, formatUri(m.uri)] : [m.status, m.reason],
    headers: m.headers.filter((h) => h.name !== 'Content-Length'),
    body: m.body.toString('base64'),
  };
}

const RUNS = 100_000;
const BATCH = 10_000;
const MAX_HEAP_GROWTH = 50 * 1024 * 1024;

describe('parser fuzzing', () => {
  it(`survives ${RUNS} random and mutated messages`, { timeout: 120_000 }, () => {
    const seed = process.env.FUZZ_SEED === undefined ? Date.now() : Number(process.env.FUZZ_SEED);
    let accepted = 0;
    let refused = 0;
    let slowest = 0;
    const heap: number[] = [];
    for (let done = 0; done < RUNS; done += BATCH) {
      fc.assert(
        fc.property(input, (data) => {
          const t0 = performance.now();
          let m: SipMessage | null = null;
          try {
            m = parseMessage(data);
          } catch (err) {
            if (!(err instanceof SipParseError)) throw err;
            expect([400, 413, 416, 505]).toContain(err.status);
            expect(err.reason).not.toMatch(/[\r\n]/);
            refused++;
          }
          if (m !== null) {
            accepted++;
            readAll(m);
            const wire = serializeMessage(m);
            if (wire.length <= MAX_MESSAGE_BYTES) expect(comparable(parseMessage(wire))).toEqual(comparable(m));
          }
          slowest = Math.max(slowest, performance.now() - t0);
        }),
        { numRuns: BATCH, seed: seed + done, endOnFailure: true },
      );
      heap.push(process.memoryUsage().heapUsed);
    }
    // No single input may take long (a hang or a quadratic blow-up would show here).
    expect(slowest).toBeLessThan(1000);
    expect(accepted).toBeGreaterThan(1000);
    expect(refused).toBeGreaterThan(1000);
    // Without --expose-gc, compare the lowest readings early and late: garbage comes and goes,
    // retained memory would only grow.
    if (process.env.FUZZ_VERBOSE) console.log({ accepted, refused, slowest, heap: heap.map((h) => Math.round(h / 1e6)) });
    const early = Math.min(...heap.slice(0, 3));
    const late = Math.min(...heap.slice(-3));
    expect(late - early).toBeLessThan(MAX_HEAP_GROWTH);
  });
});
