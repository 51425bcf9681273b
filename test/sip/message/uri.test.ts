import { describe, expect, it } from 'vitest';
import { SipParseError, formatUri, parseUri, uriEquals } from '../../../src/sip/message/index.js';

function status(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof SipParseError) return err.status;
    throw err;
  }
  return undefined;
}

describe('parseUri', () => {
  it('reads every component of a SIP URI', () => {
    const u = parseUri('sips:alice:secret@Atlanta.Example.COM:5061;transport=tcp;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent');
    expect(u).toEqual({
      scheme: 'sips',
      user: 'alice',
      password: 'secret',
      host: 'atlanta.example.com',
      port: 5061,
      params: new Map([
        ['transport', 'tcp'],
        ['lr', null],
        ['maddr', '239.255.255.1'],
      ]),
      headers: new Map([
        ['subject', 'project x'],
        ['priority', 'urgent'],
      ]),
    });
  });

  it('accepts a URI without user part and lower-cases scheme, host and parameter names', () => {
    const u = parseUri('SIP:Biloxi.COM;Transport=UDP');
    expect([u.scheme, u.user, u.host, u.port]).toEqual(['sip', null, 'biloxi.com', null]);
    expect([...u.params]).toEqual([['transport', 'UDP']]);
  });

  it('handles IPv6 references, with and without port (RFC 5118 §4.3/4.4)', () => {
    expect(parseUri('sip:[2001:DB8::10]:5070')).toMatchObject({ host: '[2001:db8::10]', port: 5070 });
    expect(parseUri('sip:user@[2001:db8::10]')).toMatchObject({ host: '[2001:db8::10]', port: null });
    // "[2001:db8::10:5070]" is a valid (if surprising) address with no port.
    expect(parseUri('sip:[2001:db8::10:5070]')).toMatchObject({ host: '[2001:db8::10:5070]', port: null });
    // Without brackets the address cannot be told from a port: 400 (RFC 5118 §4.2).
    expect(status(() => parseUri('sip:2001:db8::10'))).toBe(400);
    expect(status(() => parseUri('sip:[2001:db8::zz]'))).toBe(400);
  });

  it('unescapes user, password, parameters and headers once', () => {
    const u = parseUri('sip:%61lice%40home:p%40ss@example.com;n%61me=v%2541?h%41=%3Cx%3E');
    expect(u.user).toBe('alice@home');
    expect(u.password).toBe('p@ss');
    expect(u.params.get('name')).toBe('v%41');
    expect(u.headers.get('hA')).toBe('<x>');
    expect(parseUri('sip:I%C3%B1aki@example.com').user).toBe('Iñaki');
  });

  it('reads tel URIs, keeping the number as the user part', () => {
    const u = parseUri('tel:+1-201-555-0123;phone-context=example.com');
    expect([u.scheme, u.user, u.host]).toEqual(['tel', '+1-201-555-0123', '']);
    expect(u.params.get('phone-context')).toBe('example.com');
  });

  it('refuses other schemes with 416 and garbage with 400', () => {
    expect(status(() => parseUri('mailto:alice@example.com'))).toBe(416);
    expect(status(() => parseUri('soap.beep://192.0.2.103:3002'))).toBe(416);
    for (const bad of [
      '', 'sip', '<sip:a@b>', ' sip:a@b', 'sip:', 'sip:@host', 'sip:a@', 'sip:a@b:', 'sip:a@b:99999',
      'sip:a@b;', 'sip:a@b;x=', 'sip:a b@c', 'sip:a@b c', 'sip:a@b?x', 'sip:a@b%zz', 'sip:a%4@b', 'sip:a@-b',
      'tel:', 'tel:123?x=y',
    ]) {
      expect(status(() => parseUri(bad)), bad).toBe(400);
    }
  });
});

describe('formatUri', () => {
  it('escapes what the grammar does not allow in each component', () => {
    expect(
      formatUri({
        scheme: 'sip',
        user: 'sips:user@example.com',
        password: null,
        host: 'example.net',
        port: null,
        params: new Map<string, string | null>([['name', 'value%41'], ['lr', null]]),
        headers: new Map([['Route', '<sip:example.com;lr>']]),
      }),
    ).toBe('sip:sips%3Auser%40example.com@example.net;name=value%2541;lr?Route=%3Csip:example.com%3Blr%3E');
    expect(formatUri(parseUri('sip:I%20have%20spaces@example.net'))).toBe('sip:I%20have%20spaces@example.net');
    expect(formatUri(parseUri('sip:null-%00@example.com'))).toBe('sip:null-%00@example.com');
  });

  it('round-trips through parseUri', () => {
    for (const text of [
      'sip:alice@atlanta.com',
      'sips:alice:pw@[2001:db8::1]:5061;transport=tls?Subject=hi',
      "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:pw@example.com",
      'sip:user;par=u%40example.net@example.com',
      'tel:+15551234;ext=22',
    ]) {
      const u = parseUri(text);
      expect(parseUri(formatUri(u))).toEqual(u);
    }
  });
});

describe('uriEquals (RFC 3261 §19.1.4)', () => {
  const eq = (a: string, b: string): boolean => uriEquals(parseUri(a), parseUri(b));

  it('holds for the RFC\'s equivalent sets', () => {
    expect(eq('sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp')).toBe(true);
    const carol = ['sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5', 'sip:carol@chicago.com;security=on'];
    for (const a of carol) for (const b of carol) {
      if (a === b) continue;
      // security=on vs newparam=5: each parameter appears in one URI only, so both are ignored.
      expect(eq(a, b), `${a} ${b}`).toBe(true);
    }
    expect(
      eq(
        'sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com',
        'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com',
      ),
    ).toBe(true);
    expect(
      eq('sip:alice@atlanta.com?subject=project%20x&priority=urgent', 'sip:alice@atlanta.com?priority=urgent&subject=project%20x'),
    ).toBe(true);
  });

  it('fails for the RFC\'s non-equivalent pairs', () => {
    // different usernames (userinfo is case-sensitive)
    expect(eq('SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP')).toBe(false);
    // can resolve to different ports
    expect(eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060')).toBe(false);
    // can resolve to different transports
    expect(eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp')).toBe(false);
    // can resolve to different port and transports
    expect(eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp')).toBe(false);
    // different header component
    expect(eq('sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting')).toBe(false);
    // even though that's what phone21.boxesbybob.com resolves to
    expect(eq('sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4')).toBe(false);
  });

  it('is not transitive, as the RFC notes', () => {
    expect(eq('sip:carol@chicago.com', 'sip:carol@chicago.com;security=on')).toBe(true);
    expect(eq('sip:carol@chicago.com', 'sip:carol@chicago.com;security=off')).toBe(true);
    expect(eq('sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off')).toBe(false);
  });

  it('treats user, ttl, method and maddr in one URI only as a difference; schemes must match', () => {
    expect(eq('sip:a@b', 'sip:a@b;user=phone')).toBe(false);
    expect(eq('sip:a@b', 'sip:a@b;ttl=1')).toBe(false);
    expect(eq('sip:a@b', 'sip:a@b;method=INVITE')).toBe(false);
    expect(eq('sip:a@b', 'sip:a@b;maddr=239.1.1.1')).toBe(false);
    expect(eq('sip:a@b', 'sips:a@b')).toBe(false);
    expect(eq('sip:a@b', 'sip:a:pw@b')).toBe(false);
    expect(eq('sip:a@b?X=1', 'sip:a@b?x=1')).toBe(true);
    expect(eq('tel:+1-555-123', 'tel:+1555123')).toBe(true);
  });
});
