import { randomBytes } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { hashPassword, passwordProblem, verifyPassword } from '../../auth/password.js';
import { clientAddressKey } from '../../domain/request-limits.js';
import { DEFAULT_ADDRESS_FAILURE_LIMIT, FailureLimiter, LOCK_AFTER, retryAfterSeconds } from '../../domain/sign-in-limits.js';
import { createApiToken, listApiTokens, revokeApiToken } from '../../store/api-tokens.js';
import { nowIso, type Store } from '../../store/db.js';
import {
  claimSignInAttempt,
  clearSignInFailures,
  createSession,
  endSession,
  endSessionBySecret,
  endUserSessions,
  findUserForSignIn,
  type AttemptClaim,
} from '../../store/sessions.js';
import { principalOf } from './auth.js';
import { ApiError, commonErrorResponses, conflictResponse, ErrorBody, sendError } from './errors.js';
import { authenticatedRoute, publicRoute } from './openapi.js';
import { clearSessionCookie, readSessionCookie, setSessionCookie, type SessionOptions } from './session-auth.js';
import { Nullable, ONE_LINE_TEXT } from './schemas.js';

const MAX_LIVE_TOKENS = 50;

/** One answer for an unknown e-mail and a wrong password, so sign-in cannot tell which e-mails exist. */
export const WRONG_CREDENTIALS = 'wrong e-mail or password';

const User = Type.Object(
  {
    id: Type.Integer(),
    email: Type.String(),
    role: Type.Unsafe<'admin' | 'reseller' | 'org_manager' | 'extension_owner'>({
      type: 'string',
      enum: ['admin', 'reseller', 'org_manager', 'extension_owner'],
      description: 'admin: the whole server; reseller: the organizations under its account; org_manager: its organization; extension_owner: one extension',
    }),
    accountId: Type.Integer({ description: 'The account the user belongs to (provider, reseller or organization)' }),
    extensionId: Nullable(Type.Integer({ description: "An extension owner's extension; null for the other roles" })),
  },
  { additionalProperties: false, description: 'The signed-in user' },
);
type User = Static<typeof User>;

const SignIn = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 254, description: 'The e-mail address (any case)' }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);
type SignIn = Static<typeof SignIn>;

const SignedIn = Type.Object(
  {
    user: User,
    csrfToken: Type.String({ description: 'Send it as X-CSRF-Token with every POST, PUT, PATCH and DELETE made with the session cookie' }),
    expiresAt: Type.String({ format: 'date-time', description: 'When the session ends at the latest (it ends sooner after 12 hours without requests)' }),
  },
  { additionalProperties: false },
);
type SignedIn = Static<typeof SignedIn>;

const Me = Type.Object(
  {
    user: User,
    extension: Nullable(
      Type.Object(
        {
          id: Type.Integer(),
          number: Type.String(),
          name: Type.String(),
          type: Type.Unsafe<'phone' | 'callback'>({ type: 'string', enum: ['phone', 'callback'] }),
        },
        { additionalProperties: false, description: "An extension owner's extension; null for the other roles" },
      ),
    ),
    account: Type.Object(
      {
        id: Type.Integer(),
        name: Type.String(),
        kind: Type.Unsafe<'provider' | 'reseller' | 'organization'>({ type: 'string', enum: ['provider', 'reseller', 'organization'] }),
      },
      { additionalProperties: false, description: "The user's account (an extension owner's: the extension's organization), so the portal can name it" },
    ),
    csrfToken: Nullable(Type.String({ description: "The session's CSRF token (after a page reload); null with an API token" })),
  },
  { additionalProperties: false },
);
type Me = Static<typeof Me>;

const PasswordChange = Type.Object(
  {
    currentPassword: Type.String({ minLength: 1, maxLength: 1024 }),
    newPassword: Type.String({ maxLength: 1024, description: 'At least 10 characters, not the e-mail address, not the current password' }),
  },
  { additionalProperties: false },
);
type PasswordChange = Static<typeof PasswordChange>;

const TokenSummary = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    lastUsedAt: Nullable(Type.String({ format: 'date-time', description: 'Recorded at most once a minute' })),
    revokedAt: Nullable(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
const TokenList = Type.Object({ items: Type.Array(TokenSummary, { description: 'Oldest first; revoked ones too' }) }, { additionalProperties: false });
type TokenList = Static<typeof TokenList>;
const TokenCreate = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100, pattern: ONE_LINE_TEXT, description: 'What the token is for (plain text, at most 100 characters)' }) },
  { additionalProperties: false },
);
type TokenCreate = Static<typeof TokenCreate>;
const TokenCreated = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    token: Type.String({ description: 'The token itself, dbk_ and 43 base64url characters: shown this once, kept nowhere' }),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
type TokenCreated = Static<typeof TokenCreated>;
const TokenParams = Type.Object(
  { id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: "The token's id" }) },
  { additionalProperties: false },
);
type TokenParams = Static<typeof TokenParams>;

const described = (description: string) => ({ ...ErrorBody, description });
const withRetryAfter = (description: string) => ({
  ...described(description),
  headers: { 'Retry-After': { type: 'integer', minimum: 1, description: 'Seconds to wait before trying again' } },
});
const { 404: _notFound, ...authErrors } = commonErrorResponses;
const NoContent = (description: string) => ({ type: 'null', description }) as const;

export interface SessionRoutesOptions {
  store: Store;
  /** The server's public base URL (DIALBACK_PUBLIC_URL): sign-in from its origin is same-site. */
  publicUrl: string;
  sessions: SessionOptions;
}

/**
 * The portal's sign-in and the signed-in user's own things: POST/DELETE /session, GET /me,
 * PUT /me/password, and the user's API tokens under /me/tokens.
 */
export const sessionRoutes: FastifyPluginCallback<SessionRoutesOptions> = (app: FastifyInstance, { store, publicUrl, sessions }, done) => {
  const { db } = store;
  const clock = sessions.clock ?? Date.now;
  const addressFailures = new FailureLimiter(sessions.addressFailureLimit ?? DEFAULT_ADDRESS_FAILURE_LIMIT);
  const publicOrigin = originOf(publicUrl);
  // Unknown e-mails are checked against this hash, so they take as long as a wrong password.
  let decoy: Promise<string> | null = null;
  const decoyHash = () => (decoy ??= hashPassword(randomBytes(16).toString('base64')));

  const tooMany = (reply: FastifyReply, until: number, now: number, message: string) => {
    reply.header('retry-after', String(retryAfterSeconds(until, now)));
    return sendError(reply, 429, 'too_many_requests', message);
  };
  const refusedAttempt = (reply: FastifyReply, claim: AttemptClaim & { status: 'blocked' }, now: number) =>
    tooMany(
      reply,
      claim.until,
      now,
      claim.locked
        ? `too many failed sign-ins: the account is locked until ${nowIso(() => claim.until)}; try again then`
        : `too many failed sign-ins; wait ${retryAfterSeconds(claim.until, now)} seconds before trying again`,
    );
  const noteLock = async (request: FastifyRequest, user: { id: number; email: string }, failures: number, now: number) => {
    if (failures !== LOCK_AFTER) return;
    request.log.warn({ userId: user.id }, 'user locked after failed sign-ins');
    await db
      .insertInto('auditLog')
      .values({ at: nowIso(() => now), actor: 'sign-in', action: 'lock', entity: 'user', entityId: user.email, details: JSON.stringify({ failures }) })
      .execute();
  };

  app.post<{ Body: SignIn; Reply: SignedIn }>(
    '/session',
    publicRoute({
      schema: {
        summary: 'Sign in (the web portal): sets the session cookie and answers the CSRF token',
        description:
          'Answers `Set-Cookie: dialback_session=...; HttpOnly; SameSite=Strict; Path=/` (Secure over https). ' +
          'After 5 failed sign-ins in a row each further attempt must wait (5 s, doubling), after 10 the user is locked ' +
          'for 15 minutes; a success starts over. Failed sign-ins from one client address are limited as well. ' +
          'Requests from another site (Origin, Sec-Fetch-Site) are refused.',
        tags: ['session'],
        operationId: 'signIn',
        body: SignIn,
        response: {
          200: SignedIn,
          400: commonErrorResponses[400],
          401: described('Wrong e-mail or password (one answer for both), or the user is disabled'),
          403: described('The request came from another site'),
          429: withRetryAfter('Too many failed sign-ins: for the user (wait, or locked until the time said) or from this address'),
          500: commonErrorResponses[500],
        },
      },
    }),
    async (request, reply) => {
      const crossSite = crossSiteProblem(request, publicOrigin);
      if (crossSite) return sendError(reply, 403, 'forbidden', crossSite);
      const now = clock();
      const address = clientAddressKey(request.ip);
      const addressWait = addressFailures.blocked(address, now);
      if (addressWait !== null) {
        reply.header('retry-after', String(addressWait));
        return sendError(reply, 429, 'too_many_requests', `too many failed sign-ins from this address; try again in ${addressWait} seconds`);
      }

      const { password } = request.body;
      const user = await findUserForSignIn(db, request.body.email.trim().toLowerCase());
      const claim: AttemptClaim = user ? await claimSignInAttempt(db, user.id, now) : { status: 'no user' };
      if (claim.status === 'blocked') return refusedAttempt(reply, claim, now);
      if (!user || claim.status !== 'claimed') {
        await verifyPassword(password, await decoyHash());
        addressFailures.record(address, now);
        return sendError(reply, 401, 'unauthorized', WRONG_CREDENTIALS);
      }
      if (!(await verifyPassword(password, user.passwordHash))) {
        addressFailures.record(address, now);
        await noteLock(request, user, claim.failures, now);
        return sendError(reply, 401, 'unauthorized', WRONG_CREDENTIALS);
      }
      if (user.disabled) return sendError(reply, 401, 'unauthorized', 'this user is disabled; ask an administrator');

      await clearSignInFailures(db, user.id);
      const previous = readSessionCookie(request.headers.cookie);
      if (previous !== null) await endSessionBySecret(db, previous);
      const session = await createSession(db, {
        userId: user.id,
        userAgent: request.headers['user-agent'] ?? null,
        clientAddress: request.ip,
        nowMs: now,
      });
      setSessionCookie(reply, request, sessions, session.secret);
      reply.header('cache-control', 'no-store');
      return {
        user: { id: user.id, email: user.email, role: user.role, accountId: user.accountId, extensionId: user.extensionId },
        csrfToken: session.csrfToken,
        expiresAt: session.expiresAt,
      };
    },
  );

  app.delete(
    '/session',
    authenticatedRoute({
      schema: {
        summary: 'Sign out: ends the session and clears its cookie (needs X-CSRF-Token)',
        tags: ['session'],
        operationId: 'signOut',
        response: {
          204: NoContent('Signed out'),
          ...authErrors,
          403: described('Missing or wrong X-CSRF-Token'),
          409: { ...conflictResponse, description: 'The request came with an API token, not a session: there is nothing to sign out of' },
        },
      },
    }),
    async (request, reply) => {
      if (!request.apiSession) {
        throw new ApiError(409, 'conflict', 'this request came with an API token, not a session; revoke the token instead (DELETE /api/v1/me/tokens/{id})');
      }
      await endSession(db, request.apiSession.id);
      clearSessionCookie(reply, request, sessions);
      return reply.code(204).send();
    },
  );

  app.get<{ Reply: Me }>(
    '/me',
    authenticatedRoute({
      schema: {
        summary: 'The signed-in user (or the API token\'s), with an extension owner\'s extension',
        tags: ['session'],
        operationId: 'getMe',
        response: { 200: Me, ...authErrors },
      },
    }),
    async (request, reply) => {
      const principal = principalOf(request);
      const extension =
        principal.role === 'extension_owner' && principal.extensionId !== null
          ? ((await db
              .selectFrom('extensions')
              .select(['id', 'number', 'name', 'type'])
              .where('id', '=', principal.extensionId)
              .executeTakeFirst()) ?? null)
          : null;
      const account = await db.selectFrom('accounts').select(['id', 'name', 'kind']).where('id', '=', principal.accountId).executeTakeFirstOrThrow();
      reply.header('cache-control', 'no-store');
      return {
        user: userView(principal),
        extension,
        account,
        csrfToken: request.apiSession?.csrfToken ?? null,
      };
    },
  );

  app.put<{ Body: PasswordChange }>(
    '/me/password',
    authenticatedRoute({
      schema: {
        summary: "Change the user's password; ends the user's other sessions",
        description: 'A wrong currentPassword counts as a failed sign-in (the same slow-down and lock).',
        tags: ['session'],
        operationId: 'changePassword',
        body: PasswordChange,
        response: {
          204: NoContent('Changed; the other sessions of the user have ended'),
          ...authErrors,
          403: described('Missing or wrong X-CSRF-Token'),
          429: withRetryAfter('Too many wrong passwords: wait, or locked until the time said'),
        },
      },
    }),
    async (request, reply) => {
      const principal = principalOf(request);
      const { currentPassword, newPassword } = request.body;
      const problem = passwordProblem(newPassword);
      if (problem) throw new ApiError(400, 'bad_request', `newPassword: ${problem}`, 'newPassword');
      if (newPassword.trim().toLowerCase() === principal.email.toLowerCase()) {
        throw new ApiError(400, 'bad_request', 'newPassword: the password must not be the e-mail address', 'newPassword');
      }
      if (newPassword === currentPassword) throw new ApiError(400, 'bad_request', 'newPassword: the new password must differ from the current one', 'newPassword');

      const now = clock();
      const user = await findUserForSignIn(db, principal.email);
      if (!user) throw new ApiError(401, 'unauthorized', 'the user no longer exists');
      const claim = await claimSignInAttempt(db, user.id, now);
      if (claim.status === 'blocked') return refusedAttempt(reply, claim, now);
      if (claim.status !== 'claimed') throw new ApiError(401, 'unauthorized', 'the user no longer exists');
      if (!(await verifyPassword(currentPassword, user.passwordHash))) {
        await noteLock(request, user, claim.failures, now);
        throw new ApiError(400, 'bad_request', 'currentPassword is wrong', 'currentPassword');
      }
      const passwordHash = await hashPassword(newPassword);
      const at = nowIso(() => now);
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ passwordHash, failedSignIns: 0, lockedUntil: null, updatedAt: at }).where('id', '=', user.id).execute();
        const ended = await endUserSessions(trx, user.id, { except: request.apiSession?.id ?? null });
        await trx
          .insertInto('auditLog')
          .values({ at, actor: principal.email, action: 'change password', entity: 'user', entityId: principal.email, details: JSON.stringify({ endedSessions: ended }) })
          .execute();
      });
      return reply.code(204).send();
    },
  );

  app.get<{ Reply: TokenList }>(
    '/me/tokens',
    authenticatedRoute({
      schema: {
        summary: "The user's API tokens (never the secret)",
        tags: ['session'],
        operationId: 'listMyTokens',
        response: { 200: TokenList, ...authErrors },
      },
    }),
    async (request) => ({ items: await listApiTokens(db, principalOf(request).userId) }),
  );

  app.post<{ Body: TokenCreate; Reply: TokenCreated }>(
    '/me/tokens',
    authenticatedRoute({
      schema: {
        summary: 'Make an API token for the user; the answer shows it once',
        tags: ['session'],
        operationId: 'createMyToken',
        body: TokenCreate,
        response: {
          201: TokenCreated,
          ...authErrors,
          403: described('Missing or wrong X-CSRF-Token'),
          409: { ...conflictResponse, description: `The user has ${MAX_LIVE_TOKENS} tokens that are not revoked; revoke one first` },
        },
      },
    }),
    async (request, reply) => {
      const principal = principalOf(request);
      const live = await db
        .selectFrom('apiTokens')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('userId', '=', principal.userId)
        .where('revokedAt', 'is', null)
        .executeTakeFirstOrThrow();
      if (Number(live.count) >= MAX_LIVE_TOKENS) {
        throw new ApiError(409, 'conflict', `you have ${MAX_LIVE_TOKENS} API tokens that are not revoked; revoke one first`);
      }
      const name = request.body.name.trim();
      if (name === '') throw new ApiError(400, 'bad_request', 'name must not be blank', 'name');
      const createdAt = nowIso(clock);
      const { id, token } = await createApiToken(db, { userId: principal.userId, name, actor: principal.email, now: createdAt });
      reply.header('cache-control', 'no-store');
      return reply.code(201).header('location', `${app.prefix}/me/tokens/${id}`).send({ id, name, token, createdAt });
    },
  );

  app.delete<{ Params: TokenParams }>(
    '/me/tokens/:id',
    authenticatedRoute({
      schema: {
        summary: "Revoke one of the user's API tokens (at once; revoking twice is fine)",
        tags: ['session'],
        operationId: 'revokeMyToken',
        params: TokenParams,
        response: {
          204: NoContent('Revoked'),
          ...authErrors,
          403: described('Missing or wrong X-CSRF-Token'),
          404: described('No such token, or not one of this user\'s'),
        },
      },
    }),
    async (request, reply) => {
      const principal = principalOf(request);
      const own = await db
        .selectFrom('apiTokens')
        .select('id')
        .where('id', '=', request.params.id)
        .where('userId', '=', principal.userId)
        .executeTakeFirst();
      if (!own) throw new ApiError(404, 'not_found', 'no such API token');
      await revokeApiToken(db, own.id, { actor: principal.email, now: nowIso(clock) });
      return reply.code(204).send();
    },
  );

  done();
};

function userView(user: { userId: number; email: string; role: User['role']; accountId: number; extensionId: number | null }): User {
  return { id: user.userId, email: user.email, role: user.role, accountId: user.accountId, extensionId: user.extensionId };
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

function hostnameOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * Why a sign-in looks cross-site, or null. Browsers say so in Sec-Fetch-Site; Origin, when
 * sent, must name this server: the host name the request was sent to (any port or scheme:
 * a proxy may change those), or the public URL's origin.
 */
function crossSiteProblem(request: FastifyRequest, publicOrigin: string | null): string | null {
  if (request.headers['sec-fetch-site'] === 'cross-site') return 'signing in from another site is refused (Sec-Fetch-Site: cross-site)';
  const origin = request.headers.origin;
  if (origin === undefined || origin === publicOrigin) return null;
  const originHost = origin === 'null' ? null : hostnameOf(origin);
  if (originHost !== null && originHost === hostnameOf(`http://${request.host}`)) return null;
  return `signing in from another site is refused (Origin: ${origin.slice(0, 100)})`;
}
