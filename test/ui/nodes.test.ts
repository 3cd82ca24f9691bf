/**
 * The web UI's nodes and queue page in a real Chromium against a real master with real nodes: a
 * build node (the node agent's own loop: hello, long-poll leases, heartbeats; the test holds each
 * task it runs and then lets it fail) and a sign server (`distforge signer`'s agent with a key of
 * its own), a node that said hello minutes ago and went silent, one that never did. Tasks queued
 * straight into the database (test/support/queued-tasks.ts) appear in the queue table per arch
 * and kind; the builder shows the task it runs, linking to it, and picks the next one up as the
 * page refreshes; the signer shows as a signer; last heartbeats are shown, the silent node as
 * stale. A read-only user sees no admin action, and the API refuses the PATCH when forced; an
 * admin disables and enables a node. The page stops refreshing while hidden, and keeps trying
 * while the master is out of reach. axe-core on every
 * view, and phone width. The docs' screenshot of the page is made here.
 */
// not in the PostgreSQL phase: a browser test of the UI, whose endpoints have their own HTTP tests on both databases.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { NodeInfo } from '../../src/auth/types.ts';
import { NodeAgent } from '../../src/node/agent.ts';
import { NodeClient } from '../../src/node/client.ts';
import type { NodeLogger, TaskOutcome } from '../../src/node/task-runner.ts';
import type { LeasedTask } from '../../src/node/types.ts';
import type { QueueView } from '../../src/scheduler/index.ts';
import { generateKey } from '../../src/signer/keystore.ts';
import { createSigner } from '../../src/signer/signer.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { insertBuildItem, insertQueuedTask, type BuildItemRef } from '../support/queued-tasks.ts';
import { api, examplePlatform, nodeToken, startTestServer, userToken, type TestServer } from '../support/server.ts';
import { overflowsSideways, screenshot, seriousViolations, signIn, startBrowser, type UiBrowser } from '../support/browser.ts';

const PLATFORM = 'example-el9';
const PASS = 'nodes page signer passphrase';

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A node agent whose tasks the test holds: each runs (heartbeating) until `release` fails it. */
class HeldBuilder {
  readonly agent: NodeAgent;
  readonly #held = new Map<number, { task: LeasedTask; end: () => Promise<void> }>();
  readonly #done: Promise<void>;

  constructor(server: string, token: string, workDir: string) {
    const log: NodeLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
    this.agent = new NodeAgent({
      server, token, arches: ['x86_64'], capabilities: ['build'], maxConcurrency: 1, workDir, waitSeconds: 1, log,
      runTask: (task, signal) =>
        new Promise<TaskOutcome>((resolve) => {
          signal.addEventListener('abort', () => resolve('stopped'), { once: true });
          this.#held.set(task.id, {
            task,
            end: async () => {
              await this.agent.client.fail(task.id, 'let go by the test');
              resolve('failed');
            },
          });
        }),
    });
    this.#done = this.agent.run();
  }

  /** The task it runs now (waiting until it runs one). */
  running(): Promise<LeasedTask> {
    return until('the builder to run a task', () => Promise.resolve([...this.#held.values()][0]?.task));
  }

  /** Fails the task it runs. */
  async release(id: number): Promise<void> {
    const h = this.#held.get(id);
    assert.ok(h, `the builder does not run task ${id}`);
    this.#held.delete(id);
    await h.end();
  }

  async stop(): Promise<void> {
    this.agent.stop();
    await this.#done;
  }
}

describe(`the web UI in Chromium: nodes and queue (${TEST_DIALECT})`, () => {
  let server: TestServer;
  let browser: UiBrowser;
  let builder: HeldBuilder;
  let stopSigner: () => Promise<void> = async () => undefined;
  let dir: string;
  let reader: string;
  let item: BuildItemRef;
  let srpmTask: number;
  /** The master's clock runs this far from the real one (to make a node that said hello long ago). */
  let skew = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'distforge-ui-nodes-'));
    server = await startTestServer({ platforms: [examplePlatform()], now: () => Date.now() + skew });
    reader = await userToken(server, 'reader', 'read-only');
    await userToken(server, 'maint', 'maintainer');
    const owner = await server.ctx.db.kysely.selectFrom('users').select('id').where('name', '=', 'maint').executeTakeFirstOrThrow();
    item = await insertBuildItem(server.ctx, owner.id, PLATFORM);
    // The queue before any node runs: the builder takes the oldest (the source package) first.
    srpmTask = await insertQueuedTask(server.ctx, item, 'srpm', 'src');
    await insertQueuedTask(server.ctx, item, 'rpm', 'x86_64');
    await insertQueuedTask(server.ctx, item, 'rpm', 'x86_64');
    await insertQueuedTask(server.ctx, item, 'rpm', 'aarch64');
    await insertQueuedTask(server.ctx, item, 'test', 'x86_64');

    // A node that said hello five minutes ago (on the master's clock) and has been silent since,
    // and one that never said hello.
    const retired = await nodeToken(server, 'retired', { arches: ['x86_64'] });
    skew = -5 * 60_000;
    await new NodeClient(server.url, retired.token).hello({ arches: ['x86_64'], capabilities: ['build'], maxConcurrency: 1 });
    skew = 0;
    await nodeToken(server, 'spare', { arches: ['x86_64', 'aarch64'], capabilities: ['build', 'test'], maxConcurrency: 3 });

    // The real nodes: a builder and a sign server.
    builder = new HeldBuilder(server.url, (await nodeToken(server, 'builder-1', { arches: ['x86_64', 'aarch64', 'noarch'], maxConcurrency: 1 })).token, join(dir, 'builder'));
    const keysDir = join(dir, 'keys');
    await generateKey(keysDir, { algorithm: 'ed25519', name: 'Nodes page test', email: 'nodes@example.org' }, PASS);
    const signerToken = (await nodeToken(server, 'signer-1', { arches: ['x86_64'], capabilities: ['sign'], maxConcurrency: 2 })).token;
    const quiet: NodeLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const { agent } = await createSigner({ server: server.url, token: signerToken, keysDir, passphrase: PASS, workDir: join(dir, 'signer'), waitSeconds: 1, log: quiet });
    const signing = agent.run();
    stopSigner = async () => {
      agent.stop();
      await signing;
    };
    await until('the signer to say hello', async () => (await api<NodeInfo>(server, 'GET', '/nodes/signer-1', { token: reader })).body.advertisedCapabilities !== null);
    browser = await startBrowser();
  });
  after(async () => {
    await browser?.close();
    await builder?.stop();
    await stopSigner();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function checkAccessible(page: Page, what: string): Promise<void> {
    assert.deepEqual(await seriousViolations(page), [], `axe: ${what}`);
  }

  const nodeRow = (page: Page, name: string) => page.getByRole('region', { name: 'Nodes' }).getByRole('row', { name: new RegExp(`^${name}\\b`) });
  const queueRow = (page: Page, arch: string, kind: string) => page.getByRole('region', { name: 'Queue by arch and kind' }).getByRole('row', { name: new RegExp(`^${arch} ${kind}\\b`) });

  /** The row's cells by column name. */
  async function cells(page: Page, row: ReturnType<typeof nodeRow>): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const cell of await row.locator('th, td').all()) out[(await cell.getAttribute('data-label')) ?? '?'] = (await cell.innerText()).trim();
    return out;
  }

  test('anonymous: asked to sign in, nothing loaded', async () => {
    const page = await browser.page(`${server.url}/nodes`);
    await page.getByRole('heading', { name: 'Nodes and queue', level: 1 }).waitFor();
    await page.getByText(/sign in to see them/).waitFor();
    assert.equal(await page.getByRole('table').count(), 0);
    await checkAccessible(page, 'nodes, anonymous');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('a read-only user: nodes with kind, arches, tasks and last heartbeat; the queue per arch and kind; no admin actions, the PATCH refused', async () => {
    const running = await builder.running();
    assert.equal(running.id, srpmTask, 'the builder runs the oldest task');
    const page = await browser.page(`${server.url}/builds`);
    await signIn(page, reader);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Nodes' }).click();
    await page.getByRole('heading', { name: 'Nodes and queue', level: 1 }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Nodes', exact: true }).getAttribute('aria-current'), 'page');

    // The builder runs the source package's task, one of its one.
    const b = nodeRow(page, 'builder-1');
    await b.getByRole('link', { name: new RegExp(`srpm task #${srpmTask}: hello source, build ${item.buildId}`) }).waitFor();
    let c = await cells(page, b);
    assert.equal(c.Kind, 'builder');
    assert.match(c.Arches ?? '', /^x86_64, aarch64 \(granted, not advertised\), noarch/, 'its host advertised only x86_64');
    assert.equal(c.Enabled, 'yes');
    assert.equal(c.Tasks, '1 of 1');
    assert.match(c['Last heard from'] ?? '', /^\d+ s ago/);
    assert.doesNotMatch(c['Last heard from'] ?? '', /stale/);
    const seen = await b.locator('time').getAttribute('title');
    assert.match(seen ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/, 'the absolute time in the title');

    // The sign server is a signer, idle, heard from.
    const s = await cells(page, nodeRow(page, 'signer-1'));
    assert.equal(s.Kind, 'signer');
    assert.equal(s.Tasks, '0 of 2');
    assert.equal(s['Current tasks'], 'idle');
    assert.match(s['Last heard from'] ?? '', /^\d+ s ago/);
    // Silent for five minutes: stale. Never said hello: never seen.
    const r = await cells(page, nodeRow(page, 'retired'));
    assert.match(r['Last heard from'] ?? '', /^([5-9]|\d\d) min \d+ s ago[\s\S]*stale[\s\S]*silent for over 1 min 10 s/);
    const sp = await cells(page, nodeRow(page, 'spare'));
    assert.equal(sp.Kind, 'builder, tester');
    assert.match(sp.Arches ?? '', /has not said hello yet/);
    assert.equal(sp['Last heard from'], 'never seen');

    // The queue: what waits per arch and kind, what runs, who takes it.
    c = await cells(page, queueRow(page, 'x86_64', 'rpm'));
    assert.deepEqual([c.Queued, c.Running, c['Waiting for dependencies']], ['2', '0', '0']);
    assert.match(c['Oldest queued for'] ?? '', /^\d+ (s|min)/);
    // Every enabled node that takes them, those the master does not hear from marked.
    assert.equal(c['Taken by'], 'builder-1, retired (stale), spare (never seen)');
    c = await cells(page, queueRow(page, 'src', 'srpm'));
    assert.deepEqual([c.Queued, c.Running, c['Oldest queued for']], ['0', '1', '–']);
    c = await cells(page, queueRow(page, 'aarch64', 'rpm'));
    assert.deepEqual([c.Queued, c['Taken by']], ['1', 'spare (never seen)'], 'builder-1 was granted aarch64 but does not advertise it');
    c = await cells(page, queueRow(page, 'x86_64', 'test'));
    assert.deepEqual([c.Queued, c['Taken by']], ['1', 'spare (never seen)']);
    const totals = await page.getByRole('region', { name: 'Queue by arch and kind' }).getByRole('row', { name: /^All/ }).innerText();
    assert.match(totals.replace(/\s+/g, ' '), /All 0 4 1/);

    // No admin actions for a read-only user; forced, the API refuses them.
    assert.equal(await page.getByRole('button', { name: /^(Disable|Enable) / }).count(), 0);
    assert.equal(await page.getByRole('columnheader', { name: 'Actions' }).count(), 0);
    await checkAccessible(page, 'nodes and queue, read-only');
    const forced = (await page.evaluate(
      `fetch('/api/v1/nodes/builder-1', { method: 'PATCH', headers: { authorization: 'Bearer ' + sessionStorage.getItem('distforge.token'), 'content-type': 'application/json' }, body: JSON.stringify({ enabled: false }) }).then((r) => r.status)`,
    )) as number;
    assert.equal(forced, 403);
    assert.equal((await api<NodeInfo>(server, 'GET', '/nodes/builder-1', { token: reader })).body.enabled, true, 'nothing changed');
    page.errors.length = 0; // the browser logs the refused request

    // The task links to its build's page, with the task selected.
    await b.getByRole('link', { name: new RegExp(`srpm task #${srpmTask}`) }).click();
    await page.waitForURL(new RegExp(`/builds/${item.buildId}\\?task=${srpmTask}$`));
    await page.getByRole('heading', { name: new RegExp(`Build ${item.buildId}`), level: 1 }).waitFor();
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('the page follows the nodes: the builder lets its task go and takes the next, without a reload', async () => {
    const page = await browser.page(`${server.url}/nodes`);
    await signIn(page, reader);
    const b = nodeRow(page, 'builder-1');
    await b.getByRole('link', { name: new RegExp(`srpm task #${srpmTask}`) }).waitFor();
    await builder.release(srpmTask);
    const next = await until('the builder to take the next task', async () => {
      const t = await builder.running();
      return t.id !== srpmTask && t;
    });
    assert.deepEqual([next.kind, next.arch], ['rpm', 'x86_64']);
    await b.getByRole('link', { name: new RegExp(`rpm task #${next.id}: hello x86_64, build ${item.buildId}`) }).waitFor({ timeout: 15_000 });
    assert.equal(await b.getByRole('link', { name: new RegExp(`srpm task #${srpmTask}`) }).count(), 0);
    const c = await cells(page, queueRow(page, 'x86_64', 'rpm'));
    assert.deepEqual([c.Queued, c.Running], ['1', '1']);
    assert.equal(await queueRow(page, 'src', 'srpm').count(), 0, 'nothing of that kind left');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('hidden, the page asks nothing; back in sight it refreshes at once', async () => {
    const page = await browser.page(`${server.url}/nodes`, { clock: true });
    await signIn(page, reader);
    await nodeRow(page, 'builder-1').waitFor();
    let asked = 0;
    page.on('request', (r) => {
      if (r.url().endsWith('/api/v1/queue')) asked++;
    });
    const setVisibility = (state: 'hidden' | 'visible'): Promise<unknown> =>
      page.evaluate(`Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => '${state}' }); document.dispatchEvent(new Event('visibilitychange'))`);
    await setVisibility('hidden');
    // A refresh already on its way may still come: the one timer set before the page was hidden.
    await page.clock.runFor(4000);
    await new Promise((r) => setTimeout(r, 500));
    const whileHidden = asked;
    // A minute of the page's time (its timers fire at once), then a moment for requests to show.
    await page.clock.runFor(60_000);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(asked, whileHidden, 'no request while hidden');
    await setVisibility('visible');
    await until('a refresh once visible', () => Promise.resolve(asked > whileHidden), 2000);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('the master out of reach: the last answer stays with the reason, and the page recovers by itself', async () => {
    const page = await browser.page(`${server.url}/nodes`);
    await signIn(page, reader);
    await nodeRow(page, 'builder-1').waitFor();
    await page.route('**/api/v1/queue', (route) => route.abort('connectionrefused'));
    await page.getByRole('alert').filter({ hasText: 'cannot reach the master' }).waitFor({ timeout: 10_000 });
    assert.equal(await nodeRow(page, 'builder-1').count(), 1, 'the last answer is still shown');
    await page.unroute('**/api/v1/queue');
    await page.getByRole('alert').waitFor({ state: 'detached', timeout: 10_000 });
    await nodeRow(page, 'signer-1').waitFor();
    await page.close();
  });

  test('an admin disables and enables a node; phone width; the screenshot', async () => {
    const page = await browser.page(`${server.url}/nodes`);
    await signIn(page, server.adminToken);
    const spare = nodeRow(page, 'spare');
    await spare.waitFor();
    await checkAccessible(page, 'nodes and queue, admin');
    await spare.getByRole('button', { name: 'Disable spare' }).click();
    await page.getByRole('group', { name: /Disable spare\? It takes no new tasks/ }).waitFor();
    await page.getByRole('button', { name: 'Disable', exact: true }).click();
    await spare.getByText('disabled', { exact: true }).waitFor();
    assert.equal((await api<NodeInfo>(server, 'GET', '/nodes/spare', { token: reader })).body.enabled, false);
    // Nothing else takes aarch64 rpm tasks now: the queue says so.
    await queueRow(page, 'aarch64', 'rpm').getByText('no enabled node').waitFor();
    const q = (await api<QueueView>(server, 'GET', '/queue', { token: reader })).body;
    assert.deepEqual(q.queue.find((r) => r.arch === 'aarch64' && r.kind === 'rpm')?.nodes, []);
    await spare.getByRole('button', { name: 'Enable spare' }).click();
    await spare.getByRole('button', { name: 'Disable spare' }).waitFor();
    assert.equal((await api<NodeInfo>(server, 'GET', '/nodes/spare', { token: reader })).body.enabled, true);
    await checkAccessible(page, 'nodes and queue after the changes');
    await screenshot(page, 'nodes', { fullPage: true });

    await page.setViewportSize({ width: 375, height: 740 });
    await page.reload();
    await page.getByRole('rowheader', { name: 'builder-1' }).waitFor();
    assert.equal(await overflowsSideways(page), false, 'nodes page at phone width');
    await checkAccessible(page, 'nodes and queue at phone width');
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});
