import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RpmPayloadError } from '../errors.ts';
import { PAYLOAD_COMPRESSORS, compressBuffer, decompressStream, parseCompressor } from './codec.ts';
import type { PayloadCompressor } from './codec.ts';
import { run } from './test-support.ts';

/** Compressible but not trivial: repeated random lines, ~1.5 MiB, so several chunks flow. */
function sample(): Buffer {
  const lines = Array.from({ length: 200 }, () => randomBytes(24).toString('base64'));
  const parts: string[] = [];
  for (let i = 0; i < 40_000; i++) parts.push(lines[(i * 7919) % lines.length] ?? '');
  return Buffer.from(parts.join('\n'));
}

/** Feeds `input` to decompressStream(c) in small pieces and gathers the output. */
async function decompress(input: Buffer, c: PayloadCompressor): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < input.length; i += 1000) pieces.push(input.subarray(i, i + 1000));
  const out: Buffer[] = [];
  await pipeline(Readable.from(pieces), decompressStream(c), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) out.push(chunk);
  });
  return Buffer.concat(out);
}

/** Decompressors running as children of this process, once killed ones are gone (gives up after ~10 s). */
async function childrenAfterExit(): Promise<string[]> {
  let names: string[] = [];
  for (let i = 0; i < 100; i++) {
    const r = run('ps', ['-o', 'comm=', '--ppid', String(process.pid)]);
    names = r.stdout.toString('utf8').split('\n').filter((n) => ['xz', 'zstd', 'bzip2'].includes(n));
    if (names.length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return names;
}

test('parseCompressor: rpm names, missing tag is gzip, unknown strings refused', () => {
  for (const c of PAYLOAD_COMPRESSORS) assert.equal(parseCompressor(c), c);
  assert.equal(parseCompressor(undefined), 'gzip');
  for (const bad of ['', 'lz4', 'GZIP', '(none)', 'gzip ']) {
    assert.throws(() => parseCompressor(bad), RpmPayloadError, bad);
  }
});

for (const c of PAYLOAD_COMPRESSORS) {
  test(`${c}: compressBuffer then decompressStream gives the input back`, async () => {
    const data = sample();
    const packed = compressBuffer(data, c);
    if (c !== 'none') assert.ok(packed.length < data.length / 2, `${c} compresses`);
    assert.ok((await decompress(packed, c)).equals(data));
    assert.ok(compressBuffer(data, c).equals(packed), 'deterministic output');
  });
}

test('compressBuffer output is what the reference tools read', () => {
  const data = sample();
  const tools: Array<[PayloadCompressor, string, string[]]> = [
    ['gzip', 'gzip', ['-dc']],
    ['bzip2', 'bzip2', ['-dc']],
    ['xz', 'xz', ['-dc', '--format=xz']],
    ['lzma', 'xz', ['-dc', '--format=lzma']],
    ['zstd', 'zstd', ['-dc']],
  ];
  for (const [c, tool, args] of tools) {
    const r = run(tool, args, { input: compressBuffer(data, c, 1) });
    assert.equal(r.status, 0, `${tool}: ${r.stderr}`);
    assert.ok(r.stdout.equals(data), c);
  }
});

test('compressBuffer refuses levels out of range', () => {
  assert.throws(() => compressBuffer(Buffer.from('x'), 'gzip', 0), RpmPayloadError);
  assert.throws(() => compressBuffer(Buffer.from('x'), 'zstd', 23), RpmPayloadError);
  assert.throws(() => compressBuffer(Buffer.from('x'), 'xz', 1.5), RpmPayloadError);
  assert.ok(compressBuffer(Buffer.from('x'), 'zstd', 22).length > 0, '--ultra levels work');
});

test('gzip decoder passes non-gzip data through, as rpm reads payloads without a compressor tag', async () => {
  const plain = Buffer.from('070701 not compressed at all');
  assert.ok((await decompress(plain, 'gzip')).equals(plain));
  assert.equal((await decompress(Buffer.alloc(0), 'gzip')).length, 0);
  assert.ok((await decompress(Buffer.from('0'), 'gzip')).equals(Buffer.from('0')));
});

for (const c of ['gzip', 'bzip2', 'xz', 'lzma', 'zstd'] as const) {
  test(`${c}: a corrupt or truncated stream is an RpmPayloadError, not a hang`, async () => {
    const packed = compressBuffer(sample(), c);
    const truncated = packed.subarray(0, Math.floor(packed.length / 2));
    await assert.rejects(decompress(truncated, c), RpmPayloadError);
    const flipped = Buffer.from(packed);
    for (let i = 40; i < flipped.length; i += 97) flipped[i] = (flipped[i] ?? 0) ^ 0x55;
    await assert.rejects(decompress(flipped, c), RpmPayloadError);
    if (c !== 'gzip') await assert.rejects(decompress(Buffer.from('certainly not compressed'), c), RpmPayloadError);
  });
}

test('a missing tool is an RpmPayloadError on the stream', async () => {
  const { DecoderStream, processBackend } = await import('./decoder.ts');
  const stream = new DecoderStream(() => processBackend('/nonexistent/unxz', ['-dc']), 0);
  const out = pipeline(Readable.from([Buffer.from('abc')]), stream, async (source: AsyncIterable<Buffer>) => {
    for await (const _ of source) {
      // nothing expected
    }
  });
  await assert.rejects(out, (err: unknown) => err instanceof RpmPayloadError && /cannot run/.test(err.message));
});

for (const c of ['xz', 'zstd', 'bzip2', 'gzip'] as const) {
  test(`${c}: a consumer that stops early ends the stream cleanly (child killed, no hang)`, async () => {
    // 32 MiB of zeros compress to little, so the decoder blocks on its output until killed.
    const packed = compressBuffer(Buffer.alloc(32 * 1024 * 1024), c, 1);
    const stream = decompressStream(c);
    Readable.from([packed]).pipe(stream);
    for await (const chunk of stream) {
      assert.ok((chunk as Buffer).length > 0);
      break; // destroys the stream
    }
    assert.equal(stream.destroyed, true);
    await new Promise<void>((resolve) => (stream.closed ? resolve() : stream.once('close', () => resolve())));
    assert.deepEqual(await childrenAfterExit(), [], 'no decompressor left running');
  });
}
