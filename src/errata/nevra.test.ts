import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatNevra, parseNevra, sourceOf, type Nevra } from './nevra.ts';

test('NEVRAs parse into their parts; a 0 epoch is none; the normal form leaves it out', () => {
  assert.deepEqual(parseNevra('foo-1.0-1.el9.x86_64'), { name: 'foo', epoch: null, version: '1.0', release: '1.el9', arch: 'x86_64' });
  assert.deepEqual(parseNevra('python3-foo-bar-2:3.4~rc1-5.el9_4.1.noarch'), { name: 'python3-foo-bar', epoch: 2, version: '3.4~rc1', release: '5.el9_4.1', arch: 'noarch' });
  const zero = parseNevra('foo-0:1.0-1.src') as Nevra;
  assert.equal(zero.epoch, null);
  assert.equal(formatNevra(zero), 'foo-1.0-1.src');
  assert.equal(formatNevra({ name: 'a', epoch: 3, version: '1', release: '2', arch: 'i686' }), 'a-3:1-2.i686');
});

test('what is not a NEVRA says why', () => {
  for (const bad of ['foo', 'foo-1.0.x86_64', 'foo-1.0-1', '-1.0-1.x86_64', 'foo-1.0-1.x86 64', 'f o-1-1.x86_64', 'foo-1:-1.x86_64', `${'a'.repeat(600)}-1-1.x86_64`]) {
    const r = parseNevra(bad);
    assert.ok('problem' in r, bad);
  }
});

test('the source package comes from SOURCERPM, or is the package itself', () => {
  const bin = parseNevra('foo-libs-1.0-2.el9.x86_64') as Nevra;
  assert.deepEqual(sourceOf(bin, 'foo-1.0-2.el9.src.rpm'), { name: 'foo', version: '1.0', release: '2.el9' });
  assert.deepEqual(sourceOf(bin, null), { name: 'foo-libs', version: '1.0', release: '2.el9' });
  const src = parseNevra('foo-1.0-2.el9.src') as Nevra;
  assert.deepEqual(sourceOf(src, null), { name: 'foo', version: '1.0', release: '2.el9' });
});
