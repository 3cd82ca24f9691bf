/**
 * Extraction of archives built with writeCpio: hostile names, links, and every compressor.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RpmPayloadError } from '../errors.ts';
import { PAYLOAD_COMPRESSORS, compressBuffer } from './codec.ts';
import type { PayloadCompressor } from './codec.ts';
import { writeCpio } from './cpio-write.ts';
import type { CpioWriteEntry } from './cpio-write.ts';
import { extractPayload, listPayload } from './extract.ts';
import { hardLinkGroups, snapshotTree, tempDir } from './test-support.ts';

const work = tempDir('safety');
after(() => rmSync(work, { recursive: true, force: true }));
let counter = 0;

/** Bytes placed before the payload, standing in for the lead and headers of an RPM file. */
const PREFIX = Buffer.from('not a payload: lead and headers '.repeat(4));

/** Writes an "RPM" whose payload is these entries; returns its path, a fresh dest dir and an outside dir. */
function archive(entries: CpioWriteEntry[], c: PayloadCompressor = 'none'): { file: string; dest: string; outside: string } {
  const dir = join(work, String(counter++));
  mkdirSync(join(dir, 'outside'), { recursive: true });
  const file = join(dir, 'test.rpm');
  writeFileSync(file, Buffer.concat([PREFIX, compressBuffer(writeCpio(entries), c, c === 'zstd' ? 3 : undefined)]));
  return { file, dest: join(dir, 'dest'), outside: join(dir, 'outside') };
}

let nextIno = 1000;
const file = (name: string, data = 'data\n', ino = nextIno++): CpioWriteEntry => ({
  name,
  mode: 0o100644,
  mtime: 1_600_000_000,
  ino,
  data: Buffer.from(data),
});
const dir = (name: string): CpioWriteEntry => ({ name, mode: 0o40755, mtime: 1_600_000_000, ino: nextIno++ });
const symlink = (name: string, target: string): CpioWriteEntry => ({ name, mode: 0o120777, mtime: 1_600_000_000, ino: nextIno++, linkTarget: target });

/** Extraction must fail with an RpmPayloadError naming the entry, at that entry's archive offset. */
async function refused(entries: CpioWriteEntry[], bad: string, why: RegExp, setup?: (dest: string, outside: string) => void): Promise<{ dest: string; outside: string }> {
  const a = archive(entries);
  setup?.(a.dest, a.outside);
  const expectedOffset = writeCpio(entries).lastIndexOf(`${bad}\0`) - 110;
  await assert.rejects(extractPayload(a.file, PREFIX.length, 'none', a.dest), (err: unknown) => {
    assert.ok(err instanceof RpmPayloadError, String(err));
    assert.match(err.message, why);
    assert.ok(err.message.includes(JSON.stringify(bad)), err.message);
    assert.equal(err.offset, expectedOffset);
    return true;
  });
  assert.deepEqual(readdirSync(a.outside), [], 'nothing written outside');
  return a;
}

test('names escaping the directory are refused: "..", absolute paths', async () => {
  for (const bad of ['../x', './../x', './a/../../x', './a/..', '/etc/x', './/etc/x']) {
    const { dest } = await refused([dir('./a'), file('./ok'), file(bad)], bad, /\.\.|absolute/);
    assert.ok(existsSync(join(dest, 'ok')), `${bad}: entries before it were written`);
    assert.ok(!existsSync(join(dest, '..', 'x')) && !existsSync(join(dest, 'x')), bad);
  }
});

test('nothing is written through a symlink the archive made', async () => {
  const cases: Array<[CpioWriteEntry[], string]> = [
    [[symlink('./a', '../outside'), file('./a/passwd')], './a/passwd'],
    [[symlink('./a', '../outside'), dir('./a/sub')], './a/sub'],
    [[dir('./d'), symlink('./d/l', '../../outside'), file('./d/l/deeper/x')], './d/l/deeper/x'],
    [[symlink('./a', '../outside'), symlink('./a/l2', 'x')], './a/l2'],
    // hard links: a member waiting for the set's data goes through the symlink
    [[symlink('./a', '../outside'), { ...file('./a/h', '', 5), nlink: 2 }, { ...file('./h2', 'x', 5), nlink: 2 }], './a/h'],
  ];
  for (const [entries, bad] of cases) {
    const { dest } = await refused(entries, bad, /symbolic link/);
    assert.ok(lstatSync(join(dest, entries[0]?.name === './d' ? 'd/l' : 'a')).isSymbolicLink());
  }
  // the archive's own symlink pointing to /etc, then a file through it
  await refused([symlink('./a', '/etc'), file('./a/passwd', 'root::0:0::/:/bin/sh\n')], './a/passwd', /symbolic link "a"/);
});

test('the directory of a hard link waiting for its data cannot be swapped for a symlink', async () => {
  // ./d/h waits for the set's data; swapping ./d for a symlink before the data comes is refused.
  const entries = [dir('./d'), { ...file('./d/h', '', 7), nlink: 2 }, symlink('./d', '../outside'), { ...file('./h2', 'x', 7), nlink: 2 }];
  await refused(entries, './d', /would replace a directory/);
});

test('symlinks already in the destination are not followed either', async () => {
  await refused([file('./pre/x')], './pre/x', /symbolic link "pre"/, (dest, outside) => {
    mkdirSync(dest);
    symlinkSync(outside, join(dest, 'pre'));
  });
  // a file entry replaces a symlink in its place instead of writing through it
  const a = archive([symlink('./a', '../outside/target'), file('./a', 'replaced\n')]);
  await extractPayload(a.file, PREFIX.length, 'none', a.dest);
  assert.equal(readFileSync(join(a.dest, 'a'), 'utf8'), 'replaced\n');
  assert.ok(lstatSync(join(a.dest, 'a')).isFile());
  assert.deepEqual(readdirSync(a.outside), []);
});

test('a directory is never replaced by another kind of entry; a file goes through no file', async () => {
  await refused([dir('./d'), file('./d')], './d', /would replace a directory/);
  await refused([dir('./d'), symlink('./d', 'x')], './d', /would replace a directory/);
  await refused([file('./f'), file('./f/x')], './f/x', /not a directory/);
});

test('types, modes, mtimes, hard links and non-UTF-8 names come out as stored', async () => {
  const entries: CpioWriteEntry[] = [
    { ...dir('./ro'), mode: 0o40555 },
    { ...file('./ro/inside'), mode: 0o100444 },
    { ...file('./suid', '#!/bin/sh\n'), mode: 0o104755 },
    { ...file(Buffer.from('./caf\xe9', 'latin1').toString('latin1'), 'x'), name: Buffer.from('./caf\xe9', 'latin1') },
    { ...file('./h1', '', 42), mtime: 1_500_000_000 },
    { ...file('./sub/h2', 'linked\n', 42), mtime: 1_500_000_000 },
    { ...file('./empty1', '', 43), nlink: 2 },
    { ...file('./empty2', '', 43), nlink: 2 },
    symlink('./rel', 'suid'),
    { name: './null', mode: 0o20666, mtime: 0, ino: 50, rdevMajor: 1, rdevMinor: 3 },
    { name: './fifo', mode: 0o10644, mtime: 0, ino: 51 },
    dir('.'),
  ];
  const a = archive(entries);
  const result = await extractPayload(a.file, PREFIX.length, 'none', a.dest);
  assert.deepEqual(result, { files: 9, bytes: 5 + 10 + 1 + 7, skipped: ['./null', './fifo'] });
  const tree = snapshotTree(a.dest);
  assert.deepEqual([...tree.keys()].sort(), ['caf\xe9', 'empty1', 'empty2', 'h1', 'rel', 'ro', 'ro/inside', 'sub', 'sub/h2', 'suid']);
  assert.equal(tree.get('ro')?.mode, 0o555);
  assert.equal(tree.get('ro/inside')?.mode, 0o444);
  assert.equal(tree.get('suid')?.mode, 0o755, 'set-id bits dropped by default');
  assert.equal(tree.get('rel')?.target, 'suid');
  assert.equal(tree.get('rel')?.mtime, 1_600_000_000);
  assert.deepEqual([tree.get('h1')?.mtime, tree.get('h1')?.size], [1_500_000_000, 7]);
  assert.deepEqual(hardLinkGroups(tree), [['empty1', 'empty2'], ['h1', 'sub/h2']]);
  assert.equal(tree.get('empty1')?.size, 0);
  assert.equal(tree.get('ro')?.mtime, 1_600_000_000, 'directory mtimes set after their contents');
});

for (const c of PAYLOAD_COMPRESSORS) {
  test(`${c}: writer → compressor → file → listPayload / extractPayload round trip`, async () => {
    const big = Buffer.alloc(3_000_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    const entries = [dir('./d'), file('./d/big', ''), file('./d/small', 'small\n'), symlink('./d/l', 'big')];
    entries[1] = { ...entries[1], data: big } as CpioWriteEntry;
    const a = archive(entries, c);
    const listed = await listPayload(a.file, PREFIX.length, c);
    assert.deepEqual(listed.map((e) => [e.name, e.type, e.size]), [['./d', 'directory', 0], ['./d/big', 'file', big.length], ['./d/small', 'file', 6], ['./d/l', 'symlink', 3]]);
    assert.deepEqual(await extractPayload(a.file, PREFIX.length, c, a.dest), { files: 4, bytes: big.length + 6, skipped: [] });
    assert.ok(readFileSync(join(a.dest, 'd/big')).equals(big));
  });
}
