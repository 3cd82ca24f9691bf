/**
 * Asks rpmspec what a spec says (name, epoch, version, release) with the dist macros of the
 * target (e.g. `%dist .el9`), so the NVR in tags and changelogs is the one a build produces.
 */
import { execFile } from 'node:child_process';
import { AutopatchError } from './errors.ts';

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

function rpmspec(specPath: string, dist: string, qf: string): Promise<string> {
  const args = ['-q', '--srpm', ...distMacros(dist), '--qf', qf, specPath];
  return new Promise((resolve, reject) => {
    execFile('rpmspec', args, { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C', HOME: '/nonexistent' }, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err === null) return resolve(stdout);
      reject(new AutopatchError(`rpmspec cannot read ${specPath}: ${stderr.trim() || err.message}`, { cause: err }));
    });
  });
}

/** Name, epoch, version and release of the spec's source package. */
export async function specIdentity(specPath: string, dist: string): Promise<SpecIdentity> {
  const out = (await rpmspec(specPath, dist, '%{name}\\n%{epoch}\\n%{version}\\n%{release}\\n')).split('\n');
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
export async function inferDist(specPath: string, upstreamRef: string, branch: string): Promise<string> {
  const marker = 'XDISTMARKERX';
  const fallback = /(\d+)$/.exec(branch)?.[1];
  const guess = fallback === undefined ? '' : `.el${fallback}`;
  const id = await specIdentity(specPath, marker);
  const tail = upstreamRef.split('/').pop() ?? '';
  const prefix = `${id.name}-${id.version}-`;
  if (!tail.startsWith(prefix) || !id.release.includes(marker)) return guess;
  const release = tail.slice(prefix.length);
  const [before = '', after = ''] = id.release.split(marker);
  if (!release.startsWith(before) || !release.endsWith(after) || release.length < before.length + after.length) return guess;
  return release.slice(before.length, release.length - after.length);
}
