import { randomBytes } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { PostgresAdapter, type Kysely, type Transaction } from 'kysely';
import type { FastifyInstance, FastifyPluginCallback, FastifyRequest } from 'fastify';
import { tryNormalizePhoneNumber, type E164 } from '../../domain/phone-number.js';
import type { ApiPrincipal } from '../../store/api-tokens.js';
import { createCreditAccount } from '../../store/credit-accounts.js';
import { bool, nowIso, type Store } from '../../store/db.js';
import type { Database } from '../../store/schema.js';
import { readSettings } from '../../store/settings.js';
import { managedAccountIds, scopedAccount, type ScopedAccount } from './account-scope.js';
import { findManagedExtension, principalOf, type ManagedExtension } from './auth.js';
import { ApiError, commonErrorResponses, conflictResponse, forbiddenResponse } from './errors.js';
import { authenticatedRoute } from './openapi.js';
import { ExtensionParams, Id, Nullable, ONE_LINE_TEXT, StringEnum } from './schemas.js';

/**
 * Extensions (SPEC §1): the owner sees their own, managers list, create, change and delete those
 * of the organizations they manage, and switch CallNow and the Call API on or off per extension.
 * SIP passwords are write-only: one made up by the server is shown once, in the answer to its creation.
 */

type Db = Kysely<Database>;

export const ExtensionSummary = Type.Object(
  {
    id: Type.Integer({ description: "The extension's id" }),
    accountId: Type.Integer({ description: 'The organization the extension belongs to' }),
    number: Type.String({ description: 'The internal number phones register as and calls ring' }),
    name: Type.String({ description: "The owner's name" }),
    type: StringEnum(['phone', 'callback'] as const, 'phone: a SIP phone (CallNow); callback: a callback extension with DIDs'),
  },
  { additionalProperties: false, description: 'An extension' },
);
export type ExtensionSummary = Static<typeof ExtensionSummary>;

const extensionFields = {
  ...ExtensionSummary.properties,
  organization: Type.String({ description: "The organization's name" }),
  externalNumber: Nullable(Type.String({ description: 'The caller ID shown to people it calls through a trunk (E.164); null for none' })),
  hasSipPassword: Type.Boolean({ description: 'Whether phones can register as it (the password itself is never returned)' }),
  callnowEnabled: Type.Boolean({ description: "The organization lets it have a CallNow page (the owner's own on/off is in its CallNow preferences)" }),
  callApiEnabled: Type.Boolean({ description: 'The Call API may place calls for it' }),
  callnowId: Nullable(Type.String({ description: 'Its CallNow ID, once CallNow preferences are set up; null before' })),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
};
const ExtensionView = Type.Object(extensionFields, { additionalProperties: false, description: 'An extension, as its managers see it' });
type ExtensionView = Static<typeof ExtensionView>;

const CreatedExtension = Type.Object(
  {
    ...extensionFields,
    sipPassword: Nullable(Type.String({ description: 'The SIP password, shown this once (null when it was created without one)' })),
  },
  { additionalProperties: false, description: 'The new extension, with its SIP password this one time' },
);
type CreatedExtension = Static<typeof CreatedExtension>;

export const EXTENSION_SORTS = ['number', 'name', 'type', 'createdAt'] as const;
type ExtensionSort = (typeof EXTENSION_SORTS)[number];

const ListQuery = Type.Object(
  {
    accountId: Type.Optional(Id('Only the extensions of this organization')),
    search: Type.Optional(Type.String({ maxLength: 100, description: 'Only extensions whose number or name contains this (case-insensitive)' })),
    sort: Type.Optional(StringEnum(EXTENSION_SORTS, 'The column to sort by (default number)')),
    order: Type.Optional(StringEnum(['asc', 'desc'] as const, 'asc (default) or desc')),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'At most this many (1-200, default 50)' })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0, description: 'Skip this many (default 0)' })),
  },
  { additionalProperties: false },
);
type ListQuery = Static<typeof ListQuery>;

const ExtensionList = Type.Object(
  {
    total: Type.Integer({ description: 'How many match (all pages)' }),
    items: Type.Array(ExtensionView, { description: 'This page' }),
  },
  { additionalProperties: false },
);
type ExtensionList = Static<typeof ExtensionList>;

const AccountParams = Type.Object({ accountId: Id("The organization's account id") }, { additionalProperties: false });
type AccountParams = Static<typeof AccountParams>;

const nameField = Type.String({ minLength: 1, maxLength: 100, pattern: ONE_LINE_TEXT, description: "The owner's name (plain text, 1 to 100 characters)" });
const externalNumberField = Nullable(
  Type.String({ minLength: 1, maxLength: 64, description: "E.164 (+61290371234) or national form, normalized with the organization's country; null for none" }),
);
const sipPasswordField = Nullable(
  Type.String({ minLength: 8, maxLength: 128, description: 'The SIP password: 8 to 128 printable characters without spaces; null: phones cannot register' }),
);

const NewExtension = Type.Object(
  {
    number: Type.String({ minLength: 1, maxLength: 20, description: 'The internal number: 1 to 20 digits, unique in the organization' }),
    name: nameField,
    type: Type.Optional(StringEnum(['phone', 'callback'] as const, 'phone (default) or callback; it cannot change later')),
    externalNumber: Type.Optional(externalNumberField),
    sipPassword: Type.Optional(sipPasswordField),
    callnowEnabled: Type.Optional(Type.Boolean({ description: 'CallNow allowed (default true for a phone extension; a callback extension has none)' })),
    callApiEnabled: Type.Optional(Type.Boolean({ description: 'The Call API may place calls for it (default false)' })),
  },
  { additionalProperties: false, description: 'A new extension; without sipPassword the server makes one up and answers it once' },
);
type NewExtension = Static<typeof NewExtension>;

const ExtensionChange = Type.Object(
  {
    name: Type.Optional(nameField),
    externalNumber: Type.Optional(externalNumberField),
    sipPassword: Type.Optional(sipPasswordField),
    callnowEnabled: Type.Optional(Type.Boolean({ description: 'CallNow allowed for it (phone extensions only)' })),
    callApiEnabled: Type.Optional(Type.Boolean({ description: 'The Call API may place calls for it' })),
  },
  { additionalProperties: false, description: 'The fields to change (at least one); the number and type stay' },
);
type ExtensionChange = Static<typeof ExtensionChange>;

/** Checked in code rather than by schema patterns, so the message says what is expected in words. */
function checkNumber(number: string): void {
  if (!/^[0-9]{1,20}$/.test(number)) throw new ApiError(400, 'bad_request', 'number has the wrong form: expected 1 to 20 digits, e.g. 001003', 'number');
}
function checkSipPassword(password: string | null | undefined): void {
  if (typeof password === 'string' && !/^[\x21-\x7E]{8,128}$/.test(password)) {
    throw new ApiError(400, 'bad_request', 'sipPassword has the wrong form: expected 8 to 128 printable characters without spaces', 'sipPassword');
  }
}

export interface ExtensionRoutesOptions {
  store: Store;
}

interface ExtensionRow {
  id: number;
  accountId: number;
  organization: string;
  number: string;
  name: string;
  type: 'phone' | 'callback';
  externalNumber: string | null;
  sipPassword: string | null;
  callnowEnabled: 0 | 1;
  callApiEnabled: 0 | 1;
  callnowId: string | null;
  createdAt: string;
  updatedAt: string;
}

function extensionRows(db: Db) {
  return db
    .selectFrom('extensions as e')
    .innerJoin('accounts as a', 'a.id', 'e.accountId')
    .leftJoin('callnowPreferences as p', 'p.extensionId', 'e.id')
    .select([
      'e.id',
      'e.accountId',
      'a.name as organization',
      'e.number',
      'e.name',
      'e.type',
      'e.externalNumber',
      'e.sipPassword',
      'e.callnowEnabled',
      'e.callApiEnabled',
      'p.callnowId',
      'e.createdAt',
      'e.updatedAt',
    ]);
}

/** Instants come back as Date objects from PostgreSQL and as text from SQLite. */
const iso = (value: unknown): string => (value instanceof Date ? value.toISOString() : String(value));

function view(row: ExtensionRow): ExtensionView {
  return {
    id: row.id,
    accountId: row.accountId,
    organization: row.organization,
    number: row.number,
    name: row.name,
    type: row.type,
    externalNumber: row.externalNumber,
    hasSipPassword: row.sipPassword !== null,
    callnowEnabled: row.callnowEnabled === 1,
    callApiEnabled: row.callApiEnabled === 1,
    callnowId: row.callnowId ?? null,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

async function readExtension(db: Db, id: number): Promise<ExtensionRow> {
  return (await extensionRows(db).where('e.id', '=', id).executeTakeFirstOrThrow());
}

/** A made-up SIP password: 96 random bits, letters and digits only so it can be typed into a phone. */
function generateSipPassword(): string {
  return randomBytes(12).toString('base64url').replace(/[-_]/g, 'x');
}

const compareText = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' });

function comparator(sort: ExtensionSort): (a: ExtensionRow, b: ExtensionRow) => number {
  switch (sort) {
    case 'name':
      return (a, b) => compareText(a.name, b.name) || compareText(a.number, b.number);
    case 'type':
      return (a, b) => compareText(a.type, b.type) || compareText(a.number, b.number);
    case 'createdAt':
      return (a, b) => iso(a.createdAt).localeCompare(iso(b.createdAt)) || a.id - b.id;
    default:
      return (a, b) => compareText(a.number, b.number) || a.accountId - b.accountId;
  }
}

/** Serializes writers of one organization: PostgreSQL locks its row; SQLite already runs one writer at a time. */
async function lockAccount(trx: Transaction<Database>, accountId: number): Promise<void> {
  let query = trx.selectFrom('accounts').select('id').where('id', '=', accountId);
  if (trx.getExecutor().adapter instanceof PostgresAdapter) query = query.forUpdate();
  await query.executeTakeFirst();
}

function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: string }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

async function audit(db: Db, actor: string, action: string, extensionId: number, details: unknown): Promise<void> {
  await db
    .insertInto('auditLog')
    .values({ at: nowIso(), actor, action, entity: 'extension', entityId: String(extensionId), details: JSON.stringify(details) })
    .execute();
}

const notManager = (): ApiError =>
  new ApiError(403, 'forbidden', "an extension owner cannot change these settings; the organization's manager can");

export const extensionRoutes: FastifyPluginCallback<ExtensionRoutesOptions> = (app: FastifyInstance, { store }, done) => {
  const db = store.db;

  /** The extension, when this user may manage it and is not only its owner. */
  const managedByManager = async (request: FastifyRequest, extensionId: number): Promise<{ extension: ManagedExtension; principal: ApiPrincipal }> => {
    const principal = principalOf(request);
    const extension = await findManagedExtension(store, principal, extensionId);
    if (principal.role === 'extension_owner') throw notManager();
    return { extension, principal };
  };

  const normalizedExternal = async (accountId: number, text: string | null): Promise<E164 | null> => {
    if (text === null) return null;
    const organization = await db.selectFrom('accounts').select('defaultCountry').where('id', '=', accountId).executeTakeFirst();
    const country = organization?.defaultCountry ?? (await readSettings(db)).defaultCountry;
    if (country === null && !text.trim().startsWith('+')) {
      throw new ApiError(400, 'bad_request', 'externalNumber: write the number with its country code (+...): no default country is set', 'externalNumber');
    }
    const result = tryNormalizePhoneNumber(text, country ?? 'US');
    if (!result.ok) throw new ApiError(400, 'bad_request', `externalNumber: that number cannot be used: ${result.reason}`, 'externalNumber');
    return result.e164;
  };

  app.get<{ Querystring: ListQuery; Reply: ExtensionList }>(
    '/extensions',
    authenticatedRoute({
      schema: {
        summary: 'The extensions the caller may manage: search, sort, a page at a time',
        description: 'An admin sees all, a reseller those of organizations below it, an organization manager its own, an extension owner theirs.',
        tags: ['extensions'],
        operationId: 'listExtensions',
        querystring: ListQuery,
        response: { 200: ExtensionList, ...commonErrorResponses },
      },
    }),
    async (request) => {
      const principal = principalOf(request);
      const q = request.query;
      let query = extensionRows(db);
      const accounts = await managedAccountIds(db, principal);
      if (principal.role === 'extension_owner') query = query.where('e.id', '=', principal.extensionId ?? 0);
      else if (accounts !== null) query = query.where('e.accountId', 'in', accounts.length > 0 ? accounts : [0]);
      if (q.accountId !== undefined) query = query.where('e.accountId', '=', q.accountId);
      const rows = (await query.execute()) as ExtensionRow[];
      const needle = q.search?.trim().toLowerCase() ?? '';
      const matching = needle === '' ? rows : rows.filter((r) => r.number.includes(needle) || r.name.toLowerCase().includes(needle));
      const sorted = matching.sort(comparator(q.sort ?? 'number'));
      if (q.order === 'desc') sorted.reverse();
      const offset = q.offset ?? 0;
      return { total: sorted.length, items: sorted.slice(offset, offset + (q.limit ?? 50)).map(view) };
    },
  );

  app.get<{ Params: ExtensionParams; Reply: ExtensionView }>(
    '/extensions/:extensionId',
    authenticatedRoute({
      schema: {
        summary: 'One extension the caller may manage',
        tags: ['extensions'],
        operationId: 'getExtension',
        params: ExtensionParams,
        response: { 200: ExtensionView, ...commonErrorResponses },
      },
    }),
    async (request) => {
      const { id } = await findManagedExtension(store, principalOf(request), request.params.extensionId);
      return view(await readExtension(db, id));
    },
  );

  app.post<{ Params: AccountParams; Body: NewExtension; Reply: CreatedExtension }>(
    '/accounts/:accountId/extensions',
    authenticatedRoute({
      schema: {
        summary: 'Create an extension in an organization',
        description:
          "The number must be new in the organization, and the organization's licence (maxExtensions) must allow one more: " +
          'at the limit the answer is 409 and says so. The SIP password is answered this once; without one in the request the server makes one up. ' +
          'Its credit starts Unlimited.',
        tags: ['extensions'],
        operationId: 'createExtension',
        params: AccountParams,
        body: NewExtension,
        response: {
          201: CreatedExtension,
          ...commonErrorResponses,
          403: { ...forbiddenResponse, description: 'An extension owner cannot create extensions' },
          404: { ...commonErrorResponses[404], description: 'No such organization, or not one this user manages' },
          409: { ...conflictResponse, description: 'The number is taken in the organization, the licence allows no more extensions, or the account is not an organization' },
        },
      },
    }),
    async (request, reply) => {
      const principal = principalOf(request);
      const account: ScopedAccount = await scopedAccount(db, principal, request.params.accountId);
      if (!account.canChange) throw notManager();
      if (account.kind !== 'organization') {
        throw new ApiError(409, 'conflict', `${account.name} is a ${account.kind} account; extensions belong to organizations`);
      }
      const body = request.body;
      checkNumber(body.number);
      checkSipPassword(body.sipPassword);
      const type = body.type ?? 'phone';
      if (type === 'callback' && body.callnowEnabled === true) {
        throw new ApiError(400, 'bad_request', 'callnowEnabled: a callback extension has no CallNow page', 'callnowEnabled');
      }
      const externalNumber = await normalizedExternal(account.id, body.externalNumber ?? null);
      const sipPassword = body.sipPassword === undefined ? generateSipPassword() : body.sipPassword;
      const now = nowIso();
      let id: number;
      try {
        id = await db.transaction().execute(async (trx) => {
          await lockAccount(trx, account.id);
          const licence = await trx.selectFrom('accounts').select('maxExtensions').where('id', '=', account.id).executeTakeFirstOrThrow();
          const { count } = await trx
            .selectFrom('extensions')
            .select((eb) => eb.fn.countAll<number>().as('count'))
            .where('accountId', '=', account.id)
            .executeTakeFirstOrThrow();
          if (licence.maxExtensions !== null && Number(count) >= licence.maxExtensions) {
            throw new ApiError(
              409,
              'conflict',
              `the licence of ${account.name} allows ${licence.maxExtensions} extension${licence.maxExtensions === 1 ? '' : 's'} and it has ${Number(count)}; ` +
                'delete one first or ask your provider for a larger licence',
            );
          }
          const taken = await trx.selectFrom('extensions').select('id').where('accountId', '=', account.id).where('number', '=', body.number).executeTakeFirst();
          if (taken) throw new ApiError(409, 'conflict', `extension number ${body.number} is taken in ${account.name}; choose another`, 'number');
          const creditAccountId = await createCreditAccount(trx, 'unlimited', principal.email, now);
          const row = await trx
            .insertInto('extensions')
            .values({
              accountId: account.id,
              number: body.number,
              name: body.name,
              type,
              externalNumber,
              sipPassword,
              creditAccountId,
              callnowEnabled: bool(type === 'phone' && (body.callnowEnabled ?? true)),
              callApiEnabled: bool(body.callApiEnabled ?? false),
              createdAt: now,
              updatedAt: now,
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          await audit(trx, principal.email, 'extension.create', row.id, {
            accountId: account.id,
            number: body.number,
            name: body.name,
            type,
            externalNumber,
            sipPassword: sipPassword === null ? 'none' : body.sipPassword === undefined ? 'generated' : 'set',
            callnowEnabled: type === 'phone' && (body.callnowEnabled ?? true),
            callApiEnabled: body.callApiEnabled ?? false,
          });
          return row.id;
        });
      } catch (error) {
        // Two requests racing for one number: the unique index refuses the second.
        if (isUniqueViolation(error)) throw new ApiError(409, 'conflict', `extension number ${body.number} is taken in ${account.name}; choose another`, 'number');
        throw error;
      }
      const created = view(await readExtension(db, id));
      return reply.code(201).header('location', `${app.prefix}/extensions/${id}`).send({ ...created, sipPassword });
    },
  );

  app.patch<{ Params: ExtensionParams; Body: ExtensionChange; Reply: ExtensionView }>(
    '/extensions/:extensionId',
    authenticatedRoute({
      schema: {
        summary: "Change an extension's name, external number, SIP password, or its CallNow and Call API switches",
        description:
          'Only the fields sent change. A new SIP password takes effect at the next REGISTER (phones registered with the old one ' +
          'keep their binding until it expires). Switching CallNow off makes its public page and requests answer as for an unknown CallNow ID.',
        tags: ['extensions'],
        operationId: 'updateExtension',
        params: ExtensionParams,
        body: ExtensionChange,
        response: {
          200: ExtensionView,
          ...commonErrorResponses,
          403: { ...forbiddenResponse, description: 'An extension owner cannot change these settings' },
        },
      },
    }),
    async (request) => {
      const body = request.body;
      if (Object.keys(body).length === 0) {
        throw new ApiError(400, 'bad_request', 'send at least one of name, externalNumber, sipPassword, callnowEnabled, callApiEnabled', 'body');
      }
      const { extension, principal } = await managedByManager(request, request.params.extensionId);
      checkSipPassword(body.sipPassword);
      if (extension.type === 'callback' && body.callnowEnabled === true) {
        throw new ApiError(400, 'bad_request', 'callnowEnabled: a callback extension has no CallNow page', 'callnowEnabled');
      }
      const externalNumber = body.externalNumber === undefined ? undefined : await normalizedExternal(extension.accountId, body.externalNumber);
      const before = await readExtension(db, extension.id);
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('extensions')
          .set({
            ...(body.name !== undefined ? { name: body.name } : {}),
            ...(externalNumber !== undefined ? { externalNumber } : {}),
            ...(body.sipPassword !== undefined ? { sipPassword: body.sipPassword } : {}),
            ...(body.callnowEnabled !== undefined ? { callnowEnabled: bool(body.callnowEnabled) } : {}),
            ...(body.callApiEnabled !== undefined ? { callApiEnabled: bool(body.callApiEnabled) } : {}),
            updatedAt: nowIso(),
          })
          .where('id', '=', extension.id)
          .execute();
        const changes: Record<string, { from: unknown; to: unknown }> = {};
        if (body.name !== undefined && body.name !== before.name) changes.name = { from: before.name, to: body.name };
        if (externalNumber !== undefined && externalNumber !== before.externalNumber) changes.externalNumber = { from: before.externalNumber, to: externalNumber };
        // The password itself never goes into the log.
        if (body.sipPassword !== undefined) changes.sipPassword = { from: before.sipPassword === null ? 'none' : 'set', to: body.sipPassword === null ? 'none' : 'changed' };
        for (const key of ['callnowEnabled', 'callApiEnabled'] as const) {
          const value = body[key];
          if (value !== undefined && value !== (before[key] === 1)) changes[key] = { from: before[key] === 1, to: value };
        }
        await audit(trx, principal.email, 'extension.update', extension.id, changes);
      });
      return view(await readExtension(db, extension.id));
    },
  );

  app.delete<{ Params: ExtensionParams }>(
    '/extensions/:extensionId',
    authenticatedRoute({
      schema: {
        summary: 'Delete an extension',
        description:
          'Its CallNow preferences, callback settings and authorized CallerIDs go with it; its DIDs deliver nowhere until given to another ' +
          'extension; call records and its credit ledger stay. Portal users who own it are disabled.',
        tags: ['extensions'],
        operationId: 'deleteExtension',
        params: ExtensionParams,
        response: {
          204: { type: 'null', description: 'Deleted' },
          ...commonErrorResponses,
          403: { ...forbiddenResponse, description: 'An extension owner cannot delete extensions' },
        },
      },
    }),
    async (request, reply) => {
      const { extension, principal } = await managedByManager(request, request.params.extensionId);
      await db.transaction().execute(async (trx) => {
        // users.extension_id has no foreign key: an owner left behind would sign in to nothing.
        const owners = await trx.selectFrom('users').select(['id', 'email']).where('extensionId', '=', extension.id).execute();
        if (owners.length > 0) {
          await trx.updateTable('users').set({ disabled: 1, updatedAt: nowIso() }).where('extensionId', '=', extension.id).execute();
        }
        await trx.deleteFrom('extensions').where('id', '=', extension.id).execute();
        await audit(trx, principal.email, 'extension.delete', extension.id, {
          accountId: extension.accountId,
          number: extension.number,
          name: extension.name,
          disabledOwners: owners.map((o) => o.email),
        });
      });
      return reply.code(204).send();
    },
  );

  done();
};
