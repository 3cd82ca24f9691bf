/**
 * Checks a version's package list and puts it in createRepository's order (file name, then href,
 * both compared as UTF-8 bytes), so that the same files give the same metadata either way.
 */
import type { VersionPackage } from './types.ts';
import { RepoVersionError } from './errors.ts';

const SHA256 = /^[0-9a-fA-F]{64}$/;
const ASCII = /^[\x20-\x7e]*$/;

/** A string whose UTF-16 order is the UTF-8 byte order of `s` (`s` itself when it is ASCII). */
function byteOrderKey(s: string): string {
  return ASCII.test(s) ? s : Buffer.from(s, 'utf8').toString('latin1');
}

function hrefProblem(href: string): string | null {
  if (href === '' || href.startsWith('/')) return 'must be a relative path';
  for (let i = 0; i < href.length; i++) {
    const c = href.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x5c) return 'must not contain backslashes or control characters';
  }
  for (const part of href.split('/')) if (part === '' || part === '.' || part === '..') return 'must not contain empty, "." or ".." segments';
  if (href.startsWith('repodata/')) return 'must not be inside repodata/';
  return null;
}

/** Checks the packages and returns them sorted (sha256 in lower case). @throws RepoVersionError naming the package. */
export function orderPackages(packages: readonly VersionPackage[]): VersionPackage[] {
  const seen = new Set<string>();
  const keyed = packages.map((p) => {
    const where = { href: p.href, file: p.path };
    if (typeof p.href !== 'string') throw new RepoVersionError('href is not a string', { file: p.path });
    const why = hrefProblem(p.href);
    if (why) throw new RepoVersionError(`bad href: ${why}`, where);
    if (seen.has(p.href)) throw new RepoVersionError('listed twice', where);
    seen.add(p.href);
    if (typeof p.sha256 !== 'string' || !SHA256.test(p.sha256)) throw new RepoVersionError('sha256 must be 64 hex digits', where);
    if (!Number.isSafeInteger(p.fileTime) || p.fileTime < 0) throw new RepoVersionError('fileTime must be a whole number of seconds', where);
    if (typeof p.path !== 'string' || p.path === '') throw new RepoVersionError('path is empty', where);
    const base = p.href.slice(p.href.lastIndexOf('/') + 1);
    return { pkg: { ...p, sha256: p.sha256.toLowerCase() }, base: byteOrderKey(base), full: byteOrderKey(p.href) };
  });
  keyed.sort((x, y) => (x.base < y.base ? -1 : x.base > y.base ? 1 : x.full < y.full ? -1 : x.full > y.full ? 1 : 0));
  return keyed.map((k) => k.pkg);
}
