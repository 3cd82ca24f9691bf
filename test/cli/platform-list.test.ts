/**
 * `distforge platform list` as a user runs it against a real master whose clock the test sets: a
 * release table (version, codename, upstream base, kernel, release dates, lag, both ends of
 * support, state on the master's day), and --json with the computed lifecycleStatus.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { LifecycleStatus } from '../../src/platforms/lifecycle.ts';
import type { StoredPlatform } from '../../src/platforms/types.ts';
import { runCli, type CliResult } from '../support/cli.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { examplePlatform, startTestServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let clock = Date.parse('2030-01-01T12:00:00Z');

const el8 = {
  name: 'example-el8',
  arches: ['x86_64', 'aarch64'],
  distTag: '.el8',
  lifecycle: { version: '8.10', codename: 'Example Leopard', upstreamBase: 'EL 8.10', kernel: '4.18.0-553.el8_10', releaseDate: '2024-05-28', upstreamReleaseDate: '2024-05-22', endOfActiveSupport: '2024-05-31', endOfSecuritySupport: '2029-05-31' },
};
const bare = { name: 'scratch', arches: ['x86_64'], distTag: '.scratch' };

before(async () => {
  server = await startTestServer({ platforms: [examplePlatform(), el8, bare], now: () => clock });
});
after(() => server.close());

const cli = (args: string[]): Promise<CliResult> => runCli(['platform', ...args, '--server', server.url], { env: { DISTFORGE_URL: '', DISTFORGE_TOKEN: '' } });

test(`platform list is the release table, with each platform's state on the master's day (${TEST_DIALECT})`, async () => {
  const r = await cli(['list']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(
    r.stdout,
    [
      'NAME         VERSION  CODENAME         UPSTREAM  KERNEL                 RELEASED    UPSTREAM RELEASED  LAG     ACTIVE SUPPORT TO  SECURITY SUPPORT TO  STATE          DIST      ARCHES',
      'example-el8  8.10     Example Leopard  EL 8.10   4.18.0-553.el8_10      2024-05-28  2024-05-22         6 days  2024-05-31         2029-05-31           end-of-life    .el8      x86_64,aarch64',
      'example-el9  9.4      Example Ocelot   EL 9.4    5.14.0-427.13.1.el9_4  2024-05-06  2024-04-30         6 days  2027-05-31         2032-05-31           security-only  .el9      x86_64,noarch',
      'scratch      -        -                -         -                      -           -                  -       -                  -                    supported      .scratch  x86_64',
      '',
    ].join('\n'),
  );
  clock = Date.parse('2026-03-01T00:00:00Z');
  const earlier = await cli(['list']);
  assert.match(earlier.stdout, /^example-el8 .* 2029-05-31 +security-only /m);
  assert.match(earlier.stdout, /^example-el9 .* 2032-05-31 +supported /m);
});

test('platform list --json: the definitions with lifecycleStatus; platform show leaves the computed fields out', async () => {
  clock = Date.parse('2030-01-01T12:00:00Z');
  const r = await cli(['list', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const platforms = JSON.parse(r.stdout) as (StoredPlatform & { lifecycleStatus: LifecycleStatus })[];
  assert.deepEqual(platforms.map((p) => [p.name, p.lifecycleStatus]), [
    ['example-el8', { state: 'end-of-life', lagDays: 6, asOf: '2030-01-01' }],
    ['example-el9', { state: 'security-only', lagDays: 6, asOf: '2030-01-01' }],
    ['scratch', { state: 'supported', lagDays: null, asOf: '2030-01-01' }],
  ]);
  assert.equal(platforms[0]?.lifecycle?.endOfSecuritySupport, '2029-05-31');
  const show = await cli(['show', 'example-el8', '--json']);
  assert.equal(show.code, 0, show.stderr);
  const shown = JSON.parse(show.stdout) as Record<string, unknown>;
  assert.deepEqual(shown.lifecycle, el8.lifecycle);
  assert.equal('lifecycleStatus' in shown, false, 'what show prints is a definition platform add takes');
});
