import { isIP } from 'node:net';

/** The server's settings, read from the environment and validated once at start. */
export interface Config {
  databaseUrl: string;
  httpHost: string;
  httpPort: number;
  sipHost: string;
  sipPort: number;
  /** Put in Via/Contact/SDP when it differs from the bind address (NAT, 0.0.0.0). */
  sipPublicAddress: string | null;
  rtpPorts: { first: number; last: number };
  /** Digest algorithms offered to phones, in order of preference. */
  sipDigestAlgorithms: ('SHA-256' | 'MD5')[];
  /** Base of CallNow links, without a trailing slash. */
  publicUrl: string;
  /**
   * Which proxies in front of the HTTP server to believe about the client's address
   * (X-Forwarded-For): false (none), a number of hops, or addresses/CIDR ranges. The
   * CallNow limits key on that address, so behind a proxy this must be set.
   */
  trustProxy: false | number | string[];
  /** DIALBACK_METRICS_TOKEN: what a Prometheus scraper sends as a bearer token; null: only this host may scrape /metrics. */
  metricsToken: string | null;
  logLevel: LogLevel;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A wrong setting: names the variable and what it expects, so the operator can fix it. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Reads and validates every setting; reports all problems at once, not just the first. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const read = (name: string, fallback: string): string => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? fallback : value.trim();
  };

  const databaseUrl = read('DIALBACK_DATABASE_URL', 'sqlite:data/dialback.db');
  if (!/^sqlite:.+/.test(databaseUrl) && !/^postgres(ql)?:\/\/.+/.test(databaseUrl)) {
    problems.push(
      `DIALBACK_DATABASE_URL: expected "sqlite:PATH" or "postgres://USER@HOST/DB", got "${databaseUrl}"`,
    );
  }

  const host = (name: string, fallback: string): string => {
    const value = read(name, fallback);
    if (!isHost(value)) problems.push(`${name}: expected an IP address or host name, got "${value}"`);
    return value;
  };
  const port = (name: string, fallback: number): number => {
    const text = read(name, String(fallback));
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < 1 || value > 65535) {
      problems.push(`${name}: expected a port number from 1 to 65535, got "${text}"`);
      return fallback;
    }
    return value;
  };

  const httpHost = host('DIALBACK_HTTP_HOST', '0.0.0.0');
  const httpPort = port('DIALBACK_HTTP_PORT', 8080);
  const sipHost = host('DIALBACK_SIP_HOST', '0.0.0.0');
  const sipPort = port('DIALBACK_SIP_PORT', 5060);

  let sipPublicAddress: string | null = null;
  const publicAddress = env.DIALBACK_SIP_PUBLIC_ADDRESS?.trim();
  if (publicAddress) {
    if (!isHost(publicAddress) || publicAddress === '0.0.0.0' || publicAddress === '::') {
      problems.push(
        `DIALBACK_SIP_PUBLIC_ADDRESS: expected the address peers reach this server at, got "${publicAddress}"`,
      );
    } else {
      sipPublicAddress = publicAddress;
    }
  }

  const rtpText = read('DIALBACK_RTP_PORTS', '20000-29999');
  let rtpPorts = { first: 20000, last: 29999 };
  const rtpMatch = /^(\d+)-(\d+)$/.exec(rtpText);
  const first = Number(rtpMatch?.[1]);
  const last = Number(rtpMatch?.[2]);
  if (!rtpMatch || first < 1024 || last > 65535 || last - first < 1) {
    problems.push(
      `DIALBACK_RTP_PORTS: expected a range FIRST-LAST within 1024-65535 holding at least two ports, got "${rtpText}"`,
    );
  } else {
    rtpPorts = { first, last };
  }

  // MD5 alone by default: deployed phones (baresip 1.0 among them) abort on any SHA-256
  // challenge, and SIPp reads only the first. SHA-256 is there for phones that handle it.
  const digestText = read('DIALBACK_SIP_DIGEST_ALGORITHMS', 'MD5');
  const digestList = digestText.split(',').map((a) => a.trim().toUpperCase());
  const sipDigestAlgorithms = digestList.filter((a): a is 'SHA-256' | 'MD5' => a === 'SHA-256' || a === 'MD5');
  if (sipDigestAlgorithms.length !== digestList.length || sipDigestAlgorithms.length === 0 || new Set(digestList).size !== digestList.length) {
    problems.push(`DIALBACK_SIP_DIGEST_ALGORITHMS: expected SHA-256 and/or MD5 in order of preference, e.g. "SHA-256,MD5", got "${digestText}"`);
  }

  const defaultPublicUrl = `http://${httpHost === '0.0.0.0' || httpHost === '::' ? 'localhost' : httpHost}:${httpPort}`;
  const publicUrlText = read('DIALBACK_PUBLIC_URL', defaultPublicUrl);
  let publicUrl = defaultPublicUrl;
  try {
    const url = new URL(publicUrlText);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    publicUrl = url.href.replace(/\/+$/, '');
  } catch {
    problems.push(`DIALBACK_PUBLIC_URL: expected an http:// or https:// URL, got "${publicUrlText}"`);
  }

  const trustText = read('DIALBACK_TRUST_PROXY', '');
  let trustProxy: false | number | string[] = false;
  if (/^\d{1,2}$/.test(trustText)) trustProxy = Number(trustText);
  else if (trustText !== '') {
    const entries = trustText.split(',').map((entry) => entry.trim());
    const bad = entries.filter((entry) => {
      const [address = '', bits, ...rest] = entry.split('/');
      const family = isIP(address);
      if (family === 0 || rest.length > 0) return true;
      return bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
    });
    if (bad.length > 0) problems.push(`DIALBACK_TRUST_PROXY: expected a number of proxy hops, or addresses/CIDR ranges separated by commas (e.g. "10.0.0.0/8,::1"), got "${trustText}"`);
    else trustProxy = entries;
  }

  const metricsText = read('DIALBACK_METRICS_TOKEN', '');
  // Printable ASCII without spaces (it goes in an HTTP header), long enough not to be guessed.
  if (metricsText !== '' && !/^[\x21-\x7e]{16,256}$/.test(metricsText)) {
    problems.push('DIALBACK_METRICS_TOKEN: expected 16 to 256 printable characters without spaces (e.g. from `openssl rand -hex 24`)');
  }

  const logLevelText = read('DIALBACK_LOG_LEVEL', 'info');
  const logLevel = LOG_LEVELS.find((level) => level === logLevelText);
  if (!logLevel) {
    problems.push(`DIALBACK_LOG_LEVEL: expected one of ${LOG_LEVELS.join(', ')}, got "${logLevelText}"`);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    databaseUrl,
    httpHost,
    httpPort,
    sipHost,
    sipPort,
    sipPublicAddress,
    rtpPorts,
    sipDigestAlgorithms,
    publicUrl,
    trustProxy,
    metricsToken: metricsText === '' ? null : metricsText,
    logLevel: logLevel ?? 'info',
  };
}

function isHost(value: string): boolean {
  if (isIP(value) !== 0) return true;
  // RFC 1123 host name: labels of letters, digits and hyphens.
  return (
    value.length <= 253 &&
    /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*$/.test(value)
  );
}
