/**
 * Repository closure: for packages of one or more repositories taken together, every package with
 * a requirement nothing provides, as `dnf repoclosure` (dnf-plugins-core 4.3) reports them.
 *
 * What dnf repoclosure does, and this mirrors:
 * - it checks every package, source packages and packages of any architecture included (a source
 *   package's requirements are its build requirements);
 * - it skips requirements whose printed form starts with `rpmlib(` or `solvable:`;
 * - a requirement is resolved when `available.filter(provides=req)` is not empty, i.e. when
 *   libsolv finds a provider (provider-index.ts: versioned, file and rich dependencies; source
 *   packages and, on a given machine, packages of foreign architectures provide nothing);
 * - a package's requirements form a set of libsolv dependencies: a repeated requirement counts
 *   once, but two differently nested rich dependencies that print alike count twice;
 * - requirements libsolv cannot parse (malformed rich dependencies) do not exist for dnf.
 *
 * Output: packages sorted by name, then EVR, then architecture (then input order); each with its
 * unresolved requirements printed as dnf prints them (dep-string.ts), sorted.
 *
 * Terminology:
 * - requirement: one `<rpm:entry>` of a package's `<rpm:requires>`.
 * - NEVRA: `name-[epoch:]version-release.arch`, the epoch left out when 0 ({@link repoNevra}).
 */
import { repoNevra, type RepoDependency, type RepoPackage } from '../model.ts';
import type { DepTree } from './dep-tree.ts';
import { formatDep } from './dep-string.ts';
import { filePathsOf, ProviderIndex, type IndexedPackage } from './provider-index.ts';
import { depFromEntry, packageEvr } from './repo-deps.ts';
import { solvEvrCompare } from './solv-evr.ts';

export interface ClosureOptions {
  /**
   * Machine architecture, as dnf's `--forcearch`: only packages it runs (and noarch) provide.
   * Default: every binary architecture provides.
   */
  arch?: string;
}

/** A package with requirements nothing provides. */
export interface UnresolvedPackage {
  /** `name-[epoch:]version-release.arch` */
  package: string;
  /** The requirements, as dnf prints them, sorted. */
  unresolved: string[];
}

/** {@link UnresolvedPackage} with the repository it came from. */
export interface UnresolvedInRepo extends UnresolvedPackage {
  repo: string;
}

/** The fields of a package the closure reads. */
export type ClosurePackage = IndexedPackage & Pick<RepoPackage, 'requires'>;

interface Checked {
  pkg: ClosurePackage;
  repo: string;
  order: number;
}

const SKIPPED_PREFIXES = ['rpmlib(', 'solvable:'];

/**
 * Whether dnf repoclosure skips a requirement: its printed form starts with a skipped prefix.
 * A rich one prints with `(` first; a simple one prints its name first, and the prefixes end in
 * a character (`(`, `:`) that the text after a name (` >= …`) cannot supply.
 */
function isSkipped(tree: DepTree): boolean {
  return tree.kind === 'simple' && SKIPPED_PREFIXES.some((prefix) => tree.name.startsWith(prefix));
}

function entryKey(d: RepoDependency): string {
  return `${d.name}\u0001${d.flags ?? ''}\u0001${d.epoch ?? '\u0002'}\u0001${d.version ?? '\u0002'}\u0001${d.release ?? '\u0002'}`;
}

/**
 * Collects packages (from any number of repositories) and reports the unresolved requirements
 * of all of them against all of them. Only the fields the check needs are kept.
 */
export class ClosureChecker {
  private readonly packages: Checked[] = [];
  private readonly parsed = new Map<string, DepTree | null>();

  constructor(private readonly options: ClosureOptions = {}) {}

  /** Adds a package; `repo` names where it came from (reported back with it). */
  add(p: ClosurePackage, repo = ''): void {
    const { name, arch, epoch, version, release, provides, requires, files } = p;
    this.packages.push({ pkg: { name, arch, epoch, version, release, provides, requires, files }, repo, order: this.packages.length });
  }

  /** The requirement libsolv makes of an entry, or null when dnf does not check it. */
  private requirement(d: RepoDependency): DepTree | null {
    const key = entryKey(d);
    const known = this.parsed.get(key);
    if (known !== undefined) return known;
    let tree = depFromEntry(d);
    if (tree !== null && isSkipped(tree)) tree = null;
    this.parsed.set(key, tree);
    return tree;
  }

  /** Every package with unresolved requirements, sorted (see the module comment). */
  check(): UnresolvedInRepo[] {
    const filePaths = new Set<string>();
    for (const { pkg } of this.packages) {
      for (const d of pkg.requires) {
        const req = this.requirement(d);
        if (req !== null) filePathsOf(req, filePaths);
      }
    }
    const index = new ProviderIndex(
      this.packages.map((c) => c.pkg),
      { arch: this.options.arch, filePaths },
    );
    const found: Array<UnresolvedInRepo & { source: Checked }> = [];
    for (const c of this.packages) {
      const seen = new Set<string>();
      const unresolved: string[] = [];
      for (const d of c.pkg.requires) {
        const req = this.requirement(d);
        if (req === null || seen.has(req.key)) continue;
        seen.add(req.key);
        if (!index.isProvided(req)) unresolved.push(formatDep(req));
      }
      if (unresolved.length > 0) found.push({ package: repoNevra(c.pkg), repo: c.repo, unresolved: unresolved.sort(), source: c });
    }
    found.sort((a, b) => comparePackages(a.source, b.source));
    return found.map(({ package: nevra, repo, unresolved }) => ({ package: nevra, repo, unresolved }));
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePackages(a: Checked, b: Checked): number {
  return (
    compareStrings(a.pkg.name, b.pkg.name) ||
    Math.sign(solvEvrCompare(packageEvr(a.pkg), packageEvr(b.pkg), false)) ||
    compareStrings(a.pkg.arch, b.pkg.arch) ||
    a.order - b.order
  );
}

/**
 * The packages among `packages` with requirements nothing in `packages` provides, with those
 * requirements as dnf prints them; empty when the set is closed.
 */
export function findUnresolved(packages: Iterable<ClosurePackage>, options: ClosureOptions = {}): UnresolvedPackage[] {
  const checker = new ClosureChecker(options);
  for (const p of packages) checker.add(p);
  return checker.check().map(({ package: nevra, unresolved }) => ({ package: nevra, unresolved }));
}
