/** A platform's lifecycle state and lag on a given day, and the refusal the release system uses. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DistforgeError } from '../errors.ts';
import { EndOfLifeError, lagDays, lifecycleStatus, platformLifecycleState, refuseIfEndOfLife } from './lifecycle.ts';
import type { Platform } from './types.ts';

const at = (day: string, time = '12:00:00'): number => Date.parse(`${day}T${time}Z`);
const el94: Pick<Platform, 'name' | 'lifecycle'> = {
  name: 'el-9.4',
  lifecycle: { version: '9.4', releaseDate: '2024-05-06', upstreamReleaseDate: '2024-04-30', endOfActiveSupport: '2027-05-31', endOfSecuritySupport: '2032-05-31' },
};

test('supported through the last day of active support, security-only through the last day of security support, then end-of-life (UTC days)', () => {
  assert.equal(platformLifecycleState(el94, at('2024-05-06')), 'supported');
  assert.equal(platformLifecycleState(el94, at('2027-05-31', '23:59:59')), 'supported');
  assert.equal(platformLifecycleState(el94, at('2027-06-01', '00:00:00')), 'security-only');
  assert.equal(platformLifecycleState(el94, at('2032-05-31', '23:59:59')), 'security-only');
  assert.equal(platformLifecycleState(el94, at('2032-06-01', '00:00:00')), 'end-of-life');
});

test('without end dates a platform is supported; with only the security end, it has no security-only phase', () => {
  assert.equal(platformLifecycleState({}, at('2099-01-01')), 'supported');
  assert.equal(platformLifecycleState({ lifecycle: { version: '8' } }, at('2099-01-01')), 'supported');
  const onlyEnd = { lifecycle: { version: '8', endOfSecuritySupport: '2029-05-31' } };
  assert.equal(platformLifecycleState(onlyEnd, at('2029-05-31')), 'supported');
  assert.equal(platformLifecycleState(onlyEnd, at('2029-06-01')), 'end-of-life');
});

test('lag: days from the upstream release to ours, null when either date is missing', () => {
  assert.equal(lagDays(el94.lifecycle), 6);
  assert.equal(lagDays({ version: '9.0', releaseDate: '2022-05-26', upstreamReleaseDate: '2022-05-17' }), 9);
  assert.equal(lagDays({ version: '9.5', releaseDate: '2024-11-13', upstreamReleaseDate: '2024-11-13' }), 0);
  assert.equal(lagDays({ version: '9', releaseDate: '2024-05-06' }), null);
  assert.equal(lagDays(undefined), null);
  assert.deepEqual(lifecycleStatus(el94, at('2030-01-01')), { state: 'security-only', lagDays: 6, asOf: '2030-01-01' });
});

test('refuseIfEndOfLife: a typed 409 naming the platform and the date, only once the platform is end-of-life', () => {
  refuseIfEndOfLife(el94, at('2032-05-31'));
  refuseIfEndOfLife({ name: 'no-dates' }, at('2099-01-01'));
  assert.throws(() => refuseIfEndOfLife(el94, at('2032-06-01')), (e: unknown) => {
    assert.ok(e instanceof EndOfLifeError && e instanceof DistforgeError);
    assert.equal(e.status, 409);
    assert.equal(e.code, 'end_of_life');
    assert.equal(e.message, 'platform el-9.4 reached its end of life on 2032-05-31');
    assert.equal(e.platform, 'el-9.4');
    assert.equal(e.endOfLife, '2032-05-31');
    return true;
  });
});
