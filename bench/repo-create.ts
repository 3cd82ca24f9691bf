/**
 * bench/repo-create: `distforge repo create` against `createrepo_c --no-database` on the same tree,
 * same run, for N = 1,000 and 10,000 generated packages (realistic file lists and dependencies):
 * cold create (zstd, our default; and gz, createrepo_c 0.17's default), and re-publish after adding
 * one package (`--update` for both). Wall time and peak memory (max RSS) of each command, measured
 * with GNU time, best of 3 runs. The distforge CLI runs through tsx (no build step), which costs
 * about 0.6 s of start-up per command; the "library" lines time `createRepository()` inside this
 * process, as the master service calls it, against the same createrepo_c runs.
 *   node --import tsx bench/repo-create.ts [N…]      (BENCH_DIR keeps the generated trees)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRepository } from '../src/repo/create/create.ts';
import { rpmFileName, writeRpm } from '../src/rpm/writer.ts';
import { makePackageSet } from '../test/support/package-set.ts';

const DISTFORGE = resolve(import.meta.dirname, '../bin/distforge');
const sizes = process.argv.slice(2).map(Number);
const base = process.env.BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'distforge-bench-repo-'));
const RUNS = 3;

interface Run {
  seconds: number;
  maxRssMb: number;
}

/** Runs a command under GNU time; returns wall seconds and peak RSS. */
function measure(cmd: string, args: string[]): Run {
  const out = join(base, 'time.out');
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', out, cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const [s, kb] = readFileSync(out, 'utf8').trim().split(/\s+/).map(Number);
  return { seconds: s ?? NaN, maxRssMb: (kb ?? NaN) / 1024 };
}

function best(runs: Run[]): Run {
  return runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

/** One comparison: both runs and the ratio (reference / ours: above 1 means distforge is faster). */
function line(what: string, ours: Run, refName: string, ref: Run): void {
  const ratio = ref.seconds / ours.seconds;
  const words = ratio >= 1 ? `${ratio.toFixed(2)}× faster` : `${(1 / ratio).toFixed(2)}× slower`;
  process.stdout.write(
    `${what.padEnd(36)} distforge ${ours.seconds.toFixed(2)} s (${ours.maxRssMb.toFixed(0)} MiB)   ${refName} ${ref.seconds.toFixed(2)} s (${ref.maxRssMb.toFixed(0)} MiB)   ${words}\n`,
  );
}

let extra = 0;
function addOnePackage(dir: string): void {
  const spec = { name: `bench-extra-${extra++}-${Date.now()}`, version: '1', release: '1', arch: 'noarch', summary: 's', description: 'd', license: 'MIT', files: [{ path: `/usr/share/bench/${extra}`, data: 'x' }] };
  writeRpm(join(dir, 'Packages', rpmFileName(spec)), spec);
}

for (const n of sizes.length ? sizes : [1000, 10000]) {
  const dir = join(base, `repo-${n}`);
  const out = join(base, `createrepo-${n}`);
  const pkgs = join(dir, 'Packages');
  if (!existsSync(pkgs) || readdirSync(pkgs).filter((f) => f.endsWith('.rpm')).length < n) {
    rmSync(dir, { recursive: true, force: true });
    const t = Date.now();
    makePackageSet(pkgs, n, { seed: 3 });
    process.stdout.write(`made ${n} packages in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
  }
  execFileSync('sh', ['-c', `cat ${pkgs}/*.rpm > /dev/null`]); // warm the page cache for both tools
  const count = readdirSync(pkgs).length;
  const mb = Number(execFileSync('du', ['-sm', pkgs]).toString().split('\t')[0]);
  process.stdout.write(`\n${count} packages, ${mb} MB (${base})\n`);
  const fresh = (): void => {
    rmSync(join(dir, 'repodata'), { recursive: true, force: true });
    rmSync(join(dir, '.distforge-cache'), { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out);
  };
  const coldZstd: Run[] = [];
  const coldGz: Run[] = [];
  const coldRef: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    fresh();
    coldRef.push(measure('createrepo_c', ['--no-database', '--outputdir', out, dir]));
    coldGz.push(measure(DISTFORGE, ['repo', 'create', '--compress', 'gz', dir]));
    fresh();
    coldZstd.push(measure(DISTFORGE, ['repo', 'create', dir]));
  }
  line('cold create, zstd (ours) vs gz', best(coldZstd), 'createrepo_c', best(coldRef));
  line('cold create, gz vs gz', best(coldGz), 'createrepo_c', best(coldRef));
  // Both trees now have metadata for the current files; each round adds one package and re-publishes.
  measure('createrepo_c', ['--no-database', '--outputdir', out, dir]);
  const upd: Run[] = [];
  const updGz: Run[] = [];
  const updRef: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    addOnePackage(dir);
    updRef.push(measure('createrepo_c', ['--update', '--no-database', '--outputdir', out, dir]));
    upd.push(measure(DISTFORGE, ['repo', 'create', '--update', dir]));
    addOnePackage(dir);
    measure('createrepo_c', ['--update', '--no-database', '--outputdir', out, dir]);
    updGz.push(measure(DISTFORGE, ['repo', 'create', '--update', '--compress', 'gz', dir]));
  }
  line('re-publish +1 package, zstd vs gz', best(upd), 'createrepo_c --update', best(updRef));
  line('re-publish +1 package, gz vs gz', best(updGz), 'createrepo_c --update', best(updRef));
  // The same work as a library call (no process start-up): cold, then re-publish after one more package.
  const lib = async (update: boolean): Promise<Run> => {
    const t = performance.now();
    await createRepository(dir, { update });
    return { seconds: (performance.now() - t) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024 };
  };
  const libCold: Run[] = [];
  const libUpd: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    rmSync(join(dir, '.distforge-cache'), { recursive: true, force: true });
    libCold.push(await lib(false));
    addOnePackage(dir);
    libUpd.push(await lib(true));
  }
  line('library: cold create, zstd vs gz', best(libCold), 'createrepo_c', best(coldRef));
  line('library: re-publish +1, zstd vs gz', best(libUpd), 'createrepo_c --update', best(updRef));
}
