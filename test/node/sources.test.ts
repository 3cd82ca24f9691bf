/**
 * Checking out a package source with the git CLI: the exact commit asked for (not the branch
 * head), the spec at the root or in SPECS/, sources beside it or in SOURCES/, and clear errors for
 * a tree without exactly one spec, an unknown commit and an SRPM that is not one.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeRpm } from '../../src/rpm/index.ts';
import { checkoutSource, findSpec } from '../../src/node/sources.ts';
import { BuildFailedError } from '../../src/node/errors.ts';
import { commitTree } from './support.ts';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'distforge-node-sources-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function tree(name: string, files: Record<string, string>): string {
  const d = join(dir, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(d, path, '..'), { recursive: true });
    writeFileSync(join(d, path), text);
  }
  return d;
}

test('checks out the exact commit, not the branch head', async () => {
  const d = tree('two-commits', { 'pkg.spec': 'Version: 1\n', 'pkg.c': 'int one;\n' });
  const first = commitTree(d);
  writeFileSync(join(d, 'pkg.spec'), 'Version: 2\n');
  execFileSync('git', ['-C', d, '-c', 'user.name=t', '-c', 'user.email=t@t.invalid', 'commit', '-qam', 'two']);
  const co = await checkoutSource({ kind: 'git', gitUrl: `file://${d}`, gitRef: 'main', gitCommit: first.commit }, join(dir, 'work-1'));
  assert.equal(co.kind, 'git');
  if (co.kind !== 'git') return;
  assert.equal(co.commit, first.commit);
  assert.equal(readFileSync(co.specPath, 'utf8'), 'Version: 1\n');
  assert.equal(co.sourceDir, co.dir);
});

test('SPECS/ and SOURCES/ layout', () => {
  const d = tree('rpmbuild-layout', { 'SPECS/lib.spec': '', 'SOURCES/lib.c': '', 'README': '' });
  assert.deepEqual(findSpec(d), { specPath: join(d, 'SPECS', 'lib.spec'), sourceDir: join(d, 'SOURCES') });
});

test('no spec, or two, is a clear error', () => {
  assert.throws(() => findSpec(tree('none', { 'README.md': '' })), /no spec file: expected one \*\.spec at the root of the tree or in SPECS\//);
  assert.throws(() => findSpec(tree('two', { 'a.spec': '', 'b.spec': '' })), /2 spec files at the root \(a\.spec, b\.spec\): expected exactly one/);
  assert.throws(() => findSpec(tree('two-in-specs', { 'SPECS/a.spec': '', 'SPECS/b.spec': '' })), /2 spec files in SPECS\/ \(SPECS\/a\.spec, SPECS\/b\.spec\)/);
});

test('an unknown commit or repository fails the checkout with git’s reason', async () => {
  const d = tree('one', { 'x.spec': '' });
  commitTree(d);
  await assert.rejects(
    checkoutSource({ kind: 'git', gitUrl: d, gitRef: 'main', gitCommit: '0123456789abcdef0123456789abcdef01234567' }, join(dir, 'work-2')),
    (e: unknown) => e instanceof BuildFailedError && /^git checkout 0123456789abcdef0123456789abcdef01234567 of .* failed: /.test(e.message),
  );
  await assert.rejects(checkoutSource({ kind: 'git', gitUrl: join(dir, 'missing'), gitRef: 'main', gitCommit: 'abc' }, join(dir, 'work-3')), /^BuildFailedError: git clone .* failed: /);
});

test('an SRPM source must be a source package', async () => {
  const bin = join(dir, 'bin.rpm');
  writeRpm(bin, { name: 'bin', version: '1', release: '1', arch: 'noarch', summary: 's', description: 'd', license: 'MIT' });
  await assert.rejects(checkoutSource({ kind: 'srpm', srpmPath: bin }, dir), /a binary package, not a source RPM/);
  const src = join(dir, 'src.rpm');
  writeRpm(src, { name: 'src', version: '1', release: '1', arch: 'src', summary: 's', description: 'd', license: 'MIT', files: [{ path: 'src.spec', data: 'Name: src\n' }] });
  assert.deepEqual(await checkoutSource({ kind: 'srpm', srpmPath: src }, dir), { kind: 'srpm', srpmPath: src });
  writeFileSync(join(dir, 'junk.rpm'), 'junk');
  await assert.rejects(checkoutSource({ kind: 'srpm', srpmPath: join(dir, 'junk.rpm') }, dir), /not an RPM package/);
});
