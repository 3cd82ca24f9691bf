/** Unit tests of the primary/filelists/other join: lockstep, out of order, missing and mismatching entries. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RepoReadError } from '../errors.ts';
import type { RepoPackage } from '../model.ts';
import type { FilelistsPackage } from './filelists.ts';
import { Follower, joinPackages } from './join.ts';
import type { OtherPackage } from './other.ts';
import { emptyRepoPackage } from './primary.ts';

const id = (k: number): Omit<FilelistsPackage, 'files'> => ({ pkgId: `id${k}`, name: `p${k}`, arch: 'noarch', epoch: '0', version: '1', release: '1' });
const pkg = (k: number): RepoPackage => ({ ...emptyRepoPackage(), ...id(k), location: { href: `p${k}.rpm` }, files: [{ path: `/usr/bin/p${k}`, type: 'file' }] });
const fl = (k: number): FilelistsPackage => ({ ...id(k), files: [{ path: `/usr/bin/p${k}`, type: 'file' }, { path: `/usr/share/p${k}`, type: 'dir' }] });
const ot = (k: number): OtherPackage => ({ ...id(k), changelogs: [{ author: 'a', date: k, text: `c${k}` }] });

/** An async iterable of `items` in batches of two, that records how far it was read and whether it was closed. */
function source<T>(items: T[]): AsyncIterable<T[]> & { read: number; closed: boolean } {
  const s = {
    read: 0,
    closed: false,
    async *[Symbol.asyncIterator](): AsyncGenerator<T[]> {
      try {
        for (let i = 0; i < items.length; i += 2) {
          const batch = items.slice(i, i + 2);
          s.read += batch.length;
          yield await Promise.resolve(batch);
        }
      } finally {
        s.closed = true;
      }
    },
  };
  return s;
}

async function join(primary: number[], files: number[] | null, other: number[] | null): Promise<{ out: RepoPackage[]; waiting: number }> {
  const f = files ? new Follower(source(files.map(fl)), 'filelists.xml') : null;
  const o = other ? new Follower(source(other.map(ot)), 'other.xml') : null;
  const out: RepoPackage[] = [];
  let waiting = 0;
  for await (const p of joinPackages(source(primary.map(pkg)), f, o)) {
    out.push(p);
    waiting = Math.max(waiting, f?.waiting ?? 0, o?.waiting ?? 0);
  }
  return { out, waiting };
}

test('same order: lockstep, nothing set aside', async () => {
  const ks = [0, 1, 2, 3, 4];
  const { out, waiting } = await join(ks, ks, ks);
  assert.equal(waiting, 0);
  assert.deepEqual(out.map((p) => p.files.length), [2, 2, 2, 2, 2]);
  assert.deepEqual(out.map((p) => p.changelogs[0]?.text), ['c0', 'c1', 'c2', 'c3', 'c4']);
});

test('different orders: entries are set aside until their package comes', async () => {
  const { out, waiting } = await join([0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 0, 1, 4, 3]);
  assert.ok(waiting > 0);
  assert.deepEqual(out.map((p) => p.name), ['p0', 'p1', 'p2', 'p3', 'p4']);
  for (const p of out) {
    assert.equal(p.files[1]?.path, `/usr/share/${p.name}`);
    assert.equal(p.changelogs[0]?.text, `c${p.name.slice(1)}`);
  }
});

test('without followers: primary files and no changelogs', async () => {
  const { out } = await join([0, 1], null, null);
  assert.deepEqual(out.map((p) => [p.files.length, p.changelogs.length]), [[1, 0], [1, 0]]);
});

test('the same package twice (same pkgId) pairs entries in order', async () => {
  const { out } = await join([0, 0, 1], [0, 0, 1], [1, 0, 0]);
  assert.deepEqual(out.map((p) => p.name), ['p0', 'p0', 'p1']);
});

test('extra follower entries are read (checksums verified) and ignored', async () => {
  const files = source([0, 1, 2].map(fl));
  const out: RepoPackage[] = [];
  for await (const p of joinPackages(source([0].map(pkg)), new Follower(files, 'filelists.xml'), null)) out.push(p);
  assert.equal(out.length, 1);
  assert.equal(files.read, 3);
});

test('a package missing from a follower is an error naming the follower', async () => {
  await assert.rejects(
    join([0, 1, 2], [0, 2], [0, 1, 2]),
    (err) => err instanceof RepoReadError && err.file === 'filelists.xml' && /no entry for package p1-1-1\.noarch \(pkgid id1\) of primary\.xml/.test(err.message),
  );
});

test('an entry whose NEVRA disagrees with primary is an error', async () => {
  const bad = { ...ot(1), version: '2' };
  const o = new Follower(source([ot(0), bad]), 'other.xml');
  await assert.rejects(async () => {
    for await (const _ of joinPackages(source([0, 1].map(pkg)), null, o)) void _;
  }, /^RepoReadError: other\.xml: entry for pkgid id1 is p1-2-1\.noarch, but primary\.xml says p1-1-1\.noarch$/);
});

test('stopping early closes the followers', async () => {
  const files = source([0, 1, 2, 3, 4].map(fl));
  const other = source([0, 1, 2, 3, 4].map(ot));
  for await (const p of joinPackages(source([0, 1, 2, 3, 4].map(pkg)), new Follower(files, 'f'), new Follower(other, 'o'))) {
    if (p.name === 'p0') break;
  }
  assert.ok(files.read < 5);
  assert.equal(files.closed, true);
  assert.equal(other.closed, true);
});
