/**
 * Bad input to `renderRepositoryVersion`: a missing, unreadable or wrong package file, a bad or
 * repeated href, an output directory that is not empty, bad options, a compressor that cannot run.
 * Each fails with a RepoVersionError whose one-line message names the package or directory; the
 * output directory is left as it was found (or not there, when the render would have made it), no
 * scratch files stay in the cache, and the cache still renders the good version afterwards.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { RepoVersionError, renderRepositoryVersion, type RenderVersionOptions, type VersionPackage } from '../../src/repo/version/index.ts';
import { corpusRpm } from '../support/corpus.ts';
import { exitTempDir } from '../support/exit-temp-dir.ts';
import { versionPackage, versionPackagesIn } from '../support/version-packages.ts';

const work = exitTempDir('distforge-version-input-');
const cacheDir = join(work, 'cache');
let good: VersionPackage[] = [];
let count = 0;

function options(packages: VersionPackage[], extra: Partial<RenderVersionOptions> = {}): RenderVersionOptions {
  return { packages, outDir: join(work, `out-${++count}`), cacheDir, revision: 'r', timestamp: 1_800_000_000, ...extra };
}

/** Renders `o`, expecting a RepoVersionError matching `message`; checks what is left behind. */
async function assertRefused(o: RenderVersionOptions, message: RegExp): Promise<RepoVersionError> {
  const existed = existsSync(o.outDir);
  const listing = (): string[] => (statSync(o.outDir).isDirectory() ? readdirSync(o.outDir, { recursive: true }).map(String).sort() : ['(a file)']);
  const before = existed ? listing() : [];
  const err = await renderRepositoryVersion(o).then(
    () => assert.fail('the render succeeded'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof RepoVersionError, `a RepoVersionError, not ${String(err)}`);
  assert.equal(err.code, 'repo_version');
  assert.match(err.message, message);
  assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
  if (existed) assert.deepEqual(listing(), before, 'the output directory is as it was');
  else assert.ok(!existsSync(o.outDir), 'no output directory is left');
  if (existsSync(cacheDir)) assert.deepEqual(readdirSync(cacheDir).filter((n) => !['index', 'packs'].includes(n)), [], 'no lock or scratch files in the cache');
  return err;
}

before(() => {
  const pool = join(work, 'pool');
  mkdirSync(pool);
  for (const name of ['Archer-3.4.5-6.x86_64.rpm', 'RPMS__foo-1.0-1.noarch.rpm', 'RPMS__hello-2.0-1.x86_64.rpm']) copyFileSync(corpusRpm(name), join(pool, name));
  good = versionPackagesIn(pool).map((p) => ({ ...p, href: `Packages/${p.href}` }));
});

describe('bad packages', () => {
  test('a file that is not there', async () => {
    const missing = { ...(good[0] as VersionPackage), href: 'Packages/gone-1-1.noarch.rpm', path: join(work, 'gone.rpm') };
    const err = await assertRefused(options([...good, missing]), /^Packages\/gone-1-1\.noarch\.rpm \(.*gone\.rpm\): no such file$/);
    assert.equal(err.href, 'Packages/gone-1-1.noarch.rpm');
  });

  test('a file that is not an RPM', async () => {
    const path = join(work, 'text.rpm');
    writeFileSync(path, 'not a package\n');
    await assertRefused(options([...good, versionPackage(path, 'Packages/text.rpm')]), /^Packages\/text\.rpm \(.*text\.rpm\): .*not a valid RPM/);
  });

  test('an RPM cut short', async () => {
    const path = join(work, 'short.rpm');
    writeFileSync(path, readFileSync((good[0] as VersionPackage).path).subarray(0, 300));
    await assertRefused(options([...good, versionPackage(path, 'Packages/short.rpm')]), /^Packages\/short\.rpm \(.*\): /);
  });

  test('a file whose sha256 is not the one given', async () => {
    const wrong = { ...(good[1] as VersionPackage), sha256: 'ab'.repeat(32) };
    await assertRefused(options([good[0] as VersionPackage, wrong]), /: the file's sha256 is [0-9a-f]{64}, not (ab){32} as given$/);
  });

  test('a package listed twice', async () => {
    const twice = { ...(good[1] as VersionPackage), path: (good[2] as VersionPackage).path, sha256: (good[2] as VersionPackage).sha256 };
    await assertRefused(options([...good, twice]), /^Packages\/\S+ \(.*\): listed twice$/);
  });

  for (const href of ['/abs/a.rpm', '../a.rpm', 'Packages//a.rpm', 'repodata/a.rpm', 'a\\b.rpm', '']) {
    test(`a bad href ${JSON.stringify(href)}`, async () => {
      await assertRefused(options([...good, { ...(good[0] as VersionPackage), href }]), /bad href: /);
    });
  }

  test('a bad sha256 or file time', async () => {
    await assertRefused(options([{ ...(good[0] as VersionPackage), sha256: 'xyz' }]), /sha256 must be 64 hex digits$/);
    await assertRefused(options([{ ...(good[0] as VersionPackage), fileTime: -1 }]), /fileTime must be a whole number of seconds$/);
  });
});

describe('a bad output directory or options', () => {
  test('an output directory that is not empty is left alone', async () => {
    const o = options(good);
    mkdirSync(join(o.outDir, 'repodata'), { recursive: true });
    writeFileSync(join(o.outDir, 'repodata', 'repomd.xml'), 'an earlier version');
    await assertRefused(o, /: exists and is not empty \(a version is rendered into a fresh directory\)$/);
    assert.equal(readFileSync(join(o.outDir, 'repodata', 'repomd.xml'), 'utf8'), 'an earlier version');
  });

  test('an output directory that is a file', async () => {
    const o = options(good);
    writeFileSync(o.outDir, 'x');
    await assertRefused(o, /: exists and is not a directory$/);
  });

  test('an empty output directory stays empty after a failure', async () => {
    const o = options([...good, { ...(good[0] as VersionPackage), href: 'Packages/gone.rpm', path: join(work, 'gone.rpm') }]);
    mkdirSync(o.outDir);
    await assertRefused(o, /no such file$/);
  });

  const bad: [string, Partial<RenderVersionOptions>, RegExp][] = [
    ['compression', { compression: 'xz' as 'gz' }, /^unknown compression "xz" \(zstd or gz\)$/],
    ['chunk size', { chunkBytes: 100 }, /^chunkBytes must be at least 1024$/],
    ['changelog limit', { changelogLimit: 1.5 }, /^changelogLimit must be a whole number, -1 for all$/],
    ['timestamp', { timestamp: -5 }, /^timestamp must be a whole number of seconds$/],
    ['revision', { revision: '' }, /^revision is empty$/],
    ['comps file', { groups: Buffer.from('<comps><group></comps>') }, /^groups: not a valid comps file: /],
    ['modules file', { modules: Buffer.from('document: [unclosed') }, /^modules: document 1: not valid YAML/],
  ];
  for (const [what, extra, message] of bad) {
    test(`a bad ${what}`, async () => {
      await assertRefused(options(good, extra), message);
    });
  }

  test('a compressor that cannot run: nothing is written, and the cache is still good', async () => {
    const path = process.env.PATH;
    process.env.PATH = join(work, 'no-tools');
    try {
      await assertRefused(options(good, { cacheDir: join(work, 'cache-nozstd') }), /^cannot run zstd: /);
    } finally {
      process.env.PATH = path;
    }
    assert.deepEqual(readdirSync(join(work, 'cache-nozstd')).filter((n) => n !== 'packs' && n !== 'index'), []);
    const r = await renderRepositoryVersion(options(good, { cacheDir: join(work, 'cache-nozstd') }));
    assert.equal(r.packages, good.length);
  });
});

test('after every refusal, the cache renders the good version', async () => {
  const r = await renderRepositoryVersion(options(good));
  assert.equal(r.packages, good.length);
  assert.deepEqual(readdirSync(join(work, `out-${count}`, 'repodata')).filter((n) => n.endsWith('repomd.xml')), ['repomd.xml']);
});
