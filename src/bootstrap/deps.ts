/**
 * Requires and Provides from the files themselves, by rpm's own generators: the package's files
 * are staged in a buildroot-like tree (hard links to the unpacked debs) and `rpmdeps` reads them
 * as rpmbuild would — sonames and symbol versions of ELF files, `rtld(GNU_HASH)`, interpreters of
 * scripts, pkgconfig(…) of .pc files, perl(…) of modules, python(abi), rpm_macro(…).
 *
 * Debian keeps .pc files in its multiarch directory, which rpm's default pattern does not cover;
 * the pattern is widened here. rpmdeps matches path patterns relative to $RPM_BUILD_ROOT (not
 * %_buildroot), so that is set to the staging tree. A private HOME keeps ~/.rpmmacros out.
 */
import { copyFileSync, linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Sense } from '../rpm/tags.ts';
import type { RpmSpecDependency } from '../rpm/writer.ts';
import type { PackageFile } from './assemble.ts';
import { BootstrapError } from './errors.ts';
import { runTool } from './run.ts';
import type { ElPackageDef } from './types.ts';

export const RPMDEPS = '/usr/lib/rpm/rpmdeps';

const PKGCONFIG_PATH = '^((%{_libdir}|%{_datadir}|/usr/lib/x86_64-linux-gnu|/usr/lib)/pkgconfig/.*\\.pc|%{_bindir}/pkg-config)$';

const OPERATORS: Record<string, number> = {
  '=': Sense.EQUAL,
  '>=': Sense.GREATER | Sense.EQUAL,
  '<=': Sense.LESS | Sense.EQUAL,
  '>': Sense.GREATER,
  '<': Sense.LESS,
};

/** `name`, `name OP evr` → a writer dependency. */
export function parseDependency(text: string): RpmSpecDependency {
  const m = /^(\S+|\(.*\))(?:\s+(<=|>=|=|<|>)\s+(\S+))?$/.exec(text.trim());
  if (!m) throw new BootstrapError(`cannot read dependency ${JSON.stringify(text)}`);
  const [, name, op, evr] = m;
  return op === undefined ? { name: name as string } : { name: name as string, flags: OPERATORS[op] as number, evr: evr as string };
}

/** Writes the package's files and links into `stage` (hard links where possible). */
export function stageFiles(files: readonly PackageFile[], stage: string): string[] {
  const regular: string[] = [];
  for (const f of files) {
    const to = join(stage, f.path);
    if (f.type === 'dir') {
      mkdirSync(to, { recursive: true });
      continue;
    }
    mkdirSync(dirname(to), { recursive: true });
    if (f.type === 'link') {
      symlinkSync(f.linkto ?? '', to);
      continue;
    }
    if (f.data !== undefined) {
      writeFileSync(to, f.data, { mode: f.mode & 0o777 });
    } else if (f.source !== undefined) {
      try {
        linkSync(f.source, to);
      } catch {
        copyFileSync(f.source, to);
      }
    }
    regular.push(to);
  }
  return regular;
}

async function rpmdeps(which: '-P' | '-R', stage: string, files: string[], def: ElPackageDef, home: string): Promise<RpmSpecDependency[]> {
  const defines = [`_buildroot ${stage}`, `__pkgconfig_path ${PKGCONFIG_PATH}`];
  // A macro value loses one level of backslashes (and `%` starts a macro) when rpm expands it.
  const macro = (re: string): string => re.replace(/\\/g, '\\\\').replace(/%/g, '%%');
  if (def.requiresExclude) defines.push(`__requires_exclude ${macro(def.requiresExclude)}`);
  if (def.providesExclude) defines.push(`__provides_exclude ${macro(def.providesExclude)}`);
  const args = [...defines.flatMap((d) => ['--define', d]), which];
  // rpmdeps takes the buildroot its path patterns are relative to from RPM_BUILD_ROOT.
  const env = { PATH: '/usr/bin:/usr/sbin:/bin:/sbin', HOME: home, LC_ALL: 'C.UTF-8', RPM_BUILD_ROOT: stage };
  const r = await runTool(RPMDEPS, args, { input: `${files.join('\n')}\n`, env });
  if (r.code !== 0) throw new BootstrapError(`${def.name}: rpmdeps ${which} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join('; ')}`);
  return r.stdout.split('\n').filter((l) => l.trim() !== '').map(parseDependency);
}

/** Generated Provides and Requires of the staged files. */
export async function generateDependencies(stage: string, files: string[], def: ElPackageDef, home: string): Promise<{ provides: RpmSpecDependency[]; requires: RpmSpecDependency[] }> {
  if (files.length === 0) return { provides: [], requires: [] };
  const [provides, requires] = await Promise.all([rpmdeps('-P', stage, files, def, home), rpmdeps('-R', stage, files, def, home)]);
  return { provides, requires };
}
