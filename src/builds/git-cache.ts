/**
 * A bare-clone cache of the git repositories builds come from: DATA/git-cache/<sha256(url)>.
 * Commits are fetched into it one at a time (and kept under refs/distforge/<commit> so that git's
 * garbage collection keeps them); files are read from it with `git show COMMIT:PATH` without a
 * checkout.
 *
 * Terminology:
 * - cache directory: the bare repository that mirrors what we fetched from one URL.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { lastErrorLine, runTool } from './exec.ts';

/** The cache directory of `url` under the data directory. */
export function gitCacheDir(dataDir: string, url: string): string {
  return join(dataDir, 'git-cache', createHash('sha256').update(url).digest('hex'));
}

/** Creates the bare repository when it does not exist yet. */
export async function ensureGitCache(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const probe = await runTool('git', ['--git-dir', dir, 'rev-parse', '--git-dir']);
  if (probe.code === 0) return;
  const init = await runTool('git', ['init', '--quiet', '--bare', dir]);
  if (init.code !== 0) throw new Error(`git init ${dir}: ${lastErrorLine(init.stderr)}`);
}

/** Whether the cache already holds `commit` as a commit object. */
export async function hasCommit(dir: string, commit: string): Promise<boolean> {
  const r = await runTool('git', ['--git-dir', dir, 'cat-file', '-e', `${commit}^{commit}`]);
  return r.code === 0;
}

/**
 * Fetches `commit` (and its history) from `url` into the cache, unless it is there already.
 * @returns null on success, else git's reason.
 */
export async function fetchCommit(dir: string, url: string, commit: string): Promise<string | null> {
  if (await hasCommit(dir, commit)) return null;
  const args = ['--git-dir', dir, 'fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--', url, `+${commit}:refs/distforge/${commit}`];
  let r = await runTool('git', args, { timeoutMs: 600_000 });
  // Two fetches into one cache at once may race for a lock: one more try.
  if (r.code !== 0 && /\.lock/.test(r.stderr)) r = await runTool('git', args, { timeoutMs: 600_000 });
  if (r.code !== 0) return lastErrorLine(r.stderr);
  return (await hasCommit(dir, commit)) ? null : `${commit} is not a commit`;
}

/** Names of the blobs directly under `tree` (`""` for the root, `SPECS/`) at `commit`. */
export async function listFiles(dir: string, commit: string, tree: string): Promise<string[]> {
  const r = await runTool('git', ['--git-dir', dir, 'ls-tree', '-z', commit, '--', tree === '' ? '.' : tree]);
  if (r.code !== 0) return [];
  const files: string[] = [];
  for (const entry of r.stdout.split('\0')) {
    // "<mode> <type> <object>\t<path>"
    const tab = entry.indexOf('\t');
    if (tab < 0) continue;
    const [, type] = entry.slice(0, tab).split(' ');
    if (type === 'blob') files.push(entry.slice(tab + 1));
  }
  return files;
}

/** The content of `path` at `commit`, as text. */
export async function readFileAt(dir: string, commit: string, path: string): Promise<string> {
  const r = await runTool('git', ['--git-dir', dir, 'show', `${commit}:${path}`], { maxBytes: 8 * 1024 * 1024 });
  if (r.code !== 0) throw new Error(`git show ${commit}:${path}: ${lastErrorLine(r.stderr)}`);
  return r.stdout;
}
