/** Git sources: URL#REF parsing, refs resolved as git does, the spec found at the root or in SPECS/. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { exitTempDir } from '../../test/support/exit-temp-dir.ts';
import { parseGitSource, resolveGitSource } from './git-source.ts';

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.invalid', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, encoding: 'utf8' }).trim();
}

function repo(files: Record<string, string>): { dir: string; data: string } {
  const root = exitTempDir('distforge-gitsrc-');
  const dir = join(root, 'pkg');
  mkdirSync(dir);
  git(dir, 'init', '-q');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'one');
  return { dir, data: join(root, 'data') };
}

test('URL#REF: the last # splits; bad refs and relative paths are refused', () => {
  assert.deepEqual(parseGitSource('https://git.example/a#b.git#v1.0'), { url: 'https://git.example/a#b.git', ref: 'v1.0' });
  assert.deepEqual(parseGitSource('/srv/git/pkg#feature/x'), { url: '/srv/git/pkg', ref: 'feature/x' });
  assert.throws(() => parseGitSource('/srv/git/pkg'), /has no ref/);
  assert.throws(() => parseGitSource('/srv/git/pkg#'), /empty ref/);
  assert.throws(() => parseGitSource('/srv/git/pkg#a..b'), /not a valid git ref/);
  assert.throws(() => parseGitSource('/srv/git/pkg#-x'), /not a valid git ref/);
  assert.throws(() => parseGitSource('--upload-pack=x#main'), /must not start with "-"/);
  assert.throws(() => parseGitSource('pkg#main'), /absolute path/);
  assert.doesNotThrow(() => parseGitSource('git@git.example:pkg.git#main'));
});

test('refs resolve like git: tags before branches, annotated tags peeled; specs at the root or in SPECS/', async () => {
  const { dir, data } = repo({ 'SPECS/pkg.spec': 'Name: pkg\n', 'SOURCES/a.c': '' });
  const first = git(dir, 'rev-parse', 'HEAD');
  git(dir, 'tag', '-a', 'v1', '-m', 'v1');
  writeFileSync(join(dir, 'SPECS/pkg.spec'), 'Name: pkg\nVersion: 2\n');
  git(dir, 'commit', '-qam', 'two');
  const second = git(dir, 'rev-parse', 'HEAD');
  git(dir, 'branch', 'v1'); // a branch named like the tag: the tag wins, as in git
  const tag = await resolveGitSource(data, { url: dir, ref: 'v1' });
  assert.equal(tag.commit, first);
  assert.equal(tag.specPath, 'SPECS/pkg.spec');
  assert.equal(tag.specText, 'Name: pkg\n');
  const main = await resolveGitSource(data, { url: dir, ref: 'main' });
  assert.deepEqual([main.commit, main.specText], [second, 'Name: pkg\nVersion: 2\n']);
  assert.equal((await resolveGitSource(data, { url: `file://${dir}`, ref: 'refs/heads/v1' })).commit, second);
  assert.equal((await resolveGitSource(data, { url: dir, ref: first })).commit, first);
  await assert.rejects(resolveGitSource(data, { url: dir, ref: first.slice(0, 10) }), /abbreviated commit hashes are not accepted/);
  await assert.rejects(resolveGitSource(data, { url: join(data, 'git-cache'), ref: 'main' }), /inside the server's data directory/);
});

test('several specs: the one named after the repository, else an error naming them', async () => {
  const { dir, data } = repo({ 'pkg.spec': 'Name: pkg\n', 'other.spec': 'Name: other\n' });
  assert.equal((await resolveGitSource(data, { url: dir, ref: 'main' })).specPath, 'pkg.spec');
  const two = repo({ 'a.spec': '', 'b.spec': '' });
  await assert.rejects(resolveGitSource(two.data, { url: two.dir, ref: 'main' }), /several spec files in its root \(a\.spec, b\.spec\)/);
});
