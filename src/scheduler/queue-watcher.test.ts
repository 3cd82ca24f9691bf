/**
 * QueueWatcher on a real database: waiting nodes are woken by queued tasks they can take (their
 * arch, or noarch/src), one node per task, first come first woken; waits end on timeout, abort
 * and close.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freshDatabaseUrl, TEST_DIALECT } from '../../test/support/db.ts';
import { QueueWatcher } from './queue-watcher.ts';
import { addBuild, addTask, addUser, openFixture, type Fixture } from './test-support.ts';

let f: Fixture;
before(async () => {
  f = await openFixture(await freshDatabaseUrl());
});
after(() => f.close());

async function clearQueue(): Promise<void> {
  await f.ctx.db.kysely.updateTable('tasks').set({ state: 'cancelled' }).where('state', '=', 'queued').execute();
}

test(`waiting nodes are woken by tasks of their arch, one per task (${TEST_DIALECT})`, async () => {
  await clearQueue();
  // The timer never fires here: the test looks at the queue itself (check()).
  const watcher = new QueueWatcher(f.ctx, 3_600_000);
  const build = await addBuild(f.ctx, await addUser(f.ctx, 'qw-owner'));
  const woken: string[] = [];
  const wait = (name: string, arches: string[]): Promise<string> =>
    watcher.wait(arches, 60_000).then((o) => {
      woken.push(`${name}:${o}`);
      return o;
    });
  const arm = wait('arm', ['aarch64']);
  const x1 = wait('x1', ['x86_64']);
  const x2 = wait('x2', ['x86_64']);
  await watcher.check();
  assert.equal(watcher.waiting, 3, 'nothing queued: nobody woken');
  await addTask(f.ctx, build, { arch: 'x86_64' });
  await watcher.check();
  assert.equal(await x1, 'work', 'the first x86_64 node in line is woken');
  assert.equal(watcher.waiting, 2, 'one task wakes one node');
  await clearQueue(); // x1 leased it
  await addTask(f.ctx, build, { arch: 'noarch' });
  await watcher.check();
  assert.equal(await arm, 'work', 'noarch wakes any node, first in line first');
  watcher.close();
  assert.equal(await x2, 'closed');
  assert.deepEqual(woken, ['x1:work', 'arm:work', 'x2:closed']);
});

test('a wait ends when aborted or when the watcher closes', async () => {
  await clearQueue();
  const watcher = new QueueWatcher(f.ctx, 5);
  const abort = new AbortController();
  const aborted = watcher.wait(['x86_64'], 10_000, abort.signal);
  const closing = watcher.wait(['x86_64'], 10_000);
  abort.abort();
  assert.equal(await aborted, 'aborted');
  watcher.close();
  assert.equal(await closing, 'closed');
  assert.equal(await watcher.wait(['x86_64'], 10_000), 'closed');
  assert.equal(watcher.waiting, 0);
});
