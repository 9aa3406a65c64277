/**
 * The console (console/, a React app built by `npm run build:console` into console/dist)
 * served by the API itself, same origin: `GET /` is its page and `GET /assets/*` its
 * hashed scripts and styles. The console routes by the URL's hash (`/#/org/…`), so the
 * server needs no fallback page, and every other path stays the API's: an unknown one is
 * still a problem+json 404. Registered only when `AppDeps.console` names the built folder
 * (`npm start` and `npm run api` do when it exists; tests that want it pass it).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyRequest } from 'fastify';
import type { ApiInstance } from './deps.js';

/** Where `npm run build:console` writes the console. */
export const CONSOLE_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'console', 'dist');

/** The built console's folder when it has been built, else undefined. */
export function builtConsole(dir = CONSOLE_DIST): string | undefined {
  return existsSync(path.join(dir, 'index.html')) ? dir : undefined;
}

const CONSOLE_ROUTES = new Set(['/', '/assets/*']);

/** The console's own files need no token: the page signs in through `/session`. */
export function isConsoleRoute(request: FastifyRequest): boolean {
  return CONSOLE_ROUTES.has(request.routeOptions.url ?? '');
}

export async function consoleRoutes(app: ApiInstance, dir: string): Promise<void> {
  await app.register(fastifyStatic, { root: dir, serve: false });
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html'));
  // Vite names assets by their content's hash: cached for a year, never stale.
  app.get('/assets/*', { schema: { hide: true } }, (request, reply) => {
    const file = (request.params as { '*': string })['*'];
    return reply.header('cache-control', 'public, max-age=31536000, immutable').sendFile(path.posix.join('assets', file));
  });
}
