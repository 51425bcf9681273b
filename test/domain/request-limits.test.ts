import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BLOCKED_PREFIXES,
  DEFAULT_REQUEST_LIMITS,
  MAX_LIMIT,
  MAX_WINDOW_MS,
  MIN_WINDOW_MS,
  RequestLimiter,
  isDestinationAllowed,
  validateDestinationRule,
  validateRequestLimits,
  type AdmitResult,
  type DestinationRule,
  type LimitRefusal,
  type RequestLimits,
  clientAddressKey,
} from '../../src/domain/request-limits.js';
import { domainError } from '../helpers/domain-error.js';


const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** An arbitrary start, so nothing depends on times near 0. */
const T0 = Date.UTC(2025, 0, 1, 9, 0, 0);

/** Limits that stay out of the way unless a test tightens one of them. */
const LOOSE: RequestLimits = {
  perNumber: { max: MAX_LIMIT, windowMs: HOUR },
  distinctNumbersPerAddress: { max: MAX_LIMIT, windowMs: HOUR },
  perAddress: { max: MAX_LIMIT, windowMs: HOUR },
  perCallnowId: { max: MAX_LIMIT, windowMs: HOUR },
};

function limits(overrides: Partial<RequestLimits>): RequestLimits {
  return { ...LOOSE, ...overrides };
}

let counter = 0;
/** A request with fresh keys except those given, so only the limit under test can refuse. */
function req(keys: { address?: string; number?: string; callnowId?: string } = {}) {
  counter++;
  return {
    address: keys.address ?? `198.51.100.${counter}`,
    number: keys.number ?? `+6140000${String(counter).padStart(4, '0')}`,
    callnowId: keys.callnowId ?? `id${counter}`,
  };
}

const refused = (reason: LimitRefusal, retryAfterSeconds: number): AdmitResult => ({ allowed: false, reason, retryAfterSeconds });
const ALLOWED: AdmitResult = { allowed: true };

describe('DEFAULT_REQUEST_LIMITS', () => {
  it('are the documented defaults', () => {
    expect(DEFAULT_REQUEST_LIMITS).toEqual({
      perNumber: { max: 7, windowMs: 15 * MINUTE },
      distinctNumbersPerAddress: { max: 3, windowMs: HOUR },
      perAddress: { max: 30, windowMs: HOUR },
      perCallnowId: { max: 60, windowMs: HOUR },
    });
    expect(() => validateRequestLimits(DEFAULT_REQUEST_LIMITS)).not.toThrow();
  });

  it('cannot be changed by accident', () => {
    expect(Object.isFrozen(DEFAULT_REQUEST_LIMITS)).toBe(true);
    expect(Object.isFrozen(DEFAULT_REQUEST_LIMITS.perNumber)).toBe(true);
  });

  it('apply when no limits are given', () => {
    const limiter = new RequestLimiter();
    const number = '+61412345678';
    for (let i = 0; i < 7; i++) expect(limiter.admit(req({ number }), T0 + i * SECOND)).toEqual(ALLOWED);
    expect(limiter.admit(req({ number }), T0 + 7 * SECOND)).toEqual(refused('too-many-for-number', 15 * 60 - 7));
  });
});

describe('validateRequestLimits', () => {
  it('accepts the bounds', () => {
    const edge = { max: 1, windowMs: MIN_WINDOW_MS };
    const top = { max: MAX_LIMIT, windowMs: MAX_WINDOW_MS };
    expect(() => validateRequestLimits({ perNumber: edge, distinctNumbersPerAddress: top, perAddress: edge, perCallnowId: top })).not.toThrow();
  });

  it.each([
    [{ perNumber: { max: 0, windowMs: HOUR } }, /perNumber\.max must be a whole number from 1 to 10000, got 0/],
    [{ perAddress: { max: 1.5, windowMs: HOUR } }, /perAddress\.max .* got 1\.5/],
    [{ perCallnowId: { max: MAX_LIMIT + 1, windowMs: HOUR } }, /perCallnowId\.max/],
    [{ perNumber: { max: Number.NaN, windowMs: HOUR } }, /perNumber\.max .* got NaN/],
    [{ perNumber: { max: '7', windowMs: HOUR } }, /perNumber\.max/],
    [{ distinctNumbersPerAddress: { max: 3, windowMs: 999 } }, /distinctNumbersPerAddress\.windowMs .* from 1000 \(1 s\) to 604800000 \(7 days\), got 999/],
    [{ perNumber: { max: 3, windowMs: MAX_WINDOW_MS + 1 } }, /perNumber\.windowMs/],
    [{ perNumber: { max: 3, windowMs: 1500.5 } }, /perNumber\.windowMs/],
    [{ perNumber: { max: 3 } }, /perNumber\.windowMs .* got undefined/],
    [{ perAddress: null }, /perAddress must be an object with max and windowMs/],
    [{ perCallnowId: undefined }, /perCallnowId must be an object/],
  ])('refuses %j', (override, message) => {
    const error = domainError(() => validateRequestLimits({ ...LOOSE, ...(override as unknown as Partial<RequestLimits>) }));
    expect(error.code).toBe('invalid_request_limits');
    expect(error.message).toMatch(message);
  });

  it('refuses a non-object', () => {
    expect(domainError(() => validateRequestLimits(null as unknown as RequestLimits)).code).toBe('invalid_request_limits');
  });

  it('is applied by the constructor, with the key cap', () => {
    expect(domainError(() => new RequestLimiter(limits({ perNumber: { max: 0, windowMs: HOUR } }))).code).toBe('invalid_request_limits');
    for (const maxTrackedKeys of [2, 0, -1, 3.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(domainError(() => new RequestLimiter(LOOSE, { maxTrackedKeys })).message).toMatch(/maxTrackedKeys must be a whole number of at least 3/);
    }
    expect(() => new RequestLimiter(LOOSE, { maxTrackedKeys: 3 })).not.toThrow();
  });
});

describe('RequestLimiter: sliding windows', () => {
  const perNumber = limits({ perNumber: { max: 3, windowMs: 10 * MINUTE } });
  const number = '+61412345678';

  it('admits max requests per window, then refuses', () => {
    const limiter = new RequestLimiter(perNumber);
    expect(limiter.admit(req({ number }), T0)).toEqual(ALLOWED);
    expect(limiter.admit(req({ number }), T0 + MINUTE)).toEqual(ALLOWED);
    expect(limiter.admit(req({ number }), T0 + 2 * MINUTE)).toEqual(ALLOWED);
    // The oldest (T0) leaves at T0 + 10 min: 8 minutes from now.
    expect(limiter.admit(req({ number }), T0 + 2 * MINUTE)).toEqual(refused('too-many-for-number', 8 * 60));
    // Other numbers are not affected.
    expect(limiter.admit(req(), T0 + 2 * MINUTE)).toEqual(ALLOWED);
  });

  it('a request leaves the window exactly windowMs after it was counted', () => {
    const limiter = new RequestLimiter(perNumber);
    for (let i = 0; i < 3; i++) expect(limiter.admit(req({ number }), T0)).toEqual(ALLOWED);
    expect(limiter.admit(req({ number }), T0 + 10 * MINUTE - 1)).toEqual(refused('too-many-for-number', 1));
    expect(limiter.admit(req({ number }), T0 + 10 * MINUTE)).toEqual(ALLOWED);
    // The other two from T0 left at the same instant, so there is room for two more.
    expect(limiter.admit(req({ number }), T0 + 10 * MINUTE)).toEqual(ALLOWED);
    expect(limiter.admit(req({ number }), T0 + 10 * MINUTE)).toEqual(ALLOWED);
    expect(limiter.admit(req({ number }), T0 + 10 * MINUTE)).toEqual(refused('too-many-for-number', 10 * 60));
  });

  it('a burst across a fixed-window boundary is not double the limit', () => {
    const limiter = new RequestLimiter(perNumber);
    const end = T0 + 10 * MINUTE - SECOND;
    for (let i = 0; i < 3; i++) expect(limiter.admit(req({ number }), end)).toEqual(ALLOWED);
    // A fixed window would start afresh at T0 + 10 min and admit three more.
    expect(limiter.admit(req({ number }), T0 + 10 * MINUTE)).toEqual(refused('too-many-for-number', 10 * 60 - 1));
    expect(limiter.admit(req({ number }), end + 10 * MINUTE - 1)).toEqual(refused('too-many-for-number', 1));
    expect(limiter.admit(req({ number }), end + 10 * MINUTE)).toEqual(ALLOWED);
  });

  it('refused requests are not counted and do not extend the refusal', () => {
    const limiter = new RequestLimiter(perNumber);
    for (let i = 0; i < 3; i++) limiter.admit(req({ number }), T0);
    for (let t = T0 + SECOND; t < T0 + 10 * MINUTE; t += 7 * SECOND) {
      const result = limiter.admit(req({ number }), t);
      expect(result.allowed).toBe(false);
    }
    expect(limiter.admit(req({ number }), T0 + 10 * MINUTE)).toEqual(ALLOWED);
  });

  it('a request refused by one limit is not counted by the others either', () => {
    const limiter = new RequestLimiter(limits({ perNumber: { max: 1, windowMs: HOUR }, perCallnowId: { max: 2, windowMs: HOUR } }));
    const callnowId = 'ba538fb568343064';
    expect(limiter.admit(req({ number, callnowId }), T0)).toEqual(ALLOWED);
    for (let i = 0; i < 5; i++) expect(limiter.admit(req({ number, callnowId }), T0).allowed).toBe(false);
    // Had the refused ones counted for the CallNow ID, this would be refused.
    expect(limiter.admit(req({ callnowId }), T0)).toEqual(ALLOWED);
    expect(limiter.admit(req({ callnowId }), T0)).toEqual(refused('too-many-for-callnow-id', 3600));
  });

  it('retryAfterSeconds rounds up to whole seconds, at least 1', () => {
    const limiter = new RequestLimiter(limits({ perNumber: { max: 1, windowMs: 10 * SECOND } }));
    expect(limiter.admit(req({ number }), T0)).toEqual(ALLOWED);
    expect(limiter.admit(req({ number }), T0)).toEqual(refused('too-many-for-number', 10));
    expect(limiter.admit(req({ number }), T0 + 1)).toEqual(refused('too-many-for-number', 10)); // 9.999 s
    expect(limiter.admit(req({ number }), T0 + SECOND)).toEqual(refused('too-many-for-number', 9));
    expect(limiter.admit(req({ number }), T0 + 1001)).toEqual(refused('too-many-for-number', 9)); // 8.999 s
    expect(limiter.admit(req({ number }), T0 + 9999)).toEqual(refused('too-many-for-number', 1)); // 1 ms
  });

  it('retryAfterSeconds counts from the request whose leaving makes room', () => {
    const limiter = new RequestLimiter(limits({ perNumber: { max: 2, windowMs: 10 * MINUTE } }));
    limiter.admit(req({ number }), T0);
    limiter.admit(req({ number }), T0 + 4 * MINUTE);
    expect(limiter.admit(req({ number }), T0 + 5 * MINUTE)).toEqual(refused('too-many-for-number', 5 * 60));
    expect(limiter.admit(req({ number }), T0 + 10 * MINUTE)).toEqual(ALLOWED);
    // Now T0 + 4 min is the oldest of the two.
    expect(limiter.admit(req({ number }), T0 + 10 * MINUTE)).toEqual(refused('too-many-for-number', 4 * 60));
  });

  it('a clock stepping back is read as standing still', () => {
    const limiter = new RequestLimiter(limits({ perNumber: { max: 1, windowMs: 10 * MINUTE } }));
    expect(limiter.admit(req({ number }), T0 + 5 * MINUTE)).toEqual(ALLOWED);
    // 2 minutes back: the answer is as at T0 + 5 min, and no slot opens early.
    expect(limiter.admit(req({ number }), T0 + 3 * MINUTE)).toEqual(refused('too-many-for-number', 10 * 60));
    expect(limiter.admit(req({ number }), T0 + 15 * MINUTE - 1)).toEqual(refused('too-many-for-number', 1));
    expect(limiter.admit(req({ number }), T0 + 15 * MINUTE)).toEqual(ALLOWED);
  });

  it('copies the limits it was given', () => {
    const mine = limits({ perNumber: { max: 1, windowMs: HOUR } });
    const limiter = new RequestLimiter(mine);
    mine.perNumber.max = 100;
    limiter.admit(req({ number }), T0);
    expect(limiter.admit(req({ number }), T0).allowed).toBe(false);
  });
});

describe('RequestLimiter: each limit', () => {
  it('distinct numbers per address: a repeated number is no new number', () => {
    const limiter = new RequestLimiter(limits({ distinctNumbersPerAddress: { max: 3, windowMs: HOUR } }));
    const address = '203.0.113.7';
    const [a, b, c, d] = ['+61400000001', '+61400000002', '+61400000003', '+61400000004'];
    expect(limiter.admit(req({ address, number: a }), T0)).toEqual(ALLOWED);
    expect(limiter.admit(req({ address, number: b }), T0 + 10 * MINUTE)).toEqual(ALLOWED);
    expect(limiter.admit(req({ address, number: c }), T0 + 20 * MINUTE)).toEqual(ALLOWED);
    expect(limiter.admit(req({ address, number: d }), T0 + 30 * MINUTE)).toEqual(refused('too-many-numbers-from-address', 30 * 60));
    // The same three numbers again are fine.
    expect(limiter.admit(req({ address, number: b }), T0 + 30 * MINUTE)).toEqual(ALLOWED);
    expect(limiter.admit(req({ address, number: a }), T0 + 40 * MINUTE)).toEqual(ALLOWED);
    // a was asked for again at 40 min, so c (20 min) is now the first to leave: at 80 min.
    expect(limiter.admit(req({ address, number: d }), T0 + 50 * MINUTE)).toEqual(refused('too-many-numbers-from-address', 30 * 60));
    // Another address may ask for d.
    expect(limiter.admit(req({ number: d }), T0 + 50 * MINUTE)).toEqual(ALLOWED);
    expect(limiter.admit(req({ address, number: d }), T0 + 80 * MINUTE)).toEqual(ALLOWED);
  });

  it('per address', () => {
    const limiter = new RequestLimiter(limits({ perAddress: { max: 5, windowMs: HOUR } }));
    const address = '2001:db8::/64';
    for (let i = 0; i < 5; i++) expect(limiter.admit(req({ address }), T0 + i * MINUTE)).toEqual(ALLOWED);
    expect(limiter.admit(req({ address }), T0 + 5 * MINUTE)).toEqual(refused('too-many-from-address', 55 * 60));
    expect(limiter.admit(req(), T0 + 5 * MINUTE)).toEqual(ALLOWED);
    expect(limiter.admit(req({ address }), T0 + HOUR)).toEqual(ALLOWED);
  });

  it('per CallNow ID', () => {
    const limiter = new RequestLimiter(limits({ perCallnowId: { max: 4, windowMs: HOUR } }));
    const callnowId = 'john_doe';
    for (let i = 0; i < 4; i++) expect(limiter.admit(req({ callnowId }), T0 + i * SECOND)).toEqual(ALLOWED);
    expect(limiter.admit(req({ callnowId }), T0 + 4 * SECOND)).toEqual(refused('too-many-for-callnow-id', 3600 - 4));
    expect(limiter.admit(req({ callnowId: 'jane_doe' }), T0 + 4 * SECOND)).toEqual(ALLOWED);
  });

  it('the default address limits together', () => {
    const limiter = new RequestLimiter();
    const address = '203.0.113.9';
    const numbers = ['+61400000001', '+61400000002', '+61400000003'];
    // Three numbers, 7 each per 15 minutes; over the hour the address reaches 30.
    let admitted = 0;
    let last: AdmitResult = ALLOWED;
    for (let t = T0; t < T0 + HOUR && last.allowed; t += 20 * SECOND) {
      last = limiter.admit(req({ address, number: numbers[admitted % 3] }), t);
      if (last.allowed) admitted++;
      if (!last.allowed && last.reason === 'too-many-for-number') last = ALLOWED; // wait for the number window
    }
    expect(admitted).toBe(30);
    expect(last).toMatchObject({ allowed: false, reason: 'too-many-from-address' });
    expect(limiter.admit(req({ address, number: '+61400000004' }), T0 + HOUR - 1)).toMatchObject({
      allowed: false,
      reason: 'too-many-numbers-from-address',
    });
  });
});

describe('RequestLimiter: several limits at once', () => {
  const tight: RequestLimits = {
    perNumber: { max: 1, windowMs: 10 * MINUTE },
    distinctNumbersPerAddress: { max: 1, windowMs: 20 * MINUTE },
    perAddress: { max: 1, windowMs: 30 * MINUTE },
    perCallnowId: { max: 1, windowMs: 40 * MINUTE },
  };
  const first = { address: '203.0.113.1', number: '+61400000001', callnowId: 'abc' };

  it('names the first refusing limit in the documented order', () => {
    const limiter = new RequestLimiter(tight);
    expect(limiter.admit(first, T0)).toEqual(ALLOWED);
    const at = T0 + MINUTE;
    // Each case refuses by the named limit and every limit after it, never one before it.
    expect(limiter.admit({ ...first }, at)).toMatchObject({ reason: 'too-many-for-number' });
    expect(limiter.admit({ ...first, number: '+61400000002' }, at)).toMatchObject({ reason: 'too-many-numbers-from-address' });
    expect(limiter.admit({ address: '203.0.113.2', number: '+61400000002', callnowId: 'abc' }, at)).toMatchObject({
      reason: 'too-many-for-callnow-id',
    });
  });

  it('per address comes before per CallNow ID', () => {
    // A repeated number from the same address passes the distinct-numbers limit.
    const limiter = new RequestLimiter({ ...tight, perNumber: { max: 2, windowMs: 10 * MINUTE } });
    expect(limiter.admit(first, T0)).toEqual(ALLOWED);
    expect(limiter.admit(first, T0 + MINUTE)).toMatchObject({ reason: 'too-many-from-address' });
  });

  it('retryAfterSeconds waits for every refusing limit', () => {
    const limiter = new RequestLimiter(tight);
    expect(limiter.admit(first, T0)).toEqual(ALLOWED);
    // All four refuse; the number frees at 10 min but the CallNow ID only at 40 min.
    expect(limiter.admit(first, T0 + MINUTE)).toEqual(refused('too-many-for-number', 39 * 60));
    expect(limiter.admit(first, T0 + 40 * MINUTE - 1)).toEqual(refused('too-many-for-callnow-id', 1));
    expect(limiter.admit(first, T0 + 40 * MINUTE)).toEqual(ALLOWED);
  });
});

describe('RequestLimiter: input', () => {
  it.each([Number.NaN, Number.POSITIVE_INFINITY, '1' as unknown as number])('refuses the time %j', (nowMs) => {
    expect(domainError(() => new RequestLimiter().admit(req(), nowMs)).code).toBe('invalid_time');
  });

  it.each([
    [{ address: '' }, /address/],
    [{ number: '' }, /number/],
    [{ callnowId: 'x'.repeat(257) }, /CallNow ID must be non-empty text of at most 256 characters/],
    [{ address: 42 as unknown as string }, /address/],
  ])('refuses %j', (keys, message) => {
    const error = domainError(() => new RequestLimiter().admit({ ...req(), ...keys }, T0));
    expect(error.code).toBe('invalid_request');
    expect(error.message).toMatch(message);
  });
});

describe('RequestLimiter: memory', () => {
  it('counts three keys per request and forgets keys once their windows pass', () => {
    const limiter = new RequestLimiter(limits({ perNumber: { max: 5, windowMs: 15 * MINUTE } }));
    for (let i = 0; i < 100; i++) limiter.admit(req(), T0 + i);
    expect(limiter.trackedKeys).toBe(300);
    // Number keys expire after 15 min, the rest after an hour.
    limiter.admit(req(), T0 + 15 * MINUTE + 100);
    expect(limiter.trackedKeys).toBe(1 + 2 * 101);
    limiter.admit(req(), T0 + HOUR + 100);
    expect(limiter.trackedKeys).toBe(1 + 1 + 2 * 1 + 1); // the new request's 3, plus the last one's address and ID
  });

  it('a refused request creates no keys', () => {
    const limiter = new RequestLimiter(limits({ perNumber: { max: 1, windowMs: HOUR } }));
    const number = '+61412345678';
    limiter.admit(req({ number }), T0);
    for (let i = 0; i < 1000; i++) expect(limiter.admit(req({ number }), T0 + i).allowed).toBe(false);
    expect(limiter.trackedKeys).toBe(3);
  });

  it('never holds more keys than the cap, under a flood from many addresses', () => {
    const limiter = new RequestLimiter(DEFAULT_REQUEST_LIMITS, { maxTrackedKeys: 1000 });
    for (let i = 0; i < 20_000; i++) {
      limiter.admit(req(), T0 + i * 10);
      expect(limiter.trackedKeys).toBeLessThanOrEqual(1000);
    }
    expect(limiter.trackedKeys).toBe(1000);
  });

  it('keeps the whole count of a key in steady use through a flood', () => {
    const limiter = new RequestLimiter(limits({ perCallnowId: { max: 10, windowMs: HOUR } }), { maxTrackedKeys: 9 });
    const callnowId = 'busy';
    for (let i = 0; i < 10; i++) {
      expect(limiter.admit(req({ callnowId }), T0 + i * SECOND)).toEqual(ALLOWED);
      // Strangers fill the rest of the table; the ID, counted more recently than their
      // predecessors, is never the one to go.
      for (let j = 1; j <= 2; j++) limiter.admit(req(), T0 + i * SECOND + j);
      expect(limiter.trackedKeys).toBeLessThanOrEqual(9);
    }
    expect(limiter.admit(req({ callnowId }), T0 + 10 * SECOND)).toEqual(refused('too-many-for-callnow-id', 3600 - 10));
  });

  it('an evicted key starts over (the documented fail-open under a flood)', () => {
    const limiter = new RequestLimiter(limits({ perNumber: { max: 1, windowMs: HOUR } }), { maxTrackedKeys: 30 });
    const number = '+61412345678';
    expect(limiter.admit(req({ number }), T0)).toEqual(ALLOWED);
    expect(limiter.admit(req({ number }), T0 + 1).allowed).toBe(false);
    // Ten newer requests (30 keys) push the number, the least recently counted, out.
    for (let i = 0; i < 10; i++) limiter.admit(req(), T0 + 2 + i);
    expect(limiter.admit(req({ number }), T0 + 20)).toEqual(ALLOWED);
  });

  it('prefers the key that expires soonest across kinds', () => {
    // Number keys live 10 minutes, address and CallNow ID keys an hour.
    const l = limits({ perNumber: { max: 1, windowMs: 10 * MINUTE }, perAddress: { max: 1, windowMs: HOUR } });
    const limiter = new RequestLimiter(l, { maxTrackedKeys: 5 });
    const old = { address: 'old-address', number: '+61400000001', callnowId: 'id' };
    expect(limiter.admit(old, T0)).toEqual(ALLOWED);
    expect(limiter.admit({ address: 'second', number: '+61400000002', callnowId: 'id' }, T0 + 5 * MINUTE)).toEqual(ALLOWED);
    expect(limiter.trackedKeys).toBe(5);
    // Two keys too many. The old address was counted first, but the two number keys expire
    // sooner (T0 + 10 and + 15 min against T0 + 60 min), so they go.
    expect(limiter.admit({ address: 'third', number: '+61400000003', callnowId: 'id' }, T0 + 6 * MINUTE)).toEqual(ALLOWED);
    expect(limiter.trackedKeys).toBe(5);
    // The old address is still counted (a refusal changes nothing) ...
    expect(limiter.admit({ address: old.address, number: '+61400000009', callnowId: 'other' }, T0 + 7 * MINUTE)).toEqual(
      refused('too-many-from-address', 53 * 60),
    );
    // ... while the old number was forgotten three minutes before its window ended.
    expect(limiter.admit({ address: 'elsewhere', number: old.number, callnowId: 'other' }, T0 + 7 * MINUTE)).toEqual(ALLOWED);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties against a plain model: a log of admitted requests, scanned in full each time.

interface Step {
  dtMs: number;
  address: number;
  number: number;
  callnowId: number;
}

function modelAdmit(
  log: { address: string; number: string; callnowId: string; t: number }[],
  l: RequestLimits,
  r: { address: string; number: string; callnowId: string },
  now: number,
): AdmitResult {
  const live = (windowMs: number) => log.filter((e) => now - e.t < windowMs);
  const countBlock = (times: number[], limit: { max: number; windowMs: number }): number | null =>
    times.length >= limit.max ? (times.sort((a, b) => a - b)[times.length - limit.max] ?? 0) + limit.windowMs : null;
  const lastByNumber = new Map<string, number>();
  for (const e of live(l.distinctNumbersPerAddress.windowMs)) {
    if (e.address === r.address) lastByNumber.set(e.number, Math.max(e.t, lastByNumber.get(e.number) ?? -Infinity));
  }
  const checks: [LimitRefusal, number | null][] = [
    ['too-many-for-number', countBlock(live(l.perNumber.windowMs).filter((e) => e.number === r.number).map((e) => e.t), l.perNumber)],
    [
      'too-many-numbers-from-address',
      lastByNumber.has(r.number) ? null : countBlock([...lastByNumber.values()], l.distinctNumbersPerAddress),
    ],
    ['too-many-from-address', countBlock(live(l.perAddress.windowMs).filter((e) => e.address === r.address).map((e) => e.t), l.perAddress)],
    ['too-many-for-callnow-id', countBlock(live(l.perCallnowId.windowMs).filter((e) => e.callnowId === r.callnowId).map((e) => e.t), l.perCallnowId)],
  ];
  const blocking = checks.filter((c): c is [LimitRefusal, number] => c[1] !== null);
  const firstBlock = blocking[0];
  if (!firstBlock) {
    log.push({ ...r, t: now });
    return ALLOWED;
  }
  const until = Math.max(...blocking.map((c) => c[1]));
  return refused(firstBlock[0], Math.max(1, Math.ceil((until - now) / 1000)));
}

const windowLimit = fc.record({ max: fc.integer({ min: 1, max: 4 }), windowMs: fc.integer({ min: 1, max: 20 }).map((m) => m * MINUTE) });
const smallLimits = fc.record({
  perNumber: windowLimit,
  distinctNumbersPerAddress: windowLimit,
  perAddress: windowLimit,
  perCallnowId: windowLimit,
});
const steps = fc.array(
  fc.record({
    // Whole minutes often, so requests land exactly on window boundaries; odd milliseconds too.
    dtMs: fc.oneof(fc.integer({ min: 0, max: 5 }).map((m) => m * MINUTE), fc.integer({ min: 0, max: 3 * MINUTE })),
    address: fc.integer({ min: 0, max: 3 }),
    number: fc.integer({ min: 0, max: 4 }),
    callnowId: fc.integer({ min: 0, max: 1 }),
  }),
  { maxLength: 120 },
);
const keysOf = (s: Step) => ({ address: `a${s.address}`, number: `+6140000000${s.number}`, callnowId: `id${s.callnowId}` });

describe('RequestLimiter: properties', () => {
  it('decides exactly as the plain model, retryAfter included', () => {
    fc.assert(
      fc.property(smallLimits, steps, (l, plan) => {
        const limiter = new RequestLimiter(l);
        const log: { address: string; number: string; callnowId: string; t: number }[] = [];
        let now = T0;
        for (const step of plan) {
          now += step.dtMs;
          const r = keysOf(step);
          expect(limiter.admit(r, now)).toEqual(modelAdmit(log, l, r, now));
        }
      }),
    );
  });

  it('never admits more than max within any window', () => {
    fc.assert(
      fc.property(smallLimits, steps, (l, plan) => {
        const limiter = new RequestLimiter(l);
        const admitted: { address: string; number: string; callnowId: string; t: number }[] = [];
        let now = T0;
        for (const step of plan) {
          now += step.dtMs;
          const r = keysOf(step);
          if (limiter.admit(r, now).allowed) admitted.push({ ...r, t: now });
        }
        // Every window that could hold the most requests ends at an admitted request.
        for (const end of admitted) {
          const within = (windowMs: number) => admitted.filter((e) => e.t <= end.t && end.t - e.t < windowMs);
          expect(within(l.perNumber.windowMs).filter((e) => e.number === end.number).length).toBeLessThanOrEqual(l.perNumber.max);
          expect(within(l.perAddress.windowMs).filter((e) => e.address === end.address).length).toBeLessThanOrEqual(l.perAddress.max);
          expect(within(l.perCallnowId.windowMs).filter((e) => e.callnowId === end.callnowId).length).toBeLessThanOrEqual(l.perCallnowId.max);
          const numbers = new Set(within(l.distinctNumbersPerAddress.windowMs).filter((e) => e.address === end.address).map((e) => e.number));
          expect(numbers.size).toBeLessThanOrEqual(l.distinctNumbersPerAddress.max);
        }
      }),
    );
  });

  it('a refused request is admitted after retryAfterSeconds when nothing else comes in', () => {
    fc.assert(
      fc.property(smallLimits, steps, (l, plan) => {
        const limiter = new RequestLimiter(l);
        let now = T0;
        for (const step of plan) {
          now += step.dtMs;
          const result = limiter.admit(keysOf(step), now);
          if (!result.allowed) {
            // A copy with the same history: probing must not change the limiter under test.
            const probe = new RequestLimiter(l);
            let t = T0;
            for (const s of plan) {
              t += s.dtMs;
              if (s === step) break;
              probe.admit(keysOf(s), t);
            }
            expect(probe.admit(keysOf(step), now + result.retryAfterSeconds * 1000)).toEqual(ALLOWED);
            return;
          }
        }
      }),
    );
  });

  it('stays within the key cap whatever comes in', () => {
    fc.assert(
      fc.property(smallLimits, steps, fc.integer({ min: 3, max: 12 }), (l, plan, maxTrackedKeys) => {
        const limiter = new RequestLimiter(l, { maxTrackedKeys });
        let now = T0;
        for (const step of plan) {
          now += step.dtMs;
          limiter.admit(keysOf(step), now);
          expect(limiter.trackedKeys).toBeLessThanOrEqual(maxTrackedKeys);
        }
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Destinations

describe('DEFAULT_BLOCKED_PREFIXES', () => {
  it('is a valid, frozen list of distinct deny rules', () => {
    expect(Object.isFrozen(DEFAULT_BLOCKED_PREFIXES)).toBe(true);
    for (const rule of DEFAULT_BLOCKED_PREFIXES) {
      expect(() => validateDestinationRule(rule)).not.toThrow();
      expect(rule.action).toBe('deny');
      expect(Object.isFrozen(rule)).toBe(true);
    }
    const prefixes = DEFAULT_BLOCKED_PREFIXES.map((r) => r.prefix);
    expect(new Set(prefixes).size).toBe(prefixes.length);
    expect(prefixes).toEqual(expect.arrayContaining(['1900', '449', '61190', '881', '882', '883']));
  });

  it.each([
    ['+19005551234', false], // US 1-900
    ['+12125551234', true], // New York
    ['+18005551234', true], // US toll-free
    ['+449098790000', false], // UK 0909
    ['+448712345678', true], // UK 0871, a service number, not in the default list
    ['+447012345678', false], // UK 070 personal number
    ['+447700900123', true], // UK mobile
    ['+442071234567', true], // London
    ['+499001234567', false], // DE 0900
    ['+4930123456', true], // Berlin
    ['+33891234567', false], // FR 0891
    ['+33123456789', true], // Paris
    ['+34806123456', false], // ES 806
    ['+34912345678', true], // Madrid
    ['+61190012345', false], // AU 1900
    ['+61412345678', true], // AU mobile
    ['+61212345678', true], // Sydney
    ['+870773112345', false], // Inmarsat
    ['+8816312345678', false], // Iridium
    ['+88216123456', false], // Thuraya
    ['+88310012345', false],
    ['+97912345678', false], // IPRS
    ['+97150123456', true], // UAE mobile: 971 is not 979
  ])('%s allowed: %s', (number, expected) => {
    expect(isDestinationAllowed(number, DEFAULT_BLOCKED_PREFIXES)).toBe(expected);
  });
});

describe('isDestinationAllowed', () => {
  const allow = (prefix: string): DestinationRule => ({ prefix, action: 'allow' });
  const deny = (prefix: string): DestinationRule => ({ prefix, action: 'deny' });

  it('allows when no rule matches', () => {
    expect(isDestinationAllowed('+61412345678', [])).toBe(true);
    expect(isDestinationAllowed('+61412345678', [deny('1900'), allow('44')])).toBe(true);
  });

  it('a longer allow overrides a shorter deny, and a longer deny a shorter allow', () => {
    const rules = [...DEFAULT_BLOCKED_PREFIXES, allow('8816')];
    expect(isDestinationAllowed('+8816312345678', rules)).toBe(true); // Iridium allowed
    expect(isDestinationAllowed('+8818123456', rules)).toBe(false); // Globalstar still blocked
    const allowList = [deny(''), allow('61'), deny('61190'), allow('611900')];
    expect(isDestinationAllowed('+61412345678', allowList)).toBe(true);
    expect(isDestinationAllowed('+6119011234', allowList)).toBe(false);
    expect(isDestinationAllowed('+61190012345', allowList)).toBe(true);
    expect(isDestinationAllowed('+12125551234', allowList)).toBe(false);
  });

  it('an empty prefix matches every number', () => {
    expect(isDestinationAllowed('+12125551234', [deny('')])).toBe(false);
    expect(isDestinationAllowed('+12125551234', [deny(''), allow('')])).toBe(false); // a tie: deny wins
  });

  it('a rule can match the whole number', () => {
    expect(isDestinationAllowed('+61412345678', [deny('61'), allow('61412345678')])).toBe(true);
    expect(isDestinationAllowed('+61412345678', [deny('614123456789')])).toBe(true); // longer than the number
  });

  it('deny wins a tie in either order', () => {
    expect(isDestinationAllowed('+19005551234', [allow('1900'), deny('1900')])).toBe(false);
    expect(isDestinationAllowed('+19005551234', [deny('1900'), allow('1900')])).toBe(false);
  });

  it('does not depend on the order of the rules', () => {
    const prefix = fc.stringMatching(/^[1-9]\d{0,3}$/);
    const rule = fc.record({ prefix: fc.oneof(prefix, fc.constant('')), action: fc.constantFrom<'allow' | 'deny'>('allow', 'deny') });
    fc.assert(
      fc.property(fc.array(rule, { maxLength: 12 }), fc.stringMatching(/^[1-9]\d{3,12}$/), fc.nat(), (rules, digits, seed) => {
        const shuffled = [...rules].sort((a, b) => ((a.prefix.length * 31 + seed) % 7) - ((b.prefix.length * 17 + seed) % 5));
        expect(isDestinationAllowed(`+${digits}`, shuffled)).toBe(isDestinationAllowed(`+${digits}`, [...rules].reverse()));
        // And it agrees with the definition: the longest matching prefix decides, deny on a tie.
        const matching = rules.filter((r) => digits.startsWith(r.prefix));
        const longest = Math.max(-1, ...matching.map((r) => r.prefix.length));
        const deciding = matching.filter((r) => r.prefix.length === longest);
        expect(isDestinationAllowed(`+${digits}`, rules)).toBe(!deciding.some((r) => r.action === 'deny'));
      }),
    );
  });

  it('refuses a number that is not E.164', () => {
    for (const number of ['19005551234', '', '+', '+0123', '+1 900 555 1234', '+1234567890123456']) {
      expect(domainError(() => isDestinationAllowed(number, DEFAULT_BLOCKED_PREFIXES)).code).toBe('invalid_phone_number');
    }
  });

  it.each([
    [{ prefix: '+1900', action: 'deny' }, /digits only \(E\.164 without '\+', e\.g\. 1900\)/],
    [{ prefix: '1 900', action: 'deny' }, /digits only/],
    [{ prefix: 1900, action: 'deny' }, /digits only/],
    [{ prefix: '1'.repeat(16), action: 'deny' }, /more than 15 digits/],
    [{ prefix: '1900', action: 'block' }, /"allow" or "deny", got "block"/],
  ])('refuses the rule %j', (rule, message) => {
    const error = domainError(() => isDestinationAllowed('+12125551234', [rule as unknown as DestinationRule]));
    expect(error.code).toBe('invalid_destination_rule');
    expect(error.message).toMatch(message);
  });
});

describe('clientAddressKey', () => {
  it('keeps IPv4 as it is, unwraps IPv4-mapped IPv6, and keys IPv6 by its /64', () => {
    expect(clientAddressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('2001:db8:85a3:0001:0000:8a2e:0370:7334')).toBe('2001:db8:85a3:1::/64');
    expect(clientAddressKey('2001:db8:85a3:1::7334')).toBe('2001:db8:85a3:1::/64');
    expect(clientAddressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientAddressKey('::1')).toBe('0:0:0:0::/64');
    expect(clientAddressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});
