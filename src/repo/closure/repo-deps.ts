/**
 * Turns repodata's dependency entries and package versions into the strings and trees libsolv
 * makes of them when dnf loads primary.xml (ext/repo_rpmmd.c), so that matching and printing
 * follow dnf:
 *
 * - EVR text: `epoch:version-release` with an epoch of "0" (or "") left out, unless the version
 *   itself starts with digits and a colon (then `0:` stays, so the version is not misread as an
 *   epoch); `-release` is added whenever a release is given, even an empty one. A versioned entry
 *   without any version text gets libsolv's null id, printed `<NULL>`.
 * - An entry without flags whose name starts with `(` is a rich dependency; one libsolv cannot
 *   parse is dropped (dnf never sees it). A name with flags is never parsed as rich.
 *
 * Terminology:
 * - entry: one `<rpm:entry name= flags= epoch= ver= rel=/>` ({@link RepoDependency}).
 */
import type { RepoDepFlag, RepoDependency, RepoPackage } from '../model.ts';
import { Rel, simpleDep, type DepTree } from './dep-tree.ts';
import { tryParseRichDependency } from './rich-parse.ts';

const FLAG_BITS: Record<RepoDepFlag, number> = {
  GT: Rel.GT,
  EQ: Rel.EQ,
  GE: Rel.GT | Rel.EQ,
  LT: Rel.LT,
  LE: Rel.LT | Rel.EQ,
};

/** What libsolv prints for the null id (a versioned entry without version text). */
const NULL_EVR = '<NULL>';

/** The EVR text libsolv builds from epoch, version and release attributes. */
export function libsolvEvr(epoch: string | null, version: string | null, release: string | null): string {
  let e = epoch === '' || epoch === '0' ? null : epoch;
  if (e === null && version !== null && /^[0-9]+:/.test(version)) e = '0';
  return `${e === null ? '' : `${e}:`}${version ?? ''}${release === null ? '' : `-${release}`}`;
}

/** The package's own EVR as libsolv stores it (`1.0-1`, `2:1.0-1`). */
export function packageEvr(p: Pick<RepoPackage, 'epoch' | 'version' | 'release'>): string {
  return libsolvEvr(p.epoch, p.version, p.release);
}

/** The dependency libsolv makes of a repodata entry, or null when libsolv drops it. */
export function depFromEntry(d: RepoDependency): DepTree | null {
  if (d.flags === null) return d.name.startsWith('(') ? tryParseRichDependency(d.name) : simpleDep(d.name);
  const evr = libsolvEvr(d.epoch, d.version, d.release);
  return simpleDep(d.name, FLAG_BITS[d.flags], evr === '' ? NULL_EVR : evr);
}
