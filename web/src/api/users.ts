import { query, request, type Role } from '../api.js';

/** Portal users (GET/POST /users, PATCH/DELETE /users/{id}) and what the add dialog picks from. */

export interface PortalUser {
  id: number;
  email: string;
  role: Role;
  accountId: number;
  accountName: string;
  extensionId: number | null;
  extensionNumber: string | null;
  disabled: boolean;
  lockedUntil: string | null;
  createdAt: string;
  initialPassword?: string;
}

export interface NewPortalUser {
  email: string;
  role: Role;
  accountId: number;
  extensionId?: number | null;
  password?: string;
}

export interface AccountChoice {
  id: number;
  kind: 'provider' | 'reseller' | 'organization';
  name: string;
}

export interface ExtensionChoice {
  id: number;
  number: string;
  name: string;
}

export const usersApi = {
  list: (search: string, offset: number, limit: number) => request<{ users: PortalUser[]; total: number }>('GET', `/users${query({ search, offset, limit })}`),
  create: (user: NewPortalUser) => request<PortalUser>('POST', '/users', user),
  change: (id: number, change: { disabled?: boolean; unlock?: true }) => request<PortalUser>('PATCH', `/users/${id}`, change),
  remove: (id: number) => request<undefined>('DELETE', `/users/${id}`),
  accounts: () => request<{ items: AccountChoice[] }>('GET', '/accounts'),
  extensions: (accountId: number) => request<{ items: ExtensionChoice[]; total: number }>('GET', `/extensions${query({ accountId, limit: 200 })}`),
};
