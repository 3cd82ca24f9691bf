/**
 * `distforge build …` as a user runs it (the real bin/distforge) against a real master: submit
 * prints the id (or the build as JSON), --wait exits 0 or 1 with the build's outcome, show --json
 * has the documented shape, logs --follow streams until the end, cancel/retry/rebuild, and bad
 * input is one clear line with nothing created.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BuildView } from '../../src/builds/index.ts';
import { appendLog } from '../../src/scheduler/index.ts';
import { runCli, type CliResult } from '../support/cli.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { makeGitRepo, SimNode, specOf, startBuildsServer, type BuildsServer, type GitRepo } from '../server/builds-support.ts';

describe(`distforge build (${TEST_DIALECT})`, () => {
  let server: BuildsServer;
  let node: SimNode;
  let repo: GitRepo;

  before(async () => {
    server = await startBuildsServer();
    node = await SimNode.create(server);
    repo = makeGitRepo(server.gitRoot, 'clipkg', { 'clipkg.spec': specOf('clipkg') }, 'v1');
  });
  after(() => server.close());

  const cli = (args: string[], token = server.maintainer): Promise<CliResult> => runCli(['build', ...args], { env: { DISTFORGE_URL: server.url, DISTFORGE_TOKEN: token } });
  const builds = async (): Promise<number> => Number((await server.ctx.db.kysely.selectFrom('builds').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  /** Completes every task the node can lease (srpm tasks report x86_64), until `until` says stop. */
  async function drive(until: () => boolean, fail = false): Promise<void> {
    while (!until()) {
      for (const t of await node.leaseAll()) {
        if (fail) await node.fail(t, 'rpmbuild failed: exit status 1');
        else await node.complete(t, { arches: ['x86_64'] });
      }
      await sleep(100);
    }
  }

  test('submit prints the id; show --json has the documented shape', async () => {
    const r = await cli(['submit', '--platform', 'example-el9', '--git', `${repo.url}#v1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\d+\n$/);
    const id = Number(r.stdout);
    const shown = await cli(['show', String(id), '--json'], server.reader);
    assert.equal(shown.code, 0, shown.stderr);
    const b = JSON.parse(shown.stdout) as BuildView;
    assert.equal(b.id, id);
    assert.equal(b.state, 'pending');
    assert.deepEqual(b.tasks.map((t) => [t.package, t.arch, t.state, t.artifacts]), [['clipkg', 'src', 'queued', []]]);
    const human = await cli(['show', String(id)], server.reader);
    assert.match(human.stdout, new RegExp(`build ${id}: pending`));
    assert.match(human.stdout, /clipkg\s+example-el9\s+src\s+queued/);
    const json = await cli(['submit', '--platform', 'example-el9', '--git', `${repo.url}#v1`, '--json']);
    const jb = JSON.parse(json.stdout) as BuildView;
    assert.equal(jb.items[0]?.git?.commit, repo.commit);
  });

  test('--wait exits 0 when the build succeeds and 1 when it fails', async () => {
    let done = false;
    const ok = cli(['submit', '--platform', 'example-el9', '--git', `${repo.url}#main`, '--wait', '--json']).finally(() => (done = true));
    await drive(() => done);
    const r = await ok;
    assert.equal(r.code, 0, r.stderr);
    const b = JSON.parse(r.stdout) as BuildView;
    assert.equal(b.state, 'succeeded');
    assert.deepEqual(b.tasks.map((t) => [t.kind, t.arch, t.state]), [['srpm', 'src', 'succeeded'], ['rpm', 'x86_64', 'succeeded']]);

    done = false;
    const bad = cli(['submit', '--platform', 'example-el9', '--git', `${repo.url}#main`, '--wait']).finally(() => (done = true));
    await drive(() => done, true);
    const f = await bad;
    assert.equal(f.code, 1);
    assert.match(f.stdout, /^\d+\n$/);
    assert.match(f.stderr, /build \d+ failed/);
  });

  test('logs --follow prints the log as it grows and stops when the build ends', async () => {
    const id = Number((await cli(['submit', '--platform', 'example-el9', '--git', `${repo.url}#main`])).stdout);
    const [task] = (await node.leaseAll()).filter((t) => t.build_id === id);
    assert.ok(task);
    await appendLog(server.ctx, node.id, task.id, 0, 'Executing(%prep)\n');
    let done = false;
    const follow = cli(['logs', String(id), '--follow'], server.reader).finally(() => (done = true));
    await sleep(1500);
    await appendLog(server.ctx, node.id, task.id, 1, 'Wrote: clipkg-1.0-1.el9.src.rpm\n');
    await node.fail(task, 'stop here');
    const r = await follow;
    assert.ok(done);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `==> task ${task.id} clipkg example-el9 src (srpm) <==\nExecuting(%prep)\nWrote: clipkg-1.0-1.el9.src.rpm\n`);
    const one = await cli(['logs', String(id), '--task', String(task.id)], server.reader);
    assert.equal(one.stdout, 'Executing(%prep)\nWrote: clipkg-1.0-1.el9.src.rpm\n');
  });

  test('cancel, retry and rebuild', async () => {
    const id = (await cli(['submit', '--platform', 'example-el9', '--git', `${repo.url}#v1`])).stdout.trim();
    assert.deepEqual([(await cli(['cancel', id])).stdout], [`build ${id}: cancelled\n`]);
    const again = await cli(['cancel', id]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^distforge: build \d+ has already ended \(cancelled\)/);
    assert.match((await cli(['retry', id])).stdout, new RegExp(`^build ${id}: (pending|running)\n$`));
    const rebuilt = await cli(['rebuild', id]);
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.notEqual(rebuilt.stdout.trim(), id);
    assert.equal((await cli(['cancel', id], server.reader)).code, 1);
  });

  test('bad input: one clear line, exit 1, no build created', async () => {
    const before = await builds();
    const cases: [string[], RegExp][] = [
      [['submit', '--platform', 'nope', '--git', `${repo.url}#v1`], /^distforge: unknown platform: "nope" \(known: example-el9\)\n$/],
      [['submit', '--platform', 'example-el9', '--git', `${server.gitRoot}/missing.git#main`], /^distforge: cannot reach git repository .*missing\.git: /],
      [['submit', '--platform', 'example-el9', '--git', `${repo.url}#no-such-tag`], /^distforge: .*clipkg has no branch or tag "no-such-tag"\n$/],
      [['submit', '--platform', 'example-el9', '--git', repo.url], /has no ref: write URL#BRANCH/],
      [['submit', '--git', `${repo.url}#v1`], /^distforge: give at least one --platform\n$/],
      [['show', 'abc'], /^distforge: "abc" is not a build id/],
      [['show', '99999'], /^distforge: no build 99999\n$/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }
    assert.equal(await builds(), before);
  });
});
