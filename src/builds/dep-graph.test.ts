/** The item graph: which package of a build waits for which, and cycles named in order. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cyclicItems, explicitGraph, findCycle, itemGraph, reasonOf, requirementsOf, type GraphItem } from './dep-graph.ts';

const lib: GraphItem = { name: 'libgreet', buildRequires: ['gcc'], provides: ['libgreet = 1.0-1.el9', 'libgreet-devel = 1.0-1.el9', 'greet-headers = 2'] };
const app: GraphItem = { name: 'greeter', buildRequires: ['gcc', 'libgreet-devel >= 1.0'], provides: ['greeter = 2.0-1.el9'] };

test('a package waits for the package that provides its BuildRequires, whatever the order given', () => {
  assert.deepEqual(itemGraph([app, lib]), [[1], []]);
  assert.deepEqual(itemGraph([lib, app]), [[], [0]]);
});

test('versions count: a provide outside the required range is no dependency', () => {
  const picky: GraphItem = { name: 'picky', buildRequires: ['libgreet-devel >= 2.0'], provides: ['picky = 1-1'] };
  assert.deepEqual(itemGraph([lib, picky]), [[], []]);
  const headers: GraphItem = { name: 'h', buildRequires: ['greet-headers = 2'], provides: ['h = 1-1'] };
  assert.deepEqual(itemGraph([lib, headers]), [[], [0]]);
});

test('rich BuildRequires count every package they may pull in, not their conditions', () => {
  assert.deepEqual(requirementsOf('(libgreet-devel or foo >= 2)').map((d) => d.name), ['libgreet-devel', 'foo']);
  assert.deepEqual(requirementsOf('(libgreet-devel if bar)').map((d) => d.name), ['libgreet-devel']);
  const rich: GraphItem = { name: 'r', buildRequires: ['(greet-headers >= 1 with greet-headers < 3)'], provides: ['r = 1-1'] };
  assert.deepEqual(itemGraph([lib, rich]), [[], [0]]);
});

test('self-provided BuildRequires are no dependency; unreadable lines are ignored', () => {
  const boot: GraphItem = { name: 'boot', buildRequires: ['boot', '<<<'], provides: ['boot = 1-1'] };
  assert.deepEqual(itemGraph([boot]), [[]]);
});

test('cycles are found and named in order; explicit order never cycles', () => {
  const a: GraphItem = { name: 'a', buildRequires: ['b-devel'], provides: ['a-devel = 1'] };
  const b: GraphItem = { name: 'b', buildRequires: ['a-devel'], provides: ['b-devel = 1'] };
  const graph = itemGraph([lib, a, b]);
  assert.deepEqual(findCycle(graph), [1, 2, 1]);
  assert.equal(findCycle(itemGraph([lib, app])), null);
  assert.deepEqual(explicitGraph(3), [[], [0], [1]]);
  assert.equal(findCycle(explicitGraph(3)), null);
});

test('every item of a cycle is found, with a cycle through it; items only depending on a cycle are not in it', () => {
  const a: GraphItem = { name: 'a', buildRequires: ['b-devel'], provides: ['a-devel = 1'] };
  const b: GraphItem = { name: 'b', buildRequires: ['c-devel'], provides: ['b-devel = 1'] };
  const c: GraphItem = { name: 'c', buildRequires: ['a-devel'], provides: ['c-devel = 1'] };
  const user: GraphItem = { name: 'user', buildRequires: ['a-devel'], provides: ['user = 1'] };
  const x: GraphItem = { name: 'x', buildRequires: ['y'], provides: ['x = 1'] };
  const y: GraphItem = { name: 'y', buildRequires: ['x'], provides: ['y = 1'] };
  const cycles = cyclicItems(itemGraph([lib, a, b, c, user, x, y]));
  assert.deepEqual([...cycles.keys()].sort(), [1, 2, 3, 5, 6]);
  assert.deepEqual(cycles.get(1), [1, 2, 3, 1]);
  assert.deepEqual(cycles.get(3), [3, 1, 2, 3]);
  assert.deepEqual(cycles.get(5), [5, 6, 5]);
  assert.equal(cyclicItems(itemGraph([lib, app])).size, 0);
  assert.equal(cyclicItems(explicitGraph(4)).size, 0);
});

test('the reason a package waits is the BuildRequires the other provides', () => {
  assert.equal(reasonOf(app, lib), 'libgreet-devel >= 1.0');
  assert.equal(reasonOf(lib, app), null);
});
