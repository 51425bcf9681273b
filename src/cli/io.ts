import { readFile } from 'node:fs/promises';
import { loadConfig, type Config } from '../config.js';
import { openStore, type Store } from '../store/db.js';
import { migrateToLatest } from '../store/migrations/index.js';

/** A command used wrongly or given bad input: the message is shown as is, exit 1. */
export class UsageError extends Error {}

/** Config plus an open, migrated store; the caller closes it. */
export async function openMigratedStore(): Promise<{ config: Config; store: Store; applied: string[] }> {
  const config = loadConfig();
  const store = openStore(config.databaseUrl);
  try {
    const applied = await migrateToLatest(store);
    return { config, store, applied };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** Reads a secret without echoing it (TTY), or the first line of standard input (pipes, scripts). */
export async function readSecret(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(chunk as Buffer);
    return firstLine(Buffer.concat(chunks).toString('utf8'));
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let secret = '';
    const done = (error?: Error): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(secret);
    };
    const onData = (text: string): void => {
      for (const ch of text) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new UsageError('cancelled'));
        if (ch === '\u007f' || ch === '\b') secret = secret.slice(0, -1);
        else secret += ch;
      }
    };
    stdin.on('data', onData);
  });
}

export async function readSecretFile(path: string): Promise<string> {
  try {
    return firstLine(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read the password file ${path}: ${(error as Error).message}`);
  }
}

function firstLine(text: string): string {
  return (text.split(/\r?\n/)[0] ?? '');
}
