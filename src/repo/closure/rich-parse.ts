/**
 * Parses rpm boolean (rich) dependencies such as `(foo >= 1.2 or (bar with baz))` the way libsolv
 * reads them from repodata (ext/pool_parserpmrichdep.c), accepting and rejecting exactly what it
 * accepts and rejects: dnf drops a requirement libsolv cannot parse, so the closure check must
 * drop the same ones.
 *
 * The grammar, as libsolv applies it:
 * - a group is `(` operand [op operand]… `)`; spaces (only ' ') around words are skipped.
 * - an operand is a nested group, or a name optionally followed by a relation made of the
 *   characters `<`, `=`, `>` (any order and count: `=>` is `>=`) and a version. A name or version
 *   runs to the next space, comma, or unbalanced `)`; parentheses inside it must balance
 *   (`foo(x86-64)`). A version starting with `0:` loses it (`0:1.0` is `1.0`).
 * - one group chains one operator: `(a and b and c)` is `a and (b and c)`; mixing operators in
 *   one group (`(a and b or c)`) is an error, except `else` after `if`/`unless`:
 *   `(a if b else c)` is `if(a, else(b, c))`.
 * - nothing may follow the outer `)`, not even a space.
 *
 * Terminology:
 * - chain operator: the operator already used in the current group, which later operators of the
 *   same group must repeat.
 */
import { UsageError } from '../../errors.ts';
import { Rel, richDep, simpleDep, type DepTree, type RichOp } from './dep-tree.ts';

const OPERATORS: ReadonlySet<string> = new Set<RichOp>(['and', 'or', 'if', 'unless', 'else', 'with', 'without']);

/** Why a rich dependency is rejected (internal; becomes a UsageError or a dropped dependency). */
class RichSyntaxError extends Error {}

function fail(why: string): never {
  throw new RichSyntaxError(why);
}

/** Index of the end of a name or version starting at `i` (see the grammar above). */
function wordEnd(s: string, i: number): number {
  let depth = 0;
  let j = i;
  for (; j < s.length; j++) {
    const c = s[j];
    if (c === ' ' || c === ',') break;
    if (c === ')') {
      if (depth <= 0) break;
      depth--;
    } else if (c === '(') depth++;
  }
  return j;
}

function skipSpaces(s: string, i: number): number {
  let j = i;
  while (s[j] === ' ') j++;
  return j;
}

/** The relation bits of a run of `<`, `=`, `>` at `i`, and where the run ends. */
function relationAt(s: string, i: number): { flags: number; end: number } {
  let flags = 0;
  let j = i;
  for (; j < s.length; j++) {
    const c = s[j];
    if (c === '<') flags |= Rel.LT;
    else if (c === '=') flags |= Rel.EQ;
    else if (c === '>') flags |= Rel.GT;
    else break;
  }
  return { flags, end: j };
}

/** A name with an optional relation and version, starting at `i`. */
function parseOperand(s: string, i: number): { tree: DepTree; end: number } {
  const nameEnd = wordEnd(s, i);
  if (nameEnd === i) fail(`a name is missing at offset ${i}`);
  const name = s.slice(i, nameEnd);
  let p = skipSpaces(s, nameEnd);
  const rel = relationAt(s, p);
  if (rel.flags === 0) return { tree: simpleDep(name), end: p };
  p = skipSpaces(s, rel.end);
  const evrEnd = wordEnd(s, p);
  let evrStart = p;
  if (evrEnd - evrStart > 2 && s.startsWith('0:', evrStart)) evrStart += 2;
  if (evrEnd === evrStart) fail(`a version is missing after the relation at offset ${rel.end}`);
  return { tree: simpleDep(name, rel.flags, s.slice(evrStart, evrEnd)), end: evrEnd };
}

/**
 * Parses the rest of a group from `i`: its first operand (after the opening parenthesis, which is
 * consumed here when `chain` is null), then `)` or an operator and the rest of the chain.
 */
function parseGroup(s: string, i: number, chain: RichOp | null): { tree: DepTree; end: number } {
  let p = i;
  if (chain === null) {
    if (s[p] !== '(') fail(`"(" expected at offset ${p}`);
    p++;
  }
  p = skipSpaces(s, p);
  if (s[p] === ')') fail(`empty group at offset ${p}`);
  const first = s[p] === '(' ? parseGroup(s, p, null) : parseOperand(s, p);
  p = skipSpaces(s, first.end);
  if (p >= s.length) fail('")" missing at the end');
  if (s[p] === ')') return { tree: first.tree, end: p + 1 };
  let wordStop = s.indexOf(' ', p);
  if (wordStop < 0) wordStop = s.length;
  const word = s.slice(p, wordStop);
  if (!OPERATORS.has(word)) fail(`unknown operator "${word}" at offset ${p}`);
  const op = word as RichOp;
  let expected = chain;
  if ((expected === 'if' || expected === 'unless') && op === 'else') expected = null;
  if (expected !== null && op !== expected) fail(`"${op}" cannot follow "${expected}" in the same group at offset ${p}; add parentheses`);
  const rest = parseGroup(s, wordStop, op);
  return { tree: richDep(op, first.tree, rest.tree), end: rest.end };
}

function parse(text: string): DepTree {
  const r = parseGroup(text, 0, null);
  if (r.end !== text.length) fail(`unexpected text after the closing ")" at offset ${r.end}`);
  return r.tree;
}

/**
 * Parses a rich dependency, or returns null where libsolv would reject it (and dnf would drop
 * the dependency).
 */
export function tryParseRichDependency(text: string): DepTree | null {
  try {
    return parse(text);
  } catch (e) {
    if (e instanceof RichSyntaxError) return null;
    throw e;
  }
}

/**
 * Parses a rich dependency given by a user.
 *
 * @throws UsageError naming what is wrong and where, when libsolv would reject it.
 */
export function parseRichDependency(text: string): DepTree {
  try {
    return parse(text);
  } catch (e) {
    if (e instanceof RichSyntaxError) throw new UsageError(`invalid rich dependency ${JSON.stringify(text)}: ${e.message}`);
    throw e;
  }
}
