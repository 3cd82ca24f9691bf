/**
 * The hash pass on two threads gives what it gives on one: the open-checksums and sizes of the
 * rendered version's repomd.xml, and the same damaged packages and chunks when a cached fragment
 * is changed. (Renders use the worker only for large versions; here it is forced on.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CORPUS_RPMS } from '../../../test/support/corpus.ts';
import { versionPackage } from '../../../test/support/version-packages.ts';
import { DAY_MS, VersionCache } from './cache/store.ts';
import { hrefHash } from './chunking.ts';
import type { HashedFile } from './hash-files.ts';
import { HashHelper, hashFiles } from './hash-pass.ts';
import { renderRepositoryVersion, type RenderedVersion, type VersionPackage } from './index.ts';
import { orderPackages } from './order.ts';
import { planFiles, type FilePlan } from './plan-files.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-hash-pass-'));
after(() => rmSync(work, { recursive: true, force: true }));
const cacheDir = join(work, 'cache');
let pkgs: VersionPackage[] = [];
let rendered: RenderedVersion;

before(async () => {
  pkgs = orderPackages(CORPUS_RPMS.map((f) => versionPackage(f, `Packages/${f.slice(f.lastIndexOf('/') + 1)}`)));
  rendered = await renderRepositoryVersion({ packages: pkgs, outDir: join(work, 'out'), cacheDir, revision: 'r', timestamp: 1, chunkBytes: 1024 });
});

/** Hashes the version's files from the cache, with the worker (`from` 0) or without it. */
async function hashBoth(): Promise<{ one: HashedFile[]; two: HashedFile[] }> {
  const cache = await VersionCache.open(cacheDir, Date.now(), (30 * DAY_MS) / 1000);
  const [one, two] = [HashHelper.start(pkgs.length, Infinity), HashHelper.start(pkgs.length, 0)];
  try {
    const ids = Buffer.from(pkgs.map((p) => p.sha256).join(''), 'latin1');
    const pkgIds = Buffer.from(ids.toString('latin1'), 'hex');
    const recs = Int32Array.from(pkgs, (p, i) => cache.findFragments(pkgIds, i * 32, p.href, p.fileTime, 10));
    assert.ok(recs.every((r) => r >= 0), 'every package is cached');
    const planned = await planFiles(cache, recs, Uint32Array.from(pkgs, (p) => hrefHash(p.href)), ids, 'zstd', 1024, cacheDir);
    assert.equal(planned.compressed, 0);
    const files: FilePlan[] = planned.files;
    const result = { one: await hashFiles(cache, recs, files, one), two: await hashFiles(cache, recs, files, two) };
    assert.ok(two.active && !one.active, 'the worker answered');
    return result;
  } finally {
    cache.close();
    await Promise.all([one.close(), two.close()]);
  }
}

test('two threads: the open-checksums and sizes of the rendered repomd.xml', async () => {
  const { one, two } = await hashBoth();
  assert.deepEqual(two, one);
  ['primary', 'filelists', 'other'].forEach((type, k) => {
    const r = rendered.records.find((x) => x.type === type);
    assert.equal(two[k]?.openChecksum, r?.openChecksum?.value, type);
    assert.equal(two[k]?.openSize, r?.openSize, type);
    assert.deepEqual(two[k]?.badChunks, []);
  });
});

test('two threads: the same damage found in a changed filelists fragment', async () => {
  const packs = join(cacheDir, 'packs');
  const [pack] = readdirSync(packs).filter((n) => n.startsWith('f-'));
  const path = join(packs, pack as string);
  const buf = readFileSync(path);
  // Past the primary fragments (filelists' and other's open with a pkgid; other's list no files).
  const at = buf.indexOf('<file>/', buf.indexOf('<package pkgid="'));
  assert.ok(at > 0);
  buf[at + 7] = 0x71;
  writeFileSync(path, buf);
  const { one, two } = await hashBoth();
  assert.deepEqual(two, one);
  assert.equal(two[1]?.badChunks.length, 1, 'the filelists chunk holding it');
  assert.deepEqual([two[0]?.badChunks, two[2]?.badChunks], [[], []]);
});
