import { hashPassword, passwordProblem } from '../auth/password.js';
import { UsageError, readSecret, readSecretFile } from './io.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A sign-in name as users are kept: trimmed, in lower case; refused when it is not an e-mail address. */
export function parseEmail(emailArg: string): string {
  const email = emailArg.trim().toLowerCase();
  if (!EMAIL.test(email) || email.length > 254) throw new UsageError(`"${emailArg}" is not an e-mail address`);
  return email;
}

/**
 * The password of a new user, hashed: read from --password-file (its first line), else from a
 * hidden prompt asked twice (a terminal) or the first line of standard input (pipes, scripts).
 * Refused when too weak (see passwordProblem) or the same as the e-mail address.
 */
export async function readNewPasswordHash(email: string, options: { passwordFile?: string }): Promise<string> {
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
  if (password.toLowerCase() === email) throw new UsageError('the password must not be the e-mail address; nothing was created');
  return hashPassword(password);
}
