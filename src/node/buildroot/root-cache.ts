/**
 * The root cache: a build root's base set (mock's `chroot_setup_cmd`, e.g. `@buildsys-build`) is
 * installed by dnf once per **key** and reused read-only as the lower layer of every task's
 * overlay (overlay.ts), so a task's root is ready in a mount.
 *
 * The key is the sha256 of what decides the base set: the format of this cache, the arch, the
 * package list, the macros, and each platform repository's URL with the sha256 of its repomd.xml
 * (a repository that changes gives a new key). Layout under the node's cache directory:
 * `roots/KEY/root` (the installed root) and `roots/KEY/meta.json` (packages with their sha256,
 * repositories with their metadata checksums, size, times). A root is made in
 * `roots/.make-KEY-*` and renamed into place, so a half-made root is never used; two tasks of
 * this node needing the same new key wait for one making (a promise per key), and nodes sharing
 * the directory take a lock file (`roots/KEY.lock`, with the maker's pid; a dead maker's lock is
 * taken over).
 *
 * Expiry (`expireRoots`): roots unused for longer than the age limit go, then the least recently
 * used until the total size is under the limit; a root mounted as an overlay's lower layer (in
 * use by a task) is never removed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BuildFailedError } from '../errors.ts';
import type { RunOptions } from '../run.ts';
import { installIntoRoot, resolveForRoot, type DnfRepo, type ResolvedPackage } from './dnf.ts';
import { sha256File } from '../../util/sha256-file.ts';

/** Bump when the layout or the making of roots changes: every key changes with it. */
const CACHE_FORMAT = 1;

/** A package of a root, for its record. */
export interface RootPackage {
  nevra: string;
  sha256: string | null;
}

/** A repository a root was installed from, with the sha256 of the repomd.xml it used. */
export interface RootRepo {
  url: string;
  checksum: string;
}

export interface RootMeta {
  key: string;
  packages: RootPackage[];
  repos: RootRepo[];
  install: string[];
  arch: string;
  createdAt: string;
  /** Bytes of the root (apparent size of its files). */
  size: number;
}

/** What a base root is made from. */
export interface BaseRootSpec {
  arch: string;
  releasever: string;
  repos: DnfRepo[];
  /** Package names, `@group`s, dependency strings. */
  install: string[];
  macros: Record<string, string>;
}

export interface CachedRoot {
  key: string;
  /** The installed base root: the lower layer of task overlays, never written. */
  dir: string;
  meta: RootMeta;
  /** The repositories as reached now (the meta has the URLs of the root's making). */
  repos: RootRepo[];
  /** Whether this call made it (false: it was in the cache). */
  made: boolean;
}

/** The sha256 of a repository's repomd.xml (fetched now). @throws BuildFailedError when unreachable */
export async function repomdChecksum(url: string): Promise<string> {
  const at = `${url.replace(/\/+$/, '')}/repodata/repomd.xml`;
  let bytes: Buffer;
  try {
    if (at.startsWith('file://')) bytes = await readFile(decodeURIComponent(new URL(at).pathname));
    else {
      const res = await fetch(at, { signal: AbortSignal.timeout(60_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      bytes = Buffer.from(await res.arrayBuffer());
    }
  } catch (e) {
    throw new BuildFailedError(`cannot read the repository ${url}: ${(e as Error).message}`, { cause: e });
  }
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The key of a base root, with the repositories' checksums it was computed from. The key takes
 * the metadata's checksums, not the URLs: the same repositories reached at another address
 * (another port, a mirror) make the same root.
 */
export async function baseRootKey(spec: BaseRootSpec): Promise<{ key: string; repos: RootRepo[] }> {
  const repos: RootRepo[] = [];
  for (const r of spec.repos) repos.push({ url: r.url, checksum: await repomdChecksum(r.url) });
  const macros = Object.entries(spec.macros).sort(([a], [b]) => a.localeCompare(b));
  const material = JSON.stringify({ format: CACHE_FORMAT, arch: spec.arch, releasever: spec.releasever, install: spec.install, macros, repos: repos.map((r) => r.checksum) });
  return { key: createHash('sha256').update(material).digest('hex'), repos };
}

/** Apparent size of the files under `dir`. */
function treeSize(dir: string): number {
  let total = 0;
  const walk = (p: string): void => {
    const st = lstatSync(p);
    if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
    else total += st.size;
  };
  walk(dir);
  return total;
}

/** The record of a resolved package: its sha256 (the repository's when it gives one). */
export async function packageRecord(p: ResolvedPackage): Promise<RootPackage> {
  if (p.checksum.type === 'sha256' && p.checksum.value) return { nevra: p.nevra, sha256: p.checksum.value };
  return { nevra: p.nevra, sha256: existsSync(p.path) ? await sha256File(p.path) : null };
}

/** Whether process `pid` is alive. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `lock` (an exclusive file with our pid), waiting while a live process holds it. */
async function takeLock(lock: string, signal?: AbortSignal): Promise<void> {
  for (;;) {
    signal?.throwIfAborted();
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = Number(readFileSync(lock, 'utf8').trim());
    if (!Number.isInteger(holder) || !alive(holder)) {
      rmSync(lock, { force: true });
      continue;
    }
    await sleep(200);
  }
}

/** Runs `fn` holding `lock` (a lock file; another process's live lock is waited for), never two at once here. */
const queues = new Map<string, Promise<unknown>>();
export async function withLock<T>(lock: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const before = queues.get(lock) ?? Promise.resolve();
  const mine = before.catch(() => undefined).then(async () => {
    await takeLock(lock, signal);
    try {
      return await fn();
    } finally {
      rmSync(lock, { force: true });
    }
  });
  queues.set(lock, mine);
  try {
    return await mine;
  } finally {
    if (queues.get(lock) === mine) queues.delete(lock);
  }
}

export interface RootCacheSettings {
  /** The node's cache directory (roots/ and dnf/ live under it). */
  dir: string;
  /** Roots unused for longer than this go (default 7 days). */
  maxAgeMs?: number;
  /** Total size of cached roots kept (default 20 GiB). */
  maxBytes?: number;
}

/** Cached base roots of one node (one per process: it also dedupes concurrent makings). */
export class RootCache {
  readonly #making = new Map<string, Promise<CachedRoot>>();

  constructor(readonly settings: RootCacheSettings) {
    mkdirSync(this.rootsDir, { recursive: true });
  }

  get rootsDir(): string {
    return join(this.settings.dir, 'roots');
  }

  /** The shared dnf package cache of a platform and arch. */
  packageCache(platform: string, arch: string): string {
    return join(this.settings.dir, 'dnf', `${platform}-${arch}`);
  }

  /**
   * Runs `fn` (dnf resolving and downloading into `packageCache(platform, arch)`) alone on that
   * cache: dnf's own lock files in a shared cache do not survive two processes at once.
   */
  usingPackageCache<T>(platform: string, arch: string, fn: (cacheDir: string) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const dir = this.packageCache(platform, arch);
    mkdirSync(dirname(dir), { recursive: true });
    return withLock(`${dir}.lock`, () => fn(dir), signal);
  }

  /**
   * The base root for `spec` (platform `platform`): from the cache, or made now with dnf.
   * @throws BuildFailedError when dnf cannot install the base set (naming what is missing)
   */
  async get(platform: string, spec: BaseRootSpec, run: RunOptions): Promise<CachedRoot> {
    const { key, repos } = await baseRootKey(spec);
    const ready = this.#ready(key, repos);
    if (ready) return ready;
    let making = this.#making.get(key);
    if (!making) {
      making = this.#make(platform, spec, key, repos, run).finally(() => this.#making.delete(key));
      this.#making.set(key, making);
    }
    return { ...(await making), repos };
  }

  #ready(key: string, repos: RootRepo[]): CachedRoot | null {
    const dir = join(this.rootsDir, key);
    const metaFile = join(dir, 'meta.json');
    if (!existsSync(metaFile)) return null;
    const now = new Date();
    utimesSync(metaFile, now, now);
    return { key, dir: join(dir, 'root'), meta: JSON.parse(readFileSync(metaFile, 'utf8')) as RootMeta, repos, made: false };
  }

  async #make(platform: string, spec: BaseRootSpec, key: string, repos: RootRepo[], run: RunOptions): Promise<CachedRoot> {
    const lock = join(this.rootsDir, `${key}.lock`);
    await takeLock(lock, run.signal);
    const staging = join(this.rootsDir, `.make-${key}-${randomBytes(4).toString('hex')}`);
    try {
      const again = this.#ready(key, repos);
      if (again) return again;
      const root = join(staging, 'root');
      const work = join(staging, 'work');
      mkdirSync(root, { recursive: true });
      mkdirSync(work, { recursive: true });
      // The root's `/`, for the sandbox user to walk whatever the node's umask.
      chmodSync(root, 0o755);
      const resolution = await this.usingPackageCache(platform, spec.arch, (cacheDir) => resolveForRoot({ root, work }, { specs: spec.install, repos: spec.repos, cacheDir, releasever: spec.releasever, basearch: spec.arch }, run), run.signal);
      if (!resolution.ok) throw new BuildFailedError(`cannot make the build root (${spec.install.join(' ')}): ${describeFailure(resolution)}`);
      const files = resolution.packages.map((p) => p.path);
      const r = await installIntoRoot({ root, work }, files, [...new Set(files.map((f) => f.slice(0, f.lastIndexOf('/'))))], spec.releasever, run);
      if (r.code !== 0) throw new BuildFailedError(`dnf could not install the build root's base set: ${r.output.trim().split('\n').slice(-3).join(' / ')}`);
      const meta: RootMeta = {
        key,
        packages: await Promise.all(resolution.packages.map(packageRecord)),
        repos,
        install: spec.install,
        arch: spec.arch,
        createdAt: new Date().toISOString(),
        size: treeSize(root),
      };
      rmSync(work, { recursive: true, force: true });
      writeFileSync(join(staging, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
      renameSync(staging, join(this.rootsDir, key));
      return { key, dir: join(this.rootsDir, key, 'root'), meta, repos, made: true };
    } finally {
      rmSync(staging, { recursive: true, force: true });
      rmSync(lock, { force: true });
    }
  }
}

/** What dnf could not do, in one line. */
export function describeFailure(r: { missing: string[]; problems: string[] }): string {
  const parts: string[] = [];
  if (r.missing.length > 0) parts.push(`no package provides ${r.missing.join(', ')}`);
  if (r.problems.length > 0) parts.push(r.problems.filter((p) => p.trim() !== '').slice(0, 6).join(' / '));
  return parts.join('; ') || 'dnf failed';
}

/** Roots under `rootsDir` with their meta and last use. */
function listRoots(rootsDir: string): { key: string; dir: string; size: number; usedAt: number }[] {
  if (!existsSync(rootsDir)) return [];
  return readdirSync(rootsDir)
    .filter((k) => /^[0-9a-f]{64}$/.test(k))
    .flatMap((key) => {
      const metaFile = join(rootsDir, key, 'meta.json');
      if (!existsSync(metaFile)) return [];
      const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as RootMeta;
      return [{ key, dir: join(rootsDir, key), size: meta.size, usedAt: statSync(metaFile).mtimeMs }];
    });
}

/** Directories some mounted overlay uses as its lower layer (this host). */
function lowerDirsInUse(): Set<string> {
  const out = new Set<string>();
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const m = /lowerdir=([^,\s]+)/.exec(line);
    if (m?.[1]) for (const d of m[1].split(':')) out.add(d);
  }
  return out;
}

/**
 * Removes expired roots (older than the age limit, then least recently used beyond the size
 * limit), never one in use; returns the keys removed.
 */
export function expireRoots(settings: RootCacheSettings, now = Date.now()): string[] {
  const maxAge = settings.maxAgeMs ?? 7 * 24 * 3600_000;
  const maxBytes = settings.maxBytes ?? 20 * 1024 ** 3;
  const rootsDir = join(settings.dir, 'roots');
  const inUse = lowerDirsInUse();
  const roots = listRoots(rootsDir).sort((a, b) => b.usedAt - a.usedAt);
  const removed: string[] = [];
  let total = roots.reduce((n, r) => n + r.size, 0);
  for (const r of [...roots].reverse()) {
    const tooOld = now - r.usedAt > maxAge;
    if (!tooOld && total <= maxBytes) continue;
    if (inUse.has(join(r.dir, 'root'))) continue;
    rmSync(r.dir, { recursive: true, force: true });
    total -= r.size;
    removed.push(r.key);
  }
  return removed;
}
