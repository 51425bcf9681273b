import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  DigitCollector,
  DtmfReceiver,
  buildDtmfPackets,
  collectDigits,
  digitToEvent,
  eventToDigit,
  parseDtmfInfo,
  parseTelephoneEvent,
  writeTelephoneEvent,
  type CollectorTimers,
  type DtmfDigitEvent,
} from '../../src/media/dtmf.js';

function payload(event: number, end: boolean, duration: number, volume = 10): Buffer {
  const b = Buffer.alloc(4);
  writeTelephoneEvent(b, 0, event, end, volume, duration);
  return b;
}

describe('telephone-event payload (RFC 4733 §2.3)', () => {
  it('maps event codes to digits and back', () => {
    expect([...Array(16).keys()].map(eventToDigit).join('')).toBe('0123456789*#ABCD');
    expect(eventToDigit(16)).toBeNull();
    expect(eventToDigit(-1)).toBeNull();
    expect(digitToEvent('#')).toBe(11);
    expect(digitToEvent('d')).toBe(15);
    expect(digitToEvent('E')).toBe(-1);
    expect(digitToEvent('12')).toBe(-1);
  });

  it('parses event, end bit, volume and duration', () => {
    expect(parseTelephoneEvent(Buffer.from('0b8a0320', 'hex'), 0, 4)).toEqual({
      event: 11,
      digit: '#',
      end: true,
      volume: 10,
      duration: 800,
    });
    // R bit set is ignored; non-DTMF events parse with digit null.
    expect(parseTelephoneEvent(Buffer.from('ff7f0000', 'hex'), 0, 4)).toEqual({
      event: 255,
      digit: null,
      end: false,
      volume: 63,
      duration: 0,
    });
    expect(parseTelephoneEvent(Buffer.from('05', 'hex'), 0, 1)).toBeNull();
    expect(parseTelephoneEvent(Buffer.from('0000000005', 'hex'), 2, 4)).toBeNull();
  });

  it('writes the payload bytes', () => {
    expect(payload(5, true, 0x1234, 63).toString('hex')).toBe('05bf1234');
  });
});

describe('buildDtmfPackets (RFC 4733 §2.5.1)', () => {
  it('sends start with marker, 20 ms updates on one timestamp, then three end packets', () => {
    const pkts = buildDtmfPackets('7', { durationMs: 100, timestamp: 12345 });
    expect(pkts.map((p) => [p.marker, p.end, parseTelephoneEvent(p.payload, 0, 4)?.duration, p.sendAtMs])).toEqual([
      [true, false, 160, 0],
      [false, false, 320, 20],
      [false, false, 480, 40],
      [false, false, 640, 60],
      [false, true, 800, 80],
      [false, true, 800, 80],
      [false, true, 800, 80],
    ]);
    for (const p of pkts) {
      expect(p.timestamp).toBe(12345);
      expect(parseTelephoneEvent(p.payload, 0, 4)).toMatchObject({ event: 7, digit: '7', volume: 10 });
    }
  });

  it('handles short tones, other clock rates and lowercase letters', () => {
    const short = buildDtmfPackets('a', { durationMs: 20 });
    expect(short.map((p) => [p.marker, p.end])).toEqual([
      [true, true],
      [false, true],
      [false, true],
    ]);
    expect(parseTelephoneEvent(short[0]!.payload, 0, 4)?.digit).toBe('A');
    const wide = buildDtmfPackets('1', { durationMs: 60, clockRate: 16000 });
    expect(wide.map((p) => parseTelephoneEvent(p.payload, 0, 4)?.duration)).toEqual([320, 640, 960, 960, 960]);
  });

  it('refuses bad input', () => {
    expect(() => buildDtmfPackets('x')).toThrow(RangeError);
    expect(() => buildDtmfPackets('1', { durationMs: 0 })).toThrow(RangeError);
    expect(() => buildDtmfPackets('1', { durationMs: 9000 })).toThrow(RangeError);
    expect(() => buildDtmfPackets('1', { endPackets: 0 })).toThrow(RangeError);
  });

  it('feeding the built packets to a DtmfReceiver yields the digit once', () => {
    const got: string[] = [];
    const rx = new DtmfReceiver((d) => got.push(d.digit));
    for (const digit of '159#') {
      for (const p of buildDtmfPackets(digit, { timestamp: digitToEvent(digit) * 1000 + 8000 })) {
        rx.feed(p.timestamp, p.marker, p.payload);
      }
    }
    expect(got.join('')).toBe('159#');
  });
});

describe('DtmfReceiver', () => {
  let got: DtmfDigitEvent[];
  let rx: DtmfReceiver;
  beforeEach(() => {
    got = [];
    rx = new DtmfReceiver((d) => got.push(d));
  });

  it('reports at the first end packet and ignores the retransmissions', () => {
    rx.feed(1000, true, payload(3, false, 160));
    rx.feed(1000, false, payload(3, false, 320));
    expect(got).toEqual([]);
    rx.feed(1000, false, payload(3, true, 480));
    expect(got).toEqual([{ digit: '3', duration: 480, timestamp: 1000 }]);
    rx.feed(1000, false, payload(3, true, 480));
    rx.feed(1000, false, payload(3, true, 480));
    expect(got).toHaveLength(1);
  });

  it('counts a long press (many updates, one timestamp) once', () => {
    rx.feed(5000, true, payload(0, false, 160));
    for (let d = 320; d < 16000; d += 160) rx.feed(5000, false, payload(0, false, d));
    rx.feed(5000, false, payload(0, true, 16000));
    rx.feed(5000, false, payload(0, true, 16000));
    expect(got.map((g) => g.digit)).toEqual(['0']);
    expect(got[0]?.duration).toBe(16000);
  });

  it('reports a digit whose start packets were lost', () => {
    rx.feed(2000, false, payload(11, true, 800));
    rx.feed(2000, false, payload(11, true, 800));
    expect(got.map((g) => g.digit)).toEqual(['#']);
  });

  it('reports a digit whose end packets were lost when the next event starts', () => {
    rx.feed(1000, true, payload(1, false, 160));
    rx.feed(1000, false, payload(1, false, 320));
    rx.feed(3000, true, payload(2, false, 160));
    expect(got.map((g) => g.digit)).toEqual(['1']);
    rx.feed(3000, false, payload(2, true, 480));
    expect(got.map((g) => g.digit)).toEqual(['1', '2']);
  });

  it('the same digit pressed twice is two digits (different timestamps)', () => {
    rx.feed(1000, true, payload(4, true, 800));
    rx.feed(3000, true, payload(4, true, 800));
    expect(got.map((g) => g.digit)).toEqual(['4', '4']);
  });

  it('lost end followed by a lost start: both digits reported, in order', () => {
    rx.feed(1000, true, payload(6, false, 160));
    rx.feed(3000, false, payload(9, true, 800));
    expect(got.map((g) => g.digit)).toEqual(['6', '9']);
  });

  it('ignores stragglers of an earlier event and non-DTMF events', () => {
    rx.feed(3000, true, payload(8, true, 800));
    rx.feed(1000, false, payload(7, true, 800)); // older timestamp: reordered straggler
    rx.feed(4000, true, payload(32, true, 800)); // event 32 is not DTMF
    rx.feed(4000, true, Buffer.from([1, 2])); // too short
    expect(got.map((g) => g.digit)).toEqual(['8']);
  });

  it('handles the RTP timestamp wrapping between events', () => {
    rx.feed(0xffffff00, true, payload(1, true, 800));
    rx.feed(0x00000100, true, payload(2, true, 800));
    expect(got.map((g) => g.digit)).toEqual(['1', '2']);
  });

  it('treats a §2.5.1.3 continuation segment as the same digit', () => {
    rx.feed(10000, true, payload(5, false, 0xffff));
    rx.feed(10000 + 0xffff, false, payload(5, false, 1000));
    rx.feed(10000 + 0xffff, false, payload(5, true, 2000));
    expect(got.map((g) => g.digit)).toEqual(['5']);
  });

  it('flush reports a pending digit once; reset forgets it', () => {
    rx.feed(1000, true, payload(12, false, 160));
    rx.flush();
    rx.flush();
    rx.feed(1000, false, payload(12, true, 800)); // late end of the flushed digit
    expect(got.map((g) => g.digit)).toEqual(['A']);
    rx.feed(2000, true, payload(13, false, 160));
    rx.reset();
    rx.flush();
    expect(got.map((g) => g.digit)).toEqual(['A']);
  });

  it('reads the payload at an offset inside a packet buffer', () => {
    const pkt = Buffer.concat([Buffer.alloc(12), payload(10, true, 400)]);
    rx.feed(1, true, pkt, 12, 4);
    expect(got.map((g) => g.digit)).toEqual(['*']);
  });
});

describe('parseDtmfInfo', () => {
  it('reads application/dtmf-relay', () => {
    expect(parseDtmfInfo('application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n')).toBe('5');
    expect(parseDtmfInfo('Application/DTMF-Relay; charset=utf-8', 'signal = #\nduration= 250')).toBe('#');
    expect(parseDtmfInfo('application/dtmf-relay', '  SIGNAL=*  ')).toBe('*');
    expect(parseDtmfInfo('application/dtmf-relay', 'Signal=b\r\nDuration=100')).toBe('B');
    expect(parseDtmfInfo('application/dtmf-relay', 'Signal=11\r\nDuration=100')).toBe('#');
    expect(parseDtmfInfo('application/dtmf-relay', '\r\nSignal=1\r\n\r\n')).toBe('1');
  });

  it('reads application/dtmf', () => {
    expect(parseDtmfInfo('application/dtmf', '5')).toBe('5');
    expect(parseDtmfInfo('APPLICATION/DTMF', ' # \r\n')).toBe('#');
    expect(parseDtmfInfo('application/dtmf', '10')).toBe('*');
  });

  it('refuses junk', () => {
    expect(parseDtmfInfo('application/dtmf-relay', '')).toBeNull();
    expect(parseDtmfInfo('application/dtmf-relay', 'Duration=160')).toBeNull();
    expect(parseDtmfInfo('application/dtmf-relay', 'Signal=\r\nDuration=160')).toBeNull();
    expect(parseDtmfInfo('application/dtmf-relay', 'Signal=X')).toBeNull();
    expect(parseDtmfInfo('application/dtmf-relay', 'Signal=55')).toBeNull();
    expect(parseDtmfInfo('application/dtmf-relay', 'Signal=1\r\nDuration=abc')).toBeNull();
    expect(parseDtmfInfo('application/dtmf-relay', 'Signal=1\r\nSignal=2')).toBeNull();
    expect(parseDtmfInfo('application/dtmf-relay', 'hello\r\nSignal=1')).toBeNull();
    expect(parseDtmfInfo('application/dtmf', '')).toBeNull();
    expect(parseDtmfInfo('application/dtmf', '12 3')).toBeNull();
    expect(parseDtmfInfo('application/dtmf', 'Signal=1')).toBeNull();
    expect(parseDtmfInfo('text/plain', '5')).toBeNull();
    expect(parseDtmfInfo('application/sdp', 'Signal=5')).toBeNull();
  });
});

describe('DigitCollector', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('stops at max length', async () => {
    const c = new DigitCollector({ maxLength: 3, interDigitTimeoutMs: 5000, timeoutMs: 30000 });
    expect(c.push('1')).toBe(true);
    c.push('2');
    c.push('3');
    expect(c.push('4')).toBe(false);
    await expect(c.result).resolves.toEqual({ digits: '123', reason: 'max-length' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops at the terminator, which is not included', async () => {
    const c = new DigitCollector({ maxLength: 10 });
    for (const d of '42#9') c.push(d);
    await expect(c.result).resolves.toEqual({ digits: '42', reason: 'terminator' });
  });

  it('an empty terminator disables it, and custom terminators work', async () => {
    const a = new DigitCollector({ maxLength: 2, terminator: '' });
    a.push('#');
    a.push('1');
    await expect(a.result).resolves.toEqual({ digits: '#1', reason: 'max-length' });
    const b = new DigitCollector({ maxLength: 5, terminator: '*' });
    b.push('1');
    b.push('*');
    await expect(b.result).resolves.toEqual({ digits: '1', reason: 'terminator' });
  });

  it('ignores invalid digits and upper-cases letters', async () => {
    const c = new DigitCollector({ maxLength: 2 });
    expect(c.push('x')).toBe(false);
    expect(c.push('')).toBe(false);
    c.push('a');
    c.push('d');
    await expect(c.result).resolves.toEqual({ digits: 'AD', reason: 'max-length' });
  });

  it('inter-digit timeout restarts with every digit', async () => {
    const c = new DigitCollector({ maxLength: 10, interDigitTimeoutMs: 3000, timeoutMs: 60000 });
    vi.advanceTimersByTime(10000); // waiting for the first digit: only the overall timeout runs
    c.push('1');
    vi.advanceTimersByTime(2999);
    c.push('2');
    vi.advanceTimersByTime(2999);
    let settled = false;
    void c.result.then(() => {
      settled = true;
    });
    await Promise.resolve();
    expect(settled).toBe(false);
    vi.advanceTimersByTime(1);
    await expect(c.result).resolves.toEqual({ digits: '12', reason: 'inter-digit-timeout' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('overall timeout caps the collection even while digits keep coming', async () => {
    const c = new DigitCollector({ maxLength: 100, interDigitTimeoutMs: 3000, timeoutMs: 10000 });
    for (let i = 0; i < 6; i++) {
      c.push(String(i));
      vi.advanceTimersByTime(2000);
    }
    await expect(c.result).resolves.toEqual({ digits: '01234', reason: 'timeout' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('times out with no digits', async () => {
    const c = new DigitCollector({ maxLength: 4, timeoutMs: 5000 });
    vi.advanceTimersByTime(5000);
    await expect(c.result).resolves.toEqual({ digits: '', reason: 'timeout' });
  });

  it('abort resolves with the digits so far and clears timers', async () => {
    const ac = new AbortController();
    const c = new DigitCollector({ maxLength: 4, interDigitTimeoutMs: 3000, timeoutMs: 5000, signal: ac.signal });
    c.push('7');
    ac.abort();
    await expect(c.result).resolves.toEqual({ digits: '7', reason: 'aborted' });
    expect(vi.getTimerCount()).toBe(0);
    expect(c.push('8')).toBe(false);
  });

  it('an already-aborted signal resolves immediately', async () => {
    const c = new DigitCollector({ maxLength: 4, timeoutMs: 5000, signal: AbortSignal.abort() });
    await expect(c.result).resolves.toEqual({ digits: '', reason: 'aborted' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('works with injected timers and rejects a bad maxLength', async () => {
    const pending = new Map<number, () => void>();
    let next = 0;
    const timers: CollectorTimers = {
      setTimeout: (fn) => {
        pending.set(++next, fn);
        return next;
      },
      clearTimeout: (h) => {
        pending.delete(h as number);
      },
    };
    const c = new DigitCollector({ maxLength: 4, interDigitTimeoutMs: 1, timeoutMs: 2, timers });
    expect(pending.size).toBe(1);
    c.push('3');
    expect(pending.size).toBe(2);
    pending.get(2)?.();
    await expect(c.result).resolves.toEqual({ digits: '3', reason: 'inter-digit-timeout' });
    expect(pending.size).toBe(0);
    expect(() => new DigitCollector({ maxLength: 0 })).toThrow(RangeError);
  });

  it('collectDigits subscribes and unsubscribes', async () => {
    let listener: ((d: string) => void) | null = null;
    const unsubscribe = vi.fn(() => {
      listener = null;
    });
    const p = collectDigits(
      (fn) => {
        listener = fn;
        return unsubscribe;
      },
      { maxLength: 2 },
    );
    listener!('9');
    listener!('8');
    await expect(p).resolves.toEqual({ digits: '98', reason: 'max-length' });
    expect(unsubscribe).toHaveBeenCalledTimes(1);
  });
});
