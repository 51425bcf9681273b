import { request } from '../api.js';

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export interface WeeklyHours {
  days: Weekday[];
  from: string;
  to: string;
}

export interface ExceptionDay {
  date: string;
  closed: boolean;
  from: string | null;
  to: string | null;
}

/** A time interval as the API answers it. */
export interface TimeInterval {
  id: number;
  accountId: number;
  accountName: string;
  name: string;
  timezone: string;
  weekly: WeeklyHours[];
  exceptions: ExceptionDay[];
  /** Defined by an account above: read-only here. */
  inherited: boolean;
  usedBy: { id: number; number: string; name: string }[];
}

export interface TimeIntervalChange {
  name: string;
  timezone: string;
  weekly: WeeklyHours[];
  exceptions: ExceptionDay[];
}

export const timeIntervalsApi = {
  ofAccount: (accountId: number) => request<TimeInterval[]>('GET', `/accounts/${accountId}/time-intervals`),
  /** What an extension's CallNow availability may name. */
  ofExtension: (extensionId: number) => request<TimeInterval[]>('GET', `/extensions/${extensionId}/time-intervals`),
  create: (accountId: number, change: TimeIntervalChange) => request<TimeInterval>('POST', `/accounts/${accountId}/time-intervals`, change),
  update: (id: number, change: TimeIntervalChange) => request<TimeInterval>('PUT', `/time-intervals/${id}`, change),
  remove: (id: number) => request<undefined>('DELETE', `/time-intervals/${id}`),
};
