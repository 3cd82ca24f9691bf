/**
 * Builds: the public face of src/builds. A user submits package sources for platforms; the
 * builds domain works out their order, creates the tasks nodes lease, fans each SRPM out to its
 * arches, publishes what the build has produced as repositories its later tasks build against,
 * and lets users cancel, retry and rebuild.
 *
 * Terminology:
 * - build: package sources (git URL + branch, tag or commit; or an uploaded SRPM) for one or more
 *   platforms. Its state follows its tasks: pending → running → succeeded | failed | cancelled.
 * - item: one source of a build (build_items), with the package name, spec path, BuildRequires
 *   and Provides its srpm tasks reported, and the items it depends on.
 * - item graph: item X depends on item Y when a BuildRequires of X is provided by a binary
 *   package of Y (names are provides; versions must match). Worked out per platform from what the
 *   srpm tasks found out on the nodes (the master never evaluates a spec), once all of them ended;
 *   the packages of a cycle fail naming it, unless the user gave an explicit order, in which case
 *   each item depends on the one before it (build-graph.ts).
 * - srpm task: builds the source RPM of an item for a platform (arch `src`) and reports the
 *   package's name, BuildRequires and Provides, found in the node's sandbox; created at submit.
 * - rpm task: builds the binary RPMs of that SRPM for one arch (or once as noarch); created by
 *   the fan-out when the srpm task succeeds, depending on its srpm task and on the rpm tasks of
 *   the items it depends on (same platform: same arch and noarch; all arches for noarch).
 * - fan-out: creating an item's rpm tasks; happens once per srpm task (build_fanouts), after the
 *   items it depends on have fanned out.
 * - build repository: DATA/repos/build-<id>/<platform>/<arch>, a dnf repository of the build's
 *   RPMs so far, served at /api/v1/builds/<id>/repo/<platform>/<arch>/ and given to nodes with
 *   each rpm lease (before the platform's own repositories).
 * - cancel / retry / rebuild: unfinished tasks cancelled; failed and cancelled tasks run again
 *   (attempt 1, after their dependencies); a new build of the same sources at the same commits.
 */
export { parseSubmitInput, rebuildBuild, submitBuild, type SubmitInput } from './submit.ts';
export type { PinnedSource, PreparedItem, SourceInput } from './sources.ts';
export { cancelBuild, retryBuild } from './control.ts';
export { advanceBuilds, fanOut, fanOutPending, hasPendingFanout, COMPLETION_HOOK_KINDS, onTaskCompleted, startBuildsLoop } from './fan-out.ts';
export { buildRepoDir, buildRepoUrl, currentRepomds, decorateLease, ensureBuildRepo, metadataSignatureOf, repoMetadataSignature, syncRunningBuildRepos, type LeaseDecorationInput } from './build-repo.ts';
export { effectiveState, getBuildRow, showBuild, type ArtifactView, type BuildSummary, type BuildView, type ItemView, type RepositoryView, type TaskView } from './view.ts';
export { listBuilds, TOTAL_CAP, type BuildPage, type FeedQuery } from './feed.ts';
export type { FeedFilters } from './feed-filters.ts';
export { buildMarks, type BuildListItem, type BuildMarks, type ListSource, type TaskCounts } from './feed-items.ts';
export { buildLogs, parseCursor, type LogChunk, type LogPage, type LogTask } from './logs.ts';
export { findUploadedSrpm, storeSrpm, type UploadedSrpm } from './srpm-source.ts';
export { parseGitSource, resolveGitSource, type GitSourceRef, type ResolvedGitSource } from './git-source.ts';
export { cyclicItems, explicitGraph, findCycle, itemGraph, type GraphItem } from './dep-graph.ts';
export { parseItemFacts, platformGraph, recordItemFacts, type ItemFacts, type PlatformGraph } from './build-graph.ts';
export { BuildStateError, GitRefNotFoundError, GitUnreachableError, SpecNotFoundError, UnknownPlatformError } from './errors.ts';
