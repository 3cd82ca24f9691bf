/** The tables of the release system (migration 0012), on top of the signing domain's. */
import type { ColumnType, Generated, Kysely, Selectable } from 'kysely';
import type { Context } from '../context.ts';
import type { Millis } from '../db/schema.ts';
import type { SigningDatabase } from '../signing/schema.ts';

/** planned → publishing → released → reverted. */
export type ReleaseState = 'planned' | 'publishing' | 'released' | 'reverted';

export interface ReleasesTable {
  id: Generated<number>;
  platform: string;
  state: ReleaseState;
  note: string | null;
  /** 1 when committed with --force (re-release, downgrade allowed). */
  forced: number;
  created_by: number | null;
  created_at: Millis;
  updated_at: Millis;
  committed_by: number | null;
  committed_at: Millis | null;
  released_at: Millis | null;
  reverted_by: number | null;
  reverted_at: Millis | null;
  /** The sign-repo task of the latest commit attempt. */
  sign_task_id: number | null;
  /** Why the latest commit attempt did not publish (null when it did or is under way). */
  failure_reason: string | null;
  /** JSON list of release repositories whose binary channels get a new version even without packages (new comps/modules). */
  republish: ColumnType<string, string | undefined, string>;
  /** A promotion: the release repository its packages come from and leave (null: a release of builds). */
  promote_from: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A file passed through into a release repository's binary channels: comps (`groups`) or modules.yaml (`modules`). */
export type RepoFileKind = 'groups' | 'modules';

export interface ReleaseRepoFilesTable {
  platform: string;
  repo: string;
  kind: RepoFileKind;
  sha256: string;
  size: number;
  updated_by: number | null;
  updated_at: Millis;
}

/** What a package of a plan is: a binary package, a -debuginfo/-debugsource one, or an SRPM. */
export type PackageKind = 'binary' | 'debuginfo' | 'source';

export interface ReleaseBuildsTable {
  release_id: number;
  build_id: number;
}

export interface ReleasePackagesTable {
  id: Generated<number>;
  release_id: number;
  build_id: number;
  artifact_id: number;
  kind: PackageKind;
  name: string;
  epoch: number | null;
  version: string;
  release: string;
  arch: string;
  sourcerpm: string | null;
  /** JSON array of the release repositories it goes to ([] when none takes it). */
  repos: string;
  /** 1 when a user placed it (a move), so placing again leaves it. */
  moved: number;
  reason: string;
}

export interface ReleaseAdvisoriesTable {
  release_id: number;
  advisory_id: string;
}

export interface ReleaseChannelsTable {
  platform: string;
  repo: string;
  /** ARCH, ARCH/debug or Source. */
  channel: string;
  /** The version number served now (null: nothing published yet). */
  current: number | null;
  updated_at: Millis;
}

/** staged → published → expired; staged → discarded. */
export type VersionState = 'staged' | 'published' | 'expired' | 'discarded';

export interface RepoVersionsTable {
  id: Generated<number>;
  platform: string;
  repo: string;
  channel: string;
  number: number;
  release_id: number;
  cause: 'release' | 'revert';
  state: VersionState;
  /** The version number it was made from (null for a channel's first). */
  base: number | null;
  packages: number;
  advisories: number;
  repomd_sha256: string;
  created_at: Millis;
  published_at: Millis | null;
  /** When another version replaced it as the one served. */
  superseded_at: Millis | null;
}

/** A package as a channel holds it. */
export interface ChannelPackageColumns {
  sha256: string;
  /** The build's artifact (unsigned original), when it came from a build. */
  artifact_id: number | null;
  name: string;
  epoch: number | null;
  version: string;
  release: string;
  arch: string;
  /** Its location in the channel, e.g. Packages/b/bash-5.1-1.el9.x86_64.rpm. */
  href: string;
  /** Seconds: primary.xml's time file. */
  file_time: number;
}

export interface RepoVersionChangesTable extends ChannelPackageColumns {
  version_id: number;
  change: 'added' | 'removed';
}

export interface ChannelPackagesTable extends ChannelPackageColumns {
  platform: string;
  repo: string;
  channel: string;
  /** The release that put it there. */
  release_id: number;
}

export type ReleasesDatabase = SigningDatabase & {
  releases: ReleasesTable;
  release_builds: ReleaseBuildsTable;
  release_packages: ReleasePackagesTable;
  release_advisories: ReleaseAdvisoriesTable;
  release_channels: ReleaseChannelsTable;
  release_repo_files: ReleaseRepoFilesTable;
  repo_versions: RepoVersionsTable;
  repo_version_changes: RepoVersionChangesTable;
  channel_packages: ChannelPackagesTable;
};

export type ReleaseRow = Selectable<ReleasesTable>;
export type ReleasePackageRow = Selectable<ReleasePackagesTable>;
export type RepoVersionRow = Selectable<RepoVersionsTable>;
export type ChannelPackage = Selectable<ChannelPackageColumns>;

export function releasesDb(ctx: Context): Kysely<ReleasesDatabase> {
  return ctx.db.kysely as unknown as Kysely<ReleasesDatabase>;
}
