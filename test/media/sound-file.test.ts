import { describe, expect, it } from 'vitest';
import { pcmuToLinear } from '../../src/media/g711.js';
import { resample } from '../../src/media/resample.js';
import { readSoundUpload, SoundFileError } from '../../src/media/sound-file.js';

function wav(format: { code?: number; channels?: number; rate: number; bits: number; extensible?: boolean }, data: Buffer): Buffer {
  const { code = 1, channels = 1, rate, bits } = format;
  const fmtSize = format.extensible ? 40 : 16;
  const header = Buffer.alloc(20 + fmtSize + 8);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(header.length - 8 + data.length, 4);
  header.write('WAVE', 8, 'latin1');
  header.write('fmt ', 12, 'latin1');
  header.writeUInt32LE(fmtSize, 16);
  header.writeUInt16LE(format.extensible ? 0xfffe : code, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE((rate * channels * bits) / 8, 28);
  header.writeUInt16LE((channels * bits) / 8, 32);
  header.writeUInt16LE(bits, 34);
  if (format.extensible) {
    header.writeUInt16LE(22, 36);
    header.writeUInt16LE(bits, 38);
    header.writeUInt16LE(code, 44); // the sub-format GUID starts with the format code
  }
  header.write('data', 20 + fmtSize, 'latin1');
  header.writeUInt32LE(data.length, 24 + fmtSize);
  return Buffer.concat([header, data]);
}

/** A sine tone as floats. */
function sine(frequency: number, rate: number, seconds: number, amplitude = 0.5): Float32Array {
  const out = new Float32Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * frequency * i) / rate);
  return out;
}

function decoded(pcmu: Buffer): Float32Array {
  return Float32Array.from(pcmu, (code) => pcmuToLinear(code) / 32768);
}

function rms(samples: Float32Array, skip = 200): number {
  let sum = 0;
  for (let i = skip; i < samples.length - skip; i++) sum += samples[i]! ** 2;
  return Math.sqrt(sum / Math.max(1, samples.length - 2 * skip));
}

/** Rough frequency from zero crossings (upward), in Hz at 8 kHz. */
function frequencyOf(samples: Float32Array): number {
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 && samples[i]! >= 0) crossings++;
  return (crossings * 8000) / samples.length;
}

const int16 = (floats: Float32Array, channels = 1) => {
  const out = Buffer.alloc(floats.length * 2 * channels);
  floats.forEach((v, i) => {
    for (let c = 0; c < channels; c++) out.writeInt16LE(Math.round(v * 32767), (i * channels + c) * 2);
  });
  return out;
};

describe('uploaded sounds are converted to 8 kHz mono', () => {
  it('takes a 44.1 kHz stereo 16-bit recording: the length and the pitch survive', () => {
    const upload = readSoundUpload(wav({ rate: 44100, channels: 2, bits: 16 }, int16(sine(1000, 44100, 1), 2)));
    expect(upload.durationMs).toBe(1000);
    const heard = decoded(upload.pcmu);
    expect(Math.abs(frequencyOf(heard) - 1000)).toBeLessThan(15);
    expect(rms(heard)).toBeGreaterThan(0.3);
  });

  it('removes what lies above 4 kHz instead of folding it back (no aliasing)', () => {
    const floats = sine(5000, 48000, 0.5);
    const data = Buffer.alloc(floats.length * 4);
    floats.forEach((v, i) => data.writeFloatLE(v, i * 4));
    const upload = readSoundUpload(wav({ code: 3, rate: 48000, bits: 32 }, data));
    expect(upload.durationMs).toBe(500);
    // The 5 kHz tone would alias to 3 kHz at full strength; the filter leaves almost nothing.
    expect(rms(decoded(upload.pcmu))).toBeLessThan(0.02);
  });

  it('reads 24-bit, 8-bit unsigned and WAVE_FORMAT_EXTENSIBLE files', () => {
    const tone = sine(440, 16000, 0.25);
    const pcm24 = Buffer.alloc(tone.length * 3);
    tone.forEach((v, i) => pcm24.writeIntLE(Math.round(v * 8_388_607), i * 3, 3));
    expect(readSoundUpload(wav({ rate: 16000, bits: 24 }, pcm24)).durationMs).toBe(250);
    const low = sine(440, 11025, 0.5);
    const pcm8 = Buffer.from(Array.from(low, (v) => Math.round(v * 127) + 128));
    const eight = readSoundUpload(wav({ rate: 11025, bits: 8 }, pcm8));
    expect(eight.durationMs).toBe(500);
    expect(Math.abs(frequencyOf(decoded(eight.pcmu)) - 440)).toBeLessThan(15);
    expect(readSoundUpload(wav({ rate: 22050, bits: 16, extensible: true }, int16(sine(440, 22050, 0.2)))).durationMs).toBe(200);
  });

  it('refuses compressed formats with what the file is', () => {
    expect(() => readSoundUpload(wav({ code: 0x11, rate: 8000, bits: 4 }, Buffer.alloc(400)))).toThrow(SoundFileError);
    expect(() => readSoundUpload(wav({ code: 0x11, rate: 8000, bits: 4 }, Buffer.alloc(400)))).toThrow(/IMA ADPCM; upload an uncompressed WAV/);
  });

  it('resample keeps a constant signal constant and handles upsampling', () => {
    const flat = new Float32Array(4000).fill(0.25);
    const down = resample(flat, 44100, 8000);
    expect(down.length).toBe(Math.floor((4000 * 8000) / 44100));
    expect(Math.max(...down.map((v) => Math.abs(v - 0.25)))).toBeLessThan(1e-3);
    const up = resample(sine(300, 4000, 0.5), 4000, 8000);
    expect(up.length).toBe(4000);
    expect(Math.abs(frequencyOf(up) - 300)).toBeLessThan(10);
  });
});
