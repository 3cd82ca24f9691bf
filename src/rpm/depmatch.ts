/**
 * Dependency matching as rpm 4.18 does it (`rpmdsCompare()` in lib/rpmds.c and
 * `rpmverOverlap()` in rpmio/rpmver.c): does a Provides satisfy a Requires?
 *
 * Terminology:
 * - dependency: a name with optional sense flags and EVR, e.g. `foo >= 1:2.0-3`.
 * - sense: the comparison bits of the flags, {@link Sense}.LESS | GREATER | EQUAL (rpm's
 *   RPMSENSE_SENSEMASK is 15, so bit 0 counts too). Other flag bits (pre, rpmlib, …) are ignored.
 * - range: the set of EVRs a dependency admits; two dependencies match when their names are
 *   equal and their ranges overlap.
 * - existence test: a dependency without sense bits (or without an EVR); it matches every
 *   dependency of the same name, versioned or not.
 */
import { RpmFormatError } from './errors.ts';
import { compareEvr, hasRelease, splitEvr } from './evr.ts';
import { Sense } from './tags.ts';

/** The flag bits that make up the comparison (rpm's RPMSENSE_SENSEMASK). */
export const SENSE_MASK = 15;

/** The version part of a dependency: sense flags and an EVR (`""` when unversioned). */
export interface DepRange {
  flags: number;
  evr: string;
}

/** A dependency: name, sense flags and EVR (`""` when unversioned). */
export interface Dependency extends DepRange {
  name: string;
}

/**
 * Whether two dependency ranges of the same name overlap, as rpm's `rpmdsCompare()`.
 *
 * - If either side has no sense bits or an empty EVR, they overlap (an unversioned Provides
 *   satisfies `foo > 5`, and an unversioned Requires is satisfied by any Provides).
 * - Otherwise the EVRs compare with {@link compareEvr} (missing epoch = 0; releases only when
 *   both sides have one). When versions are equal and exactly one side has a release, they
 *   overlap if the side without a release includes EQUAL (`foo > 1.0-1` vs `foo <= 1.0`).
 * - Then: a < b overlaps if a's range goes up (GREATER) or b's goes down (LESS); a > b the
 *   reverse; a = b if both share EQUAL, LESS or GREATER.
 *
 * The test is symmetric; e.g. `foo = 1:2.0-3` does not satisfy `foo < 2` (epoch 1 > 0).
 */
export function rangesOverlap(provide: DepRange, require: DepRange): boolean {
  const fa = provide.flags;
  const fb = require.flags;
  if ((fa & SENSE_MASK) === 0 || (fb & SENSE_MASK) === 0) return true;
  if (provide.evr === '' || require.evr === '') return true;

  const a = splitEvr(provide.evr);
  const b = splitEvr(require.evr);
  const sense = compareEvr(a, b);
  if (sense === 0 && hasRelease(a) !== hasRelease(b)) {
    // Same epoch and version, one side without a release: it covers every release if EQUAL.
    const bareFlags = hasRelease(a) ? fb : fa;
    if (bareFlags & Sense.EQUAL) return true;
  }
  if (sense < 0) return (fa & Sense.GREATER) !== 0 || (fb & Sense.LESS) !== 0;
  if (sense > 0) return (fa & Sense.LESS) !== 0 || (fb & Sense.GREATER) !== 0;
  const shared = fa & fb;
  return (shared & (Sense.EQUAL | Sense.LESS | Sense.GREATER)) !== 0;
}

/**
 * Whether a Provides satisfies a Requires: same name (exact, case-sensitive) and overlapping
 * ranges ({@link rangesOverlap}).
 */
export function satisfies(provide: Dependency, require: Dependency): boolean {
  return provide.name === require.name && rangesOverlap(provide, require);
}

/** Comparison operators of spec files and their sense flags (rpm's `rpmParseDSFlags()`). */
const OPERATORS: ReadonlyMap<string, number> = new Map([
  ['<', Sense.LESS],
  ['<=', Sense.LESS | Sense.EQUAL],
  ['=<', Sense.LESS | Sense.EQUAL],
  ['=', Sense.EQUAL],
  ['==', Sense.EQUAL],
  ['>=', Sense.GREATER | Sense.EQUAL],
  ['=>', Sense.GREATER | Sense.EQUAL],
  ['>', Sense.GREATER],
]);

/**
 * Parses one simple dependency as written in a spec file: `name` or `name OP evr`, with OP one
 * of `<`, `<=`, `=<`, `=`, `==`, `>=`, `=>`, `>`. Rich dependencies (`(a or b)`) are not simple.
 *
 * @throws RpmFormatError on an empty name, an unknown operator, a missing version or extra words.
 */
export function parseDependency(text: string): Dependency {
  const words = text.trim().split(/\s+/).filter((w) => w !== '');
  const [name, op, evr, ...rest] = words;
  if (name === undefined) throw new RpmFormatError('empty dependency');
  if (name.startsWith('(')) throw new RpmFormatError(`rich dependency not supported: ${text}`);
  if (op === undefined) return { name, flags: Sense.ANY, evr: '' };
  const flags = OPERATORS.get(op);
  if (flags === undefined) throw new RpmFormatError(`unknown dependency operator "${op}" in: ${text}`);
  if (evr === undefined) throw new RpmFormatError(`version required after "${op}" in: ${text}`);
  if (rest.length > 0) throw new RpmFormatError(`unexpected text after the version in: ${text}`);
  return { name, flags, evr };
}

/**
 * Formats a dependency as rpm prints it (`rpmdsNewDNEVR()`): the name, then `<`, `>`, `=` for
 * each sense bit set, then the EVR, e.g. `foo >= 1:2.0-3`.
 */
export function formatDependency(dep: Dependency): string {
  const parts: string[] = [];
  if (dep.name !== '') parts.push(dep.name);
  if (dep.flags & SENSE_MASK) {
    let op = '';
    if (dep.flags & Sense.LESS) op += '<';
    if (dep.flags & Sense.GREATER) op += '>';
    if (dep.flags & Sense.EQUAL) op += '=';
    parts.push(op);
  }
  if (dep.evr !== '') parts.push(dep.evr);
  return parts.join(' ');
}
