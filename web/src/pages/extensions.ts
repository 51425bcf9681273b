import { announce } from '../announce.js';
import { ApiError } from '../api.js';
import { extensionsApi, type ExtensionSort, type ManagedExtension, type NewExtension } from '../api/extensions.js';
import { BASE, describeError, manager, type Page, type PortalContext, type PortalRoute } from '../app.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { defineTexts, formatDateTime } from '../texts.js';
import { alertBox, busyButton, checkField, confirmDialog, dataTable, openDialog, pager, selectField, textField, type Column, type SortState } from '../ui.js';
import './extensions.css';

const tx = defineTexts(
  {
    navExtensions: 'Extensions',
    title: 'Extensions',
    intro: 'The extensions of the organizations you manage. CallNow and the Call API are switched on or off here for each extension; the owner decides the rest on their own pages.',
    search: 'Search',
    searchHint: 'Number or name',
    searchButton: 'Search',
    organization: 'Organization',
    allOrganizations: 'All organizations',
    caption: 'Extensions ({total})',
    number: 'Number',
    name: 'Name',
    type: 'Type',
    phone: 'Phone',
    callback: 'Callback',
    externalNumber: 'External number',
    created: 'Created',
    callnow: 'CallNow',
    callApi: 'Call API',
    pages: 'Pages',
    actions: 'Actions',
    callnowSwitch: 'CallNow for {number}',
    callApiSwitch: 'Call API for {number}',
    notApplicable: '—',
    callnowPage: 'CallNow',
    callbackPage: 'Callback settings',
    calleridsPage: 'Authorized CallerIDs',
    linkLabel: '{page} of {number}',
    edit: 'Edit',
    editLabel: 'Edit extension {number}',
    remove: 'Delete',
    removeLabel: 'Delete extension {number}',
    empty: 'No extensions match.',
    newExtension: 'New extension',
    createTitle: 'New extension',
    editTitle: 'Extension {number}',
    numberHint: '1 to 20 digits, unique in the organization; phones register with it. It cannot change later.',
    nameHint: "The owner's name",
    typeHint: 'A phone has a CallNow page; a callback extension is called from any phone and calls back. It cannot change later.',
    externalHint: "Shown as caller ID when calls go out through a carrier; national numbers use the organization's country. Leave empty for none.",
    sipPassword: 'SIP password',
    sipPasswordNewHint: 'At least 8 characters without spaces. Leave empty and one is made up for you (shown once).',
    sipPasswordEditHint: 'A new password, at least 8 characters without spaces. Leave empty to keep the current one.',
    callnowAllowed: 'Allow CallNow for this extension',
    callnowAllowedHint: 'Off: its public CallNow page and requests are gone, whatever the owner chose.',
    callApiAllowed: 'Allow the Call API to place calls for this extension',
    create: 'Create the extension',
    creating: 'Creating…',
    saveChanges: 'Save changes',
    cancel: 'Cancel',
    required: 'Enter {field}.',
    createdTitle: 'Extension {number} created',
    passwordOnce: 'Its SIP password, shown only this once: note it for the phone now.',
    noPassword: 'It has no SIP password: phones cannot register as it until one is set.',
    copy: 'Copy the password',
    copied: 'Copied.',
    done: 'Done',
    created2: 'Extension {number} created.',
    saved: 'Extension {number} saved.',
    switchSaved: '{what} is now {state} for {number}.',
    on: 'on',
    off: 'off',
    removeTitle: 'Delete extension {number}?',
    removeText: 'Its CallNow page, callback settings and authorized CallerIDs are deleted; call records stay. Portal users who own it can no longer sign in. This cannot be undone.',
    removing: 'Deleting…',
    removed: 'Extension {number} deleted.',
    noOrganization: 'There is no organization to add an extension to yet.',
  },
  {
    de: {
      navExtensions: 'Nebenstellen',
      title: 'Nebenstellen',
      intro: 'Die Nebenstellen der Organisationen, die Sie verwalten. CallNow und die Call-API werden hier je Nebenstelle ein- oder ausgeschaltet; den Rest bestimmt der Inhaber auf seinen eigenen Seiten.',
      search: 'Suche',
      searchHint: 'Nummer oder Name',
      searchButton: 'Suchen',
      organization: 'Organisation',
      allOrganizations: 'Alle Organisationen',
      caption: 'Nebenstellen ({total})',
      number: 'Nummer',
      name: 'Name',
      type: 'Art',
      phone: 'Telefon',
      callback: 'Rückruf',
      externalNumber: 'Externe Nummer',
      created: 'Angelegt',
      callnow: 'CallNow',
      callApi: 'Call-API',
      pages: 'Seiten',
      actions: 'Aktionen',
      callnowSwitch: 'CallNow für {number}',
      callApiSwitch: 'Call-API für {number}',
      notApplicable: '—',
      callnowPage: 'CallNow',
      callbackPage: 'Rückruf-Einstellungen',
      calleridsPage: 'Berechtigte CallerIDs',
      linkLabel: '{page} von {number}',
      edit: 'Bearbeiten',
      editLabel: 'Nebenstelle {number} bearbeiten',
      remove: 'Löschen',
      removeLabel: 'Nebenstelle {number} löschen',
      empty: 'Keine Nebenstelle passt.',
      newExtension: 'Neue Nebenstelle',
      createTitle: 'Neue Nebenstelle',
      editTitle: 'Nebenstelle {number}',
      numberHint: '1 bis 20 Ziffern, eindeutig in der Organisation; Telefone melden sich damit an. Sie kann später nicht geändert werden.',
      nameHint: 'Der Name des Inhabers',
      typeHint: 'Ein Telefon hat eine CallNow-Seite; eine Rückruf-Nebenstelle wird von irgendeinem Telefon angerufen und ruft zurück. Die Art kann später nicht geändert werden.',
      externalHint: 'Wird als Rufnummer angezeigt, wenn Anrufe über einen Carrier hinausgehen; nationale Nummern gelten im Land der Organisation. Leer lassen für keine.',
      sipPassword: 'SIP-Passwort',
      sipPasswordNewHint: 'Mindestens 8 Zeichen ohne Leerzeichen. Leer lassen, dann wird eines erzeugt (einmal angezeigt).',
      sipPasswordEditHint: 'Ein neues Passwort, mindestens 8 Zeichen ohne Leerzeichen. Leer lassen, um das bisherige zu behalten.',
      callnowAllowed: 'CallNow für diese Nebenstelle erlauben',
      callnowAllowedHint: 'Aus: Ihre öffentliche CallNow-Seite und Anfragen sind weg, was auch immer der Inhaber gewählt hat.',
      callApiAllowed: 'Der Call-API erlauben, Anrufe für diese Nebenstelle zu tätigen',
      create: 'Nebenstelle anlegen',
      creating: 'Wird angelegt…',
      saveChanges: 'Änderungen speichern',
      cancel: 'Abbrechen',
      required: 'Geben Sie {field} ein.',
      createdTitle: 'Nebenstelle {number} angelegt',
      passwordOnce: 'Ihr SIP-Passwort, nur dieses eine Mal angezeigt: Notieren Sie es jetzt für das Telefon.',
      noPassword: 'Sie hat kein SIP-Passwort: Telefone können sich erst anmelden, wenn eines gesetzt ist.',
      copy: 'Passwort kopieren',
      copied: 'Kopiert.',
      done: 'Fertig',
      created2: 'Nebenstelle {number} angelegt.',
      saved: 'Nebenstelle {number} gespeichert.',
      switchSaved: '{what} ist jetzt {state} für {number}.',
      on: 'ein',
      off: 'aus',
      removeTitle: 'Nebenstelle {number} löschen?',
      removeText: 'Ihre CallNow-Seite, Rückruf-Einstellungen und berechtigten CallerIDs werden gelöscht; Anrufdaten bleiben. Portal-Nutzer, denen sie gehört, können sich nicht mehr anmelden. Das kann nicht rückgängig gemacht werden.',
      removing: 'Wird gelöscht…',
      removed: 'Nebenstelle {number} gelöscht.',
      noOrganization: 'Es gibt noch keine Organisation, der eine Nebenstelle hinzugefügt werden kann.',
    },
    fr: {
      navExtensions: 'Postes',
      title: 'Postes',
      intro: "Les postes des organisations que vous gérez. CallNow et l'API d'appel s'activent ou se désactivent ici pour chaque poste ; le titulaire décide du reste sur ses propres pages.",
      search: 'Recherche',
      searchHint: 'Numéro ou nom',
      searchButton: 'Rechercher',
      organization: 'Organisation',
      allOrganizations: 'Toutes les organisations',
      caption: 'Postes ({total})',
      number: 'Numéro',
      name: 'Nom',
      type: 'Type',
      phone: 'Téléphone',
      callback: 'Rappel',
      externalNumber: 'Numéro externe',
      created: 'Créé',
      callnow: 'CallNow',
      callApi: "API d'appel",
      pages: 'Pages',
      actions: 'Actions',
      callnowSwitch: 'CallNow pour {number}',
      callApiSwitch: "API d'appel pour {number}",
      notApplicable: '—',
      callnowPage: 'CallNow',
      callbackPage: 'Réglages du rappel',
      calleridsPage: 'CallerID autorisés',
      linkLabel: '{page} de {number}',
      edit: 'Modifier',
      editLabel: 'Modifier le poste {number}',
      remove: 'Supprimer',
      removeLabel: 'Supprimer le poste {number}',
      empty: 'Aucun poste ne correspond.',
      newExtension: 'Nouveau poste',
      createTitle: 'Nouveau poste',
      editTitle: 'Poste {number}',
      numberHint: "1 à 20 chiffres, unique dans l'organisation ; les téléphones s'enregistrent avec. Il ne peut pas changer ensuite.",
      nameHint: 'Le nom du titulaire',
      typeHint: "Un téléphone a une page CallNow ; un poste de rappel est appelé depuis n'importe quel téléphone et rappelle. Le type ne peut pas changer ensuite.",
      externalHint: "Affiché comme numéro d'appelant quand les appels sortent par un opérateur ; les numéros nationaux sont ceux du pays de l'organisation. Laissez vide pour aucun.",
      sipPassword: 'Mot de passe SIP',
      sipPasswordNewHint: 'Au moins 8 caractères sans espace. Laissez vide et un mot de passe est créé pour vous (affiché une fois).',
      sipPasswordEditHint: 'Un nouveau mot de passe, au moins 8 caractères sans espace. Laissez vide pour garder l’actuel.',
      callnowAllowed: 'Autoriser CallNow pour ce poste',
      callnowAllowedHint: 'Désactivé : sa page CallNow publique et ses demandes disparaissent, quel que soit le choix du titulaire.',
      callApiAllowed: "Autoriser l'API d'appel à passer des appels pour ce poste",
      create: 'Créer le poste',
      creating: 'Création…',
      saveChanges: 'Enregistrer les modifications',
      cancel: 'Annuler',
      required: 'Saisissez {field}.',
      createdTitle: 'Poste {number} créé',
      passwordOnce: 'Son mot de passe SIP, affiché cette seule fois : notez-le maintenant pour le téléphone.',
      noPassword: "Il n'a pas de mot de passe SIP : les téléphones ne peuvent pas s'enregistrer tant qu'il n'y en a pas.",
      copy: 'Copier le mot de passe',
      copied: 'Copié.',
      done: 'Terminé',
      created2: 'Poste {number} créé.',
      saved: 'Poste {number} enregistré.',
      switchSaved: '{what} est maintenant {state} pour {number}.',
      on: 'activé',
      off: 'désactivé',
      removeTitle: 'Supprimer le poste {number} ?',
      removeText: "Sa page CallNow, ses réglages de rappel et ses CallerID autorisés sont supprimés ; les enregistrements d'appels restent. Les utilisateurs du portail qui en sont titulaires ne peuvent plus se connecter. C'est irréversible.",
      removing: 'Suppression…',
      removed: 'Poste {number} supprimé.',
      noOrganization: "Il n'y a pas encore d'organisation à laquelle ajouter un poste.",
    },
    es: {
      navExtensions: 'Extensiones',
      title: 'Extensiones',
      intro: 'Las extensiones de las organizaciones que usted gestiona. CallNow y la API de llamadas se activan o desactivan aquí para cada extensión; el resto lo decide el titular en sus propias páginas.',
      search: 'Búsqueda',
      searchHint: 'Número o nombre',
      searchButton: 'Buscar',
      organization: 'Organización',
      allOrganizations: 'Todas las organizaciones',
      caption: 'Extensiones ({total})',
      number: 'Número',
      name: 'Nombre',
      type: 'Tipo',
      phone: 'Teléfono',
      callback: 'Devolución de llamada',
      externalNumber: 'Número externo',
      created: 'Creada',
      callnow: 'CallNow',
      callApi: 'API de llamadas',
      pages: 'Páginas',
      actions: 'Acciones',
      callnowSwitch: 'CallNow para {number}',
      callApiSwitch: 'API de llamadas para {number}',
      notApplicable: '—',
      callnowPage: 'CallNow',
      callbackPage: 'Ajustes de devolución',
      calleridsPage: 'CallerID autorizados',
      linkLabel: '{page} de {number}',
      edit: 'Editar',
      editLabel: 'Editar la extensión {number}',
      remove: 'Eliminar',
      removeLabel: 'Eliminar la extensión {number}',
      empty: 'Ninguna extensión coincide.',
      newExtension: 'Nueva extensión',
      createTitle: 'Nueva extensión',
      editTitle: 'Extensión {number}',
      numberHint: '1 a 20 dígitos, único en la organización; los teléfonos se registran con él. No puede cambiar después.',
      nameHint: 'El nombre del titular',
      typeHint: 'Un teléfono tiene página CallNow; a una extensión de devolución se la llama desde cualquier teléfono y devuelve la llamada. El tipo no puede cambiar después.',
      externalHint: 'Se muestra como identificador cuando las llamadas salen por un operador; los números nacionales son del país de la organización. Déjelo vacío para ninguno.',
      sipPassword: 'Contraseña SIP',
      sipPasswordNewHint: 'Al menos 8 caracteres sin espacios. Déjela vacía y se crea una (se muestra una vez).',
      sipPasswordEditHint: 'Una contraseña nueva, al menos 8 caracteres sin espacios. Déjela vacía para conservar la actual.',
      callnowAllowed: 'Permitir CallNow en esta extensión',
      callnowAllowedHint: 'Desactivado: su página CallNow pública y sus solicitudes desaparecen, elija lo que elija el titular.',
      callApiAllowed: 'Permitir que la API de llamadas llame por esta extensión',
      create: 'Crear la extensión',
      creating: 'Creando…',
      saveChanges: 'Guardar los cambios',
      cancel: 'Cancelar',
      required: 'Introduzca {field}.',
      createdTitle: 'Extensión {number} creada',
      passwordOnce: 'Su contraseña SIP, mostrada solo esta vez: anótela ahora para el teléfono.',
      noPassword: 'No tiene contraseña SIP: los teléfonos no pueden registrarse hasta que se ponga una.',
      copy: 'Copiar la contraseña',
      copied: 'Copiada.',
      done: 'Listo',
      created2: 'Extensión {number} creada.',
      saved: 'Extensión {number} guardada.',
      switchSaved: '{what} está ahora {state} para {number}.',
      on: 'activado',
      off: 'desactivado',
      removeTitle: '¿Eliminar la extensión {number}?',
      removeText: 'Se eliminan su página CallNow, sus ajustes de devolución y sus CallerID autorizados; los registros de llamadas se quedan. Los usuarios del portal que son sus titulares ya no pueden entrar. No se puede deshacer.',
      removing: 'Eliminando…',
      removed: 'Extensión {number} eliminada.',
      noOrganization: 'Todavía no hay ninguna organización a la que añadir una extensión.',
    },
  },
);

const PAGE_SIZE = 25;
/** The fields the API may name in a 400 or 409, each shown under its control in the dialog. */
const FORM_FIELDS = ['number', 'name', 'type', 'externalNumber', 'sipPassword', 'callnowEnabled', 'callApiEnabled'] as const;
type FormField = (typeof FORM_FIELDS)[number];

interface Draft {
  accountId: string;
  number: string;
  name: string;
  type: 'phone' | 'callback';
  externalNumber: string;
  sipPassword: string;
  callnowEnabled: boolean;
  callApiEnabled: boolean;
}

const portalLink = (path: string, text: string, label: string) => h('a', { href: `${BASE}${path}`, 'data-route': '', 'aria-label': label }, text);

export function extensionsPage(context: PortalContext): Page {
  const me = context.me;
  const isOrgManager = me?.user.role === 'org_manager';
  const state = {
    loading: true,
    error: null as string | null,
    items: [] as ManagedExtension[],
    total: 0,
    search: '',
    accountId: '',
    sort: { key: 'number', direction: 'asc' } as SortState,
    page: 1,
    /** Organizations seen in the lists so far (id → name), for the filter and the new-extension dialog. */
    organizations: new Map<number, string>(),
    /** Switches being saved, "id:field" → the value asked for (shown while it saves). */
    switching: new Map<string, boolean>(),
  };
  let disposed = false;
  let organizationsKnown = false;
  let drawn = false;

  const load = async () => {
    state.loading = true;
    state.error = null;
    // The first load starts before the page is drawn; later ones show their progress at once.
    if (drawn) context.refresh();
    try {
      const list = await extensionsApi.list({
        search: state.search.trim() || undefined,
        accountId: state.accountId === '' ? undefined : Number(state.accountId),
        sort: state.sort.key as ExtensionSort,
        order: state.sort.direction,
        limit: PAGE_SIZE,
        offset: (state.page - 1) * PAGE_SIZE,
      });
      state.items = list.items;
      state.total = list.total;
      for (const e of list.items) state.organizations.set(e.accountId, e.organization);
      if (!isOrgManager && !organizationsKnown) {
        // Every organization once (the filter and the dialog offer them), also those without extensions yet.
        organizationsKnown = true;
        try {
          for (const account of (await extensionsApi.organizations()).items) state.organizations.set(account.id, account.name);
        } catch (error) {
          // Without that list, the organizations of the extensions listed are still offered.
          if (context.endsSession(error)) return;
        }
      }
    } catch (error) {
      if (context.endsSession(error)) return;
      state.error = describeError(error);
    }
    state.loading = false;
    if (!disposed) context.refresh();
  };

  /** The organizations a new extension may go to: an organization manager's own, else those seen. */
  const organizationChoices = (): { value: string; text: string }[] => {
    if (isOrgManager && me) return [{ value: String(me.user.accountId), text: state.organizations.get(me.user.accountId) ?? '' }];
    return [...state.organizations.entries()].sort((a, b) => a[1].localeCompare(b[1])).map(([id, name]) => ({ value: String(id), text: name }));
  };

  const toggle = async (extension: ManagedExtension, field: 'callnowEnabled' | 'callApiEnabled', value: boolean) => {
    const key = `${extension.id}:${field}`;
    if (state.switching.has(key)) return;
    state.switching.set(key, value);
    state.error = null;
    context.refresh();
    try {
      const updated = await extensionsApi.update(extension.id, { [field]: value });
      state.items = state.items.map((e) => (e.id === updated.id ? updated : e));
      announce(tx('switchSaved', { what: field === 'callnowEnabled' ? tx('callnow') : tx('callApi'), state: value ? tx('on') : tx('off'), number: extension.number }));
    } catch (error) {
      if (context.endsSession(error)) return;
      state.error = describeError(error);
      announce(state.error);
    }
    state.switching.delete(key);
    if (disposed) return;
    context.refresh();
    document.getElementById(`ext-${extension.id}-${field}`)?.focus();
  };

  const openForm = (extension: ManagedExtension | null) => {
    const choices = organizationChoices();
    const draft: Draft = {
      accountId: extension ? String(extension.accountId) : (state.accountId || choices[0]?.value || ''),
      number: extension?.number ?? '',
      name: extension?.name ?? '',
      type: extension?.type ?? 'phone',
      externalNumber: extension?.externalNumber ?? '',
      sipPassword: '',
      callnowEnabled: extension?.callnowEnabled ?? true,
      callApiEnabled: extension?.callApiEnabled ?? false,
    };
    let errors: Partial<Record<FormField, string>> = {};
    let formError: string | null = null;
    let busy = false;
    let created: (ManagedExtension & { sipPassword: string | null }) | null = null;
    let copyNote = '';

    const submit = async () => {
      if (busy) return;
      errors = {};
      formError = null;
      // What the browser can tell at once; the server checks everything again.
      if (!extension && draft.number.trim() === '') errors.number = tx('required', { field: tx('number') });
      if (draft.name.trim() === '') errors.name = tx('required', { field: tx('name') });
      if (Object.keys(errors).length > 0) {
        dialog.redraw();
        document.getElementById(`ext-form-${Object.keys(errors)[0]}`)?.focus();
        return;
      }
      busy = true;
      dialog.redraw();
      const externalNumber = draft.externalNumber.trim() === '' ? null : draft.externalNumber.trim();
      try {
        if (extension) {
          const updated = await extensionsApi.update(extension.id, {
            name: draft.name.trim(),
            externalNumber,
            ...(draft.sipPassword === '' ? {} : { sipPassword: draft.sipPassword }),
            ...(extension.type === 'phone' ? { callnowEnabled: draft.callnowEnabled } : {}),
            callApiEnabled: draft.callApiEnabled,
          });
          state.items = state.items.map((e) => (e.id === updated.id ? updated : e));
          announce(tx('saved', { number: updated.number }));
          dialog.close();
          context.refresh();
          return;
        }
        const body: NewExtension = {
          number: draft.number.trim(),
          name: draft.name.trim(),
          type: draft.type,
          externalNumber,
          ...(draft.sipPassword === '' ? {} : { sipPassword: draft.sipPassword }),
          ...(draft.type === 'phone' ? { callnowEnabled: draft.callnowEnabled } : {}),
          callApiEnabled: draft.callApiEnabled,
        };
        created = await extensionsApi.create(Number(draft.accountId), body);
        busy = false;
        announce(tx('created2', { number: created.number }));
        dialog.redraw();
        document.getElementById('ext-form-done')?.focus();
        void load();
      } catch (error) {
        busy = false;
        if (context.endsSession(error)) {
          dialog.close();
          return;
        }
        const field = error instanceof ApiError ? FORM_FIELDS.find((f) => f === error.field) : undefined;
        if (error instanceof ApiError && field) errors[field] = error.message;
        else formError = describeError(error);
        announce(error instanceof Error ? error.message : formError ?? '');
        dialog.redraw();
        document.getElementById(field ? `ext-form-${field}` : 'ext-form-submit')?.focus();
      }
    };

    const copyPassword = async (password: string) => {
      try {
        await navigator.clipboard.writeText(password);
        copyNote = tx('copied');
      } catch {
        // No clipboard: the password is selected for copying by hand.
        const node = document.getElementById('ext-form-password');
        const selection = window.getSelection();
        if (node && selection) {
          const range = document.createRange();
          range.selectNodeContents(node);
          selection.removeAllRanges();
          selection.addRange(range);
        }
      }
      const status = document.getElementById('ext-form-copy-status');
      if (status) status.textContent = copyNote;
    };

    const createdView = (c: ManagedExtension & { sipPassword: string | null }) =>
      h(
        'div',
        { class: 'ext-created', role: 'status' },
        h('p', {}, h('strong', {}, tx('createdTitle', { number: c.number }))),
        c.sipPassword
          ? h(
              'div',
              {},
              h('p', { id: 'ext-form-password-note' }, tx('passwordOnce')),
              h('p', { class: 'ext-password' }, h('code', { id: 'ext-form-password', 'aria-describedby': 'ext-form-password-note' }, c.sipPassword)),
              h(
                'div',
                { class: 'actions' },
                h('button', { type: 'button', class: 'secondary', id: 'ext-form-copy', onclick: () => void copyPassword(c.sipPassword as string) }, tx('copy')),
                h('span', { id: 'ext-form-copy-status', class: 'saved', 'aria-live': 'polite' }, copyNote),
              ),
            )
          : h('p', {}, tx('noPassword')),
        h('div', { class: 'actions' }, h('button', { type: 'button', id: 'ext-form-done', onclick: () => dialog.close() }, tx('done'))),
      );

    const render = () => {
      if (created) return createdView(created);
      const type = extension?.type ?? draft.type;
      return h(
        'form',
        {
          id: 'ext-form',
          novalidate: true,
          'aria-busy': busy ? 'true' : null,
          onsubmit: (event: Event) => {
            event.preventDefault();
            void submit();
          },
        },
        !extension && choices.length > 1
          ? selectField({ id: 'ext-form-accountId', label: tx('organization'), value: draft.accountId, choices, onchange: (v) => (draft.accountId = v) })
          : null,
        extension
          ? null
          : textField({
              id: 'ext-form-number',
              label: tx('number'),
              hint: tx('numberHint'),
              error: errors.number,
              value: draft.number,
              oninput: (v) => (draft.number = v),
              attributes: { inputmode: 'numeric', maxlength: 20, autocomplete: 'off', required: true },
            }),
        textField({ id: 'ext-form-name', label: tx('name'), hint: tx('nameHint'), error: errors.name, value: draft.name, oninput: (v) => (draft.name = v), attributes: { maxlength: 100, autocomplete: 'off', required: true } }),
        extension
          ? null
          : selectField({
              id: 'ext-form-type',
              label: tx('type'),
              hint: tx('typeHint'),
              error: errors.type,
              value: draft.type,
              choices: [
                { value: 'phone', text: tx('phone') },
                { value: 'callback', text: tx('callback') },
              ],
              onchange: (v) => {
                draft.type = v === 'callback' ? 'callback' : 'phone';
                dialog.redraw();
              },
            }),
        textField({
          id: 'ext-form-externalNumber',
          label: tx('externalNumber'),
          hint: tx('externalHint'),
          error: errors.externalNumber,
          value: draft.externalNumber,
          type: 'tel',
          oninput: (v) => (draft.externalNumber = v),
          attributes: { maxlength: 64, autocomplete: 'off' },
        }),
        textField({
          id: 'ext-form-sipPassword',
          label: tx('sipPassword'),
          hint: extension ? tx('sipPasswordEditHint') : tx('sipPasswordNewHint'),
          error: errors.sipPassword,
          value: draft.sipPassword,
          type: 'password',
          oninput: (v) => (draft.sipPassword = v),
          attributes: { maxlength: 128, autocomplete: 'new-password' },
        }),
        type === 'phone'
          ? checkField({ id: 'ext-form-callnowEnabled', label: tx('callnowAllowed'), hint: tx('callnowAllowedHint'), error: errors.callnowEnabled, checked: draft.callnowEnabled, onchange: (v) => (draft.callnowEnabled = v) })
          : null,
        checkField({ id: 'ext-form-callApiEnabled', label: tx('callApiAllowed'), error: errors.callApiEnabled, checked: draft.callApiEnabled, onchange: (v) => (draft.callApiEnabled = v) }),
        alertBox(formError, 'ext-form-error'),
        h(
          'div',
          { class: 'actions' },
          busyButton({ id: 'ext-form-submit', type: 'submit', text: extension ? tx('saveChanges') : tx('create'), busyText: extension ? undefined : tx('creating'), busy }),
          h('button', { type: 'button', class: 'secondary', id: 'ext-form-cancel', onclick: () => dialog.close() }, tx('cancel')),
        ),
      );
    };

    const dialog = openDialog({ id: 'ext-dialog', title: extension ? tx('editTitle', { number: extension.number }) : tx('createTitle'), render });
    document.getElementById(extension ? 'ext-form-name' : choices.length > 1 ? 'ext-form-accountId' : 'ext-form-number')?.focus();
  };

  const confirmRemove = (extension: ManagedExtension) =>
    confirmDialog({
      id: 'ext-remove-dialog',
      title: tx('removeTitle', { number: extension.number }),
      message: tx('removeText'),
      confirmText: tx('remove'),
      busyText: tx('removing'),
      cancelText: tx('cancel'),
      confirmId: 'ext-remove-confirm',
      cancelId: 'ext-remove-cancel',
      errorId: 'ext-remove-error',
      action: () => extensionsApi.remove(extension.id),
      done: () => {
        announce(tx('removed', { number: extension.number }));
        if (state.items.length === 1 && state.page > 1) state.page -= 1;
        void load();
      },
      endsSession: (error) => context.endsSession(error),
    });

  const switchCell = (extension: ManagedExtension, field: 'callnowEnabled' | 'callApiEnabled') => {
    if (field === 'callnowEnabled' && extension.type === 'callback') return h('span', { 'aria-label': tx('notApplicable') }, tx('notApplicable'));
    const pending = state.switching.get(`${extension.id}:${field}`);
    const busy = pending !== undefined;
    const checked = pending ?? extension[field];
    return h(
      'label',
      { class: 'switch' },
      h('input', {
        type: 'checkbox',
        role: 'switch',
        id: `ext-${extension.id}-${field}`,
        checked,
        disabled: busy,
        'aria-busy': busy ? 'true' : null,
        'aria-label': tx(field === 'callnowEnabled' ? 'callnowSwitch' : 'callApiSwitch', { number: extension.number }),
        onchange: (event: Event) => void toggle(extension, field, (event.target as HTMLInputElement).checked),
      }),
      h('span', { 'aria-hidden': 'true' }, checked ? tx('on') : tx('off')),
    );
  };

  const pagesCell = (e: ManagedExtension) =>
    h(
      'div',
      { class: 'row-actions' },
      ...(e.type === 'phone'
        ? [portalLink(`extensions/${e.id}/callnow`, tx('callnowPage'), tx('linkLabel', { page: tx('callnowPage'), number: e.number }))]
        : [
            portalLink(`extensions/${e.id}/callback`, tx('callbackPage'), tx('linkLabel', { page: tx('callbackPage'), number: e.number })),
            portalLink(`extensions/${e.id}/callerids`, tx('calleridsPage'), tx('linkLabel', { page: tx('calleridsPage'), number: e.number })),
          ]),
    );

  const columns = (): Column<ManagedExtension>[] => [
    { sortKey: 'number', header: tx('number'), cell: (e) => e.number },
    { sortKey: 'name', header: tx('name'), cell: (e) => e.name },
    { sortKey: 'type', header: tx('type'), cell: (e) => (e.type === 'phone' ? tx('phone') : tx('callback')) },
    ...(isOrgManager ? [] : [{ header: tx('organization'), cell: (e: ManagedExtension) => e.organization }]),
    { header: tx('externalNumber'), cell: (e) => e.externalNumber ?? '' },
    { header: tx('callnow'), cell: (e) => switchCell(e, 'callnowEnabled') },
    { header: tx('callApi'), cell: (e) => switchCell(e, 'callApiEnabled') },
    { header: tx('pages'), cell: pagesCell },
    { sortKey: 'createdAt', header: tx('created'), cell: (e) => formatDateTime(e.createdAt) },
    {
      header: tx('actions'),
      cell: (e) =>
        h(
          'div',
          { class: 'row-actions' },
          h('button', { type: 'button', class: 'secondary', id: `ext-${e.id}-edit`, 'aria-label': tx('editLabel', { number: e.number }), onclick: () => openForm(e) }, tx('edit')),
          h('button', { type: 'button', class: 'danger', id: `ext-${e.id}-remove`, 'aria-label': tx('removeLabel', { number: e.number }), onclick: () => confirmRemove(e) }, tx('remove')),
        ),
    },
  ];

  void load();

  return {
    title: () => tx('title'),
    dispose: () => {
      disposed = true;
    },
    render: () => {
      drawn = true;
      const organizations = organizationChoices();
      return h(
        'div',
        { class: 'extensions-page' },
        h('h1', {}, tx('title')),
        h('p', { class: 'lead' }, tx('intro')),
        h(
          'form',
          {
            class: 'toolbar',
            role: 'search',
            onsubmit: (event: Event) => {
              event.preventDefault();
              state.page = 1;
              void load();
            },
          },
          textField({ id: 'ext-search', label: tx('search'), hint: tx('searchHint'), value: state.search, oninput: (v) => (state.search = v), attributes: { maxlength: 100 } }),
          isOrgManager || organizations.length < 2
            ? null
            : selectField({
                id: 'ext-organization',
                label: tx('organization'),
                value: state.accountId,
                choices: [{ value: '', text: tx('allOrganizations') }, ...organizations],
                onchange: (v) => {
                  state.accountId = v;
                  state.page = 1;
                  void load();
                },
              }),
          h('button', { type: 'submit', class: 'secondary', id: 'ext-search-submit' }, tx('searchButton')),
          h(
            'button',
            { type: 'button', id: 'ext-new', disabled: organizations.length === 0 && !isOrgManager, onclick: () => openForm(null) },
            '+ ',
            tx('newExtension'),
          ),
        ),
        !isOrgManager && organizations.length === 0 && !state.loading ? h('p', { class: 'notice' }, tx('noOrganization')) : null,
        alertBox(state.error, 'ext-error'),
        h(
          'div',
          { 'aria-busy': state.loading ? 'true' : null },
          dataTable({
            id: 'ext-table',
            caption: tx('caption', { total: state.total }),
            columns: columns(),
            rows: state.items,
            empty: state.loading ? t('loading') : tx('empty'),
            sort: state.sort,
            rowId: (e) => String(e.id),
            onSort: (sort) => {
              state.sort = sort;
              state.page = 1;
              void load().then(() => document.getElementById(`ext-table-sort-${sort.key}`)?.focus());
            },
          }),
          pager({
            id: 'ext-pager',
            page: state.page,
            pageSize: PAGE_SIZE,
            total: state.total,
            onPage: (page) => {
              state.page = page;
              void load();
            },
          }),
        ),
      );
    },
  };
}

export const routes: PortalRoute[] = [{ path: 'extensions', access: manager, nav: { text: () => tx('navExtensions'), order: 20 }, page: extensionsPage }];
