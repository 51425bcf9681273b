import { hashPassword, passwordProblem } from '../auth/password.js';
import { nowIso } from '../store/db.js';
import { ensureProvider } from '../store/settings.js';
import { UsageError, openMigratedStore, readSecret, readSecretFile } from './io.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export async function adminCreate(emailArg: string, options: { passwordFile?: string }): Promise<void> {
  const email = emailArg.trim().toLowerCase();
  if (!EMAIL.test(email) || email.length > 254) throw new UsageError(`"${emailArg}" is not an e-mail address`);

  let password: string;
  if (options.passwordFile) {
    password = await readSecretFile(options.passwordFile);
  } else {
    password = await readSecret(`Password for ${email}: `);
    if (process.stdin.isTTY && password !== (await readSecret('Repeat the password: '))) {
      throw new UsageError('the two passwords differ; nothing was created');
    }
  }
  const problem = passwordProblem(password);
  if (problem) throw new UsageError(`${problem}; nothing was created`);
  const passwordHash = await hashPassword(password);

  const { store } = await openMigratedStore();
  try {
    await store.db.transaction().execute(async (trx) => {
      const taken = await trx.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
      if (taken) throw new UsageError(`a user ${email} exists already; nothing was created`);
      const now = nowIso();
      const provider = await ensureProvider(trx, now);
      await trx
        .insertInto('users')
        .values({ accountId: provider.id, email, passwordHash, role: 'admin', extensionId: null, lockedUntil: null, createdAt: now, updatedAt: now })
        .execute();
      await trx
        .insertInto('auditLog')
        .values({ at: now, actor: 'cli', action: 'create', entity: 'user', entityId: email, details: JSON.stringify({ role: 'admin' }) })
        .execute();
    });
  } finally {
    await store.close();
  }
  process.stdout.write(`created administrator ${email}\n`);
}
