import { randomFillSync } from 'node:crypto';

/**
 * Random identifiers (tags, branches, Call-IDs) are made for every message; taking them
 * from a pool of random bytes refilled 8 KiB at a time avoids a system call per id.
 */
const pool = Buffer.alloc(8192);
let offset = pool.length;

export function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const text = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return text;
}
