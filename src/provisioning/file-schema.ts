import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { DURATION_PATTERN } from '../domain/duration.js';
import { MAX_LIMIT } from '../domain/request-limits.js';

/**
 * The shape of a provisioning file (`dialback provision FILE.yaml`). This is the one
 * definition: validation, TypeScript types and the published JSON Schema
 * (schemas/provision.schema.json) all come from it.
 */

const strict = { additionalProperties: false } as const;
const Name = Type.String({ minLength: 1, maxLength: 100, description: 'A name; the key that finds this object again' });
/** Amounts are decimal strings in the server's currency ("12.50"); plain YAML numbers are accepted too. */
const Amount = Type.Union([Type.String({ minLength: 1 }), Type.Number()], {
  description: 'An amount in the server currency, e.g. "0.12"',
});
const Credit = Type.Union([Type.Literal('unlimited'), Amount], {
  description: 'Opening credit: "unlimited" or an amount. Applied when the account is created; later changes are recharges.',
});
const PhoneNumber = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'A phone number: E.164 (+61290371234), or national digits in the default country',
});
const Clock = Type.String({ pattern: '^([01][0-9]|2[0-4]):[0-5][0-9]$', description: 'Local time HH:MM' });
const Weekday = Type.Union(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => Type.Literal(d)));
const Flag = (description: string, defaultValue: boolean) => Type.Optional(Type.Boolean({ description, default: defaultValue }));

const Settings = Type.Object(
  {
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, the server\'s one currency' }),
    defaultCountry: Type.String({
      pattern: '^[A-Z]{2}$',
      description: 'ISO 3166 country for numbers written without a country code',
    }),
  },
  strict,
);

const Trunk = Type.Object(
  {
    name: Name,
    host: Type.String({ minLength: 1, maxLength: 253 }),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, default: 5060 })),
    transport: Type.Optional(Type.Union([Type.Literal('udp'), Type.Literal('tcp')], { default: 'udp' })),
    username: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
    password: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
    register: Flag('Register to the carrier with the credentials', false),
    fromDomain: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
    maxChannels: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  },
  strict,
);

const Rate = Type.Object(
  {
    prefix: Type.String({ pattern: '^[0-9]{0,20}$', description: 'E.164 digits without "+"; "" matches every number' }),
    name: Name,
    flat: Type.Optional(Amount),
    perMinute: Type.Optional(Amount),
    connectFee: Type.Optional(Amount),
    increments: Type.Optional(Type.String({ description: 'Billing increments first/next in seconds, e.g. "60/60"' })),
  },
  strict,
);

const Tariff = Type.Object({ name: Name, rates: Type.Array(Rate) }, strict);

const TimeInterval = Type.Object(
  {
    name: Name,
    timezone: Type.String({ minLength: 1, description: 'IANA time zone, e.g. Australia/Sydney' }),
    weekly: Type.Optional(
      Type.Array(Type.Object({ days: Type.Array(Weekday, { minItems: 1 }), from: Clock, to: Clock }, strict)),
    ),
    exceptions: Type.Optional(
      Type.Array(
        Type.Object(
          {
            date: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }),
            closed: Type.Optional(Type.Boolean()),
            from: Type.Optional(Clock),
            to: Type.Optional(Clock),
          },
          strict,
        ),
      ),
    ),
  },
  strict,
);

const RuleAction = Type.Union([Type.Literal('accept'), Type.Literal('confirm'), Type.Literal('reject')]);
const CallNowRule = Type.Object(
  {
    number: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Number pattern: +614*, 0290*' })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Name pattern: *test*' })),
    action: RuleAction,
  },
  strict,
);

const CallNow = Type.Object(
  {
    id: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9_-]{3,64}$',
        description: 'CallNow ID; a random 16-hex-digit id when left out',
      }),
    ),
    enabled: Flag('CallNow on', true),
    confirm: Flag('Owner presses 1 to accept each request', true),
    showName: Flag("Show the owner's name on the public page", false),
    askName: Flag("Require the caller's name", true),
    captcha: Flag('Image validation on the public page', true),
    language: Type.Optional(Type.String({ pattern: '^([a-z]{2}|caller)$', default: 'en' })),
    message: Type.Optional(Type.String({ maxLength: 1000, default: '' })),
    availability: Type.Optional(Type.String({ minLength: 1, default: 'Anytime' })),
    rejectWhileOnPhone: Flag('Refuse requests while the owner is on the phone', false),
    rules: Type.Optional(Type.Array(CallNowRule)),
  },
  strict,
);

const NullableString = Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()]));

const AuthorizedCallerId = Type.Object(
  {
    callerId: PhoneNumber,
    description: Type.Optional(Type.String({ maxLength: 200 })),
    password: Type.Optional(Type.Union([Type.String({ pattern: '^[0-9]{1,20}$' }), Type.Null()])),
    credit: Type.Optional(Credit),
    active: Flag('Counts against the licence and may be called back', true),
  },
  strict,
);

const Callback = Type.Object(
  {
    ringSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 120, default: 5 })),
    returnTo: Type.Optional(
      Type.Union([Type.Literal('authorized'), Type.Literal('callerid'), Type.Literal('fixed')], {
        default: 'authorized',
      }),
    ),
    fixedNumber: Type.Optional(Type.Union([PhoneNumber, Type.Null()])),
    password: Type.Optional(Type.Union([Type.String({ pattern: '^[0-9]{1,20}$' }), Type.Null()])),
    perCallerIdPassword: Flag("Ask for the authorized CallerID's own password", false),
    creditInquiry: Flag('Offer to say the remaining credit', false),
    dialTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 120, default: 15 })),
    creditExhaustedSound: NullableString,
    language: Type.Optional(
      Type.Union([Type.Literal('en'), Type.Literal('de'), Type.Literal('fr'), Type.Literal('es')], {
        default: 'en',
        description: 'The language of the voice prompts the traveller hears',
      }),
    ),
    maxAuthorizedCallerIds: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000, default: 10 })),
    authorizedCallerIds: Type.Optional(Type.Array(AuthorizedCallerId)),
  },
  strict,
);

const Extension = Type.Object(
  {
    number: Type.String({ pattern: '^[0-9]{1,20}$', description: 'Internal number (quote it to keep leading zeros)' }),
    name: Name,
    type: Type.Optional(Type.Union([Type.Literal('phone'), Type.Literal('callback')], { default: 'phone' })),
    externalNumber: Type.Optional(Type.Union([PhoneNumber, Type.Null()])),
    sipPassword: Type.Optional(
      Type.Union([Type.String({ minLength: 8, maxLength: 128 }), Type.Null()], { description: 'The SIP digest password; null: none; left out: none for a new extension, kept for an existing one' }),
    ),
    credit: Type.Optional(Credit),
    callApi: Flag('The Call API may place calls for this extension; left out: off for a new extension, kept for an existing one', false),
    callnowEnabled: Flag(
      "The organization lets this extension have a CallNow page (the owner's own on/off is callnow.enabled); phone extensions only; left out: on for a new extension, kept for an existing one",
      true,
    ),
    callnow: Type.Optional(CallNow),
    callback: Type.Optional(Callback),
  },
  strict,
);

const Organization = Type.Object(
  {
    name: Name,
    tariff: Type.Optional(Name),
    trunk: Type.Optional(Name),
    defaultCountry: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
    maxExtensions: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
    /** Licence (SPEC §7 fraud guard): calls in progress at once; null or left out: no cap. */
    maxConcurrentCalls: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 1_000_000 }), Type.Null()], { description: 'Calls the organization may have in progress at once; null: no cap' })),
    /** Licence: what its calls may cost in a day (from midnight UTC); null or left out: no cap. */
    dailySpendCap: Type.Optional(Type.Union([Amount, Type.Null()], { description: 'What the organization may spend on calls in a day (from midnight UTC); null: no cap' })),
    timeIntervals: Type.Optional(Type.Array(TimeInterval)),
    extensions: Type.Optional(Type.Array(Extension)),
  },
  strict,
);

const Did = Type.Object(
  {
    number: PhoneNumber,
    trunk: Name,
    organization: Type.Optional(Name),
    extension: Type.Optional(Type.String({ pattern: '^[0-9]{1,20}$' })),
  },
  strict,
);

const WindowLimit = (description: string) =>
  Type.Optional(
    Type.Object(
      {
        max: Type.Integer({ minimum: 1, maximum: MAX_LIMIT, description: `At most this many requests (1 to ${MAX_LIMIT})...` }),
        window: Type.String({ pattern: DURATION_PATTERN, description: '...in any span of this length: "90s", "15m", "1h", "1d" (1s to 7d)' }),
      },
      { ...strict, description },
    ),
  );

const CallnowLimits = Type.Object(
  {
    perNumber: WindowLimit('Requests for one requested number, from anyone (default 7 per 15m)'),
    distinctNumbersPerAddress: WindowLimit('Different numbers requested from one client address (default 3 per 1h)'),
    perAddress: WindowLimit('Requests from one client address (default 30 per 1h)'),
    perCallnowId: WindowLimit('Requests to one CallNow ID, from all addresses together (default 60 per 1h)'),
  },
  {
    ...strict,
    description:
      'Provider-wide CallNow request limits. A limit left out of the block is the default; leaving the block out keeps what the server has.',
  },
);

const DestinationRule = Type.Object(
  {
    prefix: Type.String({
      pattern: '^\\+?[0-9]*$',
      maxLength: 32,
      description: 'E.164 digits, "+" optional ("1900" or "+1900"); "" matches every number',
    }),
    action: Type.Union([Type.Literal('allow'), Type.Literal('deny')]),
    description: Type.Optional(Type.String({ maxLength: 200 })),
  },
  strict,
);

export const ProvisionFileSchema = Type.Object(
  {
    settings: Type.Optional(Settings),
    trunks: Type.Optional(Type.Array(Trunk)),
    tariffs: Type.Optional(Type.Array(Tariff)),
    organizations: Type.Optional(Type.Array(Organization)),
    dids: Type.Optional(Type.Array(Did)),
    callnowLimits: Type.Optional(CallnowLimits),
    destinationPolicy: Type.Optional(
      Type.Array(DestinationRule, {
        description:
          'Provider-wide destination rules; the longest matching prefix decides. Replaced to match the file; leaving the list out keeps what the server has.',
      }),
    ),
    useDefaultBlockedPrefixes: Type.Optional(
      Type.Boolean({
        description:
          'Whether the built-in list of premium-rate and satellite prefixes (1900, 449, 4470, 881, 882, 883, 979, ...) applies too. ' +
          'true on a new server; leaving it out keeps what the server has.',
      }),
    ),
  },
  {
    ...strict,
    title: 'Dialback provisioning file',
    description:
      'Everything in the file is created or updated by its natural key (names, numbers) in one transaction.',
  },
);

export type ProvisionFile = Static<typeof ProvisionFileSchema>;
export type ProvisionTrunk = Static<typeof Trunk>;
export type ProvisionTariff = Static<typeof Tariff>;
export type ProvisionOrganization = Static<typeof Organization>;
export type ProvisionExtension = Static<typeof Extension>;
export type ProvisionTimeInterval = Static<typeof TimeInterval>;

/** The JSON Schema document as published in schemas/provision.schema.json. */
export function provisionSchemaText(): string {
  const schema: TSchema = { $schema: 'http://json-schema.org/draft-07/schema#', ...ProvisionFileSchema };
  return JSON.stringify(schema, null, 2) + '\n';
}
