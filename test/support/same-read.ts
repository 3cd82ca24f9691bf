/** Checks that two reads of the same files (fragments.ts PackageFragments) agree: order, pkgIds, fragments, sizes and times. */
import assert from 'node:assert/strict';
import type { PackageFragments } from '../../src/repo/create/fragments.ts';

export function assertSameRead(got: readonly PackageFragments[], want: readonly PackageFragments[]): void {
  assert.equal(got.length, want.length);
  got.forEach((p, i) => {
    const w = want[i];
    assert.ok(w);
    assert.equal(p.found.href, w.found.href);
    assert.equal(p.pkgId, w.pkgId, p.found.href);
    for (const k of [0, 1, 2] as const) assert.deepEqual(Buffer.from(p.parts[k]), Buffer.from(w.parts[k]), `${p.found.href} part ${k}`);
    assert.deepEqual([p.found.size, p.found.mtime], [w.found.size, w.found.mtime], p.found.href);
  });
}
