import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { RpmPayloadError } from '../errors.ts';
import { readCpio } from './cpio-read.ts';
import type { CpioEntryInfo } from './cpio-read.ts';
import { writeCpio } from './cpio-write.ts';
import type { CpioWriteEntry } from './cpio-write.ts';
import { buildFixtureRpms, corpusFiles, hardLinkGroups, run, sh, snapshotTree, tempDir } from './test-support.ts';

interface ReadBack extends CpioEntryInfo {
  data: Buffer;
}

async function readAll(archive: Buffer): Promise<ReadBack[]> {
  const out: ReadBack[] = [];
  for await (const e of readCpio(Readable.from([archive]))) out.push({ ...e, data: Buffer.from(await e.readBody()) });
  return out;
}

const big = randomBytes(200_001);
const MTIME = 1_700_000_000;
const SAMPLE: CpioWriteEntry[] = [
  { name: './usr', mode: 0o40755, mtime: MTIME, ino: 1 },
  { name: './usr/h1', mode: 0o100644, mtime: MTIME, ino: 7 },
  { name: './usr/big', mode: 0o100600, uid: 12, gid: 34, mtime: MTIME, ino: 2, data: big },
  { name: './usr/h2', mode: 0o100644, mtime: MTIME, ino: 7, data: Buffer.from('shared\n') },
  { name: './usr/empty', mode: 0o100644, mtime: MTIME, ino: 3 },
  { name: './usr/link', mode: 0o120777, mtime: MTIME, ino: 4, linkTarget: 'big' },
  { name: Buffer.from('./usr/caf\xe9', 'latin1'), mode: 0o100644, mtime: MTIME, ino: 5, data: Buffer.from('latin1 name') },
  { name: './usr/h3', mode: 0o100644, mtime: MTIME, ino: 7 },
  { name: './dev/null', mode: 0o20666, mtime: MTIME, ino: 6, rdevMajor: 1, rdevMinor: 3 },
  { name: './usr/fifo', mode: 0o10644, mtime: MTIME, ino: 8 },
];

test('writer → reader round trip keeps every field; hard links go last, data on the last member', async () => {
  const archive = writeCpio(SAMPLE);
  assert.equal(archive.length % 4, 0);
  const back = await readAll(archive);
  assert.deepEqual(
    back.map((e) => e.name),
    ['./usr', './usr/big', './usr/empty', './usr/link', './usr/caf\ufffd', './dev/null', './usr/fifo', './usr/h1', './usr/h2', './usr/h3'],
  );
  const byName = new Map(back.map((e) => [e.name, e]));
  const bigEntry = byName.get('./usr/big');
  assert.ok(bigEntry !== undefined && bigEntry.data.equals(big));
  assert.deepEqual([bigEntry.uid, bigEntry.gid, bigEntry.mode, bigEntry.mtime, bigEntry.size], [12, 34, 0o100600, MTIME, big.length]);
  assert.equal(byName.get('./usr')?.nlink, 2);
  assert.equal(byName.get('./usr/link')?.linkTarget, 'big');
  assert.equal(byName.get('./usr/link')?.type, 'symlink');
  assert.ok(byName.get('./usr/caf\ufffd')?.rawName.equals(Buffer.from('./usr/caf\xe9', 'latin1')));
  const dev = byName.get('./dev/null');
  assert.deepEqual([dev?.type, dev?.rdevMajor, dev?.rdevMinor, dev?.size], ['char', 1, 3, 0]);
  assert.equal(byName.get('./usr/fifo')?.type, 'fifo');
  for (const [name, size] of [['./usr/h1', 0], ['./usr/h2', 0], ['./usr/h3', 7]] as const) {
    const e = byName.get(name);
    assert.deepEqual([e?.ino, e?.nlink, e?.size], [7, 3, size], name);
  }
  assert.equal(byName.get('./usr/h3')?.data.toString(), 'shared\n');
});

test('the 070702 variant carries checksums the reader verifies', async () => {
  const archive = writeCpio(SAMPLE, { crc: true });
  assert.equal(archive.subarray(0, 6).toString(), '070702');
  assert.equal((await readAll(archive)).length, SAMPLE.length);
  const at = archive.indexOf(big.subarray(0, 64));
  const bad = Buffer.from(archive);
  bad[at + 1000] = (bad[at + 1000] ?? 0) ^ 1;
  await assert.rejects(readAll(bad), (err: unknown) => err instanceof RpmPayloadError && /checksum mismatch/.test(err.message));
});

test('GNU cpio reads the archive: same listing, same contents, hard links', () => {
  const dir = tempDir('gnucpio');
  try {
    const entries = SAMPLE.filter((e) => (e.mode & 0o170000) !== 0o020000); // no device nodes in tests
    const archive = writeCpio(entries);
    const list = run('cpio', ['-it', '--quiet'], { input: archive });
    assert.equal(list.status, 0, list.stderr);
    assert.equal(list.stdout.toString('latin1').trim().split('\n').length, entries.length);
    const x = run('cpio', ['-idm', '--quiet', '--no-absolute-filenames'], { cwd: dir, input: archive });
    assert.equal(x.status, 0, x.stderr);
    const tree = snapshotTree(dir);
    assert.equal(tree.get('usr/big')?.sha256, createHash('sha256').update(big).digest('hex'));
    assert.equal(tree.get('usr/link')?.target, 'big');
    assert.deepEqual(hardLinkGroups(tree), [['usr/h1', 'usr/h2', 'usr/h3']]);
    assert.equal(tree.get('usr/h1')?.size, 7);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

let fixtureDir = '';
let fixtures: string[] = [];
before(() => {
  fixtureDir = tempDir('write-fixtures');
  fixtures = buildFixtureRpms(fixtureDir).map(([, path]) => path);
});
after(() => rmSync(fixtureDir, { recursive: true, force: true }));

test('rewriting an rpm payload from its entries gives rpm2cpio output byte for byte', async () => {
  let compared = 0;
  for (const file of [...corpusFiles(), ...fixtures]) {
    const original = sh('rpm2cpio "$1"', [file]);
    if (original.status !== 0 || original.stdout.length === 0) continue; // rpm cannot unpack it either
    const entries: CpioWriteEntry[] = (await readAll(original.stdout)).map((e) => ({
      name: e.rawName,
      mode: e.mode,
      uid: e.uid,
      gid: e.gid,
      mtime: e.mtime,
      ino: e.ino,
      nlink: e.nlink,
      devMajor: e.devMajor,
      devMinor: e.devMinor,
      rdevMajor: e.rdevMajor,
      rdevMinor: e.rdevMinor,
      ...(e.type === 'symlink' ? { linkTarget: e.rawLinkTarget } : { data: e.data }),
    }));
    assert.ok(writeCpio(entries).equals(original.stdout), file);
    // In header order (as the RPM writer will pass them), rpm's ordering comes out as well.
    const order = sh('rpm -qp --nosignature --nodigest --qf "[%{FILENAMES}\\n]" "$1"', [file]).stdout.toString('utf8').split('\n');
    const index = (name: string | Uint8Array): number => order.indexOf(Buffer.from(name).toString('utf8').replace(/^\./, ''));
    assert.ok(entries.every((e) => index(e.name) >= 0), `${file}: every payload name is in the header`);
    const inHeaderOrder = [...entries].sort((a, b) => index(a.name) - index(b.name));
    assert.ok(writeCpio(inHeaderOrder).equals(original.stdout), `${file} in header order`);
    compared++;
  }
  assert.ok(compared >= 25, `compared ${compared} payloads`);
});

test('writer refuses what cannot be written', () => {
  const ok: CpioWriteEntry = { name: './f', mode: 0o100644, mtime: 0, ino: 1 };
  const bad: Array<[string, CpioWriteEntry[]]> = [
    ['empty name', [{ ...ok, name: '' }]],
    ['NUL in name', [{ ...ok, name: './a\0b' }]],
    ['name too long', [{ ...ok, name: `./${'x'.repeat(70000)}` }]],
    ['unknown type', [{ ...ok, mode: 0o170644 }]],
    ['negative ino', [{ ...ok, ino: -1 }]],
    ['mtime over 32 bits', [{ ...ok, mtime: 2 ** 32 }]],
    ['fractional uid', [{ ...ok, uid: 1.5 }]],
    ['symlink without target', [{ ...ok, mode: 0o120777 }]],
    ['symlink with data', [{ ...ok, mode: 0o120777, linkTarget: 'x', data: Buffer.from('x') }]],
    ['directory with data', [{ ...ok, mode: 0o40755, data: Buffer.from('x') }]],
    ['file with link target', [{ ...ok, linkTarget: 'x' }]],
    ['hard links with different data', [{ ...ok, data: Buffer.from('a') }, { ...ok, name: './g', data: Buffer.from('b') }]],
  ];
  for (const [why, entries] of bad) assert.throws(() => writeCpio(entries), RpmPayloadError, why);
  assert.equal(writeCpio([]).length, 124, 'an empty archive is the trailer alone, as rpm writes it');
});
