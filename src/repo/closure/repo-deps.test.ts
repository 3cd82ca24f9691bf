/**
 * Repodata entries read as libsolv reads them: EVR texts (epoch 0 dropped), relation bits, rich
 * names parsed or dropped, and the printed forms dnf shows for them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatDep } from './dep-string.ts';
import { Rel } from './dep-tree.ts';
import { depFromEntry, libsolvEvr, packageEvr } from './repo-deps.ts';
import { entry } from './test-support.ts';

describe('libsolvEvr', () => {
  test('epoch "0" and "" are left out, other epochs kept as written', () => {
    assert.equal(libsolvEvr('0', '1.0', '1'), '1.0-1');
    assert.equal(libsolvEvr('', '1.0', null), '1.0');
    assert.equal(libsolvEvr(null, '1.0', null), '1.0');
    assert.equal(libsolvEvr('2', '1.0', '1'), '2:1.0-1');
    assert.equal(libsolvEvr('00', '1.0', null), '00:1.0');
  });
  test('a version that looks like epoch:version keeps a 0: epoch; an empty release keeps its dash', () => {
    assert.equal(libsolvEvr('0', '1:2', null), '0:1:2');
    assert.equal(libsolvEvr('0', '1.0', ''), '1.0-');
  });
  test('package EVR', () => {
    assert.equal(packageEvr({ epoch: '0', version: '1.0', release: '1.el9' }), '1.0-1.el9');
    assert.equal(packageEvr({ epoch: '3', version: '1.0', release: '1.el9' }), '3:1.0-1.el9');
  });
});

describe('depFromEntry', () => {
  test('relations map to libsolv bits and print as dnf does', () => {
    const cases: Array<[string, number, string]> = [
      ['foo < 1.0', Rel.LT, 'foo < 1.0'],
      ['foo <= 0:1.0-2', Rel.LT | Rel.EQ, 'foo <= 1.0-2'],
      ['foo = 3:1.0', Rel.EQ, 'foo = 3:1.0'],
      ['foo >= 1.0', Rel.GT | Rel.EQ, 'foo >= 1.0'],
      ['foo > 1.0~rc1', Rel.GT, 'foo > 1.0~rc1'],
    ];
    for (const [text, flags, printed] of cases) {
      const d = depFromEntry(entry(text));
      assert.equal(d?.kind === 'simple' && d.flags, flags, text);
      assert.equal(d && formatDep(d), printed);
    }
  });
  test('unversioned names, rich names, malformed rich names', () => {
    assert.equal(formatDep(depFromEntry(entry('libc.so.6()(64bit)')) ?? assert.fail()), 'libc.so.6()(64bit)');
    assert.equal(depFromEntry(entry('(a or b)'))?.kind, 'rich');
    assert.equal(depFromEntry(entry('(a or)')), null);
  });
  test('a name with flags is never rich; a versioned entry without version text has the null EVR', () => {
    const d = depFromEntry({ name: '(a or b)', flags: 'GE', epoch: '0', version: '1', release: null, pre: false });
    assert.equal(d && formatDep(d), '(a or b) >= 1');
    const n = depFromEntry({ name: 'foo', flags: 'EQ', epoch: '0', version: null, release: null, pre: false });
    assert.equal(n && formatDep(n), 'foo = <NULL>');
  });
  test('the same dependency written differently is one dependency (same key)', () => {
    assert.equal(depFromEntry(entry('foo >= 0:1.0'))?.key, depFromEntry(entry('foo >= 1.0'))?.key);
    assert.equal(depFromEntry(entry('(foo >= 0:1.0)'))?.key, depFromEntry(entry('foo >= 1.0'))?.key);
    assert.notEqual(depFromEntry(entry('foo >= 1.0'))?.key, depFromEntry(entry('foo > 1.0'))?.key);
  });
});
