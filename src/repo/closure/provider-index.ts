/**
 * Who provides a dependency, among a set of repository packages, with libsolv's rules (what dnf's
 * `query.filter(provides=dep)` answers, src/pool.c `pool_addrelproviders()`):
 *
 * - Only installable packages provide (see arch-policy.ts: never source packages).
 * - Each package provides its Provides entries, plus `name = EVR` of itself (libsolv adds it when
 *   loading repodata), plus, for names starting with `/`, every path in its file list (files,
 *   directories and ghosts alike: filelists.xml, not just primary.xml's subset).
 * - A plain name is provided by every package with a Provides of that name, versioned or not.
 * - A versioned dependency is provided by a package with an unversioned Provides of the name (or
 *   the file) or a versioned one whose range overlaps ({@link solvRangesMatch}).
 * - Rich dependencies: `and`, `or` → providers of either side (libsolv's "potential" providers:
 *   `(a and b)` counts as provided when a or b is); `A if B` and `A unless B` → providers of A;
 *   with `else C` → providers of A or C; `A with B` → packages providing both; `A without B` →
 *   packages providing A but not B; `else` alone → nobody.
 * - A rich Provides (rpm does not build them, repodata may carry one) registers its leftmost name
 *   unversioned, and never matches a versioned dependency.
 *
 * Lookups are by name in a Map and by path in a Map holding only the paths asked for, so a
 * closure over tens of thousands of packages takes seconds.
 *
 * Terminology:
 * - provider list: package indexes (positions in the input), ascending, without repeats.
 * - file path asked for: a `/`-name appearing anywhere in the dependencies checked; other paths in
 *   file lists are not indexed.
 */
import type { RepoDependency, RepoFile, RepoPackage } from '../model.ts';
import { Rel, type DepTree, type SimpleDep } from './dep-tree.ts';
import { archFilter } from './arch-policy.ts';
import { depFromEntry, packageEvr } from './repo-deps.ts';
import { solvRangesMatch } from './solv-evr.ts';

/** The fields of a package the index reads. */
export type IndexedPackage = Pick<RepoPackage, 'name' | 'arch' | 'epoch' | 'version' | 'release'> & {
  provides: readonly RepoDependency[];
  files: readonly RepoFile[];
};

export interface ProviderIndexOptions {
  /** Machine architecture whose compatible packages provide (arch-policy.ts); default: all. */
  arch?: string;
  /** File paths that will be asked for; default: every path in every file list. */
  filePaths?: ReadonlySet<string>;
}

/** One Provides of one package: `flags` 0 is unversioned; `rich` marks a rich Provides. */
interface ProvideEntry {
  pkg: number;
  flags: number;
  evr: string;
  rich: boolean;
}

/** Sorted union of two provider lists. */
export function unionSorted(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x < y)) {
      out.push(x as number);
      i++;
    } else if (x === undefined || y < x) {
      out.push(y);
      j++;
    } else {
      out.push(x);
      i++;
      j++;
    }
  }
  return out;
}

function filterSorted(a: readonly number[], b: readonly number[], keep: boolean): number[] {
  const other = new Set(b);
  return a.filter((p) => other.has(p) === keep);
}

/** The leftmost simple dependency of a tree (what libsolv files a rich Provides under). */
function leftmost(tree: DepTree): SimpleDep {
  let t = tree;
  while (t.kind === 'rich') t = t.left;
  return t;
}

/** Normalises a file list path as libsolv stores it: relative paths get a leading `/`. */
function filePath(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}

export class ProviderIndex {
  private readonly byName = new Map<string, ProvideEntry[]>();
  private readonly owners = new Map<string, number[]>();
  private readonly memo = new Map<string, readonly number[]>();

  constructor(packages: readonly IndexedPackage[], options: ProviderIndexOptions = {}) {
    const installable = archFilter(options.arch);
    const wanted = options.filePaths;
    packages.forEach((p, pkg) => {
      if (!installable(p.arch)) return;
      for (const d of p.provides) {
        const tree = depFromEntry(d);
        if (tree === null) continue;
        if (tree.kind === 'rich') this.addProvide(leftmost(tree).name, { pkg, flags: 0, evr: '', rich: true });
        else this.addProvide(tree.name, { pkg, flags: tree.flags, evr: tree.evr, rich: false });
      }
      this.addProvide(p.name, { pkg, flags: Rel.EQ, evr: packageEvr(p), rich: false });
      for (const f of p.files) {
        const path = filePath(f.path);
        if (wanted !== undefined && !wanted.has(path)) continue;
        const list = this.owners.get(path);
        if (list === undefined) this.owners.set(path, [pkg]);
        else if (list[list.length - 1] !== pkg) list.push(pkg);
      }
    });
  }

  private addProvide(name: string, entry: ProvideEntry): void {
    const list = this.byName.get(name);
    if (list === undefined) this.byName.set(name, [entry]);
    else list.push(entry);
  }

  /** The packages providing `dep` (see the module comment). */
  providers(dep: DepTree): readonly number[] {
    const known = this.memo.get(dep.key);
    if (known !== undefined) return known;
    const found = this.compute(dep);
    this.memo.set(dep.key, found);
    return found;
  }

  /** Whether anything provides `dep`. */
  isProvided(dep: DepTree): boolean {
    return this.providers(dep).length > 0;
  }

  private compute(dep: DepTree): readonly number[] {
    if (dep.kind === 'simple') return dep.flags === 0 ? this.nameProviders(dep.name) : this.versionedProviders(dep.name, dep.flags, dep.evr);
    const left = this.providers(dep.left);
    switch (dep.op) {
      case 'and':
      case 'or':
        return unionSorted(left, this.providers(dep.right));
      case 'if':
      case 'unless':
        return dep.right.kind === 'rich' && dep.right.op === 'else' ? unionSorted(left, this.providers(dep.right.right)) : left;
      case 'with':
        return filterSorted(left, this.providers(dep.right), true);
      case 'without':
        return filterSorted(left, this.providers(dep.right), false);
      case 'else':
        return [];
    }
  }

  private nameProviders(name: string): readonly number[] {
    const entries = this.byName.get(name) ?? [];
    const seen = new Set<number>();
    for (const e of entries) seen.add(e.pkg);
    if (name.startsWith('/')) for (const p of this.owners.get(name) ?? []) seen.add(p);
    return [...seen].sort((a, b) => a - b);
  }

  private versionedProviders(name: string, flags: number, evr: string): readonly number[] {
    const matched = new Set<number>();
    for (const e of this.byName.get(name) ?? []) {
      if (e.rich || matched.has(e.pkg)) continue;
      if (e.flags === 0 || solvRangesMatch(e.flags, e.evr, flags, evr)) matched.add(e.pkg);
    }
    // A file in a package's file list is an unversioned Provides of that path.
    if (name.startsWith('/')) for (const p of this.owners.get(name) ?? []) matched.add(p);
    return [...matched].sort((a, b) => a - b);
  }
}

/** Every file path named by a dependency (inside rich dependencies too). */
export function filePathsOf(dep: DepTree, into: Set<string>): void {
  if (dep.kind === 'simple') {
    if (dep.name.startsWith('/')) into.add(dep.name);
    return;
  }
  filePathsOf(dep.left, into);
  filePathsOf(dep.right, into);
}

