/**
 * GET /api/v1/builds/:id/logs/stream over real HTTP: what is stored arrives first, new chunks
 * while the task runs, task state changes as they happen, an `end` event once the task has ended;
 * a reconnecting client resumes after its Last-Event-ID; a private build needs a token; bad
 * cursors and unknown tasks are refused before the stream starts; and a server closing with
 * streams open closes at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BuildView } from '../../src/builds/index.ts';
import type { Task } from '../../src/db/schema.ts';
import { appendLog } from '../../src/scheduler/index.ts';
import { readEvents, type ServerEvent } from '../../src/ui/sse.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api } from '../support/server.ts';
import { makeGitRepo, SimNode, specOf, startBuildsServer, type BuildsServer } from './builds-support.ts';

const PLATFORM = 'example-el9';

/** An open event stream: the events so far, and a way to wait for one. */
class Stream {
  readonly events: ServerEvent[] = [];
  readonly done: Promise<void>;
  private waiters: (() => void)[] = [];
  private readonly ac = new AbortController();

  constructor(res: Response) {
    if (!res.body) throw new Error('no body');
    this.done = readEvents(res.body, (e) => {
      this.events.push(e);
      for (const w of this.waiters.splice(0)) w();
    }, this.ac.signal).finally(() => {
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Waits until `pred` holds for the events so far (the stream must not end first). */
  async until(what: string, pred: (events: ServerEvent[]) => boolean): Promise<void> {
    let ended = false;
    const stop = (): void => void (ended = true);
    void this.done.then(stop, stop);
    while (!pred(this.events)) {
      if (ended) throw new Error(`the stream ended before ${what}: ${JSON.stringify(this.events)}`);
      await Promise.race([new Promise<void>((r) => this.waiters.push(r)), this.done.catch(() => undefined)]);
    }
  }

  texts(): string[] {
    return this.events.filter((e) => e.event === 'chunk').map((e) => (JSON.parse(e.data) as { text: string }).text);
  }

  close(): void {
    this.ac.abort();
  }
}

describe(`the live log stream (${TEST_DIALECT})`, () => {
  let server: BuildsServer;
  let node: SimNode;
  const open: Stream[] = [];

  before(async () => {
    server = await startBuildsServer();
    node = await SimNode.create(server);
  });
  after(async () => {
    for (const s of open) s.close();
    await server.close();
  });

  /** A new build of one package and its leased srpm task. */
  async function runningTask(name: string, options: { public?: boolean } = {}): Promise<{ build: BuildView; task: Task }> {
    const repo = makeGitRepo(server.gitRoot, name, { [`${name}.spec`]: specOf(name) });
    const r = await api<BuildView>(server, 'POST', '/builds', { token: server.maintainer, body: { platforms: [PLATFORM], sources: [{ git: `${repo.url}#main` }], ...options } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const task = (await node.leaseAll()).find((t) => t.build_id === r.body.id);
    assert.ok(task);
    return { build: r.body, task };
  }

  async function connect(path: string, headers: Record<string, string> = {}): Promise<Stream> {
    const res = await fetch(`${server.url}/api/v1${path}`, { headers });
    assert.equal(res.status, 200, await (res.status === 200 ? Promise.resolve('') : res.text()));
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'no-cache, no-transform');
    const s = new Stream(res);
    open.push(s);
    return s;
  }

  test('stored chunks first, then each new one as the node sends it, then the end', async () => {
    const { build, task } = await runningTask('streamy', { public: true });
    await appendLog(server.ctx, node.id, task.id, 0, 'first line\n');
    // Anyone may follow a public build.
    const s = await connect(`/builds/${build.id}/logs/stream?task=${task.id}`);
    await s.until('the stored chunk', (ev) => ev.some((e) => e.event === 'chunk'));
    assert.deepEqual(s.events.slice(0, 2).map((e) => [e.event, JSON.parse(e.data)]), [
      ['task', { id: task.id, state: 'leased' }],
      ['chunk', { taskId: task.id, seq: 0, at: JSON.parse(s.events[1]?.data ?? '{}').at, text: 'first line\n' }],
    ]);
    assert.equal(s.events[1]?.id, '0');

    await appendLog(server.ctx, node.id, task.id, 1, 'second line\n');
    await s.until('the second chunk', () => s.texts().length === 2);
    await appendLog(server.ctx, node.id, task.id, 2, 'third ');
    await appendLog(server.ctx, node.id, task.id, 3, 'line\n');
    await s.until('four chunks', () => s.texts().length === 4);
    assert.equal(s.texts().join(''), 'first line\nsecond line\nthird line\n');

    await node.fail(task, 'rpmbuild failed: missing build dependencies: nothing-provides-this');
    await s.done;
    const tail = s.events.slice(-2).map((e) => [e.event, JSON.parse(e.data)]);
    assert.deepEqual(tail, [
      ['task', { id: task.id, state: 'failed' }],
      ['end', { state: 'failed', buildState: 'failed' }],
    ]);
  });

  test('a reconnecting client resumes after its Last-Event-ID; a finished task\'s whole log comes at once and ends', async () => {
    const { build, task } = await runningTask('resumy');
    for (let i = 0; i < 5; i++) await appendLog(server.ctx, node.id, task.id, i, `line ${i}\n`);
    await node.fail(task, 'stopped');
    const auth = { authorization: `Bearer ${server.reader}` };
    const all = await connect(`/builds/${build.id}/logs/stream?task=${task.id}`, auth);
    await all.done;
    assert.deepEqual(all.texts(), ['line 0\n', 'line 1\n', 'line 2\n', 'line 3\n', 'line 4\n']);
    assert.equal(all.events.at(-1)?.event, 'end');
    const resumed = await connect(`/builds/${build.id}/logs/stream?task=${task.id}`, { ...auth, 'last-event-id': '2' });
    await resumed.done;
    assert.deepEqual(resumed.texts(), ['line 3\n', 'line 4\n']);
    const later = await connect(`/builds/${build.id}/logs/stream?task=${task.id}&after=3`, auth);
    await later.done;
    assert.deepEqual(later.texts(), ['line 4\n']);
    // The whole build's stream: ids are cursors over every task.
    const whole = await connect(`/builds/${build.id}/logs/stream`, auth);
    await whole.done;
    assert.equal(whole.texts().length, 5);
    assert.equal(whole.events.filter((e) => e.event === 'chunk').at(-1)?.id, `${task.id}:4`);
  });

  test('a private build needs a token; bad cursors and tasks of other builds are refused before streaming', async () => {
    const { build, task } = await runningTask('privy', { public: false });
    const anonymous = await fetch(`${server.url}/api/v1/builds/${build.id}/logs/stream?task=${task.id}`);
    assert.equal(anonymous.status, 401);
    assert.equal(((await anonymous.json()) as { code: string }).code, 'unauthorized');
    const token = { token: server.reader };
    assert.equal((await api(server, 'GET', `/builds/${build.id}/logs/stream?task=999999`, token)).status, 404);
    assert.equal((await api(server, 'GET', `/builds/${build.id}/logs/stream?after=zzz`, token)).status, 400);
    assert.equal((await api(server, 'GET', `/builds/999999/logs/stream`, token)).status, 404);
    assert.equal((await api(server, 'GET', `/builds/${build.id}/logs/stream?task=${task.id}&after=99999999999`, token)).status, 400);
    await node.fail(task, 'done');
  });

  test('a client that goes away leaves the task undisturbed', async () => {
    const { build, task } = await runningTask('leavy', { public: true });
    const s = await connect(`/builds/${build.id}/logs/stream?task=${task.id}`);
    await s.until('the task event', (ev) => ev.length > 0);
    s.close();
    await s.done.catch(() => undefined);
    // The server notices on its next write; the task goes on and ends normally.
    await appendLog(server.ctx, node.id, task.id, 0, 'after the client left\n');
    await node.fail(task, 'done');
  });
});

describe('a master closing with log streams open', () => {
  test('ends them and closes without waiting for their tasks', async () => {
    const server = await startBuildsServer();
    try {
      const node = await SimNode.create(server);
      const repo = makeGitRepo(server.gitRoot, 'closy', { 'closy.spec': specOf('closy') });
      const r = await api<BuildView>(server, 'POST', '/builds', { token: server.maintainer, body: { platforms: [PLATFORM], sources: [{ git: `${repo.url}#main` }], public: true } });
      const task = (await node.leaseAll())[0];
      assert.ok(task);
      const res = await fetch(`${server.url}/api/v1/builds/${r.body.id}/logs/stream?task=${task.id}`);
      const s = new Stream(res);
      await s.until('the task event', (ev) => ev.length > 0);
      await server.close();
      await s.done.catch(() => undefined);
      assert.equal(s.events.at(-1)?.event, 'task', 'no end event: the task never ended, the stream was cut');
    } catch (e) {
      await server.close().catch(() => undefined);
      throw e;
    }
  });
});
