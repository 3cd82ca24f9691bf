/**
 * The build environment record: what a build ran with, kept beside its packages (artifact kind
 * `buildenv`, `buildenv.json`) so that anyone can see, and redo, the build: the macros, every build
 * dependency with its exact version and origin, what the host toolchain stood in for, the host
 * (name, arch, kernel, rpm and bubblewrap versions) and the sandbox.
 */
import { writeFileSync } from 'node:fs';
import type { RpmSpecDependency } from '../rpm/writer.ts';
import type { HostInfo } from './host.ts';

/** One package installed as a build dependency. */
export interface BuildDependencyRecord {
  name: string;
  epoch: string;
  version: string;
  release: string;
  arch: string;
  nevra: string;
  /** The file or repository it came from. */
  origin: string;
  sha256: string;
}

export interface BuildEnvironment {
  /** Format version of this record. */
  format: 1;
  task: { kind: 'srpm' | 'rpm'; platform: string; arch: string };
  /** The package built (`name-version-release`), when known. */
  package: string | null;
  source: { gitUrl?: string; commit?: string; srpm?: string } | null;
  host: HostInfo;
  sandbox: { tool: 'bubblewrap'; network: 'none'; usr: 'host, read-only'; tmp: 'private' };
  macros: Record<string, string>;
  /** BuildRequires (as written in the SRPM, rpmlib() left out). */
  buildRequires: string[];
  buildDependencies: BuildDependencyRecord[];
  /** BuildRequires the host toolchain satisfied. */
  fromHost: string[];
  /** Everything the host-provides package declared (name and version). */
  hostProvides: string[];
  /** ISO 8601 times. */
  startedAt: string;
  finishedAt: string | null;
}

/** `name = version` or `name` for a host Provides. */
export function formatHostProvide(d: RpmSpecDependency): string {
  return d.evr === undefined ? d.name : `${d.name} = ${d.evr}`;
}

/** A record with the fields every build has; the builder fills in the rest. */
export function newBuildEnvironment(init: Pick<BuildEnvironment, 'task' | 'host' | 'macros'> & Partial<BuildEnvironment>): BuildEnvironment {
  return {
    format: 1,
    package: null,
    source: null,
    sandbox: { tool: 'bubblewrap', network: 'none', usr: 'host, read-only', tmp: 'private' },
    buildRequires: [],
    buildDependencies: [],
    fromHost: [],
    hostProvides: [],
    startedAt: new Date().toISOString(),
    finishedAt: null,
    ...init,
  };
}

/** Writes the record as pretty JSON. */
export function writeBuildEnvironment(path: string, env: BuildEnvironment): void {
  writeFileSync(path, `${JSON.stringify(env, null, 2)}\n`);
}
