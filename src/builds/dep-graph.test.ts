/** The item graph: which package of a build waits for which, and cycles named in order. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explicitGraph, findCycle, itemGraph, requirementsOf, type GraphItem } from './dep-graph.ts';

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
