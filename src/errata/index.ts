/**
 * Errata: the public face of src/errata (advisories, their lifecycle, OSV, and what the release
 * system uses). See types.ts for the terminology.
 *
 * For the release system (src/releases), inside its own flow (docs/errata.md lists them all):
 * - `advisoryFacts(ctx, platform, id)`: whether a release of `platform` may carry the advisory
 *   (approved or released) and the NEVRAs it covers; `advisoryForRelease` throws instead
 *   (NotFoundError, AdvisoryNotReleasableError 409);
 * - `channelAdvisories(ctx, platform, adding, files, {issuedAt})`: src/repo's Advisory list for
 *   one channel's updateinfo.xml (released ones and those the release adds, cut to its files);
 *   `releasedAdvisories(ctx, platform)` and `toRepoAdvisory(advisory, files, {issuedAt})` are its parts;
 * - `markReleased(tx, ids, {releaseId, at})`: in the transaction publishing the release;
 * - `markUnreleased(tx, ids, releaseId)`: in the transaction reverting it.
 */
export * from './types.ts';
export { AdvisoryEditError, AdvisoryNotReleasableError, IllegalAdvisoryTransitionError, InvalidAdvisoryError, UnknownPackageError } from './errors.ts';
export { formatNevra, parseNevra, type Nevra } from './nevra.ts';
export { ADVISORY_ID_PATTERN, advisoryPrefix, kindLetters } from './numbering.ts';
export { findAdvisory, getAdvisory, isPublic, listAdvisories, platformAdvisories } from './read.ts';
export { createAdvisory, deleteDraft, updateAdvisory } from './write.ts';
export { approveAdvisory, markReleased, markUnreleased, retractAdvisory } from './lifecycle.ts';
export { advisoryFacts, advisoryForRelease, advisoryNevras, channelAdvisories, releasedAdvisories, toRepoAdvisory, updateinfoDate, type AdvisoryFacts, type RepoFile } from './release.ts';
export { osvEcosystem, toOsv, OSV_SCHEMA_VERSION, type OsvAffected, type OsvDocument } from './osv.ts';
