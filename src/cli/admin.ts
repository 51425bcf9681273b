import { nowIso } from '../store/db.js';
import { ensureProvider } from '../store/settings.js';
import { UsageError, openMigratedStore } from './io.js';
import { parseEmail, readNewPasswordHash } from './new-user.js';

export async function adminCreate(emailArg: string, options: { passwordFile?: string }): Promise<void> {
  const email = parseEmail(emailArg);
  const passwordHash = await readNewPasswordHash(email, options);

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
