import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginCallback } from 'fastify';
import type { Store } from '../../store/db.js';
import { findManagedExtension, principalOf } from './auth.js';
import { commonErrorResponses } from './errors.js';
import { authenticatedRoute } from './openapi.js';
import { ExtensionParams, StringEnum } from './schemas.js';

/**
 * Extensions as the portal's pages need them: one extension a user may manage (the owner
 * their own, managers those below them). Listing, creating and editing extensions build on this.
 */

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

export interface ExtensionRoutesOptions {
  store: Store;
}

export const extensionRoutes: FastifyPluginCallback<ExtensionRoutesOptions> = (app: FastifyInstance, { store }, done) => {
  app.get<{ Params: ExtensionParams; Reply: ExtensionSummary }>(
    '/extensions/:extensionId',
    authenticatedRoute({
      schema: {
        summary: 'One extension the caller may manage',
        tags: ['extensions'],
        operationId: 'getExtension',
        params: ExtensionParams,
        response: { 200: ExtensionSummary, ...commonErrorResponses },
      },
    }),
    async (request) => {
      const { id, accountId, number, name, type } = await findManagedExtension(store, principalOf(request), request.params.extensionId);
      return { id, accountId, number, name, type };
    },
  );
  done();
};
