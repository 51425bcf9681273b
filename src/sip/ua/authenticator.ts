import { getHeaders } from '../message/index.js';
import type { SipRequest } from '../message/types.js';
import type { ServerTransaction } from '../transaction/server.js';
import type { Endpoint } from '../transport/types.js';
import {
  DigestError,
  NonceManager,
  buildChallenges,
  computeHa1,
  parseCredentials,
  verifyCredentials,
  type DigestCredentials,
  type ServerDigestAlgorithm,
} from './digest.js';

/** Finds the SIP password of a user name (an extension); null when there is no such user. */
export interface CredentialDirectory {
  passwordOf(username: string): Promise<string | null>;
}

export interface AuthenticatorLogger {
  warn(obj: object, msg?: string): void;
}

/**
 * Digest authentication of requests from phones (RFC 3261 §22, RFC 7616): challenges with
 * SHA-256 and MD5, verifies answers, and counts failures per source address so a later
 * layer can ban abusers. It answers the 401/407 itself; callers only see who passed.
 */
export class Authenticator {
  readonly nonces: NonceManager;
  /** Failed authentications per source address (answers with a wrong password, unknown users). */
  readonly failuresBySource = new Map<string, number>();

  /**
   * Offered in this order (RFC 7616 §3.7: preference order) and the only ones accepted.
   * The server configures MD5 alone by default (DIALBACK_SIP_DIGEST_ALGORITHMS): baresip
   * 1.0 aborts on any SHA-256 challenge and SIPp reads only the first one.
   */
  readonly algorithms: readonly ServerDigestAlgorithm[];

  constructor(
    private readonly realm: string,
    private readonly directory: CredentialDirectory,
    private readonly logger?: AuthenticatorLogger,
    clock: () => number = Date.now,
    algorithms: readonly ServerDigestAlgorithm[] = ['SHA-256', 'MD5'],
  ) {
    this.nonces = new NonceManager(undefined, 300, clock);
    this.algorithms = algorithms;
  }

  /**
   * Returns the authenticated user name, or null after answering the request with a
   * challenge (401 for REGISTER, 407 otherwise) or a refusal.
   */
  async authenticate(request: SipRequest, transaction: ServerTransaction, source: Endpoint): Promise<string | null> {
    const proxy = request.method !== 'REGISTER';
    const headerName = proxy ? 'Proxy-Authorization' : 'Authorization';
    const credentials = this.credentialsFor(getHeaders(request, headerName));
    if (!credentials) {
      this.challenge(transaction, proxy, false);
      return null;
    }
    const password = await this.directory.passwordOf(credentials.username);
    const result = verifyCredentials({
      credentials,
      method: request.method,
      nonces: this.nonces,
      realm: this.realm,
      allowedAlgorithms: this.algorithms,
      ha1ForAlgorithm: (algorithm: ServerDigestAlgorithm) =>
        password === null ? null : computeHa1(algorithm, credentials.username, this.realm, password),
    });
    if (result.ok) return credentials.username;
    if (result.reason === 'stale') {
      // RFC 7616 §3.3: the password was right, only the nonce is old: challenge again, stale=true.
      this.challenge(transaction, proxy, true);
      return null;
    }
    this.countFailure(source, credentials.username, result.reason);
    if (result.reason === 'invalid-nonce' || result.reason === 'replay') this.challenge(transaction, proxy, false);
    else transaction.reply(403, 'Forbidden');
    return null;
  }

  private credentialsFor(values: string[]): DigestCredentials | null {
    for (const value of values) {
      try {
        const credentials = parseCredentials(value);
        if (credentials.realm === this.realm) return credentials;
      } catch (error) {
        if (!(error instanceof DigestError)) throw error;
      }
    }
    return null;
  }

  private challenge(transaction: ServerTransaction, proxy: boolean, stale: boolean): void {
    const challenges = buildChallenges({ realm: this.realm, nonces: this.nonces, stale, algorithms: this.algorithms });
    const name = proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate';
    transaction.reply(proxy ? 407 : 401, undefined, { headers: challenges.map((value) => ({ name, value })) });
  }

  private countFailure(source: Endpoint, username: string, reason: string): void {
    const count = (this.failuresBySource.get(source.address) ?? 0) + 1;
    this.failuresBySource.set(source.address, count);
    this.logger?.warn({ source: source.address, username, reason, failures: count }, 'SIP authentication failed');
  }
}
