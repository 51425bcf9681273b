import { describe, expect, it } from 'vitest';
import { SipParseError, formatNameAddress, parseNameAddress, parseUri, tag } from '../../../src/sip/message/index.js';

function status(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof SipParseError) return err.status;
    throw err;
  }
  return undefined;
}

describe('parseNameAddress', () => {
  it('reads name-addr with a token display name and header parameters', () => {
    const a = parseNameAddress('Alice Liddell <sip:alice@atlanta.com;transport=tcp> ;tag=1928301774; expires = 60');
    expect(a.displayName).toBe('Alice Liddell');
    expect(a.uri.params.get('transport')).toBe('tcp');
    expect([...a.params]).toEqual([
      ['tag', '1928301774'],
      ['expires', '60'],
    ]);
    expect(tag(a)).toBe('1928301774');
  });

  it('unescapes quoted display names, which may hold commas, "<" and ";"', () => {
    const a = parseNameAddress('"Watson, Thomas \\"Tom\\" <boss>; \\\\ x" <sip:t.watson@example.org>');
    expect(a.displayName).toBe('Watson, Thomas "Tom" <boss>; \\ x');
    expect(parseNameAddress('"" <sip:a@b>').displayName).toBe('');
    expect(parseNameAddress('"caller"<sip:a@b>').displayName).toBe('caller');
  });

  it('gives parameters after a bare addr-spec to the header, not the URI (§20.10)', () => {
    const a = parseNameAddress('sip:+19725552222@gw1.example.net;unknownparam;tag=x');
    expect(a.displayName).toBeNull();
    expect(a.uri.params.size).toBe(0);
    expect([...a.params]).toEqual([
      ['unknownparam', null],
      ['tag', 'x'],
    ]);
  });

  it('keeps quoted parameter values with their quotes, and IPv6 hosts as values', () => {
    const a = parseNameAddress('<sip:a@b>;+sip.instance="<urn:uuid:f81d4fae>";received=[2001:db8::9:255]');
    expect(a.params.get('+sip.instance')).toBe('"<urn:uuid:f81d4fae>"');
    expect(a.params.get('received')).toBe('[2001:db8::9:255]');
    const v6 = parseNameAddress('"Caller" <sip:caller@[2001:db8::1]:5070>');
    expect([v6.uri.host, v6.uri.port]).toEqual(['[2001:db8::1]', 5070]);
  });

  it('refuses malformed values with 400 and foreign schemes with 416', () => {
    for (const bad of [
      '', '<sip:a@b', '"unterminated <sip:a@b>', 'Bell, Alexander <sip:a@b>', '< sip:a@b>', '<sip:a@b >',
      'sip:a@b?x=y', 'sip:a@b;;tag=1', 'sip:a@b;tag=', '<sip:a@b> junk', 'x <sip:a@b>>',
    ]) {
      expect(status(() => parseNameAddress(bad)), bad).toBe(400);
    }
    expect(status(() => parseNameAddress('<http://www.example.com>'))).toBe(416);
  });
});

describe('formatNameAddress', () => {
  it('always writes <...> and quotes display names only when needed', () => {
    const uri = parseUri('sip:alice@atlanta.com;lr');
    expect(formatNameAddress({ displayName: null, uri, params: new Map([['tag', '1']]) })).toBe('<sip:alice@atlanta.com;lr>;tag=1');
    expect(formatNameAddress({ displayName: 'Alice', uri, params: new Map() })).toBe('Alice <sip:alice@atlanta.com;lr>');
    expect(formatNameAddress({ displayName: 'Liddell, Alice', uri, params: new Map() })).toBe('"Liddell, Alice" <sip:alice@atlanta.com;lr>');
    expect(formatNameAddress({ displayName: 'say "hi"\\', uri, params: new Map() })).toBe('"say \\"hi\\"\\\\" <sip:alice@atlanta.com;lr>');
    expect(formatNameAddress({ displayName: '', uri, params: new Map() })).toBe('"" <sip:alice@atlanta.com;lr>');
  });

  it('round-trips through parseNameAddress, control characters included', () => {
    for (const text of [
      '"BEL:\\\x07 NUL:\\\x00" <sip:a@b>;tag=x',
      'sip:a@b;unknownparam',
      '"Quoted string \\"\\"" <sip:jdrosen@example.com>;newparam=newvalue;secondparam;q=0.33',
    ]) {
      const a = parseNameAddress(text);
      expect(parseNameAddress(formatNameAddress(a))).toEqual(a);
    }
    // A line break cannot be carried in a display name; it becomes a space.
    const a = { displayName: 'two\r\nlines', uri: parseUri('sip:a@b'), params: new Map() };
    expect(parseNameAddress(formatNameAddress(a)).displayName).toBe('two  lines');
  });
});
