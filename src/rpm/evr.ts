/**
 * Epoch:version-release strings, parsed and compared as rpm 4.18 does (rpmio/rpmver.c).
 *
 * Terminology:
 * - EVR: `[epoch:]version[-release]`, e.g. `1:2.0-3`, `2.0-3`, `2.0`.
 * - epoch: the leading run of digits when a `:` follows it; `:2.0` has epoch 0. A string without
 *   that prefix has no epoch (null), which compares as epoch 0.
 * - release: whatever follows the last `-` after the epoch; `2.0-` has an empty release, which
 *   counts as no release when comparing ranges.
 */
import { rpmvercmp } from './vercmp.ts';
import type { Ordering } from './vercmp.ts';

/** A parsed EVR. `epoch` and `release` are null when the string has none. */
export interface Evr {
  epoch: number | null;
  version: string;
  release: string | null;
}

/**
 * A parsed EVR keeping the epoch as its digits, so that epochs of any size compare exactly.
 * This is the form rpm itself compares.
 */
export interface EvrParts {
  epoch: string | null;
  version: string;
  release: string | null;
}

/** rpm works on C strings: anything after an embedded NUL is not part of the value. */
function asCString(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/**
 * Splits `[epoch:]version[-release]` exactly as rpm's `parseEVR()`: the epoch is the leading
 * digits if a `:` follows them (an empty epoch becomes `"0"`), the release is everything after
 * the last `-` that follows the epoch. Nothing is rejected: `a:1` is a version, `1:2:3` has
 * version `2:3`, `2.0-` has release `""`.
 */
export function splitEvr(evr: string): EvrParts {
  const s = asCString(evr);
  let digitsEnd = 0;
  while (digitsEnd < s.length && s.charCodeAt(digitsEnd) >= 0x30 && s.charCodeAt(digitsEnd) <= 0x39) {
    digitsEnd++;
  }
  const dash = s.lastIndexOf('-');
  const hasRelease = dash >= digitsEnd;
  const body = hasRelease ? s.slice(0, dash) : s;
  const release = hasRelease ? s.slice(dash + 1) : null;
  if (s.charAt(digitsEnd) === ':') {
    const digits = s.slice(0, digitsEnd);
    return { epoch: digits === '' ? '0' : digits, version: body.slice(digitsEnd + 1), release };
  }
  return { epoch: null, version: body, release };
}

/**
 * Parses `[epoch:]version[-release]` as rpm does (see {@link splitEvr}), e.g. `1:2.0-3` →
 * `{ epoch: 1, version: '2.0', release: '3' }` and `2.0` → `{ epoch: null, version: '2.0',
 * release: null }`. Epochs above `Number.MAX_SAFE_INTEGER` lose precision here; compare the
 * strings (or {@link splitEvr}'s result) to stay exact.
 */
export function parseEvr(evr: string): Evr {
  const parts = splitEvr(evr);
  return { ...parts, epoch: parts.epoch === null ? null : Number(parts.epoch) };
}

/** Formats an EVR back to `[epoch:]version[-release]` (rpm's `rpmverEVR()`). */
export function formatEvr(evr: Evr | EvrParts): string {
  const epoch = evr.epoch === null ? '' : `${evr.epoch}:`;
  const release = evr.release === null ? '' : `-${evr.release}`;
  return `${epoch}${evr.version}${release}`;
}

/** Normalizes either input form to {@link EvrParts}. Numeric epochs must be whole numbers. */
export function toEvrParts(evr: string | Evr | EvrParts): EvrParts {
  if (typeof evr === 'string') return splitEvr(evr);
  if (typeof evr.epoch === 'number') return { ...evr, epoch: BigInt(evr.epoch).toString() };
  return { ...evr, epoch: evr.epoch };
}

/** A release that takes part in comparisons: present and not empty. */
export function hasRelease(evr: EvrParts): boolean {
  return evr.release !== null && evr.release !== '';
}

/**
 * Compares two EVRs the way rpm compares the two sides of a dependency range (the first half of
 * `rpmverOverlap()`, used by `rpmdsCompare()`): a missing epoch is 0, versions compare with
 * {@link rpmvercmp}, and releases compare only when both sides have one, so `2.0` equals
 * `2.0-3` (a missing release matches any release).
 *
 * This is not a total order (`2.0-1` = `2.0` = `2.0-2`); to sort packages use
 * {@link compareEvrOrder}.
 */
export function compareEvr(a: string | Evr | EvrParts, b: string | Evr | EvrParts): Ordering {
  const x = toEvrParts(a);
  const y = toEvrParts(b);
  // Epochs are digit strings, for which rpmvercmp is an exact integer comparison.
  const byEpoch = rpmvercmp(x.epoch ?? '0', y.epoch ?? '0');
  if (byEpoch !== 0) return byEpoch;
  const byVersion = rpmvercmp(x.version, y.version);
  if (byVersion !== 0) return byVersion;
  if (hasRelease(x) && hasRelease(y)) return rpmvercmp(x.release ?? '', y.release ?? '');
  return 0;
}

/** rpmverCmp's `compare_values()`: null sorts before any string. */
function compareOptional(a: string | null, b: string | null): Ordering {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  return rpmvercmp(a, b);
}

/**
 * Total order of EVRs, as rpm's `rpmverCmp()` (what `rpm.vercmp()` in rpm's Lua uses): a missing
 * epoch is 0, then versions, then releases, where a missing release sorts before any release
 * (even an empty one), so `2.0` < `2.0-1`.
 */
export function compareEvrOrder(a: string | Evr | EvrParts, b: string | Evr | EvrParts): Ordering {
  const x = toEvrParts(a);
  const y = toEvrParts(b);
  return (
    compareOptional(x.epoch ?? '0', y.epoch ?? '0') ||
    compareOptional(x.version, y.version) ||
    compareOptional(x.release, y.release)
  );
}
