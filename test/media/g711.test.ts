import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  PCMA_SILENCE,
  PCMU_SILENCE,
  decodePcma,
  decodePcmu,
  encodePcma,
  encodePcmu,
  linearToPcma,
  linearToPcmu,
  pcmaToLinear,
  pcmuToLinear,
  transcodePcmaToPcmu,
  transcodePcmuToPcma,
} from '../../src/media/g711.js';

/** Half the quantisation step of the segment a μ-law code belongs to (16-bit scale). */
function ulawHalfStep(code: number): number {
  const exponent = ((~code & 0xff) >> 4) & 0x07;
  return 4 << exponent;
}

/** Half the quantisation step for an A-law code: segments 0 and 1 share the smallest step. */
function alawHalfStep(code: number): number {
  const segment = ((code ^ 0x55) >> 4) & 0x07;
  return segment < 2 ? 8 : 4 << segment;
}

describe('G.711 μ-law (PCMU)', () => {
  it('decodes known code words', () => {
    expect(pcmuToLinear(0xff)).toBe(0);
    expect(pcmuToLinear(0x7f)).toBe(0);
    expect(pcmuToLinear(0x00)).toBe(-32124);
    expect(pcmuToLinear(0x80)).toBe(32124);
    expect(pcmuToLinear(0xfe)).toBe(8);
    expect(pcmuToLinear(0x7e)).toBe(-8);
  });

  it('encodes known samples', () => {
    expect(linearToPcmu(0)).toBe(0xff);
    expect(linearToPcmu(PCMU_SILENCE === 0xff ? 0 : 1)).toBe(PCMU_SILENCE);
    expect(linearToPcmu(32767)).toBe(0x80);
    expect(linearToPcmu(-32768)).toBe(0x00);
    expect(linearToPcmu(-32124)).toBe(0x00);
    expect(linearToPcmu(8)).toBe(0xfe);
  });

  it('decode is odd-symmetric and monotonic over the positive codes', () => {
    for (let c = 0; c < 128; c++) expect(pcmuToLinear(c) + pcmuToLinear(c | 0x80)).toBe(0);
    // 0xFF (smallest) down to 0x80 (largest) is increasing magnitude.
    for (let c = 0xfe; c >= 0x80; c--) expect(pcmuToLinear(c)).toBeGreaterThan(pcmuToLinear(c + 1));
  });

  it('every code survives decode → encode (except negative zero 0x7F, which maps to 0xFF)', () => {
    for (let c = 0; c < 256; c++) {
      expect(linearToPcmu(pcmuToLinear(c))).toBe(c === 0x7f ? 0xff : c);
    }
  });

  it('round trip error stays within half a step of the segment for all 16-bit values', () => {
    for (let x = -32768; x <= 32767; x++) {
      const code = linearToPcmu(x);
      const y = pcmuToLinear(code);
      const err = Math.abs(y - x);
      if (Math.abs(x) <= 32635) {
        expect(err).toBeLessThanOrEqual(ulawHalfStep(code));
      } else {
        // Beyond the clip level the largest code word is used.
        expect(Math.abs(y)).toBe(32124);
      }
      expect(Math.sign(y) === 0 || Math.sign(y) === Math.sign(x)).toBe(true);
    }
  });
});

describe('G.711 A-law (PCMA)', () => {
  it('decodes known code words', () => {
    expect(pcmaToLinear(0xd5)).toBe(8);
    expect(pcmaToLinear(0x55)).toBe(-8);
    expect(pcmaToLinear(0xaa)).toBe(32256);
    expect(pcmaToLinear(0x2a)).toBe(-32256);
  });

  it('encodes known samples', () => {
    expect(linearToPcma(0)).toBe(0xd5);
    expect(linearToPcma(0)).toBe(PCMA_SILENCE);
    expect(linearToPcma(-1)).toBe(0x55);
    expect(linearToPcma(32767)).toBe(0xaa);
    expect(linearToPcma(-32768)).toBe(0x2a);
  });

  it('every code survives decode → encode', () => {
    for (let c = 0; c < 256; c++) expect(linearToPcma(pcmaToLinear(c))).toBe(c);
  });

  it('round trip error stays within half a step of the segment for all 16-bit values', () => {
    for (let x = -32768; x <= 32767; x++) {
      const code = linearToPcma(x);
      const err = Math.abs(pcmaToLinear(code) - x);
      expect(err).toBeLessThanOrEqual(alawHalfStep(code));
    }
  });
});

describe('buffer functions', () => {
  it('encode and decode at offsets without touching neighbouring elements', () => {
    const pcm = Int16Array.from([1000, -1000, 0, 32767, -32768]);
    const bytes = Buffer.alloc(9, 0x11);
    expect(encodePcmu(pcm, 1, 3, bytes, 2)).toBe(3);
    expect([...bytes]).toEqual([0x11, 0x11, linearToPcmu(-1000), 0xff, 0x80, 0x11, 0x11, 0x11, 0x11]);
    const out = new Int16Array(6).fill(7);
    expect(decodePcmu(bytes, 2, 3, out, 1)).toBe(3);
    expect([...out]).toEqual([7, pcmuToLinear(linearToPcmu(-1000)), 0, 32124, 7, 7]);

    const a = new Uint8Array(5);
    encodePcma(pcm, 0, 5, a, 0);
    expect([...a]).toEqual([...pcm].map(linearToPcma));
    const back = new Int16Array(5);
    decodePcma(a, 0, 5, back, 0);
    expect([...back]).toEqual([...a].map(pcmaToLinear));
  });

  it('agrees with the per-sample functions on random data', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 200 }), (samples) => {
        const pcm = Int16Array.from(samples);
        const u = new Uint8Array(pcm.length);
        encodePcmu(pcm, 0, pcm.length, u, 0);
        expect([...u]).toEqual(samples.map(linearToPcmu));
      }),
    );
  });
});

describe('transcoding tables', () => {
  it('μ-law → A-law equals decode then encode, and decodes close to the original', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const a = new Uint8Array(256);
    transcodePcmuToPcma(all, 0, 256, a, 0);
    for (let c = 0; c < 256; c++) {
      expect(a[c]).toBe(linearToPcma(pcmuToLinear(c)));
      const x = pcmuToLinear(c);
      expect(Math.abs(pcmaToLinear(a[c]!) - x)).toBeLessThanOrEqual(alawHalfStep(a[c]!));
    }
  });

  it('A-law → μ-law equals decode then encode, and decodes close to the original', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const u = new Uint8Array(256);
    transcodePcmaToPcmu(all, 0, 256, u, 0);
    for (let c = 0; c < 256; c++) {
      expect(u[c]).toBe(linearToPcmu(pcmaToLinear(c)));
      const x = pcmaToLinear(c);
      expect(Math.abs(pcmuToLinear(u[c]!) - x)).toBeLessThanOrEqual(ulawHalfStep(u[c]!));
    }
  });

  it('works in place and keeps silence silent', () => {
    const buf = Buffer.from([PCMU_SILENCE, PCMU_SILENCE, 0x00]);
    transcodePcmuToPcma(buf, 0, 3, buf, 0);
    expect(buf[0]).toBe(PCMA_SILENCE);
    expect(buf[1]).toBe(PCMA_SILENCE);
    // A-law has no zero code; its smallest value (+8) maps to the μ-law code for +8.
    transcodePcmaToPcmu(buf, 0, 2, buf, 0);
    expect(pcmuToLinear(buf[0]!)).toBe(8);
  });

  it('a double transcode stays within one A-law step of the first decode', () => {
    for (let c = 0; c < 256; c++) {
      const a = new Uint8Array([c]);
      transcodePcmuToPcma(a, 0, 1, a, 0);
      transcodePcmaToPcmu(a, 0, 1, a, 0);
      expect(Math.abs(pcmuToLinear(a[0]!) - pcmuToLinear(c))).toBeLessThanOrEqual(
        2 * alawHalfStep(linearToPcma(pcmuToLinear(c))) + ulawHalfStep(a[0]!),
      );
    }
  });
});
