/**
 * Dependencies as libsolv holds them once a repository is loaded: a name, a name with a version
 * relation, or a boolean (rich) operator joining two dependencies. The closure check parses every
 * requirement and provide into this form, so that matching, printing and de-duplication all work
 * on the same structure libsolv's `Reldep` ids describe.
 *
 * Terminology:
 * - relation flags: libsolv's REL_GT (1), REL_EQ (2) and REL_LT (4) bits; `>=` is 3, `<=` is 6.
 *   0 means unversioned (a plain name). These are not rpm's RPMSENSE bits.
 * - rich (boolean) dependency: `(A and B)`, `(A or B)`, `(A if B)`, `(A if B else C)`,
 *   `(A unless B)`, `(A unless B else C)`, `(A with B)`, `(A without B)`; `else` is its own node,
 *   the right operand of `if`/`unless` (`if(A, else(B, C))`), as libsolv builds it.
 * - key: a string that identifies a dependency structurally. Two dependencies with the same key
 *   are the same libsolv id (dnf's sets of requirements de-duplicate by id, not by printed text:
 *   `((a and b) and c)` and `(a and b and c)` print alike but are two requirements).
 */

/** libsolv's comparison bits. */
export const Rel = {
  GT: 1,
  EQ: 2,
  LT: 4,
} as const;

/** A name, optionally with a version relation (`foo`, `foo >= 1.2-3`). */
export interface SimpleDep {
  kind: 'simple';
  name: string;
  /** {@link Rel} bits; 0 for an unversioned name. */
  flags: number;
  /** The EVR text as libsolv stores it (epoch 0 left out); "" when unversioned. */
  evr: string;
  key: string;
}

/** The boolean operators, as rpm spells them. */
export type RichOp = 'and' | 'or' | 'if' | 'unless' | 'else' | 'with' | 'without';

/** A boolean operator joining two dependencies. */
export interface RichDep {
  kind: 'rich';
  op: RichOp;
  left: DepTree;
  right: DepTree;
  key: string;
}

export type DepTree = SimpleDep | RichDep;

/** Makes a name or versioned dependency. */
export function simpleDep(name: string, flags = 0, evr = ''): SimpleDep {
  const key = flags === 0 ? `n\u0001${name}` : `v\u0001${name}\u0001${flags}\u0001${evr}`;
  return { kind: 'simple', name, flags, evr, key };
}

/** Makes a boolean dependency. */
export function richDep(op: RichOp, left: DepTree, right: DepTree): RichDep {
  return { kind: 'rich', op, left, right, key: `(${left.key}\u0002${op}\u0002${right.key})` };
}
