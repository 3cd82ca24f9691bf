/**
 * `distforge up` started on a terminal, as a user sees it (the real bin/distforge on a
 * pseudo-terminal, with the tests' shared caches): while it starts, a status line says what it
 * is doing (the sign server's key, the bootstrap repository, the first build root) and for how
 * long; once it is up, only its usual lines are on the screen, the same lines it prints when its
 * output is piped, and it stops cleanly on SIGTERM.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { bootstrapRepo, TEST_CACHE } from '../support/bootstrap-repo.ts';
import { freePort, startUp, type RunningUp } from '../support/e2e.ts';
import { startTty, type RunningTty } from '../support/terminal.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-up-terminal-'));
let tty: RunningTty | undefined;
let piped: RunningUp | undefined;

after(async () => {
  if (tty) {
    try {
      tty.signal('SIGTERM');
    } catch {
      // it has ended
    }
    await tty.done;
  }
  await piped?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** up's lines with what differs between two starts (port, data directory, key) named instead. */
function general(lines: string[], data: string, port: string): string[] {
  return lines.map((l) => l.replaceAll(data, 'DATA').replaceAll(port, 'PORT').replace(/key [0-9A-F]{16}/g, 'key KEYID').replace(/keys\/[0-9A-F]{16}/g, 'keys/KEYID'));
}

test('up on a terminal: what it is doing while it starts, then only the lines it prints piped', { timeout: 600_000 }, async () => {
  await bootstrapRepo();
  const data = join(work, 'tty');
  const port = String(await freePort());
  tty = startTty(['up', '--data', data, '--port', port, '--cache', TEST_CACHE], { columns: 200, env: { LANG: 'C.UTF-8' }, timeoutMs: 600_000 });
  await tty.shows(/^. distforge up starting: preparing the sign server \(its key is made on the first start\) and the build node {2}\d+s, \d+s in all$/);
  await tty.shows(/^. distforge up starting: bootstrap repository: writing \S+\/repodata {2}\d+s, \d+s in all$/);
  await tty.shows(/^. distforge up starting: build root: @buildsys-build \(dnf resolves and installs it, unless cached\) {2}\d+s, \d+s in all$/);
  const upScreen = await tty.shows(/^ {2}try: /);
  assert.ok(!upScreen.some((l) => /starting:/.test(l)), `the status line is gone once it is up:\n${upScreen.join('\n')}`);

  piped = await startUp(join(work, 'piped'), 300_000);
  const pipedPort = new URL(piped.url).port;
  assert.ok(!piped.output().includes('\x1b'), 'piped: no escape sequence');
  assert.deepEqual(general(upScreen, data, port), general(piped.output().trimEnd().split('\n'), join(work, 'piped'), pipedPort), 'the same lines as piped');

  tty.signal('SIGTERM');
  const r = await tty.done;
  assert.equal(r.code, 0, r.raw);
  assert.deepEqual(r.screen.slice(-2), ['distforge stopping (SIGTERM)', 'distforge stopped']);
  tty = undefined;
});
