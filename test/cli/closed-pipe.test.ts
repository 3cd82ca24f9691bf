/**
 * The CLI's output read by a program that stops early (`distforge build show 1 | true`,
 * `build logs 1 | head -1`): the real CLI in a shell pipeline against a real master on 127.0.0.1.
 * A closed pipe is a quiet exit: status 0, nothing on standard error (it used to be an EPIPE stack
 * trace).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createNodeToken } from '../../src/auth/nodes.ts';
import { issueUserToken } from '../../src/auth/tokens.ts';
import { buildRpm } from '../../src/rpm/index.ts';
import { DISTFORGE } from '../support/cli.ts';
import { insertBuildItem, insertQueuedTask } from '../support/queued-tasks.ts';
import { api, examplePlatform, startTestServer, type TestServer } from '../support/server.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-closed-pipe-'));
let server: TestServer;
let buildId = 0;
const rpms: string[] = [];

before(async () => {
  server = await startTestServer({ platforms: [examplePlatform()] });
  const alice = await issueUserToken(server.ctx, 'alice', 'maintainer');
  const node = await createNodeToken(server.ctx, { name: 'n1', arches: ['x86_64'] });
  const item = await insertBuildItem(server.ctx, alice.userInfo.id, 'example-el9');
  buildId = item.buildId;
  const taskId = await insertQueuedTask(server.ctx, item, 'srpm', 'src');
  assert.equal((await api(server, 'POST', '/node/lease', { token: node.secret })).status, 200);
  // A log far longer than a pipe holds (64 KiB), so the writer is still writing when head leaves.
  const line = `${'x'.repeat(99)}\n`;
  for (let seq = 0; seq < 16; seq++) {
    const res = await fetch(`${server.url}/api/v1/node/tasks/${taskId}/log?seq=${seq}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${node.secret}`, 'content-type': 'text/plain' },
      body: line.repeat(640),
    });
    assert.equal(res.status, 204);
  }
  for (let i = 0; i < 40; i++) {
    const file = join(work, `p${i}-1-1.x86_64.rpm`);
    writeFileSync(file, buildRpm({ name: `p${i}`, version: '1', release: '1', arch: 'x86_64', summary: 's', description: 'd', license: 'MIT' }));
    rpms.push(file);
  }
});
after(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

/** `distforge ARGS | READER` in bash: distforge's exit status and standard error. */
function piped(args: string[], reader: string): Promise<{ code: number; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn('bash', ['-c', `"$0" "$@" | ${reader} >/dev/null; exit "\${PIPESTATUS[0]}"`, DISTFORGE, ...args], {
      env: { ...process.env, DISTFORGE_URL: server.url, DISTFORGE_TOKEN: server.adminToken },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? 1, stderr }));
  });
}

test('listing commands and rpm info end quietly when the reader has gone', async () => {
  const commands = [
    ['build', 'list'],
    ['build', 'show', String(buildId)],
    ['build', 'show', String(buildId), '--json'],
    ['node', 'list'],
    ['platform', 'list'],
    ['token', 'list'],
    ['key', 'list'],
    ['rpm', 'info', ...rpms],
  ];
  for (const args of commands) {
    const r = await piped(args, 'true');
    assert.deepEqual(r, { code: 0, stderr: '' }, args.slice(0, 3).join(' '));
  }
});

test('build logs | head -1: the rest of a long log is not wanted, and that is no error', async () => {
  const r = await piped(['build', 'logs', String(buildId)], 'head -1');
  assert.deepEqual(r, { code: 0, stderr: '' });
});

test('a command that fails still fails when nobody reads its output', async () => {
  const r = await piped(['rpm', 'info', join(work, 'missing.rpm')], 'true');
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `distforge: ${join(work, 'missing.rpm')}: no such file or directory\n`);
});
