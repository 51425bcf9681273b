/**
 * Durations as people write them in configuration: a whole number and one unit, "90s", "15m",
 * "1h", "1d". Pure; used by the provisioning file for the CallNow request limits' windows.
 */
import { DomainError } from './errors.js';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

/** The form parseDuration accepts, for the JSON Schema of the provisioning file. */
export const DURATION_PATTERN = '^[0-9]{1,9}(s|m|h|d)$';

/** "15m" -> 900000. Throws DomainError('invalid_duration') for anything else. */
export function parseDuration(text: string): number {
  const match = typeof text === 'string' ? /^([0-9]{1,9})(s|m|h|d)$/.exec(text) : null;
  if (!match) {
    const shown = JSON.stringify(String(text).slice(0, 40));
    throw new DomainError('invalid_duration', `${shown} is not a duration: write a whole number and s, m, h or d, e.g. "90s", "15m", "1h", "1d"`);
  }
  return Number(match[1]) * UNIT_MS[match[2] as Unit];
}

/** 900000 -> "15m": the largest unit that divides it evenly; "1500ms" when no unit does. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms > 0 && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
