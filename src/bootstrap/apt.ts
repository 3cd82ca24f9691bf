/**
 * Debian packages through apt itself, never touching the host's installed packages: apt resolves
 * the seeds' dependency closure against an empty dpkg status (so the versions are the archive's
 * candidates, not what the host has installed), reports each deb's URI, size and SHA256 from its
 * package lists, and downloads the debs, which are then checked against those checksums.
 *
 * The resolution is kept in the cache under a key of the seeds and the package lists' identity
 * (names, sizes, modification times): an unchanged run does not call apt at all.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { replaceFileSync } from '../util/atomic-file.ts';
import { sha256File } from '../util/sha256-file.ts';
import { BootstrapError } from './errors.ts';
import { runTool, type ToolResult } from './run.ts';

/** One deb as apt's lists describe it. */
export interface AptDeb {
  name: string;
  version: string;
  /** `amd64` or `all`. */
  arch: string;
  uri: string;
  /** File name apt gives the download (`gawk_1%3a5.2.1-2_amd64.deb`). */
  filename: string;
  size: number;
  sha256: string;
}

/** Where apt keeps its package lists (Debian's default Dir::State::lists). */
export const APT_LISTS_DIR = '/var/lib/apt/lists';

/** Options that make apt ignore the host's installed packages and its locks. */
const EMPTY_STATUS = ['-o', 'Dir::State::status=/dev/null', '-o', 'Debug::NoLocking=true', '-o', 'APT::Sandbox::User=root'];

const RESOLUTION_FORMAT = 1;

/** The package lists' identity: names, sizes and modification times of the Packages files. */
export function listsFingerprint(dir = APT_LISTS_DIR): string {
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => /_Packages(\.[a-z0-9]+)?$/.test(n)).sort();
  } catch {
    return 'none';
  }
  const h = createHash('sha256');
  for (const n of names) {
    const st = statSync(join(dir, n));
    h.update(`${n}\0${st.size}\0${st.mtimeMs}\n`);
  }
  return names.length === 0 ? 'none' : h.digest('hex');
}

function missingPackages(r: ToolResult): string[] {
  return [...r.stderr.matchAll(/Unable to locate package (\S+)|Package '?(\S+?)'? has no installation candidate/g)].map((m) => (m[1] ?? m[2]) as string);
}

/** `apt-get -s install SEEDS` against an empty status: the closure as name → version. */
async function simulateInstall(seeds: readonly string[]): Promise<ToolResult> {
  return runTool('apt-get', ['-s', ...EMPTY_STATUS, '-o', 'APT::Install-Recommends=false', '-o', 'APT::Install-Suggests=false', 'install', ...seeds]);
}

function parseSimulation(stdout: string): Map<string, string> {
  const closure = new Map<string, string>();
  for (const m of stdout.matchAll(/^Inst (\S+) \((\S+) /gm)) closure.set((m[1] as string).replace(/:.*$/, ''), m[2] as string);
  return closure;
}

/** `apt-get download --print-uris NAME=VERSION…`: where each deb is and its size and SHA256. */
async function printUris(closure: Map<string, string>): Promise<AptDeb[]> {
  const specs = [...closure].map(([n, v]) => `${n}=${v}`);
  const r = await runTool('apt-get', [...EMPTY_STATUS, 'download', '--print-uris', ...specs]);
  if (r.code !== 0) throw new BootstrapError(`apt-get download --print-uris failed: ${r.stderr.trim().split('\n').slice(-2).join('; ')}`);
  const debs: AptDeb[] = [];
  for (const m of r.stdout.matchAll(/^'([^']+)' (\S+) (\d+) SHA256:([0-9a-f]{64})$/gm)) {
    const filename = m[2] as string;
    const [name, version] = [...closure].find(([n, v]) => filename.startsWith(`${n}_`) && decodeURIComponent(filename).startsWith(`${n}_${v}_`)) ?? [];
    if (name === undefined || version === undefined) continue;
    const arch = /_([a-z0-9]+)\.deb$/.exec(filename)?.[1] ?? 'amd64';
    debs.push({ name, version, arch, uri: m[1] as string, filename, size: Number(m[3]), sha256: m[4] as string });
  }
  const found = new Set(debs.map((d) => d.name));
  const lost = [...closure.keys()].filter((n) => !found.has(n));
  if (lost.length) throw new BootstrapError(`apt gave no download location for ${lost.join(', ')}`);
  return debs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Resolves `seeds` to the debs of their dependency closure, from the cache when the seeds and the
 * package lists are unchanged. When the lists lack a seed: as root, runs `apt-get update` once and
 * tries again; otherwise fails saying what to run.
 * @throws BootstrapError when apt cannot resolve.
 */
export async function resolveDebs(seeds: readonly string[], stateDir: string, say: (m: string) => void): Promise<AptDeb[]> {
  const key = createHash('sha256').update(JSON.stringify({ RESOLUTION_FORMAT, seeds: [...seeds].sort(), lists: listsFingerprint() })).digest('hex').slice(0, 32);
  const file = join(stateDir, `resolution-${key}.json`);
  if (existsSync(file)) {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as AptDeb[];
    } catch {
      // unreadable: resolve again
    }
  }
  say(`resolving ${seeds.length} Debian packages with apt`);
  let r = await simulateInstall(seeds);
  if (r.code !== 0 && missingPackages(r).length > 0 && process.getuid?.() === 0) {
    say('apt lists lack packages: running apt-get update');
    const u = await runTool('apt-get', ['update', '-q']);
    if (u.code !== 0) throw new BootstrapError(`apt-get update failed: ${u.stderr.trim().split('\n').slice(-2).join('; ')}`);
    r = await simulateInstall(seeds);
  }
  if (r.code !== 0) {
    const missing = missingPackages(r);
    if (missing.length) {
      throw new BootstrapError(`apt's package lists have no ${missing.join(', ')}: run \`apt-get update\` as root (Debian 12 main must be in the sources), then try again`);
    }
    throw new BootstrapError(`apt cannot resolve the bootstrap packages: ${r.stderr.trim().split('\n').slice(-3).join('; ')}`);
  }
  const closure = parseSimulation(r.stdout);
  const absent = seeds.filter((s) => !closure.has(s));
  if (absent.length) throw new BootstrapError(`apt resolved no ${absent.join(', ')} (virtual or unknown package names?)`);
  const debs = await printUris(closure);
  mkdirSync(stateDir, { recursive: true });
  replaceFileSync(file, (tmp) => writeFileSync(tmp, JSON.stringify(debs)));
  return debs;
}

/** Removes debs of `debDir` that `debs` does not list, once older than `graceMs`. */
export function pruneDebs(debs: readonly AptDeb[], debDir: string, graceMs: number, now = Date.now()): void {
  const keep = new Set(debs.map((d) => d.filename));
  let names: string[] = [];
  try {
    names = readdirSync(debDir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.endsWith('.deb') || keep.has(name)) continue;
    try {
      if (now - statSync(join(debDir, name)).mtimeMs > graceMs) rmSync(join(debDir, name), { force: true });
    } catch {
      // gone already
    }
  }
}

/** Whether `path` holds `deb` (size, then SHA256 of the archive's lists). */
async function holds(path: string, deb: AptDeb): Promise<boolean> {
  try {
    if (statSync(path).size !== deb.size) return false;
  } catch {
    return false;
  }
  return (await sha256File(path)) === deb.sha256;
}

/**
 * Makes sure every deb of `debs` is in `debDir`, checked against the archive's SHA256: downloads
 * the missing ones with `apt-get download` (into a private directory, then moved in once checked).
 * Returns the path of each deb by name.
 * @throws BootstrapError when apt cannot download or a download does not match.
 */
export async function fetchDebs(debs: readonly AptDeb[], debDir: string, say: (m: string) => void): Promise<Map<string, string>> {
  mkdirSync(debDir, { recursive: true });
  const paths = new Map<string, string>();
  const missing: AptDeb[] = [];
  for (const d of debs) {
    const path = join(debDir, d.filename);
    paths.set(d.name, path);
    if (!(await holds(path, d))) missing.push(d);
  }
  if (missing.length === 0) return paths;
  const bytes = missing.reduce((n, d) => n + d.size, 0);
  say(`downloading ${missing.length} debs (${(bytes / 1e6).toFixed(0)} MB)`);
  const partial = join(debDir, `.partial-${process.pid}-${Date.now()}`);
  mkdirSync(partial);
  try {
    const r = await runTool('apt-get', [...EMPTY_STATUS, '-q', 'download', ...missing.map((d) => `${d.name}=${d.version}`)], { cwd: partial });
    if (r.code !== 0) {
      throw new BootstrapError(`apt-get download failed (if the archive moved on, \`apt-get update\` as root refreshes the lists): ${r.stderr.trim().split('\n').slice(-2).join('; ')}`);
    }
    for (const d of missing) {
      const got = join(partial, d.filename);
      if (!(await holds(got, d))) throw new BootstrapError(`downloaded ${d.filename} does not match the SHA256 of apt's package lists (${d.sha256})`);
      renameSync(got, join(debDir, d.filename));
    }
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return paths;
}
