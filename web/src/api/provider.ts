import { ApiError, NetworkError, query, request, type Me } from '../api.js';

/** The provider's areas of the REST API: accounts with licences, tariffs and rates, trunks, DIDs, server settings. */

export type AccountKind = 'provider' | 'reseller' | 'organization';

export interface Account {
  id: number;
  kind: AccountKind;
  name: string;
  parentId: number | null;
  defaultCountry: string | null;
  tariffId: number | null;
  trunkId: number | null;
  maxExtensions: number | null;
  maxAuthorizedCallerIds: number | null;
  maxConcurrentCalls: number | null;
  dailySpendCap: string | null;
  extensionCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface AccountFields {
  name?: string;
  parentId?: number | null;
  defaultCountry?: string | null;
  tariffId?: number | null;
  trunkId?: number | null;
  maxExtensions?: number | null;
  maxAuthorizedCallerIds?: number | null;
  maxConcurrentCalls?: number | null;
  dailySpendCap?: string | null;
}

export interface Tariff {
  id: number;
  accountId: number;
  accountName: string;
  name: string;
  rateCount: number;
  editable: boolean;
  usedBy: number;
}

export interface Rate {
  id: number;
  prefix: string;
  name: string;
  flat: string | null;
  perMinute: string;
  connectFee: string;
  increments: string;
}

export interface RateFields {
  prefix: string;
  name: string;
  flat?: string | null;
  perMinute?: string;
  connectFee?: string;
  increments?: string;
}

export type RateSort = 'prefix' | 'name' | 'connectFee' | 'perMinute' | 'flat';

export interface ImportResult {
  mode: 'merge' | 'replace';
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  total: number;
}

export interface ImportProblem {
  line: number;
  field?: string;
  message: string;
}

export interface Trunk {
  id: number;
  name: string;
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
  username: string | null;
  hasPassword: boolean;
  fromDomain: string | null;
  register: boolean;
  maxChannels: number | null;
  enabled: boolean;
  didCount: number;
  usedBy: number;
}

export interface TrunkFields {
  name?: string;
  host?: string;
  port?: number;
  transport?: 'udp' | 'tcp';
  username?: string | null;
  password?: string | null;
  fromDomain?: string | null;
  register?: boolean;
  maxChannels?: number | null;
  enabled?: boolean;
}

export interface Did {
  id: number;
  number: string;
  trunkId: number;
  trunkName: string;
  extensionId: number | null;
  extensionNumber: string | null;
  extensionName: string | null;
  organization: string | null;
}

export interface ServerSettings {
  currency: string | null;
  defaultCountry: string | null;
  currencyLocked: boolean;
}

/** The answer to a refused CSV import: every bad line. Read from the body, which request() does not keep. */
export class ImportRefusedError extends Error {
  constructor(
    message: string,
    readonly problems: ImportProblem[],
  ) {
    super(message);
    this.name = 'ImportRefusedError';
  }
}

/**
 * POST .../rates/import with the file. upload() keeps only { error, message, field } of a refusal,
 * and the page must show every refused line, so this reads the answer itself; the session's CSRF
 * token comes from GET /me, as after a reload.
 */
async function importRates(tariffId: number, file: Blob, mode: 'merge' | 'replace'): Promise<ImportResult> {
  const me = await request<Me>('GET', '/me');
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'text/csv; charset=utf-8' };
  if (me.csrfToken) headers['x-csrf-token'] = me.csrfToken;
  let response: Response;
  try {
    response = await fetch(`/api/v1/tariffs/${tariffId}/rates/import${query({ mode })}`, { method: 'POST', headers, credentials: 'same-origin', cache: 'no-store', body: file });
  } catch (error) {
    throw new NetworkError(error);
  }
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON: the status speaks below.
  }
  const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (response.ok) return record as unknown as ImportResult;
  const message = typeof record.message === 'string' ? record.message : `HTTP ${response.status}`;
  if (response.status === 400 && Array.isArray(record.problems)) throw new ImportRefusedError(message, record.problems as ImportProblem[]);
  throw new ApiError(response.status, typeof record.error === 'string' ? record.error : `http_${response.status}`, message, typeof record.field === 'string' ? record.field : undefined, undefined);
}

export const providerApi = {
  accounts: () => request<{ items: Account[] }>('GET', '/accounts'),
  createAccount: (fields: AccountFields & { kind: 'reseller' | 'organization'; name: string }) => request<Account>('POST', '/accounts', fields),
  updateAccount: (id: number, fields: AccountFields) => request<Account>('PATCH', `/accounts/${id}`, fields),
  deleteAccount: (id: number) => request<undefined>('DELETE', `/accounts/${id}`),

  tariffs: () => request<{ items: Tariff[] }>('GET', '/tariffs'),
  createTariff: (name: string) => request<Tariff>('POST', '/tariffs', { name }),
  deleteTariff: (id: number) => request<undefined>('DELETE', `/tariffs/${id}`),
  rates: (tariffId: number, q: { search?: string; sort?: RateSort; order?: 'asc' | 'desc'; limit?: number; offset?: number }) =>
    request<{ total: number; items: Rate[] }>('GET', `/tariffs/${tariffId}/rates${query(q)}`),
  createRate: (tariffId: number, fields: RateFields) => request<Rate>('POST', `/tariffs/${tariffId}/rates`, fields),
  updateRate: (tariffId: number, rateId: number, fields: RateFields) => request<Rate>('PUT', `/tariffs/${tariffId}/rates/${rateId}`, fields),
  deleteRate: (tariffId: number, rateId: number) => request<undefined>('DELETE', `/tariffs/${tariffId}/rates/${rateId}`),
  exportUrl: (tariffId: number) => `/api/v1/tariffs/${tariffId}/rates/export.csv`,
  importRates,

  trunks: () => request<{ items: Trunk[] }>('GET', '/trunks'),
  createTrunk: (fields: TrunkFields & { name: string; host: string }) => request<Trunk>('POST', '/trunks', fields),
  updateTrunk: (id: number, fields: TrunkFields) => request<Trunk>('PATCH', `/trunks/${id}`, fields),
  deleteTrunk: (id: number) => request<undefined>('DELETE', `/trunks/${id}`),
  dids: () => request<{ items: Did[] }>('GET', '/dids'),
  createDid: (fields: { number: string; trunkId: number; extensionId?: number | null }) => request<Did>('POST', '/dids', fields),
  deleteDid: (id: number) => request<undefined>('DELETE', `/dids/${id}`),

  settings: () => request<ServerSettings>('GET', '/settings'),
  saveSettings: (fields: { currency?: string; defaultCountry?: string }) => request<ServerSettings>('PUT', '/settings', fields),
};
