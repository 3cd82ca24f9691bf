/**
 * The build environment record: what a build ran with, kept beside its packages (artifact kind
 * `buildenv`, `buildenv.json`) so that anyone can see, and redo, the build: the macros, the build
 * root (every package in it with its sha256, the repositories with their metadata checksums), the
 * host (name, arch, kernel, rpm and bubblewrap versions) and the sandbox. Written for failed
 * builds too, as far as they got.
 */
import { writeFileSync } from 'node:fs';
import type { BuildrootRecord } from './buildroot/task-root.ts';
import type { HostInfo } from './host.ts';

export interface BuildEnvironment {
  /** Format version of this record. */
  format: 2;
  task: { kind: 'srpm' | 'rpm'; platform: string; arch: string };
  /** The package built (`name-version-release`), when known. */
  package: string | null;
  source: { gitUrl?: string; commit?: string; srpm?: string } | null;
  host: HostInfo;
  sandbox: { tool: 'bubblewrap'; root: 'installed by dnf from the platform repositories'; user: string; network: 'none'; tmp: 'private' };
  /** Macros given on rpmbuild's command line (the root's own macros come from its packages). */
  macros: Record<string, string>;
  /** The root the build ran in, once it was made. */
  buildroot: BuildrootRecord | null;
  /** ISO 8601 times. */
  startedAt: string;
  finishedAt: string | null;
}

/** A record with the fields every build has; the builder fills in the rest. */
export function newBuildEnvironment(init: Pick<BuildEnvironment, 'task' | 'host' | 'macros'> & Partial<BuildEnvironment>): BuildEnvironment {
  const uid = process.getuid?.() === 0 ? `sandbox user (uid ${process.env.DISTFORGE_SANDBOX_UID ?? '990000'})` : `uid ${process.getuid?.() ?? '?'}`;
  return {
    format: 2,
    package: null,
    source: null,
    sandbox: { tool: 'bubblewrap', root: 'installed by dnf from the platform repositories', user: uid, network: 'none', tmp: 'private' },
    buildroot: null,
    startedAt: new Date().toISOString(),
    finishedAt: null,
    ...init,
  };
}

/** Writes the record as pretty JSON. */
export function writeBuildEnvironment(path: string, env: BuildEnvironment): void {
  writeFileSync(path, `${JSON.stringify(env, null, 2)}\n`);
}
