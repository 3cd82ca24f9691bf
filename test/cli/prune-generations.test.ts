/**
 * Old bundle generations (scripts/prune-generations.sh, run by bin/distforge when it bundles): one
 * that no process runs from and that has not changed for ten minutes is removed; the newest, one
 * a process still runs from (a long-running server loads chunks and worker modules long after it
 * started), and one changed recently are kept.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';

const SCRIPT = resolve(import.meta.dirname, '../../scripts/prune-generations.sh');
const tmp = mkdtempSync(join(tmpdir(), 'distforge-generations-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function generation(name: string, minutesOld: number): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'main.mjs'), '');
  const when = new Date(Date.now() - minutesOld * 60_000);
  utimesSync(dir, when, when);
  return dir;
}

test('unused old generations go; the newest, one in use and a recent one stay', async () => {
  const newest = generation('gen.newest', 120);
  const unused = generation('gen.unused', 60);
  const running = generation('gen.running', 60);
  const recent = generation('gen.recent', 2);
  // A process started from gen.running, as bin/distforge starts Node: the path on its command line.
  const user = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', join(running, 'main.mjs')], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 200));
    const r = spawnSync('bash', [SCRIPT, tmp, 'gen.newest'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      [newest, unused, running, recent].map((d) => existsSync(d)),
      [true, false, true, true],
    );
  } finally {
    user.kill();
  }
  await new Promise((r) => user.once('exit', r));
  assert.equal(spawnSync('bash', [SCRIPT, tmp, 'gen.newest']).status, 0);
  assert.equal(existsSync(running), false, 'removed once nothing runs from it');
});

test('a missing argument is refused', () => {
  const r = spawnSync('bash', [SCRIPT, tmp], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /usage: prune-generations\.sh BUILD KEEP/);
});
