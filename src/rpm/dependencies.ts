/**
 * Dependencies of a package, read from the header's parallel NAME/FLAGS/VERSION tag triples.
 *
 * Terminology:
 * - sense: rpm's flag word of a dependency (RPMSENSE_*): comparison bits plus qualifiers such as
 *   pre/post (scriptlet prerequisites), interp (interpreter) and rpmlib.
 * - rich dependency: a boolean expression such as `(foo or bar)`, kept as written in `name`.
 */
import { RpmFormatError } from './errors.ts';
import { parseEvr } from './evr.ts';
import type { Header } from './header.ts';
import { Sense, Tag } from './tags.ts';

/** Comparison operator of a versioned dependency, as createrepo_c writes it. */
export type DepFlag = 'EQ' | 'LT' | 'LE' | 'GT' | 'GE';

/** Qualifiers of a requirement (from its sense bits). */
export type DepQualifier = 'pre' | 'post' | 'preun' | 'postun' | 'pretrans' | 'posttrans' | 'interp' | 'verify' | 'rpmlib' | 'missingok';

export interface RpmDependency {
  name: string;
  flags: DepFlag | null;
  epoch: number | null;
  version: string | null;
  release: string | null;
  /** The raw sense word. */
  sense: number;
  qualifiers: DepQualifier[];
}

/** The dependency kinds of a package and the tags each lives in (name, flags, version). */
export const DEPENDENCY_KINDS = {
  requires: [Tag.REQUIRENAME, Tag.REQUIREFLAGS, Tag.REQUIREVERSION],
  provides: [Tag.PROVIDENAME, Tag.PROVIDEFLAGS, Tag.PROVIDEVERSION],
  conflicts: [Tag.CONFLICTNAME, Tag.CONFLICTFLAGS, Tag.CONFLICTVERSION],
  obsoletes: [Tag.OBSOLETENAME, Tag.OBSOLETEFLAGS, Tag.OBSOLETEVERSION],
  recommends: [Tag.RECOMMENDNAME, Tag.RECOMMENDFLAGS, Tag.RECOMMENDVERSION],
  suggests: [Tag.SUGGESTNAME, Tag.SUGGESTFLAGS, Tag.SUGGESTVERSION],
  supplements: [Tag.SUPPLEMENTNAME, Tag.SUPPLEMENTFLAGS, Tag.SUPPLEMENTVERSION],
  enhances: [Tag.ENHANCENAME, Tag.ENHANCEFLAGS, Tag.ENHANCEVERSION],
  orderwithrequires: [Tag.ORDERNAME, Tag.ORDERFLAGS, Tag.ORDERVERSION],
} as const;
export type DependencyKind = keyof typeof DEPENDENCY_KINDS;

const QUALIFIER_BITS: [DepQualifier, number][] = [
  ['pre', Sense.SCRIPT_PRE | Sense.PREREQ],
  ['post', Sense.SCRIPT_POST],
  ['preun', Sense.SCRIPT_PREUN],
  ['postun', Sense.SCRIPT_POSTUN],
  ['pretrans', Sense.PRETRANS],
  ['posttrans', Sense.POSTTRANS],
  ['interp', Sense.INTERP],
  ['verify', Sense.SCRIPT_VERIFY],
  ['rpmlib', Sense.RPMLIB],
  ['missingok', Sense.MISSINGOK],
];

/** Maps the comparison bits of a sense word to createrepo_c's flag names. */
export function senseToFlag(sense: number): DepFlag | null {
  switch (sense & (Sense.LESS | Sense.GREATER | Sense.EQUAL)) {
    case Sense.EQUAL:
      return 'EQ';
    case Sense.LESS:
      return 'LT';
    case Sense.LESS | Sense.EQUAL:
      return 'LE';
    case Sense.GREATER:
      return 'GT';
    case Sense.GREATER | Sense.EQUAL:
      return 'GE';
    default:
      return null;
  }
}

const FLAG_OPERATORS: Record<DepFlag, string> = { EQ: '=', LT: '<', LE: '<=', GT: '>', GE: '>=' };

/** The dependency as rpm prints it (`%{REQUIRENEVRS}`): `name`, or `name >= [E:]V[-R]`. */
export function formatDependency(d: Pick<RpmDependency, 'name' | 'flags' | 'epoch' | 'version' | 'release'>): string {
  if (!d.flags || d.version === null) return d.name;
  const evr = `${d.epoch !== null ? `${d.epoch}:` : ''}${d.version}${d.release !== null ? `-${d.release}` : ''}`;
  return `${d.name} ${FLAG_OPERATORS[d.flags]} ${evr}`;
}

/**
 * The parallel name, sense and version lists of one dependency kind, checked to be as long as each
 * other (flags and versions may be absent: []).
 */
export function readDependencyLists(h: Header, kind: DependencyKind): { names: string[]; flags: number[]; versions: string[] } {
  const [nameTag, flagsTag, versionTag] = DEPENDENCY_KINDS[kind];
  const names = h.strings(nameTag);
  if (names.length === 0) return { names, flags: [], versions: [] };
  const flags = h.numbers(flagsTag);
  const versions = h.strings(versionTag);
  if ((flags.length && flags.length !== names.length) || (versions.length && versions.length !== names.length)) {
    throw new RpmFormatError(`${kind}: ${names.length} names but ${flags.length} flags and ${versions.length} versions`, h.fileOffset);
  }
  return { names, flags, versions };
}

/** Reads one dependency kind from a header. */
export function readDependencies(h: Header, kind: DependencyKind): RpmDependency[] {
  const { names, flags, versions } = readDependencyLists(h, kind);
  return names.map((name, i) => {
    const sense = flags[i] ?? 0;
    const evr = versions[i] ?? '';
    const flag = evr === '' ? null : senseToFlag(sense);
    const parts = flag ? parseEvr(evr) : null;
    return {
      name,
      flags: flag,
      epoch: parts?.epoch ?? null,
      version: parts?.version ?? null,
      release: parts?.release ?? null,
      sense,
      qualifiers: QUALIFIER_BITS.filter(([, bits]) => (sense & bits) !== 0).map(([q]) => q),
    };
  });
}
