/**
 * Asks rpmspec what a spec says (name, epoch, version, release) with the dist macros of the
 * target (e.g. `%dist .el9`), so the NVR in tags and changelogs is the one a build produces.
 * The spec comes from upstream: rpmspec evaluates its macros (`%(...)`, `%{lua: ...}`), so it
 * runs in the sandbox (sandbox.ts), with the tree read-only, never on the master itself.
 */
import { basename, dirname, join } from 'node:path';
import { AutopatchError } from './errors.ts';
import { runScriptSandboxed } from './sandbox.ts';

export interface SpecIdentity {
  name: string;
  epoch: string | null;
  version: string;
  release: string;
}

/** Macros the spec is evaluated with: `dist` and, for `.elN`, `rhel N` and `elN 1`. */
export function distMacros(dist: string): string[] {
  const args = ['--define', `dist ${dist === '' ? '%{nil}' : dist}`];
  const el = /^\.el(\d+)/.exec(dist);
  if (el?.[1] !== undefined) args.push('--define', `rhel ${el[1]}`, '--define', `el${el[1]} 1`);
  return args;
}

/** How long rpmspec may take on a spec. */
const RPMSPEC_TIMEOUT_SECONDS = 60;

/** A spec in a package tree: the tree's root and the spec's path relative to it. */
export interface TreeSpec {
  root: string;
  spec: string;
}

async function rpmspec(where: TreeSpec, dist: string, qf: string): Promise<string> {
  const specDir = join('/package', dirname(where.spec));
  const sources = basename(specDir) === 'SPECS' ? join(dirname(specDir), 'SOURCES') : specDir;
  const args = ['-q', '--srpm', '--define', `_sourcedir ${sources}`, '--define', `_specdir ${specDir}`, ...distMacros(dist), '--qf', qf, join('/package', where.spec)];
  const r = await runScriptSandboxed({ tree: where.root, treeWritable: false, command: ['rpmspec', ...args], env: {}, timeoutSeconds: RPMSPEC_TIMEOUT_SECONDS });
  if (r.timedOut) throw new AutopatchError(`rpmspec took more than ${RPMSPEC_TIMEOUT_SECONDS} s on ${where.spec}`);
  if (r.exitCode !== 0) {
    const why = r.output.trim().split('\n').slice(-3).join(' / ') || `exit ${String(r.exitCode)}`;
    throw new AutopatchError(`rpmspec cannot read ${where.spec}: ${why}`);
  }
  return r.stdout;
}

/** Name, epoch, version and release of the spec's source package. */
export async function specIdentity(where: TreeSpec, dist: string): Promise<SpecIdentity> {
  const out = (await rpmspec(where, dist, '%{name}\\n%{epoch}\\n%{version}\\n%{release}\\n')).split('\n');
  const [name = '', epoch = '', version = '', release = ''] = out;
  return { name, epoch: epoch === '(none)' ? null : epoch, version, release };
}

export function nvrOf(id: SpecIdentity): string {
  return `${id.name}-${id.version}-${id.release}`;
}

export function evrOf(id: SpecIdentity): string {
  return `${id.epoch === null ? '' : `${id.epoch}:`}${id.version}-${id.release}`;
}

/**
 * The dist tag of an import. From an import tag `…/<name>-<version>-<release>`: the part of the
 * release that `%{?dist}` produced (found by evaluating the spec with a marker as dist). Otherwise
 * `.el<N>` from the digits ending our branch name (`a9` → `.el9`), else none.
 */
export async function inferDist(where: TreeSpec, upstreamRef: string, branch: string): Promise<string> {
  const marker = 'XDISTMARKERX';
  const fallback = /(\d+)$/.exec(branch)?.[1];
  const guess = fallback === undefined ? '' : `.el${fallback}`;
  const id = await specIdentity(where, marker);
  const tail = upstreamRef.split('/').pop() ?? '';
  const prefix = `${id.name}-${id.version}-`;
  if (!tail.startsWith(prefix) || !id.release.includes(marker)) return guess;
  const release = tail.slice(prefix.length);
  const [before = '', after = ''] = id.release.split(marker);
  if (!release.startsWith(before) || !release.endsWith(after) || release.length < before.length + after.length) return guess;
  return release.slice(before.length, release.length - after.length);
}
