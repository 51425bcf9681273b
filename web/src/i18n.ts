/**
 * The portal's own texts in English, German, French and Spanish. Messages that come from
 * the API (field errors, the image-validation warning) are shown as the API words them.
 */

export const LANGUAGES = ['en', 'de', 'fr', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each language's name in itself, for the language menus. */
export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', de: 'Deutsch', fr: 'Français', es: 'Español' };

const en = {
  appName: 'Dialback',
  skip: 'Skip to content',
  language: 'Language',
  signOut: 'Sign out',
  signingOut: 'Signing out…',
  signedInAs: 'Signed in as {email}',
  loading: 'Loading…',
  mainNav: 'Main',
  menu: 'Menu',
  navCallnow: 'CallNow',
  networkError: 'The server cannot be reached. Check your connection and try again.',
  serverError: 'The server failed: {message}',
  sessionEnded: 'Your session has ended. Please sign in again.',
  signedOut: 'You are signed out.',
  forbidden: 'The server refused this: {message}',
  notFoundTitle: 'Page not found',
  notFoundText: 'There is no such page in the portal.',
  backToStart: 'Go to the start page',

  signInTitle: 'Sign in',
  signInIntro: 'Sign in to manage your extension.',
  email: 'E-mail address',
  password: 'Password',
  signIn: 'Sign in',
  signingIn: 'Signing in…',
  emailRequired: 'Enter your e-mail address.',
  passwordRequired: 'Enter your password.',
  tooManyAttempts: 'Too many sign-in attempts: sign-in is paused. Try again {when}.',
  tooManyAttemptsLater: 'Too many sign-in attempts: sign-in is paused. Try again later.',

  noExtension: 'Your user has no extension.',
  callbackExtension: 'Extension {number} is a callback extension; CallNow is for phone extensions.',

  callnowTitle: 'CallNow',
  callnowIntro: 'People who have your link can ask to be called back on extension {number} ({name}), at your expense.',
  notSetUp: 'CallNow is not set up for this extension yet. Choose your preferences and save them to set it up.',
  publicLinkTitle: 'Your public link',
  copyLink: 'Copy the link',
  copied: 'Link copied.',
  copyFailed: 'Could not copy: select the link and copy it yourself.',
  qrLabel: 'QR code of your public link',
  qrHint: 'Print it or show it on a screen: scanning it opens your CallNow page.',
  warningTitle: 'Image validation is off',
  preferencesTitle: 'Preferences',
  callnowId: 'CallNow ID',
  callnowIdHint: '3 to 32 letters, digits, "_" or "-"; it is the end of your link. Leave it empty for a random one.',
  requestsLegend: 'Requests',
  enabled: 'CallNow on: my page takes requests',
  confirm: 'Ask me to confirm each request (press 1) before the caller is called',
  rejectWhileOnPhone: 'Do not let people reach me while I am on the phone',
  pageLegend: 'Public page',
  showName: 'Show my name on the page',
  askName: "Ask for the caller's name (no anonymous requests)",
  captcha: 'Use image validation (CAPTCHA)',
  captchaHint: 'Callers type the characters of a picture, so machines cannot make calls you pay for.',
  pageLanguage: 'Language of the page',
  callersChoice: "Caller's choice",
  message: 'Welcome message',
  messageHint: 'Plain text, up to 500 characters.',
  availability: 'Available during',
  save: 'Save preferences',
  saving: 'Saving…',
  saved: 'Preferences saved.',
  notSaved: 'Not saved: {message}',

  rulesTitle: 'Rules',
  rulesIntro: 'Checked from top to bottom: the first rule that matches the caller decides. When none matches, the preferences above decide.',
  rulesPatterns: 'In a pattern, * stands for any characters and ? for one. A rule needs a number, a name, or both.',
  noRules: 'No rules: the preferences decide every request.',
  rule: 'Rule {n}',
  ruleNumber: "Caller's number",
  ruleNumberHint: 'e.g. +614*',
  ruleName: "Caller's name",
  ruleNameHint: 'e.g. *test*',
  ruleAction: 'Then',
  actionAccept: 'Call back at once',
  actionConfirm: 'Ask me to confirm',
  actionReject: 'Refuse',
  moveUp: 'Up',
  moveDown: 'Down',
  delete: 'Delete',
  moveUpLabel: 'Move rule {n} up',
  moveDownLabel: 'Move rule {n} down',
  deleteLabel: 'Delete rule {n}',
  addRule: 'Add a rule',
  saveRules: 'Save rules',
  rulesSaved: 'Rules saved.',
  pagesLabel: 'Pages',
  previousPage: 'Previous',
  nextPage: 'Next',
  pageOf: 'Page {page} of {pages}',
  closeDialog: 'Close',
  unsaved: 'Unsaved changes.',
  ruleMoved: 'Rule moved to position {n}.',
  ruleDeleted: 'Rule deleted.',
  ruleAdded: 'Rule {n} added.',
};

export type TextKey = keyof typeof en;
type Texts = Record<TextKey, string>;

const de: Texts = {
  appName: 'Dialback',
  skip: 'Zum Inhalt springen',
  language: 'Sprache',
  signOut: 'Abmelden',
  signingOut: 'Abmelden…',
  signedInAs: 'Angemeldet als {email}',
  loading: 'Wird geladen…',
  mainNav: 'Hauptmenü',
  menu: 'Menü',
  navCallnow: 'CallNow',
  networkError: 'Der Server ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.',
  serverError: 'Fehler auf dem Server: {message}',
  sessionEnded: 'Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.',
  signedOut: 'Sie sind abgemeldet.',
  forbidden: 'Der Server hat das abgelehnt: {message}',
  notFoundTitle: 'Seite nicht gefunden',
  notFoundText: 'Diese Seite gibt es im Portal nicht.',
  backToStart: 'Zur Startseite',

  signInTitle: 'Anmelden',
  signInIntro: 'Melden Sie sich an, um Ihre Nebenstelle zu verwalten.',
  email: 'E-Mail-Adresse',
  password: 'Passwort',
  signIn: 'Anmelden',
  signingIn: 'Anmeldung läuft…',
  emailRequired: 'Geben Sie Ihre E-Mail-Adresse ein.',
  passwordRequired: 'Geben Sie Ihr Passwort ein.',
  tooManyAttempts: 'Zu viele Anmeldeversuche: Die Anmeldung ist pausiert. Versuchen Sie es {when} erneut.',
  tooManyAttemptsLater: 'Zu viele Anmeldeversuche: Die Anmeldung ist pausiert. Versuchen Sie es später erneut.',

  noExtension: 'Ihrem Benutzer ist keine Nebenstelle zugeordnet.',
  callbackExtension: 'Nebenstelle {number} ist eine Rückruf-Nebenstelle; CallNow gibt es für Telefon-Nebenstellen.',

  callnowTitle: 'CallNow',
  callnowIntro: 'Wer Ihren Link hat, kann sich auf Ihre Kosten von Nebenstelle {number} ({name}) zurückrufen lassen.',
  notSetUp: 'CallNow ist für diese Nebenstelle noch nicht eingerichtet. Wählen Sie Ihre Einstellungen und speichern Sie sie, um es einzurichten.',
  publicLinkTitle: 'Ihr öffentlicher Link',
  copyLink: 'Link kopieren',
  copied: 'Link kopiert.',
  copyFailed: 'Kopieren nicht möglich: Markieren Sie den Link und kopieren Sie ihn selbst.',
  qrLabel: 'QR-Code Ihres öffentlichen Links',
  qrHint: 'Drucken Sie ihn aus oder zeigen Sie ihn auf einem Bildschirm: Wer ihn scannt, öffnet Ihre CallNow-Seite.',
  warningTitle: 'Die Bildprüfung ist aus',
  preferencesTitle: 'Einstellungen',
  callnowId: 'CallNow-ID',
  callnowIdHint: '3 bis 32 Buchstaben, Ziffern, „_“ oder „-“; sie ist das Ende Ihres Links. Leer lassen für eine zufällige.',
  requestsLegend: 'Anfragen',
  enabled: 'CallNow an: Meine Seite nimmt Anfragen an',
  confirm: 'Jede Anfrage von mir bestätigen lassen (Taste 1), bevor der Anrufer angerufen wird',
  rejectWhileOnPhone: 'Niemanden durchlassen, während ich telefoniere',
  pageLegend: 'Öffentliche Seite',
  showName: 'Meinen Namen auf der Seite zeigen',
  askName: 'Nach dem Namen des Anrufers fragen (keine anonymen Anfragen)',
  captcha: 'Bildprüfung (CAPTCHA) verwenden',
  captchaHint: 'Anrufer tippen die Zeichen eines Bildes ab, damit Maschinen keine Anrufe auf Ihre Kosten auslösen.',
  pageLanguage: 'Sprache der Seite',
  callersChoice: 'Wahl des Anrufers',
  message: 'Begrüßungstext',
  messageHint: 'Reiner Text, bis zu 500 Zeichen.',
  availability: 'Erreichbar während',
  save: 'Einstellungen speichern',
  saving: 'Wird gespeichert…',
  saved: 'Einstellungen gespeichert.',
  notSaved: 'Nicht gespeichert: {message}',

  rulesTitle: 'Regeln',
  rulesIntro: 'Sie werden von oben nach unten geprüft: Die erste Regel, die auf den Anrufer passt, entscheidet. Passt keine, entscheiden die Einstellungen oben.',
  rulesPatterns: 'In einem Muster steht * für beliebige Zeichen und ? für genau eines. Eine Regel braucht eine Nummer, einen Namen oder beides.',
  noRules: 'Keine Regeln: Die Einstellungen entscheiden über jede Anfrage.',
  rule: 'Regel {n}',
  ruleNumber: 'Nummer des Anrufers',
  ruleNumberHint: 'z. B. +614*',
  ruleName: 'Name des Anrufers',
  ruleNameHint: 'z. B. *test*',
  ruleAction: 'Dann',
  actionAccept: 'Sofort zurückrufen',
  actionConfirm: 'Mich bestätigen lassen',
  actionReject: 'Ablehnen',
  moveUp: 'Hoch',
  moveDown: 'Runter',
  delete: 'Löschen',
  moveUpLabel: 'Regel {n} nach oben schieben',
  moveDownLabel: 'Regel {n} nach unten schieben',
  deleteLabel: 'Regel {n} löschen',
  addRule: 'Regel hinzufügen',
  saveRules: 'Regeln speichern',
  rulesSaved: 'Regeln gespeichert.',
  pagesLabel: 'Seiten',
  previousPage: 'Zurück',
  nextPage: 'Weiter',
  pageOf: 'Seite {page} von {pages}',
  closeDialog: 'Schließen',
  unsaved: 'Ungespeicherte Änderungen.',
  ruleMoved: 'Regel an Position {n} verschoben.',
  ruleDeleted: 'Regel gelöscht.',
  ruleAdded: 'Regel {n} hinzugefügt.',
};

const fr: Texts = {
  appName: 'Dialback',
  skip: 'Aller au contenu',
  language: 'Langue',
  signOut: 'Se déconnecter',
  signingOut: 'Déconnexion…',
  signedInAs: 'Connecté en tant que {email}',
  loading: 'Chargement…',
  mainNav: 'Menu principal',
  menu: 'Menu',
  navCallnow: 'CallNow',
  networkError: 'Le serveur est injoignable. Vérifiez votre connexion et réessayez.',
  serverError: 'Erreur du serveur : {message}',
  sessionEnded: 'Votre session a pris fin. Veuillez vous reconnecter.',
  signedOut: 'Vous êtes déconnecté.',
  forbidden: 'Le serveur a refusé : {message}',
  notFoundTitle: 'Page introuvable',
  notFoundText: 'Cette page n’existe pas dans le portail.',
  backToStart: 'Aller à la page d’accueil',

  signInTitle: 'Connexion',
  signInIntro: 'Connectez-vous pour gérer votre poste.',
  email: 'Adresse e-mail',
  password: 'Mot de passe',
  signIn: 'Se connecter',
  signingIn: 'Connexion…',
  emailRequired: 'Saisissez votre adresse e-mail.',
  passwordRequired: 'Saisissez votre mot de passe.',
  tooManyAttempts: 'Trop de tentatives de connexion : la connexion est suspendue. Réessayez {when}.',
  tooManyAttemptsLater: 'Trop de tentatives de connexion : la connexion est suspendue. Réessayez plus tard.',

  noExtension: 'Aucun poste n’est associé à votre utilisateur.',
  callbackExtension: 'Le poste {number} est un poste de rappel ; CallNow est destiné aux postes téléphoniques.',

  callnowTitle: 'CallNow',
  callnowIntro: 'Toute personne ayant votre lien peut demander à être rappelée par le poste {number} ({name}), à vos frais.',
  notSetUp: 'CallNow n’est pas encore configuré pour ce poste. Choisissez vos préférences et enregistrez-les pour le configurer.',
  publicLinkTitle: 'Votre lien public',
  copyLink: 'Copier le lien',
  copied: 'Lien copié.',
  copyFailed: 'Copie impossible : sélectionnez le lien et copiez-le vous-même.',
  qrLabel: 'Code QR de votre lien public',
  qrHint: 'Imprimez-le ou affichez-le sur un écran : le scanner ouvre votre page CallNow.',
  warningTitle: 'La validation par image est désactivée',
  preferencesTitle: 'Préférences',
  callnowId: 'Identifiant CallNow',
  callnowIdHint: '3 à 32 lettres, chiffres, « _ » ou « - » ; c’est la fin de votre lien. Laissez vide pour un identifiant aléatoire.',
  requestsLegend: 'Demandes',
  enabled: 'CallNow activé : ma page accepte des demandes',
  confirm: 'Me demander de confirmer chaque demande (touche 1) avant d’appeler la personne',
  rejectWhileOnPhone: 'Ne pas me déranger pendant que je suis au téléphone',
  pageLegend: 'Page publique',
  showName: 'Afficher mon nom sur la page',
  askName: 'Demander le nom de l’appelant (pas de demandes anonymes)',
  captcha: 'Utiliser la validation par image (CAPTCHA)',
  captchaHint: 'Les appelants recopient les caractères d’une image, pour que des machines ne déclenchent pas d’appels à vos frais.',
  pageLanguage: 'Langue de la page',
  callersChoice: 'Au choix de l’appelant',
  message: 'Message d’accueil',
  messageHint: 'Texte brut, 500 caractères au plus.',
  availability: 'Disponible pendant',
  save: 'Enregistrer les préférences',
  saving: 'Enregistrement…',
  saved: 'Préférences enregistrées.',
  notSaved: 'Non enregistré : {message}',

  rulesTitle: 'Règles',
  rulesIntro: 'Elles sont vérifiées de haut en bas : la première règle qui correspond à l’appelant décide. Si aucune ne correspond, les préférences ci-dessus décident.',
  rulesPatterns: 'Dans un motif, * remplace n’importe quels caractères et ? un seul. Une règle demande un numéro, un nom, ou les deux.',
  noRules: 'Aucune règle : les préférences décident de chaque demande.',
  rule: 'Règle {n}',
  ruleNumber: 'Numéro de l’appelant',
  ruleNumberHint: 'p. ex. +614*',
  ruleName: 'Nom de l’appelant',
  ruleNameHint: 'p. ex. *test*',
  ruleAction: 'Alors',
  actionAccept: 'Rappeler aussitôt',
  actionConfirm: 'Me demander de confirmer',
  actionReject: 'Refuser',
  moveUp: 'Monter',
  moveDown: 'Descendre',
  delete: 'Supprimer',
  moveUpLabel: 'Monter la règle {n}',
  moveDownLabel: 'Descendre la règle {n}',
  deleteLabel: 'Supprimer la règle {n}',
  addRule: 'Ajouter une règle',
  saveRules: 'Enregistrer les règles',
  rulesSaved: 'Règles enregistrées.',
  pagesLabel: 'Pages',
  previousPage: 'Précédente',
  nextPage: 'Suivante',
  pageOf: 'Page {page} sur {pages}',
  closeDialog: 'Fermer',
  unsaved: 'Modifications non enregistrées.',
  ruleMoved: 'Règle déplacée en position {n}.',
  ruleDeleted: 'Règle supprimée.',
  ruleAdded: 'Règle {n} ajoutée.',
};

const es: Texts = {
  appName: 'Dialback',
  skip: 'Ir al contenido',
  language: 'Idioma',
  signOut: 'Cerrar sesión',
  signingOut: 'Cerrando sesión…',
  signedInAs: 'Sesión iniciada como {email}',
  loading: 'Cargando…',
  mainNav: 'Menú principal',
  menu: 'Menú',
  navCallnow: 'CallNow',
  networkError: 'No se puede conectar con el servidor. Compruebe su conexión e inténtelo de nuevo.',
  serverError: 'Error del servidor: {message}',
  sessionEnded: 'Su sesión ha terminado. Vuelva a iniciar sesión.',
  signedOut: 'Ha cerrado la sesión.',
  forbidden: 'El servidor lo ha rechazado: {message}',
  notFoundTitle: 'Página no encontrada',
  notFoundText: 'Esa página no existe en el portal.',
  backToStart: 'Ir a la página de inicio',

  signInTitle: 'Iniciar sesión',
  signInIntro: 'Inicie sesión para gestionar su extensión.',
  email: 'Correo electrónico',
  password: 'Contraseña',
  signIn: 'Iniciar sesión',
  signingIn: 'Iniciando sesión…',
  emailRequired: 'Escriba su correo electrónico.',
  passwordRequired: 'Escriba su contraseña.',
  tooManyAttempts: 'Demasiados intentos: el inicio de sesión está en pausa. Inténtelo de nuevo {when}.',
  tooManyAttemptsLater: 'Demasiados intentos: el inicio de sesión está en pausa. Inténtelo de nuevo más tarde.',

  noExtension: 'Su usuario no tiene ninguna extensión.',
  callbackExtension: 'La extensión {number} es una extensión de devolución de llamada; CallNow es para extensiones telefónicas.',

  callnowTitle: 'CallNow',
  callnowIntro: 'Quien tenga su enlace puede pedir que la extensión {number} ({name}) le devuelva la llamada, a su cargo.',
  notSetUp: 'CallNow aún no está configurado para esta extensión. Elija sus preferencias y guárdelas para configurarlo.',
  publicLinkTitle: 'Su enlace público',
  copyLink: 'Copiar el enlace',
  copied: 'Enlace copiado.',
  copyFailed: 'No se pudo copiar: seleccione el enlace y cópielo usted.',
  qrLabel: 'Código QR de su enlace público',
  qrHint: 'Imprímalo o muéstrelo en una pantalla: al escanearlo se abre su página CallNow.',
  warningTitle: 'La validación por imagen está desactivada',
  preferencesTitle: 'Preferencias',
  callnowId: 'ID de CallNow',
  callnowIdHint: 'De 3 a 32 letras, dígitos, «_» o «-»; es el final de su enlace. Déjelo vacío para uno aleatorio.',
  requestsLegend: 'Solicitudes',
  enabled: 'CallNow activado: mi página acepta solicitudes',
  confirm: 'Pedirme que confirme cada solicitud (tecla 1) antes de llamar a la persona',
  rejectWhileOnPhone: 'No dejar que me contacten mientras estoy al teléfono',
  pageLegend: 'Página pública',
  showName: 'Mostrar mi nombre en la página',
  askName: 'Pedir el nombre de quien llama (sin solicitudes anónimas)',
  captcha: 'Usar validación por imagen (CAPTCHA)',
  captchaHint: 'Quien llama copia los caracteres de una imagen, para que ninguna máquina haga llamadas a su cargo.',
  pageLanguage: 'Idioma de la página',
  callersChoice: 'A elección de quien llama',
  message: 'Mensaje de bienvenida',
  messageHint: 'Texto sin formato, hasta 500 caracteres.',
  availability: 'Disponible durante',
  save: 'Guardar preferencias',
  saving: 'Guardando…',
  saved: 'Preferencias guardadas.',
  notSaved: 'No se ha guardado: {message}',

  rulesTitle: 'Reglas',
  rulesIntro: 'Se comprueban de arriba abajo: decide la primera regla que coincide con quien llama. Si ninguna coincide, deciden las preferencias de arriba.',
  rulesPatterns: 'En un patrón, * equivale a cualquier carácter y ? a uno solo. Una regla necesita un número, un nombre o ambos.',
  noRules: 'No hay reglas: las preferencias deciden cada solicitud.',
  rule: 'Regla {n}',
  ruleNumber: 'Número de quien llama',
  ruleNumberHint: 'p. ej. +614*',
  ruleName: 'Nombre de quien llama',
  ruleNameHint: 'p. ej. *test*',
  ruleAction: 'Entonces',
  actionAccept: 'Devolver la llamada ya',
  actionConfirm: 'Pedirme confirmación',
  actionReject: 'Rechazar',
  moveUp: 'Subir',
  moveDown: 'Bajar',
  delete: 'Eliminar',
  moveUpLabel: 'Subir la regla {n}',
  moveDownLabel: 'Bajar la regla {n}',
  deleteLabel: 'Eliminar la regla {n}',
  addRule: 'Añadir una regla',
  saveRules: 'Guardar reglas',
  rulesSaved: 'Reglas guardadas.',
  pagesLabel: 'Páginas',
  previousPage: 'Anterior',
  nextPage: 'Siguiente',
  pageOf: 'Página {page} de {pages}',
  closeDialog: 'Cerrar',
  unsaved: 'Cambios sin guardar.',
  ruleMoved: 'Regla movida a la posición {n}.',
  ruleDeleted: 'Regla eliminada.',
  ruleAdded: 'Regla {n} añadida.',
};

const TEXTS: Record<Language, Texts> = { en, de, fr, es };
const STORAGE_KEY = 'dialback.portal.language';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The language chosen earlier in this browser, else the first of the browser's languages we have, else English. */
export function initialLanguage(): Language {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (isLanguage(stored)) return stored;
  } catch {
    // Storage may be off (private modes): fall back to the browser's languages.
  }
  const preferred = navigator.languages.length > 0 ? navigator.languages : [navigator.language];
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split('-')[0];
    if (isLanguage(primary)) return primary;
  }
  return 'en';
}

let current: Language = 'en';

export function currentLanguage(): Language {
  return current;
}

export function setLanguage(language: Language, remember: boolean): void {
  current = language;
  document.documentElement.lang = language;
  if (!remember) return;
  try {
    localStorage.setItem(STORAGE_KEY, language);
  } catch {
    // Not remembered; the choice holds for this page.
  }
}

/** The text for `key` in the current language, with `{name}` placeholders filled in. */
export function t(key: TextKey, params: Record<string, string | number> = {}): string {
  return TEXTS[current][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** "in 5 minutes" in the current language, for a wait given in seconds. */
export function inTime(seconds: number): string {
  const format = new Intl.RelativeTimeFormat(current, { numeric: 'always' });
  if (seconds < 90) return format.format(Math.max(1, Math.round(seconds)), 'second');
  if (seconds < 90 * 60) return format.format(Math.round(seconds / 60), 'minute');
  return format.format(Math.round(seconds / 3600), 'hour');
}
