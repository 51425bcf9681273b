import type { ColumnType, Generated } from 'kysely';

/**
 * Table types: the single source of truth for what the store holds. Names are
 * camelCase here and snake_case in SQL (CamelCasePlugin). Booleans are 0/1,
 * money is integer micro-units, instants are ISO-8601 strings.
 */
type Id = Generated<number>;
type Flag = 0 | 1;
type FlagWithDefault = ColumnType<Flag, Flag | undefined, Flag>;
type Instant = string;
type Micros = number;
type WithDefault<T> = ColumnType<T, T | undefined, T>;

export interface Database {
  settings: { key: string; value: string };
  creditAccounts: CreditAccountTable;
  accounts: AccountTable;
  users: UserTable;
  tariffs: { id: Id; accountId: number; name: string; createdAt: Instant; updatedAt: Instant };
  rates: RateTable;
  trunks: TrunkTable;
  timeIntervals: { id: Id; accountId: number; name: string; timezone: string; createdAt: Instant; updatedAt: Instant };
  timeIntervalSlots: {
    id: Id;
    timeIntervalId: number;
    position: number;
    /** Comma-separated weekdays: "mon,tue". */
    days: string;
    fromMinute: number;
    toMinute: number;
  };
  timeIntervalExceptions: {
    id: Id;
    timeIntervalId: number;
    date: string;
    closed: Flag;
    fromMinute: number | null;
    toMinute: number | null;
  };
  extensions: ExtensionTable;
  callnowPreferences: CallnowPreferencesTable;
  callnowRules: {
    id: Id;
    extensionId: number;
    position: number;
    numberPattern: string | null;
    namePattern: string | null;
    action: 'accept' | 'confirm' | 'reject';
  };
  callbackSettings: CallbackSettingsTable;
  authorizedCallerids: AuthorizedCalleridTable;
  callbackAccounts: {
    id: Id;
    accountId: number;
    name: string;
    pin: string | null;
    defaultNumber: string | null;
    creditAccountId: number;
    userId: number | null;
    createdAt: Instant;
    updatedAt: Instant;
  };
  callbackAccountCallerids: { id: Id; callbackAccountId: number; callerId: string };
  dids: {
    id: Id;
    number: string;
    trunkId: number;
    extensionId: number | null;
    callbackAccountId: number | null;
    createdAt: Instant;
    updatedAt: Instant;
  };
  ledgerReservations: {
    id: Id;
    creditAccountId: number;
    amountMicros: Micros;
    capturedMicros: Micros | null;
    state: 'open' | 'settled';
    purpose: string;
    createdAt: Instant;
    updatedAt: Instant;
  };
  ledgerEntries: LedgerEntryTable;
  soundFolders: { id: Id; accountId: number; name: string; createdAt: Instant; updatedAt: Instant };
  sounds: {
    id: Id;
    folderId: number;
    name: string;
    durationMs: number;
    encoding: 'pcm16' | 'pcmu' | 'pcma';
    audio: Buffer;
    createdAt: Instant;
    updatedAt: Instant;
  };
  phoneBookEntries: { id: Id; userId: number; name: string; number: string; createdAt: Instant; updatedAt: Instant };
  callbackRequests: CallbackRequestTable;
  callLegs: CallLegTable;
  apiTokens: {
    id: Id;
    userId: number;
    name: string;
    tokenHash: string;
    createdAt: Instant;
    lastUsedAt: Instant | null;
    revokedAt: Instant | null;
  };
  sessions: SessionTable;
  auditLog: {
    id: Id;
    at: Instant;
    actor: string;
    action: string;
    entity: string;
    entityId: string | null;
    details: string | null;
  };
  destinationPolicies: {
    id: Id;
    accountId: number | null;
    prefix: string;
    action: 'allow' | 'deny';
    description: WithDefault<string>;
  };
  webhooks: {
    id: Id;
    accountId: number;
    url: string;
    secret: string;
    events: string;
    enabled: FlagWithDefault;
    createdAt: Instant;
    updatedAt: Instant;
  };
  smsGateways: { id: Id; accountId: number; name: string; tokenHash: string; createdAt: Instant; updatedAt: Instant };
  sipBindings: {
    id: Id;
    extensionId: number;
    contactUri: string;
    expiresAt: Instant;
    callId: string;
    cseq: number;
    source: string;
    transport: string;
    userAgent: string | null;
    updatedAt: Instant;
  };
  callnowTeams: { id: Id; accountId: number; name: string; callnowId: string; createdAt: Instant; updatedAt: Instant };
  callnowTeamMembers: { teamId: number; extensionId: number };
}

export interface CreditAccountTable {
  id: Id;
  unlimited: Flag;
  balanceMicros: WithDefault<Micros>;
  heldMicros: WithDefault<Micros>;
  floorMicros: WithDefault<Micros>;
  createdAt: Instant;
  updatedAt: Instant;
}

export interface AccountTable {
  id: Id;
  kind: 'provider' | 'reseller' | 'organization';
  name: string;
  parentId: number | null;
  defaultCountry: string | null;
  tariffId: number | null;
  trunkId: number | null;
  creditAccountId: number | null;
  maxExtensions: number | null;
  maxAuthorizedCallerids: number | null;
  maxConcurrentCalls: number | null;
  dailySpendCapMicros: Micros | null;
  createdAt: Instant;
  updatedAt: Instant;
}

export type UserRole = 'admin' | 'reseller' | 'org_manager' | 'extension_owner';

export interface UserTable {
  id: Id;
  accountId: number;
  email: string;
  passwordHash: string;
  role: UserRole;
  extensionId: number | null;
  failedSignIns: WithDefault<number>;
  lockedUntil: Instant | null;
  disabled: FlagWithDefault;
  createdAt: Instant;
  updatedAt: Instant;
}

/** A portal sign-in (migration 0004); the cookie's value is known only by its SHA-256. */
export interface SessionTable {
  id: Id;
  userId: number;
  tokenHash: string;
  csrfToken: string;
  createdAt: Instant;
  lastSeenAt: Instant;
  /** The absolute end; the idle end is lastSeenAt plus the idle timeout. */
  expiresAt: Instant;
  userAgent: string | null;
  clientAddress: string | null;
}

export interface RateTable {
  id: Id;
  tariffId: number;
  prefix: string;
  name: string;
  connectFeeMicros: Micros;
  perMinuteMicros: Micros;
  flatMicros: Micros | null;
  firstIncrementSeconds: number;
  nextIncrementSeconds: number;
}

export interface TrunkTable {
  id: Id;
  accountId: number;
  name: string;
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
  username: string | null;
  password: string | null;
  fromDomain: string | null;
  maxChannels: number | null;
  register: FlagWithDefault;
  enabled: FlagWithDefault;
  createdAt: Instant;
  updatedAt: Instant;
}

export interface ExtensionTable {
  id: Id;
  accountId: number;
  number: string;
  name: string;
  type: 'phone' | 'callback';
  externalNumber: string | null;
  sipPassword: string | null;
  creditAccountId: number;
  callApiEnabled: FlagWithDefault;
  /** The organization's CallNow switch for this extension (migration 0005); the owner's own is callnowPreferences.enabled. */
  callnowEnabled: FlagWithDefault;
  createdAt: Instant;
  updatedAt: Instant;
}

export interface CallnowPreferencesTable {
  extensionId: number;
  callnowId: string;
  enabled: Flag;
  confirm: Flag;
  showName: Flag;
  askName: Flag;
  captcha: Flag;
  /** A language code, or "caller" for the caller's choice. */
  language: string;
  message: string;
  /** null: Anytime. */
  availabilityIntervalId: number | null;
  rejectWhileOnPhone: Flag;
  updatedAt: Instant;
}

export interface CallbackSettingsTable {
  extensionId: number;
  ringSeconds: number;
  returnMode: 'authorized' | 'callerid' | 'fixed';
  fixedNumber: string | null;
  password: string | null;
  perCalleridPassword: Flag;
  creditInquiry: Flag;
  dialTimeoutSeconds: number;
  creditExhaustedSound: string | null;
  /** The prompts' language for travellers: en, de, fr, es. */
  language: WithDefault<string>;
  maxAuthorizedCallerids: number;
  updatedAt: Instant;
}

export interface AuthorizedCalleridTable {
  id: Id;
  extensionId: number;
  callerId: string;
  description: WithDefault<string>;
  password: string | null;
  creditAccountId: number;
  failedPasswordAttempts: WithDefault<number>;
  lockedUntil: Instant | null;
  active: Flag;
  createdAt: Instant;
  updatedAt: Instant;
}

export type LedgerEntryKind = 'recharge' | 'adjustment' | 'reservation' | 'capture' | 'release';

export interface LedgerEntryTable {
  id: Id;
  creditAccountId: number;
  kind: LedgerEntryKind;
  amountMicros: Micros;
  heldMicros: Micros;
  balanceAfterMicros: Micros;
  heldAfterMicros: Micros;
  unlimitedAfter: Flag;
  reservationId: number | null;
  note: string | null;
  actor: string;
  createdAt: Instant;
}

export interface CallbackRequestTable {
  id: Id;
  kind: 'callnow' | 'callback' | 'pin' | 'ani' | 'did' | 'sms' | 'web';
  accountId: number;
  extensionId: number | null;
  callbackAccountId: number | null;
  authorizedCalleridId: number | null;
  requesterName: string | null;
  requesterNumber: string | null;
  destinationNumber: string | null;
  clientAddress: string | null;
  language: string | null;
  state: string;
  reason: string | null;
  idempotencyKey: string | null;
  /** Addresses the public status page (random; ids are guessable). */
  publicToken: string | null;
  scheduledAt: Instant | null;
  creditAccountId: number | null;
  costMicros: WithDefault<Micros>;
  createdAt: Instant;
  updatedAt: Instant;
}

export interface CallLegTable {
  id: Id;
  requestId: number | null;
  accountId: number;
  role: 'owner' | 'requester' | 'caller' | 'callback' | 'destination' | 'source';
  direction: 'inbound' | 'outbound';
  fromNumber: string | null;
  toNumber: string;
  extensionId: number | null;
  trunkId: number | null;
  sipCallId: string | null;
  cause: string | null;
  startedAt: Instant;
  answeredAt: Instant | null;
  endedAt: Instant | null;
  durationSeconds: WithDefault<number>;
  billedSeconds: WithDefault<number>;
  ratePrefix: string | null;
  costMicros: WithDefault<Micros>;
  creditAccountId: number | null;
  /** The credit a paid leg holds while it runs (SPEC §7: the daily spend cap counts it). */
  reservationId: number | null;
}
