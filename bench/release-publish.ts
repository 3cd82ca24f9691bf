/**
 * bench/release-publish: publishing a release repository version of N packages (default 70,000)
 * with `renderRepositoryVersion` (src/repo/version) against `createrepo_c`, same tree, same run:
 * - cold: version 1 with an empty cache, against `createrepo_c --no-database` on the directory;
 * - one package replaced by its next release: version 2 (cache from version 1), against
 *   `createrepo_c --update --no-database` after the same change (five rounds, a different package
 *   each time; the median is reported, and our best time and median CPU time: wall times suffer
 *   from whatever else runs on the machine, CPU time much less).
 * Ours runs as a library call (as the release service calls it), zstd (the default) and gz (with a
 * cache of its own, so its cold run is cold too); createrepo_c 0.17 writes gzip. The generated
 * packages (real RPMs from our writer, realistic requires/provides/files/changelogs) live in a
 * temporary directory that is removed at the end, also on failure or Ctrl-C.
 *   node --import tsx bench/release-publish.ts [N]        (or BENCH_PACKAGES=N)
 */
import { execFileSync, fork, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderRepositoryVersion, type RenderedVersion, type VersionCompression, type VersionPackage } from '../src/repo/version/index.ts';
import { makePackageSet } from '../test/support/package-set.ts';
import { writeNextRelease } from '../test/support/next-release.ts';
import { versionPackage } from '../test/support/version-packages.ts';

const ROUNDS = 5;

/** `--make DIR COUNT PREFIX SEED`: a child process writing its share of the set. */
if (process.argv[2] === '--make') {
  const [dir = '', count = '0', prefix = '', seed = '1'] = process.argv.slice(3);
  makePackageSet(dir, Number(count), { prefix, seed: Number(seed) });
  process.exit(0);
}

const n = Number(process.argv[2] ?? process.env.BENCH_PACKAGES ?? 70_000);
if (!Number.isInteger(n) || n < 1) throw new Error(`bad package count ${process.argv[2] ?? process.env.BENCH_PACKAGES}`);
const base = mkdtempSync(join(tmpdir(), 'distforge-bench-release-'));
const cleanUp = (): void => rmSync(base, { recursive: true, force: true });
process.once('exit', cleanUp);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    cleanUp();
    process.exit(130);
  });
}

const say = (s: string): boolean => process.stdout.write(`${s}\n`);
const pkgDir = join(base, 'repo', 'Packages');

/** Two processes (one per core) write disjoint halves of the set (different name prefixes). */
async function makeSet(): Promise<void> {
  const t = performance.now();
  const half = Math.ceil(n / 2);
  const parts = [
    ['', String(half), '1'],
    ['x', String(n - half), '2'],
  ].filter(([, c]) => Number(c) > 0);
  await Promise.all(
    parts.map(
      ([prefix = '', count = '0', seed = '1']) =>
        new Promise<void>((done, fail) => {
          const child = fork(fileURLToPath(import.meta.url), ['--make', pkgDir, count, prefix, seed], { execArgv: process.execArgv, stdio: 'inherit' });
          child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`package maker exited with ${String(code)}`))));
        }),
    ),
  );
  say(`made ${n} packages in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

/** What the release service knows of each file: sha256 (pool address), href, path, file time. */
function describe(path: string): VersionPackage {
  return versionPackage(path, `Packages/${path.slice(path.lastIndexOf('/') + 1)}`);
}

/** One render: wall seconds, and CPU seconds of this process (all its threads; not zstd's). */
async function ours(version: string, packages: VersionPackage[], compression: VersionCompression): Promise<{ s: number; cpu: number; r: RenderedVersion }> {
  const outDir = join(base, `${version}-${compression}`);
  const t = performance.now();
  const cpu0 = process.cpuUsage();
  const r = await renderRepositoryVersion({ packages, outDir, cacheDir: join(base, `cache-${compression}`), revision: version, timestamp: 1_800_000_000, compression });
  const s = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu0);
  rmSync(outDir, { recursive: true, force: true });
  return { s, cpu: (used.user + used.system) / 1e6, r };
}

function createrepoC(update: boolean): number {
  const out = join(base, 'createrepo_c');
  mkdirSync(out, { recursive: true });
  const t = performance.now();
  const r = spawnSync('createrepo_c', [...(update ? ['--update'] : []), '--no-database', '--outputdir', out, join(base, 'repo')], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`createrepo_c failed: ${r.stderr}`);
  return (performance.now() - t) / 1000;
}

/** open-checksums of primary, filelists and other in a repomd.xml. */
function openSums(repomd: string): string[] {
  return ['primary', 'filelists', 'other'].map((t) => new RegExp(`<data type="${t}">[\\s\\S]*?<open-checksum type="sha256">([0-9a-f]+)<`).exec(repomd)?.[1] ?? '?');
}

function breakdown(r: RenderedVersion, cpu: number): string {
  const s = r.seconds;
  return `cpu ${cpu.toFixed(2)} s; load ${s.load.toFixed(2)}, read ${s.read.toFixed(2)}, compress ${s.compress.toFixed(2)}, hash ${s.hash.toFixed(2)}, write ${s.write.toFixed(2)}, save ${s.save.toFixed(2)} s; ${r.read} read, ${r.chunks.compressed} chunks compressed, ${r.chunks.reused} reused`;
}

function row(what: string, us: number, them: number): string {
  const ratio = them / us;
  return `| ${what} | ${us.toFixed(2)} s | ${them.toFixed(2)} s | ${ratio >= 1 ? `${ratio.toFixed(1)}× faster` : `${(1 / ratio).toFixed(1)}× slower`} |`;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  await makeSet();
  execFileSync('sh', ['-c', `find "${pkgDir}" -name '*.rpm' -print0 | xargs -0 cat > /dev/null`]);
  let packages = readdirSync(pkgDir).sort().map((f) => describe(join(pkgDir, f)));
  const mb = Number(execFileSync('du', ['-sm', pkgDir]).toString().split('\t')[0]);
  say(`${packages.length} packages, ${mb} MB, in ${base}; load average ${loadavg()[0]?.toFixed(1)} (other processes on this machine inflate wall times)\n`);

  const coldZ = await ours('v1', packages, 'zstd');
  say(`ours, cold, zstd: ${coldZ.s.toFixed(2)} s (${breakdown(coldZ.r, coldZ.cpu)})`);
  const coldG = await ours('v1', packages, 'gz');
  say(`ours, cold, gz:   ${coldG.s.toFixed(2)} s (${breakdown(coldG.r, coldG.cpu)})`);
  const coldC = createrepoC(false);
  say(`createrepo_c, cold: ${coldC.toFixed(2)} s`);
  const same = openSums(coldZ.r.repomd).join() === openSums(readFileSync(join(base, 'createrepo_c', 'repodata', 'repomd.xml'), 'utf8')).join();
  say(`our XML is createrepo_c's (open-checksums of primary, filelists, other): ${same ? 'yes' : 'NO'}`);

  const oneZ: number[] = [];
  const oneG: number[] = [];
  const oneC: number[] = [];
  const cpuZ: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const k = Math.floor((packages.length * round) / (ROUNDS + 1));
    const old = packages[k] as VersionPackage;
    const path = writeNextRelease(old.path, pkgDir, 1_800_000_000 + round * 86_400);
    unlinkSync(old.path);
    packages = [...packages.slice(0, k), describe(path), ...packages.slice(k + 1)];
    const z = await ours(`v${round + 1}`, packages, 'zstd');
    const g = await ours(`v${round + 1}`, packages, 'gz');
    const c = createrepoC(true);
    oneZ.push(z.s);
    cpuZ.push(z.cpu);
    oneG.push(g.s);
    oneC.push(c);
    say(`round ${round}: ${old.href.slice(9)} → ${path.slice(path.lastIndexOf('/') + 1)}: ours zstd ${z.s.toFixed(2)} s (${breakdown(z.r, z.cpu)}); gz ${g.s.toFixed(2)} s; createrepo_c --update ${c.toFixed(2)} s`);
  }
  say(`load average at the end ${loadavg()[0]?.toFixed(1)}`);
  say(`\n| what (${packages.length.toLocaleString('en-US')} packages) | distforge | createrepo_c | ratio |\n|---|---|---|---|`);
  say(row('cold, zstd (ours) vs gz', coldZ.s, coldC));
  say(row('cold, gz vs gz', coldG.s, coldC));
  say(row(`one package replaced, zstd vs gz (median of ${ROUNDS})`, median(oneZ), median(oneC)));
  say(row(`one package replaced, gz vs gz (median of ${ROUNDS})`, median(oneG), median(oneC)));
  say(`\none package replaced, zstd: best ${Math.min(...oneZ).toFixed(2)} s, median CPU ${median(cpuZ).toFixed(2)} s; gz: best ${Math.min(...oneG).toFixed(2)} s`);
}

try {
  await main();
} finally {
  cleanUp();
}
