/**
 * The expensive fixtures every build test shares, made once and reused by every test process of a
 * run (and by later runs while the code that makes them is unchanged):
 *
 * - the bootstrap repository of the example platform (src/bootstrap), in
 *   .tmp/test-platform-repos/bootstrap-el9/x86_64 — the directory a test master serves as its
 *   platform repositories (`platformReposDir`), so the example platform's
 *   `/api/v1/platform-repos/bootstrap-el9/$basearch/` works there;
 * - the nodes' root cache (cached base roots and dnf package caches), .tmp/test-cache/node, beside
 *   the bootstrap maker's caches (.tmp/test-cache/bootstrap, bootstrap-debs): the layout of
 *   `distforge up --cache DIR`.
 *
 * .tmp/ is ignored by git and lives in the checkout, not in /tmp. A lock file keeps two test
 * processes from making the repository at once; a fingerprint of the code that makes it (and of
 * apt's package lists) decides whether an existing one is still good.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeBootstrapRepo } from '../../src/bootstrap/index.ts';
import { RootCache } from '../../src/node/buildroot/root-cache.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const TMP = join(ROOT, '.tmp');
/** What a test master serves at /api/v1/platform-repos/. */
export const PLATFORM_REPOS = join(TMP, 'test-platform-repos');
/** The bootstrap repository itself. */
export const BOOTSTRAP_REPO = join(PLATFORM_REPOS, 'bootstrap-el9', 'x86_64');
/**
 * The caches, laid out as `distforge up --cache DIR` lays them out (bootstrap/, bootstrap-debs/,
 * node/), so that an `up` started by a test with `--cache TEST_CACHE` finds everything made.
 */
export const TEST_CACHE = join(TMP, 'test-cache');
/** Build roots and dnf caches of every test node. */
export const NODE_CACHE = join(TEST_CACHE, 'node');
const LOCK = join(TMP, 'test-bootstrap.lock');
const MARK = join(PLATFORM_REPOS, 'bootstrap-el9', '.made-from');

/** sha256 over the files under `dir` (names and contents), sorted. */
function hashTree(dir: string, h = createHash('sha256')): ReturnType<typeof createHash> {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) hashTree(p, h);
    else if (e.isFile()) h.update(p.slice(ROOT.length)).update(readFileSync(p));
  }
  return h;
}

/** What the repository is made from: the maker's code, the RPM writer, and apt's lists. */
function fingerprint(): string {
  const h = hashTree(join(ROOT, 'src', 'bootstrap'));
  for (const f of readdirSync(join(ROOT, 'src', 'rpm')).filter((n) => n.startsWith('writer')).sort()) h.update(readFileSync(join(ROOT, 'src', 'rpm', f)));
  const lists = '/var/lib/apt/lists';
  if (existsSync(lists)) for (const f of readdirSync(lists).sort()) h.update(`${f}:${statSync(join(lists, f)).mtimeMs}`);
  return h.digest('hex');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  mkdirSync(TMP, { recursive: true });
  for (;;) {
    try {
      writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readFileSync(LOCK, 'utf8'));
      if (!alive(holder)) rmSync(LOCK, { force: true });
      else await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { force: true });
  }
}

let made: Promise<string> | null = null;

/** The bootstrap repository (made now if missing or made by other code); its directory. */
export function bootstrapRepo(): Promise<string> {
  made ??= withLock(async () => {
    const want = fingerprint();
    if (existsSync(join(BOOTSTRAP_REPO, 'repodata', 'repomd.xml')) && existsSync(MARK) && readFileSync(MARK, 'utf8') === want) return BOOTSTRAP_REPO;
    await makeBootstrapRepo({ outDir: BOOTSTRAP_REPO, cacheDir: join(TEST_CACHE, 'bootstrap'), debCacheDir: join(TEST_CACHE, 'bootstrap-debs') });
    writeFileSync(MARK, want);
    return BOOTSTRAP_REPO;
  });
  return made;
}

/** The root cache test nodes share. */
export function testRootCache(): RootCache {
  return new RootCache({ dir: NODE_CACHE });
}
