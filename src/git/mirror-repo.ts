/**
 * The mirrors on disk: DATA/git/mirrors/NAME.git (bare, branches and tags only — no pull-request
 * or other refs) and our autopatched repositories DATA/git/ours/NAME.git. A new mirror is fetched
 * into a temporary directory beside its place and renamed there, so a half-fetched mirror is never
 * seen; later fetches update it in place (git writes refs atomically).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { GitUnreachableError } from '../builds/errors.ts';
import { GitMirrorError } from './errors.ts';
import { lastErrorLine, runGit, type ProcessCounter } from './git-cli.ts';

/** Served at /git/…: DATA/git (GIT_PROJECT_ROOT). */
export function gitRoot(dataDir: string): string {
  return join(dataDir, 'git');
}

export function mirrorDir(dataDir: string, name: string): string {
  return join(gitRoot(dataDir), 'mirrors', `${name}.git`);
}

export function oursDir(dataDir: string, name: string): string {
  return join(gitRoot(dataDir), 'ours', `${name}.git`);
}

/** A ref with the commit it names (annotated tags peeled) and what it points at. */
export interface MirrorRef {
  target: string;
  commit: string;
}

const REFSPECS = ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'];

async function fetchInto(dir: string, url: string, counter?: ProcessCounter): Promise<void> {
  const r = await runGit(['--git-dir', dir, 'fetch', '--quiet', '--prune', '--no-write-fetch-head', '--', url, ...REFSPECS], counter, 1_800_000);
  if (r.code !== 0) throw new GitUnreachableError(url, lastErrorLine(r.stderr));
}

/** Points the mirror's HEAD where the upstream's points (so a clone checks out its default branch). */
async function followUpstreamHead(dir: string, url: string, counter?: ProcessCounter): Promise<void> {
  const r = await runGit(['ls-remote', '--symref', '--', url, 'HEAD'], counter, 120_000);
  const m = /^ref: (refs\/heads\/\S+)\tHEAD$/m.exec(r.stdout);
  if (r.code === 0 && m?.[1]) await runGit(['--git-dir', dir, 'symbolic-ref', 'HEAD', m[1]], counter);
}

/** Fetches the upstream's branches and tags into the mirror, creating it when it does not exist. @throws GitUnreachableError */
export async function updateMirror(dataDir: string, name: string, url: string, counter?: ProcessCounter): Promise<void> {
  const dir = mirrorDir(dataDir, name);
  if (existsSync(join(dir, 'HEAD'))) return fetchInto(dir, url, counter);
  const tmp = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
  await mkdir(tmp, { recursive: true });
  try {
    const init = await runGit(['init', '--quiet', '--bare', tmp], counter);
    if (init.code !== 0) throw new GitMirrorError(`cannot create mirror ${name}: ${lastErrorLine(init.stderr)}`);
    await fetchInto(tmp, url, counter);
    await followUpstreamHead(tmp, url, counter);
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** The mirror's branches and tags. @throws GitMirrorError */
export async function mirrorRefs(dataDir: string, name: string, counter?: ProcessCounter): Promise<Map<string, MirrorRef>> {
  const r = await runGit(['--git-dir', mirrorDir(dataDir, name), 'for-each-ref', '--format=%(refname) %(objectname) %(*objectname)', 'refs/heads', 'refs/tags'], counter);
  if (r.code !== 0) throw new GitMirrorError(`cannot read the refs of mirror ${name}: ${lastErrorLine(r.stderr)}`);
  const refs = new Map<string, MirrorRef>();
  for (const line of r.stdout.split('\n')) {
    const [ref, target, peeled] = line.split(' ');
    if (ref && target) refs.set(ref, { target, commit: peeled || target });
  }
  return refs;
}

/** Removes a mirror's directory (moved aside first, so a half-removed mirror is never served). */
export async function removeMirrorDir(dataDir: string, name: string): Promise<void> {
  const dir = mirrorDir(dataDir, name);
  if (!existsSync(dir)) return;
  const trash = `${dir}.deleted-${randomBytes(4).toString('hex')}`;
  await rename(dir, trash);
  await rm(trash, { recursive: true, force: true });
}
