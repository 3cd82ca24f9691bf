/**
 * One EL package as an RPM: its NEVRA from the Debian version, its metadata, its files read from
 * the unpacked debs, its Provides/Requires (generated plus the manifest's), written by src/rpm's
 * writer with a zstd payload. Everything comes from the inputs (no clock, no host names), so the
 * same debs give the same bytes.
 *
 * Versions: Debian's `[epoch:]upstream[-revision]` becomes epoch (kept), version = upstream
 * (characters rpm refuses, such as `-` and `:`, become `.`), release = `REVISION.dfbs` (`0.dfbs`
 * for a native package), "dfbs" standing for distforge bootstrap. Our own packages have the
 * manifest's version and release `1.dfbs`.
 */
import { readFileSync, utimesSync } from 'node:fs';
import { FileFlag } from '../rpm/tags.ts';
import { rpmFileName, writeRpm, type RpmSpec, type RpmSpecDependency, type RpmSpecFile } from '../rpm/writer.ts';
import type { PackageFile } from './assemble.ts';
import type { UnpackedDeb } from './deb.ts';
import { parseDependency } from './deps.ts';
import { mergedPath } from './paths.ts';
import type { ElPackageDef } from './types.ts';

/** Build time of our own packages (2026-01-01T00:00:00Z): fixed, so they never change by themselves. */
export const OWN_BUILDTIME = 1_767_225_600;

const RELEASE_SUFFIX = 'dfbs';
const VENDOR = 'distforge bootstrap (Debian 12 binaries)';
const DISTRIBUTION = 'distforge bootstrap EL9';

/** The EL epoch, version and release of a Debian version. */
export function elVersion(debVersion: string): { epoch?: number; version: string; release: string } {
  let rest = debVersion;
  let epoch: number | undefined;
  const colon = rest.indexOf(':');
  if (colon > 0 && /^\d+$/.test(rest.slice(0, colon))) {
    epoch = Number(rest.slice(0, colon));
    rest = rest.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  const upstream = dash < 0 ? rest : rest.slice(0, dash);
  const revision = dash < 0 ? '0' : rest.slice(dash + 1);
  const clean = (s: string): string => s.replace(/[^A-Za-z0-9._+~^]/g, '.');
  return { ...(epoch === undefined ? {} : { epoch }), version: clean(upstream), release: `${clean(revision)}.${RELEASE_SUFFIX}` };
}

/** Everything that decides one EL package besides its files. */
export interface PackageInput {
  def: ElPackageDef;
  /** The debs of `def.from`, in its order (empty for our own packages). */
  debs: UnpackedDeb[];
  files: PackageFile[];
  generated: { provides: RpmSpecDependency[]; requires: RpmSpecDependency[] };
  /** File paths some package of the manifest provides explicitly (kept as they are in Requires). */
  explicitFileProvides: ReadonlySet<string>;
}

/** The description: Debian's long description, then where the package comes from. */
function description(def: ElPackageDef, debs: UnpackedDeb[]): string {
  const long = (debs[0]?.control.Description ?? '').split('\n').slice(1).map((l) => (l.trim() === '.' ? '' : l)).join('\n').trim();
  const origin = debs.length
    ? `Made for the distforge bootstrap platform from the Debian 12 package${debs.length > 1 ? 's' : ''} ${debs.map((d) => `${d.name} ${d.control.Version ?? ''}`).join(', ')}.`
    : 'Written for the distforge bootstrap platform.';
  return `${long ? `${long}\n\n` : ''}${origin} This is a stand-in for the EL9 package ${def.name}, not a Red Hat or AlmaLinux package.`;
}

/**
 * A generated file requirement on /bin, /sbin, /lib or /lib64 points into /usr in a merged root;
 * dnf resolves file requirements by the paths packages list, so it is written as the /usr path,
 * unless a package provides the old path explicitly (bash: /bin/sh).
 */
function normaliseRequirement(d: RpmSpecDependency, keep: ReadonlySet<string>): RpmSpecDependency {
  if (!d.name.startsWith('/') || keep.has(d.name)) return d;
  return { ...d, name: mergedPath(d.name) };
}

function uniqueDeps(list: RpmSpecDependency[]): RpmSpecDependency[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const k = `${d.name}\0${d.flags ?? 0}\0${d.evr ?? ''}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function specFile(f: PackageFile, buildtime: number): RpmSpecFile {
  const type = f.type === 'dir' ? 0o040000 : f.type === 'link' ? 0o120000 : 0o100000;
  const out: RpmSpecFile = { path: f.path, mode: type | f.mode, mtime: Math.min(f.mtime ?? buildtime, buildtime), flags: f.flags };
  if (f.type === 'link') out.linkto = f.linkto ?? '';
  if (f.type === 'file' && (f.flags & FileFlag.GHOST) === 0) out.data = f.data ?? (f.source === undefined ? '' : readFileSync(f.source));
  return out;
}

/** The writer's spec of the package. */
export function packageSpec(input: PackageInput): RpmSpec {
  const { def, debs } = input;
  const first = debs[0];
  const base = first ? elVersion(first.control.Version ?? '0') : { version: def.version ?? '0', release: `1.${RELEASE_SUFFIX}` };
  const evr = def.epoch === undefined ? base : { ...base, epoch: def.epoch };
  const buildtime = debs.length ? Math.max(...debs.map((d) => d.date)) : OWN_BUILDTIME;
  const arch = def.arch ?? (debs.length && debs.every((d) => d.control.Architecture === 'all') ? 'noarch' : 'x86_64');
  const summary = def.summary ?? (first?.control.Description ?? def.name).split('\n')[0]?.trim() ?? def.name;
  const source = (first?.control.Source ?? first?.name ?? def.name).split(' ')[0] ?? def.name;
  const requires = uniqueDeps([...(def.requires ?? []).map(parseDependency), ...input.generated.requires.map((d) => normaliseRequirement(d, input.explicitFileProvides))]);
  const provides = uniqueDeps([...(def.provides ?? []).map(parseDependency), ...input.generated.provides]);
  return {
    name: def.name,
    ...evr,
    arch,
    summary,
    description: description(def, debs),
    license: def.license ?? `Distributable; see /usr/share/licenses/${def.name}`,
    url: first ? `https://packages.debian.org/bookworm/${first.name}` : 'https://distforge.invalid/bootstrap',
    vendor: VENDOR,
    distribution: DISTRIBUTION,
    packager: 'distforge bootstrap',
    buildhost: 'bootstrap.distforge.invalid',
    buildtime,
    sourcerpm: `${source}-${evr.version}-${evr.release}.src.rpm`,
    requires,
    provides,
    files: input.files.map((f) => specFile(f, buildtime)),
    ...(def.scripts ? { scripts: def.scripts } : {}),
    ...(def.fileTriggers ? { fileTriggers: def.fileTriggers } : {}),
    changelog: [
      {
        time: buildtime,
        author: `distforge bootstrap <bootstrap@distforge.invalid> - ${evr.version}-${evr.release}`,
        text: debs.length ? `- Made from Debian 12: ${debs.map((d) => `${d.name} ${d.control.Version ?? ''}`).join(', ')}` : '- Written for the distforge bootstrap platform',
      },
    ],
    compressor: 'zstd',
    compressionLevel: 3,
  };
}

/** Writes the package into `dir`; its modification time is its build time (so repodata never changes). */
export function writePackage(spec: RpmSpec, dir: string): string {
  const file = `${dir}/${rpmFileName(spec)}`;
  writeRpm(file, spec);
  utimesSync(file, spec.buildtime ?? OWN_BUILDTIME, spec.buildtime ?? OWN_BUILDTIME);
  return file;
}

/** `name-[epoch:]version-release.arch` of a spec. */
export function specNevra(spec: RpmSpec): string {
  return `${spec.name}-${spec.epoch === undefined ? '' : `${spec.epoch}:`}${spec.version}-${spec.release}.${spec.arch}`;
}
