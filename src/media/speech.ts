/**
 * Composes spoken numbers, digit strings and amounts of money out of the
 * pre-recorded prompts in `prompt-catalog.ts`. Every function is pure and
 * returns prompt names in playback order; `promptPath` maps a name to its
 * G.711 μ-law WAV file.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CURRENCIES, PROMPT_CATALOG, PROMPT_LANGUAGES, type PromptLanguage } from './prompt-catalog.js';

export { PROMPT_LANGUAGES, type PromptLanguage };

export const MAX_SPOKEN_NUMBER = 999_999_999;

/**
 * Agreement of a number with the noun that follows it. 'plain' is the
 * counting form ("eins", "uno"); 'masc'/'fem' pick the catalog's variants
 * ("ein", "un", "una", "doscientas") where a language has them.
 */
type Form = 'plain' | 'masc' | 'fem';

function has(lang: PromptLanguage, name: string): boolean {
  return Object.hasOwn(PROMPT_CATALOG[lang], name);
}

function variant(lang: PromptLanguage, base: string, form: Form): string {
  return form !== 'plain' && has(lang, `${base}-${form}`) ? `${base}-${form}` : base;
}

/** 1–999. `hundredsForm` and `unitsForm` differ only for Spanish thousands ("doscientas veintiún mil"). */
function group(n: number, lang: PromptLanguage, unitsForm: Form, hundredsForm: Form = unitsForm): string[] {
  const h = Math.floor(n / 100);
  const r = n % 100;
  const out: string[] = [];
  if (h > 0) {
    // Spanish "cien" stands alone; "ciento" is the form followed by more.
    if (lang === 'es' && h === 1 && r > 0) out.push('hundred-1-compound');
    else out.push(variant(lang, `hundred-${h}`, hundredsForm));
    if (lang === 'en' && r > 0) out.push('and');
  }
  if (r > 0) out.push(variant(lang, `number-${r}`, unitsForm));
  return out;
}

function cardinal(n: number, lang: PromptLanguage, form: Form): string[] {
  if (n === 0) return ['number-0'];
  const m = Math.floor(n / 1_000_000);
  const t = Math.floor(n / 1000) % 1000;
  const u = n % 1000;
  const out: string[] = [];
  if (m > 0) {
    switch (lang) {
      case 'en':
        out.push(...group(m, lang, 'plain'), 'million');
        break;
      case 'de': // "eine Million", "zweihunderteine Millionen" (Million is feminine)
        out.push(...(m === 1 ? ['million-1'] : [...group(m, lang, 'fem'), 'millions']));
        break;
      case 'fr':
        out.push(...group(m, lang, 'plain'), m === 1 ? 'million' : 'millions');
        break;
      case 'es': // "un millón", "veintiún millones"
        out.push(...(m === 1 ? ['million-1'] : [...group(m, lang, 'masc'), 'millions']));
        break;
    }
  }
  if (t > 0) {
    if (t === 1 && lang !== 'en') {
      out.push('thousand'); // "tausend", "mille", "mil": no "one" in front
    } else if (lang === 'es') {
      // Hundreds agree with a feminine noun ("doscientas mil libras"); units apocopate ("veintiún mil").
      out.push(...group(t, lang, 'masc', form === 'fem' ? 'fem' : 'plain'), 'thousand');
    } else {
      out.push(...group(t, lang, lang === 'de' ? 'masc' : 'plain'), 'thousand');
    }
  }
  if (u > 0) {
    // British usage: "one thousand and five", "two million and one".
    if (lang === 'en' && u < 100 && (m > 0 || t > 0)) out.push('and');
    out.push(...group(u, lang, form));
  }
  return out;
}

function checkLanguage(lang: PromptLanguage): void {
  if (!PROMPT_LANGUAGES.includes(lang)) throw new RangeError(`unsupported prompt language: ${String(lang)}`);
}

/** A whole number 0–999,999,999 in its counting form. */
export function sayNumber(n: number, lang: PromptLanguage): string[] {
  checkLanguage(lang);
  if (!Number.isInteger(n) || n < 0 || n > MAX_SPOKEN_NUMBER) {
    throw new RangeError(`cannot speak ${n}: need an integer 0–${MAX_SPOKEN_NUMBER}`);
  }
  return cardinal(n, lang, 'plain');
}

const SYMBOLS: Readonly<Record<string, string>> = { '*': 'star', '#': 'hash', '+': 'plus' };

/** Reads a dial string one key at a time: "+49#" → plus, 4, 9, hash. */
export function sayDigits(digits: string, lang: PromptLanguage): string[] {
  checkLanguage(lang);
  return [...digits].map((ch) => {
    if (ch >= '0' && ch <= '9') return `number-${ch}`;
    const symbol = SYMBOLS[ch];
    if (symbol === undefined) throw new RangeError(`cannot speak dial character ${JSON.stringify(ch)}`);
    return symbol;
  });
}

/** Digits after the decimal point of the currency, e.g. 2 for EUR, 0 for JPY, 3 for KWD. */
export function currencyMinorDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** Integer division of non-negative safe integers without float rounding. */
function idiv(a: number, b: number): number {
  return (a - (a % b)) / b;
}

function unit(n: number, lang: PromptLanguage, one: string, many: string): string {
  // French uses the singular for zero: "zéro euro".
  return n === 1 || (n === 0 && lang === 'fr') ? one : many;
}

/**
 * An amount of money given in micro-units (1e-6) of an ISO 4217 currency,
 * truncated toward zero to the currency's minor unit.
 *
 * Currencies in `CURRENCIES` are spoken with unit words: "twelve dollars and
 * fifty cents", "one penny", "minus three euros". Any other currency is spoken
 * as a decimal number followed by its code spelled out ("twelve point five
 * zero, X Y Z"), padded to the currency's minor digits as it would be written;
 * this stays unambiguous without recording words for every currency.
 */
export function sayMoney(micros: number, currency: string, lang: PromptLanguage): string[] {
  checkLanguage(lang);
  if (!Number.isSafeInteger(micros)) throw new RangeError(`micros must be a safe integer, got ${micros}`);
  const code = currency.toUpperCase();
  if (!/^[A-Z]{3}$/.test(code)) throw new RangeError(`not an ISO 4217 currency code: ${JSON.stringify(currency)}`);
  const digits = currencyMinorDigits(code);
  if (digits > 6) throw new RangeError(`${code} has more minor digits than micro-units can express`);
  const scale = 10 ** digits;
  const minorUnits = idiv(Math.abs(micros), 10 ** (6 - digits));
  const major = idiv(minorUnits, scale);
  const minor = minorUnits % scale;
  if (major > MAX_SPOKEN_NUMBER) throw new RangeError(`amount too large to speak: ${micros} micro-${code}`);

  // Sign only when something non-zero is left after truncation: -0.001 USD is "zero dollars".
  const out: string[] = micros < 0 && minorUnits > 0 ? ['minus'] : [];
  const words = CURRENCIES[code];
  if (words === undefined) {
    out.push(...cardinal(major, lang, 'plain'));
    if (minor > 0) out.push('point', ...sayDigits(String(minor).padStart(digits, '0'), lang));
    for (const letter of code.toLowerCase()) out.push(`letter-${letter}`);
    return out;
  }

  const form: Form = words.feminine.includes(lang) ? 'fem' : 'masc';
  if (major > 0 || minor === 0) {
    out.push(...cardinal(major, lang, form));
    // "un million de dollars", "dos millones de euros".
    const exactMillions = major > 0 && major % 1_000_000 === 0 && has(lang, words.major.of);
    out.push(exactMillions ? words.major.of : unit(major, lang, words.major.one, words.major.many));
  }
  if (minor > 0) {
    if (major > 0) out.push('and');
    // Every minor unit we name (cent, centime, céntimo, penny, Rappen) is masculine.
    out.push(...cardinal(minor, lang, 'masc'), unit(minor, lang, words.minor.one, words.minor.many));
  }
  return out;
}

let packageRoot: string | undefined;

/** Nearest ancestor of this module holding package.json; works from src/ and dist/. */
function findPackageRoot(): string {
  if (packageRoot !== undefined) return packageRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the speech module');
    dir = parent;
  }
  packageRoot = dir;
  return dir;
}

/** Absolute path of `prompts/<lang>/<name>.wav` under the package root. */
export function promptPath(name: string, lang: PromptLanguage): string {
  checkLanguage(lang);
  // Only catalog names: they are filesystem-safe, so no path tricks get through.
  if (!has(lang, name)) throw new RangeError(`unknown prompt ${JSON.stringify(name)} for language ${lang}`);
  return join(findPackageRoot(), 'prompts', lang, `${name}.wav`);
}
