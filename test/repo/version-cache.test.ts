/**
 * The version cache: a version one package away from a rendered one reads that one file and
 * recompresses a few chunks, and its repodata is byte for byte what a cold render (empty cache)
 * writes; so is every version rendered from a cache damaged in any of the ways a disk or a crash
 * damages files (a byte changed inside a cached fragment, with and without its chunks, inside a
 * compressed chunk, in the index; a pack cut short or gone): the damage is found, the damaged
 * entries are made again from the package files, and damaged bytes are never published. Two
 * renders sharing a cache wait for each other; entries unused for the retention period are dropped.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { before, describe, test } from 'node:test';
import { renderRepositoryVersion, type RenderVersionOptions, type RenderedVersion, type VersionPackage } from '../../src/repo/version/index.ts';
import { dnfQuery } from '../support/dnf-query.ts';
import { exitTempDir } from '../support/exit-temp-dir.ts';
import { writeNextRelease } from '../support/next-release.ts';
import { makePackageSet } from '../support/package-set.ts';
import { versionPackage, versionPackagesIn } from '../support/version-packages.ts';

const work = exitTempDir('distforge-version-cache-');
/** Small chunks, so that 300 packages make dozens of them. */
const CHUNK_BYTES = 8 * 1024;
const DAY_MS = 86_400_000;
const NOW = 1_800_000_000_000;
let v1: VersionPackage[] = [];
/** v1 with one package replaced by its next release. */
let v2: VersionPackage[] = [];
/** The cache after rendering v1 and v2. */
const warm = join(work, 'cache-warm');
let count = 0;

function render(packages: VersionPackage[], cacheDir: string, extra: Partial<RenderVersionOptions> = {}): Promise<RenderedVersion> {
  const outDir = join(work, `out-${++count}`);
  return renderRepositoryVersion({ packages, outDir, cacheDir, revision: 'r', timestamp: 1_800_000_000, chunkBytes: CHUNK_BYTES, now: NOW, ...extra });
}

/** Every file of the version `r` was rendered into (repomd.xml included), by name. */
function files(): Map<string, Buffer> {
  const repodata = join(work, `out-${count}`, 'repodata');
  return new Map(readdirSync(repodata).sort().map((name) => [name, readFileSync(join(repodata, name))]));
}

/** Renders `packages` with an empty cache; its files. */
async function cold(packages: VersionPackage[]): Promise<Map<string, Buffer>> {
  const cacheDir = join(work, `cache-cold-${count}`);
  const r = await render(packages, cacheDir);
  assert.equal(r.read, packages.length);
  const out = files();
  rmSync(cacheDir, { recursive: true });
  return out;
}

function assertSameFiles(got: Map<string, Buffer>, want: Map<string, Buffer>): void {
  assert.deepEqual([...got.keys()], [...want.keys()]);
  for (const [name, bytes] of want) assert.ok(bytes.equals(got.get(name) as Buffer), `${name} differs from a cold render's`);
}

/** A copy of the warm cache to damage. */
function copyOfWarm(name: string): string {
  const dir = join(work, name);
  cpSync(warm, dir, { recursive: true });
  return dir;
}

function packs(cacheDir: string, kind: 'f' | 'c'): string[] {
  const dir = join(cacheDir, 'packs');
  return readdirSync(dir).filter((n) => n.startsWith(`${kind}-`)).map((n) => join(dir, n));
}

/**
 * Changes the last character of the first `needle` found in the cache's fragment packs into a
 * letter (the XML stays well-formed, the element keeps its length).
 */
function changeFragmentText(cacheDir: string, needle: string): void {
  for (const path of packs(cacheDir, 'f')) {
    const buf = readFileSync(path);
    const at = buf.indexOf(needle);
    if (at < 0) continue;
    const i = at + needle.length - 1;
    buf[i] = buf[i] === 0x71 ? 0x72 : 0x71;
    writeFileSync(path, buf);
    return;
  }
  assert.fail(`${needle} is not in a fragment pack`);
}

before(async () => {
  const dir = join(work, 'pool');
  makePackageSet(dir, 300, { seed: 31 });
  v1 = versionPackagesIn(dir);
  const k = 137;
  const old = v1[k] as VersionPackage;
  mkdirSync(join(work, 'pool-next'));
  const next = writeNextRelease(old.path, join(work, 'pool-next'), 1_800_000_000);
  v2 = [...v1.slice(0, k), versionPackage(next, basename(next)), ...v1.slice(k + 1)];
  await render(v1, warm);
  await render(v2, warm);
});

describe('a version after one change', () => {
  let v1Files: Map<string, Buffer>;
  let v2Files: Map<string, Buffer>;
  before(async () => {
    v1Files = await cold(v1);
    v2Files = await cold(v2);
  });

  test('reads one file, compresses a few chunks and writes the bytes of a cold render', async () => {
    const cache = join(work, 'cache-one-change');
    await render(v1, cache);
    const r = await render(v2, cache);
    assert.equal(r.read, 1);
    assert.equal(r.reused, v2.length - 1);
    assert.ok(r.chunks.compressed <= 6, `${r.chunks.compressed} chunks compressed`);
    assert.ok(r.chunks.reused > 3 * 10, `${r.chunks.reused} chunks reused`);
    assertSameFiles(files(), v2Files);
  });

  test('rendering either version again from the cache gives its bytes, with nothing read or compressed', async () => {
    const cache = copyOfWarm('cache-again');
    for (const [packages, want] of [[v1, v1Files], [v2, v2Files]] as const) {
      const r = await render(packages, cache);
      assert.equal(r.read, 0);
      assert.equal(r.chunks.compressed, 0);
      assertSameFiles(files(), want);
    }
  });

  test('a package added and one removed: the bytes of a cold render', async () => {
    makePackageSet(join(work, 'spare'), 1, { seed: 32, prefix: 'spare' });
    const spare = versionPackagesIn(join(work, 'spare'));
    const v3 = [...v2.filter((_p, i) => i !== 40), ...spare];
    const r = await render(v3, copyOfWarm('cache-v3'));
    assert.equal(r.read, 1);
    const got = files();
    assertSameFiles(got, await cold(v3));
  });

  test('one file under two hrefs, and another file under an href seen before: the bytes of a cold render', async () => {
    const [first, , , , , fifth, sixth] = v1 as [VersionPackage, ...VersionPackage[]];
    const v = [...v1.filter((_p, i) => i !== 5 && i !== 6), { ...first, href: `copies/${first.href}` }, { ...(sixth as VersionPackage), href: (fifth as VersionPackage).href }];
    const r = await render(v, copyOfWarm('cache-hrefs'));
    assert.equal(r.read, 2, 'the copy and the file under the other href are read; the rest is cached');
    assertSameFiles(files(), await cold(v));
  });

  test('dnf sees the new release in the version', async () => {
    await render(v2, copyOfWarm('cache-dnf'));
    const [, name = '', release = ''] = /([^/]+)-[^-]+-([^-]+)\.[^.]+\.rpm$/.exec((v1[137] as VersionPackage).href) ?? [];
    const q = await dnfQuery(join(work, 'dnf'), [{ id: 'r', url: `file://${join(work, `out-${count}`)}` }], ['repoquery', '--qf', '%{name} %{release}', name]);
    assert.equal(q.code, 0, q.stderr);
    assert.equal(q.stdout, `${name} ${release}.1\n`);
  });
});

describe('a damaged cache is detected and never published', () => {
  let v2Files: Map<string, Buffer>;
  /** A name in v2's primary.xml, of a package whose fragments come from the cache. */
  let needle = '';
  before(async () => {
    v2Files = await cold(v2);
    needle = `<name>${/([^/]+)-[^-]+-[^-]+\.[^.]+\.rpm$/.exec((v2[200] as VersionPackage).href)?.[1] ?? ''}`;
  });

  /** Renders v2 from `cache`: the bytes of a cold render; then again from the repaired cache, with nothing read. */
  async function assertRepaired(cache: string, read: (n: number) => boolean): Promise<RenderedVersion> {
    const r = await render(v2, cache);
    assert.ok(read(r.read), `${r.read} packages read`);
    assertSameFiles(files(), v2Files);
    const again = await render(v2, cache);
    assert.equal(again.read, 0, 'the repaired cache holds every package');
    assert.equal(again.chunks.compressed, 0, 'the repaired cache holds every chunk');
    assertSameFiles(files(), v2Files);
    return r;
  }

  test('a letter changed in a cached fragment whose chunk is cached', async () => {
    const cache = copyOfWarm('cache-fragment');
    changeFragmentText(cache, needle);
    await assertRepaired(cache, (n) => n >= 1 && n < v2.length);
  });

  test('a letter changed in a cached fragment whose chunk must be made again', async () => {
    const cache = copyOfWarm('cache-fragment-nochunks');
    changeFragmentText(cache, needle);
    for (const p of packs(cache, 'c')) unlinkSync(p);
    const r = await assertRepaired(cache, (n) => n === 1);
    assert.ok(r.chunks.compressed > 3, 'the chunks were made again');
  });

  test('a letter changed in a file path of a cached filelists fragment, chunks gone', async () => {
    const cache = copyOfWarm('cache-filelists');
    changeFragmentText(cache, '/usr/share/doc/');
    for (const p of packs(cache, 'c')) unlinkSync(p);
    await assertRepaired(cache, (n) => n === 1);
  });

  test('a byte changed inside a compressed chunk', async () => {
    const cache = copyOfWarm('cache-chunk');
    for (const path of packs(cache, 'c')) {
      const buf = readFileSync(path);
      const i = Math.floor(buf.length / 2);
      buf[i] = (buf[i] ?? 0) ^ 0x10;
      writeFileSync(path, buf);
    }
    const r = await assertRepaired(cache, (n) => n === 0);
    assert.ok(r.chunks.compressed >= 1);
  });

  test('a byte changed in the index', async () => {
    const cache = copyOfWarm('cache-index');
    const path = join(cache, 'index');
    const buf = readFileSync(path);
    const i = buf.length - 100;
    buf[i] = (buf[i] ?? 0) ^ 0x01;
    writeFileSync(path, buf);
    await assertRepaired(cache, (n) => n === v2.length);
  });

  test('a fragment pack cut short, and a chunk pack gone', async () => {
    const cache = copyOfWarm('cache-short');
    const [fPack] = packs(cache, 'f').sort((a, b) => statSync(b).size - statSync(a).size);
    truncateSync(fPack as string, statSync(fPack as string).size - 10);
    unlinkSync(packs(cache, 'c')[0] as string);
    await assertRepaired(cache, (n) => n >= 1);
  });
});

describe('sharing and keeping the cache', () => {
  test('two renders at once on one cache both finish, with the same bytes', async () => {
    const cache = join(work, 'cache-shared');
    const [a, b] = await Promise.all([render(v1, cache), render(v1, cache)]);
    assert.equal(a.read + b.read, v1.length, 'the second waited for the first and found everything cached');
    const repomd = (r: RenderedVersion): string => r.repomd;
    assert.equal(repomd(a), repomd(b));
  });

  test('entries unused for the retention period are dropped', async () => {
    const cache = copyOfWarm('cache-retention');
    const later = NOW + 40 * DAY_MS;
    await render(v2.slice(0, 10), cache, { now: later });
    assert.equal((await render(v2, cache, { now: later })).read, v2.length - 10);
  });
});
