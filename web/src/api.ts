/**
 * The portal talks to the server only through the documented REST API (/api/v1). The
 * session is an HttpOnly cookie the browser sends by itself; every change (POST, PUT,
 * PATCH, DELETE) also carries the session's CSRF token, which is kept in memory only and
 * fetched again from GET /api/v1/me after a reload.
 */

export type Role = 'admin' | 'reseller' | 'org_manager' | 'extension_owner';

export interface User {
  id: number;
  email: string;
  role: Role;
  accountId: number;
  extensionId: number | null;
}

export interface Extension {
  id: number;
  number: string;
  name: string;
  type: 'phone' | 'callback';
}

export interface Me {
  user: User;
  /** An extension owner's extension; null (or absent) for the other roles. */
  extension?: Extension | null;
  /** The session's CSRF token, so a reloaded page can make changes again; null with an API token. */
  csrfToken?: string | null;
}

export interface Session {
  user: User;
  csrfToken: string;
}

export type PageLanguage = 'en' | 'de' | 'fr' | 'es' | 'caller';

/** What GET and PUT /api/v1/extensions/{id}/callnow answer. */
export interface CallnowPreferences {
  callnowId: string;
  enabled: boolean;
  confirm: boolean;
  showName: boolean;
  askName: boolean;
  captcha: boolean;
  language: PageLanguage;
  message: string;
  availability: string | null;
  rejectWhileOnPhone: boolean;
  publicUrl: string;
  warning?: string;
}

/** What PUT /api/v1/extensions/{id}/callnow takes: callnowId may be left out (keep it, or get a random one). */
export type CallnowPreferencesChange = Omit<CallnowPreferences, 'publicUrl' | 'warning' | 'callnowId'> & { callnowId?: string };

export type RuleAction = 'accept' | 'confirm' | 'reject';

export interface CallnowRule {
  number: string | null;
  name: string | null;
  action: RuleAction;
}

/** An answer of the API other than 2xx, in its `{ error, message, field? }` shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | undefined,
    /** From Retry-After on 429 and 503, in seconds. */
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The request never got an answer (server down, network gone). */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super('network error', { cause });
    this.name = 'NetworkError';
  }
}

let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Retry-After is seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

async function errorOf(response: Response): Promise<ApiError> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // The body could not be read: the status alone speaks.
  }
  return errorFrom(response.status, response.statusText, text, response.headers.get('retry-after'));
}

/** The API's error body ({ error, message, field }) as an ApiError; a body that is not one (a proxy's page, say) leaves the status to speak. */
function errorFrom(status: number, statusText: string, text: string, retryAfter: string | null): ApiError {
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON.
  }
  const record = isRecord(body) ? body : {};
  const code = typeof record.error === 'string' ? record.error : 'http_' + String(status);
  const message = typeof record.message === 'string' ? record.message : statusText || `HTTP ${status}`;
  const field = typeof record.field === 'string' ? record.field : undefined;
  return new ApiError(status, code, message, field, parseRetryAfter(retryAfter));
}

/** One call of the REST API: JSON in and out, the CSRF token on changes, errors as ApiError or NetworkError. Pages' own API modules (web/src/api/*.ts) build on it. */
export async function request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== null) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (error) {
    throw new NetworkError(error);
  }
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** Sends a file as the request body (a sound upload, a CSV import), with the CSRF token. */
/**
 * Sends a file as the request body. XMLHttpRequest rather than fetch: only it tells how much
 * of the body has gone, which `onProgress` hears (bytes sent, bytes in all).
 */
export function upload<T>(method: 'POST' | 'PUT', path: string, file: Blob, contentType: string, onProgress?: (sent: number, total: number) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, `/api/v1${path}`);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.setRequestHeader('content-type', contentType);
    if (csrfToken !== null) xhr.setRequestHeader('x-csrf-token', csrfToken);
    if (onProgress) xhr.upload.addEventListener('progress', (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size));
    xhr.addEventListener('error', () => reject(new NetworkError(new Error('upload failed'))));
    xhr.addEventListener('abort', () => reject(new NetworkError(new Error('upload aborted'))));
    xhr.addEventListener('load', () => {
      if (xhr.status < 200 || xhr.status >= 300) {
        reject(errorFrom(xhr.status, xhr.statusText, xhr.responseText, xhr.getResponseHeader('retry-after')));
        return;
      }
      if (xhr.status === 204) {
        resolve(undefined as T);
        return;
      }
      try {
        resolve(JSON.parse(xhr.responseText) as T);
      } catch (error) {
        reject(new NetworkError(error));
      }
    });
    xhr.send(file);
  });
}

/** The query string for a list call, leaving out empty values. */
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== null && value !== undefined && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

export const api = {
  signIn: (email: string, password: string) => request<Session>('POST', '/session', { email, password }),
  signOut: () => request<undefined>('DELETE', '/session'),
  me: () => request<Me>('GET', '/me'),
  extension: (extensionId: number) => request<Extension & { accountId: number }>('GET', `/extensions/${extensionId}`),
  callnow: (extensionId: number) => request<CallnowPreferences>('GET', `/extensions/${extensionId}/callnow`),
  saveCallnow: (extensionId: number, change: CallnowPreferencesChange) => request<CallnowPreferences>('PUT', `/extensions/${extensionId}/callnow`, change),
  rules: (extensionId: number) => request<{ rules: CallnowRule[] }>('GET', `/extensions/${extensionId}/callnow/rules`),
  saveRules: (extensionId: number, rules: CallnowRule[]) => request<{ rules: CallnowRule[] }>('PUT', `/extensions/${extensionId}/callnow/rules`, { rules }),
};
