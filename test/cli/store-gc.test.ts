/**
 * `distforge store gc` as an admin runs it against a real server (bin/distforge): a dry run lists
 * each blob it would delete (sha256, size, age) and the space it would free, and deletes nothing;
 * `--json` prints the report; a run deletes and says what it freed; `--grace` takes durations.
 * Refusals are one line (exit 1) and change nothing: a duration that is not one or is too short,
 * a maintainer's token, a collection already running.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { runStoreGc, type StoreGcReport } from '../../src/blob-refs/index.ts';
import { runCli, type CliResult } from '../support/cli.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { startTestServer, userToken, type TestServer } from '../support/server.ts';

const HOUR = 3600_000;
let server: TestServer;
let maintainer: string;
let orphan: { sha256: string; size: number };
let middling: { sha256: string; size: number };

before(async () => {
  server = await startTestServer();
  maintainer = await userToken(server, 'max', 'maintainer');
  orphan = await server.ctx.store.put(randomBytes(3000));
  await server.ageBlob(orphan.sha256, 50 * HOUR);
  // Old enough for a grace of 2 h, not for the default day.
  middling = await server.ctx.store.put(randomBytes(100));
  await server.ageBlob(middling.sha256, 3 * HOUR);
});
after(async () => {
  await server.close();
});

function cli(args: string[], token = server.adminToken): Promise<CliResult> {
  return runCli(['store', 'gc', ...args, '--server', server.url, '--token', token], { env: { DISTFORGE_URL: '', DISTFORGE_TOKEN: '' } });
}

function assertRefused(r: CliResult, message: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0] ?? '', message);
}

test(`store gc --dry-run lists each blob with its size and age, and the space it would free (${TEST_DIALECT})`, async () => {
  const r = await cli(['--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^SHA256\s+SIZE\s+AGE$/);
  assert.match(lines[1] ?? '', new RegExp(`^${orphan.sha256}  2\\.9 KiB  2d2h$`));
  assert.equal(lines[2], 'would remove 1 blob, freeing 2.9 KiB; 2 blobs (3.0 KiB) in the store: 0 referenced, 1 younger than the grace period of 1d or written while a task ran');
  assert.equal(lines.length, 3);
  assert.equal(await server.ctx.store.has(orphan.sha256), true);
});

test('store gc --grace 2h --dry-run --json prints the report', async () => {
  const r = await cli(['--grace', '2h', '--dry-run', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as StoreGcReport;
  assert.equal(report.dryRun, true);
  assert.equal(report.graceSeconds, 7200);
  assert.deepEqual(report.blobs.map((b) => [b.sha256, b.size]), [[orphan.sha256, orphan.size], [middling.sha256, middling.size]]);
  assert.equal(report.bytes, orphan.size + middling.size);
});

test('bad durations, a maintainer and a collection already running are refused in one line; nothing is deleted', async () => {
  assertRefused(await cli(['--grace', '5x']), /^distforge: --grace: "5x" is not a duration \(for example 90m, 2h, 1d or 1h30m; a bare number is seconds\)$/);
  assertRefused(await cli(['--grace', '30m']), /^distforge: --grace: at least 1h .*not 30m$/);
  assertRefused(await cli(['--dry-run'], maintainer), /^distforge: this call needs the admin role; max is maintainer$/);
  let release = (): void => undefined;
  const gate = new Promise<void>((done) => (release = done));
  let listed = (): void => undefined;
  const holding = new Promise<void>((done) => (listed = done));
  const running = runStoreGc(server.ctx, { dryRun: true, onListed: async () => { listed(); await gate; } });
  await holding;
  try {
    assertRefused(await cli([]), /^distforge: another garbage collection of the artifact store is running \(on this master or another one sharing the database\); try again once it has finished$/);
  } finally {
    release();
  }
  await running;
  assert.equal(await server.ctx.store.has(orphan.sha256), true);
  assert.equal(await server.ctx.store.has(middling.sha256), true);
});

test('store gc deletes and says what it freed; again, there is nothing left', async () => {
  const r = await cli([]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^SHA256 +SIZE +AGE\\n${orphan.sha256}  2\\.9 KiB  2d2h\\nremoved 1 blob, freed 2\\.9 KiB; `));
  assert.equal(await server.ctx.store.has(orphan.sha256), false);
  assert.equal(await server.ctx.store.has(middling.sha256), true, 'younger than a day');
  const again = await cli(['--grace', '1d']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^nothing to remove; 1 blob \(100 B\) in the store: 0 referenced, 1 younger than the grace period of 1d or written while a task ran\n$/);
});
