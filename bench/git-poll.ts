/**
 * bench/git-poll: one polling cycle of the git service over 1,000 mirrored repositories, with no
 * upstream change and with 10 changed, against the obvious baseline (one `git ls-remote` and one
 * `git fetch` per repository). Prints the time and the number of git processes each spawns.
 *
 *   node --import tsx bench/git-poll.ts [N=1000] [CHANGED=10]
 *
 * The upstreams are local repositories (file:// URLs), so the cycle is measured both as the
 * service runs it (refs read from the upstream's files: no process for an unchanged repository)
 * and with `git ls-remote` for every repository (what a remote upstream costs, minus the network).
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { mirrorDir } from '../src/git/mirror-repo.ts';
import { pollDueMirrors } from '../src/git/poller.ts';
import { gitDb } from '../src/git/schema.ts';
import { registerMirrors } from '../src/git/service.ts';
import type { CycleStats } from '../src/git/types.ts';
import { createContext } from '../src/server/context-factory.ts';
import { time } from './lib.ts';

const run = promisify(execFile);
const N = Number(process.argv[2] ?? 1000);
const CHANGED = Number(process.argv[3] ?? 10);
const CONCURRENCY = 8;
const work = mkdtempSync(join(tmpdir(), 'distforge-bench-git-'));
const gitId = ['-c', 'user.name=Bench', '-c', 'user.email=bench@example.invalid', '-c', 'init.defaultBranch=main'];

function upstreams(): string[] {
  const template = join(work, 'template');
  cpSync(join(import.meta.dirname, '../examples/packages/greeter-doc'), template, { recursive: true });
  for (const args of [['init', '-q'], ['add', '-A'], ['commit', '-q', '-m', 'import'], ['tag', '-a', 'imports/c9/greeter-doc-1.0-1.el9', '-m', 'import']]) execFileSync('git', [...gitId, ...args], { cwd: template });
  execFileSync('git', ['gc', '-q'], { cwd: template });
  return Array.from({ length: N }, (_, i) => {
    const dir = join(work, 'upstream', `pkg${i}`);
    cpSync(template, dir, { recursive: true });
    return dir;
  });
}

async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  }));
}

function line(what: string, ms: number, s: Pick<CycleStats, 'processes'> & Partial<CycleStats>): void {
  const extra = s.changed !== undefined ? `, ${s.changed} changed, ${s.failed ?? 0} failed` : '';
  process.stdout.write(`${what.padEnd(58)} ${ms.toFixed(0).padStart(6)} ms  ${String(s.processes).padStart(5)} git processes${extra}\n`);
}

async function main(): Promise<void> {
  const dirs = upstreams();
  const ctx = await createContext({ dataDir: join(work, 'data'), publicUrl: 'http://127.0.0.1:1', logLevel: 'silent' });
  try {
    const setupMs = await time(async () => {
      const slices = Array.from({ length: CONCURRENCY }, (_, k) => dirs.map((d, i) => ({ d, i })).filter((x) => x.i % CONCURRENCY === k));
      await Promise.all(slices.map((slice) => registerMirrors(ctx, slice.map(({ d, i }) => ({ name: `pkg${i}`, url: `file://${d}` })))));
    });
    process.stdout.write(`${N} mirrors registered (fetched, refs recorded) in ${(setupMs / 1000).toFixed(1)} s; concurrency ${CONCURRENCY}\n`);
    const cycle = async (what: string, readFiles: boolean): Promise<void> => {
      await gitDb(ctx).updateTable('git_mirrors').set({ next_poll_at: 0 }).execute();
      const counter = { processes: 0 };
      let stats: CycleStats | undefined;
      const ms = await time(async () => (stats = await pollDueMirrors(ctx, { intervalS: 300, concurrency: CONCURRENCY, counter, readFiles })));
      if (stats) line(what, ms, stats);
    };
    const baseline = async (what: string): Promise<void> => {
      const counter = { processes: 0 };
      const ms = await time(() =>
        forEachLimited(dirs.map((d, i) => ({ d, i })), CONCURRENCY, async ({ d, i }) => {
          counter.processes += 2;
          await run('git', ['ls-remote', `file://${d}`]);
          await run('git', ['--git-dir', mirrorDir(ctx.settings.dataDir, `pkg${i}`), 'fetch', '-q', '--prune', `file://${d}`, '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*']);
        }),
      );
      line(what, ms, counter);
    };
    await cycle('no change: distforge (local refs read from files)', true);
    await cycle('no change: distforge (git ls-remote for every mirror)', false);
    await baseline('no change: baseline ls-remote + fetch per repository');
    const change = (tag: string): Promise<void> =>
      forEachLimited(dirs.slice(0, CHANGED), CONCURRENCY, (d) => run('git', [...gitId, 'tag', '-a', tag, '-m', tag], { cwd: d }));
    await change('imports/c9/greeter-doc-1.0-2.el9');
    await cycle(`${CHANGED} changed: distforge (local refs read from files)`, true);
    await change('imports/c9/greeter-doc-1.0-3.el9');
    await cycle(`${CHANGED} changed: distforge (git ls-remote for every mirror)`, false);
    await change('imports/c9/greeter-doc-1.0-4.el9');
    await baseline(`${CHANGED} changed: baseline ls-remote + fetch per repository`);
  } finally {
    await ctx.db.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
