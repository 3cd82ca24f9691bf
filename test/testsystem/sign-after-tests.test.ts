/**
 * Signing waits for tests, and builds are tested on request, as a user drives them: the real
 * `distforge build sign|test|show` against a real master over HTTP, a real signer, a stand-in test
 * node that leases test tasks over the node API and reports each package's stages, and builds
 * of real RPMs. `build sign --wait` right after the build waits for its tests and then signs; a
 * failed test fails it naming the package, arch and stage; `build test` runs a failed test again
 * and tests a build that finished before its platform tested packages; the build shows the
 * newest result of each package and signing gates on it. On a terminal `build sign --wait` shows
 * the tasks it waits for as they run, and leaves only its usual lines on the screen.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createNodeToken } from '../../src/auth/nodes.ts';
import type { BuildView } from '../../src/builds/index.ts';
import { NodeClient } from '../../src/node/client.ts';
import type { NodeLogger } from '../../src/node/task-runner.ts';
import type { LeasedTask } from '../../src/node/types.ts';
import type { KeyInfo } from '../../src/pgp/key-info.ts';
import { generateKey } from '../../src/signer/keystore.ts';
import { createSigner } from '../../src/signer/signer.ts';
import { runCli, startCli, type CliResult } from '../support/cli.ts';
import { reportStandInTest } from '../support/stand-in-tester.ts';
import { startTty } from '../support/terminal.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api, examplePlatform } from '../support/server.ts';
import { makeNoarchBuild, SimNode, startBuildsServer, type BuildsServer } from '../server/builds-support.ts';

const PLATFORM = 'example-el9';
const PASS = 'signer passphrase';
const quiet: NodeLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe(`signing after tests, and testing on request (${TEST_DIALECT})`, () => {
  let server: BuildsServer;
  let builder: SimNode;
  let tester: NodeClient;
  let dir: string;
  let key: KeyInfo;
  let stopSigner: () => Promise<void> = () => Promise.resolve();

  const cli = (args: string[], token = server.maintainer): Promise<CliResult> => runCli(['build', ...args], { env: { DISTFORGE_URL: server.url, DISTFORGE_TOKEN: token } });
  const started = (args: string[], token = server.maintainer) => startCli(['build', ...args], { env: { DISTFORGE_URL: server.url, DISTFORGE_TOKEN: token } });
  const show = async (id: number): Promise<BuildView> => (await api<BuildView>(server, 'GET', `/builds/${id}`, { token: server.reader })).body;
  const setTests = async (tests: boolean): Promise<void> => {
    const { tests: _t, ...definition } = examplePlatform();
    const r = await api(server, 'PUT', `/platforms/${PLATFORM}`, { token: server.adminToken, body: tests ? { ...definition, tests: { timeoutSeconds: 60 } } : definition });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  };

  async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, ms = 60_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await probe();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  }

  /**
   * The stand-in test node leases the next test task over the node API and reports every binary
   * package of it as a real one would: passed, or failed in the `tests` stage with `not ok 2`.
   * `whileRunning` is called once it is leased, before it reports.
   */
  async function runTest(outcome: 'pass' | 'fail', whileRunning?: (t: LeasedTask) => Promise<void>): Promise<LeasedTask> {
    const t = await until('a test task', () => tester.lease());
    assert.equal(t.kind, 'test');
    await whileRunning?.(t);
    await reportStandInTest(tester, t, outcome);
    return t;
  }

  /** Waits until the build has a sign task (a `build sign --wait` started meanwhile asked). */
  const signTaskOf = (id: number) => until('a sign task', async () => (await show(id)).tasks.find((t) => t.kind === 'sign'));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'distforge-sign-after-tests-'));
    server = await startBuildsServer();
    builder = await SimNode.create(server);
    tester = new NodeClient(server.url, (await createNodeToken(server.ctx, { name: 'tester', arches: ['x86_64'], capabilities: ['test'] })).secret);
    const keysDir = join(dir, 'keys');
    key = await generateKey(keysDir, { algorithm: 'ed25519', name: 'Tests', email: 'tests@example.org' }, PASS);
    const signerToken = (await createNodeToken(server.ctx, { name: 'signer', arches: ['x86_64'], capabilities: ['sign'] })).secret;
    const { agent } = await createSigner({ server: server.url, token: signerToken, keysDir, passphrase: PASS, workDir: join(dir, 'signer'), waitSeconds: 1, log: quiet });
    const running = agent.run();
    stopSigner = async () => {
      agent.stop();
      await running;
    };
    await until('the signer to register its key', async () => (await api<{ keyid: string }[]>(server, 'GET', '/keys')).body.some((k) => k.keyid === key.keyid));
    assert.equal((await api(server, 'PUT', `/keys/${key.keyid}/platforms`, { token: server.adminToken, body: { platforms: [PLATFORM] } })).status, 200);
  });
  after(async () => {
    await stopSigner();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a build made while its platform did not test: tests turned on, `build test`, then `build sign --wait` signs', async () => {
    const id = await makeNoarchBuild(server, builder, 'untested');
    await setTests(true);
    const refused = await cli(['sign', String(id)]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`^distforge: platform ${PLATFORM} signs only tested packages, and untested noarch \\(rpm task \\d+\\) was never tested \\(its build ended before the platform tested packages, or long ago\\): \`distforge build test ${id}\` tests it\\n$`));
    assert.equal((await show(id)).tasks.filter((t) => t.kind === 'test' || t.kind === 'sign').length, 0, 'nothing made: the tests are asked for with build test');

    const asked = await cli(['test', String(id)]);
    assert.equal(asked.code, 0, asked.stderr);
    const testTask = (await show(id)).tasks.find((t) => t.kind === 'test');
    assert.ok(testTask);
    assert.equal(asked.stdout, `test task ${testTask.id}: untested noarch (${PLATFORM})\nbuild ${id}: 1 test task(s) made\n`);

    const signing = started(['sign', String(id), '--wait']);
    await signing.saidOnStderr(/waiting for its tests before signing/);
    await runTest('pass');
    const signed = await signing.done;
    assert.equal(signed.code, 0, signed.stderr);
    assert.equal(signed.stdout, `build ${id}: signed (${PLATFORM}: ${key.keyid})\n`);
    assert.match(signed.stderr, new RegExp(`^build ${id}: waiting for its tests before signing: test task ${testTask.id} \\(untested noarch\\) (queued|leased)\n`));
    assert.match(signed.stderr, new RegExp(`build ${id}: test task ${testTask.id} \\(untested noarch\\) succeeded\nbuild ${id}: its tests passed; signing\n`));
    const b = await show(id);
    assert.equal(b.signed, true);
    assert.deepEqual(b.tasks.find((t) => t.kind === 'rpm')?.tests?.map((t) => [t.package, t.state, t.taskId]), [['untested', 'passed', testTask.id], ['untested-devel', 'passed', testTask.id]]);
  });

  test('`build sign --wait` right after the build: the sign tasks wait for the tests the build gets, then the package is signed', async () => {
    const id = await makeNoarchBuild(server, builder, 'justbuilt');
    // The builds loop is not running here: the sign request makes the test tasks it would make.
    const early = await cli(['sign', String(id)]);
    assert.equal(early.code, 1);
    const testTask = (await show(id)).tasks.find((t) => t.kind === 'test');
    assert.ok(testTask, 'the request made the test task the builds loop was about to make');
    assert.equal(early.stderr, `distforge: platform ${PLATFORM} signs only tested packages, and one is still being tested: test task ${testTask.id} (justbuilt noarch) is queued; ask again once they pass, or wait for them (build sign --wait, waitForTests)\n`);
    assert.equal((await show(id)).tasks.filter((t) => t.kind === 'sign').length, 0, 'refused: nothing made');

    // Over the API: the sign task depends on the test task and stays blocked while it runs.
    const r = await api<{ taskIds: number[]; waitingFor: { taskId: number; package: string; arch: string; state: string }[] }>(server, 'POST', `/builds/${id}/sign`, { token: server.maintainer, body: { waitForTests: true } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.deepEqual(r.body.waitingFor.map((w) => [w.taskId, w.package, w.arch, w.state]), [[testTask.id, 'justbuilt', 'noarch', 'queued']]);
    const sign = await signTaskOf(id);
    assert.equal(sign.state, 'blocked');
    assert.ok(sign.dependsOn.includes(testTask.id), JSON.stringify(sign.dependsOn));
    const waiting = started(['sign', String(id), '--wait', '--json']);
    await waiting.saidOnStderr(/waiting for its tests before signing/);
    assert.equal((await show(id)).signed, false, 'nothing is signed while the test runs');
    await runTest('pass');
    const signed = await waiting.done;
    assert.equal(signed.code, 0, signed.stderr);
    assert.equal((JSON.parse(signed.stdout) as BuildView).signed, true);
    assert.match(signed.stderr, new RegExp(`^build ${id}: waiting for its tests before signing: test task ${testTask.id} \\(justbuilt noarch\\) (queued|leased)\n`));
    assert.match(signed.stderr, /its tests passed; signing\n/);
  });

  test('a failed test: `sign --wait` fails naming the package, arch and stage; `build test` runs it again; the newest result counts', async () => {
    const id = await makeNoarchBuild(server, builder, 'flaky');
    const signing = started(['sign', String(id), '--wait']);
    await signing.saidOnStderr(/waiting for its tests before signing/);
    const sign = await signTaskOf(id);
    const first = await runTest('fail');
    const failed = await signing.done;
    assert.equal(failed.code, 1);
    assert.equal(failed.stdout, `build ${id}: not signed (${PLATFORM}: ${key.keyid})\n`);
    assert.match(failed.stderr, new RegExp(`^build ${id}: waiting for its tests before signing: test task ${first.id} \\(flaky noarch\\) (queued|leased)\n`));
    assert.match(failed.stderr, new RegExp(`\ntest task ${first.id} \\(flaky noarch\\) failed: tests failed: flaky\\.noarch tests: run\\.sh: not ok 2 - says hello\nsign task ${sign.id} \\(flaky\\) cancelled: dependency task ${first.id} failed\n$`));
    const b = await show(id);
    assert.deepEqual(b.tasks.filter((t) => t.kind === 'sign' || t.kind === 'sign-repo').map((t) => t.state), ['cancelled', 'cancelled']);
    const again = await cli(['sign', String(id), '--wait']);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, `distforge: platform ${PLATFORM} signs only tested packages: test task ${first.id} (flaky noarch) failed: tests failed: flaky.noarch tests: run.sh: not ok 2 - says hello; \`distforge build test ${id}\` runs it again\n`);

    const rerun = await cli(['test', String(id), '--json']);
    assert.equal(rerun.code, 0, rerun.stderr);
    const made = JSON.parse(rerun.stdout) as { made: { taskId: number; again: number | null; package: string; arch: string }[]; kept: unknown[] };
    assert.equal(made.made.length, 1);
    const second = made.made[0];
    assert.deepEqual([second?.package, second?.arch, second?.again], ['flaky', 'noarch', first.id]);
    assert.deepEqual(made.kept, []);
    const shown = await show(id);
    assert.deepEqual(shown.tasks.find((t) => t.kind === 'rpm')?.tests?.map((t) => [t.package, t.taskId, t.state]), [['flaky', second?.taskId, 'queued'], ['flaky-devel', second?.taskId, 'queued']], 'the build shows the newest test');
    assert.equal(shown.tasks.find((t) => t.id === first.id)?.state, 'failed', 'the failed test stays, with its result');
    const twice = await cli(['test', String(id)]);
    assert.equal(twice.stdout, `flaky noarch (${PLATFORM}): test task ${second?.taskId} queued, kept\nbuild ${id}: 0 test task(s) made\n`);

    const testing = started(['test', String(id), '--wait']);
    await testing.saidOnStderr(/waiting for its tests/);
    await runTest('pass');
    const passed = await testing.done;
    assert.equal(passed.code, 0, passed.stderr);
    assert.match(passed.stdout, /every test passed\n$/);
    assert.match(passed.stderr, new RegExp(`test task ${second?.taskId} \\(flaky noarch\\) succeeded\n`));
    const human = await cli(['show', String(id)], server.reader);
    assert.match(human.stdout, new RegExp(`tests \\(the newest of each package\\):\nPACKAGE +ARCH +PLATFORM +RESULT +TEST TASK +STAGES\nflaky +noarch +${PLATFORM} +passed +${second?.taskId} +install:passed integrity:passed tests:passed uninstall:passed\n`));

    const signed = await cli(['sign', String(id), '--wait']);
    assert.equal(signed.code, 0, signed.stderr);
    assert.equal(signed.stdout, `build ${id}: signed (${PLATFORM}: ${key.keyid})\n`);
  });

  test('`build test` refuses a build that has not succeeded, a platform that does not test or is not the build\'s, and a reader; nothing made', async () => {
    const id = await makeNoarchBuild(server, builder, 'refusals');
    const tests = async (): Promise<number> => (await show(id)).tasks.filter((t) => t.kind === 'test').length;
    const before = await tests();
    const refused = async (args: string[], message: string, token?: string): Promise<void> => {
      const r = await cli(args, token);
      assert.equal(r.code, 1, r.stdout);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, `distforge: ${message}\n`);
    };
    await refused(['test', String(id), '--platform', 'other-el9'], `build ${id} was not built for platform other-el9 (its platforms: ${PLATFORM})`);
    await refused(['test', String(id)], 'this call needs the maintainer role; reader is read-only', server.reader);
    await refused(['test', 'abc'], '"abc" is not a build id (a positive number)');
    await setTests(false);
    await refused(['test', String(id)], `none of build ${id}'s platforms (${PLATFORM}) tests packages: a platform tests them once its definition has a tests section (docs/testsystem.md)`);
    await refused(['test', String(id), '--platform', PLATFORM], `platform ${PLATFORM} does not test packages: a platform tests them once its definition has a tests section (docs/testsystem.md)`);
    await setTests(true);
    const running = await api<{ id: number }>(server, 'POST', '/builds', { token: server.maintainer, body: { platforms: [PLATFORM], sources: (await show(id)).items.map((i) => ({ git: `${i.git?.url ?? ''}#main` })) } });
    await refused(['test', String(running.body.id)], `build ${running.body.id} is pending: only a succeeded build is tested on request`);
    await api(server, 'POST', `/builds/${running.body.id}/cancel`, { token: server.maintainer });
    assert.equal(await tests(), before);
    const bad = await api<{ code: string; message: string }>(server, 'POST', `/builds/${id}/test`, { token: server.maintainer, body: { platform: '../x' } });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { code: 'invalid_name', message: 'invalid platform name: "../x" must not contain a path separator' });
  });

  test('`build sign --wait` on a terminal: what it waits for, live; at the end only its usual lines', async (testContext) => {
    await setTests(true);
    const id = await makeNoarchBuild(server, builder, 'onscreen');
    const run = startTty(['build', 'sign', String(id), '--wait'], { env: { DISTFORGE_URL: server.url, DISTFORGE_TOKEN: server.maintainer, LANG: 'C.UTF-8' } });
    testContext.after(() => run.stop());
    const waiting = await run.shows(/waiting for its tests before signing/);
    const testTask = (await show(id)).tasks.find((t) => t.kind === 'test');
    assert.ok(testTask);
    assert.match(waiting.join('\n'), new RegExp(`^build ${id}: waiting for its tests before signing: test task ${testTask.id} \\(onscreen noarch\\) (queued|leased)$`, 'm'));
    await run.shows(new RegExp(`^. build ${id} testing, then signing \\[-+\\] 0/3 tasks done`));
    await runTest('pass', async (t) => {
      const running = await run.shows(new RegExp(`^ {2}task ${t.id} onscreen noarch \\(test\\) on tester for \\d+s$`));
      assert.match(running.find((l) => l.includes('tasks done')) ?? '', /0\/3 tasks done, 1 running, 2 blocked/);
    });
    const r = await run.done;
    assert.equal(r.code, 0, r.raw);
    assert.deepEqual(r.screen, [
      `build ${id}: waiting for its tests before signing: test task ${testTask.id} (onscreen noarch) ${/ leased$/.test(waiting.find((l) => l.includes('waiting for its tests')) ?? '') ? 'leased' : 'queued'}`,
      `build ${id}: test task ${testTask.id} (onscreen noarch) succeeded`,
      `build ${id}: its tests passed; signing`,
      `build ${id}: signed (${PLATFORM}: ${key.keyid})`,
    ]);
    assert.equal((await show(id)).signed, true);
  });
});
