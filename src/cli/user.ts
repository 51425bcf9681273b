import type { Kysely } from 'kysely';
import { isLock } from '../domain/sign-in-limits.js';
import { nowIso, type Store } from '../store/db.js';
import type { Database, UserRole } from '../store/schema.js';
import { endUserSessions } from '../store/sessions.js';
import { UsageError, openMigratedStore } from './io.js';
import { parseEmail, readNewPasswordHash } from './new-user.js';

/** Changes made from the command line are recorded as done by "cli" (no one is signed in). */
const ACTOR = 'cli';

/** The roles `user create` makes, as written on the command line; administrators come from `admin create`. */
const ROLES = { reseller: 'reseller', 'org-manager': 'org_manager', 'extension-owner': 'extension_owner' } as const;
type RoleArg = keyof typeof ROLES;
const ROLE_NAMES = Object.keys(ROLES).join(', ');

export interface UserCreateOptions {
  role?: string;
  organization?: string;
  reseller?: string;
  extension?: string;
  passwordFile?: string;
}

async function withStore<T>(work: (store: Store) => Promise<T>): Promise<T> {
  const { store } = await openMigratedStore();
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

async function accountNamed(db: Kysely<Database>, kind: 'reseller' | 'organization', name: string): Promise<number> {
  const rows = await db.selectFrom('accounts').select('id').where('kind', '=', kind).where('name', '=', name).execute();
  if (rows.length === 0) throw new UsageError(`no ${kind} named "${name}"; nothing was created`);
  if (rows.length > 1) throw new UsageError(`more than one ${kind} is named "${name}"; nothing was created`);
  return rows[0]!.id;
}

/** Which options a role needs and which it cannot take: the first problem, or null. */
function optionProblem(role: RoleArg, options: UserCreateOptions): string | null {
  const given = (flag: string, value: string | undefined) => (value !== undefined ? [flag] : []);
  const needs: Record<RoleArg, string[]> = {
    reseller: ['--reseller'],
    'org-manager': ['--organization'],
    'extension-owner': ['--organization', '--extension'],
  };
  const present = [
    ...given('--reseller', options.reseller),
    ...given('--organization', options.organization),
    ...given('--extension', options.extension),
  ];
  const missing = needs[role].filter((flag) => !present.includes(flag));
  if (missing.length > 0) return `the role ${role} needs ${missing.join(' and ')}; nothing was created`;
  const extra = present.filter((flag) => !needs[role].includes(flag));
  if (extra.length > 0) return `${extra.join(' and ')} does not fit the role ${role}; nothing was created`;
  for (const [flag, value] of [['--reseller', options.reseller], ['--organization', options.organization], ['--extension', options.extension]] as const) {
    if (value !== undefined && value.trim() === '') return `${flag} must not be empty; nothing was created`;
  }
  return null;
}

/**
 * `dialback user create EMAIL --role ROLE [--organization NAME | --reseller NAME] [--extension NUMBER]
 * [--password-file F]`: a portal user below the provider; the password is read as `admin create` reads it.
 */
export async function userCreate(emailArg: string, options: UserCreateOptions): Promise<void> {
  const email = parseEmail(emailArg);
  const roleArg = (options.role ?? '').trim().toLowerCase().replace(/_/g, '-');
  if (roleArg === 'admin') throw new UsageError('administrators are made with dialback admin create EMAIL; nothing was created');
  if (!(roleArg in ROLES)) throw new UsageError(`--role must be one of ${ROLE_NAMES}, not "${options.role ?? ''}"; nothing was created`);
  const role = roleArg as RoleArg;
  const problem = optionProblem(role, options);
  if (problem) throw new UsageError(problem);

  const passwordHash = await readNewPasswordHash(email, options);
  const created = await withStore((store) =>
    store.db.transaction().execute(async (trx) => {
      const taken = await trx.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
      if (taken) throw new UsageError(`the e-mail ${email} is already used by another user; nothing was created`);
      let accountId: number;
      let accountName: string;
      let extensionId: number | null = null;
      if (role === 'reseller') {
        accountName = options.reseller!.trim();
        accountId = await accountNamed(trx, 'reseller', accountName);
      } else {
        accountName = options.organization!.trim();
        accountId = await accountNamed(trx, 'organization', accountName);
      }
      if (role === 'extension-owner') {
        const number = options.extension!.trim();
        const extension = await trx
          .selectFrom('extensions')
          .select('id')
          .where('accountId', '=', accountId)
          .where('number', '=', number)
          .executeTakeFirst();
        if (!extension) throw new UsageError(`the organization "${accountName}" has no extension ${number}; nothing was created`);
        extensionId = extension.id;
      }
      const now = nowIso();
      const user = await trx
        .insertInto('users')
        .values({ accountId, email, passwordHash, role: ROLES[role], extensionId, lockedUntil: null, createdAt: now, updatedAt: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('auditLog')
        .values({
          at: now,
          actor: ACTOR,
          action: 'create',
          entity: 'user',
          entityId: email,
          details: JSON.stringify({ role: ROLES[role], accountId, extensionId }),
        })
        .execute();
      return { id: user.id, accountName };
    }),
  );
  const extension = role === 'extension-owner' ? ` extension ${options.extension!.trim()}` : '';
  process.stdout.write(`created ${role} ${email} (user ${created.id}) for ${created.accountName}${extension}\n`);
}

const ROLE_LABELS: Record<UserRole, string> = {
  admin: 'admin',
  reseller: 'reseller',
  org_manager: 'org-manager',
  extension_owner: 'extension-owner',
};

/** `dialback user list [--organization NAME]`: users with their account, extension and state. */
export async function userList(options: { organization?: string }): Promise<void> {
  const users = await withStore(async (store) => {
    let query = store.db
      .selectFrom('users as u')
      .innerJoin('accounts as a', 'a.id', 'u.accountId')
      .leftJoin('extensions as e', 'e.id', 'u.extensionId')
      .select(['u.email', 'u.role', 'a.name as accountName', 'a.kind as accountKind', 'e.number as extension', 'u.disabled', 'u.failedSignIns', 'u.lockedUntil'])
      .orderBy('u.email');
    if (options.organization !== undefined) {
      const name = options.organization.trim();
      const rows = await store.db.selectFrom('accounts').select('id').where('kind', '=', 'organization').where('name', '=', name).execute();
      if (rows.length === 0) throw new UsageError(`no organization named "${name}"`);
      query = query.where(
        'u.accountId',
        'in',
        rows.map((r) => r.id),
      );
    }
    return query.execute();
  });
  if (users.length === 0) {
    process.stdout.write(options.organization === undefined ? 'no users\n' : `no users in ${options.organization.trim()}\n`);
    return;
  }
  const now = Date.now();
  const rows = [
    ['email', 'role', 'account', 'extension', 'state'],
    ...users.map((u) => {
      const states: string[] = [];
      if (u.disabled === 1) states.push('disabled');
      if (u.lockedUntil !== null && Date.parse(u.lockedUntil) > now) {
        states.push(`${isLock(u.failedSignIns) ? 'locked' : 'paused'} until ${u.lockedUntil}`);
      }
      return [u.email, ROLE_LABELS[u.role], `${u.accountName} (${u.accountKind})`, u.extension ?? '-', states.length > 0 ? states.join(', ') : 'active'];
    }),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
  process.stdout.write(lines.join('\n') + '\n');
}

type UserChange = 'unlock' | 'disable' | 'enable';

/** Applies one change to the user EMAIL in a transaction with its audit entry; false when there was nothing to change. */
async function changeUser(emailArg: string, action: UserChange): Promise<{ email: string; changed: boolean }> {
  const email = emailArg.trim().toLowerCase();
  return withStore((store) =>
    store.db.transaction().execute(async (trx) => {
      const user = await trx
        .selectFrom('users')
        .select(['id', 'email', 'disabled', 'failedSignIns', 'lockedUntil'])
        .where('email', '=', email)
        .executeTakeFirst();
      if (!user) throw new UsageError(`no user with e-mail ${email}`);
      const now = nowIso();
      let details: Record<string, unknown> = {};
      if (action === 'unlock') {
        if (user.failedSignIns === 0 && user.lockedUntil === null) return { email, changed: false };
        await trx.updateTable('users').set({ failedSignIns: 0, lockedUntil: null, updatedAt: now }).where('id', '=', user.id).execute();
        details = { failedSignIns: user.failedSignIns, lockedUntil: user.lockedUntil };
      } else {
        const disabled = action === 'disable' ? 1 : 0;
        if (user.disabled === disabled) return { email, changed: false };
        await trx.updateTable('users').set({ disabled, updatedAt: now }).where('id', '=', user.id).execute();
        // A disabled user's sessions stop working anyway; ending them signs the user out for good.
        if (action === 'disable') details = { endedSessions: await endUserSessions(trx, user.id) };
      }
      await trx
        .insertInto('auditLog')
        .values({ at: now, actor: ACTOR, action, entity: 'user', entityId: email, details: JSON.stringify(details) })
        .execute();
      return { email, changed: true };
    }),
  );
}

/** `dialback user unlock EMAIL`: ends the sign-in lock (and the slow-down) after failed sign-ins. */
export async function userUnlock(emailArg: string): Promise<void> {
  const { email, changed } = await changeUser(emailArg, 'unlock');
  process.stdout.write(changed ? `unlocked ${email}\n` : `${email} was not locked\n`);
}

/** `dialback user disable EMAIL`: the user can no longer sign in or use API tokens; sessions end. */
export async function userDisable(emailArg: string): Promise<void> {
  const { email, changed } = await changeUser(emailArg, 'disable');
  process.stdout.write(changed ? `disabled ${email}\n` : `${email} was already disabled\n`);
}

/** `dialback user enable EMAIL`: undoes disable. */
export async function userEnable(emailArg: string): Promise<void> {
  const { email, changed } = await changeUser(emailArg, 'enable');
  process.stdout.write(changed ? `enabled ${email}\n` : `${email} was not disabled\n`);
}
