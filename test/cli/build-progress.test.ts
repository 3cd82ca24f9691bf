/**
 * `build submit --wait` on a terminal, as a user sees it (the real bin/distforge on a
 * pseudo-terminal, a real master, a node driven by the test): a status line with the tasks done
 * of all, the running tasks with their node, a failure line as it happens while the build still
 * runs, and at the end only the permanent lines: the id, the failure, the outcome. The same
 * command piped, or with --json on a terminal, prints exactly what it always printed: no escape
 * sequence, no extra line.
 */
// not in the PostgreSQL phase: a test of what a terminal shows; the API it follows has its own tests on both databases.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BuildView } from '../../src/builds/index.ts';
import type { Task } from '../../src/db/schema.ts';
import { runCli } from '../support/cli.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api } from '../support/server.ts';
import { startTty, type RunningTty } from '../support/terminal.ts';
import { makeGitRepo, SimNode, specOf, startBuildsServer, type BuildsServer } from '../server/builds-support.ts';

describe(`build submit --wait on a terminal (${TEST_DIALECT})`, () => {
  let server: BuildsServer;
  let node: SimNode;
  let sources: string[];
  /** Every command started on a terminal: ended in the clean-up if a test failed before it ended. */
  const runs: RunningTty[] = [];
  const tty = (...args: Parameters<typeof startTty>): RunningTty => {
    const run = startTty(...args);
    runs.push(run);
    return run;
  };
  const env = (): NodeJS.ProcessEnv => ({ DISTFORGE_URL: server.url, DISTFORGE_TOKEN: server.maintainer, LANG: 'C.UTF-8', NO_COLOR: '' });

  before(async () => {
    server = await startBuildsServer();
    node = await SimNode.create(server, 'builder-7');
    // alpha; beta builds against alpha-devel; gamma on its own (its rpm task fails).
    sources = ['alpha', 'beta', 'gamma'].map((name) => `${makeGitRepo(server.gitRoot, name, { [`${name}.spec`]: specOf(name) }).url}#main`);
  });
  after(async () => {
    for (const run of runs) await run.stop();
    await server?.close();
  });

  /** What the srpm task of `name` reports (as a node's would), so that the build's order is known. */
  const facts = (name: string) => ({ packageName: name, buildRequires: name === 'beta' ? ['alpha-devel'] : [], provides: [name, `${name}-devel`], arches: ['x86_64'] });
  const packageOf = async (t: Task): Promise<string> => (await server.ctx.db.kysely.selectFrom('build_items').select('git_url').where('id', '=', t.item_id).executeTakeFirstOrThrow()).git_url?.replace(/^.*\//, '') ?? '?';
  const newestBuild = async (): Promise<number> => Number((await server.ctx.db.kysely.selectFrom('builds').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow()).id ?? 0);

  /** Leases until `n` tasks are leased (the command may not have submitted yet). */
  async function leaseSome(n: number): Promise<Task[]> {
    const out: Task[] = [];
    while (out.length < n) {
      out.push(...(await node.leaseAll()));
      if (out.length < n) await sleep(100);
    }
    return out;
  }

  /** The status line drawn at this moment, from the state of the screen `shows` returned. */
  const statusOf = (lines: string[]): string => lines.find((l) => / tasks done/.test(l)) ?? '';

  test('counts, the running tasks with their node, a failure as it happens, and only the permanent lines at the end', async () => {
    const run = tty(['build', 'submit', '--platform', 'example-el9', ...sources.flatMap((s) => ['--git', s]), '--wait'], { env: env(), columns: 120 });
    const pending = await run.shows(/build \d+ pending \[-+\] 0\/3 tasks done, 3 queued/);
    const id = await newestBuild();
    assert.equal(pending[0], String(id), 'the id first, as without a terminal');

    const srpms = await leaseSome(3);
    const running = await run.shows(/0\/3 tasks done, 3 running/);
    assert.ok(running.some((l) => new RegExp(`^  task ${srpms[0]?.id} alpha src \\(srpm\\) on builder-7 for \\d+s$`).test(l)), running.join('\n'));
    for (const t of srpms) await node.complete(t, facts(await packageOf(t)));

    // The rpm tasks: alpha and gamma queued, beta waiting for alpha.
    await run.shows(/3\/6 tasks done, 2 queued, 1 blocked/);
    const rpms = await leaseSome(2);
    const named = await Promise.all(rpms.map(async (t) => ({ t, name: await packageOf(t) })));
    const gamma = named.find((x) => x.name === 'gamma')?.t;
    assert.ok(gamma, `gamma leased: ${named.map((x) => x.name).join(', ')}`);
    await node.fail(gamma, 'rpmbuild failed: exit status 1 (error: Bad exit status from /var/tmp/rpm-tmp.x (%build))');
    const failedLine = `build ${id}: task ${gamma.id} gamma x86_64 (rpm) failed: rpmbuild failed: exit status 1 (error: Bad exit status from /var/tmp/rpm-tmp.x (%build))`;
    const meanwhile = await run.shows(/4\/6 tasks done, 1 running, 1 blocked, 1 failed/);
    assert.ok(meanwhile.includes(failedLine), `the failure is on the screen while the build runs:\n${meanwhile.join('\n')}`);
    assert.ok(meanwhile.indexOf(failedLine) < meanwhile.indexOf(statusOf(meanwhile)), 'above the status line');

    const alpha = named.find((x) => x.name === 'alpha')?.t;
    assert.ok(alpha);
    await node.complete(alpha, {});
    const [beta] = await leaseSome(1);
    assert.ok(beta);
    await run.shows(/5\/6 tasks done, 1 running/);
    await node.complete(beta, {});
    const r = await run.done;
    assert.equal(r.code, 1);
    const b = (await api<BuildView>(server, 'GET', `/builds/${id}`, { token: server.maintainer })).body;
    assert.equal(b.state, 'failed');
    assert.deepEqual(r.screen, [String(id), failedLine, `build ${id} failed${b.failureReason ? `: ${b.failureReason}` : ''}`], 'the status lines are gone; the permanent lines stay');
    assert.ok(r.raw.includes('\x1b[31mfailed\x1b[39m'), 'the failure in red');
  });

  test('a narrow terminal: the status lines are cut to its width; NO_COLOR: no colour', async () => {
    const run = tty(['build', 'submit', '--platform', 'example-el9', '--git', sources[0] ?? '', '--wait'], { env: { ...env(), NO_COLOR: '1' }, columns: 40 });
    const [srpm] = await leaseSome(1);
    assert.ok(srpm);
    const shown = await run.shows(/^ {2}task \d+ alpha/);
    for (const l of shown.slice(1)) assert.ok([...l].length <= 39, `"${l}" fits in 39 columns`);
    // No room for the bar: the counts come first, cut where the width ends.
    assert.match(shown[1] ?? '', /^. build \d+ running 0\/1 tasks done, 1 r.*…$/);
    assert.equal([...(shown[1] ?? '')].length, 39);
    await node.complete(srpm, facts('alpha'));
    const [rpm] = await leaseSome(1);
    assert.ok(rpm);
    await node.complete(rpm, {});
    const r = await run.done;
    assert.equal(r.code, 0, r.raw);
    assert.deepEqual(r.screen.slice(1), [`build ${r.screen[0]} succeeded`]);
    assert.ok(!/\[[0-9;]*m/.test(r.raw.replaceAll('\x1b[2K', '').replaceAll('\x1b[1A', '')), 'no colour');
  });

  test('piped, or --json on a terminal: what it always printed, no escape sequences', async () => {
    let done = false;
    const piped = runCli(['build', 'submit', '--platform', 'example-el9', '--git', sources[2] ?? '', '--wait'], { env: env() }).finally(() => (done = true));
    while (!done) {
      for (const t of await node.leaseAll()) await (t.kind === 'srpm' ? node.complete(t, facts('gamma')) : node.fail(t, 'rpmbuild failed: exit status 1'));
      await sleep(100);
    }
    const p = await piped;
    assert.equal(p.code, 1);
    assert.match(p.stdout, /^\d+\n$/);
    assert.match(p.stderr, new RegExp(`^build ${Number(p.stdout)} failed(: [^\n]*)?\n$`));

    const json = tty(['build', 'submit', '--platform', 'example-el9', '--git', sources[0] ?? '', '--wait', '--json'], { env: env() });
    let ended = false;
    void json.done.finally(() => (ended = true));
    while (!ended) {
      for (const t of await node.leaseAll()) await node.complete(t, t.kind === 'srpm' ? facts('alpha') : {});
      await sleep(100);
    }
    const j = await json.done;
    assert.equal(j.code, 0, j.raw);
    assert.ok(!j.raw.includes('\x1b'), 'no escape sequence');
    assert.equal((JSON.parse(j.raw) as BuildView).state, 'succeeded');
  });
});
