/**
 * Dependency, scriptlet and file trigger tags of a package being written (the triggers' own
 * layout is in writer-triggers.ts), completed the way rpmbuild completes them: the self-provides (`name = EVR` and `name(isa) = EVR`), `config(name) = EVR` provided and
 * required when the package has config files, the interpreter requirement of
 * each scriptlet, and the `rpmlib(...)` features the package needs; each list sorted by name, EVR
 * and flags and without duplicates, as rpmbuild's merging leaves it.
 */
import type { EntryValue } from './header-build.ts';
import { FileFlag, Sense, TagType } from './tags.ts';
import { SPEC_DEPENDENCY_KINDS, type RpmSpec, type RpmSpecDependency, type RpmSpecDependencyKind, type RpmSpecScriptlets } from './writer-types.ts';
import { DEPENDENCY_KINDS } from './dependencies.ts';
import { SCRIPTLET_TAGS } from './scriptlets.ts';
import { fileTriggerParts } from './writer-triggers.ts';

/** NAME, FLAGS and VERSION tags of each dependency kind (the reader's table). */
const DEP_TAGS: Record<RpmSpecDependencyKind, readonly [number, number, number]> = DEPENDENCY_KINDS;

/** `%{_isa}` of the architectures rpm knows a multilib ISA name for. */
const ISA: Record<string, string> = {
  x86_64: 'x86-64',
  i386: 'x86-32',
  i486: 'x86-32',
  i586: 'x86-32',
  i686: 'x86-32',
  aarch64: 'aarch-64',
  ppc64le: 'ppc-64',
  ppc64: 'ppc-64',
  s390x: 's390-64',
  armv7hl: 'arm-32',
  riscv64: 'riscv-64',
};

/** The EVR string of the package itself: `[epoch:]version-release`. */
export function packageEvr(spec: Pick<RpmSpec, 'epoch' | 'version' | 'release'>): string {
  return `${spec.epoch === undefined ? '' : `${spec.epoch}:`}${spec.version}-${spec.release}`;
}

/** Settings outside the dependency lists that decide which rpmlib() features are needed. */
export interface DependencyContext {
  source: boolean;
  compressor: 'gzip' | 'zstd' | 'none';
}

interface Dep {
  name: string;
  evr: string;
  flags: number;
}

const rpmlib = (feature: string, evr: string): Dep => ({
  name: `rpmlib(${feature})`,
  evr,
  flags: Sense.RPMLIB | Sense.LESS | Sense.EQUAL,
});

function compareDeps(a: Dep, b: Dep): number {
  return Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)) || Buffer.compare(Buffer.from(a.evr), Buffer.from(b.evr)) || a.flags - b.flags;
}

/** Sorted, without exact duplicates. */
function mergeDeps(list: Dep[]): Dep[] {
  const sorted = [...list].sort(compareDeps);
  return sorted.filter((d, i) => i === 0 || compareDeps(d, sorted[i - 1] as Dep) !== 0);
}

function interpreterArgv(s: { interpreter?: string | string[] }): string[] {
  const i = s.interpreter ?? '/bin/sh';
  return typeof i === 'string' ? [i] : i;
}

/** Script and interpreter tags of the scriptlets, and the requirements they add. */
function scriptParts(scripts: RpmSpecScriptlets): { entries: EntryValue[]; requires: Dep[] } {
  const entries: EntryValue[] = [];
  const requires: Dep[] = [];
  for (const [stage, tags] of Object.entries(SCRIPTLET_TAGS)) {
    const s = scripts[stage as keyof RpmSpecScriptlets];
    if (!s) continue;
    const { body: scriptTag, prog: progTag, sense } = tags;
    const argv = interpreterArgv(s);
    const prog = argv[0] ?? '/bin/sh';
    if (argv.length === 1) entries.push({ tag: progTag, type: TagType.STRING, value: prog });
    else entries.push({ tag: progTag, type: TagType.STRING_ARRAY, value: argv });
    if (s.script !== '') entries.push({ tag: scriptTag, type: TagType.STRING, value: s.script });
    if (prog === '<lua>') requires.push(rpmlib('BuiltinLuaScripts', '4.2.2-1'));
    else requires.push({ name: prog, evr: '', flags: Sense.INTERP | sense });
    if (argv.length > 1) requires.push(rpmlib('ScriptletInterpreterArgs', '4.0.3-1'));
  }
  return { entries, requires };
}

const toDep = (d: RpmSpecDependency): Dep => ({ name: d.name, evr: d.evr ?? '', flags: d.flags ?? 0 });

/**
 * The dependency tags (all kinds) and scriptlet tags of `spec`, completed like rpmbuild does.
 * `spec` must be validated.
 */
export function dependencyEntries(spec: RpmSpec, ctx: DependencyContext): EntryValue[] {
  const lists = {} as Record<RpmSpecDependencyKind, Dep[]>;
  for (const kind of SPEC_DEPENDENCY_KINDS) lists[kind] = (spec[kind] ?? []).map(toDep);
  const scripts = scriptParts(spec.scripts ?? {});
  lists.requires.push(...scripts.requires);
  const triggers = fileTriggerParts(spec.fileTriggers ?? []);
  lists.requires.push(...triggers.requires);

  const evr = packageEvr(spec);
  lists.provides.push({ name: spec.name, evr, flags: Sense.EQUAL });
  // rpmbuild: a package with %config files provides and requires config(NAME) = EVR
  if ((spec.files ?? []).some((f) => ((f.flags ?? 0) & FileFlag.CONFIG) !== 0)) {
    const config: Dep = { name: `config(${spec.name})`, evr, flags: Sense.CONFIG | Sense.EQUAL };
    lists.provides.push(config);
    lists.requires.push({ ...config });
  }
  const isa = ISA[spec.arch];
  if (!ctx.source && isa !== undefined) lists.provides.push({ name: `${spec.name}(${isa})`, evr, flags: Sense.EQUAL });

  const all = SPEC_DEPENDENCY_KINDS.flatMap((k) => lists[k]);
  const features: Dep[] = [rpmlib('CompressedFileNames', '3.0.4-1'), rpmlib('FileDigests', '4.6.0-1')];
  if (!ctx.source) features.push(rpmlib('PayloadFilesHavePrefix', '4.0-1'));
  if (ctx.compressor === 'zstd') features.push(rpmlib('PayloadIsZstd', '5.4.18-1'));
  if (all.some((d) => d.evr.includes('~'))) features.push(rpmlib('TildeInVersions', '4.10.0-1'));
  if (all.some((d) => d.evr.includes('^'))) features.push(rpmlib('CaretInVersions', '4.15.0-1'));
  if (all.some((d) => d.name.startsWith('('))) features.push(rpmlib('RichDependencies', '4.12.0-1'));
  lists.requires.push(...features);

  const entries: EntryValue[] = [...scripts.entries, ...triggers.entries];
  for (const kind of SPEC_DEPENDENCY_KINDS) {
    const deps = mergeDeps(lists[kind]);
    if (deps.length === 0) continue;
    const [nameTag, flagsTag, versionTag] = DEP_TAGS[kind];
    entries.push(
      { tag: nameTag, type: TagType.STRING_ARRAY, value: deps.map((d) => d.name) },
      { tag: flagsTag, type: TagType.INT32, value: deps.map((d) => d.flags) },
      { tag: versionTag, type: TagType.STRING_ARRAY, value: deps.map((d) => d.evr) },
    );
  }
  return entries;
}
