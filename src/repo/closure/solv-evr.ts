/**
 * EVR comparison and version-range matching as libsolv does them for rpm (src/evr.c
 * `pool_evrcmp_str()` and src/pool.c `pool_match_flags_evr()`), which decide whether dnf counts a
 * versioned Provides as satisfying a versioned Requires.
 *
 * Segment comparison is rpm's `rpmvercmp()` (libsolv's `solv_vercmp_rpm()` orders segments,
 * `~` and `^` the same way). Around it libsolv has its own rules:
 * - epoch: the leading digits when a `:` follows at least one digit. When only one side has an
 *   epoch, an all-zero epoch equals the missing one and any other epoch is greater.
 * - release: whatever follows the last `-`. In matching mode a release is compared only when both
 *   sides have one, and an empty release (`1.0-`) counts as none; when the versions are equal
 *   and only one side has a release the result is ±2 ("equal except for the release").
 *
 * Terminology:
 * - matching mode: libsolv's EVRCMP_MATCH_RELEASE, used for dependencies.
 * - order mode: EVRCMP_COMPARE, a total order (a missing release sorts first), used to sort.
 * - relation flags: see dep-tree.ts ({@link Rel}).
 */
import { rpmvercmp } from '../../rpm/vercmp.ts';
import { Rel } from './dep-tree.ts';

/** -1, 0, 1; in matching mode also -2 and 2 (equal but for the release, see above). */
export type EvrOrdering = -2 | -1 | 0 | 1 | 2;

interface Split {
  epoch: string | null;
  rest: string;
}

function splitEpoch(evr: string): Split {
  let i = 0;
  while (i < evr.length && evr.charCodeAt(i) >= 0x30 && evr.charCodeAt(i) <= 0x39) i++;
  if (i > 0 && evr[i] === ':') return { epoch: evr.slice(0, i), rest: evr.slice(i + 1) };
  return { epoch: null, rest: evr };
}

function splitRelease(rest: string): { version: string; release: string | null } {
  const dash = rest.lastIndexOf('-');
  return dash < 0 ? { version: rest, release: null } : { version: rest.slice(0, dash), release: rest.slice(dash + 1) };
}

/**
 * Compares two EVR strings as libsolv's `pool_evrcmp_str()`, in matching mode
 * (`match: true`, for dependencies) or order mode (`match: false`, for sorting).
 */
export function solvEvrCompare(a: string, b: string, match: boolean): EvrOrdering {
  if (a === b) return 0;
  const x = splitEpoch(a);
  const y = splitEpoch(b);
  if (x.epoch !== null && y.epoch !== null) {
    const r = rpmvercmp(x.epoch, y.epoch);
    if (r !== 0) return r;
  } else if (x.epoch !== null) {
    if (!/^0*$/.test(x.epoch)) return 1;
  } else if (y.epoch !== null) {
    if (!/^0*$/.test(y.epoch)) return -1;
  }
  const vx = splitRelease(x.rest);
  const vy = splitRelease(y.rest);
  const byVersion = rpmvercmp(vx.version, vy.version);
  if (byVersion !== 0) return byVersion;
  let rx = vx.release;
  let ry = vy.release;
  if (!match) {
    if (rx === null && ry !== null) return -1;
    if (rx !== null && ry === null) return 1;
  } else {
    if (rx === '') rx = null;
    if (ry === '') ry = null;
  }
  if (rx !== null && ry !== null) return rpmvercmp(rx, ry);
  if (match) {
    if (rx === null && ry !== null) return -2;
    if (rx !== null && ry === null) return 2;
  }
  return 0;
}

/**
 * Whether a versioned Provides (`pflags`, `pevr`) satisfies a versioned Requires (`flags`, `evr`),
 * as libsolv's `pool_match_flags_evr()`: relations pointing the same way always overlap, `<=>`
 * (all three bits) matches everything, a relation without bits matches nothing; otherwise the
 * EVRs are compared in matching mode, and a side without a release covers every release when it
 * includes `=`.
 */
export function solvRangesMatch(pflags: number, pevr: string, flags: number, evr: string): boolean {
  if (pflags === 0 || flags === 0 || pflags >= 8 || flags >= 8) return false;
  if (flags === 7 || pflags === 7) return true;
  if ((pflags & flags & (Rel.LT | Rel.GT)) !== 0) return true;
  if (pevr === evr) return (flags & pflags & Rel.EQ) !== 0;
  switch (solvEvrCompare(pevr, evr, true)) {
    case -2:
      return (pflags & Rel.EQ) !== 0;
    case -1:
      return (flags & Rel.LT) !== 0 || (pflags & Rel.GT) !== 0;
    case 0:
      return (flags & pflags & Rel.EQ) !== 0;
    case 1:
      return (flags & Rel.GT) !== 0 || (pflags & Rel.LT) !== 0;
    case 2:
      return (flags & Rel.EQ) !== 0;
  }
}
