/**
 * The public CallNow pages' words in every language we ship prompts in (SPEC §6:
 * internationalisation of the public pages and the voice prompts).
 */
export type PageLanguage = 'en' | 'de' | 'fr' | 'es';
export const PAGE_LANGUAGES: readonly PageLanguage[] = ['en', 'de', 'fr', 'es'];
export const LANGUAGE_NAMES: Record<PageLanguage, string> = { en: 'English', de: 'Deutsch', fr: 'Français', es: 'Español' };

export interface PageText {
  title: string;
  /** {name}: the owner's name. */
  introNamed: string;
  intro: string;
  name: string;
  nameOptional: string;
  phone: string;
  phoneHint: string;
  captcha: string;
  captchaHint: string;
  submit: string;
  language: string;
  choose: string;
  statusTitle: string;
  notFoundTitle: string;
  notFound: string;
  again: string;
  cost: string;
  noScript: string;
  errors: Record<'invalid-phone' | 'name-required' | 'captcha-wrong' | 'limited', string>;
  states: Record<string, string>;
  reasons: Record<string, string>;
}

const en: PageText = {
  title: 'Call me back',
  introNamed: 'Leave your number and {name} will call you back.',
  intro: 'Leave your number and you will be called back.',
  name: 'Your name',
  nameOptional: 'Your name (optional)',
  phone: 'Your phone number',
  phoneHint: 'With the country code (+44 20 7946 0958), or as you would dial it locally.',
  captcha: 'The characters in the image',
  captchaHint: 'Letters and digits; upper or lower case.',
  submit: 'Call me',
  language: 'Language',
  choose: 'Choose',
  statusTitle: 'Your call request',
  notFoundTitle: 'Link not found',
  notFound: 'This CallNow link does not exist or is not active. Check the address with whoever gave it to you.',
  again: 'Make another request',
  cost: 'Call cost',
  noScript: 'This page refreshes itself every few seconds.',
  errors: {
    'invalid-phone': 'That phone number cannot be used: {detail}',
    'name-required': 'Please enter your name.',
    'captcha-wrong': 'The characters did not match the image. Please try the new image.',
    limited: 'Too many requests. Please try again in {minutes} minutes.',
  },
  states: {
    received: 'Request received.',
    refused: 'The request cannot be placed.',
    'calling-owner': 'Calling the owner…',
    'owner-declined': 'The owner declined the call.',
    'owner-no-answer': 'The owner did not answer.',
    'calling-requester': 'The owner accepted. Calling you now…',
    'requester-no-answer': 'We called you but nobody answered.',
    connected: 'Connected. Enjoy your call.',
    completed: 'The call has finished.',
    failed: 'The call could not be completed.',
  },
  reasons: {
    'outside-hours': 'The owner is not available at this time.',
    'on-the-phone': 'The owner is on the phone right now.',
    'rule-rejected': 'The owner does not accept requests from this number.',
    'number-not-allowed': 'Calls to this number are not allowed.',
    'out-of-credit': "The owner's account has no credit for this call.",
    'concurrent-calls': 'All lines are busy right now. Please try again in a few minutes.',
    'daily-spend-cap': 'No more calls can be placed today. Please try again tomorrow.',
    unavailable: 'Not reachable right now.',
    busy: 'The line was busy.',
    'no-answer': 'Nobody answered.',
    declined: 'The call was declined.',
    'hung-up': 'The call was hung up.',
    'internal-error': 'Something went wrong on our side.',
    'credit-exhausted': "The call ended when the owner's credit ran out.",
    cancelled: 'The call was cancelled.',
  },
};

const de: PageText = {
  title: 'Rückruf',
  introNamed: 'Hinterlassen Sie Ihre Nummer, und {name} ruft Sie zurück.',
  intro: 'Hinterlassen Sie Ihre Nummer, und Sie werden zurückgerufen.',
  name: 'Ihr Name',
  nameOptional: 'Ihr Name (freiwillig)',
  phone: 'Ihre Telefonnummer',
  phoneHint: 'Mit Ländervorwahl (+49 30 123456) oder so, wie Sie sie im Inland wählen.',
  captcha: 'Die Zeichen im Bild',
  captchaHint: 'Buchstaben und Ziffern; Groß- oder Kleinschreibung.',
  submit: 'Rufen Sie mich an',
  language: 'Sprache',
  choose: 'Wählen',
  statusTitle: 'Ihre Rückrufanfrage',
  notFoundTitle: 'Link nicht gefunden',
  notFound: 'Diesen CallNow-Link gibt es nicht, oder er ist nicht aktiv. Prüfen Sie die Adresse bei der Person, die sie Ihnen gegeben hat.',
  again: 'Neue Anfrage',
  cost: 'Kosten des Anrufs',
  noScript: 'Diese Seite aktualisiert sich alle paar Sekunden.',
  errors: {
    'invalid-phone': 'Diese Telefonnummer ist nicht verwendbar: {detail}',
    'name-required': 'Bitte geben Sie Ihren Namen ein.',
    'captcha-wrong': 'Die Zeichen passten nicht zum Bild. Bitte versuchen Sie es mit dem neuen Bild.',
    limited: 'Zu viele Anfragen. Bitte versuchen Sie es in {minutes} Minuten wieder.',
  },
  states: {
    received: 'Anfrage erhalten.',
    refused: 'Die Anfrage kann nicht ausgeführt werden.',
    'calling-owner': 'Der Inhaber wird angerufen…',
    'owner-declined': 'Der Inhaber hat den Anruf abgelehnt.',
    'owner-no-answer': 'Der Inhaber hat sich nicht gemeldet.',
    'calling-requester': 'Der Inhaber hat angenommen. Wir rufen Sie jetzt an…',
    'requester-no-answer': 'Wir haben Sie angerufen, aber niemand hat sich gemeldet.',
    connected: 'Verbunden. Viel Spaß beim Gespräch.',
    completed: 'Das Gespräch ist beendet.',
    failed: 'Der Anruf konnte nicht zustande kommen.',
  },
  reasons: {
    'outside-hours': 'Der Inhaber ist zu dieser Zeit nicht erreichbar.',
    'on-the-phone': 'Der Inhaber telefoniert gerade.',
    'rule-rejected': 'Der Inhaber nimmt von dieser Nummer keine Anfragen an.',
    'number-not-allowed': 'Anrufe zu dieser Nummer sind nicht erlaubt.',
    'out-of-credit': 'Das Konto des Inhabers hat kein Guthaben für diesen Anruf.',
    'concurrent-calls': 'Alle Leitungen sind gerade belegt. Bitte versuchen Sie es in ein paar Minuten wieder.',
    'daily-spend-cap': 'Heute können keine weiteren Anrufe vermittelt werden. Bitte versuchen Sie es morgen wieder.',
    unavailable: 'Gerade nicht erreichbar.',
    busy: 'Die Leitung war besetzt.',
    'no-answer': 'Niemand hat sich gemeldet.',
    declined: 'Der Anruf wurde abgelehnt.',
    'hung-up': 'Es wurde aufgelegt.',
    'internal-error': 'Bei uns ist etwas schiefgegangen.',
    'credit-exhausted': 'Das Gespräch endete, als das Guthaben des Inhabers aufgebraucht war.',
    cancelled: 'Der Anruf wurde abgebrochen.',
  },
};

const fr: PageText = {
  title: 'Rappelez-moi',
  introNamed: 'Laissez votre numéro et {name} vous rappellera.',
  intro: 'Laissez votre numéro et vous serez rappelé.',
  name: 'Votre nom',
  nameOptional: 'Votre nom (facultatif)',
  phone: 'Votre numéro de téléphone',
  phoneHint: 'Avec l’indicatif du pays (+33 1 23 45 67 89), ou comme vous le composez localement.',
  captcha: 'Les caractères de l’image',
  captchaHint: 'Lettres et chiffres ; majuscules ou minuscules.',
  submit: 'Appelez-moi',
  language: 'Langue',
  choose: 'Choisir',
  statusTitle: 'Votre demande de rappel',
  notFoundTitle: 'Lien introuvable',
  notFound: 'Ce lien CallNow n’existe pas ou n’est pas actif. Vérifiez l’adresse auprès de la personne qui vous l’a donnée.',
  again: 'Nouvelle demande',
  cost: 'Coût de l’appel',
  noScript: 'Cette page se met à jour toutes les quelques secondes.',
  errors: {
    'invalid-phone': 'Ce numéro ne peut pas être utilisé : {detail}',
    'name-required': 'Veuillez indiquer votre nom.',
    'captcha-wrong': 'Les caractères ne correspondaient pas à l’image. Essayez avec la nouvelle image.',
    limited: 'Trop de demandes. Réessayez dans {minutes} minutes.',
  },
  states: {
    received: 'Demande reçue.',
    refused: 'La demande ne peut pas être traitée.',
    'calling-owner': 'Appel du titulaire…',
    'owner-declined': 'Le titulaire a refusé l’appel.',
    'owner-no-answer': 'Le titulaire n’a pas répondu.',
    'calling-requester': 'Le titulaire a accepté. Nous vous appelons…',
    'requester-no-answer': 'Nous vous avons appelé mais personne n’a répondu.',
    connected: 'Connecté. Bonne conversation.',
    completed: 'L’appel est terminé.',
    failed: 'L’appel n’a pas pu aboutir.',
  },
  reasons: {
    'outside-hours': 'Le titulaire n’est pas disponible à cette heure.',
    'on-the-phone': 'Le titulaire est déjà en ligne.',
    'rule-rejected': 'Le titulaire n’accepte pas les demandes de ce numéro.',
    'number-not-allowed': 'Les appels vers ce numéro ne sont pas autorisés.',
    'out-of-credit': 'Le compte du titulaire n’a pas de crédit pour cet appel.',
    'concurrent-calls': 'Toutes les lignes sont occupées. Réessayez dans quelques minutes.',
    'daily-spend-cap': 'Plus aucun appel ne peut être passé aujourd’hui. Réessayez demain.',
    unavailable: 'Injoignable pour le moment.',
    busy: 'La ligne était occupée.',
    'no-answer': 'Personne n’a répondu.',
    declined: 'L’appel a été refusé.',
    'hung-up': 'L’appel a été raccroché.',
    'internal-error': 'Un problème est survenu de notre côté.',
    'credit-exhausted': 'L’appel s’est terminé quand le crédit du titulaire a été épuisé.',
    cancelled: 'L’appel a été annulé.',
  },
};

const es: PageText = {
  title: 'Llámame',
  introNamed: 'Deje su número y {name} le devolverá la llamada.',
  intro: 'Deje su número y le devolverán la llamada.',
  name: 'Su nombre',
  nameOptional: 'Su nombre (opcional)',
  phone: 'Su número de teléfono',
  phoneHint: 'Con el prefijo del país (+34 912 345 678), o como lo marcaría localmente.',
  captcha: 'Los caracteres de la imagen',
  captchaHint: 'Letras y cifras; mayúsculas o minúsculas.',
  submit: 'Llámenme',
  language: 'Idioma',
  choose: 'Elegir',
  statusTitle: 'Su solicitud de llamada',
  notFoundTitle: 'Enlace no encontrado',
  notFound: 'Este enlace CallNow no existe o no está activo. Compruebe la dirección con quien se la dio.',
  again: 'Nueva solicitud',
  cost: 'Coste de la llamada',
  noScript: 'Esta página se actualiza cada pocos segundos.',
  errors: {
    'invalid-phone': 'Ese número no se puede usar: {detail}',
    'name-required': 'Por favor, escriba su nombre.',
    'captcha-wrong': 'Los caracteres no coincidían con la imagen. Pruebe con la nueva imagen.',
    limited: 'Demasiadas solicitudes. Vuelva a intentarlo dentro de {minutes} minutos.',
  },
  states: {
    received: 'Solicitud recibida.',
    refused: 'No se puede atender la solicitud.',
    'calling-owner': 'Llamando al titular…',
    'owner-declined': 'El titular rechazó la llamada.',
    'owner-no-answer': 'El titular no contestó.',
    'calling-requester': 'El titular aceptó. Le estamos llamando…',
    'requester-no-answer': 'Le llamamos pero nadie contestó.',
    connected: 'Conectado. Disfrute de su llamada.',
    completed: 'La llamada ha terminado.',
    failed: 'No se pudo completar la llamada.',
  },
  reasons: {
    'outside-hours': 'El titular no está disponible a esta hora.',
    'on-the-phone': 'El titular está hablando por teléfono.',
    'rule-rejected': 'El titular no acepta solicitudes de este número.',
    'number-not-allowed': 'No se permiten llamadas a este número.',
    'out-of-credit': 'La cuenta del titular no tiene saldo para esta llamada.',
    'concurrent-calls': 'Todas las líneas están ocupadas. Vuelva a intentarlo en unos minutos.',
    'daily-spend-cap': 'Hoy no se pueden realizar más llamadas. Vuelva a intentarlo mañana.',
    unavailable: 'No disponible en este momento.',
    busy: 'La línea estaba ocupada.',
    'no-answer': 'Nadie contestó.',
    declined: 'La llamada fue rechazada.',
    'hung-up': 'Se colgó la llamada.',
    'internal-error': 'Algo salió mal por nuestra parte.',
    'credit-exhausted': 'La llamada terminó cuando se agotó el saldo del titular.',
    cancelled: 'La llamada fue cancelada.',
  },
};

export const PAGE_TEXT: Record<PageLanguage, PageText> = { en, de, fr, es };

export function isPageLanguage(value: string | undefined): value is PageLanguage {
  return value !== undefined && (PAGE_LANGUAGES as readonly string[]).includes(value);
}

/** The best of our languages for an Accept-Language header (RFC 9110 §12.5.4), English when none fits. */
export function languageFromHeader(header: string | undefined): PageLanguage {
  if (!header) return 'en';
  const ranked = header
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { lang: tag.trim().toLowerCase().split('-')[0] ?? '', q: q === undefined ? 1 : Number(q) };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q);
  return ranked.map((entry) => entry.lang).find(isPageLanguage) ?? 'en';
}
