import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginCallback, FastifyRequest } from 'fastify';
import { tryNormalizePhoneNumber } from '../../domain/phone-number.js';
import { nowIso, type Store } from '../../store/db.js';
import { readSettings } from '../../store/settings.js';
import { principalOf } from './auth.js';
import { ApiError, commonErrorResponses, conflictResponse, forbiddenResponse } from './errors.js';
import { authenticatedRoute } from './openapi.js';
import { audit, isUniqueViolation } from './provider-common.js';
import { Id, Nullable } from './schemas.js';

/**
 * SPEC §6: the numbers (DIDs) carriers deliver over a trunk, and the extension each one
 * rings. The provider's administrators only. Incoming calls look the DID up when they arrive,
 * so a change applies to the next call.
 */

const DidParams = Type.Object({ didId: Id("The DID's id") }, { additionalProperties: false });
type DidParams = Static<typeof DidParams>;

const DidView = Type.Object(
  {
    id: Type.Integer(),
    number: Type.String({ description: 'E.164' }),
    trunkId: Type.Integer(),
    trunkName: Type.String(),
    extensionId: Nullable(Type.Integer({ description: 'The extension it rings; null: routed nowhere' })),
    extensionNumber: Nullable(Type.String()),
    extensionName: Nullable(Type.String()),
    organization: Nullable(Type.String({ description: "The extension's organization" })),
  },
  { additionalProperties: false },
);
type DidView = Static<typeof DidView>;
const DidList = Type.Object({ items: Type.Array(DidView, { description: 'Sorted by number' }) }, { additionalProperties: false });
type DidList = Static<typeof DidList>;

const number = Type.String({ minLength: 1, maxLength: 64, description: "E.164 (+61290370000) or national digits in the server's default country; kept in E.164" });
const trunkId = Id('The trunk that delivers it');
const extensionId = Nullable(Id('The extension it rings; null: none'));
const NewDid = Type.Object({ number, trunkId, extensionId: Type.Optional(extensionId) }, { additionalProperties: false });
type NewDid = Static<typeof NewDid>;
const DidChange = Type.Object(
  { number: Type.Optional(number), trunkId: Type.Optional(trunkId), extensionId: Type.Optional(extensionId) },
  { additionalProperties: false, description: 'The fields to change (at least one)' },
);
type DidChange = Static<typeof DidChange>;

const didNotFound = (): ApiError => new ApiError(404, 'not_found', 'no such DID');
const notFoundResponse = { ...commonErrorResponses[404], description: 'No such DID (non-admins see none)' };

export interface DidRoutesOptions {
  store: Store;
}

export const didRoutes: FastifyPluginCallback<DidRoutesOptions> = (app: FastifyInstance, { store }, done) => {
  const db = store.db;

  const admin = (request: FastifyRequest, forItem: boolean) => {
    const principal = principalOf(request);
    if (principal.role !== 'admin') {
      if (forItem) throw didNotFound();
      throw new ApiError(403, 'forbidden', "only the provider's administrators manage DIDs");
    }
    return principal;
  };

  const listQuery = () =>
    db
      .selectFrom('dids')
      .innerJoin('trunks', 'trunks.id', 'dids.trunkId')
      .leftJoin('extensions', 'extensions.id', 'dids.extensionId')
      .leftJoin('accounts', 'accounts.id', 'extensions.accountId')
      .select([
        'dids.id',
        'dids.number',
        'dids.trunkId',
        'trunks.name as trunkName',
        'dids.extensionId',
        'extensions.number as extensionNumber',
        'extensions.name as extensionName',
        'accounts.name as organization',
      ]);

  const one = async (id: number): Promise<DidView> => {
    const row = await listQuery().where('dids.id', '=', id).executeTakeFirst();
    if (!row) throw didNotFound();
    return row;
  };

  const normalized = async (text: string): Promise<string> => {
    const { defaultCountry } = await readSettings(db);
    if (defaultCountry === null && !text.trim().startsWith('+')) {
      throw new ApiError(400, 'bad_request', 'number: write it with its country code (+...): the server has no default country', 'number');
    }
    const result = tryNormalizePhoneNumber(text, defaultCountry ?? 'US');
    if (!result.ok) throw new ApiError(400, 'bad_request', `number: that number cannot be used: ${result.reason}`, 'number');
    return result.e164;
  };

  const checkTrunk = async (id: number | undefined) => {
    if (id === undefined) return;
    if (!(await db.selectFrom('trunks').select('id').where('id', '=', id).executeTakeFirst())) throw new ApiError(400, 'bad_request', `trunkId: no trunk ${id}`, 'trunkId');
  };
  const checkExtension = async (id: number | null | undefined) => {
    if (id === undefined || id === null) return;
    if (!(await db.selectFrom('extensions').select('id').where('id', '=', id).executeTakeFirst())) throw new ApiError(400, 'bad_request', `extensionId: no extension ${id}`, 'extensionId');
  };
  const taken = (n: string) => new ApiError(409, 'conflict', `DID ${n} exists already`, 'number');

  app.get<{ Reply: DidList }>(
    '/dids',
    authenticatedRoute({
      schema: { summary: 'The DIDs (admin only)', tags: ['dids'], operationId: 'listDids', response: { 200: DidList, ...commonErrorResponses, 403: forbiddenResponse } },
    }),
    async (request) => {
      admin(request, false);
      return { items: await listQuery().orderBy('dids.number').execute() };
    },
  );

  app.post<{ Body: NewDid; Reply: DidView }>(
    '/dids',
    authenticatedRoute({
      schema: {
        summary: 'Add a DID (admin only)',
        tags: ['dids'],
        operationId: 'createDid',
        body: NewDid,
        response: { 201: DidView, ...commonErrorResponses, 403: forbiddenResponse, 409: { ...conflictResponse, description: 'The number exists already' } },
      },
    }),
    async (request, reply) => {
      const principal = admin(request, false);
      const e164 = await normalized(request.body.number);
      await checkTrunk(request.body.trunkId);
      await checkExtension(request.body.extensionId);
      const now = nowIso();
      try {
        const id = await db.transaction().execute(async (trx) => {
          if (await trx.selectFrom('dids').select('id').where('number', '=', e164).executeTakeFirst()) throw taken(e164);
          const row = await trx
            .insertInto('dids')
            .values({ number: e164, trunkId: request.body.trunkId, extensionId: request.body.extensionId ?? null, callbackAccountId: null, createdAt: now, updatedAt: now })
            .returning('id')
            .executeTakeFirstOrThrow();
          await audit(trx, { actor: principal.email, at: now, action: 'create', entity: 'did', entityId: row.id, details: { number: e164, trunkId: request.body.trunkId, extensionId: request.body.extensionId ?? null } });
          return row.id;
        });
        return reply.code(201).header('location', `${app.prefix}/dids/${id}`).send(await one(id));
      } catch (error) {
        if (isUniqueViolation(error)) throw taken(e164);
        throw error;
      }
    },
  );

  app.get<{ Params: DidParams; Reply: DidView }>(
    '/dids/:didId',
    authenticatedRoute({ schema: { summary: 'One DID (admin only)', tags: ['dids'], operationId: 'getDid', params: DidParams, response: { 200: DidView, ...commonErrorResponses, 404: notFoundResponse } } }),
    async (request) => {
      admin(request, true);
      return one(request.params.didId);
    },
  );

  app.patch<{ Params: DidParams; Body: DidChange; Reply: DidView }>(
    '/dids/:didId',
    authenticatedRoute({
      schema: {
        summary: 'Change a DID: its number, trunk, or the extension it rings (admin only)',
        tags: ['dids'],
        operationId: 'updateDid',
        params: DidParams,
        body: DidChange,
        response: { 200: DidView, ...commonErrorResponses, 404: notFoundResponse, 409: { ...conflictResponse, description: 'The number exists already' } },
      },
    }),
    async (request) => {
      const principal = admin(request, true);
      const before = await one(request.params.didId);
      const b = request.body;
      if (Object.keys(b).length === 0) throw new ApiError(400, 'bad_request', 'send at least one field to change', 'body');
      const e164 = b.number === undefined ? undefined : await normalized(b.number);
      await checkTrunk(b.trunkId);
      await checkExtension(b.extensionId);
      const set = { ...(e164 !== undefined ? { number: e164 } : {}), ...(b.trunkId !== undefined ? { trunkId: b.trunkId } : {}), ...(b.extensionId !== undefined ? { extensionId: b.extensionId } : {}) };
      const now = nowIso();
      try {
        await db.transaction().execute(async (trx) => {
          if (e164 !== undefined && (await trx.selectFrom('dids').select('id').where('number', '=', e164).where('id', '!=', before.id).executeTakeFirst())) throw taken(e164);
          await trx.updateTable('dids').set({ ...set, updatedAt: now }).where('id', '=', before.id).execute();
          await audit(trx, { actor: principal.email, at: now, action: 'update', entity: 'did', entityId: before.id, details: set });
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw taken(e164 ?? before.number);
        throw error;
      }
      return one(before.id);
    },
  );

  app.delete<{ Params: DidParams }>(
    '/dids/:didId',
    authenticatedRoute({
      schema: { summary: 'Remove a DID (admin only)', tags: ['dids'], operationId: 'deleteDid', params: DidParams, response: { 204: { type: 'null', description: 'Removed' }, ...commonErrorResponses, 404: notFoundResponse } },
    }),
    async (request, reply) => {
      const principal = admin(request, true);
      const did = await one(request.params.didId);
      const now = nowIso();
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('dids').where('id', '=', did.id).execute();
        await audit(trx, { actor: principal.email, at: now, action: 'delete', entity: 'did', entityId: did.id, details: { number: did.number } });
      });
      return reply.code(204).send();
    },
  );

  done();
};
