import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import { GLYPHS, GLYPH_HEIGHT as FONT_HEIGHT, GLYPH_WIDTH as FONT_WIDTH } from './captcha-font.js';

/**
 * Image validation for the public CallNow pages, which must work without
 * JavaScript: the page gets a challenge id, shows <img src=".../captcha/{id}.png">
 * and posts the id back with the answer. The answer never leaves the server;
 * each challenge is bound to one form, expires, and is checked at most once.
 */

/**
 * What the answer is drawn from: no 0/O/D/Q, 1/I/L, 5/S, 2/Z, 8/B, 6/G, U/V or
 * T/7 (a sheared T reads as 7), so what a person reads is what they type.
 */
export const CAPTCHA_ALPHABET = 'ACEFHJKMNPRUWXY34679';

export interface CaptchaChallenge {
  /** Opaque, url-safe (base64url), 128 random bits. */
  id: string;
  /** Epoch ms (by the store's clock) after which the challenge is gone. */
  expiresAt: number;
}

export interface CaptchaOptions {
  /** How long a challenge lives, ms. Default 10 minutes. */
  ttlMs?: number;
  /** Live challenges kept at most; creating beyond this evicts the oldest. Default 20,000. */
  maxOutstanding?: number;
  /** Characters in an answer, 3 to 10. Default 5. */
  length?: number;
  /** Epoch ms. Default Date.now. */
  clock?: () => number;
  /**
   * Random bytes. Default crypto.randomBytes. Each create() asks for, in order:
   * 16 bytes (the id), 16 bytes (the image seed), then `length` bytes for the
   * answer (byte b gives CAPTCHA_ALPHABET[b % 20]; bytes of 240 and up are drawn again).
   * Answers are only ever made here; nothing outside this module sees them.
   */
  random?: (bytes: number) => Buffer;
}

type Seed = readonly [number, number, number, number];

interface Challenge {
  formKey: string;
  answer: string;
  seed: Seed;
  expiresAt: number;
}

const DEFAULT_TTL_MS = 10 * 60 * 1000;
const DEFAULT_MAX_OUTSTANDING = 20_000;
const DEFAULT_LENGTH = 5;
const IMAGE_HEIGHT = 70;
/** Answers longer than this (after removing spaces) are wrong without hashing them. */
const MAX_ANSWER_CHARS = 64;

export class CaptchaStore {
  /** Image size in px, for the <img> width/height attributes. */
  readonly width: number;
  readonly height = IMAGE_HEIGHT;

  readonly #ttlMs: number;
  readonly #maxOutstanding: number;
  readonly #length: number;
  readonly #clock: () => number;
  readonly #random: (bytes: number) => Buffer;
  /** Insertion order is creation order: the oldest (and first to expire) come first. */
  readonly #challenges = new Map<string, Challenge>();

  constructor(options: CaptchaOptions = {}) {
    const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    const maxOutstanding = options.maxOutstanding ?? DEFAULT_MAX_OUTSTANDING;
    const length = options.length ?? DEFAULT_LENGTH;
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError('captcha ttlMs must be a positive number');
    if (!Number.isInteger(maxOutstanding) || maxOutstanding < 1) {
      throw new RangeError('captcha maxOutstanding must be a positive integer');
    }
    if (!Number.isInteger(length) || length < 3 || length > 10) {
      throw new RangeError('captcha length must be an integer from 3 to 10');
    }
    this.#ttlMs = ttlMs;
    this.#maxOutstanding = maxOutstanding;
    this.#length = length;
    this.#clock = options.clock ?? Date.now;
    this.#random = options.random ?? randomBytes;
    this.width = Math.max(200, 30 + 34 * length);
  }

  /** A new challenge bound to a form (e.g. the CallNow ID): the answer is kept server-side only. */
  create(formKey: string): CaptchaChallenge {
    const now = this.#clock();
    this.#prune(now);
    while (this.#challenges.size >= this.#maxOutstanding) {
      const oldest = this.#challenges.keys().next();
      if (oldest.done) break;
      this.#challenges.delete(oldest.value);
    }
    const id = this.#newId();
    const seedBytes = this.#bytes(16);
    const seed: Seed = [
      seedBytes.readUInt32LE(0),
      seedBytes.readUInt32LE(4),
      seedBytes.readUInt32LE(8),
      seedBytes.readUInt32LE(12),
    ];
    const answer = this.#newAnswer();
    const expiresAt = now + this.#ttlMs;
    this.#challenges.set(id, { formKey, answer, seed, expiresAt });
    return { id, expiresAt };
  }

  /**
   * The PNG for a live challenge, or null if unknown/expired. The same challenge
   * gives the same image every time (it is drawn again from a stored seed, not kept).
   */
  image(id: string): Buffer | null {
    const now = this.#clock();
    this.#prune(now);
    if (typeof id !== 'string') return null;
    const challenge = this.#challenges.get(id);
    if (!challenge) return null;
    if (now >= challenge.expiresAt) {
      this.#challenges.delete(id);
      return null;
    }
    return renderCaptcha(challenge.answer, challenge.seed, this.width, this.height);
  }

  /**
   * Checks an answer ONCE: the challenge is consumed whatever the result (a wrong
   * guess needs a new image). Case-insensitive, ignores spaces. Returns false for
   * unknown, expired, wrong form key, or wrong answer.
   */
  verify(id: string, formKey: string, answer: string): boolean {
    const now = this.#clock();
    this.#prune(now);
    if (typeof id !== 'string') return false;
    const challenge = this.#challenges.get(id);
    if (!challenge) return false;
    this.#challenges.delete(id);
    if (now >= challenge.expiresAt) return false;
    if (typeof answer !== 'string' || typeof formKey !== 'string') return false;
    const given = answer.replace(/\s+/gu, '').toUpperCase();
    if (given.length > MAX_ANSWER_CHARS) return false;
    // Digests make the buffers equal in length, so the comparison takes the same time whatever was typed.
    const answerMatches = timingSafeEqual(sha256(given), sha256(challenge.answer));
    return answerMatches && formKey === challenge.formKey;
  }

  /** Live challenges (expired ones are dropped first). */
  get outstanding(): number {
    this.#prune(this.#clock());
    return this.#challenges.size;
  }

  /** Drops expired challenges from the front; amortised O(1) since they expire in creation order. */
  #prune(now: number): void {
    for (const [id, challenge] of this.#challenges) {
      if (now < challenge.expiresAt) break;
      this.#challenges.delete(id);
    }
  }

  #bytes(count: number): Buffer {
    const bytes = this.#random(count);
    if (bytes.length < count) throw new Error(`captcha random source gave ${bytes.length} of ${count} bytes`);
    return bytes;
  }

  #newId(): string {
    for (let attempt = 0; attempt < 4; attempt++) {
      const id = this.#bytes(16).subarray(0, 16).toString('base64url');
      if (!this.#challenges.has(id)) return id;
    }
    throw new Error('captcha random source keeps repeating itself');
  }

  #newAnswer(): string {
    const n = CAPTCHA_ALPHABET.length;
    const limit = 256 - (256 % n); // below this, b % n is uniform
    let answer = '';
    for (let draws = 0; answer.length < this.#length; draws++) {
      if (draws > 64) throw new Error('captcha random source gives no usable bytes');
      for (const b of this.#bytes(this.#length - answer.length)) {
        if (b < limit && answer.length < this.#length) answer += CAPTCHA_ALPHABET.charAt(b % n);
      }
    }
    return answer;
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

// ---------------------------------------------------------------------------
// Drawing

// Local copies, as the innermost loop reads them (an import can be a getter under some loaders, e.g. tsx).
const GLYPH_WIDTH = FONT_WIDTH;
const GLYPH_HEIGHT = FONT_HEIGHT;

/**
 * Each glyph as a finer mask (MASK_SCALE samples a cell, MASK_PAD samples of margin), drawn once:
 * cells grown a little, and a stroke along each diagonal step (cells touching only at a corner),
 * so X, K, N, M, W, Y, 4 and 7 get solid slanted strokes instead of a staircase of blocks.
 */
const MASK_SCALE = 8;
const MASK_PAD = 2;
const MASK_WIDTH = GLYPH_WIDTH * MASK_SCALE + 2 * MASK_PAD;
const MASK_HEIGHT = GLYPH_HEIGHT * MASK_SCALE + 2 * MASK_PAD;

function glyphMask(cells: Uint8Array): Uint8Array {
  const on = (x: number, y: number): boolean =>
    x >= 0 && y >= 0 && x < GLYPH_WIDTH && y < GLYPH_HEIGHT && cells[y * GLYPH_WIDTH + x] === 1;
  const grow = 0.14;
  const half = 0.5; // half the width of a diagonal stroke, like a cell's
  const diagonals: [number, number, number, number][] = [];
  for (let y = 0; y < GLYPH_HEIGHT; y++) {
    for (let x = 0; x < GLYPH_WIDTH; x++) {
      if (!on(x, y)) continue;
      if (on(x + 1, y + 1) && !on(x + 1, y) && !on(x, y + 1)) diagonals.push([x + 0.5, y + 0.5, x + 1.5, y + 1.5]);
      if (on(x + 1, y - 1) && !on(x + 1, y) && !on(x, y - 1)) diagonals.push([x + 0.5, y + 0.5, x + 1.5, y - 0.5]);
    }
  }
  const mask = new Uint8Array(MASK_WIDTH * MASK_HEIGHT);
  for (let j = 0; j < MASK_HEIGHT; j++) {
    const v = (j - MASK_PAD + 0.5) / MASK_SCALE;
    for (let i = 0; i < MASK_WIDTH; i++) {
      const u = (i - MASK_PAD + 0.5) / MASK_SCALE;
      let ink = false;
      for (let y = Math.floor(v) - 1; y <= Math.floor(v) + 1 && !ink; y++) {
        for (let x = Math.floor(u) - 1; x <= Math.floor(u) + 1 && !ink; x++) {
          ink = on(x, y) && Math.abs(u - (x + 0.5)) <= 0.5 + grow && Math.abs(v - (y + 0.5)) <= 0.5 + grow;
        }
      }
      for (const [x0, y0, x1, y1] of diagonals) {
        if (ink) break;
        const dx = x1 - x0;
        const dy = y1 - y0;
        const t = Math.max(0, Math.min(1, ((u - x0) * dx + (v - y0) * dy) / (dx * dx + dy * dy)));
        ink = Math.hypot(u - (x0 + t * dx), v - (y0 + t * dy)) <= half;
      }
      mask[j * MASK_WIDTH + i] = ink ? 1 : 0;
    }
  }
  return mask;
}

const MASKS: ReadonlyMap<string, Uint8Array> = new Map(
  [...GLYPHS].map(([ch, cells]) => [ch, glyphMask(cells)] as const),
);

/** Is glyph-space point (u, v) (cells are 1x1, the glyph's top left at 0,0) on ink? */
function inked(mask: Uint8Array, u: number, v: number): boolean {
  const i = Math.floor(u * MASK_SCALE) + MASK_PAD;
  const j = Math.floor(v * MASK_SCALE) + MASK_PAD;
  return i >= 0 && j >= 0 && i < MASK_WIDTH && j < MASK_HEIGHT && mask[j * MASK_WIDTH + i] === 1;
}

/** sfc32: a small, fast, seedable generator in [0, 1). Not for secrets: it only places noise. */
function sfc32([s0, s1, s2, s3]: Seed): () => number {
  let a = s0 | 0;
  let b = s1 | 0;
  let c = s2 | 0;
  let d = s3 | 0;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return next;
}

/** Draws `text` with noise into an 8-bit grayscale PNG; the same seed gives the same bytes. */
function renderCaptcha(text: string, seed: Seed, width: number, height: number): Buffer {
  const rnd = sfc32(seed);
  const range = (lo: number, hi: number): number => lo + (hi - lo) * rnd();
  const pixels = new Float32Array(width * height);

  // Background: a light tone with a slant of shade and grain.
  const base = range(226, 244);
  const slantX = range(-14, 14) / width;
  const slantY = range(-10, 10) / height;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels[y * width + x] = base + slantX * x + slantY * y + range(-7, 7);
  }

  // One wave bends every character the same way, so strokes are not straight lines.
  const waveAx = range(1, 2.2);
  const waveFx = range(0.06, 0.1);
  const wavePx = range(0, 2 * Math.PI);
  const waveAy = range(1.5, 3);
  const waveFy = range(0.03, 0.06);
  const wavePy = range(0, 2 * Math.PI);
  const reach = waveAx + waveAy + 2;
  const sub = 3; // 3x3 samples a pixel for smooth edges
  // The wave's shift at each sample row (for x) and column (for y), computed once.
  const shiftX = Float64Array.from({ length: height * sub }, (_, r) => waveAx * Math.sin(((r + 0.5) / sub) * waveFx + wavePx));
  const shiftY = Float64Array.from({ length: width * sub }, (_, c) => waveAy * Math.sin(((c + 0.5) / sub) * waveFy + wavePy));

  const margin = 15;
  const slot = (width - 2 * margin) / text.length;
  for (let i = 0; i < text.length; i++) {
    const mask = MASKS.get(text.charAt(i));
    if (!mask) throw new Error(`captcha font has no glyph for ${text.charAt(i)}`);
    const ink = range(15, 60);
    const sx = range(4.6, 5.6);
    const sy = range(4.7, 5.7);
    const shear = range(-0.25, 0.25);
    const angle = range(-0.22, 0.22);
    const cx = margin + slot * (i + 0.5) + range(-3, 3);
    const cy = height / 2 + range(-5, 5);
    // Glyph space -> image: rotate(shear(scale(p))), centred on (cx, cy).
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const m00 = cos * sx;
    const m01 = cos * shear * sy - sin * sy;
    const m10 = sin * sx;
    const m11 = sin * shear * sy + cos * sy;
    const det = m00 * m11 - m01 * m10;
    const i00 = m11 / det;
    const i01 = -m01 / det;
    const i10 = -m10 / det;
    const i11 = m00 / det;

    let minX = Infinity;
    let maxX = -Infinity;
    let minY = Infinity;
    let maxY = -Infinity;
    for (const u of [-0.5, GLYPH_WIDTH + 0.5]) {
      for (const v of [-0.5, GLYPH_HEIGHT + 0.5]) {
        const gu = u - GLYPH_WIDTH / 2;
        const gv = v - GLYPH_HEIGHT / 2;
        const px = cx + m00 * gu + m01 * gv;
        const py = cy + m10 * gu + m11 * gv;
        minX = Math.min(minX, px);
        maxX = Math.max(maxX, px);
        minY = Math.min(minY, py);
        maxY = Math.max(maxY, py);
      }
    }
    const x0 = Math.max(0, Math.floor(minX - reach));
    const x1 = Math.min(width - 1, Math.ceil(maxX + reach));
    const y0 = Math.max(0, Math.floor(minY - reach));
    const y1 = Math.min(height - 1, Math.ceil(maxY + reach));

    for (let py = y0; py <= y1; py++) {
      for (let px = x0; px <= x1; px++) {
        let hits = 0;
        for (let j = 0; j < sub; j++) {
          const row = py * sub + j;
          const sampleY = (row + 0.5) / sub;
          for (let k = 0; k < sub; k++) {
            const column = px * sub + k;
            const wx = (column + 0.5) / sub + (shiftX[row] ?? 0) - cx;
            const wy = sampleY + (shiftY[column] ?? 0) - cy;
            const u = i00 * wx + i01 * wy + GLYPH_WIDTH / 2;
            const v = i10 * wx + i11 * wy + GLYPH_HEIGHT / 2;
            if (inked(mask, u, v)) hits++;
          }
        }
        if (hits > 0) {
          const cover = hits / (sub * sub);
          const at = py * width + px;
          pixels[at] = (pixels[at] ?? 0) * (1 - cover) + ink * cover;
        }
      }
    }
  }

  // Noise lines: curves across the whole image. The first runs through the text and is as dark
  // as it (so a threshold does not remove it); the others are lighter.
  const lines = Math.floor(range(3, 5));
  const layer = new Float32Array(width * height);
  for (let n = 0; n < lines; n++) {
    const band = n === 0 ? [height * 0.35, height * 0.65] : [4, height - 4];
    const [lo = 0, hi = height] = band;
    const ax = range(-10, 25);
    const ay = range(lo, hi);
    const bx = range(width - 25, width + 10);
    const by = range(lo, hi);
    const qx = range(width * 0.3, width * 0.7);
    const qy = range(-15, height + 15);
    layer.fill(0);
    const radius = n === 0 ? range(0.45, 0.7) : range(0.5, 0.85);
    const steps = Math.ceil((Math.hypot(qx - ax, qy - ay) + Math.hypot(bx - qx, by - qy)) * 1.5);
    for (let s = 0; s <= steps; s++) {
      const t = s / steps;
      const x = (1 - t) * (1 - t) * ax + 2 * (1 - t) * t * qx + t * t * bx;
      const y = (1 - t) * (1 - t) * ay + 2 * (1 - t) * t * qy + t * t * by;
      disc(width, height, x, y, radius, (at, cover) => {
        if (cover > (layer[at] ?? 0)) layer[at] = cover; // max, so overlapping discs do not darken
      });
    }
    blend(pixels, layer, n === 0 ? range(25, 60) : range(100, 160));
  }

  // Speckles: single pixels, dark and light (the light ones break up strokes), and a few dots.
  const specks = Math.floor(width * height * 0.03);
  for (let n = 0; n < specks; n++) {
    const at = Math.floor(rnd() * width * height);
    pixels[at] = rnd() < 0.6 ? range(30, 130) : range(205, 255);
  }
  const dots = Math.floor(range(20, 35));
  for (let n = 0; n < dots; n++) {
    const x = range(0, width);
    const y = range(0, height);
    const radius = range(0.6, 1.5);
    const shade = range(40, 140);
    disc(width, height, x, y, radius, (at, cover) => {
      pixels[at] = (pixels[at] ?? 0) * (1 - cover) + shade * cover;
    });
  }

  const gray = new Uint8Array(width * height);
  for (let i = 0; i < gray.length; i++) gray[i] = Math.max(0, Math.min(255, Math.round(pixels[i] ?? 0)));
  return encodeGrayPng(width, height, gray);
}

/** Visits the pixels a soft-edged disc of `radius` at (x, y) covers, with how much (0..1]. */
function disc(
  width: number,
  height: number,
  x: number,
  y: number,
  radius: number,
  visit: (at: number, cover: number) => void,
): void {
  const x0 = Math.max(0, Math.floor(x - radius - 1));
  const x1 = Math.min(width - 1, Math.ceil(x + radius + 1));
  const y0 = Math.max(0, Math.floor(y - radius - 1));
  const y1 = Math.min(height - 1, Math.ceil(y + radius + 1));
  for (let py = y0; py <= y1; py++) {
    for (let px = x0; px <= x1; px++) {
      const dx = px + 0.5 - x;
      const dy = py + 0.5 - y;
      const d = Math.sqrt(dx * dx + dy * dy);
      const cover = Math.min(1, Math.max(0, radius + 0.5 - d));
      if (cover > 0) visit(py * width + px, cover);
    }
  }
}

function blend(pixels: Float32Array, layer: Float32Array, shade: number): void {
  for (let i = 0; i < pixels.length; i++) {
    const cover = layer[i] ?? 0;
    if (cover > 0) pixels[i] = (pixels[i] ?? 0) * (1 - cover) + shade * cover;
  }
}

// ---------------------------------------------------------------------------
// PNG

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4, 8))) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** 8-bit grayscale, no interlace, filter type 0 (None) on every row. */
function encodeGrayPng(width: number, height: number, gray: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // colour type: grayscale
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method
  ihdr[12] = 0; // no interlace
  const raw = Buffer.alloc(height * (width + 1));
  for (let y = 0; y < height; y++) {
    raw[y * (width + 1)] = 0;
    raw.set(gray.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}
