/**
 * Prints a dependency the way dnf prints it (libsolv's `pool_dep2str()`), which is what
 * `dnf repoclosure` lists: `foo`, `foo >= 1.2-3`, `bar = 2:1.0`, `(a or (b with c))`.
 *
 * - The version is printed as libsolv stores it: an epoch of 0 is not shown (`foo >= 1.0` for
 *   `epoch="0" ver="1.0"` in primary.xml, and `(foo >= 1.0)` for `(foo >= 0:1.0)`).
 * - A chain of one operator prints flat: `(a and b and c)`, however it was nested;
 *   `if`, `unless` and `else` always parenthesise a nested group of their own kind
 *   (`(a if (b if c))`), except `else` right after `if`/`unless` (`(a if b else c)`).
 */
import type { DepTree, RichOp } from './dep-tree.ts';

/** libsolv's relation texts by relation bits (GT 1, EQ 2, LT 4). */
const RELATIONS = [' ! ', ' > ', ' = ', ' >= ', ' < ', ' <> ', ' <= ', ' <=> '] as const;

function format(tree: DepTree, parent: RichOp | null): string {
  if (tree.kind === 'simple') {
    if (tree.flags === 0) return tree.name;
    return `${tree.name}${RELATIONS[tree.flags & 7] ?? ' ??? '}${tree.evr}`;
  }
  const { op } = tree;
  const body = `${format(tree.left, op)} ${op} ${format(tree.right, op)}`;
  const sameChain = parent === op && op !== 'if' && op !== 'unless' && op !== 'else';
  const elseOfCondition = (parent === 'if' || parent === 'unless') && op === 'else';
  return sameChain || elseOfCondition ? body : `(${body})`;
}

/** The dependency as `dnf repoclosure` prints it. */
export function formatDep(tree: DepTree): string {
  return format(tree, null);
}
