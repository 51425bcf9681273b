/**
 * Audio files for peers, through sox: tone sources baresip can play (aufile needs 16-bit
 * signed PCM) and a quick "is this recording more than silence" measure.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface ToneOptions {
  frequencyHz?: number;
  seconds?: number;
  /** Linear amplitude 0..1. */
  volume?: number;
  sampleRate?: number;
}

/** Writes a mono 16-bit signed PCM sine wave; returns the path. */
export async function makeToneWav(file: string, options: ToneOptions = {}): Promise<string> {
  const { frequencyHz = 440, seconds = 60, volume = 0.2, sampleRate = 8000 } = options;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await execFileAsync('sox', [
    '-n', '-r', String(sampleRate), '-c', '1', '-b', '16', '-e', 'signed-integer', file,
    'synth', String(seconds), 'sine', String(frequencyHz), 'vol', String(volume),
  ]);
  return file;
}

export interface WavStats {
  lengthSeconds: number;
  samples: number;
  /** RMS amplitude, 0..1 of full scale: a 0.2 sine reads about 0.14, silence 0. */
  rmsAmplitude: number;
  maximumAmplitude: number;
  /** sox's rough dominant frequency in Hz. */
  roughFrequencyHz: number;
}

function field(text: string, label: string): number {
  const match = new RegExp(`^${label}:\\s+(-?[\\d.]+)`, 'm').exec(text);
  if (!match?.[1]) throw new Error(`sox stat printed no "${label}":\n${text}`);
  return Number(match[1]);
}

/** `sox FILE -n stat`, parsed. sox prints the figures on stderr. */
export async function wavStats(file: string): Promise<WavStats> {
  const { stderr } = await execFileAsync('sox', [file, '-n', 'stat']);
  return {
    lengthSeconds: field(stderr, 'Length \\(seconds\\)'),
    samples: field(stderr, 'Samples read'),
    rmsAmplitude: field(stderr, 'RMS\\s+amplitude'),
    maximumAmplitude: field(stderr, 'Maximum amplitude'),
    roughFrequencyHz: field(stderr, 'Rough\\s+frequency'),
  };
}
