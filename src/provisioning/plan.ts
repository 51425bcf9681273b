import { randomBytes } from 'node:crypto';
import { DomainError } from '../domain/errors.js';
import { formatDuration, parseDuration } from '../domain/duration.js';
import { isCurrencyCode, parseAmount, type Micros } from '../domain/money.js';
import { isCountryCode, normalizePhoneNumber, type E164 } from '../domain/phone-number.js';
import { parseIncrements, validateRate, type Rate } from '../domain/rating.js';
import {
  isTimeZone,
  parseClock,
  validateTimeInterval,
  type TimeInterval,
  type Weekday,
} from '../domain/time-interval.js';
import {
  DEFAULT_REQUEST_LIMITS,
  MAX_LIMIT,
  MAX_WINDOW_MS,
  MIN_WINDOW_MS,
  validateDestinationRule,
  validateRequestLimits,
  type WindowLimit,
} from '../domain/request-limits.js';
import { REQUEST_LIMIT_NAMES, type DestinationPolicyRow, type RequestLimitName } from '../store/policies.js';
import type { ProvisionExtension, ProvisionFile, ProvisionOrganization } from './file-schema.js';
import { ProvisionError, lineInFile, type Problem } from './parse.js';

/**
 * A provisioning file checked against everything that does not need the database,
 * with its values in domain form (E.164 numbers, micro-units, minutes). Applying a
 * plan cannot fail on input; only references to existing rows are left to check.
 */
export interface Plan {
  settings: { currency: string; defaultCountry: string } | null;
  trunks: TrunkPlan[];
  tariffs: { name: string; rates: Rate[] }[];
  organizations: OrganizationPlan[];
  dids: DidPlan[];
  /** The CallNow request limits the file sets (a name left out: the default); null: no callnowLimits block, keep the server's. */
  callnowLimits: Partial<Record<RequestLimitName, WindowLimit>> | null;
  /** The provider-wide destination rules, prefixes as digits; null: no destinationPolicy list, keep the server's. */
  destinationPolicy: DestinationPolicyRow[] | null;
  /** null: not in the file, keep the server's (true on a new server). */
  useDefaultBlockedPrefixes: boolean | null;
}

export interface TrunkPlan {
  name: string;
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
  username: string | null;
  password: string | null;
  register: boolean;
  fromDomain: string | null;
  maxChannels: number | null;
}

export type OpeningCredit = Micros | 'unlimited';

export interface OrganizationPlan {
  name: string;
  tariff: string | null;
  trunk: string | null;
  defaultCountry: string | null;
  maxExtensions: number | null;
  /** Left out of the file (undefined): the server keeps the cap it has, as set in the portal or API. */
  maxConcurrentCalls: number | null | undefined;
  dailySpendCapMicros: Micros | null | undefined;
  timeIntervals: ({ name: string } & TimeInterval)[];
  extensions: ExtensionPlan[];
}

export interface ExtensionPlan {
  number: string;
  name: string;
  type: 'phone' | 'callback';
  externalNumber: E164 | null;
  /**
   * undefined (left out of the file): a new extension gets none, an existing one keeps the
   * server's, as set in the portal or the API; null removes it.
   */
  sipPassword: string | null | undefined;
  credit: OpeningCredit;
  /** undefined: off for a new extension, the server's for an existing one. */
  callApi: boolean | undefined;
  /** The organization's CallNow switch; always false for a callback extension; undefined: on for a new phone extension, the server's otherwise. */
  callnowEnabled: boolean | undefined;
  callnow: CallNowPlan | null;
  callback: CallbackPlan | null;
}

export interface CallNowPlan {
  /** null: keep the existing id, or make a random one for a new extension. */
  id: string | null;
  enabled: boolean;
  confirm: boolean;
  showName: boolean;
  askName: boolean;
  captcha: boolean;
  language: string;
  message: string;
  /** A time interval's name; null for Anytime. */
  availability: string | null;
  rejectWhileOnPhone: boolean;
  rules: { numberPattern: string | null; namePattern: string | null; action: 'accept' | 'confirm' | 'reject' }[];
}

export interface CallbackPlan {
  ringSeconds: number;
  returnMode: 'authorized' | 'callerid' | 'fixed';
  fixedNumber: E164 | null;
  password: string | null;
  perCallerIdPassword: boolean;
  creditInquiry: boolean;
  dialTimeoutSeconds: number;
  creditExhaustedSound: string | null;
  language: 'en' | 'de' | 'fr' | 'es';
  maxAuthorizedCallerIds: number;
  authorizedCallerIds: {
    callerId: E164;
    description: string;
    password: string | null;
    credit: OpeningCredit;
    active: boolean;
  }[];
}

export interface DidPlan {
  number: E164;
  trunk: string;
  organization: string | null;
  extension: string | null;
}

/** What the database already says, for values the file may leave out. */
export interface PlanContext {
  currency: string | null;
  defaultCountry: string | null;
}

/** The languages the public pages and prompts come in. */
export const LANGUAGES = ['en', 'de', 'fr', 'es'] as const;

export function randomCallNowId(): string {
  return randomBytes(8).toString('hex');
}

/** Checks a parsed file in full and returns its plan, or throws ProvisionError listing every problem. */
export function buildPlan(file: ProvisionFile, context: PlanContext): Plan {
  const problems: Problem[] = [];
  const report = (path: string, message: string): void => {
    const line = lineInFile(file, path);
    problems.push(line === undefined ? { path, message } : { path, message, line });
  };
  /** Runs a domain conversion; a DomainError becomes a problem at `path`. */
  const attempt = <T>(path: string, run: () => T): T | undefined => {
    try {
      return run();
    } catch (error) {
      if (error instanceof DomainError) {
        report(path, error.message);
        return undefined;
      }
      throw error;
    }
  };
  const duplicates = <T>(items: readonly T[], key: (item: T) => string, path: string, what: string): void => {
    const seen = new Set<string>();
    items.forEach((item, i) => {
      const k = key(item);
      if (seen.has(k)) report(`${path}[${i}]`, `${what} "${k}" appears more than once`);
      seen.add(k);
    });
  };

  let settings: Plan['settings'] = null;
  if (file.settings) {
    const { currency, defaultCountry } = file.settings;
    if (!isCurrencyCode(currency)) report('settings.currency', `"${currency}" is not an ISO 4217 currency code`);
    if (!isCountryCode(defaultCountry)) report('settings.defaultCountry', `"${defaultCountry}" is not a country code`);
    settings = { currency, defaultCountry };
  }
  const serverCountry = settings?.defaultCountry ?? context.defaultCountry;

  const number = (path: string, text: string, country: string | null): E164 | undefined => {
    if (!country) {
      if (text.trim().startsWith('+')) return attempt(path, () => normalizePhoneNumber(text, 'US'));
      report(path, 'write the number with its country code (+...) or set settings.defaultCountry');
      return undefined;
    }
    return attempt(path, () => normalizePhoneNumber(text, country));
  };
  const amount = (path: string, value: string | number): Micros | undefined =>
    attempt(path, () => parseAmount(typeof value === 'number' ? String(value) : value));
  const spendCap = (path: string, value: string | number): Micros | undefined => {
    const micros = amount(path, value);
    if (micros !== undefined && micros < 0) report(path, 'a daily spend cap cannot be negative (null: no cap)');
    return micros;
  };
  const credit = (path: string, value: string | number | undefined): OpeningCredit | undefined =>
    value === undefined || value === 'unlimited' ? 'unlimited' : amount(path, value);

  const trunks: TrunkPlan[] = (file.trunks ?? []).map((t, i) => {
    if ((t.username == null) !== (t.password == null)) {
      report(`trunks[${i}]`, 'give both username and password, or neither');
    }
    if (t.register && t.username == null) report(`trunks[${i}].register`, 'registration needs a username and password');
    return {
      name: t.name,
      host: t.host,
      port: t.port ?? 5060,
      transport: t.transport ?? 'udp',
      username: t.username ?? null,
      password: t.password ?? null,
      register: t.register ?? false,
      fromDomain: t.fromDomain ?? null,
      maxChannels: t.maxChannels ?? null,
    };
  });
  duplicates(trunks, (t) => t.name, 'trunks', 'trunk');

  const tariffs = (file.tariffs ?? []).map((tariff, i) => {
    const rates: Rate[] = [];
    tariff.rates.forEach((r, j) => {
      const path = `tariffs[${i}].rates[${j}]`;
      if (r.flat !== undefined && (r.perMinute !== undefined || r.connectFee !== undefined || r.increments)) {
        report(path, 'a flat rate has no perMinute, connectFee or increments');
      }
      if (r.flat === undefined && r.perMinute === undefined) report(path, 'give either flat or perMinute');
      const increments = attempt(`${path}.increments`, () => parseIncrements(r.increments ?? '60/60'));
      const rate: Rate = {
        prefix: r.prefix,
        name: r.name,
        flatMicros: r.flat === undefined ? null : (amount(`${path}.flat`, r.flat) ?? 0),
        perMinuteMicros: r.perMinute === undefined ? 0 : (amount(`${path}.perMinute`, r.perMinute) ?? 0),
        connectFeeMicros: r.connectFee === undefined ? 0 : (amount(`${path}.connectFee`, r.connectFee) ?? 0),
        firstIncrementSeconds: increments?.firstIncrementSeconds ?? 60,
        nextIncrementSeconds: increments?.nextIncrementSeconds ?? 60,
      };
      attempt(path, () => validateRate(rate));
      rates.push(rate);
    });
    duplicates(rates, (r) => r.prefix, `tariffs[${i}].rates`, 'prefix');
    return { name: tariff.name, rates };
  });
  duplicates(tariffs, (t) => t.name, 'tariffs', 'tariff');

  const organizations = (file.organizations ?? []).map((org, i) =>
    organizationPlan(org, `organizations[${i}]`),
  );
  duplicates(organizations, (o) => o.name, 'organizations', 'organization');

  function organizationPlan(org: ProvisionOrganization, path: string): OrganizationPlan {
    if (org.defaultCountry && !isCountryCode(org.defaultCountry)) {
      report(`${path}.defaultCountry`, `"${org.defaultCountry}" is not a country code`);
    }
    const country = org.defaultCountry ?? serverCountry;
    const timeIntervals = (org.timeIntervals ?? []).map((ti, j) => {
      const tiPath = `${path}.timeIntervals[${j}]`;
      if (ti.name.toLowerCase() === 'anytime') report(`${tiPath}.name`, '"Anytime" is built in; choose another name');
      if (!isTimeZone(ti.timezone)) report(`${tiPath}.timezone`, `"${ti.timezone}" is not an IANA time zone`);
      const clock = (p: string, text: string | undefined): number | undefined =>
        text === undefined ? undefined : attempt(p, () => parseClock(text));
      const interval: { name: string } & TimeInterval = {
        name: ti.name,
        timezone: ti.timezone,
        weekly: (ti.weekly ?? []).map((w, k) => ({
          days: w.days as Weekday[],
          fromMinute: clock(`${tiPath}.weekly[${k}].from`, w.from) ?? 0,
          toMinute: clock(`${tiPath}.weekly[${k}].to`, w.to) ?? 0,
        })),
        exceptions: (ti.exceptions ?? []).map((e, k) => {
          const closed = e.closed ?? (e.from === undefined && e.to === undefined);
          if (closed && (e.from !== undefined || e.to !== undefined)) {
            report(`${tiPath}.exceptions[${k}]`, 'a closed day has no from/to');
          }
          if (!closed && (e.from === undefined || e.to === undefined)) {
            report(`${tiPath}.exceptions[${k}]`, 'an open exception needs both from and to');
          }
          return closed
            ? { date: e.date, closed: true }
            : {
                date: e.date,
                closed: false,
                fromMinute: clock(`${tiPath}.exceptions[${k}].from`, e.from) ?? 0,
                toMinute: clock(`${tiPath}.exceptions[${k}].to`, e.to) ?? 0,
              };
        }),
      };
      if (isTimeZone(ti.timezone)) attempt(tiPath, () => validateTimeInterval(interval));
      return interval;
    });
    duplicates(timeIntervals, (t) => t.name, `${path}.timeIntervals`, 'time interval');
    const extensions = (org.extensions ?? []).map((ext, j) =>
      extensionPlan(ext, `${path}.extensions[${j}]`, country),
    );
    duplicates(extensions, (e) => e.number, `${path}.extensions`, 'extension number');
    if (org.maxExtensions != null && extensions.length > org.maxExtensions) {
      report(`${path}.extensions`, `the licence allows ${org.maxExtensions} extensions; the file has ${extensions.length}`);
    }
    return {
      name: org.name,
      tariff: org.tariff ?? null,
      trunk: org.trunk ?? null,
      defaultCountry: org.defaultCountry ?? null,
      maxExtensions: org.maxExtensions ?? null,
      maxConcurrentCalls: org.maxConcurrentCalls,
      dailySpendCapMicros: org.dailySpendCap == null ? org.dailySpendCap : spendCap(`${path}.dailySpendCap`, org.dailySpendCap),
      timeIntervals,
      extensions,
    };
  }

  function extensionPlan(
    ext: ProvisionExtension,
    path: string,
    country: string | null,
  ): ExtensionPlan {
    const type = ext.type ?? 'phone';
    let callnow: CallNowPlan | null = null;
    if (ext.callnow) {
      const c = ext.callnow;
      const language = c.language ?? 'en';
      if (language !== 'caller' && !(LANGUAGES as readonly string[]).includes(language)) {
        report(`${path}.callnow.language`, `"${language}" is not offered; choose one of ${LANGUAGES.join(', ')} or "caller"`);
      }
      const availability = c.availability === undefined || c.availability === 'Anytime' ? null : c.availability;
      const rules = (c.rules ?? []).map((r, k) => {
        if (r.number === undefined && r.name === undefined) {
          report(`${path}.callnow.rules[${k}]`, 'a rule needs a number pattern, a name pattern, or both');
        }
        if (r.number !== undefined && !/^\+?[0-9*?]+$/.test(r.number)) {
          report(`${path}.callnow.rules[${k}].number`, 'a number pattern has digits, an optional leading +, and * or ? wildcards');
        }
        return { numberPattern: r.number ?? null, namePattern: r.name ?? null, action: r.action };
      });
      callnow = {
        // CallNow IDs are case-insensitive in links, so they are kept in lower case.
        id: c.id?.toLowerCase() ?? null,
        enabled: c.enabled ?? true,
        confirm: c.confirm ?? true,
        showName: c.showName ?? false,
        askName: c.askName ?? true,
        captcha: c.captcha ?? true,
        language,
        message: c.message ?? '',
        availability,
        rejectWhileOnPhone: c.rejectWhileOnPhone ?? false,
        rules,
      };
    }
    let callback: CallbackPlan | null = null;
    if (ext.callback) {
      const cb = ext.callback;
      if (type !== 'callback') report(`${path}.callback`, 'callback settings need type: callback');
      const returnMode = cb.returnTo ?? 'authorized';
      const fixedNumber = cb.fixedNumber == null ? null : (number(`${path}.callback.fixedNumber`, cb.fixedNumber, country) ?? null);
      if (returnMode === 'fixed' && cb.fixedNumber == null) {
        report(`${path}.callback.fixedNumber`, 'returnTo: fixed needs a fixedNumber');
      }
      const authorizedCallerIds = (cb.authorizedCallerIds ?? []).map((a, k) => {
        const p = `${path}.callback.authorizedCallerIds[${k}]`;
        return {
          callerId: number(`${p}.callerId`, a.callerId, country) ?? a.callerId,
          description: a.description ?? '',
          password: a.password ?? null,
          credit: credit(`${p}.credit`, a.credit) ?? 'unlimited',
          active: a.active ?? true,
        };
      });
      duplicates(authorizedCallerIds, (a) => a.callerId, `${path}.callback.authorizedCallerIds`, 'CallerID');
      const maxAuthorizedCallerIds = cb.maxAuthorizedCallerIds ?? 10;
      const active = authorizedCallerIds.filter((a) => a.active).length;
      if (active > maxAuthorizedCallerIds) {
        report(
          `${path}.callback.authorizedCallerIds`,
          `${active} active CallerIDs, but the licence allows ${maxAuthorizedCallerIds}; deactivate some or raise maxAuthorizedCallerIds`,
        );
      }
      callback = {
        ringSeconds: cb.ringSeconds ?? 5,
        returnMode,
        fixedNumber,
        password: cb.password ?? null,
        perCallerIdPassword: cb.perCallerIdPassword ?? false,
        creditInquiry: cb.creditInquiry ?? false,
        dialTimeoutSeconds: cb.dialTimeoutSeconds ?? 15,
        creditExhaustedSound: cb.creditExhaustedSound ?? null,
        language: cb.language ?? 'en',
        maxAuthorizedCallerIds,
        authorizedCallerIds,
      };
    }
    if (type === 'callback' && callnow) report(`${path}.callnow`, 'a callback extension has no CallNow page');
    if (type === 'callback' && ext.callnowEnabled === true) report(`${path}.callnowEnabled`, 'a callback extension has no CallNow page');
    return {
      number: ext.number,
      name: ext.name,
      type,
      externalNumber:
        ext.externalNumber == null ? null : (number(`${path}.externalNumber`, ext.externalNumber, country) ?? null),
      sipPassword: ext.sipPassword,
      credit: credit(`${path}.credit`, ext.credit) ?? 'unlimited',
      callApi: ext.callApi,
      callnowEnabled: type === 'callback' ? false : ext.callnowEnabled,
      callnow,
      callback,
    };
  }

  const dids = (file.dids ?? []).map((d, i) => ({
    number: number(`dids[${i}].number`, d.number, serverCountry) ?? d.number,
    trunk: d.trunk,
    organization: d.organization ?? null,
    extension: d.extension ?? null,
  }));
  duplicates(dids, (d) => d.number, 'dids', 'DID');

  // CallNow ids are global: two extensions in the file may not claim the same one.
  const callnowIds = organizations.flatMap((o, i) =>
    o.extensions.flatMap((e, j) => (e.callnow?.id ? [{ id: e.callnow.id.toLowerCase(), path: `organizations[${i}].extensions[${j}].callnow.id` }] : [])),
  );
  const seenIds = new Set<string>();
  for (const { id, path } of callnowIds) {
    if (seenIds.has(id)) report(path, `CallNow ID "${id}" is used by another extension in this file`);
    seenIds.add(id);
  }

  let callnowLimits: Plan['callnowLimits'] = null;
  if (file.callnowLimits) {
    callnowLimits = {};
    for (const name of REQUEST_LIMIT_NAMES) {
      const given = file.callnowLimits[name];
      if (!given) continue;
      const path = `callnowLimits.${name}`;
      const windowMs = attempt(`${path}.window`, () => parseDuration(given.window));
      // The limiter's own check decides; each field alone, so each problem has its own path.
      const check = (field: 'max' | 'window', limit: WindowLimit): boolean => {
        try {
          validateRequestLimits({ ...DEFAULT_REQUEST_LIMITS, [name]: limit });
          return true;
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          report(
            `${path}.${field}`,
            field === 'max'
              ? `must be a whole number from 1 to ${MAX_LIMIT}, got ${given.max}`
              : `must be from ${formatDuration(MIN_WINDOW_MS)} to ${formatDuration(MAX_WINDOW_MS)}, got "${given.window}"`,
          );
          return false;
        }
      };
      const maxOk = check('max', { max: given.max, windowMs: DEFAULT_REQUEST_LIMITS[name].windowMs });
      const windowOk = windowMs !== undefined && check('window', { max: DEFAULT_REQUEST_LIMITS[name].max, windowMs });
      if (maxOk && windowOk) callnowLimits[name] = { max: given.max, windowMs };
    }
  }

  let destinationPolicy: Plan['destinationPolicy'] = null;
  if (file.destinationPolicy) {
    destinationPolicy = file.destinationPolicy.map((r, i) => {
      const rule: DestinationPolicyRow = {
        prefix: r.prefix.replace(/^\+/, ''),
        action: r.action,
        description: r.description ?? '',
      };
      attempt(`destinationPolicy[${i}].prefix`, () => validateDestinationRule(rule));
      return rule;
    });
    duplicates(destinationPolicy, (r) => r.prefix, 'destinationPolicy', 'prefix');
  }

  if (problems.length > 0) throw new ProvisionError(problems);
  return {
    settings,
    trunks,
    tariffs,
    organizations,
    dids,
    callnowLimits,
    destinationPolicy,
    useDefaultBlockedPrefixes: file.useDefaultBlockedPrefixes ?? null,
  };
}
