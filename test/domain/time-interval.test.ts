import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatClock,
  isOpenAt,
  isTimeZone,
  nextClosing,
  nextOpening,
  parseClock,
  validateTimeInterval,
  type DateException,
  type TimeInterval,
  type Weekday,
  type WeeklySlot,
} from '../../src/domain/time-interval.js';
import { domainError } from '../helpers/domain-error.js';


const at = (iso: string): Date => new Date(iso);
const iso = (date: Date | null): string | null => date?.toISOString() ?? null;
const MINUTE = 60_000;
const DAY = 86_400_000;

const WEEKDAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri'];
const ALL_DAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

function interval(timezone: string, weekly: WeeklySlot[], exceptions: DateException[] = []): TimeInterval {
  return { timezone, weekly, exceptions };
}

const slot = (days: Weekday[], from: string, to: string): WeeklySlot => ({
  days,
  fromMinute: parseClock(from),
  toMinute: parseClock(to),
});

const officeHours = (timezone: string, exceptions: DateException[] = []): TimeInterval =>
  interval(timezone, [slot(WEEKDAYS, '09:00', '17:00')], exceptions);

describe('parseClock / formatClock', () => {
  it.each([
    ['00:00', 0],
    ['00:01', 1],
    ['09:00', 540],
    ['12:30', 750],
    ['23:59', 1439],
    ['24:00', 1440],
  ])('%s <-> %i', (text, minute) => {
    expect(parseClock(text)).toBe(minute);
    expect(formatClock(minute)).toBe(text);
  });

  it.each(['9:5', '9:00', '09:5', '25:00', '24:01', '24:30', '12:60', '99:99', 'junk', '', ' 09:00', '09:00 ', '09:00:00', '0900', '09.00', '-1:00', '٠٩:٠٠', '09:0O'])(
    'refuses %j',
    (text) => {
      const error = domainError(() => parseClock(text));
      expect(error.code).toBe('invalid_time');
      expect(error.message.length).toBeGreaterThan(0);
    },
  );

  it('says what is wrong', () => {
    expect(domainError(() => parseClock('25:00')).message).toMatch(/hour must be 00 to 23/);
    expect(domainError(() => parseClock('12:60')).message).toMatch(/minutes must be 00 to 59/);
    expect(domainError(() => parseClock('9:5')).message).toMatch(/HH:MM/);
  });

  it('refuses non-strings from untyped callers', () => {
    expect(domainError(() => parseClock(540 as unknown as string)).code).toBe('invalid_time');
  });

  it.each([-1, 1441, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('formatClock refuses %d', (minute) => {
    expect(domainError(() => formatClock(minute)).code).toBe('invalid_time');
  });

  it('round-trips every minute of the day', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1440 }), (minute) => {
        expect(parseClock(formatClock(minute))).toBe(minute);
      }),
    );
  });
});

describe('isTimeZone', () => {
  it.each([
    'UTC',
    'Etc/UTC',
    'Australia/Sydney',
    'Australia/Adelaide',
    'Asia/Kathmandu',
    'Europe/Berlin',
    'America/New_York',
    'America/Argentina/Buenos_Aires',
    'America/Port-au-Prince',
    'Etc/GMT+5',
  ])('accepts %s', (tz) => {
    expect(isTimeZone(tz)).toBe(true);
  });

  it.each(['', 'Mars/Base', 'Australia/Sydney ', ' UTC', '+05:00', 'GMT+5', 'Australia//Sydney', 'x'.repeat(100), '../etc/passwd'])(
    'refuses %j',
    (tz) => {
      expect(isTimeZone(tz)).toBe(false);
    },
  );

  it('refuses non-strings', () => {
    expect(isTimeZone(undefined as unknown as string)).toBe(false);
    expect(isTimeZone(10 as unknown as string)).toBe(false);
  });
});

describe('validateTimeInterval', () => {
  const valid = (): TimeInterval =>
    interval(
      'Australia/Sydney',
      [slot(WEEKDAYS, '09:00', '17:00'), slot(['fri'], '22:00', '06:00'), slot(['sat'], '10:00', '24:00')],
      [
        { date: '2026-12-25', closed: true },
        { date: '2026-12-24', closed: false, fromMinute: 540, toMinute: 720 },
        { date: '2024-02-29', closed: false, fromMinute: 1320, toMinute: 120 },
      ],
    );

  it('accepts a valid interval, with overnight slots and no slots at all', () => {
    expect(() => validateTimeInterval(valid())).not.toThrow();
    expect(() => validateTimeInterval(interval('UTC', []))).not.toThrow();
    expect(() => validateTimeInterval(interval('UTC', [{ days: ['sun'], fromMinute: 1320, toMinute: 0 }]))).not.toThrow();
  });

  function problem(change: (ti: TimeInterval) => void): string {
    const ti = valid();
    change(ti);
    const error = domainError(() => validateTimeInterval(ti));
    expect(error.code).toBe('invalid_time_interval');
    return error.message;
  }

  it.each<[string, (ti: TimeInterval) => void, RegExp]>([
    ['bad zone', (ti) => void (ti.timezone = 'Mars/Base'), /"Mars\/Base" is not a known IANA time zone/],
    ['offset instead of zone', (ti) => void (ti.timezone = '+10:00'), /not a known IANA time zone/],
    ['empty days', (ti) => void (ti.weekly[1] = { days: [], fromMinute: 0, toMinute: 60 }), /weekly\[1\]: days is empty/],
    ['unknown day', (ti) => void (ti.weekly[0] = { days: ['mon', 'funday' as Weekday], fromMinute: 0, toMinute: 60 }), /weekly\[0\]: "funday" is not a weekday/],
    ['duplicate day', (ti) => void (ti.weekly[0] = { days: ['mon', 'mon'], fromMinute: 0, toMinute: 60 }), /mon is listed twice/],
    ['from == to', (ti) => void (ti.weekly[0] = { days: ['mon'], fromMinute: 540, toMinute: 540 }), /weekly\[0\]: starts and ends at 09:00/],
    ['from < 0', (ti) => void (ti.weekly[0] = { days: ['mon'], fromMinute: -1, toMinute: 540 }), /fromMinute must be a whole number from 0 to 1439, got "-1"/],
    ['from = 1440', (ti) => void (ti.weekly[0] = { days: ['mon'], fromMinute: 1440, toMinute: 60 }), /fromMinute must be/],
    ['to > 1440', (ti) => void (ti.weekly[0] = { days: ['mon'], fromMinute: 0, toMinute: 1441 }), /toMinute must be a whole number from 0 to 1440/],
    ['fractional minute', (ti) => void (ti.weekly[0] = { days: ['mon'], fromMinute: 0.5, toMinute: 60 }), /fromMinute must be a whole number/],
    ['NaN minute', (ti) => void (ti.weekly[0] = { days: ['mon'], fromMinute: 0, toMinute: Number.NaN }), /toMinute must be/],
    ['impossible date', (ti) => void (ti.exceptions[0] = { date: '2026-02-30', closed: true }), /exceptions\[0\]: "2026-02-30" is not a calendar date/],
    ['not a leap year', (ti) => void (ti.exceptions[0] = { date: '2026-02-29', closed: true }), /"2026-02-29" is not a calendar date/],
    ['month 13', (ti) => void (ti.exceptions[0] = { date: '2026-13-01', closed: true }), /is not a calendar date/],
    ['loose format', (ti) => void (ti.exceptions[0] = { date: '2026-1-5', closed: true }), /is not a calendar date in YYYY-MM-DD form/],
    ['timestamp', (ti) => void (ti.exceptions[0] = { date: '2026-12-25T00:00:00Z', closed: true }), /is not a calendar date/],
    ['duplicate date', (ti) => void ti.exceptions.push({ date: '2026-12-25', closed: false, fromMinute: 0, toMinute: 60 }), /exceptions\[3\]: 2026-12-25 has more than one exception/],
    ['open without hours', (ti) => void (ti.exceptions[0] = { date: '2026-12-25', closed: false }), /needs fromMinute and toMinute/],
    ['closed with hours', (ti) => void (ti.exceptions[0] = { date: '2026-12-25', closed: true, fromMinute: 0, toMinute: 60 }), /a closed day cannot have hours/],
    ['exception from == to', (ti) => void (ti.exceptions[0] = { date: '2026-12-25', closed: false, fromMinute: 60, toMinute: 60 }), /exceptions\[0\] \(2026-12-25\): starts and ends at 01:00/],
    ['closed not boolean', (ti) => void (ti.exceptions[0] = { date: '2026-12-25', closed: 'yes' as unknown as boolean }), /closed must be true or false/],
    ['weekly not a list', (ti) => void (ti.weekly = null as unknown as WeeklySlot[]), /weekly must be a list/],
    ['exceptions not a list', (ti) => void (ti.exceptions = {} as unknown as DateException[]), /exceptions must be a list/],
  ])('refuses %s', (_name, change, message) => {
    expect(problem(change)).toMatch(message);
  });

  it('every evaluation validates first', () => {
    const bad = interval('Nowhere/City', []);
    expect(domainError(() => isOpenAt(bad, new Date())).code).toBe('invalid_time_interval');
    expect(domainError(() => nextOpening(bad, new Date())).code).toBe('invalid_time_interval');
    expect(domainError(() => nextClosing(bad, new Date())).code).toBe('invalid_time_interval');
  });

  it('refuses an invalid instant', () => {
    expect(domainError(() => isOpenAt(officeHours('UTC'), new Date(Number.NaN))).code).toBe('invalid_time');
  });
});

describe('isOpenAt: weekly hours', () => {
  const sydney = officeHours('Australia/Sydney');

  // 2026-06-01 is a Monday; June is AEST (+10:00).
  it.each([
    ['2026-06-01T08:59:59.999+10:00', false],
    ['2026-06-01T09:00:00+10:00', true], // from is inclusive
    ['2026-06-01T12:00:00+10:00', true],
    ['2026-06-01T16:59:59.999+10:00', true],
    ['2026-06-01T17:00:00+10:00', false], // to is exclusive
    ['2026-06-05T12:00:00+10:00', true], // Friday
    ['2026-06-06T12:00:00+10:00', false], // Saturday
    ['2026-06-07T12:00:00+10:00', false], // Sunday
    ['2026-06-01T02:00:00Z', true], // 12:00 local: the zone matters, not UTC
    ['2026-05-31T23:30:00Z', true], // Monday 09:30 local while still Sunday in UTC
    ['2026-06-05T07:30:00Z', false], // Friday 17:30 local while Friday 07:30 UTC
  ])('Sydney office hours at %s: %s', (when, open) => {
    expect(isOpenAt(sydney, at(when))).toBe(open);
  });

  it('UTC', () => {
    const utc = officeHours('UTC');
    expect(isOpenAt(utc, at('2026-06-01T09:00:00Z'))).toBe(true);
    expect(isOpenAt(utc, at('2026-06-01T08:59:00Z'))).toBe(false);
    expect(isOpenAt(utc, at('2026-06-01T17:00:00Z'))).toBe(false);
  });

  it('Asia/Kathmandu (+05:45)', () => {
    const ktm = officeHours('Asia/Kathmandu');
    expect(isOpenAt(ktm, at('2026-06-01T03:15:00Z'))).toBe(true); // 09:00 local
    expect(isOpenAt(ktm, at('2026-06-01T03:14:59Z'))).toBe(false);
    expect(isOpenAt(ktm, at('2026-06-01T11:14:59Z'))).toBe(true); // 16:59:59 local
    expect(isOpenAt(ktm, at('2026-06-01T11:15:00Z'))).toBe(false);
  });

  it('Australia/Adelaide (+09:30 / +10:30)', () => {
    const adl = officeHours('Australia/Adelaide');
    expect(isOpenAt(adl, at('2026-05-31T23:30:00Z'))).toBe(true); // Mon 09:00 ACST
    expect(isOpenAt(adl, at('2026-05-31T23:29:00Z'))).toBe(false);
    expect(isOpenAt(adl, at('2026-11-30T22:30:00Z'))).toBe(true); // Mon 09:00 ACDT
    expect(isOpenAt(adl, at('2026-11-30T22:29:00Z'))).toBe(false);
  });

  it('a full day: 00:00-24:00', () => {
    const ti = interval('Europe/Berlin', [slot(['wed'], '00:00', '24:00')]);
    expect(isOpenAt(ti, at('2026-06-03T00:00:00+02:00'))).toBe(true);
    expect(isOpenAt(ti, at('2026-06-03T23:59:59.999+02:00'))).toBe(true);
    expect(isOpenAt(ti, at('2026-06-02T23:59:59.999+02:00'))).toBe(false);
    expect(isOpenAt(ti, at('2026-06-04T00:00:00+02:00'))).toBe(false);
  });

  it('overlapping slots combine', () => {
    const ti = interval('UTC', [slot(['mon'], '09:00', '12:00'), slot(['mon'], '11:00', '14:00')]);
    expect(isOpenAt(ti, at('2026-06-01T11:30:00Z'))).toBe(true);
    expect(isOpenAt(ti, at('2026-06-01T13:59:00Z'))).toBe(true);
    expect(isOpenAt(ti, at('2026-06-01T14:00:00Z'))).toBe(false);
  });

  it('no slots: never open', () => {
    expect(isOpenAt(interval('UTC', []), at('2026-06-01T12:00:00Z'))).toBe(false);
  });
});

describe('overnight slots', () => {
  // Friday 22:00 to Saturday 06:00, Sydney (AEST in June). 2026-06-12 is a Friday.
  const late = interval('Australia/Sydney', [slot(['fri'], '22:00', '06:00'), slot(['sat'], '10:00', '12:00')]);

  it.each([
    ['2026-06-12T21:59:00+10:00', false],
    ['2026-06-12T22:00:00+10:00', true],
    ['2026-06-12T23:59:59+10:00', true],
    ['2026-06-13T00:00:00+10:00', true],
    ['2026-06-13T05:59:59+10:00', true],
    ['2026-06-13T06:00:00+10:00', false],
    ['2026-06-11T23:00:00+10:00', false], // Thursday night: not a slot day
    ['2026-06-12T03:00:00+10:00', false], // Friday early morning: the tail belongs to Saturday
    ['2026-06-14T03:00:00+10:00', false], // Sunday early morning
  ])('%s: %s', (when, open) => {
    expect(isOpenAt(late, at(when))).toBe(open);
  });

  it('a slot ending at 00:00 runs to midnight', () => {
    const ti = interval('UTC', [{ days: ['mon'], fromMinute: 1320, toMinute: 0 }]);
    expect(isOpenAt(ti, at('2026-06-01T23:59:00Z'))).toBe(true);
    expect(isOpenAt(ti, at('2026-06-02T00:00:00Z'))).toBe(false);
  });

  it('Sunday night runs into Monday (week wrap-around)', () => {
    const ti = interval('UTC', [slot(['sun'], '20:00', '02:00')]);
    expect(isOpenAt(ti, at('2026-06-08T01:00:00Z'))).toBe(true); // Monday 01:00
    expect(isOpenAt(ti, at('2026-06-08T02:00:00Z'))).toBe(false);
    expect(iso(nextOpening(ti, at('2026-06-08T02:00:00Z')))).toBe('2026-06-14T20:00:00.000Z');
    expect(iso(nextClosing(ti, at('2026-06-07T21:00:00Z')))).toBe('2026-06-08T02:00:00.000Z');
  });

  it('an overnight slot next to the next day slot closes only when both are over', () => {
    const ti = interval('UTC', [slot(['mon'], '18:00', '02:00'), slot(['tue'], '01:00', '03:00')]);
    expect(iso(nextClosing(ti, at('2026-06-01T19:00:00Z')))).toBe('2026-06-02T03:00:00.000Z');
  });
});

describe('exceptions', () => {
  // 2026-06-08 is a Monday.
  it('a closed exception closes that date', () => {
    const ti = officeHours('Australia/Sydney', [{ date: '2026-06-08', closed: true }]);
    expect(isOpenAt(ti, at('2026-06-08T12:00:00+10:00'))).toBe(false);
    expect(isOpenAt(ti, at('2026-06-09T12:00:00+10:00'))).toBe(true);
    expect(isOpenAt(ti, at('2026-06-05T12:00:00+10:00'))).toBe(true);
  });

  it('an open exception replaces that date hours', () => {
    const ti = officeHours('Australia/Sydney', [{ date: '2026-06-08', closed: false, fromMinute: 600, toMinute: 720 }]);
    expect(isOpenAt(ti, at('2026-06-08T09:30:00+10:00'))).toBe(false);
    expect(isOpenAt(ti, at('2026-06-08T10:00:00+10:00'))).toBe(true);
    expect(isOpenAt(ti, at('2026-06-08T12:00:00+10:00'))).toBe(false);
    expect(isOpenAt(ti, at('2026-06-08T16:00:00+10:00'))).toBe(false);
  });

  it('an open exception can open a day without weekly hours', () => {
    const ti = officeHours('Australia/Sydney', [{ date: '2026-06-13', closed: false, fromMinute: 600, toMinute: 720 }]);
    expect(isOpenAt(ti, at('2026-06-13T11:00:00+10:00'))).toBe(true); // a Saturday
  });

  it('the overnight tail of the previous day stays open on a closed date', () => {
    // Friday 22:00-06:00 and Saturday 10:00-12:00; Saturday 2026-06-13 closed.
    const ti = interval(
      'Australia/Sydney',
      [slot(['fri'], '22:00', '06:00'), slot(['sat'], '10:00', '12:00')],
      [{ date: '2026-06-13', closed: true }],
    );
    expect(isOpenAt(ti, at('2026-06-12T23:00:00+10:00'))).toBe(true);
    expect(isOpenAt(ti, at('2026-06-13T03:00:00+10:00'))).toBe(true); // Friday's tail
    expect(isOpenAt(ti, at('2026-06-13T11:00:00+10:00'))).toBe(false); // Saturday's own hours
    expect(iso(nextClosing(ti, at('2026-06-13T03:00:00+10:00')))).toBe(iso(at('2026-06-13T06:00:00+10:00')));
  });

  it('a closed exception on the start date removes the whole overnight opening', () => {
    const ti = interval('Australia/Sydney', [slot(['fri'], '22:00', '06:00')], [{ date: '2026-06-12', closed: true }]);
    expect(isOpenAt(ti, at('2026-06-12T23:00:00+10:00'))).toBe(false);
    expect(isOpenAt(ti, at('2026-06-13T03:00:00+10:00'))).toBe(false);
  });

  it('an exception can run past midnight, like a weekly slot', () => {
    const ti = interval('Europe/Berlin', [], [{ date: '2026-12-31', closed: false, fromMinute: 1200, toMinute: 120 }]);
    expect(isOpenAt(ti, at('2026-12-31T19:59:00+01:00'))).toBe(false);
    expect(isOpenAt(ti, at('2026-12-31T20:00:00+01:00'))).toBe(true);
    expect(isOpenAt(ti, at('2027-01-01T01:59:00+01:00'))).toBe(true);
    expect(isOpenAt(ti, at('2027-01-01T02:00:00+01:00'))).toBe(false);
  });
});

describe('nextOpening / nextClosing', () => {
  const sydney = officeHours('Australia/Sydney');

  it('returns `after` itself when open / closed now', () => {
    const open = at('2026-06-01T10:00:00.123+10:00');
    expect(iso(nextOpening(sydney, open))).toBe(iso(open));
    const closed = at('2026-06-01T20:00:00.456+10:00');
    expect(iso(nextClosing(sydney, closed))).toBe(iso(closed));
  });

  it('later the same day', () => {
    expect(iso(nextOpening(sydney, at('2026-06-01T07:13:00+10:00')))).toBe(iso(at('2026-06-01T09:00:00+10:00')));
    expect(iso(nextClosing(sydney, at('2026-06-01T10:00:00+10:00')))).toBe(iso(at('2026-06-01T17:00:00+10:00')));
  });

  it('at the boundaries', () => {
    expect(iso(nextOpening(sydney, at('2026-06-01T17:00:00+10:00')))).toBe(iso(at('2026-06-02T09:00:00+10:00')));
    expect(iso(nextClosing(sydney, at('2026-06-01T09:00:00+10:00')))).toBe(iso(at('2026-06-01T17:00:00+10:00')));
    expect(iso(nextOpening(sydney, at('2026-06-01T08:59:59.999+10:00')))).toBe(iso(at('2026-06-01T09:00:00+10:00')));
  });

  it('over the weekend', () => {
    expect(iso(nextOpening(sydney, at('2026-06-05T17:00:00+10:00')))).toBe(iso(at('2026-06-08T09:00:00+10:00')));
    expect(iso(nextOpening(sydney, at('2026-06-06T12:00:00+10:00')))).toBe(iso(at('2026-06-08T09:00:00+10:00')));
    expect(iso(nextOpening(sydney, at('2026-06-07T23:59:00+10:00')))).toBe(iso(at('2026-06-08T09:00:00+10:00')));
  });

  it('skips closed exception days', () => {
    // Monday 2026-06-08 closed (a holiday): Friday evening -> Tuesday morning.
    const ti = officeHours('Australia/Sydney', [{ date: '2026-06-08', closed: true }]);
    expect(iso(nextOpening(ti, at('2026-06-05T18:00:00+10:00')))).toBe(iso(at('2026-06-09T09:00:00+10:00')));
    // A whole closed week.
    const week = ['2026-06-08', '2026-06-09', '2026-06-10', '2026-06-11', '2026-06-12'].map((date) => ({ date, closed: true }));
    expect(iso(nextOpening(officeHours('Australia/Sydney', week), at('2026-06-05T18:00:00+10:00')))).toBe(
      iso(at('2026-06-15T09:00:00+10:00')),
    );
  });

  it('uses reduced hours on an exception day', () => {
    const ti = officeHours('Australia/Sydney', [{ date: '2026-12-24', closed: false, fromMinute: 600, toMinute: 720 }]);
    expect(iso(nextOpening(ti, at('2026-12-24T09:00:00+11:00')))).toBe(iso(at('2026-12-24T10:00:00+11:00')));
    expect(iso(nextClosing(ti, at('2026-12-24T10:30:00+11:00')))).toBe(iso(at('2026-12-24T12:00:00+11:00')));
    expect(iso(nextOpening(ti, at('2026-12-24T12:00:00+11:00')))).toBe(iso(at('2026-12-25T09:00:00+11:00')));
  });

  it('no slots: never opens; always closed', () => {
    const never = interval('Australia/Sydney', []);
    expect(nextOpening(never, at('2026-06-01T00:00:00Z'))).toBeNull();
    expect(iso(nextClosing(never, at('2026-06-01T00:00:00Z')))).toBe('2026-06-01T00:00:00.000Z');
  });

  it('every day closed by exceptions: never opens', () => {
    const ti = interval('UTC', [slot(['sun'], '10:00', '11:00')], []);
    for (let day = 0; day < 60; day++) {
      const date = new Date(Date.UTC(2026, 5, 1) + day * DAY).toISOString().slice(0, 10);
      ti.exceptions.push({ date, closed: true });
    }
    expect(iso(nextOpening(ti, at('2026-06-01T00:00:00Z')))).toBe('2026-08-02T10:00:00.000Z');
  });

  it('24/7: always open; never closes', () => {
    const always = interval('Australia/Sydney', [slot(ALL_DAYS, '00:00', '24:00')]);
    const now = at('2026-10-04T02:30:00Z');
    expect(isOpenAt(always, now)).toBe(true);
    expect(iso(nextOpening(always, now))).toBe(iso(now));
    expect(nextClosing(always, now)).toBeNull();
  });

  it('24/7 with a closed day: closes at that local midnight', () => {
    const ti = interval('Australia/Sydney', [slot(ALL_DAYS, '00:00', '24:00')], [{ date: '2026-12-25', closed: true }]);
    expect(iso(nextClosing(ti, at('2026-12-01T00:00:00Z')))).toBe(iso(at('2026-12-25T00:00:00+11:00')));
    expect(iso(nextOpening(ti, at('2026-12-25T08:00:00+11:00')))).toBe(iso(at('2026-12-26T00:00:00+11:00')));
  });

  it('looks 400 days ahead, no further', () => {
    const base = at('2026-01-01T00:00:00Z');
    const soon = interval('UTC', [], [{ date: '2027-01-20', closed: false, fromMinute: 600, toMinute: 660 }]);
    expect(iso(nextOpening(soon, base))).toBe('2027-01-20T10:00:00.000Z');
    const late = interval('UTC', [], [{ date: '2027-02-15', closed: false, fromMinute: 600, toMinute: 660 }]);
    expect(nextOpening(late, base)).toBeNull(); // 410 days away
    // Open for the next 399 days and then closed: nextClosing finds it.
    const almost = interval('UTC', [slot(ALL_DAYS, '00:00', '24:00')], [{ date: '2027-02-04', closed: true }]);
    expect(iso(nextClosing(almost, base))).toBe('2027-02-04T00:00:00.000Z');
    const beyond = interval('UTC', [slot(ALL_DAYS, '00:00', '24:00')], [{ date: '2027-02-15', closed: true }]);
    expect(nextClosing(beyond, base)).toBeNull();
  });

  it('Kathmandu and Adelaide offsets', () => {
    expect(iso(nextOpening(officeHours('Asia/Kathmandu'), at('2026-06-06T00:00:00Z')))).toBe('2026-06-08T03:15:00.000Z');
    expect(iso(nextOpening(officeHours('Australia/Adelaide'), at('2026-06-06T00:00:00Z')))).toBe('2026-06-07T23:30:00.000Z');
  });
});

describe('DST', () => {
  describe('Australia/Sydney: 2026-10-04 02:00 AEST -> 03:00 AEDT', () => {
    const jump = '2026-10-03T16:00:00.000Z';

    it('across the change: Friday evening -> Monday 09:00 at the new offset', () => {
      const ti = officeHours('Australia/Sydney');
      expect(iso(nextOpening(ti, at('2026-10-02T17:00:00+10:00')))).toBe(iso(at('2026-10-05T09:00:00+11:00')));
      expect(iso(nextClosing(ti, at('2026-10-05T09:00:00+11:00')))).toBe(iso(at('2026-10-05T17:00:00+11:00')));
    });

    it('a slot starting in the gap (02:30) opens at the jump (03:00 AEDT)', () => {
      const ti = interval('Australia/Sydney', [slot(['sun'], '02:30', '05:00')]);
      expect(iso(nextOpening(ti, at('2026-10-04T00:00:00+10:00')))).toBe(jump);
      expect(isOpenAt(ti, at(jump))).toBe(true);
      expect(isOpenAt(ti, new Date(at(jump).getTime() - 1))).toBe(false); // 01:59:59.999 AEST
      expect(iso(nextClosing(ti, at(jump)))).toBe(iso(at('2026-10-04T05:00:00+11:00')));
    });

    it('a slot ending in the gap closes at the jump', () => {
      const ti = interval('Australia/Sydney', [slot(['sun'], '01:00', '02:30')]);
      expect(iso(nextClosing(ti, at('2026-10-04T01:30:00+10:00')))).toBe(jump);
    });

    it('a slot entirely inside the gap does not open that day', () => {
      const ti = interval('Australia/Sydney', [slot(['sun'], '02:00', '02:45')]);
      expect(iso(nextOpening(ti, at('2026-10-04T00:00:00+10:00')))).toBe(iso(at('2026-10-11T02:00:00+11:00')));
    });

    it('an overnight slot across the jump is an hour shorter', () => {
      const ti = interval('Australia/Sydney', [slot(['sat'], '22:00', '06:00')]);
      const open = nextOpening(ti, at('2026-10-03T12:00:00+10:00'));
      const close = open && nextClosing(ti, open);
      expect(iso(open)).toBe(iso(at('2026-10-03T22:00:00+10:00')));
      expect(iso(close)).toBe(iso(at('2026-10-04T06:00:00+11:00')));
      expect(close!.getTime() - open!.getTime()).toBe(7 * 60 * MINUTE);
    });
  });

  describe('Australia/Sydney: 2026-04-05 03:00 AEDT -> 02:00 AEST', () => {
    it('a slot over the repeated hour stays open for the whole real duration', () => {
      const ti = interval('Australia/Sydney', [slot(['sun'], '02:00', '03:00')]);
      expect(iso(nextOpening(ti, at('2026-04-04T12:00:00Z')))).toBe('2026-04-04T15:00:00.000Z'); // 02:00 AEDT
      expect(iso(nextClosing(ti, at('2026-04-04T15:00:00Z')))).toBe('2026-04-04T17:00:00.000Z'); // 03:00 AEST
      expect(isOpenAt(ti, at('2026-04-04T16:30:00Z'))).toBe(true); // 02:30 AEST, the second pass
    });

    it('a slot ending in the repeated hour closes at its last occurrence', () => {
      const ti = interval('Australia/Sydney', [slot(['sat'], '22:00', '02:30')]);
      expect(iso(nextOpening(ti, at('2026-04-04T00:00:00Z')))).toBe(iso(at('2026-04-04T22:00:00+11:00')));
      expect(iso(nextClosing(ti, at('2026-04-04T22:00:00+11:00')))).toBe(iso(at('2026-04-05T02:30:00+10:00')));
      expect(isOpenAt(ti, at('2026-04-05T02:45:00+11:00'))).toBe(true); // between the two 02:30s
    });

    it('a slot starting in the repeated hour opens at its first occurrence', () => {
      const ti = interval('Australia/Sydney', [slot(['sun'], '02:30', '04:00')]);
      expect(iso(nextOpening(ti, at('2026-04-04T00:00:00Z')))).toBe(iso(at('2026-04-05T02:30:00+11:00')));
      expect(isOpenAt(ti, at('2026-04-05T02:15:00+10:00'))).toBe(true); // second pass, before 02:30 again
      expect(iso(nextClosing(ti, at('2026-04-05T02:30:00+11:00')))).toBe(iso(at('2026-04-05T04:00:00+10:00')));
    });
  });

  describe('Europe/Berlin: 2026-03-29 and 2026-10-25', () => {
    it('office hours on either side of spring forward', () => {
      const ti = officeHours('Europe/Berlin');
      expect(iso(nextOpening(ti, at('2026-03-27T18:00:00+01:00')))).toBe('2026-03-30T07:00:00.000Z'); // 09:00 CEST
      expect(isOpenAt(ti, at('2026-03-27T08:00:00Z'))).toBe(true); // 09:00 CET
      expect(isOpenAt(ti, at('2026-03-30T07:00:00Z'))).toBe(true); // 09:00 CEST
      expect(isOpenAt(ti, at('2026-03-30T06:30:00Z'))).toBe(false); // 08:30 CEST
    });

    it('overnight slots over both changes last 7 and 9 real hours', () => {
      const ti = interval('Europe/Berlin', [slot(['sat'], '22:00', '06:00')]);
      const spring = nextOpening(ti, at('2026-03-28T12:00:00Z'));
      expect(iso(spring)).toBe('2026-03-28T21:00:00.000Z');
      expect(iso(nextClosing(ti, spring!))).toBe('2026-03-29T04:00:00.000Z');
      const autumn = nextOpening(ti, at('2026-10-24T12:00:00Z'));
      expect(iso(autumn)).toBe('2026-10-24T20:00:00.000Z');
      expect(iso(nextClosing(ti, autumn!))).toBe('2026-10-25T05:00:00.000Z');
    });

    it('24:00 on the night of a change', () => {
      const ti = interval('Europe/Berlin', [slot(['sat'], '18:00', '24:00')]);
      expect(iso(nextClosing(ti, at('2026-10-24T19:00:00+02:00')))).toBe(iso(at('2026-10-25T00:00:00+02:00')));
    });
  });

  describe('America/New_York: 2026-03-08 and 2026-11-01', () => {
    it('spring forward: a slot starting in the gap opens at 03:00 EDT', () => {
      const ti = interval('America/New_York', [slot(['sun'], '02:15', '04:00')]);
      expect(iso(nextOpening(ti, at('2026-03-08T00:00:00-05:00')))).toBe('2026-03-08T07:00:00.000Z');
      expect(iso(nextClosing(ti, at('2026-03-08T07:00:00Z')))).toBe('2026-03-08T08:00:00.000Z');
    });

    it('fall back: 00:00-03:00 lasts four real hours', () => {
      const ti = interval('America/New_York', [slot(['sun'], '00:00', '03:00')]);
      const open = nextOpening(ti, at('2026-10-31T12:00:00-04:00'));
      expect(iso(open)).toBe('2026-11-01T04:00:00.000Z');
      expect(iso(nextClosing(ti, open!))).toBe('2026-11-01T08:00:00.000Z');
      for (let t = open!.getTime(); t < open!.getTime() + 4 * 60 * MINUTE; t += 10 * MINUTE) {
        expect(isOpenAt(ti, new Date(t))).toBe(true);
      }
    });

    it('fall back: a slot inside the repeated hour spans from the first start to the last end', () => {
      const ti = interval('America/New_York', [slot(['sun'], '01:10', '01:20')]);
      expect(iso(nextOpening(ti, at('2026-11-01T00:00:00-04:00')))).toBe(iso(at('2026-11-01T01:10:00-04:00')));
      expect(iso(nextClosing(ti, at('2026-11-01T01:10:00-04:00')))).toBe(iso(at('2026-11-01T01:20:00-05:00')));
    });

    it('office hours the Monday after fall back use EST', () => {
      const ti = officeHours('America/New_York');
      expect(iso(nextOpening(ti, at('2026-10-30T17:00:00-04:00')))).toBe('2026-11-02T14:00:00.000Z');
    });
  });

  describe('Australia/Adelaide (+09:30 -> +10:30 on 2026-10-04)', () => {
    it('a slot starting in the gap opens at the jump', () => {
      const ti = interval('Australia/Adelaide', [slot(['sun'], '02:30', '04:00')]);
      expect(iso(nextOpening(ti, at('2026-10-04T00:00:00+09:30')))).toBe('2026-10-03T16:30:00.000Z');
      expect(iso(nextClosing(ti, at('2026-10-03T16:30:00Z')))).toBe('2026-10-03T17:30:00.000Z');
    });

    it('across the change', () => {
      const ti = officeHours('Australia/Adelaide');
      expect(iso(nextOpening(ti, at('2026-10-02T17:00:00+09:30')))).toBe(iso(at('2026-10-05T09:00:00+10:30')));
    });
  });
});

describe('properties', () => {
  const zones = ['UTC', 'Asia/Kathmandu', 'Australia/Adelaide', 'Australia/Sydney', 'Europe/Berlin', 'America/New_York'];
  const weekday = fc.constantFrom<Weekday>(...ALL_DAYS);
  const minuteOfDay = fc.integer({ min: 0, max: 1439 }).map((m) => m - (m % 15)); // quarter hours: more coincidences
  const weeklySlot = fc
    .record({
      days: fc.uniqueArray(weekday, { minLength: 1, maxLength: 7 }),
      fromMinute: minuteOfDay,
      toMinute: fc.integer({ min: 0, max: 1440 }).map((m) => m - (m % 15)),
    })
    .filter((s) => s.fromMinute !== s.toMinute);
  // Instants in 2026, around when the zones above change offset.
  const instant = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) }).map((t) => new Date(t));
  const dstInstant = fc
    .tuple(
      fc.constantFrom('2026-03-08T07:00:00Z', '2026-03-29T01:00:00Z', '2026-04-04T16:00:00Z', '2026-10-03T16:00:00Z', '2026-10-25T01:00:00Z', '2026-11-01T06:00:00Z'),
      fc.integer({ min: -2 * DAY, max: 2 * DAY }),
    )
    .map(([change, delta]) => new Date(Date.parse(change) + delta));
  const exception = fc.record({
    date: fc.integer({ min: 0, max: 364 }).map((d) => new Date(Date.UTC(2026, 0, 1) + d * DAY).toISOString().slice(0, 10)),
    closed: fc.boolean(),
  });
  const timeInterval = fc
    .record({
      timezone: fc.constantFrom(...zones),
      weekly: fc.array(weeklySlot, { maxLength: 4 }),
      exceptions: fc.uniqueArray(exception, { maxLength: 12, selector: (e) => e.date }),
      hours: fc.tuple(minuteOfDay, minuteOfDay),
    })
    .map(({ timezone, weekly, exceptions, hours: [from, to] }): TimeInterval => ({
      timezone,
      weekly,
      exceptions: exceptions.map((e) =>
        e.closed || from === to ? { date: e.date, closed: true } : { date: e.date, closed: false, fromMinute: from, toMinute: to },
      ),
    }));

  it('nextOpening is open, and nothing before it is', () => {
    fc.assert(
      fc.property(timeInterval, fc.oneof(instant, dstInstant), fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { maxLength: 8 }), (ti, after, samples) => {
        const open = nextOpening(ti, after);
        if (open === null) {
          expect(isOpenAt(ti, after)).toBe(false);
          return;
        }
        expect(open.getTime()).toBeGreaterThanOrEqual(after.getTime());
        expect(isOpenAt(ti, open)).toBe(true);
        if (open.getTime() > after.getTime()) {
          expect(isOpenAt(ti, new Date(open.getTime() - 1))).toBe(false);
          for (const f of samples) {
            expect(isOpenAt(ti, new Date(after.getTime() + Math.floor(f * (open.getTime() - after.getTime()))))).toBe(false);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('nextClosing is closed, and it is open all the way to it', () => {
    fc.assert(
      fc.property(timeInterval, fc.oneof(instant, dstInstant), fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { maxLength: 8 }), (ti, after, samples) => {
        const closed = nextClosing(ti, after);
        if (closed === null) {
          expect(isOpenAt(ti, after)).toBe(true);
          return;
        }
        expect(closed.getTime()).toBeGreaterThanOrEqual(after.getTime());
        expect(isOpenAt(ti, closed)).toBe(false);
        if (closed.getTime() > after.getTime()) {
          expect(isOpenAt(ti, new Date(closed.getTime() - 1))).toBe(true);
          for (const f of samples) {
            expect(isOpenAt(ti, new Date(after.getTime() + Math.floor(f * (closed.getTime() - after.getTime()))))).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  // Where the offset never changes, openness is exactly "the wall clock is inside an opening".
  it('fixed-offset zones match a plain wall-clock model', () => {
    const fixed: Record<string, number> = { UTC: 0, 'Asia/Kathmandu': 345, 'Asia/Tokyo': 540, 'America/Panama': -300 };
    const openOn = (ti: TimeInterval, day: number): Array<[number, number]> => {
      const date = new Date(day * DAY).toISOString().slice(0, 10);
      const exception = ti.exceptions.find((e) => e.date === date);
      if (exception) return exception.closed ? [] : [[exception.fromMinute!, exception.toMinute!]];
      const name = (['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const)[new Date(day * DAY).getUTCDay()]!;
      return ti.weekly.filter((s) => s.days.includes(name)).map((s): [number, number] => [s.fromMinute, s.toMinute]);
    };
    const model = (ti: TimeInterval, t: Date): boolean => {
      const wall = t.getTime() + fixed[ti.timezone]! * MINUTE;
      const day = Math.floor(wall / DAY);
      const minute = (wall - day * DAY) / MINUTE;
      const today = openOn(ti, day).some(([from, to]) => minute >= from && (from < to ? minute < to : true));
      const tail = openOn(ti, day - 1).some(([from, to]) => from > to && minute < to);
      return today || tail;
    };
    fc.assert(
      fc.property(
        fc.tuple(timeInterval, fc.constantFrom(...Object.keys(fixed))).map(([ti, timezone]) => ({ ...ti, timezone })),
        instant,
        (ti, t) => {
          expect(isOpenAt(ti, t)).toBe(model(ti, t));
          const open = nextOpening(ti, t);
          if (open) expect(model(ti, open)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
