/**
 * Realistic, deterministic package sets for tests and benchmarks, written with the RPM writer.
 *
 * Each package is a library (`libNAME`, x86_64: a versioned .so with its soname symlink and a
 * `libNAME.so.N()(64bit)` provide), a tool (x86_64: /usr/bin programs, /etc config files) or a data
 * package (noarch: /usr/share files), with 5–40 files including its /usr/share/doc/NAME directory.
 * Package k only depends on packages before it (versioned `>=`, sonames, file dependencies such as
 * /usr/bin/x, one `/bin/sh` for scriptlets, the occasional rich dependency), so every set is
 * closed unless `brokenDeps` asks for packages with a requirement nobody provides. The same seed
 * gives the same packages, and (without `brokenDeps`) a smaller count gives a prefix of a larger set.
 * 2,000 packages take about 3 s (gzip level 6; zstd spawns one `zstd` per package and is slower).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FileFlag, Sense } from '../../src/rpm/tags.ts';
import { packageEvr, rpmFileName, writeRpm, type RpmSpec, type RpmSpecDependency, type RpmSpecFile } from '../../src/rpm/writer.ts';
import { prng } from './prng.ts';

/** Options of {@link makePackageSet}. */
export interface PackageSetOptions {
  /** Seed of the generator. Default 1. */
  seed?: number;
  /** Number of packages that require something nobody in the set provides. Default 0. */
  brokenDeps?: number;
  /** Prefix of every package name (to make disjoint sets). Default none. */
  prefix?: string;
  /** Payload compression. Default gzip. */
  compressor?: RpmSpec['compressor'];
  /** Compression level. Default 6 for gzip, 3 for zstd (fast; levels are recorded, not checked). */
  compressionLevel?: number;
}

/** One package written by {@link makePackageSet}. */
export interface PackageSetEntry {
  name: string;
  /** Absolute path of the .rpm file. */
  path: string;
  arch: string;
  /** `[epoch:]version-release`. */
  evr: string;
  /** Requirements of this package that nothing in the set provides (from `brokenDeps`), as rpm prints them. */
  brokenRequires: string[];
}

type Kind = 'lib' | 'tool' | 'data';

/** What later packages may depend on. */
interface Provider {
  name: string;
  kind: Kind;
  version: string;
  evr: string;
  soname?: string;
  binary?: string;
}

const rng = prng;

const SYLLABLES = ['ka', 'lo', 'mi', 'zu', 'ter', 'bra', 'von', 'qui', 'sel', 'dor', 'fen', 'gal', 'hex', 'jin', 'nor', 'pax', 'rim', 'sul', 'tav', 'wex', 'yor', 'ce', 'ba', 'nu'];
const WORDS = ['alpha', 'buffer', 'cache', 'daemon', 'event', 'filter', 'graph', 'hash', 'index', 'journal', 'kernel', 'layer', 'module', 'network', 'object', 'parser', 'queue', 'render', 'socket', 'thread'];
const SUFFIXES: Record<Kind, readonly string[]> = { lib: [''], tool: ['', '', '-utils', '-tools', 'd'], data: ['-data', '-common', '-doc', '-fonts', '-themes'] };
const BASE_TIME = 1_700_000_000;

class Gen {
  constructor(readonly next: () => number) {}
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  text(lines: number): string {
    let s = '';
    for (let l = 0; l < lines; l++) {
      const n = 4 + this.int(8);
      for (let w = 0; w < n; w++) s += (w ? ' ' : '') + this.pick(WORDS);
      s += '\n';
    }
    return s;
  }
  /** Bytes that look like a 64-bit ELF shared object to FILECLASS/FILECOLORS (a random block, repeated). */
  elf(size: number): Buffer {
    const block = Buffer.alloc(256);
    for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((this.next() * 4294967296) >>> 0, i);
    const b = Buffer.alloc(size);
    for (let i = 0; i < size; i += block.length) block.copy(b, i);
    Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0]).copy(b, 0);
    return b;
  }
}

function ge(p: Provider): RpmSpecDependency {
  return { name: p.name, flags: Sense.GREATER | Sense.EQUAL, evr: p.evr };
}

/** Files of package `name` of `kind`; returns the soname and program it ships. */
function makeFiles(g: Gen, name: string, kind: Kind, version: string, mtime: number): { files: RpmSpecFile[]; soname?: string; binary?: string } {
  const doc = `/usr/share/doc/${name}`;
  const files: RpmSpecFile[] = [
    { path: doc, mode: 0o40755, mtime },
    { path: `${doc}/README`, data: g.text(3 + g.int(20)), flags: FileFlag.DOC, mtime },
    { path: `${doc}/COPYING`, data: g.text(5), flags: FileFlag.LICENSE, mtime },
  ];
  let soname: string | undefined;
  let binary: string | undefined;
  let extraDir: string;
  let extra: (k: number) => RpmSpecFile;
  if (kind === 'lib') {
    const major = version.split('.')[0] ?? '1';
    soname = `${name}.so.${major}`;
    files.push(
      { path: `/usr/lib64/${name}.so.${version}`, mode: 0o100755, data: g.elf(512 + g.int(3000)), mtime },
      { path: `/usr/lib64/${soname}`, linkto: `${name}.so.${version}`, mtime },
    );
    extraDir = `/usr/lib64/${name}`;
    files.push({ path: extraDir, mode: 0o40755, mtime });
    extra = (k) => ({ path: `${extraDir}/plugin-${k}.so`, mode: 0o100755, data: g.elf(256 + g.int(1024)), mtime });
  } else if (kind === 'tool') {
    binary = `/usr/bin/${name}`;
    files.push(
      { path: binary, mode: 0o100755, data: `#!/bin/sh\n${g.text(2 + g.int(10))}`, mtime },
      { path: `/usr/bin/${name}-helper`, mode: 0o100755, data: `#!/bin/sh\n${g.text(2)}`, mtime },
      { path: `/usr/bin/${name}ctl`, linkto: name, mtime },
      { path: `/etc/${name}.conf`, data: g.text(2 + g.int(6)), flags: FileFlag.CONFIG | FileFlag.NOREPLACE, mtime },
      { path: `/etc/${name}`, mode: 0o40755, mtime },
    );
    extraDir = `/etc/${name}/conf.d`;
    files.push({ path: extraDir, mode: 0o40755, mtime });
    extra = (k) => ({ path: `${extraDir}/${k}-${g.pick(WORDS)}.conf`, data: g.text(1 + g.int(4)), flags: FileFlag.CONFIG, mode: 0o100640, mtime });
  } else {
    extraDir = `/usr/share/${name}`;
    files.push({ path: extraDir, mode: 0o40755, mtime }, { path: `${extraDir}/default`, linkto: 'item-0.txt', mtime });
    extra = (k) => ({ path: `${extraDir}/item-${k}.txt`, data: g.text(1 + g.int(30)), mtime });
  }
  const want = 5 + g.int(36);
  for (let k = 0; files.length < want; k++) files.push(extra(k));
  return { files, soname, binary };
}

/** Dependencies of a package on the providers before it. */
function makeDeps(g: Gen, kind: Kind, before: readonly Provider[], libs: readonly Provider[], tools: readonly Provider[]): Pick<RpmSpec, 'requires' | 'recommends' | 'suggests' | 'supplements' | 'enhances'> {
  const requires: RpmSpecDependency[] = [];
  const recommends: RpmSpecDependency[] = [];
  const suggests: RpmSpecDependency[] = [];
  const supplements: RpmSpecDependency[] = [];
  const enhances: RpmSpecDependency[] = [];
  if (before.length === 0) return { requires };
  const n = 1 + g.int(Math.min(4, before.length));
  for (let i = 0; i < n; i++) {
    const p = g.pick(before);
    if (kind !== 'data' && p.soname && g.chance(0.7)) requires.push({ name: `${p.soname}()(64bit)` });
    else if (p.binary && g.chance(0.4)) requires.push({ name: p.binary });
    else requires.push(g.chance(0.6) ? ge(p) : { name: p.name });
  }
  if (kind !== 'data' && libs.length > 0 && g.chance(0.3)) requires.push({ name: `${g.pick(libs).soname ?? ''}()(64bit)` });
  if (tools.length > 1 && g.chance(0.05)) requires.push({ name: `(${g.pick(tools).name} or ${g.pick(tools).name})` });
  if (g.chance(0.3)) recommends.push(ge(g.pick(before)));
  if (g.chance(0.2)) suggests.push({ name: g.pick(before).name });
  if (kind === 'data' && g.chance(0.2)) supplements.push({ name: g.pick(before).name });
  if (g.chance(0.1)) enhances.push({ name: g.pick(before).name });
  return { requires, recommends, suggests, supplements, enhances };
}

function uniqueName(g: Gen, kind: Kind, prefix: string, taken: Set<string>): string {
  for (let attempt = 0; ; attempt++) {
    let w = '';
    const parts = 2 + g.int(2);
    for (let s = 0; s < parts; s++) w += g.pick(SYLLABLES);
    const name = `${prefix}${kind === 'lib' ? 'lib' : ''}${w}${g.pick(SUFFIXES[kind])}${attempt > 5 ? attempt : ''}`;
    if (!taken.has(name)) {
      taken.add(name);
      return name;
    }
  }
}

/** Packages given a broken requirement (spread evenly over the set) → which one (0, 1, 2…). */
function brokenIndexes(count: number, broken: number): Map<number, number> {
  const out = new Map<number, number>();
  const n = Math.min(broken, count);
  for (let k = 0; k < n; k++) out.set(Math.floor(((k + 0.5) * count) / n), k);
  return out;
}

/** The k-th kind of unresolvable requirement: a versioned name, a soname, a file. */
function missingDependency(name: string, k: number): RpmSpecDependency {
  if (k % 3 === 0) return { name: `${name}-missing`, flags: Sense.GREATER | Sense.EQUAL, evr: '1.0' };
  if (k % 3 === 1) return { name: `libmissing-${name}.so.1()(64bit)` };
  return { name: `/usr/bin/${name}-missing` };
}

/**
 * Writes `count` packages into `dir` (created if needed) and returns them in the order written.
 * Package 0 provides `/bin/sh` (scriptlets of later packages require it).
 */
export function makePackageSet(dir: string, count: number, opts: PackageSetOptions = {}): PackageSetEntry[] {
  mkdirSync(dir, { recursive: true });
  const seed = opts.seed ?? 1;
  const names = new Gen(rng(seed * 7919 + 17));
  const broken = brokenIndexes(count, opts.brokenDeps ?? 0);
  const compressor = opts.compressor ?? 'gzip';
  const level = compressor === 'none' ? undefined : (opts.compressionLevel ?? (compressor === 'zstd' ? 3 : 6));
  const taken = new Set<string>();
  const before: Provider[] = [];
  const libs: Provider[] = [];
  const tools: Provider[] = [];
  const out: PackageSetEntry[] = [];
  for (let i = 0; i < count; i++) {
    const g = new Gen(rng((seed * 1_000_003 + i * 2_654_435_761) >>> 0));
    const kind: Kind = i === 0 ? 'tool' : g.pick(['lib', 'lib', 'tool', 'tool', 'data'] as const);
    const name = uniqueName(names, kind, opts.prefix ?? '', taken);
    const version = `${1 + g.int(5)}.${g.int(20)}.${g.int(10)}`;
    const release = `${1 + g.int(5)}.el9`;
    const epoch = g.chance(0.1) ? 1 + g.int(3) : undefined;
    const arch = kind === 'data' ? 'noarch' : 'x86_64';
    const buildtime = BASE_TIME + i * 60;
    const { files, soname, binary } = makeFiles(g, name, kind, version, buildtime);
    const deps = makeDeps(g, kind, before, libs, tools);
    const brokenRequires: string[] = [];
    const k = broken.get(i);
    if (k !== undefined) {
      const missing = missingDependency(name, k);
      brokenRequires.push(missing.evr ? `${missing.name} >= ${missing.evr}` : missing.name);
      deps.requires?.push(missing);
    }
    const spec: RpmSpec = {
      name,
      epoch,
      version,
      release,
      arch,
      summary: `The ${name} ${kind === 'lib' ? 'library' : kind === 'tool' ? 'tool' : 'data files'}`,
      description: g.text(2 + g.int(4)),
      license: g.pick(['MIT', 'GPL-2.0-or-later', 'Apache-2.0', 'BSD-3-Clause', 'LGPL-2.1-or-later']),
      url: `https://example.org/${name}`,
      vendor: 'distforge tests',
      packager: 'distforge <tests@example.org>',
      buildhost: 'builder.example.org',
      buildtime,
      sourcerpm: `${name}-${version}-${release}.src.rpm`,
      ...deps,
      provides: [...(i === 0 ? [{ name: '/bin/sh' }] : []), ...(soname ? [{ name: `${soname}()(64bit)` }] : [])],
      obsoletes: g.chance(0.1) ? [{ name: `${name}-legacy`, flags: Sense.LESS, evr: version }] : [],
      conflicts: g.chance(0.05) ? [{ name: `${name}-compat` }] : [],
      files,
      changelog: Array.from({ length: 1 + g.int(3) }, (_, n) => ({
        time: buildtime - n * 86_400 * 30 - (buildtime % 86_400) + 43_200,
        author: `Packager ${n} <p${n}@example.org> - ${version}-${release}`,
        text: `- ${g.text(1).trim()}`,
      })),
      scripts: i > 0 && g.chance(0.2) ? { postin: { script: '/sbin/ldconfig || :' }, postun: { script: '/sbin/ldconfig || :' } } : undefined,
      compressor,
      compressionLevel: level,
    };
    const path = join(dir, rpmFileName(spec));
    writeRpm(path, spec);
    const evr = packageEvr(spec);
    const provider: Provider = { name, kind, version, evr, soname, binary };
    before.push(provider);
    if (soname) libs.push(provider);
    if (binary) tools.push(provider);
    out.push({ name, path, arch, evr, brokenRequires });
  }
  return out;
}
