import { announce } from '../announce.js';
import { ApiError } from '../api.js';
import { providerApi, type Account, type AccountFields, type Tariff, type Trunk } from '../api/provider.js';
import { describeError, roleIs, type Page, type PortalContext, type PortalRoute } from '../app.js';
import { h } from '../dom.js';
import { defineTexts } from '../texts.js';
import { alertBox, busyButton, type Column, confirmDialog, dataTable, loadingOrError, openDialog, selectField, textField } from '../ui.js';
import './accounts.css';

const tx = defineTexts(
  {
    nav: 'Organizations',
    title: 'Organizations and resellers',
    intro: 'The accounts you look after, with the tariff and trunk their calls use and their licence. Licences are set by the account above.',
    caption: 'Accounts',
    name: 'Name',
    kind: 'Kind',
    reseller: 'Reseller',
    organization: 'Organization',
    parent: 'Belongs to',
    provider: 'The provider',
    extensions: 'Extensions',
    ofMax: '{count} of {max}',
    tariff: 'Tariff',
    trunk: 'Trunk',
    inherit: 'As the account above',
    actions: 'Actions',
    edit: 'Edit',
    editLabel: 'Edit {name}',
    remove: 'Delete',
    removeLabel: 'Delete {name}',
    none: 'No organizations yet.',
    newOrganization: 'New organization',
    newReseller: 'New reseller',
    newOrganizationTitle: 'New organization',
    newResellerTitle: 'New reseller',
    editTitle: 'Edit {name}',
    defaultCountry: 'Default country',
    defaultCountryHint: 'Two letters (AU, DE, FR…) for numbers written without a country code; empty: as the account above.',
    licence: 'Licence',
    licenceHint: 'Empty means no limit.',
    licenceFromAbove: 'Set by the account above yours.',
    maxExtensions: 'Extensions at most',
    maxAuthorizedCallerIds: 'Active authorized CallerIDs per callback extension at most',
    maxConcurrentCalls: 'Calls at once at most',
    dailySpendCap: 'Daily spend cap ({currency})',
    dailySpendCapHint: 'An amount such as 50.00, counted from midnight UTC; at the cap new calls are refused until the next day. Empty: no cap.',
    unlimited: 'no limit',
    save: 'Save',
    create: 'Create',
    cancel: 'Cancel',
    created: '{name} created.',
    saved: '{name} saved.',
    removeTitle: 'Delete {name}?',
    removeText: 'Its users, tariffs, time intervals and sounds are deleted with it. An account with extensions or accounts below it cannot be deleted.',
    removing: 'Deleting…',
    removed: '{name} deleted.',
    nameRequired: 'Enter a name.',
  },
  {
    de: {
      nav: 'Organisationen',
      title: 'Organisationen und Wiederverkäufer',
      intro: 'Die Konten, die Sie betreuen, mit dem Tarif und dem Trunk ihrer Anrufe und ihrer Lizenz. Lizenzen legt das übergeordnete Konto fest.',
      caption: 'Konten',
      name: 'Name',
      kind: 'Art',
      reseller: 'Wiederverkäufer',
      organization: 'Organisation',
      parent: 'Gehört zu',
      provider: 'Der Anbieter',
      extensions: 'Nebenstellen',
      ofMax: '{count} von {max}',
      tariff: 'Tarif',
      trunk: 'Trunk',
      inherit: 'Wie das übergeordnete Konto',
      actions: 'Aktionen',
      edit: 'Bearbeiten',
      editLabel: '{name} bearbeiten',
      remove: 'Löschen',
      removeLabel: '{name} löschen',
      none: 'Noch keine Organisationen.',
      newOrganization: 'Neue Organisation',
      newReseller: 'Neuer Wiederverkäufer',
      newOrganizationTitle: 'Neue Organisation',
      newResellerTitle: 'Neuer Wiederverkäufer',
      editTitle: '{name} bearbeiten',
      defaultCountry: 'Standardland',
      defaultCountryHint: 'Zwei Buchstaben (AU, DE, FR…) für Nummern ohne Landesvorwahl; leer: wie das übergeordnete Konto.',
      licence: 'Lizenz',
      licenceHint: 'Leer bedeutet: keine Grenze.',
      licenceFromAbove: 'Wird vom übergeordneten Konto festgelegt.',
      maxExtensions: 'Höchstens Nebenstellen',
      maxAuthorizedCallerIds: 'Höchstens aktive autorisierte Rufnummern je Rückruf-Nebenstelle',
      maxConcurrentCalls: 'Höchstens gleichzeitige Anrufe',
      dailySpendCap: 'Tägliche Ausgabengrenze ({currency})',
      dailySpendCapHint: 'Ein Betrag wie 50.00, ab Mitternacht UTC gezählt; an der Grenze werden neue Anrufe bis zum nächsten Tag abgelehnt. Leer: keine Grenze.',
      unlimited: 'keine Grenze',
      save: 'Speichern',
      create: 'Anlegen',
      cancel: 'Abbrechen',
      created: '{name} angelegt.',
      saved: '{name} gespeichert.',
      removeTitle: '{name} löschen?',
      removeText: 'Seine Benutzer, Tarife, Zeitpläne und Ansagen werden mit gelöscht. Ein Konto mit Nebenstellen oder untergeordneten Konten kann nicht gelöscht werden.',
      removing: 'Wird gelöscht…',
      removed: '{name} gelöscht.',
      nameRequired: 'Geben Sie einen Namen ein.',
    },
    fr: {
      nav: 'Organisations',
      title: 'Organisations et revendeurs',
      intro: 'Les comptes dont vous vous occupez, avec le tarif et le trunk de leurs appels et leur licence. Les licences sont fixées par le compte au-dessus.',
      caption: 'Comptes',
      name: 'Nom',
      kind: 'Type',
      reseller: 'Revendeur',
      organization: 'Organisation',
      parent: 'Appartient à',
      provider: 'Le fournisseur',
      extensions: 'Extensions',
      ofMax: '{count} sur {max}',
      tariff: 'Tarif',
      trunk: 'Trunk',
      inherit: 'Comme le compte au-dessus',
      actions: 'Actions',
      edit: 'Modifier',
      editLabel: 'Modifier {name}',
      remove: 'Supprimer',
      removeLabel: 'Supprimer {name}',
      none: 'Aucune organisation pour l’instant.',
      newOrganization: 'Nouvelle organisation',
      newReseller: 'Nouveau revendeur',
      newOrganizationTitle: 'Nouvelle organisation',
      newResellerTitle: 'Nouveau revendeur',
      editTitle: 'Modifier {name}',
      defaultCountry: 'Pays par défaut',
      defaultCountryHint: 'Deux lettres (AU, DE, FR…) pour les numéros sans indicatif de pays ; vide : comme le compte au-dessus.',
      licence: 'Licence',
      licenceHint: 'Vide signifie sans limite.',
      licenceFromAbove: 'Fixée par le compte au-dessus du vôtre.',
      maxExtensions: 'Extensions au plus',
      maxAuthorizedCallerIds: 'Numéros autorisés actifs par extension de rappel au plus',
      maxConcurrentCalls: 'Appels simultanés au plus',
      dailySpendCap: 'Plafond de dépense quotidien ({currency})',
      dailySpendCapHint: 'Un montant comme 50.00, compté depuis minuit UTC ; au plafond, les nouveaux appels sont refusés jusqu’au lendemain. Vide : sans plafond.',
      unlimited: 'sans limite',
      save: 'Enregistrer',
      create: 'Créer',
      cancel: 'Annuler',
      created: '{name} créé.',
      saved: '{name} enregistré.',
      removeTitle: 'Supprimer {name} ?',
      removeText: 'Ses utilisateurs, tarifs, plages horaires et sons sont supprimés avec lui. Un compte avec des extensions ou des comptes en dessous ne peut pas être supprimé.',
      removing: 'Suppression…',
      removed: '{name} supprimé.',
      nameRequired: 'Saisissez un nom.',
    },
    es: {
      nav: 'Organizaciones',
      title: 'Organizaciones y revendedores',
      intro: 'Las cuentas que usted gestiona, con la tarifa y el troncal de sus llamadas y su licencia. Las licencias las fija la cuenta superior.',
      caption: 'Cuentas',
      name: 'Nombre',
      kind: 'Tipo',
      reseller: 'Revendedor',
      organization: 'Organización',
      parent: 'Pertenece a',
      provider: 'El proveedor',
      extensions: 'Extensiones',
      ofMax: '{count} de {max}',
      tariff: 'Tarifa',
      trunk: 'Troncal',
      inherit: 'Como la cuenta superior',
      actions: 'Acciones',
      edit: 'Editar',
      editLabel: 'Editar {name}',
      remove: 'Eliminar',
      removeLabel: 'Eliminar {name}',
      none: 'Todavía no hay organizaciones.',
      newOrganization: 'Nueva organización',
      newReseller: 'Nuevo revendedor',
      newOrganizationTitle: 'Nueva organización',
      newResellerTitle: 'Nuevo revendedor',
      editTitle: 'Editar {name}',
      defaultCountry: 'País predeterminado',
      defaultCountryHint: 'Dos letras (AU, DE, FR…) para números sin prefijo de país; vacío: como la cuenta superior.',
      licence: 'Licencia',
      licenceHint: 'Vacío significa sin límite.',
      licenceFromAbove: 'La fija la cuenta superior a la suya.',
      maxExtensions: 'Extensiones como máximo',
      maxAuthorizedCallerIds: 'CallerID autorizados activos por extensión de devolución como máximo',
      maxConcurrentCalls: 'Llamadas simultáneas como máximo',
      dailySpendCap: 'Límite de gasto diario ({currency})',
      dailySpendCapHint: 'Un importe como 50.00, contado desde la medianoche UTC; en el límite se rechazan las llamadas nuevas hasta el día siguiente. Vacío: sin límite.',
      unlimited: 'sin límite',
      save: 'Guardar',
      create: 'Crear',
      cancel: 'Cancelar',
      created: '{name} creada.',
      saved: '{name} guardada.',
      removeTitle: '¿Eliminar {name}?',
      removeText: 'Sus usuarios, tarifas, horarios y sonidos se eliminan con ella. Una cuenta con extensiones o cuentas por debajo no se puede eliminar.',
      removing: 'Eliminando…',
      removed: '{name} eliminada.',
      nameRequired: 'Escriba un nombre.',
    },
  },
);

const FIELDS = ['name', 'parentId', 'defaultCountry', 'tariffId', 'trunkId', 'maxExtensions', 'maxAuthorizedCallerIds', 'maxConcurrentCalls', 'dailySpendCap'] as const;
type Field = (typeof FIELDS)[number];
type LicenceField = 'maxExtensions' | 'maxAuthorizedCallerIds' | 'maxConcurrentCalls' | 'dailySpendCap';
type Draft = Record<Field, string>;

const draftOf = (a: Account | null): Draft => ({
  name: a?.name ?? '',
  parentId: a?.parentId === null || a === null ? '' : String(a.parentId),
  defaultCountry: a?.defaultCountry ?? '',
  tariffId: a?.tariffId === null || a === null ? '' : String(a.tariffId),
  trunkId: a?.trunkId === null || a === null ? '' : String(a.trunkId),
  maxExtensions: a?.maxExtensions === null || a === null ? '' : String(a.maxExtensions),
  maxAuthorizedCallerIds: a?.maxAuthorizedCallerIds === null || a === null ? '' : String(a.maxAuthorizedCallerIds),
  maxConcurrentCalls: a?.maxConcurrentCalls === null || a === null ? '' : String(a.maxConcurrentCalls),
  dailySpendCap: a?.dailySpendCap ?? '',
});

/** A whole number as a number; other text is sent as typed, so the API names the field and says why. */
const limitOf = (text: string): number | null => {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  return /^\d+$/.test(trimmed) ? Number(trimmed) : (trimmed as unknown as number);
};
const idOf = (text: string): number | null => (text === '' ? null : Number(text));

export function accountsPage(context: PortalContext): Page {
  const role = context.me?.user.role;
  const ownAccountId = context.me?.user.accountId ?? 0;
  const state = {
    loading: true,
    loadError: null as string | null,
    accounts: [] as Account[],
    tariffs: [] as Tariff[],
    trunks: [] as Trunk[],
    currency: '',
  };
  let disposed = false;

  const load = async () => {
    try {
      const [accounts, tariffs, trunks, settings] = await Promise.all([
        providerApi.accounts(),
        providerApi.tariffs(),
        role === 'admin' ? providerApi.trunks() : Promise.resolve({ items: [] as Trunk[] }),
        providerApi.settings(),
      ]);
      state.accounts = accounts.items;
      state.tariffs = tariffs.items;
      state.trunks = trunks.items;
      state.currency = settings.currency ?? '';
      state.loadError = null;
    } catch (error) {
      if (context.endsSession(error)) return;
      state.loadError = describeError(error);
    }
    state.loading = false;
    if (!disposed) context.refresh();
  };

  const parentName = (a: Account) => {
    const parent = state.accounts.find((p) => p.id === a.parentId);
    return !parent || parent.kind === 'provider' ? tx('provider') : parent.name;
  };

  const openEditor = (account: Account | null, kind: 'reseller' | 'organization') => {
    const draft = draftOf(account);
    const errors: Partial<Record<Field | 'form', string>> = {};
    let saving = false;
    // The licence and the tariff come from above: an account never sets its own.
    const fromAbove = account === null || account.id !== ownAccountId;
    const isAdmin = role === 'admin';
    const title = account ? tx('editTitle', { name: account.name }) : kind === 'reseller' ? tx('newResellerTitle') : tx('newOrganizationTitle');

    const submit = async () => {
      if (saving) return;
      for (const key of Object.keys(errors)) delete errors[key as Field];
      if (draft.name.trim() === '') {
        errors.name = tx('nameRequired');
        dialog.redraw();
        document.getElementById('acc-name')?.focus();
        return;
      }
      const fields: AccountFields = { name: draft.name.trim(), defaultCountry: draft.defaultCountry.trim() === '' ? null : draft.defaultCountry.trim().toUpperCase() };
      if (fromAbove) {
        fields.tariffId = idOf(draft.tariffId);
        fields.maxExtensions = limitOf(draft.maxExtensions);
        fields.maxAuthorizedCallerIds = limitOf(draft.maxAuthorizedCallerIds);
        fields.maxConcurrentCalls = limitOf(draft.maxConcurrentCalls);
        fields.dailySpendCap = draft.dailySpendCap.trim() === '' ? null : draft.dailySpendCap.trim();
      }
      if (isAdmin) fields.trunkId = idOf(draft.trunkId);
      if (isAdmin && kind === 'organization' && (account === null || draft.parentId !== (account.parentId === null ? '' : String(account.parentId)))) {
        fields.parentId = idOf(draft.parentId);
      }
      saving = true;
      dialog.redraw();
      try {
        const saved = account ? await providerApi.updateAccount(account.id, fields) : await providerApi.createAccount({ ...fields, kind, name: draft.name.trim() });
        saving = false;
        dialog.close();
        announce(account ? tx('saved', { name: saved.name }) : tx('created', { name: saved.name }));
        await load();
        return;
      } catch (error) {
        saving = false;
        if (context.endsSession(error)) {
          dialog.close();
          return;
        }
        const field = error instanceof ApiError ? FIELDS.find((f) => f === error.field) : undefined;
        if (field) errors[field] = error instanceof Error ? error.message : '';
        else errors.form = describeError(error);
        dialog.redraw();
        document.getElementById(field ? `acc-${field}` : 'acc-save')?.focus();
      }
    };

    const input = (field: Field, label: string, hint: string | null = null, attributes: Record<string, string | number | boolean> = {}) =>
      textField({ id: `acc-${field}`, label, hint, error: errors[field], value: draft[field], oninput: (v) => (draft[field] = v), attributes: { autocomplete: 'off', ...attributes } });
    const licenceInput = (field: LicenceField, label: string, hint: string | null = null) =>
      input(field, label, hint, { inputmode: field === 'dailySpendCap' ? 'decimal' : 'numeric', disabled: !fromAbove, placeholder: tx('unlimited') });

    const resellers = state.accounts.filter((a) => a.kind === 'reseller');
    const render = () =>
      h(
        'form',
        {
          id: 'acc-form',
          novalidate: true,
          'aria-busy': saving ? 'true' : null,
          onsubmit: (event: Event) => {
            event.preventDefault();
            void submit();
          },
        },
        input('name', tx('name'), null, { maxlength: 100, required: true }),
        isAdmin && kind === 'organization'
          ? selectField({
              id: 'acc-parentId',
              label: tx('parent'),
              error: errors.parentId,
              value: draft.parentId,
              choices: [{ value: '', text: tx('provider') }, ...resellers.map((r) => ({ value: String(r.id), text: r.name }))],
              onchange: (v) => (draft.parentId = v),
            })
          : null,
        input('defaultCountry', tx('defaultCountry'), tx('defaultCountryHint'), { maxlength: 2, autocapitalize: 'characters', spellcheck: 'false' }),
        selectField({
          id: 'acc-tariffId',
          label: tx('tariff'),
          error: errors.tariffId,
          value: draft.tariffId,
          choices: [{ value: '', text: tx('inherit') }, ...state.tariffs.map((t) => ({ value: String(t.id), text: `${t.name} (${t.accountName})` }))],
          onchange: (v) => (draft.tariffId = v),
          attributes: { disabled: !fromAbove },
        }),
        isAdmin
          ? selectField({
              id: 'acc-trunkId',
              label: tx('trunk'),
              error: errors.trunkId,
              value: draft.trunkId,
              choices: [{ value: '', text: tx('inherit') }, ...state.trunks.map((t) => ({ value: String(t.id), text: t.name }))],
              onchange: (v) => (draft.trunkId = v),
            })
          : null,
        h(
          'fieldset',
          { class: 'licence' },
          h('legend', {}, tx('licence')),
          h('p', { class: 'hint' }, fromAbove ? tx('licenceHint') : tx('licenceFromAbove')),
          licenceInput('maxExtensions', tx('maxExtensions')),
          licenceInput('maxAuthorizedCallerIds', tx('maxAuthorizedCallerIds')),
          licenceInput('maxConcurrentCalls', tx('maxConcurrentCalls')),
          licenceInput('dailySpendCap', tx('dailySpendCap', { currency: state.currency }), tx('dailySpendCapHint')),
        ),
        alertBox(errors.form),
        h(
          'div',
          { class: 'actions' },
          busyButton({ id: 'acc-save', type: 'submit', text: account ? tx('save') : tx('create'), busy: saving }),
          h('button', { type: 'button', class: 'secondary', id: 'acc-cancel', onclick: () => dialog.close() }, tx('cancel')),
        ),
      );
    const dialog = openDialog({ id: 'acc-dialog', title, render });
    document.getElementById('acc-name')?.focus();
  };

  const confirmDelete = (account: Account) =>
    confirmDialog({
      id: 'acc-delete-dialog',
      title: tx('removeTitle', { name: account.name }),
      message: tx('removeText'),
      confirmText: tx('remove'),
      busyText: tx('removing'),
      cancelText: tx('cancel'),
      action: () => providerApi.deleteAccount(account.id),
      done: async () => {
        announce(tx('removed', { name: account.name }));
        await load();
      },
      endsSession: (error) => context.endsSession(error),
    });

  const limit = (count: number, max: number | null) => (max === null ? String(count) : tx('ofMax', { count, max }));

  const columns: Column<Account>[] = [
    { header: tx('name'), cell: (a) => h('strong', {}, a.name) },
    { header: tx('kind'), cell: (a) => h('span', { class: 'badge' }, a.kind === 'reseller' ? tx('reseller') : tx('organization')) },
    { header: tx('parent'), cell: (a) => parentName(a) },
    { header: tx('extensions'), numeric: true, cell: (a) => limit(a.extensionCount, a.maxExtensions) },
    { header: tx('tariff'), cell: (a) => (a.tariffId === null ? tx('inherit') : (state.tariffs.find((t) => t.id === a.tariffId)?.name ?? `#${a.tariffId}`)) },
    {
      header: tx('actions'),
      cell: (a) =>
        h(
          'div',
          { class: 'row-actions' },
          h('button', { type: 'button', class: 'secondary', id: `acc-edit-${a.id}`, 'aria-label': tx('editLabel', { name: a.name }), onclick: () => openEditor(a, a.kind === 'reseller' ? 'reseller' : 'organization') }, tx('edit')),
          a.id === ownAccountId
            ? null
            : h('button', { type: 'button', class: 'danger', id: `acc-delete-${a.id}`, 'aria-label': tx('removeLabel', { name: a.name }), onclick: () => confirmDelete(a) }, tx('remove')),
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
      const heading = h('h1', {}, tx('title'));
      const waiting = loadingOrError([heading], { loading: state.loading, error: state.loadError });
      if (waiting) return waiting;
      const rows = state.accounts.filter((a) => a.kind !== 'provider');
      return h(
        'section',
        { class: 'accounts' },
        heading,
        h('p', { class: 'lead' }, tx('intro')),
        h(
          'div',
          { class: 'toolbar' },
          h('button', { type: 'button', id: 'acc-new-organization', onclick: () => openEditor(null, 'organization') }, '+ ', tx('newOrganization')),
          role === 'admin' ? h('button', { type: 'button', id: 'acc-new-reseller', class: 'secondary', onclick: () => openEditor(null, 'reseller') }, '+ ', tx('newReseller')) : null,
        ),
        dataTable({ id: 'accounts-table', caption: tx('caption'), columns, rows, empty: tx('none'), rowId: (a) => String(a.id) }),
      );
    },
  };
}

export const routes: PortalRoute[] = [{ path: 'accounts', access: roleIs('admin', 'reseller'), nav: { text: () => tx('nav'), order: 15 }, page: (context) => accountsPage(context) }];
