/**
 * Checks a version's package list and puts it in createRepository's order (file name, then href,
 * both compared as UTF-8 bytes), so that the same files give the same metadata either way. A list
 * that is already in that order (as a release service keeps it) is not sorted again.
 */
import type { VersionPackage } from './types.ts';
import { RepoVersionError } from './errors.ts';

const SHA256 = /^[0-9a-fA-F]{64}$/;
const LOWER_SHA256 = /^[0-9a-f]{64}$/;
const ASCII = /^[\x20-\x7e]*$/;
const BAD_SEGMENT = /(?:^|\/)\.{0,2}(?:\/|$)/;

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
  if (BAD_SEGMENT.test(href)) return 'must not contain empty, "." or ".." segments';
  if (href.startsWith('repodata/')) return 'must not be inside repodata/';
  return null;
}

/** Checks one package (but for its sha256's digits). @throws RepoVersionError naming it. */
function checked(p: VersionPackage): VersionPackage {
  const where = { href: p.href, file: p.path };
  if (typeof p.href !== 'string') throw new RepoVersionError('href is not a string', { file: p.path });
  const why = hrefProblem(p.href);
  if (why) throw new RepoVersionError(`bad href: ${why}`, where);
  if (typeof p.sha256 !== 'string' || p.sha256.length !== 64) throw new RepoVersionError('sha256 must be 64 hex digits', where);
  if (!Number.isSafeInteger(p.fileTime) || p.fileTime < 0) throw new RepoVersionError('fileTime must be a whole number of seconds', where);
  if (typeof p.path !== 'string' || p.path === '') throw new RepoVersionError('path is empty', where);
  return p;
}

/**
 * The packages with their sha256 checked as hex digits and put in lower case: all at once (one
 * decode of them all), then one by one only when that finds something to name or to change.
 */
function lowerCaseIds(pkgs: VersionPackage[]): VersionPackage[] {
  const all = pkgs.map((p) => p.sha256).join('');
  const decoded = Buffer.from(all, 'hex');
  if (decoded.length === pkgs.length * 32 && decoded.toString('hex') === all) return pkgs;
  return pkgs.map((p) => {
    if (!SHA256.test(p.sha256)) throw new RepoVersionError('sha256 must be 64 hex digits', { href: p.href, file: p.path });
    return LOWER_SHA256.test(p.sha256) ? p : { ...p, sha256: p.sha256.toLowerCase() };
  });
}

/** Checks the packages and returns them sorted (sha256 in lower case). @throws RepoVersionError naming the package. */
export function orderPackages(packages: readonly VersionPackage[]): VersionPackage[] {
  const pkgs = lowerCaseIds(packages.map(checked));
  const base = pkgs.map((p) => byteOrderKey(p.href.slice(p.href.lastIndexOf('/') + 1)));
  const full = pkgs.map((p) => byteOrderKey(p.href));
  const cmp = (i: number, j: number): number => {
    const x = base[i] as string;
    const y = base[j] as string;
    if (x !== y) return x < y ? -1 : 1;
    const a = full[i] as string;
    const b = full[j] as string;
    return a < b ? -1 : a > b ? 1 : 0;
  };
  let sorted = true;
  for (let i = 1; i < pkgs.length && sorted; i++) sorted = cmp(i - 1, i) < 0;
  if (sorted) return pkgs;
  // Not strictly increasing: out of order, or an href listed twice (equal neighbours once sorted).
  const order = Array.from(pkgs, (_p, i) => i).sort(cmp);
  for (let k = 1; k < order.length; k++) {
    const twice = pkgs[order[k] ?? 0] as VersionPackage;
    if (cmp(order[k - 1] ?? 0, order[k] ?? 0) === 0) throw new RepoVersionError('listed twice', { href: twice.href, file: twice.path });
  }
  return order.map((i) => pkgs[i] as VersionPackage);
}
