/**
 * Which files `repo create` takes as packages (scan.ts): `*.rpm` files and links to files,
 * anywhere but in hidden directories and the top-level repodata/ (a nested repodata/ is an
 * ordinary directory); links to directories are not followed (no loops), dangling links and other
 * names are left out. (bin/distforge's look at package sizes follows the same rules: judged in
 * test/cli/repo-create.test.ts.) createrepo_c 0.17
 * differs on purpose here (it walks hidden directories, the top-level repodata/ and linked
 * directories: our cache is a hidden directory, and a link may loop); the order, file name first,
 * is createrepo_c's (judged in test/repo/createrepo-compare.test.ts).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { scanPackages } from './scan.ts';

const tmp = mkdtempSync(join(tmpdir(), 'distforge-scan-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const root = join(tmp, 'repo');

/** A file of `size` bytes at `rel` under the repository. */
function file(rel: string, size: number): void {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  writeFileSync(join(root, rel), Buffer.alloc(size));
}

file('b-1.rpm', 10);
file('sub/a-1.rpm', 20);
file('sub/repodata/c-1.rpm', 30);
file('.hidden/d-1.rpm', 40);
file('repodata/e-1.rpm', 50);
file('notes.txt', 60);
file('dir.rpm/f-1.rpm', 70);
writeFileSync(join(tmp, 'outside-1.rpm'), Buffer.alloc(80));
symlinkSync(join(tmp, 'outside-1.rpm'), join(root, 'linked-1.rpm'));
symlinkSync('sub', join(root, 'linkdir'));
symlinkSync('nowhere.rpm', join(root, 'broken.rpm'));

const TAKEN = ['sub/a-1.rpm', 'b-1.rpm', 'sub/repodata/c-1.rpm', 'dir.rpm/f-1.rpm', 'linked-1.rpm'];

test('packages are *.rpm files and links to files outside hidden directories and the top-level repodata/, file name first', () => {
  for (const stat of [true, false]) assert.deepEqual(scanPackages(root, { stat }).map((f) => f.href), TAKEN, `stat: ${stat}`);
  const sized = scanPackages(root);
  assert.deepEqual(sized.map((f) => f.size), [20, 10, 30, 70, 80]);
});
