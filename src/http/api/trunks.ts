import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginCallback, FastifyRequest } from 'fastify';
import { bool, nowIso, type Store } from '../../store/db.js';
import type { TrunkTable } from '../../store/schema.js';
import { principalOf } from './auth.js';
import { ApiError, commonErrorResponses, conflictResponse, forbiddenResponse } from './errors.js';
import { authenticatedRoute } from './openapi.js';
import { audit, isUniqueViolation, providerId } from './provider-common.js';
import { Id, Nullable, StringEnum } from './schemas.js';

/**
 * SPEC §6: the SIP trunks to carriers. The provider's administrators only; others get 403 on
 * the list and 404 on a trunk, as for one that does not exist.
 */

const REGISTRATION_NOTE =
  'Calls read the trunk when they start, so host, port, transport, credentials and enabled apply to the next call. ' +
  'A change also makes the server register again to every carrier whose trunk says register (at once, without a restart); ' +
  'a trunk that stops registering is not refreshed and the carrier drops it when the expiry it granted runs out.';

const TrunkParams = Type.Object({ trunkId: Id("The trunk's id") }, { additionalProperties: false });
type TrunkParams = Static<typeof TrunkParams>;

const TrunkView = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    host: Type.String(),
    port: Type.Integer(),
    transport: StringEnum(['udp', 'tcp'] as const, 'SIP transport'),
    username: Nullable(Type.String()),
    hasPassword: Type.Boolean({ description: 'Whether a password is set (it is never returned)' }),
    fromDomain: Nullable(Type.String()),
    register: Type.Boolean(),
    maxChannels: Nullable(Type.Integer()),
    enabled: Type.Boolean(),
    didCount: Type.Integer({ description: 'DIDs delivered by this trunk' }),
    usedBy: Type.Integer({ description: 'Accounts whose calls go out through it' }),
  },
  { additionalProperties: false },
);
type TrunkView = Static<typeof TrunkView>;
const TrunkList = Type.Object({ items: Type.Array(TrunkView) }, { additionalProperties: false });
type TrunkList = Static<typeof TrunkList>;

const HOST = '^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^\\[[0-9A-Fa-f:.]+\\]$';
const fields = {
  name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001F\\u007F]*\\S[^\\u0000-\\u001F\\u007F]*$', description: 'Unique' }),
  host: Type.String({ minLength: 1, maxLength: 253, pattern: HOST, description: 'The carrier: a host name, IPv4 address or [IPv6] address' }),
  port: Type.Integer({ minimum: 1, maximum: 65535, description: 'Default 5060' }),
  transport: StringEnum(['udp', 'tcp'] as const, 'Default udp'),
  username: Nullable(Type.String({ minLength: 1, maxLength: 128, pattern: '^[^\\s\\u0000-\\u001F\\u007F]+$', description: 'For the carrier\'s digest challenges; null: none' })),
  password: Nullable(Type.String({ minLength: 1, maxLength: 128, description: 'Write-only; null: none' })),
  fromDomain: Nullable(Type.String({ minLength: 1, maxLength: 253, pattern: HOST, description: 'The domain of our From and registration; null: the host' })),
  register: Type.Boolean({ description: 'Register to the carrier with the credentials (needs username and password)' }),
  maxChannels: Nullable(Type.Integer({ minimum: 1, maximum: 100000, description: 'Calls at once; null: no limit' })),
  enabled: Type.Boolean({ description: 'A disabled trunk places no calls' }),
};
const NewTrunk = Type.Object(
  {
    name: fields.name,
    host: fields.host,
    port: Type.Optional(fields.port),
    transport: Type.Optional(fields.transport),
    username: Type.Optional(fields.username),
    password: Type.Optional(fields.password),
    fromDomain: Type.Optional(fields.fromDomain),
    register: Type.Optional(fields.register),
    maxChannels: Type.Optional(fields.maxChannels),
    enabled: Type.Optional(fields.enabled),
  },
  { additionalProperties: false },
);
type NewTrunk = Static<typeof NewTrunk>;
const TrunkChange = Type.Partial(Type.Object(fields), { additionalProperties: false, description: 'The fields to change (at least one); a password left out stays as it is' });
type TrunkChange = Static<typeof TrunkChange>;

type TrunkRow = Omit<TrunkTable, 'id' | 'accountId' | 'createdAt' | 'updatedAt' | 'register' | 'enabled'> & { id: number; register: 0 | 1; enabled: 0 | 1 };
const COLUMNS = ['id', 'name', 'host', 'port', 'transport', 'username', 'password', 'fromDomain', 'register', 'maxChannels', 'enabled'] as const;

const trunkNotFound = (): ApiError => new ApiError(404, 'not_found', 'no such trunk');
const notFoundResponse = { ...commonErrorResponses[404], description: 'No such trunk (non-admins see none)' };

/** The provisioning file's rules: credentials come in pairs, and registering needs them. */
function checkCredentials(t: { username: string | null; password: string | null; register: 0 | 1 | boolean }): void {
  if ((t.username === null) !== (t.password === null)) {
    throw new ApiError(400, 'bad_request', 'give both username and password, or neither', t.username === null ? 'username' : 'password');
  }
  if (t.register && t.username === null) throw new ApiError(400, 'bad_request', 'registration needs a username and password', 'register');
}

/** Told after a trunk is added, changed or removed, so carrier registrations follow at once. */
export interface TrunkChangeListener {
  trunksChanged(): void;
}

export interface TrunkRoutesOptions {
  store: Store;
  trunks?: TrunkChangeListener;
}

export const trunkRoutes: FastifyPluginCallback<TrunkRoutesOptions> = (app: FastifyInstance, { store, trunks: listener }, done) => {
  const db = store.db;

  const admin = (request: FastifyRequest, forItem: boolean) => {
    const principal = principalOf(request);
    if (principal.role !== 'admin') {
      if (forItem) throw trunkNotFound();
      throw new ApiError(403, 'forbidden', "only the provider's administrators manage trunks");
    }
    return principal;
  };

  const view = async (t: TrunkRow): Promise<TrunkView> => {
    const [dids, accounts] = await Promise.all([
      db.selectFrom('dids').select(db.fn.countAll<string | number>().as('n')).where('trunkId', '=', t.id).executeTakeFirstOrThrow(),
      db.selectFrom('accounts').select(db.fn.countAll<string | number>().as('n')).where('trunkId', '=', t.id).executeTakeFirstOrThrow(),
    ]);
    return {
      id: t.id,
      name: t.name,
      host: t.host,
      port: t.port,
      transport: t.transport,
      username: t.username,
      hasPassword: t.password !== null,
      fromDomain: t.fromDomain,
      register: t.register === 1,
      maxChannels: t.maxChannels,
      enabled: t.enabled === 1,
      didCount: Number(dids.n),
      usedBy: Number(accounts.n),
    };
  };

  const find = async (id: number): Promise<TrunkRow> => {
    const row = await db.selectFrom('trunks').select(COLUMNS).where('id', '=', id).executeTakeFirst();
    if (!row) throw trunkNotFound();
    return row;
  };

  const nameTaken = (name: string) => new ApiError(409, 'conflict', `there is a trunk named "${name}" already`, 'name');
  const safe = (t: Partial<TrunkRow>) => ({ ...t, ...(t.password !== undefined ? { password: t.password === null ? null : '(set)' } : {}) });

  app.get<{ Reply: TrunkList }>(
    '/trunks',
    authenticatedRoute({
      schema: {
        summary: 'The SIP trunks (admin only)',
        description: REGISTRATION_NOTE,
        tags: ['trunks'],
        operationId: 'listTrunks',
        response: { 200: TrunkList, ...commonErrorResponses, 403: forbiddenResponse },
      },
    }),
    async (request) => {
      admin(request, false);
      const rows = await db.selectFrom('trunks').select(COLUMNS).orderBy('name').execute();
      return { items: await Promise.all(rows.map(view)) };
    },
  );

  app.get<{ Params: TrunkParams; Reply: TrunkView }>(
    '/trunks/:trunkId',
    authenticatedRoute({
      schema: { summary: 'One trunk (admin only)', tags: ['trunks'], operationId: 'getTrunk', params: TrunkParams, response: { 200: TrunkView, ...commonErrorResponses, 404: notFoundResponse } },
    }),
    async (request) => {
      admin(request, true);
      return view(await find(request.params.trunkId));
    },
  );

  app.post<{ Body: NewTrunk; Reply: TrunkView }>(
    '/trunks',
    authenticatedRoute({
      schema: {
        summary: 'Add a trunk (admin only)',
        description: REGISTRATION_NOTE,
        tags: ['trunks'],
        operationId: 'createTrunk',
        body: NewTrunk,
        response: { 201: TrunkView, ...commonErrorResponses, 403: forbiddenResponse, 409: { ...conflictResponse, description: 'The name is taken' } },
      },
    }),
    async (request, reply) => {
      const principal = admin(request, false);
      const b = request.body;
      const row = {
        name: b.name.trim(),
        host: b.host,
        port: b.port ?? 5060,
        transport: b.transport ?? 'udp',
        username: b.username ?? null,
        password: b.password ?? null,
        fromDomain: b.fromDomain ?? null,
        register: bool(b.register ?? false),
        maxChannels: b.maxChannels ?? null,
        enabled: bool(b.enabled ?? true),
      } as const;
      checkCredentials(row);
      const now = nowIso();
      try {
        const id = await db.transaction().execute(async (trx) => {
          if (await trx.selectFrom('trunks').select('id').where('name', '=', row.name).executeTakeFirst()) throw nameTaken(row.name);
          const inserted = await trx
            .insertInto('trunks')
            .values({ ...row, accountId: await providerId(trx), createdAt: now, updatedAt: now })
            .returning('id')
            .executeTakeFirstOrThrow();
          await audit(trx, { actor: principal.email, at: now, action: 'create', entity: 'trunk', entityId: inserted.id, details: safe(row) });
          return inserted.id;
        });
        listener?.trunksChanged();
        return reply.code(201).header('location', `${app.prefix}/trunks/${id}`).send(await view(await find(id)));
      } catch (error) {
        if (isUniqueViolation(error)) throw nameTaken(row.name);
        throw error;
      }
    },
  );

  app.patch<{ Params: TrunkParams; Body: TrunkChange; Reply: TrunkView }>(
    '/trunks/:trunkId',
    authenticatedRoute({
      schema: {
        summary: 'Change a trunk (admin only)',
        description: REGISTRATION_NOTE,
        tags: ['trunks'],
        operationId: 'updateTrunk',
        params: TrunkParams,
        body: TrunkChange,
        response: { 200: TrunkView, ...commonErrorResponses, 404: notFoundResponse, 409: { ...conflictResponse, description: 'The name is taken' } },
      },
    }),
    async (request) => {
      const principal = admin(request, true);
      const before = await find(request.params.trunkId);
      const b = request.body;
      if (Object.keys(b).length === 0) throw new ApiError(400, 'bad_request', 'send at least one field to change', 'body');
      const set: Partial<TrunkRow> = {
        ...(b.name !== undefined ? { name: b.name.trim() } : {}),
        ...(b.host !== undefined ? { host: b.host } : {}),
        ...(b.port !== undefined ? { port: b.port } : {}),
        ...(b.transport !== undefined ? { transport: b.transport } : {}),
        ...(b.username !== undefined ? { username: b.username } : {}),
        ...(b.password !== undefined ? { password: b.password } : {}),
        ...(b.fromDomain !== undefined ? { fromDomain: b.fromDomain } : {}),
        ...(b.register !== undefined ? { register: bool(b.register) } : {}),
        ...(b.maxChannels !== undefined ? { maxChannels: b.maxChannels } : {}),
        ...(b.enabled !== undefined ? { enabled: bool(b.enabled) } : {}),
      };
      checkCredentials({ ...before, ...set });
      const now = nowIso();
      try {
        await db.transaction().execute(async (trx) => {
          if (set.name !== undefined && (await trx.selectFrom('trunks').select('id').where('name', '=', set.name).where('id', '!=', before.id).executeTakeFirst())) throw nameTaken(set.name);
          await trx.updateTable('trunks').set({ ...set, updatedAt: now }).where('id', '=', before.id).execute();
          await audit(trx, { actor: principal.email, at: now, action: 'update', entity: 'trunk', entityId: before.id, details: safe(set) });
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw nameTaken(set.name ?? before.name);
        throw error;
      }
      listener?.trunksChanged();
      return view(await find(before.id));
    },
  );

  app.delete<{ Params: TrunkParams }>(
    '/trunks/:trunkId',
    authenticatedRoute({
      schema: {
        summary: 'Remove a trunk (admin only)',
        description: 'Refused (409) while it delivers DIDs or accounts send their calls through it.',
        tags: ['trunks'],
        operationId: 'deleteTrunk',
        params: TrunkParams,
        response: { 204: { type: 'null', description: 'Removed' }, ...commonErrorResponses, 404: notFoundResponse, 409: { ...conflictResponse, description: 'DIDs or accounts use it' } },
      },
    }),
    async (request, reply) => {
      const principal = admin(request, true);
      const trunk = await find(request.params.trunkId);
      const now = nowIso();
      await db.transaction().execute(async (trx) => {
        const did = await trx.selectFrom('dids').select('number').where('trunkId', '=', trunk.id).executeTakeFirst();
        if (did) throw new ApiError(409, 'conflict', `trunk "${trunk.name}" delivers DIDs (${did.number}, ...); move or remove them first`);
        const account = await trx.selectFrom('accounts').select('name').where('trunkId', '=', trunk.id).executeTakeFirst();
        if (account) throw new ApiError(409, 'conflict', `${account.name} sends its calls through trunk "${trunk.name}"; choose another trunk for it first`);
        await trx.updateTable('callLegs').set({ trunkId: null }).where('trunkId', '=', trunk.id).execute();
        await trx.deleteFrom('trunks').where('id', '=', trunk.id).execute();
        await audit(trx, { actor: principal.email, at: now, action: 'delete', entity: 'trunk', entityId: trunk.id, details: { name: trunk.name } });
      });
      listener?.trunksChanged();
      return reply.code(204).send();
    },
  );

  done();
};
