/** Shared helpers for the benchmarks: timing, a package set, printing a comparison. */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePackageSet } from '../test/support/package-set.ts';

/** Milliseconds taken by `fn`. */
export async function time(fn: () => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** A set of `n` generated packages (reused from BENCH_DIR when it already holds them). */
export function packageSet(n: number): { dir: string; files: string[]; madeMs: number } {
  const dir = process.env.BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'distforge-bench-'));
  const existing = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.rpm')) : [];
  if (existing.length >= n) return { dir, files: existing.slice(0, n).map((f) => join(dir, f)), madeMs: 0 };
  const start = Date.now();
  const set = makePackageSet(dir, n);
  return { dir, files: set.map((p) => p.path), madeMs: Date.now() - start };
}

/** Prints one comparison line: ours, the reference, and the ratio (reference / ours: >1 means we are faster). */
export function report(what: string, oursMs: number, refName: string, refMs: number): void {
  const ratio = refMs / oursMs;
  process.stdout.write(
    `${what}: distforge ${oursMs.toFixed(0)} ms, ${refName} ${refMs.toFixed(0)} ms, ratio ${ratio.toFixed(2)}x ${ratio >= 1 ? 'faster' : 'slower'}\n`,
  );
}
