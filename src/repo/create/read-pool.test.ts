/**
 * The read pool: reader threads give what the calling thread gives (fragments, pkgIds, and the
 * sizes and times of files found without a stat), in the order of the input; a damaged file
 * among many fails the read with its name.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makePackageSet } from '../../../test/support/package-set.ts';
import { assertSameRead } from '../../../test/support/same-read.ts';
import { RepoCreateError } from '../errors.ts';
import { readRpmFileSync } from '../../rpm/package-file.ts';
import { rpmFileName, writeRpm } from '../../rpm/writer.ts';
import { readPackages } from './read-pool.ts';
import { scanPackages } from './scan.ts';

const tmp = mkdtempSync(join(tmpdir(), 'distforge-read-pool-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const dir = join(tmp, 'repo');
makePackageSet(join(dir, 'Packages'), 300, { seed: 9 });

for (const n of [1, 2]) {
  test(`${n} reader thread(s) read what the calling thread reads, in order, with the files found without a stat${n === 1 ? ' (hashed by the calling thread)' : ''}`, async () => {
    await sameAsHere(n);
  });
}

async function sameAsHere(n: number): Promise<void> {
  const here = await readPackages(scanPackages(dir), 10, 0);
  const files = scanPackages(dir, { stat: false });
  assert.ok(files.every((f) => f.size === -1));
  const threads = await readPackages(files, 10, n);
  assertSameRead(threads, here);
  for (const p of threads) assert.equal(p.found.mtimeNs, statSync(p.found.path, { bigint: true }).mtimeNs);
}

test('a package whose head is larger than the first read is read whole (head-only reading)', async () => {
  const big = join(tmp, 'big');
  mkdirSync(big);
  const files = Array.from({ length: 3000 }, (_, i) => ({ path: `/usr/share/big/d${i % 40}/file-with-a-long-name-${i}.txt`, data: `${i}` }));
  const spec = { name: 'big-head', version: '1', release: '1', arch: 'noarch', summary: 's', description: 'd', license: 'MIT', files };
  writeRpm(join(big, rpmFileName(spec)), spec);
  for (let i = 0; i < 3; i++) writeRpm(join(big, rpmFileName({ ...spec, name: `small-${i}` })), { ...spec, name: `small-${i}`, files: files.slice(0, 3) });
  const head = readRpmFileSync(join(big, rpmFileName(spec))).payloadStart;
  assert.ok(head > 64 * 1024, `head of ${head} bytes`);
  const here = await readPackages(scanPackages(big), 10, 0);
  const threads = await readPackages(scanPackages(big, { stat: false }), 10, 1);
  assert.deepEqual(
    threads.map((p) => [p.pkgId, ...p.parts.map((v) => Buffer.from(v).toString('utf8'))]),
    here.map((p) => [p.pkgId, ...p.parts.map((v) => Buffer.from(v).toString('utf8'))]),
  );
});

test('a damaged file among many fails the read, naming it', async () => {
  const bad = join(dir, 'Packages', 'zz-damaged-1-1.noarch.rpm');
  writeFileSync(bad, 'not an rpm');
  try {
    for (const n of [1, 2]) {
      await assert.rejects(readPackages(scanPackages(dir, { stat: false }), 10, n), (e: unknown) => e instanceof RepoCreateError && e.message.startsWith(`${bad}: not a valid RPM package`), `${n} thread(s)`);
    }
  } finally {
    rmSync(bad);
  }
});

test('a file gone after it was found fails the read, naming it (whichever thread meets it first)', async () => {
  const gone = join(dir, 'Packages', 'zz-gone-1-1.noarch.rpm');
  writeFileSync(gone, 'x');
  const files = scanPackages(dir, { stat: false });
  rmSync(gone);
  for (const n of [1, 2]) {
    await assert.rejects(readPackages(files, 10, n), (e: unknown) => e instanceof RepoCreateError && e.message === `${gone}: cannot read: ENOENT`, `${n} thread(s)`);
  }
});
