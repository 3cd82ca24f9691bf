/**
 * rpm is the oracle: our reading of every corpus file and of packages rpmbuild makes here must
 * equal what `rpm -qp --qf` prints, field by field.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, describe, test } from 'node:test';
import { readPackageSync } from '../../src/rpm/package.ts';
import { CORPUS_RPMS } from '../support/corpus.ts';
import { ourRecord, rpmRecord } from '../support/rpm-oracle.ts';
import { RICH_SPEC, rpmbuild } from '../support/rpmbuild.ts';

function compare(file: string): void {
  const expected = rpmRecord(file);
  const ours = ourRecord(readPackageSync(file));
  // rpm has no SIGSIZE for v6 packages or stripped signature headers; then there is nothing to compare.
  if (expected.sigsize === '(none)') {
    delete expected.sigsize;
    delete ours.sigsize;
  }
  assert.deepEqual(ours, expected, file);
}

describe('reading RPM metadata agrees with rpm -qp', () => {
  for (const file of CORPUS_RPMS) {
    test(file.split('/').slice(-2).join('/'), () => compare(file));
  }

  const dir = mkdtempSync(join(tmpdir(), 'distforge-oracle-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  test('packages built by rpmbuild (binary, subpackage and source)', () => {
    const rpms = rpmbuild(dir, 'richpkg', RICH_SPEC);
    assert.equal(rpms.length, 3, 'richpkg, richpkg-devel and the SRPM');
    for (const f of rpms) compare(f);
    const src = readPackageSync(rpms.find((f) => f.endsWith('.src.rpm')) ?? '');
    assert.equal(src.arch, 'src');
    assert.equal(src.isSource, true);
  });
});

test('header ranges agree with createrepo_c', () => {
  const dir = mkdtempSync(join(tmpdir(), 'distforge-range-'));
  try {
    for (const f of CORPUS_RPMS) symlinkSync(f, join(dir, basename(f)));
    execFileSync('createrepo_c', ['--no-database', '--simple-md-filenames', '--general-compress-type', 'gz', dir], { stdio: 'ignore' });
    const primary = gunzipSync(readFileSync(join(dir, 'repodata', 'primary.xml.gz'))).toString('utf8');
    const ranges = new Map<string, [number, number]>();
    for (const pkg of primary.split('<package ').slice(1)) {
      const href = /<location href="([^"]+)"/.exec(pkg)?.[1];
      const range = /<rpm:header-range start="(\d+)" end="(\d+)"/.exec(pkg);
      if (href && range) ranges.set(href, [Number(range[1]), Number(range[2])]);
    }
    assert.ok(ranges.size >= CORPUS_RPMS.length - 2, `createrepo_c indexed ${ranges.size} files`);
    for (const [href, range] of ranges) assert.deepEqual(readPackageSync(join(dir, href)).headerRange, range, href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
