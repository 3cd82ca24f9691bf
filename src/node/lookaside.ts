/**
 * Fetching the sources a dist-git tree names by hash (dist-git.ts) into the checked-out tree,
 * before `rpmbuild -bs` runs in the sandbox (which has no network). Each file comes, in order of
 * preference, from the tree itself (committed: checked against its hash), the node's source cache,
 * distforge's own lookaside store on the master (`/api/v1/lookaside/HASHTYPE/HASH/FILENAME`), then
 * the platform's lookaside caches in the order the platform lists them. Every file is checked
 * against its hash; a mismatch fails the task naming the file and both hashes, a file found nowhere
 * fails naming the URLs tried.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { createReadStream, lstatSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { expandTemplate, MultiHash } from '../lookaside/index.ts';
import { distGitSources, type DistGitLayout, type SourceRef } from './dist-git.ts';
import { BuildFailedError } from './errors.ts';
import { SourceCache } from './source-cache.ts';
import { findSpec, type GitCheckout } from './sources.ts';
import type { PlatformLookaside } from './types.ts';

/** distforge's own lookaside store on the master `server`, as a URL template. */
export function ownLookasideTemplate(server: string): string {
  return `${server.replace(/\/+$/, '')}/api/v1/lookaside/{hashtype}/{hash}/{filename}`;
}

/** A source file put into the tree, and where it came from (`git`, `cache` or a URL). */
export interface FetchedSource {
  path: string;
  hashtype: string;
  hash: string;
  from: string;
}

export interface FetchSourcesOptions {
  /** Lookaside URL templates, tried in order (put distforge's own store first). */
  lookaside: readonly PlatformLookaside[];
  cache: SourceCache;
  note?: (text: string) => void;
  signal?: AbortSignal;
  /** Headers for a URL (e.g. the node's token for the master). */
  headers?: (url: string) => Record<string, string>;
}

async function fileHash(path: string, type: SourceRef['hashtype']): Promise<string> {
  const h = new MultiHash([type]);
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest()[type] ?? '';
}

/** The absolute target of `ref` in the tree; never outside it (dist-git.ts refuses such paths too). */
function targetIn(dir: string, ref: SourceRef): string {
  const root = resolve(dir);
  const target = resolve(root, ref.path);
  if (!target.startsWith(root + sep)) throw new BuildFailedError(`${ref.path}: leaves the tree (path traversal refused)`);
  return target;
}

/**
 * Puts every source the tree lists into it; returns the checkout with its source directory found
 * again (a CentOS tree whose SOURCES/ held nothing committed has one now).
 */
export async function fetchSources(checkout: GitCheckout, options: FetchSourcesOptions): Promise<{ checkout: GitCheckout; layout: DistGitLayout; fetched: FetchedSource[] }> {
  const listed = distGitSources(checkout.dir, checkout.specPath, checkout.sourceDir);
  if (listed.layout !== 'plain') options.note?.(`${listed.layout} dist-git layout: ${listed.files.length} source file(s) listed in ${listed.listedIn.join(' and ')}`);
  const fetched: FetchedSource[] = [];
  for (const ref of listed.files) {
    const target = targetIn(checkout.dir, ref);
    const st = lstatSync(target, { throwIfNoEntry: false });
    let from: string;
    if (st) {
      if (!st.isFile()) throw new BuildFailedError(`${ref.path}: listed as a source file but committed as something else`);
      const got = await fileHash(target, ref.hashtype);
      if (got !== ref.hash) throw new BuildFailedError(`source file ${ref.path}: ${ref.hashtype} mismatch: expected ${ref.hash}, got ${got} (the file committed in git)`);
      from = 'git';
    } else {
      const key = { name: listed.name, filename: ref.filename, hashtype: ref.hashtype, hash: ref.hash };
      const urls = options.lookaside.map((l) => expandTemplate(l.url, key));
      const got = await options.cache.fetch(key, urls, { ...(options.signal && { signal: options.signal }), ...(options.headers && { headers: options.headers }) });
      await mkdir(dirname(target), { recursive: true });
      await copyFile(got.path, target);
      from = got.from;
    }
    options.note?.(`source ${ref.path} (${ref.hashtype} ${ref.hash.slice(0, 16)}…): ${from === 'git' || from === 'cache' ? `from ${from === 'git' ? 'the git tree' : 'the node cache'}` : `downloaded from ${from}`}`);
    fetched.push({ path: ref.path, hashtype: ref.hashtype, hash: ref.hash, from });
  }
  return { checkout: { ...checkout, ...findSpec(checkout.dir) }, layout: listed.layout, fetched };
}

/** The node's source cache for tasks under `workRoot`. */
export function sourceCacheFor(workRoot: string): SourceCache {
  return new SourceCache(join(workRoot, 'source-cache'));
}
