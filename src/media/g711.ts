/**
 * G.711 companding (ITU-T G.711): PCMU (μ-law, RTP payload type 0) and PCMA (A-law, payload
 * type 8), RFC 3551 §4.5.14. Everything is table driven so the per-sample work on the media
 * hot path is one typed-array lookup: a 256-entry Int16Array per law for decoding and a
 * 65,536-entry Uint8Array per law (indexed by the 16-bit sample's two's-complement bits) for
 * encoding. The tables are built once at module load (~130 KB, a few milliseconds).
 *
 * Buffer functions take caller-owned arrays and offsets and allocate nothing (ARCHITECTURE.md,
 * "pion/rtp: hot paths").
 */

// μ-law works on a 14-bit magnitude; expressed on 16-bit samples the bias is 0x84 (33 << 2)
// and the largest magnitude that still fits segment 7 after biasing is 32635.
const ULAW_BIAS = 0x84;
const ULAW_CLIP = 32635;

/** μ-law code → linear, per G.711 Table 2a (expressed on a 16-bit scale). */
function ulawToLinear(code: number): number {
  // Codes are transmitted with all bits inverted (G.711 §3, "character signals").
  const u = ~code & 0xff;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  // Decision value is the middle of the quantisation interval: ((2m + 33) << e) on the 14-bit
  // scale, minus the bias, times 4 for 16 bits.
  const magnitude = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
  return u & 0x80 ? -magnitude : magnitude;
}

/** linear → μ-law code (segment search on the biased magnitude). */
function linearToUlaw(sample: number): number {
  let sign = 0;
  let magnitude = sample;
  if (magnitude < 0) {
    sign = 0x80;
    magnitude = -magnitude; // -32768 becomes 32768, clipped just below
  }
  if (magnitude > ULAW_CLIP) magnitude = ULAW_CLIP;
  magnitude += ULAW_BIAS;
  // Segment = position of the highest set bit among bits 14..7 (biased value is >= 0x84).
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** A-law code → linear, per G.711 Table 1a (13-bit scale shifted to 16 bits). */
function alawToLinear(code: number): number {
  // Even bits are inverted on the line (G.711 §2: "alternate digit inversion", mask 0x55).
  const a = (code ^ 0x55) & 0xff;
  const segment = (a >> 4) & 0x07;
  let magnitude = (a & 0x0f) << 4;
  // Segments 0 and 1 share one step size; the +8 / +0x108 put the value mid-interval.
  if (segment === 0) magnitude += 8;
  else magnitude = (magnitude + 0x108) << (segment - 1);
  // In A-law the sign bit set means positive.
  return a & 0x80 ? magnitude : -magnitude;
}

/** linear → A-law code. */
function linearToAlaw(sample: number): number {
  // A-law quantises a 13-bit value; negative values use the one's complement magnitude so
  // that -1..-16 (16-bit) land in the smallest negative interval, mirroring the positive side.
  let pcm = sample >> 3;
  let sign: number;
  if (pcm >= 0) {
    sign = 0x80;
  } else {
    sign = 0x00;
    pcm = -pcm - 1;
  }
  // pcm is now 0..4095; segment is 0 for 0..31, then one more per doubling.
  let segment = 0;
  for (let limit = 0x1f; pcm > limit && segment < 7; limit = (limit << 1) | 1) segment++;
  const mantissa = segment < 2 ? (pcm >> 1) & 0x0f : (pcm >> segment) & 0x0f;
  return (sign | (segment << 4) | mantissa) ^ 0x55;
}

const PCMU_DECODE = new Int16Array(256);
const PCMA_DECODE = new Int16Array(256);
const PCMU_ENCODE = new Uint8Array(65536);
const PCMA_ENCODE = new Uint8Array(65536);
const PCMU_TO_PCMA = new Uint8Array(256);
const PCMA_TO_PCMU = new Uint8Array(256);

for (let c = 0; c < 256; c++) {
  PCMU_DECODE[c] = ulawToLinear(c);
  PCMA_DECODE[c] = alawToLinear(c);
}
for (let i = 0; i < 65536; i++) {
  const sample = (i << 16) >> 16; // reinterpret as signed 16-bit
  PCMU_ENCODE[i] = linearToUlaw(sample);
  PCMA_ENCODE[i] = linearToAlaw(sample);
}
// Direct code-to-code tables: decode with one law, re-quantise with the other. This is the
// same result as decode + encode per sample, in a single lookup, for relaying between legs
// that negotiated different G.711 variants.
for (let c = 0; c < 256; c++) {
  PCMU_TO_PCMA[c] = PCMA_ENCODE[PCMU_DECODE[c]! & 0xffff]!;
  PCMA_TO_PCMU[c] = PCMU_ENCODE[PCMA_DECODE[c]! & 0xffff]!;
}

/** One μ-law code (0..255) to a 16-bit linear sample. */
export function pcmuToLinear(code: number): number {
  return PCMU_DECODE[code & 0xff]!;
}

/** One A-law code (0..255) to a 16-bit linear sample. */
export function pcmaToLinear(code: number): number {
  return PCMA_DECODE[code & 0xff]!;
}

/** One 16-bit linear sample (values outside int16 are wrapped, as an Int16Array would) to μ-law. */
export function linearToPcmu(sample: number): number {
  return PCMU_ENCODE[sample & 0xffff]!;
}

/** One 16-bit linear sample to A-law. */
export function linearToPcma(sample: number): number {
  return PCMA_ENCODE[sample & 0xffff]!;
}

/**
 * Every buffer conversion is one table lookup per sample; `mask` turns a signed 16-bit
 * sample into its table index (two's complement), and is 0xff for byte codes.
 */
function convert<S extends Uint8Array | Int16Array, D extends Uint8Array | Int16Array>(
  table: ArrayLike<number>,
  mask: number,
): (src: S, srcOffset: number, length: number, dst: D, dstOffset: number) => number {
  return (src, srcOffset, length, dst, dstOffset) => {
    for (let i = 0; i < length; i++) dst[dstOffset + i] = table[src[srcOffset + i]! & mask]!;
    return length;
  };
}

/** Decode `length` μ-law bytes into `dst` starting at `dstOffset`; returns samples written. */
export const decodePcmu = convert<Uint8Array, Int16Array>(PCMU_DECODE, 0xff);
/** Decode `length` A-law bytes into `dst`; returns samples written. */
export const decodePcma = convert<Uint8Array, Int16Array>(PCMA_DECODE, 0xff);
/** Encode `length` samples from `src` as μ-law into `dst`; returns bytes written. */
export const encodePcmu = convert<Int16Array, Uint8Array>(PCMU_ENCODE, 0xffff);
/** Encode `length` samples from `src` as A-law into `dst`; returns bytes written. */
export const encodePcma = convert<Int16Array, Uint8Array>(PCMA_ENCODE, 0xffff);
/** μ-law bytes → A-law bytes; `dst` may be `src` (in place). Returns bytes written. */
export const transcodePcmuToPcma = convert<Uint8Array, Uint8Array>(PCMU_TO_PCMA, 0xff);
/** A-law bytes → μ-law bytes; `dst` may be `src` (in place). Returns bytes written. */
export const transcodePcmaToPcmu = convert<Uint8Array, Uint8Array>(PCMA_TO_PCMU, 0xff);

/** The code words for digital silence (linear 0), for comfort fill and jitter-buffer gaps. */
export const PCMU_SILENCE = 0xff;
export const PCMA_SILENCE = 0xd5;
