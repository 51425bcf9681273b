import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { encodeFor } from '../../src/media/player.js';
import { PromptLibrary } from '../../src/media/prompts.js';
import { SoundNotFoundError, SoundResolver } from '../../src/calls/sound-resolver.js';
import type { Logger } from '../../src/logger.js';
import type { Store } from '../../src/store/db.js';
import type { AccountTable } from '../../src/store/schema.js';
import { addSound, createFolder, findSound, visibleFolders } from '../../src/store/sounds.js';
import { testDatabases } from '../helpers/stores.js';
import { createAccount } from '../../src/store/accounts.js';

/** Distinct μ-law "recordings": a constant byte each, so which one played is plain to see. */
const recording = (byte: number, length = 800) => Buffer.alloc(length, byte);

function fakeLogger() {
  const logger = { warn: vi.fn(), error: vi.fn(), info: vi.fn(), debug: vi.fn() };
  return { logger, asLogger: logger as unknown as Logger };
}

for (const database of testDatabases) {
  describe(`sound resolver on ${database.name}`, () => {
    let store: Store;
    const account = { provider: 0, reseller: 0, org: 0, other: 0 };
    const prompts = new PromptLibrary();

    async function addAccount(kind: AccountTable['kind'], name: string, parentId: number | null): Promise<number> {
      return (await createAccount(store.db, { kind, name, parentId })).id;
    }
    async function put(accountId: number, folder: string, name: string, audio: Buffer): Promise<number> {
      const existing = (await visibleFolders(store.db, accountId)).find((f) => f.accountId === accountId && f.name === folder);
      const folderId = existing?.id ?? (await createFolder(store.db, { accountId, name: folder, actor: 'test' })).id;
      return (await addSound(store.db, { folderId, name, durationMs: audio.length / 8, encoding: 'pcmu', audio, actor: 'test' })).id;
    }

    beforeAll(async () => {
      store = await database.open();
      account.provider = await addAccount('provider', 'Provider', null);
      account.reseller = await addAccount('reseller', 'Resell Co', account.provider);
      account.org = await addAccount('organization', 'Globex', account.reseller);
      account.other = await addAccount('organization', 'Acme', account.provider);
      await put(account.provider, 'system', 'welcome', recording(0x10));
      await put(account.provider, 'system', 'hold-music', recording(0x11));
      await put(account.reseller, 'brand', 'hold-music', recording(0x20));
      await put(account.org, 'ivr', 'welcome', recording(0x30));
      await put(account.other, 'ivr', 'night', recording(0x40));
    });
    afterAll(async () => {
      await store?.close();
    });

    let log: ReturnType<typeof fakeLogger>;
    let resolver: SoundResolver;
    beforeEach(() => {
      log = fakeLogger();
      resolver = new SoundResolver(store.db, prompts, log.asLogger);
    });

    it("plays the account's own sound first", async () => {
      const audio = await resolver.audio(account.org, 'welcome', 'en', 'PCMU');
      expect(Buffer.from(audio)).toEqual(recording(0x30));
      // The other codec is converted from the stored μ-law.
      const alaw = await resolver.audio(account.org, 'welcome', 'en', 'PCMA');
      expect(alaw).toEqual(encodeFor({ encoding: 'pcmu', data: recording(0x30) }, 'PCMA'));
      expect(log.logger.warn).not.toHaveBeenCalled();
    });

    it("then the nearest account's above it", async () => {
      expect(Buffer.from(await resolver.audio(account.org, 'hold-music', 'en', 'PCMU'))).toEqual(recording(0x20));
      expect(Buffer.from(await resolver.audio(account.reseller, 'welcome', 'en', 'PCMU'))).toEqual(recording(0x10));
      expect(Buffer.from(await resolver.audio(account.other, 'hold-music', 'en', 'PCMU'))).toEqual(recording(0x11));
      // Never a sibling's or a child's.
      expect(await findSound(store.db, account.org, 'night')).toBeNull();
      expect((await findSound(store.db, account.provider, 'welcome'))?.audio).toEqual(recording(0x10));
    });

    it('then the shipped prompt of that name, in the language', async () => {
      const audio = await resolver.audio(account.org, 'goodbye', 'de', 'PCMA');
      expect(audio).toEqual(await prompts.audio('goodbye', 'de', 'PCMA'));
      expect(log.logger.warn).not.toHaveBeenCalled();
    });

    it('lets an upload replace a shipped prompt by name', async () => {
      await put(account.org, 'ivr', 'connecting-now', recording(0x31));
      expect(Buffer.from(await resolver.audio(account.org, 'connecting-now', 'fr', 'PCMU'))).toEqual(recording(0x31));
      expect(await resolver.audio(account.other, 'connecting-now', 'fr', 'PCMU')).toEqual(await prompts.audio('connecting-now', 'fr', 'PCMU'));
    });

    it('else plays the fallback prompt, with a warning in the log', async () => {
      const audio = await resolver.audio(account.org, 'no-such-sound', 'en', 'PCMU', { fallback: 'credit-exhausted' });
      expect(audio).toEqual(await prompts.audio('credit-exhausted', 'en', 'PCMU'));
      expect(log.logger.warn).toHaveBeenCalledTimes(1);
      expect(log.logger.warn).toHaveBeenCalledWith(
        expect.objectContaining({ name: 'no-such-sound', accountId: account.org, fallback: 'credit-exhausted' }),
        expect.stringMatching(/^sound not found: .*no-such-sound/),
      );
    });

    it('never fails silently: without a fallback it logs and rejects', async () => {
      await expect(resolver.audio(account.org, 'no-such-sound', 'en', 'PCMU')).rejects.toBeInstanceOf(SoundNotFoundError);
      expect(log.logger.warn).toHaveBeenCalledWith(expect.objectContaining({ name: 'no-such-sound', accountId: account.org }), expect.stringMatching(/^sound not found/));
      // A fallback that is not a shipped prompt either is an error, logged as one.
      await expect(resolver.audio(account.org, 'no-such-sound', 'en', 'PCMU', { fallback: 'also-missing' })).rejects.toThrow(/unknown prompt/);
      expect(log.logger.error).toHaveBeenCalledWith(expect.objectContaining({ fallback: 'also-missing' }), expect.any(String));
    });

    it('caches lookups per account, name and codec until invalidated', async () => {
      const soundId = await put(account.org, 'ivr', 'cached', recording(0x32));
      expect(Buffer.from(await resolver.audio(account.org, 'cached', 'en', 'PCMU'))).toEqual(recording(0x32));
      await store.db.deleteFrom('sounds').where('id', '=', soundId).execute();
      // Still the cached recording: the store is not asked again.
      expect(Buffer.from(await resolver.audio(account.org, 'cached', 'en', 'PCMU'))).toEqual(recording(0x32));
      resolver.invalidate('cached');
      await expect(resolver.audio(account.org, 'cached', 'en', 'PCMU')).rejects.toBeInstanceOf(SoundNotFoundError);

      // Absence is cached too, and an upload's invalidation makes the new sound play at once.
      await put(account.provider, 'system', 'cached', recording(0x12));
      await expect(resolver.audio(account.org, 'cached', 'en', 'PCMU')).rejects.toBeInstanceOf(SoundNotFoundError);
      resolver.invalidate('cached');
      expect(Buffer.from(await resolver.audio(account.org, 'cached', 'en', 'PCMU'))).toEqual(recording(0x12));
    });

    it('asks the store again after the time to live (changes made by other processes)', async () => {
      let now = 1_000_000;
      const timed = new SoundResolver(store.db, prompts, log.asLogger, { ttlMs: 1000, clock: () => now });
      const soundId = await put(account.org, 'ivr', 'ttl', recording(0x33));
      expect(Buffer.from(await timed.audio(account.org, 'ttl', 'en', 'PCMU'))).toEqual(recording(0x33));
      await store.db.updateTable('sounds').set({ audio: recording(0x34) }).where('id', '=', soundId).execute();
      now += 999;
      expect(Buffer.from(await timed.audio(account.org, 'ttl', 'en', 'PCMU'))).toEqual(recording(0x33));
      now += 2;
      expect(Buffer.from(await timed.audio(account.org, 'ttl', 'en', 'PCMU'))).toEqual(recording(0x34));
    });

    it('keeps at most maxEntries lookups', async () => {
      const small = new SoundResolver(store.db, prompts, log.asLogger, { maxEntries: 2 });
      const spy = vi.spyOn(store.db, 'selectFrom');
      await small.audio(account.org, 'welcome', 'en', 'PCMU');
      await small.audio(account.org, 'hold-music', 'en', 'PCMU');
      await small.audio(account.org, 'goodbye', 'en', 'PCMU');
      spy.mockClear();
      await small.audio(account.org, 'goodbye', 'en', 'PCMU'); // still cached
      expect(spy).not.toHaveBeenCalled();
      await small.audio(account.org, 'welcome', 'en', 'PCMU'); // the oldest: asked again
      expect(spy).toHaveBeenCalled();
      spy.mockRestore();
    });
  });
}
