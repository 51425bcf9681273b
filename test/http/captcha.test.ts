import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GLYPHS, GLYPH_HEIGHT, GLYPH_WIDTH } from '../../src/http/captcha-font.js';
import { CAPTCHA_ALPHABET, CaptchaStore, type CaptchaOptions } from '../../src/http/captcha.js';

// --- a PNG reader written separately from the encoder, with its own CRC-32 ----------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface DecodedPng {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
  chunkTypes: string[];
  /** Gray values, row by row (the encoder only uses filter type 0, which this checks). */
  gray: Uint8Array;
}

function decodePng(png: Buffer): DecodedPng {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const chunkTypes: string[] = [];
  const idat: Buffer[] = [];
  let ihdr: Buffer | undefined;
  let offset = 8;
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const typeAndData = png.subarray(offset + 4, offset + 8 + length);
    const type = typeAndData.subarray(0, 4).toString('latin1');
    const data = typeAndData.subarray(4);
    expect(png.readUInt32BE(offset + 8 + length), `CRC of ${type}`).toBe(crc32(typeAndData));
    chunkTypes.push(type);
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  expect(offset).toBe(png.length);
  if (!ihdr) throw new Error('no IHDR');
  expect(ihdr.length).toBe(13);
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const [bitDepth = -1, colorType = -1, compression = -1, filter = -1, interlace = -1] = ihdr.subarray(8);
  expect([compression, filter]).toEqual([0, 0]);
  const channels = colorType === 2 ? 3 : 1;
  const raw = inflateSync(Buffer.concat(idat));
  expect(raw.length).toBe(height * (1 + width * channels));
  const gray = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width + 1)], `filter byte of row ${y}`).toBe(0);
    gray.set(raw.subarray(y * (width + 1) + 1, (y + 1) * (width + 1)), y * width);
  }
  return { width, height, bitDepth, colorType, interlace, chunkTypes, gray };
}

// --- helpers ---------------------------------------------------------------------------------------

/**
 * A random source that answers as CaptchaOptions.random documents create() asking:
 * 16 bytes (id), 16 bytes (seed), then the answer's bytes, here chosen from `answers`.
 */
function scriptedRandom(answers: string[], label = 'test'): (bytes: number) => Buffer {
  let counter = 0;
  const queue = [...answers];
  return (bytes) => {
    if (bytes === 16) return createHash('sha256').update(`${label}:${counter++}`).digest().subarray(0, 16);
    const answer = queue.shift();
    if (answer === undefined) throw new Error('scriptedRandom ran out of answers');
    expect(answer.length).toBe(bytes);
    return Buffer.from([...answer].map((ch) => CAPTCHA_ALPHABET.indexOf(ch)));
  };
}

function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return { clock: () => now, advance: (ms: number) => (now += ms) };
}

function store(answers: string[], options: CaptchaOptions = {}) {
  return new CaptchaStore({ random: scriptedRandom(answers), ...options });
}

// --- tests -----------------------------------------------------------------------------------------

describe('CAPTCHA alphabet and font', () => {
  it('has no confusable characters', () => {
    for (const ch of '0O1IL5S2Z8BT') expect(CAPTCHA_ALPHABET).not.toContain(ch);
    expect(new Set(CAPTCHA_ALPHABET).size).toBe(CAPTCHA_ALPHABET.length);
    expect(CAPTCHA_ALPHABET).toMatch(/^[A-Z0-9]+$/);
  });

  it('has a glyph for every character, each distinct and with ink', () => {
    const seen = new Set<string>();
    for (const ch of CAPTCHA_ALPHABET) {
      const cells = GLYPHS.get(ch);
      expect(cells, ch).toBeDefined();
      expect(cells?.length).toBe(GLYPH_WIDTH * GLYPH_HEIGHT);
      expect(cells?.some((c) => c === 1)).toBe(true);
      seen.add(Buffer.from(cells ?? []).toString('hex'));
    }
    expect(seen.size).toBe(CAPTCHA_ALPHABET.length);
  });
});

describe('CaptchaStore images', () => {
  it('is a valid 8-bit grayscale PNG of about 200x70 with text on it', () => {
    const s = new CaptchaStore();
    const png = s.image(s.create('callnow-1').id);
    if (!png) throw new Error('no image');
    const decoded = decodePng(png);
    expect(decoded.chunkTypes[0]).toBe('IHDR');
    expect(decoded.chunkTypes.at(-1)).toBe('IEND');
    expect(decoded.chunkTypes).toContain('IDAT');
    expect(decoded).toMatchObject({ width: 200, height: 70, bitDepth: 8, colorType: 0, interlace: 0 });
    expect([s.width, s.height]).toEqual([200, 70]);
    // Dark pixels: 1,000 images of 77777 (the fewest cells of ink) never had under 1,700.
    const dark = decoded.gray.filter((v) => v < 100).length;
    expect(dark).toBeGreaterThan(1000);
    expect(dark).toBeLessThan(decoded.gray.length / 2);
  });

  it('grows wider for longer answers', () => {
    const s = new CaptchaStore({ length: 8 });
    const decoded = decodePng(s.image(s.create('f').id) ?? Buffer.alloc(0));
    expect(decoded.width).toBe(s.width);
    expect(decoded.width).toBeGreaterThan(200);
    expect(decoded.height).toBe(70);
  });

  it('differs between challenges, even with the same answer', () => {
    const s = new CaptchaStore();
    const a = s.image(s.create('f').id);
    const b = s.image(s.create('f').id);
    expect(a).not.toBeNull();
    expect(a?.equals(b ?? Buffer.alloc(0))).toBe(false);

    const same = store(['ACEFH', 'ACEFH']);
    const one = decodePng(same.image(same.create('f').id) ?? Buffer.alloc(0)).gray;
    const two = decodePng(same.image(same.create('f').id) ?? Buffer.alloc(0)).gray;
    const differing = one.filter((v, i) => Math.abs(v - (two[i] ?? v)) > 60).length;
    expect(differing).toBeGreaterThan(1000); // placement, shear, lines and speckles all move
  });

  it('is deterministic for an injected random source, and the same on every fetch', () => {
    const answers = ['ACEFH', 'JKMNP', 'RUWX9', 'Y3467'];
    const first = new CaptchaStore({ random: scriptedRandom(answers, 'x') });
    const second = new CaptchaStore({ random: scriptedRandom(answers, 'x') });
    const images: Buffer[] = [];
    for (let i = 0; i < answers.length; i++) {
      const a = first.create('f');
      const b = second.create('f');
      expect(a.id).toBe(b.id);
      const png = first.image(a.id);
      if (!png) throw new Error('no image');
      expect(second.image(b.id)?.equals(png)).toBe(true);
      expect(first.image(a.id)?.equals(png)).toBe(true); // a reload of the image
      images.push(png);
    }
    expect(new Set(images.map((png) => png.toString('base64'))).size).toBe(answers.length);
  });

  it('is null for an unknown id', () => {
    expect(new CaptchaStore().image('nope')).toBeNull();
  });
});

describe('CaptchaStore challenges', () => {
  it('gives a 128-bit url-safe id and an expiry, and nothing else', () => {
    const { clock } = manualClock(1000);
    const s = new CaptchaStore({ clock });
    const challenge = s.create('f');
    expect(Object.keys(challenge).sort()).toEqual(['expiresAt', 'id']);
    expect(challenge.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(challenge.id, 'base64url').length).toBe(16);
    expect(challenge.expiresAt).toBe(1000 + 10 * 60 * 1000);
    expect(s.create('f').id).not.toBe(challenge.id);
  });

  it('verifies the right answer once, then never again', () => {
    const s = store(['ACEFH']);
    const { id } = s.create('callnow-1');
    expect(s.outstanding).toBe(1);
    expect(s.verify(id, 'callnow-1', 'ACEFH')).toBe(true);
    expect(s.outstanding).toBe(0);
    expect(s.verify(id, 'callnow-1', 'ACEFH')).toBe(false);
    expect(s.image(id)).toBeNull();
  });

  it('consumes the challenge on a wrong answer', () => {
    const s = store(['ACEFH']);
    const { id } = s.create('callnow-1');
    expect(s.verify(id, 'callnow-1', 'ACEFX')).toBe(false);
    expect(s.verify(id, 'callnow-1', 'ACEFH')).toBe(false);
    expect(s.image(id)).toBeNull();
    expect(s.outstanding).toBe(0);
  });

  it('is false for wrong lengths, empty and silly answers', () => {
    const s = store(Array.from({ length: 5 }, () => 'ACEFH'));
    for (const answer of ['', 'ACEF', 'ACEFHH', 'ACEFH'.repeat(1000), 'ACEFH\u0000']) {
      const { id } = s.create('f');
      expect(s.verify(id, 'f', answer), JSON.stringify(answer.slice(0, 10))).toBe(false);
    }
  });

  it('ignores case and spaces', () => {
    const s = store(['AC3FH', 'AC3FH', 'AC3FH']);
    expect(s.verify(s.create('f').id, 'f', 'ac3fh')).toBe(true);
    expect(s.verify(s.create('f').id, 'f', ' a C 3 f\th\n')).toBe(true);
    expect(s.verify(s.create('f').id, 'f', 'AC3 FH ')).toBe(true);
  });

  it('is bound to its form: a wrong form key is false, and consumes it', () => {
    const s = store(['ACEFH']);
    const { id } = s.create('callnow-1');
    expect(s.verify(id, 'callnow-2', 'ACEFH')).toBe(false);
    expect(s.verify(id, 'callnow-1', 'ACEFH')).toBe(false);
  });

  it('is false for an unknown id', () => {
    const s = store(['ACEFH']);
    s.create('f');
    expect(s.verify('unknown', 'f', 'ACEFH')).toBe(false);
    expect(s.outstanding).toBe(1);
  });

  it('expires by the injected clock', () => {
    const time = manualClock();
    const s = store(['ACEFH', 'JKMNP'], { clock: time.clock, ttlMs: 60_000 });
    const early = s.create('f');
    time.advance(30_000);
    const late = s.create('f');
    expect(s.image(early.id)).not.toBeNull();

    time.advance(29_999);
    expect(s.outstanding).toBe(2);
    time.advance(1); // early is 60 s old now
    expect(s.image(early.id)).toBeNull();
    expect(s.verify(early.id, 'f', 'ACEFH')).toBe(false);
    expect(s.outstanding).toBe(1);

    time.advance(30_000);
    expect(s.outstanding).toBe(0); // pruned without being asked for
    expect(s.verify(late.id, 'f', 'JKMNP')).toBe(false);
  });

  it('a right answer after expiry is false', () => {
    const time = manualClock();
    const s = store(['ACEFH'], { clock: time.clock });
    const { id, expiresAt } = s.create('f');
    time.advance(expiresAt - time.clock());
    expect(s.verify(id, 'f', 'ACEFH')).toBe(false);
  });

  it('keeps at most maxOutstanding, evicting the oldest', () => {
    const s = store(['ACEFH', 'JKMNP', 'RUWX9', 'Y3467', 'ACEFH'], { maxOutstanding: 3 });
    const ids = ['ACEFH', 'JKMNP', 'RUWX9', 'Y3467'].map(() => s.create('f').id);
    expect(s.outstanding).toBe(3);
    expect(s.image(ids[0] ?? '')).toBeNull();
    expect(s.verify(ids[0] ?? '', 'f', 'ACEFH')).toBe(false);
    expect(s.image(ids[1] ?? '')).not.toBeNull();
    expect(s.verify(ids[3] ?? '', 'f', 'Y3467')).toBe(true);
    expect(s.outstanding).toBe(2);

    s.create('f');
    expect(s.outstanding).toBe(3);
    expect(s.verify(ids[1] ?? '', 'f', 'JKMNP')).toBe(true); // there was room: nothing evicted
  });

  it('holds the default bound of 20,000', () => {
    const s = new CaptchaStore();
    const first = s.create('f').id;
    for (let i = 1; i < 20_000; i++) s.create('f');
    expect(s.outstanding).toBe(20_000);
    expect(s.image(first)).not.toBeNull();
    s.create('f');
    expect(s.outstanding).toBe(20_000);
    expect(s.image(first)).toBeNull();
  });

  it('draws answers of the configured length from the alphabet, without bias from high bytes', () => {
    // Bytes from `limit` up are redrawn (256 is not a multiple of the alphabet's size).
    const n = CAPTCHA_ALPHABET.length;
    const limit = 256 - (256 % n);
    const bytes = [Buffer.from([255, 0, limit, n - 1]), Buffer.from([limit + 1, 2 * n - 1]), Buffer.from([1])];
    let ids = 0;
    const random = (n: number): Buffer => {
      if (n === 16) return Buffer.alloc(16, ids++);
      const next = bytes.shift();
      if (!next) throw new Error('out of bytes');
      expect(next.length).toBe(n);
      return next;
    };
    const s = new CaptchaStore({ random, length: 4 });
    const { id } = s.create('f');
    const last = CAPTCHA_ALPHABET.charAt(CAPTCHA_ALPHABET.length - 1);
    const expected = `${CAPTCHA_ALPHABET.charAt(0)}${last}${last}${CAPTCHA_ALPHABET.charAt(1)}`;
    expect(s.verify(id, 'f', expected)).toBe(true);
  });

  it('rejects bad options', () => {
    expect(() => new CaptchaStore({ ttlMs: 0 })).toThrow(RangeError);
    expect(() => new CaptchaStore({ ttlMs: Number.NaN })).toThrow(RangeError);
    expect(() => new CaptchaStore({ maxOutstanding: 0 })).toThrow(RangeError);
    expect(() => new CaptchaStore({ maxOutstanding: 1.5 })).toThrow(RangeError);
    expect(() => new CaptchaStore({ length: 2 })).toThrow(RangeError);
    expect(() => new CaptchaStore({ length: 11 })).toThrow(RangeError);
  });
});
