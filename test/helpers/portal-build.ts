// Vitest globalSetup: the server serves the portal from dist/web (src/http/portal.ts). A
// checkout that was never built, or whose web/ changed since, gets it built once here,
// before any test file starts, so tests never run against a missing or stale portal.
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const WEB_SOURCE = join(ROOT, 'web');
export const WEB_BUILD = join(ROOT, 'dist', 'web');

function newestChange(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

function builtAt(): number | null {
  try {
    return statSync(join(WEB_BUILD, 'index.html')).mtimeMs;
  } catch {
    return null;
  }
}

export async function setup(): Promise<void> {
  const built = builtAt();
  if (built !== null && built >= newestChange(WEB_SOURCE)) return;
  const { build } = await import('vite');
  await build({ root: WEB_SOURCE, configFile: join(WEB_SOURCE, 'vite.config.ts'), logLevel: 'warn' });
}
