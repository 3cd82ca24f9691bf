/**
 * Payload compression: the names rpm stores in the PAYLOADCOMPRESSOR tag, streaming decompression
 * for readers and one-shot compression for the RPM writer.
 *
 * gzip goes through node's zlib; bzip2, xz, lzma and zstd through the system tools (`bzip2`, `xz`,
 * `zstd`), spawned with pipes, so no native module is needed.
 */
import { spawnSync } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { RpmPayloadError } from '../errors.ts';
import { DecoderStream, gzipOrPlainBackend, plainBackend, processBackend, zstdBackend } from './decoder.ts';

/**
 * A payload compression method, spelled as rpm spells it in the PAYLOADCOMPRESSOR tag.
 * `none` means an uncompressed cpio archive (rpm itself omits the tag in that case; see
 * {@link parseCompressor}).
 */
export type PayloadCompressor = 'gzip' | 'bzip2' | 'xz' | 'lzma' | 'zstd' | 'none';

/** Every {@link PayloadCompressor}, in a stable order. */
export const PAYLOAD_COMPRESSORS: readonly PayloadCompressor[] = ['gzip', 'bzip2', 'xz', 'lzma', 'zstd', 'none'];

/** Compression levels accepted by {@link compressBuffer}: [lowest, highest, default]. */
const LEVELS: Record<Exclude<PayloadCompressor, 'none'>, readonly [number, number, number]> = {
  gzip: [1, 9, 9], // rpm's default binary payload on many hosts: w9.gzdio
  bzip2: [1, 9, 9],
  xz: [0, 9, 6],
  lzma: [0, 9, 6],
  zstd: [1, 22, 19], // EL9 builds use w19.zstdio
};

/** Whether `s` is one of the {@link PayloadCompressor} names. */
export function isPayloadCompressor(s: string): s is PayloadCompressor {
  return (PAYLOAD_COMPRESSORS as readonly string[]).includes(s);
}

/**
 * Turns the value of the PAYLOADCOMPRESSOR tag into a {@link PayloadCompressor}.
 *
 * A missing tag (`undefined`) means gzip, as it does for rpm. rpm writes no tag for an uncompressed
 * payload (`w.ufdio`) and still reads it, because its gzip reader passes non-gzip data through
 * unchanged; {@link decompressStream} does the same for `gzip`.
 *
 * @throws RpmPayloadError for any other string (including the empty string).
 */
export function parseCompressor(s: string | undefined): PayloadCompressor {
  if (s === undefined) return 'gzip';
  if (isPayloadCompressor(s)) return s;
  throw new RpmPayloadError(`unknown payload compressor ${JSON.stringify(s)}`);
}

/**
 * A stream that takes the compressed payload on its writable side and gives the uncompressed cpio
 * archive on its readable side.
 *
 * - `gzip`: node's zlib; like rpm, data that does not start with the gzip magic passes through
 *   unchanged (how rpm reads uncompressed payloads whose tag is missing).
 * - `xz` and `lzma`: `xz -dc` (which, like rpm's reader, accepts both formats for either name);
 *   `bzip2`: `bzip2 -dc`; `zstd`: `zstd -dcq` (default 128 MiB window limit, as rpm's), after
 *   checking the zstd magic (the zstd tool would also take xz or gzip data, rpm does not).
 * - `none`: passes data through.
 *
 * A corrupt stream, a tool that cannot start or that exits non-zero becomes an `error` event
 * ({@link RpmPayloadError}, with the tool's stderr in the message). Destroying the stream early
 * (e.g. breaking out of a `for await`) kills the child process.
 */
export function decompressStream(c: PayloadCompressor): Duplex {
  switch (c) {
    case 'gzip':
      return new DecoderStream(gzipOrPlainBackend, 2);
    case 'none':
      return new DecoderStream(plainBackend, 0);
    case 'xz':
    case 'lzma':
      return new DecoderStream(() => processBackend('xz', ['-dc', '-q']), 0);
    case 'bzip2':
      return new DecoderStream(() => processBackend('bzip2', ['-dc', '-q']), 0);
    case 'zstd':
      return new DecoderStream(zstdBackend, 4);
  }
}

/**
 * Compresses a whole payload in one go (for the RPM writer).
 *
 * Output is deterministic for a given input, method and level (single-threaded tools, gzip with a
 * zero mtime). Default levels: gzip 9, bzip2 9, xz/lzma 6, zstd 19. `none` returns `buf` itself;
 * an RPM writer should then omit the PAYLOADCOMPRESSOR tag, as rpm does.
 *
 * @param level - compression level; gzip and bzip2 1–9, xz and lzma 0–9, zstd 1–22.
 * @throws RpmPayloadError for a level out of range, or when the tool is missing or fails.
 */
export function compressBuffer(buf: Buffer, c: PayloadCompressor, level?: number): Buffer {
  if (c === 'none') return buf;
  const [lowest, highest, byDefault] = LEVELS[c];
  const lvl = level ?? byDefault;
  if (!Number.isInteger(lvl) || lvl < lowest || lvl > highest) {
    throw new RpmPayloadError(`${c} compression level must be an integer from ${lowest} to ${highest}, got ${lvl}`);
  }
  switch (c) {
    case 'gzip':
      return gzipSync(buf, { level: lvl });
    case 'bzip2':
      return runTool('bzip2', ['-c', '-q', `-${lvl}`], buf);
    case 'xz':
      return runTool('xz', ['-c', '-q', '-T1', '--format=xz', '--check=crc64', `-${lvl}`], buf);
    case 'lzma':
      return runTool('xz', ['-c', '-q', '--format=lzma', `-${lvl}`], buf);
    case 'zstd':
      return runTool('zstd', ['-c', '-q', ...(lvl > 19 ? ['--ultra'] : []), `-${lvl}`], buf);
  }
}

/** Runs `tool args` with `input` on stdin and returns its stdout; any failure is an RpmPayloadError. */
function runTool(tool: string, args: string[], input: Buffer): Buffer {
  const r = spawnSync(tool, args, { input, maxBuffer: Infinity });
  if (r.error) throw new RpmPayloadError(`cannot run ${tool}: ${r.error.message}`, undefined, { cause: r.error });
  if (r.status !== 0) {
    const why = r.signal ?? `exit code ${String(r.status)}`;
    throw new RpmPayloadError(`${tool} ${args.join(' ')} failed (${why}): ${r.stderr.toString().trim()}`);
  }
  return r.stdout;
}
