/**
 * The next release of an existing package, as a release replaces a package: same name, version,
 * arch, dependencies and file list (regular files get new content of the same size), release
 * bumped, a changelog entry added. Written with our RPM writer.
 */
import { join } from 'node:path';
import type { RpmDependency } from '../../src/rpm/dependencies.ts';
import { readPackageSync } from '../../src/rpm/package.ts';
import { FileFlag, Sense } from '../../src/rpm/tags.ts';
import { rpmFileName, writeRpm, type RpmSpec, type RpmSpecDependency, type RpmSpecFile } from '../../src/rpm/writer.ts';

const KEPT_SENSE = Sense.LESS | Sense.GREATER | Sense.EQUAL | Sense.PREREQ | Sense.SCRIPT_PRE | Sense.SCRIPT_POST | Sense.SCRIPT_PREUN | Sense.SCRIPT_POSTUN;
const S_IFMT = 0o170000;

function deps(list: RpmDependency[], skip: (d: RpmDependency) => boolean): RpmSpecDependency[] {
  return list
    .filter((d) => !skip(d) && !d.name.startsWith('rpmlib(') && (d.sense & Sense.INTERP) === 0)
    .map((d) => {
      const evr = d.version === null ? '' : `${d.epoch === null ? '' : `${d.epoch}:`}${d.version}${d.release === null ? '' : `-${d.release}`}`;
      const flags = d.sense & KEPT_SENSE;
      return evr && flags & (Sense.LESS | Sense.GREATER | Sense.EQUAL) ? { name: d.name, flags, evr } : { name: d.name, flags: flags & ~(Sense.LESS | Sense.GREATER | Sense.EQUAL) };
    });
}

/** Writes the next release of the package at `path` into `dir`; returns the new file's path. */
export function writeNextRelease(path: string, dir: string, buildtime: number): string {
  const p = readPackageSync(path);
  const release = `${p.release}.1`;
  const own = (d: RpmDependency): boolean => d.name === p.name || d.name.startsWith(`${p.name}(`) || d.name === `config(${p.name})`;
  const files: RpmSpecFile[] = p.files.map((f) => {
    const type = f.mode & S_IFMT;
    const base = { path: f.path, mode: f.mode, flags: f.flags & (FileFlag.CONFIG | FileFlag.DOC | FileFlag.NOREPLACE | FileFlag.LICENSE | FileFlag.GHOST), mtime: buildtime };
    if (type === 0o120000) return { ...base, linkto: f.linkto };
    if (type === 0o040000 || f.flags & FileFlag.GHOST) return base;
    return { ...base, data: Buffer.alloc(f.size, 0x2a) };
  });
  const spec: RpmSpec = {
    name: p.name,
    ...(p.epoch === null ? {} : { epoch: p.epoch }),
    version: p.version,
    release,
    arch: p.arch,
    summary: p.summary,
    description: p.description,
    license: p.license,
    ...(p.url ? { url: p.url } : {}),
    ...(p.vendor ? { vendor: p.vendor } : {}),
    ...(p.packager ? { packager: p.packager } : {}),
    ...(p.buildhost ? { buildhost: p.buildhost } : {}),
    buildtime,
    sourcerpm: `${p.name}-${p.version}-${release}.src.rpm`,
    requires: deps(p.requires, own),
    provides: deps(p.provides, own),
    conflicts: deps(p.conflicts, () => false),
    obsoletes: deps(p.obsoletes, () => false),
    recommends: deps(p.recommends, () => false),
    suggests: deps(p.suggests, () => false),
    supplements: deps(p.supplements, () => false),
    enhances: deps(p.enhances, () => false),
    files,
    changelog: [{ time: buildtime - (buildtime % 86_400) + 43_200, author: `Release Bot <release@example.org> - ${p.version}-${release}`, text: '- Rebuilt' }, ...p.changelog],
  };
  const out = join(dir, rpmFileName(spec));
  writeRpm(out, spec);
  return out;
}
