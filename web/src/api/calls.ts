import { query, request } from '../api.js';
import { currentLanguage } from '../i18n.js';

/** Call history, the dashboard's figures and CallNow requests (GET /calls, /stats, /extensions/{id}/callnow/requests). */

export interface CallLeg {
  id: number;
  requestId: number | null;
  kind: string | null;
  role: 'owner' | 'requester' | 'caller' | 'callback' | 'destination' | 'source';
  direction: 'inbound' | 'outbound';
  fromNumber: string | null;
  toNumber: string;
  extensionId: number | null;
  extensionNumber: string | null;
  accountId: number;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  durationSeconds: number;
  billedSeconds: number;
  ratePrefix: string | null;
  cost: string;
  cause: string | null;
}

export interface CallList {
  calls: CallLeg[];
  total: number;
  totalCost: string;
  totalBilledSeconds: number;
  currency: string | null;
}

export interface CallFilters {
  from?: string;
  to?: string;
  number?: string;
  answered?: boolean;
  extensionId?: number;
  accountId?: number;
}

export interface DayFigures {
  date: string;
  requests: number;
  calls: number;
  billedSeconds: number;
  cost: string;
}

export interface Stats {
  currency: string | null;
  today: DayFigures;
  days: DayFigures[];
}

export type RequestState =
  | 'received'
  | 'refused'
  | 'calling-owner'
  | 'owner-declined'
  | 'owner-no-answer'
  | 'calling-requester'
  | 'requester-no-answer'
  | 'connected'
  | 'completed'
  | 'failed';

export interface CallnowRequest {
  id: number;
  extensionId: number;
  state: RequestState;
  reason: string | null;
  requesterName: string | null;
  requesterNumber: string;
  language: string;
  cost: string;
  currency: string | null;
  createdAt: string;
  updatedAt: string;
}

const filterQuery = (filters: CallFilters) => ({
  from: filters.from,
  to: filters.to,
  number: filters.number,
  answered: filters.answered ? true : undefined,
  extensionId: filters.extensionId,
  accountId: filters.accountId,
});

export const callsApi = {
  list: (filters: CallFilters, offset: number, limit: number) => request<CallList>('GET', `/calls${query({ ...filterQuery(filters), offset, limit })}`),
  /** A plain link: the browser downloads it with the session cookie. */
  exportUrl: (filters: CallFilters) => `/api/v1/calls/export.csv${query(filterQuery(filters))}`,
  stats: (filters: { accountId?: number; extensionId?: number } = {}) => request<Stats>('GET', `/stats${query(filters)}`),
  /** The live stream of an extension's requests (an EventSource sends the session cookie). */
  requestEventsUrl: (extensionId: number) => `/api/v1/extensions/${extensionId}/callnow/requests/events`,
  requests: (extensionId: number, limit = 25) => request<{ requests: CallnowRequest[]; nextBefore: number | null }>('GET', `/extensions/${extensionId}/callnow/requests${query({ limit })}`),
};

/**
 * An amount in the server currency, in the portal's language ("A$0.47", "0,47 €"); the bare
 * figure when no currency is set. The API's decimal string goes to Intl as it is, so no
 * amount passes through a float.
 */
export function formatMoney(amount: string, currency: string | null): string {
  if (!/^-?\d+(\.\d+)?$/.test(amount)) return amount;
  const decimal = amount as `${number}`;
  if (!currency) return new Intl.NumberFormat(currentLanguage(), { minimumFractionDigits: 2, maximumFractionDigits: 6 }).format(decimal);
  try {
    return new Intl.NumberFormat(currentLanguage(), { style: 'currency', currency, maximumFractionDigits: 6 }).format(decimal);
  } catch {
    return `${amount} ${currency}`;
  }
}

/** Billed seconds as minutes with one decimal, in the portal's language. */
export function formatMinutes(seconds: number): string {
  return new Intl.NumberFormat(currentLanguage(), { maximumFractionDigits: 1 }).format(seconds / 60);
}
