/**
 * Renders every prompt of src/media/prompt-catalog.ts to
 * prompts/<lang>/<name>.wav (8 kHz mono G.711 μ-law WAV) with espeak-ng and
 * sox, which must be on PATH. Unchanged prompts are skipped by comparing the
 * hash in prompts/manifest.json, so reruns are cheap and the diff only shows
 * prompts whose text (or rendering settings) changed.
 *
 *   npx tsx scripts/prompts/generate.ts [--force]
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ESPEAK_VOICES, PROMPT_CATALOG, PROMPT_LANGUAGES, type PromptLanguage } from '../../src/media/prompt-catalog.js';

const run = promisify(execFile);

const ROOT = join(import.meta.dirname, '..', '..');
const PROMPTS = join(ROOT, 'prompts');
const MANIFEST = join(PROMPTS, 'manifest.json');
const SPEED = 160;
// Part of the hash: changing how prompts are rendered regenerates all of them.
const PIPELINE = `espeak-ng -s ${SPEED} | sox trim-silence 8000 mono u-law v1`;
const PARALLEL = 8;

interface ManifestEntry {
  hash: string;
  durationMs: number;
}

/** Duration from the data chunk of a μ-law WAV (one byte per sample at 8 kHz). */
function durationMs(wav: Buffer): number {
  let offset = 12;
  while (offset + 8 <= wav.length) {
    const id = wav.toString('ascii', offset, offset + 4);
    const size = wav.readUInt32LE(offset + 4);
    if (id === 'data') return Math.round(size / 8);
    offset += 8 + size + (size % 2);
  }
  throw new Error('WAV without data chunk');
}

function textHash(lang: PromptLanguage, text: string): string {
  return createHash('sha256').update(JSON.stringify([PIPELINE, ESPEAK_VOICES[lang], text])).digest('hex').slice(0, 16);
}

async function render(voice: string, text: string, out: string, scratch: string): Promise<void> {
  const raw = join(scratch, `${createHash('sha1').update(out).digest('hex')}.wav`);
  await run('espeak-ng', ['-v', voice, '-s', String(SPEED), '-w', raw, text]);
  // Trim leading/trailing silence (reverse trick), then resample to 8 kHz mono μ-law.
  await run('sox', [
    raw, '-r', '8000', '-c', '1', '-e', 'u-law', '-t', 'wav', out,
    'silence', '1', '0.05', '0.1%', 'reverse', 'silence', '1', '0.05', '0.1%', 'reverse',
  ]);
  rmSync(raw);
}

async function main(): Promise<void> {
  const force = process.argv.includes('--force');
  const old: Record<string, ManifestEntry> = existsSync(MANIFEST)
    ? (JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, ManifestEntry>)
    : {};
  const manifest: Record<string, ManifestEntry> = {};
  const jobs: Array<() => Promise<void>> = [];
  const scratch = mkdtempSync(join(tmpdir(), 'dialback-prompts-'));
  let rendered = 0;

  for (const lang of PROMPT_LANGUAGES) {
    const dir = join(PROMPTS, lang);
    mkdirSync(dir, { recursive: true });
    const catalog = PROMPT_CATALOG[lang];
    for (const [name, text] of Object.entries(catalog)) {
      if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`prompt name not filesystem-safe: ${name}`);
      const key = `${lang}/${name}`;
      const file = join(dir, `${name}.wav`);
      const hash = textHash(lang, text);
      const prev = old[key];
      if (!force && prev?.hash === hash && existsSync(file)) {
        manifest[key] = prev;
        continue;
      }
      jobs.push(async () => {
        await render(ESPEAK_VOICES[lang], text, file, scratch);
        manifest[key] = { hash, durationMs: durationMs(readFileSync(file)) };
        rendered++;
      });
    }
    // Drop audio for prompts that left the catalog so the shipped set matches it.
    for (const f of readdirSync(dir)) {
      if (f.endsWith('.wav') && !Object.hasOwn(catalog, f.slice(0, -4))) {
        rmSync(join(dir, f));
        console.log(`removed stale ${lang}/${f}`);
      }
    }
  }

  const queue = [...jobs];
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      for (let job = queue.shift(); job !== undefined; job = queue.shift()) await job();
    }),
  );
  rmSync(scratch, { recursive: true, force: true });

  const sorted = Object.fromEntries(Object.keys(manifest).sort().map((k) => [k, manifest[k]]));
  writeFileSync(MANIFEST, `${JSON.stringify(sorted, null, 2)}\n`);

  let bytes = 0;
  for (const lang of PROMPT_LANGUAGES) {
    for (const f of readdirSync(join(PROMPTS, lang))) bytes += statSync(join(PROMPTS, lang, f)).size;
  }
  const count = Object.keys(sorted).length;
  console.log(`${count} prompts (${rendered} rendered, ${count - rendered} unchanged), ${(bytes / 1024 / 1024).toFixed(2)} MiB of WAV`);
}

await main();
