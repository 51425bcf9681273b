import type { FastifySchema } from 'fastify';
import type { SwaggerTransform } from '@fastify/swagger';
import { BEARER_AUTH, bearerAuthScheme } from './auth.js';
import { SESSION_COOKIE_AUTH, sessionCookieScheme } from './session-auth.js';

/**
 * The REST API documents its own authentication: each route names the bearerAuth and
 * sessionCookie schemes, and its per-route swagger transform puts the scheme into the document's
 * components. That keeps the API's description inside the API plugin instead of the
 * server's shared swagger options.
 */
const documentBearerAuth: SwaggerTransform = ({ schema, url, ...document }) => {
  if ('openapiObject' in document) {
    const components = (document.openapiObject.components ??= {});
    components.securitySchemes = {
      ...components.securitySchemes,
      [BEARER_AUTH]: { ...bearerAuthScheme },
      [SESSION_COOKIE_AUTH]: { ...sessionCookieScheme },
    };
  }
  return { schema, url };
};

/**
 * Route options for a route that needs a signed-in caller: an API token or the portal's
 * session cookie, as alternatives (the auth hook takes either), with their schemes.
 */
export function authenticatedRoute<S extends FastifySchema>(options: { schema: S }) {
  return {
    schema: { ...options.schema, security: [{ [BEARER_AUTH]: [] }, { [SESSION_COOKIE_AUTH]: [] }] as Record<string, string[]>[] },
    config: { swaggerTransform: documentBearerAuth },
  };
}

/** Route options for a route anyone may call (signing in): no security requirement, and the hook lets it through. */
export function publicRoute<S extends FastifySchema>(options: { schema: S }) {
  return {
    schema: { ...options.schema, security: [] as Record<string, string[]>[] },
    config: { swaggerTransform: documentBearerAuth, publicRoute: true },
  };
}
