import { Type, type Static } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { formatDuration, MAX_SOUND_FILE_BYTES, readSoundUpload, SoundFileError, wavFile } from '../../media/sound-file.js';
import type { ApiPrincipal } from '../../store/api-tokens.js';
import type { Store } from '../../store/db.js';
import { accountChain } from '../../store/accounts.js';
import {
  addSound,
  createFolder,
  deleteFolder,
  deleteSound,
  folderById,
  renameFolder,
  SOUND_NAME_WORDS,
  soundAudio,
  soundById,
  SoundLibraryError,
  soundsInFolder,
  visibleFolders,
  type SoundOwner,
  type SoundRecord,
} from '../../store/sounds.js';
import { principalOf } from './auth.js';
import { ApiError, commonErrorResponses, conflictResponse, describeValidation, forbiddenResponse, handleApiError, sendError } from './errors.js';
import { authenticatedRoute } from './openapi.js';
import { Id } from './schemas.js';

/**
 * The sound library (SPEC §3) over the REST API: an account's folders, with those of the
 * accounts above it (inherited, read-only there), and its sounds: upload a WAV, read one,
 * listen to or download it as WAV, delete it.
 *
 * Who may do what: reading follows who sees the account (an admin every account, a reseller
 * those of its subtree, an organization manager and an extension owner their
 * organization), and whoever sees an account also sees what the accounts above it define.
 * Changes are for the caller's own account level or below (an admin anywhere; extension
 * owners only listen). Anything not visible is 404; visible but not the caller's to change
 * is 403.
 */

/** What the library tells when a sound changes, so cached lookups are dropped (SoundResolver.invalidate). */
export interface SoundChangeListener {
  invalidate(name?: string): void;
}

export interface SoundRoutesOptions {
  store: Store;
  /** Told after every upload and delete (the flows' SoundResolver). */
  sounds?: SoundChangeListener;
}

/** Content types an upload may carry (browsers name .wav files audio/wav, some audio/x-wav or audio/wave). */
export const WAV_CONTENT_TYPES = ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave'];

const SoundName = (description: string) => Type.String({ pattern: '^[a-z0-9_-]{1,64}$', description: `${description}: ${SOUND_NAME_WORDS}` });

const AccountParams = Type.Object({ accountId: Id("The account's id (provider, reseller or organization)") }, { additionalProperties: false });
type AccountParams = Static<typeof AccountParams>;
const FolderParams = Type.Object({ folderId: Id("The sound folder's id") }, { additionalProperties: false });
type FolderParams = Static<typeof FolderParams>;
const SoundParams = Type.Object({ soundId: Id("The sound's id") }, { additionalProperties: false });
type SoundParams = Static<typeof SoundParams>;

const UploadQuery = Type.Object(
  { name: SoundName('The sound\'s name, unique in its folder; flows play it by this name (a shipped prompt\'s name replaces that prompt)') },
  { additionalProperties: false },
);
type UploadQuery = Static<typeof UploadQuery>;
const AudioQuery = Type.Object(
  { download: Type.Optional(Type.Boolean({ description: 'true: Content-Disposition attachment (save the file); default inline (play it)' })) },
  { additionalProperties: false },
);
type AudioQuery = Static<typeof AudioQuery>;

const NewFolder = Type.Object({ name: SoundName("The folder's name, unique in the account") }, { additionalProperties: false });
type NewFolder = Static<typeof NewFolder>;

const Owner = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    kind: Type.Unsafe<SoundOwner['kind']>({ type: 'string', enum: ['provider', 'reseller', 'organization'] }),
  },
  { additionalProperties: false, description: 'The account the folder belongs to' },
);

const sharedFields = {
  inherited: Type.Boolean({ description: 'Defined by an account above the one asked about (or above the caller\'s own, for a single sound)' }),
  editable: Type.Boolean({ description: 'This token may change it (upload, delete)' }),
};

const Sound = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String({ description: 'What flows play it by' }),
    folderId: Type.Integer(),
    folder: Type.String({ description: "The folder's name" }),
    accountId: Type.Integer({ description: "The folder's account" }),
    length: Type.String({ pattern: '^[0-9]{2}:[0-5][0-9]:[0-5][0-9]$', description: 'hh:mm:ss, rounded to the second' }),
    durationMs: Type.Integer({ description: 'The exact length in milliseconds' }),
    ...sharedFields,
    audioUrl: Type.String({ description: 'The audio as a WAV file (8 kHz mono μ-law), playable in a browser\'s <audio>' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false, description: 'A sound of the sound library' },
);
type Sound = Static<typeof Sound>;

const Folder = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    accountId: Type.Integer(),
    owner: Owner,
    ...sharedFields,
    sounds: Type.Array(Sound, { description: 'By name' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false, description: 'A sound folder with its sounds' },
);
type Folder = Static<typeof Folder>;

const FolderList = Type.Object(
  {
    accountId: Type.Integer(),
    folders: Type.Array(Folder, { description: "The account's own folders first, then each account's above it, nearest first; by name within an account" }),
  },
  { additionalProperties: false },
);
type FolderList = Static<typeof FolderList>;

const Deleted = { type: 'null', description: 'Deleted' } as const;
const notFound = (what: string, description: string) => ({ ...commonErrorResponses[404], description: `No such ${what}, or not one this token may see${description}` });

const accountNotFound = (): ApiError => new ApiError(404, 'not_found', 'no such account');
const folderNotFound = (): ApiError => new ApiError(404, 'not_found', 'no such sound folder');
const soundNotFound = (): ApiError => new ApiError(404, 'not_found', 'no such sound');

/** The caller and the accounts their view hangs from. */
interface Viewer {
  principal: ApiPrincipal;
  /** The caller's account (for an extension owner: the extension's organization), then those above it. */
  homeChain: number[];
}

type Access = 'none' | 'read' | 'write';

/**
 * What the caller may do with what an account defines. `chain` is that account and those
 * above it, nearest first. Below the caller's own level (or at it): read, and write unless
 * an extension owner. Above it: read only. Elsewhere: nothing.
 */
function access(viewer: Viewer, chain: readonly number[]): Access {
  const { principal, homeChain } = viewer;
  const ownerId = chain[0];
  if (ownerId === undefined) return 'none';
  if (principal.role === 'admin') return 'write';
  if (chain.includes(principal.accountId)) {
    if (principal.role === 'extension_owner') return ownerId === principal.accountId ? 'read' : 'none';
    return 'write';
  }
  return homeChain.includes(ownerId) ? 'read' : 'none';
}

/** Whether the caller sees the account itself (may list its library): an admin any, others their own account or below (extension owners: their organization). */
function seesAccount(viewer: Viewer, chain: readonly number[]): boolean {
  const { principal } = viewer;
  if (chain.length === 0) return false;
  if (principal.role === 'admin') return true;
  if (principal.role === 'extension_owner') return chain[0] === principal.accountId;
  return chain.includes(principal.accountId);
}

function readOnlyReason(viewer: Viewer, ownerName: string, what: string): string {
  if (viewer.principal.role === 'extension_owner') return `extension owners can listen to sounds but not change the sound library; ask your organization's manager`;
  return `${what} belongs to ${ownerName}, an account above yours: it can be used here but changed only there`;
}

/** The API's answer for the library's refusals. */
function apiErrorOf(error: unknown): unknown {
  if (error instanceof SoundLibraryError) {
    switch (error.code) {
      case 'invalid_name':
        return new ApiError(400, 'bad_request', error.message, 'name');
      case 'not_found':
        return folderNotFound();
      default:
        return new ApiError(409, 'conflict', error.message, error.code === 'folder_not_empty' ? undefined : 'name');
    }
  }
  if (error instanceof SoundFileError) return new ApiError(400, 'bad_request', error.message, 'body');
  return error;
}

async function translated<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw apiErrorOf(error);
  }
}

export const soundRoutes: FastifyPluginCallback<SoundRoutesOptions> = (app: FastifyInstance, { store, sounds: listener }, done) => {
  const db = store.db;
  const audioUrl = (id: number) => `${app.prefix}/sounds/${id}/audio.wav`;

  // The upload's body is the WAV file itself, taken as bytes (up to 10 MB) by this group's routes only.
  app.addContentTypeParser(WAV_CONTENT_TYPES, { parseAs: 'buffer', bodyLimit: MAX_SOUND_FILE_BYTES }, (_request, body, parsed) => parsed(null, body));

  // The plugin's error answers, with words for what only this group has: sound names, WAV bodies.
  app.setErrorHandler((error: FastifyError | ApiError, request: FastifyRequest, reply: FastifyReply) => {
    if (!(error instanceof ApiError)) {
      if (error.validation?.[0]?.keyword === 'pattern') {
        const { field } = describeValidation(error.validation, error.validationContext ?? 'body');
        if (field === 'name') return sendError(reply, 400, 'bad_request', `name has the wrong form: expected ${SOUND_NAME_WORDS}`, field);
      }
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return sendError(reply, 413, 'bad_request', 'the file is larger than 10 MB; upload at most 10 MB (an uncompressed WAV, or 8 kHz μ-law or A-law)', 'body');
      }
      if (error.statusCode === 415 && request.routeOptions.url?.endsWith('/sounds')) {
        return sendError(reply, 415, 'unsupported_media_type', `send the WAV file itself as the body, with Content-Type ${WAV_CONTENT_TYPES.slice(0, 2).join(' or ')}`);
      }
    }
    return handleApiError(error, request, reply);
  });

  const viewerOf = async (request: FastifyRequest): Promise<Viewer> => {
    const principal = principalOf(request);
    return { principal, homeChain: await accountChain(db, principal.accountId) };
  };

  const soundView = (sound: SoundRecord & { folder: string; accountId: number }, inherited: boolean, editable: boolean): Sound => ({
    id: sound.id,
    name: sound.name,
    folderId: sound.folderId,
    folder: sound.folder,
    accountId: sound.accountId,
    length: formatDuration(sound.durationMs),
    durationMs: sound.durationMs,
    inherited,
    editable,
    audioUrl: audioUrl(sound.id),
    createdAt: sound.createdAt,
    updatedAt: sound.updatedAt,
  });

  const folderView = (
    folder: { id: number; name: string; accountId: number; owner: SoundOwner; createdAt: string; updatedAt: string; sounds: SoundRecord[] },
    inherited: boolean,
    editable: boolean,
  ): Folder => ({
    id: folder.id,
    name: folder.name,
    accountId: folder.accountId,
    owner: folder.owner,
    inherited,
    editable,
    sounds: folder.sounds.map((s) => soundView({ ...s, folder: folder.name, accountId: folder.accountId }, inherited, editable)),
    createdAt: folder.createdAt,
    updatedAt: folder.updatedAt,
  });

  /** Inherited as the caller sees it: defined above the caller's own account. */
  const inheritedFor = (viewer: Viewer, ownerId: number) => ownerId !== viewer.principal.accountId && viewer.homeChain.includes(ownerId);

  const ownerOf = async (accountId: number): Promise<SoundOwner> =>
    db.selectFrom('accounts').select(['id', 'name', 'kind']).where('id', '=', accountId).executeTakeFirstOrThrow();

  /** The folder with what the caller may do with it; 404 when they may not see it. */
  const visibleFolder = async (viewer: Viewer, folderId: number) => {
    const folder = await folderById(db, folderId);
    if (!folder) throw folderNotFound();
    const level = access(viewer, await accountChain(db, folder.accountId));
    if (level === 'none') throw folderNotFound();
    return { folder, level };
  };

  const visibleSound = async (viewer: Viewer, soundId: number) => {
    const sound = await soundById(db, soundId);
    if (!sound) throw soundNotFound();
    const level = access(viewer, await accountChain(db, sound.accountId));
    if (level === 'none') throw soundNotFound();
    return { sound, level };
  };

  app.get<{ Params: AccountParams; Reply: FolderList }>(
    '/accounts/:accountId/sound-folders',
    authenticatedRoute({
      schema: {
        summary: "The sound folders an account sees, with their sounds: its own, then those of the accounts above it",
        tags: ['sounds'],
        operationId: 'listSoundFolders',
        params: AccountParams,
        response: {
          200: FolderList,
          ...commonErrorResponses,
          404: notFound('account', ''),
        },
      },
    }),
    async (request) => {
      const viewer = await viewerOf(request);
      const { accountId } = request.params;
      const chain = await accountChain(db, accountId);
      if (!seesAccount(viewer, chain)) throw accountNotFound();
      const folders = await visibleFolders(db, accountId);
      return {
        accountId,
        folders: folders.map((f) => folderView(f, f.inherited, access(viewer, chain.slice(chain.indexOf(f.accountId))) === 'write')),
      };
    },
  );

  app.post<{ Params: AccountParams; Body: NewFolder; Reply: Folder }>(
    '/accounts/:accountId/sound-folders',
    authenticatedRoute({
      schema: {
        summary: 'Make a sound folder in an account',
        tags: ['sounds'],
        operationId: 'createSoundFolder',
        params: AccountParams,
        body: NewFolder,
        response: {
          201: { ...Folder, description: 'The new (empty) folder' },
          ...commonErrorResponses,
          403: { ...forbiddenResponse, description: 'Extension owners cannot change the sound library' },
          404: notFound('account', ''),
          409: { ...conflictResponse, description: 'The account already has a folder of that name' },
        },
      },
    }),
    async (request, reply) => {
      const viewer = await viewerOf(request);
      const { accountId } = request.params;
      const chain = await accountChain(db, accountId);
      if (!seesAccount(viewer, chain)) throw accountNotFound();
      if (access(viewer, chain) !== 'write') throw new ApiError(403, 'forbidden', readOnlyReason(viewer, '', 'this account'));
      const folder = await translated(() => createFolder(db, { accountId, name: request.body.name, actor: viewer.principal.email }));
      return reply
        .code(201)
        .header('location', `${app.prefix}/sound-folders/${folder.id}`)
        .send(folderView({ ...folder, owner: await ownerOf(accountId), sounds: [] }, false, true));
    },
  );

  app.get<{ Params: FolderParams; Reply: Folder }>(
    '/sound-folders/:folderId',
    authenticatedRoute({
      schema: {
        summary: 'A sound folder with its sounds',
        tags: ['sounds'],
        operationId: 'getSoundFolder',
        params: FolderParams,
        response: { 200: Folder, ...commonErrorResponses, 404: notFound('sound folder', '') },
      },
    }),
    async (request) => {
      const viewer = await viewerOf(request);
      const { folder, level } = await visibleFolder(viewer, request.params.folderId);
      const owner = await ownerOf(folder.accountId);
      return folderView({ ...folder, owner, sounds: await soundsInFolder(db, folder.id) }, inheritedFor(viewer, folder.accountId), level === 'write');
    },
  );

  app.patch<{ Params: FolderParams; Body: NewFolder; Reply: Folder }>(
    '/sound-folders/:folderId',
    authenticatedRoute({
      schema: {
        summary: 'Rename a sound folder (its sounds keep their names)',
        tags: ['sounds'],
        operationId: 'renameSoundFolder',
        params: FolderParams,
        body: NewFolder,
        response: {
          200: { ...Folder, description: 'The renamed folder' },
          ...commonErrorResponses,
          403: { ...forbiddenResponse, description: 'The folder belongs to an account above the caller\'s, or the caller is an extension owner' },
          404: notFound('sound folder', ''),
          409: { ...conflictResponse, description: 'The account already has a folder of that name' },
        },
      },
    }),
    async (request) => {
      const viewer = await viewerOf(request);
      const { folder, level } = await visibleFolder(viewer, request.params.folderId);
      const owner = await ownerOf(folder.accountId);
      if (level !== 'write') throw new ApiError(403, 'forbidden', readOnlyReason(viewer, owner.name, `folder "${folder.name}"`));
      const renamed = await translated(() => renameFolder(db, folder.id, { name: request.body.name, actor: viewer.principal.email }));
      return folderView({ ...renamed, owner, sounds: await soundsInFolder(db, folder.id) }, inheritedFor(viewer, folder.accountId), true);
    },
  );

  app.delete<{ Params: FolderParams }>(
    '/sound-folders/:folderId',
    authenticatedRoute({
      schema: {
        summary: 'Delete an empty sound folder',
        tags: ['sounds'],
        operationId: 'deleteSoundFolder',
        params: FolderParams,
        response: {
          204: Deleted,
          ...commonErrorResponses,
          403: { ...forbiddenResponse, description: 'The folder belongs to an account above the caller\'s, or the caller is an extension owner' },
          404: notFound('sound folder', ''),
          409: { ...conflictResponse, description: 'The folder still holds sounds; delete them first' },
        },
      },
    }),
    async (request, reply) => {
      const viewer = await viewerOf(request);
      const { folder, level } = await visibleFolder(viewer, request.params.folderId);
      if (level !== 'write') throw new ApiError(403, 'forbidden', readOnlyReason(viewer, (await ownerOf(folder.accountId)).name, `folder "${folder.name}"`));
      await translated(() => deleteFolder(db, folder.id, { actor: viewer.principal.email }));
      return reply.code(204).send();
    },
  );

  // Route-level validation: the body is raw WAV bytes (checked by readSoundUpload), the rest as the plugin validates it.
  const inheritedCompiler = app.validatorCompiler;
  const rawBodyCompiler: FastifySchemaCompiler<unknown> = (route) =>
    route.httpPart === 'body' || !inheritedCompiler ? () => true : inheritedCompiler(route);

  app.post<{ Params: FolderParams; Querystring: UploadQuery; Body: Buffer | undefined; Reply: Sound }>(
    '/sound-folders/:folderId/sounds',
    {
      ...authenticatedRoute({
        schema: {
          summary: 'Upload a sound into a folder: the WAV file is the body',
          description:
            'The body is the WAV file itself (Content-Type audio/wav or audio/x-wav, at most 10 MB, at most 10 minutes): ' +
            'any uncompressed WAV (integer PCM or floating point, 4 kHz to 192 kHz, up to 8 channels), or 8 kHz μ-law or A-law. ' +
            'It is mixed down to mono, resampled to 8 kHz and stored as μ-law. Anything else (MP3, compressed WAV, ...) is ' +
            'refused with a message saying what the file is and what to upload.',
          tags: ['sounds'],
          operationId: 'uploadSound',
          params: FolderParams,
          querystring: UploadQuery,
          consumes: WAV_CONTENT_TYPES.slice(0, 2),
          body: { type: 'string', format: 'binary', description: 'The WAV file' },
          response: {
            201: { ...Sound, description: 'The new sound' },
            ...commonErrorResponses,
            400: { ...commonErrorResponses[400], description: 'The name is malformed, or the file is not a WAV the library takes (the message says why)' },
            403: { ...forbiddenResponse, description: 'The folder belongs to an account above the caller\'s, or the caller is an extension owner' },
            404: notFound('sound folder', ''),
            409: { ...conflictResponse, description: 'The folder already has a sound of that name' },
            413: { ...commonErrorResponses[400], description: 'The file is larger than 10 MB' },
            415: { ...commonErrorResponses[400], description: 'The body is not sent as audio/wav (or audio/x-wav)' },
          },
        },
      }),
      bodyLimit: MAX_SOUND_FILE_BYTES,
      validatorCompiler: rawBodyCompiler,
    },
    async (request, reply) => {
      const viewer = await viewerOf(request);
      const { folder, level } = await visibleFolder(viewer, request.params.folderId);
      if (level !== 'write') throw new ApiError(403, 'forbidden', readOnlyReason(viewer, (await ownerOf(folder.accountId)).name, `folder "${folder.name}"`));
      const body = request.body;
      if (!Buffer.isBuffer(body) || body.length === 0) {
        throw new ApiError(400, 'bad_request', `send the WAV file itself as the body, with Content-Type ${WAV_CONTENT_TYPES.slice(0, 2).join(' or ')}`, 'body');
      }
      const upload = await translated(() => Promise.resolve(readSoundUpload(body)));
      const sound = await translated(() =>
        addSound(db, {
          folderId: folder.id,
          name: request.query.name,
          durationMs: upload.durationMs,
          encoding: 'pcmu',
          audio: upload.pcmu,
          actor: viewer.principal.email,
        }),
      );
      listener?.invalidate(sound.name);
      request.log.info({ soundId: sound.id, name: sound.name, folderId: folder.id, durationMs: sound.durationMs }, 'sound uploaded');
      return reply
        .code(201)
        .header('location', `${app.prefix}/sounds/${sound.id}`)
        .send(soundView(sound, inheritedFor(viewer, sound.accountId), true));
    },
  );

  app.get<{ Params: SoundParams; Reply: Sound }>(
    '/sounds/:soundId',
    authenticatedRoute({
      schema: {
        summary: "A sound's name, folder and length",
        tags: ['sounds'],
        operationId: 'getSound',
        params: SoundParams,
        response: { 200: Sound, ...commonErrorResponses, 404: notFound('sound', '') },
      },
    }),
    async (request) => {
      const viewer = await viewerOf(request);
      const { sound, level } = await visibleSound(viewer, request.params.soundId);
      return soundView(sound, inheritedFor(viewer, sound.accountId), level === 'write');
    },
  );

  app.get<{ Params: SoundParams; Querystring: AudioQuery }>(
    '/sounds/:soundId/audio.wav',
    authenticatedRoute({
      schema: {
        summary: 'Listen to or download a sound: a WAV file (8 kHz mono μ-law)',
        description: "Plays in a browser's <audio> (fetch it with the token and play the blob); ?download=true asks the browser to save it.",
        tags: ['sounds'],
        operationId: 'getSoundAudio',
        params: SoundParams,
        querystring: AudioQuery,
        produces: ['audio/wav'],
        response: {
          200: { description: 'The WAV file', content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } } } },
          ...commonErrorResponses,
          404: notFound('sound', ''),
        },
      },
    }),
    async (request, reply) => {
      const viewer = await viewerOf(request);
      const { sound } = await visibleSound(viewer, request.params.soundId);
      const stored = await soundAudio(db, sound.id);
      if (!stored) throw soundNotFound(); // deleted in between
      const file = wavFile({ encoding: stored.encoding, data: stored.audio });
      return reply
        .header('content-type', 'audio/wav')
        .header('content-disposition', `${request.query.download ? 'attachment' : 'inline'}; filename="${sound.name}.wav"`)
        .header('cache-control', 'private, no-cache')
        .send(file);
    },
  );

  app.delete<{ Params: SoundParams }>(
    '/sounds/:soundId',
    authenticatedRoute({
      schema: {
        summary: 'Delete a sound',
        tags: ['sounds'],
        operationId: 'deleteSound',
        params: SoundParams,
        response: {
          204: Deleted,
          ...commonErrorResponses,
          403: { ...forbiddenResponse, description: 'The sound belongs to an account above the caller\'s, or the caller is an extension owner' },
          404: notFound('sound', ''),
        },
      },
    }),
    async (request, reply) => {
      const viewer = await viewerOf(request);
      const { sound, level } = await visibleSound(viewer, request.params.soundId);
      if (level !== 'write') throw new ApiError(403, 'forbidden', readOnlyReason(viewer, (await ownerOf(sound.accountId)).name, `sound "${sound.name}"`));
      const deleted = await deleteSound(db, sound.id, { actor: viewer.principal.email });
      if (!deleted) throw soundNotFound();
      listener?.invalidate(sound.name);
      return reply.code(204).send();
    },
  );

  done();
};
