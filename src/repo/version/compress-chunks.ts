/**
 * Compresses many chunks at once, each into a stream of its own (a zstd frame, a gzip member),
 * with the settings createRepository uses (zstd level 3, gzip level 6).
 *
 * zstd: Node 20 has no zstd, and starting the `zstd` tool per chunk would cost milliseconds each
 * (a cold render compresses thousands), so the chunks are written to files in a scratch directory
 * and one `zstd` per core compresses its share of them (`zstd -3 FILE…` makes FILE.zst for each),
 * then the results are read back. gzip: zlib in libuv's thread pool.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { RepoVersionError } from './errors.ts';
import type { VersionCompression } from './types.ts';

const gzipAsync = promisify(gzip);
export const ZSTD_LEVEL = 3;
export const GZIP_LEVEL = 6;

/** The compressor and level, as a part of chunk keys. */
export function compressionTag(c: VersionCompression): string {
  return c === 'zstd' ? `zstd-${ZSTD_LEVEL}` : `gz-${GZIP_LEVEL}`;
}

function runZstd(files: string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn('zstd', ['-q', `-${ZSTD_LEVEL}`, '-T1', '-f', '--', ...files], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e) => fail(new RepoVersionError(`cannot run zstd: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) done();
      else fail(new RepoVersionError(`zstd failed (${signal ?? `exit code ${String(code)}`})${stderr ? `: ${stderr.trim()}` : ''}`));
    });
  });
}

/**
 * The compressed form of each of `chunks`, in order.
 * @param scratchParent - a directory for zstd's scratch files (on the same disk as the cache).
 */
export async function compressChunks(chunks: readonly Uint8Array[], compression: VersionCompression, scratchParent: string): Promise<Buffer[]> {
  if (chunks.length === 0) return [];
  if (compression === 'gz') return Promise.all(chunks.map((c) => gzipAsync(c, { level: GZIP_LEVEL })));
  const dir = mkdtempSync(join(scratchParent, 'zstd-'));
  try {
    const files = chunks.map((c, i) => {
      const f = join(dir, String(i));
      writeFileSync(f, c);
      return f;
    });
    const procs = Math.max(1, Math.min(availableParallelism(), Math.ceil(files.length / 4)));
    const share = Math.ceil(files.length / procs);
    const runs: Promise<void>[] = [];
    for (let i = 0; i < files.length; i += share) runs.push(runZstd(files.slice(i, i + share)));
    await Promise.all(runs);
    return files.map((f) => readFileSync(`${f}.zst`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
