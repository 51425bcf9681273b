import { announce } from '../announce.js';
import { ApiError } from '../api.js';
import type { MeWithAccount } from '../api/account.js';
import { downloadUrl, soundNameOf, soundsApi, type ManagedAccount, type Sound, type SoundFolder, type SoundFolderList } from '../api/sounds.js';
import { BASE, describeError, manager, ownsExtension, signedIn, type Page, type PortalContext, type PortalRoute } from '../app.js';
import { h } from '../dom.js';
import { defineTexts, formatDuration } from '../texts.js';
import { alertBox, busyButton, confirmDialog, dataTable, loadingOrError, openDialog, selectField, textField, type Column } from '../ui.js';
import './sounds.css';

const tx = defineTexts(
  {
    navSounds: 'Sounds',
    title: 'Sound library',
    intro: 'Sounds that calls play, in folders of {account}. Folders of the accounts above it are shown too: they can be used here and changed only there.',
    readOnly: 'You can listen to and download these sounds; changing the library is for the managers of your organization.',
    creditNote: 'The sound played when a callback user\'s credit runs out ("credit exhausted") is chosen in the settings of a callback extension.',
    creditLink: 'Open your callback settings',
    creditLinkManager: 'Go to the extensions',
    libraryOf: 'Library of',
    kindProvider: 'provider',
    kindReseller: 'reseller',
    kindOrganization: 'organization',
    nameWords: '1 to 64 lower-case letters, digits, "_" or "-", e.g. credit-exhausted.',
    newFolderTitle: 'New folder',
    folderName: 'Folder name',
    createFolder: 'Create the folder',
    creatingFolder: 'Creating…',
    folderCreated: 'Folder {name} created.',
    nameRequired: 'Enter a name.',
    noFolders: 'There are no sound folders yet.',
    ownFolder: 'Folder of {owner}',
    inheritedFolder: 'From {owner}, an account above yours: read-only here',
    inherited: 'Inherited',
    soundsCaption: 'Sounds in {folder}',
    soundName: 'Name',
    length: 'Length',
    listen: 'Listen',
    listenLabel: 'Listen to {name}',
    download: 'Download',
    downloadLabel: 'Download {name} as a WAV file',
    actions: 'Actions',
    noSounds: 'No sounds in this folder.',
    deleteSound: 'Delete',
    deleteSoundLabel: 'Delete the sound {name}',
    deleteSoundTitle: 'Delete the sound "{name}"?',
    deleteSoundText: 'Calls that play it by this name play the shipped prompt of that name instead, if there is one, or nothing. This cannot be undone.',
    renameFolder: 'Rename',
    renameFolderLabel: 'Rename the folder {name}',
    renameFolderTitle: 'Rename the folder "{name}"',
    renameFolderText: 'The sounds in it keep their names, so calls go on playing them.',
    newFolderName: 'New name',
    renaming: 'Renaming…',
    folderRenamed: 'Folder renamed to {name}.',
    deleteFolder: 'Delete the folder',
    deleteFolderLabel: 'Delete the folder {name}',
    deleteFolderTitle: 'Delete the folder "{name}"?',
    deleteFolderText: 'Only an empty folder can be deleted.',
    deleting: 'Deleting…',
    cancel: 'Cancel',
    soundDeleted: 'Sound {name} deleted.',
    folderDeleted: 'Folder {name} deleted.',
    uploadTitle: 'Upload a sound into {folder}',
    file: 'WAV file',
    fileHint: 'Any uncompressed WAV (or μ-law/A-law), at most 10 MB and 10 minutes; it is mixed to mono and converted to 8 kHz.',
    fileRequired: 'Choose a WAV file.',
    uploadName: 'Sound name',
    upload: 'Upload',
    uploading: 'Uploading…',
    uploadingFile: 'Uploading {file} ({size})… {percent} %',
    converting: 'Converting {file} for the phone line…',
    uploaded: 'Sound {name} uploaded ({length}).',
  },
  {
    de: {
      navSounds: 'Klänge',
      title: 'Klangbibliothek',
      intro: 'Klänge, die Anrufe abspielen, in Ordnern von {account}. Ordner der Konten darüber werden auch gezeigt: Sie können hier benutzt und nur dort geändert werden.',
      readOnly: 'Sie können diese Klänge anhören und herunterladen; die Bibliothek ändern die Verwalter Ihrer Organisation.',
      creditNote: 'Der Klang, der abgespielt wird, wenn das Guthaben eines Rückruf-Nutzers aufgebraucht ist („Guthaben erschöpft“), wird in den Einstellungen einer Rückruf-Nebenstelle gewählt.',
      creditLink: 'Ihre Rückruf-Einstellungen öffnen',
      creditLinkManager: 'Zu den Nebenstellen',
      libraryOf: 'Bibliothek von',
      kindProvider: 'Anbieter',
      kindReseller: 'Wiederverkäufer',
      kindOrganization: 'Organisation',
      nameWords: '1 bis 64 Kleinbuchstaben, Ziffern, „_“ oder „-“, z. B. credit-exhausted.',
      newFolderTitle: 'Neuer Ordner',
      folderName: 'Ordnername',
      createFolder: 'Ordner anlegen',
      creatingFolder: 'Wird angelegt…',
      folderCreated: 'Ordner {name} angelegt.',
      nameRequired: 'Geben Sie einen Namen ein.',
      noFolders: 'Es gibt noch keine Klangordner.',
      ownFolder: 'Ordner von {owner}',
      inheritedFolder: 'Von {owner}, einem Konto über Ihrem: hier nur lesbar',
      inherited: 'Geerbt',
      soundsCaption: 'Klänge in {folder}',
      soundName: 'Name',
      length: 'Länge',
      listen: 'Anhören',
      listenLabel: '{name} anhören',
      download: 'Herunterladen',
      downloadLabel: '{name} als WAV-Datei herunterladen',
      actions: 'Aktionen',
      noSounds: 'Keine Klänge in diesem Ordner.',
      deleteSound: 'Löschen',
      deleteSoundLabel: 'Klang {name} löschen',
      deleteSoundTitle: 'Klang „{name}“ löschen?',
      deleteSoundText: 'Anrufe, die ihn unter diesem Namen abspielen, spielen stattdessen die mitgelieferte Ansage dieses Namens, falls es eine gibt, sonst nichts. Das kann nicht rückgängig gemacht werden.',
      renameFolder: 'Umbenennen',
      renameFolderLabel: 'Ordner {name} umbenennen',
      renameFolderTitle: 'Ordner „{name}“ umbenennen',
      renameFolderText: 'Die Klänge darin behalten ihre Namen, Anrufe spielen sie also weiter.',
      newFolderName: 'Neuer Name',
      renaming: 'Wird umbenannt…',
      folderRenamed: 'Ordner in {name} umbenannt.',
      deleteFolder: 'Ordner löschen',
      deleteFolderLabel: 'Ordner {name} löschen',
      deleteFolderTitle: 'Ordner „{name}“ löschen?',
      deleteFolderText: 'Nur ein leerer Ordner kann gelöscht werden.',
      deleting: 'Wird gelöscht…',
      cancel: 'Abbrechen',
      soundDeleted: 'Klang {name} gelöscht.',
      folderDeleted: 'Ordner {name} gelöscht.',
      uploadTitle: 'Einen Klang in {folder} hochladen',
      file: 'WAV-Datei',
      fileHint: 'Jede unkomprimierte WAV-Datei (oder μ-law/A-law), höchstens 10 MB und 10 Minuten; sie wird zu Mono gemischt und in 8 kHz umgewandelt.',
      fileRequired: 'Wählen Sie eine WAV-Datei.',
      uploadName: 'Name des Klangs',
      upload: 'Hochladen',
      uploading: 'Wird hochgeladen…',
      uploadingFile: '{file} ({size}) wird hochgeladen… {percent} %',
      converting: '{file} wird für die Telefonleitung umgewandelt…',
      uploaded: 'Klang {name} hochgeladen ({length}).',
    },
    fr: {
      navSounds: 'Sons',
      title: 'Bibliothèque de sons',
      intro: "Les sons que jouent les appels, dans les dossiers de {account}. Les dossiers des comptes au-dessus sont affichés aussi : on peut les utiliser ici et les modifier seulement là-bas.",
      readOnly: 'Vous pouvez écouter et télécharger ces sons ; modifier la bibliothèque revient aux gestionnaires de votre organisation.',
      creditNote: "Le son joué quand le crédit d'un utilisateur du rappel est épuisé (« crédit épuisé ») se choisit dans les réglages d'un poste de rappel.",
      creditLink: 'Ouvrir vos réglages de rappel',
      creditLinkManager: 'Aller aux postes',
      libraryOf: 'Bibliothèque de',
      kindProvider: 'fournisseur',
      kindReseller: 'revendeur',
      kindOrganization: 'organisation',
      nameWords: '1 à 64 lettres minuscules, chiffres, « _ » ou « - », p. ex. credit-exhausted.',
      newFolderTitle: 'Nouveau dossier',
      folderName: 'Nom du dossier',
      createFolder: 'Créer le dossier',
      creatingFolder: 'Création…',
      folderCreated: 'Dossier {name} créé.',
      nameRequired: 'Saisissez un nom.',
      noFolders: "Il n'y a pas encore de dossier de sons.",
      ownFolder: 'Dossier de {owner}',
      inheritedFolder: 'De {owner}, un compte au-dessus du vôtre : en lecture seule ici',
      inherited: 'Hérité',
      soundsCaption: 'Sons de {folder}',
      soundName: 'Nom',
      length: 'Durée',
      listen: 'Écouter',
      listenLabel: 'Écouter {name}',
      download: 'Télécharger',
      downloadLabel: 'Télécharger {name} en fichier WAV',
      actions: 'Actions',
      noSounds: 'Aucun son dans ce dossier.',
      deleteSound: 'Supprimer',
      deleteSoundLabel: 'Supprimer le son {name}',
      deleteSoundTitle: 'Supprimer le son « {name} » ?',
      deleteSoundText: "Les appels qui le jouent sous ce nom jouent à la place l'annonce livrée de ce nom s'il y en a une, sinon rien. C'est définitif.",
      renameFolder: 'Renommer',
      renameFolderLabel: 'Renommer le dossier {name}',
      renameFolderTitle: 'Renommer le dossier « {name} »',
      renameFolderText: 'Les sons qu’il contient gardent leur nom : les appels continuent de les jouer.',
      newFolderName: 'Nouveau nom',
      renaming: 'Renommage…',
      folderRenamed: 'Dossier renommé en {name}.',
      deleteFolder: 'Supprimer le dossier',
      deleteFolderLabel: 'Supprimer le dossier {name}',
      deleteFolderTitle: 'Supprimer le dossier « {name} » ?',
      deleteFolderText: 'Seul un dossier vide peut être supprimé.',
      deleting: 'Suppression…',
      cancel: 'Annuler',
      soundDeleted: 'Son {name} supprimé.',
      folderDeleted: 'Dossier {name} supprimé.',
      uploadTitle: 'Envoyer un son dans {folder}',
      file: 'Fichier WAV',
      fileHint: "Tout WAV non compressé (ou μ-law/A-law), 10 Mo et 10 minutes au plus ; il est mixé en mono et converti en 8 kHz.",
      fileRequired: 'Choisissez un fichier WAV.',
      uploadName: 'Nom du son',
      upload: 'Envoyer',
      uploading: 'Envoi…',
      uploadingFile: 'Envoi de {file} ({size})… {percent} %',
      converting: 'Conversion de {file} pour la ligne téléphonique…',
      uploaded: 'Son {name} envoyé ({length}).',
    },
    es: {
      navSounds: 'Sonidos',
      title: 'Biblioteca de sonidos',
      intro: 'Los sonidos que reproducen las llamadas, en carpetas de {account}. También se muestran las carpetas de las cuentas superiores: se pueden usar aquí y cambiar solo allí.',
      readOnly: 'Puede escuchar y descargar estos sonidos; cambiar la biblioteca corresponde a los gestores de su organización.',
      creditNote: 'El sonido que se reproduce cuando se agota el crédito de un usuario de rellamada («crédito agotado») se elige en los ajustes de una extensión de rellamada.',
      creditLink: 'Abrir sus ajustes de rellamada',
      creditLinkManager: 'Ir a las extensiones',
      libraryOf: 'Biblioteca de',
      kindProvider: 'proveedor',
      kindReseller: 'revendedor',
      kindOrganization: 'organización',
      nameWords: 'De 1 a 64 letras minúsculas, cifras, «_» o «-», p. ej. credit-exhausted.',
      newFolderTitle: 'Carpeta nueva',
      folderName: 'Nombre de la carpeta',
      createFolder: 'Crear la carpeta',
      creatingFolder: 'Creando…',
      folderCreated: 'Carpeta {name} creada.',
      nameRequired: 'Escriba un nombre.',
      noFolders: 'Todavía no hay carpetas de sonidos.',
      ownFolder: 'Carpeta de {owner}',
      inheritedFolder: 'De {owner}, una cuenta superior a la suya: solo lectura aquí',
      inherited: 'Heredada',
      soundsCaption: 'Sonidos de {folder}',
      soundName: 'Nombre',
      length: 'Duración',
      listen: 'Escuchar',
      listenLabel: 'Escuchar {name}',
      download: 'Descargar',
      downloadLabel: 'Descargar {name} como archivo WAV',
      actions: 'Acciones',
      noSounds: 'No hay sonidos en esta carpeta.',
      deleteSound: 'Eliminar',
      deleteSoundLabel: 'Eliminar el sonido {name}',
      deleteSoundTitle: '¿Eliminar el sonido «{name}»?',
      deleteSoundText: 'Las llamadas que lo reproducen por este nombre reproducen en su lugar el mensaje incluido con ese nombre, si lo hay, o nada. No se puede deshacer.',
      renameFolder: 'Renombrar',
      renameFolderLabel: 'Renombrar la carpeta {name}',
      renameFolderTitle: 'Renombrar la carpeta «{name}»',
      renameFolderText: 'Los sonidos que contiene conservan sus nombres, así que las llamadas siguen reproduciéndolos.',
      newFolderName: 'Nombre nuevo',
      renaming: 'Renombrando…',
      folderRenamed: 'Carpeta renombrada a {name}.',
      deleteFolder: 'Eliminar la carpeta',
      deleteFolderLabel: 'Eliminar la carpeta {name}',
      deleteFolderTitle: '¿Eliminar la carpeta «{name}»?',
      deleteFolderText: 'Solo se puede eliminar una carpeta vacía.',
      deleting: 'Eliminando…',
      cancel: 'Cancelar',
      soundDeleted: 'Sonido {name} eliminado.',
      folderDeleted: 'Carpeta {name} eliminada.',
      uploadTitle: 'Subir un sonido a {folder}',
      file: 'Archivo WAV',
      fileHint: 'Cualquier WAV sin comprimir (o μ-law/A-law), de 10 MB y 10 minutos como máximo; se mezcla a mono y se convierte a 8 kHz.',
      fileRequired: 'Elija un archivo WAV.',
      uploadName: 'Nombre del sonido',
      upload: 'Subir',
      uploading: 'Subiendo…',
      uploadingFile: 'Subiendo {file} ({size})… {percent} %',
      converting: 'Convirtiendo {file} para la línea telefónica…',
      uploaded: 'Sonido {name} subido ({length}).',
    },
  },
);

/** One folder's upload form: what was typed and chosen, and what the API said about it. */
interface UploadDraft {
  name: string;
  /** The name was made from the file name (so choosing another file renames it). */
  nameFromFile: boolean;
  file: File | null;
  nameError: string | null;
  fileError: string | null;
  error: string | null;
  uploading: boolean;
  /** Bytes of the file sent so far. */
  sent: number;
}

/** "Uploading a.wav (2.1 MB)… 40 %", then, once all is sent, that the server converts it. */
function progressText(file: File, sent: number): string {
  if (file.size > 0 && sent >= file.size) return tx('converting', { file: file.name });
  const percent = file.size > 0 ? Math.floor((sent / file.size) * 100) : 0;
  return tx('uploadingFile', { file: file.name, size: fileSize(file.size), percent: String(percent) });
}

const newDraft = (): UploadDraft => ({ name: '', nameFromFile: false, file: null, nameError: null, fileError: null, error: null, uploading: false, sent: 0 });

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The sound library of the user's account: folders (inherited ones read-only), upload, listen, download, delete. */
export function soundsPage(context: PortalContext): Page {
  const me = context.me;
  // The user's own account first; administrators and resellers may open another they manage.
  let accountId = me?.user.accountId ?? null;
  const picksAccount = me !== null && (me.user.role === 'admin' || me.user.role === 'reseller');
  // Extension owners only listen (the API refuses their changes); the others change their own account's library.
  const mayChange = me !== null && me.user.role !== 'extension_owner';

  const state = {
    loading: true,
    loadError: null as string | null,
    list: null as SoundFolderList | null,
    newFolder: '',
    newFolderError: null as string | null,
    newFolderFormError: null as string | null,
    creatingFolder: false,
    uploads: new Map<number, UploadDraft>(),
    accounts: null as ManagedAccount[] | null,
  };
  let disposed = false;

  // Kept across redraws: a chosen file cannot be put back into a new <input type="file">, and a
  // new <audio> would stop what is playing.
  const fileInputs = new Map<number, HTMLInputElement>();
  const players = new Map<number, HTMLAudioElement>();

  const redraw = () => {
    if (!disposed) context.refresh();
  };
  const draftOf = (folderId: number): UploadDraft => {
    let draft = state.uploads.get(folderId);
    if (!draft) {
      draft = newDraft();
      state.uploads.set(folderId, draft);
    }
    return draft;
  };
  // GET /me names the account too (the shared Me type does not list it).
  const accountName = () => state.accounts?.find((a) => a.id === accountId)?.name ?? (accountId === me?.user.accountId ? (me as Partial<MeWithAccount> | null)?.account?.name : null) ?? null;

  const loadAccounts = async () => {
    if (!picksAccount) return;
    try {
      state.accounts = (await soundsApi.managedAccounts()).items;
    } catch (error) {
      // Without the list the page still shows the user's own account.
      if (context.endsSession(error)) return;
      state.accounts = null;
    }
    redraw();
  };

  const openAccount = (id: number) => {
    if (id === accountId) return;
    for (const player of players.values()) player.pause();
    players.clear();
    fileInputs.clear();
    state.uploads.clear();
    state.newFolder = '';
    state.newFolderError = null;
    state.newFolderFormError = null;
    accountId = id;
    state.loading = true;
    state.loadError = null;
    redraw();
    void load().then(() => document.getElementById('sf-account')?.focus());
  };

  const load = async () => {
    const asked = accountId;
    if (asked === null) return;
    try {
      const list = await soundsApi.folders(asked);
      // Another account was picked meanwhile: its own load draws it.
      if (asked !== accountId) return;
      state.list = list;
      state.loadError = null;
    } catch (error) {
      if (context.endsSession(error) || asked !== accountId) return;
      state.loadError = describeError(error);
    }
    state.loading = false;
    redraw();
  };

  const createFolder = async () => {
    if (accountId === null || state.creatingFolder) return;
    state.newFolderError = null;
    state.newFolderFormError = null;
    const name = state.newFolder.trim();
    if (name === '') {
      state.newFolderError = tx('nameRequired');
      redraw();
      document.getElementById('sf-new-name')?.focus();
      return;
    }
    state.creatingFolder = true;
    redraw();
    let created: SoundFolder | null = null;
    try {
      created = await soundsApi.createFolder(accountId, name);
      const folders = state.list?.folders ?? [];
      const own = [...folders.filter((f) => f.accountId === accountId), created].sort(byName);
      state.list = { accountId, folders: [...own, ...folders.filter((f) => f.accountId !== accountId)] };
      state.newFolder = '';
      announce(tx('folderCreated', { name: created.name }));
    } catch (error) {
      if (context.endsSession(error)) return;
      if (error instanceof ApiError && error.field === 'name') state.newFolderError = error.message;
      else state.newFolderFormError = describeError(error);
    }
    state.creatingFolder = false;
    redraw();
    document.getElementById(created ? `up-${created.id}-file` : 'sf-new-name')?.focus();
  };

  const uploadSound = async (folder: SoundFolder) => {
    const draft = draftOf(folder.id);
    if (draft.uploading) return;
    draft.nameError = null;
    draft.fileError = null;
    draft.error = null;
    const name = draft.name.trim();
    if (!draft.file) draft.fileError = tx('fileRequired');
    if (name === '') draft.nameError = tx('nameRequired');
    if (draft.file && name !== '') {
      draft.uploading = true;
      draft.sent = 0;
      redraw();
      try {
        const sound = await soundsApi.upload(folder.id, name, draft.file, (sent, total) => {
          draft.sent = sent;
          // Only the bar and its words change; a redraw per progress event would be wasted.
          const bar = document.getElementById(`up-${folder.id}-progress-bar`);
          if (bar instanceof HTMLProgressElement) {
            bar.max = total;
            bar.value = sent;
          }
          const words = document.getElementById(`up-${folder.id}-progress-text`);
          if (words && draft.file) words.textContent = progressText(draft.file, sent);
        });
        folder.sounds = [...folder.sounds, sound].sort(byName);
        state.uploads.set(folder.id, newDraft());
        const input = fileInputs.get(folder.id);
        if (input) input.value = '';
        announce(tx('uploaded', { name: sound.name, length: formatDuration(sound.durationMs / 1000) }));
      } catch (error) {
        if (context.endsSession(error)) return;
        if (error instanceof ApiError && error.field === 'name') draft.nameError = error.message;
        else if (error instanceof ApiError && error.field === 'body') draft.fileError = error.message;
        else draft.error = describeError(error);
      }
      draft.uploading = false;
    }
    redraw();
    const failed = draft.fileError ? 'file' : draft.nameError ? 'name' : null;
    if (failed) document.getElementById(`up-${folder.id}-${failed}`)?.focus();
  };

  const deleteSound = (folder: SoundFolder, sound: Sound) =>
    confirmDialog({
      id: 'snd-delete-dialog',
      title: tx('deleteSoundTitle', { name: sound.name }),
      message: tx('deleteSoundText'),
      confirmText: tx('deleteSound'),
      busyText: tx('deleting'),
      cancelText: tx('cancel'),
      action: async () => {
        await soundsApi.deleteSound(sound.id);
        players.get(sound.id)?.pause();
        players.delete(sound.id);
        folder.sounds = folder.sounds.filter((s) => s.id !== sound.id);
        announce(tx('soundDeleted', { name: sound.name }));
        redraw();
        // The dialog gives focus back to its opener, which is gone: the folder's upload takes it.
        window.setTimeout(() => document.getElementById(`up-${folder.id}-file`)?.focus(), 0);
      },
      endsSession: (error) => context.endsSession(error),
    });

  const renameFolder = (folder: SoundFolder) => {
    let name = folder.name;
    let busy = false;
    let nameError: string | null = null;
    let error: string | null = null;
    const submit = () => {
      if (busy) return;
      nameError = name.trim() === '' ? tx('nameRequired') : null;
      error = null;
      if (nameError) {
        dialog.redraw();
        document.getElementById('sf-rename-name')?.focus();
        return;
      }
      busy = true;
      dialog.redraw();
      soundsApi
        .renameFolder(folder.id, name.trim())
        .then((renamed) => {
          folder.name = renamed.name;
          folder.sounds = renamed.sounds;
          folder.updatedAt = renamed.updatedAt;
          if (state.list) {
            const own = state.list.folders.filter((f) => f.accountId === folder.accountId).sort(byName);
            state.list = { ...state.list, folders: [...own, ...state.list.folders.filter((f) => f.accountId !== folder.accountId)] };
          }
          dialog.close();
          announce(tx('folderRenamed', { name: renamed.name }));
          redraw();
          document.getElementById(`folder-${folder.id}-rename`)?.focus();
        })
        .catch((failure: unknown) => {
          if (context.endsSession(failure)) {
            dialog.close();
            return;
          }
          busy = false;
          if (failure instanceof ApiError && failure.field === 'name') nameError = failure.message;
          else error = describeError(failure);
          dialog.redraw();
          if (nameError) document.getElementById('sf-rename-name')?.focus();
        });
    };
    const dialog = openDialog({
      id: 'sf-rename-dialog',
      title: tx('renameFolderTitle', { name: folder.name }),
      render: () =>
        h(
          'form',
          {
            novalidate: true,
            'aria-busy': busy ? 'true' : null,
            onsubmit: (event: Event) => {
              event.preventDefault();
              submit();
            },
          },
          h('p', {}, tx('renameFolderText')),
          textField({
            id: 'sf-rename-name',
            label: tx('newFolderName'),
            hint: tx('nameWords'),
            error: nameError,
            value: name,
            attributes: { maxlength: 64, autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none' },
            oninput: (value) => {
              name = value;
            },
          }),
          alertBox(error, 'sf-rename-error'),
          h(
            'div',
            { class: 'actions' },
            busyButton({ id: 'sf-rename-save', type: 'submit', text: tx('renameFolder'), busyText: tx('renaming'), busy }),
            h('button', { type: 'button', class: 'secondary', id: 'sf-rename-cancel', onclick: () => dialog.close() }, tx('cancel')),
          ),
        ),
    });
    document.getElementById('sf-rename-name')?.focus();
  };

  const deleteFolder = (folder: SoundFolder) =>
    confirmDialog({
      id: 'sf-delete-dialog',
      title: tx('deleteFolderTitle', { name: folder.name }),
      message: tx('deleteFolderText'),
      confirmText: tx('deleteFolder'),
      busyText: tx('deleting'),
      cancelText: tx('cancel'),
      action: async () => {
        await soundsApi.deleteFolder(folder.id);
        if (state.list) state.list = { ...state.list, folders: state.list.folders.filter((f) => f.id !== folder.id) };
        state.uploads.delete(folder.id);
        fileInputs.delete(folder.id);
        announce(tx('folderDeleted', { name: folder.name }));
        redraw();
        window.setTimeout(() => document.getElementById('sf-new-name')?.focus(), 0);
      },
      endsSession: (error) => context.endsSession(error),
    });

  // --- drawing -------------------------------------------------------------------------------

  const playerOf = (sound: Sound): HTMLAudioElement => {
    let player = players.get(sound.id);
    if (!player) {
      player = h('audio', { id: `snd-${sound.id}-audio`, controls: true, preload: 'none', src: sound.audioUrl });
      players.set(sound.id, player);
    }
    player.setAttribute('aria-label', tx('listenLabel', { name: sound.name }));
    return player;
  };

  const fileInputOf = (folder: SoundFolder, draft: UploadDraft): HTMLInputElement => {
    let input = fileInputs.get(folder.id);
    if (!input) {
      input = h('input', {
        type: 'file',
        id: `up-${folder.id}-file`,
        accept: '.wav,audio/wav,audio/x-wav,audio/wave',
        onchange: (event: Event) => {
          const current = draftOf(folder.id);
          const file = (event.target as HTMLInputElement).files?.[0] ?? null;
          current.file = file;
          current.fileError = null;
          if (file && (current.name.trim() === '' || current.nameFromFile)) {
            current.name = soundNameOf(file.name);
            current.nameFromFile = true;
          }
          redraw();
        },
      });
      fileInputs.set(folder.id, input);
    }
    const id = input.id;
    input.disabled = draft.uploading;
    input.setAttribute('aria-describedby', [`${id}-hint`, draft.fileError ? `${id}-error` : null].filter(Boolean).join(' '));
    if (draft.fileError) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    return input;
  };

  const uploadForm = (folder: SoundFolder) => {
    const draft = draftOf(folder.id);
    const fileId = `up-${folder.id}-file`;
    return h(
      'form',
      {
        class: 'upload-form',
        id: `up-${folder.id}`,
        novalidate: true,
        'aria-labelledby': `up-${folder.id}-title`,
        'aria-busy': draft.uploading ? 'true' : null,
        onsubmit: (event: Event) => {
          event.preventDefault();
          void uploadSound(folder);
        },
      },
      h('h3', { id: `up-${folder.id}-title` }, tx('uploadTitle', { folder: folder.name })),
      h(
        'div',
        { class: 'upload-fields' },
        h(
          'div',
          { class: 'field' },
          h('label', { for: fileId }, tx('file')),
          h('p', { class: 'hint', id: `${fileId}-hint` }, tx('fileHint')),
          fileInputOf(folder, draft),
          draft.fileError ? h('p', { class: 'field-error', id: `${fileId}-error` }, draft.fileError) : null,
        ),
        textField({
          id: `up-${folder.id}-name`,
          label: tx('uploadName'),
          hint: tx('nameWords'),
          error: draft.nameError,
          value: draft.name,
          attributes: { maxlength: 64, autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none', disabled: draft.uploading },
          oninput: (value) => {
            draft.name = value;
            draft.nameFromFile = false;
          },
        }),
      ),
      draft.uploading && draft.file
        ? h(
            'div',
            { class: 'upload-progress', id: `up-${folder.id}-progress` },
            h('progress', { id: `up-${folder.id}-progress-bar`, 'aria-labelledby': `up-${folder.id}-progress-text`, max: draft.file.size || 1, value: draft.sent }),
            h('span', { id: `up-${folder.id}-progress-text` }, progressText(draft.file, draft.sent)),
          )
        : null,
      alertBox(draft.error, `up-${folder.id}-error`),
      h('div', { class: 'actions' }, busyButton({ id: `up-${folder.id}-submit`, type: 'submit', text: tx('upload'), busyText: tx('uploading'), busy: draft.uploading })),
    );
  };

  const folderCard = (folder: SoundFolder) => {
    const columns: Column<Sound>[] = [
      { header: tx('soundName'), cell: (sound) => h('span', { class: 'sound-name' }, sound.name) },
      { header: tx('length'), numeric: true, cell: (sound) => h('span', { id: `snd-${sound.id}-length` }, formatDuration(sound.durationMs / 1000)) },
      { header: tx('listen'), cell: playerOf },
      {
        header: tx('actions'),
        cell: (sound) =>
          h(
            'div',
            { class: 'sound-actions' },
            h('a', { href: downloadUrl(sound), download: `${sound.name}.wav`, id: `snd-${sound.id}-download`, 'aria-label': tx('downloadLabel', { name: sound.name }) }, tx('download')),
            sound.editable
              ? h(
                  'button',
                  { type: 'button', class: 'danger', id: `snd-${sound.id}-delete`, 'aria-label': tx('deleteSoundLabel', { name: sound.name }), onclick: () => deleteSound(folder, sound) },
                  tx('deleteSound'),
                )
              : null,
          ),
      },
    ];
    return h(
      'section',
      { class: 'card sound-folder', id: `folder-${folder.id}`, 'aria-labelledby': `folder-${folder.id}-title` },
      h(
        'div',
        { class: 'folder-head' },
        h('h2', { id: `folder-${folder.id}-title` }, folder.name, folder.inherited ? h('span', { class: 'badge' }, tx('inherited')) : null),
        h('span', { class: 'owner' }, folder.inherited ? tx('inheritedFolder', { owner: folder.owner.name }) : tx('ownFolder', { owner: folder.owner.name })),
        folder.editable && !folder.inherited
          ? h(
              'div',
              { class: 'folder-buttons' },
              h('button', { type: 'button', class: 'secondary', id: `folder-${folder.id}-rename`, 'aria-label': tx('renameFolderLabel', { name: folder.name }), onclick: () => renameFolder(folder) }, tx('renameFolder')),
              h('button', { type: 'button', class: 'danger', id: `folder-${folder.id}-delete`, 'aria-label': tx('deleteFolderLabel', { name: folder.name }), onclick: () => deleteFolder(folder) }, tx('deleteFolder')),
            )
          : null,
      ),
      dataTable({ id: `folder-${folder.id}-sounds`, caption: tx('soundsCaption', { folder: folder.name }), columns, rows: folder.sounds, empty: tx('noSounds'), rowId: (sound) => String(sound.id) }),
      folder.editable ? uploadForm(folder) : null,
    );
  };

  const newFolderCard = () =>
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'sf-new-title' },
      h('h2', { id: 'sf-new-title' }, tx('newFolderTitle')),
      h(
        'form',
        {
          id: 'sf-new',
          class: 'toolbar',
          novalidate: true,
          'aria-busy': state.creatingFolder ? 'true' : null,
          onsubmit: (event: Event) => {
            event.preventDefault();
            void createFolder();
          },
        },
        textField({
          id: 'sf-new-name',
          label: tx('folderName'),
          hint: tx('nameWords'),
          error: state.newFolderError,
          value: state.newFolder,
          attributes: { maxlength: 64, autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none' },
          oninput: (value) => {
            state.newFolder = value;
          },
        }),
        busyButton({ id: 'sf-new-create', type: 'submit', text: tx('createFolder'), busyText: tx('creatingFolder'), busy: state.creatingFolder }),
      ),
      alertBox(state.newFolderFormError, 'sf-new-error'),
    );

  const creditNote = () =>
    h(
      'p',
      { class: 'notice', id: 'sounds-credit-note' },
      tx('creditNote'),
      me && ownsExtension('callback')(me) ? h('span', {}, ' ', h('a', { href: `${BASE}callback`, 'data-route': true }, tx('creditLink'))) : null,
      me && manager(me) ? h('span', {}, ' ', h('a', { href: `${BASE}extensions`, 'data-route': true }, tx('creditLinkManager'))) : null,
    );

  const accountPicker = () => {
    const accounts = state.accounts;
    if (!accounts || accounts.length < 2 || accountId === null) return null;
    const kind = { provider: tx('kindProvider'), reseller: tx('kindReseller'), organization: tx('kindOrganization') };
    return h(
      'div',
      { class: 'account-picker' },
      selectField({
        id: 'sf-account',
        label: tx('libraryOf'),
        value: String(accountId),
        choices: accounts.map((a) => ({ value: String(a.id), text: `${a.name} (${kind[a.kind]})` })),
        onchange: (value) => openAccount(Number(value)),
      }),
    );
  };

  void load();
  void loadAccounts();

  return {
    title: () => tx('title'),
    dispose: () => {
      disposed = true;
      for (const player of players.values()) player.pause();
    },
    render: () => {
      const heading = h('h1', { id: 'sounds-title' }, tx('title'));
      const waiting = loadingOrError([heading, accountPicker()], { loading: state.loading, error: state.loadError, ready: state.list !== null });
      if (waiting || !state.list) return waiting ?? heading;
      const folders = state.list.folders;
      return h(
        'div',
        { class: 'sounds-page' },
        heading,
        accountPicker(),
        h('p', { class: 'lead' }, tx('intro', { account: accountName() ?? state.list.folders.find((f) => f.accountId === accountId)?.owner.name ?? '' })),
        mayChange ? null : h('p', { class: 'notice', id: 'sounds-read-only' }, tx('readOnly')),
        creditNote(),
        folders.length === 0 ? h('p', { class: 'empty' }, tx('noFolders')) : null,
        ...folders.map(folderCard),
        mayChange ? newFolderCard() : null,
      );
    },
  };
}

export const routes: PortalRoute[] = [{ path: 'sounds', access: signedIn, nav: { text: () => tx('navSounds'), order: 50 }, page: soundsPage }];
