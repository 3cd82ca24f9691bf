/**
 * The release system: plans (which packages of which builds go to which release repository, and
 * why), checks, commits that publish new immutable repository versions of every channel a release
 * changes together (signed by the sign server), reverts, the history, the stable client URLs and
 * the export directory. See docs/releases.md.
 */
export { checkRelease, type CheckName, type CheckResult } from './checks.ts';
export { commitRelease, settleRelease, type CommitOptions } from './commit.ts';
export { ReleaseChecksError, ReleaseStateError, NotReleasableError } from './errors.ts';
export { syncReleaseExport } from './export.ts';
export { maintainReleases, startReleasesLoop } from './maintenance.ts';
export { createPlan, deletePlan, editPlan, MAX_PLAN_BUILDS, type PlanEdit, type PlanRequest } from './plan.ts';
export { publishRelease, releaseRepomdLease, verifyReleaseSignatures } from './publish.ts';
export { releaseRepoFileText } from './repo-file.ts';
export { revertRelease } from './revert.ts';
export { releaseRepoFile, type ServedFile } from './serve.ts';
export { channelViews, listReleases, releaseView, versionDetail, type ChannelView, type ReleasePackageView, type ReleaseView, type VersionDetail, type VersionView } from './view.ts';
export { channelContent, type ChannelContent, type ChannelPackage } from './channel-content.ts';
export { advisoryFacts, requireAdvisory } from './errata-link.ts';
export { deleteRepoFile, getRepoFile, REPO_FILE_KINDS, REPO_FILE_MAX_BYTES, setRepoFile, type RepoFileView } from './repo-files.ts';
export { createPromotion, type PromotionRequest } from './promote.ts';
