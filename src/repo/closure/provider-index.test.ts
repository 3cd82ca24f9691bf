/** Provider lists: by name, by version, by file path, and through rich operators. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDep } from './dep-string.ts';
import { simpleDep, Rel } from './dep-tree.ts';
import { ProviderIndex, unionSorted } from './provider-index.ts';
import { parseRichDependency } from './rich-parse.ts';
import { pkg } from './test-support.ts';

const packages = [
  pkg('a', { provides: ['cap = 1.0-1', 'shared'], files: ['/usr/bin/a', '/opt/a/', '!/var/a.log'] }),
  pkg('b', { version: '2.0', provides: ['cap = 2.0-1', 'shared'], files: ['/usr/bin/b'] }),
  pkg('c', { arch: 'src', provides: ['cap'], files: ['c.spec'] }),
  pkg('d', { arch: 'aarch64', provides: ['shared'] }),
];

test('plain names, versions and self-provides', () => {
  const index = new ProviderIndex(packages);
  assert.deepEqual(index.providers(simpleDep('cap')), [0, 1]);
  assert.deepEqual(index.providers(simpleDep('shared')), [0, 1, 3]);
  assert.deepEqual(index.providers(simpleDep('cap', Rel.GT | Rel.EQ, '1.5')), [1]);
  assert.deepEqual(index.providers(simpleDep('b', Rel.EQ, '2.0')), [1]);
  assert.deepEqual(index.providers(simpleDep('c')), []);
});

test('files, directories and ghosts; only the paths asked for are indexed', () => {
  const all = new ProviderIndex(packages);
  assert.deepEqual(['/usr/bin/a', '/opt/a', '/var/a.log', '/c.spec', '/usr/bin/zz'].map((p) => all.providers(simpleDep(p))), [[0], [0], [0], [], []]);
  const some = new ProviderIndex(packages, { filePaths: new Set(['/usr/bin/b']) });
  assert.deepEqual(some.providers(simpleDep('/usr/bin/b')), [1]);
  assert.deepEqual(some.providers(simpleDep('/usr/bin/a')), []);
});

test('a machine architecture leaves foreign packages out', () => {
  assert.deepEqual(new ProviderIndex(packages, { arch: 'x86_64' }).providers(simpleDep('shared')), [0, 1]);
});

test('rich operators', () => {
  const index = new ProviderIndex(packages);
  const p = (text: string): readonly number[] => index.providers(parseRichDependency(text));
  assert.deepEqual(p('(a or b)'), [0, 1]);
  assert.deepEqual(p('(a and nothing)'), [0]);
  assert.deepEqual(p('(shared with cap >= 2)'), [1]);
  assert.deepEqual(p('(shared without cap >= 2)'), [0, 3]);
  assert.deepEqual(p('(nothing if a)'), []);
  assert.deepEqual(p('(a if nothing)'), [0]);
  assert.deepEqual(p('(nothing if a else b)'), [1]);
  assert.deepEqual(p('(nothing unless a else b)'), [1]);
  assert.deepEqual(p('(a else b)'), []);
  assert.equal(formatDep(parseRichDependency('(shared with cap >= 2)')), '(shared with cap >= 2)');
});

test('unionSorted merges without repeats', () => {
  assert.deepEqual(unionSorted([1, 3, 5], [2, 3, 6]), [1, 2, 3, 5, 6]);
  assert.deepEqual(unionSorted([], [4]), [4]);
});
