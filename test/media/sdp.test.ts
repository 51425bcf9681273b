import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_SDP_BYTES,
  SdpError,
  answerOffer,
  createOffer,
  effectiveDirection,
  formatSdp,
  parseSdp,
  readAnswer,
  type AnswerResult,
  type Negotiated,
  type NegotiationFailure,
  type ReadAnswerResult,
  type SessionDescription,
} from '../../src/media/sdp.js';

const sdp = (...lines: string[]): string => lines.join('\r\n') + '\r\n';

const BARESIP = sdp(
  'v=0',
  'o=- 3921476143 3921476143 IN IP4 192.168.1.20',
  's=-',
  'c=IN IP4 192.168.1.20',
  't=0 0',
  'm=audio 10010 RTP/AVP 96 9 0 8 101',
  'b=AS:128',
  'a=rtpmap:96 opus/48000/2',
  'a=fmtp:96 stereo=1;sprop-stereo=1',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=rtcp:10011',
  'a=rtcp-mux',
  'a=ptime:20',
  'a=sendrecv',
  'a=label:1',
);

// SIPp's built-in uac scenario offers PCMU only, with no direction attribute.
const SIPP = sdp(
  'v=0',
  'o=user1 53655765 2353687637 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 6000 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
);

const LOCAL = { address: '203.0.113.5', port: 40000, sessionId: 77, version: 1 };

function ok(r: AnswerResult): Negotiated & { answer: SessionDescription } {
  if ('error' in r) throw new Error(`unexpected ${r.error}: ${r.message}`);
  return r;
}

function okRead(r: ReadAnswerResult): Negotiated {
  if ('error' in r) throw new Error(`unexpected ${r.error}: ${r.message}`);
  return r;
}

function failure(r: AnswerResult | ReadAnswerResult): NegotiationFailure {
  if (!('error' in r)) throw new Error('expected a failure');
  return r;
}

function sdpError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SdpError);
    return (err as SdpError).message;
  }
  throw new Error('expected SdpError');
}

describe('parseSdp', () => {
  it('reads a softphone offer', () => {
    const d = parseSdp(BARESIP);
    expect(d.origin).toEqual({
      username: '-',
      sessionId: '3921476143',
      sessionVersion: '3921476143',
      addressType: 'IP4',
      address: '192.168.1.20',
    });
    expect(d.connection).toEqual({ addressType: 'IP4', address: '192.168.1.20' });
    expect(d.timing).toEqual([{ start: '0', stop: '0', repeats: [] }]);
    const m = d.media[0];
    expect(m?.formats).toEqual(['96', '9', '0', '8', '101']);
    expect(m?.rtpmaps[0]).toEqual({ payloadType: 96, encodingName: 'opus', clockRate: 48000, encodingParameters: '2' });
    expect(m?.fmtps).toEqual([
      { format: '96', parameters: 'stereo=1;sprop-stereo=1' },
      { format: '101', parameters: '0-15' },
    ]);
    expect(m?.ptime).toBe(20);
    expect(m?.rtcp).toEqual({ port: 10011 });
    expect(m?.rtcpMux).toBe(true);
    expect(m?.direction).toBe('sendrecv');
    expect(m?.lines).toEqual([{ type: 'b', value: 'AS:128' }]);
    expect(m?.attributes).toEqual([{ name: 'label', value: '1' }]);
  });

  it('accepts bare LF, blank lines, trailing blanks and unknown line types', () => {
    const d = parseSdp('v=0\no=- 1 1 IN IP4 10.0.0.1 \ns=call\n\nc=IN IP4 10.0.0.1\nt=0 0\ny=whatever\nm=audio 4000 RTP/AVP 0\nq=odd\n');
    expect(d.sessionName).toBe('call');
    expect(d.lines).toEqual([{ type: 'y', value: 'whatever' }]);
    expect(d.media[0]?.lines).toEqual([{ type: 'q', value: 'odd' }]);
  });

  it('reads IPv6, multicast suffixes, port counts, maxptime and a=rtcp with an address', () => {
    const d = parseSdp(
      sdp(
        'v=0',
        'o=- 1 2 IN IP6 2001:db8::1',
        's= ',
        'c=IN IP4 233.252.0.1/127/3',
        't=3034423619 3042462419',
        'r=7d 1h 0 25h',
        'm=audio 49170/2 RTP/AVP 0',
        'c=IN IP6 2001:db8::2',
        'a=maxptime:40',
        'a=rtcp:53020 IN IP6 2001:db8::3',
      ),
    );
    expect(d.connection).toEqual({ addressType: 'IP4', address: '233.252.0.1', ttl: 127, count: 3 });
    expect(d.timing[0]?.repeats).toEqual(['7d 1h 0 25h']);
    const m = d.media[0];
    expect(m?.port).toBe(49170);
    expect(m?.portCount).toBe(2);
    expect(m?.connection).toEqual({ addressType: 'IP6', address: '2001:db8::2' });
    expect(m?.maxptime).toBe(40);
    expect(m?.rtcp).toEqual({ port: 53020, connection: { addressType: 'IP6', address: '2001:db8::3' } });
  });

  it('keeps session-level and media-level direction apart', () => {
    const d = parseSdp(
      sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'a=sendonly',
        'm=audio 4000 RTP/AVP 0', 'm=audio 4002 RTP/AVP 0', 'a=inactive'),
    );
    expect(d.direction).toBe('sendonly');
    expect(d.media[0]?.direction).toBeUndefined();
    expect(effectiveDirection(d, d.media[0]!)).toBe('sendonly');
    expect(effectiveDirection(d, d.media[1]!)).toBe('inactive');
  });

  it('rejects junk with clear SdpErrors', () => {
    const base = ['o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 4000 RTP/AVP 0'];
    expect(sdpError(() => parseSdp(''))).toMatch(/empty/);
    expect(sdpError(() => parseSdp(sdp(...base)))).toMatch(/start with v=/);
    expect(sdpError(() => parseSdp(sdp('v=1', ...base)))).toMatch(/version/);
    expect(sdpError(() => parseSdp(sdp('v=0', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0')))).toMatch(/missing o=/);
    expect(sdpError(() => parseSdp(sdp('v=0', 'o=- 1 1 IN IP4 h', 'c=IN IP4 10.0.0.1', 't=0 0')))).toMatch(/missing s=/);
    expect(sdpError(() => parseSdp(sdp('v=0', 'o=- 1 1 IN IP4 h', 's=-')))).toMatch(/missing t=/);
    expect(sdpError(() => parseSdp(sdp('v=0', 'o=- x 1 IN IP4 h', 's=-', 't=0 0')))).toMatch(/session id/);
    expect(sdpError(() => parseSdp(sdp('v=0', ...base.slice(0, 2), 'c=IN IP4 300.1.1.1', 't=0 0')))).toMatch(/IP4 address/);
    expect(sdpError(() => parseSdp(sdp('v=0', ...base.slice(0, 2), 'c=IN IP4 2001:db8::1', 't=0 0')))).toMatch(/IP4 address/);
    expect(sdpError(() => parseSdp(sdp('v=0', ...base.slice(0, 2), 'c=IN IP6 10.0.0.1', 't=0 0')))).toMatch(/IP6 address/);
    expect(sdpError(() => parseSdp(sdp('v=0', ...base.slice(0, 4), 'm=audio 70000 RTP/AVP 0')))).toMatch(/port/);
    expect(sdpError(() => parseSdp(sdp('v=0', ...base.slice(0, 4), 'm=audio 4000 RTP/AVP 128')))).toMatch(/payload type/);
    expect(sdpError(() => parseSdp(sdp('v=0', ...base.slice(0, 4), 'm=audio 4000 RTP/AVP')))).toMatch(/m= needs/);
    expect(sdpError(() => parseSdp(sdp('v=0', ...base, 'a=rtpmap:0 PCMU')))).toMatch(/rtpmap/);
    expect(sdpError(() => parseSdp(sdp('v=0', ...base, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:0 PCMA/8000')))).toMatch(/duplicate/);
    expect(sdpError(() => parseSdp(sdp('v=0', ...base, 'a=ptime:abc')))).toMatch(/ptime/);
    expect(sdpError(() => parseSdp(sdp('v=0', ...base, 'a=sendonly', 'a=recvonly')))).toMatch(/conflicting/);
    expect(sdpError(() => parseSdp(sdp('v=0', ...base, 't=0 0')))).toMatch(/not allowed in a media/);
    expect(sdpError(() => parseSdp(sdp('v=0', ...base, 'garbage')))).toMatch(/not an SDP line/);
    expect(sdpError(() => parseSdp(sdp('v=0', ...base, 'v=0')))).toMatch(/second v=/);
    expect(sdpError(() => parseSdp(sdp('v=0', ...base, 'A=foo')))).toMatch(/not an SDP line/);
  });

  it('requires c= at session or media level for every active stream (RFC 4566 §5.7)', () => {
    const noC = sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 't=0 0', 'm=audio 4000 RTP/AVP 0', 'm=video 4002 RTP/AVP 31', 'c=IN IP4 10.0.0.1');
    expect(sdpError(() => parseSdp(noC))).toMatch(/media 1 \(audio\) has no c= line/);
    // A disabled stream needs no address.
    const disabled = sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 't=0 0', 'm=video 0 RTP/AVP 31', 'm=audio 4000 RTP/AVP 0', 'c=IN IP4 10.0.0.1');
    expect(parseSdp(disabled).media).toHaveLength(2);
  });

  it('refuses bodies over 64 KiB', () => {
    const big = SIPP + `a=x:${'y'.repeat(MAX_SDP_BYTES)}\r\n`;
    expect(sdpError(() => parseSdp(big))).toMatch(/larger than/);
    // Multi-byte characters count as bytes, not UTF-16 units.
    const wide = SIPP + `a=x:${'é'.repeat(MAX_SDP_BYTES / 2)}\r\n`;
    expect(wide.length).toBeLessThan(MAX_SDP_BYTES + 100);
    expect(sdpError(() => parseSdp(wide))).toMatch(/larger than/);
  });

  it('stays fast on hostile input near the size limit', () => {
    const n = MAX_SDP_BYTES - 200;
    const hostile = [
      sdp('v=0', 'o=- 1 1 IN IP4 h', 's=-', `c=IN IP4 ${'a'.repeat(n)}!`, 't=0 0'),
      sdp('v=0', 'o=- 1 1 IN IP4 h', 's=-', `c=IN IP4 ${'a-'.repeat(n / 2)}`, 't=0 0'),
      sdp('v=0', 'o=- 1 1 IN IP4 h', 's=-', 'c=IN IP4 1.2.3.4', 't=0 0', `m=audio 4000 RTP/AVP ${'0 '.repeat(n / 2)}`),
      sdp('v=0', 'o=- 1 1 IN IP4 h', 's=-', 'c=IN IP4 1.2.3.4', 't=0 0', 'm=audio 4000 RTP/AVP 0', `a=rtpmap:0 ${' '.repeat(n)}x`),
      sdp('v=0', 'o=- 1 1 IN IP4 h', 's=-', 'c=IN IP4 1.2.3.4', 't=0 0', ...Array.from({ length: n / 12 }, () => 'a=x:y')),
    ];
    for (const text of hostile) {
      const start = performance.now();
      try {
        parseSdp(text);
      } catch (err) {
        expect(err).toBeInstanceOf(SdpError);
      }
      expect(performance.now() - start).toBeLessThan(250);
    }
  });

  it('throws only SdpError on arbitrary input', () => {
    const check = (text: string): boolean => {
      try {
        parseSdp(text);
      } catch (err) {
        if (!(err instanceof SdpError)) throw err;
      }
      return true;
    };
    fc.assert(fc.property(fc.string({ maxLength: 400 }), check), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), check), { numRuns: 1000 });
    // Random lines that mostly look like SDP reach deeper into the parser.
    const prefixes = ['v=', 'o=', 's=', 'c=', 't=', 'r=', 'm=', 'a=', 'a=rtpmap:', 'a=fmtp:', 'a=rtcp:', 'a=ptime:', 'b=', 'z='];
    const piece = fc.oneof(
      fc.constantFrom('0', '1', ' ', '/', ':', 'IN', 'IP4', 'IP6', '127.0.0.1', '::1', 'audio', 'RTP/AVP', '8000', '99999', 'PCMU/8000', '-', 'sendonly'),
      fc.string({ maxLength: 6 }),
    );
    const line = fc.tuple(fc.constantFrom(...prefixes), fc.array(piece, { maxLength: 6 })).map(([p, xs]) => p + xs.join(''));
    const body = fc
      .tuple(fc.array(line, { maxLength: 14 }), fc.constantFrom('\r\n', '\n'))
      .map(([ls, eol]) => ['v=0', 'o=- 1 1 IN IP4 1.2.3.4', 's=-', 't=0 0', ...ls].join(eol));
    fc.assert(fc.property(body, check), { numRuns: 3000 });
    fc.assert(fc.property(fc.array(line, { maxLength: 14 }).map((ls) => ls.join('\r\n')), check), { numRuns: 1000 });
    expect(sdpError(() => parseSdp(undefined as unknown as string))).toMatch(/string/);
  });
});

describe('formatSdp', () => {
  it('writes canonical CRLF SDP that parses back to the same description', () => {
    for (const text of [BARESIP, SIPP]) {
      const d = parseSdp(text);
      const out = formatSdp(d);
      expect(out.endsWith('\r\n')).toBe(true);
      expect(out.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
      expect(parseSdp(out)).toEqual(d);
      expect(formatSdp(parseSdp(out))).toBe(out);
    }
    expect(formatSdp(parseSdp(SIPP))).toBe(SIPP);
  });

  it('puts lines in RFC 4566 order whatever the input order', () => {
    const messy =
      'v=0\no=- 1 1 IN IP4 10.0.0.1\nt=0 0\nb=AS:64\nc=IN IP4 10.0.0.1\ns=-\na=tool:x\nm=audio 4000 RTP/AVP 8 101\na=sendrecv\na=fmtp:101 0-15\na=rtpmap:101 telephone-event/8000\nc=IN IP4 10.0.0.2\na=rtpmap:8 PCMA/8000\n';
    expect(formatSdp(parseSdp(messy))).toBe(
      sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 'b=AS:64', 't=0 0', 'a=tool:x',
        'm=audio 4000 RTP/AVP 8 101', 'c=IN IP4 10.0.0.2', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15',
        'a=rtpmap:8 PCMA/8000', 'a=sendrecv'),
    );
  });

  it('round-trips generated offers', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.ipV4(), fc.ipV6()),
        fc.integer({ min: 1, max: 65535 }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.subarray(['PCMU', 'PCMA'] as const, { minLength: 1 }),
        fc.option(fc.integer({ min: 96, max: 127 })),
        fc.constantFrom('sendrecv', 'sendonly', 'recvonly', 'inactive'),
        (address, port, id, codecs, te, direction) => {
          const d = createOffer({ address, port, sessionId: id, version: id, codecs, telephoneEventPayloadType: te, direction });
          expect(parseSdp(formatSdp(d))).toEqual(d);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('createOffer', () => {
  it('offers G.711 and telephone-event with defaults', () => {
    const text = formatSdp(createOffer(LOCAL));
    expect(text).toBe(
      sdp('v=0', 'o=- 77 1 IN IP4 203.0.113.5', 's=-', 'c=IN IP4 203.0.113.5', 't=0 0', 'm=audio 40000 RTP/AVP 0 8 101',
        'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15',
        'a=ptime:20', 'a=sendrecv'),
    );
  });

  it('honours codec order, PT, ptime and IPv6', () => {
    const text = formatSdp(createOffer({ ...LOCAL, address: '2001:db8::5', codecs: ['PCMA'], telephoneEventPayloadType: 96, ptime: 30 }));
    expect(text).toContain('c=IN IP6 2001:db8::5');
    expect(text).toContain('m=audio 40000 RTP/AVP 8 96');
    expect(text).toContain('a=ptime:30');
    expect(formatSdp(createOffer({ ...LOCAL, telephoneEventPayloadType: null }))).toContain('m=audio 40000 RTP/AVP 0 8\r\n');
  });

  it('rejects bad arguments', () => {
    expect(() => createOffer({ ...LOCAL, telephoneEventPayloadType: 13 })).toThrow(RangeError);
    expect(() => createOffer({ ...LOCAL, address: 'example.com' })).toThrow(RangeError);
    expect(() => createOffer({ ...LOCAL, port: 0 })).toThrow(RangeError);
    expect(() => createOffer({ ...LOCAL, codecs: [] })).toThrow(RangeError);
    expect(() => createOffer({ ...LOCAL, sessionId: -1 })).toThrow(RangeError);
  });
});

describe('answerOffer', () => {
  it('answers a baresip-like offer with the offerer’s first supported codec and its DTMF PT', () => {
    const r = ok(answerOffer(parseSdp(BARESIP), LOCAL));
    expect(r.codec).toEqual({ name: 'PCMU', payloadType: 0 });
    expect(r.telephoneEvent).toBe(101);
    expect(r.remote).toEqual({ address: '192.168.1.20', port: 10010, rtcpPort: 10011, rtcpAddress: '192.168.1.20' });
    expect(r.direction).toBe('sendrecv');
    expect(r.hold).toBe(false);
    expect(formatSdp(r.answer)).toBe(
      sdp('v=0', 'o=- 77 1 IN IP4 203.0.113.5', 's=-', 'c=IN IP4 203.0.113.5', 't=0 0', 'm=audio 40000 RTP/AVP 0 101',
        'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', 'a=ptime:20', 'a=sendrecv'),
    );
    // rtcp-mux is not echoed (RFC 5761: only when we would multiplex), so RTCP goes to a=rtcp.
    expect(r.answer.media[0]?.rtcpMux).toBe(false);
  });

  it('honours the offerer’s order over ours, within the codecs we allow', () => {
    const offer = parseSdp(BARESIP.replace('RTP/AVP 96 9 0 8 101', 'RTP/AVP 96 9 8 0 101'));
    expect(ok(answerOffer(offer, { ...LOCAL, codecs: ['PCMU', 'PCMA'] })).codec).toEqual({ name: 'PCMA', payloadType: 8 });
    expect(ok(answerOffer(offer, { ...LOCAL, codecs: ['PCMU'] })).codec).toEqual({ name: 'PCMU', payloadType: 0 });
  });

  it('answers SIPp’s PCMU-only offer without telephone-event; RTCP defaults to port + 1', () => {
    const r = ok(answerOffer(parseSdp(SIPP), LOCAL));
    expect(r.codec).toEqual({ name: 'PCMU', payloadType: 0 });
    expect(r.telephoneEvent).toBeNull();
    expect(r.remote).toEqual({ address: '127.0.0.1', port: 6000, rtcpPort: 6001, rtcpAddress: '127.0.0.1' });
    expect(r.answer.media[0]?.formats).toEqual(['0']);
  });

  it('recognises static types without rtpmap and G.711 under dynamic numbers, case-insensitively', () => {
    const offer = (m: string, ...attrs: string[]) =>
      parseSdp(sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', m, ...attrs));
    expect(ok(answerOffer(offer('m=audio 4000 RTP/AVP 8 0'), LOCAL)).codec).toEqual({ name: 'PCMA', payloadType: 8 });
    const dyn = ok(answerOffer(offer('m=audio 4000 RTP/AVP 110', 'a=rtpmap:110 pcma/8000'), LOCAL));
    expect(dyn.codec).toEqual({ name: 'PCMA', payloadType: 110 });
    expect(dyn.answer.media[0]?.rtpmaps).toEqual([{ payloadType: 110, encodingName: 'PCMA', clockRate: 8000 }]);
    // An rtpmap rebinding a static number wins; PCMU at 16 kHz is not our PCMU.
    failure(answerOffer(offer('m=audio 4000 RTP/AVP 0', 'a=rtpmap:0 G729/8000'), LOCAL));
    failure(answerOffer(offer('m=audio 4000 RTP/AVP 97', 'a=rtpmap:97 PCMU/16000'), LOCAL));
    failure(answerOffer(offer('m=audio 4000 RTP/AVP 97', 'a=rtpmap:97 PCMU/8000/2'), LOCAL));
    // telephone-event at another rate is ignored; the 8000 Hz one is used.
    const te = ok(answerOffer(offer('m=audio 4000 RTP/AVP 0 100 101', 'a=rtpmap:100 telephone-event/48000', 'a=rtpmap:101 TELEPHONE-EVENT/8000'), LOCAL));
    expect(te.telephoneEvent).toBe(101);
  });

  it('keeps the offerer’s telephone-event PT (96) in the answer', () => {
    const offer = parseSdp(sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0',
      'm=audio 4000 RTP/AVP 8 96', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:96 telephone-event/8000', 'a=fmtp:96 0-16'));
    const r = ok(answerOffer(offer, LOCAL));
    expect(r.telephoneEvent).toBe(96);
    expect(r.answer.media[0]?.formats).toEqual(['8', '96']);
    expect(formatSdp(r.answer)).toContain('a=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-15\r\n');
    expect(ok(answerOffer(offer, { ...LOCAL, telephoneEvent: false })).answer.media[0]?.formats).toEqual(['8']);
  });

  it('answers only the DTMF events both sides know (RFC 4733 §7)', () => {
    const withEvents = (list: string | null) =>
      ok(answerOffer(parseSdp(sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0',
        'm=audio 4000 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000', ...(list === null ? [] : [`a=fmtp:101 ${list}`]))), LOCAL));
    expect(withEvents('0-15,66,70').answer.media[0]?.fmtps).toEqual([{ format: '101', parameters: '0-15' }]);
    expect(withEvents('0-11').answer.media[0]?.fmtps).toEqual([{ format: '101', parameters: '0-11' }]);
    expect(withEvents('1,3,4,5,9').answer.media[0]?.fmtps).toEqual([{ format: '101', parameters: '1,3-5,9' }]);
    expect(withEvents(null).answer.media[0]?.fmtps).toEqual([{ format: '101', parameters: '0-15' }]);
    expect(withEvents('nonsense').answer.media[0]?.fmtps).toEqual([{ format: '101', parameters: '0-15' }]);
    // Only non-DTMF events (e.g. 16, flash) in common: no event stream at all.
    const none = withEvents('16');
    expect(none.telephoneEvent).toBeNull();
    expect(none.answer.media[0]?.formats).toEqual(['0']);
  });

  it('declines video with port 0, keeping m-line count and order, and answers the audio', () => {
    const offer = parseSdp(sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0',
      'm=video 5000 RTP/AVP 96 31', 'a=rtpmap:96 H264/90000', 'm=audio 4000 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000',
      'm=audio 4100 RTP/AVP 0'));
    const r = ok(answerOffer(offer, LOCAL));
    expect(r.mediaIndex).toBe(1);
    expect(r.answer.media.map((m) => [m.media, m.port, m.formats])).toEqual([
      ['video', 0, ['96', '31']],
      ['audio', 40000, ['0', '101']],
      ['audio', 0, ['0']],
    ]);
    const text = formatSdp(r.answer);
    expect(text).toContain('m=video 0 RTP/AVP 96 31\r\nm=audio 40000');
    // The answer is itself valid SDP.
    expect(parseSdp(text)).toEqual(r.answer);
  });

  it('mirrors direction and spots hold (RFC 3264 §6.1, §8.4)', () => {
    const offer = (...extra: string[]) =>
      parseSdp(sdp('v=0', 'o=- 1 2 IN IP4 10.0.0.1', 's=-', extra.find((e) => e.startsWith('c=')) ?? 'c=IN IP4 10.0.0.1', 't=0 0',
        'm=audio 4000 RTP/AVP 0', ...extra.filter((e) => !e.startsWith('c='))));
    const cases: [string[], string, boolean][] = [
      [[], 'sendrecv', false],
      [['a=sendrecv'], 'sendrecv', false],
      [['a=sendonly'], 'recvonly', true],
      [['a=recvonly'], 'sendonly', false],
      [['a=inactive'], 'inactive', true],
      [['c=IN IP4 0.0.0.0'], 'recvonly', true],
      [['c=IN IP4 0.0.0.0', 'a=sendonly'], 'recvonly', true],
      [['c=IN IP4 0.0.0.0', 'a=recvonly'], 'inactive', true],
    ];
    for (const [extra, expected, hold] of cases) {
      const r = ok(answerOffer(offer(...extra), LOCAL));
      expect([extra, r.direction, r.hold]).toEqual([extra, expected, hold]);
      expect(r.answer.media[0]?.direction).toBe(expected);
    }
    expect(ok(answerOffer(offer('c=IN IP4 0.0.0.0'), LOCAL)).remote.address).toBe('0.0.0.0');
  });

  it('uses media-level c= and direction over session-level ones', () => {
    const offer = parseSdp(sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'a=sendonly',
      'm=audio 4000 RTP/AVP 0', 'c=IN IP4 10.0.0.2', 'a=sendrecv'));
    const r = ok(answerOffer(offer, LOCAL));
    expect(r.remote.address).toBe('10.0.0.2');
    expect(r.direction).toBe('sendrecv');
    const sessionOnly = parseSdp(sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'a=recvonly', 'm=audio 4000 RTP/AVP 0'));
    const s = ok(answerOffer(sessionOnly, LOCAL));
    expect(s.remote.address).toBe('10.0.0.1');
    expect(s.direction).toBe('sendonly');
  });

  it('handles IPv6 offers and answers from an IPv6 address', () => {
    const offer = parseSdp(sdp('v=0', 'o=- 1 1 IN IP6 2001:db8::10', 's=-', 'c=IN IP6 2001:db8::10', 't=0 0', 'm=audio 4000 RTP/AVP 8'));
    const r = ok(answerOffer(offer, { ...LOCAL, address: '2001:db8::20' }));
    expect(r.remote.address).toBe('2001:db8::10');
    expect(r.codec.name).toBe('PCMA');
    expect(formatSdp(r.answer)).toContain('o=- 77 1 IN IP6 2001:db8::20\r\ns=-\r\nc=IN IP6 2001:db8::20\r\n');
  });

  it('reports no-common-codec distinctly for a G.729-only offer', () => {
    const offer = parseSdp(sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0',
      'm=audio 4000 RTP/AVP 18 101', 'a=rtpmap:18 G729/8000', 'a=fmtp:18 annexb=no', 'a=rtpmap:101 telephone-event/8000'));
    const f = failure(answerOffer(offer, LOCAL));
    expect(f.error).toBe('no-common-codec');
    expect(f.message).toContain('G729');
    // A PCMA-only offer to a PCMU-only endpoint is the same failure.
    const pcma = parseSdp(SIPP.replace('RTP/AVP 0', 'RTP/AVP 8').replace('a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000'));
    expect(failure(answerOffer(pcma, { ...LOCAL, codecs: ['PCMU'] })).error).toBe('no-common-codec');
  });

  it('reports no-audio and unsupported-transport', () => {
    const head = ['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0'];
    expect(failure(answerOffer(parseSdp(sdp(...head, 'm=video 5000 RTP/AVP 31')), LOCAL)).error).toBe('no-audio');
    expect(failure(answerOffer(parseSdp(sdp(...head)), LOCAL)).error).toBe('no-audio');
    expect(failure(answerOffer(parseSdp(sdp(...head, 'm=audio 0 RTP/AVP 0')), LOCAL)).error).toBe('no-audio');
    expect(failure(answerOffer(parseSdp(sdp(...head, 'm=audio 4000 RTP/SAVP 0', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x')), LOCAL)).error)
      .toBe('unsupported-transport');
    expect(failure(answerOffer(parseSdp(sdp(...head.slice(0, 3), 'c=IN IP4 233.252.0.1/16', 't=0 0', 'm=audio 4000 RTP/AVP 0')), LOCAL)).error)
      .toBe('unsupported-transport');
    // SRTP first, plain RTP second: the plain one is answered, the SRTP one declined.
    const both = ok(answerOffer(parseSdp(sdp(...head, 'm=audio 4000 RTP/SAVP 0', 'm=audio 4002 RTP/AVP 0')), LOCAL));
    expect(both.answer.media.map((m) => m.port)).toEqual([0, 40000]);
  });
});

describe('readAnswer', () => {
  const offer = createOffer(LOCAL);
  const answer = (...media: string[]) =>
    parseSdp(sdp('v=0', 'o=peer 9 9 IN IP4 198.51.100.7', 's=-', 'c=IN IP4 198.51.100.7', 't=0 0', ...media));

  it('reads codec, telephone-event PT and the remote address from a valid answer', () => {
    const r = okRead(readAnswer(offer, answer('m=audio 30000 RTP/AVP 8 97', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:97 telephone-event/8000', 'a=rtcp:30005')));
    expect(r.codec).toEqual({ name: 'PCMA', payloadType: 8 });
    expect(r.telephoneEvent).toBe(97);
    expect(r.remote).toEqual({ address: '198.51.100.7', port: 30000, rtcpPort: 30005, rtcpAddress: '198.51.100.7' });
    expect(r.direction).toBe('sendrecv');
    expect(r.hold).toBe(false);
  });

  it('accepts our own answer to our own offer', () => {
    const a = ok(answerOffer(offer, { ...LOCAL, address: '198.51.100.7', port: 30000 })).answer;
    const r = okRead(readAnswer(offer, parseSdp(formatSdp(a))));
    expect(r.codec).toEqual({ name: 'PCMU', payloadType: 0 });
    expect(r.telephoneEvent).toBe(101);
  });

  it('derives our direction from the answer', () => {
    expect(okRead(readAnswer(offer, answer('m=audio 30000 RTP/AVP 0', 'a=recvonly'))).direction).toBe('sendonly');
    expect(okRead(readAnswer(offer, answer('m=audio 30000 RTP/AVP 0', 'a=sendonly'))).direction).toBe('recvonly');
    const held = okRead(readAnswer(offer, answer('m=audio 30000 RTP/AVP 0', 'c=IN IP4 0.0.0.0')));
    expect([held.direction, held.hold]).toEqual(['recvonly', true]);
  });

  it('rejects answers that break RFC 3264', () => {
    expect(failure(readAnswer(offer, answer('m=audio 30000 RTP/AVP 0', 'm=video 0 RTP/AVP 31'))).error).toBe('invalid-answer');
    expect(failure(readAnswer(offer, answer())).error).toBe('invalid-answer');
    expect(failure(readAnswer(offer, answer('m=video 30000 RTP/AVP 31'))).error).toBe('invalid-answer');
    expect(failure(readAnswer(offer, answer('m=audio 30000 RTP/AVP 18'))).message).toMatch(/none of the offered/);
    expect(failure(readAnswer(offer, answer('m=audio 30000 RTP/SAVP 0'))).error).toBe('invalid-answer');
    const pcmuOnly = createOffer({ ...LOCAL, codecs: ['PCMU'] });
    expect(failure(readAnswer(pcmuOnly, answer('m=audio 30000 RTP/AVP 8'))).error).toBe('invalid-answer');
    expect(failure(readAnswer(offer, answer('m=audio 0 RTP/AVP 0'))).error).toBe('no-audio');
  });

  it('ignores telephone-event in the answer when we did not offer it', () => {
    const plain = createOffer({ ...LOCAL, telephoneEventPayloadType: null });
    expect(okRead(readAnswer(plain, answer('m=audio 30000 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000'))).telephoneEvent).toBeNull();
  });
});
