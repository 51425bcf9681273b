import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { encodePcma, encodePcmu, transcodePcmaToPcmu, transcodePcmuToPcma, PCMA_SILENCE, PCMU_SILENCE } from './g711.js';
import type { RtpSession } from './rtp-session.js';

/** 20 ms of 8 kHz G.711: one RTP packet. */
export const FRAME_BYTES = 160;
const FRAME_MS = 20;

export type WavEncoding = 'pcm16' | 'pcmu' | 'pcma';

export interface Sound {
  encoding: WavEncoding;
  /** Sample data as stored: 16-bit little-endian for pcm16, one byte per sample for G.711. */
  data: Buffer;
}

export class WavError extends Error {}

/** Reads a WAV file's format and samples: 8 kHz mono, 16-bit PCM, μ-law or A-law. */
export function parseWav(file: Buffer): Sound {
  if (file.length < 12 || file.toString('latin1', 0, 4) !== 'RIFF' || file.toString('latin1', 8, 12) !== 'WAVE') {
    throw new WavError('not a RIFF/WAVE file');
  }
  let format: { code: number; channels: number; rate: number; bits: number } | null = null;
  let offset = 12;
  while (offset + 8 <= file.length) {
    const id = file.toString('latin1', offset, offset + 4);
    const size = file.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (body + size > file.length && id !== 'data') throw new WavError(`chunk ${id} runs past the end of the file`);
    if (id === 'fmt ') {
      if (size < 16) throw new WavError('fmt chunk too short');
      format = { code: file.readUInt16LE(body), channels: file.readUInt16LE(body + 2), rate: file.readUInt32LE(body + 4), bits: file.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!format) throw new WavError('data before fmt');
      if (format.channels !== 1 || format.rate !== 8000) {
        throw new WavError(`need 8 kHz mono, got ${format.rate} Hz with ${format.channels} channels`);
      }
      const data = file.subarray(body, Math.min(file.length, body + size));
      // WAVE_FORMAT_PCM 1, WAVE_FORMAT_ALAW 6, WAVE_FORMAT_MULAW 7.
      if (format.code === 1 && format.bits === 16) return { encoding: 'pcm16', data };
      if (format.code === 7 && format.bits === 8) return { encoding: 'pcmu', data };
      if (format.code === 6 && format.bits === 8) return { encoding: 'pcma', data };
      throw new WavError(`unsupported WAV format ${format.code} with ${format.bits} bits`);
    }
    offset = body + size + (size % 2);
  }
  throw new WavError('no data chunk');
}

export async function loadWav(path: string): Promise<Sound> {
  return parseWav(await readFile(path));
}

/** The sound as G.711 bytes in the session's codec (transcoded once, before playing). */
export function encodeFor(sound: Sound, codec: 'PCMU' | 'PCMA'): Uint8Array {
  if (sound.encoding === 'pcm16') {
    const samples = new Int16Array(sound.data.length >> 1);
    for (let i = 0; i < samples.length; i++) samples[i] = sound.data.readInt16LE(i * 2);
    const out = new Uint8Array(samples.length);
    (codec === 'PCMU' ? encodePcmu : encodePcma)(samples, 0, samples.length, out, 0);
    return out;
  }
  const out = new Uint8Array(sound.data);
  if (sound.encoding === 'pcmu' && codec === 'PCMA') transcodePcmuToPcma(out, 0, out.length, out, 0);
  if (sound.encoding === 'pcma' && codec === 'PCMU') transcodePcmaToPcmu(out, 0, out.length, out, 0);
  return out;
}

export type PlayOutcome = 'finished' | 'interrupted';

/**
 * Plays G.711 audio to a session in 20 ms packets. Each packet is due at start + n × 20 ms
 * on the monotonic clock, so timer lateness never accumulates: a long prompt neither
 * speeds up nor slows down. Aborting the signal (barge-in, hang-up) stops at once.
 */
export async function playAudio(session: RtpSession, audio: Uint8Array, signal?: AbortSignal): Promise<PlayOutcome> {
  const silence = session.options.codec.name === 'PCMU' ? PCMU_SILENCE : PCMA_SILENCE;
  const frame = new Uint8Array(FRAME_BYTES);
  const frames = Math.ceil(audio.length / FRAME_BYTES);
  const start = performance.now();
  for (let n = 0; n < frames; n++) {
    if (signal?.aborted) return 'interrupted';
    const wait = start + n * FRAME_MS - performance.now();
    if (wait > 1) await sleep(wait, signal);
    if (signal?.aborted) return 'interrupted';
    const chunk = audio.subarray(n * FRAME_BYTES, (n + 1) * FRAME_BYTES);
    frame.set(chunk);
    // The last frame is padded with silence to a whole packet.
    if (chunk.length < FRAME_BYTES) frame.fill(silence, chunk.length);
    session.sendAudio(frame, FRAME_BYTES, n === 0);
  }
  return 'finished';
}

/** Plays several sounds one after another; stops the whole sequence when interrupted. */
export async function playSequence(session: RtpSession, sounds: Uint8Array[], signal?: AbortSignal): Promise<PlayOutcome> {
  for (const sound of sounds) {
    if ((await playAudio(session, sound, signal)) === 'interrupted') return 'interrupted';
  }
  return 'finished';
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
