import { currentLanguage, type Language } from './i18n.js';

/**
 * A page's own texts, kept beside the page: English is the reference, and every other
 * language must give the same keys (the compiler checks). `{name}` placeholders are
 * filled from `params`.
 */
export type Translator<K extends string> = (key: K, params?: Record<string, string | number>) => string;

export function defineTexts<T extends Record<string, string>>(en: T, others: Record<Exclude<Language, 'en'>, Record<keyof T, string>>): Translator<Extract<keyof T, string>> {
  const tables: Record<Language, Record<keyof T, string>> = { en, ...others };
  return (key, params = {}) => tables[currentLanguage()][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** A date and time in the portal's language, e.g. for "added on" columns. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** Seconds as hh:mm:ss (sound lengths, call durations). */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.round(totalSeconds));
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(Math.floor(seconds / 3600))}:${two(Math.floor((seconds % 3600) / 60))}:${two(seconds % 60)}`;
}
