import { DomainError } from './errors.js';

/**
 * Weekly opening hours in an IANA time zone plus dated exceptions ("owner available only in
 * office hours"). Only the built-in Intl API is used: Node ships full ICU, and a date library
 * would be one more copy of the tz database to keep current.
 *
 * Model. Every local calendar date has a list of openings that START on it: the weekly slots of
 * its weekday, or, when the date has an exception, the exception's hours (none if closed). An
 * opening covers local wall-clock time from `fromMinute` (inclusive) to `toMinute` (exclusive);
 * when fromMinute > toMinute it runs past midnight and ends at toMinute on the next date.
 *
 * Exceptions govern their own calendar date only: the after-midnight tail of an overnight
 * opening that started the day before stays open on an exception date (it belongs to the
 * previous day's hours), and an exception's own hours may likewise run past midnight.
 *
 * DST. An opening is the continuous span of real time from the first instant the local clock
 * reaches its start to the last instant the local clock is still before its end:
 * - a start or end inside a spring-forward gap (a local time that never happens) takes effect
 *   at the jump, e.g. 02:30 on a day when 02:00 jumps to 03:00 means the 03:00 instant;
 * - in a fall-back overlap (a local time that happens twice) the opening starts at the first
 *   occurrence of its start and ends at the last occurrence of its end, so it stays open for
 *   the whole real duration, including the repeated hour.
 */

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** Minutes after local midnight; toMinute may be 1440; fromMinute > toMinute runs past midnight. */
export interface WeeklySlot {
  days: Weekday[];
  fromMinute: number;
  toMinute: number;
}

/** closed: no openings start on `date`; otherwise open only from..to on it (replacing the weekly hours). */
export interface DateException {
  date: string /* YYYY-MM-DD local */;
  closed: boolean;
  fromMinute?: number;
  toMinute?: number;
}

export interface TimeInterval {
  timezone: string;
  weekly: WeeklySlot[];
  exceptions: DateException[];
}

const MINUTES_PER_DAY = 1440;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** How far nextOpening/nextClosing look ahead before answering null. */
const HORIZON_DAYS = 400;
/** Index = Date#getUTCDay(), so a day number maps to its weekday without a Date object. */
const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MAX_ECHO = 40;

function echo(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  return JSON.stringify(text.length > MAX_ECHO ? `${text.slice(0, MAX_ECHO)}…` : text);
}

function invalidTime(message: string): DomainError {
  return new DomainError('invalid_time', message);
}

function invalidInterval(message: string): DomainError {
  return new DomainError('invalid_time_interval', message);
}

// ---------------------------------------------------------------------------------------------
// Clock text

const CLOCK_RE = /^(\d{2}):(\d{2})$/;

/** "09:00" -> 540; "24:00" -> 1440 (end of day). Strict HH:MM so "9:5" cannot be misread. */
export function parseClock(text: string): number {
  const match = typeof text === 'string' ? CLOCK_RE.exec(text) : null;
  if (!match) throw invalidTime(`${echo(text)} is not a time of day; write it as HH:MM, e.g. 09:00`);
  const hour = Number(match[1]);
  const minute = Number(match[2]);
  if (hour === 24 && minute === 0) return MINUTES_PER_DAY;
  if (hour > 23) throw invalidTime(`${echo(text)} is not a time of day: the hour must be 00 to 23 (or 24:00)`);
  if (minute > 59) throw invalidTime(`${echo(text)} is not a time of day: the minutes must be 00 to 59`);
  return hour * 60 + minute;
}

/** 540 -> "09:00"; 1440 -> "24:00". */
export function formatClock(minute: number): string {
  if (!Number.isInteger(minute) || minute < 0 || minute > MINUTES_PER_DAY) {
    throw invalidTime(`${echo(minute)} is not a minute of the day (0 to 1440)`);
  }
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(Math.floor(minute / 60))}:${pad(minute % 60)}`;
}

// ---------------------------------------------------------------------------------------------
// Zones: instant <-> local wall time

/** Zone names only ("Australia/Sydney", "UTC", "Etc/GMT+5"); Intl would also take "+05:00" on newer Nodes. */
const ZONE_NAME_RE = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;
const MAX_CACHED_ZONES = 1000;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** One formatter per zone: constructing one costs far more than formatting with it. */
function formatterFor(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US-u-ca-gregory-nu-latn', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    // Zone names are case-insensitive to Intl, so bound the cache against endless spellings.
    if (formatters.size >= MAX_CACHED_ZONES) formatters.clear();
    formatters.set(timezone, formatter);
  }
  return formatter;
}

/** A valid IANA time zone name per Intl (case-insensitive, as Intl is). */
export function isTimeZone(tz: string): boolean {
  if (typeof tz !== 'string' || tz.length > 64 || !ZONE_NAME_RE.test(tz)) return false;
  try {
    formatterFor(tz);
    return true;
  } catch {
    return false;
  }
}

function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  if (year >= 100) return ms;
  // Date.UTC maps years 0-99 to 1900-1999.
  const date = new Date(ms);
  date.setUTCFullYear(year);
  return date.getTime();
}

/** Offset of local time from UTC at instant `t`, in ms (whole seconds; the formatter has no ms). */
function offsetAt(formatter: Intl.DateTimeFormat, t: number): number {
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const part of formatter.formatToParts(t)) {
    switch (part.type) {
      case 'year':
        year = Number(part.value);
        break;
      case 'month':
        month = Number(part.value);
        break;
      case 'day':
        day = Number(part.value);
        break;
      case 'hour':
        hour = Number(part.value) % 24; // some ICU builds said "24" for midnight before h23 existed
        break;
      case 'minute':
        minute = Number(part.value);
        break;
      case 'second':
        second = Number(part.value);
        break;
      default:
        break;
    }
  }
  return utcMs(year, month, day, hour, minute, second) - Math.floor(t / 1000) * 1000;
}

/** Local wall time of `t` as if it were UTC ms: day number = floor(wall / DAY_MS). */
function wallAt(formatter: Intl.DateTimeFormat, t: number): number {
  return t + offsetAt(formatter, t);
}

/**
 * The instants at which the local clock reads wall time `wall`: earliest and latest (different
 * only in a fall-back overlap). In a spring-forward gap both are the instant of the jump, the
 * first instant whose local time is past `wall`. Assumes at most one offset change within a day
 * of `wall`, which holds for every zone in practice.
 */
function instantsOfWall(formatter: Intl.DateTimeFormat, wall: number): { earliest: number; latest: number } {
  const before = offsetAt(formatter, wall - DAY_MS);
  const after = offsetAt(formatter, wall + DAY_MS);
  const found: number[] = [];
  for (const offset of before === after ? [before] : [before, after]) {
    const t = wall - offset;
    if (offsetAt(formatter, t) === offset) found.push(t);
  }
  if (found.length > 0) return { earliest: Math.min(...found), latest: Math.max(...found) };
  // A gap: the clock jumped from `before` to `after`, so the jump lies between these two readings.
  const jump = firstInstantPastWall(formatter, wall, wall - after, wall - before);
  return { earliest: jump, latest: jump };
}

/** Bisects (by whole seconds; transitions are on whole seconds) for the first t with local time >= wall. */
function firstInstantPastWall(formatter: Intl.DateTimeFormat, wall: number, lo: number, hi: number): number {
  const reached = (t: number): boolean => wallAt(formatter, t) >= wall;
  if (reached(lo) || !reached(hi)) {
    // Not the single clean jump we assumed: fall back to a wider bracket.
    lo = wall - 2 * DAY_MS;
    hi = wall + 2 * DAY_MS;
  }
  lo = Math.floor(lo / 1000) * 1000;
  hi = Math.ceil(hi / 1000) * 1000;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (reached(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

// ---------------------------------------------------------------------------------------------
// Validation and compilation

interface Opening {
  from: number;
  /** Minutes after the start date's midnight; > 1440 for an opening that runs past midnight. */
  end: number;
}

interface Compiled {
  formatter: Intl.DateTimeFormat;
  /** Index = Date#getUTCDay(); sorted by `from`. */
  weekly: Opening[][];
  /** Day number (days since 1970-01-01, local) -> openings replacing that date's weekly hours. */
  exceptions: Map<number, Opening[]>;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Day number of a YYYY-MM-DD calendar date, or undefined if there is no such date. */
function dayNumberOf(date: string): number | undefined {
  const match = typeof date === 'string' ? DATE_RE.exec(date) : null;
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = utcMs(year, month, day, 0, 0, 0);
  const check = new Date(ms);
  // Date.UTC rolls 2026-02-30 over to March; a round trip catches it.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return undefined;
  }
  return Math.round(ms / DAY_MS);
}

function checkMinutes(where: string, from: unknown, to: unknown): Opening {
  if (typeof from !== 'number' || !Number.isInteger(from) || from < 0 || from >= MINUTES_PER_DAY) {
    throw invalidInterval(`${where}: fromMinute must be a whole number from 0 to 1439, got ${echo(from)}`);
  }
  if (typeof to !== 'number' || !Number.isInteger(to) || to < 0 || to > MINUTES_PER_DAY) {
    throw invalidInterval(`${where}: toMinute must be a whole number from 0 to 1440, got ${echo(to)}`);
  }
  if (from === to) {
    throw invalidInterval(
      `${where}: starts and ends at ${formatClock(from)}; a slot needs a length (00:00-24:00 is the whole day)`,
    );
  }
  return { from, end: from < to ? to : to + MINUTES_PER_DAY };
}

function compile(ti: TimeInterval): Compiled {
  if (typeof ti !== 'object' || ti === null) throw invalidInterval('a time interval must be an object');
  if (!isTimeZone(ti.timezone)) {
    throw invalidInterval(`${echo(ti.timezone)} is not a known IANA time zone (e.g. "Australia/Sydney")`);
  }
  if (!Array.isArray(ti.weekly)) throw invalidInterval('weekly must be a list of slots');
  if (!Array.isArray(ti.exceptions)) throw invalidInterval('exceptions must be a list of dates');

  const weekly: Opening[][] = WEEKDAYS.map(() => []);
  ti.weekly.forEach((slot, i) => {
    const where = `weekly[${i}]`;
    if (typeof slot !== 'object' || slot === null) throw invalidInterval(`${where} must be an object`);
    if (!Array.isArray(slot.days) || slot.days.length === 0) {
      throw invalidInterval(`${where}: days is empty; name at least one of ${WEEKDAYS.join(', ')}`);
    }
    const opening = checkMinutes(where, slot.fromMinute, slot.toMinute);
    const seen = new Set<number>();
    for (const day of slot.days) {
      const index = WEEKDAYS.indexOf(day);
      if (index < 0) throw invalidInterval(`${where}: ${echo(day)} is not a weekday (${WEEKDAYS.join(', ')})`);
      if (seen.has(index)) throw invalidInterval(`${where}: ${day} is listed twice`);
      seen.add(index);
      weekly[index]?.push(opening);
    }
  });
  for (const list of weekly) list.sort((a, b) => a.from - b.from);

  const exceptions = new Map<number, Opening[]>();
  ti.exceptions.forEach((exception, i) => {
    const where = `exceptions[${i}]`;
    if (typeof exception !== 'object' || exception === null) throw invalidInterval(`${where} must be an object`);
    const day = dayNumberOf(exception.date);
    if (day === undefined) {
      throw invalidInterval(`${where}: ${echo(exception.date)} is not a calendar date in YYYY-MM-DD form`);
    }
    if (exceptions.has(day)) throw invalidInterval(`${where}: ${exception.date} has more than one exception`);
    if (typeof exception.closed !== 'boolean') {
      throw invalidInterval(`${where} (${exception.date}): closed must be true or false`);
    }
    if (exception.closed) {
      // Hours on a closed day are contradictory; refusing them surfaces the mistake.
      if (exception.fromMinute !== undefined || exception.toMinute !== undefined) {
        throw invalidInterval(`${where} (${exception.date}): a closed day cannot have hours`);
      }
      exceptions.set(day, []);
    } else {
      if (exception.fromMinute === undefined || exception.toMinute === undefined) {
        throw invalidInterval(`${where} (${exception.date}): an open exception needs fromMinute and toMinute`);
      }
      exceptions.set(day, [checkMinutes(`${where} (${exception.date})`, exception.fromMinute, exception.toMinute)]);
    }
  });

  return { formatter: formatterFor(ti.timezone), weekly, exceptions };
}

/** Throws DomainError('invalid_time_interval') naming the first problem found. */
export function validateTimeInterval(ti: TimeInterval): void {
  compile(ti);
}

// ---------------------------------------------------------------------------------------------
// Evaluation

function openingsStartingOn(compiled: Compiled, day: number): Opening[] {
  return compiled.exceptions.get(day) ?? compiled.weekly[(((day + 4) % 7) + 7) % 7] ?? [];
}

/**
 * Openings starting on days firstDay..lastDay as wall-time spans, merged where they overlap or
 * touch (so 24/7 is one span, resolved to instants once), in increasing order. A span still
 * running at lastDay is cut there; callers look far enough ahead that the cut does not matter.
 */
function* wallSpans(compiled: Compiled, firstDay: number, lastDay: number): Generator<[number, number]> {
  let current: [number, number] | undefined;
  for (let day = firstDay; day <= lastDay; day++) {
    for (const opening of openingsStartingOn(compiled, day)) {
      const start = day * DAY_MS + opening.from * MINUTE_MS;
      const end = day * DAY_MS + opening.end * MINUTE_MS;
      if (current && start <= current[1]) {
        current[1] = Math.max(current[1], end);
        continue;
      }
      if (current) yield current;
      current = [start, end];
    }
  }
  if (current) yield current;
}

/**
 * Open spans as instants [start, end), ordered by start (they may overlap after a fall-back),
 * for local dates from two days before `t` (an opening that started then can still cover `t`)
 * to `days` later. Resolution to instants is lazy, so callers that stop early pay little.
 */
function* openSpans(compiled: Compiled, t: number, days: number): Generator<[number, number]> {
  const wall = wallAt(compiled.formatter, t);
  const firstDay = Math.floor(wall / DAY_MS) - 2;
  for (const [wallStart, wallEnd] of wallSpans(compiled, firstDay, firstDay + days)) {
    // Over a day before `t` on the wall clock: no offset change is that big, so it ended before
    // `t`; skipping it saves the Intl calls that resolving it would cost.
    if (wallEnd < wall - DAY_MS) continue;
    const start = instantsOfWall(compiled.formatter, wallStart).earliest;
    const end = instantsOfWall(compiled.formatter, wallEnd).latest;
    if (end > start) yield [start, end]; // empty when the whole span fell into a DST gap
  }
}

function instantMs(instant: Date): number {
  const t = instant instanceof Date ? instant.getTime() : Number.NaN;
  if (!Number.isFinite(t)) throw invalidTime('not a valid instant');
  return t;
}

export function isOpenAt(ti: TimeInterval, instant: Date): boolean {
  const compiled = compile(ti);
  const t = instantMs(instant);
  for (const [start, end] of openSpans(compiled, t, 4)) {
    if (start > t) break;
    if (t < end) return true;
  }
  return false;
}

/** The first instant >= after when it is open (after itself if open); null if not within 400 days. */
export function nextOpening(ti: TimeInterval, after: Date): Date | null {
  const compiled = compile(ti);
  const t = instantMs(after);
  const limit = t + HORIZON_DAYS * DAY_MS;
  for (const [start, end] of openSpans(compiled, t, HORIZON_DAYS + 4)) {
    if (start > limit) return null;
    // Spans come ordered by start, so the first one not over yet gives the earliest opening.
    if (end > t) return new Date(Math.max(start, t));
  }
  return null;
}

/** The first instant >= after when it is closed (after itself if closed); null if not within 400 days. */
export function nextClosing(ti: TimeInterval, after: Date): Date | null {
  const compiled = compile(ti);
  const t = instantMs(after);
  const limit = t + HORIZON_DAYS * DAY_MS;
  let closesAt = t; // open spans seen so far reach up to here
  for (const [start, end] of openSpans(compiled, t, HORIZON_DAYS + 4)) {
    if (start > closesAt) break;
    if (end > closesAt) closesAt = end;
    if (closesAt > limit) return null;
  }
  return new Date(closesAt);
}
