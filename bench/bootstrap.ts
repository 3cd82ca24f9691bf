/**
 * bench/bootstrap: making the bootstrap repository. Cold: every RPM made (the debs come from
 * .tmp/bootstrap-debs, downloaded once); warm: a second make with nothing changed, which is what
 * every start pays. The reference for the warm figure is createrepo_c writing metadata for the
 * same Packages/ (a warm make must cost about that, not more); the cold figure has no reference
 * tool here (alien repackages one deb in ~0.3 s, without EL names, splits or Requires).
 *   node --import tsx bench/bootstrap.ts        (BENCH_DIR keeps the repository and cache)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { makeBootstrapRepo } from '../src/bootstrap/index.ts';
import { report, time } from './lib.ts';

const base = process.env.BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'distforge-bench-bootstrap-'));
const out = join(base, 'repo');
const cache = join(base, 'cache');
const debs = resolve(import.meta.dirname, '../.tmp/bootstrap-debs');

rmSync(join(cache, 'rpms'), { recursive: true, force: true });
const cold = await makeBootstrapRepo({ outDir: out, cacheDir: cache, debCacheDir: debs });
process.stdout.write(`cold make: ${(cold.ms / 1000).toFixed(1)} s for ${cold.made} packages, ${(cold.bytes / 1e6).toFixed(0)} MB\n`);
const warm = await makeBootstrapRepo({ outDir: out, cacheDir: cache, debCacheDir: debs });
const copy = mkdtempSync(join(base, 'createrepo-'));
execFileSync('cp', ['-r', join(out, 'Packages'), copy]);
const ref = await time(() => execFileSync('createrepo_c', ['--no-database', '-q', copy]));
report(`warm make (${warm.packages.length} packages, ${warm.made} made)`, warm.ms, 'createrepo_c --no-database on Packages/', ref);
rmSync(copy, { recursive: true, force: true });
if (!process.env.BENCH_DIR) rmSync(base, { recursive: true, force: true });
