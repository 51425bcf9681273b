import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginCallback } from 'fastify';
import { toDecimalString } from '../../domain/money.js';
import { tryNormalizePhoneNumber } from '../../domain/phone-number.js';
import { submitCallnowRequest, type CallnowDependencies } from '../../flows/callnow.js';
import { callLegsOf, callnowRequestById, loadCallnowTarget, REQUEST_COLUMNS, toRecord, type CallnowRequestRecord, type CallnowState } from '../../store/callnow.js';
import type { Store } from '../../store/db.js';
import { readSettings } from '../../store/settings.js';
import { findManagedExtension, principalOf } from './auth.js';
import { ApiError, commonErrorResponses, conflictResponse, forbiddenResponse, sendError, tooManyRequestsResponse, unavailableResponse } from './errors.js';
import { authenticatedRoute } from './openapi.js';
import { ExtensionParams, Id, Nullable, StringEnum } from './schemas.js';

/**
 * The Call API's "place this callback now" for CallNow (SPEC §6, §2): a request placed
 * through the same flow as the public page (the same limits, destination policy, rules,
 * hours and credit checks), its status with its call legs, and an extension's requests.
 */

/** What the API needs to place calls; the same object the public pages get will do. */
export interface CallnowRequestsDependencies {
  flows: CallnowDependencies;
  /** For numbers typed without a country code when the organization names none. */
  defaultCountry: () => string;
}

export interface CallnowRequestsRoutesOptions {
  store: Store;
  /** The base of public links (DIALBACK_PUBLIC_URL), without a trailing slash. */
  publicUrl: string;
  /** Left out where this process places no calls: POST then answers 503. */
  callnow?: CallnowRequestsDependencies;
}

const API_LANGUAGES = ['en', 'de', 'fr', 'es'] as const;
/** Live list streams open at once, in this process and per user. */
const MAX_STREAMS = 5_000;
const MAX_STREAMS_PER_USER = 10;
/** A stream ends after this; the client reconnects (and is authenticated again). */
const STREAM_LIFETIME_MS = 5 * 60_000;
type ApiLanguage = (typeof API_LANGUAGES)[number];

const STATES: readonly CallnowState[] = [
  'received',
  'refused',
  'calling-owner',
  'owner-declined',
  'owner-no-answer',
  'calling-requester',
  'requester-no-answer',
  'connected',
  'completed',
  'failed',
];


const RequestParams = Type.Object({ requestId: Id("The request's id") }, { additionalProperties: false });
type RequestParams = Static<typeof RequestParams>;

const IDEMPOTENCY_KEY = 'idempotency-key';
const IdempotencyHeaders = Type.Object({
  [IDEMPOTENCY_KEY]: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9_-]{8,64}$',
      description:
        'Makes a retry safe: the same key from the same user is the same request (answered 200, never dialled twice). ' +
        '8 to 64 letters, digits, "_" or "-".',
    }),
  ),
});
type IdempotencyHeaders = Static<typeof IdempotencyHeaders>;

const NewCallnowRequest = Type.Object(
  {
    name: Type.Optional(
      Type.String({ maxLength: 200, description: "The requester's name, shown on the owner's phone; required when the owner asks for names" }),
    ),
    phone: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'The number to call back: E.164 (+61298765432) or national form, normalized with the organization\'s country',
    }),
    language: Type.Optional(
      StringEnum(API_LANGUAGES, "The requester's language (status texts); default: the owner's page language, else en"),
    ),
  },
  { additionalProperties: false, description: 'Who asks to be called back' },
);
type NewCallnowRequest = Static<typeof NewCallnowRequest>;

const CallLeg = Type.Object(
  {
    role: Type.String({ description: 'owner: the call to the owner; requester: the call to the requester through the trunk' }),
    direction: StringEnum(['inbound', 'outbound'] as const, 'Seen from the server'),
    fromNumber: Nullable(Type.String({ description: 'The caller ID presented' })),
    toNumber: Type.String({ description: 'The number or extension called' }),
    cause: Nullable(Type.String({ description: 'How the leg ended (no-answer, busy, unavailable, requester-hangup, ...); null while it lasts' })),
    startedAt: Type.String({ format: 'date-time' }),
    answeredAt: Nullable(Type.String({ format: 'date-time' })),
    endedAt: Nullable(Type.String({ format: 'date-time' })),
    durationSeconds: Type.Integer({ description: 'Talk time' }),
    billedSeconds: Type.Integer({ description: 'Seconds charged after billing increments' }),
    ratePrefix: Nullable(Type.String({ description: 'The tariff prefix the leg was rated by' })),
    costMicros: Type.Integer({ description: 'Cost in micro-units (1/1,000,000) of the server currency' }),
  },
  { additionalProperties: false, description: 'One call leg (CDR) of the request' },
);
type CallLeg = Static<typeof CallLeg>;

const requestFields = {
  id: Type.Integer(),
  extensionId: Type.Integer(),
  state: StringEnum(STATES, 'Where the request is: received → calling-owner → calling-requester → connected → completed, or a final failure'),
  reason: Nullable(
    Type.String({ description: 'Why it was refused or ended as it did (outside-hours, number-not-allowed, rule-rejected, out-of-credit, concurrent-calls, daily-spend-cap, unavailable, ...)' }),
  ),
  requesterName: Nullable(Type.String()),
  requesterNumber: Type.String({ description: 'E.164' }),
  language: Type.String(),
  costMicros: Type.Integer({ description: "What the owner was charged, in micro-units (1/1,000,000) of the server currency" }),
  cost: Type.String({ description: 'The same as a decimal string, e.g. "0.12"' }),
  currency: Nullable(Type.String({ description: 'The server currency (ISO 4217)' })),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  statusUrl: Type.String({ description: "The request's public status page (live status for the requester)" }),
};

const CallnowRequestSummary = Type.Object(requestFields, { additionalProperties: false, description: 'A CallNow request' });
type CallnowRequestSummary = Static<typeof CallnowRequestSummary>;
const CallnowRequest = Type.Object(
  { ...requestFields, legs: Type.Array(CallLeg, { description: 'Its call legs, in the order they were placed' }) },
  { additionalProperties: false, description: 'A CallNow request with its call legs' },
);
type CallnowRequest = Static<typeof CallnowRequest>;

const ListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'At most this many (1-100, default 20)' })),
    before: Type.Optional(Id('Only requests with a smaller id (the nextBefore of the previous page)')),
  },
  { additionalProperties: false },
);
type ListQuery = Static<typeof ListQuery>;
const CallnowRequestList = Type.Object(
  {
    requests: Type.Array(CallnowRequestSummary, { description: 'Newest first' }),
    nextBefore: Nullable(Type.Integer({ description: 'Pass as before for the next page; null on the last page' })),
  },
  { additionalProperties: false },
);
type CallnowRequestList = Static<typeof CallnowRequestList>;

const requestNotFound = (): ApiError => new ApiError(404, 'not_found', 'no such CallNow request');

const withRetryAfter = (description: string) => ({
  ...tooManyRequestsResponse,
  description,
  headers: { 'Retry-After': { type: 'integer', minimum: 1, description: 'Seconds to wait before trying again' } },
});

/** POST, GET one and GET a page of an extension's CallNow requests. */
export const callnowRequestRoutes: FastifyPluginCallback<CallnowRequestsRoutesOptions> = (app: FastifyInstance, { store, publicUrl, callnow }, done) => {
  const db = store.db;

  const summary = (record: CallnowRequestRecord, currency: string | null): CallnowRequestSummary => ({
    id: record.id,
    extensionId: record.extensionId,
    state: record.state,
    reason: record.reason,
    requesterName: record.requesterName,
    requesterNumber: record.requesterNumber,
    language: record.language,
    costMicros: record.costMicros,
    cost: toDecimalString(record.costMicros),
    currency,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    statusUrl: `${publicUrl}/callnow/requests/${record.publicToken}`,
  });

  const detail = async (record: CallnowRequestRecord): Promise<CallnowRequest> => {
    const [{ currency }, legs] = await Promise.all([readSettings(db), callLegsOf(db, record.id)]);
    return {
      ...summary(record, currency),
      legs: legs.map(
        (leg): CallLeg => ({
          role: leg.role,
          direction: leg.direction,
          fromNumber: leg.fromNumber,
          toNumber: leg.toNumber,
          cause: leg.cause,
          startedAt: leg.startedAt,
          answeredAt: leg.answeredAt,
          endedAt: leg.endedAt,
          durationSeconds: leg.durationSeconds,
          billedSeconds: leg.billedSeconds,
          ratePrefix: leg.ratePrefix,
          costMicros: leg.costMicros,
        }),
      ),
    };
  };

  /** The earlier request made with this (namespaced) key, if any. */
  const byIdempotencyKey = async (key: string): Promise<CallnowRequestRecord | null> => {
    const row = await db.selectFrom('callbackRequests').select(REQUEST_COLUMNS).where('idempotencyKey', '=', key).where('kind', '=', 'callnow').executeTakeFirst();
    return row ? toRecord(row) : null;
  };

  app.post<{ Params: ExtensionParams; Headers: IdempotencyHeaders; Body: NewCallnowRequest; Reply: CallnowRequest }>(
    '/extensions/:extensionId/callnow/requests',
    authenticatedRoute({
      schema: {
        summary: 'Place a CallNow request now: ring the owner, then call the requester back',
        description:
          'Runs the same checks as the public CallNow page: request limits, the destination policy, the rules, ' +
          "the owner's hours and whether they are on the phone, and credit. A request those checks refuse is recorded " +
          'and answered 201 with state "refused" and its reason. Send an Idempotency-Key to retry safely: the same key ' +
          '(from the same user) answers 200 with the earlier request and never dials again.',
        tags: ['callnow'],
        operationId: 'createCallnowRequest',
        params: ExtensionParams,
        headers: IdempotencyHeaders,
        body: NewCallnowRequest,
        response: {
          201: { ...CallnowRequest, description: 'A new request (placed, or refused with its reason)' },
          200: { ...CallnowRequest, description: 'The request made earlier with this Idempotency-Key; nothing was dialled again' },
          ...commonErrorResponses,
          404: {
            ...commonErrorResponses[404],
            description: 'No such extension, not one this token may manage, or CallNow is not set up or is off for it',
          },
          403: { ...forbiddenResponse, description: "The extension's organization has not enabled the Call API for it" },
          409: { ...conflictResponse, description: 'The Idempotency-Key was used earlier for a request to another extension or number' },
          429: withRetryAfter('A request limit was reached (per number, per address, per CallNow ID); nothing was recorded'),
          503: { ...unavailableResponse, description: 'This server process places no calls' },
        },
      },
    }),
    async (request, reply) => {
      const principal = principalOf(request);
      const extension = await findManagedExtension(store, principal, request.params.extensionId);
      if (!callnow) return sendError(reply, 503, 'unavailable', 'this server does not place calls; try another node or later');
      const preferences = await db.selectFrom('callnowPreferences').select(['callnowId', 'enabled']).where('extensionId', '=', extension.id).executeTakeFirst();
      if (!preferences) throw new ApiError(404, 'not_found', `extension ${extension.number} has no CallNow preferences`);
      const target = preferences.enabled === 1 ? await loadCallnowTarget(db, preferences.callnowId, callnow.defaultCountry()) : null;
      if (!target || !target.preferences.enabled) throw new ApiError(404, 'not_found', `CallNow is off for extension ${extension.number}`);
      // SPEC §1: the organization enables the Call API per extension (PATCH /extensions/{id} callApiEnabled).
      const features = await db.selectFrom('extensions').select('callApiEnabled').where('id', '=', extension.id).executeTakeFirstOrThrow();
      if (features.callApiEnabled !== 1) {
        throw new ApiError(403, 'forbidden', `the Call API is not enabled for extension ${extension.number}; its organization can switch it on`);
      }

      const body = request.body;
      const rawKey = request.headers[IDEMPOTENCY_KEY];
      // Keys are the client's own: namespaced by user, so two users' keys never meet.
      const key = rawKey === undefined ? null : `api:${principal.userId}:${rawKey}`;
      const sameRequest = (earlier: CallnowRequestRecord): boolean => {
        if (earlier.extensionId !== extension.id) return false;
        const phone = tryNormalizePhoneNumber(body.phone, target.defaultCountry);
        return phone.ok && phone.e164 === earlier.requesterNumber;
      };
      const answerEarlier = async (earlier: CallnowRequestRecord) => {
        if (!sameRequest(earlier)) {
          throw new ApiError(409, 'conflict', 'this Idempotency-Key was already used for a request to another extension or number', IDEMPOTENCY_KEY);
        }
        return reply.code(200).send(await detail(earlier));
      };

      // A retry is answered from the record, before the limits count it again.
      if (key !== null) {
        const earlier = await byIdempotencyKey(key);
        if (earlier) return answerEarlier(earlier);
      }

      const ownerLanguage = target.preferences.language;
      const language: ApiLanguage = body.language ?? ((API_LANGUAGES as readonly string[]).includes(ownerLanguage) ? (ownerLanguage as ApiLanguage) : 'en');
      const result = await submitCallnowRequest(callnow.flows, target, {
        name: body.name ?? '',
        phone: body.phone,
        clientAddress: request.ip,
        language,
        idempotencyKey: key,
      });
      switch (result.kind) {
        case 'invalid':
          if (result.problem.field === 'phone') {
            throw new ApiError(400, 'bad_request', `phone: that number cannot be used: ${result.problem.message}`, 'phone');
          }
          throw new ApiError(400, 'bad_request', `name is required: extension ${extension.number} takes no anonymous requests`, 'name');
        case 'limited':
          reply.header('retry-after', String(result.retryAfterSeconds));
          return sendError(reply, 429, 'too_many_requests', `too many requests (${result.reason}); try again in ${result.retryAfterSeconds} seconds`);
        case 'recorded': {
          // Two retries raced with one key: the flow placed one and dialled once; this is the other.
          if (!result.created) return answerEarlier(result.request);
          const current = (await callnowRequestById(db, result.request.id)) ?? result.request;
          return reply.code(201).header('location', `${app.prefix}/callnow/requests/${current.id}`).send(await detail(current));
        }
      }
    },
  );

  app.get<{ Params: RequestParams; Reply: CallnowRequest }>(
    '/callnow/requests/:requestId',
    authenticatedRoute({
      schema: {
        summary: 'A CallNow request: its state, reason, cost and call legs',
        tags: ['callnow'],
        operationId: 'getCallnowRequest',
        params: RequestParams,
        response: {
          200: CallnowRequest,
          ...commonErrorResponses,
          404: { ...commonErrorResponses[404], description: 'No such request, or not one of an extension this token may manage' },
        },
      },
    }),
    async (request) => {
      const principal = principalOf(request);
      const record = await callnowRequestById(db, request.params.requestId);
      if (!record) throw requestNotFound();
      try {
        await findManagedExtension(store, principal, record.extensionId);
      } catch (error) {
        // Someone else's request looks exactly like a missing one.
        if (error instanceof ApiError && error.statusCode === 404) throw requestNotFound();
        throw error;
      }
      return detail(record);
    },
  );

  // Live list streams: a cap for the process and one per user, so no one can hold every socket.
  let openStreams = 0;
  const streamsByUser = new Map<number, number>();
  app.get<{ Params: ExtensionParams }>(
    '/extensions/:extensionId/callnow/requests/events',
    authenticatedRoute({
      schema: {
        summary: "Follow an extension's CallNow requests live (Server-Sent Events)",
        description:
          'A text/event-stream: `ready` once subscribed (read the list then, to miss nothing), then a `request` event ' +
          '`{ id, state, reason }` whenever a request of the extension arrives or its state moves; a comment every 15 s keeps ' +
          'proxies from closing it. The server ends a stream after 5 minutes (EventSource reconnects). On PostgreSQL the events of every node sharing ' +
          'the database arrive; delivery is at most once, so also read the list now and then. 503 with Retry-After when too many streams are open (' +
          `${MAX_STREAMS_PER_USER} per user).`,
        tags: ['callnow'],
        operationId: 'followCallnowRequests',
        params: ExtensionParams,
        response: {
          200: { description: 'The event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          ...commonErrorResponses,
          503: { ...unavailableResponse, description: 'This server process places no calls, or too many streams are open' },
        },
      },
    }),
    async (request, reply) => {
      const principal = principalOf(request);
      const extension = await findManagedExtension(store, principal, request.params.extensionId);
      if (!callnow) return sendError(reply, 503, 'unavailable', 'this server does not place calls; try another node or later');
      const mine = streamsByUser.get(principal.userId) ?? 0;
      if (openStreams >= MAX_STREAMS || mine >= MAX_STREAMS_PER_USER) {
        void reply.header('retry-after', '5');
        return sendError(reply, 503, 'unavailable', 'too many live streams are open; close another page or try again shortly');
      }
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      openStreams++;
      streamsByUser.set(principal.userId, mine + 1);
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        openStreams--;
        const left = (streamsByUser.get(principal.userId) ?? 1) - 1;
        if (left > 0) streamsByUser.set(principal.userId, left);
        else streamsByUser.delete(principal.userId);
        unsubscribe();
        clearInterval(heartbeat);
        clearTimeout(lifetime);
        raw.end();
      };
      const unsubscribe = callnow.flows.events.subscribeExtension(extension.id, (change) => {
        if (!closed) raw.write(`event: request\ndata: ${JSON.stringify({ id: change.requestId, state: change.state, reason: change.reason })}\n\n`);
      });
      const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), 15_000);
      heartbeat.unref();
      // The browser reconnects by itself; each reconnection signs in again, so a signed-out or disabled user stops hearing.
      const lifetime = setTimeout(close, STREAM_LIFETIME_MS);
      lifetime.unref();
      request.raw.on('close', close);
      raw.write('event: ready\ndata: {}\n\n');
    },
  );

  app.get<{ Params: ExtensionParams; Querystring: ListQuery; Reply: CallnowRequestList }>(
    '/extensions/:extensionId/callnow/requests',
    authenticatedRoute({
      schema: {
        summary: "An extension's CallNow requests, newest first, a page at a time",
        tags: ['callnow'],
        operationId: 'listCallnowRequests',
        params: ExtensionParams,
        querystring: ListQuery,
        response: {
          200: CallnowRequestList,
          ...commonErrorResponses,
        },
      },
    }),
    async (request) => {
      const extension = await findManagedExtension(store, principalOf(request), request.params.extensionId);
      const limit = request.query.limit ?? 20;
      let query = db
        .selectFrom('callbackRequests')
        .select(REQUEST_COLUMNS)
        .where('kind', '=', 'callnow')
        .where('extensionId', '=', extension.id)
        .orderBy('id', 'desc')
        .limit(limit + 1);
      if (request.query.before !== undefined) query = query.where('id', '<', request.query.before);
      const rows = await query.execute();
      const page = rows.slice(0, limit).map(toRecord);
      const { currency } = await readSettings(db);
      return {
        requests: page.map((r) => summary(r, currency)),
        nextBefore: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null,
      };
    },
  );

  done();
};
