/**
 * The repository reader (only the tags repodata needs, straight from the header) against the full
 * reader of src/rpm followed by repoPackageFromRpm: the same record, or both refusing the file, for
 * every corpus RPM (v3 and v4 signatures, corrupted files, Latin-1 metadata, source packages) and
 * a generated set, at several changelog limits; and damaged copies of a package, cut and with bytes
 * changed in its headers.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readPackageSync } from '../../rpm/package.ts';
import { rpmvercmp } from '../../rpm/vercmp.ts';
import { CORPUS_RPMS, corpusRpm } from '../../../test/support/corpus.ts';
import { makePackageSet } from '../../../test/support/package-set.ts';
import { repoPackageFromRpm } from '../from-rpm.ts';
import type { RepoPackage } from '../model.ts';
import { PackageReader } from './read-package.ts';
import type { FoundPackage } from './scan.ts';

const tmp = mkdtempSync(join(tmpdir(), 'distforge-read-package-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function found(path: string): FoundPackage {
  const st = statSync(path, { bigint: true });
  return { path, href: `Packages/${path.slice(path.lastIndexOf('/') + 1)}`, size: Number(st.size), mtime: Number(st.mtimeMs / 1000n), mtimeNs: st.mtimeNs };
}

/** The reference: src/rpm's full reader, then the record rules. */
function reference(f: FoundPackage, changelogLimit: number): RepoPackage | Error {
  try {
    const pkgId = createHash('sha256').update(readFileSync(f.path)).digest('hex');
    return repoPackageFromRpm(readPackageSync(f.path), { pkgId, checksumType: 'sha256', href: f.href, mtime: f.mtime, size: f.size }, { vercmp: rpmvercmp, changelogLimit });
  } catch (e) {
    return e as Error;
  }
}

function ours(f: FoundPackage, changelogLimit: number): RepoPackage | Error {
  try {
    return new PackageReader(changelogLimit).read(f);
  } catch (e) {
    return e as Error;
  }
}

function same(path: string, changelogLimit: number): void {
  const f = found(path);
  const want = reference(f, changelogLimit);
  const got = ours(f, changelogLimit);
  if (want instanceof Error) assert.ok(got instanceof Error, `${path}: the full reader refuses it (${want.message}), ours read it`);
  else assert.deepEqual(got, want, path);
}

test('every corpus RPM reads the same as with the full reader', () => {
  for (const limit of [10, -1, 0, 1]) for (const path of CORPUS_RPMS) same(path, limit);
});

test('a generated set reads the same as with the full reader', () => {
  const set = makePackageSet(join(tmp, 'set'), 60, { seed: 5 });
  for (const limit of [10, 2, -1]) for (const p of set) same(p.path, limit);
});

test('damaged copies are refused, or read the same, as with the full reader', () => {
  const good = readFileSync(corpusRpm('Archer-3.4.5-6.x86_64.rpm'));
  const path = join(tmp, 'damaged.rpm');
  const reader = new PackageReader(10);
  for (let cut = 0; cut < 4000 && cut < good.length; cut += 97) {
    writeFileSync(path, good.subarray(0, cut));
    assert.throws(() => reader.read(found(path)), /not a valid RPM package/, `cut at ${cut}`);
  }
  for (let at = 96; at < 3000 && at < good.length; at += 13) {
    const bad = Buffer.from(good);
    bad[at] = (bad[at] as number) ^ 0xa5;
    writeFileSync(path, bad);
    same(path, 10);
  }
});
