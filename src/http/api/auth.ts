import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticateApiToken, type ApiPrincipal } from '../../store/api-tokens.js';
import { accountChain } from '../../store/accounts.js';
import type { Store } from '../../store/db.js';
import { authenticateSession } from '../../store/sessions.js';
import { ApiError, extensionNotFound, sendError } from './errors.js';
import { CSRF_HEADER, UNSAFE_METHODS, clearSessionCookie, csrfMatches, readSessionCookie, type SessionOptions } from './session-auth.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The user the API token (or the portal session) belongs to; set by the REST API's authentication hook. */
    apiPrincipal: ApiPrincipal | null;
  }
}

/** The security scheme every REST API route names in OpenAPI. */
export const BEARER_AUTH = 'bearerAuth';
export const bearerAuthScheme = {
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'dbk_ followed by 43 base64url characters (dialback token create EMAIL)',
  description: 'An API token, made with `dialback token create EMAIL`, sent as `Authorization: Bearer dbk_...`.',
} as const;

const REALM = 'Bearer realm="dialback"';

/**
 * onRequest hook: refuses the request unless it carries a live API token (RFC 6750 challenge
 * on failure) or, without an Authorization header, the cookie of a live portal session. With
 * the cookie, unsafe methods also need the session's CSRF token in X-CSRF-Token. Routes marked
 * `config: { publicRoute: true }` (signing in) pass without either.
 */
export function apiAuthentication(store: Store, sessions: SessionOptions = {}) {
  const clock = sessions.clock ?? Date.now;
  // Returning the sent reply is how an async Fastify hook ends the request early.
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (request.routeOptions.config.publicRoute === true) return undefined;
    const header = request.headers.authorization;
    const cookie = header === undefined ? readSessionCookie(request.headers.cookie) : null;
    if (cookie !== null) {
      const session = await authenticateSession(store.db, cookie, clock());
      if (!session) {
        clearSessionCookie(reply, request, sessions);
        reply.header('WWW-Authenticate', REALM);
        return sendError(reply, 401, 'unauthorized', 'the session has ended (signed out, expired, or the user is disabled); sign in again');
      }
      if (UNSAFE_METHODS.has(request.method) && !csrfMatches(request.headers[CSRF_HEADER], session.csrfToken)) {
        return sendError(reply, 403, 'forbidden', 'missing or wrong CSRF token');
      }
      const { sessionId, csrfToken, expiresAt, ...user } = session;
      request.apiPrincipal = { tokenId: null, sessionId, ...user };
      request.apiSession = { id: sessionId, csrfToken, expiresAt };
      return undefined;
    }
    const match = header === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (!match) {
      reply.header('WWW-Authenticate', REALM);
      return sendError(
        reply,
        401,
        'unauthorized',
        header === undefined
          ? 'send an API token: Authorization: Bearer dbk_... (or sign in: POST /api/v1/session)'
          : 'the Authorization header must be "Bearer dbk_..."',
      );
    }
    const principal = await authenticateApiToken(store.db, match[1] as string);
    if (!principal) {
      reply.header('WWW-Authenticate', `${REALM}, error="invalid_token"`);
      return sendError(reply, 401, 'unauthorized', 'the API token is not valid: unknown, revoked, or its user is disabled');
    }
    request.apiPrincipal = principal;
    return undefined;
  };
}

export function principalOf(request: FastifyRequest): ApiPrincipal {
  // The hook runs before every route of the plugin; a route without it is a programming error.
  if (!request.apiPrincipal) throw new ApiError(401, 'unauthorized', 'send an API token: Authorization: Bearer dbk_...');
  return request.apiPrincipal;
}

export interface ManagedExtension {
  id: number;
  accountId: number;
  number: string;
  name: string;
  type: 'phone' | 'callback';
  /** The extension's organization, then each account above it, nearest first. */
  accountChain: number[];
}

/**
 * The extension, if the token's user may manage it: an admin any, a reseller those of
 * organizations under its account, an organization manager its organization's, an
 * extension owner only their own. Otherwise 404, the same as for a missing extension.
 */
export async function findManagedExtension(store: Store, principal: ApiPrincipal, extensionId: number): Promise<ManagedExtension> {
  const extension = await store.db
    .selectFrom('extensions')
    .select(['id', 'accountId', 'number', 'name', 'type'])
    .where('id', '=', extensionId)
    .executeTakeFirst();
  if (!extension) throw extensionNotFound();
  const chain = await accountChain(store.db, extension.accountId);
  let allowed: boolean;
  switch (principal.role) {
    case 'admin':
      allowed = true;
      break;
    case 'reseller':
      allowed = chain.slice(1).includes(principal.accountId);
      break;
    case 'org_manager':
      allowed = extension.accountId === principal.accountId;
      break;
    case 'extension_owner':
      allowed = principal.extensionId === extension.id;
      break;
    default:
      allowed = false;
  }
  if (!allowed) throw extensionNotFound();
  return { ...extension, accountChain: chain };
}
