/**
 * Reading beside a hashing pipeline started ahead (prehash.ts, read-pool.ts readWithPrehash):
 * the same fragments as the reader threads give; a pipeline's pkgId is taken only for a file
 * unchanged since the pipeline started; whatever it does not vouch for (not listed, an escaped
 * name, a changed file, a pipeline that broke or went silent) is hashed here; a damaged package still fails the
 * read with its name; the environment's pipeline is used only for its own directory.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import { makePackageSet } from '../../../test/support/package-set.ts';
import { assertSameRead } from '../../../test/support/same-read.ts';
import { RepoCreateError } from '../errors.ts';
import { Prehash } from './prehash.ts';
import { readPackages, readWithPrehash } from './read-pool.ts';
import { scanPackages, type FoundPackage } from './scan.ts';

const tmp = mkdtempSync(join(tmpdir(), 'distforge-prehash-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const FORGED = 'ab'.repeat(32);
const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;
/** A start before the files were written: every file counts as changed since. */
const BEFORE = nowNs() - 10_000_000_000n;
const dir = join(tmp, 'repo');
makePackageSet(join(dir, 'Packages'), 150, { seed: 4 });
/** A start long after the files were written: every file counts as unchanged since. */
const LATER = (): bigint => nowNs() + 60_000_000_000n;

const found = (): FoundPackage[] => scanPackages(dir, { stat: false });
const sha256 = (f: FoundPackage): string => createHash('sha256').update(readFileSync(f.path)).digest('hex');
/** openssl dgst -sha256 -r's line for `f`, run in the repository directory. */
const line = (f: FoundPackage, id: string): string => `${id} *./${f.href}\n`;

/** A pipeline whose output is `text`, then its end. */
function pipeline(text: string, sinceNs: bigint): Prehash {
  const out = new PassThrough();
  const p = Prehash.reading(out, sinceNs);
  // In pieces, as a pipe delivers it: lines cut anywhere.
  for (let i = 0; i < text.length; i += 97) out.write(text.slice(i, i + 97));
  out.end();
  return p;
}

test('the same fragments, pkgIds, sizes and times as a reader thread, with the pipeline vouching for every file', async () => {
  const files = found();
  const got = await readWithPrehash(files, 10, pipeline(files.map((f) => line(f, sha256(f))).join(''), LATER()));
  assertSameRead(got, await readPackages(found(), 10, 1));
});

test("a file unchanged since the pipeline started takes the pipeline's pkgId (it is not hashed again)", async () => {
  const files = found();
  const got = await readWithPrehash(files, 10, pipeline(files.map((f, i) => line(f, i === 0 ? FORGED : sha256(f))).join(''), LATER()));
  assert.equal(got[0]?.pkgId, FORGED);
  assert.match(Buffer.from(got[0]?.parts[0] ?? []).toString(), new RegExp(`<checksum type="sha256" pkgid="YES">${FORGED}</checksum>`));
  assert.equal(got[1]?.pkgId, sha256(files[1] as FoundPackage));
});

test('a file changed after the pipeline started is hashed here', async () => {
  const files = found();
  const got = await readWithPrehash(files, 10, pipeline(files.map((f) => line(f, FORGED)).join(''), BEFORE));
  got.forEach((p, i) => assert.equal(p.pkgId, sha256(files[i] as FoundPackage)));
});

test('files the pipeline does not list, lists with an escaped name, or lists garbage for are hashed here', async () => {
  const files = found();
  const [a, b, c] = files as [FoundPackage, FoundPackage, FoundPackage];
  const text = ['not a line\n', `\\${FORGED} *./${a.href}\n`, `${'zz'.repeat(32)} *./${c.href}\n`, ...files.slice(3).map((f) => line(f, sha256(f)))].join('');
  const got = await readWithPrehash(files, 10, pipeline(text, LATER()));
  for (const [i, f] of [a, b, c].entries()) assert.equal(got[i]?.pkgId, sha256(f), f.href);
});

test('a pipeline that breaks part way: the rest is hashed here', async () => {
  const files = found();
  const out = new PassThrough();
  const p = Prehash.reading(out, LATER());
  out.write(files.slice(0, 10).map((f) => line(f, FORGED)).join(''));
  setTimeout(() => out.destroy(new Error('broken pipe')), 20);
  const got = await readWithPrehash(files, 10, p);
  got.forEach((pkg, i) => assert.equal(pkg.pkgId, i < 10 ? FORGED : sha256(files[i] as FoundPackage)));
});

test('a pipeline that goes silent without ending is given up: the rest is hashed here', async () => {
  const files = found();
  const out = new PassThrough();
  const p = Prehash.reading(out, LATER(), 200);
  // Stuck on a file it cannot read: its output stops, its pipe stays open.
  out.write(files.slice(0, 10).map((f) => line(f, FORGED)).join(''));
  const got = await readWithPrehash(files, 10, p);
  got.forEach((pkg, i) => assert.equal(pkg.pkgId, i < 10 ? FORGED : sha256(files[i] as FoundPackage)));
  assert.ok(out.destroyed, 'the pipeline was let go');
});

test('a damaged package fails the read with its name', async () => {
  const bad = join(tmp, 'bad');
  makePackageSet(join(bad, 'Packages'), 5, { seed: 6 });
  writeFileSync(join(bad, 'Packages', 'zz-damaged-1.0-1.x86_64.rpm'), Buffer.alloc(4096, 7));
  const files = scanPackages(bad, { stat: false });
  await assert.rejects(readWithPrehash(files, 10, pipeline('', LATER())), (e: unknown) => e instanceof RepoCreateError && /zz-damaged-1\.0-1\.x86_64\.rpm/.test(e.message));
});

test("the environment's pipeline is taken for its own directory only, and the environment is cleared", () => {
  const other = join(tmp, 'other');
  mkdirSync(other, { recursive: true });
  const set = (fd: string, d: string, since: string): void => {
    process.env.DISTFORGE_PREHASH_FD = fd;
    process.env.DISTFORGE_PREHASH_DIR = d;
    process.env.DISTFORGE_PREHASH_SINCE = since;
  };
  const cleared = (): boolean => ['DISTFORGE_PREHASH_FD', 'DISTFORGE_PREHASH_DIR', 'DISTFORGE_PREHASH_SINCE'].every((k) => process.env[k] === undefined);
  // Another directory (its fd, not open here, is left alone), a standard stream, values that are no numbers.
  for (const [fd, d, since] of [['987', other, '1'], ['1', dir, '1'], ['x', dir, '1'], ['987', dir, 'soon']] as const) {
    set(fd, d, since);
    assert.equal(Prehash.fromEnvironment(dir), null, `${fd} ${d} ${since}`);
    assert.ok(cleared());
  }
  assert.equal(Prehash.fromEnvironment(dir), null);
});
