/**
 * Where a repository's files come from: a local directory or an HTTP(S) server. A transport turns a
 * location href from repomd.xml into a readable stream of bytes, with failures as RepoReadError
 * naming the file.
 *
 * Terminology:
 * - location: what the user gave: a directory path, a file:// URL or an http(s):// URL of the
 *   repository root (the directory that holds `repodata/`).
 * - href: a path relative to the root, as repomd.xml and primary.xml write it.
 */
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RepoReadError } from '../errors.ts';
import { fileTransport } from './file-transport.ts';
import { httpTransport } from './http-transport.ts';

export interface Transport {
  /** The repository root: an absolute path, or a URL ending in "/". */
  readonly location: string;
  /** The path or URL of `href`, as named in messages. */
  resolve(href: string): string;
  /**
   * The bytes of the file at `href`. Nothing is opened until the first chunk is asked for;
   * failures (missing file, HTTP status, refused connection, timeout) are RepoReadError naming it.
   */
  stream(href: string): AsyncGenerator<Buffer, void, undefined>;
  /** Checks that the repository root exists, so that a missing root is reported as such. */
  checkRoot(): Promise<void>;
}

export interface TransportOptions {
  /** HTTP: how long to wait for a response, and then for each part of the body. Default 30 s. */
  timeoutMs?: number;
}

/** The transport for a location: a path, a file:// URL or an http(s):// URL. */
export function openTransport(location: string, options: TransportOptions = {}): Transport {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(location)?.[1]?.toLowerCase();
  if (scheme === undefined || /^[a-zA-Z]:[\\/]/.test(location)) return fileTransport(location);
  if (scheme === 'file') {
    let path: string;
    try {
      path = fileURLToPath(location);
    } catch (err) {
      throw new RepoReadError(location, `not a usable file URL: ${(err as Error).message}`, { cause: err });
    }
    return fileTransport(path);
  }
  if (scheme === 'http' || scheme === 'https') {
    let url: URL;
    try {
      url = new URL(location);
    } catch (err) {
      throw new RepoReadError(location, 'not a valid URL', { cause: err });
    }
    return httpTransport(url, options.timeoutMs ?? 30_000);
  }
  throw new RepoReadError(location, `unsupported URL scheme ${scheme}: (use a path, file://, http:// or https://)`);
}

/**
 * Why `href` may not be read through a transport, or null if it may: it must be a relative path
 * that stays inside the repository (no scheme, no leading "/", no ".." escaping the root).
 */
export function badHref(href: string): string | null {
  if (href === '') return 'empty location href';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(href)) return `location ${JSON.stringify(href)} contains control characters`;
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(href) || href.startsWith('/') || href.startsWith('\\')) {
    return `location ${JSON.stringify(href)} is not a relative path`;
  }
  const norm = posix.normalize(href);
  if (norm === '..' || norm.startsWith('../')) return `location ${JSON.stringify(href)} points outside the repository`;
  return null;
}

/** Reads the whole file at `href` (for small files such as repomd.xml); more than `limit` bytes fails. */
export async function readWhole(transport: Transport, href: string, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of transport.stream(href)) {
    size += chunk.length;
    if (size > limit) throw new RepoReadError(transport.resolve(href), `larger than ${limit} bytes`);
    parts.push(chunk);
  }
  return Buffer.concat(parts, size);
}
