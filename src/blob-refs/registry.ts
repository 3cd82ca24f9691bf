/**
 * The reference registry: every table column that names a blob of the artifact store, in one
 * list. Garbage collection (store-gc.ts) keeps every blob some row here names; a table that names
 * blobs and is missing from the list would lose them, so a test (test/db/blob-refs.test.ts)
 * checks that every column of the schema whose name says sha256 (or ends in hash) is either here
 * or in {@link NOT_BLOB_COLUMNS}.
 *
 * To add a table: one entry, with the domain it belongs to and what the blob is. A table that a
 * migration not yet merged creates is declared `optional` (skipped while it does not exist; its
 * columns must be there once it does).
 *
 * Terminology:
 * - reference: a row naming a blob by sha256.
 * - kept release version: a repository version still served or addressable (staged, published),
 *   or expired less than the grace period ago: its packages and metadata count as references.
 */
import { sql, type RawBuilder } from 'kysely';

/** What the condition of a reference may depend on. */
export interface ReferenceTime {
  /** Versions expired (superseded) at or after this time (ms) still count as kept. */
  keptSince: number;
}

export interface BlobReference {
  /** The folder whose tables these are (for people). */
  domain: string;
  table: string;
  column: string;
  /** `sha256`: the column holds one sha256 (or null). `json-object-values`: a JSON object whose values are sha256s. */
  holds: 'sha256' | 'json-object-values';
  /** Only rows meeting this condition count (SQL over the row, aliased `r`). */
  where?: (at: ReferenceTime) => RawBuilder<unknown>;
  /** Declared ahead of the migration that creates the table: skipped while the table does not exist. */
  optional?: boolean;
  /** What the blob is. */
  what: string;
}

/** `r.<column>` names the id of a kept release repository version. */
function keptVersion(column: string): (at: ReferenceTime) => RawBuilder<unknown> {
  return (at) => sql`${sql.ref(`r.${column}`)} IN (SELECT v.id FROM repo_versions AS v WHERE ${keptVersionRow('v', at)})`;
}

/** The row `alias` of repo_versions is a kept version. */
function keptVersionRow(alias: string, at: ReferenceTime): RawBuilder<unknown> {
  const col = (c: string): RawBuilder<unknown> => sql.ref(`${alias}.${c}`);
  return sql`(${col('state')} IN ('staged', 'published') OR (${col('state')} = 'expired' AND (${col('superseded_at')} IS NULL OR ${col('superseded_at')} >= ${at.keptSince})))`;
}

/** Every column that names blobs. */
export const BLOB_REFERENCES: readonly BlobReference[] = [
  { domain: 'scheduler', table: 'artifacts', column: 'sha256', holds: 'sha256', what: "a task's upload: RPM, SRPM, log, build environment, signed copy" },
  { domain: 'builds', table: 'build_items', column: 'srpm_sha256', holds: 'sha256', what: 'the uploaded SRPM a build was submitted with' },
  { domain: 'lookaside', table: 'lookaside_files', column: 'sha256', holds: 'sha256', what: 'a source file of the lookaside store' },
  { domain: 'signing', table: 'signatures', column: 'sha256', holds: 'sha256', what: 'a signed package' },
  { domain: 'signing', table: 'signatures', column: 'original_sha256', holds: 'sha256', what: 'the unsigned package a signed one was made from' },
  { domain: 'signing', table: 'repomd_signatures', column: 'repomd_sha256', holds: 'sha256', what: 'the repomd.xml a signer signed' },
  { domain: 'releases', table: 'release_repo_files', column: 'sha256', holds: 'sha256', what: "a release repository's comps.xml or modules.yaml" },
  { domain: 'releases', table: 'channel_packages', column: 'sha256', holds: 'sha256', what: 'a package a release channel serves now' },
  {
    domain: 'releases', table: 'repo_version_changes', column: 'sha256', holds: 'sha256', where: keptVersion('version_id'),
    what: 'a package a kept release version added or removed (an older kept version still serves it, a revert brings it back)',
  },
  { domain: 'releases', table: 'repo_versions', column: 'repomd_sha256', holds: 'sha256', where: (at) => keptVersionRow('r', at), what: "a kept release version's repomd.xml" },
  // Migration 0016 (several masters on one database), declared ahead of it.
  { domain: 'builds', table: 'build_repo_metadata', column: 'repomd_sha256', holds: 'sha256', what: "a build repository's repomd.xml" },
  { domain: 'builds', table: 'build_repo_metadata', column: 'files', holds: 'json-object-values', what: "a build repository's repodata files" },
  { domain: 'releases', table: 'repo_version_files', column: 'sha256', holds: 'sha256', where: keptVersion('version_id'), what: "a kept release version's repodata files" },
  { domain: 'git', table: 'git_ours_bundles', column: 'sha256', holds: 'sha256', what: 'a git bundle of one of our autopatched repositories' },
];

/** Columns that hold a sha256 but name no blob of the store, and why. */
export const NOT_BLOB_COLUMNS: readonly { table: string; column: string; why: string }[] = [
  { table: 'rpm_packages', column: 'sha256', why: 'an index of package headers by sha256; an uploaded SRPM no build names is kept only for the grace period' },
  { table: 'tokens', column: 'token_hash', why: 'the hash of a secret' },
  { table: 'lookaside_files', column: 'hash', why: "the file's hash of each type (md5, sha1, sha256, sha512); its sha256 column names the blob" },
  { table: 'build_repo_metadata', column: 'content_sha256', why: 'a key of the packages a build repository was rendered from' },
  { table: 'git_ours_bundles', column: 'refs_sha256', why: "a hash of a repository's refs" },
];
