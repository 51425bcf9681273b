import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SipParseError,
  createResponse,
  getHeader,
  getHeaders,
  parseMessage,
  parseUri,
  reasonPhrase,
  responseForParseError,
  serializeMessage,
  tag,
  toHeader,
  type SipMessage,
  type SipRequest,
} from '../../../src/sip/message/index.js';

const INVITE = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds',
  'Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK1;received=192.0.2.7',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
  'Timestamp: 54',
  'Record-Route: <sip:proxy.example.com;lr>',
  'Contact: <sip:alice@pc33.atlanta.example.com>',
  'Content-Type: application/sdp',
  'Content-Length: 5',
  '',
  'v=0\r\n',
].join('\r\n');

function invite(): SipRequest {
  const m = parseMessage(Buffer.from(INVITE));
  if (m.kind !== 'request') throw new Error('not a request');
  return m;
}

describe('serializeMessage', () => {
  it('writes start line, headers in order, a fresh Content-Length, CRLF CRLF and the body', () => {
    const m = invite();
    m.body = Buffer.from('v=0\r\no=x\r\n');
    const text = serializeMessage(m).toString();
    expect(text.startsWith('INVITE sip:bob@biloxi.example.com SIP/2.0\r\nVia: SIP/2.0/UDP pc33')).toBe(true);
    expect(text).toContain('Content-Type: application/sdp\r\nContent-Length: 10\r\n\r\nv=0\r\no=x\r\n');
    expect(text.match(/Content-Length/g)?.length).toBe(1);
  });

  it('adds Content-Length when missing and replaces compact "l" fields', () => {
    const m = invite();
    m.headers = m.headers.filter((h) => h.name !== 'Content-Length');
    m.headers.splice(1, 0, { name: 'l', value: '999' });
    const text = serializeMessage(m).toString();
    expect(text).toContain('\r\nContent-Length: 5\r\nVia:');
    expect(text).not.toContain('999');
  });

  it('never lets a value break the line structure', () => {
    const m = invite();
    m.headers.push({ name: 'Subject', value: 'a\r\nVia: SIP/2.0/UDP evil' });
    const again = parseMessage(serializeMessage(m));
    expect(getHeaders(again, 'Via').length).toBe(2);
    expect(getHeader(again, 'Subject')).toBe('a Via: SIP/2.0/UDP evil');
    expect(() => serializeMessage({ ...m, headers: [{ name: 'Bad Name', value: 'x' }] })).toThrow(TypeError);
    expect(() => serializeMessage({ ...m, method: 'INVITE sip:x' })).toThrow(TypeError);
  });

  it('round-trips: parse(serialize(m)) gives m back (Content-Length regenerated)', () => {
    const m = invite();
    const again = parseMessage(serializeMessage(m));
    expect(again).toEqual(m);
    expect(serializeMessage(again).equals(serializeMessage(m))).toBe(true);
  });

  it('round-trips generated messages', () => {
    const token = fc.stringMatching(/^[A-Za-z0-9.!%*_+`'~-]{1,12}$/);
    const text = fc.stringMatching(/^[ -~]{0,40}$/).map((s) => s.trim());
    fc.assert(
      fc.property(token, token, text, fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 0xffffffff }), (user, branch, subject, body, seq) => {
        const m: SipMessage = {
          kind: 'request',
          method: 'MESSAGE',
          uri: parseUri(`sip:${encodeURIComponent(user)}@example.com`),
          headers: [
            { name: 'Via', value: `SIP/2.0/TCP h.example.com;branch=z9hG4bK${branch}` },
            { name: 'From', value: `<sip:a@example.com>;tag=${branch}` },
            { name: 'To', value: '<sip:b@example.com>' },
            { name: 'Call-ID', value: `${branch}@h` },
            { name: 'CSeq', value: `${seq} MESSAGE` },
            { name: 'Subject', value: subject },
          ],
          body: Buffer.from(body),
        };
        const again = parseMessage(serializeMessage(m));
        expect(again.kind === 'request' && again.uri).toEqual(m.uri);
        expect(again.headers.slice(0, 6)).toEqual(m.headers);
        expect(again.body.equals(m.body)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('createResponse (RFC 3261 §8.2.6)', () => {
  it('copies Via (all, in order), From, To, Call-ID, CSeq and Timestamp, and nothing else', () => {
    const res = createResponse(invite(), 486);
    expect(res.status).toBe(486);
    expect(res.reason).toBe('Busy Here');
    expect(res.headers.map((h) => h.name)).toEqual(['Via', 'Via', 'To', 'From', 'Call-ID', 'CSeq', 'Timestamp']);
    expect(res.headers[1]?.value).toBe('SIP/2.0/UDP proxy.example.com;branch=z9hG4bK1;received=192.0.2.7');
    expect(res.body.length).toBe(0);
  });

  it('adds the To tag when asked, except on 100 Trying and when To already has one', () => {
    expect(tag(toHeader(createResponse(invite(), 180, undefined, { toTag: 'abc' })))).toBe('abc');
    expect(tag(toHeader(createResponse(invite(), 100, undefined, { toTag: 'abc' })))).toBeNull();
    const inDialog = invite();
    inDialog.headers = inDialog.headers.map((h) => (h.name === 'To' ? { name: 'To', value: `${h.value};tag=old` } : h));
    expect(tag(toHeader(createResponse(inDialog, 200, 'OK', { toTag: 'new' })))).toBe('old');
    // A To with a foreign scheme (RFC 4475 §3.3.4) still gets its tag on, say, a 400.
    const foreign = invite();
    foreign.headers = foreign.headers.map((h) => (h.name === 'To' ? { name: 'To', value: 'isbn:2983792873' } : h));
    expect(getHeader(createResponse(foreign, 400, undefined, { toTag: 'z' }), 'To')).toBe('isbn:2983792873;tag=z');
  });

  it('takes extra headers, a body and its type, and serializes to a parseable response', () => {
    const res = createResponse(invite(), 200, 'Fine\r\nthanks', {
      toTag: 't1',
      headers: [{ name: 'Contact', value: '<sip:bob@192.0.2.4>' }],
      body: Buffer.from('v=0\r\n'),
      contentType: 'application/sdp',
    });
    const wire = parseMessage(serializeMessage(res));
    expect(wire.kind === 'response' && [wire.status, wire.reason]).toEqual([200, 'Fine thanks']);
    expect(getHeader(wire, 'Content-Type')).toBe('application/sdp');
    expect(getHeader(wire, 'Content-Length')).toBe('5');
    expect(() => createResponse(invite(), 99)).toThrow(RangeError);
  });
});

describe('reasonPhrase', () => {
  it('knows the standard phrases and falls back to the class', () => {
    expect(reasonPhrase(100)).toBe('Trying');
    expect(reasonPhrase(200)).toBe('OK');
    expect(reasonPhrase(413)).toBe('Request Entity Too Large');
    expect(reasonPhrase(416)).toBe('Unsupported URI Scheme');
    expect(reasonPhrase(481)).toBe('Call/Transaction Does Not Exist');
    expect(reasonPhrase(505)).toBe('Version Not Supported');
    expect(reasonPhrase(603)).toBe('Decline');
    expect(reasonPhrase(499)).toBe('Client Error');
  });
});

describe('responseForParseError', () => {
  it('builds the error response from what was read, and nothing for ACK or responses', () => {
    const bad = Buffer.from(INVITE.replace('CSeq: 314159 INVITE', 'CSeq: 314159 BYE'));
    let err: SipParseError | null = null;
    try {
      parseMessage(bad);
    } catch (e) {
      err = e as SipParseError;
    }
    expect(err).toBeInstanceOf(SipParseError);
    const res = err === null ? null : responseForParseError(err);
    expect(res?.status).toBe(400);
    expect(res?.reason).toBe('CSeq method mismatch');
    expect(res?.headers.map((h) => h.name)).toEqual(['Via', 'Via', 'To', 'From', 'Call-ID', 'CSeq']);
    expect(responseForParseError(new SipParseError(400, 'x', { method: 'ACK', headers: [{ name: 'Via', value: 'v' }] }))).toBeNull();
    expect(responseForParseError(new SipParseError(400, 'x', null))).toBeNull();
    expect(responseForParseError(new SipParseError(400, 'x', { method: 'INVITE', headers: [] }))).toBeNull();
  });
});
