/**
 * The master collecting the store's garbage by itself (`distforge server --store-gc-interval`):
 * started with an interval it deletes an old blob nothing names and keeps a young one; the
 * flags' bad values are refused in one line before anything starts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startServer } from '../../src/server/start.ts';
import { runCli } from '../support/cli.ts';
import { freshDatabaseUrl, TEST_DIALECT } from '../support/db.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-gc-loop-'));
after(() => rmSync(work, { recursive: true, force: true }));

test(`a master started with a garbage collection interval collects by itself (${TEST_DIALECT})`, async () => {
  const server = await startServer({ dataDir: join(work, 'data'), db: await freshDatabaseUrl(), host: '127.0.0.1', port: 0, logLevel: 'silent', storeGc: { intervalMs: 200, graceSeconds: 7200 } });
  try {
    const store = server.ctx.store;
    const old = await store.put(randomBytes(2000));
    const young = await store.put(randomBytes(2000));
    const at = new Date(Date.now() - 3 * 3600_000);
    utimesSync(store.localPath(old.sha256) ?? '', at, at);
    const end = Date.now() + 30_000;
    while (await store.has(old.sha256)) {
      assert.ok(Date.now() < end, 'the old blob is collected within 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(await store.has(young.sha256), true);
  } finally {
    await server.close();
  }
});

test('distforge server refuses bad garbage collection flags in one line', async () => {
  for (const [args, message] of [
    [['--store-gc-interval', '5x'], 'distforge: --store-gc-interval: "5x" is not a duration (for example 90m, 2h, 1d or 1h30m; a bare number is seconds)'],
    [['--store-gc-interval', '10s'], 'distforge: --store-gc-interval: at least 1m, not 10s'],
    [['--store-gc-interval', '6h', '--store-gc-grace', '5m'], 'distforge: --store-gc-grace: at least 1h (a blob just uploaded is recorded a moment later), not 5m'],
    [['--store-gc-grace', '2d'], 'distforge: --store-gc-grace needs --store-gc-interval'],
  ] as const) {
    const data = join(work, `refused-${args.join('')}`);
    const r = await runCli(['server', '--data', data, '--port', '0', ...args]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, `${message}\n`);
    assert.equal(r.stdout, '');
    assert.equal(existsSync(data), false, 'nothing was made');
  }
});
