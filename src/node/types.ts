/**
 * What the build node works with: the platform as the node sees it, task sources, and the tasks
 * the master hands out over the node API.
 *
 * Terminology:
 * - node: one machine that leases tasks from the master, builds them and uploads the results.
 * - task: `srpm` (check out a source and build its source RPM) or `rpm` (build the binary RPMs
 *   of that SRPM for one arch).
 * - work dir: the directory the node gives one task; everything the task writes stays inside it.
 * - build root: the part of the work dir the sandbox may write (`/build` inside the sandbox).
 * - buildable arch: an arch this host really builds (its own CPU arch, plus `noarch`);
 *   `rpmbuild --target` would label host code with any arch, so nothing else is accepted.
 * - build dependency: a package a BuildRequires (or, transitively, a Requires of one) needs.
 * - source cache: downloaded dist-git source files, by hash, shared by the node's tasks.
 * - host provides: what the host's own toolchain gives (gcc, make, bash …), declared by a
 *   generated, file-less package in the build's private rpmdb.
 */

/** One dnf repository of a platform. */
export interface PlatformRepository {
  name: string;
  /** file:// or http(s):// URL of the repository root (`$basearch` replaced per arch). */
  url: string;
  /** The arches it serves; absent = all. */
  arches?: string[];
  /** dnf checks the packages' signatures against `gpgkey`. */
  gpgcheck?: boolean;
  gpgkey?: string;
}

/** How the platform's build roots are made (mock's chroot_setup_cmd and releasever). */
export interface PlatformBuildroot {
  /** What dnf installs first into every root: package names and `@group`s. */
  install: string[];
  /** dnf's `$releasever`. */
  releasever: string;
}

/** A lookaside cache of the platform: a URL template (src/lookaside/template.ts). */
export interface PlatformLookaside {
  url: string;
}

/**
 * The part of a platform definition the node uses (the master sends the whole definition; extra
 * fields are ignored).
 */
export interface NodePlatform {
  name: string;
  /** Arches the platform builds for, e.g. ['x86_64', 'noarch']. */
  arches: string[];
  /** The `%dist` macro, e.g. `.el9`. */
  distTag: string;
  /** More rpm macros (`vendor`, `rhel`, `el9` …), without the leading `%`. */
  macros?: Record<string, string>;
  repositories?: PlatformRepository[];
  /** Lookaside caches for dist-git sources, in the platform's order. */
  lookaside?: PlatformLookaside[];
  /** How build roots are made; absent in a definition = `@buildsys-build`, releasever from the version. */
  buildroot?: PlatformBuildroot;
}

/** Where a task's package comes from. */
export type TaskSource =
  | { kind: 'git'; gitUrl: string; gitRef: string; gitCommit: string }
  | { kind: 'srpm'; srpmPath: string };

/** Kinds of artifacts a node uploads. */
export type ArtifactKind = 'srpm' | 'rpm' | 'log' | 'buildenv';

/** An artifact of a finished task as the master lists it. */
export interface RemoteArtifact {
  name: string;
  kind: string;
  sha256: string;
  url: string;
}

/** The kinds of task the master leases (build nodes: srpm, rpm; test nodes: test; signers: sign, sign-repo). */
export type LeasedTaskKind = 'srpm' | 'rpm' | 'test' | 'sign' | 'sign-repo';

/** A task as `POST /api/v1/node/lease` returns it. */
export interface LeasedTask {
  id: number;
  /** The build; null for a release's sign-repo task. */
  buildId: number | null;
  /** The release a sign-repo task signs repository versions for. */
  releaseId?: number;
  kind: LeasedTaskKind;
  platform: string;
  arch: string;
  attempt: number;
  /** Milliseconds since the epoch. */
  leaseExpiresAt: number;
  source: { kind: 'git' | 'srpm'; gitUrl?: string | null; gitRef?: string | null; gitCommit?: string | null; srpmUrl?: string | null };
  /** The platform's definition as stored on the master; read with `nodePlatform()` (platform.ts). */
  platformDefinition: unknown;
  /** Finished tasks this one depends on, with their artifacts (the SRPM, packages of the build). */
  dependencies: { taskId: number; artifacts: RemoteArtifact[] }[];
  /** Repositories to resolve BuildRequires from (repositories of the build and linked builds, then the platform's). */
  repositories: string[];
  /** srpm and rpm tasks of a rebuild asked to use the same package set: the NEVRAs of the root to make. */
  buildrootLock?: string[];
  /** Sign and sign-repo tasks: the key to sign with. */
  sign?: { keyid: string; fingerprint: string; heldElsewhere?: boolean };
  /** Sign-repo tasks: the repomd.xml of each arch's repository, to sign byte for byte. */
  repomd?: { arch: string; sha256: string; url: string }[];
}

/** A file a task produced, ready to upload. */
export interface TaskArtifact {
  /** File name (no directories). */
  name: string;
  kind: ArtifactKind;
  path: string;
  /** The bytes, when they are in memory (sent instead of reading `path`). */
  data?: Buffer;
  sha256: string;
  size: number;
}
