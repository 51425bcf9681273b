import { announce } from '../announce.js';
import { ApiError } from '../api.js';
import { extensionsApi, type ManagedExtension } from '../api/extensions.js';
import { providerApi, type Did, type Trunk, type TrunkFields } from '../api/provider.js';
import { describeError, roleIs, type Page, type PortalContext, type PortalRoute } from '../app.js';
import { h } from '../dom.js';
import { defineTexts } from '../texts.js';
import { alertBox, busyButton, checkField, confirmDialog, dataTable, loadingOrError, openDialog, selectField, textField, type Column } from '../ui.js';
import './trunks.css';

const tx = defineTexts(
  {
    nav: 'Trunks',
    title: 'Trunks and DIDs',
    intro: 'The carriers calls go out through, and the numbers (DIDs) they deliver to extensions.',
    changeNote: 'Calls use a changed trunk from the next call on, and the server registers again at once to every carrier whose trunk registers.',
    trunksCaption: 'Trunks',
    name: 'Name',
    address: 'Address',
    host: 'Host',
    port: 'Port',
    transport: 'Transport',
    username: 'User name',
    password: 'Password',
    passwordKeep: 'Leave empty to keep the current password.',
    clearPassword: 'Remove the user name and password',
    fromDomain: 'From domain',
    fromDomainHint: 'Empty: the host.',
    register: 'Register to the carrier',
    maxChannels: 'Calls at once at most',
    maxChannelsHint: 'Empty: no limit.',
    enabled: 'Enabled',
    state: 'State',
    on: 'enabled',
    off: 'disabled',
    registers: 'registers',
    dids: 'DIDs',
    actions: 'Actions',
    edit: 'Edit',
    editLabel: 'Edit trunk {name}',
    remove: 'Delete',
    removeTrunkLabel: 'Delete trunk {name}',
    removeDidLabel: 'Delete DID {number}',
    addTrunk: 'Add a trunk',
    addTrunkTitle: 'New trunk',
    editTrunkTitle: 'Trunk {name}',
    noTrunks: 'No trunks.',
    didsCaption: 'DIDs',
    number: 'Number',
    numberHint: 'International form (+61290370000) or national digits in the server\u2019s country.',
    trunk: 'Trunk',
    extension: 'Rings',
    nowhere: 'Nothing',
    noDids: 'No DIDs.',
    addDid: 'Add a DID',
    addDidTitle: 'New DID',
    save: 'Save',
    cancel: 'Cancel',
    saved: 'Saved.',
    removed: 'Deleted.',
    removeTitle: 'Delete {name}?',
    removing: 'Deleting…',
  },
  {
    de: {
      nav: 'Trunks',
      title: 'Trunks und Durchwahlnummern',
      intro: 'Die Carrier, über die Anrufe hinausgehen, und die Nummern (DIDs), die sie an Nebenstellen liefern.',
      changeNote: 'Ein geänderter Trunk gilt ab dem nächsten Anruf, und der Server registriert sich sofort neu bei jedem Carrier, dessen Trunk sich registriert.',
      trunksCaption: 'Trunks',
      name: 'Name',
      address: 'Adresse',
      host: 'Host',
      port: 'Port',
      transport: 'Transport',
      username: 'Benutzername',
      password: 'Passwort',
      passwordKeep: 'Leer lassen, um das bisherige Passwort zu behalten.',
      clearPassword: 'Benutzername und Passwort entfernen',
      fromDomain: 'From-Domain',
      fromDomainHint: 'Leer: der Host.',
      register: 'Beim Carrier registrieren',
      maxChannels: 'Höchstens gleichzeitige Anrufe',
      maxChannelsHint: 'Leer: keine Grenze.',
      enabled: 'Aktiv',
      state: 'Zustand',
      on: 'aktiv',
      off: 'inaktiv',
      registers: 'registriert',
      dids: 'DIDs',
      actions: 'Aktionen',
      edit: 'Bearbeiten',
      editLabel: 'Trunk {name} bearbeiten',
      remove: 'Löschen',
      removeTrunkLabel: 'Trunk {name} löschen',
      removeDidLabel: 'DID {number} löschen',
      addTrunk: 'Trunk hinzufügen',
      addTrunkTitle: 'Neuer Trunk',
      editTrunkTitle: 'Trunk {name}',
      noTrunks: 'Keine Trunks.',
      didsCaption: 'DIDs',
      number: 'Nummer',
      numberHint: 'Internationale Form (+61290370000) oder nationale Ziffern im Land des Servers.',
      trunk: 'Trunk',
      extension: 'Klingelt bei',
      nowhere: 'Niemandem',
      noDids: 'Keine DIDs.',
      addDid: 'DID hinzufügen',
      addDidTitle: 'Neue DID',
      save: 'Speichern',
      cancel: 'Abbrechen',
      saved: 'Gespeichert.',
      removed: 'Gelöscht.',
      removeTitle: '{name} löschen?',
      removing: 'Wird gelöscht…',
    },
    fr: {
      nav: 'Trunks',
      title: 'Trunks et SDA',
      intro: 'Les opérateurs par lesquels partent les appels, et les numéros (SDA) qu’ils livrent aux extensions.',
      changeNote: 'Un trunk modifié s’applique dès l’appel suivant, et le serveur se réenregistre aussitôt auprès de chaque opérateur dont le trunk s’enregistre.',
      trunksCaption: 'Trunks',
      name: 'Nom',
      address: 'Adresse',
      host: 'Hôte',
      port: 'Port',
      transport: 'Transport',
      username: 'Nom d’utilisateur',
      password: 'Mot de passe',
      passwordKeep: 'Laisser vide pour garder le mot de passe actuel.',
      clearPassword: 'Retirer le nom d’utilisateur et le mot de passe',
      fromDomain: 'Domaine From',
      fromDomainHint: 'Vide : l’hôte.',
      register: 'S’enregistrer auprès de l’opérateur',
      maxChannels: 'Appels simultanés au plus',
      maxChannelsHint: 'Vide : sans limite.',
      enabled: 'Actif',
      state: 'État',
      on: 'actif',
      off: 'inactif',
      registers: 's’enregistre',
      dids: 'SDA',
      actions: 'Actions',
      edit: 'Modifier',
      editLabel: 'Modifier le trunk {name}',
      remove: 'Supprimer',
      removeTrunkLabel: 'Supprimer le trunk {name}',
      removeDidLabel: 'Supprimer la SDA {number}',
      addTrunk: 'Ajouter un trunk',
      addTrunkTitle: 'Nouveau trunk',
      editTrunkTitle: 'Trunk {name}',
      noTrunks: 'Aucun trunk.',
      didsCaption: 'SDA',
      number: 'Numéro',
      numberHint: 'Format international (+61290370000) ou chiffres nationaux dans le pays du serveur.',
      trunk: 'Trunk',
      extension: 'Sonne chez',
      nowhere: 'Personne',
      noDids: 'Aucune SDA.',
      addDid: 'Ajouter une SDA',
      addDidTitle: 'Nouvelle SDA',
      save: 'Enregistrer',
      cancel: 'Annuler',
      saved: 'Enregistré.',
      removed: 'Supprimé.',
      removeTitle: 'Supprimer {name} ?',
      removing: 'Suppression…',
    },
    es: {
      nav: 'Troncales',
      title: 'Troncales y DID',
      intro: 'Los operadores por los que salen las llamadas y los números (DID) que entregan a las extensiones.',
      changeNote: 'Un troncal cambiado se usa desde la siguiente llamada, y el servidor se vuelve a registrar al momento ante cada operador cuyo troncal se registra.',
      trunksCaption: 'Troncales',
      name: 'Nombre',
      address: 'Dirección',
      host: 'Host',
      port: 'Puerto',
      transport: 'Transporte',
      username: 'Usuario',
      password: 'Contraseña',
      passwordKeep: 'Déjela vacía para conservar la contraseña actual.',
      clearPassword: 'Quitar el usuario y la contraseña',
      fromDomain: 'Dominio From',
      fromDomainHint: 'Vacío: el host.',
      register: 'Registrarse ante el operador',
      maxChannels: 'Llamadas simultáneas como máximo',
      maxChannelsHint: 'Vacío: sin límite.',
      enabled: 'Activo',
      state: 'Estado',
      on: 'activo',
      off: 'inactivo',
      registers: 'se registra',
      dids: 'DID',
      actions: 'Acciones',
      edit: 'Editar',
      editLabel: 'Editar el troncal {name}',
      remove: 'Eliminar',
      removeTrunkLabel: 'Eliminar el troncal {name}',
      removeDidLabel: 'Eliminar el DID {number}',
      addTrunk: 'Añadir un troncal',
      addTrunkTitle: 'Nuevo troncal',
      editTrunkTitle: 'Troncal {name}',
      noTrunks: 'No hay troncales.',
      didsCaption: 'DID',
      number: 'Número',
      numberHint: 'Formato internacional (+61290370000) o dígitos nacionales en el país del servidor.',
      trunk: 'Troncal',
      extension: 'Suena en',
      nowhere: 'Ninguna',
      noDids: 'No hay DID.',
      addDid: 'Añadir un DID',
      addDidTitle: 'Nuevo DID',
      save: 'Guardar',
      cancel: 'Cancelar',
      saved: 'Guardado.',
      removed: 'Eliminado.',
      removeTitle: '¿Eliminar {name}?',
      removing: 'Eliminando…',
    },
  },
);

const TRUNK_FIELDS = ['name', 'host', 'port', 'transport', 'username', 'password', 'fromDomain', 'register', 'maxChannels', 'enabled'] as const;
type TrunkField = (typeof TRUNK_FIELDS)[number];
const DID_FIELDS = ['number', 'trunkId', 'extensionId'] as const;
type DidField = (typeof DID_FIELDS)[number];

/** Digits as a number; anything else is sent as typed so the API names the field. */
const wholeOrText = (text: string): number => (/^\d+$/.test(text.trim()) ? Number(text.trim()) : (text as unknown as number));

export function trunksPage(context: PortalContext): Page {
  const state = { loading: true, loadError: null as string | null, trunks: [] as Trunk[], dids: [] as Did[], extensions: [] as ManagedExtension[] };
  let disposed = false;

  const load = async () => {
    try {
      const [trunks, dids, extensions] = await Promise.all([
        providerApi.trunks(),
        providerApi.dids(),
        // Only for choosing what a DID rings; the page works without it.
        extensionsApi.list({ limit: 200 }).catch(() => ({ total: 0, items: [] as ManagedExtension[] })),
      ]);
      state.trunks = trunks.items;
      state.dids = dids.items;
      state.extensions = extensions.items;
      state.loadError = null;
    } catch (error) {
      if (context.endsSession(error)) return;
      state.loadError = describeError(error);
    }
    state.loading = false;
    if (!disposed) context.refresh();
  };

  /** A form dialog whose save sends `fields()`; an error the API ties to a field shows under it. */
  function formDialog<F extends string>(options: { id: string; title: string; fields: readonly F[]; body: (errors: Partial<Record<F | 'form', string>>) => (HTMLElement | null)[]; save: () => Promise<unknown> }) {
    const errors: Partial<Record<F | 'form', string>> = {};
    let busy = false;
    const submit = async () => {
      for (const key of Object.keys(errors)) delete errors[key as F];
      busy = true;
      dialog.redraw();
      try {
        await options.save();
        dialog.close();
        announce(tx('saved'));
        await load();
      } catch (e) {
        busy = false;
        if (context.endsSession(e)) return dialog.close();
        const field = e instanceof ApiError ? options.fields.find((f) => f === e.field) : undefined;
        if (field) errors[field] = e instanceof Error ? e.message : '';
        else errors.form = describeError(e);
        dialog.redraw();
        document.getElementById(field ? `${options.id}-${field}` : `${options.id}-save`)?.focus();
      }
    };
    const dialog = openDialog({
      id: `${options.id}-dialog`,
      title: options.title,
      render: () =>
        h(
          'form',
          { id: `${options.id}-form`, novalidate: true, 'aria-busy': busy ? 'true' : null, onsubmit: (e: Event) => (e.preventDefault(), void submit()) },
          ...options.body(errors),
          alertBox(errors.form),
          h(
            'div',
            { class: 'actions' },
            busyButton({ id: `${options.id}-save`, type: 'submit', text: tx('save'), busy }),
            h('button', { type: 'button', class: 'secondary', id: `${options.id}-cancel`, onclick: () => dialog.close() }, tx('cancel')),
          ),
        ),
    });
    document.querySelector<HTMLElement>(`#${options.id}-dialog input, #${options.id}-dialog select`)?.focus();
  }

  const editTrunk = (trunk: Trunk | null) => {
    const d = {
      name: trunk?.name ?? '',
      host: trunk?.host ?? '',
      port: String(trunk?.port ?? 5060),
      transport: trunk?.transport ?? 'udp',
      username: trunk?.username ?? '',
      password: '',
      clear: false,
      fromDomain: trunk?.fromDomain ?? '',
      register: trunk?.register ?? false,
      maxChannels: trunk?.maxChannels === null || trunk === null ? '' : String(trunk.maxChannels),
      enabled: trunk?.enabled ?? true,
    };
    const text = (errors: Partial<Record<TrunkField | 'form', string>>, field: 'name' | 'host' | 'port' | 'username' | 'password' | 'fromDomain' | 'maxChannels', label: string, hint: string | null = null, type = 'text') =>
      textField({ id: `trunk-${field}`, label, hint, type, error: errors[field], value: d[field], oninput: (v) => (d[field] = v), attributes: { autocomplete: type === 'password' ? 'new-password' : 'off', spellcheck: 'false' } });
    formDialog<TrunkField>({
      id: 'trunk',
      title: trunk ? tx('editTrunkTitle', { name: trunk.name }) : tx('addTrunkTitle'),
      fields: TRUNK_FIELDS,
      body: (errors) => [
        text(errors, 'name', tx('name')),
        h('div', { class: 'trunk-address' }, text(errors, 'host', tx('host')), text(errors, 'port', tx('port'))),
        selectField({ id: 'trunk-transport', label: tx('transport'), error: errors.transport, value: d.transport, choices: [{ value: 'udp', text: 'UDP' }, { value: 'tcp', text: 'TCP' }], onchange: (v) => (d.transport = v === 'tcp' ? 'tcp' : 'udp') }),
        text(errors, 'username', tx('username')),
        text(errors, 'password', tx('password'), trunk?.hasPassword ? tx('passwordKeep') : null, 'password'),
        trunk?.hasPassword ? checkField({ id: 'trunk-clear', label: tx('clearPassword'), checked: d.clear, onchange: (v) => (d.clear = v) }) : null,
        text(errors, 'fromDomain', tx('fromDomain'), tx('fromDomainHint')),
        checkField({ id: 'trunk-register', label: tx('register'), error: errors.register, checked: d.register, onchange: (v) => (d.register = v) }),
        text(errors, 'maxChannels', tx('maxChannels'), tx('maxChannelsHint')),
        checkField({ id: 'trunk-enabled', label: tx('enabled'), checked: d.enabled, onchange: (v) => (d.enabled = v) }),
        h('p', { class: 'hint' }, tx('changeNote')),
      ],
      save: () => {
        const fields: TrunkFields = {
          name: d.name,
          host: d.host.trim(),
          port: wholeOrText(d.port),
          transport: d.transport,
          fromDomain: d.fromDomain.trim() || null,
          register: d.register,
          maxChannels: d.maxChannels.trim() === '' ? null : wholeOrText(d.maxChannels),
          enabled: d.enabled,
        };
        if (d.clear) {
          fields.username = null;
          fields.password = null;
        } else {
          fields.username = d.username.trim() || null;
          if (d.password !== '') fields.password = d.password;
          else if (!trunk?.hasPassword) fields.password = null;
        }
        return trunk ? providerApi.updateTrunk(trunk.id, fields) : providerApi.createTrunk({ ...fields, name: d.name, host: d.host.trim() });
      },
    });
  };

  const addDid = () => {
    const d = { number: '', trunkId: String(state.trunks[0]?.id ?? ''), extensionId: '' };
    formDialog<DidField>({
      id: 'did',
      title: tx('addDidTitle'),
      fields: DID_FIELDS,
      body: (errors) => [
        textField({ id: 'did-number', label: tx('number'), hint: tx('numberHint'), error: errors.number, value: d.number, oninput: (v) => (d.number = v), attributes: { inputmode: 'tel', autocomplete: 'off' } }),
        selectField({ id: 'did-trunkId', label: tx('trunk'), error: errors.trunkId, value: d.trunkId, choices: state.trunks.map((t) => ({ value: String(t.id), text: t.name })), onchange: (v) => (d.trunkId = v) }),
        selectField({
          id: 'did-extensionId',
          label: tx('extension'),
          error: errors.extensionId,
          value: d.extensionId,
          choices: [{ value: '', text: tx('nowhere') }, ...state.extensions.map((e) => ({ value: String(e.id), text: `${e.organization}: ${e.number} ${e.name}` }))],
          onchange: (v) => (d.extensionId = v),
        }),
      ],
      save: () => providerApi.createDid({ number: d.number, trunkId: Number(d.trunkId), extensionId: d.extensionId === '' ? null : Number(d.extensionId) }),
    });
  };

  const confirmRemove = (name: string, remove: () => Promise<unknown>) =>
    confirmDialog({
      id: 'trunks-delete-dialog',
      title: tx('removeTitle', { name }),
      confirmText: tx('remove'),
      busyText: tx('removing'),
      cancelText: tx('cancel'),
      action: remove,
      done: async () => {
        announce(tx('removed'));
        await load();
      },
      endsSession: (error) => context.endsSession(error),
    });

  const trunkColumns: Column<Trunk>[] = [
    { header: tx('name'), cell: (t) => h('strong', {}, t.name) },
    { header: tx('address'), cell: (t) => h('code', {}, `${t.host}:${t.port}/${t.transport}`) },
    { header: tx('username'), cell: (t) => t.username ?? '' },
    { header: tx('state'), cell: (t) => h('span', {}, h('span', { class: t.enabled ? 'badge ok' : 'badge off' }, t.enabled ? tx('on') : tx('off')), t.register ? h('span', { class: 'badge' }, tx('registers')) : null) },
    { header: tx('dids'), numeric: true, cell: (t) => String(t.didCount) },
    {
      header: tx('actions'),
      cell: (t) =>
        h(
          'div',
          { class: 'row-actions' },
          h('button', { type: 'button', class: 'secondary', id: `trunk-edit-${t.id}`, 'aria-label': tx('editLabel', { name: t.name }), onclick: () => editTrunk(t) }, tx('edit')),
          h('button', { type: 'button', class: 'danger', id: `trunk-delete-${t.id}`, 'aria-label': tx('removeTrunkLabel', { name: t.name }), onclick: () => confirmRemove(t.name, () => providerApi.deleteTrunk(t.id)) }, tx('remove')),
        ),
    },
  ];
  const didColumns: Column<Did>[] = [
    { header: tx('number'), cell: (d) => h('code', {}, d.number) },
    { header: tx('trunk'), cell: (d) => d.trunkName },
    { header: tx('extension'), cell: (d) => (d.extensionId === null ? tx('nowhere') : `${d.organization ?? ''}: ${d.extensionNumber ?? ''} ${d.extensionName ?? ''}`) },
    {
      header: tx('actions'),
      cell: (d) => h('button', { type: 'button', class: 'danger', id: `did-delete-${d.id}`, 'aria-label': tx('removeDidLabel', { number: d.number }), onclick: () => confirmRemove(d.number, () => providerApi.deleteDid(d.id)) }, tx('remove')),
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
      return h(
        'section',
        { class: 'trunks' },
        heading,
        h('p', { class: 'lead' }, tx('intro')),
        h('p', { class: 'notice' }, tx('changeNote')),
        h('div', { class: 'toolbar' }, h('button', { type: 'button', id: 'trunk-add', onclick: () => editTrunk(null) }, '+ ', tx('addTrunk'))),
        dataTable({ id: 'trunks-table', caption: tx('trunksCaption'), columns: trunkColumns, rows: state.trunks, empty: tx('noTrunks'), rowId: (t) => String(t.id) }),
        h('div', { class: 'toolbar' }, h('button', { type: 'button', id: 'did-add', disabled: state.trunks.length === 0, onclick: addDid }, '+ ', tx('addDid'))),
        dataTable({ id: 'dids-table', caption: tx('didsCaption'), columns: didColumns, rows: state.dids, empty: tx('noDids'), rowId: (d) => String(d.id) }),
      );
    },
  };
}

export const routes: PortalRoute[] = [{ path: 'trunks', access: roleIs('admin'), nav: { text: () => tx('nav'), order: 60 }, page: (context) => trunksPage(context) }];
