/**
 * What a repository already publishes, for `repo create --update`:
 * - the records of packages whose file is unchanged (same location, size and mtime as primary.xml
 *   says), when there is no package cache: the repository may have been made by createrepo_c, or
 *   the cache deleted. As createrepo_c --update does, they are taken from the old metadata.
 * - the extra metadata files (updateinfo, comps, modules, …) to keep when the run does not replace
 *   them.
 * Existing metadata that cannot be read is simply not reused: everything is read from the RPMs.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RepoPackage } from '../model.ts';
import type { RepomdRecord } from '../model.ts';
import { openRepository } from '../read/index.ts';
import type { FoundPackage } from './scan.ts';

/** Record types repo create always writes itself. */
const OWN_TYPES = new Set(['primary', 'filelists', 'other']);

export interface ExistingRepository {
  /** Records of metadata files other than primary/filelists/other whose file is present. */
  extras: RepomdRecord[];
  /** Reads the old records of these (unchanged) files; call only when needed. */
  packages(files: FoundPackage[]): Promise<Map<string, RepoPackage>>;
}

/** The repository at `dir` as published, or null when it has no readable repomd.xml. */
export async function existingRepository(dir: string): Promise<ExistingRepository | null> {
  if (!existsSync(join(dir, 'repodata', 'repomd.xml'))) return null;
  let source;
  try {
    source = await openRepository(dir);
  } catch {
    return null;
  }
  const extras = source.repomd.records.filter((r) => !OWN_TYPES.has(r.type) && !r.type.endsWith('_db') && !r.type.endsWith('_zck') && !r.location.base && existsSync(join(dir, r.location.href)));
  const src = source;
  return {
    extras,
    async packages(files) {
      const wanted = new Map(files.map((f) => [f.href, f]));
      const out = new Map<string, RepoPackage>();
      try {
        for await (const p of src.packages()) {
          const f = wanted.get(p.location.href);
          if (f && !p.location.base && p.size.package === f.size && p.time.file === f.mtime) out.set(f.href, p);
        }
      } catch {
        return new Map();
      }
      return out;
    },
  };
}
