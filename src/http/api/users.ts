import { randomBytes } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginCallback } from 'fastify';
import { hashPassword, passwordProblem } from '../../auth/password.js';
import type { ApiPrincipal } from '../../store/api-tokens.js';
import { nowIso, type Store } from '../../store/db.js';
import type { UserRole } from '../../store/schema.js';
import { endUserSessions } from '../../store/sessions.js';
import { managedAccountIds, scopedAccount } from './account-scope.js';
import { principalOf } from './auth.js';
import { ApiError, commonErrorResponses, conflictResponse, forbiddenResponse } from './errors.js';
import { authenticatedRoute } from './openapi.js';
import { Id, Nullable, StringEnum } from './schemas.js';

/**
 * Portal users (SPEC §6 "web portal for every role"), managed by the level above them: an
 * administrator any user, a reseller the users of its accounts and those below, an
 * organization manager its organization's managers and extension owners. Extension owners
 * manage only themselves (/me). Roles fit accounts: admin the provider, reseller a reseller,
 * organization managers and extension owners an organization.
 */

const ROLES = ['admin', 'reseller', 'org_manager', 'extension_owner'] as const;
const Role = StringEnum(ROLES, 'admin (the provider), reseller, org_manager (an organization), extension_owner (one extension)');
/** Which account kind each role belongs to. */
const ROLE_ACCOUNT: Record<UserRole, 'provider' | 'reseller' | 'organization'> = { admin: 'provider', reseller: 'reseller', org_manager: 'organization', extension_owner: 'organization' };
/** Which roles each role may create and manage. */
const MAY_MANAGE: Record<UserRole, readonly UserRole[]> = {
  admin: ROLES,
  reseller: ['reseller', 'org_manager', 'extension_owner'],
  org_manager: ['org_manager', 'extension_owner'],
  extension_owner: [],
};

const User = Type.Object(
  {
    id: Type.Integer(),
    email: Type.String(),
    role: Role,
    accountId: Type.Integer({ description: 'The account the user belongs to' }),
    accountName: Type.String(),
    extensionId: Nullable(Type.Integer({ description: "An extension owner's extension" })),
    extensionNumber: Nullable(Type.String()),
    disabled: Type.Boolean({ description: 'A disabled user cannot sign in; their sessions and API tokens stop working' }),
    lockedUntil: Nullable(Type.String({ format: 'date-time', description: 'Set while sign-in is locked after failed attempts' })),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false, description: 'A portal user' },
);
type User = Static<typeof User>;

const UserList = Type.Object({ users: Type.Array(User), total: Type.Integer() }, { additionalProperties: false });
type UserList = Static<typeof UserList>;
const ListQuery = Type.Object(
  {
    search: Type.Optional(Type.String({ maxLength: 100, description: 'Part of the e-mail address' })),
    accountId: Type.Optional(Id('Only users of this account')),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
);
type ListQuery = Static<typeof ListQuery>;

const NewUser = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 254, description: 'The sign-in address (kept in lower case)' }),
    role: Role,
    accountId: Id('The account: the provider for admin, a reseller for reseller, an organization otherwise'),
    extensionId: Type.Optional(Nullable(Id("An extension owner's extension (of that organization)"))),
    password: Type.Optional(Type.String({ maxLength: 1024, description: 'At least 10 characters; left out, one is made and answered once as initialPassword' })),
  },
  { additionalProperties: false },
);
type NewUser = Static<typeof NewUser>;
const CreatedUser = Type.Object({ ...User.properties, initialPassword: Type.Optional(Type.String({ description: 'The password made for the user, shown only in this answer' })) }, { additionalProperties: false });
type CreatedUser = Static<typeof CreatedUser>;

const UserChange = Type.Object(
  {
    disabled: Type.Optional(Type.Boolean({ description: 'true signs the user out everywhere and stops their API tokens' })),
    unlock: Type.Optional(Type.Literal(true, { description: 'Ends a sign-in lock after failed attempts' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
type UserChange = Static<typeof UserChange>;
const UserParams = Type.Object({ userId: Id("The user's id") }, { additionalProperties: false });
type UserParams = Static<typeof UserParams>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const userNotFound = (): ApiError => new ApiError(404, 'not_found', 'no such user');
const notForOwners = (): ApiError => new ApiError(403, 'forbidden', 'extension owners manage only themselves: see /me');

export interface UserRoutesOptions {
  store: Store;
}

export const userRoutes: FastifyPluginCallback<UserRoutesOptions> = (app: FastifyInstance, { store }, done) => {
  const db = store.db;

  const selectUsers = () =>
    db
      .selectFrom('users as u')
      .innerJoin('accounts as a', 'a.id', 'u.accountId')
      .leftJoin('extensions as e', 'e.id', 'u.extensionId')
      .select(['u.id', 'u.email', 'u.role', 'u.accountId', 'a.name as accountName', 'u.extensionId', 'e.number as extensionNumber', 'u.disabled', 'u.lockedUntil', 'u.createdAt']);
  type Row = Awaited<ReturnType<ReturnType<typeof selectUsers>['executeTakeFirstOrThrow']>>;
  const view = (row: Row): User => ({ ...row, disabled: row.disabled === 1, lockedUntil: row.lockedUntil !== null && Date.parse(row.lockedUntil) > Date.now() ? row.lockedUntil : null });

  const audit = (principal: ApiPrincipal, action: string, email: string, details: Record<string, unknown>) =>
    db.insertInto('auditLog').values({ at: nowIso(), actor: principal.email, action, entity: 'user', entityId: email, details: JSON.stringify(details) }).execute();

  /** A user the caller may manage, or 404 (not visible) / 403 (visible, but a role above theirs). */
  const managedUser = async (principal: ApiPrincipal, userId: number): Promise<Row> => {
    if (principal.role === 'extension_owner') throw notForOwners();
    const row = await selectUsers().where('u.id', '=', userId).executeTakeFirst();
    const accounts = await managedAccountIds(db, principal);
    if (!row || (accounts !== null && !accounts.includes(row.accountId))) throw userNotFound();
    if (!MAY_MANAGE[principal.role].includes(row.role)) throw new ApiError(403, 'forbidden', `a ${principal.role} cannot manage a user whose role is ${row.role}`);
    return row;
  };

  app.get<{ Querystring: ListQuery; Reply: UserList }>(
    '/users',
    authenticatedRoute({
      schema: { summary: 'Portal users the caller manages, by e-mail', tags: ['users'], operationId: 'listUsers', querystring: ListQuery, response: { 200: UserList, ...commonErrorResponses, 403: forbiddenResponse } },
    }),
    async (request) => {
      const principal = principalOf(request);
      if (principal.role === 'extension_owner') throw notForOwners();
      const accounts = await managedAccountIds(db, principal);
      if (request.query.accountId !== undefined && accounts !== null && !accounts.includes(request.query.accountId)) throw new ApiError(404, 'not_found', 'no such account', 'accountId');
      let query = selectUsers();
      if (accounts !== null) query = query.where('u.accountId', 'in', accounts.length > 0 ? accounts : [-1]);
      if (request.query.accountId !== undefined) query = query.where('u.accountId', '=', request.query.accountId);
      const search = request.query.search?.trim().toLowerCase();
      if (search) query = query.where('u.email', 'like', `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      const rows = await query.orderBy('u.email').execute();
      const offset = request.query.offset ?? 0;
      return { users: rows.slice(offset, offset + (request.query.limit ?? 50)).map(view), total: rows.length };
    },
  );

  app.post<{ Body: NewUser; Reply: CreatedUser }>(
    '/users',
    authenticatedRoute({
      schema: {
        summary: 'Make a portal user at the caller’s level or below',
        description: 'An organization manager makes managers and extension owners of its organization; a reseller also resellers of its accounts; an administrator anyone.',
        tags: ['users'],
        operationId: 'createUser',
        body: NewUser,
        response: { 201: CreatedUser, ...commonErrorResponses, 403: forbiddenResponse, 409: conflictResponse },
      },
    }),
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.role === 'extension_owner') throw notForOwners();
      const body = request.body;
      const email = body.email.trim().toLowerCase();
      if (!EMAIL.test(email)) throw new ApiError(400, 'bad_request', `${JSON.stringify(body.email)} is not an e-mail address`, 'email');
      if (!MAY_MANAGE[principal.role].includes(body.role)) throw new ApiError(403, 'forbidden', `a ${principal.role} cannot make a user whose role is ${body.role}`, 'role');
      const account = await scopedAccount(db, principal, body.accountId).catch(() => {
        throw new ApiError(404, 'not_found', 'no such account', 'accountId');
      });
      if (!account.canChange) throw new ApiError(403, 'forbidden', 'this account is not yours to change', 'accountId');
      if (account.kind !== ROLE_ACCOUNT[body.role]) throw new ApiError(400, 'bad_request', `a ${body.role} belongs to a ${ROLE_ACCOUNT[body.role]} account, and ${account.name} is a ${account.kind}`, 'accountId');
      let extensionId: number | null = null;
      if (body.role === 'extension_owner') {
        if (body.extensionId === undefined || body.extensionId === null) throw new ApiError(400, 'bad_request', 'an extension owner needs their extension', 'extensionId');
        const extension = await db.selectFrom('extensions').select('id').where('id', '=', body.extensionId).where('accountId', '=', account.id).executeTakeFirst();
        if (!extension) throw new ApiError(400, 'bad_request', `${account.name} has no extension with id ${body.extensionId}`, 'extensionId');
        extensionId = extension.id;
      } else if (body.extensionId !== undefined && body.extensionId !== null) {
        throw new ApiError(400, 'bad_request', 'only extension owners have an extension', 'extensionId');
      }
      const made = body.password === undefined ? randomBytes(12).toString('base64url') : null;
      const password = body.password ?? (made as string);
      const problem = passwordProblem(password);
      if (problem) throw new ApiError(400, 'bad_request', problem, 'password');
      if (password.toLowerCase() === email) throw new ApiError(400, 'bad_request', 'the password must not be the e-mail address', 'password');
      const passwordHash = await hashPassword(password);
      const now = nowIso();
      const id = await db.transaction().execute(async (trx) => {
        const taken = await trx.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
        if (taken) throw new ApiError(409, 'conflict', `the e-mail ${email} is already used by another user`, 'email');
        const row = await trx
          .insertInto('users')
          .values({ accountId: account.id, email, passwordHash, role: body.role, extensionId, lockedUntil: null, createdAt: now, updatedAt: now })
          .returning('id')
          .executeTakeFirstOrThrow();
        return row.id;
      });
      await audit(principal, 'create', email, { role: body.role, accountId: account.id, extensionId });
      const created = view(await selectUsers().where('u.id', '=', id).executeTakeFirstOrThrow());
      return reply.code(201).send(made ? { ...created, initialPassword: made } : created);
    },
  );

  app.patch<{ Params: UserParams; Body: UserChange; Reply: User }>(
    '/users/:userId',
    authenticatedRoute({
      schema: {
        summary: 'Disable or enable a user, or end their sign-in lock',
        tags: ['users'],
        operationId: 'changeUser',
        params: UserParams,
        body: UserChange,
        response: { 200: User, ...commonErrorResponses, 403: forbiddenResponse, 409: conflictResponse },
      },
    }),
    async (request) => {
      const principal = principalOf(request);
      const user = await managedUser(principal, request.params.userId);
      const { disabled, unlock } = request.body;
      if (disabled === true && user.id === principal.userId) throw new ApiError(409, 'conflict', 'you cannot disable yourself', 'disabled');
      await db
        .updateTable('users')
        .set({ ...(disabled !== undefined ? { disabled: disabled ? 1 : 0 } : {}), ...(unlock ? { lockedUntil: null, failedSignIns: 0 } : {}), updatedAt: nowIso() })
        .where('id', '=', user.id)
        .execute();
      if (disabled === true) await endUserSessions(db, user.id);
      await audit(principal, disabled === true ? 'disable' : disabled === false ? 'enable' : 'unlock', user.email, { ...request.body });
      return view(await selectUsers().where('u.id', '=', user.id).executeTakeFirstOrThrow());
    },
  );

  app.delete<{ Params: UserParams }>(
    '/users/:userId',
    authenticatedRoute({
      schema: { summary: 'Remove a user (their sessions and API tokens go with them)', tags: ['users'], operationId: 'deleteUser', params: UserParams, response: { 204: Type.Null(), ...commonErrorResponses, 403: forbiddenResponse, 409: conflictResponse } },
    }),
    async (request, reply) => {
      const principal = principalOf(request);
      const user = await managedUser(principal, request.params.userId);
      if (user.id === principal.userId) throw new ApiError(409, 'conflict', 'you cannot remove yourself');
      await db.deleteFrom('users').where('id', '=', user.id).execute();
      await audit(principal, 'delete', user.email, { role: user.role });
      return reply.code(204).send();
    },
  );

  done();
};
