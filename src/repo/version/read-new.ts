/**
 * Reads the packages whose metadata is not cached: each file is opened, its headers read and the
 * sha256 of the whole file computed (worker threads for large sets, as createRepository does), its
 * three fragments rendered. The sha256 must be the one the caller gave: the pool is
 * content-addressed, so another value means a damaged or wrong file.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { fragment } from '../create/fragments.ts';
import { readPackages } from '../create/read-pool.ts';
import type { FoundPackage } from '../create/scan.ts';
import { DistforgeError } from '../../errors.ts';
import type { NewFragments } from './cache/store.ts';
import { RepoVersionError } from './errors.ts';
import type { VersionPackage } from './types.ts';

function found(p: VersionPackage): FoundPackage {
  let st;
  try {
    st = statSync(p.path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RepoVersionError(code === 'ENOENT' ? 'no such file' : `cannot read: ${code ?? (e as Error).message}`, { href: p.href, file: p.path }, { cause: e });
  }
  if (!st.isFile()) throw new RepoVersionError('not a regular file', { href: p.href, file: p.path });
  return { path: p.path, href: p.href, size: st.size, mtime: p.fileTime, mtimeNs: 0n };
}

/**
 * The rendered fragments of `pkgs`, in order.
 * @throws RepoVersionError naming the package: missing, unreadable, not an RPM, another sha256.
 */
export async function readNewPackages(pkgs: readonly VersionPackage[], changelogLimit: number): Promise<NewFragments[]> {
  const files = pkgs.map(found);
  let rendered;
  try {
    rendered = await readPackages(files, changelogLimit);
  } catch (e) {
    const file = (e as { file?: unknown }).file;
    const pkg = pkgs.find((p) => p.path === file);
    const message = e instanceof Error ? e.message : String(e);
    const detail = typeof file === 'string' && message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message;
    if (e instanceof DistforgeError && pkg) throw new RepoVersionError(detail, { href: pkg.href, file: pkg.path }, { cause: e });
    throw e;
  }
  return rendered.map((pf, i) => {
    const p = pkgs[i] as VersionPackage;
    if (pf.pkgId !== p.sha256) throw new RepoVersionError(`the file's sha256 is ${pf.pkgId}, not ${p.sha256} as given`, { href: p.href, file: p.path });
    return {
      sha256: p.sha256,
      href: p.href,
      fileTime: p.fileTime,
      limit: changelogLimit,
      digest: createHash('sha256').update(pf.parts[0]).update(pf.parts[1]).update(pf.parts[2]).digest(),
      parts: [fragment(pf, 0), fragment(pf, 1), fragment(pf, 2)],
    };
  });
}
