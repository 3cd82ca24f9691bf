/**
 * The branches and tags an upstream repository has, as ref name → what it points at (a commit,
 * or an annotated tag object: not peeled). A local upstream (an absolute path or file:// URL of a
 * repository with files-backend refs) is read from its files, spawning nothing; any other is asked
 * with one `git ls-remote`.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GitUnreachableError } from '../builds/errors.ts';
import { localGitPath } from '../util/git-url.ts';
import { lastErrorLine, runGit, type ProcessCounter } from './git-cli.ts';

const HASH = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** Whether a full ref name is one the mirrors keep (branches and tags). */
export function isKeptRef(name: string): boolean {
  return name.startsWith('refs/heads/') || name.startsWith('refs/tags/');
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

/** The git directory of a local repository whose refs are plain files, else null (ask git instead). */
async function filesRefsGitDir(path: string): Promise<string | null> {
  const dotGit = join(path, '.git');
  const gitDir = (await isDir(dotGit)) ? dotGit : (await isDir(join(path, 'refs'))) && (await stat(join(path, 'HEAD')).catch(() => null)) ? path : null;
  if (gitDir === null || (await isDir(join(gitDir, 'reftable')))) return null;
  return gitDir;
}

async function readLooseRefs(gitDir: string, prefix: string, into: Map<string, string>): Promise<void> {
  const entries = await readdir(join(gitDir, prefix), { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const name = `${prefix}/${e.name}`;
    if (e.isDirectory()) await readLooseRefs(gitDir, name, into);
    else if (e.isFile() && !e.name.endsWith('.lock')) {
      const value = (await readFile(join(gitDir, name), 'utf8').catch(() => '')).trim();
      if (HASH.test(value)) into.set(name, value);
    }
  }
}

/** Branches and tags of a local repository read from packed-refs and loose ref files. */
async function readLocalRefs(gitDir: string): Promise<Map<string, string>> {
  const refs = new Map<string, string>();
  const packed = await readFile(join(gitDir, 'packed-refs'), 'utf8').catch(() => '');
  for (const line of packed.split('\n')) {
    if (line.startsWith('#') || line.startsWith('^')) continue;
    const [hash, name] = line.split(' ');
    if (hash && name && HASH.test(hash) && isKeptRef(name)) refs.set(name, hash);
  }
  // Loose refs win over packed ones.
  await readLooseRefs(gitDir, 'refs/heads', refs);
  await readLooseRefs(gitDir, 'refs/tags', refs);
  return refs;
}

/** Parses `git ls-remote --refs` output (branches and tags only). */
export function parseLsRemote(stdout: string): Map<string, string> {
  const refs = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const [hash, name] = line.split('\t');
    if (hash && name && isKeptRef(name)) refs.set(name, hash);
  }
  return refs;
}

/**
 * The upstream's branches and tags (`readFiles` false: always ask git, for comparison in bench/).
 * @throws GitUnreachableError naming the URL and git's reason
 */
export async function upstreamRefs(url: string, counter?: ProcessCounter, readFiles = true): Promise<Map<string, string>> {
  const local = readFiles ? localGitPath(url) : null;
  if (local !== null) {
    const gitDir = await filesRefsGitDir(local);
    if (gitDir !== null) return readLocalRefs(gitDir);
  }
  const r = await runGit(['ls-remote', '--refs', '--heads', '--tags', '--', url], counter, 120_000);
  if (r.code !== 0) throw new GitUnreachableError(url, lastErrorLine(r.stderr));
  return parseLsRemote(r.stdout);
}
