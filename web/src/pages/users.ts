import { announce } from '../announce.js';
import { ApiError, type Role } from '../api.js';
import { usersApi, type AccountChoice, type ExtensionChoice, type NewPortalUser, type PortalUser } from '../api/users.js';
import { describeError, manager, type Page, type PortalContext, type PortalRoute } from '../app.js';
import { h } from '../dom.js';
import { defineTexts, formatDateTime } from '../texts.js';
import { alertBox, busyButton, confirmDialog, dataTable, openDialog, pager, selectField, textField } from '../ui.js';

const tx = defineTexts(
  {
    navUsers: 'Users',
    title: 'Users',
    intro: 'The people who sign in to this portal for the accounts you manage. A user sees and changes only what belongs to their account and below.',
    search: 'Search by e-mail',
    add: 'Add a user',
    caption: 'Portal users',
    empty: 'No users match.',
    email: 'E-mail address',
    role: 'Role',
    account: 'Account',
    extension: 'Extension',
    status: 'Status',
    created: 'Added on',
    actions: 'Actions',
    active: 'Active',
    disabledStatus: 'Disabled',
    locked: 'Locked until {time}',
    disable: 'Disable',
    enable: 'Enable',
    unlock: 'Unlock',
    remove: 'Remove',
    disableLabel: 'Disable {email}',
    enableLabel: 'Enable {email}',
    unlockLabel: 'Unlock {email}',
    removeLabel: 'Remove {email}',
    removeTitle: 'Remove {email}?',
    removeText: 'Their sessions and API tokens stop at once.',
    removing: 'Removing…',
    cancel: 'Cancel',
    removed: '{email} removed.',
    changed: '{email} updated.',
    admin: 'Administrator',
    reseller: 'Reseller',
    org_manager: 'Organization manager',
    extension_owner: 'Extension owner',
    password: 'Password',
    passwordHint: 'At least 10 characters. Leave it empty and a password is made for you to pass on.',
    create: 'Add the user',
    creating: 'Adding…',
    created_: 'User added',
    madePassword: 'The password of {email}, shown only now: pass it on safely; they can change it on their Account page.',
    pickExtension: 'Choose an extension',
    loading: 'Loading…',
    close: 'Done',
  },
  {
    de: {
      navUsers: 'Benutzer',
      title: 'Benutzer',
      intro: 'Die Personen, die sich für die von Ihnen verwalteten Konten an diesem Portal anmelden. Ein Benutzer sieht und ändert nur, was zu seinem Konto und darunter gehört.',
      search: 'Nach E-Mail suchen',
      add: 'Benutzer hinzufügen',
      caption: 'Portalbenutzer',
      empty: 'Keine passenden Benutzer.',
      email: 'E-Mail-Adresse',
      role: 'Rolle',
      account: 'Konto',
      extension: 'Nebenstelle',
      status: 'Status',
      created: 'Hinzugefügt am',
      actions: 'Aktionen',
      active: 'Aktiv',
      disabledStatus: 'Deaktiviert',
      locked: 'Gesperrt bis {time}',
      disable: 'Deaktivieren',
      enable: 'Aktivieren',
      unlock: 'Entsperren',
      remove: 'Entfernen',
      disableLabel: '{email} deaktivieren',
      enableLabel: '{email} aktivieren',
      unlockLabel: '{email} entsperren',
      removeLabel: '{email} entfernen',
      removeTitle: '{email} entfernen?',
      removeText: 'Sitzungen und API-Tokens enden sofort.',
      removing: 'Wird entfernt…',
      cancel: 'Abbrechen',
      removed: '{email} entfernt.',
      changed: '{email} geändert.',
      admin: 'Administrator',
      reseller: 'Wiederverkäufer',
      org_manager: 'Verwalter der Organisation',
      extension_owner: 'Inhaber einer Nebenstelle',
      password: 'Passwort',
      passwordHint: 'Mindestens 10 Zeichen. Leer lassen, dann wird ein Passwort zum Weitergeben erzeugt.',
      create: 'Benutzer anlegen',
      creating: 'Wird angelegt…',
      created_: 'Benutzer angelegt',
      madePassword: 'Das Passwort von {email}, nur jetzt sichtbar: Geben Sie es sicher weiter; es lässt sich auf der Seite „Konto“ ändern.',
      pickExtension: 'Nebenstelle wählen',
      loading: 'Wird geladen…',
      close: 'Fertig',
    },
    fr: {
      navUsers: 'Utilisateurs',
      title: 'Utilisateurs',
      intro: 'Les personnes qui se connectent à ce portail pour les comptes que vous gérez. Un utilisateur ne voit et ne modifie que ce qui appartient à son compte et en dessous.',
      search: 'Rechercher par e-mail',
      add: 'Ajouter un utilisateur',
      caption: 'Utilisateurs du portail',
      empty: 'Aucun utilisateur ne correspond.',
      email: 'Adresse e-mail',
      role: 'Rôle',
      account: 'Compte',
      extension: 'Poste',
      status: 'État',
      created: 'Ajouté le',
      actions: 'Actions',
      active: 'Actif',
      disabledStatus: 'Désactivé',
      locked: 'Bloqué jusqu’à {time}',
      disable: 'Désactiver',
      enable: 'Activer',
      unlock: 'Débloquer',
      remove: 'Supprimer',
      disableLabel: 'Désactiver {email}',
      enableLabel: 'Activer {email}',
      unlockLabel: 'Débloquer {email}',
      removeLabel: 'Supprimer {email}',
      removeTitle: 'Supprimer {email} ?',
      removeText: 'Ses sessions et jetons d’API cessent aussitôt.',
      removing: 'Suppression…',
      cancel: 'Annuler',
      removed: '{email} supprimé.',
      changed: '{email} modifié.',
      admin: 'Administrateur',
      reseller: 'Revendeur',
      org_manager: 'Gestionnaire d’organisation',
      extension_owner: 'Titulaire de poste',
      password: 'Mot de passe',
      passwordHint: 'Au moins 10 caractères. Laissez vide et un mot de passe à transmettre est créé.',
      create: 'Ajouter l’utilisateur',
      creating: 'Ajout…',
      created_: 'Utilisateur ajouté',
      madePassword: 'Le mot de passe de {email}, affiché seulement maintenant : transmettez-le de façon sûre ; il se change sur la page Compte.',
      pickExtension: 'Choisir un poste',
      loading: 'Chargement…',
      close: 'Terminé',
    },
    es: {
      navUsers: 'Usuarios',
      title: 'Usuarios',
      intro: 'Las personas que inician sesión en este portal para las cuentas que usted gestiona. Un usuario solo ve y cambia lo que pertenece a su cuenta y por debajo.',
      search: 'Buscar por correo',
      add: 'Añadir un usuario',
      caption: 'Usuarios del portal',
      empty: 'Ningún usuario coincide.',
      email: 'Correo electrónico',
      role: 'Rol',
      account: 'Cuenta',
      extension: 'Extensión',
      status: 'Estado',
      created: 'Añadido el',
      actions: 'Acciones',
      active: 'Activo',
      disabledStatus: 'Desactivado',
      locked: 'Bloqueado hasta {time}',
      disable: 'Desactivar',
      enable: 'Activar',
      unlock: 'Desbloquear',
      remove: 'Eliminar',
      disableLabel: 'Desactivar {email}',
      enableLabel: 'Activar {email}',
      unlockLabel: 'Desbloquear {email}',
      removeLabel: 'Eliminar {email}',
      removeTitle: '¿Eliminar {email}?',
      removeText: 'Sus sesiones y tokens de API dejan de funcionar al instante.',
      removing: 'Eliminando…',
      cancel: 'Cancelar',
      removed: '{email} eliminado.',
      changed: '{email} actualizado.',
      admin: 'Administrador',
      reseller: 'Revendedor',
      org_manager: 'Gestor de la organización',
      extension_owner: 'Titular de extensión',
      password: 'Contraseña',
      passwordHint: 'Al menos 10 caracteres. Déjela vacía y se crea una para entregar.',
      create: 'Añadir el usuario',
      creating: 'Añadiendo…',
      created_: 'Usuario añadido',
      madePassword: 'La contraseña de {email}, visible solo ahora: entréguela de forma segura; se puede cambiar en la página Cuenta.',
      pickExtension: 'Elija una extensión',
      loading: 'Cargando…',
      close: 'Listo',
    },
  },
);

const PAGE_SIZE = 25;
/** Which roles each role may make, and the account kind each role belongs to (as the API checks). */
const MAY_MAKE: Record<Role, Role[]> = { admin: ['admin', 'reseller', 'org_manager', 'extension_owner'], reseller: ['reseller', 'org_manager', 'extension_owner'], org_manager: ['org_manager', 'extension_owner'], extension_owner: [] };
const ACCOUNT_KIND: Record<Role, AccountChoice['kind']> = { admin: 'provider', reseller: 'reseller', org_manager: 'organization', extension_owner: 'organization' };
const FIELDS = ['email', 'role', 'accountId', 'extensionId', 'password'] as const;
type Field = (typeof FIELDS)[number];

function usersPage(context: PortalContext): Page {
  const myRole = context.me?.user.role ?? 'extension_owner';
  const state = { search: '', page: 1, loading: true, users: [] as PortalUser[], total: 0, error: null as string | null, busyId: null as number | null };
  let disposed = false;
  let generation = 0;

  const load = async () => {
    const mine = ++generation;
    state.loading = true;
    try {
      const list = await usersApi.list(state.search.trim(), (state.page - 1) * PAGE_SIZE, PAGE_SIZE);
      if (mine !== generation) return;
      state.users = list.users;
      state.total = list.total;
      state.error = null;
    } catch (error) {
      if (mine !== generation || context.endsSession(error)) return;
      state.error = describeError(error);
    }
    state.loading = false;
    if (!disposed) context.refresh();
  };
  void load();

  const change = async (user: PortalUser, what: { disabled?: boolean; unlock?: true }) => {
    state.busyId = user.id;
    context.refresh();
    try {
      await usersApi.change(user.id, what);
      announce(tx('changed', { email: user.email }));
    } catch (error) {
      if (context.endsSession(error)) return;
      state.error = describeError(error);
    }
    state.busyId = null;
    await load();
  };

  const remove = (user: PortalUser) =>
    confirmDialog({
      id: 'user-remove-dialog',
      title: tx('removeTitle', { email: user.email }),
      message: tx('removeText'),
      confirmText: tx('remove'),
      busyText: tx('removing'),
      cancelText: tx('cancel'),
      action: () => usersApi.remove(user.id),
      done: async () => {
        announce(tx('removed', { email: user.email }));
        await load();
        document.getElementById('users-add')?.focus();
      },
      endsSession: (error) => context.endsSession(error),
    });

  /** The add dialog: its own small state, drawn again as choices load. */
  const openAdd = () => {
    const roles = MAY_MAKE[myRole];
    const draft = { email: '', role: roles[roles.length - 1] as Role, accountId: '', extensionId: '', password: '' };
    const dialogState = { accounts: null as AccountChoice[] | null, extensions: null as ExtensionChoice[] | null, errors: {} as Partial<Record<Field, string>>, error: null as string | null, saving: false, created: null as PortalUser | null };

    const loadExtensions = async () => {
      dialogState.extensions = null;
      if (draft.role !== 'extension_owner' || draft.accountId === '') return;
      try {
        dialogState.extensions = (await usersApi.extensions(Number(draft.accountId))).items;
      } catch (error) {
        if (context.endsSession(error)) return;
        dialogState.error = describeError(error);
      }
      dialog.redraw();
    };
    const accountsOfRole = () => (dialogState.accounts ?? []).filter((a) => a.kind === ACCOUNT_KIND[draft.role]);
    const pickFirstAccount = () => {
      const fits = accountsOfRole();
      if (!fits.some((a) => String(a.id) === draft.accountId)) draft.accountId = fits[0] ? String(fits[0].id) : '';
    };

    const submit = async () => {
      dialogState.saving = true;
      dialogState.errors = {};
      dialogState.error = null;
      dialog.redraw();
      const body: NewPortalUser = {
        email: draft.email,
        role: draft.role,
        accountId: Number(draft.accountId),
        ...(draft.role === 'extension_owner' ? { extensionId: draft.extensionId === '' ? null : Number(draft.extensionId) } : {}),
        ...(draft.password !== '' ? { password: draft.password } : {}),
      };
      try {
        dialogState.created = await usersApi.create(body);
        announce(tx('created_'));
        void load();
      } catch (error) {
        if (context.endsSession(error)) return;
        const field = error instanceof ApiError ? FIELDS.find((f) => f === error.field) : undefined;
        if (field && error instanceof ApiError) dialogState.errors[field] = error.message;
        else dialogState.error = describeError(error);
      }
      dialogState.saving = false;
      dialog.redraw();
      const failed = FIELDS.find((f) => dialogState.errors[f]);
      document.getElementById(dialogState.created ? 'user-done' : failed ? `user-${failed}` : 'user-create')?.focus();
    };

    const form = () => {
      if (dialogState.created) {
        const made = dialogState.created;
        return h(
          'div',
          {},
          h('p', { class: 'saved' }, tx('created_'), ': ', made.email),
          made.initialPassword
            ? h('div', { class: 'field' }, h('label', { for: 'user-made-password' }, tx('madePassword', { email: made.email })), h('input', { id: 'user-made-password', type: 'text', readonly: true, value: made.initialPassword }))
            : null,
          h('div', { class: 'actions' }, h('button', { type: 'button', id: 'user-done', onclick: () => dialog.close() }, tx('close'))),
        );
      }
      if (dialogState.accounts === null) return h('p', { class: 'loading' }, tx('loading'));
      return h(
        'form',
        {
          id: 'user-form',
          novalidate: true,
          onsubmit: (event: Event) => {
            event.preventDefault();
            void submit();
          },
        },
        textField({ id: 'user-email', label: tx('email'), type: 'email', value: draft.email, error: dialogState.errors.email, attributes: { autocomplete: 'off', maxlength: 254 }, oninput: (v) => (draft.email = v) }),
        selectField({
          id: 'user-role',
          label: tx('role'),
          value: draft.role,
          error: dialogState.errors.role,
          choices: roles.map((r) => ({ value: r, text: tx(r) })),
          onchange: (v) => {
            draft.role = v as Role;
            pickFirstAccount();
            dialog.redraw();
            void loadExtensions();
          },
        }),
        selectField({
          id: 'user-accountId',
          label: tx('account'),
          value: draft.accountId,
          error: dialogState.errors.accountId,
          choices: accountsOfRole().map((a) => ({ value: String(a.id), text: a.name })),
          onchange: (v) => {
            draft.accountId = v;
            void loadExtensions();
          },
        }),
        draft.role === 'extension_owner'
          ? selectField({
              id: 'user-extensionId',
              label: tx('extension'),
              value: draft.extensionId,
              error: dialogState.errors.extensionId,
              choices: [{ value: '', text: dialogState.extensions === null ? tx('loading') : tx('pickExtension') }, ...(dialogState.extensions ?? []).map((e) => ({ value: String(e.id), text: `${e.number} · ${e.name}` }))],
              onchange: (v) => (draft.extensionId = v),
            })
          : null,
        textField({ id: 'user-password', label: tx('password'), hint: tx('passwordHint'), type: 'password', value: draft.password, error: dialogState.errors.password, attributes: { autocomplete: 'new-password', maxlength: 1024 }, oninput: (v) => (draft.password = v) }),
        alertBox(dialogState.error),
        h('div', { class: 'actions' }, busyButton({ id: 'user-create', type: 'submit', text: tx('create'), busyText: tx('creating'), busy: dialogState.saving })),
      );
    };

    const dialog = openDialog({ id: 'user-dialog', title: tx('add'), render: form });
    void (async () => {
      try {
        dialogState.accounts = (await usersApi.accounts()).items;
        pickFirstAccount();
      } catch (error) {
        if (context.endsSession(error)) return;
        dialogState.accounts = [];
        dialogState.error = describeError(error);
      }
      dialog.redraw();
      document.getElementById('user-email')?.focus();
      await loadExtensions();
    })();
  };

  const statusOf = (user: PortalUser) =>
    user.disabled
      ? h('span', { class: 'badge off' }, tx('disabledStatus'))
      : user.lockedUntil
        ? h('span', { class: 'badge' }, tx('locked', { time: formatDateTime(user.lockedUntil) }))
        : h('span', { class: 'badge ok' }, tx('active'));

  const actionsOf = (user: PortalUser) => {
    const busy = state.busyId === user.id;
    const self = user.id === context.me?.user.id;
    const mayManage = MAY_MAKE[myRole].includes(user.role) && !self;
    if (!mayManage) return '';
    return h(
      'div',
      { class: 'row-actions' },
      h('button', { type: 'button', class: 'secondary', id: `user-${user.id}-toggle`, disabled: busy, 'aria-label': tx(user.disabled ? 'enableLabel' : 'disableLabel', { email: user.email }), onclick: () => void change(user, { disabled: !user.disabled }) }, tx(user.disabled ? 'enable' : 'disable')),
      user.lockedUntil ? h('button', { type: 'button', class: 'secondary', id: `user-${user.id}-unlock`, disabled: busy, 'aria-label': tx('unlockLabel', { email: user.email }), onclick: () => void change(user, { unlock: true }) }, tx('unlock')) : null,
      h('button', { type: 'button', class: 'danger', id: `user-${user.id}-remove`, disabled: busy, 'aria-label': tx('removeLabel', { email: user.email }), onclick: () => remove(user) }, tx('remove')),
    );
  };

  let searchTimer: number | undefined;

  return {
    title: () => tx('title'),
    dispose: () => {
      disposed = true;
      if (searchTimer !== undefined) window.clearTimeout(searchTimer);
      document.getElementById('user-dialog')?.remove();
      document.getElementById('user-remove-dialog')?.remove();
    },
    render: () =>
      h(
        'div',
        { class: 'users' },
        h('h1', {}, tx('title')),
        h('p', { class: 'lead' }, tx('intro')),
        h(
          'div',
          { class: 'toolbar' },
          textField({
            id: 'users-search',
            label: tx('search'),
            type: 'search',
            value: state.search,
            attributes: { autocomplete: 'off', maxlength: 100 },
            oninput: (value) => {
              state.search = value;
              state.page = 1;
              // Search as one types, once typing pauses.
              if (searchTimer !== undefined) window.clearTimeout(searchTimer);
              searchTimer = window.setTimeout(() => void load(), 250);
            },
          }),
          h('button', { type: 'button', id: 'users-add', onclick: openAdd }, '+ ', tx('add')),
        ),
        alertBox(state.error),
        h(
          'section',
          { 'aria-busy': state.loading ? 'true' : null },
          dataTable({
            id: 'users-table',
            caption: tx('caption'),
            rows: state.users,
            empty: state.loading ? tx('loading') : tx('empty'),
            rowId: (u) => String(u.id),
            columns: [
              { header: tx('email'), cell: (u) => u.email },
              { header: tx('role'), cell: (u) => tx(u.role) },
              { header: tx('account'), cell: (u) => u.accountName },
              { header: tx('extension'), cell: (u) => u.extensionNumber ?? '' },
              { header: tx('status'), cell: statusOf },
              { header: tx('created'), cell: (u) => formatDateTime(u.createdAt) },
              { header: tx('actions'), cell: actionsOf },
            ],
          }),
          pager({
            id: 'users-pager',
            page: state.page,
            pageSize: PAGE_SIZE,
            total: state.total,
            onPage: (page) => {
              state.page = page;
              void load();
            },
          }),
        ),
      ),
  };
}

export const routes: PortalRoute[] = [{ path: 'users', access: manager, nav: { text: () => tx('navUsers'), order: 85 }, page: usersPage }];
