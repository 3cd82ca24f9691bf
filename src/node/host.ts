/**
 * Facts about the machine the node runs on: its rpm arch, the arches it can really build, and the
 * host details recorded in every build environment record.
 *
 * rpmbuild does not cross-compile: `rpmbuild --target aarch64` on x86_64 builds x86_64 code and
 * labels it aarch64. So a node builds only its own CPU arch (and `noarch`), never uses --target,
 * and refuses everything else.
 */
import { execFileSync } from 'node:child_process';
import { arch as cpuArch, endianness, hostname, release } from 'node:os';
import { UsageError } from '../errors.ts';
import { ArchNotBuildableError } from './errors.ts';

/** Node's `process.arch` → rpm's arch name. */
const RPM_ARCH: Record<string, string> = {
  x64: 'x86_64',
  arm64: 'aarch64',
  s390x: 's390x',
  ia32: 'i686',
  arm: 'armv7hl',
  riscv64: 'riscv64',
};

/** The rpm arch of this host's CPU (`x86_64`, `aarch64`, …). */
export function hostArch(): string {
  const a = cpuArch();
  if (a === 'ppc64') return endianness() === 'BE' ? 'ppc64' : 'ppc64le';
  return RPM_ARCH[a] ?? a;
}

/** Arches this host really builds: its own and `noarch`. */
export function buildableArches(): string[] {
  return [hostArch(), 'noarch'];
}

/**
 * Checks the arches a node was asked to serve (`--arches`): each must be buildable here.
 * @throws ArchNotBuildableError naming the first one that is not.
 */
export function checkServedArches(arches: readonly string[]): string[] {
  const ok = buildableArches();
  if (arches.length === 0) throw new UsageError(`no arch to serve: this node builds ${ok.join(', ')}`);
  for (const a of arches) if (!ok.includes(a)) throw new ArchNotBuildableError(a, ok);
  return [...new Set(arches)];
}

/** Throws unless `arch` is one this host builds (`src` is any host's: SRPMs are arch-neutral). */
export function assertBuildableArch(arch: string): void {
  if (arch === 'src') return;
  const ok = buildableArches();
  if (!ok.includes(arch)) throw new ArchNotBuildableError(arch, ok);
}

/** The host part of a build environment record. */
export interface HostInfo {
  hostname: string;
  arch: string;
  kernel: string;
  rpmVersion: string;
  bubblewrapVersion: string;
}

function firstLine(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0]?.trim() ?? '';
  } catch {
    return '';
  }
}

/** Reads the host facts (runs `rpm --version` and `bwrap --version`). */
export function hostInfo(): HostInfo {
  return {
    hostname: hostname(),
    arch: hostArch(),
    kernel: release(),
    rpmVersion: firstLine('rpm', ['--version']).replace(/^RPM version /, ''),
    bubblewrapVersion: firstLine('bwrap', ['--version']).replace(/^bubblewrap /, ''),
  };
}
