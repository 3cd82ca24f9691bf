/** targetArches: BuildArch, ExcludeArch and ExclusiveArch against a platform's arches. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { targetArches, type SrpmArchInfo } from './arches.ts';

const info = (over: Partial<SrpmArchInfo> = {}): SrpmArchInfo => ({ buildArchs: [], excludeArch: [], exclusiveArch: [], ...over });
const el = ['x86_64', 'aarch64', 'ppc64le', 's390x', 'noarch'];

test('an arch package builds for every real arch of the platform, in its order', () => {
  assert.deepEqual(targetArches(info(), el), ['x86_64', 'aarch64', 'ppc64le', 's390x']);
  assert.deepEqual(targetArches(info(), ['x86_64', 'noarch']), ['x86_64']);
});

test('noarch builds once, whatever the platform arches', () => {
  assert.deepEqual(targetArches(info({ buildArchs: ['noarch'] }), el), ['noarch']);
  assert.deepEqual(targetArches(info({ buildArchs: ['noarch'] }), ['x86_64']), ['noarch']);
});

test('ExclusiveArch keeps, ExcludeArch removes', () => {
  assert.deepEqual(targetArches(info({ exclusiveArch: ['x86_64', 'aarch64', 'riscv64'] }), el), ['x86_64', 'aarch64']);
  assert.deepEqual(targetArches(info({ excludeArch: ['s390x', 'ppc64le'] }), el), ['x86_64', 'aarch64']);
  assert.deepEqual(targetArches(info({ exclusiveArch: ['x86_64', 'aarch64'], excludeArch: ['aarch64'] }), el), ['x86_64']);
  assert.deepEqual(targetArches(info({ exclusiveArch: ['s390x'] }), ['x86_64', 'noarch']), []);
});

test('noarch with ExcludeArch noarch or an ExclusiveArch the platform lacks builds nowhere', () => {
  assert.deepEqual(targetArches(info({ buildArchs: ['noarch'], excludeArch: ['noarch'] }), el), []);
  assert.deepEqual(targetArches(info({ buildArchs: ['noarch'], exclusiveArch: ['riscv64'] }), el), []);
  assert.deepEqual(targetArches(info({ buildArchs: ['noarch'], exclusiveArch: ['x86_64'] }), el), ['noarch']);
  assert.deepEqual(targetArches(info({ buildArchs: ['noarch'], exclusiveArch: ['noarch'] }), el), ['noarch']);
});

test('a BuildArch list of real arches keeps only those', () => {
  assert.deepEqual(targetArches(info({ buildArchs: ['aarch64', 's390x'] }), el), ['aarch64', 's390x']);
});
