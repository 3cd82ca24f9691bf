import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { RpmPayloadError } from '../errors.ts';
import { readCpio } from './cpio-read.ts';
import type { ByteSource, CpioEntry } from './cpio-read.ts';
import { writeCpio } from './cpio-write.ts';
import type { CpioWriteEntry } from './cpio-write.ts';

const ENTRIES: CpioWriteEntry[] = [
  { name: './d', mode: 0o40755, mtime: 1, ino: 1 },
  { name: './d/f', mode: 0o100644, mtime: 2, ino: 2, data: Buffer.from('hello, world\n') },
  { name: './d/l', mode: 0o120777, mtime: 3, ino: 3, linkTarget: 'f' },
  { name: './d/g', mode: 0o100755, mtime: 4, ino: 4, data: Buffer.from('x'.repeat(1001)) },
];
const ARCHIVE = writeCpio(ENTRIES);

/** Reads every entry and its data; returns the names. */
async function names(source: ByteSource): Promise<string[]> {
  const out: string[] = [];
  for await (const e of readCpio(source)) {
    await e.readBody();
    out.push(e.name);
  }
  return out;
}

/** The archive in pieces of `size` bytes. */
function inPieces(archive: Buffer, size: number): Readable {
  const pieces: Buffer[] = [];
  for (let i = 0; i < archive.length; i += size) pieces.push(archive.subarray(i, i + size));
  return Readable.from(pieces);
}

function payloadError(pattern: RegExp, offset?: number): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof RpmPayloadError, `not an RpmPayloadError: ${String(err)}`);
    assert.match(err.message, pattern);
    if (offset !== undefined) assert.equal(err.offset, offset);
    return true;
  };
}

test('reads entries whatever the chunking of the input', async () => {
  for (const size of [1, 3, 110, 4096, ARCHIVE.length]) {
    assert.deepEqual(await names(inPieces(ARCHIVE, size)), ['./d', './d/f', './d/l', './d/g'], `pieces of ${size}`);
  }
});

test('a truncated archive is an RpmPayloadError at every cut, with the offset where data ran out', async () => {
  for (let cut = 0; cut < ARCHIVE.length; cut++) {
    const archive = ARCHIVE.subarray(0, cut);
    async function* pieces(): AsyncGenerator<Buffer> {
      for (let i = 0; i < archive.length; i += 7) yield archive.subarray(i, i + 7);
    }
    await assert.rejects(names(pieces()), (err: unknown) => {
      assert.ok(err instanceof RpmPayloadError, `cut ${cut}: ${String(err)}`);
      assert.ok(err.offset !== undefined && err.offset <= cut, `cut ${cut}: offset ${err.offset}`);
      return true;
    });
  }
});

test('garbage, other cpio formats and rpm large-file payloads are refused clearly', async () => {
  const second = ARCHIVE.indexOf('070701', 1);
  const withMagic = (magic: string, at = 0): Buffer => {
    const b = Buffer.from(ARCHIVE);
    b.write(magic, at, 'latin1');
    return b;
  };
  await assert.rejects(names(Readable.from([Buffer.from('\x1f\x8b\x08 gzip, not cpio', 'latin1')])), payloadError(/not a newc cpio header .* 0x1f8b08/, 0));
  await assert.rejects(names(Readable.from([withMagic('07070X')])), payloadError(/stripped format \(07070X\).* 4 GiB/, 0));
  await assert.rejects(names(Readable.from([withMagic('070707')])), payloadError(/old portable/, 0));
  await assert.rejects(names(Readable.from([withMagic('GARBAG', second)])), payloadError(/not a newc cpio header/, second));
  await assert.rejects(names(Readable.from([])), payloadError(/ends at offset 0 without a TRAILER!!!/, 0));
  const noTrailer = ARCHIVE.subarray(0, ARCHIVE.lastIndexOf('070701'));
  await assert.rejects(names(Readable.from([noTrailer])), payloadError(/without a TRAILER/, noTrailer.length));
});

/** The archive with header field `i` (0 = ino … 12 = check) of the entry at `at` set to `text`. */
function withField(i: number, text: string, at = 0): Buffer {
  const b = Buffer.from(ARCHIVE);
  b.write(text, at + 6 + 8 * i, 'latin1');
  return b;
}

test('every header field must be 8 hex digits; sizes and types must make sense', async () => {
  const second = ARCHIVE.indexOf('070701', 1);
  await assert.rejects(names(Readable.from([withField(6, '0000000g', second)])), payloadError(/size is not 8 hex digits/, second + 6 + 48));
  await assert.rejects(names(Readable.from([withField(0, '-0000001')])), payloadError(/ino is not 8 hex/));
  await assert.rejects(names(Readable.from([withField(11, ' 0000004')])), payloadError(/nameSize is not 8 hex/));
  await assert.rejects(names(Readable.from([withField(11, '00000000')])), payloadError(/bad cpio name size 0/, 0));
  await assert.rejects(names(Readable.from([withField(11, 'ffffffff')])), payloadError(/bad cpio name size 4294967295/, 0));
  await assert.rejects(names(Readable.from([withField(11, '00000003')])), payloadError(/NUL byte at position 2|not NUL-terminated/));
  await assert.rejects(names(Readable.from([withField(11, '00000005')])), payloadError(/has a NUL byte at position 3/));
  await assert.rejects(names(Readable.from([withField(1, '000f41ed')])), payloadError(/unknown file type/));
  await assert.rejects(names(Readable.from([withField(6, '00000010')])), payloadError(/directory entry .* has data/, 0));
  const link = ARCHIVE.indexOf('070701', ARCHIVE.indexOf('./d/f'));
  await assert.rejects(names(Readable.from([withField(6, '00000000', link)])), payloadError(/bad target length 0/, link));
  await assert.rejects(names(Readable.from([withField(6, '00002000', link)])), payloadError(/bad target length 8192/, link));
  const trailer = ARCHIVE.lastIndexOf('070701');
  await assert.rejects(names(Readable.from([withField(6, '00000004', trailer)])), payloadError(/TRAILER!!! entry has data/, trailer));
});

test('uppercase hex and the 070702 magic are read', async () => {
  const b = withField(1, '000041ED');
  b.write('070702', 0, 'latin1');
  const first = (await readCpio(Readable.from([b])).next()).value as CpioEntry;
  assert.equal(first.mode, 0o40755);
});

test('data: read in pieces, partly, or not at all; once, and only while current', async () => {
  const seen: string[] = [];
  let held: CpioEntry | undefined;
  for await (const e of readCpio(inPieces(ARCHIVE, 5))) {
    if (e.name === './d/f') {
      const it = e.body();
      const first = await it.next();
      assert.ok(first.value !== undefined && 'hello, world\n'.startsWith(first.value.toString()));
      seen.push('f:first piece'); // the rest is skipped
      await assert.rejects(e.readBody(), /only once/);
    }
    if (e.name === './d/l') {
      assert.equal(e.linkTarget, 'f');
      assert.equal((await e.readBody()).toString(), 'f');
    }
    if (e.name === './d/g') {
      await assert.rejects(e.readBody(100), payloadError(/1001 bytes, more than the 100 allowed/));
      held = e;
    }
    seen.push(e.name);
  }
  assert.deepEqual(seen, ['./d', 'f:first piece', './d/f', './d/l', './d/g']);
  await assert.rejects(async () => {
    for await (const _ of held?.body() ?? []) {
      // never reached
    }
  }, /after moving to the next entry/);
});

test('bodies stream: a 64 MiB entry is never gathered, whether read or skipped', async () => {
  const size = 64 * 1024 * 1024;
  const chunk = 64 * 1024;
  const archive = writeCpio([{ name: './big', mode: 0o100644, mtime: 0, ino: 1, data: Buffer.alloc(1) }]);
  const headerEnd = archive.indexOf('./big') + 6; // header, name and NUL: 116 bytes, no padding
  const header = Buffer.from(archive.subarray(0, headerEnd));
  header.write(size.toString(16).padStart(8, '0'), 6 + 8 * 6, 'latin1');
  const trailer = archive.subarray(archive.lastIndexOf('070701'));
  let produced = 0;
  async function* source(): AsyncGenerator<Buffer> {
    yield header;
    for (let sent = 0; sent < size; sent += chunk) {
      produced++;
      yield Buffer.alloc(chunk, 0x61);
    }
    yield trailer;
  }
  for (const readIt of [true, false]) {
    produced = 0;
    let largest = 0;
    let total = 0;
    for await (const e of readCpio(source())) {
      assert.ok(produced <= 1, 'the entry comes before its data is produced');
      if (!readIt) continue;
      for await (const piece of e.body()) {
        largest = Math.max(largest, piece.length);
        total += piece.length;
      }
    }
    assert.equal(produced, size / chunk);
    if (readIt) assert.deepEqual([total, largest], [size, chunk]);
  }
});

test('stops at the trailer without reading further, and releases the input', async () => {
  let closed = false;
  let readPastTrailer = false;
  async function* source(): AsyncGenerator<Buffer> {
    try {
      yield ARCHIVE;
      readPastTrailer = true;
      yield Buffer.from('garbage after the trailer');
    } finally {
      closed = true;
    }
  }
  assert.equal((await names(source())).length, 4);
  assert.deepEqual([closed, readPastTrailer], [true, false]);

  closed = false;
  for await (const _ of readCpio(source())) break;
  assert.equal(closed, true, 'breaking out early releases the input');
});

test('errors of the input pass through; payload errors get the archive offset', async () => {
  async function* failing(err: Error): AsyncGenerator<Buffer> {
    yield ARCHIVE.subarray(0, 200);
    throw err;
  }
  await assert.rejects(names(failing(new RpmPayloadError('xz -dc failed (exit code 1)'))), payloadError(/xz -dc failed .*after 200 bytes/, 200));
  await assert.rejects(names(failing(new Error('disk on fire'))), /disk on fire/);
  await assert.rejects(names(Readable.from(['a string'])), TypeError);
});
