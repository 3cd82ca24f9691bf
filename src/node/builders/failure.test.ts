/** Failure reasons from rpm and rpmbuild output. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { missingDependenciesReason, rpmbuildFailureReason, unmetDependencies } from './failure.ts';

test('missing build dependencies are named one by one', () => {
  const out = 'error: Failed build dependencies:\n\tlibgreet-devel >= 1.0 is needed by greeter-1.0-1.el9.x86_64\n\tfoo is needed by greeter-1.0-1.el9.x86_64\n';
  const unmet = unmetDependencies(out);
  assert.deepEqual(unmet, [
    { requirement: 'libgreet-devel >= 1.0', neededBy: 'greeter-1.0-1.el9.x86_64' },
    { requirement: 'foo', neededBy: 'greeter-1.0-1.el9.x86_64' },
  ]);
  assert.equal(missingDependenciesReason(unmet.map((u) => ({ ...u, neededBy: null }))), 'missing build dependencies: libgreet-devel >= 1.0, foo');
  assert.equal(missingDependenciesReason([{ requirement: 'libx.so.1()(64bit)', neededBy: 'x-devel-1-1.x86_64' }]), 'missing build dependencies: libx.so.1()(64bit) (needed by x-devel-1-1.x86_64)');
});

test('a failed stage is named, with what it printed last (shell traces left out)', () => {
  const out = [
    'Executing(%prep): /bin/bash -e /build/top/tmp/rpm-tmp.a',
    'prep output',
    'Executing(%build): /bin/bash -e /build/top/tmp/rpm-tmp.b',
    '+ umask 022',
    'make: *** [Makefile:3: all] Error 1',
    '+ exit 1',
    'error: Bad exit status from /build/top/tmp/rpm-tmp.b (%build)',
    '    Bad exit status from /build/top/tmp/rpm-tmp.b (%build)',
  ].join('\n');
  assert.equal(rpmbuildFailureReason(out, 1), 'rpmbuild failed in %build: make: *** [Makefile:3: all] Error 1');
});

test("rpmbuild's own errors, or the last lines", () => {
  assert.equal(rpmbuildFailureReason('error: Architecture is not included: x86_64\n', 1), 'rpmbuild failed: Architecture is not included: x86_64');
  assert.equal(rpmbuildFailureReason('something odd\n', 2), 'rpmbuild failed (exit 2): something odd');
  assert.equal(rpmbuildFailureReason('', null), 'rpmbuild failed (exit by signal)');
});
