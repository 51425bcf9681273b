/**
 * The texts of every recorded prompt, per language, keyed by a stable,
 * filesystem-safe prompt name. `scripts/prompts/generate.ts` renders each
 * entry to `prompts/<lang>/<name>.wav`; `speech.ts` composes sentences from
 * the names. Renaming a key orphans shipped audio, so names are append-only.
 */

export type PromptLanguage = 'en' | 'de' | 'fr' | 'es';

export const PROMPT_LANGUAGES: readonly PromptLanguage[] = ['en', 'de', 'fr', 'es'];

type Texts = Record<PromptLanguage, string>;

/** Whole sentences and connecting words used by the call flows. */
const PHRASES: Record<string, Texts> = {
  // CallNow, owner side.
  'call-request-from': {
    en: 'You have a call request from',
    de: 'Sie haben eine Anrufanfrage von',
    fr: 'Vous avez une demande d’appel de la part de',
    es: 'Tiene una solicitud de llamada de',
  },
  'press-1-accept-2-decline': {
    en: 'Press 1 to accept, or 2 to decline.',
    de: 'Drücken Sie die 1, um anzunehmen, oder die 2, um abzulehnen.',
    fr: 'Appuyez sur 1 pour accepter, ou sur 2 pour refuser.',
    es: 'Pulse 1 para aceptar, o 2 para rechazar.',
  },
  'connecting-now': {
    en: 'Connecting you now.',
    de: 'Sie werden jetzt verbunden.',
    fr: 'Nous vous mettons en relation.',
    es: 'Le estamos conectando.',
  },
  'request-declined': {
    en: 'The request was declined.',
    de: 'Die Anfrage wurde abgelehnt.',
    fr: 'La demande a été refusée.',
    es: 'La solicitud ha sido rechazada.',
  },
  goodbye: {
    en: 'Goodbye.',
    de: 'Auf Wiederhören.',
    fr: 'Au revoir.',
    es: 'Adiós.',
  },
  // Callback side.
  'enter-password': {
    en: 'Please enter your password, followed by the hash key.',
    de: 'Bitte geben Sie Ihr Passwort ein, gefolgt von der Rautetaste.',
    fr: 'Veuillez saisir votre mot de passe, suivi de la touche dièse.',
    es: 'Introduzca su contraseña, seguida de la tecla almohadilla.',
  },
  'wrong-password': {
    en: 'Wrong password.',
    de: 'Falsches Passwort.',
    fr: 'Mot de passe incorrect.',
    es: 'Contraseña incorrecta.',
  },
  'too-many-attempts': {
    en: 'Too many wrong attempts. Goodbye.',
    de: 'Zu viele Fehlversuche. Auf Wiederhören.',
    fr: 'Trop de tentatives erronées. Au revoir.',
    es: 'Demasiados intentos fallidos. Adiós.',
  },
  'remaining-credit-is': {
    en: 'Your remaining credit is',
    de: 'Ihr Restguthaben beträgt',
    fr: 'Votre crédit restant est de',
    es: 'Su saldo restante es de',
  },
  'credit-unlimited': {
    en: 'Your credit is unlimited.',
    de: 'Ihr Guthaben ist unbegrenzt.',
    fr: 'Votre crédit est illimité.',
    es: 'Su saldo es ilimitado.',
  },
  'enter-number': {
    en: 'Please enter the number you want to call, followed by the hash key.',
    de: 'Bitte geben Sie die gewünschte Rufnummer ein, gefolgt von der Rautetaste.',
    fr: 'Veuillez composer le numéro que vous souhaitez appeler, suivi de la touche dièse.',
    es: 'Marque el número al que desea llamar, seguido de la tecla almohadilla.',
  },
  'number-invalid': {
    en: 'This number is not valid.',
    de: 'Diese Rufnummer ist ungültig.',
    fr: 'Ce numéro n’est pas valide.',
    es: 'Este número no es válido.',
  },
  'destination-blocked': {
    en: 'This destination cannot be called.',
    de: 'Dieses Ziel kann nicht angerufen werden.',
    fr: 'Cette destination ne peut pas être appelée.',
    es: 'No se puede llamar a este destino.',
  },
  'credit-exhausted': {
    en: 'Your credit is exhausted.',
    de: 'Ihr Guthaben ist aufgebraucht.',
    fr: 'Votre crédit est épuisé.',
    es: 'Su saldo se ha agotado.',
  },
  'credit-insufficient': {
    en: 'Not enough credit for this call.',
    de: 'Ihr Guthaben reicht für diesen Anruf nicht aus.',
    fr: 'Votre crédit est insuffisant pour cet appel.',
    es: 'No tiene saldo suficiente para esta llamada.',
  },
  'try-again-later': {
    en: 'Please try again later.',
    de: 'Bitte versuchen Sie es später noch einmal.',
    fr: 'Veuillez réessayer plus tard.',
    es: 'Por favor, inténtelo de nuevo más tarde.',
  },
  'please-wait-connecting': {
    en: 'Please wait while we connect your call.',
    de: 'Bitte warten Sie, Ihr Anruf wird verbunden.',
    fr: 'Veuillez patienter, nous établissons votre appel.',
    es: 'Espere mientras conectamos su llamada.',
  },
  minus: { en: 'minus', de: 'minus', fr: 'moins', es: 'menos' },
  and: { en: 'and', de: 'und', fr: 'et', es: 'y' },
  // Keypad symbols, for sayDigits.
  star: { en: 'star', de: 'Stern', fr: 'étoile', es: 'asterisco' },
  hash: { en: 'hash', de: 'Raute', fr: 'dièse', es: 'almohadilla' },
  plus: { en: 'plus', de: 'plus', fr: 'plus', es: 'más' },
  // Decimal separator, for amounts in currencies we have no words for.
  point: { en: 'point', de: 'Komma', fr: 'virgule', es: 'coma' },
  // Scale words; the per-language rules that use them live in speech.ts.
  thousand: { en: 'thousand', de: 'tausend', fr: 'mille', es: 'mil' },
  million: { en: 'million', de: 'Million', fr: 'million', es: 'millón' },
  millions: { en: 'million', de: 'Millionen', fr: 'millions', es: 'millones' },
};

/** Words that exist only in some languages (grammatical variants). */
const VARIANTS: Record<PromptLanguage, Record<string, string>> = {
  en: {},
  de: {
    // "ein Dollar", "hundertein Euro": the counting form "eins" is wrong before a noun.
    'number-1-masc': 'ein',
    // "zweihunderteine Millionen".
    'number-1-fem': 'eine',
    'million-1': 'eine Million',
  },
  fr: {
    'number-1-fem': 'une',
    'number-21-fem': 'vingt-et-une', // hyphenated, or the synthesizer drops the liaison
    'number-31-fem': 'trente et une',
    'number-41-fem': 'quarante et une',
    'number-51-fem': 'cinquante et une',
    'number-61-fem': 'soixante et une',
    'number-81-fem': 'quatre-vingt-une',
    // "un million de dollars", "deux millions d'euros": exact millions take "de".
    'dollars-of': 'de dollars',
    'euros-of': 'd’euros',
    'pounds-of': 'de livres',
    'francs-of': 'de francs',
  },
  es: {
    // Apocope before a noun or "mil": "un dólar", "veintiún mil".
    'number-1-masc': 'un',
    'number-21-masc': 'veintiún',
    'number-31-masc': 'treinta y un',
    'number-41-masc': 'cuarenta y un',
    'number-51-masc': 'cincuenta y un',
    'number-61-masc': 'sesenta y un',
    'number-71-masc': 'setenta y un',
    'number-81-masc': 'ochenta y un',
    'number-91-masc': 'noventa y un',
    // Feminine nouns ("libra"): "una libra", "doscientas libras".
    'number-1-fem': 'una',
    'number-21-fem': 'veintiuna',
    'number-31-fem': 'treinta y una',
    'number-41-fem': 'cuarenta y una',
    'number-51-fem': 'cincuenta y una',
    'number-61-fem': 'sesenta y una',
    'number-71-fem': 'setenta y una',
    'number-81-fem': 'ochenta y una',
    'number-91-fem': 'noventa y una',
    'hundred-2-fem': 'doscientas',
    'hundred-3-fem': 'trescientas',
    'hundred-4-fem': 'cuatrocientas',
    'hundred-5-fem': 'quinientas',
    'hundred-6-fem': 'seiscientas',
    'hundred-7-fem': 'setecientas',
    'hundred-8-fem': 'ochocientas',
    'hundred-9-fem': 'novecientas',
    // "cien" alone, "ciento uno" when followed by more.
    'hundred-1-compound': 'ciento',
    'million-1': 'un millón',
    'dollars-of': 'de dólares',
    'euros-of': 'de euros',
    'pounds-of': 'de libras',
    'francs-of': 'de francos',
  },
};

/** Currency unit words: major singular/plural, minor singular/plural. */
const CURRENCY_WORDS: Record<string, Texts> = {
  dollar: { en: 'dollar', de: 'Dollar', fr: 'dollar', es: 'dólar' },
  dollars: { en: 'dollars', de: 'Dollar', fr: 'dollars', es: 'dólares' },
  // French "cent" (sɛnt) would be read as "cent" (100) by the synthesizer.
  'dollar-cent': { en: 'cent', de: 'Cent', fr: 'centime', es: 'centavo' },
  'dollar-cents': { en: 'cents', de: 'Cent', fr: 'centimes', es: 'centavos' },
  euro: { en: 'euro', de: 'Euro', fr: 'euro', es: 'euro' },
  euros: { en: 'euros', de: 'Euro', fr: 'euros', es: 'euros' },
  'euro-cent': { en: 'cent', de: 'Cent', fr: 'centime', es: 'céntimo' },
  'euro-cents': { en: 'cents', de: 'Cent', fr: 'centimes', es: 'céntimos' },
  pound: { en: 'pound', de: 'Pfund', fr: 'livre', es: 'libra' },
  pounds: { en: 'pounds', de: 'Pfund', fr: 'livres', es: 'libras' },
  penny: { en: 'penny', de: 'Penny', fr: 'penny', es: 'penique' },
  pence: { en: 'pence', de: 'Pence', fr: 'pence', es: 'peniques' },
  franc: { en: 'franc', de: 'Franken', fr: 'franc', es: 'franco' },
  francs: { en: 'francs', de: 'Franken', fr: 'francs', es: 'francos' },
  'franc-centime': { en: 'centime', de: 'Rappen', fr: 'centime', es: 'céntimo' },
  'franc-centimes': { en: 'centimes', de: 'Rappen', fr: 'centimes', es: 'céntimos' },
};

export interface CurrencyWords {
  major: { one: string; many: string; /** prompt for "de <plural>" after exact millions (fr, es) */ of: string };
  minor: { one: string; many: string };
  /** Grammatical gender of the major unit per language, for number agreement. */
  feminine: readonly PromptLanguage[];
}

const DOLLAR: CurrencyWords = {
  major: { one: 'dollar', many: 'dollars', of: 'dollars-of' },
  minor: { one: 'dollar-cent', many: 'dollar-cents' },
  feminine: [],
};

/** Currencies we have unit words for; others fall back (see sayMoney). */
export const CURRENCIES: Readonly<Record<string, CurrencyWords>> = {
  AUD: DOLLAR,
  USD: DOLLAR,
  CAD: DOLLAR,
  NZD: DOLLAR,
  EUR: {
    major: { one: 'euro', many: 'euros', of: 'euros-of' },
    minor: { one: 'euro-cent', many: 'euro-cents' },
    feminine: [],
  },
  GBP: {
    major: { one: 'pound', many: 'pounds', of: 'pounds-of' },
    minor: { one: 'penny', many: 'pence' },
    feminine: ['fr', 'es'],
  },
  CHF: {
    major: { one: 'franc', many: 'francs', of: 'francs-of' },
    minor: { one: 'franc-centime', many: 'franc-centimes' },
    feminine: [],
  },
};

/**
 * Letter names, to spell the code of a currency we have no words for. Some are
 * spelled the way espeak-ng pronounces them right ("A", "Ell", "èm").
 */
const LETTERS: Texts[] = (() => {
  const en = 'A bee see dee ee ef gee aitch eye jay kay el em en oh pee cue ar ess tee you vee double-you ex why zed';
  const de = 'A Be Ze De E Eff Ge Ha I Jott Ka Ell Emm Enn O Pe Ku Er Es Te U Vau We Ix Ypsilon Zett';
  const fr = 'a bé cé dé eu effe gé ache i ji ka elle èm enne o pé ku erre esse té u vé double-vé ixe i-grec zède';
  const es = 'a be ce de e efe ge hache i jota ka ele eme ene o pe cu erre ese te u uve uve-doble equis i-griega zeta';
  const split = (s: string): string[] => s.split(' ').map((w) => w.replace(/-/g, ' '));
  const [e, d, f, s] = [split(en), split(de), split(fr), split(es)];
  return e.map((_, i) => ({ en: e[i]!, de: d[i]!, fr: f[i]!, es: s[i]! }));
})();

// --- Number words 0–99, spelled out so each is recorded as one word. ---

const EN_ONES = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine',
  'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen',
];
const EN_TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

const DE_ONES = [
  'null', 'eins', 'zwei', 'drei', 'vier', 'fünf', 'sechs', 'sieben', 'acht', 'neun',
  'zehn', 'elf', 'zwölf', 'dreizehn', 'vierzehn', 'fünfzehn', 'sechzehn', 'siebzehn', 'achtzehn', 'neunzehn',
];
const DE_TENS = ['', '', 'zwanzig', 'dreißig', 'vierzig', 'fünfzig', 'sechzig', 'siebzig', 'achtzig', 'neunzig'];

const FR_ONES = [
  'zéro', 'un', 'deux', 'trois', 'quatre', 'cinq', 'six', 'sept', 'huit', 'neuf',
  'dix', 'onze', 'douze', 'treize', 'quatorze', 'quinze', 'seize', 'dix-sept', 'dix-huit', 'dix-neuf',
];
const FR_TENS = ['', '', 'vingt', 'trente', 'quarante', 'cinquante', 'soixante'];

const ES_ONES = [
  'cero', 'uno', 'dos', 'tres', 'cuatro', 'cinco', 'seis', 'siete', 'ocho', 'nueve',
  'diez', 'once', 'doce', 'trece', 'catorce', 'quince', 'dieciséis', 'diecisiete', 'dieciocho', 'diecinueve',
  'veinte', 'veintiuno', 'veintidós', 'veintitrés', 'veinticuatro', 'veinticinco', 'veintiséis', 'veintisiete',
  'veintiocho', 'veintinueve',
];
const ES_TENS = ['', '', '', 'treinta', 'cuarenta', 'cincuenta', 'sesenta', 'setenta', 'ochenta', 'noventa'];

function enWord(n: number): string {
  if (n < 20) return EN_ONES[n]!;
  const t = EN_TENS[Math.floor(n / 10)]!;
  return n % 10 === 0 ? t : `${t}-${EN_ONES[n % 10]!}`;
}

function deWord(n: number): string {
  if (n < 20) return DE_ONES[n]!;
  const t = DE_TENS[Math.floor(n / 10)]!;
  const u = n % 10;
  return u === 0 ? t : `${u === 1 ? 'ein' : DE_ONES[u]!}und${t}`;
}

function frWord(n: number): string {
  if (n < 20) return FR_ONES[n]!;
  if (n < 70) {
    const t = FR_TENS[Math.floor(n / 10)]!;
    const u = n % 10;
    if (u === 0) return t;
    return u === 1 ? `${t} et un` : `${t}-${FR_ONES[u]!}`;
  }
  if (n < 80) return n === 71 ? 'soixante et onze' : `soixante-${FR_ONES[n - 60]!}`;
  if (n === 80) return 'quatre-vingts';
  return `quatre-vingt-${FR_ONES[n - 80]!}`;
}

function esWord(n: number): string {
  if (n < 30) return ES_ONES[n]!;
  const t = ES_TENS[Math.floor(n / 10)]!;
  return n % 10 === 0 ? t : `${t} y ${ES_ONES[n % 10]!}`;
}

const HUNDREDS: Record<PromptLanguage, (h: number) => string> = {
  en: (h) => `${EN_ONES[h]!} hundred`,
  de: (h) => (h === 1 ? 'hundert' : `${DE_ONES[h]!}hundert`),
  fr: (h) => (h === 1 ? 'cent' : `${FR_ONES[h]!} cents`),
  es: (h) =>
    ['', 'cien', 'doscientos', 'trescientos', 'cuatrocientos', 'quinientos', 'seiscientos', 'setecientos',
      'ochocientos', 'novecientos'][h]!,
};

const NUMBER_WORD: Record<PromptLanguage, (n: number) => string> = { en: enWord, de: deWord, fr: frWord, es: esWord };

function buildCatalog(lang: PromptLanguage): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, t] of Object.entries(PHRASES)) out[name] = t[lang];
  for (const [name, t] of Object.entries(CURRENCY_WORDS)) out[name] = t[lang];
  for (let n = 0; n < 100; n++) out[`number-${n}`] = NUMBER_WORD[lang](n);
  for (let h = 1; h <= 9; h++) out[`hundred-${h}`] = HUNDREDS[lang](h);
  LETTERS.forEach((t, i) => {
    out[`letter-${String.fromCharCode(97 + i)}`] = t[lang];
  });
  Object.assign(out, VARIANTS[lang]);
  return Object.freeze(out);
}

/** Prompt name → text to speak, per language. */
export const PROMPT_CATALOG: Readonly<Record<PromptLanguage, Readonly<Record<string, string>>>> = Object.freeze({
  en: buildCatalog('en'),
  de: buildCatalog('de'),
  fr: buildCatalog('fr'),
  es: buildCatalog('es'),
});

/** espeak-ng voice for each language. */
export const ESPEAK_VOICES: Readonly<Record<PromptLanguage, string>> = { en: 'en', de: 'de', fr: 'fr', es: 'es' };
