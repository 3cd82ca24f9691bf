/**
 * Helpers for the autopatch tests: throw-away git repositories made from files (upstream imports,
 * patches repositories), a tiny spec, and reading refs and files back with the real git CLI.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';

const GIT_ENV = {
  PATH: process.env['PATH'] ?? '/usr/bin:/bin',
  HOME: '/nonexistent',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'upstream',
  GIT_AUTHOR_EMAIL: 'upstream@example.invalid',
  GIT_COMMITTER_NAME: 'upstream',
  GIT_COMMITTER_EMAIL: 'upstream@example.invalid',
  GIT_AUTHOR_DATE: '@1767225600 +0000',
  GIT_COMMITTER_DATE: '@1767225600 +0000',
};

/** Runs git in `repo` (a work tree or a bare repository) and returns its trimmed output. */
export function gitIn(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-C', repo, ...args], { env: GIT_ENV, encoding: 'utf8' }).trim();
}

/** A temporary directory removed after the test. */
export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'autopatch-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Files of a commit: path → content; a content starting with `#!` is made executable. */
export type Files = Record<string, string | Buffer>;

export function writeFiles(dir: string, files: Files): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
    if (typeof content === 'string' && content.startsWith('#!')) chmodSync(full, 0o755);
  }
}

/** Makes (or adds a commit to) a repository at `dir` holding `files`; tags it when `tag` is given. Returns the commit. */
export function commitFiles(dir: string, files: Files, tag?: string, copyFrom?: string): string {
  mkdirSync(dir, { recursive: true });
  gitIn(dir, 'init', '--quiet', '--initial-branch=main');
  if (copyFrom !== undefined) cpSync(copyFrom, dir, { recursive: true });
  writeFiles(dir, files);
  gitIn(dir, 'add', '--all');
  gitIn(dir, 'commit', '--quiet', '--allow-empty', '-m', tag ?? 'files');
  if (tag !== undefined) gitIn(dir, 'tag', tag);
  return gitIn(dir, 'rev-parse', 'HEAD');
}

/** Every ref of a repository with its object id (to show a repository did not change). */
export function refsOf(repo: string): string {
  try {
    return gitIn(repo, 'for-each-ref', '--format=%(refname) %(objectname)');
  } catch {
    return '(no repository)';
  }
}

/** A file's content at a revision of a repository. */
export function showFile(repo: string, rev: string, path: string): string {
  return gitIn(repo, 'show', `${rev}:${path}`);
}

/** A small spec (with `%{?dist}` in Release); `prep` is the %prep body. */
export function tinySpec(name: string, options: { release?: string; prep?: string; extraTags?: string } = {}): string {
  return `Name:           ${name}
Version:        1.0
Release:        ${options.release ?? '1%{?dist}'}
Summary:        A tiny test package
License:        MIT
Vendor:         CentOS
URL:            https://example.invalid/${name}
Source0:        ${name}-1.0.tar.gz
${options.extraTags ?? ''}
%description
${name} is a tiny package. Built by CentOS.

%prep
${options.prep ?? '%setup -q'}

%build

%install

%files

%changelog
* Thu Jan 01 2026 Upstream Packager <packager@example.invalid> - 1.0-1
- First package
`;
}

/** The release rpmspec reports for a spec file (no dist defined, as a plain `rpmspec -q` does). */
export function rpmspecRelease(specPath: string): string {
  return execFileSync('rpmspec', ['-q', '--srpm', '--qf', '%{release}\n', specPath], { encoding: 'utf8' }).trim();
}
