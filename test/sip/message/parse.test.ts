import { describe, expect, it } from 'vitest';
import {
  MAX_MESSAGE_BYTES,
  SipParseError,
  callId,
  contacts,
  cseq,
  fromHeader,
  getHeader,
  getHeaders,
  parseMessage,
  toHeader,
  topVia,
  vias,
  type SipRequest,
} from '../../../src/sip/message/index.js';

const BASE = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.atlanta.example.com>',
];

function msg(lines: string[], body = '', eol = '\r\n'): Buffer {
  return Buffer.from(lines.join(eol) + eol + eol + body);
}

function refusal(data: Buffer): SipParseError {
  try {
    parseMessage(data);
  } catch (err) {
    if (err instanceof SipParseError) return err;
    throw err;
  }
  throw new Error('accepted');
}

function request(data: Buffer): SipRequest {
  const m = parseMessage(data);
  if (m.kind !== 'request') throw new Error('not a request');
  return m;
}

describe('parseMessage: framing', () => {
  it('parses a plain request and takes exactly Content-Length octets as body', () => {
    const m = request(msg([...BASE, 'Content-Length: 4'], 'abcdEXTRA'));
    expect(m.method).toBe('INVITE');
    expect(m.uri.user).toBe('bob');
    expect(m.body.toString()).toBe('abcd');
  });

  it('takes the rest of the datagram as body when Content-Length is absent', () => {
    expect(request(msg(BASE, 'v=0\r\n')).body.toString()).toBe('v=0\r\n');
  });

  it('accepts bare LF line ends, alone or mixed with CRLF', () => {
    const m = request(msg([...BASE, 'Content-Length: 3'], 'xyz', '\n'));
    expect(m.body.toString()).toBe('xyz');
    expect(callId(m)).toBe('a84b4c76e66710@pc33.atlanta.example.com');
    const mixed = Buffer.from(BASE.join('\n') + '\r\nContent-Length: 0\n\r\n');
    expect(request(mixed).headers.length).toBe(BASE.length);
  });

  it('ignores CRLFs before the start line (RFC 3261 §7.5)', () => {
    expect(request(Buffer.concat([Buffer.from('\r\n\r\n'), msg([...BASE, 'Content-Length: 0'])])).method).toBe('INVITE');
  });

  it('tolerates a datagram that ends right after the last header line', () => {
    expect(request(Buffer.from(BASE.join('\r\n') + '\r\n')).body.length).toBe(0);
  });

  it('copies the body so the input buffer can be reused', () => {
    const data = msg([...BASE, 'Content-Length: 2'], 'ok');
    const m = request(data);
    data.fill(0);
    expect(m.body.toString()).toBe('ok');
  });

  it('refuses a Content-Length larger than the message, negative or non-numeric', () => {
    expect(refusal(msg([...BASE, 'Content-Length: 5'], 'abc')).reason).toBe('Content-Length larger than message');
    expect(refusal(msg([...BASE, 'Content-Length: 99999999999999999999999'], 'abc')).reason).toBe('Content-Length larger than message');
    expect(refusal(msg([...BASE, 'Content-Length: -1'], 'abc')).reason).toBe('Invalid Content-Length');
    expect(refusal(msg([...BASE, 'Content-Length: five'], 'abc')).reason).toBe('Invalid Content-Length');
  });

  it('refuses messages over 64 KiB with 413, keeping the request when it can', () => {
    const body = 'x'.repeat(MAX_MESSAGE_BYTES);
    const err = refusal(msg([...BASE, `Content-Length: ${body.length}`], body));
    expect([err.status, err.reason]).toEqual([413, 'Request Entity Too Large']);
    expect(err.request?.method).toBe('INVITE');
    expect(refusal(Buffer.alloc(MAX_MESSAGE_BYTES + 1, 0x41)).status).toBe(413);
  });

  it('refuses empty input and a missing empty line', () => {
    expect(refusal(Buffer.alloc(0)).status).toBe(400);
    expect(refusal(Buffer.from('\r\n\r\n')).status).toBe(400);
    expect(refusal(Buffer.from('INVITE sip:a@b SIP/2.0\r\nVia: x')).reason).toBe('Missing empty line after headers');
  });
});

describe('parseMessage: header section', () => {
  it('unfolds continuation lines into single spaces (RFC 3261 §7.3.1)', () => {
    const m = request(msg([...BASE, 'Subject: I know you\'re there,', ' \tpick up the phone', '  and talk to me!', 'Content-Length: 0']));
    expect(getHeader(m, 'Subject')).toBe("I know you're there, pick up the phone and talk to me!");
  });

  it('expands compact names, fixes the case of known names and keeps unknown names as received', () => {
    const m = request(
      msg([
        'OPTIONS sip:a@b SIP/2.0',
        'v: SIP/2.0/UDP h;branch=z9hG4bK1',
        'f: <sip:c@d>;tag=1',
        't: <sip:a@b>',
        'i: 1@h',
        'cSeQ: 1 OPTIONS',
        'MAX-FORWARDS: 10',
        'k: timer',
        'x-Odd-Name: keep me',
        'l: 0',
      ]),
    );
    expect(m.headers.map((h) => h.name)).toEqual(['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Max-Forwards', 'Supported', 'x-Odd-Name', 'Content-Length']);
    expect(getHeader(m, 'X-ODD-NAME')).toBe('keep me');
  });

  it('keeps repeated fields in order and splits comma lists on access', () => {
    const m = request(
      msg([
        'OPTIONS sip:a@b SIP/2.0',
        'Via: SIP/2.0/UDP h1;branch=z9hG4bK1, SIP/2.0/TCP h2;branch=z9hG4bK2',
        'Via: SIP/2.0/UDP h3;branch=z9hG4bK3',
        'From: <sip:c@d>;tag=1',
        'To: <sip:a@b>',
        'Call-ID: 1@h',
        'CSeq: 1 OPTIONS',
        'Contact: "Doe, John" <sip:j@192.0.2.1>, <sip:k@192.0.2.2>;q=0.5',
        'Allow: INVITE,ACK',
        'Allow: BYE',
        'l: 0',
      ]),
    );
    expect(vias(m).map((v) => v.host)).toEqual(['h1', 'h2', 'h3']);
    expect(getHeaders(m, 'Allow')).toEqual(['INVITE', 'ACK', 'BYE']);
    const c = contacts(m);
    expect(c.map((x) => (x === '*' ? x : x.displayName))).toEqual(['Doe, John', null]);
  });

  it('handles IPv6 in the Request-URI, Via and Contact (RFC 5118 §4.1, §4.5)', () => {
    const m = request(
      msg([
        'BYE sip:[2001:db8::10]:5070 SIP/2.0',
        'To: sip:user@example.com;tag=bd76ya',
        'From: sip:user@example.com;tag=81x2',
        'Via: SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255];branch=z9hG4bKas3-111',
        'Call-ID: SSG9559905523997077@hlau_4100',
        'Max-Forwards: 70',
        'Contact: "Caller" <sip:caller@[2001:db8::1]>',
        'CSeq: 321 BYE',
        'Content-Length: 0',
      ]),
    );
    expect([m.uri.host, m.uri.port]).toEqual(['[2001:db8::10]', 5070]);
    expect(topVia(m).host).toBe('[2001:db8::9:1]');
    expect(topVia(m).params.get('received')).toBe('[2001:db8::9:255]');
    const c = contacts(m)[0];
    expect(c !== '*' && c?.uri.host).toBe('[2001:db8::1]');
    // RFC 5118 §4.2: an IPv6 Request-URI without brackets is a 400.
    expect(refusal(msg(['REGISTER sip:2001:db8::10 SIP/2.0', ...BASE.slice(1, 6), 'CSeq: 1 REGISTER', 'l: 0'])).reason).toBe('Invalid Request-URI');
  });

  it('refuses malformed header lines', () => {
    for (const bad of ['NoColonHere', ': empty name', 'Bad Name: x', ' leading continuation', 'Bad\rCR: x']) {
      const lines = bad.startsWith(' ') ? [BASE[0] ?? '', bad, ...BASE.slice(1)] : [...BASE, bad];
      expect(refusal(msg(lines)).reason, JSON.stringify(bad)).toBe('Malformed header line');
    }
  });
});

describe('parseMessage: start line and required headers', () => {
  it('parses status lines, including an empty reason', () => {
    const m = parseMessage(msg(['SIP/2.0 180 Ringing', ...BASE.slice(1), 'Content-Length: 0']));
    expect(m.kind === 'response' && [m.status, m.reason]).toEqual([180, 'Ringing']);
    const n = parseMessage(msg(['SIP/2.0 200', ...BASE.slice(1)]));
    expect(n.kind === 'response' && n.reason).toBe('');
  });

  it('answers the right status for each start-line defect', () => {
    const cases: [string, number, boolean][] = [
      ['INVITE sip:bob@biloxi.example.com SIP/3.0', 505, true],
      ['INVITE sip:bob@biloxi.example.com sip/2.0', 0, true],
      ['INVITE mailto:bob@biloxi.example.com SIP/2.0', 416, true],
      ['INVITE  sip:bob@biloxi.example.com SIP/2.0', 400, true],
      ['INVITE sip:bob@biloxi.example.com', 400, true],
      ['INVITE sip:bob@biloxi.example.com HTTP/1.1', 400, true],
      ['GARBAGE', 400, true],
      ['<html>', 400, false],
      ['SIP/2.0 99 Too Low', 400, false],
      ['SIP/2.0 2000 OK', 400, false],
      ['SIP/3.0 200 OK', 505, false],
      ['SIP/2.0', 400, false],
    ];
    for (const [line, expected, hasRequest] of cases) {
      const data = msg([line, ...BASE.slice(1)]);
      if (expected === 0) {
        expect(request(data).method, line).toBe('INVITE');
        continue;
      }
      const err = refusal(data);
      expect(err.status, line).toBe(expected);
      expect(err.request !== null, line).toBe(hasRequest);
    }
  });

  it('requires Via, CSeq, Call-ID, From and To, once each (RFC 3261 §8.1.1)', () => {
    for (const name of ['Via', 'CSeq', 'Call-ID', 'From', 'To']) {
      const without = BASE.filter((l) => !l.startsWith(`${name}:`));
      expect(refusal(msg(without)).reason, name).toBe(`Missing ${name}`);
      const twice = [...BASE, BASE.find((l) => l.startsWith(`${name}:`)) ?? ''];
      if (name !== 'Via') expect(refusal(msg(twice)).reason, name).toBe(`Multiple ${name}`);
    }
  });

  it('checks CSeq, Max-Forwards, Call-ID, From and To syntax, naming the header', () => {
    const replace = (prefix: string, line: string): Buffer => msg(BASE.map((l) => (l.startsWith(prefix) ? line : l)));
    expect(refusal(replace('CSeq:', 'CSeq: 1 BYE')).reason).toBe('CSeq method mismatch');
    expect(refusal(replace('CSeq:', 'CSeq: 4294967296 INVITE')).reason).toBe('Invalid CSeq');
    expect(refusal(replace('Max-Forwards:', 'Max-Forwards: 256')).reason).toBe('Invalid Max-Forwards');
    expect(refusal(replace('Max-Forwards:', 'Max-Forwards: -1')).reason).toBe('Invalid Max-Forwards');
    expect(refusal(replace('Call-ID:', 'Call-ID: a b')).reason).toBe('Invalid Call-ID');
    expect(refusal(replace('From:', 'From: <sip:alice@atlanta.example.com')).reason).toBe('Invalid From');
    expect(refusal(replace('To:', 'To: Bob, Jr <sip:bob@biloxi.example.com>')).reason).toBe('Invalid To');
    expect(refusal(replace('Via:', 'Via: SIP/2.0/UDP')).reason).toBe('Invalid Via');
    expect(refusal(replace('Via:', 'Via: SIP/2.0/UDP a;branch=z9hG4bK1,,')).reason).toBe('Invalid Via');
  });

  it('tolerates a missing Max-Forwards (RFC 4475 §3.4.1) and a foreign To scheme (§3.3.4)', () => {
    const m = request(msg(BASE.filter((l) => !l.startsWith('Max-Forwards')).map((l) => (l.startsWith('To:') ? 'To: <tel-ish:123>' : l))));
    expect(getHeader(m, 'Max-Forwards')).toBeUndefined();
    expect(() => toHeader(m)).toThrow(SipParseError);
    expect(fromHeader(m).uri.user).toBe('alice');
    expect(cseq(m).seq).toBe(314159);
  });

  it('carries the headers read so far on a request error', () => {
    const err = refusal(msg([...BASE.slice(0, 3), 'Broken', ...BASE.slice(3)]));
    expect(err.request?.method).toBe('INVITE');
    expect(err.request?.headers.map((h) => h.name)).toEqual(['Via', 'Max-Forwards']);
  });
});
