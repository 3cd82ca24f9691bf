/**
 * The web UI at the root of the master: `/` and every page path of the single-page app
 * (/builds/123, /releases …) answer index.html, whose hashed assets are served from /assets/.
 * Page paths are answered by the not-found handler, so every route (the API under /api/, the
 * release repositories under /repos/, the git mirrors under /git/) takes precedence, and a path
 * under those three that no route serves is the API's JSON 404, never the UI's page.
 *
 * Caching: index.html is revalidated on every load (`no-cache` with an ETag), so a new master's
 * UI is picked up at once; an asset never changes under its hashed name, so it is cached for a
 * year as immutable. Everything is served from memory (ui-bundle.ts): no path from the URL ever
 * reaches the file system, so there is nothing to traverse.
 */
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { UiBundle, UiFile } from '../ui-bundle.ts';

/**
 * Paths that belong to the API and the file trees beside it, never to the UI; `/health` too, so
 * that a probe expecting a health check there never mistakes the UI's page for one.
 */
const RESERVED = /^\/(api|repos|git|health)(\/|$)/;

/**
 * The browser may run only the UI's own script and style sheet and talk only to this master; no
 * page may frame it.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function send(req: FastifyRequest, reply: FastifyReply, file: UiFile, cacheControl: string): FastifyReply {
  void reply
    .header('content-type', file.contentType)
    .header('cache-control', cacheControl)
    .header('etag', file.etag)
    .header('x-content-type-options', 'nosniff')
    .header('vary', 'accept-encoding');
  const match = req.headers['if-none-match'];
  if (match !== undefined && match.split(',').some((m) => m.trim() === file.etag)) return reply.code(304).send();
  const gzip = file.gzip !== null && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  if (gzip && file.gzip) return reply.header('content-encoding', 'gzip').send(file.gzip);
  return reply.send(file.body);
}

function sendPage(bundle: UiBundle, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (!bundle.ok) {
    return reply.code(503).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send(`${bundle.reason}\nThe API at /api/v1 works; see the master's log.\n`);
  }
  void reply.header('content-security-policy', CONTENT_SECURITY_POLICY).header('referrer-policy', 'same-origin').header('x-frame-options', 'DENY');
  return send(req, reply, bundle.index, 'no-cache');
}

function notFound(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(404).header('cache-control', 'no-store').send({ code: 'not_found', message });
}

/** A path of the app (a page), as opposed to a file: plain segments, the last without a dot. */
function isPagePath(path: string): boolean {
  let segments: string[];
  try {
    segments = path.split('/').slice(1).map((s) => decodeURIComponent(s));
  } catch {
    return false;
  }
  if (segments.some((s) => s === '..' || s === '.' || /[\\/\0]/.test(s))) return false;
  return !(segments.at(-1) ?? '').includes('.');
}

/** The UI's own routes at the root: `/` and its assets. */
export function uiRoutes(bundle: UiBundle): FastifyPluginAsync {
  return async (app) => {
    app.get('/', { schema: { hide: true } }, (req, reply) => sendPage(bundle, req, reply));

    app.get<{ Params: { file: string } }>('/assets/:file', { schema: { hide: true } }, (req, reply) => {
      const file = bundle.ok ? bundle.assets.get(req.params.file) : undefined;
      if (!file) return notFound(reply, `no such UI asset: ${req.params.file.slice(0, 100)}`);
      return send(req, reply, file, 'public, max-age=31536000, immutable');
    });
  };
}

/**
 * The not-found handler with the app's pages: a GET of a page path no route serves answers
 * index.html; anything else (other methods, the API's paths, files) is `otherwise`, the API's
 * JSON 404. Being the not-found handler, the UI never shadows a route, nor changes how the router
 * refuses a path (an over-long segment stays a 414).
 */
export function uiPagesOrNotFound(bundle: UiBundle, otherwise: (req: FastifyRequest, reply: FastifyReply) => void) {
  return (req: FastifyRequest, reply: FastifyReply): void => {
    const path = req.url.split('?')[0] ?? '/';
    if ((req.method === 'GET' || req.method === 'HEAD') && !RESERVED.test(path) && !path.startsWith('/assets/') && isPagePath(path)) {
      void sendPage(bundle, req, reply);
      return;
    }
    otherwise(req, reply);
  };
}
