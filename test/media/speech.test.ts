import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CURRENCIES, PROMPT_CATALOG, type PromptLanguage } from '../../src/media/prompt-catalog.js';
import {
  MAX_SPOKEN_NUMBER,
  PROMPT_LANGUAGES,
  currencyMinorDigits,
  promptPath,
  sayDigits,
  sayMoney,
  sayNumber,
} from '../../src/media/speech.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Renders prompt names back to their catalog text, so expectations read like speech. */
function text(names: string[], lang: PromptLanguage): string {
  return names
    .map((n) => {
      const t = PROMPT_CATALOG[lang][n];
      if (t === undefined) throw new Error(`no ${lang} prompt ${n}`);
      return t;
    })
    .join(' ');
}

const say = (n: number, lang: PromptLanguage): string => text(sayNumber(n, lang), lang);
const money = (micros: number, cur: string, lang: PromptLanguage): string => text(sayMoney(micros, cur, lang), lang);

const NUMBER_CASES: Array<[number, Record<PromptLanguage, string>]> = [
  [0, { en: 'zero', de: 'null', fr: 'zéro', es: 'cero' }],
  [1, { en: 'one', de: 'eins', fr: 'un', es: 'uno' }],
  [7, { en: 'seven', de: 'sieben', fr: 'sept', es: 'siete' }],
  [10, { en: 'ten', de: 'zehn', fr: 'dix', es: 'diez' }],
  [16, { en: 'sixteen', de: 'sechzehn', fr: 'seize', es: 'dieciséis' }],
  [21, { en: 'twenty-one', de: 'einundzwanzig', fr: 'vingt et un', es: 'veintiuno' }],
  [70, { en: 'seventy', de: 'siebzig', fr: 'soixante-dix', es: 'setenta' }],
  [71, { en: 'seventy-one', de: 'einundsiebzig', fr: 'soixante et onze', es: 'setenta y uno' }],
  [80, { en: 'eighty', de: 'achtzig', fr: 'quatre-vingts', es: 'ochenta' }],
  [99, { en: 'ninety-nine', de: 'neunundneunzig', fr: 'quatre-vingt-dix-neuf', es: 'noventa y nueve' }],
  [100, { en: 'one hundred', de: 'hundert', fr: 'cent', es: 'cien' }],
  [101, { en: 'one hundred and one', de: 'hundert eins', fr: 'cent un', es: 'ciento uno' }],
  [180, { en: 'one hundred and eighty', de: 'hundert achtzig', fr: 'cent quatre-vingts', es: 'ciento ochenta' }],
  [200, { en: 'two hundred', de: 'zweihundert', fr: 'deux cents', es: 'doscientos' }],
  [
    999,
    {
      en: 'nine hundred and ninety-nine',
      de: 'neunhundert neunundneunzig',
      fr: 'neuf cents quatre-vingt-dix-neuf',
      es: 'novecientos noventa y nueve',
    },
  ],
  [1000, { en: 'one thousand', de: 'tausend', fr: 'mille', es: 'mil' }],
  [1001, { en: 'one thousand and one', de: 'tausend eins', fr: 'mille un', es: 'mil uno' }],
  [2000, { en: 'two thousand', de: 'zwei tausend', fr: 'deux mille', es: 'dos mil' }],
  [21000, { en: 'twenty-one thousand', de: 'einundzwanzig tausend', fr: 'vingt et un mille', es: 'veintiún mil' }],
  [100000, { en: 'one hundred thousand', de: 'hundert tausend', fr: 'cent mille', es: 'cien mil' }],
  [101000, { en: 'one hundred and one thousand', de: 'hundert ein tausend', fr: 'cent un mille', es: 'ciento un mil' }],
  [500000, { en: 'five hundred thousand', de: 'fünfhundert tausend', fr: 'cinq cents mille', es: 'quinientos mil' }],
  [1000000, { en: 'one million', de: 'eine Million', fr: 'un million', es: 'un millón' }],
  [
    2500000,
    {
      en: 'two million five hundred thousand',
      de: 'zwei Millionen fünfhundert tausend',
      fr: 'deux millions cinq cents mille',
      es: 'dos millones quinientos mil',
    },
  ],
  [
    21000021,
    {
      en: 'twenty-one million and twenty-one',
      de: 'einundzwanzig Millionen einundzwanzig',
      fr: 'vingt et un millions vingt et un',
      es: 'veintiún millones veintiuno',
    },
  ],
  [
    201000000,
    {
      en: 'two hundred and one million',
      de: 'zweihundert eine Millionen',
      fr: 'deux cents un millions',
      es: 'doscientos un millones',
    },
  ],
  [
    999999999,
    {
      en: 'nine hundred and ninety-nine million nine hundred and ninety-nine thousand nine hundred and ninety-nine',
      de: 'neunhundert neunundneunzig Millionen neunhundert neunundneunzig tausend neunhundert neunundneunzig',
      fr: 'neuf cents quatre-vingt-dix-neuf millions neuf cents quatre-vingt-dix-neuf mille neuf cents quatre-vingt-dix-neuf',
      es: 'novecientos noventa y nueve millones novecientos noventa y nueve mil novecientos noventa y nueve',
    },
  ],
];

describe('sayNumber', () => {
  for (const [n, expected] of NUMBER_CASES) {
    for (const lang of PROMPT_LANGUAGES) {
      it(`${n} in ${lang}`, () => {
        expect(say(n, lang)).toBe(expected[lang]);
      });
    }
  }

  it('uses prompt names, not text', () => {
    expect(sayNumber(105, 'en')).toEqual(['hundred-1', 'and', 'number-5']);
    expect(sayNumber(21, 'de')).toEqual(['number-21']);
    expect(sayNumber(150, 'es')).toEqual(['hundred-1-compound', 'number-50']);
    expect(sayNumber(1_000_000, 'es')).toEqual(['million-1']);
  });

  it('rejects numbers it cannot speak', () => {
    for (const bad of [-1, 1.5, Number.NaN, Infinity, MAX_SPOKEN_NUMBER + 1]) {
      expect(() => sayNumber(bad, 'en')).toThrow(RangeError);
    }
    expect(() => sayNumber(1, 'it' as PromptLanguage)).toThrow(RangeError);
  });
});

describe('sayDigits', () => {
  it('reads each key', () => {
    expect(sayDigits('+49*0#', 'de')).toEqual(['plus', 'number-4', 'number-9', 'star', 'number-0', 'hash']);
    expect(text(sayDigits('1#', 'es'), 'es')).toBe('uno almohadilla');
    expect(text(sayDigits('*1', 'fr'), 'fr')).toBe('étoile un');
    expect(sayDigits('', 'en')).toEqual([]);
  });

  it('rejects other characters', () => {
    expect(() => sayDigits('12a', 'en')).toThrow(RangeError);
    expect(() => sayDigits('1 2', 'en')).toThrow(RangeError);
  });
});

describe('sayMoney', () => {
  it('composes the brief example', () => {
    expect(sayMoney(12_500_000, 'AUD', 'en')).toEqual(['number-12', 'dollars', 'and', 'number-50', 'dollar-cents']);
  });

  it('speaks dollars, euros, pounds and francs in every language', () => {
    expect(money(12_500_000, 'USD', 'de')).toBe('zwölf Dollar und fünfzig Cent');
    expect(money(12_500_000, 'CAD', 'fr')).toBe('douze dollars et cinquante centimes');
    expect(money(12_500_000, 'NZD', 'es')).toBe('doce dólares y cincuenta centavos');
    expect(money(3_010_000, 'EUR', 'en')).toBe('three euros and one cent');
    expect(money(3_010_000, 'EUR', 'de')).toBe('drei Euro und ein Cent');
    expect(money(3_010_000, 'EUR', 'fr')).toBe('trois euros et un centime');
    expect(money(3_010_000, 'EUR', 'es')).toBe('tres euros y un céntimo');
    expect(money(1_010_000, 'GBP', 'en')).toBe('one pound and one penny');
    expect(money(2_020_000, 'GBP', 'en')).toBe('two pounds and two pence');
    expect(money(1_000_000, 'GBP', 'de')).toBe('ein Pfund');
    expect(money(21_000_000, 'GBP', 'fr')).toBe('vingt-et-une livres');
    expect(money(1_000_000, 'GBP', 'es')).toBe('una libra');
    expect(money(201_000_000, 'GBP', 'es')).toBe('doscientas una libras');
    expect(money(200_000_000_000, 'GBP', 'es')).toBe('doscientas mil libras');
    expect(money(21_000_000_000, 'GBP', 'es')).toBe('veintiún mil libras');
    expect(money(5_050_000, 'CHF', 'en')).toBe('five francs and five centimes');
    expect(money(5_050_000, 'CHF', 'de')).toBe('fünf Franken und fünf Rappen');
    expect(money(1_010_000, 'CHF', 'fr')).toBe('un franc et un centime');
    expect(money(1_010_000, 'CHF', 'es')).toBe('un franco y un céntimo');
  });

  it('agrees numbers ending in one with the noun', () => {
    expect(money(21_000_000, 'USD', 'es')).toBe('veintiún dólares');
    expect(money(101_000_000, 'EUR', 'de')).toBe('hundert ein Euro');
    expect(money(71_000_000, 'EUR', 'es')).toBe('setenta y un euros');
    expect(money(1_000_000, 'USD', 'en')).toBe('one dollar');
    expect(money(10_000, 'USD', 'en')).toBe('one cent');
  });

  it('says "de" after exact millions in French and Spanish', () => {
    expect(money(1_000_000_000_000, 'USD', 'fr')).toBe('un million de dollars');
    expect(money(2_000_000_000_000, 'EUR', 'fr')).toBe('deux millions d’euros');
    expect(money(1_000_000_000_000, 'EUR', 'es')).toBe('un millón de euros');
    expect(money(1_000_000_000_000, 'EUR', 'de')).toBe('eine Million Euro');
    expect(money(1_000_000_000_000, 'EUR', 'en')).toBe('one million euros');
    expect(money(1_000_001_000_000, 'EUR', 'es')).toBe('un millón un euros');
  });

  it('handles zero, sign and truncation', () => {
    expect(money(0, 'USD', 'en')).toBe('zero dollars');
    expect(money(0, 'EUR', 'fr')).toBe('zéro euro');
    expect(money(0, 'EUR', 'de')).toBe('null Euro');
    expect(money(500_000, 'AUD', 'en')).toBe('fifty cents');
    expect(money(-12_500_000, 'AUD', 'en')).toBe('minus twelve dollars and fifty cents');
    expect(money(-3_000_000, 'EUR', 'es')).toBe('menos tres euros');
    // 12.999999 truncates to 12.99, never rounds up to 13.
    expect(money(12_999_999, 'USD', 'en')).toBe('twelve dollars and ninety-nine cents');
    // Below one cent is nothing; no "minus zero".
    expect(money(9_999, 'USD', 'en')).toBe('zero dollars');
    expect(money(-9_999, 'USD', 'en')).toBe('zero dollars');
    expect(money(-10_000, 'USD', 'en')).toBe('minus one cent');
  });

  it('accepts lower-case codes', () => {
    expect(sayMoney(1_000_000, 'eur', 'en')).toEqual(sayMoney(1_000_000, 'EUR', 'en'));
  });

  it('reads the minor digits of each currency from Intl', () => {
    expect(currencyMinorDigits('EUR')).toBe(2);
    expect(currencyMinorDigits('JPY')).toBe(0);
    expect(currencyMinorDigits('KWD')).toBe(3);
  });

  it('says other currencies as a decimal number and the spelled code', () => {
    // JPY has no minor unit: 1500.75 yen truncates to 1500.
    expect(money(1_500_750_000, 'JPY', 'en')).toBe('one thousand five hundred jay pee why');
    expect(money(1_500_000, 'JPY', 'de')).toBe('eins Jott Pe Ypsilon');
    expect(money(999_999, 'JPY', 'en')).toBe('zero jay pee why');
    expect(money(-2_000_000, 'JPY', 'fr')).toBe('moins deux ji pé i grec');
    // KWD has three minor digits; the fraction is read as written, zeros included.
    expect(money(12_050_900, 'KWD', 'en')).toBe('twelve point zero five zero kay double you dee');
    expect(money(7_000_000, 'SEK', 'es')).toBe('siete ese e ka');
    expect(money(7_100_000, 'SEK', 'es')).toBe('siete coma uno cero ese e ka');
  });

  it('rejects bad input', () => {
    expect(() => sayMoney(1.5, 'USD', 'en')).toThrow(RangeError);
    expect(() => sayMoney(Number.MAX_SAFE_INTEGER + 1, 'USD', 'en')).toThrow(RangeError);
    expect(() => sayMoney(1_000_000_000_000_000, 'USD', 'en')).toThrow(RangeError);
    expect(() => sayMoney(1, 'US', 'en')).toThrow(RangeError);
    expect(() => sayMoney(1, 'U$D', 'en')).toThrow(RangeError);
  });
});

describe('promptPath', () => {
  it('points into prompts/<lang>/ under the package root', () => {
    expect(promptPath('goodbye', 'fr')).toBe(join(ROOT, 'prompts', 'fr', 'goodbye.wav'));
  });

  it('refuses names outside the catalog', () => {
    expect(() => promptPath('../../etc/passwd', 'en')).toThrow(RangeError);
    expect(() => promptPath('number-1-fem', 'en')).toThrow(RangeError);
  });
});

/** Every name the composers can return, per language, by exhausting their building blocks. */
function reachableNames(lang: PromptLanguage): Set<string> {
  const names = new Set<string>();
  const add = (list: string[]): void => list.forEach((n) => names.add(n));
  add(sayDigits('0123456789*#+', lang));
  // Every group 0–999 in every position (units, thousands, millions) and with every noun agreement.
  for (let n = 0; n <= 999; n++) {
    add(sayNumber(n, lang));
    add(sayNumber(n * 1000, lang));
    add(sayNumber(n * 1_000_000, lang));
    add(sayNumber(n * 1_000_000 + 1000 + n, lang));
    for (const code of Object.keys(CURRENCIES)) {
      for (const micros of [n * 1_000_000, n * 1_000_000_000, n * 1_000_000_000_000, n * 10_000]) {
        add(sayMoney(micros, code, lang));
        add(sayMoney(-micros - 1_010_000, code, lang));
      }
    }
  }
  for (let c = 0; c < 26; c++) add(sayMoney(1_234_567, `${String.fromCharCode(65 + c).repeat(3)}`, lang));
  return names;
}

interface WavFormat {
  format: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  dataBytes: number;
}

/** Walks the RIFF chunks; sox writes an 18-byte fmt and a fact chunk before data. */
function readWav(buf: Buffer): WavFormat {
  expect(buf.toString('ascii', 0, 4)).toBe('RIFF');
  expect(buf.toString('ascii', 8, 12)).toBe('WAVE');
  let fmt: Omit<WavFormat, 'dataBytes'> | undefined;
  for (let off = 12; off + 8 <= buf.length; ) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    if (id === 'fmt ') {
      fmt = {
        format: buf.readUInt16LE(off + 8),
        channels: buf.readUInt16LE(off + 10),
        sampleRate: buf.readUInt32LE(off + 12),
        bitsPerSample: buf.readUInt16LE(off + 22),
      };
    } else if (id === 'data') {
      if (fmt === undefined) throw new Error('data chunk before fmt chunk');
      return { ...fmt, dataBytes: size };
    }
    off += 8 + size + (size % 2);
  }
  throw new Error('no data chunk');
}

describe('shipped prompt files', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'prompts', 'manifest.json'), 'utf8')) as Record<
    string,
    { hash: string; durationMs: number }
  >;

  it('keeps the manifest sorted and in step with the catalog', () => {
    const keys = Object.keys(manifest);
    expect(keys).toEqual([...keys].sort());
    const catalogKeys = PROMPT_LANGUAGES.flatMap((lang) => Object.keys(PROMPT_CATALOG[lang]).map((n) => `${lang}/${n}`));
    expect(new Set(keys)).toEqual(new Set(catalogKeys));
  });

  for (const lang of PROMPT_LANGUAGES) {
    it(`has every reachable ${lang} prompt as an 8 kHz mono μ-law WAV`, () => {
      const names = reachableNames(lang);
      // Sanity check that the exhaustive walk really covers the variants.
      expect(names.size).toBeGreaterThan(120);
      for (const name of names) {
        expect(name, name).toMatch(/^[a-z0-9-]+$/);
        const file = promptPath(name, lang);
        expect(existsSync(file), file).toBe(true);
        expect(manifest[`${lang}/${name}`], `${lang}/${name} in manifest`).toBeDefined();
        const wav = readWav(readFileSync(file));
        expect(wav, file).toMatchObject({ format: 7, channels: 1, sampleRate: 8000, bitsPerSample: 8 });
        expect(wav.dataBytes, `${file} is not empty`).toBeGreaterThan(400);
      }
    });
  }

  it('has every catalog prompt rendered, including phrases the flows play directly', () => {
    for (const lang of PROMPT_LANGUAGES) {
      for (const name of Object.keys(PROMPT_CATALOG[lang])) {
        expect(existsSync(promptPath(name, lang)), `${lang}/${name}`).toBe(true);
      }
    }
  });
});
