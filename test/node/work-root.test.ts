/**
 * A node's work directory across a kill -9, with `distforge node` as real processes against a real
 * master on 127.0.0.1: the killed node's task work directory (task-ID-ATTEMPT) stays behind; the
 * next node started on that work directory removes it. Two nodes never share a work directory:
 * the second is refused with one line while the first runs.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createNodeToken } from '../../src/auth/nodes.ts';
import { issueUserToken } from '../../src/auth/tokens.ts';
import { DISTFORGE, runCli } from '../support/cli.ts';
import { insertBuildItem, insertQueuedTask } from '../support/queued-tasks.ts';
import { examplePlatform, startTestServer, type TestServer } from '../support/server.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-work-root-'));
const workDir = join(work, 'node-work');
const children = new Set<ChildProcess>();
const sockets = new Set<Socket>();
let server: TestServer;
/** A git server that never answers: a task checking out from it stays in its work directory. */
let silentGit: Server;
let silentUrl = '';
let token = '';
let taskId = 0;

before(async () => {
  server = await startTestServer({ platforms: [examplePlatform()] });
  silentGit = createServer(() => undefined);
  silentGit.on('connection', (s) => sockets.add(s));
  await new Promise<void>((done) => silentGit.listen(0, '127.0.0.1', done));
  silentUrl = `http://127.0.0.1:${(silentGit.address() as { port: number }).port}/hello.git`;
  const alice = await issueUserToken(server.ctx, 'alice', 'maintainer');
  token = (await createNodeToken(server.ctx, { name: 'n1', arches: ['x86_64', 'noarch'] })).secret;
  const item = await insertBuildItem(server.ctx, alice.userInfo.id, 'example-el9');
  await server.ctx.db.kysely.updateTable('build_items').set({ git_url: silentUrl }).where('id', '=', item.itemId).execute();
  taskId = await insertQueuedTask(server.ctx, item, 'srpm', 'src');
});
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const s of sockets) s.destroy();
  silentGit.close();
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

function startNode(): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(DISTFORGE, ['node', '--server', server.url, '--token', token, '--work', workDir, '--arches', 'x86_64,noarch', '--wait', '1', '--log-level', 'warn'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.resume();
  children.add(child);
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => {
    children.delete(child);
    done(code);
  }));
  return { child, exited };
}

async function until(what: string, probe: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a node killed with -9 leaves its task work directory; the next node on that directory removes it', async () => {
  const first = startNode();
  const taskDir = join(workDir, `task-${taskId}-1`);
  await until('the task to start', () => existsSync(taskDir));

  const second = await runCli(['node', '--server', server.url, '--token', token, '--work', workDir, '--log-level', 'warn']);
  assert.equal(second.code, 1);
  assert.equal(second.stderr, `distforge: the work directory ${workDir} is used by another node (pid ${first.child.pid}); give each node its own --work directory\n`);

  first.child.kill('SIGKILL');
  await first.exited;
  assert.ok(existsSync(taskDir), 'the killed attempt left its work directory');
  // Not a task's work directory: kept.
  mkdirSync(join(workDir, 'notes'));
  writeFileSync(join(workDir, 'notes', 'keep.txt'), 'mine');

  const next = startNode();
  await until('the leftover work directory to be removed', () => !existsSync(taskDir));
  assert.ok(existsSync(join(workDir, 'notes', 'keep.txt')));
  next.child.kill('SIGTERM');
  assert.equal(await next.exited, 0);
  assert.deepEqual(readdirSync(workDir).filter((n) => n.startsWith('.node.lock')), [], 'the lock is given up');
});
