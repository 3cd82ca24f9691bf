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
  size: number;
  /** mtime in whole seconds (primary.xml's time file). */
  mtime: number;
  /** mtime in nanoseconds, for change detection. */
  mtimeNs: bigint;
}

function entries(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new RepoCreateError(`cannot read directory: ${(e as Error).message}`, dir, { cause: e });
  }
}

/** All package files under `root`, sorted as createrepo_c orders them (file name, then path). */
export function scanPackages(root: string): FoundPackage[] {
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
      if (e.name.startsWith('.')) continue;
      const path = join(dir, e.name);
      const href = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (rel === '' && e.name === 'repodata') continue;
        walk(path, href);
      } else if ((e.isFile() || e.isSymbolicLink()) && e.name.endsWith('.rpm')) {
        const s = statSync(path, { bigint: true, throwIfNoEntry: false });
        if (!s?.isFile()) continue;
        out.push({ path, href, size: Number(s.size), mtime: Number(s.mtimeMs / 1000n), mtimeNs: s.mtimeNs });
      }
    }
  };
  walk(root, '');
  const base = (h: string): string => h.slice(h.lastIndexOf('/') + 1);
  const cmp = (x: string, y: string): number => Buffer.compare(Buffer.from(x), Buffer.from(y));
  return out.sort((x, y) => cmp(base(x.href), base(y.href)) || cmp(x.href, y.href));
}
