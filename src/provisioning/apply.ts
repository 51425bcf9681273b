import type { Kysely, Transaction } from 'kysely';
import { formatDuration } from '../domain/duration.js';
import { toDecimalString } from '../domain/money.js';
import { DEFAULT_REQUEST_LIMITS, type WindowLimit } from '../domain/request-limits.js';
import type { Rate } from '../domain/rating.js';
import { nowIso, bool } from '../store/db.js';
import type { Database } from '../store/schema.js';
import { createCreditAccount } from '../store/credit-accounts.js';
import {
  REQUEST_LIMIT_NAMES,
  readProviderDestinationPolicy,
  readStoredRequestLimits,
  readUseDefaultBlockedPrefixes,
  replaceProviderDestinationPolicy,
  requestLimitKey,
  writeRequestLimit,
  writeUseDefaultBlockedPrefixes,
} from '../store/policies.js';
import { ensureProvider, readSettings, writeSetting } from '../store/settings.js';
import { ProvisionError, type Problem } from './parse.js';
import {
  randomCallNowId,
  type CallNowPlan,
  type CallbackPlan,
  type ExtensionPlan,
  type OrganizationPlan,
  type Plan,
} from './plan.js';

export interface ChangeReport {
  /** One line per object created or updated, e.g. "created extension Acme/001002". */
  changes: string[];
  /** Things worth knowing that are not changes (e.g. a live balance differs from the file). */
  notes: string[];
}

/** Loosely typed view for the generic create-or-update helper; callers pass typed values. */
type AnyDb = Kysely<Record<string, Record<string, unknown>>>;
type Row = Record<string, unknown>;

const ACTOR = 'provisioning';
const PER_EXTENSION_TABLES = new Set<keyof Database>(['callnowPreferences', 'callbackSettings']);

/**
 * Creates or updates everything in the plan by natural key, in one transaction:
 * either all of it lands or none of it. A second run of the same plan changes nothing.
 * Objects that carry money or history (extensions, CallerIDs, organizations) are never
 * deleted by leaving them out; lists that are pure configuration (rates, rules,
 * weekly slots, exceptions) are replaced to match the file.
 */
export async function applyPlan(
  db: Kysely<Database>,
  plan: Plan,
  options: { dryRun?: boolean; clock?: () => number } = {},
): Promise<ChangeReport> {
  try {
    return await db.transaction().execute(async (trx) => {
      const run = new ApplyRun(trx, options.clock ?? Date.now);
      await run.apply(plan);
      if (run.problems.length > 0) throw new ProvisionError(run.problems);
      const report = { changes: run.changes, notes: run.notes };
      // A dry run does all the work, then rolls it back by failing the transaction.
      if (options.dryRun) throw new RolledBack(report);
      return report;
    });
  } catch (error) {
    if (error instanceof RolledBack) return error.report;
    throw error;
  }
}

class RolledBack extends Error {
  constructor(readonly report: ChangeReport) {
    super('dry run');
  }
}

class ApplyRun {
  readonly changes: string[] = [];
  readonly notes: string[] = [];
  readonly problems: Problem[] = [];
  private readonly db: AnyDb;
  private readonly now: string;

  constructor(
    private readonly trx: Transaction<Database>,
    clock: () => number,
  ) {
    this.db = trx as unknown as AnyDb;
    this.now = nowIso(clock);
  }

  async apply(plan: Plan): Promise<void> {
    if (plan.settings) await this.applySettings(plan.settings);
    const provider = await ensureProvider(this.trx, this.now);
    if (provider.created) this.changes.push('created provider account');
    if (plan.callnowLimits) await this.applyCallnowLimits(plan.callnowLimits);
    if (plan.useDefaultBlockedPrefixes !== null) await this.applyUseDefaultBlockedPrefixes(plan.useDefaultBlockedPrefixes);
    if (plan.destinationPolicy) await this.applyDestinationPolicy(plan.destinationPolicy);
    for (const trunk of plan.trunks) {
      await this.upsert('trunks', `trunk ${trunk.name}`, { name: trunk.name }, {
        accountId: provider.id,
        host: trunk.host,
        port: trunk.port,
        transport: trunk.transport,
        username: trunk.username,
        password: trunk.password,
        register: bool(trunk.register),
        fromDomain: trunk.fromDomain,
        maxChannels: trunk.maxChannels,
      });
    }
    for (const tariff of plan.tariffs) {
      const { id, status } = await this.upsert('tariffs', `tariff ${tariff.name}`, { accountId: provider.id, name: tariff.name }, {});
      await this.replaceChildren(
        'rates',
        'tariffId',
        id,
        tariff.rates.map((r: Rate) => ({ ...r })),
        ['prefix', 'name', 'connectFeeMicros', 'perMinuteMicros', 'flatMicros', 'firstIncrementSeconds', 'nextIncrementSeconds'],
        status === 'created' ? null : `rates of tariff ${tariff.name}`,
      );
    }
    for (const [i, org] of plan.organizations.entries()) await this.applyOrganization(org, provider.id, `organizations[${i}]`);
    for (const [i, did] of plan.dids.entries()) {
      const path = `dids[${i}]`;
      const trunkId = await this.idOf('trunks', { name: did.trunk });
      if (trunkId === null) this.problem(`${path}.trunk`, `no trunk named "${did.trunk}"`);
      let extensionId: number | null = null;
      if (did.extension !== null) extensionId = await this.findExtension(did.extension, did.organization, path);
      if (trunkId === null || (did.extension !== null && extensionId === null)) continue;
      await this.upsert('dids', `DID ${did.number}`, { number: did.number }, { trunkId, extensionId });
    }
  }

  private async applySettings(settings: NonNullable<Plan['settings']>): Promise<void> {
    const current = await readSettings(this.trx);
    if (current.currency !== null && current.currency !== settings.currency) {
      const entries = await this.trx.selectFrom('ledgerEntries').select('id').where('amountMicros', '!=', 0).limit(1).execute();
      if (entries.length > 0) {
        this.problem(
          'settings.currency',
          `the server already holds credit in ${current.currency}; changing the currency would change what every balance means`,
        );
        return;
      }
    }
    for (const [key, value] of [
      ['currency', settings.currency],
      ['defaultCountry', settings.defaultCountry],
    ] as const) {
      if (current[key] !== value) {
        await writeSetting(this.trx, key, value);
        this.changes.push(`set ${key} to ${value}`);
      }
    }
  }

  /** Each limit the file gives is stored; one it leaves out goes back to the default. */
  private async applyCallnowLimits(limits: NonNullable<Plan['callnowLimits']>): Promise<void> {
    const current = await readStoredRequestLimits(this.trx);
    const show = (l: WindowLimit) => `${l.max} per ${formatDuration(l.windowMs)}`;
    for (const name of REQUEST_LIMIT_NAMES) {
      const wanted = limits[name] ?? null;
      const stored = current[name] ?? null;
      if (wanted?.max === stored?.max && wanted?.windowMs === stored?.windowMs) continue;
      await writeRequestLimit(this.trx, name, wanted);
      this.changes.push(
        wanted
          ? `set ${requestLimitKey(name)} to ${show(wanted)}`
          : `reset ${requestLimitKey(name)} to the default (${show(DEFAULT_REQUEST_LIMITS[name])})`,
      );
    }
  }

  private async applyUseDefaultBlockedPrefixes(use: boolean): Promise<void> {
    if ((await readUseDefaultBlockedPrefixes(this.trx)) === use) return;
    await writeUseDefaultBlockedPrefixes(this.trx, use);
    this.changes.push(`set useDefaultBlockedPrefixes to ${use}`);
  }

  /** The provider-wide destination rules are configuration: replaced to match the file. */
  private async applyDestinationPolicy(rules: NonNullable<Plan['destinationPolicy']>): Promise<void> {
    const current = await readProviderDestinationPolicy(this.trx);
    const fingerprint = (rs: typeof rules) => rs.map((r) => JSON.stringify([r.prefix, r.action, r.description])).sort().join('\n');
    if (fingerprint(current) === fingerprint(rules)) return;
    await replaceProviderDestinationPolicy(this.trx, rules);
    const rule = (r: (typeof rules)[number]) => `${r.action} ${r.prefix === '' ? '(every number)' : r.prefix}`;
    const before = new Map(current.map((r) => [rule(r), r.description]));
    const after = new Map(rules.map((r) => [rule(r), r.description]));
    const added = [...after.keys()].filter((k) => !before.has(k));
    const removed = [...before.keys()].filter((k) => !after.has(k));
    const described = [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k));
    const parts = [
      ...(added.length > 0 ? [`added ${added.join(', ')}`] : []),
      ...(removed.length > 0 ? [`removed ${removed.join(', ')}`] : []),
      ...(described.length > 0 ? [`new description for ${described.join(', ')}`] : []),
    ];
    this.changes.push(`updated destination policy${parts.length > 0 ? ` (${parts.join('; ')})` : ''}`);
  }

  private async applyOrganization(org: OrganizationPlan, providerId: number, path: string): Promise<void> {
    const tariffId = org.tariff === null ? null : await this.idOf('tariffs', { accountId: providerId, name: org.tariff });
    if (org.tariff !== null && tariffId === null) this.problem(`${path}.tariff`, `no tariff named "${org.tariff}"`);
    const trunkId = org.trunk === null ? null : await this.idOf('trunks', { name: org.trunk });
    if (org.trunk !== null && trunkId === null) this.problem(`${path}.trunk`, `no trunk named "${org.trunk}"`);

    const { id: accountId } = await this.upsert(
      'accounts',
      `organization ${org.name}`,
      { kind: 'organization', name: org.name },
      {
        parentId: providerId,
        tariffId,
        trunkId,
        defaultCountry: org.defaultCountry,
        maxExtensions: org.maxExtensions,
        ...(org.maxConcurrentCalls !== undefined ? { maxConcurrentCalls: org.maxConcurrentCalls } : {}),
        ...(org.dailySpendCapMicros !== undefined ? { dailySpendCapMicros: org.dailySpendCapMicros } : {}),
      },
    );

    for (const ti of org.timeIntervals) {
      const { id, status } = await this.upsert(
        'timeIntervals',
        `time interval ${org.name}/${ti.name}`,
        { accountId, name: ti.name },
        { timezone: ti.timezone },
      );
      const label = status === 'created' ? null : `hours of time interval ${org.name}/${ti.name}`;
      await this.replaceChildren(
        'timeIntervalSlots',
        'timeIntervalId',
        id,
        ti.weekly.map((w, position) => ({ position, days: w.days.join(','), fromMinute: w.fromMinute, toMinute: w.toMinute })),
        ['position', 'days', 'fromMinute', 'toMinute'],
        label,
      );
      await this.replaceChildren(
        'timeIntervalExceptions',
        'timeIntervalId',
        id,
        ti.exceptions.map((e) => ({
          date: e.date,
          closed: bool(e.closed),
          fromMinute: e.fromMinute ?? null,
          toMinute: e.toMinute ?? null,
        })),
        ['date', 'closed', 'fromMinute', 'toMinute'],
        label,
      );
    }

    for (const [j, ext] of org.extensions.entries()) {
      await this.applyExtension(ext, accountId, `${org.name}/${ext.number}`, `${path}.extensions[${j}]`);
    }

    if (org.maxExtensions !== null) {
      const row = await this.trx
        .selectFrom('extensions')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('accountId', '=', accountId)
        .executeTakeFirstOrThrow();
      if (Number(row.count) > org.maxExtensions) {
        this.problem(`${path}.maxExtensions`, `the organization has ${row.count} extensions, more than the licence's ${org.maxExtensions}`);
      }
    }
  }

  private async applyExtension(ext: ExtensionPlan, accountId: number, label: string, path: string): Promise<void> {
    const existing = await this.trx
      .selectFrom('extensions')
      .selectAll()
      .where('accountId', '=', accountId)
      .where('number', '=', ext.number)
      .executeTakeFirst();
    const creditAccountId = existing?.creditAccountId ?? (await createCreditAccount(this.trx, ext.credit, ACTOR, this.now));
    if (existing) await this.noteCredit(existing.creditAccountId, ext.credit, `extension ${label}`);
    const { id: extensionId } = await this.upsert(
      'extensions',
      `extension ${label}`,
      { accountId, number: ext.number },
      {
        name: ext.name,
        type: ext.type,
        externalNumber: ext.externalNumber,
        // What the file leaves out is not the file's to change: the portal may have set it.
        ...(ext.sipPassword !== undefined ? { sipPassword: ext.sipPassword } : existing ? {} : { sipPassword: null }),
        ...(ext.callApi !== undefined ? { callApiEnabled: bool(ext.callApi) } : existing ? {} : { callApiEnabled: 0 }),
        ...(ext.callnowEnabled !== undefined ? { callnowEnabled: bool(ext.callnowEnabled) } : existing ? {} : { callnowEnabled: 1 }),
        creditAccountId,
      },
    );
    if (existing && existing.type !== ext.type) {
      this.problem(`${path}.type`, `extension ${label} is a ${existing.type} extension; its type cannot change`);
    }
    if (ext.callnow) await this.applyCallNow(ext.callnow, extensionId, accountId, label, `${path}.callnow`);
    if (ext.callback) await this.applyCallback(ext.callback, extensionId, label, `${path}.callback`);
  }

  private async applyCallNow(c: CallNowPlan, extensionId: number, accountId: number, label: string, path: string): Promise<void> {
    const existing = await this.trx
      .selectFrom('callnowPreferences')
      .select(['callnowId'])
      .where('extensionId', '=', extensionId)
      .executeTakeFirst();
    const callnowId = c.id ?? existing?.callnowId ?? randomCallNowId();
    const taken = await this.trx
      .selectFrom('callnowPreferences')
      .select('extensionId')
      .where('callnowId', '=', callnowId)
      .where('extensionId', '!=', extensionId)
      .executeTakeFirst();
    const takenByTeam = await this.trx.selectFrom('callnowTeams').select('id').where('callnowId', '=', callnowId).executeTakeFirst();
    if (taken || takenByTeam) {
      this.problem(`${path}.id`, `CallNow ID "${callnowId}" belongs to another extension`);
      return;
    }
    let availabilityIntervalId: number | null = null;
    if (c.availability !== null) {
      availabilityIntervalId = await this.idOf('timeIntervals', { accountId, name: c.availability });
      if (availabilityIntervalId === null) {
        this.problem(`${path}.availability`, `no time interval named "${c.availability}" in this organization (or "Anytime")`);
        return;
      }
    }
    await this.upsert('callnowPreferences', `CallNow preferences of ${label}`, { extensionId }, {
      callnowId,
      enabled: bool(c.enabled),
      confirm: bool(c.confirm),
      showName: bool(c.showName),
      askName: bool(c.askName),
      captcha: bool(c.captcha),
      language: c.language,
      message: c.message,
      availabilityIntervalId,
      rejectWhileOnPhone: bool(c.rejectWhileOnPhone),
    });
    await this.replaceChildren(
      'callnowRules',
      'extensionId',
      extensionId,
      c.rules.map((r, position) => ({ position, ...r })),
      ['position', 'numberPattern', 'namePattern', 'action'],
      existing ? `CallNow rules of ${label}` : null,
    );
  }

  private async applyCallback(cb: CallbackPlan, extensionId: number, label: string, path: string): Promise<void> {
    await this.upsert('callbackSettings', `callback settings of ${label}`, { extensionId }, {
      ringSeconds: cb.ringSeconds,
      returnMode: cb.returnMode,
      fixedNumber: cb.fixedNumber,
      password: cb.password,
      perCalleridPassword: bool(cb.perCallerIdPassword),
      creditInquiry: bool(cb.creditInquiry),
      dialTimeoutSeconds: cb.dialTimeoutSeconds,
      creditExhaustedSound: cb.creditExhaustedSound,
      language: cb.language,
      maxAuthorizedCallerids: cb.maxAuthorizedCallerIds,
    });
    for (const a of cb.authorizedCallerIds) {
      const existing = await this.trx
        .selectFrom('authorizedCallerids')
        .select(['creditAccountId'])
        .where('extensionId', '=', extensionId)
        .where('callerId', '=', a.callerId)
        .executeTakeFirst();
      const creditAccountId = existing?.creditAccountId ?? (await createCreditAccount(this.trx, a.credit, ACTOR, this.now));
      if (existing) await this.noteCredit(existing.creditAccountId, a.credit, `CallerID ${a.callerId} of ${label}`);
      await this.upsert('authorizedCallerids', `authorized CallerID ${a.callerId} of ${label}`, { extensionId, callerId: a.callerId }, {
        description: a.description,
        password: a.password,
        active: bool(a.active),
        creditAccountId,
      });
    }
    const active = await this.trx
      .selectFrom('authorizedCallerids')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('extensionId', '=', extensionId)
      .where('active', '=', 1)
      .executeTakeFirstOrThrow();
    if (Number(active.count) > cb.maxAuthorizedCallerIds) {
      this.problem(
        `${path}.authorizedCallerIds`,
        `extension ${label} would have ${active.count} active CallerIDs; the licence allows ${cb.maxAuthorizedCallerIds}`,
      );
    }
  }

  /** Provisioning sets opening credit only; a live balance that differs is reported, never overwritten. */
  private async noteCredit(creditAccountId: number, wanted: number | 'unlimited', label: string): Promise<void> {
    const account = await this.trx
      .selectFrom('creditAccounts')
      .select(['unlimited', 'balanceMicros'])
      .where('id', '=', creditAccountId)
      .executeTakeFirstOrThrow();
    const current = account.unlimited ? 'unlimited' : account.balanceMicros;
    if (current !== wanted) {
      const show = (c: number | 'unlimited') => (c === 'unlimited' ? c : toDecimalString(c));
      this.notes.push(
        `${label} has credit ${show(current)}; the file says ${show(wanted)}. Provisioning only sets opening credit: recharge to change it.`,
      );
    }
  }

  private async findExtension(number: string, organization: string | null, path: string): Promise<number | null> {
    let query = this.trx
      .selectFrom('extensions')
      .innerJoin('accounts', 'accounts.id', 'extensions.accountId')
      .select(['extensions.id', 'accounts.name'])
      .where('extensions.number', '=', number);
    if (organization !== null) query = query.where('accounts.name', '=', organization);
    const rows = await query.execute();
    if (rows.length === 0) {
      this.problem(`${path}.extension`, `no extension ${number}${organization ? ` in organization ${organization}` : ''}`);
      return null;
    }
    if (rows.length > 1) {
      this.problem(`${path}.organization`, `extension ${number} exists in ${rows.map((r) => r.name).join(', ')}; name the organization`);
      return null;
    }
    return (rows[0] as { id: number }).id;
  }

  private async idOf(table: keyof Database, key: Row): Promise<number | null> {
    let query = this.db.selectFrom(table).select('id');
    for (const [column, value] of Object.entries(key)) query = query.where(column, '=', value);
    const row = await query.executeTakeFirst();
    return row ? Number(row.id) : null;
  }

  /** Finds a row by its natural key; inserts it, updates the fields that differ, or leaves it. */
  private async upsert(
    table: keyof Database,
    label: string,
    key: Row,
    values: Row,
  ): Promise<{ id: number; status: 'created' | 'updated' | 'unchanged' }> {
    // Per-extension settings rows are keyed by the extension and keep only updatedAt.
    const perExtension = PER_EXTENSION_TABLES.has(table);
    const idOf = (row: Row): number => Number(perExtension ? row.extensionId : row.id);
    let query = this.db.selectFrom(table).selectAll();
    for (const [column, value] of Object.entries(key)) query = query.where(column, '=', value);
    const existing = await query.executeTakeFirst();
    if (!existing) {
      const row: Row = { ...key, ...values, updatedAt: this.now, ...(perExtension ? {} : { createdAt: this.now }) };
      const inserted = await this.db
        .insertInto(table)
        .values(row)
        .returning(perExtension ? 'extensionId' : 'id')
        .executeTakeFirstOrThrow();
      this.changes.push(`created ${label}`);
      return { id: idOf(inserted), status: 'created' };
    }
    const changed = Object.keys(values).filter((column) => !sameValue(existing[column], values[column]));
    if (changed.length === 0) return { id: idOf(existing), status: 'unchanged' };
    let update = this.db.updateTable(table).set({ ...values, updatedAt: this.now });
    for (const [column, value] of Object.entries(key)) update = update.where(column, '=', value);
    await update.execute();
    this.changes.push(`updated ${label} (${changed.join(', ')})`);
    return { id: idOf(existing), status: 'updated' };
  }

  /** Replaces a list of child rows when it differs from `wanted` in the compared columns. */
  private async replaceChildren(
    table: keyof Database,
    parentColumn: string,
    parentId: number,
    wanted: Row[],
    columns: string[],
    label: string | null,
  ): Promise<void> {
    const current = await this.db.selectFrom(table).selectAll().where(parentColumn, '=', parentId).execute();
    const fingerprint = (rows: Row[]) =>
      rows
        .map((r) => JSON.stringify(columns.map((c) => r[c] ?? null)))
        .sort()
        .join('\n');
    if (fingerprint(current) === fingerprint(wanted)) return;
    await this.db.deleteFrom(table).where(parentColumn, '=', parentId).execute();
    if (wanted.length > 0) {
      const rows = wanted.map((r) => ({ ...Object.fromEntries(columns.map((c) => [c, r[c] ?? null])), [parentColumn]: parentId }));
      // Chunks keep each statement under SQLite's bound-parameter limit for large tariffs.
      for (let i = 0; i < rows.length; i += 500) await this.db.insertInto(table).values(rows.slice(i, i + 500)).execute();
    }
    if (label) this.changes.push(`updated ${label}`);
  }

  private problem(path: string, message: string): void {
    this.problems.push({ path, message });
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return (a ?? null) === (b ?? null);
}
