import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FailureLimit } from '../../domain/sign-in-limits.js';
import { SESSION_ABSOLUTE_MS } from '../../store/sessions.js';

/**
 * The portal's session cookie: its name, attributes, and the CSRF rule that comes with it.
 * Shared by the REST API's authentication hook (auth.ts) and the sign-in routes (session.ts).
 */

declare module 'fastify' {
  interface FastifyRequest {
    /** The portal session a cookie-authenticated request came with (null for API tokens). */
    apiSession: { id: number; csrfToken: string; expiresAt: string } | null;
  }
  interface FastifyContextConfig {
    /** A REST API route anyone may call (signing in); the authentication hook lets it through. */
    publicRoute?: boolean;
  }
}

export const SESSION_COOKIE = 'dialback_session';
export const CSRF_HEADER = 'x-csrf-token';

/** The second security scheme of the REST API, beside bearerAuth: the portal's session cookie. */
export const SESSION_COOKIE_AUTH = 'sessionCookie';
export const sessionCookieScheme = {
  type: 'apiKey',
  in: 'cookie',
  name: SESSION_COOKIE,
  description:
    'The web portal\'s session: POST /api/v1/session with { email, password } sets the HttpOnly, SameSite=Strict ' +
    `cookie ${SESSION_COOKIE} and answers a csrfToken. Every route that takes bearerAuth takes this cookie too. ` +
    'Requests with the cookie and an unsafe method (POST, PUT, PATCH, DELETE) must send that csrfToken in the ' +
    'X-CSRF-Token header, else 403. A session ends after 12 hours without requests, 7 days after sign-in, at sign-out ' +
    '(DELETE /api/v1/session), or when its user changes the password elsewhere.',
} as const;

export interface SessionOptions {
  /** Mark the cookie Secure on every answer; without it, only over https (request.protocol, which trusts X-Forwarded-Proto as far as trustProxy says). */
  secureCookies?: boolean;
  /** The time in milliseconds (tests move it). */
  clock?: () => number;
  /** Failed sign-ins allowed from one client address (IPv6 by its /64); default 20 in 15 minutes. */
  addressFailureLimit?: FailureLimit;
}

export const UNSAFE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The value of our cookie in a Cookie header, or null. With several (other paths' leftovers) the first well-formed one. */
export function readSessionCookie(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (/^[A-Za-z0-9_-]{43}$/.test(value)) return value;
  }
  return null;
}

function secure(request: FastifyRequest, options: SessionOptions): boolean {
  return options.secureCookies === true || request.protocol === 'https';
}

/** Sets the session cookie; it lives as long as the session can (the idle end is the server's to enforce). */
export function setSessionCookie(reply: FastifyReply, request: FastifyRequest, options: SessionOptions, value: string): void {
  const attributes = [`${SESSION_COOKIE}=${value}`, 'HttpOnly', 'SameSite=Strict', 'Path=/', `Max-Age=${Math.floor(SESSION_ABSOLUTE_MS / 1000)}`];
  if (secure(request, options)) attributes.push('Secure');
  reply.header('set-cookie', attributes.join('; '));
}

/** Tells the browser to drop the session cookie. */
export function clearSessionCookie(reply: FastifyReply, request: FastifyRequest, options: SessionOptions): void {
  const attributes = [`${SESSION_COOKIE}=`, 'HttpOnly', 'SameSite=Strict', 'Path=/', 'Max-Age=0', 'Expires=Thu, 01 Jan 1970 00:00:00 GMT'];
  if (secure(request, options)) attributes.push('Secure');
  reply.header('set-cookie', attributes.join('; '));
}

/** Whether the X-CSRF-Token header is the session's token (compared in constant time). */
export function csrfMatches(sent: string | string[] | undefined, expected: string): boolean {
  if (typeof sent !== 'string') return false;
  const a = Buffer.from(sent, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The options as the API uses them: cookies are Secure everywhere when the public URL is https, unless said otherwise. */
export function resolveSessionOptions(options: SessionOptions | undefined, publicUrl: string | undefined): SessionOptions {
  return { ...options, secureCookies: options?.secureCookies ?? publicUrl?.startsWith('https:') === true };
}
