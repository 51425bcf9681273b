import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import { parseAmount, toDecimalString, type Micros } from '../../domain/money.js';
import { tryNormalizePhoneNumber, type E164 } from '../../domain/phone-number.js';
import {
  CALLERID_SORTS,
  addAuthorizedCallerId,
  countActiveCallerIds,
  creditHistory,
  deleteAuthorizedCallerId,
  findAuthorizedCallerId,
  licenceLimit,
  listAuthorizedCallerIds,
  makeAuthorizedCallerIdUnlimited,
  numberingCountry,
  rechargeAuthorizedCallerId,
  updateAuthorizedCallerId,
  type AuthorizedCallerId,
  type AuthorizedCallerIdChange,
  type CalleridQuery,
} from '../../store/authorized-callerids.js';
import type { Store } from '../../store/db.js';
import { findManagedExtension, principalOf, type ManagedExtension } from './auth.js';
import { ApiError, commonErrorResponses, conflictResponse } from './errors.js';
import { authenticatedRoute } from './openapi.js';
import { ExtensionParams, Id, Nullable, ONE_LINE_TEXT, StringEnum } from './schemas.js';

/**
 * SPEC §4: a callback extension's authorized CallerIDs (list, add, edit, remove, activate,
 * deactivate, search, sort, pages, CSV and Excel export) and each one's credit (recharge,
 * Unlimited, recharge history). Data access is in src/store/authorized-callerids.ts.
 */



const CallerIdParams = Type.Object({ id: Id("The authorized CallerID's id") }, { additionalProperties: false });
type CallerIdParams = Static<typeof CallerIdParams>;

const Status = StringEnum(['active', 'inactive'] as const, 'Only active CallerIDs are called back; only they count against the licence');

const Credit = Type.Object(
  {
    unlimited: Type.Boolean({ description: 'Unlimited: never refused for credit' }),
    amount: Nullable(Type.String({ description: 'The credit left, a decimal string in the server currency ("12.50"); null when Unlimited' })),
    amountMicros: Nullable(Type.Integer({ description: 'The same in micro-units (1/1,000,000); null when Unlimited' })),
  },
  { additionalProperties: false, description: "The CallerID's credit" },
);

const CallerIdView = Type.Object(
  {
    id: Type.Integer(),
    extensionId: Type.Integer(),
    callerId: Type.String({ description: 'E.164, e.g. +61412345678' }),
    description: Type.String(),
    status: Status,
    credit: Credit,
    hasPassword: Type.Boolean({ description: 'Whether it has a password of its own (the password is never returned)' }),
    addedOn: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false, description: 'An authorized CallerID of a callback extension' },
);
type CallerIdView = Static<typeof CallerIdView>;

const SortFields = {
  search: Type.Optional(Type.String({ maxLength: 100, description: 'Only CallerIDs whose number or description contains this (case-insensitive)' })),
  sort: Type.Optional(StringEnum(CALLERID_SORTS, 'The column to sort by (default addedOn); credit puts Unlimited above any amount')),
  order: Type.Optional(StringEnum(['asc', 'desc'] as const, 'asc (default) or desc')),
};
const ListQuery = Type.Object(
  {
    ...SortFields,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'At most this many (1-200, default 50)' })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0, description: 'Skip this many (default 0)' })),
  },
  { additionalProperties: false },
);
type ListQuery = Static<typeof ListQuery>;
const ExportQuery = Type.Object(SortFields, { additionalProperties: false });
type ExportQuery = Static<typeof ExportQuery>;

const CallerIdList = Type.Object(
  {
    total: Type.Integer({ description: 'How many match the search (all pages)' }),
    activeCount: Type.Integer({ description: 'How many of the extension\'s CallerIDs are active (regardless of the search)' }),
    licenceLimit: Type.Integer({ description: 'How many may be active at once' }),
    items: Type.Array(CallerIdView, { description: 'This page' }),
  },
  { additionalProperties: false },
);
type CallerIdList = Static<typeof CallerIdList>;

const callerIdField = Type.String({
  minLength: 1,
  maxLength: 64,
  description: "The caller's number: E.164 (+61412345678) or national form, normalized with the organization's country",
});
const descriptionField = Type.String({ maxLength: 200, pattern: ONE_LINE_TEXT, description: 'Who it is (plain text, at most 200 characters)' });
const passwordField = Nullable(
  Type.String({ pattern: '^[0-9]{4,16}$', description: 'Its own password for the callback (4 to 16 digits); null for none' }),
);

const NewCallerId = Type.Object(
  {
    callerId: callerIdField,
    description: Type.Optional(descriptionField),
    password: Type.Optional(passwordField),
    status: Type.Optional(Status),
    credit: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 40,
        description: 'The opening credit: "unlimited" (the default) or a decimal amount of at least 0 in the server currency, e.g. "20.00"',
      }),
    ),
  },
  { additionalProperties: false, description: 'A CallerID to authorize; status defaults to active, credit to unlimited' },
);
type NewCallerId = Static<typeof NewCallerId>;

const CallerIdChange = Type.Object(
  {
    callerId: Type.Optional(callerIdField),
    description: Type.Optional(descriptionField),
    password: Type.Optional(passwordField),
    status: Type.Optional(Status),
  },
  { additionalProperties: false, description: 'The fields to change (at least one); credit changes through /credit' },
);
type CallerIdChange = Static<typeof CallerIdChange>;

const CreditChange = Type.Object(
  {
    amount: Type.String({
      minLength: 1,
      maxLength: 40,
      description:
        'The amount to add, a decimal string in the server currency ("5.00"); negative lowers the credit ("-2.50"). ' +
        'A negative amount on Unlimited ends Unlimited with 0 left.',
    }),
    note: Type.Optional(Type.String({ maxLength: 200, pattern: ONE_LINE_TEXT, description: 'Why (kept in the history)' })),
  },
  { additionalProperties: false },
);
type CreditChange = Static<typeof CreditChange>;

const HistoryEntry = Type.Object(
  {
    at: Type.String({ format: 'date-time' }),
    amountAdded: Type.String({ description: 'What was added, a decimal string (negative: removed; 0.00 for a change to Unlimited)' }),
    amountAddedMicros: Type.Integer({ description: 'The same in micro-units' }),
    creditLeftAfter: Type.String({ description: 'The credit left after it: a decimal string, or "unlimited"' }),
    creditLeftAfterMicros: Nullable(Type.Integer({ description: 'The same in micro-units; null when Unlimited' })),
    by: Type.String({ description: 'Who did it: a user\'s e-mail, or "provisioning"' }),
    note: Nullable(Type.String()),
  },
  { additionalProperties: false, description: 'A recharge, a credit adjustment, or a change of Unlimited' },
);
const History = Type.Array(HistoryEntry, { description: 'Newest first' });
type History = Static<typeof History>;

const CSV_TYPE = 'text/csv; charset=utf-8; header=present';
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const EXPORT_COLUMNS = ['CallerID', 'Description', 'Status', 'Credit', 'Added on'] as const;

const calleridNotFound = (): ApiError => new ApiError(404, 'not_found', 'no such authorized CallerID');
const calleridConflict = (description: string) => ({ ...conflictResponse, description });
const calleridNotFoundResponse = { ...commonErrorResponses[404], description: 'No such authorized CallerID, or not one of an extension this token may manage' };

export interface CalleridRoutesOptions {
  store: Store;
}

function view(c: AuthorizedCallerId): CallerIdView {
  return {
    id: c.id,
    extensionId: c.extensionId,
    callerId: c.callerId,
    description: c.description,
    status: c.active ? 'active' : 'inactive',
    credit: c.credit.unlimited
      ? { unlimited: true, amount: null, amountMicros: null }
      : { unlimited: false, amount: toDecimalString(c.credit.balanceMicros), amountMicros: c.credit.balanceMicros },
    hasPassword: c.hasPassword,
    addedOn: c.createdAt,
  };
}

/** The store's refusals, as API answers. */
function translated(error: unknown, amountField = 'amount'): unknown {
  if (!(error instanceof DomainError)) return error;
  switch (error.code) {
    case 'duplicate_callerid':
      return new ApiError(409, 'conflict', error.message, 'callerId');
    case 'licence_limit':
      return new ApiError(409, 'conflict', error.message);
    case 'callerid_not_found':
      return calleridNotFound();
    case 'insufficient_credit':
      return new ApiError(409, 'conflict', error.message, amountField);
    case 'invalid_amount':
    case 'amount_out_of_range':
      return new ApiError(400, 'bad_request', `${amountField}: ${error.message}`, amountField);
    default:
      return error;
  }
}

async function translating<T>(work: () => Promise<T>, amountField?: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw translated(error, amountField);
  }
}

function amountOf(text: string, field: string): Micros {
  try {
    return parseAmount(text);
  } catch (error) {
    if (error instanceof DomainError) throw new ApiError(400, 'bad_request', `${field}: ${error.message}`, field);
    throw error;
  }
}

function openingCredit(text: string | undefined): Micros | 'unlimited' {
  if (text === undefined || text.trim().toLowerCase() === 'unlimited') return 'unlimited';
  const micros = amountOf(text, 'credit');
  if (micros < 0) {
    throw new ApiError(400, 'bad_request', 'credit cannot be negative: give "unlimited" or an amount of 0 or more (add a negative amount later to lower it)', 'credit');
  }
  return micros;
}

/** Export cells as text (CSV) and as values (Excel: a number for the credit, a date for when it was added). */
function exportCells(c: AuthorizedCallerId) {
  const credit = c.credit.unlimited ? 'Unlimited' : toDecimalString(c.credit.balanceMicros);
  return {
    text: [c.callerId, c.description, c.active ? 'active' : 'inactive', credit, c.createdAt],
    // Excel keeps numbers as IEEE doubles; the nearest one to the decimal shows the same digits
    // (up to 15 significant), so the sheet sums and sorts credit as numbers.
    values: [c.callerId, c.description, c.active ? 'active' : 'inactive', c.credit.unlimited ? 'Unlimited' : Number(credit), new Date(c.createdAt)],
  };
}

/** Looks like a number (CallerIDs in E.164, negative amounts): a spreadsheet reads it as one, not as a formula. */
const NUMBER = /^[+-]?\d+(\.\d+)?$/;
/** What spreadsheets take as the start of a formula (OWASP CSV injection): = + - @, and tab and CR before them. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One RFC 4180 field: guarded against formula injection, quoted when it holds a comma, quote or line break. */
export function csvField(value: string): string {
  const safe = FORMULA_START.test(value) && !NUMBER.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(rows: readonly (readonly string[])[]): string {
  return rows.map((row) => row.map(csvField).join(',') + '\r\n').join('');
}

/** A file name from the extension's number: only characters every system takes. */
const fileName = (extension: ManagedExtension, suffix: string) =>
  `authorized-callerids-${extension.number.replace(/[^A-Za-z0-9_-]/g, '_') || extension.id}.${suffix}`;

function sendFile(reply: FastifyReply, contentType: string, name: string, body: string | Buffer) {
  return reply
    .code(200)
    .header('content-type', contentType)
    .header('content-disposition', `attachment; filename="${name}"`)
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .send(body);
}

/** The authorized CallerIDs of a callback extension, and their credit. */
export const calleridRoutes: FastifyPluginCallback<CalleridRoutesOptions> = (app: FastifyInstance, { store }, done) => {
  const db = store.db;

  /** The extension, when this token may manage it and it is a callback extension. */
  const callbackExtension = async (request: FastifyRequest, extensionId: number): Promise<ManagedExtension> => {
    const extension = await findManagedExtension(store, principalOf(request), extensionId);
    if (extension.type !== 'callback') {
      throw new ApiError(409, 'conflict', `extension ${extension.number} is a ${extension.type} extension; only callback extensions have authorized CallerIDs`);
    }
    return extension;
  };

  /** The CallerID and its extension, when this token may manage the extension; else 404 as for a missing one. */
  const managedCallerId = async (request: FastifyRequest, id: number): Promise<{ extension: ManagedExtension; callerId: AuthorizedCallerId }> => {
    const callerId = await findAuthorizedCallerId(db, id);
    if (!callerId) throw calleridNotFound();
    try {
      return { extension: await findManagedExtension(store, principalOf(request), callerId.extensionId), callerId };
    } catch (error) {
      if (error instanceof ApiError && error.statusCode === 404) throw calleridNotFound();
      throw error;
    }
  };

  const normalized = async (extension: ManagedExtension, text: string): Promise<E164> => {
    const country = await numberingCountry(db, extension);
    if (country === null && !text.trim().startsWith('+')) {
      throw new ApiError(400, 'bad_request', 'callerId: write the number with its country code (+...): no default country is set', 'callerId');
    }
    const result = tryNormalizePhoneNumber(text, country ?? 'US');
    if (!result.ok) throw new ApiError(400, 'bad_request', `callerId: that number cannot be used: ${result.reason}`, 'callerId');
    return result.e164;
  };

  const change = async (request: FastifyRequest, id: number, fields: (extension: ManagedExtension) => Promise<AuthorizedCallerIdChange>) => {
    const { extension } = await managedCallerId(request, id);
    const email = principalOf(request).email;
    const values = await fields(extension);
    return view(await translating(() => updateAuthorizedCallerId(db, extension, id, values, { actor: email })));
  };

  const query = (q: ExportQuery): CalleridQuery => ({
    ...(q.search !== undefined ? { search: q.search } : {}),
    ...(q.sort !== undefined ? { sort: q.sort } : {}),
    ...(q.order !== undefined ? { order: q.order } : {}),
  });

  app.get<{ Params: ExtensionParams; Querystring: ListQuery; Reply: CallerIdList }>(
    '/extensions/:extensionId/callerids',
    authenticatedRoute({
      schema: {
        summary: "A callback extension's authorized CallerIDs: search, sort, a page at a time",
        tags: ['callerids'],
        operationId: 'listCallerIds',
        params: ExtensionParams,
        querystring: ListQuery,
        response: {
          200: CallerIdList,
          ...commonErrorResponses,
          409: calleridConflict('The extension is not a callback extension'),
        },
      },
    }),
    async (request) => {
      const extension = await callbackExtension(request, request.params.extensionId);
      const limit = request.query.limit ?? 50;
      const offset = request.query.offset ?? 0;
      const matching = await listAuthorizedCallerIds(db, extension.id, query(request.query));
      return {
        total: matching.length,
        activeCount: await countActiveCallerIds(db, extension.id),
        licenceLimit: await licenceLimit(db, extension),
        items: matching.slice(offset, offset + limit).map(view),
      };
    },
  );

  app.post<{ Params: ExtensionParams; Body: NewCallerId; Reply: CallerIdView }>(
    '/extensions/:extensionId/callerids',
    authenticatedRoute({
      schema: {
        summary: 'Authorize a CallerID on a callback extension',
        description:
          'The number is normalized to E.164 with the organization\'s country. An active CallerID counts against the licence: ' +
          'at the limit the answer is 409 and says why. Credit starts Unlimited unless an amount is given.',
        tags: ['callerids'],
        operationId: 'createCallerId',
        params: ExtensionParams,
        body: NewCallerId,
        response: {
          201: { ...CallerIdView, description: 'The new authorized CallerID' },
          ...commonErrorResponses,
          409: calleridConflict('The CallerID is on the extension already, the licence allows no more active ones, or the extension is not a callback extension'),
        },
      },
    }),
    async (request, reply) => {
      const extension = await callbackExtension(request, request.params.extensionId);
      const body = request.body;
      const callerId = await normalized(extension, body.callerId);
      const credit = openingCredit(body.credit);
      const added = await translating(
        () =>
          addAuthorizedCallerId(
            db,
            extension,
            { callerId, description: body.description ?? '', password: body.password ?? null, active: (body.status ?? 'active') === 'active', credit },
            { actor: principalOf(request).email },
          ),
        'credit',
      );
      return reply.code(201).header('location', `${app.prefix}/callerids/${added.id}`).send(view(added));
    },
  );

  const exportSchema = (format: 'CSV' | 'Excel', operationId: string, contentType: string, schema: Record<string, unknown>) =>
    authenticatedRoute({
      schema: {
        summary: `Export a callback extension's authorized CallerIDs as ${format === 'CSV' ? 'CSV' : 'Excel (.xlsx)'}`,
        description:
          'Columns CallerID, Description, Status, Credit, Added on; every CallerID that matches the search, in the order asked for (not paged).' +
          (format === 'CSV'
            ? ' RFC 4180, UTF-8, with a header row; a value that a spreadsheet would take for a formula (=, +, -, @ and not a number) starts with \'.'
            : ' Credit is a number (or the text Unlimited), Added on a date (UTC).'),
        tags: ['callerids'],
        operationId,
        params: ExtensionParams,
        querystring: ExportQuery,
        response: {
          200: {
            description: `The ${format} file (Content-Disposition: attachment)`,
            content: { [contentType]: { schema } },
          },
          ...commonErrorResponses,
          409: calleridConflict('The extension is not a callback extension'),
        },
      },
    });

  app.get<{ Params: ExtensionParams; Querystring: ExportQuery }>(
    '/extensions/:extensionId/callerids/export.csv',
    exportSchema('CSV', 'exportCallerIdsCsv', 'text/csv', { type: 'string' }),
    async (request, reply) => {
      const extension = await callbackExtension(request, request.params.extensionId);
      const rows = (await listAuthorizedCallerIds(db, extension.id, query(request.query))).map((c) => exportCells(c).text);
      return sendFile(reply, CSV_TYPE, fileName(extension, 'csv'), toCsv([EXPORT_COLUMNS, ...rows]));
    },
  );

  app.get<{ Params: ExtensionParams; Querystring: ExportQuery }>(
    '/extensions/:extensionId/callerids/export.xlsx',
    exportSchema('Excel', 'exportCallerIdsXlsx', XLSX_TYPE, { type: 'string', format: 'binary' }),
    async (request, reply) => {
      const extension = await callbackExtension(request, request.params.extensionId);
      const callerIds = await listAuthorizedCallerIds(db, extension.id, query(request.query));
      // exceljs is large: loaded on the first export, not at every start of the server.
      const { default: ExcelJS } = await import('exceljs');
      const workbook = new ExcelJS.Workbook();
      workbook.creator = 'Dialback';
      const sheet = workbook.addWorksheet('Authorized CallerIDs', { views: [{ state: 'frozen', ySplit: 1 }] });
      sheet.columns = [
        { header: EXPORT_COLUMNS[0], width: 18 },
        { header: EXPORT_COLUMNS[1], width: 32 },
        { header: EXPORT_COLUMNS[2], width: 10 },
        { header: EXPORT_COLUMNS[3], width: 14, style: { numFmt: '#,##0.00####' } },
        { header: EXPORT_COLUMNS[4], width: 20, style: { numFmt: 'yyyy-mm-dd hh:mm:ss' } },
      ];
      sheet.getRow(1).font = { bold: true };
      // Cells hold text as text: Excel evaluates formula cells only, so no value needs a guard here.
      for (const c of callerIds) sheet.addRow(exportCells(c).values);
      const file = await workbook.xlsx.writeBuffer();
      return sendFile(reply, XLSX_TYPE, fileName(extension, 'xlsx'), Buffer.from(file));
    },
  );

  app.get<{ Params: CallerIdParams; Reply: CallerIdView }>(
    '/callerids/:id',
    authenticatedRoute({
      schema: {
        summary: 'An authorized CallerID',
        tags: ['callerids'],
        operationId: 'getCallerId',
        params: CallerIdParams,
        response: { 200: CallerIdView, ...commonErrorResponses, 404: calleridNotFoundResponse },
      },
    }),
    async (request) => view((await managedCallerId(request, request.params.id)).callerId),
  );

  app.patch<{ Params: CallerIdParams; Body: CallerIdChange; Reply: CallerIdView }>(
    '/callerids/:id',
    authenticatedRoute({
      schema: {
        summary: "Change an authorized CallerID's number, description, password or status",
        description: 'Only the fields sent change. Setting status active counts against the licence (409 at the limit). A new password clears a lock-out.',
        tags: ['callerids'],
        operationId: 'updateCallerId',
        params: CallerIdParams,
        body: CallerIdChange,
        response: {
          200: CallerIdView,
          ...commonErrorResponses,
          404: calleridNotFoundResponse,
          409: calleridConflict('The new number is on the extension already, or the licence allows no more active CallerIDs'),
        },
      },
    }),
    async (request) => {
      const body = request.body;
      if (Object.keys(body).length === 0) {
        throw new ApiError(400, 'bad_request', 'send at least one of callerId, description, password, status', 'body');
      }
      return change(request, request.params.id, async (extension) => ({
        ...(body.callerId !== undefined ? { callerId: await normalized(extension, body.callerId) } : {}),
        ...(body.description !== undefined ? { description: body.description } : {}),
        ...(body.password !== undefined ? { password: body.password } : {}),
        ...(body.status !== undefined ? { active: body.status === 'active' } : {}),
      }));
    },
  );

  app.delete<{ Params: CallerIdParams }>(
    '/callerids/:id',
    authenticatedRoute({
      schema: {
        summary: 'Remove an authorized CallerID',
        description: 'It is no longer called back. Its recharge history stays in the ledger.',
        tags: ['callerids'],
        operationId: 'deleteCallerId',
        params: CallerIdParams,
        response: { 204: { type: 'null', description: 'Removed' }, ...commonErrorResponses, 404: calleridNotFoundResponse },
      },
    }),
    async (request, reply) => {
      const { extension } = await managedCallerId(request, request.params.id);
      await translating(() => deleteAuthorizedCallerId(db, extension, request.params.id, { actor: principalOf(request).email }));
      return reply.code(204).send();
    },
  );

  for (const [action, active] of [
    ['activate', true],
    ['deactivate', false],
  ] as const) {
    app.post<{ Params: CallerIdParams; Reply: CallerIdView }>(
      `/callerids/:id/${action}`,
      authenticatedRoute({
        schema: {
          summary: active ? 'Activate an authorized CallerID (counts against the licence)' : 'Deactivate an authorized CallerID (it is no longer called back)',
          tags: ['callerids'],
          operationId: active ? 'activateCallerId' : 'deactivateCallerId',
          params: CallerIdParams,
          response: {
            200: CallerIdView,
            ...commonErrorResponses,
            404: calleridNotFoundResponse,
            ...(active ? { 409: calleridConflict('The licence allows no more active CallerIDs on the extension') } : {}),
          },
        },
      }),
      async (request) => change(request, request.params.id, () => Promise.resolve({ active })),
    );
  }

  app.post<{ Params: CallerIdParams; Body: CreditChange; Reply: CallerIdView }>(
    '/callerids/:id/credit',
    authenticatedRoute({
      schema: {
        summary: "Add credit to an authorized CallerID (a negative amount lowers it)",
        description:
          'Recorded in the recharge history with the user\'s e-mail. A negative amount on Unlimited ends Unlimited: the history ' +
          'records that amount as added and 0 as the credit left, and the CallerID places no callback calls until recharged. ' +
          'On limited credit, an amount that would take the credit below 0 is refused (409).',
        tags: ['callerids'],
        operationId: 'rechargeCallerIdCredit',
        params: CallerIdParams,
        body: CreditChange,
        response: {
          200: { ...CallerIdView, description: 'The CallerID with its new credit' },
          ...commonErrorResponses,
          404: calleridNotFoundResponse,
          409: calleridConflict('The amount would take the credit below 0'),
        },
      },
    }),
    async (request) => {
      await managedCallerId(request, request.params.id);
      const amount = amountOf(request.body.amount, 'amount');
      if (amount === 0) throw new ApiError(400, 'bad_request', 'amount must not be 0', 'amount');
      const note = request.body.note?.trim() || null;
      const { callerId } = await translating(() =>
        rechargeAuthorizedCallerId(db, request.params.id, amount, note, { actor: principalOf(request).email }),
      );
      return view(callerId);
    },
  );

  app.put<{ Params: CallerIdParams; Reply: CallerIdView }>(
    '/callerids/:id/credit/unlimited',
    authenticatedRoute({
      schema: {
        summary: "Make an authorized CallerID's credit Unlimited",
        description: 'Recorded in the recharge history; already Unlimited is left as it is.',
        tags: ['callerids'],
        operationId: 'makeCallerIdCreditUnlimited',
        params: CallerIdParams,
        response: { 200: CallerIdView, ...commonErrorResponses, 404: calleridNotFoundResponse },
      },
    }),
    async (request) => {
      await managedCallerId(request, request.params.id);
      return view(await translating(() => makeAuthorizedCallerIdUnlimited(db, request.params.id, { actor: principalOf(request).email })));
    },
  );

  app.get<{ Params: CallerIdParams; Reply: History }>(
    '/callerids/:id/credit/history',
    authenticatedRoute({
      schema: {
        summary: "An authorized CallerID's recharge history, newest first",
        description: 'Date, amount added, credit left after, who did it. Calls\' charges are not recharges and are not listed.',
        tags: ['callerids'],
        operationId: 'getCallerIdCreditHistory',
        params: CallerIdParams,
        response: { 200: History, ...commonErrorResponses, 404: calleridNotFoundResponse },
      },
    }),
    async (request) => {
      await managedCallerId(request, request.params.id);
      const entries = await translating(() => creditHistory(db, request.params.id));
      return entries.map((e) => ({
        at: e.at,
        amountAdded: toDecimalString(e.amountAddedMicros),
        amountAddedMicros: e.amountAddedMicros,
        creditLeftAfter: e.creditLeftAfter === 'unlimited' ? 'unlimited' : toDecimalString(e.creditLeftAfter),
        creditLeftAfterMicros: e.creditLeftAfter === 'unlimited' ? null : e.creditLeftAfter,
        by: e.by,
        note: e.note,
      }));
    },
  );

  done();
};

