/**
 * The package cache: written block by block as batches come in, loaded back whole; a damaged or
 * foreign cache is ignored; a run that fails leaves the cache in place as it was and no temporary
 * file behind.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makePackageSet } from '../../../test/support/package-set.ts';
import { RepoCreateError } from '../errors.ts';
import { CACHE_DIR, CacheWriter, PackageCache } from './cache.ts';
import { createRepository } from './create.ts';
import { readPackages } from './read-pool.ts';
import { scanPackages } from './scan.ts';

const tmp = mkdtempSync(join(tmpdir(), 'distforge-cache-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const dir = join(tmp, 'repo');
makePackageSet(join(dir, 'Packages'), 30, { seed: 4 });
const cacheFile = join(dir, CACHE_DIR, 'packages.v4');

async function packages() {
  return readPackages(scanPackages(dir), 10, 0);
}

test('a cache written in blocks loads back every package, checked by size and mtime', async () => {
  const pkgs = await packages();
  const w = CacheWriter.start(dir, 10);
  w.add(pkgs.slice(0, 7));
  w.add(pkgs.slice(7, 8));
  w.add(pkgs.slice(8));
  await w.finish();
  const cache = PackageCache.load(dir, 10);
  assert.equal(cache.size, pkgs.length);
  for (const p of pkgs) {
    const got = cache.get(p.found);
    assert.ok(got, p.found.href);
    assert.equal(got.pkgId, p.pkgId);
    for (const k of [0, 1, 2] as const) assert.deepEqual(Buffer.from(got.parts[k]), Buffer.from(p.parts[k]));
    assert.equal(cache.get({ ...p.found, size: p.found.size + 1 }), undefined, 'another size is another file');
    assert.equal(cache.get({ ...p.found, mtimeNs: p.found.mtimeNs + 1n }), undefined, 'another mtime is another file');
  }
  assert.equal(PackageCache.load(dir, 3).size, 0, 'made with another changelog limit');
  assert.deepEqual(readdirSync(join(dir, CACHE_DIR)).sort(), ['packages.v4']);
});

test('a damaged cache is ignored', async () => {
  const pkgs = await packages();
  const w = CacheWriter.start(dir, 10);
  w.add(pkgs);
  await w.finish();
  const good = readFileSync(cacheFile);
  const damaged: [string, Buffer][] = [
    ['cut short', good.subarray(0, good.length - 40)],
    ['no trailer', good.subarray(0, good.length - 16)],
    ['trailer pointing elsewhere', Buffer.concat([good.subarray(0, good.length - 16), Buffer.from('0'.repeat(16))])],
    ['a block byte less', Buffer.concat([good.subarray(0, 10), good.subarray(11)])],
    ['empty', Buffer.alloc(0)],
  ];
  for (const [what, bytes] of damaged) {
    writeFileSync(cacheFile, bytes);
    assert.equal(PackageCache.load(dir, 10).size, 0, what);
  }
  writeFileSync(cacheFile, good);
  assert.equal(PackageCache.load(dir, 10).size, pkgs.length);
});

test('a run that fails leaves the cache as it was and nothing temporary', async () => {
  await createRepository(dir);
  const before = readFileSync(cacheFile);
  const bad = join(dir, 'Packages', 'zz-bad-1-1.noarch.rpm');
  writeFileSync(bad, 'not an rpm');
  try {
    await assert.rejects(createRepository(dir), /not a valid RPM package/);
  } finally {
    rmSync(bad);
  }
  assert.deepEqual(readFileSync(cacheFile), before);
  assert.deepEqual(readdirSync(join(dir, CACHE_DIR)).filter((f) => f !== 'lock').sort(), ['packages.v4']);
  // An empty cache file is no cache: --update takes the packages from the published metadata.
  truncateSync(cacheFile, 0);
  const r = await createRepository(dir, { update: true });
  assert.deepEqual([r.packages, r.read], [30, 0]);
  assert.ok(PackageCache.load(dir, 10).size === 30, 'and writes the cache again');
});

test('a cache that cannot be written fails the run naming it, and publishes nothing', async () => {
  await createRepository(dir);
  const repomd = readFileSync(join(dir, 'repodata', 'repomd.xml'));
  // Something in the cache file's place that a file cannot be renamed over.
  rmSync(cacheFile);
  mkdirSync(join(cacheFile, 'in-the-way'), { recursive: true });
  try {
    await assert.rejects(createRepository(dir, { now: Date.now() + 5000 }), (e: unknown) => e instanceof RepoCreateError && e.message.startsWith(`${cacheFile}: cannot write the package cache: `));
    assert.deepEqual(readFileSync(join(dir, 'repodata', 'repomd.xml')), repomd, 'repomd.xml as it was');
    assert.deepEqual(readdirSync(join(dir, CACHE_DIR)).filter((f) => f !== 'lock').sort(), ['packages.v4'], 'no temporary file');
  } finally {
    rmSync(cacheFile, { recursive: true });
  }
});
