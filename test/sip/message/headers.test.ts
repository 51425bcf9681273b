import { describe, expect, it } from 'vitest';
import {
  SipParseError,
  addHeader,
  callId,
  canonicalHeaderName,
  contacts,
  contentType,
  cseq,
  expires,
  formatVia,
  fromHeader,
  getHeader,
  getHeaders,
  maxForwards,
  parseCSeq,
  parseMessage,
  parseUri,
  parseVia,
  removeHeader,
  routes,
  setHeader,
  splitHeaderList,
  toHeader,
  topVia,
  vias,
  type SipRequest,
} from '../../../src/sip/message/index.js';

function status(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof SipParseError) return err.status;
    throw err;
  }
  return undefined;
}

function req(headers: [string, string][]): SipRequest {
  return { kind: 'request', method: 'INVITE', uri: parseUri('sip:a@b'), headers: headers.map(([name, value]) => ({ name, value })), body: Buffer.alloc(0) };
}

describe('canonicalHeaderName', () => {
  it('expands compact forms and fixes the case of known names', () => {
    const compact: [string, string][] = [
      ['i', 'Call-ID'], ['m', 'Contact'], ['e', 'Content-Encoding'], ['l', 'Content-Length'], ['c', 'Content-Type'],
      ['f', 'From'], ['s', 'Subject'], ['k', 'Supported'], ['t', 'To'], ['v', 'Via'], ['o', 'Event'], ['r', 'Refer-To'],
      ['u', 'Allow-Events'], ['x', 'Session-Expires'], ['y', 'Identity'], ['b', 'Referred-By'], ['a', 'Accept-Contact'],
      ['j', 'Reject-Contact'], ['d', 'Request-Disposition'], ['n', 'Identity-Info'], ['V', 'Via'], ['I', 'Call-ID'],
    ];
    for (const [short, long] of compact) expect(canonicalHeaderName(short), short).toBe(long);
    expect(canonicalHeaderName('call-id')).toBe('Call-ID');
    expect(canonicalHeaderName('CSEQ')).toBe('CSeq');
    expect(canonicalHeaderName('www-authenticate')).toBe('WWW-Authenticate');
    expect(canonicalHeaderName('MaX-fOrWaRdS')).toBe('Max-Forwards');
    expect(canonicalHeaderName('p-asserted-identity')).toBe('P-Asserted-Identity');
    expect(canonicalHeaderName('rseq')).toBe('RSeq');
    expect(canonicalHeaderName('x-my-HEADER')).toBe('X-My-Header');
    expect(canonicalHeaderName('newfangledheader')).toBe('Newfangledheader');
  });
});

describe('splitHeaderList', () => {
  it('splits on commas outside quotes, escapes and angle brackets', () => {
    expect(splitHeaderList('INVITE, ACK ,BYE')).toEqual(['INVITE', 'ACK', 'BYE']);
    expect(splitHeaderList('"Doe, John" <sip:j@d;x=a,b>;q=0.5, <sip:k@e>')).toEqual(['"Doe, John" <sip:j@d;x=a,b>;q=0.5', '<sip:k@e>']);
    expect(splitHeaderList('"a \\", b" <sip:a@b>, c <sip:c@d>')).toEqual(['"a \\", b" <sip:a@b>', 'c <sip:c@d>']);
    expect(splitHeaderList(' , a,, ')).toEqual(['a']);
    expect(splitHeaderList('')).toEqual([]);
  });
});

describe('getHeader / getHeaders / setHeader / addHeader / removeHeader', () => {
  it('finds fields under any spelling and splits only list headers', () => {
    const m = req([
      ['Via', 'SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2'],
      ['v', 'SIP/2.0/TCP c;branch=z9hG4bK3'],
      ['WWW-Authenticate', 'Digest realm="x", nonce="y", qop="auth,auth-int"'],
      ['Date', 'Sat, 15 Oct 2005 04:44:56 GMT'],
      ['X-Custom', 'a, b'],
    ]);
    expect(getHeader(m, 'via')).toBe('SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2');
    expect(getHeaders(m, 'V').length).toBe(3);
    expect(getHeaders(m, 'www-authenticate')).toEqual(['Digest realm="x", nonce="y", qop="auth,auth-int"']);
    expect(getHeaders(m, 'Date')).toEqual(['Sat, 15 Oct 2005 04:44:56 GMT']);
    expect(getHeaders(m, 'x-custom')).toEqual(['a, b']);
    expect(getHeader(m, 'Missing')).toBeUndefined();
    expect(getHeaders(m, 'Missing')).toEqual([]);
  });

  it('setHeader replaces all fields at the first position, or appends', () => {
    const m = req([['Route', '<sip:1>'], ['To', '<sip:t@x>'], ['route', '<sip:2>']]);
    setHeader(m, 'ROUTE', '<sip:3>');
    expect(m.headers).toEqual([{ name: 'Route', value: '<sip:3>' }, { name: 'To', value: '<sip:t@x>' }]);
    setHeader(m, 'x-new', 'v');
    expect(m.headers.at(-1)).toEqual({ name: 'X-New', value: 'v' });
  });

  it('addHeader puts a field on top of its namesakes or at the bottom; removeHeader drops all', () => {
    const m = req([['To', '<sip:t@x>'], ['Via', 'SIP/2.0/UDP b'], ['From', '<sip:f@x>']]);
    addHeader(m, 'v', 'SIP/2.0/UDP a', 'top');
    addHeader(m, 'Via', 'SIP/2.0/UDP c');
    expect(m.headers.map((h) => h.value)).toEqual(['<sip:t@x>', 'SIP/2.0/UDP a', 'SIP/2.0/UDP b', '<sip:f@x>', 'SIP/2.0/UDP c']);
    addHeader(m, 'Record-Route', '<sip:p;lr>', 'top');
    expect(m.headers[0]).toEqual({ name: 'Record-Route', value: '<sip:p;lr>' });
    removeHeader(m, 'VIA');
    expect(m.headers.map((h) => h.name)).toEqual(['Record-Route', 'To', 'From']);
  });

  it('refuses values that would inject header lines', () => {
    const m = req([]);
    expect(() => setHeader(m, 'Subject', 'a\r\nVia: evil')).toThrow(TypeError);
    expect(() => addHeader(m, 'Subject', 'a\nb')).toThrow(TypeError);
  });
});

describe('parseVia / formatVia', () => {
  it('reads sent-protocol with LWS around slashes, sent-by and parameters', () => {
    const v = parseVia('SIP / 2.0 / udp  pc33.Atlanta.com:5066 ; branch = z9hG4bK776asdhds ;rport;received=192.0.2.1');
    expect(v).toEqual({
      transport: 'UDP',
      host: 'pc33.atlanta.com',
      port: 5066,
      params: new Map<string, string | null>([['branch', 'z9hG4bK776asdhds'], ['rport', null], ['received', '192.0.2.1']]),
    });
    expect(formatVia(v)).toBe('SIP/2.0/UDP pc33.atlanta.com:5066;branch=z9hG4bK776asdhds;rport;received=192.0.2.1');
    expect(parseVia(formatVia(v))).toEqual(v);
    // COLON = SWS ":" SWS in sent-by (§25.1)
    expect(parseVia('SIP/2.0/TCP host.example.com : 5070;branch=z9hG4bKx').port).toBe(5070);
  });

  it('handles IPv6 sent-by and received, bracketed or not (RFC 5118 §4.5)', () => {
    const a = parseVia('SIP/2.0/UDP [2001:db8::9:1]:5060;received=[2001:db8::9:255];branch=z9hG4bKas3-111');
    expect([a.host, a.port, a.params.get('received')]).toEqual(['[2001:db8::9:1]', 5060, '[2001:db8::9:255]']);
    const b = parseVia('SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255;branch=z9hG4bKas3');
    expect(b.params.get('received')).toBe('2001:db8::9:255');
  });

  it('refuses malformed values', () => {
    for (const bad of [
      '', 'SIP/2.0/UDP', 'SIP/2.0/UDP ', 'SIP/2.0 host', 'SIP/3.0/UDP host', 'HTTP/2.0/UDP host', 'SIP/2.0/UDPhost',
      'SIP/2.0/UDP host;;', 'SIP/2.0/UDP host;branch=', 'SIP/2.0/UDP host:70000', 'SIP/2.0/UDP host junk', 'SIP/2.0/UDP [::1',
    ]) {
      expect(status(() => parseVia(bad)), bad).toBe(400);
    }
  });
});

describe('parseCSeq', () => {
  it('reads the number (32-bit unsigned, leading zeros allowed) and the method', () => {
    expect(parseCSeq('0009 INVITE')).toEqual({ seq: 9, method: 'INVITE' });
    expect(parseCSeq(' 4294967295  ACK ')).toEqual({ seq: 4294967295, method: 'ACK' });
    for (const bad of ['', 'INVITE', '1', '1INVITE', '-1 INVITE', '4294967296 INVITE', '1 INV ITE', '1 <x>']) {
      expect(status(() => parseCSeq(bad)), bad).toBe(400);
    }
  });
});

describe('typed accessors', () => {
  const m = req([
    ['Via', 'SIP/2.0/UDP a.example.com;branch=z9hG4bK1'],
    ['Via', 'SIP/2.0/TCP b.example.com;branch=z9hG4bK2'],
    ['From', '"A" <sip:a@example.com>;tag=1'],
    ['To', '<sip:b@example.com>'],
    ['Call-ID', ' abc@host '],
    ['CSeq', '7 INVITE'],
    ['Contact', '<sip:a@192.0.2.1>;expires=30, "B" <sip:b@192.0.2.2>'],
    ['Record-Route', '<sip:p1;lr>, <sip:p2;lr>'],
    ['Max-Forwards', '70'],
    ['Expires', '3600'],
    ['Content-Type', 'Application/SDP ; charset=utf-8'],
  ]);

  it('parse on demand', () => {
    expect(vias(m).map((v) => v.host)).toEqual(['a.example.com', 'b.example.com']);
    expect(topVia(m).params.get('branch')).toBe('z9hG4bK1');
    expect(fromHeader(m).displayName).toBe('A');
    expect(toHeader(m).uri.user).toBe('b');
    expect(callId(m)).toBe('abc@host');
    expect(cseq(m)).toEqual({ seq: 7, method: 'INVITE' });
    expect(contacts(m).length).toBe(2);
    expect(routes(m, 'Record-Route').map((r) => r.uri.host)).toEqual(['p1', 'p2']);
    expect(routes(m, 'Route')).toEqual([]);
    expect(maxForwards(m)).toBe(70);
    expect(expires(m)).toBe(3600);
    expect(contentType(m)).toBe('application/sdp');
  });

  it('return null for absent optional headers and "*" for a wildcard Contact', () => {
    const empty = req([['Contact', '*']]);
    expect(maxForwards(empty)).toBeNull();
    expect(expires(empty)).toBeNull();
    expect(contentType(empty)).toBeNull();
    expect(contacts(empty)).toEqual(['*']);
  });

  it('throw SipParseError for missing required headers and bad syntax', () => {
    const empty = req([]);
    for (const read of [() => topVia(empty), () => fromHeader(empty), () => toHeader(empty), () => callId(empty), () => cseq(empty)]) {
      expect(status(read)).toBe(400);
    }
    const badOnes = req([
      ['Max-Forwards', '256'],
      ['Expires', '4294967296'],
      ['Content-Type', 'sdp'],
      ['Call-ID', 'a b'],
      ['Contact', 'sip:a@b?Route=x'],
    ]);
    for (const read of [() => maxForwards(badOnes), () => expires(badOnes), () => contentType(badOnes), () => callId(badOnes), () => contacts(badOnes)]) {
      expect(status(read)).toBe(400);
    }
  });

  it('work on parsed messages with compact names', () => {
    const parsed = parseMessage(
      Buffer.from(
        'OPTIONS sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bKx\r\nf: <sip:c@d>;tag=9\r\nt: sip:a@b\r\ni: x@y\r\nCSeq: 1 OPTIONS\r\nm: <sip:c@192.0.2.9>\r\nl: 0\r\n\r\n',
      ),
    );
    expect(parsed.headers.map((h) => h.name)).toEqual(['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Content-Length']);
    expect(callId(parsed)).toBe('x@y');
    expect(contacts(parsed).length).toBe(1);
  });
});
