import Fastify, { type InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { apiV1 } from '../../src/http/api/index.js';
import { buildHttpServer } from '../../src/http/server.js';
import { encodePcma, encodePcmu } from '../../src/media/g711.js';
import { encodeFor, parseWav } from '../../src/media/player.js';
import { formatDuration } from '../../src/media/sound-file.js';
import { createLogger } from '../../src/logger.js';
import { createApiToken } from '../../src/store/api-tokens.js';
import { nowIso, type Store } from '../../src/store/db.js';
import type { UserRole } from '../../src/store/schema.js';
import { DEMO_YAML as DEMO, provision } from '../helpers/api.js';
import { testDatabases } from '../helpers/stores.js';
import { createAccount } from '../../src/store/accounts.js';

const GLOBEX = `
organizations:
  - name: Globex
    extensions:
      - number: "002001"
        name: Jane Roe
`;


/** A WAV file as recorders write them: RIFF, a 16-byte fmt chunk, data. */
function wav({ code = 1, channels = 1, rate = 8000, bits = 16 }: { code?: number; channels?: number; rate?: number; bits?: number }, data: Buffer): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'latin1');
  header.write('fmt ', 12, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(code, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE((rate * channels * bits) / 8, 28);
  header.writeUInt16LE((channels * bits) / 8, 32);
  header.writeUInt16LE(bits, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** A 440 Hz tone, 16-bit samples at 8 kHz. */
function tone(ms: number): Int16Array {
  const samples = new Int16Array((ms * 8000) / 1000);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000));
  return samples;
}
const pcm16Wav = (samples: Int16Array) => wav({}, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
function g711Wav(samples: Int16Array, law: 'pcmu' | 'pcma'): Buffer {
  const out = new Uint8Array(samples.length);
  (law === 'pcmu' ? encodePcmu : encodePcma)(samples, 0, samples.length, out, 0);
  return wav({ code: law === 'pcmu' ? 7 : 6, bits: 8 }, Buffer.from(out));
}

interface SoundBody {
  id: number;
  name: string;
  folderId: number;
  folder: string;
  accountId: number;
  length: string;
  durationMs: number;
  inherited: boolean;
  editable: boolean;
  audioUrl: string;
}
interface FolderBody {
  id: number;
  name: string;
  accountId: number;
  owner: { id: number; name: string; kind: string };
  inherited: boolean;
  editable: boolean;
  sounds: SoundBody[];
}

describe('sound lengths', () => {
  it.each([
    [0, '00:00:00'],
    [120, '00:00:01'],
    [1_499, '00:00:01'],
    [1_500, '00:00:02'],
    [61_000, '00:01:01'],
    [600_000, '00:10:00'],
    [3_723_000, '01:02:03'],
  ])('%i ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

for (const database of testDatabases) {
  describe(`REST API: the sound library on ${database.name}`, () => {
    let store: Store;
    let app: Awaited<ReturnType<typeof buildHttpServer>>;
    const token: Record<string, string> = {};
    const account = { provider: 0, reseller: 0, acme: 0, globex: 0 };

    async function addUser(email: string, role: UserRole, accountId: number, extensionId: number | null = null): Promise<string> {
      const now = nowIso();
      const user = await store.db
        .insertInto('users')
        .values({ accountId, email, passwordHash: 'scrypt$unused', role, extensionId, lockedUntil: null, createdAt: now, updatedAt: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      return (await createApiToken(store.db, { userId: user.id, name: 'test', actor: 'test' })).token;
    }

    beforeAll(async () => {
      store = await database.open();
      await provision(store, DEMO);
      await provision(store, GLOBEX);
      const accounts = await store.db.selectFrom('accounts').select(['id', 'kind', 'name']).execute();
      account.provider = accounts.find((a) => a.kind === 'provider')!.id;
      account.acme = accounts.find((a) => a.name === 'Acme')!.id;
      account.globex = accounts.find((a) => a.name === 'Globex')!.id;
      // Globex is sold through a reseller; Acme belongs to the provider directly.
      const now = nowIso();
      const reseller = await createAccount(store.db, { kind: 'reseller', name: 'Resell Co', parentId: account.provider }, now);
      account.reseller = reseller.id;
      await store.db.updateTable('accounts').set({ parentId: reseller.id }).where('id', '=', account.globex).execute();
      const extensions = await store.db.selectFrom('extensions').select(['id', 'number']).execute();
      const ext = (number: string) => extensions.find((e) => e.number === number)!.id;

      token.admin = await addUser('admin@example.com', 'admin', account.provider);
      token.reseller = await addUser('sales@resell.example', 'reseller', account.reseller);
      token.acmeManager = await addUser('boss@acme.example', 'org_manager', account.acme);
      token.globexManager = await addUser('boss@globex.example', 'org_manager', account.globex);
      token.john = await addUser('john@acme.example', 'extension_owner', account.acme, ext('001002'));

      app = await buildHttpServer({ store, logger: createLogger('silent'), version: 'test' });
      await app.ready();
    });
    afterAll(async () => {
      await app?.close();
      await store?.close();
    });

    const call = (who: string | null, options: InjectOptions) =>
      app.inject({ ...options, headers: { ...(who ? { authorization: `Bearer ${token[who]}` } : {}), ...options.headers } });
    const foldersUrl = (accountId: number) => `/api/v1/accounts/${accountId}/sound-folders`;
    const upload = (who: string, folderId: number, name: string, file: Buffer, contentType = 'audio/wav') =>
      call(who, { method: 'POST', url: `/api/v1/sound-folders/${folderId}/sounds?name=${encodeURIComponent(name)}`, payload: file, headers: { 'content-type': contentType } });
    async function makeFolder(who: string, accountId: number, name: string): Promise<FolderBody> {
      const response = await call(who, { method: 'POST', url: foldersUrl(accountId), payload: { name } });
      expect(response.statusCode, response.body).toBe(201);
      return response.json<FolderBody>();
    }
    async function uploaded(who: string, folderId: number, name: string, file: Buffer): Promise<SoundBody> {
      const response = await upload(who, folderId, name, file);
      expect(response.statusCode, response.body).toBe(201);
      return response.json<SoundBody>();
    }

    describe('folders and uploads', () => {
      let folder: FolderBody;
      beforeAll(async () => {
        folder = await makeFolder('acmeManager', account.acme, 'ivr');
      });

      it('makes a folder in the manager\'s organization, audit-logged', async () => {
        expect(folder).toMatchObject({ name: 'ivr', accountId: account.acme, owner: { id: account.acme, name: 'Acme', kind: 'organization' }, inherited: false, editable: true, sounds: [] });
        const again = await call('acmeManager', { method: 'POST', url: foldersUrl(account.acme), payload: { name: 'ivr' } });
        expect(again.statusCode).toBe(409);
        expect(again.json()).toMatchObject({ error: 'conflict', field: 'name' });
        const log = await store.db.selectFrom('auditLog').selectAll().where('entity', '=', 'sound folder').where('entityId', '=', String(folder.id)).execute();
        expect(log).toEqual([expect.objectContaining({ actor: 'boss@acme.example', action: 'create' })]);
      });

      it('refuses folder names that are not lower-case words', async () => {
        for (const name of ['IVR', 'my folder', '', 'x'.repeat(65), '../up']) {
          const response = await call('acmeManager', { method: 'POST', url: foldersUrl(account.acme), payload: { name } });
          expect(response.statusCode, name).toBe(400);
          expect(response.json(), name).toMatchObject({ error: 'bad_request', field: 'name', message: expect.stringContaining('lower-case letters') as unknown });
        }
      });

      it('takes 16-bit PCM, stores μ-law, and gives it back as a WAV file', async () => {
        const samples = tone(1_500);
        const sound = await uploaded('acmeManager', folder.id, 'welcome', pcm16Wav(samples));
        expect(sound).toMatchObject({ name: 'welcome', folderId: folder.id, folder: 'ivr', accountId: account.acme, length: '00:00:02', durationMs: 1500, inherited: false, editable: true });
        expect(sound.audioUrl).toBe(`/api/v1/sounds/${sound.id}/audio.wav`);

        const download = await call('acmeManager', { method: 'GET', url: sound.audioUrl });
        expect(download.statusCode).toBe(200);
        expect(download.headers['content-type']).toBe('audio/wav');
        expect(download.headers['content-disposition']).toBe('inline; filename="welcome.wav"');
        const file = download.rawPayload;
        expect(file.toString('latin1', 0, 4)).toBe('RIFF');
        expect(file.readUInt32LE(4)).toBe(file.length - 8);
        const back = parseWav(file);
        expect(back.encoding).toBe('pcmu');
        expect(Buffer.from(back.data)).toEqual(Buffer.from(encodeFor({ encoding: 'pcm16', data: Buffer.from(samples.buffer) }, 'PCMU')));

        const attachment = await call('acmeManager', { method: 'GET', url: `${sound.audioUrl}?download=true` });
        expect(attachment.headers['content-disposition']).toBe('attachment; filename="welcome.wav"');
        expect(attachment.rawPayload).toEqual(file);

        const metadata = await call('acmeManager', { method: 'GET', url: `/api/v1/sounds/${sound.id}` });
        expect(metadata.json()).toEqual(sound);
      });

      it('takes μ-law as it is and A-law converted to μ-law', async () => {
        const samples = tone(2_500);
        const ulawFile = g711Wav(samples, 'pcmu');
        const ulaw = await uploaded('acmeManager', folder.id, 'hold_1', ulawFile);
        expect(ulaw).toMatchObject({ length: '00:00:03', durationMs: 2500 });
        const back = parseWav((await call('acmeManager', { method: 'GET', url: ulaw.audioUrl })).rawPayload);
        expect(back.encoding).toBe('pcmu');
        expect(Buffer.from(back.data)).toEqual(ulawFile.subarray(44));

        const alaw = await uploaded('acmeManager', folder.id, 'hold-2', g711Wav(samples, 'pcma'));
        expect(alaw.durationMs).toBe(2500);
        const fromAlaw = parseWav((await call('acmeManager', { method: 'GET', url: alaw.audioUrl })).rawPayload);
        expect(fromAlaw.encoding).toBe('pcmu');
        expect(Buffer.from(fromAlaw.data)).toEqual(Buffer.from(encodeFor({ encoding: 'pcma', data: g711Wav(samples, 'pcma').subarray(44) }, 'PCMU')));
      });

      it('accepts audio/x-wav too, and refuses a second sound of the same name in the folder', async () => {
        const file = g711Wav(tone(200), 'pcmu');
        expect((await upload('acmeManager', folder.id, 'beep', file, 'audio/x-wav')).statusCode).toBe(201);
        const again = await upload('acmeManager', folder.id, 'beep', file);
        expect(again.statusCode).toBe(409);
        expect(again.json()).toMatchObject({ error: 'conflict', field: 'name', message: expect.stringContaining('"beep"') as unknown });
      });

      const refusals: [string, () => Buffer, RegExp][] = [
        ['ADPCM', () => wav({ code: 2, bits: 4 }, Buffer.alloc(3200)), /^the file is 8000 Hz mono Microsoft ADPCM; upload an uncompressed WAV/],
        ['a rate beyond 192 kHz', () => wav({ rate: 384000 }, Buffer.alloc(3200)), /^the file is 384000 Hz mono 16-bit PCM; upload an uncompressed WAV/],
        ['garbage', () => Buffer.from('this is not a sound at all, just some text'), /^the file is not a WAV file \(no RIFF\/WAVE header\); upload an uncompressed WAV/],
        ['an MP3', () => Buffer.concat([Buffer.from('ID3\u0004\u0000'), Buffer.alloc(100)]), /^the file is an MP3 file; upload an uncompressed WAV/],
        ['a WAV without samples', () => wav({}, Buffer.alloc(0)), /no samples/],
        ['a WAV cut before its format', () => Buffer.from('RIFF\u0004\u0000\u0000\u0000WAVE'), /no readable format/],
        ['more than ten minutes', () => wav({ code: 7, bits: 8 }, Buffer.alloc(8000 * 601, 0xff)), /^the sound is 00:10:01 long; upload at most 10 minutes/],
      ];
      it('converts a 44.1 kHz stereo recording to 8 kHz mono', async () => {
        const seconds = 1;
        const samples = new Int16Array(44100 * seconds * 2);
        for (let i = 0; i < 44100 * seconds; i++) samples[2 * i] = samples[2 * i + 1] = Math.round(12000 * Math.sin((2 * Math.PI * 1000 * i) / 44100));
        const file = wav({ rate: 44100, channels: 2 }, Buffer.from(samples.buffer));
        const response = await upload('acmeManager', folder.id, 'studio-take', file);
        expect(response.statusCode, response.body).toBe(201);
        expect(response.json()).toMatchObject({ durationMs: 1000, length: '00:00:01' });
      });

      it.each(refusals)('refuses %s with a message saying what is wrong', async (_what, file, message) => {
        const response = await upload('acmeManager', folder.id, 'refused', file());
        expect(response.statusCode, response.body).toBe(400);
        expect(response.json()).toEqual({ error: 'bad_request', field: 'body', message: expect.stringMatching(message) as unknown });
      });

      it('refuses files over 10 MB, other content types, an empty body and bad names', async () => {
        const big = await upload('acmeManager', folder.id, 'big', Buffer.alloc(10 * 1024 * 1024 + 1));
        expect(big.statusCode).toBe(413);
        expect(big.json()).toMatchObject({ error: 'bad_request', message: expect.stringContaining('10 MB') as unknown });

        const octets = await upload('acmeManager', folder.id, 'octets', g711Wav(tone(100), 'pcmu'), 'application/octet-stream');
        expect(octets.statusCode).toBe(415);
        expect(octets.json()).toMatchObject({ error: 'unsupported_media_type', message: expect.stringContaining('audio/wav') as unknown });

        const empty = await upload('acmeManager', folder.id, 'empty', Buffer.alloc(0));
        expect(empty.statusCode).toBe(400);
        expect(empty.json()).toMatchObject({ error: 'bad_request', field: 'body' });

        const badName = await upload('acmeManager', folder.id, 'Hello World', g711Wav(tone(100), 'pcmu'));
        expect(badName.statusCode).toBe(400);
        expect(badName.json()).toEqual({ error: 'bad_request', field: 'name', message: expect.stringContaining('1 to 64 lower-case letters') as unknown });

        const noName = await call('acmeManager', { method: 'POST', url: `/api/v1/sound-folders/${folder.id}/sounds`, payload: g711Wav(tone(100), 'pcmu'), headers: { 'content-type': 'audio/wav' } });
        expect(noName.statusCode).toBe(400);
        expect(noName.json()).toMatchObject({ error: 'bad_request', field: 'name', message: 'name is required' });

        const names = (await store.db.selectFrom('sounds').select('name').where('folderId', '=', folder.id).execute()).map((r) => r.name);
        expect(names).not.toEqual(expect.arrayContaining(['big', 'octets', 'empty', 'refused']));
      });
    });

    describe('the hierarchy', () => {
      let providerFolder: FolderBody;
      let providerSound: SoundBody;
      let resellerFolder: FolderBody;
      let acmeFolder: FolderBody;
      let acmeSound: SoundBody;

      beforeAll(async () => {
        providerFolder = await makeFolder('admin', account.provider, 'system');
        providerSound = await uploaded('admin', providerFolder.id, 'credit-exhausted', g711Wav(tone(3_000), 'pcmu'));
        resellerFolder = await makeFolder('reseller', account.reseller, 'resale');
        acmeFolder = await makeFolder('acmeManager', account.acme, 'aaa-first');
        acmeSound = await uploaded('acmeManager', acmeFolder.id, 'credit-exhausted', g711Wav(tone(1_000), 'pcmu'));
      });

      it("lists the organization's folders first, then the provider's, marked inherited and read-only", async () => {
        const response = await call('acmeManager', { method: 'GET', url: foldersUrl(account.acme) });
        expect(response.statusCode).toBe(200);
        const { accountId, folders } = response.json<{ accountId: number; folders: FolderBody[] }>();
        expect(accountId).toBe(account.acme);
        const owners = folders.map((f) => f.owner.id);
        expect(owners.indexOf(account.provider)).toBeGreaterThan(owners.lastIndexOf(account.acme));
        expect(folders.map((f) => f.name)).toEqual(['aaa-first', 'ivr', 'system']);
        const system = folders.find((f) => f.id === providerFolder.id)!;
        expect(system).toMatchObject({ inherited: true, editable: false, owner: { id: account.provider, kind: 'provider' } });
        expect(system.sounds).toEqual([expect.objectContaining({ id: providerSound.id, name: 'credit-exhausted', length: '00:00:03', durationMs: 3000, inherited: true, editable: false, folder: 'system' })]);
        expect(folders.find((f) => f.id === acmeFolder.id)).toMatchObject({ inherited: false, editable: true });
        // The reseller's folder is not above Acme.
        expect(folders.map((f) => f.id)).not.toContain(resellerFolder.id);
      });

      it('does not let an organization manager change what the provider defined', async () => {
        const deleteFolder = await call('acmeManager', { method: 'DELETE', url: `/api/v1/sound-folders/${providerFolder.id}` });
        expect(deleteFolder.statusCode).toBe(403);
        expect(deleteFolder.json()).toMatchObject({ error: 'forbidden', message: expect.stringContaining('an account above yours') as unknown });
        expect((await call('acmeManager', { method: 'DELETE', url: `/api/v1/sounds/${providerSound.id}` })).statusCode).toBe(403);
        expect((await upload('acmeManager', providerFolder.id, 'mine', g711Wav(tone(100), 'pcmu'))).statusCode).toBe(403);
        // It may read and listen to it, though.
        expect((await call('acmeManager', { method: 'GET', url: `/api/v1/sounds/${providerSound.id}` })).json()).toMatchObject({ inherited: true, editable: false });
        expect((await call('acmeManager', { method: 'GET', url: providerSound.audioUrl })).statusCode).toBe(200);
        // The provider's own account is not one it sees.
        expect((await call('acmeManager', { method: 'GET', url: foldersUrl(account.provider) })).statusCode).toBe(404);
        expect((await call('acmeManager', { method: 'POST', url: foldersUrl(account.provider), payload: { name: 'sneaky' } })).statusCode).toBe(404);
      });

      it('shows a reseller its own and the provider\'s folders, and its organizations everything above them', async () => {
        const globex = (await call('globexManager', { method: 'GET', url: foldersUrl(account.globex) })).json<{ folders: FolderBody[] }>();
        expect(globex.folders.map((f) => [f.name, f.owner.kind, f.inherited, f.editable])).toEqual([
          ['resale', 'reseller', true, false],
          ['system', 'provider', true, false],
        ]);
        const reseller = (await call('reseller', { method: 'GET', url: foldersUrl(account.globex) })).json<{ folders: FolderBody[] }>();
        expect(reseller.folders.map((f) => [f.name, f.inherited, f.editable])).toEqual([
          ['resale', true, true],
          ['system', true, false],
        ]);
        // A reseller may make folders for its organizations, not for others.
        const forGlobex = await makeFolder('reseller', account.globex, 'for-globex');
        expect(forGlobex).toMatchObject({ accountId: account.globex, editable: true });
        expect((await call('globexManager', { method: 'DELETE', url: `/api/v1/sound-folders/${forGlobex.id}` })).statusCode).toBe(204);
        expect((await call('reseller', { method: 'POST', url: foldersUrl(account.acme), payload: { name: 'nope' } })).statusCode).toBe(404);
      });

      it('keeps organizations and resellers out of what is not theirs (404, as for what does not exist)', async () => {
        const cases: [string, string][] = [
          ['globexManager', foldersUrl(account.acme)],
          ['globexManager', `/api/v1/sounds/${acmeSound.id}`],
          ['globexManager', acmeSound.audioUrl],
          ['globexManager', `/api/v1/sound-folders/${acmeFolder.id}`],
          ['reseller', `/api/v1/sounds/${acmeSound.id}`],
          ['reseller', foldersUrl(account.acme)],
          ['acmeManager', `/api/v1/sound-folders/${resellerFolder.id}`],
          ['john', foldersUrl(account.globex)],
        ];
        for (const [who, url] of cases) {
          const response = await call(who, { method: 'GET', url });
          expect(response.statusCode, `${who} ${url}`).toBe(404);
          expect(response.json<{ error: string }>().error).toBe('not_found');
        }
        expect((await call('globexManager', { method: 'DELETE', url: `/api/v1/sounds/${acmeSound.id}` })).json()).toEqual({ error: 'not_found', message: 'no such sound' });
        const missing = await call('globexManager', { method: 'DELETE', url: '/api/v1/sounds/987654' });
        expect(missing.json()).toEqual({ error: 'not_found', message: 'no such sound' });
        expect((await call('globexManager', { method: 'GET', url: foldersUrl(987654) })).json()).toEqual({ error: 'not_found', message: 'no such account' });
      });

      it('lets an extension owner read and listen, not change', async () => {
        const list = await call('john', { method: 'GET', url: foldersUrl(account.acme) });
        expect(list.statusCode).toBe(200);
        expect(list.json<{ folders: FolderBody[] }>().folders.every((f) => !f.editable)).toBe(true);
        expect((await call('john', { method: 'GET', url: acmeSound.audioUrl })).statusCode).toBe(200);
        const refused = await upload('john', acmeFolder.id, 'mine', g711Wav(tone(100), 'pcmu'));
        expect(refused.statusCode).toBe(403);
        expect(refused.json()).toMatchObject({ error: 'forbidden', message: expect.stringContaining('extension owners') as unknown });
        expect((await call('john', { method: 'POST', url: foldersUrl(account.acme), payload: { name: 'mine' } })).statusCode).toBe(403);
        expect((await call('john', { method: 'DELETE', url: `/api/v1/sounds/${acmeSound.id}` })).statusCode).toBe(403);
      });

      it('lets an admin change any account', async () => {
        const folder = await makeFolder('admin', account.globex, 'by-admin');
        const sound = await uploaded('admin', folder.id, 'x', g711Wav(tone(100), 'pcmu'));
        expect((await call('admin', { method: 'DELETE', url: `/api/v1/sounds/${sound.id}` })).statusCode).toBe(204);
        expect((await call('admin', { method: 'DELETE', url: `/api/v1/sound-folders/${folder.id}` })).statusCode).toBe(204);
      });

      it('deletes only empty folders, and sounds for good', async () => {
        const folder = await makeFolder('acmeManager', account.acme, 'temporary');
        const sound = await uploaded('acmeManager', folder.id, 'short-lived', g711Wav(tone(100), 'pcmu'));
        const busy = await call('acmeManager', { method: 'DELETE', url: `/api/v1/sound-folders/${folder.id}` });
        expect(busy.statusCode).toBe(409);
        expect(busy.json()).toMatchObject({ error: 'conflict', message: expect.stringContaining('"short-lived"') as unknown });

        expect((await call('acmeManager', { method: 'DELETE', url: `/api/v1/sounds/${sound.id}` })).statusCode).toBe(204);
        expect((await call('acmeManager', { method: 'GET', url: `/api/v1/sounds/${sound.id}` })).statusCode).toBe(404);
        expect((await call('acmeManager', { method: 'GET', url: sound.audioUrl })).statusCode).toBe(404);
        expect((await call('acmeManager', { method: 'DELETE', url: `/api/v1/sounds/${sound.id}` })).statusCode).toBe(404);

        expect((await call('acmeManager', { method: 'DELETE', url: `/api/v1/sound-folders/${folder.id}` })).statusCode).toBe(204);
        expect((await call('acmeManager', { method: 'GET', url: `/api/v1/sound-folders/${folder.id}` })).statusCode).toBe(404);
        const actions = await store.db.selectFrom('auditLog').select(['action', 'entity']).where('actor', '=', 'boss@acme.example').where('entity', 'in', ['sound', 'sound folder']).execute();
        expect(actions).toEqual(expect.arrayContaining([{ action: 'delete', entity: 'sound' }, { action: 'delete', entity: 'sound folder' }]));
      });

      it('needs a token', async () => {
        const response = await call(null, { method: 'GET', url: foldersUrl(account.acme) });
        expect(response.statusCode).toBe(401);
        expect(response.headers['www-authenticate']).toMatch(/^Bearer\b/);
      });
    });

    it('tells the sound resolver about uploads and deletes', async () => {
      const invalidate = vi.fn();
      const bare = Fastify();
      await bare.register(apiV1, { prefix: '/api/v1', store, sounds: { invalidate } });
      try {
        const headers = { authorization: `Bearer ${token.acmeManager}` };
        const folder = (await bare.inject({ method: 'POST', url: foldersUrl(account.acme), payload: { name: 'notify' }, headers })).json<FolderBody>();
        const created = await bare.inject({
          method: 'POST',
          url: `/api/v1/sound-folders/${folder.id}/sounds?name=goodbye`,
          payload: g711Wav(tone(100), 'pcmu'),
          headers: { ...headers, 'content-type': 'audio/wav' },
        });
        expect(created.statusCode, created.body).toBe(201);
        expect(invalidate).toHaveBeenLastCalledWith('goodbye');
        invalidate.mockClear();
        expect((await bare.inject({ method: 'DELETE', url: `/api/v1/sounds/${created.json<SoundBody>().id}`, headers })).statusCode).toBe(204);
        expect(invalidate).toHaveBeenCalledWith('goodbye');
      } finally {
        await bare.close();
      }
    });

    it('describes the routes in OpenAPI, the upload as a WAV body', async () => {
      type Operation = { security?: unknown[]; requestBody?: { content: Record<string, { schema: { type?: string; format?: string } }> }; responses: Record<string, unknown> };
      const document = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json<{ paths: Record<string, Record<string, Operation>> }>();
      const paths = document.paths;
      expect(Object.keys(paths['/api/v1/accounts/{accountId}/sound-folders'] ?? {})).toEqual(expect.arrayContaining(['get', 'post']));
      expect(Object.keys(paths['/api/v1/sound-folders/{folderId}'] ?? {})).toEqual(expect.arrayContaining(['get', 'delete']));
      expect(Object.keys(paths['/api/v1/sounds/{soundId}'] ?? {})).toEqual(expect.arrayContaining(['get', 'delete']));
      const uploadOperation = paths['/api/v1/sound-folders/{folderId}/sounds']?.post;
      expect(uploadOperation?.security).toEqual([{ bearerAuth: [] }, { sessionCookie: [] }]);
      expect(uploadOperation?.requestBody?.content['audio/wav']?.schema).toMatchObject({ type: 'string', format: 'binary' });
      expect(Object.keys(uploadOperation!.responses)).toEqual(expect.arrayContaining(['201', '400', '403', '404', '409', '413', '415']));
      expect(Object.keys(paths['/api/v1/sounds/{soundId}/audio.wav']?.get?.responses ?? {})).toContain('200');
    });
  });
}
