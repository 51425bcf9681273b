import { announce } from '../announce.js';
import { ApiError, type Role } from '../api.js';
import { accountApi, type ApiToken, type CreatedToken, type MeWithAccount } from '../api/account.js';
import { describeError, signedIn, type Page, type PortalContext, type PortalRoute } from '../app.js';
import { h } from '../dom.js';
import { defineTexts, formatDateTime } from '../texts.js';
import { alertBox, busyButton, type Column, confirmDialog, dataTable, loadingOrError, textField } from '../ui.js';
import './account.css';

const tx = defineTexts(
  {
    navAccount: 'Account',
    title: 'Your account',
    whoTitle: 'Who you are',
    email: 'E-mail address',
    role: 'Role',
    account: 'Account',
    extension: 'Extension',
    roleAdmin: 'Provider administrator: the whole server',
    roleReseller: 'Reseller: the organizations below your account',
    roleOrgManager: 'Organization manager: your organization and its extensions',
    roleExtensionOwner: 'Extension owner: your own extension',
    kindProvider: 'provider',
    kindReseller: 'reseller',
    kindOrganization: 'organization',
    extensionLine: '{number} ({name}), a {type} extension',
    typePhone: 'phone',
    typeCallback: 'callback',
    passwordTitle: 'Change your password',
    currentPassword: 'Current password',
    newPassword: 'New password',
    newPasswordHint: 'At least 10 characters, no spaces at the start or the end; not your e-mail address and not your current password.',
    repeatPassword: 'New password again',
    changePassword: 'Change the password',
    changing: 'Changing…',
    currentRequired: 'Enter your current password.',
    repeatMismatch: 'The two new passwords differ: type the same one twice.',
    passwordChanged: 'Password changed. Your other sessions (other browsers and devices) were signed out; API tokens keep working.',
    tokensTitle: 'API tokens',
    tokensIntro: 'A token lets a program use the REST API as you (header "Authorization: Bearer <token>"). The API is described at /api/openapi.json.',
    tokensCaption: 'Your API tokens',
    tokenName: 'Name',
    tokenCreated: 'Created',
    tokenLastUsed: 'Last used',
    tokenStatus: 'Status',
    tokenActions: 'Actions',
    never: 'Never',
    active: 'Active',
    revokedOn: 'Revoked {when}',
    noTokens: 'You have no API tokens.',
    newTokenName: 'Name of a new token',
    newTokenHint: 'What it is for, e.g. "CRM integration" (at most 100 characters).',
    nameRequired: 'Enter a name for the token.',
    createToken: 'Create a token',
    creating: 'Creating…',
    createdTitle: 'Your new token "{name}"',
    tokenValue: 'The token',
    createdWarning: 'Copy it now and keep it safe: it is not shown again. Anyone who has it can act as you.',
    copy: 'Copy the token',
    copied: 'Token copied.',
    copyFailed: 'Could not copy: the token is selected, copy it yourself.',
    hideToken: 'Done, hide the token',
    revoke: 'Revoke',
    revokeLabel: 'Revoke the token {name}',
    revokeTitle: 'Revoke the token "{name}"?',
    revokeText: 'Programs that use it are refused from now on. This cannot be undone.',
    revoking: 'Revoking…',
    cancel: 'Cancel',
    revoked: 'Token "{name}" revoked.',
    tokenCreated_: 'Token "{name}" created.',
  },
  {
    de: {
      navAccount: 'Konto',
      title: 'Ihr Konto',
      whoTitle: 'Wer Sie sind',
      email: 'E-Mail-Adresse',
      role: 'Rolle',
      account: 'Konto',
      extension: 'Nebenstelle',
      roleAdmin: 'Anbieter-Administrator: der ganze Server',
      roleReseller: 'Wiederverkäufer: die Organisationen unter Ihrem Konto',
      roleOrgManager: 'Organisationsverwalter: Ihre Organisation und ihre Nebenstellen',
      roleExtensionOwner: 'Inhaber einer Nebenstelle: Ihre eigene Nebenstelle',
      kindProvider: 'Anbieter',
      kindReseller: 'Wiederverkäufer',
      kindOrganization: 'Organisation',
      extensionLine: '{number} ({name}), Nebenstellentyp: {type}',
      typePhone: 'Telefon',
      typeCallback: 'Rückruf',
      passwordTitle: 'Passwort ändern',
      currentPassword: 'Aktuelles Passwort',
      newPassword: 'Neues Passwort',
      newPasswordHint: 'Mindestens 10 Zeichen, keine Leerzeichen am Anfang oder Ende; nicht Ihre E-Mail-Adresse und nicht Ihr aktuelles Passwort.',
      repeatPassword: 'Neues Passwort wiederholen',
      changePassword: 'Passwort ändern',
      changing: 'Wird geändert…',
      currentRequired: 'Geben Sie Ihr aktuelles Passwort ein.',
      repeatMismatch: 'Die beiden neuen Passwörter unterscheiden sich: Geben Sie zweimal dasselbe ein.',
      passwordChanged: 'Passwort geändert. Ihre anderen Sitzungen (andere Browser und Geräte) wurden abgemeldet; API-Tokens funktionieren weiter.',
      tokensTitle: 'API-Tokens',
      tokensIntro: 'Mit einem Token kann ein Programm die REST-API in Ihrem Namen nutzen (Header „Authorization: Bearer <Token>“). Die API ist unter /api/openapi.json beschrieben.',
      tokensCaption: 'Ihre API-Tokens',
      tokenName: 'Name',
      tokenCreated: 'Erstellt',
      tokenLastUsed: 'Zuletzt benutzt',
      tokenStatus: 'Status',
      tokenActions: 'Aktionen',
      never: 'Nie',
      active: 'Aktiv',
      revokedOn: 'Widerrufen {when}',
      noTokens: 'Sie haben keine API-Tokens.',
      newTokenName: 'Name eines neuen Tokens',
      newTokenHint: 'Wofür er ist, z. B. „CRM-Anbindung“ (höchstens 100 Zeichen).',
      nameRequired: 'Geben Sie einen Namen für den Token ein.',
      createToken: 'Token erstellen',
      creating: 'Wird erstellt…',
      createdTitle: 'Ihr neuer Token „{name}“',
      tokenValue: 'Der Token',
      createdWarning: 'Kopieren Sie ihn jetzt und bewahren Sie ihn sicher auf: Er wird nicht noch einmal angezeigt. Wer ihn hat, kann in Ihrem Namen handeln.',
      copy: 'Token kopieren',
      copied: 'Token kopiert.',
      copyFailed: 'Kopieren nicht möglich: Der Token ist markiert, kopieren Sie ihn selbst.',
      hideToken: 'Fertig, Token ausblenden',
      revoke: 'Widerrufen',
      revokeLabel: 'Token {name} widerrufen',
      revokeTitle: 'Token „{name}“ widerrufen?',
      revokeText: 'Programme, die ihn nutzen, werden ab sofort abgewiesen. Das kann nicht rückgängig gemacht werden.',
      revoking: 'Wird widerrufen…',
      cancel: 'Abbrechen',
      revoked: 'Token „{name}“ widerrufen.',
      tokenCreated_: 'Token „{name}“ erstellt.',
    },
    fr: {
      navAccount: 'Compte',
      title: 'Votre compte',
      whoTitle: 'Qui vous êtes',
      email: 'Adresse e-mail',
      role: 'Rôle',
      account: 'Compte',
      extension: 'Poste',
      roleAdmin: 'Administrateur du fournisseur : tout le serveur',
      roleReseller: 'Revendeur : les organisations sous votre compte',
      roleOrgManager: "Gestionnaire d'organisation : votre organisation et ses postes",
      roleExtensionOwner: "Titulaire d'un poste : votre propre poste",
      kindProvider: 'fournisseur',
      kindReseller: 'revendeur',
      kindOrganization: 'organisation',
      extensionLine: '{number} ({name}), poste de type {type}',
      typePhone: 'téléphone',
      typeCallback: 'rappel',
      passwordTitle: 'Changer votre mot de passe',
      currentPassword: 'Mot de passe actuel',
      newPassword: 'Nouveau mot de passe',
      newPasswordHint: 'Au moins 10 caractères, sans espace au début ni à la fin ; ni votre adresse e-mail ni votre mot de passe actuel.',
      repeatPassword: 'Nouveau mot de passe, encore une fois',
      changePassword: 'Changer le mot de passe',
      changing: 'Changement…',
      currentRequired: 'Saisissez votre mot de passe actuel.',
      repeatMismatch: 'Les deux nouveaux mots de passe diffèrent : saisissez deux fois le même.',
      passwordChanged: 'Mot de passe changé. Vos autres sessions (autres navigateurs et appareils) ont été déconnectées ; les jetons API continuent de fonctionner.',
      tokensTitle: 'Jetons API',
      tokensIntro: "Un jeton permet à un programme d'utiliser l'API REST en votre nom (en-tête « Authorization: Bearer <jeton> »). L'API est décrite dans /api/openapi.json.",
      tokensCaption: 'Vos jetons API',
      tokenName: 'Nom',
      tokenCreated: 'Créé',
      tokenLastUsed: 'Dernière utilisation',
      tokenStatus: 'État',
      tokenActions: 'Actions',
      never: 'Jamais',
      active: 'Actif',
      revokedOn: 'Révoqué {when}',
      noTokens: "Vous n'avez aucun jeton API.",
      newTokenName: "Nom d'un nouveau jeton",
      newTokenHint: 'À quoi il sert, p. ex. « Intégration CRM » (100 caractères au plus).',
      nameRequired: 'Saisissez un nom pour le jeton.',
      createToken: 'Créer un jeton',
      creating: 'Création…',
      createdTitle: 'Votre nouveau jeton « {name} »',
      tokenValue: 'Le jeton',
      createdWarning: "Copiez-le maintenant et gardez-le en lieu sûr : il ne sera plus affiché. Quiconque l'a peut agir en votre nom.",
      copy: 'Copier le jeton',
      copied: 'Jeton copié.',
      copyFailed: 'Copie impossible : le jeton est sélectionné, copiez-le vous-même.',
      hideToken: 'Terminé, masquer le jeton',
      revoke: 'Révoquer',
      revokeLabel: 'Révoquer le jeton {name}',
      revokeTitle: 'Révoquer le jeton « {name} » ?',
      revokeText: "Les programmes qui l'utilisent sont refusés dès maintenant. C'est définitif.",
      revoking: 'Révocation…',
      cancel: 'Annuler',
      revoked: 'Jeton « {name} » révoqué.',
      tokenCreated_: 'Jeton « {name} » créé.',
    },
    es: {
      navAccount: 'Cuenta',
      title: 'Su cuenta',
      whoTitle: 'Quién es usted',
      email: 'Correo electrónico',
      role: 'Rol',
      account: 'Cuenta',
      extension: 'Extensión',
      roleAdmin: 'Administrador del proveedor: todo el servidor',
      roleReseller: 'Revendedor: las organizaciones bajo su cuenta',
      roleOrgManager: 'Gestor de la organización: su organización y sus extensiones',
      roleExtensionOwner: 'Titular de una extensión: su propia extensión',
      kindProvider: 'proveedor',
      kindReseller: 'revendedor',
      kindOrganization: 'organización',
      extensionLine: '{number} ({name}), extensión de tipo {type}',
      typePhone: 'teléfono',
      typeCallback: 'rellamada',
      passwordTitle: 'Cambiar su contraseña',
      currentPassword: 'Contraseña actual',
      newPassword: 'Contraseña nueva',
      newPasswordHint: 'Al menos 10 caracteres, sin espacios al principio ni al final; ni su correo electrónico ni su contraseña actual.',
      repeatPassword: 'Contraseña nueva otra vez',
      changePassword: 'Cambiar la contraseña',
      changing: 'Cambiando…',
      currentRequired: 'Escriba su contraseña actual.',
      repeatMismatch: 'Las dos contraseñas nuevas no coinciden: escriba la misma dos veces.',
      passwordChanged: 'Contraseña cambiada. Sus otras sesiones (otros navegadores y dispositivos) se cerraron; los tokens de API siguen funcionando.',
      tokensTitle: 'Tokens de API',
      tokensIntro: 'Un token permite a un programa usar la API REST en su nombre (cabecera «Authorization: Bearer <token>»). La API se describe en /api/openapi.json.',
      tokensCaption: 'Sus tokens de API',
      tokenName: 'Nombre',
      tokenCreated: 'Creado',
      tokenLastUsed: 'Último uso',
      tokenStatus: 'Estado',
      tokenActions: 'Acciones',
      never: 'Nunca',
      active: 'Activo',
      revokedOn: 'Revocado {when}',
      noTokens: 'No tiene tokens de API.',
      newTokenName: 'Nombre de un token nuevo',
      newTokenHint: 'Para qué es, p. ej. «Integración CRM» (100 caracteres como máximo).',
      nameRequired: 'Escriba un nombre para el token.',
      createToken: 'Crear un token',
      creating: 'Creando…',
      createdTitle: 'Su token nuevo «{name}»',
      tokenValue: 'El token',
      createdWarning: 'Cópielo ahora y guárdelo en lugar seguro: no se vuelve a mostrar. Quien lo tenga puede actuar en su nombre.',
      copy: 'Copiar el token',
      copied: 'Token copiado.',
      copyFailed: 'No se pudo copiar: el token está seleccionado, cópielo usted.',
      hideToken: 'Listo, ocultar el token',
      revoke: 'Revocar',
      revokeLabel: 'Revocar el token {name}',
      revokeTitle: '¿Revocar el token «{name}»?',
      revokeText: 'Los programas que lo usan se rechazan desde ahora. No se puede deshacer.',
      revoking: 'Revocando…',
      cancel: 'Cancelar',
      revoked: 'Token «{name}» revocado.',
      tokenCreated_: 'Token «{name}» creado.',
    },
  },
);

const ROLE_TEXT: Record<Role, Parameters<typeof tx>[0]> = {
  admin: 'roleAdmin',
  reseller: 'roleReseller',
  org_manager: 'roleOrgManager',
  extension_owner: 'roleExtensionOwner',
};

type PasswordField = 'currentPassword' | 'newPassword' | 'repeatPassword';
const PASSWORD_IDS: Record<PasswordField, string> = { currentPassword: 'acc-current', newPassword: 'acc-new', repeatPassword: 'acc-repeat' };

/** The API prefixes some messages with the field's name ("newPassword: ..."); the page shows them under the field, so without it. */
const withoutFieldName = (message: string, field: string) => (message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message);

/** The account page: who the user is, their password, their API tokens. Every role has it. */
export function accountPage(context: PortalContext): Page {
  const state = {
    me: null as MeWithAccount | null,
    loading: true,
    loadError: null as string | null,
    password: { currentPassword: '', newPassword: '', repeatPassword: '' } as Record<PasswordField, string>,
    passwordErrors: {} as Partial<Record<PasswordField, string>>,
    passwordError: null as string | null,
    passwordSaving: false,
    passwordChanged: false,
    tokens: [] as ApiToken[],
    tokensError: null as string | null,
    newName: '',
    nameError: null as string | null,
    createError: null as string | null,
    creating: false,
    created: null as CreatedToken | null,
    copyStatus: null as 'copied' | 'copyFailed' | null,
  };
  let disposed = false;

  const redraw = () => {
    if (!disposed) context.refresh();
  };

  const loadTokens = async () => {
    try {
      state.tokens = (await accountApi.tokens()).items;
      state.tokensError = null;
    } catch (error) {
      if (context.endsSession(error)) return;
      state.tokensError = describeError(error);
    }
  };

  const load = async () => {
    try {
      const [me] = await Promise.all([accountApi.me(), loadTokens()]);
      state.me = me;
    } catch (error) {
      if (context.endsSession(error)) return;
      state.loadError = describeError(error);
    }
    state.loading = false;
    redraw();
  };

  const changePassword = async () => {
    if (state.passwordSaving) return;
    const { currentPassword, newPassword, repeatPassword } = state.password;
    state.passwordErrors = {};
    state.passwordError = null;
    state.passwordChanged = false;
    // What the page can tell by itself; the password rules are the server's to check.
    if (currentPassword === '') state.passwordErrors.currentPassword = tx('currentRequired');
    else if (newPassword !== repeatPassword) state.passwordErrors.repeatPassword = tx('repeatMismatch');
    if (Object.keys(state.passwordErrors).length === 0) {
      state.passwordSaving = true;
      redraw();
      try {
        await accountApi.changePassword(currentPassword, newPassword);
        state.password = { currentPassword: '', newPassword: '', repeatPassword: '' };
        state.passwordChanged = true;
        announce(tx('passwordChanged'));
      } catch (error) {
        if (context.endsSession(error)) return;
        const field = error instanceof ApiError && (error.field === 'currentPassword' || error.field === 'newPassword') ? error.field : null;
        if (error instanceof ApiError && field) state.passwordErrors[field] = withoutFieldName(error.message, field);
        else state.passwordError = describeError(error);
      }
      state.passwordSaving = false;
    }
    redraw();
    const failed = (Object.keys(PASSWORD_IDS) as PasswordField[]).find((f) => state.passwordErrors[f] !== undefined);
    if (failed) document.getElementById(PASSWORD_IDS[failed])?.focus();
    else if (state.passwordChanged) document.getElementById('acc-password-done')?.focus();
  };

  const createToken = async () => {
    if (state.creating) return;
    state.nameError = null;
    state.createError = null;
    const name = state.newName.trim();
    if (name === '') {
      state.nameError = tx('nameRequired');
      redraw();
      document.getElementById('acc-token-name')?.focus();
      return;
    }
    state.creating = true;
    state.created = null;
    state.copyStatus = null;
    redraw();
    try {
      state.created = await accountApi.createToken(name);
      state.newName = '';
      await loadTokens();
      announce(tx('tokenCreated_', { name }));
    } catch (error) {
      if (context.endsSession(error)) return;
      if (error instanceof ApiError && error.field === 'name') state.nameError = error.message;
      else state.createError = describeError(error);
    }
    state.creating = false;
    redraw();
    document.getElementById(state.created ? 'acc-token-value' : state.nameError ? 'acc-token-name' : 'acc-token-create')?.focus();
  };

  const copyToken = async () => {
    const token = state.created?.token;
    if (!token) return;
    try {
      await navigator.clipboard.writeText(token);
      state.copyStatus = 'copied';
    } catch {
      // No clipboard here: the token is selected for copying by hand.
      state.copyStatus = 'copyFailed';
      const field = document.getElementById('acc-token-value');
      if (field instanceof HTMLTextAreaElement) field.select();
    }
    const status = document.getElementById('acc-copy-status');
    if (status) status.textContent = tx(state.copyStatus);
    announce(tx(state.copyStatus));
  };

  const confirmRevoke = (token: ApiToken) =>
    confirmDialog({
      id: 'acc-revoke-dialog',
      title: tx('revokeTitle', { name: token.name }),
      message: tx('revokeText'),
      confirmText: tx('revoke'),
      busyText: tx('revoking'),
      cancelText: tx('cancel'),
      confirmId: 'acc-revoke-confirm',
      cancelId: 'acc-revoke-cancel',
      action: async () => {
        await accountApi.revokeToken(token.id);
        if (state.created?.id === token.id) state.created = null;
        await loadTokens();
      },
      done: () => {
        announce(tx('revoked', { name: token.name }));
        redraw();
      },
      endsSession: (error) => context.endsSession(error),
    });

  // --- drawing -------------------------------------------------------------------------------

  const whoCard = (me: MeWithAccount) => {
    const kind = { provider: tx('kindProvider'), reseller: tx('kindReseller'), organization: tx('kindOrganization') }[me.account.kind];
    const extension = me.extension;
    return h(
      'section',
      { class: 'card', 'aria-labelledby': 'acc-who-title' },
      h('h2', { id: 'acc-who-title' }, tx('whoTitle')),
      h(
        'dl',
        { class: 'facts', id: 'acc-facts' },
        h('dt', {}, tx('email')),
        h('dd', { id: 'acc-email' }, me.user.email),
        h('dt', {}, tx('role')),
        h('dd', { id: 'acc-role' }, tx(ROLE_TEXT[me.user.role])),
        h('dt', {}, tx('account')),
        h('dd', { id: 'acc-account' }, `${me.account.name} (${kind})`),
        extension ? h('dt', {}, tx('extension')) : null,
        extension
          ? h('dd', { id: 'acc-extension' }, tx('extensionLine', { number: extension.number, name: extension.name, type: extension.type === 'phone' ? tx('typePhone') : tx('typeCallback') }))
          : null,
      ),
    );
  };

  const passwordCard = (me: MeWithAccount) => {
    const field = (name: PasswordField, label: string, autocomplete: string, hint: string | null = null) =>
      textField({
        id: PASSWORD_IDS[name],
        label,
        hint,
        error: state.passwordErrors[name],
        type: 'password',
        value: state.password[name],
        attributes: { autocomplete, maxlength: 1024 },
        oninput: (value) => {
          state.password[name] = value;
        },
      });
    return h(
      'section',
      { class: 'card', 'aria-labelledby': 'acc-password-title' },
      h('h2', { id: 'acc-password-title' }, tx('passwordTitle')),
      h(
        'form',
        {
          id: 'acc-password-form',
          novalidate: true,
          'aria-busy': state.passwordSaving ? 'true' : null,
          onsubmit: (event: Event) => {
            event.preventDefault();
            void changePassword();
          },
        },
        // For password managers: which account the new password belongs to.
        h('input', { type: 'text', class: 'sr-only', name: 'username', autocomplete: 'username', value: me.user.email, readonly: true, tabindex: '-1', 'aria-hidden': 'true' }),
        field('currentPassword', tx('currentPassword'), 'current-password'),
        field('newPassword', tx('newPassword'), 'new-password', tx('newPasswordHint')),
        field('repeatPassword', tx('repeatPassword'), 'new-password'),
        alertBox(state.passwordError, 'acc-password-error'),
        state.passwordChanged ? h('p', { class: 'notice', id: 'acc-password-done', tabindex: '-1' }, tx('passwordChanged')) : null,
        h('div', { class: 'actions' }, busyButton({ id: 'acc-password-save', type: 'submit', text: tx('changePassword'), busyText: tx('changing'), busy: state.passwordSaving })),
      ),
    );
  };

  const createdCard = (created: CreatedToken) =>
    h(
      'div',
      { class: 'warning token-shown', id: 'acc-created', role: 'region', 'aria-labelledby': 'acc-created-title' },
      h('h2', { id: 'acc-created-title' }, tx('createdTitle', { name: created.name })),
      h('p', { id: 'acc-created-warning' }, tx('createdWarning')),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'acc-token-value' }, tx('tokenValue')),
        // A textarea, so the whole token wraps into view on a phone.
        h('textarea', {
          id: 'acc-token-value',
          class: 'token-value',
          readonly: true,
          rows: 2,
          value: created.token,
          spellcheck: 'false',
          autocomplete: 'off',
          'aria-describedby': 'acc-created-warning',
          onfocus: (event: Event) => (event.target as HTMLTextAreaElement).select(),
        }),
      ),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', id: 'acc-token-copy', class: 'secondary', 'aria-describedby': 'acc-copy-status', onclick: () => void copyToken() }, tx('copy')),
        h('span', { class: 'copy-status', id: 'acc-copy-status' }, state.copyStatus ? tx(state.copyStatus) : ''),
        h(
          'button',
          {
            type: 'button',
            id: 'acc-token-hide',
            class: 'secondary',
            onclick: () => {
              state.created = null;
              redraw();
              document.getElementById('acc-token-name')?.focus();
            },
          },
          tx('hideToken'),
        ),
      ),
    );

  const tokensCard = () => {
    const columns: Column<ApiToken>[] = [
      { header: tx('tokenName'), cell: (token) => token.name },
      { header: tx('tokenCreated'), cell: (token) => formatDateTime(token.createdAt) },
      { header: tx('tokenLastUsed'), cell: (token) => (token.lastUsedAt ? formatDateTime(token.lastUsedAt) : tx('never')) },
      {
        header: tx('tokenStatus'),
        cell: (token) =>
          token.revokedAt ? h('span', { class: 'badge off' }, tx('revokedOn', { when: formatDateTime(token.revokedAt) })) : h('span', { class: 'badge ok' }, tx('active')),
      },
      {
        header: tx('tokenActions'),
        cell: (token) =>
          token.revokedAt
            ? ''
            : h(
                'button',
                { type: 'button', class: 'danger', id: `acc-revoke-${token.id}`, 'aria-label': tx('revokeLabel', { name: token.name }), onclick: () => confirmRevoke(token) },
                tx('revoke'),
              ),
      },
    ];
    return h(
      'section',
      { class: 'card tokens-card', 'aria-labelledby': 'acc-tokens-title' },
      h('h2', { id: 'acc-tokens-title' }, tx('tokensTitle')),
      h('p', { class: 'hint' }, tx('tokensIntro')),
      state.created ? createdCard(state.created) : null,
      alertBox(state.tokensError),
      dataTable({ id: 'acc-tokens', caption: tx('tokensCaption'), columns, rows: state.tokens, empty: tx('noTokens'), rowId: (token) => String(token.id) }),
      h(
        'form',
        {
          id: 'acc-token-form',
          class: 'toolbar',
          novalidate: true,
          'aria-busy': state.creating ? 'true' : null,
          onsubmit: (event: Event) => {
            event.preventDefault();
            void createToken();
          },
        },
        textField({
          id: 'acc-token-name',
          label: tx('newTokenName'),
          hint: tx('newTokenHint'),
          error: state.nameError,
          value: state.newName,
          attributes: { maxlength: 100, autocomplete: 'off' },
          oninput: (value) => {
            state.newName = value;
          },
        }),
        busyButton({ id: 'acc-token-create', type: 'submit', text: tx('createToken'), busyText: tx('creating'), busy: state.creating }),
      ),
      alertBox(state.createError, 'acc-token-error'),
    );
  };

  void load();

  return {
    title: () => tx('title'),
    dispose: () => {
      disposed = true;
    },
    render: () => {
      const heading = h('h1', { id: 'account-title' }, tx('title'));
      const waiting = loadingOrError([heading], { loading: state.loading, error: state.loadError, ready: state.me !== null });
      if (waiting || !state.me) return waiting ?? heading;
      return h('div', { class: 'account-page' }, heading, h('div', { class: 'account-layout' }, h('div', {}, whoCard(state.me), passwordCard(state.me)), tokensCard()));
    },
  };
}

export const routes: PortalRoute[] = [{ path: 'account', access: signedIn, nav: { text: () => tx('navAccount'), order: 90 }, page: accountPage }];
