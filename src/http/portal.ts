import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The web portal (web/, built by Vite into dist/web) served at /portal/: its files as they
 * are, and index.html for every other path below it, so the app's own routes survive a
 * reload. Hashed assets (assets/*) are cached for a year; everything else is revalidated.
 */

export interface PortalOptions {
  /** The built portal; default dist/web of this checkout. */
  root?: string;
}

export const PORTAL_PATH = '/portal/';

const here = fileURLToPath(import.meta.url);
/** Built, this file is dist/src/http/portal.js (portal in dist/web); from source, src/http/portal.ts (the same dist/web). */
export const DEFAULT_PORTAL_ROOT = here.endsWith('.js') ? resolve(dirname(here), '../../web') : resolve(dirname(here), '../../dist/web');

// No inline script or style and nothing from elsewhere; the app only talks to this server.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

interface PortalFile {
  body: Buffer;
  contentType: string;
  etag: string;
  cacheControl: string;
}

async function listFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Every file of the built portal, keyed by its path below /portal/ ("index.html", "assets/index-3f9a.js"). */
export async function loadPortalFiles(root: string): Promise<Map<string, PortalFile>> {
  const files = new Map<string, PortalFile>();
  if (!existsSync(join(root, 'index.html'))) return files;
  for (const path of await listFiles(root)) {
    const key = relative(root, path).split(sep).join('/');
    const body = await readFile(path);
    files.set(key, {
      body,
      contentType: CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      // Vite names everything under assets/ by its content's hash.
      cacheControl: key.startsWith('assets/') ? IMMUTABLE : REVALIDATE,
    });
  }
  return files;
}

export async function portalRoutes(app: FastifyInstance, options: PortalOptions): Promise<void> {
  const root = options.root ?? DEFAULT_PORTAL_ROOT;
  const files = await loadPortalFiles(root);
  const index = files.get('index.html');
  if (!index) app.log.warn({ root }, 'the web portal is not built (npm run build:web); /portal/ answers 503');

  const send = (request: FastifyRequest, reply: FastifyReply, file: PortalFile) => {
    reply.headers(SECURITY_HEADERS).header('cache-control', file.cacheControl).header('etag', file.etag).type(file.contentType);
    const match = request.headers['if-none-match'];
    if (match !== undefined && match.split(',').some((tag) => tag.trim() === file.etag || tag.trim() === '*')) return reply.code(304).send();
    return reply.send(file.body);
  };

  const notHere = (reply: FastifyReply, status: 404 | 503, text: string) =>
    reply.code(status).headers(SECURITY_HEADERS).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send(text);

  const hidden = { schema: { hide: true } };
  app.get('/', hidden, (_request, reply) => reply.redirect(PORTAL_PATH, 302));
  app.get('/portal', hidden, (_request, reply) => reply.redirect(PORTAL_PATH, 302));
  app.get<{ Params: { '*': string } }>('/portal/*', hidden, (request, reply) => {
    if (!index) return notHere(reply, 503, 'The web portal is not built: run `npm run build:web` (or `npm run build`), then restart the server.\n');
    const path = request.params['*'];
    const file = files.get(path);
    if (file) return send(request, reply, file);
    // A missing file (a name with an extension) is a 404; any other path is one of the app's routes.
    const last = path.split('/').pop() ?? '';
    if (last.includes('.')) return notHere(reply, 404, 'Not found\n');
    return send(request, reply, index);
  });
}
