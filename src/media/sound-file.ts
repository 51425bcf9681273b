import { encodeFor, parseWav, WavError, type Sound, type WavEncoding } from './player.js';

/**
 * Sound library files (SPEC §3): what an upload may be, and the WAV file a sound is served
 * as. Uploads are taken strictly as the player reads them (8 kHz mono, 16-bit PCM, μ-law or
 * A-law) and stored as G.711 μ-law; nothing is resampled, so no external tools are needed.
 */

/** The largest upload: 10 MB (ten minutes of 16-bit PCM fit in it). */
export const MAX_SOUND_FILE_BYTES = 10 * 1024 * 1024;
/** The longest sound: ten minutes. */
export const MAX_SOUND_MS = 10 * 60 * 1000;

const SAMPLE_RATE = 8000;
const WANTED = 'upload 8 kHz mono (16-bit PCM, μ-law or A-law)';

/** An upload that is not a sound the library takes; the message says what is wrong, for people. */
export class SoundFileError extends Error {
  override readonly name = 'SoundFileError';
}

export interface SoundUpload {
  /** The samples as G.711 μ-law, one byte per 8 kHz sample. */
  pcmu: Buffer;
  durationMs: number;
}

interface WavFormat {
  code: number;
  channels: number;
  rate: number;
  bits: number;
}

/** WAVE format codes people meet, by name (anything else is named by its number). */
const FORMAT_NAMES: Record<number, string> = {
  2: 'Microsoft ADPCM',
  3: 'floating-point',
  6: 'A-law',
  7: 'μ-law',
  0x11: 'IMA ADPCM',
  0x31: 'GSM 6.10',
  0x55: 'MP3',
  0xfffe: 'WAVE_FORMAT_EXTENSIBLE',
};

function encodingWords({ code, bits }: WavFormat): string {
  if (code === 1) return `${bits}-bit PCM`;
  if (code === 3) return `${bits}-bit floating-point`;
  if ((code === 6 || code === 7) && bits !== 8) return `${bits}-bit ${FORMAT_NAMES[code]}`;
  return FORMAT_NAMES[code] ?? `WAVE format ${code}`;
}

function channelWords(channels: number): string {
  if (channels === 1) return 'mono';
  if (channels === 2) return 'stereo';
  return `${channels}-channel`;
}

function supported({ code, bits }: WavFormat): boolean {
  return (code === 1 && bits === 16) || ((code === 6 || code === 7) && bits === 8);
}

/** What else a file that is not a WAV often is, so the message can say so. */
function sniff(file: Buffer): string | null {
  const head = file.toString('latin1', 0, 4);
  if (head.startsWith('ID3') || (file.length >= 2 && file[0] === 0xff && ((file[1] ?? 0) & 0xe0) === 0xe0)) return 'an MP3 file';
  if (head === 'OggS') return 'an Ogg file';
  if (head === 'fLaC') return 'a FLAC file';
  if (file.toString('latin1', 4, 8) === 'ftyp') return 'an MP4/M4A file';
  if (head === 'RIFF') return `a RIFF ${JSON.stringify(file.toString('latin1', 8, 12))} file, not WAVE`;
  return null;
}

/** The first fmt chunk, read leniently (parseWav checks the rest of the structure). */
function readFormat(file: Buffer): WavFormat | null {
  let offset = 12;
  while (offset + 8 <= file.length) {
    const id = file.toString('latin1', offset, offset + 4);
    const size = file.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > file.length) return null;
      return { code: file.readUInt16LE(body), channels: file.readUInt16LE(body + 2), rate: file.readUInt32LE(body + 4), bits: file.readUInt16LE(body + 14) };
    }
    if (id === 'data') return null;
    offset = body + size + (size % 2);
  }
  return null;
}

/**
 * Checks an uploaded file and converts it to μ-law. Refuses, with a message naming what is
 * wrong and what to upload instead: anything that is not a WAV, other rates, more than one
 * channel, other encodings, files over 10 MB, no samples, more than ten minutes.
 */
export function readSoundUpload(file: Buffer): SoundUpload {
  if (file.length === 0) throw new SoundFileError(`the file is empty; ${WANTED} as a WAV file`);
  if (file.length > MAX_SOUND_FILE_BYTES) {
    throw new SoundFileError(`the file is ${(file.length / (1024 * 1024)).toFixed(1)} MB; upload at most 10 MB`);
  }
  if (file.length < 12 || file.toString('latin1', 0, 4) !== 'RIFF' || file.toString('latin1', 8, 12) !== 'WAVE') {
    const other = sniff(file);
    throw new SoundFileError(`the file is ${other ?? 'not a WAV file (no RIFF/WAVE header)'}; ${WANTED} as a WAV file`);
  }
  const format = readFormat(file);
  if (!format) throw new SoundFileError(`the WAV file has no readable format (fmt) chunk before its samples; ${WANTED}`);
  if (format.rate !== SAMPLE_RATE || format.channels !== 1 || !supported(format)) {
    throw new SoundFileError(`the file is ${format.rate} Hz ${channelWords(format.channels)} ${encodingWords(format)}; ${WANTED}`);
  }
  let sound: Sound;
  try {
    sound = parseWav(file);
  } catch (error) {
    if (error instanceof WavError) throw new SoundFileError(`the WAV file is damaged: ${error.message}; ${WANTED}`);
    throw error;
  }
  const pcmu = Buffer.from(encodeFor(sound, 'PCMU'));
  if (pcmu.length === 0) throw new SoundFileError('the WAV file has no samples');
  const durationMs = Math.round((pcmu.length * 1000) / SAMPLE_RATE);
  if (durationMs > MAX_SOUND_MS) {
    throw new SoundFileError(`the sound is ${formatDuration(durationMs)} long; upload at most 10 minutes`);
  }
  return { pcmu, durationMs };
}

const FORMAT_CODES: Record<WavEncoding, { code: number; bits: number }> = {
  pcm16: { code: 1, bits: 16 },
  pcmu: { code: 7, bits: 8 },
  pcma: { code: 6, bits: 8 },
};

/**
 * A WAV file (8 kHz mono) holding the samples as they are: what browsers play in `<audio>`
 * (Chromium plays μ-law WAV) and what `parseWav` and sox read. G.711 files get the
 * 18-byte fmt chunk and the fact chunk non-PCM WAVE files carry, as sox writes them.
 */
export function wavFile(sound: Sound): Buffer {
  const { code, bits } = FORMAT_CODES[sound.encoding];
  const bytesPerSample = bits / 8;
  const pcm = code === 1;
  const fmtSize = pcm ? 16 : 18;
  const factSize = pcm ? 0 : 12;
  const dataSize = sound.data.length;
  const headerSize = 12 + 8 + fmtSize + factSize + 8;
  const out = Buffer.alloc(headerSize + dataSize + (dataSize % 2));
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(out.length - 8, 4);
  out.write('WAVE', 8, 'latin1');
  out.write('fmt ', 12, 'latin1');
  out.writeUInt32LE(fmtSize, 16);
  out.writeUInt16LE(code, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(SAMPLE_RATE, 24);
  out.writeUInt32LE(SAMPLE_RATE * bytesPerSample, 28);
  out.writeUInt16LE(bytesPerSample, 32);
  out.writeUInt16LE(bits, 34);
  let offset = 36;
  if (!pcm) {
    out.writeUInt16LE(0, offset); // cbSize: no extra format bytes
    offset += 2;
    out.write('fact', offset, 'latin1');
    out.writeUInt32LE(4, offset + 4);
    out.writeUInt32LE(dataSize / bytesPerSample, offset + 8);
    offset += 12;
  }
  out.write('data', offset, 'latin1');
  out.writeUInt32LE(dataSize, offset + 4);
  out.set(sound.data, offset + 8);
  return out;
}

/** A length as people read it in the sound library: hh:mm:ss, rounded to the second (at least 00:00:01 for any sound). */
export function formatDuration(durationMs: number): string {
  const total = durationMs <= 0 ? 0 : Math.max(1, Math.round(durationMs / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor(total / 60) % 60;
  const seconds = total % 60;
  return [hours, minutes, seconds].map((n) => String(n).padStart(2, '0')).join(':');
}
