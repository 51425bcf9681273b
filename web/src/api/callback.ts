import { query, request } from '../api.js';

/** A callback extension's settings and its authorized CallerIDs, as the portal uses the REST API for them. */

export type ReturnMode = 'authorized' | 'callerid' | 'fixed';
export type PromptLanguage = 'en' | 'de' | 'fr' | 'es';

/** GET/PUT /extensions/{id}/callback. */
export interface CallbackSettings {
  ringSeconds: number;
  returnMode: ReturnMode;
  fixedNumber: string | null;
  passwordSet: boolean;
  perCallerIdPassword: boolean;
  creditInquiry: boolean;
  dialTimeoutSeconds: number;
  language: PromptLanguage;
  creditExhaustedSound: string | null;
  maxAuthorizedCallerIds: number;
  licenceLimit: number;
  activeCallerIds: number;
  licenceEditable: boolean;
}

/**
 * What PUT takes. Numbers typed badly are sent as typed so the API names the field.
 * `password` left out keeps it, null removes it; `maxAuthorizedCallerIds` left out keeps it.
 */
export interface CallbackSettingsChange {
  ringSeconds: number | string;
  returnMode: ReturnMode;
  fixedNumber: string | null;
  password?: string | null;
  perCallerIdPassword: boolean;
  creditInquiry: boolean;
  dialTimeoutSeconds: number | string;
  language: PromptLanguage;
  creditExhaustedSound: string | null;
  maxAuthorizedCallerIds?: number | string;
}

export interface Credit {
  unlimited: boolean;
  amount: string | null;
  amountMicros: number | null;
}

export interface AuthorizedCallerId {
  id: number;
  extensionId: number;
  callerId: string;
  description: string;
  status: 'active' | 'inactive';
  credit: Credit;
  hasPassword: boolean;
  addedOn: string;
}

export interface CallerIdList {
  total: number;
  activeCount: number;
  licenceLimit: number;
  items: AuthorizedCallerId[];
}

export type CallerIdSort = 'callerId' | 'description' | 'status' | 'credit' | 'addedOn';

export interface CallerIdQuery {
  search: string;
  sort: CallerIdSort;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export interface NewCallerId {
  callerId: string;
  description: string;
  password: string | null;
  status: 'active' | 'inactive';
  /** "unlimited" or an amount. */
  credit: string;
}

export interface CallerIdChange {
  callerId?: string;
  description?: string;
  password?: string | null;
  status?: 'active' | 'inactive';
}

export interface CreditHistoryEntry {
  at: string;
  amountAdded: string;
  creditLeftAfter: string;
  by: string;
  note: string | null;
}

/** A sound of the library, by what the settings need of it. */
export interface LibrarySound {
  name: string;
  folder: string;
  length: string;
  owner: string;
}

interface FolderList {
  folders: { name: string; owner: { name: string }; sounds: { name: string; folder: string; length: string }[] }[];
}

export const callbackApi = {
  settings: (extensionId: number) => request<CallbackSettings>('GET', `/extensions/${extensionId}/callback`),
  saveSettings: (extensionId: number, change: CallbackSettingsChange) => request<CallbackSettings>('PUT', `/extensions/${extensionId}/callback`, change),
  /** The sounds an account sees (its own folders and those above it), each name once: the nearest account's wins, as in calls. */
  sounds: async (accountId: number): Promise<LibrarySound[]> => {
    const list = await request<FolderList>('GET', `/accounts/${accountId}/sound-folders`);
    const seen = new Map<string, LibrarySound>();
    for (const folder of list.folders) {
      for (const sound of folder.sounds) if (!seen.has(sound.name)) seen.set(sound.name, { name: sound.name, folder: sound.folder, length: sound.length, owner: folder.owner.name });
    }
    return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
  },
  callerIds: (extensionId: number, q: CallerIdQuery) => request<CallerIdList>('GET', `/extensions/${extensionId}/callerids${query({ ...q })}`),
  addCallerId: (extensionId: number, body: NewCallerId) => request<AuthorizedCallerId>('POST', `/extensions/${extensionId}/callerids`, body),
  changeCallerId: (id: number, body: CallerIdChange) => request<AuthorizedCallerId>('PATCH', `/callerids/${id}`, body),
  deleteCallerId: (id: number) => request<undefined>('DELETE', `/callerids/${id}`),
  setActive: (id: number, active: boolean) => request<AuthorizedCallerId>('POST', `/callerids/${id}/${active ? 'activate' : 'deactivate'}`),
  addCredit: (id: number, amount: string, note: string) => request<AuthorizedCallerId>('POST', `/callerids/${id}/credit`, { amount, ...(note.trim() ? { note: note.trim() } : {}) }),
  makeUnlimited: (id: number) => request<AuthorizedCallerId>('PUT', `/callerids/${id}/credit/unlimited`),
  history: (id: number) => request<CreditHistoryEntry[]>('GET', `/callerids/${id}/credit/history`),
};

/** The export files' URLs: plain links, the session cookie authorizes them. */
export const exportUrl = (extensionId: number, format: 'csv' | 'xlsx', q: Pick<CallerIdQuery, 'search' | 'sort' | 'order'>): string =>
  `/api/v1/extensions/${extensionId}/callerids/export.${format}${query({ ...q })}`;
