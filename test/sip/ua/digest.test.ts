import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DigestClient,
  DigestError,
  MAX_HEADER_VALUE_LENGTH,
  NonceManager,
  answerChallenge,
  buildChallenge,
  buildChallenges,
  computeHa1,
  computeResponse,
  formatChallenge,
  formatCredentials,
  hashUsername,
  parseAlgorithm,
  parseChallenge,
  parseCredentials,
  pickChallenge,
  verifyCredentials,
  type DigestCredentials,
  type ServerDigestAlgorithm,
} from '../../../src/sip/ua/digest.js';

function digestError(fn: () => unknown): DigestError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DigestError) return err;
    throw err;
  }
  throw new Error('expected a DigestError');
}

const md5 = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');
const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

// RFC 7616 §3.9.1 (password "Circle of Life", lower-case "of": erratum 4495).
const RFC7616 = {
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  username: 'Mufasa',
  password: 'Circle of Life',
  uri: '/dir/index.html',
  sha256Response: '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
  md5Response: '8ca523f5e9506fed4657c9700eebdbec',
};
const rfc7616Challenge = (algorithm: string): string =>
  `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, ` +
  `nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`;

describe('RFC vectors', () => {
  it('RFC 7616 §3.9.1: SHA-256 and MD5 responses', () => {
    for (const [algorithm, expected] of [
      ['SHA-256', RFC7616.sha256Response],
      ['MD5', RFC7616.md5Response],
    ] as const) {
      const ha1 = computeHa1(algorithm, RFC7616.username, RFC7616.realm, RFC7616.password);
      const response = computeResponse({
        algorithm,
        ha1,
        nonce: RFC7616.nonce,
        method: 'GET',
        uri: RFC7616.uri,
        qop: 'auth',
        nc: '00000001',
        cnonce: RFC7616.cnonce,
      });
      expect(response).toBe(expected);
    }
  });

  it('RFC 7616 §3.9.1: the client answers both challenges as in the RFC and prefers SHA-256', () => {
    const values = [rfc7616Challenge('SHA-256'), rfc7616Challenge('MD5')];
    const picked = pickChallenge(values);
    expect(picked.algorithm).toBe('SHA-256');
    expect(picked.qop).toEqual(['auth', 'auth-int']);
    // Order of the values must not matter for the choice.
    expect(pickChallenge([...values].reverse()).algorithm).toBe('SHA-256');

    for (const [value, expected] of [
      [values[0], RFC7616.sha256Response],
      [values[1], RFC7616.md5Response],
    ] as const) {
      const header = answerChallenge({
        challenge: value ?? '',
        method: 'GET',
        uri: RFC7616.uri,
        username: RFC7616.username,
        password: RFC7616.password,
        nc: 1,
        cnonce: RFC7616.cnonce,
      });
      const creds = parseCredentials(header);
      expect(creds).toMatchObject({
        username: 'Mufasa',
        realm: RFC7616.realm,
        uri: RFC7616.uri,
        nonce: RFC7616.nonce,
        nc: '00000001',
        cnonce: RFC7616.cnonce,
        qop: 'auth',
        response: expected,
        opaque: RFC7616.opaque,
      });
      // RFC 7616 §3.4: algorithm, qop and nc unquoted; the rest quoted.
      expect(header).toMatch(/ nc=00000001,/);
      expect(header).toMatch(/ qop=auth,/);
      expect(header).toMatch(/ algorithm=(SHA-256|MD5),/);
      expect(header).toContain(`response="${expected}"`);
      expect(header).toContain('uri="/dir/index.html"');
    }
  });

  it('parses the RFC 7616 §3.9.1 Authorization header', () => {
    const header =
      'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, ' +
      'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", ' +
      'qop=auth, response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", ' +
      'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
    expect(parseCredentials(header)).toEqual({
      username: 'Mufasa',
      realm: RFC7616.realm,
      uri: RFC7616.uri,
      algorithm: 'SHA-256',
      nonce: RFC7616.nonce,
      nc: '00000001',
      cnonce: RFC7616.cnonce,
      qop: 'auth',
      response: RFC7616.sha256Response,
      opaque: RFC7616.opaque,
    });
  });

  it('RFC 2617 §3.5: MD5 with qop=auth', () => {
    const challenge =
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", ' +
      'opaque="5ccc069c403ebaf9f0171e9517f40e41"';
    const header = answerChallenge({
      challenge,
      method: 'GET',
      uri: '/dir/index.html',
      username: 'Mufasa',
      password: 'Circle Of Life',
      nc: 1,
      cnonce: '0a4f113b',
    });
    const creds = parseCredentials(header);
    expect(creds.response).toBe('6629fae49393a05397450978507c4ef1');
    expect(creds.opaque).toBe('5ccc069c403ebaf9f0171e9517f40e41');
    // No algorithm in the challenge: none echoed (absent means MD5).
    expect(creds.algorithm).toBeUndefined();
  });

  it('RFC 2069 §2.4 (legacy, no qop; response as corrected by its errata)', () => {
    const challenge =
      'Digest realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"';
    const header = answerChallenge({
      challenge,
      method: 'GET',
      uri: '/dir/index.html',
      username: 'Mufasa',
      password: 'CircleOfLife',
      nc: 1,
      cnonce: 'ignored',
    });
    const creds = parseCredentials(header);
    expect(creds.response).toBe('1949323746fe6a43ef61f9606e7febea');
    // RFC 2617 §3.2.2: no qop offered, so no qop, nc or cnonce may be sent.
    expect(creds.qop).toBeUndefined();
    expect(creds.nc).toBeUndefined();
    expect(creds.cnonce).toBeUndefined();
  });

  it('-sess variants fold nonce and cnonce into HA1 (RFC 7616 §3.4.2)', () => {
    const common = { nonce: 'abc', cnonce: 'xyz', method: 'INVITE', uri: 'sip:bob@biloxi.com', nc: 1 };
    for (const [algorithm, h] of [
      ['MD5-sess', md5],
      ['SHA-256-sess', sha256],
    ] as const) {
      const challenge = `Digest realm="biloxi.com", nonce="abc", qop="auth", algorithm=${algorithm}`;
      const header = answerChallenge({
        challenge,
        method: common.method,
        uri: common.uri,
        username: 'bob',
        password: 'zanzibar',
        nc: common.nc,
        cnonce: common.cnonce,
      });
      const ha1 = h(`${h('bob:biloxi.com:zanzibar')}:abc:xyz`);
      const ha2 = h(`INVITE:${common.uri}`);
      const expected = h(`${ha1}:abc:00000001:xyz:auth:${ha2}`);
      const creds = parseCredentials(header);
      expect(creds.response).toBe(expected);
      expect(creds.algorithm).toBe(algorithm);
    }
  });

  it('-sess without qop, auth-int only and unknown algorithms are refused clearly', () => {
    const base = { method: 'REGISTER', uri: 'sip:example.com', username: 'u', password: 'p', nc: 1 };
    expect(digestError(() => answerChallenge({ ...base, challenge: 'Digest realm="r", nonce="n", algorithm=MD5-sess' })).message).toMatch(
      /MD5-sess offered without qop/,
    );
    expect(digestError(() => answerChallenge({ ...base, challenge: 'Digest realm="r", nonce="n", qop="auth-int"' })).message).toMatch(
      /only auth/,
    );
    expect(
      digestError(() => answerChallenge({ ...base, challenge: 'Digest realm="r", nonce="n", qop="auth", algorithm=SHA-512-256' })).message,
    ).toMatch(/unsupported algorithm "SHA-512-256"/);
    expect(() => computeResponse({ algorithm: 'MD5', ha1: 'x', nonce: 'n', method: 'M', uri: 'u', qop: 'auth-int', nc: '00000001', cnonce: 'c' })).toThrow(
      DigestError,
    );
  });

  it('userhash (RFC 7616 §3.4.4): the username is replaced by H(username:realm); the response is unchanged', () => {
    const plain = 'Digest realm="r", nonce="n", qop="auth", algorithm=SHA-256';
    const hashed = `${plain}, userhash=true`;
    const input = { method: 'REGISTER', uri: 'sip:r', username: 'Mufasa', password: 'pw', nc: 1, cnonce: 'c' };
    const a = parseCredentials(answerChallenge({ ...input, challenge: plain }));
    const b = parseCredentials(answerChallenge({ ...input, challenge: hashed }));
    expect(b.username).toBe(hashUsername('SHA-256', 'Mufasa', 'r'));
    expect(b.username).toBe(sha256('Mufasa:r'));
    expect(b.userhash).toBe(true);
    expect(b.response).toBe(a.response);
  });

  it('parseAlgorithm: absent means MD5, tokens compare case-insensitively', () => {
    expect(parseAlgorithm(undefined)).toBe('MD5');
    expect(parseAlgorithm('md5-Sess')).toBe('MD5-sess');
    expect(parseAlgorithm('sha-256')).toBe('SHA-256');
    expect(parseAlgorithm('SHA-512-256')).toBeNull();
  });
});

describe('parseChallenge', () => {
  it('reads every parameter', () => {
    const c = parseChallenge(
      'Digest realm="sip.example.com", domain="sip:a.example.com sip:b.example.com", nonce="n1", opaque="o", ' +
        'stale=TRUE, algorithm=SHA-256, qop="auth,auth-int", charset=UTF-8, userhash=false',
    );
    expect(c).toEqual({
      realm: 'sip.example.com',
      domain: ['sip:a.example.com', 'sip:b.example.com'],
      nonce: 'n1',
      opaque: 'o',
      stale: true,
      algorithm: 'SHA-256',
      qop: ['auth', 'auth-int'],
      charset: 'UTF-8',
      userhash: false,
    });
  });

  it('handles escaped quotes and commas inside quoted strings', () => {
    const c = parseChallenge('Digest realm="a \\"quoted\\", realm, with \\\\ backslash", nonce="x,y=z"');
    expect(c.realm).toBe('a "quoted", realm, with \\ backslash');
    expect(c.nonce).toBe('x,y=z');
  });

  it('tolerates extra white space, empty list elements and lower-case "digest"', () => {
    const c = parseChallenge('  digest \t realm = "r" ,, nonce="n"  ,  qop = "  auth ,, " ,  ');
    expect(c).toEqual({ realm: 'r', nonce: 'n', qop: ['auth'] });
    expect(parseChallenge('DIGEST realm="r",nonce="n"').realm).toBe('r');
  });

  it('ignores unknown parameters, quoted or not', () => {
    const c = parseChallenge('Digest realm="r", foo=bar, nonce="n", x-extension="a, b"');
    expect(c).toEqual({ realm: 'r', nonce: 'n' });
  });

  it('accepts a quoted algorithm and stale, and an unquoted qop (deployed servers do this)', () => {
    const c = parseChallenge('Digest realm="r", nonce="n", algorithm="MD5", stale="true", qop=auth');
    expect(c.algorithm).toBe('MD5');
    expect(c.stale).toBe(true);
    expect(c.qop).toEqual(['auth']);
    expect(parseChallenge('Digest realm="r", nonce="n", stale=nonsense').stale).toBe(false);
  });

  it.each([
    ['', /no authentication scheme/],
    ['Basic realm="r"', /scheme "Basic", not Digest/],
    ['Digest', /no parameters/],
    ['Digest realm="r"', /lacks the "nonce"/],
    ['Digest nonce="n"', /lacks the "realm"/],
    ['Digest realm="r", nonce="n", realm="s"', /"realm" appears twice/],
    ['Digest realm="r", NONCE="n", nonce="m"', /"nonce" appears twice/],
    ['Digest realm="r, nonce="n"', /expected "," after "realm"/],
    ['Digest realm="r", nonce="n', /unterminated quoted string/],
    ['Digest realm="r", nonce', /expected "=" after "nonce"/],
    ['Digest realm="r", nonce=', /expected a token or quoted string for "nonce"/],
    ['Digest realm="r", nonce="a\r\nVia: x"', /control character/],
    ['Digest realm="r", nonce="n", Digest realm="s"', /one header value holds one challenge/],
    ['Digest realm="r", nonce="n", qop="auth, a/b"', /bad qop value/],
    ['Digest realm=r@x, nonce="n"', /expected "," after "realm"/],
    ['Digestrealm="r"', /expected white space after "Digest"|not Digest/],
  ])('rejects %j', (value, message) => {
    expect(digestError(() => parseChallenge(value)).message).toMatch(message);
  });

  it('refuses oversized values before parsing', () => {
    const huge = `Digest realm="${'a'.repeat(MAX_HEADER_VALUE_LENGTH)}", nonce="n"`;
    expect(digestError(() => parseChallenge(huge)).message).toMatch(/longer than/);
  });

  it('stays fast on pathological input (no backtracking)', () => {
    const nasty = `Digest ${'a=b,'.repeat(15)}${'\\"'.repeat(3000)}`;
    const start = performance.now();
    for (const v of [nasty, `Digest realm="${'\\'.repeat(8000)}`, `Digest ${' '.repeat(8000)}`]) {
      expect(() => parseChallenge(v)).toThrow(DigestError);
    }
    expect(performance.now() - start).toBeLessThan(200);
  });

  it('refuses more than 64 parameters', () => {
    const many = `Digest realm="r", nonce="n", ${Array.from({ length: 70 }, (_, i) => `p${i}=v`).join(', ')}`;
    expect(digestError(() => parseChallenge(many)).message).toMatch(/more than 64 parameters/);
  });
});

describe('parseCredentials', () => {
  const base = 'Digest username="bob", realm="biloxi.com", nonce="n", uri="sip:bob@biloxi.com", response="abc"';

  it('reads every parameter and accepts quoted qop/nc/algorithm from sloppy clients', () => {
    const c = parseCredentials(`${base}, algorithm="MD5", cnonce="c", opaque="o", qop="auth", nc="0000000A", userhash=true`);
    expect(c).toEqual({
      username: 'bob',
      realm: 'biloxi.com',
      nonce: 'n',
      uri: 'sip:bob@biloxi.com',
      response: 'abc',
      algorithm: 'MD5',
      cnonce: 'c',
      opaque: 'o',
      qop: 'auth',
      nc: '0000000A',
      userhash: true,
    });
  });

  it.each([
    ['nc=1', /nc must be 8 hex digits/],
    ['nc=0000000g', /nc must be 8 hex digits/],
    ['nc=000000001', /nc must be 8 hex digits/],
    ['qop="auth auth"', /"qop" must be a token/],
    ['username="x"', /"username" appears twice/],
    ['username*=UTF-8\'\'x', /both "username" and "username\*"/],
  ])('rejects %j', (extra, message) => {
    expect(digestError(() => parseCredentials(`${base}, ${extra}`)).message).toMatch(message);
  });

  it.each(['username', 'realm', 'nonce', 'uri', 'response'])('requires %s', (name) => {
    const without = base.replace(new RegExp(`${name}="[^"]*",? ?`), '');
    expect(digestError(() => parseCredentials(without)).message).toMatch(new RegExp(`lacks the "${name}"`));
  });

  it('decodes username* (RFC 7616 §3.4, RFC 5987)', () => {
    const c = parseCredentials('Digest username*=UTF-8\'\'J%C3%A4s%C3%B8n%20Doe, realm="r", nonce="n", uri="u", response="x"');
    expect(c.username).toBe('Jäsøn Doe');
    expect(() => parseCredentials('Digest username*=ISO-8859-1\'\'x, realm="r", nonce="n", uri="u", response="x"')).toThrow(/UTF-8/);
    expect(() => parseCredentials('Digest username*=UTF-8\'\'%E0%A4%A, realm="r", nonce="n", uri="u", response="x"')).toThrow(DigestError);
  });
});

describe('formatting', () => {
  it('formatChallenge quotes realm/domain/nonce/opaque/qop, not stale/algorithm (RFC 7616 §3.3)', () => {
    const value = formatChallenge({
      realm: 'r "x"',
      domain: ['sip:a', 'sip:b'],
      nonce: 'n',
      opaque: 'o',
      stale: true,
      algorithm: 'SHA-256',
      qop: ['auth', 'auth-int'],
    });
    expect(value).toBe(
      'Digest realm="r \\"x\\"", domain="sip:a sip:b", nonce="n", opaque="o", stale=true, algorithm=SHA-256, qop="auth, auth-int"',
    );
    expect(parseChallenge(value)).toEqual({
      realm: 'r "x"',
      domain: ['sip:a', 'sip:b'],
      nonce: 'n',
      opaque: 'o',
      stale: true,
      algorithm: 'SHA-256',
      qop: ['auth', 'auth-int'],
    });
  });

  it('formatCredentials leaves algorithm, qop and nc unquoted (RFC 7616 §3.4)', () => {
    const value = formatCredentials({
      username: 'bob',
      realm: 'biloxi.com',
      nonce: 'n',
      uri: 'sip:bob@biloxi.com',
      response: 'abc',
      algorithm: 'MD5',
      qop: 'auth',
      nc: '00000001',
      cnonce: 'c',
      opaque: 'o',
    });
    expect(value).toBe(
      'Digest username="bob", realm="biloxi.com", uri="sip:bob@biloxi.com", algorithm=MD5, nonce="n", nc=00000001, cnonce="c", qop=auth, response="abc", opaque="o"',
    );
  });

  it('refuses values that would break the header (CR/LF injection) and non-token tokens', () => {
    const creds = { username: 'bob\r\nVia: evil', realm: 'r', nonce: 'n', uri: 'u', response: 'x' };
    expect(() => formatCredentials(creds)).toThrow(/control character/);
    expect(() => formatCredentials({ ...creds, username: 'bob', algorithm: 'MD5, qop=x' })).toThrow(/must be a token/);
    expect(() => formatCredentials({ ...creds, username: 'bob', nc: '1' })).toThrow(/8 hex digits/);
    expect(() => formatChallenge({ realm: 'r', nonce: 'n', qop: [] })).toThrow(DigestError);
  });
});

describe('NonceManager', () => {
  const secret = Buffer.alloc(32, 7);

  it('issues distinct, well-formed nonces and validates them', () => {
    const nonces = new NonceManager(secret, 300, () => 1_700_000_000_000);
    const a = nonces.issue('r');
    const b = nonces.issue('r');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(nonces.check(a, 'r')).toBe('valid');
  });

  it('reports an expired but authentic nonce as stale (injected clock)', () => {
    let now = 1_700_000_000_000;
    const nonces = new NonceManager(secret, 300, () => now);
    const nonce = nonces.issue('r');
    now += 300_000;
    expect(nonces.check(nonce, 'r')).toBe('valid');
    now += 1;
    expect(nonces.check(nonce, 'r')).toBe('stale');
    // A nonce from the future (the clock stepped back) is stale, not trusted.
    now -= 3_600_000;
    expect(nonces.check(nonce, 'r')).toBe('stale');
  });

  it('refuses forged, tampered, foreign and non-canonical nonces', () => {
    const nonces = new NonceManager(secret, 300, () => 1_700_000_000_000);
    const nonce = nonces.issue('r');
    expect(nonces.check(nonce, 'other-realm')).toBe('invalid');
    expect(new NonceManager(Buffer.alloc(32, 8), 300, () => 1_700_000_000_000).check(nonce, 'r')).toBe('invalid');
    const bytes = Buffer.from(nonce, 'base64url');
    bytes[3] = (bytes[3] ?? 0) ^ 1; // move the timestamp
    expect(nonces.check(bytes.toString('base64url'), 'r')).toBe('invalid');
    for (const junk of ['', 'x', `${nonce}=`, `${nonce.slice(0, 63)}+`, 'A'.repeat(64), nonce.slice(1)]) {
      expect(nonces.check(junk, 'r')).toBe('invalid');
    }
  });

  it('records nc per nonce and refuses replays', () => {
    const nonces = new NonceManager(secret, 300, () => 1_700_000_000_000);
    const nonce = nonces.issue('r');
    expect(nonces.recordNonceCount(nonce, 1)).toBe('ok');
    expect(nonces.recordNonceCount(nonce, 1)).toBe('replay');
    expect(nonces.recordNonceCount(nonce, 3)).toBe('ok');
    expect(nonces.recordNonceCount(nonce, 2)).toBe('replay');
    expect(nonces.recordNonceCount(nonces.issue('r'), 0)).toBe('replay');
  });

  it('bounds its memory; a nonce whose record may have been evicted is stale, never replayable', () => {
    let now = 1_000;
    const nonces = new NonceManager(secret, 300, () => now, 3);
    const issued = Array.from({ length: 5 }, () => {
      now += 1;
      return nonces.issue('r');
    });
    const [first, second, third, fourth, fifth] = issued as [string, string, string, string, string];
    for (const n of [first, second, third, fourth]) expect(nonces.recordNonceCount(n, 1)).toBe('ok');
    expect(nonces.trackedCount).toBe(3);
    // `first` was evicted: replaying its nc=1 must not pass.
    expect(nonces.recordNonceCount(first, 1)).toBe('stale');
    // `fifth` is newer than anything evicted, so its first use is fine.
    expect(nonces.recordNonceCount(fifth, 1)).toBe('ok');
    expect(nonces.trackedCount).toBe(3);
  });

  it('checks its configuration', () => {
    expect(() => new NonceManager(Buffer.alloc(8))).toThrow(RangeError);
    expect(() => new NonceManager(secret, 0)).toThrow(RangeError);
    expect(new NonceManager().check(new NonceManager().issue('r'), 'r')).toBe('invalid');
  });
});

describe('server challenges and verification', () => {
  const realm = 'dialback.example';
  const password = 'correct horse battery';
  const user = 'ext-201';
  const ha1s = (pw: string) => (algorithm: ServerDigestAlgorithm) => computeHa1(algorithm, user, realm, pw);
  const uri = 'sip:dialback.example';

  function setup(start = 1_700_000_000_000) {
    const clock = { now: start };
    const nonces = new NonceManager(Buffer.alloc(32, 1), 300, () => clock.now);
    return { clock, nonces };
  }

  function answer(value: string, nc = 1, pw = password, method = 'REGISTER'): DigestCredentials {
    return parseCredentials(answerChallenge({ challenge: value, method, uri, username: user, password: pw, nc }));
  }

  it('buildChallenges offers SHA-256 then MD5 with qop="auth" and one nonce (RFC 7616 §3.7)', () => {
    const { nonces } = setup();
    const values = buildChallenges({ realm, nonces, opaque: 'op' });
    expect(values).toHaveLength(2);
    const [sha, md] = values.map(parseChallenge) as [ReturnType<typeof parseChallenge>, ReturnType<typeof parseChallenge>];
    expect(sha).toMatchObject({ realm, algorithm: 'SHA-256', qop: ['auth'], opaque: 'op' });
    expect(md).toMatchObject({ realm, algorithm: 'MD5', qop: ['auth'], opaque: 'op' });
    expect(sha.nonce).toBe(md.nonce);
    expect(sha.stale).toBeUndefined();
    expect(values[0]).toMatch(/^Digest realm="dialback\.example", nonce="[A-Za-z0-9_-]{64}", opaque="op", algorithm=SHA-256, qop="auth"$/);
    expect(parseChallenge(buildChallenge({ realm, nonces, algorithm: 'MD5', stale: true })).stale).toBe(true);
  });

  it.each(['SHA-256', 'MD5'] as const)('round trip: a client answer to our %s challenge verifies', (algorithm) => {
    const { nonces } = setup();
    const creds = answer(buildChallenge({ realm, nonces, algorithm }));
    expect(creds.algorithm).toBe(algorithm);
    expect(verifyCredentials({ credentials: creds, method: 'REGISTER', ha1ForAlgorithm: ha1s(password), nonces, realm, expectedUri: uri })).toEqual({
      ok: true,
    });
  });

  it('DigestClient picks SHA-256 from buildChallenges and reuses the nonce with increasing nc', () => {
    const { nonces } = setup();
    const client = new DigestClient({ username: user, password });
    const values = buildChallenges({ realm, nonces });
    const first = parseCredentials(client.respond(values, { method: 'REGISTER', uri }));
    expect(first.algorithm).toBe('SHA-256');
    expect(first.nc).toBe('00000001');
    const again = client.respondAgain({ method: 'INVITE', uri: 'sip:+15551234567@dialback.example' });
    expect(again).not.toBeNull();
    const second = parseCredentials(again ?? '');
    expect(second.nc).toBe('00000002');
    expect(second.cnonce).not.toBe(first.cnonce);
    const verify = (c: DigestCredentials, method: string) =>
      verifyCredentials({ credentials: c, method, ha1ForAlgorithm: ha1s(password), nonces, realm });
    expect(verify(first, 'REGISTER')).toEqual({ ok: true });
    expect(verify(second, 'INVITE')).toEqual({ ok: true });
    // Replaying either is refused.
    expect(verify(first, 'REGISTER')).toEqual({ ok: false, reason: 'replay' });
    expect(verify(second, 'INVITE')).toEqual({ ok: false, reason: 'replay' });
    expect(new DigestClient({ username: user, password }).respondAgain({ method: 'REGISTER', uri })).toBeNull();
  });

  it('DigestClient does not reuse an RFC 2069 (no qop) challenge', () => {
    const client = new DigestClient({ username: 'u', password: 'p' });
    client.respond('Digest realm="r", nonce="n"', { method: 'REGISTER', uri: 'sip:r' });
    expect(client.respondAgain({ method: 'REGISTER', uri: 'sip:r' })).toBeNull();
  });

  it('a correct answer with an expired nonce is stale; a wrong one is not', () => {
    const { clock, nonces } = setup();
    const creds = answer(buildChallenge({ realm, nonces, algorithm: 'SHA-256' }));
    clock.now += 301_000;
    const input = { method: 'REGISTER', nonces, realm };
    expect(verifyCredentials({ ...input, credentials: creds, ha1ForAlgorithm: ha1s(password) })).toEqual({ ok: false, reason: 'stale' });
    // RFC 7616 §3.3: stale=true only when the digest itself was right.
    expect(verifyCredentials({ ...input, credentials: creds, ha1ForAlgorithm: ha1s('wrong password!') })).toEqual({
      ok: false,
      reason: 'wrong-response',
    });
  });

  it('a forged nonce is invalid', () => {
    const { nonces } = setup();
    // Another server's nonce: right shape, wrong secret.
    const other = new NonceManager(Buffer.alloc(32, 2), 300, () => 1_700_000_000_000);
    const creds = answer(buildChallenge({ realm, nonces: other, algorithm: 'MD5' }));
    expect(verifyCredentials({ credentials: creds, method: 'REGISTER', ha1ForAlgorithm: ha1s(password), nonces, realm })).toEqual({
      ok: false,
      reason: 'invalid-nonce',
    });
    const made = answer(`Digest realm="${realm}", nonce="made-up-nonce", qop="auth"`);
    expect(verifyCredentials({ credentials: made, method: 'REGISTER', ha1ForAlgorithm: ha1s(password), nonces, realm })).toEqual({
      ok: false,
      reason: 'invalid-nonce',
    });
  });

  it('wrong password, unknown user, wrong method → wrong-response; nothing recorded', () => {
    const { nonces } = setup();
    const value = buildChallenge({ realm, nonces, algorithm: 'SHA-256' });
    const wrong = answer(value, 1, 'not the password');
    const base = { method: 'REGISTER', nonces, realm };
    expect(verifyCredentials({ ...base, credentials: wrong, ha1ForAlgorithm: ha1s(password) })).toEqual({ ok: false, reason: 'wrong-response' });
    const good = answer(value, 1);
    expect(verifyCredentials({ ...base, credentials: good, ha1ForAlgorithm: () => null })).toEqual({ ok: false, reason: 'wrong-response' });
    expect(verifyCredentials({ ...base, method: 'INVITE', credentials: good, ha1ForAlgorithm: ha1s(password) })).toEqual({
      ok: false,
      reason: 'wrong-response',
    });
    // The forgeries above did not advance the nc record: the genuine nc=1 still passes.
    expect(nonces.trackedCount).toBe(0);
    expect(verifyCredentials({ ...base, credentials: good, ha1ForAlgorithm: ha1s(password) })).toEqual({ ok: true });
    // Upper-case hex from a client is still accepted.
    const upper = answer(value, 2);
    expect(
      verifyCredentials({ ...base, credentials: { ...upper, response: upper.response.toUpperCase() }, ha1ForAlgorithm: ha1s(password) }),
    ).toEqual({ ok: true });
  });

  it('realm mismatch, uri mismatch, missing fields, unsupported algorithms', () => {
    const { nonces } = setup();
    const good = answer(buildChallenge({ realm, nonces, algorithm: 'MD5' }));
    const run = (credentials: DigestCredentials, extra: Partial<Parameters<typeof verifyCredentials>[0]> = {}) =>
      verifyCredentials({ credentials, method: 'REGISTER', ha1ForAlgorithm: ha1s(password), nonces, realm, ...extra });
    expect(run({ ...good, realm: 'elsewhere' })).toEqual({ ok: false, reason: 'realm-mismatch' });
    expect(run(good, { expectedUri: 'sip:other.example' })).toEqual({ ok: false, reason: 'uri-mismatch' });
    const { qop: _qop, ...noQop } = good;
    expect(run(noQop)).toEqual({ ok: false, reason: 'missing-field' });
    const { cnonce: _cnonce, ...noCnonce } = good;
    expect(run(noCnonce)).toEqual({ ok: false, reason: 'missing-field' });
    const { nc: _nc, ...noNc } = good;
    expect(run(noNc)).toEqual({ ok: false, reason: 'missing-field' });
    expect(run({ ...good, response: '' })).toEqual({ ok: false, reason: 'missing-field' });
    expect(run({ ...good, algorithm: 'SHA-512-256' })).toEqual({ ok: false, reason: 'unsupported-algorithm' });
    expect(run({ ...good, algorithm: 'MD5-sess' })).toEqual({ ok: false, reason: 'unsupported-algorithm' });
    expect(run({ ...good, qop: 'auth-int' })).toEqual({ ok: false, reason: 'unsupported-algorithm' });
    // Downgrade refusal: a deployment that accepts only SHA-256.
    expect(run(good, { allowedAlgorithms: ['SHA-256'] })).toEqual({ ok: false, reason: 'unsupported-algorithm' });
    // Absent algorithm means MD5.
    const { algorithm: _algorithm, ...noAlgorithm } = good;
    expect(run(noAlgorithm)).toEqual({ ok: true });
  });

  it('nc replay is refused, higher nc accepted, RFC 2069 answers refused', () => {
    const { nonces } = setup();
    const value = buildChallenge({ realm, nonces, algorithm: 'SHA-256' });
    const run = (credentials: DigestCredentials) =>
      verifyCredentials({ credentials, method: 'REGISTER', ha1ForAlgorithm: ha1s(password), nonces, realm });
    expect(run(answer(value, 5))).toEqual({ ok: true });
    expect(run(answer(value, 5))).toEqual({ ok: false, reason: 'replay' });
    expect(run(answer(value, 4))).toEqual({ ok: false, reason: 'replay' });
    expect(run(answer(value, 6))).toEqual({ ok: true });
    const challenge = parseChallenge(value);
    const legacy = parseCredentials(
      answerChallenge({ challenge: { realm, nonce: challenge.nonce }, method: 'REGISTER', uri, username: user, password, nc: 1 }),
    );
    expect(run(legacy)).toEqual({ ok: false, reason: 'missing-field' });
  });
});

describe('properties', () => {
  // Values a quoted-string can carry: anything but controls (they are refused by design).
  const isControl = (ch: string): boolean => {
    const code = ch.charCodeAt(0);
    return (code < 0x20 && code !== 0x09) || code === 0x7f;
  };
  const text = fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => [...s].filter((ch) => !isControl(ch)).join(''));
  const tokenChars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&\'*+-.^_`|~'.split('');
  const tokenArb = fc.string({ unit: fc.constantFrom(...tokenChars), minLength: 1, maxLength: 16 });
  const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'.split('')), minLength: 8, maxLength: 8 });

  const credentialsArb = fc.record(
    {
      username: text,
      realm: text,
      nonce: text,
      uri: text,
      response: text,
      algorithm: fc.oneof(fc.constantFrom('MD5', 'SHA-256', 'MD5-sess', 'SHA-256-sess'), tokenArb),
      cnonce: text,
      opaque: text,
      qop: tokenArb,
      nc: hex,
      userhash: fc.boolean(),
    },
    { requiredKeys: ['username', 'realm', 'nonce', 'uri', 'response'] },
  );

  it('parseCredentials(formatCredentials(x)) round-trips', () => {
    fc.assert(
      fc.property(credentialsArb, (creds) => {
        expect(parseCredentials(formatCredentials(creds))).toEqual(creds);
      }),
      { numRuns: 500 },
    );
  });

  it('parseChallenge(formatChallenge(x)) round-trips', () => {
    const challengeArb = fc.record(
      {
        realm: text,
        nonce: text,
        opaque: text,
        algorithm: tokenArb,
        qop: fc.array(tokenArb.filter((t) => !t.includes(',')), { minLength: 1, maxLength: 3 }),
        stale: fc.boolean(),
        domain: fc.array(tokenArb, { minLength: 1, maxLength: 3 }),
        userhash: fc.boolean(),
        charset: tokenArb,
      },
      { requiredKeys: ['realm', 'nonce'] },
    );
    fc.assert(
      fc.property(challengeArb, (challenge) => {
        expect(parseChallenge(formatChallenge(challenge))).toEqual(challenge);
      }),
      { numRuns: 300 },
    );
  });

  it('parsers throw nothing but DigestError on arbitrary input', () => {
    const pieces = fc.constantFrom('Digest ', 'digest', '"', '\\', ',', '=', ' ', 'realm', 'nonce', 'nc', 'qop', 'username*', "UTF-8''%", '\r\n');
    const junk = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.array(fc.oneof(pieces, fc.string({ maxLength: 5 })), { maxLength: 40 }).map((a) => a.join('')),
    );
    fc.assert(
      fc.property(junk, (input) => {
        for (const parse of [parseChallenge, parseCredentials]) {
          try {
            parse(input);
          } catch (err) {
            expect(err).toBeInstanceOf(DigestError);
          }
        }
        try {
          pickChallenge([input]);
        } catch (err) {
          expect(err).toBeInstanceOf(DigestError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
