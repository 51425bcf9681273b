import type { Kysely } from 'kysely';
import type { Logger } from '../logger.js';
import { findSound } from '../store/sounds.js';
import type { Database } from '../store/schema.js';
import { encodeFor } from '../media/player.js';
import type { PromptLibrary } from '../media/prompts.js';
import type { PromptLanguage } from '../media/speech.js';

type Codec = 'PCMU' | 'PCMA';

export interface SoundResolverOptions {
  /** How long a looked-up sound (or its absence) is trusted before the store is asked again; covers changes made by other processes. Default 60 s. */
  ttlMs?: number;
  /** At most this many (account, name, codec) entries are kept; the oldest go first. Default 1000. */
  maxEntries?: number;
  clock?: () => number;
}

export interface SoundAudioOptions {
  /**
   * The shipped prompt to play when neither the sound library nor the shipped prompts have
   * `name` (a warning is logged). Without it such a lookup rejects (also logged).
   */
  fallback?: string;
}

/** Neither the sound library nor the shipped prompts have the sound, and no fallback was given. */
export class SoundNotFoundError extends Error {
  override readonly name = 'SoundNotFoundError';
}

interface Entry {
  expiresAt: number;
  /** The account's (or an ancestor's) uploaded sound in the codec; null when it has none. */
  audio: Promise<Uint8Array | null>;
}

/**
 * What a flow plays for a sound name, seen from an account (SPEC §3 sound library):
 *
 * 1. the account's own uploaded sound of that name, else the nearest account's above it,
 *    converted to the leg's codec;
 * 2. else the shipped prompt of that name in the language;
 * 3. else, with a warning in the log, the shipped prompt named by `fallback`.
 *
 * Uploaded sounds have no language: an owner's recording replaces the prompt in every
 * language. Lookups are cached per (account, name, codec) for `ttlMs`; the REST API calls
 * `invalidate` when a sound is uploaded or deleted, so this process notices at once.
 */
export class SoundResolver {
  private readonly cache = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly clock: () => number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly prompts: PromptLibrary,
    private readonly logger: Logger,
    options: SoundResolverOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 1000;
    this.clock = options.clock ?? Date.now;
  }

  async audio(accountId: number, name: string, language: PromptLanguage, codec: Codec, options: SoundAudioOptions = {}): Promise<Uint8Array> {
    const uploaded = await this.uploaded(accountId, name, codec);
    if (uploaded) return uploaded;
    try {
      return await this.prompts.audio(name, language, codec);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error; // a shipped prompt that fails to load is a broken install, not a missing sound
    }
    const fallback = options.fallback;
    if (fallback === undefined) {
      this.logger.warn({ name, accountId, language }, `sound not found: "${name}" is neither in the sound library nor a shipped prompt, and there is no fallback`);
      throw new SoundNotFoundError(`no sound named "${name}" for account ${accountId}: not in its sound library or above it, and not a shipped prompt`);
    }
    this.logger.warn(
      { name, accountId, language, fallback },
      `sound not found: "${name}" is neither in the sound library nor a shipped prompt; playing "${fallback}" instead`,
    );
    try {
      return await this.prompts.audio(fallback, language, codec);
    } catch (error) {
      this.logger.error({ err: error, name, accountId, language, fallback }, `fallback sound "${fallback}" is not a shipped prompt either`);
      throw error;
    }
  }

  /**
   * Several sounds in order, as call control plays them (SoundSource): with an account,
   * its recordings where it has them; without, the shipped prompts. A sound found nowhere
   * plays `fallback` (logged), or fails loudly when there is none.
   */
  sequence(names: readonly string[], language: PromptLanguage, codec: Codec, account?: number, fallback?: string): Promise<Uint8Array[]> {
    if (account === undefined) return this.prompts.sequence(names, language, codec);
    return Promise.all(names.map((name) => this.audio(account, name, language, codec, fallback === undefined ? {} : { fallback })));
  }

  /**
   * Forgets cached lookups after a change to the library: those of one sound name (an
   * upload or delete can change what every account below its folder's account hears), or
   * everything when no name is given.
   */
  invalidate(name?: string): void {
    if (name === undefined) {
      this.cache.clear();
      return;
    }
    for (const key of [...this.cache.keys()]) {
      if (key.split('/')[1] === name) this.cache.delete(key);
    }
  }

  private uploaded(accountId: number, name: string, codec: Codec): Promise<Uint8Array | null> {
    const key = `${accountId}/${name}/${codec}`;
    const now = this.clock();
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > now) return cached.audio;
    if (cached) this.cache.delete(key);
    const audio = findSound(this.db, accountId, name).then((sound) => (sound ? encodeFor({ encoding: sound.encoding, data: sound.audio }, codec) : null));
    const entry: Entry = { expiresAt: now + this.ttlMs, audio };
    // A failed lookup (the database was away) is not kept: the next call asks again.
    audio.catch(() => {
      if (this.cache.get(key) === entry) this.cache.delete(key);
    });
    this.cache.set(key, entry);
    while (this.cache.size > this.maxEntries) {
      const oldest = this.cache.keys().next();
      if (oldest.done) break;
      this.cache.delete(oldest.value);
    }
    return audio;
  }
}
