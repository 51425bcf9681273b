import { request, upload } from '../api.js';

/** The sound library's API (GET /accounts/{id}/sound-folders and the folder and sound routes), as the portal uses it. */

export interface SoundOwner {
  id: number;
  name: string;
  kind: 'provider' | 'reseller' | 'organization';
}

export interface Sound {
  id: number;
  name: string;
  folderId: number;
  folder: string;
  accountId: number;
  /** hh:mm:ss */
  length: string;
  durationMs: number;
  inherited: boolean;
  editable: boolean;
  /** The WAV file (8 kHz mono), e.g. /api/v1/sounds/3/audio.wav; the session cookie authorizes it. */
  audioUrl: string;
  createdAt: string;
  updatedAt: string;
}

export interface SoundFolder {
  id: number;
  name: string;
  accountId: number;
  owner: SoundOwner;
  inherited: boolean;
  editable: boolean;
  sounds: Sound[];
  createdAt: string;
  updatedAt: string;
}

export interface SoundFolderList {
  accountId: number;
  folders: SoundFolder[];
}

/** What the server takes as a WAV body; a browser may give a .wav file no type or audio/x-wav. */
const WAV_TYPE = 'audio/wav';

/** An account whose library a manager may open (from GET /api/v1/accounts, the accounts the caller manages). */
export interface ManagedAccount {
  id: number;
  name: string;
  kind: SoundOwner['kind'];
}

export const soundsApi = {
  managedAccounts: () => request<{ items: ManagedAccount[] }>('GET', '/accounts'),
  folders: (accountId: number) => request<SoundFolderList>('GET', `/accounts/${accountId}/sound-folders`),
  createFolder: (accountId: number, name: string) => request<SoundFolder>('POST', `/accounts/${accountId}/sound-folders`, { name }),
  renameFolder: (folderId: number, name: string) => request<SoundFolder>('PATCH', `/sound-folders/${folderId}`, { name }),
  deleteFolder: (folderId: number) => request<undefined>('DELETE', `/sound-folders/${folderId}`),
  upload: (folderId: number, name: string, file: Blob, onProgress?: (sent: number, total: number) => void) =>
    upload<Sound>('POST', `/sound-folders/${folderId}/sounds?name=${encodeURIComponent(name)}`, file, WAV_TYPE, onProgress),
  deleteSound: (soundId: number) => request<undefined>('DELETE', `/sounds/${soundId}`),
};

/** The download link of a sound: the same file, saved instead of played. */
export const downloadUrl = (sound: Sound): string => `${sound.audioUrl}?download=true`;

/** A sound name the library takes, made from a file name: "Credit Exhausted.wav" → "credit-exhausted". */
export function soundNameOf(fileName: string): string {
  return fileName
    .replace(/\.[^.]*$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}
