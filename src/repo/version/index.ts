/**
 * Repository versions: the repodata of one immutable publication of a release repository,
 * rendered fast from a cache of fragments and compressed chunks shared by a platform's versions.
 * See types.ts for the terms and docs/repo.md ("Repository versions") for the guarantees.
 */
export { renderRepositoryVersion } from './render-version.ts';
export { RepoVersionError } from './errors.ts';
export { DEFAULT_CHUNK_BYTES } from './chunking.ts';
export type { RenderTimes, RenderVersionOptions, RenderedVersion, VersionCompression, VersionPackage } from './types.ts';
