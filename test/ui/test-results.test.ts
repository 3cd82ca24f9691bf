/**
 * Test results on the build page, in a real Chromium: a platform that tests its packages, a
 * stand-in test node leasing test tasks over the node API and reporting each package's stages
 * (support/stand-in-tester.ts, as test/testsystem uses), a build of real RPMs. A failed test shows its package, arch, stage and
 * detail with a link to its log; *Test again* makes a new test task, whose pass the page shows.
 */
// not in the PostgreSQL phase: a browser test of the UI, whose endpoints have their own HTTP tests on both databases.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createNodeToken } from '../../src/auth/nodes.ts';
import { advanceBuilds } from '../../src/builds/index.ts';
import { NodeClient } from '../../src/node/client.ts';
import type { LeasedTask } from '../../src/node/types.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { reportStandInTest } from '../support/stand-in-tester.ts';
import { api, examplePlatform } from '../support/server.ts';
import { seriousViolations, signIn, startBrowser, type UiBrowser } from '../support/browser.ts';
import { makeNoarchBuild, SimNode, startBuildsServer, type BuildsServer } from '../server/builds-support.ts';

const PLATFORM = 'example-el9';

describe(`the web UI in Chromium: test results (${TEST_DIALECT})`, () => {
  let server: BuildsServer;
  let browser: UiBrowser;
  let builder: SimNode;
  let tester: NodeClient;

  before(async () => {
    server = await startBuildsServer();
    builder = await SimNode.create(server);
    tester = new NodeClient(server.url, (await createNodeToken(server.ctx, { name: 'tester', arches: ['x86_64'], capabilities: ['test'] })).secret);
    const { tests: _t, ...definition } = examplePlatform();
    const r = await api(server, 'PUT', `/platforms/${PLATFORM}`, { token: server.adminToken, body: { ...definition, tests: { timeoutSeconds: 60 } } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    browser = await startBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /** The test node takes the next test task and reports every package passed, or the first failed in `tests`. */
  async function runTest(outcome: 'pass' | 'fail'): Promise<LeasedTask> {
    let t: LeasedTask | null = null;
    for (let i = 0; i < 300 && !t; i++) {
      t = await tester.lease();
      if (!t) await sleep(100);
    }
    assert.ok(t, 'a test task to lease');
    await tester.appendLog(t.id, 0, `testing ${t.dependencies.flatMap((d) => d.artifacts).filter((a) => a.kind === 'rpm').map((a) => a.name).join(', ')}\n`);
    await reportStandInTest(tester, t, outcome);
    return t;
  }

  test('a failed test: package, arch, stage and detail, its log; Test again, then the pass', async () => {
    const id = await makeNoarchBuild(server, builder, 'uitested', { public: true });
    // What the master's builds loop does once a build succeeded on a platform that tests.
    await advanceBuilds(server.ctx);
    const failed = await runTest('fail');

    const page = await browser.page(`${server.url}/builds/${id}`);
    await signIn(page, server.maintainer);
    const results = page.getByRole('region', { name: 'Test results' });
    const row = results.getByRole('row', { name: /^uitested noarch failed/ });
    await row.waitFor();
    const text = await row.innerText();
    assert.match(text, /install:\s*passed/);
    assert.match(text, /tests:\s*failed\s*run\.sh: not ok 2 - says hello/);
    assert.match(await results.getByRole('row', { name: /^uitested-devel noarch passed/ }).innerText(), /uninstall:\s*passed/);
    await row.getByRole('link', { name: `test task #${failed.id}` }).click();
    await page.getByRole('log', { name: new RegExp(`Log of test task ${failed.id}`) }).getByText('testing uitested').waitFor();
    assert.deepEqual(await seriousViolations(page), [], 'axe: test results');

    await page.getByRole('button', { name: 'Test again' }).click();
    await page.getByRole('status').filter({ hasText: '1 test tasks made' }).waitFor();
    const again = await runTest('pass');
    assert.notEqual(again.id, failed.id);
    await results.getByRole('row', { name: /^uitested noarch passed/ }).waitFor();
    assert.match(await results.getByRole('row', { name: /^uitested noarch passed/ }).innerText(), new RegExp(`test task #${again.id}`));
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});
