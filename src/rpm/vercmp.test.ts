import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rpmvercmp } from './vercmp.ts';
import type { Ordering } from './vercmp.ts';
import { compareEvr, compareEvrOrder, formatEvr, parseEvr, splitEvr } from './evr.ts';
import { formatDependency, parseDependency, rangesOverlap, satisfies } from './depmatch.ts';
import type { Dependency } from './depmatch.ts';
import { Sense } from './tags.ts';
import { RpmFormatError } from './errors.ts';
import { SeededRandom, askRpmDependencies, askRpmLua, nearbyVersion, randomVersion } from '../../test/support/vercmp-oracle.ts';

/** [a, b, rpmvercmp(a, b)]; each is also checked reversed, and against rpm itself. */
const VECTORS: readonly [string, string, Ordering][] = [
  ['1.0', '1.0', 0],
  ['1.0', '1.1', -1],
  ['3.2', '3.2.0', -1], // more segments wins
  ['3.2.', '3.2', 0], // a trailing separator is not a segment
  ['1.10', '1.9', 1], // numeric, not lexical
  ['1.010', '1.10', 0], // leading zeros ignored
  ['1.000', '1.0', 0],
  ['1.0001', '1.0039', -1],
  ['123456789012345678901234567890', '123456789012345678901234567891', -1], // no overflow
  ['2.0b', '2.0', 1], // extra alpha segment still newer
  ['2.0b', '2.0a', 1],
  ['2.0B', '2.0a', -1], // bytewise: uppercase first
  ['2.0ab', '2.0b', -1],
  ['2.0abc', '2.0ab', 1],
  ['2a', '2.1', -1], // alpha segment older than numeric one
  ['abc', '1', -1],
  ['r2', 'r10', -1],
  ['7.1p3', '7.1p12', -1],
  ['1.0.rc1', '1.0', 1], // rc as its own segment is newer: why ~ exists
  ['1_0', '1.0', 0], // separators are all alike
  ['1+0', '1-0', 0],
  ['x+', 'x_', 0],
  ['_', '.', 0],
  ['1.é', '1', 0], // non-ASCII is a separator
  ['1..0', '1.0', 0], // empty segment
  ['1.0~rc1', '1.0', -1], // tilde sorts before the end
  ['1.0~rc1', '1.0~rc2', -1],
  ['1.0~~', '1.0~', -1],
  ['1.0~rc1~pre', '1.0~rc1', -1],
  ['1.0~rc1', '1.0~', 1],
  ['1.0~a', '0.9', 1],
  ['1.0~', '1.0~', 0],
  ['1.0^', '1.0', 1], // caret sorts after the end
  ['1.0^git3', '1.0', 1],
  ['1.0^git3', '1.0.1', -1], // but before another segment
  ['1.0^git3', '1.0a', -1],
  ['1.0^git3', '1.0^git12', -1],
  ['1.0^2017', '1.0^git', 1],
  ['1.0^', '1.0~', 1],
  ['1.0^~', '1.0^', -1],
  ['1.0~rc1^g1', '1.0~rc1', 1],
  ['1.0~rc1^g1', '1.0', -1],
  ['1.0^g1~pre', '1.0^g1', -1],
  ['1.0^g1~pre', '1.0', 1],
  ['', '', 0],
  ['', '.', 0],
  ['', '0', -1],
  ['', 'a', -1],
  ['', '~', 1],
  ['', '^', -1],
  ['1\0zzz', '1', 0], // C string: a NUL ends it
];

test('rpmvercmp: hand-written vectors, both directions', () => {
  for (const [a, b, want] of VECTORS) {
    assert.equal(rpmvercmp(a, b), want, `rpmvercmp(${a}, ${b})`);
    assert.equal(rpmvercmp(b, a), want === 0 ? 0 : -want, `rpmvercmp(${b}, ${a})`);
  }
});

test('parseEvr / formatEvr / compareEvr: documented cases', () => {
  assert.deepEqual(parseEvr('1:2.0-3'), { epoch: 1, version: '2.0', release: '3' });
  assert.deepEqual(parseEvr('2.0'), { epoch: null, version: '2.0', release: null });
  assert.deepEqual(parseEvr('2.0-3'), { epoch: null, version: '2.0', release: '3' });
  assert.deepEqual(parseEvr(':2.0'), { epoch: 0, version: '2.0', release: null });
  assert.deepEqual(parseEvr('2.0-'), { epoch: null, version: '2.0', release: '' });
  assert.deepEqual(parseEvr('1:2-3-4'), { epoch: 1, version: '2-3', release: '4' });
  assert.deepEqual(parseEvr('a:1'), { epoch: null, version: 'a:1', release: null });
  assert.deepEqual(parseEvr(''), { epoch: null, version: '', release: null });
  assert.deepEqual(splitEvr('0099:1'), { epoch: '0099', version: '1', release: null });
  assert.equal(formatEvr(parseEvr('1:2.0-3')), '1:2.0-3');
  assert.equal(formatEvr(parseEvr('2.0')), '2.0');

  assert.equal(compareEvr('1:2.0-3', '2'), 1); // epoch 1 beats any epoch-less version
  assert.equal(compareEvr('0:2.0', '2.0'), 0); // missing epoch is 0
  assert.equal(compareEvr('2.0', '2.0-3'), 0); // missing release matches any
  assert.equal(compareEvr('2.0-', '2.0-3'), 0); // so does an empty one
  assert.equal(compareEvr('2.0-2', '2.0-10'), -1);
  assert.equal(compareEvr('99999999999999999999:1', '99999999999999999998:2'), 1);
  assert.equal(compareEvr({ epoch: 2, version: '1', release: null }, '1:5'), 1);
  assert.equal(compareEvrOrder('2.0', '2.0-3'), -1); // total order: no release sorts first
  assert.equal(compareEvrOrder('2.0-', '2.0'), 1);
  assert.equal(compareEvrOrder('0:2.0-3', '2.0-3'), 0);
});

test('rpmvercmp, parseEvr and compareEvrOrder agree with rpm 4.18 on thousands of inputs', () => {
  const rng = new SeededRandom(20240518);
  const pairs: [string, string][] = VECTORS.filter(([a, b]) => a !== '' && b !== '' && !a.includes('\0'))
    .map(([a, b]) => [a, b]);
  while (pairs.length < 4000) {
    const a = randomVersion(rng);
    pairs.push([a, rng.next() < 0.6 ? nearbyVersion(rng, a) : randomVersion(rng)]);
  }
  const evrs: string[] = [];
  for (let i = 0; i < 1500; i++) {
    const epoch = rng.pick(['', '', '0:', '1:', '01:', ':', '12:']);
    const release = rng.pick(['', '', '-1', '-2.el9', '-', `-${randomVersion(rng)}`]);
    evrs.push(epoch + randomVersion(rng) + release);
  }
  const orderPairs = evrs.map((a, i): [string, string] => [a, i % 3 === 0 ? nearbyVersion(rng, a) : rng.pick(evrs)]);

  const answers = askRpmLua([
    ...pairs.map(([a, b]) => ['V', a, b]),
    ...evrs.map((s) => ['P', s]),
    ...orderPairs.map(([a, b]) => ['O', a, b]),
  ]);
  const mismatches: string[] = [];
  let k = 0;
  for (const [a, b] of pairs) {
    const ours = String(rpmvercmp(a, b));
    if (answers[k++] !== ours) mismatches.push(`rpmvercmp(${a}, ${b}): rpm ${answers[k - 1]}, ours ${ours}`);
  }
  const show = (s: string | null): string => (s === null ? '-' : `=${s}`);
  for (const s of evrs) {
    const p = splitEvr(s);
    const ours = [show(p.epoch), show(p.version), show(p.release)].join('\t');
    if (answers[k++] !== ours) mismatches.push(`parse(${s}): rpm ${answers[k - 1]}, ours ${ours}`);
    if (parseEvr(s).epoch !== (p.epoch === null ? null : Number(p.epoch))) mismatches.push(`epoch(${s})`);
  }
  for (const [a, b] of orderPairs) {
    const ours = String(compareEvrOrder(a, b));
    if (answers[k++] !== ours) mismatches.push(`compareEvrOrder(${a}, ${b}): rpm ${answers[k - 1]}, ours ${ours}`);
  }
  assert.deepEqual(mismatches.slice(0, 20), []);
  // The generator must exercise every outcome, or the comparison proves little.
  for (const outcome of ['-1', '0', '1']) assert.ok(answers.slice(0, pairs.length).includes(outcome));
});

const dep = (text: string): Dependency => parseDependency(text);

test('satisfies: hand-checked rpm behaviours', () => {
  assert.equal(satisfies(dep('foo = 1:2.0-3'), dep('foo < 2')), false); // epoch 1 > none
  assert.equal(satisfies(dep('foo = 1:2.0-3'), dep('foo > 2')), true);
  assert.equal(satisfies(dep('foo = 2.0-3'), dep('foo = 2.0')), true); // release wildcard
  assert.equal(satisfies(dep('foo = 2.0-3'), dep('foo < 2.0')), false);
  assert.equal(satisfies(dep('foo = 2.0'), dep('foo >= 2.0-3')), true); // provide has no release
  assert.equal(satisfies(dep('foo > 1.0-1'), dep('foo <= 1.0')), true); // 1.0-2 fits both
  assert.equal(satisfies(dep('foo > 1.0-1'), dep('foo < 1.0')), false);
  assert.equal(satisfies(dep('foo'), dep('foo > 5')), true); // unversioned provide
  assert.equal(satisfies(dep('foo = 1'), dep('foo')), true);
  assert.equal(satisfies(dep('foo = 1'), dep('Foo')), false); // names are case-sensitive
  assert.equal(satisfies(dep('foo = 1.0~rc1'), dep('foo >= 1.0')), false);
  assert.equal(satisfies(dep('foo = 1.0^git1'), dep('foo > 1.0')), true);
  assert.equal(satisfies(dep('foo < 1'), dep('foo < 0.5')), true); // both unbounded below
  assert.equal(satisfies(dep('foo = 0:1'), dep('foo = 1')), true);
  // Only the sense bits count; other flag bits (pre, rpmlib…) are ignored.
  const pre = { name: 'foo', flags: Sense.GREATER | Sense.PREREQ, evr: '2' };
  assert.equal(satisfies(dep('foo = 3'), pre), true);
  assert.equal(satisfies(dep('foo = 1'), pre), false);
  // Flags with no sense bit, or an empty EVR, are existence tests.
  assert.equal(rangesOverlap({ flags: Sense.PREREQ, evr: '9' }, { flags: Sense.LESS, evr: '1' }), true);
  assert.equal(rangesOverlap({ flags: Sense.EQUAL, evr: '' }, { flags: Sense.LESS, evr: '1' }), true);
  // LESS|GREATER ("not equal", not writable in a spec) matches everything but equality.
  const ne = { flags: Sense.LESS | Sense.GREATER, evr: '2' };
  assert.equal(rangesOverlap({ flags: Sense.EQUAL, evr: '2' }, ne), false);
  assert.equal(rangesOverlap({ flags: Sense.EQUAL, evr: '3' }, ne), true);
});

test('parseDependency / formatDependency', () => {
  assert.deepEqual(dep('  foo   >=  1:2.0-3 '), { name: 'foo', flags: Sense.GREATER | Sense.EQUAL, evr: '1:2.0-3' });
  assert.deepEqual(dep('foo =< 2'), { name: 'foo', flags: Sense.LESS | Sense.EQUAL, evr: '2' });
  assert.deepEqual(dep('foo == 2'), { name: 'foo', flags: Sense.EQUAL, evr: '2' });
  assert.deepEqual(dep('libc.so.6()(64bit)'), { name: 'libc.so.6()(64bit)', flags: 0, evr: '' });
  assert.equal(formatDependency(dep('foo =>  2')), 'foo >= 2');
  assert.equal(formatDependency({ name: 'foo', flags: Sense.LESS | Sense.GREATER, evr: '2' }), 'foo <> 2');
  assert.equal(formatDependency(dep('foo')), 'foo');
  for (const bad of ['', 'foo >=', 'foo ~> 1', 'foo = 1 2', '(a or b)']) {
    assert.throws(() => dep(bad), RpmFormatError, bad);
  }
});

test('rangesOverlap agrees with rpm 4.18 (rpmbuild + rpm -i --test) on random ranges', () => {
  const rng = new SeededRandom(7);
  const ops = ['', '<', '<=', '=', '>=', '>'];
  const randomDep = (): Dependency => {
    const op = rng.pick(ops);
    if (op === '') return { name: 'x', flags: 0, evr: '' };
    const epoch = rng.pick(['', '', '', '0:', '1:', '01:', ':']);
    const version = rng.pick(['1.0', '1.0', '1.00', '1.0.1', '2', '1.0~rc1', '1.0^p1', '1', '0.9']);
    const release = rng.pick(['', '', '-1', '-2', '-1.el9', '-', '-1~a', '-10']);
    return { ...dep(`x ${op} ${epoch}${version}${release}`), name: 'x' };
  };
  const pairs = Array.from({ length: 2500 }, () => ({ provide: randomDep(), require: randomDep() }));
  const rpmSays = askRpmDependencies(pairs);
  const mismatches = pairs.flatMap(({ provide, require }, i) =>
    rangesOverlap(provide, require) === rpmSays[i]
      ? []
      : [`${formatDependency(provide)} vs ${formatDependency(require)}: rpm ${String(rpmSays[i])}`],
  );
  assert.deepEqual(mismatches.slice(0, 20), []);
  assert.ok(rpmSays.includes(true) && rpmSays.includes(false));
});
