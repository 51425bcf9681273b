import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('uses the embedded defaults when nothing is set', () => {
    expect(loadConfig({})).toEqual({
      databaseUrl: 'sqlite:data/dialback.db',
      httpHost: '0.0.0.0',
      httpPort: 8080,
      sipHost: '0.0.0.0',
      sipPort: 5060,
      sipPublicAddress: null,
      rtpPorts: { first: 20000, last: 29999 },
      sipDigestAlgorithms: ['MD5'],
      publicUrl: 'http://localhost:8080',
      trustProxy: false,
      metricsToken: null,
      logLevel: 'info',
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      DIALBACK_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      DIALBACK_HTTP_HOST: '127.0.0.1',
      DIALBACK_HTTP_PORT: '9000',
      DIALBACK_SIP_HOST: '::1',
      DIALBACK_SIP_PORT: '5070',
      DIALBACK_SIP_PUBLIC_ADDRESS: '203.0.113.7',
      DIALBACK_RTP_PORTS: '30000-30999',
      DIALBACK_PUBLIC_URL: 'https://call.example.com/',
      DIALBACK_LOG_LEVEL: 'debug',
      DIALBACK_SIP_DIGEST_ALGORITHMS: 'md5, sha-256',
      DIALBACK_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1',
      DIALBACK_METRICS_TOKEN: ' 0123456789abcdef0123 ',
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/test',
      httpHost: '127.0.0.1',
      httpPort: 9000,
      sipHost: '::1',
      sipPort: 5070,
      sipPublicAddress: '203.0.113.7',
      rtpPorts: { first: 30000, last: 30999 },
      publicUrl: 'https://call.example.com',
      logLevel: 'debug',
      sipDigestAlgorithms: ['MD5', 'SHA-256'],
      trustProxy: ['127.0.0.1', '10.0.0.0/8', '::1'],
      metricsToken: '0123456789abcdef0123',
    });
    expect(loadConfig({ DIALBACK_TRUST_PROXY: '2' }).trustProxy).toBe(2);
  });

  it.each([
    ['DIALBACK_DATABASE_URL', 'mysql://x', /DIALBACK_DATABASE_URL: expected "sqlite:PATH" or "postgres/],
    ['DIALBACK_HTTP_PORT', '80a', /DIALBACK_HTTP_PORT: expected a port number from 1 to 65535, got "80a"/],
    ['DIALBACK_HTTP_PORT', '70000', /DIALBACK_HTTP_PORT: expected a port number/],
    ['DIALBACK_SIP_PORT', '0', /DIALBACK_SIP_PORT: expected a port number/],
    ['DIALBACK_HTTP_HOST', 'not a host!', /DIALBACK_HTTP_HOST: expected an IP address or host name/],
    ['DIALBACK_SIP_PUBLIC_ADDRESS', '0.0.0.0', /DIALBACK_SIP_PUBLIC_ADDRESS: expected the address peers reach/],
    ['DIALBACK_RTP_PORTS', '20000', /DIALBACK_RTP_PORTS: expected a range FIRST-LAST/],
    ['DIALBACK_RTP_PORTS', '30000-20000', /DIALBACK_RTP_PORTS/],
    ['DIALBACK_RTP_PORTS', '80-90', /DIALBACK_RTP_PORTS/],
    ['DIALBACK_PUBLIC_URL', 'ftp://x', /DIALBACK_PUBLIC_URL: expected an http/],
    ['DIALBACK_LOG_LEVEL', 'loud', /DIALBACK_LOG_LEVEL: expected one of fatal, error/],
    ['DIALBACK_SIP_DIGEST_ALGORITHMS', 'SHA-512', /DIALBACK_SIP_DIGEST_ALGORITHMS: expected SHA-256 and\/or MD5/],
    ['DIALBACK_SIP_DIGEST_ALGORITHMS', 'MD5,MD5', /DIALBACK_SIP_DIGEST_ALGORITHMS/],
    ['DIALBACK_TRUST_PROXY', 'yes', /DIALBACK_TRUST_PROXY: expected a number of proxy hops/],
    ['DIALBACK_TRUST_PROXY', '10.0.0.0/33', /DIALBACK_TRUST_PROXY/],
    ['DIALBACK_METRICS_TOKEN', 'short', /DIALBACK_METRICS_TOKEN: expected 16 to 256 printable characters/],
    ['DIALBACK_METRICS_TOKEN', 'has a space in the middle', /DIALBACK_METRICS_TOKEN/],
  ])('refuses %s=%s with a message naming the variable', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('reports every problem at once', () => {
    try {
      loadConfig({ DIALBACK_HTTP_PORT: 'x', DIALBACK_LOG_LEVEL: 'y' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toHaveLength(2);
    }
  });
});
