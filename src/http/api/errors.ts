import type { ErrorObject } from 'ajv';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Every error of the REST API has one shape, `{ error, message, field? }`: `error` is a
 * stable code clients branch on, `message` is for people, `field` names the bad input.
 */
export type ApiErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'unsupported_media_type'
  | 'too_many_requests'
  | 'internal'
  | 'unavailable';

export const ErrorBody = {
  type: 'object',
  required: ['error', 'message'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'string',
      enum: ['bad_request', 'unauthorized', 'forbidden', 'not_found', 'conflict', 'unsupported_media_type', 'too_many_requests', 'internal', 'unavailable'],
      description: 'A stable code to branch on',
    },
    message: { type: 'string', description: 'What went wrong, for people' },
    field: { type: 'string', description: 'The request field at fault, e.g. callnowId or rules[2].number' },
  },
} as const;

const described = (description: string) => ({ ...ErrorBody, description });

/** The error responses every authenticated route documents. */
export const commonErrorResponses = {
  400: described('The request is malformed or a field is invalid (field names it)'),
  401: described('No API token, or an unknown or revoked one (WWW-Authenticate: Bearer)'),
  404: described('No such extension, or not one this token may manage (the two look the same on purpose)'),
  500: described('The server failed; the request may or may not have taken effect'),
} as const;
export const forbiddenResponse = described('Visible to this token but not its to change (e.g. defined by an account above it)');
export const conflictResponse = described('The request conflicts with the current state (e.g. the CallNow ID is taken)');
export const tooManyRequestsResponse = described('A request limit was reached (per number, per address, per CallNow ID); Retry-After says when to try again');
export const unavailableResponse = described('This server cannot do that now (e.g. it places no calls); try again later');

export class ApiError extends Error {
  constructor(
    readonly statusCode: 400 | 401 | 403 | 404 | 409 | 429 | 503,
    readonly code: ApiErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** One answer for "does not exist" and "not yours", so tokens cannot probe for other people's extensions. */
export const extensionNotFound = (): ApiError => new ApiError(404, 'not_found', 'no such extension');

export function sendError(reply: FastifyReply, statusCode: number, code: ApiErrorCode, message: string, field?: string) {
  return reply.code(statusCode).send(field === undefined ? { error: code, message } : { error: code, message, field });
}

/** What the plugin's error handler answers for everything thrown by its routes and hooks. */
export function handleApiError(error: FastifyError | ApiError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof ApiError) return sendError(reply, error.statusCode, error.code, error.message, error.field);
  if (error.validation) {
    const { message, field } = describeValidation(error.validation, error.validationContext ?? 'body');
    return sendError(reply, 400, 'bad_request', message, field);
  }
  const status = error.statusCode ?? 500;
  if (status === 415) return sendError(reply, 415, 'unsupported_media_type', 'send the body as application/json');
  // Fastify's own refusals (malformed JSON, a body too large): keep their status, in our shape.
  if (status >= 400 && status < 500) return sendError(reply, status, 'bad_request', error.message);
  request.log.error({ err: error }, 'REST API request failed');
  return sendError(reply, 500, 'internal', 'the server failed; try again later');
}

/** What a pattern means, in words, by the name of the field it checks. */
const PATTERN_WORDS: Record<string, string> = {
  callnowId: '3 to 32 letters, digits, "_" or "-" (kept in lower case), e.g. john_doe',
  number: 'digits with an optional leading "+" and the wildcards * (any digits) and ? (one digit), e.g. +614*',
  name: 'plain text without control characters',
  message: 'plain text without control characters',
  availability: 'the name of a time interval, or null for Anytime',
  'idempotency-key': '8 to 64 letters, digits, "_" or "-"',
  description: 'plain text without control characters',
  note: 'plain text without control characters',
  password: '4 to 16 digits, or null for none',
  creditExhaustedSound: 'a sound name: 1 to 64 lower-case letters, digits, "_" or "-", or null for the shipped prompt',
};

/** Turns the first schema violation into a sentence that names the field, e.g. "rules[2].number is required". */
export function describeValidation(errors: FastifyError['validation'] & object, context: string): { message: string; field: string } {
  const error = errors[0] as ErrorObject | undefined;
  if (!error) return { message: `the ${context} is not valid`, field: context };
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') segments.push(String(params.missingProperty));
  if (error.keyword === 'additionalProperties') segments.push(String(params.additionalProperty));
  const field = segments.reduce<string>((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), '') || context;
  const leaf = [...segments].reverse().find((s) => !/^\d+$/.test(s)) ?? context;

  let message: string;
  switch (error.keyword) {
    case 'required':
      message = `${field} is required`;
      break;
    case 'additionalProperties':
      message = `${field} is not a field of this request`;
      break;
    case 'type': {
      const nullable = (error.parentSchema as { nullable?: boolean } | undefined)?.nullable === true;
      message = field === context ? `the ${context} must be a JSON ${String(params.type)}` : `${field} must be ${article(String(params.type))}${nullable ? ' or null' : ''}`;
      break;
    }
    case 'enum':
      message = `${field} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'pattern':
      message = `${field} has the wrong form: expected ${PATTERN_WORDS[leaf] ?? `a value matching ${String(params.pattern)}`}`;
      break;
    case 'maxLength':
      message = `${field} is too long: at most ${String(params.limit)} characters`;
      break;
    case 'minLength':
      message = `${field} is too short: at least ${String(params.limit)} characters`;
      break;
    case 'maxItems':
      message = `${field} has too many entries: at most ${String(params.limit)}`;
      break;
    default:
      message = `${field} ${error.message ?? 'is not valid'}`;
  }
  return { message, field };
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
