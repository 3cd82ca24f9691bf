/**
 * Making the bootstrap repository: resolve the manifest's debs with apt, make every EL package the
 * cache does not have (download, check, unpack, assemble, generate dependencies, write), then put
 * the packages in OUT/Packages and write OUT/repodata with comps.xml through src/repo.
 *
 * The repository's metadata carries no clock: its timestamps are the newest package build time,
 * and every RPM's modification time is its build time, so the same debs give byte-identical
 * repodata (its checksums can key a cache of roots made from it).
 */
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import { createRepository } from '../repo/create/create.ts';
import { replaceFileSync } from '../util/atomic-file.ts';
import { BootstrapError } from './errors.ts';
import { fetchDebs, pruneDebs, resolveDebs, type AptDeb } from './apt.ts';
import { assemblePackage, pathClaims, type PackageFile } from './assemble.ts';
import { explicitFileProvides, globalKey, packageDebs, packageKey, PackageStore, type CachedPackage } from './cache.ts';
import { renderComps } from './comps.ts';
import { unpackDeb, type UnpackedDeb } from './deb.ts';
import { generateDependencies, stageFiles } from './deps.ts';
import { DEBIAN_ONLY, GROUPS, MANIFEST, manifestDebs, sourceDeb, validateManifest } from './manifest/index.ts';
import { packageSpec, specNevra, writePackage } from './package.ts';
import { mapPool, toolOutput } from './run.ts';
import { BOOTSTRAP_ARCHES, type BootstrapOptions, type BootstrapProgress, type BootstrapResult, type ElPackageDef } from './types.ts';

/** Checks the arch and that the repository directory can be written; returns it absolute. */
function checkOptions(options: BootstrapOptions): string {
  const arch = options.arch ?? 'x86_64';
  if (!(BOOTSTRAP_ARCHES as readonly string[]).includes(arch)) {
    throw new UsageError(`bootstrap: arch ${JSON.stringify(arch)} is not supported: the repository is made from this host's Debian amd64 packages, so only ${BOOTSTRAP_ARCHES.join(', ')}`);
  }
  if (process.arch !== 'x64') throw new UsageError(`bootstrap: this host is ${process.arch}; the bootstrap repository is made on x86_64 (amd64) Debian hosts only`);
  const out = resolve(options.outDir);
  try {
    mkdirSync(out, { recursive: true });
    if (!statSync(out).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    accessSync(out, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    const why: Record<string, string> = { ENOTDIR: 'a path component is not a directory', EACCES: 'permission denied', EROFS: 'read-only file system', EEXIST: 'exists and is not a directory' };
    throw new UsageError(`bootstrap: cannot write the repository to ${out}: ${why[code] ?? code}`);
  }
  return out;
}

interface Run {
  say: (phase: BootstrapProgress['phase'], message: string) => void;
  store: PackageStore;
  keys: Map<string, string>;
}

/** Makes the packages of `defs` (cache misses) and puts them in the store. */
async function makePackages(defs: ElPackageDef[], debs: ReadonlyMap<string, AptDeb>, debDir: string, cacheDir: string, concurrency: number, run: Run): Promise<void> {
  const needed = [...new Set(defs.flatMap(packageDebs))].sort().map((n) => debs.get(n) as AptDeb);
  const paths = await fetchDebs(needed, debDir, (m) => run.say('download', m));
  const scratchDir = mkdtempSync(join(cacheDir, 'work-'));
  try {
    run.say('unpack', `unpacking ${needed.length} debs`);
    const unpacked = new Map<string, UnpackedDeb>();
    await mapPool(needed, concurrency + 2, async (d) => {
      unpacked.set(d.name, await unpackDeb(d.name, paths.get(d.name) as string, join(scratchDir, 'debs', d.name)));
    });
    const claims = pathClaims(MANIFEST);
    const fileProvides = explicitFileProvides(MANIFEST);
    const home = join(scratchDir, 'home');
    mkdirSync(home);
    // Largest first (files for the generators, bytes for digests and compression), so that the
    // slowest packages do not start last.
    const work = defs.map((def) => ({ def, files: assemblePackage(def, unpacked, claims) }));
    const cost = (files: PackageFile[]): number => files.length + files.reduce((n, f) => n + (f.source ? statSync(f.source).size : 0), 0) / 200_000;
    const costs = new Map(work.map((w) => [w.def.name, cost(w.files)]));
    work.sort((a, b) => (costs.get(b.def.name) ?? 0) - (costs.get(a.def.name) ?? 0));
    // An unpacked deb is removed as soon as the last package made from it is written.
    const users = new Map<string, number>();
    for (const { def } of work) for (const d of packageDebs(def)) users.set(d, (users.get(d) ?? 0) + 1);
    const removals: Promise<void>[] = [];
    let done = 0;
    await mapPool(work, concurrency, async ({ def, files }) => {
      const stage = join(scratchDir, 'stage', def.name);
      const generated = await generateDependencies(stage, stageFiles(files, stage), def, home);
      const pkgDebs = (def.from ?? []).map((s) => unpacked.get(sourceDeb(s)) as UnpackedDeb).filter((d, i, all) => all.indexOf(d) === i);
      const spec = packageSpec({ def, debs: pkgDebs, files, generated, explicitFileProvides: fileProvides });
      const key = run.keys.get(def.name) as string;
      const scratch = run.store.scratch(key);
      const file = writePackage(spec, scratch);
      run.store.commit(key, scratch, { name: def.name, nevra: specNevra(spec), file: file.slice(scratch.length + 1), buildtime: spec.buildtime ?? 0, debs: packageDebs(def) });
      removals.push(rm(stage, { recursive: true, force: true }));
      for (const d of packageDebs(def)) {
        const left = (users.get(d) ?? 1) - 1;
        users.set(d, left);
        if (left === 0) removals.push(rm(join(scratchDir, 'debs', d), { recursive: true, force: true }));
      }
      done++;
      if (done % 10 === 0 || done === defs.length) run.say('package', `made ${done} of ${defs.length} packages`);
    });
    await Promise.all(removals);
  } finally {
    rmSync(scratchDir, { recursive: true, force: true });
  }
}

const PUBLISHED = '.bootstrap-published.json';
const PRUNE_AFTER_MS = 3_600_000;

/**
 * Copies the cached RPMs into OUT/Packages and drops stale ones. A file already there from the same
 * cache entry (its key recorded in OUT/.bootstrap-published.json) is left alone. Returns whether
 * anything changed: the metadata of changed files must be read again, as a remade package can have
 * the size and time of the one it replaces.
 */
function publishPackages(out: string, cached: (CachedPackage & { path: string; key: string })[]): boolean {
  const dir = join(out, 'Packages');
  mkdirSync(dir, { recursive: true });
  const record = join(out, PUBLISHED);
  let published: Record<string, string> = {};
  try {
    published = JSON.parse(readFileSync(record, 'utf8')) as Record<string, string>;
  } catch {
    // first run, or an unreadable record: copy everything
  }
  let changed = false;
  const wanted = new Set(cached.map((c) => c.file));
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.rpm') && !wanted.has(name)) {
      unlinkSync(join(dir, name));
      changed = true;
    }
  }
  const now: Record<string, string> = {};
  for (const c of cached) {
    const to = join(dir, c.file);
    now[c.file] = c.key;
    if (published[c.file] === c.key && existsSync(to) && statSync(to).size === statSync(c.path).size) continue;
    // A new file, not new bytes in the old one: librepo caches checksums in extended attributes
    // keyed by the modification time, which a remade package keeps (its build time).
    rmSync(to, { force: true });
    copyFileSync(c.path, to, constants.COPYFILE_FICLONE);
    utimesSync(to, c.buildtime, c.buildtime);
    changed = true;
  }
  replaceFileSync(record, (tmp) => writeFileSync(tmp, `${JSON.stringify(now, null, 1)}\n`));
  return changed;
}

/** Removes metadata files repomd.xml no longer names (the repository is rewritten in place, not served while made). */
function dropStaleMetadata(out: string): void {
  const dir = join(out, 'repodata');
  const repomd = readFileSync(join(dir, 'repomd.xml'), 'utf8');
  const named = new Set([...repomd.matchAll(/href="repodata\/([^"]+)"/g)].map((m) => m[1]));
  for (const name of readdirSync(dir)) if (!named.has(name) && !name.startsWith('repomd.xml')) unlinkSync(join(dir, name));
}

/**
 * Makes (or brings up to date from the cache) the bootstrap repository in `options.outDir`.
 * @throws UsageError for an unsupported arch or an unwritable directory (before any work);
 *   BootstrapError when apt, dpkg-deb or rpm fail, or a deb does not match the archive.
 */
export async function makeBootstrapRepo(options: BootstrapOptions): Promise<BootstrapResult> {
  const started = Date.now();
  const out = checkOptions(options);
  validateManifest();
  const cacheDir = resolve(options.cacheDir ?? join(out, '.bootstrap-cache'));
  const debDir = resolve(options.debCacheDir ?? join(cacheDir, 'debs'));
  mkdirSync(cacheDir, { recursive: true });
  const say = (phase: BootstrapProgress['phase'], message: string): void => options.progress?.({ phase, message });
  const concurrency = options.concurrency ?? availableParallelism();

  const seeds = manifestDebs();
  const resolved = await resolveDebs(seeds, join(cacheDir, 'state'), (m) => say('resolve', m));
  const debs = new Map(resolved.map((d) => [d.name, d]));
  const seedSet = new Set(seeds);
  const stray = resolved.filter((d) => !seedSet.has(d.name) && !DEBIAN_ONLY.has(d.name)).map((d) => d.name);
  if (stray.length) say('resolve', `apt's closure has debs no EL package uses: ${stray.join(', ')}`);

  const global = globalKey(MANIFEST, await toolOutput('rpm', ['--version']));
  const store = new PackageStore(join(cacheDir, 'rpms'));
  const keys = new Map(MANIFEST.map((def) => [def.name, packageKey(def, MANIFEST, debs, global)]));
  const missing = MANIFEST.filter((def) => store.get(keys.get(def.name) as string) === null);
  if (missing.length) {
    say('package', `making ${missing.length} of ${MANIFEST.length} packages`);
    await makePackages(missing, debs, debDir, cacheDir, concurrency, { say, store, keys });
  }
  const cached = MANIFEST.map((def) => {
    const key = keys.get(def.name) as string;
    const c = store.get(key);
    if (!c) throw new BootstrapError(`the cache lost ${def.name} while the repository was made (another run cleaning ${cacheDir}?)`);
    return { ...c, key };
  });

  say('repository', `writing ${out}/repodata`);
  const changed = publishPackages(out, cached);
  const newest = Math.max(...cached.map((c) => c.buildtime));
  await createRepository(out, { groups: Buffer.from(renderComps(GROUPS)), update: !changed, now: newest * 1000, compression: 'zstd' });
  dropStaleMetadata(out);

  // What no current key or resolution names goes after an hour (another version may be running).
  store.prune(new Set(keys.values()), PRUNE_AFTER_MS);
  pruneDebs(resolved, debDir, PRUNE_AFTER_MS);
  for (const name of readdirSync(cacheDir)) {
    // scratch trees a killed run left behind
    if (name.startsWith('work-') && Date.now() - statSync(join(cacheDir, name)).mtimeMs > PRUNE_AFTER_MS) rmSync(join(cacheDir, name), { recursive: true, force: true });
  }

  const bytes = cached.reduce((n, c) => n + statSync(c.path).size, 0);
  return {
    repoDir: out,
    packages: cached.map((c) => ({ name: c.name, nevra: c.nevra, file: join(out, 'Packages', c.file), debs: c.debs })),
    groups: GROUPS.map((g) => ({ id: g.id, packages: [...g.packages] })),
    debs: resolved.map((d) => ({ name: d.name, version: d.version, used: seedSet.has(d.name), sha256: d.sha256, size: d.size })),
    made: missing.length,
    bytes,
    ms: Date.now() - started,
  };
}
