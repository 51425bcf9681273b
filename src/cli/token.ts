import { createApiToken, listApiTokens, revokeApiToken } from '../store/api-tokens.js';
import type { Store } from '../store/db.js';
import { UsageError, openMigratedStore } from './io.js';

/** Changes made from the command line are recorded as done by "cli" (no one is signed in). */
const ACTOR = 'cli';
const DEFAULT_NAME = 'api token';
const MAX_NAME_LENGTH = 100;

async function withStore<T>(work: (store: Store) => Promise<T>): Promise<T> {
  const { store } = await openMigratedStore();
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

async function userByEmail(store: Store, emailArg: string): Promise<{ id: number; email: string }> {
  // Sign-in names are kept in lower case (admin create), so look them up the same way.
  const email = emailArg.trim().toLowerCase();
  const user = await store.db.selectFrom('users').select(['id', 'email']).where('email', '=', email).executeTakeFirst();
  if (!user) throw new UsageError(`no user with e-mail ${email}`);
  return user;
}

/**
 * `dialback token create EMAIL [--name NAME]`: the token goes to standard output alone
 * (so scripts can capture it) and is never shown again; the explanation goes to stderr.
 */
export async function tokenCreate(emailArg: string, options: { name?: string }): Promise<void> {
  const name = (options.name ?? DEFAULT_NAME).trim();
  if (name === '' || name.length > MAX_NAME_LENGTH) {
    throw new UsageError(`a token name has 1 to ${MAX_NAME_LENGTH} characters; nothing was created`);
  }
  const { id, token, email } = await withStore(async (store) => {
    const user = await userByEmail(store, emailArg);
    return { ...(await createApiToken(store.db, { userId: user.id, name, actor: ACTOR })), email: user.email };
  });
  process.stdout.write(`${token}\n`);
  process.stderr.write(`created API token ${id} "${name}" for ${email}; it is shown only this once, so keep it now\n`);
}

/** `dialback token list EMAIL`: a user's tokens, never the tokens themselves. */
export async function tokenList(emailArg: string): Promise<void> {
  const { email, tokens } = await withStore(async (store) => {
    const user = await userByEmail(store, emailArg);
    return { email: user.email, tokens: await listApiTokens(store.db, user.id) };
  });
  if (tokens.length === 0) {
    process.stdout.write(`${email} has no API tokens\n`);
    return;
  }
  const rows = [
    ['id', 'name', 'created', 'last used', 'state'],
    ...tokens.map((t) => [
      String(t.id),
      t.name,
      t.createdAt,
      t.lastUsedAt ?? 'never',
      t.revokedAt === null ? 'active' : `revoked ${t.revokedAt}`,
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
  process.stdout.write(lines.join('\n') + '\n');
}

/** `dialback token revoke ID`: the token stops working at once. */
export async function tokenRevoke(idArg: string): Promise<void> {
  if (!/^[1-9][0-9]{0,15}$/.test(idArg.trim())) throw new UsageError(`"${idArg}" is not a token id (see dialback token list EMAIL)`);
  const id = Number(idArg.trim());
  const result = await withStore((store) => revokeApiToken(store.db, id, { actor: ACTOR }));
  if (result.status === 'not found') throw new UsageError(`no API token with id ${id}`);
  if (result.status === 'already revoked') {
    process.stdout.write(`API token ${id} "${result.token.name}" was already revoked at ${result.token.revokedAt ?? ''}\n`);
    return;
  }
  process.stdout.write(`revoked API token ${id} "${result.token.name}"\n`);
}
