/** Which architectures provide on a machine (as dnf on x86_64 showed: i686 yes, aarch64 and athlon no). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { archFilter } from './arch-policy.ts';

test('x86_64 runs x86_64, the i?86 family and noarch; never source packages', () => {
  const f = archFilter('x86_64');
  assert.deepEqual(['x86_64', 'i686', 'i386', 'noarch', 'aarch64', 'athlon', 'src', 'nosrc', 'ppc64le'].map(f), [true, true, true, true, false, false, false, false, false]);
});

test('an unlisted machine runs only itself and noarch', () => {
  const f = archFilter('aarch64');
  assert.deepEqual(['aarch64', 'noarch', 'x86_64', 'src'].map(f), [true, true, false, false]);
  assert.deepEqual(['ppc64le', 'ppc64'].map(archFilter('ppc64le')), [true, false]);
});

test('without a machine every binary architecture provides', () => {
  const f = archFilter();
  assert.deepEqual(['aarch64', 'x86_64', 'whatever', 'src', 'nosrc'].map(f), [true, true, true, false, false]);
});
