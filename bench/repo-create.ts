/**
 * bench/repo-create: `distforge repo create` (the bundled CLI, bin/distforge) against
 * `createrepo_c --no-database` on the same tree, in the same run, commands interleaved:
 * - cold create (zstd, our default; and gz, createrepo_c 0.17's only fast choice here) against
 *   `createrepo_c --no-database --outputdir OUT DIR`;
 * - re-publish after adding one package: `repo create --update` against
 *   `createrepo_c --update --no-database --outputdir OUT DIR` (both see the same new package).
 * Package sets (generated once, kept under BENCH_DIR when given):
 * - `small`: 10,000 packages of 1–5 files each (a few KB each: per-package costs dominate);
 * - `large`: 1,000 packages of 100–600 files each (~0.2 MB each: file lists and hashing dominate);
 * - `small-N`, `large-N`: N packages of those kinds (`large-3000`: the first 1,000 are `large`'s);
 * - a number N: N packages of tests' realistic sets (test/support/package-set.ts, 5–40 files).
 * Wall time (best and median of BENCH_RUNS, default 5), CPU time (the whole machine's over the
 * run: helper processes included) and peak memory of each command. Ratio = createrepo_c / distforge: ≥ 1 means distforge is no slower.
 *   node --import tsx bench/repo-create.ts [small|large|small-N|large-N|N…]   (default: small large large-3000)
 * BENCH_DIR keeps the generated trees; BENCH_RUNS sets the rounds; BENCH_CLI=main.mjs times another bundle.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FileFlag, Sense } from '../src/rpm/tags.ts';
import { rpmFileName, writeRpm, type RpmSpec, type RpmSpecFile } from '../src/rpm/writer.ts';
import { makePackageSet } from '../test/support/package-set.ts';
import { prng } from '../test/support/prng.ts';

/** The CLI: bin/distforge, or BENCH_CLI=path/main.mjs (a bundle made elsewhere, e.g. of an older commit, run with node). */
const CLI: [string, ...string[]] = process.env.BENCH_CLI ? [process.execPath, '--no-warnings=ExperimentalWarning', resolve(process.env.BENCH_CLI)] : [resolve(import.meta.dirname, '../bin/distforge')];
const distforge = (args: string[]): Run => measure(CLI[0], [...CLI.slice(1), ...args]);
const sets = process.argv.slice(2);
const base = process.env.BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'distforge-bench-repo-'));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

interface Run {
  seconds: number;
  cpu: number;
  maxRssMb: number;
}

/**
 * CPU seconds the whole machine has spent so far (all cores, /proc/stat). A command's CPU is
 * taken as the difference over its run, so that processes it does not wait for count too (the
 * hashing pipeline bin/distforge starts, which GNU time does not see); the machine is otherwise
 * idle during the benchmark, and the figure has the kernel's 10 ms resolution.
 */
function machineCpu(): number {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: all but idle and iowait.
  const busy = fields.slice(0, 8).reduce((a, v, i) => (i === 3 || i === 4 ? a : a + v), 0);
  return busy / 100;
}

/** Runs a command under GNU time (peak RSS); returns wall seconds, CPU seconds and peak RSS. */
function measure(cmd: string, args: string[]): Run {
  const out = join(base, 'time.out');
  const cpu0 = machineCpu();
  const t = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', '-o', out, cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  const cpu = machineCpu() - cpu0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const kb = Number(readFileSync(out, 'utf8').trim().split(/\s+/)[2]);
  return { seconds, cpu, maxRssMb: kb / 1024 };
}

const bestOf = (runs: Run[]): number => Math.min(...runs.map((r) => r.seconds));
function medianOf(runs: Run[], key: 'seconds' | 'cpu' = 'seconds'): number {
  const v = runs.map((r) => r[key]).sort((a, b) => a - b);
  return v.length % 2 ? (v[v.length >> 1] ?? NaN) : ((v[v.length / 2 - 1] ?? NaN) + (v[v.length / 2] ?? NaN)) / 2;
}

/** One comparison: best and median of both, and the ratios (reference / ours: ≥ 1 means distforge is no slower). */
function line(what: string, ours: Run[], refName: string, ref: Run[]): void {
  const f = (x: number): string => x.toFixed(2);
  const rss = (runs: Run[]): string => Math.max(...runs.map((r) => r.maxRssMb)).toFixed(0);
  process.stdout.write(
    `${what.padEnd(34)} distforge best ${f(bestOf(ours))} s, median ${f(medianOf(ours))} s (cpu ${f(medianOf(ours, 'cpu'))} s, ${rss(ours)} MiB)` +
      `   ${refName} best ${f(bestOf(ref))} s, median ${f(medianOf(ref))} s (cpu ${f(medianOf(ref, 'cpu'))} s, ${rss(ref)} MiB)` +
      `   ratio best ${f(bestOf(ref) / bestOf(ours))}, median ${f(medianOf(ref) / medianOf(ours))}\n`,
  );
}

const WORDS = ['alpha', 'buffer', 'cache', 'daemon', 'event', 'filter', 'graph', 'hash', 'index', 'journal', 'kernel', 'layer', 'module', 'network', 'object', 'parser', 'queue', 'render', 'socket', 'thread'];

function text(next: () => number, bytes: number): string {
  let s = '';
  while (s.length < bytes) s += `${WORDS[Math.floor(next() * WORDS.length)] ?? ''}${next() < 0.1 ? '\n' : ' '}`;
  return s;
}

/** A package of the `small` or `large` set: a name, a few dependencies, `files` files, a changelog. */
function specOf(kind: 'small' | 'large', i: number): RpmSpec {
  const next = prng((i * 2_654_435_761 + (kind === 'small' ? 11 : 23)) >>> 0);
  const int = (n: number): number => Math.floor(next() * n);
  const name = `${kind}-pkg${String(i).padStart(5, '0')}`;
  const version = `${1 + int(5)}.${int(20)}`;
  const buildtime = 1_700_000_000 + i * 60;
  const files: RpmSpecFile[] = [];
  if (kind === 'small') {
    const n = 1 + int(5);
    files.push({ path: `/usr/bin/${name}`, mode: 0o100755, data: `#!/bin/sh\n${text(next, 50 + int(400))}` });
    for (let k = 1; k < n; k++) files.push({ path: `/usr/share/${name}/f${k}.txt`, data: text(next, 20 + int(300)), flags: k === 1 ? FileFlag.DOC : 0 });
  } else {
    const dirs = 3 + int(8);
    for (let d = 0; d < dirs; d++) files.push({ path: `/usr/share/${name}/d${d}`, mode: 0o40755 });
    const n = 100 + int(500);
    for (let k = 0; k < n; k++) files.push({ path: `/usr/share/${name}/d${k % dirs}/${WORDS[k % WORDS.length] ?? ''}-${k}.dat`, data: text(next, 200 + int(4000)) });
    files.push({ path: `/usr/bin/${name}`, mode: 0o100755, data: `#!/bin/sh\n${text(next, 300)}` });
    files.push({ path: `/etc/${name}.conf`, data: text(next, 200), flags: FileFlag.CONFIG | FileFlag.NOREPLACE });
  }
  return {
    name,
    version,
    release: `${1 + int(3)}.el9`,
    arch: kind === 'small' && next() < 0.3 ? 'noarch' : 'x86_64',
    summary: `The ${name} package`,
    description: text(next, 100 + int(300)),
    license: 'MIT',
    url: `https://example.org/${name}`,
    vendor: 'distforge bench',
    packager: 'distforge <bench@example.org>',
    buildhost: 'builder.example.org',
    buildtime,
    sourcerpm: `${name}-${version}-1.el9.src.rpm`,
    requires: i > 0 ? [{ name: `${kind}-pkg${String(int(i)).padStart(5, '0')}`, flags: Sense.GREATER | Sense.EQUAL, evr: '1.0' }, { name: '/bin/sh' }] : [],
    provides: [{ name: `${name}-api`, flags: Sense.EQUAL, evr: version }],
    files,
    changelog: Array.from({ length: 1 + int(3) }, (_, n) => ({ time: buildtime - n * 86_400 * 30, author: `Packager <p@example.org> - ${version}-1`, text: `- ${text(next, 60).trim()}` })),
    compressor: 'gzip',
    compressionLevel: 1,
  };
}

/** Makes the package directory of a set (kept when it already has the packages). */
function makeSet(set: string): { dir: string; count: number } {
  const dir = join(base, `repo-${set}`);
  const pkgs = join(dir, 'Packages');
  const named = /^(small|large)(?:-(\d+))?$/.exec(set);
  const kind = named?.[1] as 'small' | 'large' | undefined;
  const n = kind ? Number(named?.[2] ?? (kind === 'small' ? 10_000 : 1_000)) : Number(set);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`unknown set ${set}: use small, large, small-N, large-N or a number`);
  const have = existsSync(pkgs) ? readdirSync(pkgs).filter((f) => f.endsWith('.rpm')).length : 0;
  if (have >= n && existsSync(join(dir, '.complete'))) return { dir, count: n };
  rmSync(dir, { recursive: true, force: true });
  const t = Date.now();
  if (kind) {
    mkdirSync(pkgs, { recursive: true });
    for (let i = 0; i < n; i++) {
      const spec = specOf(kind, i);
      writeRpm(join(pkgs, rpmFileName(spec)), spec);
    }
  } else makePackageSet(pkgs, n, { seed: 3 });
  writeFileSync(join(dir, '.complete'), '');
  process.stdout.write(`made ${n} packages (${set}) in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
  return { dir, count: n };
}

let extra = 0;
function addOnePackage(dir: string): void {
  extra++;
  const spec: RpmSpec = { name: `bench-extra-${extra}-${Date.now()}`, version: '1', release: '1', arch: 'noarch', summary: 's', description: 'd', license: 'MIT', files: [{ path: `/usr/share/bench/${extra}`, data: 'x' }] };
  writeRpm(join(dir, 'Packages', rpmFileName(spec)), spec);
}

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

for (const set of sets.length ? sets : ['small', 'large', 'large-3000']) {
  const { dir } = makeSet(set);
  const out = join(base, `createrepo-${set}`);
  const pkgs = join(dir, 'Packages');
  // Leftovers of an earlier run's re-publish rounds.
  for (const f of readdirSync(pkgs)) if (f.startsWith('bench-extra-')) rmSync(join(pkgs, f));
  execFileSync('sh', ['-c', `cat ${pkgs}/*.rpm > /dev/null`]); // warm the page cache for both tools
  const count = readdirSync(pkgs).length;
  const mb = Number(execFileSync('du', ['-sm', pkgs]).toString().split('\t')[0]);
  process.stdout.write(`\n${set}: ${count} packages, ${mb} MB (${dir}); load average ${load()}\n`);
  const fresh = (): void => {
    rmSync(join(dir, 'repodata'), { recursive: true, force: true });
    rmSync(join(dir, '.distforge-cache'), { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out);
  };
  distforge(['--version']); // bundles the CLI if the sources changed
  const coldZstd: Run[] = [];
  const coldGz: Run[] = [];
  const coldRef: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    fresh();
    coldRef.push(measure('createrepo_c', ['--no-database', '--outputdir', out, dir]));
    coldZstd.push(distforge(['repo', 'create', dir]));
    fresh();
    coldGz.push(distforge(['repo', 'create', '--compress', 'gz', dir]));
  }
  line('cold create, zstd (ours) vs gz', coldZstd, 'createrepo_c', coldRef);
  line('cold create, gz vs gz', coldGz, 'createrepo_c', coldRef);
  // Both trees now have metadata for the current files (ours in gz); make it zstd, then each round
  // adds one package and re-publishes with both.
  fresh();
  measure('createrepo_c', ['--no-database', '--outputdir', out, dir]);
  distforge(['repo', 'create', dir]);
  const upd: Run[] = [];
  const updGz: Run[] = [];
  const updRef: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    addOnePackage(dir);
    updRef.push(measure('createrepo_c', ['--update', '--no-database', '--outputdir', out, dir]));
    upd.push(distforge(['repo', 'create', '--update', dir]));
  }
  for (let i = 0; i < RUNS; i++) {
    addOnePackage(dir);
    measure('createrepo_c', ['--update', '--no-database', '--outputdir', out, dir]);
    updGz.push(distforge(['repo', 'create', '--update', '--compress', 'gz', dir]));
  }
  line('re-publish +1, zstd vs gz', upd, 'createrepo_c --update', updRef);
  line('re-publish +1, gz vs gz', updGz, 'createrepo_c --update', updRef);
  for (const f of readdirSync(pkgs)) if (f.startsWith('bench-extra-')) rmSync(join(pkgs, f));
  process.stdout.write(`load average at the end: ${load()}\n`);
}
