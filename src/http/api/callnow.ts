import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginCallback } from 'fastify';
import { LANGUAGES } from '../../provisioning/plan.js';
import type { Store } from '../../store/db.js';
import { findManagedExtension, principalOf } from './auth.js';
import {
  readCallnowRules,
  readCallnowSettings,
  replaceCallnowRules,
  saveCallnowSettings,
  type CallnowSettings,
} from './callnow-preferences.js';
import { ApiError, commonErrorResponses, conflictResponse } from './errors.js';
import { authenticatedRoute } from './openapi.js';
import { Nullable, ONE_LINE_TEXT, StringEnum } from './schemas.js';

/** SPEC §2: said plainly wherever image validation is off. */
export const CAPTCHA_OFF_WARNING = 'Without image validation anyone who has your link can make calls that you pay for.';


/** Text shown to people: anything printable; lines and tabs in a message are fine, other control characters are not. */
const MESSAGE_TEXT = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$';

const Language = StringEnum([...LANGUAGES, 'caller'] as const, 'The public page\'s language, or "caller" for a language selector');
const ExtensionParams = Type.Object(
  { extensionId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: "The extension's id" }) },
  { additionalProperties: false },
);
type ExtensionParams = Static<typeof ExtensionParams>;

const describedFlags = {
  enabled: Type.Boolean({ description: 'CallNow on: the public page takes requests' }),
  confirm: Type.Boolean({ description: 'The owner presses 1 to accept each request before the caller is called' }),
  showName: Type.Boolean({ description: "Show the owner's name on the public page" }),
  askName: Type.Boolean({ description: "Require the caller's name (no anonymous requests)" }),
  captcha: Type.Boolean({ description: 'Image validation (CAPTCHA) on the public page' }),
};
const rejectWhileOnPhone = Type.Boolean({ description: 'Refuse requests while the owner is on the phone' });

const CallnowPreferences = Type.Object(
  {
    callnowId: Type.String({ description: 'The CallNow ID in the public link' }),
    ...describedFlags,
    language: Language,
    message: Type.String({ description: 'Welcome message on the public page (plain text)' }),
    availability: Nullable(Type.String({ description: 'The time interval CallNow is available in; null for Anytime' })),
    rejectWhileOnPhone,
    publicUrl: Type.String({ description: 'The public CallNow link to share' }),
    warning: Type.Optional(
      Type.String({ description: 'Present whenever image validation is off: what that means for the owner' }),
    ),
  },
  { additionalProperties: false, description: "An extension's CallNow preferences" },
);
type CallnowPreferences = Static<typeof CallnowPreferences>;

const CallnowPreferencesChange = Type.Object(
  {
    callnowId: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9_-]{3,32}$',
        description:
          'The CallNow ID: 3 to 32 letters, digits, "_" or "-", kept in lower case, unique on the server. ' +
          'Left out: the current one is kept, or a random 16-hex-digit id is made.',
      }),
    ),
    ...describedFlags,
    language: Language,
    message: Type.String({ maxLength: 500, pattern: MESSAGE_TEXT, description: 'Welcome message (plain text, at most 500 characters; shown escaped)' }),
    availability: Nullable(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: "A time interval's name, the organization's own or one defined above it; null (or \"Anytime\") for Anytime",
      }),
    ),
    rejectWhileOnPhone,
    publicUrl: Type.Optional(Type.String({ readOnly: true, description: 'Ignored: returned by GET, accepted back unchanged' })),
    warning: Type.Optional(Type.String({ readOnly: true, description: 'Ignored: returned by GET, accepted back unchanged' })),
  },
  { additionalProperties: false, description: 'CallNow preferences to store; every field but callnowId is required' },
);
type CallnowPreferencesChange = Static<typeof CallnowPreferencesChange>;

const RuleAction = StringEnum(['accept', 'confirm', 'reject'] as const, 'accept: call back at once; confirm: the owner confirms; reject: refuse');
const numberPattern = { minLength: 1, maxLength: 32, pattern: '^\\+?[0-9*?]+$' };
const namePattern = { minLength: 1, maxLength: 64, pattern: ONE_LINE_TEXT };

const CallnowRule = Type.Object(
  {
    number: Nullable(Type.String({ description: "Pattern on the caller's number: +614*, 0290??????" })),
    name: Nullable(Type.String({ description: "Pattern on the caller's name: *test*" })),
    action: RuleAction,
  },
  { additionalProperties: false },
);
const CallnowRules = Type.Object(
  { rules: Type.Array(CallnowRule, { description: 'Checked in order; the first match wins; the preferences decide when none matches' }) },
  { additionalProperties: false },
);
type CallnowRules = Static<typeof CallnowRules>;

const CallnowRuleChange = Type.Object(
  {
    number: Type.Optional(
      Nullable(Type.String({ ...numberPattern, description: 'Digits, an optional leading +, * for any digits, ? for one digit; up to 32' })),
    ),
    name: Type.Optional(Nullable(Type.String({ ...namePattern, description: 'A name pattern with * and ? wildcards; up to 64 characters' }))),
    action: RuleAction,
  },
  { additionalProperties: false, description: 'A rule needs a number pattern, a name pattern, or both' },
);
const CallnowRulesChange = Type.Object(
  { rules: Type.Array(CallnowRuleChange, { maxItems: 100, description: 'The new list, in order (at most 100); replaces the old one' }) },
  { additionalProperties: false },
);
type CallnowRulesChange = Static<typeof CallnowRulesChange>;

export interface CallnowRoutesOptions {
  store: Store;
  /** The base of public CallNow links (DIALBACK_PUBLIC_URL), without a trailing slash. */
  publicUrl: string;
}

/** SPEC §2 preferences and rules of one extension: GET and PUT each. */
export const callnowRoutes: FastifyPluginCallback<CallnowRoutesOptions> = (app: FastifyInstance, { store, publicUrl }, done) => {
  const view = (settings: CallnowSettings): CallnowPreferences => ({
    ...settings,
    publicUrl: `${publicUrl}/callnow/${encodeURIComponent(settings.callnowId)}`,
    ...(settings.captcha ? {} : { warning: CAPTCHA_OFF_WARNING }),
  });

  app.get<{ Params: ExtensionParams; Reply: CallnowPreferences }>(
    '/extensions/:extensionId/callnow',
    authenticatedRoute({
      schema: {
        summary: "An extension's CallNow preferences",
        tags: ['callnow'],
        operationId: 'getCallnowPreferences',
        params: ExtensionParams,
        response: {
          200: CallnowPreferences,
          ...commonErrorResponses,
        },
      },
    }),
    async (request) => {
      const extension = await findManagedExtension(store, principalOf(request), request.params.extensionId);
      const settings = await readCallnowSettings(store.db, extension.id);
      if (!settings) {
        throw new ApiError(
          404,
          'not_found',
          extension.type === 'callback'
            ? `extension ${extension.number} is a callback extension; it has no CallNow page`
            : `extension ${extension.number} has no CallNow preferences yet; PUT them to set CallNow up`,
        );
      }
      return view(settings);
    },
  );

  app.put<{ Params: ExtensionParams; Body: CallnowPreferencesChange; Reply: CallnowPreferences }>(
    '/extensions/:extensionId/callnow',
    authenticatedRoute({
      schema: {
        summary: "Set an extension's CallNow preferences (creates them if the extension has none)",
        tags: ['callnow'],
        operationId: 'putCallnowPreferences',
        params: ExtensionParams,
        body: CallnowPreferencesChange,
        response: {
          200: CallnowPreferences,
          ...commonErrorResponses,
          409: conflictResponse,
        },
      },
    }),
    async (request) => {
      const principal = principalOf(request);
      const extension = await findManagedExtension(store, principal, request.params.extensionId);
      // publicUrl and warning are derived; a client may send back what it read, and they are ignored.
      const { publicUrl: _publicUrl, warning: _warning, ...change } = request.body;
      const saved = await saveCallnowSettings(store, extension, change, { actor: principal.email });
      return view(saved);
    },
  );

  app.get<{ Params: ExtensionParams; Reply: CallnowRules }>(
    '/extensions/:extensionId/callnow/rules',
    authenticatedRoute({
      schema: {
        summary: "An extension's CallNow rules, in the order they are checked",
        tags: ['callnow'],
        operationId: 'getCallnowRules',
        params: ExtensionParams,
        response: {
          200: CallnowRules,
          ...commonErrorResponses,
        },
      },
    }),
    async (request) => {
      const extension = await findManagedExtension(store, principalOf(request), request.params.extensionId);
      return { rules: await readCallnowRules(store.db, extension.id) };
    },
  );

  app.put<{ Params: ExtensionParams; Body: CallnowRulesChange; Reply: CallnowRules }>(
    '/extensions/:extensionId/callnow/rules',
    authenticatedRoute({
      schema: {
        summary: "Replace an extension's CallNow rules",
        tags: ['callnow'],
        operationId: 'putCallnowRules',
        params: ExtensionParams,
        body: CallnowRulesChange,
        response: {
          200: CallnowRules,
          ...commonErrorResponses,
          409: conflictResponse,
        },
      },
    }),
    async (request) => {
      const principal = principalOf(request);
      const extension = await findManagedExtension(store, principal, request.params.extensionId);
      return { rules: await replaceCallnowRules(store, extension, request.body.rules, { actor: principal.email }) };
    },
  );

  done();
};
