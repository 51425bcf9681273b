import { query, request } from '../api.js';

/** An extension as GET /api/v1/extensions lists it for its managers. */
export interface ManagedExtension {
  id: number;
  accountId: number;
  organization: string;
  number: string;
  name: string;
  type: 'phone' | 'callback';
  externalNumber: string | null;
  hasSipPassword: boolean;
  callnowEnabled: boolean;
  callApiEnabled: boolean;
  callnowId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ExtensionList {
  total: number;
  items: ManagedExtension[];
}

export type ExtensionSort = 'number' | 'name' | 'type' | 'createdAt';

export interface ExtensionQuery {
  accountId?: number;
  search?: string;
  sort?: ExtensionSort;
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

export interface NewExtension {
  number: string;
  name: string;
  type: 'phone' | 'callback';
  externalNumber?: string | null;
  sipPassword?: string | null;
  callnowEnabled?: boolean;
  callApiEnabled?: boolean;
}

export type ExtensionChange = Partial<Pick<NewExtension, 'name' | 'externalNumber' | 'sipPassword' | 'callnowEnabled' | 'callApiEnabled'>>;

export const extensionsApi = {
  /** The organizations the user manages (GET /accounts, the provider area's list), to put a new extension in. */
  organizations: () => request<{ items: { id: number; kind: string; name: string }[] }>('GET', '/accounts?kind=organization'),
  get: (id: number) => request<ManagedExtension>('GET', `/extensions/${id}`),
  list: (q: ExtensionQuery) => request<ExtensionList>('GET', `/extensions${query({ ...q })}`),
  /** The answer carries the SIP password this one time. */
  create: (accountId: number, extension: NewExtension) => request<ManagedExtension & { sipPassword: string | null }>('POST', `/accounts/${accountId}/extensions`, extension),
  update: (id: number, change: ExtensionChange) => request<ManagedExtension>('PATCH', `/extensions/${id}`, change),
  remove: (id: number) => request<undefined>('DELETE', `/extensions/${id}`),
};
