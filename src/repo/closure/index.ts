/**
 * Repository closure (`distforge repo closure`): which packages of one or more repositories have
 * requirements nothing in them provides, with dnf repoclosure's (libsolv's) rules for versioned,
 * file and rich dependencies.
 *
 * - find-unresolved.ts: {@link findUnresolved} and {@link ClosureChecker}, the check itself.
 * - provider-index.ts: who provides a dependency (by name, by file path, rich operators).
 * - rich-parse.ts, dep-string.ts, dep-tree.ts: rich dependencies parsed and printed as libsolv.
 * - solv-evr.ts: libsolv's EVR comparison and range matching.
 * - repo-deps.ts: repodata entries as libsolv reads them (epoch 0 dropped, rich names parsed).
 * - arch-policy.ts: which architectures may provide on a given machine.
 */
export { ClosureChecker, findUnresolved, type ClosureOptions, type ClosurePackage, type UnresolvedInRepo, type UnresolvedPackage } from './find-unresolved.ts';
export { ProviderIndex, type IndexedPackage, type ProviderIndexOptions } from './provider-index.ts';
export { parseRichDependency, tryParseRichDependency } from './rich-parse.ts';
export { formatDep } from './dep-string.ts';
export { Rel, richDep, simpleDep, type DepTree, type RichDep, type RichOp, type SimpleDep } from './dep-tree.ts';
export { solvEvrCompare, solvRangesMatch } from './solv-evr.ts';
export { depFromEntry, libsolvEvr, packageEvr } from './repo-deps.ts';
export { archFilter } from './arch-policy.ts';
