/**
 * The metadata compressors (compress.ts): what comes out decompresses, with the system's own
 * `zstd` and `gzip`, to exactly what was fed, however it was cut into pieces; a `zstd` fed while
 * this thread never lets its event loop turn still gets everything (its input is written by
 * libuv's threads); a `zstd` that dies fails the compressor with a message, and one stopped part
 * way is gone, neither holding the process.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { childProcesses } from '../../../test/support/child-processes.ts';
import { RepoCreateError } from '../errors.ts';
import { compressStream, startCompressor, type MetadataCompression } from './compress.ts';

/** `n` bytes of XML-like text that compresses as metadata does. */
function content(n: number, seed = 1): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < n; i++) {
    const l = `  <file>/usr/share/pkg${(i * 7919 + seed) % 1000}/data/file-${i.toString(36)}.txt</file>\n`;
    lines.push(l);
    size += l.length;
  }
  return Buffer.from(lines.join('')).subarray(0, n);
}

/** `buf` cut into pieces of uneven sizes, some empty, as views of one buffer. */
function pieces(buf: Buffer): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0, i = 0; at < buf.length; i++) {
    const len = i % 5 === 0 ? 0 : ((i * 104729) % 70000) + 1;
    out.push(buf.subarray(at, at + len));
    at += len;
  }
  return out;
}

function decompress(c: MetadataCompression, parts: readonly Uint8Array[]): Buffer {
  const input = Buffer.concat(parts);
  if (c === 'none') return input;
  return execFileSync(c === 'zstd' ? 'zstd' : 'gzip', ['-d', '-c'], { input, maxBuffer: 1 << 28 });
}

/** This process's `zstd` children. */
const zstdChildren = (): number[] => childProcesses('zstd\0-q\0-c');

/** Bytes `pid` has read so far (/proc/PID/io). */
function bytesRead(pid: number): number {
  const m = /^rchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'latin1'));
  return m ? Number(m[1]) : -1;
}

for (const c of ['zstd', 'gz', 'none'] as const) {
  test(`${c}: the output decompresses to what was fed, in pieces over several turns and at the end`, async () => {
    const data = content(6_000_000, c.length);
    const parts = pieces(data);
    const compressor = startCompressor(c);
    const cut = Math.floor(parts.length / 3);
    compressor.write(parts.slice(0, cut));
    await new Promise((r) => setImmediate(r));
    compressor.write(parts.slice(cut, 2 * cut));
    compressor.write([]);
    const out = await compressor.end(parts.slice(2 * cut));
    assert.ok(decompress(c, out).equals(data));
  });

  test(`${c}: nothing fed gives the compressed form of nothing`, async () => {
    const out = await startCompressor(c).end();
    assert.equal(decompress(c, out).length, 0);
  });
}

test('zstd takes all it was fed while this thread never lets its event loop turn', async () => {
  const before = new Set(zstdChildren());
  const compressor = startCompressor('zstd');
  const [pid] = zstdChildren().filter((p) => !before.has(p));
  assert.ok(pid, 'the zstd process is found');
  const data = content(8_000_000, 3);
  compressor.write(pieces(data));
  // Busy here, as repo create is while it reads a batch: no turn of the event loop until zstd has
  // read all 8 MB (a stream would hand it one socket buffer, ~200 KiB, per turn) or 20 s passed.
  const deadline = Date.now() + 20_000;
  let read = bytesRead(pid);
  while (read < data.length && Date.now() < deadline) read = bytesRead(pid);
  assert.ok(read >= data.length, `zstd read ${read} of ${data.length} bytes while the event loop was held`);
  assert.ok(decompress('zstd', await compressor.end()).equals(data));
});

test('a zstd that dies fails the compressor with what happened; one stopped part way is gone', async () => {
  const before = new Set(zstdChildren());
  const dying = startCompressor('zstd');
  const [pid] = zstdChildren().filter((p) => !before.has(p));
  assert.ok(pid);
  dying.write([content(1_000_000)]);
  process.kill(pid, 'SIGKILL');
  dying.write([content(2_000_000)]);
  await assert.rejects(dying.end([content(1000)]), (e: unknown) => e instanceof RepoCreateError && /^zstd failed: /.test(e.message));

  const stopped = startCompressor('zstd');
  const [other] = zstdChildren().filter((p) => !before.has(p));
  assert.ok(other);
  stopped.write([content(3_000_000)]);
  stopped.abort();
  const deadline = Date.now() + 10_000;
  while (zstdChildren().includes(other) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(
    zstdChildren().filter((p) => !before.has(p)),
    [],
  );
});

test('a zstd that fails says so, with its message, on the stream and on the compressor', async (t) => {
  const bin = mkdtempSync(join(tmpdir(), 'distforge-fake-zstd-'));
  t.after(() => rmSync(bin, { recursive: true, force: true }));
  writeFileSync(join(bin, 'zstd'), '#!/bin/sh\necho "zstd: out of luck" >&2\nexit 3\n', { mode: 0o755 });
  const path = process.env.PATH;
  process.env.PATH = `${bin}:${path ?? ''}`;
  try {
    const failed = (e: unknown): boolean => e instanceof RepoCreateError && /^zstd failed: .*out of luck/.test(e.message);
    await assert.rejects(pipeline(Readable.from([content(8_000_000)]), compressStream('zstd'), new PassThrough().resume()), failed);
    const compressor = startCompressor('zstd');
    compressor.write([content(8_000_000)]);
    await assert.rejects(compressor.end(), failed);
  } finally {
    process.env.PATH = path;
  }
});
