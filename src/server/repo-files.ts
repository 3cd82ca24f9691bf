/**
 * Serving files of a repository directory over HTTP: a path from the URL made of plain segments
 * only (no `..`, no hidden files, no backslashes or NULs), a regular file, its content type by
 * extension, streamed with its length. Build repositories and platform repositories share it.
 */
import { createReadStream, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyReply } from 'fastify';
import { NotFoundError } from '../errors.ts';

const CONTENT_TYPES: Record<string, string> = { xml: 'application/xml', gz: 'application/gzip', zst: 'application/zstd', rpm: 'application/x-rpm', asc: 'text/plain' };

/** A repository file path from the URL: plain segments only. @throws NotFoundError naming `what` */
export function repoFilePath(rest: string, what: string): string[] {
  const parts = rest.split('/').filter((s) => s !== '');
  if (parts.length === 0 || parts.some((s) => s.startsWith('.') || s.includes('\\') || s.includes('\0'))) {
    throw new NotFoundError(`no such file in ${what}: ${rest}`);
  }
  return parts;
}

/** Sends the regular file `parts` under `dir`. @throws NotFoundError naming `what` */
export function sendRepoFile(reply: FastifyReply, dir: string, parts: readonly string[], what: string): FastifyReply {
  const file = join(dir, ...parts);
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new Error('not a file');
    size = st.size;
  } catch {
    throw new NotFoundError(`no such file in ${what}: ${parts.join('/')}`);
  }
  const ext = /\.([a-z0-9]+)$/.exec(file)?.[1] ?? '';
  return reply.type(CONTENT_TYPES[ext] ?? 'application/octet-stream').header('content-length', size).send(createReadStream(file));
}
