/**
 * The rich dependency parser accepts and rejects what libsolv 0.7.23 does, and prints what dnf
 * prints; the expected texts were taken from `dnf repoclosure` runs on packages with these
 * requirements (test/repo/closure-dnf.test.ts repeats that comparison live).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UsageError } from '../../errors.ts';
import { formatDep } from './dep-string.ts';
import { Rel } from './dep-tree.ts';
import { parseRichDependency, tryParseRichDependency } from './rich-parse.ts';

function printed(text: string): string | null {
  const t = tryParseRichDependency(text);
  return t === null ? null : formatDep(t);
}

describe('rich dependencies libsolv accepts', () => {
  const cases: Array<[string, string]> = [
    ['(a or b)', '(a or b)'],
    ['( a4 or b4 )', '(a4 or b4)'],
    ['(a5  or   b5)', '(a5 or b5)'],
    ['((a1 and b1) and c1)', '(a1 and b1 and c1)'],
    ['(a1 and b1 and c1)', '(a1 and b1 and c1)'],
    ['(n12 and (n13 and n14))', '(n12 and n13 and n14)'],
    ['((nothing8 and nothing9) and (nothing10 or nothing11))', '(nothing8 and nothing9 and (nothing10 or nothing11))'],
    ['(a2 else b2)', '(a2 else b2)'],
    ['(a3 if b3 if c3)', '(a3 if (b3 if c3))'],
    ['(a if b else c)', '(a if b else c)'],
    ['(a7 if b7 else c7 else d7)', '(a7 if b7 else (c7 else d7))'],
    ['(a8 unless b8 unless c8)', '(a8 unless (b8 unless c8))'],
    ['(a unless b else c)', '(a unless b else c)'],
    ['(fprov(x86-64) = 1.0-1 with a9)', '(fprov(x86-64) = 1.0-1 with a9)'],
    ['(a11 or (b11 with c11) or (d11 without e11))', '(a11 or (b11 with c11) or (d11 without e11))'],
    ['(a12>=1 or b12)', '(a12>=1 or b12)'],
    ['(a13 => 1 or b13 =< 2 or c13 == 3)', '(a13 >= 1 or b13 <= 2 or c13 = 3)'],
    ['(a14 <=> 1 or b14 <> 2)', '(a14 <=> 1 or b14 <> 2)'],
    ['(a15 >= 00:1 or b15 >= 0:0:1)', '(a15 >= 00:1 or b15 >= 0:1)'],
    ['(n15 >= 0:1.0 or n16 < 1:2-3)', '(n15 >= 1.0 or n16 < 1:2-3)'],
    ['(foo >= 1.2 or bar)', '(foo >= 1.2 or bar)'],
    ['((a or b) with (c or d))', '((a or b) with (c or d))'],
    ['(a)', 'a'],
    ['(a >= 1)', 'a >= 1'],
    ['(x if (y or z))', '(x if (y or z))'],
  ];
  for (const [input, output] of cases) {
    test(`${input} prints as ${output}`, () => assert.equal(printed(input), output));
  }

  test('operands keep relation bits and versions; a chain nests to the right', () => {
    const t = parseRichDependency('(foo >= 1:2.0-3 and bar < 2 and baz)');
    assert.equal(t.kind, 'rich');
    if (t.kind !== 'rich') return;
    assert.equal(t.op, 'and');
    assert.deepEqual([t.left.kind, t.left.kind === 'simple' && t.left.flags, t.left.kind === 'simple' && t.left.evr], ['simple', Rel.GT | Rel.EQ, '1:2.0-3']);
    assert.equal(t.right.kind === 'rich' && t.right.op, 'and');
  });

  test('differently nested chains print alike but stay different dependencies', () => {
    const a = parseRichDependency('((a and b) and c)');
    const b = parseRichDependency('(a and b and c)');
    assert.equal(formatDep(a), formatDep(b));
    assert.notEqual(a.key, b.key);
    assert.equal(parseRichDependency('(a  and b and c)').key, b.key);
  });
});

describe('rich dependencies libsolv rejects (dnf drops them)', () => {
  const bad = [
    '(foo or)',
    '(a6 or b6 and c6)',
    '(a10 >= (x y) or b10)',
    '(a18 if b18 else c18 if d18)',
    '(a or b) ',
    '(a or b))',
    '()',
    '( )',
    '(a',
    'a or b',
    '(a or(b))',
    '(a nand b)',
    '(a >= )',
    '(a, b)',
    '(a or b',
  ];
  for (const text of bad) {
    test(JSON.stringify(text), () => {
      assert.equal(tryParseRichDependency(text), null);
      assert.throws(() => parseRichDependency(text), (e: unknown) => e instanceof UsageError && e.message.includes(JSON.stringify(text)));
    });
  }
});
