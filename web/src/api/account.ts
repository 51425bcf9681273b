import { request, type Me } from '../api.js';

/** The signed-in user's own things: who they are, their password, their API tokens (/api/v1/me...). */

export interface Account {
  id: number;
  name: string;
  kind: 'provider' | 'reseller' | 'organization';
}

/** GET /api/v1/me with the user's account, which the API names too. */
export type MeWithAccount = Me & { account: Account };

export interface ApiToken {
  id: number;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CreatedToken {
  id: number;
  name: string;
  /** Shown this once. */
  token: string;
  createdAt: string;
}

export const accountApi = {
  me: () => request<MeWithAccount>('GET', '/me'),
  changePassword: (currentPassword: string, newPassword: string) => request<undefined>('PUT', '/me/password', { currentPassword, newPassword }),
  tokens: () => request<{ items: ApiToken[] }>('GET', '/me/tokens'),
  createToken: (name: string) => request<CreatedToken>('POST', '/me/tokens', { name }),
  revokeToken: (id: number) => request<undefined>('DELETE', `/me/tokens/${id}`),
};
