/**
 * rpm's version segment comparison (rpmio/rpmvercmp.c in rpm 4.18), the ordering used for every
 * epoch, version and release string.
 *
 * Terminology:
 * - segment: a maximal run of ASCII digits (numeric segment) or ASCII letters (alpha segment).
 * - separator: any other character except `~` and `^`; separators only split segments, so
 *   `1.0`, `1_0` and `1+0` are equal.
 * - tilde `~`: sorts before everything, even the end of the string (`1.0~rc1 < 1.0`).
 * - caret `^`: sorts after the end of the string but before anything else
 *   (`1.0 < 1.0^git1 < 1.0.1`).
 */

/** Result of a three-way comparison: -1 if a < b, 0 if equal, 1 if a > b. */
export type Ordering = -1 | 0 | 1;

const TILDE = 0x7e;
const CARET = 0x5e;
/** Returned by {@link charAt} past the end, like C's terminating NUL. */
const END = 0;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** The code unit at `i`, or {@link END} past the end. */
function charAt(s: string, i: number): number {
  return i < s.length ? s.charCodeAt(i) : END;
}

/** Index of the first character at or after `i` that is alphanumeric, `~`, `^` or the end. */
function skipSeparators(s: string, i: number): number {
  let j = i;
  for (let c = charAt(s, j); c !== END; c = charAt(s, ++j)) {
    if (isDigit(c) || isAlpha(c) || c === TILDE || c === CARET) break;
  }
  return j;
}

/** Index just past the run of characters matching `inClass` that starts at `i`. */
function scanRun(s: string, i: number, inClass: (c: number) => boolean): number {
  let j = i;
  while (j < s.length && inClass(s.charCodeAt(j))) j++;
  return j;
}

/** rpm works on C strings: anything after an embedded NUL is not part of the value. */
function asCString(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/** Compares one numeric segment pair: leading zeros are ignored, then more digits wins. */
function compareDigits(a: string, b: string): Ordering {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return x.length > y.length ? 1 : -1;
  return x === y ? 0 : x > y ? 1 : -1;
}

/**
 * Compares two version (or release, or epoch) strings exactly as rpm 4.18's `rpmvercmp()`.
 *
 * The strings are walked segment by segment: numeric segments compare as integers of any length
 * (leading zeros ignored), alpha segments compare bytewise (`Z` < `a`), and a numeric segment is
 * newer than an alpha one. Separators are skipped. `~` sorts before anything (even the end of
 * the string) and `^` sorts after the end of the string but before any other segment. When all
 * shared segments are equal, the string with segments left over is newer.
 *
 * Non-ASCII characters are separators, as in rpm. An embedded NUL ends the string.
 *
 * @returns -1 if `a` is older than `b`, 0 if they are the same version, 1 if `a` is newer.
 */
export function rpmvercmp(a: string, b: string): Ordering {
  const x = asCString(a);
  const y = asCString(b);
  if (x === y) return 0;

  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    i = skipSeparators(x, i);
    j = skipSeparators(y, j);
    const cx = charAt(x, i);
    const cy = charAt(y, j);

    if (cx === TILDE || cy === TILDE) {
      if (cx !== TILDE) return 1;
      if (cy !== TILDE) return -1;
      i++;
      j++;
      continue;
    }
    if (cx === CARET || cy === CARET) {
      if (cx === END) return -1;
      if (cy === END) return 1;
      if (cx !== CARET) return 1;
      if (cy !== CARET) return -1;
      i++;
      j++;
      continue;
    }
    if (cx === END || cy === END) break;

    // The segment type is decided by `x`; `y` may have no segment of that type here.
    const numeric = isDigit(cx);
    const inClass = numeric ? isDigit : isAlpha;
    const endX = scanRun(x, i, inClass);
    const endY = scanRun(y, j, inClass);
    if (endY === j) return numeric ? 1 : -1;

    const segX = x.slice(i, endX);
    const segY = y.slice(j, endY);
    const order = numeric ? compareDigits(segX, segY) : segX === segY ? 0 : segX > segY ? 1 : -1;
    if (order !== 0) return order;
    i = endX;
    j = endY;
  }

  const leftX = charAt(x, i) !== END;
  const leftY = charAt(y, j) !== END;
  if (!leftX && !leftY) return 0;
  return leftX ? 1 : -1;
}
