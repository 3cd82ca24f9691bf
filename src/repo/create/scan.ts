/**
 * Finds the package files of a repository: every `*.rpm` under the directory, recursively, as
 * createrepo_c does, leaving out repodata/ and hidden directories (our cache, temporary trees).
 * Symbolic links to files are followed; symbolic links to directories are not (no loops).
 *
 * Terminology:
 * - href: the path relative to the repository root, `/`-separated: the package's location in
 *   primary.xml.
 */
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { RepoCreateError } from '../errors.ts';

export interface FoundPackage {
  path: string;
  href: string;
  /** -1 until known, when found without a stat (see {@link scanPackages}): the reader fills size and times in. */
  size: number;
  /** mtime in whole seconds (primary.xml's time file). */
  mtime: number;
  /** mtime in nanoseconds, for change detection. */
  mtimeNs: bigint;
}

/**
 * What the walk makes of a directory entry: a directory to walk into (not hidden, not the top's
 * repodata/), a package (a `*.rpm` file, or a link the caller still has to check leads to a
 * file), or nothing.
 */
function entryKind(e: Dirent, top: boolean): 'dir' | 'package' | null {
  if (e.name.startsWith('.')) return null;
  if (e.isDirectory()) return top && e.name === 'repodata' ? null : 'dir';
  return (e.isFile() || e.isSymbolicLink()) && e.name.endsWith('.rpm') ? 'package' : null;
}

function entries(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new RepoCreateError(`cannot read directory: ${(e as Error).message}`, dir, { cause: e });
  }
}

/**
 * All package files under `root`, sorted as createrepo_c orders them (file name, then path).
 * With `stat: false`, regular files are not looked at (size -1, times 0): for a run that reads
 * every file anyway, the reader takes them from the open file (symbolic links are still followed
 * here, to leave out those that do not lead to a file).
 */
export function scanPackages(root: string, { stat = true }: { stat?: boolean } = {}): FoundPackage[] {
  let st;
  try {
    st = statSync(root);
  } catch {
    throw new RepoCreateError('no such directory', root);
  }
  if (!st.isDirectory()) throw new RepoCreateError('not a directory', root);
  const out: FoundPackage[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const e of entries(dir)) {
      const taken = entryKind(e, rel === '');
      if (taken === null) continue;
      const path = join(dir, e.name);
      const href = rel === '' ? e.name : `${rel}/${e.name}`;
      if (taken === 'dir') walk(path, href);
      else if (!stat && e.isFile()) out.push({ path, href, size: -1, mtime: 0, mtimeNs: 0n });
      else {
        const s = statSync(path, { bigint: true, throwIfNoEntry: false });
        if (s?.isFile()) out.push({ path, href, size: Number(s.size), mtime: Number(s.mtimeMs / 1000n), mtimeNs: s.mtimeNs });
      }
    }
  };
  walk(root, '');
  // Byte order of the UTF-8 names: each key is its UTF-8 bytes as Latin-1 text, which compares
  // code unit by code unit exactly as the bytes do.
  const key = (h: string): string => Buffer.from(h, 'utf8').toString('latin1');
  const keyed = out.map((f) => ({ f, base: key(f.href.slice(f.href.lastIndexOf('/') + 1)), href: key(f.href) }));
  const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  return keyed.sort((x, y) => cmp(x.base, y.base) || cmp(x.href, y.href)).map((k) => k.f);
}
