import { PostgresAdapter, type Kysely, type Transaction } from 'kysely';
import { DomainError } from '../domain/errors.js';
import { nowIso } from './db.js';
import type { AccountTable, Database } from './schema.js';
import { accountChain } from './accounts.js';

/**
 * The sound library (SPEC §3): folders per account, sounds in folders. An account sees its
 * own folders and those of every account above it (what an upper level defines is visible
 * below); a sound name used in a flow means the nearest account's sound of that name.
 * Audio is kept as the player plays it (8 kHz G.711 μ-law from uploads); the media side
 * checks and converts files (src/media/sound-file.ts), this module only stores them.
 */

type Db = Kysely<Database>;

/** Folder and sound names: lower case, like the shipped prompts' (`credit-exhausted`). */
export const SOUND_NAME = /^[a-z0-9_-]{1,64}$/;
export const SOUND_NAME_WORDS = '1 to 64 lower-case letters, digits, "_" or "-", e.g. credit-exhausted';

export type SoundLibraryErrorCode = 'invalid_name' | 'folder_exists' | 'sound_exists' | 'folder_not_empty' | 'not_found';

export class SoundLibraryError extends DomainError {
  constructor(
    override readonly code: SoundLibraryErrorCode,
    message: string,
  ) {
    super(code, message);
    this.name = 'SoundLibraryError';
  }
}

export type SoundEncoding = Database['sounds']['encoding'];

export interface SoundFolderRecord {
  id: number;
  accountId: number;
  name: string;
  createdAt: string;
  updatedAt: string;
}

/** A sound without its audio. */
export interface SoundRecord {
  id: number;
  folderId: number;
  name: string;
  durationMs: number;
  encoding: SoundEncoding;
  createdAt: string;
  updatedAt: string;
}

/** A sound with where it lives. */
export interface SoundDetail extends SoundRecord {
  folder: string;
  accountId: number;
}

/** A sound with its audio, as a flow plays it. */
export interface StoredSound extends SoundDetail {
  audio: Buffer;
}

export interface SoundOwner {
  id: number;
  name: string;
  kind: AccountTable['kind'];
}

export interface VisibleFolder extends SoundFolderRecord {
  owner: SoundOwner;
  /** True when the folder belongs to an account above the one looking. */
  inherited: boolean;
  /** Its sounds by name. */
  sounds: SoundRecord[];
}

const FOLDER_COLUMNS = ['id', 'accountId', 'name', 'createdAt', 'updatedAt'] as const;
const SOUND_COLUMNS = ['s.id', 's.folderId', 's.name', 's.durationMs', 's.encoding', 's.createdAt', 's.updatedAt'] as const;

/** Throws unless the name is one the library takes. */
export function checkSoundName(name: string, what: 'sound' | 'folder'): string {
  if (!SOUND_NAME.test(name)) {
    throw new SoundLibraryError('invalid_name', `${JSON.stringify(name)} cannot be a ${what} name: use ${SOUND_NAME_WORDS}`);
  }
  return name;
}

async function soundsIn(db: Db, folderIds: readonly number[]): Promise<SoundRecord[]> {
  if (folderIds.length === 0) return [];
  return db.selectFrom('sounds as s').select(SOUND_COLUMNS).where('s.folderId', 'in', folderIds).orderBy('s.name').orderBy('s.id').execute();
}

/**
 * The folders an account sees, with their sounds: its own first, then its parent's, and so
 * on up (nearest first; by name within an account). Each names its owner; those of the
 * accounts above are `inherited`. Empty when there is no such account.
 */
export async function visibleFolders(db: Db, accountId: number): Promise<VisibleFolder[]> {
  const chain = await accountChain(db, accountId);
  if (chain.length === 0) return [];
  const [folders, owners] = await Promise.all([
    db.selectFrom('soundFolders').select(FOLDER_COLUMNS).where('accountId', 'in', chain).orderBy('name').orderBy('id').execute(),
    db.selectFrom('accounts').select(['id', 'name', 'kind']).where('id', 'in', chain).execute(),
  ]);
  const sounds = await soundsIn(
    db,
    folders.map((f) => f.id),
  );
  const depth = (id: number) => chain.indexOf(id);
  return folders
    .sort((a, b) => depth(a.accountId) - depth(b.accountId))
    .map((folder) => ({
      ...folder,
      owner: owners.find((o) => o.id === folder.accountId) as SoundOwner,
      inherited: folder.accountId !== accountId,
      sounds: sounds.filter((s) => s.folderId === folder.id),
    }));
}

export async function folderById(db: Db, folderId: number): Promise<SoundFolderRecord | undefined> {
  return db.selectFrom('soundFolders').select(FOLDER_COLUMNS).where('id', '=', folderId).executeTakeFirst();
}

export async function soundsInFolder(db: Db, folderId: number): Promise<SoundRecord[]> {
  return soundsIn(db, [folderId]);
}

export async function soundById(db: Db, soundId: number): Promise<SoundDetail | undefined> {
  return db
    .selectFrom('sounds as s')
    .innerJoin('soundFolders as f', 'f.id', 's.folderId')
    .select([...SOUND_COLUMNS, 'f.name as folder', 'f.accountId'])
    .where('s.id', '=', soundId)
    .executeTakeFirst();
}

/** A sound's samples as stored (μ-law for uploads). */
export async function soundAudio(db: Db, soundId: number): Promise<{ encoding: SoundEncoding; audio: Buffer } | undefined> {
  return db.selectFrom('sounds').select(['encoding', 'audio']).where('id', '=', soundId).executeTakeFirst();
}

/**
 * The sound a flow means by `name`, seen from an account: in the account's own folders
 * first, then its parent's, and so on up. Within one account, the folder first by name
 * (names are unique per folder, not per account). Null when no account up the chain has one.
 */
export async function findSound(db: Db, accountId: number, name: string): Promise<StoredSound | null> {
  if (!SOUND_NAME.test(name)) return null;
  const chain = await accountChain(db, accountId);
  if (chain.length === 0) return null;
  const rows = await db
    .selectFrom('sounds as s')
    .innerJoin('soundFolders as f', 'f.id', 's.folderId')
    .select([...SOUND_COLUMNS, 's.audio', 'f.name as folder', 'f.accountId'])
    .where('s.name', '=', name)
    .where('f.accountId', 'in', chain)
    .execute();
  const rank = (row: (typeof rows)[number]) => chain.indexOf(row.accountId);
  rows.sort((a, b) => rank(a) - rank(b) || (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : a.folderId - b.folderId));
  return rows[0] ?? null;
}

function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code } = error as Error & { code?: string };
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** Serializes writers of one folder (an upload against deleting it): PostgreSQL locks its row; SQLite runs one writer at a time. */
async function lockFolder(trx: Transaction<Database>, folderId: number): Promise<SoundFolderRecord | undefined> {
  let query = trx.selectFrom('soundFolders').select(FOLDER_COLUMNS).where('id', '=', folderId);
  if (trx.getExecutor().adapter instanceof PostgresAdapter) query = query.forUpdate();
  return query.executeTakeFirst();
}

async function audit(
  trx: Transaction<Database>,
  entry: { actor: string; now: string; action: string; entity: string; entityId: number; details: unknown },
): Promise<void> {
  await trx
    .insertInto('auditLog')
    .values({ at: entry.now, actor: entry.actor, action: entry.action, entity: entry.entity, entityId: String(entry.entityId), details: JSON.stringify(entry.details) })
    .execute();
}

const folderExists = (name: string) => new SoundLibraryError('folder_exists', `there is already a folder named "${name}" in this account`);
const soundExists = (name: string, folder: string) =>
  new SoundLibraryError('sound_exists', `there is already a sound named "${name}" in folder "${folder}"; delete it first or choose another name`);
const folderGone = () => new SoundLibraryError('not_found', 'no such sound folder');

export async function createFolder(db: Db, input: { accountId: number; name: string; actor: string; now?: string }): Promise<SoundFolderRecord> {
  const name = checkSoundName(input.name, 'folder');
  const now = input.now ?? nowIso();
  try {
    return await db.transaction().execute(async (trx) => {
      const taken = await trx.selectFrom('soundFolders').select('id').where('accountId', '=', input.accountId).where('name', '=', name).executeTakeFirst();
      if (taken) throw folderExists(name);
      const folder = await trx
        .insertInto('soundFolders')
        .values({ accountId: input.accountId, name, createdAt: now, updatedAt: now })
        .returning(FOLDER_COLUMNS)
        .executeTakeFirstOrThrow();
      await audit(trx, { actor: input.actor, now, action: 'create', entity: 'sound folder', entityId: folder.id, details: { accountId: input.accountId, name } });
      return folder;
    });
  } catch (error) {
    // Two requests raced for the name; the unique index let one through.
    if (isUniqueViolation(error)) throw folderExists(name);
    throw error;
  }
}

/** Deletes an empty folder; one with sounds in it is refused (folder_not_empty). */
export async function deleteFolder(db: Db, folderId: number, { actor, now = nowIso() }: { actor: string; now?: string }): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const folder = await lockFolder(trx, folderId);
    if (!folder) throw folderGone();
    const sounds = await trx.selectFrom('sounds').select('name').where('folderId', '=', folderId).orderBy('name').limit(4).execute();
    if (sounds.length > 0) {
      const names = sounds.slice(0, 3).map((s) => `"${s.name}"`).join(', ') + (sounds.length > 3 ? ', ...' : '');
      throw new SoundLibraryError('folder_not_empty', `folder "${folder.name}" still holds sounds (${names}); delete them first`);
    }
    await trx.deleteFrom('soundFolders').where('id', '=', folderId).execute();
    await audit(trx, { actor, now, action: 'delete', entity: 'sound folder', entityId: folderId, details: { accountId: folder.accountId, name: folder.name } });
  });
}

/** Renames a folder within its account; the sounds keep their names, which are what calls play them by. */
export async function renameFolder(db: Db, folderId: number, input: { name: string; actor: string; now?: string }): Promise<SoundFolderRecord> {
  const name = checkSoundName(input.name, 'folder');
  const now = input.now ?? nowIso();
  try {
    return await db.transaction().execute(async (trx) => {
      const folder = await lockFolder(trx, folderId);
      if (!folder) throw folderGone();
      if (folder.name === name) return folder;
      const taken = await trx.selectFrom('soundFolders').select('id').where('accountId', '=', folder.accountId).where('name', '=', name).executeTakeFirst();
      if (taken) throw folderExists(name);
      const renamed = await trx.updateTable('soundFolders').set({ name, updatedAt: now }).where('id', '=', folderId).returning(FOLDER_COLUMNS).executeTakeFirstOrThrow();
      await audit(trx, { actor: input.actor, now, action: 'rename', entity: 'sound folder', entityId: folderId, details: { accountId: folder.accountId, from: folder.name, to: name } });
      return renamed;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw folderExists(name);
    throw error;
  }
}

/** Adds a sound to a folder; the audio is already checked and converted (μ-law from uploads). */
export async function addSound(
  db: Db,
  input: { folderId: number; name: string; durationMs: number; encoding: SoundEncoding; audio: Buffer; actor: string; now?: string },
): Promise<SoundDetail> {
  const name = checkSoundName(input.name, 'sound');
  const now = input.now ?? nowIso();
  let folderName = '';
  try {
    return await db.transaction().execute(async (trx) => {
      const folder = await lockFolder(trx, input.folderId);
      if (!folder) throw folderGone();
      folderName = folder.name;
      const taken = await trx.selectFrom('sounds').select('id').where('folderId', '=', folder.id).where('name', '=', name).executeTakeFirst();
      if (taken) throw soundExists(name, folder.name);
      const row = await trx
        .insertInto('sounds')
        .values({ folderId: folder.id, name, durationMs: input.durationMs, encoding: input.encoding, audio: input.audio, createdAt: now, updatedAt: now })
        .returning(['id', 'folderId', 'name', 'durationMs', 'encoding', 'createdAt', 'updatedAt'])
        .executeTakeFirstOrThrow();
      await audit(trx, {
        actor: input.actor,
        now,
        action: 'create',
        entity: 'sound',
        entityId: row.id,
        details: { accountId: folder.accountId, folder: folder.name, name, durationMs: input.durationMs, bytes: input.audio.length },
      });
      return { ...row, folder: folder.name, accountId: folder.accountId };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw soundExists(name, folderName);
    throw error;
  }
}

/** Deletes a sound; returns what it was (undefined when there was none). */
export async function deleteSound(db: Db, soundId: number, { actor, now = nowIso() }: { actor: string; now?: string }): Promise<SoundDetail | undefined> {
  return db.transaction().execute(async (trx) => {
    const sound = await soundById(trx, soundId);
    if (!sound) return undefined;
    await trx.deleteFrom('sounds').where('id', '=', soundId).execute();
    await audit(trx, { actor, now, action: 'delete', entity: 'sound', entityId: soundId, details: { accountId: sound.accountId, folder: sound.folder, name: sound.name } });
    return sound;
  });
}
