/**
 * Errata: the public face of src/errata (advisories, their lifecycle, OSV, and what the release
 * system uses). See types.ts for the terminology.
 *
 * For the release system (src/releases), inside its own flow:
 * - `advisoryForRelease(ctx, platform, id)`: the advisory, if a release of `platform` may carry it
 *   (approved or released; else AdvisoryNotReleasableError, 409);
 * - `advisoryNevras(advisory)`: the NEVRAs it needs package files for;
 * - `toRepoAdvisory(advisory, files, {issuedAt})`: src/repo's Advisory for updateinfo.xml;
 * - `markReleased(tx, ids, {releaseId, at})`: in the transaction recording the release;
 * - `releasedAdvisories(ctx, platform)`: what every new repository version of the platform carries.
 */
export * from './types.ts';
export { AdvisoryEditError, AdvisoryNotReleasableError, IllegalAdvisoryTransitionError, InvalidAdvisoryError, UnknownPackageError } from './errors.ts';
export { formatNevra, parseNevra, type Nevra } from './nevra.ts';
export { ADVISORY_ID_PATTERN, advisoryPrefix, kindLetters } from './numbering.ts';
export { findAdvisory, getAdvisory, isPublic, listAdvisories, platformAdvisories } from './read.ts';
export { createAdvisory, deleteDraft, updateAdvisory } from './write.ts';
export { approveAdvisory, markReleased, retractAdvisory } from './lifecycle.ts';
export { advisoryForRelease, advisoryNevras, releasedAdvisories, toRepoAdvisory, updateinfoDate, type RepoFile } from './release.ts';
export { osvEcosystem, toOsv, OSV_SCHEMA_VERSION, type OsvAffected, type OsvDocument } from './osv.ts';
