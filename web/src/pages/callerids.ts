import { announce } from '../announce.js';
import { ApiError, api, type Extension } from '../api.js';
import { callbackApi, exportUrl, type AuthorizedCallerId, type CallerIdList, type CallerIdSort, type CreditHistoryEntry } from '../api/callback.js';
import { BASE, describeError, extensionIdOf, manager, ownsExtension, type Page, type PortalContext, type PortalRoute, type RouteParams } from '../app.js';
import { h } from '../dom.js';
import { defineTexts, formatDateTime } from '../texts.js';
import { alertBox, busyButton, checkField, type Column, confirmDialog, dataTable, loadingOrError, openDialog, pager, type SortState, textField } from '../ui.js';
import './callback.css';
import './callerids.css';

const tx = defineTexts(
  {
    navCallerIds: 'Authorized CallerIDs',
    title: 'Authorized CallerIDs',
    intro: 'The numbers extension {number} ({name}) calls back, each with its own credit.',
    notCallback: 'Extension {number} is not a callback extension; it has no authorized CallerIDs.',
    noExtension: 'Your user has no extension.',
    licence: '{active} of {limit} active',
    licenceHint: 'Only active CallerIDs count against the licence.',
    settingsLink: 'Callback settings',
    search: 'Search',
    searchHint: 'Part of the number or the description.',
    searchButton: 'Search',
    clearSearch: 'Show all',
    add: 'Add a CallerID',
    exportExcel: 'Export to Excel',
    exportCsv: 'Export to CSV',
    caption: 'Authorized CallerIDs ({total})',
    captionSearch: 'Authorized CallerIDs matching "{search}" ({total})',
    empty: 'No authorized CallerIDs yet.',
    emptySearch: 'No CallerID matches the search.',
    callerId: 'CallerID',
    callerIdHint: 'With country code (+61412345678) or in national form.',
    description: 'Description',
    password: 'Password',
    status: 'Status',
    credit: 'Credit left',
    addedOn: 'Added on',
    actions: 'Actions',
    active: 'Active',
    inactive: 'Inactive',
    unlimited: 'Unlimited',
    hasPassword: 'Set',
    noPassword: 'None',
    edit: 'Edit',
    editLabel: 'Edit {callerId}',
    activate: 'Activate',
    activateLabel: 'Activate {callerId}',
    deactivate: 'Deactivate',
    deactivateLabel: 'Deactivate {callerId}',
    creditButton: 'Credit',
    creditLabel: 'Credit of {callerId}',
    delete: 'Delete',
    deleteLabel: 'Delete {callerId}',
    activated: '{callerId} is active.',
    deactivated: '{callerId} is inactive.',
    addTitle: 'Add an authorized CallerID',
    editTitle: 'Edit {callerId}',
    passwordHint: 'Its own password for the callback: 4 to 16 digits. Leave it empty for none.',
    newPassword: 'New password',
    newPasswordHint: '4 to 16 digits. Leave it empty to keep the password as it is.',
    removePassword: 'Remove its password',
    activeCheck: 'Active: it is called back and counts against the licence',
    startingCredit: 'Starting credit',
    creditUnlimited: 'Unlimited',
    creditAmount: 'An amount',
    amount: 'Amount',
    amountHint: 'e.g. 20.00; 0 or more.',
    saveCallerId: 'Save',
    addCallerId: 'Add',
    cancel: 'Cancel',
    added: '{callerId} added.',
    changed: '{callerId} saved.',
    notSaved: 'Not saved: {message}',
    callerIdRequired: 'Enter the CallerID.',
    amountRequired: 'Enter an amount.',
    deleteTitle: 'Delete {callerId}?',
    deleteText: 'It will no longer be called back. Its recharge history is kept. This cannot be undone.',
    deleting: 'Deleting…',
    deleted: '{callerId} deleted.',
    creditTitle: 'Credit of {callerId}',
    creditNow: 'Credit left: {credit}',
    addCredit: 'Add credit',
    addCreditAmount: 'Amount to add',
    addCreditHint: 'A negative amount (e.g. -2.50) lowers the credit.',
    unlimitedRule:
      'Adding a negative amount to an Unlimited CallerID limits it: its credit becomes 0 and the history records the amount, so it can place no callback calls until it is recharged.',
    note: 'Note (optional)',
    adding: 'Adding…',
    creditAdded: 'Credit of {callerId}: {credit}.',
    makeUnlimited: 'Make it Unlimited',
    madeUnlimited: 'The credit of {callerId} is Unlimited.',
    historyCaption: 'Recharge history',
    historyEmpty: 'No recharges yet.',
    at: 'Date',
    amountAdded: 'Amount added',
    creditLeftAfter: 'Credit left after',
    by: 'By',
    loadingHistory: 'Loading the history…',
  },
  {
    de: {
      navCallerIds: 'Berechtigte Rufnummern',
      title: 'Berechtigte Rufnummern',
      intro: 'Die Nummern, die die Nebenstelle {number} ({name}) zurückruft, jede mit eigenem Guthaben.',
      notCallback: 'Die Nebenstelle {number} ist keine Rückruf-Nebenstelle; sie hat keine berechtigten Rufnummern.',
      noExtension: 'Ihr Benutzer hat keine Nebenstelle.',
      licence: '{active} von {limit} aktiv',
      licenceHint: 'Nur aktive Rufnummern zählen für die Lizenz.',
      settingsLink: 'Rückruf-Einstellungen',
      search: 'Suche',
      searchHint: 'Teil der Nummer oder der Beschreibung.',
      searchButton: 'Suchen',
      clearSearch: 'Alle zeigen',
      add: 'Rufnummer hinzufügen',
      exportExcel: 'Nach Excel exportieren',
      exportCsv: 'Als CSV exportieren',
      caption: 'Berechtigte Rufnummern ({total})',
      captionSearch: 'Berechtigte Rufnummern mit „{search}“ ({total})',
      empty: 'Noch keine berechtigten Rufnummern.',
      emptySearch: 'Keine Rufnummer passt zur Suche.',
      callerId: 'Rufnummer',
      callerIdHint: 'Mit Ländervorwahl (+61412345678) oder in nationaler Form.',
      description: 'Beschreibung',
      password: 'Passwort',
      status: 'Status',
      credit: 'Guthaben',
      addedOn: 'Hinzugefügt am',
      actions: 'Aktionen',
      active: 'Aktiv',
      inactive: 'Inaktiv',
      unlimited: 'Unbegrenzt',
      hasPassword: 'Gesetzt',
      noPassword: 'Keines',
      edit: 'Bearbeiten',
      editLabel: '{callerId} bearbeiten',
      activate: 'Aktivieren',
      activateLabel: '{callerId} aktivieren',
      deactivate: 'Deaktivieren',
      deactivateLabel: '{callerId} deaktivieren',
      creditButton: 'Guthaben',
      creditLabel: 'Guthaben von {callerId}',
      delete: 'Löschen',
      deleteLabel: '{callerId} löschen',
      activated: '{callerId} ist aktiv.',
      deactivated: '{callerId} ist inaktiv.',
      addTitle: 'Berechtigte Rufnummer hinzufügen',
      editTitle: '{callerId} bearbeiten',
      passwordHint: 'Eigenes Passwort für den Rückruf: 4 bis 16 Ziffern. Leer lassen für keines.',
      newPassword: 'Neues Passwort',
      newPasswordHint: '4 bis 16 Ziffern. Leer lassen, um das Passwort zu behalten.',
      removePassword: 'Passwort entfernen',
      activeCheck: 'Aktiv: wird zurückgerufen und zählt für die Lizenz',
      startingCredit: 'Anfangsguthaben',
      creditUnlimited: 'Unbegrenzt',
      creditAmount: 'Ein Betrag',
      amount: 'Betrag',
      amountHint: 'z. B. 20.00; 0 oder mehr.',
      saveCallerId: 'Speichern',
      addCallerId: 'Hinzufügen',
      cancel: 'Abbrechen',
      added: '{callerId} hinzugefügt.',
      changed: '{callerId} gespeichert.',
      notSaved: 'Nicht gespeichert: {message}',
      callerIdRequired: 'Geben Sie die Rufnummer ein.',
      amountRequired: 'Geben Sie einen Betrag ein.',
      deleteTitle: '{callerId} löschen?',
      deleteText: 'Sie wird nicht mehr zurückgerufen. Ihre Aufladungen bleiben erhalten. Das lässt sich nicht rückgängig machen.',
      deleting: 'Wird gelöscht…',
      deleted: '{callerId} gelöscht.',
      creditTitle: 'Guthaben von {callerId}',
      creditNow: 'Guthaben: {credit}',
      addCredit: 'Guthaben hinzufügen',
      addCreditAmount: 'Betrag',
      addCreditHint: 'Ein negativer Betrag (z. B. -2.50) verringert das Guthaben.',
      unlimitedRule:
        'Ein negativer Betrag bei einer unbegrenzten Rufnummer begrenzt sie: ihr Guthaben wird 0 und der Betrag wird verbucht, sodass sie bis zur nächsten Aufladung keine Rückrufe mehr machen kann.',
      note: 'Notiz (optional)',
      adding: 'Wird hinzugefügt…',
      creditAdded: 'Guthaben von {callerId}: {credit}.',
      makeUnlimited: 'Unbegrenzt machen',
      madeUnlimited: 'Das Guthaben von {callerId} ist unbegrenzt.',
      historyCaption: 'Aufladungen',
      historyEmpty: 'Noch keine Aufladungen.',
      at: 'Datum',
      amountAdded: 'Betrag',
      creditLeftAfter: 'Guthaben danach',
      by: 'Von',
      loadingHistory: 'Aufladungen werden geladen…',
    },
    fr: {
      navCallerIds: 'Numéros autorisés',
      title: 'Numéros autorisés',
      intro: 'Les numéros que le poste {number} ({name}) rappelle, chacun avec son propre crédit.',
      notCallback: "Le poste {number} n'est pas un poste de rappel ; il n'a pas de numéros autorisés.",
      noExtension: "Votre utilisateur n'a pas de poste.",
      licence: '{active} sur {limit} actifs',
      licenceHint: 'Seuls les numéros actifs comptent pour la licence.',
      settingsLink: 'Réglages du rappel',
      search: 'Recherche',
      searchHint: 'Une partie du numéro ou de la description.',
      searchButton: 'Chercher',
      clearSearch: 'Tout afficher',
      add: 'Ajouter un numéro',
      exportExcel: 'Exporter vers Excel',
      exportCsv: 'Exporter en CSV',
      caption: 'Numéros autorisés ({total})',
      captionSearch: 'Numéros autorisés contenant « {search} » ({total})',
      empty: 'Aucun numéro autorisé pour le moment.',
      emptySearch: 'Aucun numéro ne correspond à la recherche.',
      callerId: 'Numéro',
      callerIdHint: 'Avec indicatif du pays (+61412345678) ou au format national.',
      description: 'Description',
      password: 'Mot de passe',
      status: 'État',
      credit: 'Crédit restant',
      addedOn: 'Ajouté le',
      actions: 'Actions',
      active: 'Actif',
      inactive: 'Inactif',
      unlimited: 'Illimité',
      hasPassword: 'Défini',
      noPassword: 'Aucun',
      edit: 'Modifier',
      editLabel: 'Modifier {callerId}',
      activate: 'Activer',
      activateLabel: 'Activer {callerId}',
      deactivate: 'Désactiver',
      deactivateLabel: 'Désactiver {callerId}',
      creditButton: 'Crédit',
      creditLabel: 'Crédit de {callerId}',
      delete: 'Supprimer',
      deleteLabel: 'Supprimer {callerId}',
      activated: '{callerId} est actif.',
      deactivated: '{callerId} est inactif.',
      addTitle: 'Ajouter un numéro autorisé',
      editTitle: 'Modifier {callerId}',
      passwordHint: 'Son propre mot de passe pour le rappel : 4 à 16 chiffres. Laissez vide pour aucun.',
      newPassword: 'Nouveau mot de passe',
      newPasswordHint: '4 à 16 chiffres. Laissez vide pour garder le mot de passe.',
      removePassword: 'Supprimer son mot de passe',
      activeCheck: 'Actif : il est rappelé et compte pour la licence',
      startingCredit: 'Crédit de départ',
      creditUnlimited: 'Illimité',
      creditAmount: 'Un montant',
      amount: 'Montant',
      amountHint: 'p. ex. 20.00 ; 0 ou plus.',
      saveCallerId: 'Enregistrer',
      addCallerId: 'Ajouter',
      cancel: 'Annuler',
      added: '{callerId} ajouté.',
      changed: '{callerId} enregistré.',
      notSaved: 'Non enregistré : {message}',
      callerIdRequired: 'Saisissez le numéro.',
      amountRequired: 'Saisissez un montant.',
      deleteTitle: 'Supprimer {callerId} ?',
      deleteText: "Il ne sera plus rappelé. Son historique de recharges est conservé. C'est irréversible.",
      deleting: 'Suppression…',
      deleted: '{callerId} supprimé.',
      creditTitle: 'Crédit de {callerId}',
      creditNow: 'Crédit restant : {credit}',
      addCredit: 'Ajouter du crédit',
      addCreditAmount: 'Montant à ajouter',
      addCreditHint: 'Un montant négatif (p. ex. -2.50) réduit le crédit.',
      unlimitedRule:
        "Ajouter un montant négatif à un numéro illimité le limite : son crédit devient 0 et l'historique enregistre le montant ; il ne peut plus être rappelé avant une recharge.",
      note: 'Note (facultative)',
      adding: 'Ajout…',
      creditAdded: 'Crédit de {callerId} : {credit}.',
      makeUnlimited: 'Le rendre illimité',
      madeUnlimited: 'Le crédit de {callerId} est illimité.',
      historyCaption: 'Historique des recharges',
      historyEmpty: 'Aucune recharge pour le moment.',
      at: 'Date',
      amountAdded: 'Montant ajouté',
      creditLeftAfter: 'Crédit restant après',
      by: 'Par',
      loadingHistory: "Chargement de l'historique…",
    },
    es: {
      navCallerIds: 'Números autorizados',
      title: 'Números autorizados',
      intro: 'Los números a los que la extensión {number} ({name}) devuelve la llamada, cada uno con su propio saldo.',
      notCallback: 'La extensión {number} no es una extensión de rellamada; no tiene números autorizados.',
      noExtension: 'Su usuario no tiene extensión.',
      licence: '{active} de {limit} activos',
      licenceHint: 'Solo los números activos cuentan para la licencia.',
      settingsLink: 'Ajustes de rellamada',
      search: 'Buscar',
      searchHint: 'Parte del número o de la descripción.',
      searchButton: 'Buscar',
      clearSearch: 'Mostrar todos',
      add: 'Añadir un número',
      exportExcel: 'Exportar a Excel',
      exportCsv: 'Exportar a CSV',
      caption: 'Números autorizados ({total})',
      captionSearch: 'Números autorizados con «{search}» ({total})',
      empty: 'Aún no hay números autorizados.',
      emptySearch: 'Ningún número coincide con la búsqueda.',
      callerId: 'Número',
      callerIdHint: 'Con prefijo del país (+61412345678) o en formato nacional.',
      description: 'Descripción',
      password: 'Contraseña',
      status: 'Estado',
      credit: 'Saldo',
      addedOn: 'Añadido el',
      actions: 'Acciones',
      active: 'Activo',
      inactive: 'Inactivo',
      unlimited: 'Ilimitado',
      hasPassword: 'Sí',
      noPassword: 'No',
      edit: 'Editar',
      editLabel: 'Editar {callerId}',
      activate: 'Activar',
      activateLabel: 'Activar {callerId}',
      deactivate: 'Desactivar',
      deactivateLabel: 'Desactivar {callerId}',
      creditButton: 'Saldo',
      creditLabel: 'Saldo de {callerId}',
      delete: 'Eliminar',
      deleteLabel: 'Eliminar {callerId}',
      activated: '{callerId} está activo.',
      deactivated: '{callerId} está inactivo.',
      addTitle: 'Añadir un número autorizado',
      editTitle: 'Editar {callerId}',
      passwordHint: 'Su propia contraseña para la rellamada: 4 a 16 dígitos. Déjelo vacío para ninguna.',
      newPassword: 'Nueva contraseña',
      newPasswordHint: '4 a 16 dígitos. Déjelo vacío para mantener la contraseña.',
      removePassword: 'Quitar su contraseña',
      activeCheck: 'Activo: recibe rellamadas y cuenta para la licencia',
      startingCredit: 'Saldo inicial',
      creditUnlimited: 'Ilimitado',
      creditAmount: 'Un importe',
      amount: 'Importe',
      amountHint: 'p. ej. 20.00; 0 o más.',
      saveCallerId: 'Guardar',
      addCallerId: 'Añadir',
      cancel: 'Cancelar',
      added: '{callerId} añadido.',
      changed: '{callerId} guardado.',
      notSaved: 'No guardado: {message}',
      callerIdRequired: 'Escriba el número.',
      amountRequired: 'Escriba un importe.',
      deleteTitle: '¿Eliminar {callerId}?',
      deleteText: 'Ya no recibirá rellamadas. Su historial de recargas se conserva. No se puede deshacer.',
      deleting: 'Eliminando…',
      deleted: '{callerId} eliminado.',
      creditTitle: 'Saldo de {callerId}',
      creditNow: 'Saldo: {credit}',
      addCredit: 'Añadir saldo',
      addCreditAmount: 'Importe a añadir',
      addCreditHint: 'Un importe negativo (p. ej. -2.50) reduce el saldo.',
      unlimitedRule:
        'Añadir un importe negativo a un número ilimitado lo limita: su saldo pasa a 0 y el historial registra el importe, así que no puede hacer rellamadas hasta que se recargue.',
      note: 'Nota (opcional)',
      adding: 'Añadiendo…',
      creditAdded: 'Saldo de {callerId}: {credit}.',
      makeUnlimited: 'Hacerlo ilimitado',
      madeUnlimited: 'El saldo de {callerId} es ilimitado.',
      historyCaption: 'Historial de recargas',
      historyEmpty: 'Aún no hay recargas.',
      at: 'Fecha',
      amountAdded: 'Importe añadido',
      creditLeftAfter: 'Saldo después',
      by: 'Por',
      loadingHistory: 'Cargando el historial…',
    },
  },
);

const PAGE_SIZE = 20;

const creditText = (c: AuthorizedCallerId): string => (c.credit.unlimited ? tx('unlimited') : (c.credit.amount ?? ''));

/** The field of a 400/409 that the dialog has a control for, else null (said above the buttons). */
const fieldOf = (error: unknown, fields: readonly string[]): string | null =>
  error instanceof ApiError && error.field !== undefined && fields.includes(error.field) ? error.field : null;

/** A callback extension's authorized CallerIDs: the table (search, sort, pages), add and edit, activate, delete, export, and each one's credit. */
export function calleridsPage(context: PortalContext, params: RouteParams): Page {
  const extensionId = extensionIdOf(context, params);
  const ownRoute = params.id === undefined;
  const state = {
    loading: true,
    loadError: null as string | null,
    extension: null as Extension | null,
    notCallback: false,
    list: null as CallerIdList | null,
    search: '',
    /** The search the table shows (the field may be edited since). */
    appliedSearch: '',
    sort: { key: 'addedOn', direction: 'asc' } as SortState,
    page: 1,
    listBusy: false,
    listError: null as string | null,
    /** Row actions in flight, by CallerID id. */
    rowBusy: new Set<number>(),
  };
  let disposed = false;

  const fetchList = async () => {
    if (extensionId === null) return;
    state.listBusy = true;
    state.listError = null;
    if (!state.loading) context.refresh();
    try {
      let list = await callbackApi.callerIds(extensionId, {
        search: state.appliedSearch,
        sort: state.sort.key as CallerIdSort,
        order: state.sort.direction,
        limit: PAGE_SIZE,
        offset: (state.page - 1) * PAGE_SIZE,
      });
      // A page emptied by a delete (or a narrower search): show the last one that has rows.
      const pages = Math.max(1, Math.ceil(list.total / PAGE_SIZE));
      if (state.page > pages) {
        state.page = pages;
        list = await callbackApi.callerIds(extensionId, { search: state.appliedSearch, sort: state.sort.key as CallerIdSort, order: state.sort.direction, limit: PAGE_SIZE, offset: (pages - 1) * PAGE_SIZE });
      }
      state.list = list;
    } catch (error) {
      if (context.endsSession(error)) return;
      state.listError = describeError(error);
    }
    state.listBusy = false;
    if (!disposed) context.refresh();
  };

  const load = async () => {
    if (extensionId === null) {
      state.loading = false;
      return;
    }
    try {
      state.extension = await api.extension(extensionId);
      if (state.extension.type !== 'callback') state.notCallback = true;
      else await fetchList();
    } catch (error) {
      if (context.endsSession(error)) return;
      state.loadError = describeError(error);
    }
    state.loading = false;
    if (!disposed) context.refresh();
  };

  const setActive = async (c: AuthorizedCallerId, active: boolean) => {
    state.rowBusy.add(c.id);
    state.listError = null;
    context.refresh();
    try {
      await callbackApi.setActive(c.id, active);
      announce(tx(active ? 'activated' : 'deactivated', { callerId: c.callerId }));
    } catch (error) {
      if (context.endsSession(error)) return;
      state.listError = describeError(error);
      announce(state.listError);
    }
    state.rowBusy.delete(c.id);
    await fetchList();
    document.getElementById(`cid-${c.id}-${active ? 'deactivate' : 'activate'}`)?.focus();
  };

  // --- the add / edit dialog -----------------------------------------------------------------

  const openEditor = (existing: AuthorizedCallerId | null) => {
    if (extensionId === null) return;
    const FIELDS = ['callerId', 'description', 'password', 'status', 'credit'] as const;
    const draft = {
      callerId: existing?.callerId ?? '',
      description: existing?.description ?? '',
      password: '',
      removePassword: false,
      active: existing ? existing.status === 'active' : true,
      unlimited: true,
      amount: '',
    };
    const dialogState = { saving: false, errors: {} as Record<string, string>, error: null as string | null };
    const prefix = 'cid-edit';

    const submit = async () => {
      if (dialogState.saving) return;
      dialogState.errors = {};
      dialogState.error = null;
      if (draft.callerId.trim() === '') dialogState.errors.callerId = tx('callerIdRequired');
      if (!existing && !draft.unlimited && draft.amount.trim() === '') dialogState.errors.credit = tx('amountRequired');
      const first = FIELDS.find((f) => dialogState.errors[f] !== undefined);
      if (first) {
        dialog.redraw();
        document.getElementById(`${prefix}-${first}`)?.focus();
        return;
      }
      dialogState.saving = true;
      dialog.redraw();
      try {
        const password = draft.password.trim();
        let saved: AuthorizedCallerId;
        if (existing) {
          const change = {
            ...(draft.callerId.trim() !== existing.callerId ? { callerId: draft.callerId.trim() } : {}),
            description: draft.description.trim(),
            ...(draft.removePassword ? { password: null } : password !== '' ? { password } : {}),
            status: draft.active ? ('active' as const) : ('inactive' as const),
          };
          saved = await callbackApi.changeCallerId(existing.id, change);
        } else {
          saved = await callbackApi.addCallerId(extensionId, {
            callerId: draft.callerId.trim(),
            description: draft.description.trim(),
            password: password === '' ? null : password,
            status: draft.active ? 'active' : 'inactive',
            credit: draft.unlimited ? 'unlimited' : draft.amount.trim(),
          });
        }
        dialog.close();
        announce(tx(existing ? 'changed' : 'added', { callerId: saved.callerId }));
        await fetchList();
        return;
      } catch (error) {
        if (context.endsSession(error)) {
          dialog.close();
          return;
        }
        dialogState.saving = false;
        const field = fieldOf(error, FIELDS);
        if (field) dialogState.errors[field] = (error as ApiError).message;
        else dialogState.error = describeError(error);
        announce(tx('notSaved', { message: field ? (dialogState.errors[field] ?? '') : (dialogState.error ?? '') }));
        dialog.redraw();
        document.getElementById(field ? `${prefix}-${field === 'status' ? 'active' : field}` : `${prefix}-error`)?.focus();
      }
    };

    const render = () =>
      h(
        'form',
        {
          id: `${prefix}-form`,
          novalidate: true,
          'aria-busy': dialogState.saving ? 'true' : null,
          onsubmit: (event: Event) => {
            event.preventDefault();
            void submit();
          },
        },
        textField({
          id: `${prefix}-callerId`,
          label: tx('callerId'),
          hint: tx('callerIdHint'),
          error: dialogState.errors.callerId,
          value: draft.callerId,
          attributes: { maxlength: 64, inputmode: 'tel', autocomplete: 'off', required: true },
          oninput: (value) => (draft.callerId = value),
        }),
        textField({
          id: `${prefix}-description`,
          label: tx('description'),
          error: dialogState.errors.description,
          value: draft.description,
          attributes: { maxlength: 200, autocomplete: 'off' },
          oninput: (value) => (draft.description = value),
        }),
        existing?.hasPassword
          ? checkField({
              id: `${prefix}-removePassword`,
              label: tx('removePassword'),
              checked: draft.removePassword,
              onchange: (checked) => {
                draft.removePassword = checked;
                if (checked) draft.password = '';
                dialog.redraw();
              },
            })
          : null,
        draft.removePassword
          ? null
          : textField({
              id: `${prefix}-password`,
              label: existing?.hasPassword ? tx('newPassword') : tx('password'),
              hint: existing?.hasPassword ? tx('newPasswordHint') : tx('passwordHint'),
              error: dialogState.errors.password,
              value: draft.password,
              type: 'password',
              attributes: { maxlength: 16, inputmode: 'numeric', autocomplete: 'new-password' },
              oninput: (value) => (draft.password = value),
            }),
        checkField({
          id: `${prefix}-active`,
          label: tx('activeCheck'),
          error: dialogState.errors.status,
          checked: draft.active,
          onchange: (checked) => (draft.active = checked),
        }),
        existing
          ? null
          : h(
              'fieldset',
              { class: 'choices' },
              h('legend', {}, tx('startingCredit')),
              ...(
                [
                  ['unlimited', true, tx('creditUnlimited')],
                  ['amount', false, tx('creditAmount')],
                ] as const
              ).map(([key, unlimited, text]) =>
                h(
                  'div',
                  { class: 'check' },
                  h('input', {
                    type: 'radio',
                    name: `${prefix}-creditKind`,
                    id: `${prefix}-credit-${key}`,
                    checked: draft.unlimited === unlimited,
                    onchange: () => {
                      draft.unlimited = unlimited;
                      dialog.redraw();
                      if (!unlimited) document.getElementById(`${prefix}-credit`)?.focus();
                    },
                  }),
                  h('label', { for: `${prefix}-credit-${key}` }, text),
                ),
              ),
              draft.unlimited
                ? dialogState.errors.credit
                  ? h('p', { class: 'field-error' }, dialogState.errors.credit)
                  : null
                : textField({
                    id: `${prefix}-credit`,
                    label: tx('amount'),
                    hint: tx('amountHint'),
                    error: dialogState.errors.credit,
                    value: draft.amount,
                    attributes: { maxlength: 40, inputmode: 'decimal', autocomplete: 'off', class: 'short' },
                    oninput: (value) => (draft.amount = value),
                  }),
            ),
        dialogState.error ? h('div', { class: 'alert', role: 'alert', id: `${prefix}-error`, tabindex: '-1' }, tx('notSaved', { message: dialogState.error })) : null,
        h(
          'div',
          { class: 'actions' },
          busyButton({ id: `${prefix}-save`, type: 'submit', text: existing ? tx('saveCallerId') : tx('addCallerId'), busy: dialogState.saving }),
          h('button', { type: 'button', class: 'secondary', id: `${prefix}-cancel`, onclick: () => dialog.close() }, tx('cancel')),
        ),
      );

    const dialog = openDialog({ id: 'cid-editor', title: existing ? tx('editTitle', { callerId: existing.callerId }) : tx('addTitle'), render });
    document.getElementById(`${prefix}-callerId`)?.focus();
  };

  // --- delete ---------------------------------------------------------------------------------

  const confirmDelete = (c: AuthorizedCallerId) =>
    confirmDialog({
      id: 'cid-delete',
      title: tx('deleteTitle', { callerId: c.callerId }),
      message: tx('deleteText'),
      confirmText: tx('delete'),
      busyText: tx('deleting'),
      cancelText: tx('cancel'),
      action: () => callbackApi.deleteCallerId(c.id),
      done: async () => {
        announce(tx('deleted', { callerId: c.callerId }));
        await fetchList();
        document.getElementById('cid-add')?.focus();
      },
      endsSession: (error) => context.endsSession(error),
    });

  // --- credit -----------------------------------------------------------------------------------

  const openCredit = (start: AuthorizedCallerId) => {
    let current = start;
    const dialogState = {
      history: null as CreditHistoryEntry[] | null,
      historyError: null as string | null,
      amount: '',
      note: '',
      busy: null as 'add' | 'unlimited' | null,
      errors: {} as Record<string, string>,
      error: null as string | null,
    };
    const prefix = 'cid-credit';
    let changed = false;

    const loadHistory = async () => {
      try {
        dialogState.history = await callbackApi.history(current.id);
        dialogState.historyError = null;
      } catch (error) {
        if (context.endsSession(error)) {
          dialog.close();
          return;
        }
        dialogState.historyError = describeError(error);
      }
      dialog.redraw();
    };

    const act = async (kind: 'add' | 'unlimited') => {
      if (dialogState.busy) return;
      dialogState.errors = {};
      dialogState.error = null;
      if (kind === 'add' && dialogState.amount.trim() === '') {
        dialogState.errors.amount = tx('amountRequired');
        dialog.redraw();
        document.getElementById(`${prefix}-amount`)?.focus();
        return;
      }
      dialogState.busy = kind;
      dialog.redraw();
      try {
        current = kind === 'add' ? await callbackApi.addCredit(current.id, dialogState.amount.trim(), dialogState.note) : await callbackApi.makeUnlimited(current.id);
        changed = true;
        dialogState.amount = '';
        dialogState.note = '';
        announce(kind === 'add' ? tx('creditAdded', { callerId: current.callerId, credit: creditText(current) }) : tx('madeUnlimited', { callerId: current.callerId }));
        dialogState.busy = null;
        await loadHistory();
        document.getElementById(kind === 'add' ? `${prefix}-amount` : `${prefix}-add`)?.focus();
        return;
      } catch (error) {
        if (context.endsSession(error)) {
          dialog.close();
          return;
        }
        const field = fieldOf(error, ['amount', 'note']);
        if (field) dialogState.errors[field] = (error as ApiError).message;
        else dialogState.error = describeError(error);
        announce(tx('notSaved', { message: field ? (dialogState.errors[field] ?? '') : (dialogState.error ?? '') }));
      }
      dialogState.busy = null;
      dialog.redraw();
      if (dialogState.errors.amount || dialogState.errors.note) document.getElementById(`${prefix}-${dialogState.errors.amount ? 'amount' : 'note'}`)?.focus();
    };

    const historyColumns: Column<CreditHistoryEntry>[] = [
      { header: tx('at'), cell: (e) => h('time', { datetime: e.at }, formatDateTime(e.at)) },
      { header: tx('amountAdded'), cell: (e) => e.amountAdded, numeric: true },
      { header: tx('creditLeftAfter'), cell: (e) => (e.creditLeftAfter === 'unlimited' ? tx('unlimited') : e.creditLeftAfter), numeric: true },
      { header: tx('by'), cell: (e) => (e.note ? h('span', {}, e.by, h('br', {}), h('span', { class: 'hint' }, e.note)) : e.by) },
    ];

    const render = () =>
      h(
        'div',
        { class: 'credit-dialog' },
        h('p', { class: 'credit-now', id: `${prefix}-now` }, tx('creditNow', { credit: creditText(current) })),
        h(
          'form',
          {
            id: `${prefix}-form`,
            novalidate: true,
            'aria-busy': dialogState.busy ? 'true' : null,
            onsubmit: (event: Event) => {
              event.preventDefault();
              void act('add');
            },
          },
          h(
            'fieldset',
            {},
            h('legend', {}, tx('addCredit')),
            textField({
              id: `${prefix}-amount`,
              label: tx('addCreditAmount'),
              hint: current.credit.unlimited ? `${tx('addCreditHint')} ${tx('unlimitedRule')}` : tx('addCreditHint'),
              error: dialogState.errors.amount,
              value: dialogState.amount,
              attributes: { maxlength: 40, inputmode: 'decimal', autocomplete: 'off', class: 'short' },
              oninput: (value) => (dialogState.amount = value),
            }),
            textField({
              id: `${prefix}-note`,
              label: tx('note'),
              error: dialogState.errors.note,
              value: dialogState.note,
              attributes: { maxlength: 200, autocomplete: 'off' },
              oninput: (value) => (dialogState.note = value),
            }),
            current.credit.unlimited ? null : h('p', { class: 'hint' }, tx('unlimitedRule')),
            alertBox(dialogState.error, `${prefix}-error`),
            h(
              'div',
              { class: 'actions' },
              busyButton({ id: `${prefix}-add`, type: 'submit', text: tx('addCredit'), busyText: tx('adding'), busy: dialogState.busy === 'add', attributes: { disabled: dialogState.busy !== null } }),
              current.credit.unlimited
                ? null
                : busyButton({ id: `${prefix}-unlimited`, text: tx('makeUnlimited'), busy: dialogState.busy === 'unlimited', variant: 'secondary', attributes: { disabled: dialogState.busy !== null }, onclick: () => void act('unlimited') }),
            ),
          ),
        ),
        dialogState.history === null
          ? dialogState.historyError
            ? alertBox(dialogState.historyError)
            : h('p', { class: 'loading', 'aria-busy': 'true' }, tx('loadingHistory'))
          : dataTable({ id: `${prefix}-history`, caption: tx('historyCaption'), columns: historyColumns, rows: dialogState.history, empty: tx('historyEmpty') }),
      );

    const dialog = openDialog({
      id: 'cid-credit',
      title: tx('creditTitle', { callerId: current.callerId }),
      render,
      onClose: () => {
        if (changed) void fetchList();
      },
    });
    document.getElementById(`${prefix}-amount`)?.focus();
    void loadHistory();
  };

  // --- drawing ------------------------------------------------------------------------------------

  const rowActions = (c: AuthorizedCallerId) => {
    const busy = state.rowBusy.has(c.id);
    const active = c.status === 'active';
    return h(
      'div',
      { class: 'row-actions' },
      h('button', { type: 'button', class: 'secondary', id: `cid-${c.id}-edit`, 'aria-label': tx('editLabel', { callerId: c.callerId }), onclick: () => openEditor(c) }, tx('edit')),
      h(
        'button',
        {
          type: 'button',
          class: busy ? 'secondary busy' : 'secondary',
          id: `cid-${c.id}-${active ? 'deactivate' : 'activate'}`,
          disabled: busy,
          'aria-busy': busy ? 'true' : null,
          'aria-label': tx(active ? 'deactivateLabel' : 'activateLabel', { callerId: c.callerId }),
          onclick: () => void setActive(c, !active),
        },
        tx(active ? 'deactivate' : 'activate'),
      ),
      h('button', { type: 'button', class: 'secondary', id: `cid-${c.id}-credit`, 'aria-label': tx('creditLabel', { callerId: c.callerId }), onclick: () => openCredit(c) }, tx('creditButton')),
      h('button', { type: 'button', class: 'danger', id: `cid-${c.id}-delete`, 'aria-label': tx('deleteLabel', { callerId: c.callerId }), onclick: () => confirmDelete(c) }, tx('delete')),
    );
  };

  const columns: Column<AuthorizedCallerId>[] = [
    { sortKey: 'callerId', header: tx('callerId'), cell: (c) => h('span', { class: 'number' }, c.callerId) },
    { sortKey: 'description', header: tx('description'), cell: (c) => c.description },
    { header: tx('password'), cell: (c) => (c.hasPassword ? tx('hasPassword') : tx('noPassword')) },
    { sortKey: 'status', header: tx('status'), cell: (c) => h('span', { class: `badge ${c.status === 'active' ? 'ok' : 'off'}` }, c.status === 'active' ? tx('active') : tx('inactive')) },
    { sortKey: 'credit', header: tx('credit'), cell: (c) => creditText(c), numeric: true },
    { sortKey: 'addedOn', header: tx('addedOn'), cell: (c) => h('time', { datetime: c.addedOn }, formatDateTime(c.addedOn)) },
    { header: tx('actions'), cell: rowActions },
  ];

  const toolbar = () =>
    h(
      'div',
      { class: 'cid-toolbar' },
      h(
        'form',
        {
          class: 'cid-search',
          role: 'search',
          onsubmit: (event: Event) => {
            event.preventDefault();
            state.appliedSearch = state.search.trim();
            state.page = 1;
            void fetchList();
          },
        },
        textField({ id: 'cid-search', label: tx('search'), hint: tx('searchHint'), value: state.search, attributes: { maxlength: 100, autocomplete: 'off', enterkeyhint: 'search' }, oninput: (value) => (state.search = value) }),
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary', id: 'cid-search-go' }, tx('searchButton')), state.appliedSearch ? h('button', {
          type: 'button',
          class: 'secondary',
          id: 'cid-search-clear',
          onclick: () => {
            state.search = '';
            state.appliedSearch = '';
            state.page = 1;
            void fetchList();
          },
        }, tx('clearSearch')) : null),
      ),
      h(
        'div',
        { class: 'actions cid-buttons' },
        h('button', { type: 'button', id: 'cid-add', onclick: () => openEditor(null) }, '+ ', tx('add')),
        extensionId === null
          ? null
          : h('a', { class: 'button-link', id: 'cid-export-xlsx', href: exportUrl(extensionId, 'xlsx', { search: state.appliedSearch, sort: state.sort.key as CallerIdSort, order: state.sort.direction }), download: '' }, tx('exportExcel')),
        extensionId === null
          ? null
          : h('a', { class: 'button-link', id: 'cid-export-csv', href: exportUrl(extensionId, 'csv', { search: state.appliedSearch, sort: state.sort.key as CallerIdSort, order: state.sort.direction }), download: '' }, tx('exportCsv')),
      ),
    );

  void load();

  return {
    title: () => tx('title'),
    dispose: () => {
      disposed = true;
      // A dialog left open belongs to this page.
      for (const id of ['cid-editor', 'cid-delete', 'cid-credit']) document.getElementById(id)?.remove();
    },
    render: () => {
      const heading = h('h1', { id: 'callerids-title' }, tx('title'));
      if (extensionId === null) return h('section', {}, heading, h('p', { class: 'notice' }, tx('noExtension')));
      const waiting = loadingOrError([heading], { loading: state.loading, error: state.loadError });
      if (waiting) return waiting;
      const extension = state.extension;
      if (state.notCallback || !extension) return h('section', {}, heading, h('p', { class: 'notice' }, tx('notCallback', { number: extension?.number ?? '' })));
      const list = state.list;
      const settingsPath = ownRoute ? `${BASE}callback` : `${BASE}extensions/${extensionId}/callback`;
      return h(
        'div',
        { class: 'callerids' },
        heading,
        h('p', { class: 'lead' }, tx('intro', { number: extension.number, name: extension.name }), ' ', h('a', { href: settingsPath, 'data-route': true, id: 'cid-settings-link' }, tx('settingsLink'))),
        list
          ? h('p', { class: 'licence-count', id: 'cid-licence', 'aria-describedby': 'cid-licence-hint' }, tx('licence', { active: list.activeCount, limit: list.licenceLimit }))
          : null,
        h('p', { class: 'hint', id: 'cid-licence-hint' }, tx('licenceHint')),
        toolbar(),
        alertBox(state.listError, 'cid-list-error'),
        list
          ? h(
              'div',
              { class: 'cid-table', 'aria-busy': state.listBusy ? 'true' : null },
              dataTable({
                id: 'cid-table',
                caption: state.appliedSearch ? tx('captionSearch', { search: state.appliedSearch, total: list.total }) : tx('caption', { total: list.total }),
                columns,
                rows: list.items,
                empty: state.appliedSearch ? tx('emptySearch') : tx('empty'),
                sort: state.sort,
                onSort: (sort) => {
                  state.sort = sort;
                  state.page = 1;
                  void fetchList().then(() => document.getElementById(`cid-table-sort-${sort.key}`)?.focus());
                },
                rowId: (c) => String(c.id),
              }),
              pager({
                id: 'cid-pager',
                page: state.page,
                pageSize: PAGE_SIZE,
                total: list.total,
                onPage: (page) => {
                  state.page = page;
                  void fetchList();
                },
              }),
            )
          : null,
      );
    },
  };
}

export const routes: PortalRoute[] = [
  { path: 'callback/callerids', access: ownsExtension('callback'), nav: { text: () => tx('navCallerIds'), order: 20 }, page: calleridsPage },
  { path: 'extensions/:id/callerids', access: manager, page: calleridsPage },
];
