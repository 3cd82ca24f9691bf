/**
 * Choosing the build dependencies of a build: for each BuildRequires, the host (the host-provides
 * package) or one package of the pool that provides it, then, transitively, what that package
 * Requires. Matching follows libsolv (src/repo/closure's ProviderIndex: versioned, file and rich
 * dependencies, only packages the build arch can install).
 *
 * This only picks packages; it is not the check. The check is rpm's own: the picked packages go
 * into the build's private rpmdb with `rpm -i --justdb` (which refuses a package whose Requires
 * are missing) and rpmbuild then checks every BuildRequires against that rpmdb. What nothing
 * provides is listed in {@link Resolution.unresolved} and left for those tools to report.
 *
 * Choice among several providers: one already chosen (or the host) wins; else the highest EVR;
 * at equal EVR the earliest in the pool (the build's own packages come before repositories).
 */
import { formatDep, ProviderIndex } from '../repo/closure/index.ts';
import { depFromEntry, packageEvr } from '../repo/closure/repo-deps.ts';
import type { DepTree } from '../repo/closure/dep-tree.ts';
import type { RepoDependency, RepoPackage } from '../repo/model.ts';
import { repoNevra } from '../repo/model.ts';
import { compareEvr } from '../rpm/index.ts';

/** What the resolver decided. */
export interface Resolution {
  /** Indexes into the pool of the packages to install, in the order they were chosen. */
  chosen: number[];
  /** Requirements the host satisfies, as printed (`gcc`, `libc.so.6()(64bit)`). */
  fromHost: string[];
  /** Requirements nothing provides, with who needs them (`null`: the build itself). */
  unresolved: { requirement: string; neededBy: string | null }[];
}

interface Wanted {
  dep: DepTree;
  neededBy: string | null;
}

/** Splits `(a and b)` into its parts: each must be provided on its own. */
function conjuncts(dep: DepTree): DepTree[] {
  if (dep.kind === 'rich' && dep.op === 'and') return [...conjuncts(dep.left), ...conjuncts(dep.right)];
  return [dep];
}

/**
 * Resolves `requires` (the SRPM's BuildRequires, rpmlib() ones already left out) against `host`
 * and `pool` for a build on `arch`.
 */
export function resolveBuildDependencies(requires: readonly RepoDependency[], host: RepoPackage, pool: readonly RepoPackage[], arch: string): Resolution {
  const all = [host, ...pool];
  const index = new ProviderIndex(all, { arch });
  const chosen = new Set<number>();
  const order: number[] = [];
  const fromHost: string[] = [];
  const unresolved: Resolution['unresolved'] = [];
  const seen = new Set<string>();
  const queue: Wanted[] = [];
  const want = (list: readonly RepoDependency[], neededBy: string | null): void => {
    for (const d of list) {
      const tree = depFromEntry(d);
      if (tree === null || d.name.startsWith('rpmlib(')) continue;
      for (const part of conjuncts(tree)) queue.push({ dep: part, neededBy });
    }
  };
  want(requires, null);
  for (let i = 0; i < queue.length; i++) {
    const w = queue[i] as Wanted;
    if (seen.has(w.dep.key)) continue;
    seen.add(w.dep.key);
    const providers = index.providers(w.dep);
    if (providers.includes(0)) {
      if (w.neededBy === null) fromHost.push(formatDep(w.dep));
      continue;
    }
    if (providers.some((p) => chosen.has(p))) continue;
    if (providers.length === 0) {
      unresolved.push({ requirement: formatDep(w.dep), neededBy: w.neededBy });
      continue;
    }
    let best = providers[0] as number;
    for (const p of providers) {
      const a = all[p] as RepoPackage;
      const b = all[best] as RepoPackage;
      if (compareEvr(packageEvr(a), packageEvr(b)) > 0) best = p;
    }
    chosen.add(best);
    order.push(best - 1);
    const pkg = all[best] as RepoPackage;
    want(pkg.requires, repoNevra(pkg));
  }
  return { chosen: order, fromHost, unresolved };
}
