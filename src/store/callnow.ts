import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { CallnowPreferences, CallnowRule } from '../domain/callnow.js';
import type { DateException, TimeInterval, Weekday } from '../domain/time-interval.js';
import type { Micros } from '../domain/money.js';
import { organizationCallSetup, type OrganizationCallSetup } from './call-setup.js';
import type { CallbackState } from './callback.js';
import { nowIso } from './db.js';
import type { CallLegTable, Database } from './schema.js';

type Db = Kysely<Database>;

/** Everything a CallNow request needs to know about the extension behind a CallNow ID. */
export interface CallnowTarget extends OrganizationCallSetup {
  callnowId: string;
  extension: { id: number; accountId: number; number: string; name: string; externalNumber: string | null; creditAccountId: number };
  preferences: CallnowPreferences;
  rules: CallnowRule[];
  /** null: Anytime. */
  availability: TimeInterval | null;
}

/** CallNow IDs are matched without regard to case: people retype links. */
export function normalizeCallnowId(id: string): string {
  return id.trim().toLowerCase();
}

export async function loadCallnowTarget(db: Db, callnowId: string, fallbackCountry: string): Promise<CallnowTarget | null> {
  const row = await db
    .selectFrom('callnowPreferences as p')
    .innerJoin('extensions as e', 'e.id', 'p.extensionId')
    .select([
      'p.callnowId',
      'p.enabled',
      'p.confirm',
      'p.showName',
      'p.askName',
      'p.captcha',
      'p.language',
      'p.message',
      'p.availabilityIntervalId',
      'p.rejectWhileOnPhone',
      'e.id as extensionId',
      'e.accountId',
      'e.number',
      'e.name',
      'e.externalNumber',
      'e.creditAccountId',
      'e.callnowEnabled',
    ])
    .where('p.callnowId', '=', normalizeCallnowId(callnowId))
    .executeTakeFirst();
  if (!row) return null;
  const [rules, availability, setup] = await Promise.all([
    db
      .selectFrom('callnowRules')
      .select(['numberPattern', 'namePattern', 'action'])
      .where('extensionId', '=', row.extensionId)
      .orderBy('position')
      .execute(),
    row.availabilityIntervalId === null ? Promise.resolve(null) : loadTimeInterval(db, row.availabilityIntervalId),
    organizationCallSetup(db, row.accountId, fallbackCountry),
  ]);
  return {
    callnowId: row.callnowId,
    extension: {
      id: row.extensionId,
      accountId: row.accountId,
      number: row.number,
      name: row.name,
      externalNumber: row.externalNumber,
      creditAccountId: row.creditAccountId,
    },
    preferences: {
      // Off when the owner turned CallNow off or the organization switched it off for the extension.
      enabled: row.enabled === 1 && row.callnowEnabled === 1,
      confirm: row.confirm === 1,
      showName: row.showName === 1,
      askName: row.askName === 1,
      captcha: row.captcha === 1,
      language: row.language,
      message: row.message,
      rejectWhileOnPhone: row.rejectWhileOnPhone === 1,
    },
    rules,
    availability,
    ...setup,
  };
}

async function loadTimeInterval(db: Db, id: number): Promise<TimeInterval | null> {
  const interval = await db.selectFrom('timeIntervals').select(['timezone']).where('id', '=', id).executeTakeFirst();
  if (!interval) return null;
  const [slots, exceptions] = await Promise.all([
    db.selectFrom('timeIntervalSlots').select(['days', 'fromMinute', 'toMinute']).where('timeIntervalId', '=', id).orderBy('position').execute(),
    db.selectFrom('timeIntervalExceptions').select(['date', 'closed', 'fromMinute', 'toMinute']).where('timeIntervalId', '=', id).execute(),
  ]);
  return {
    timezone: interval.timezone,
    weekly: slots.map((s) => ({ days: s.days.split(',').filter(Boolean) as Weekday[], fromMinute: s.fromMinute, toMinute: s.toMinute })),
    exceptions: exceptions.map((e): DateException => ({
      date: e.date,
      closed: e.closed === 1,
      ...(e.fromMinute !== null ? { fromMinute: e.fromMinute } : {}),
      ...(e.toMinute !== null ? { toMinute: e.toMinute } : {}),
    })),
  };
}

// ---------------------------------------------------------------------------------------
// Requests and their legs (CDRs)

/** The states a CallNow request moves through (issue: CallNow, item 6). */
export type CallnowState =
  | 'received'
  | 'refused'
  | 'calling-owner'
  | 'owner-declined'
  | 'owner-no-answer'
  | 'calling-requester'
  | 'requester-no-answer'
  | 'connected'
  | 'completed'
  | 'failed';

export const FINAL_STATES: ReadonlySet<CallnowState> = new Set(['refused', 'owner-declined', 'owner-no-answer', 'requester-no-answer', 'completed', 'failed']);

export interface CallnowRequestRecord {
  id: number;
  publicToken: string;
  accountId: number;
  extensionId: number;
  requesterName: string | null;
  requesterNumber: string;
  language: string;
  state: CallnowState;
  reason: string | null;
  costMicros: Micros;
  createdAt: string;
  updatedAt: string;
}

export interface NewCallnowRequest {
  accountId: number;
  extensionId: number;
  creditAccountId: number;
  requesterName: string | null;
  requesterNumber: string;
  clientAddress: string;
  language: string;
  state: CallnowState;
  reason: string | null;
  /** The same key twice is the same request (a form posted twice, a retried API call). */
  idempotencyKey: string | null;
}

/** The columns a CallnowRequestRecord is read from. */
export const REQUEST_COLUMNS = [
  'id',
  'publicToken',
  'accountId',
  'extensionId',
  'requesterName',
  'requesterNumber',
  'language',
  'state',
  'reason',
  'costMicros',
  'createdAt',
  'updatedAt',
] as const;

export function toRecord(row: {
  id: number;
  publicToken: string | null;
  accountId: number;
  extensionId: number | null;
  requesterName: string | null;
  requesterNumber: string | null;
  language: string | null;
  state: string;
  reason: string | null;
  costMicros: Micros;
  createdAt: string;
  updatedAt: string;
}): CallnowRequestRecord {
  return {
    ...row,
    publicToken: row.publicToken ?? '',
    extensionId: row.extensionId ?? 0,
    requesterNumber: row.requesterNumber ?? '',
    language: row.language ?? 'en',
    state: row.state as CallnowState,
  };
}

/**
 * Records a request. With an idempotency key already used, nothing is written and the
 * earlier request comes back with `created: false` (the caller must not dial again).
 */
export async function recordCallnowRequest(
  db: Db,
  request: NewCallnowRequest,
  clock: () => number = Date.now,
): Promise<{ created: boolean; request: CallnowRequestRecord }> {
  if (request.idempotencyKey !== null) {
    const existing = await findByIdempotencyKey(db, request.idempotencyKey);
    if (existing) return { created: false, request: existing };
  }
  const now = nowIso(clock);
  const row = await db
    .insertInto('callbackRequests')
    .values({
      kind: 'callnow',
      accountId: request.accountId,
      extensionId: request.extensionId,
      callbackAccountId: null,
      authorizedCalleridId: null,
      requesterName: request.requesterName,
      requesterNumber: request.requesterNumber,
      destinationNumber: null,
      clientAddress: request.clientAddress,
      language: request.language,
      state: request.state,
      reason: request.reason,
      idempotencyKey: request.idempotencyKey,
      publicToken: randomBytes(18).toString('base64url'),
      scheduledAt: null,
      creditAccountId: request.creditAccountId,
      createdAt: now,
      updatedAt: now,
    })
    // Two posts with one key raced: the unique index lets one through; that one is the request.
    .onConflict((oc) => oc.column('idempotencyKey').doNothing())
    .returning(REQUEST_COLUMNS)
    .executeTakeFirst();
  if (row) return { created: true, request: toRecord(row) };
  const existing = request.idempotencyKey === null ? undefined : await findByIdempotencyKey(db, request.idempotencyKey);
  if (!existing) throw new Error('a CallNow request was neither inserted nor found');
  return { created: false, request: existing };
}

/** The request recorded with this idempotency key, if any. */
export async function findByIdempotencyKey(db: Db, key: string): Promise<CallnowRequestRecord | undefined> {
  const row = await db.selectFrom('callbackRequests').select(REQUEST_COLUMNS).where('idempotencyKey', '=', key).executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

export async function callnowRequestByToken(db: Db, publicToken: string): Promise<CallnowRequestRecord | null> {
  const row = await db
    .selectFrom('callbackRequests')
    .select(REQUEST_COLUMNS)
    .where('publicToken', '=', publicToken)
    .where('kind', '=', 'callnow')
    .executeTakeFirst();
  return row ? toRecord(row) : null;
}

export async function callnowRequestById(db: Db, id: number): Promise<CallnowRequestRecord | null> {
  const row = await db.selectFrom('callbackRequests').select(REQUEST_COLUMNS).where('id', '=', id).where('kind', '=', 'callnow').executeTakeFirst();
  return row ? toRecord(row) : null;
}

/** Moves a request (CallNow or callback) to a new state. */
export async function setRequestState(
  db: Db,
  id: number,
  change: { state: CallnowState | CallbackState; reason?: string | null; costMicros?: Micros; destinationNumber?: string },
  clock: () => number = Date.now,
): Promise<void> {
  await db
    .updateTable('callbackRequests')
    .set({
      state: change.state,
      ...(change.reason !== undefined ? { reason: change.reason } : {}),
      ...(change.costMicros !== undefined ? { costMicros: change.costMicros } : {}),
      ...(change.destinationNumber !== undefined ? { destinationNumber: change.destinationNumber } : {}),
      updatedAt: nowIso(clock),
    })
    .where('id', '=', id)
    .execute();
}

export type NewCallLeg = Pick<CallLegTable, 'requestId' | 'accountId' | 'role' | 'direction' | 'fromNumber' | 'toNumber' | 'extensionId' | 'trunkId'> & {
  creditAccountId?: number | null;
  reservationId?: number | null;
};

export async function startCallLeg(db: Db, leg: NewCallLeg, clock: () => number = Date.now): Promise<number> {
  const row = await db
    .insertInto('callLegs')
    .values({ ...leg, creditAccountId: leg.creditAccountId ?? null, reservationId: leg.reservationId ?? null, sipCallId: null, cause: null, startedAt: nowIso(clock), answeredAt: null, endedAt: null, ratePrefix: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function answerCallLeg(db: Db, legId: number, sipCallId: string, answeredAtMs: number): Promise<void> {
  await db.updateTable('callLegs').set({ sipCallId, answeredAt: new Date(answeredAtMs).toISOString() }).where('id', '=', legId).execute();
}

export async function endCallLeg(
  db: Db,
  legId: number,
  end: { cause: string; endedAtMs: number; durationSeconds: number; billedSeconds?: number; ratePrefix?: string | null; costMicros?: Micros },
): Promise<void> {
  await db
    .updateTable('callLegs')
    .set({
      cause: end.cause,
      endedAt: new Date(end.endedAtMs).toISOString(),
      durationSeconds: end.durationSeconds,
      billedSeconds: end.billedSeconds ?? 0,
      ratePrefix: end.ratePrefix ?? null,
      costMicros: end.costMicros ?? 0,
    })
    .where('id', '=', legId)
    .execute();
}

export async function callLegsOf(db: Db, requestId: number) {
  return db.selectFrom('callLegs').selectAll().where('requestId', '=', requestId).orderBy('id').execute();
}
