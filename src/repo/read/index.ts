/**
 * Reading existing repodata: repomd.xml, primary.xml, filelists.xml, other.xml and updateinfo.xml,
 * from a directory or over HTTP, streamed (a 100,000-package primary.xml needs memory for one
 * package, not for the file) and verified against repomd.xml's checksums and sizes.
 *
 * Start with `openRepository(location)`; the per-file readers take any XML input (a string, a
 * Buffer or an iterable of chunks) for files obtained some other way.
 *
 * Terminology:
 * - pkgId: the checksum of a package file; it joins a package's entries across the three files.
 * - repository root: the directory (or URL) holding `repodata/repomd.xml`.
 */
export { openRepository, REPOMD_HREF } from './source.ts';
export type { PackagesOptions, RepoSource } from './source.ts';
export type { TransportOptions } from './transport.ts';
export { parseRepomd, repomdRecord } from './repomd.ts';
export type { Repomd, RepomdChecksum, RepomdDistroTag, RepomdRecord, RepomdTags } from './repomd.ts';
export { readPrimary } from './primary.ts';
export type { PrimaryPackage } from './primary.ts';
export { readFilelists } from './filelists.ts';
export type { FilelistsPackage } from './filelists.ts';
export { readOther } from './other.ts';
export type { OtherPackage } from './other.ts';
export { readUpdateinfo } from './updateinfo.ts';
export type { PackageEntryId } from './package-entry.ts';
export type { XmlInput } from './items.ts';
