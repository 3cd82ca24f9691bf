/**
 * The database schema as TypeScript types (Kysely). One schema serves SQLite and PostgreSQL:
 * times are integer milliseconds since the epoch (`bigint` in PostgreSQL, read back as numbers),
 * structured values are JSON text, booleans are 0/1 integers.
 *
 * Terminology:
 * - build: what a user submits: package sources (git URL + ref, or an uploaded SRPM) for one or
 *   more platforms. A build item is one source of a build.
 * - task: one unit of work a node leases: `srpm` (build the source RPM of an item for a platform)
 *   or `rpm` (build the binary RPMs of that SRPM for one arch). A task waits (`blocked`) until the
 *   tasks it depends on have succeeded, then is `queued`, `leased` by a node, and ends `succeeded`,
 *   `failed` or `cancelled`.
 * - lease: a node's claim on a task until `lease_expires_at`; heartbeats extend it; an expired
 *   lease returns the task to the queue with attempt + 1.
 * - token: a secret given to a user (API token, with a role) or a node (node token); only its
 *   sha256 is stored.
 */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Milliseconds since the epoch. */
export type Millis = number;

export type Role = 'admin' | 'maintainer' | 'read-only';
export type BuildState = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type TaskState = 'blocked' | 'queued' | 'leased' | 'succeeded' | 'failed' | 'cancelled';
/** srpm and rpm tasks build; test tasks install and test an rpm task's packages; sign tasks sign an item's packages. */
export type TaskKind = 'srpm' | 'rpm' | 'test' | 'sign' | 'sign-repo';

export interface UsersTable {
  id: Generated<number>;
  name: string;
  role: Role;
  created_at: Millis;
}

export interface TokensTable {
  id: Generated<number>;
  /** sha256 hex of the secret. */
  token_hash: string;
  kind: 'user' | 'node';
  user_id: number | null;
  node_id: number | null;
  created_at: Millis;
  revoked_at: Millis | null;
}

export interface NodesTable {
  id: Generated<number>;
  name: string;
  /** JSON array of arches the admin granted (x86_64, aarch64, …); noarch tasks go to any node. */
  arches: string;
  /** JSON array of capabilities the admin granted: build, test, sign. */
  capabilities: string;
  /** JSON array of arches the node advertised in its last hello; null before its first. It serves
   * only those also granted. */
  advertised_arches: string | null;
  /** JSON array of capabilities the node advertised in its last hello; null before its first. */
  advertised_capabilities: string | null;
  max_concurrency: number;
  enabled: number;
  last_seen_at: Millis | null;
  created_at: Millis;
  /** Increased by every lease of the node (migration 0017: how its limit holds under concurrent requests). */
  lease_seq: Generated<number>;
}

export interface PlatformsTable {
  name: string;
  /** JSON: the whole platform definition (arches, dist tag, macros, repositories, lifecycle). */
  definition: string;
  created_at: Millis;
  updated_at: Millis;
}

export interface BuildsTable {
  id: Generated<number>;
  owner_id: number;
  state: BuildState;
  priority: number;
  /** JSON array of platform names. */
  platforms: string;
  /** 1 when the user gave the order (items build one after another, in position order). */
  explicit_order: number;
  public: number;
  created_at: Millis;
  finished_at: Millis | null;
  /** Why the build failed before any task ran (e.g. a dependency cycle), else null. */
  failure_reason: string | null;
  /** When the last of the build's packages was signed; null while any is not (set by src/signing). */
  signed_at?: Millis | null;
  /** JSON array of the arches asked for, or null for every build arch of the platforms (migration 0015). */
  arches?: string | null;
}

export interface BuildItemsTable {
  id: Generated<number>;
  build_id: number;
  position: number;
  kind: 'git' | 'srpm';
  git_url: string | null;
  git_ref: string | null;
  /** The commit the ref resolved to at submit time. */
  git_commit: string | null;
  /** For an uploaded SRPM: its sha256 in the artifact store. */
  srpm_sha256: string | null;
  /** Package (source) name once known. */
  name: string | null;
}

export interface TasksTable {
  id: Generated<number>;
  /** The build and item (package) the task belongs to; null for a release's task. */
  build_id: number | null;
  item_id: number | null;
  /** The release a sign-repo task signs the repository versions of (null for a build's task). */
  release_id: number | null;
  kind: TaskKind;
  platform: string;
  /** Target arch; `noarch` tasks and srpm tasks (`src`) may go to any node. */
  arch: string;
  state: TaskState;
  priority: number;
  owner_id: number;
  leased_by: number | null;
  lease_expires_at: Millis | null;
  attempt: number;
  max_attempts: number;
  created_at: Millis;
  queued_at: Millis | null;
  started_at: Millis | null;
  finished_at: Millis | null;
  failure_reason: string | null;
  /** JSON: what the node reported (build environment record, arches from the SRPM, …). */
  result: string | null;
}

export interface TaskDependenciesTable {
  task_id: number;
  depends_on: number;
}

/** Scheduling decisions and state changes, visible per task. */
export interface TaskEventsTable {
  id: Generated<number>;
  task_id: number;
  at: Millis;
  /** queued, leased, refused, heartbeat-lost, expired, succeeded, failed, cancelled, retried, … */
  kind: string;
  node_id: number | null;
  message: string;
}

/** Nodes that refused a task (it is not offered to them again). */
export interface TaskRefusalsTable {
  task_id: number;
  node_id: number;
  at: Millis;
  reason: string;
}

export interface TaskLogsTable {
  task_id: number;
  seq: number;
  at: Millis;
  chunk: string;
}

export interface ArtifactsTable {
  id: Generated<number>;
  task_id: number;
  /** File name (no directories). */
  name: string;
  /** srpm, rpm, log, buildenv */
  kind: string;
  sha256: string;
  size: number;
  created_at: Millis;
}

/** Every RPM indexed when it arrives (src/rpm), for dependency resolution and the API. */
export interface RpmPackagesTable {
  sha256: string;
  name: string;
  epoch: number | null;
  version: string;
  release: string;
  arch: string;
  sourcerpm: string | null;
  /** JSON: RepoPackage (src/repo/model.ts) without pkgId-independent noise: deps and files. */
  metadata: string;
  created_at: Millis;
}

/**
 * The package of each indexed RPM artifact of a build (srpm or rpm), for finding builds by the
 * packages they made (the builds feed's search); removed with its artifact.
 */
export interface ArtifactPackagesTable {
  artifact_id: number;
  build_id: number;
  /** `name-version-release.arch`, ASCII letters in lower case (packageSearchKey in migration 0014). */
  key: string;
  name: string;
  epoch: number | null;
  /** `name-[epoch:]version-release.arch`, the epoch left out when none. */
  nevra: string;
}

/** Errata (src/errata): advisories, each of one platform; see src/errata/types.ts. */
export interface AdvisoriesTable {
  /** e.g. DFSA-2026:0001: prefix, S/B/E + A, year, number. */
  id: string;
  platform: string;
  /** security, bugfix, enhancement, newpackage */
  type: string;
  /** Critical, Important, Moderate, Low; null when not set (never for security). */
  severity: string | null;
  title: string;
  description: string;
  solution: string;
  reboot_suggested: number;
  /** draft, approved, released, retracted */
  state: string;
  created_by: number;
  created_at: Millis;
  /** The last change of any kind (an edit, a state move). */
  modified_at: Millis;
  approved_by: number | null;
  approved_at: Millis | null;
  /** When it was first released; null before. */
  issued_at: Millis | null;
  /** When it was last released or amended; null before its release. */
  updated_at: Millis | null;
  retracted_by: number | null;
  retracted_at: Millis | null;
  retraction_reason: string | null;
  /** The release that first published it (the releases table of migration 0012; no foreign key). */
  release_id: number | null;
}

export interface AdvisoryReferencesTable {
  advisory_id: string;
  position: number;
  /** cve, bugzilla, upstream, self, other */
  type: string;
  ref_id: string;
  href: string | null;
  title: string | null;
}

/** A package an advisory covers: a built RPM (or SRPM) of its platform, by NEVRA. */
export interface AdvisoryPackagesTable {
  advisory_id: string;
  position: number;
  /** `name-[epoch:]version-release.arch`, epoch left out when none. */
  nevra: string;
  name: string;
  epoch: number | null;
  version: string;
  release: string;
  arch: string;
  /** The source package it was built from (its own for an SRPM). */
  source_name: string;
  source_version: string;
  source_release: string;
}

/** The last advisory number given per id prefix (`DFSA`), kind letter and year. */
export interface AdvisoryCountersTable {
  /** The platform's advisoryPrefix (default DF). */
  prefix: string;
  /** SA, BA or EA. */
  kind: string;
  year: number;
  last_number: number;
}

export interface Database {
  users: UsersTable;
  tokens: TokensTable;
  nodes: NodesTable;
  platforms: PlatformsTable;
  builds: BuildsTable;
  build_items: BuildItemsTable;
  tasks: TasksTable;
  task_dependencies: TaskDependenciesTable;
  task_events: TaskEventsTable;
  task_refusals: TaskRefusalsTable;
  task_logs: TaskLogsTable;
  artifacts: ArtifactsTable;
  rpm_packages: RpmPackagesTable;
  artifact_packages: ArtifactPackagesTable;
  advisories: AdvisoriesTable;
  advisory_references: AdvisoryReferencesTable;
  advisory_packages: AdvisoryPackagesTable;
  advisory_counters: AdvisoryCountersTable;
}

export type Task = Selectable<TasksTable>;
export type NewTask = Insertable<TasksTable>;
export type TaskUpdate = Updateable<TasksTable>;
export type Build = Selectable<BuildsTable>;
export type BuildItem = Selectable<BuildItemsTable>;
export type Node = Selectable<NodesTable>;
export type Artifact = Selectable<ArtifactsTable>;
export type User = Selectable<UsersTable>;
