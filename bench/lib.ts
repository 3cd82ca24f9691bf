/** Shared helpers for the benchmarks: timing, a package set, printing a comparison, CPU of processes. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
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

/** Milliseconds per clock tick of /proc's CPU times. */
let tickMs: number | undefined;

/** Fields of /proc/PID/stat after the command name (index 0 is the state). */
function statFields(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  } catch {
    return null; // gone
  }
}

/**
 * CPU milliseconds process `pid` has used so far (all its threads), from /proc; with `children`,
 * also what its exited children used and what its live children use now (a PostgreSQL postmaster:
 * every backend and background process of the cluster, those gone since included). 0 when gone.
 */
export function processCpuMs(pid: number, children = false): number {
  tickMs ??= 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  const f = statFields(pid);
  if (!f) return 0;
  // utime, stime, cutime, cstime are fields 14–17 of the stat line (11–14 here).
  let ticks = Number(f[11]) + Number(f[12]);
  if (children) {
    ticks += Number(f[13]) + Number(f[14]);
    for (const child of childPids(pid)) {
      const c = statFields(child);
      if (c) ticks += Number(c[11]) + Number(c[12]);
    }
  }
  return ticks * tickMs;
}

/** The live children of `pid` (from /proc/PID/task/TID/children). */
function childPids(pid: number): number[] {
  const pids: number[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/)) if (c) pids.push(Number(c));
    } catch {
      // thread gone
    }
  }
  return pids;
}

/** The parent process id of `pid` (0 when gone). */
export function parentPid(pid: number): number {
  return Number(statFields(pid)?.[1] ?? 0);
}
