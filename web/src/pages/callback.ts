import { announce } from '../announce.js';
import { ApiError, api, type Extension } from '../api.js';
import { callbackApi, type CallbackSettings, type CallbackSettingsChange, type LibrarySound, type PromptLanguage, type ReturnMode } from '../api/callback.js';
import { BASE, describeError, extensionIdOf, manager, ownsExtension, type Page, type PortalContext, type PortalRoute, type RouteParams } from '../app.js';
import { h } from '../dom.js';
import { LANGUAGES, LANGUAGE_NAMES } from '../i18n.js';
import { defineTexts } from '../texts.js';
import { alertBox, busyButton, checkField, loadingOrError, selectField, textField } from '../ui.js';
import './callback.css';

export const tx = defineTexts(
  {
    navCallback: 'Callback',
    title: 'Callback settings',
    intro: 'People call extension {number} ({name}) from any phone; it rings, hangs up without answering (so the call costs them nothing) and calls them back.',
    notCallback: 'Extension {number} is not a callback extension; it has no callback settings.',
    noExtension: 'Your user has no extension.',
    licence: '{active} of {limit} active',
    licenceTitle: 'Authorized CallerIDs',
    licenceOrganization: 'Your organization allows at most {limit}.',
    openCallerIds: 'Manage the authorized CallerIDs',
    incomingLegend: 'Incoming calls',
    ringSeconds: 'Ring for (seconds)',
    ringSecondsHint: 'How long an incoming call rings before it is refused and called back: 0 to 120.',
    returnLegend: 'Whom to call back',
    returnAuthorized: 'Only callers whose CallerID is on the authorized list',
    returnCallerId: 'Any caller, on their CallerID (a hidden CallerID gets no callback)',
    returnFixed: 'Always the fixed number below',
    fixedNumber: 'Fixed number',
    fixedNumberHint: 'With country code (+61412345678) or in national form.',
    answeredLegend: 'When the callback is answered',
    passwordSet: 'A password is set for this extension.',
    passwordNone: 'No password is set: callbacks need none.',
    newPassword: 'New password',
    newPasswordHint: '1 to 20 digits. Leave it empty to keep the password as it is.',
    password: 'Password',
    passwordHint: '1 to 20 digits. Leave it empty for no password.',
    removePassword: 'Remove the password',
    perCallerIdPassword: "Ask for the authorized CallerID's own password instead, when it has one",
    creditInquiry: 'Offer to say the remaining credit',
    dialTimeoutSeconds: 'Time to dial the number (seconds)',
    dialTimeoutHint: 'How long the user has to key in the number they want to call: 1 to 120; # ends the number.',
    language: 'Language of the voice prompts',
    sound: 'Sound when the credit runs out',
    soundHint: 'Played to the user before the call is cut.',
    shippedSound: 'Shipped prompt: "your credit is exhausted"',
    soundOf: '{name} ({length}, {owner})',
    soundMissing: '{name} (not in the sound library: the shipped prompt plays)',
    soundLibrary: 'Open the sound library',
    licenceLegend: 'Licence',
    maxCallerIds: 'Active authorized CallerIDs allowed',
    maxCallerIdsHint: 'Only active CallerIDs count. 0 to 100000.',
    maxCallerIdsFixed: 'The licence allows {limit} active authorized CallerIDs; your provider or reseller changes it.',
    wholeNumber: 'Enter a whole number.',
    save: 'Save the settings',
    saved: 'Settings saved.',
    notSaved: 'Not saved: {message}',
  },
  {
    de: {
      navCallback: 'Rückruf',
      title: 'Rückruf-Einstellungen',
      intro: 'Man ruft die Nebenstelle {number} ({name}) von einem beliebigen Telefon an; es klingelt, legt ohne Annahme auf (der Anruf kostet nichts) und ruft zurück.',
      notCallback: 'Die Nebenstelle {number} ist keine Rückruf-Nebenstelle; sie hat keine Rückruf-Einstellungen.',
      noExtension: 'Ihr Benutzer hat keine Nebenstelle.',
      licence: '{active} von {limit} aktiv',
      licenceTitle: 'Berechtigte Rufnummern',
      licenceOrganization: 'Ihre Organisation erlaubt höchstens {limit}.',
      openCallerIds: 'Berechtigte Rufnummern verwalten',
      incomingLegend: 'Eingehende Anrufe',
      ringSeconds: 'Klingeln lassen (Sekunden)',
      ringSecondsHint: 'Wie lange ein Anruf klingelt, bevor er abgewiesen und zurückgerufen wird: 0 bis 120.',
      returnLegend: 'Wer zurückgerufen wird',
      returnAuthorized: 'Nur Anrufer, deren Rufnummer in der Liste der berechtigten steht',
      returnCallerId: 'Jeder Anrufer, auf seiner Rufnummer (unterdrückte Nummern werden nicht zurückgerufen)',
      returnFixed: 'Immer die feste Nummer unten',
      fixedNumber: 'Feste Nummer',
      fixedNumberHint: 'Mit Ländervorwahl (+61412345678) oder in nationaler Form.',
      answeredLegend: 'Wenn der Rückruf angenommen wird',
      passwordSet: 'Für diese Nebenstelle ist ein Passwort gesetzt.',
      passwordNone: 'Kein Passwort gesetzt: Rückrufe brauchen keines.',
      newPassword: 'Neues Passwort',
      newPasswordHint: '1 bis 20 Ziffern. Leer lassen, um das Passwort zu behalten.',
      password: 'Passwort',
      passwordHint: '1 bis 20 Ziffern. Leer lassen für kein Passwort.',
      removePassword: 'Passwort entfernen',
      perCallerIdPassword: 'Stattdessen das eigene Passwort der berechtigten Rufnummer abfragen, wenn sie eines hat',
      creditInquiry: 'Ansage des verbleibenden Guthabens anbieten',
      dialTimeoutSeconds: 'Zeit zum Wählen (Sekunden)',
      dialTimeoutHint: 'Wie lange man Zeit hat, die gewünschte Nummer einzutippen: 1 bis 120; # beendet die Nummer.',
      language: 'Sprache der Ansagen',
      sound: 'Ansage, wenn das Guthaben aufgebraucht ist',
      soundHint: 'Wird abgespielt, bevor das Gespräch getrennt wird.',
      shippedSound: 'Mitgelieferte Ansage: „Ihr Guthaben ist aufgebraucht“',
      soundOf: '{name} ({length}, {owner})',
      soundMissing: '{name} (nicht in der Klangbibliothek: die mitgelieferte Ansage wird gespielt)',
      soundLibrary: 'Klangbibliothek öffnen',
      licenceLegend: 'Lizenz',
      maxCallerIds: 'Erlaubte aktive berechtigte Rufnummern',
      maxCallerIdsHint: 'Nur aktive Rufnummern zählen. 0 bis 100000.',
      maxCallerIdsFixed: 'Die Lizenz erlaubt {limit} aktive berechtigte Rufnummern; Ihr Anbieter oder Wiederverkäufer ändert sie.',
      wholeNumber: 'Geben Sie eine ganze Zahl ein.',
      save: 'Einstellungen speichern',
      saved: 'Einstellungen gespeichert.',
      notSaved: 'Nicht gespeichert: {message}',
    },
    fr: {
      navCallback: 'Rappel',
      title: 'Réglages du rappel',
      intro: "On appelle le poste {number} ({name}) depuis n'importe quel téléphone ; il sonne, raccroche sans décrocher (l'appel ne coûte rien) et rappelle.",
      notCallback: "Le poste {number} n'est pas un poste de rappel ; il n'a pas de réglages de rappel.",
      noExtension: "Votre utilisateur n'a pas de poste.",
      licence: '{active} sur {limit} actifs',
      licenceTitle: 'Numéros autorisés',
      licenceOrganization: 'Votre organisation en permet au plus {limit}.',
      openCallerIds: 'Gérer les numéros autorisés',
      incomingLegend: 'Appels entrants',
      ringSeconds: 'Laisser sonner (secondes)',
      ringSecondsHint: 'Durée de sonnerie avant refus et rappel : 0 à 120.',
      returnLegend: 'Qui rappeler',
      returnAuthorized: 'Seulement les appelants dont le numéro est dans la liste des numéros autorisés',
      returnCallerId: "Tout appelant, sur son numéro (un numéro masqué n'est pas rappelé)",
      returnFixed: 'Toujours le numéro fixe ci-dessous',
      fixedNumber: 'Numéro fixe',
      fixedNumberHint: 'Avec indicatif du pays (+61412345678) ou au format national.',
      answeredLegend: 'Quand le rappel est décroché',
      passwordSet: 'Un mot de passe est défini pour ce poste.',
      passwordNone: "Aucun mot de passe : les rappels n'en demandent pas.",
      newPassword: 'Nouveau mot de passe',
      newPasswordHint: '1 à 20 chiffres. Laissez vide pour garder le mot de passe.',
      password: 'Mot de passe',
      passwordHint: '1 à 20 chiffres. Laissez vide pour aucun mot de passe.',
      removePassword: 'Supprimer le mot de passe',
      perCallerIdPassword: "Demander plutôt le mot de passe propre au numéro autorisé, s'il en a un",
      creditInquiry: "Proposer d'annoncer le crédit restant",
      dialTimeoutSeconds: 'Temps pour composer (secondes)',
      dialTimeoutHint: 'Temps laissé pour taper le numéro voulu : 1 à 120 ; # termine le numéro.',
      language: 'Langue des annonces',
      sound: 'Annonce quand le crédit est épuisé',
      soundHint: "Jouée avant que l'appel soit coupé.",
      shippedSound: 'Annonce fournie : « votre crédit est épuisé »',
      soundOf: '{name} ({length}, {owner})',
      soundMissing: "{name} (absent de la sonothèque : l'annonce fournie est jouée)",
      soundLibrary: 'Ouvrir la sonothèque',
      licenceLegend: 'Licence',
      maxCallerIds: 'Numéros autorisés actifs permis',
      maxCallerIdsHint: 'Seuls les numéros actifs comptent. 0 à 100000.',
      maxCallerIdsFixed: 'La licence permet {limit} numéros autorisés actifs ; votre fournisseur ou revendeur la modifie.',
      wholeNumber: 'Saisissez un nombre entier.',
      save: 'Enregistrer les réglages',
      saved: 'Réglages enregistrés.',
      notSaved: 'Non enregistré : {message}',
    },
    es: {
      navCallback: 'Rellamada',
      title: 'Ajustes de rellamada',
      intro: 'Se llama a la extensión {number} ({name}) desde cualquier teléfono; suena, cuelga sin contestar (la llamada no cuesta nada) y devuelve la llamada.',
      notCallback: 'La extensión {number} no es una extensión de rellamada; no tiene ajustes de rellamada.',
      noExtension: 'Su usuario no tiene extensión.',
      licence: '{active} de {limit} activos',
      licenceTitle: 'Números autorizados',
      licenceOrganization: 'Su organización permite como máximo {limit}.',
      openCallerIds: 'Gestionar los números autorizados',
      incomingLegend: 'Llamadas entrantes',
      ringSeconds: 'Dejar sonar (segundos)',
      ringSecondsHint: 'Cuánto suena una llamada antes de rechazarla y devolverla: 0 a 120.',
      returnLegend: 'A quién devolver la llamada',
      returnAuthorized: 'Solo a quienes llaman desde un número de la lista de autorizados',
      returnCallerId: 'A cualquiera, a su número (un número oculto no recibe rellamada)',
      returnFixed: 'Siempre al número fijo de abajo',
      fixedNumber: 'Número fijo',
      fixedNumberHint: 'Con prefijo del país (+61412345678) o en formato nacional.',
      answeredLegend: 'Cuando se contesta la rellamada',
      passwordSet: 'Esta extensión tiene una contraseña.',
      passwordNone: 'Sin contraseña: las rellamadas no la piden.',
      newPassword: 'Nueva contraseña',
      newPasswordHint: '1 a 20 dígitos. Déjelo vacío para mantener la contraseña.',
      password: 'Contraseña',
      passwordHint: '1 a 20 dígitos. Déjelo vacío para no tener contraseña.',
      removePassword: 'Quitar la contraseña',
      perCallerIdPassword: 'Pedir en su lugar la contraseña propia del número autorizado, si tiene una',
      creditInquiry: 'Ofrecer anunciar el saldo restante',
      dialTimeoutSeconds: 'Tiempo para marcar (segundos)',
      dialTimeoutHint: 'Cuánto tiempo hay para teclear el número deseado: 1 a 120; # termina el número.',
      language: 'Idioma de los mensajes de voz',
      sound: 'Mensaje cuando se agota el saldo',
      soundHint: 'Se reproduce antes de cortar la llamada.',
      shippedSound: 'Mensaje incluido: «su saldo se ha agotado»',
      soundOf: '{name} ({length}, {owner})',
      soundMissing: '{name} (no está en la fonoteca: se reproduce el mensaje incluido)',
      soundLibrary: 'Abrir la fonoteca',
      licenceLegend: 'Licencia',
      maxCallerIds: 'Números autorizados activos permitidos',
      maxCallerIdsHint: 'Solo cuentan los activos. 0 a 100000.',
      maxCallerIdsFixed: 'La licencia permite {limit} números autorizados activos; la cambia su proveedor o revendedor.',
      wholeNumber: 'Escriba un número entero.',
      save: 'Guardar los ajustes',
      saved: 'Ajustes guardados.',
      notSaved: 'No guardado: {message}',
    },
  },
);

/** The form as typed: numbers as text until saved. */
interface Draft {
  ringSeconds: string;
  returnMode: ReturnMode;
  fixedNumber: string;
  password: string;
  removePassword: boolean;
  perCallerIdPassword: boolean;
  creditInquiry: boolean;
  dialTimeoutSeconds: string;
  language: PromptLanguage;
  /** '' for the shipped prompt. */
  creditExhaustedSound: string;
  maxAuthorizedCallerIds: string;
}

/** The shipped "credit exhausted" prompt's name; the flow plays it when no sound is chosen. */
const SHIPPED_PROMPT = 'credit-exhausted';

const FIELDS = ['ringSeconds', 'returnMode', 'fixedNumber', 'password', 'perCallerIdPassword', 'creditInquiry', 'dialTimeoutSeconds', 'language', 'creditExhaustedSound', 'maxAuthorizedCallerIds'] as const;
type Field = (typeof FIELDS)[number];

const draftOf = (s: CallbackSettings): Draft => ({
  ringSeconds: String(s.ringSeconds),
  returnMode: s.returnMode,
  fixedNumber: s.fixedNumber ?? '',
  password: '',
  removePassword: false,
  perCallerIdPassword: s.perCallerIdPassword,
  creditInquiry: s.creditInquiry,
  dialTimeoutSeconds: String(s.dialTimeoutSeconds),
  language: s.language,
  creditExhaustedSound: s.creditExhaustedSound ?? '',
  maxAuthorizedCallerIds: String(s.maxAuthorizedCallerIds),
});

/** A whole number as a number; anything else as typed, so the API's 400 names the field. */
const integer = (text: string): number | string => (/^\s*-?\d+\s*$/.test(text) ? Number(text) : text);

function changeOf(draft: Draft, saved: CallbackSettings): CallbackSettingsChange {
  const password = draft.password.trim();
  const fixed = draft.fixedNumber.trim();
  return {
    ringSeconds: integer(draft.ringSeconds),
    returnMode: draft.returnMode,
    // Only the fixed mode shows the field; otherwise the stored number is kept as it is, for switching back.
    fixedNumber: draft.returnMode === 'fixed' ? (fixed === '' ? null : fixed) : saved.fixedNumber,
    ...(draft.removePassword ? { password: null } : password !== '' ? { password } : {}),
    perCallerIdPassword: draft.perCallerIdPassword,
    creditInquiry: draft.creditInquiry,
    dialTimeoutSeconds: integer(draft.dialTimeoutSeconds),
    language: draft.language,
    creditExhaustedSound: draft.creditExhaustedSound === '' ? null : draft.creditExhaustedSound,
    ...(saved.licenceEditable ? { maxAuthorizedCallerIds: integer(draft.maxAuthorizedCallerIds) } : {}),
  };
}

/** A callback extension's settings: ring time, whom to call back, password, credit inquiry, dialling time, language, the "credit exhausted" sound and the licence. */
export function callbackPage(context: PortalContext, params: RouteParams): Page {
  const extensionId = extensionIdOf(context, params);
  const ownRoute = params.id === undefined;
  const state = {
    loading: true,
    loadError: null as string | null,
    extension: null as (Extension & { accountId: number }) | null,
    notCallback: false,
    saved: null as CallbackSettings | null,
    draft: null as Draft | null,
    sounds: [] as LibrarySound[],
    errors: {} as Partial<Record<Field, string>>,
    formError: null as string | null,
    saving: 'idle' as 'idle' | 'saving' | 'saved',
  };
  let disposed = false;

  const load = async () => {
    if (extensionId === null) {
      state.loading = false;
      return;
    }
    try {
      const extension = await api.extension(extensionId);
      state.extension = extension;
      if (extension.type !== 'callback') {
        state.notCallback = true;
      } else {
        const [settings, sounds] = await Promise.all([
          callbackApi.settings(extensionId),
          // Without the library the shipped prompt can still be chosen; the page says nothing is missing.
          callbackApi.sounds(extension.accountId).catch((error: unknown) => {
            if (error instanceof ApiError && error.status === 401) throw error;
            return [] as LibrarySound[];
          }),
        ]);
        state.saved = settings;
        state.draft = draftOf(settings);
        state.sounds = sounds;
        // The shipped prompt named by its own name (as provisioning files do) is the default choice.
        if (state.draft.creditExhaustedSound === SHIPPED_PROMPT && !sounds.some((s) => s.name === SHIPPED_PROMPT)) state.draft.creditExhaustedSound = '';
      }
    } catch (error) {
      if (context.endsSession(error)) return;
      state.loadError = describeError(error);
    }
    state.loading = false;
    if (!disposed) context.refresh();
  };

  const edited = () => {
    if (state.saving !== 'saved') return;
    state.saving = 'idle';
    const status = document.getElementById('cb-save-status');
    if (status) status.textContent = '';
  };

  const save = async () => {
    const { draft, saved } = state;
    if (extensionId === null || !draft || !saved || state.saving === 'saving') return;
    state.errors = {};
    state.formError = null;
    // Obvious slips are said at once, next to their field; the rest is the API's to judge.
    for (const name of ['ringSeconds', 'dialTimeoutSeconds', ...(saved.licenceEditable ? (['maxAuthorizedCallerIds'] as const) : [])] as const) {
      if (!/^\s*\d+\s*$/.test(draft[name])) state.errors[name] = tx('wholeNumber');
    }
    const first = FIELDS.find((f) => state.errors[f] !== undefined);
    if (first) {
      context.refresh();
      document.getElementById(`cb-${first}`)?.focus();
      announce(tx('notSaved', { message: state.errors[first] ?? '' }));
      return;
    }
    state.saving = 'saving';
    context.refresh();
    try {
      const after = await callbackApi.saveSettings(extensionId, changeOf(draft, saved));
      state.saved = after;
      state.draft = draftOf(after);
      state.saving = 'saved';
      announce(tx('saved'));
    } catch (error) {
      if (context.endsSession(error)) return;
      state.saving = 'idle';
      const field = error instanceof ApiError ? FIELDS.find((f) => f === error.field) : undefined;
      if (error instanceof ApiError && field !== undefined) state.errors[field] = error.message;
      else state.formError = describeError(error);
      announce(tx('notSaved', { message: error instanceof Error ? error.message : '' }));
    }
    if (disposed) return;
    context.refresh();
    const failed = FIELDS.find((f) => state.errors[f] !== undefined);
    if (failed) document.getElementById(failed === 'returnMode' ? 'cb-returnMode-authorized' : `cb-${failed}`)?.focus();
  };

  // --- drawing -------------------------------------------------------------------------------

  const calleridsPath = () => (ownRoute ? `${BASE}callback/callerids` : `${BASE}extensions/${extensionId}/callerids`);

  const licenceCard = (s: CallbackSettings) =>
    h(
      'section',
      { class: 'card licence-card', 'aria-labelledby': 'cb-licence-title' },
      h('h2', { id: 'cb-licence-title' }, tx('licenceTitle')),
      h('p', { class: 'licence-count', id: 'cb-licence' }, tx('licence', { active: s.activeCallerIds, limit: s.licenceLimit })),
      s.licenceLimit < s.maxAuthorizedCallerIds ? h('p', { class: 'hint' }, tx('licenceOrganization', { limit: s.licenceLimit })) : null,
      h('p', {}, h('a', { href: calleridsPath(), 'data-route': true, id: 'cb-callerids-link' }, tx('openCallerIds'))),
    );

  const returnModeGroup = (draft: Draft) => {
    const error = state.errors.returnMode;
    const modes: [ReturnMode, string][] = [
      ['authorized', tx('returnAuthorized')],
      ['callerid', tx('returnCallerId')],
      ['fixed', tx('returnFixed')],
    ];
    return h(
      'fieldset',
      { class: 'choices', 'aria-describedby': error ? 'cb-returnMode-error' : null },
      h('legend', {}, tx('returnLegend')),
      ...modes.map(([mode, text]) =>
        h(
          'div',
          { class: 'check' },
          h('input', {
            type: 'radio',
            name: 'returnMode',
            id: `cb-returnMode-${mode}`,
            value: mode,
            checked: draft.returnMode === mode,
            onchange: () => {
              draft.returnMode = mode;
              edited();
              context.refresh();
            },
          }),
          h('label', { for: `cb-returnMode-${mode}` }, text),
        ),
      ),
      error ? h('p', { class: 'field-error', id: 'cb-returnMode-error' }, error) : null,
      draft.returnMode === 'fixed'
        ? textField({
            id: 'cb-fixedNumber',
            label: tx('fixedNumber'),
            hint: tx('fixedNumberHint'),
            error: state.errors.fixedNumber,
            value: draft.fixedNumber,
            attributes: { maxlength: 64, autocomplete: 'off', inputmode: 'tel', required: true },
            oninput: (value) => {
              draft.fixedNumber = value;
              edited();
            },
          })
        : null,
    );
  };

  const passwordFields = (draft: Draft, s: CallbackSettings) => [
    h('p', { class: 'hint', id: 'cb-password-state' }, s.passwordSet ? tx('passwordSet') : tx('passwordNone')),
    s.passwordSet
      ? checkField({
          id: 'cb-removePassword',
          label: tx('removePassword'),
          checked: draft.removePassword,
          onchange: (checked) => {
            draft.removePassword = checked;
            if (checked) draft.password = '';
            edited();
            context.refresh();
          },
        })
      : null,
    draft.removePassword
      ? null
      : textField({
          id: 'cb-password',
          label: s.passwordSet ? tx('newPassword') : tx('password'),
          hint: s.passwordSet ? tx('newPasswordHint') : tx('passwordHint'),
          error: state.errors.password,
          value: draft.password,
          type: 'password',
          attributes: { maxlength: 20, inputmode: 'numeric', autocomplete: 'new-password' },
          oninput: (value) => {
            draft.password = value;
            edited();
          },
        }),
  ];

  const soundField = (draft: Draft) => {
    const choices = [{ value: '', text: tx('shippedSound') }, ...state.sounds.map((s) => ({ value: s.name, text: tx('soundOf', { name: s.name, length: s.length, owner: s.owner }) }))];
    if (draft.creditExhaustedSound !== '' && !state.sounds.some((s) => s.name === draft.creditExhaustedSound)) {
      choices.push({ value: draft.creditExhaustedSound, text: tx('soundMissing', { name: draft.creditExhaustedSound }) });
    }
    return h(
      'div',
      { class: 'sound-choice' },
      selectField({
        id: 'cb-creditExhaustedSound',
        label: tx('sound'),
        hint: tx('soundHint'),
        error: state.errors.creditExhaustedSound,
        value: draft.creditExhaustedSound,
        choices,
        onchange: (value) => {
          draft.creditExhaustedSound = value;
          edited();
        },
      }),
      h('p', { class: 'sound-link' }, h('a', { href: `${BASE}sounds`, 'data-route': true, id: 'cb-sounds-link' }, tx('soundLibrary'))),
    );
  };

  const numberField = (draft: Draft, name: 'ringSeconds' | 'dialTimeoutSeconds' | 'maxAuthorizedCallerIds', label: string, hint: string, max: number) =>
    textField({
      id: `cb-${name}`,
      label,
      hint,
      error: state.errors[name],
      value: draft[name],
      attributes: { inputmode: 'numeric', maxlength: String(max).length, autocomplete: 'off', class: 'short' },
      oninput: (value) => {
        draft[name] = value;
        edited();
      },
    });

  const form = (draft: Draft, s: CallbackSettings) =>
    h(
      'form',
      {
        id: 'cb-form',
        class: 'card',
        novalidate: true,
        'aria-busy': state.saving === 'saving' ? 'true' : null,
        onsubmit: (event: Event) => {
          event.preventDefault();
          void save();
        },
      },
      h('fieldset', {}, h('legend', {}, tx('incomingLegend')), numberField(draft, 'ringSeconds', tx('ringSeconds'), tx('ringSecondsHint'), 120)),
      returnModeGroup(draft),
      h(
        'fieldset',
        {},
        h('legend', {}, tx('answeredLegend')),
        ...passwordFields(draft, s),
        checkField({
          id: 'cb-perCallerIdPassword',
          label: tx('perCallerIdPassword'),
          error: state.errors.perCallerIdPassword,
          checked: draft.perCallerIdPassword,
          onchange: (checked) => {
            draft.perCallerIdPassword = checked;
            edited();
          },
        }),
        checkField({
          id: 'cb-creditInquiry',
          label: tx('creditInquiry'),
          error: state.errors.creditInquiry,
          checked: draft.creditInquiry,
          onchange: (checked) => {
            draft.creditInquiry = checked;
            edited();
          },
        }),
        numberField(draft, 'dialTimeoutSeconds', tx('dialTimeoutSeconds'), tx('dialTimeoutHint'), 120),
        selectField({
          id: 'cb-language',
          label: tx('language'),
          error: state.errors.language,
          value: draft.language,
          choices: LANGUAGES.map((code) => ({ value: code, text: LANGUAGE_NAMES[code], lang: code })),
          onchange: (value) => {
            draft.language = value as PromptLanguage;
            edited();
          },
        }),
        soundField(draft),
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, tx('licenceLegend')),
        s.licenceEditable
          ? numberField(draft, 'maxAuthorizedCallerIds', tx('maxCallerIds'), tx('maxCallerIdsHint'), 100000)
          : h('p', { id: 'cb-maxAuthorizedCallerIds-fixed' }, tx('maxCallerIdsFixed', { limit: s.maxAuthorizedCallerIds })),
        !s.licenceEditable && state.errors.maxAuthorizedCallerIds ? h('p', { class: 'field-error' }, state.errors.maxAuthorizedCallerIds) : null,
      ),
      state.formError ? alertBox(tx('notSaved', { message: state.formError })) : null,
      h(
        'div',
        { class: 'actions' },
        busyButton({ id: 'cb-save', type: 'submit', text: tx('save'), busy: state.saving === 'saving' }),
        h('span', { class: 'saved', id: 'cb-save-status', role: 'status' }, state.saving === 'saved' ? tx('saved') : ''),
      ),
    );

  void load();

  return {
    title: () => tx('title'),
    dispose: () => {
      disposed = true;
    },
    render: () => {
      const heading = h('h1', { id: 'callback-title' }, tx('title'));
      if (extensionId === null) return h('section', {}, heading, h('p', { class: 'notice' }, tx('noExtension')));
      const waiting = loadingOrError([heading], { loading: state.loading, error: state.loadError });
      if (waiting) return waiting;
      const extension = state.extension;
      if (state.notCallback || !extension) return h('section', {}, heading, h('p', { class: 'notice' }, tx('notCallback', { number: extension?.number ?? '' })));
      const { saved, draft } = state;
      if (!saved || !draft) return h('section', {}, heading);
      return h(
        'div',
        { class: 'callback-settings' },
        heading,
        h('p', { class: 'lead' }, tx('intro', { number: extension.number, name: extension.name })),
        h('div', { class: 'callback-layout' }, h('div', { class: 'cb-side' }, licenceCard(saved)), h('div', { class: 'cb-main' }, form(draft, saved))),
      );
    },
  };
}

export const routes: PortalRoute[] = [
  { path: 'callback', access: ownsExtension('callback'), nav: { text: () => tx('navCallback'), order: 10 }, page: callbackPage },
  { path: 'extensions/:id/callback', access: manager, page: callbackPage },
];
