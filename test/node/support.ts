/**
 * Helpers for the build node's tests: the example platform (examples/platforms/example-el9.yaml),
 * the example packages turned into real git repositories, and rpm as the judge of what was built.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { nodePlatform } from '../../src/node/platform.ts';
import type { NodePlatform } from '../../src/node/types.ts';
import type { RootBuilderOptions } from '../../src/node/builders/rpmbuild-root.ts';
import { PLATFORM_REPOS, testRootCache } from '../support/bootstrap-repo.ts';

export const ROOT = join(import.meta.dirname, '..', '..');
export const EXAMPLES = join(ROOT, 'examples', 'packages');

/**
 * The example platform, as a node gets it, with its bootstrap repository read from the shared test
 * copy (bootstrap-repo.ts) by file:// instead of from a master.
 */
export function examplePlatform(): NodePlatform {
  const definition = parse(readFileSync(join(ROOT, 'examples', 'platforms', 'example-el9.yaml'), 'utf8')) as { repositories: { url: string }[] };
  for (const r of definition.repositories) r.url = r.url.replace(/^\/api\/v1\/platform-repos\//, `file://${PLATFORM_REPOS}/`);
  return nodePlatform(definition, 'example-el9');
}

/** What the root builder needs for the example platform (call after `await bootstrapRepo()`). */
export function rootOptions(repositories: string[] = []): RootBuilderOptions {
  return { platform: examplePlatform(), cache: testRootCache(), repositories };
}

/** A git repository holding `files` (path → content) or a copy of the example package `name`. */
export interface GitTree {
  url: string;
  commit: string;
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, '-c', 'user.name=distforge tests', '-c', 'user.email=tests@distforge.invalid', ...args], { encoding: 'utf8' }).trim();
}

/** Commits everything in `dir` (made a git repository) and returns its URL and commit. */
export function commitTree(dir: string): GitTree {
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'import');
  return { url: dir, commit: git(dir, 'rev-parse', 'HEAD') };
}

/** The example package `name` as a git repository under `dir`. */
export function exampleRepo(dir: string, name: string): GitTree {
  const d = join(dir, 'git', name);
  mkdirSync(d, { recursive: true });
  cpSync(join(EXAMPLES, name), d, { recursive: true });
  return commitTree(d);
}

/** `rpm -qp --qf FORMAT FILE`. */
export function rpmQuery(file: string, format: string): string {
  return execFileSync('rpm', ['-qp', '--qf', format, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

/** `rpm -qp --requires FILE` lines, rpmlib() left out. */
export function rpmRequires(file: string): string[] {
  return execFileSync('rpm', ['-qp', '--requires', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('rpmlib('));
}

/** `rpm -K FILE` (digests): its one-line verdict. */
export function rpmCheck(file: string): string {
  return execFileSync('rpm', ['-K', '--nosignature', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}
