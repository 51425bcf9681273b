import { encodePcmu } from './g711.js';
import { encodeFor, parseWav, WavError, type Sound, type WavEncoding } from './player.js';
import { resample } from './resample.js';

/**
 * Sound library files (SPEC §3): what an upload may be, and the WAV file a sound is served
 * as. A WAV in what the player reads (8 kHz mono, 16-bit PCM, μ-law or A-law) is taken as
 * it is; any other uncompressed WAV (8/16/24/32-bit PCM or 32/64-bit float, any rate from
 * 4 kHz to 192 kHz, up to 8 channels — what recorders and editors write) is mixed down to
 * mono and resampled to 8 kHz here, without external tools. Stored as G.711 μ-law.
 */

/** The largest upload: 10 MB (ten minutes of 16-bit PCM fit in it). */
export const MAX_SOUND_FILE_BYTES = 10 * 1024 * 1024;
/** The longest sound: ten minutes. */
export const MAX_SOUND_MS = 10 * 60 * 1000;

const SAMPLE_RATE = 8000;
const WANTED = 'upload an uncompressed WAV (PCM or floating point, any rate from 4 kHz to 192 kHz), or 8 kHz μ-law or A-law';

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

/** What parseWav plays as it is. */
function playable({ code, bits, rate, channels }: WavFormat): boolean {
  return rate === SAMPLE_RATE && channels === 1 && ((code === 1 && bits === 16) || ((code === 6 || code === 7) && bits === 8));
}

/** What convert() reads: uncompressed integer PCM or floats, at a rate it can resample. */
function convertible({ code, bits, rate, channels }: WavFormat): boolean {
  const pcm = code === 1 && [8, 16, 24, 32].includes(bits);
  const float = code === 3 && (bits === 32 || bits === 64);
  return (pcm || float) && rate >= 4000 && rate <= 192_000 && channels >= 1 && channels <= 8;
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
      let code = file.readUInt16LE(body);
      // WAVE_FORMAT_EXTENSIBLE names the real format in the first two bytes of its sub-format GUID.
      if (code === 0xfffe && size >= 40 && body + 26 <= file.length) code = file.readUInt16LE(body + 24);
      return { code, channels: file.readUInt16LE(body + 2), rate: file.readUInt32LE(body + 4), bits: file.readUInt16LE(body + 14) };
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
  let pcmu: Buffer;
  if (playable(format)) {
    let sound: Sound;
    try {
      sound = parseWav(file);
    } catch (error) {
      if (error instanceof WavError) throw new SoundFileError(`the WAV file is damaged: ${error.message}; ${WANTED}`);
      throw error;
    }
    pcmu = Buffer.from(encodeFor(sound, 'PCMU'));
  } else if (convertible(format)) {
    pcmu = convert(file, format);
  } else {
    throw new SoundFileError(`the file is ${format.rate} Hz ${channelWords(format.channels)} ${encodingWords(format)}; ${WANTED}`);
  }
  if (pcmu.length === 0) throw new SoundFileError('the WAV file has no samples');
  const durationMs = Math.round((pcmu.length * 1000) / SAMPLE_RATE);
  if (durationMs > MAX_SOUND_MS) {
    throw new SoundFileError(`the sound is ${formatDuration(durationMs)} long; upload at most 10 minutes`);
  }
  return { pcmu, durationMs };
}

/** The data chunk's place, clamped to the file (recorders that were cut off leave a larger size). */
function dataChunk(file: Buffer): { offset: number; length: number } | null {
  let offset = 12;
  while (offset + 8 <= file.length) {
    const id = file.toString('latin1', offset, offset + 4);
    const size = file.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'data') return { offset: body, length: Math.min(size, file.length - body) };
    offset = body + size + (size % 2);
  }
  return null;
}

/** Any uncompressed WAV to 8 kHz mono μ-law: decode, average the channels, resample, encode. */
function convert(file: Buffer, format: WavFormat): Buffer {
  const data = dataChunk(file);
  if (!data) throw new SoundFileError(`the WAV file is damaged: it has no data chunk; ${WANTED}`);
  const bytes = format.bits / 8;
  const frameBytes = bytes * format.channels;
  const frames = Math.floor(data.length / frameBytes);
  const mono = new Float32Array(frames);
  const read = sampleReader(file, format);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    const at = data.offset + f * frameBytes;
    for (let c = 0; c < format.channels; c++) sum += read(at + c * bytes);
    mono[f] = sum / format.channels;
  }
  const resampled = resample(mono, format.rate, SAMPLE_RATE);
  const pcm = new Int16Array(resampled.length);
  for (let i = 0; i < resampled.length; i++) pcm[i] = Math.max(-32768, Math.min(32767, Math.round(resampled[i]! * 32767)));
  const out = new Uint8Array(pcm.length);
  encodePcmu(pcm, 0, pcm.length, out, 0);
  return Buffer.from(out);
}

/** Reads one sample at a byte offset as a float in -1..1. */
function sampleReader(file: Buffer, { code, bits }: WavFormat): (at: number) => number {
  if (code === 3) return bits === 32 ? (at) => file.readFloatLE(at) : (at) => file.readDoubleLE(at);
  switch (bits) {
    case 8:
      return (at) => (file[at]! - 128) / 128; // 8-bit WAV is unsigned
    case 16:
      return (at) => file.readInt16LE(at) / 32768;
    case 24:
      return (at) => file.readIntLE(at, 3) / 8_388_608;
    default:
      return (at) => file.readInt32LE(at) / 2_147_483_648;
  }
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
