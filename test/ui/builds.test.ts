/**
 * The web UI's builds pages in a real Chromium against a real master, a build node driven by the
 * test (real RPMs from rpmbuild): signing in with a token, submitting a build from the form,
 * watching its log arrive while the node sends it, seeing it succeed with its artifacts; a failed
 * build's reason; what anonymous and read-only users see (no actions), and the API refusing those
 * actions when a read-only user forces them. Every page is checked with axe-core (no serious or
 * critical violations) and at phone width. The README's screenshots of the feed and a build page
 * are made here.
 */
// not in the PostgreSQL phase: a browser test of the UI, whose endpoints have their own HTTP tests on both databases.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { BuildView } from '../../src/builds/index.ts';
import type { Task } from '../../src/db/schema.ts';
import { appendLog } from '../../src/scheduler/index.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { rpmbuild } from '../support/rpmbuild.ts';
import { api } from '../support/server.ts';
import { overflowsSideways, screenshot, seriousViolations, signIn, startBrowser, type UiBrowser } from '../support/browser.ts';
import { buildSrpm, makeGitRepo, SimNode, specOf, startBuildsServer, type BuildsServer } from '../server/builds-support.ts';

const PLATFORM = 'example-el9';

describe(`the web UI in Chromium: builds (${TEST_DIALECT})`, () => {
  let server: BuildsServer;
  let node: SimNode;
  let browser: UiBrowser;
  let built = 0;

  before(async () => {
    server = await startBuildsServer();
    node = await SimNode.create(server, 'builder-1');
    browser = await startBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const show = async (id: number): Promise<BuildView> => (await api<BuildView>(server, 'GET', `/builds/${id}`, { token: server.reader })).body;

  /** Leases the next task of build `id` (waiting for it to be queued). */
  async function leaseOf(id: number, kind: string): Promise<Task> {
    for (let i = 0; i < 200; i++) {
      const got = await node.lease();
      if (got) {
        assert.equal(got.task.build_id, id);
        assert.equal(got.task.kind, kind);
        return got.task;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no ${kind} task of build ${id} to lease`);
  }

  /** Waits until the page's log shows `text`. */
  async function logShows(page: Page, text: string): Promise<void> {
    await page.getByRole('log').getByText(text, { exact: false }).first().waitFor();
  }

  async function checkAccessible(page: Page, what: string): Promise<void> {
    assert.deepEqual(await seriousViolations(page), [], `axe: ${what}`);
  }

  test('anonymous: public builds, platforms as a release table, a sign-in link and no actions', async () => {
    const page = await browser.page(`${server.url}/`);
    await page.getByRole('heading', { name: 'Builds', level: 1 }).waitFor();
    await page.getByText('No builds match.').waitFor();
    assert.equal(await page.getByRole('link', { name: 'New build' }).count(), 1, 'the nav links to the form');
    assert.equal(await page.getByRole('button', { name: /Cancel|Rebuild|Sign$/ }).count(), 0);
    await checkAccessible(page, 'the empty feed');
    await page.getByRole('link', { name: 'Platforms' }).click();
    await page.getByRole('heading', { name: 'Platforms', level: 1 }).waitFor();
    const row = page.getByRole('row', { name: new RegExp(PLATFORM) });
    await row.waitFor();
    const text = await row.innerText();
    assert.match(text, /9\.4/);
    assert.match(text, /Example Ocelot/);
    assert.match(text, /6 days/);
    await checkAccessible(page, 'platforms');
    await page.getByRole('link', { name: 'New build' }).click();
    await page.getByText('Submitting builds needs the maintainer role.').waitFor();
    await page.getByRole('link', { name: 'Sign in' }).first().click();
    await page.getByLabel('API token').waitFor();
    await checkAccessible(page, 'sign-in');
    // A token the master does not know is refused there, and nothing is kept.
    await page.getByLabel('API token').fill('df_0000000000000000000000000000000000000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'unknown or revoked token' }).waitFor();
    assert.equal(await page.evaluate(`sessionStorage.getItem('distforge.token')`), null);
    await page.close();
  });

  test('a maintainer signs in, submits a build from the form, watches its log live and sees it succeed', async () => {
    const name = 'uihello';
    const spec = specOf(name, [], 'BuildArch: noarch');
    const repo = makeGitRepo(server.gitRoot, name, { [`${name}.spec`]: spec });
    const files = rpmbuild(mkdtempSync(join(server.gitRoot, 'rpmbuild-')), name, spec);

    const page = await browser.page(`${server.url}/builds`);
    await signIn(page, server.maintainer);
    assert.match(await page.locator('header').innerText(), /maint\s*\(maintainer\)/);
    await page.getByRole('link', { name: 'New build', exact: true }).first().click();
    await page.getByRole('heading', { name: 'New build', level: 1 }).waitFor();
    await page.getByLabel('Git URL 1').fill(repo.url);
    await page.getByLabel('Ref 1').fill('main');
    assert.equal(await page.getByRole('checkbox', { name: new RegExp(PLATFORM) }).isChecked(), true, 'the only platform is chosen');
    await checkAccessible(page, 'the new-build form');
    await page.getByRole('button', { name: 'Submit build' }).click();
    await page.waitForURL(/\/builds\/\d+$/);
    const id = Number(/\/builds\/(\d+)$/.exec(page.url())?.[1]);
    built = id;
    assert.equal((await show(id)).items[0]?.git?.commit, repo.commit);
    await page.getByRole('heading', { name: new RegExp(`Build ${id}`), level: 1 }).waitFor();

    // The node takes the srpm task; the page opens its log and shows lines as they arrive.
    const srpm = await leaseOf(id, 'srpm');
    await page.getByRole('log', { name: new RegExp(`Log of srpm task ${srpm.id}`) }).waitFor();
    await appendLog(server.ctx, node.id, srpm.id, 0, `Executing(%prep): /bin/sh -e /var/tmp/rpm-tmp.1\n`);
    await logShows(page, 'Executing(%prep)');
    await page.getByText('Live: new lines appear as the node sends them.').waitFor();
    await appendLog(server.ctx, node.id, srpm.id, 1, `Wrote: /builddir/SRPMS/${name}-1.0-1.el9.src.rpm\n`);
    await logShows(page, `Wrote: /builddir/SRPMS/${name}-1.0-1.el9.src.rpm`);
    const cell = page.getByRole('link', { name: new RegExp(`${name} source: leased task #${srpm.id}, attempt 1, node builder-1`) });
    await cell.waitFor();
    await node.upload(srpm, files.filter((f) => f.endsWith('.src.rpm')));
    await node.complete(srpm, { packageName: name, buildRequires: [], provides: [name, `${name}-devel`] });

    // Then its rpm task, on noarch.
    const rpm = await leaseOf(id, 'rpm');
    await page.getByRole('log', { name: new RegExp(`Log of rpm task ${rpm.id}`) }).waitFor();
    for (let i = 0; i < 60; i++) await appendLog(server.ctx, node.id, rpm.id, i, `+ make -j2 step ${i}\n`);
    await logShows(page, '+ make -j2 step 59');
    await appendLog(server.ctx, node.id, rpm.id, 60, `Wrote: /builddir/RPMS/noarch/${name}-1.0-1.el9.noarch.rpm\n`);
    await logShows(page, `${name}-1.0-1.el9.noarch.rpm`);
    await node.upload(rpm, files.filter((f) => !f.endsWith('.src.rpm')));
    await node.complete(rpm, {});

    // The build succeeds; its artifacts download with their sizes.
    await page.getByRole('heading', { name: `Build ${id} succeeded`, level: 1 }).waitFor();
    await page.getByText(`The task succeeded; this is its whole log.`).waitFor();
    const link = page.getByRole('link', { name: `${name}-1.0-1.el9.noarch.rpm` });
    const href = await link.getAttribute('href');
    assert.ok(href);
    const download = await fetch(href);
    assert.equal(download.status, 200);
    const bytes = Buffer.from(await download.arrayBuffer());
    const size = (await show(id)).tasks.flatMap((t) => t.artifacts).find((a) => a.name === `${name}-1.0-1.el9.noarch.rpm`)?.size;
    assert.equal(bytes.length, size);
    assert.match(await page.getByRole('row', { name: new RegExp(`${name}-1.0-1.el9.noarch.rpm`) }).innerText(), /KiB/);
    // The maintainer's actions for a succeeded build.
    for (const action of ['Rebuild', 'Sign', 'Plan a release']) assert.equal(await page.getByRole('button', { name: action, exact: true }).count(), 1, action);
    assert.equal(await page.getByRole('button', { name: 'Cancel build' }).count(), 0);
    await checkAccessible(page, 'a succeeded build');
    await page.getByRole('link', { name: new RegExp(`${name} source: succeeded`) }).click();
    await page.getByRole('log', { name: new RegExp(`Log of srpm task ${srpm.id}`) }).waitFor();
    await logShows(page, 'Executing(%prep)');
    await page.getByRole('link', { name: new RegExp(`${name} noarch: succeeded`) }).click();
    await logShows(page, `${name}-1.0-1.el9.noarch.rpm`);
    await screenshot(page, 'build', { fullPage: true });
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('a build of an uploaded SRPM, from the form', async () => {
    const srpm = buildSrpm(mkdtempSync(join(server.gitRoot, 'srpm-')), 'uiupload', specOf('uiupload', [], 'BuildArch: noarch'));
    const page = await browser.page(`${server.url}/builds/new`);
    await signIn(page, server.maintainer);
    await page.getByLabel('Or SRPM files').setInputFiles(srpm);
    await page.getByRole('button', { name: 'Submit build' }).click();
    await page.waitForURL(/\/builds\/\d+$/);
    const id = Number(/\/builds\/(\d+)$/.exec(page.url())?.[1]);
    const b = await show(id);
    assert.equal(b.items[0]?.kind, 'srpm');
    assert.equal(b.items[0]?.package, 'uiupload');
    await page.getByText(`uploaded SRPM ${b.items[0]?.srpmSha256?.slice(0, 12)}`).waitFor();
    const task = await leaseOf(id, 'srpm');
    await node.fail(task, 'not built in this test');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('a failed build shows why, on the build and on its task', async () => {
    const name = 'uibroken';
    const repo = makeGitRepo(server.gitRoot, name, { [`${name}.spec`]: specOf(name, ['libmissing-devel >= 2.0']) });
    const r = await api<BuildView>(server, 'POST', '/builds', { token: server.maintainer, body: { platforms: [PLATFORM], sources: [{ git: `${repo.url}#main` }], public: true } });
    assert.equal(r.status, 201);
    const task = await leaseOf(r.body.id, 'srpm');
    await appendLog(server.ctx, node.id, task.id, 0, 'error: Failed build dependencies:\n\tlibmissing-devel >= 2.0 is needed by uibroken-1.0-1.el9.src\n');
    const reason = 'missing build dependencies: libmissing-devel >= 2.0 (needed by uibroken-1.0-1.el9.src)';
    await node.fail(task, reason);

    const page = await browser.page(`${server.url}/builds/${r.body.id}`);
    await page.getByRole('heading', { name: `Build ${r.body.id} failed`, level: 1 }).waitFor();
    const notes = page.getByRole('note');
    await notes.first().waitFor();
    const said = (await notes.allInnerTexts()).join('\n');
    assert.match(said, new RegExp(`Why it failed:[\\s\\S]*srpm task #${task.id} \\(uibroken source\\): missing build dependencies: libmissing-devel >= 2\\.0`));
    assert.match(said, new RegExp(`Failure: ${reason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    // The failed task is the one shown, with the end of its log.
    await page.getByRole('log', { name: new RegExp(`Log of srpm task ${task.id}`) }).waitFor();
    await logShows(page, 'is needed by uibroken-1.0-1.el9.src');
    await checkAccessible(page, 'a failed build');
    // The feed lists it as failed.
    await page.getByRole('link', { name: 'Builds', exact: true }).click();
    const row = page.getByRole('row', { name: new RegExp(`#${r.body.id}`) });
    await row.waitFor();
    assert.match(await row.innerText(), /\bfailed\b/);
    await page.close();
  });

  test('the feed: newest first, filtered by state, paged; its screenshot', async () => {
    const page = await browser.page(`${server.url}/builds`);
    await signIn(page, server.maintainer);
    const rows = page.locator('table.feed tbody tr');
    await rows.first().waitFor();
    const ids = (await rows.locator('th').allInnerTexts()).map((t) => Number(/#(\d+)/.exec(t)?.[1]));
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
    assert.ok(ids.includes(built));
    // The state filter is the API's own (GET /builds?state=…).
    await page.getByLabel('State').selectOption('failed');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/\?state=failed$/);
    await page.getByText(/^Builds 1–2 of 2$/).waitFor();
    assert.doesNotMatch(await page.locator('table.feed').innerText(), /succeeded/);
    await checkAccessible(page, 'the filtered feed');
    await page.getByRole('link', { name: 'Clear' }).click();
    await page.waitForURL(/\/builds$/);
    await page.getByText(/^Builds 1–3 of 3$/).waitFor();
    await screenshot(page, 'feed');
    // Paging: the address holds the page; Newer goes back to the first.
    await page.goto(`${server.url}/builds?offset=1`);
    await page.getByText(/^Builds 2–3 of 3$/).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Older →' }).count(), 0);
    await page.getByRole('link', { name: '← Newer' }).click();
    await page.getByText(/^Builds 1–3 of 3$/).waitFor();
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('the search box and the filters the master declares find a build by a package it made', async (t) => {
    const doc = await api<{ paths: Record<string, { get?: { parameters?: { name: string }[] } }> }>(server, 'GET', '/openapi.json');
    const declared = new Set((doc.body.paths['/api/v1/builds']?.get?.parameters ?? []).map((p) => p.name));
    if (!declared.has('q') || !declared.has('nevra')) {
      t.skip('this master\'s GET /builds has no q and nevra parameters');
      return;
    }
    const page = await browser.page(`${server.url}/builds`);
    await signIn(page, server.maintainer);
    await page.getByLabel('Search').fill('uihello-devel-1.0');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/\?q=uihello-devel-1\.0$/);
    await page.getByText(/^Builds 1–1 of 1$/).waitFor();
    const row = page.getByRole('row', { name: new RegExp(`#${built}\\b`) });
    assert.match(await row.innerText(), /matched uihello-devel-1\.0-1\.el9\.noarch/);
    await page.getByRole('link', { name: 'Clear' }).click();
    await page.getByLabel('NEVRA').fill('uihello-1.0-1.el9.noarch');
    await page.getByLabel('Arch', { exact: true }).selectOption('noarch');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText(/^Builds 1–1 of 1$/).waitFor();
    assert.match(page.url(), /arch=noarch/);
    await checkAccessible(page, 'a search');
    await page.getByLabel('NEVRA').fill('nothing-1-1.x86_64');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No builds match.').waitFor();
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('a log of several MB: the page holds only the lines in sight, follows the end, and scrolls to the start by keyboard', async () => {
    const name = 'uibiglog';
    const repo = makeGitRepo(server.gitRoot, name, { [`${name}.spec`]: specOf(name) });
    const r = await api<BuildView>(server, 'POST', '/builds', { token: server.maintainer, body: { platforms: [PLATFORM], sources: [{ git: `${repo.url}#main` }], public: true } });
    const task = await leaseOf(r.body.id, 'srpm');
    const line = (n: number): string => `line ${String(n).padStart(6, '0')} ${'x'.repeat(88)}\n`;
    const perChunk = 100;
    const chunks = 400; // 40,000 lines, 4 MB
    for (let c = 0; c < chunks; c++) {
      await appendLog(server.ctx, node.id, task.id, c, Array.from({ length: perChunk }, (_, i) => line(c * perChunk + i)).join(''));
    }
    const page = await browser.page(`${server.url}/builds/${r.body.id}`);
    const log = page.getByRole('log');
    await log.getByText(`line ${String(chunks * perChunk - 1).padStart(6, '0')}`).waitFor();
    await page.getByText(`${chunks * perChunk} lines`).waitFor();
    const drawn = await page.locator('.log-line').count();
    assert.ok(drawn > 10 && drawn < 200, `${drawn} line elements for ${chunks * perChunk} lines`);
    // More arrives while it is followed.
    await appendLog(server.ctx, node.id, task.id, chunks, 'the very last line\n');
    await log.getByText('the very last line').waitFor();
    // Home on the focused log goes to the start; the first lines are drawn then.
    await log.focus();
    await page.keyboard.press('Home');
    await log.getByText('line 000000').waitFor();
    assert.equal(await page.getByRole('checkbox', { name: 'Follow the end' }).isChecked(), false, 'scrolling up stops following');
    assert.ok((await page.locator('.log-line').count()) < 200);
    await node.fail(task, 'done');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('a read-only user sees no actions, and the API refuses them when forced', async () => {
    const name = 'uirunning';
    const repo = makeGitRepo(server.gitRoot, name, { [`${name}.spec`]: specOf(name) });
    const r = await api<BuildView>(server, 'POST', '/builds', { token: server.maintainer, body: { platforms: [PLATFORM], sources: [{ git: `${repo.url}#main` }] } });
    const task = await leaseOf(r.body.id, 'srpm');

    const page = await browser.page(`${server.url}/builds/${r.body.id}`);
    // A private build: anonymous callers are told to sign in.
    await page.getByRole('alert').filter({ hasText: 'not public' }).waitFor();
    await signIn(page, server.reader);
    await page.getByRole('heading', { name: `Build ${r.body.id} running`, level: 1 }).waitFor();
    await page.getByRole('log').waitFor();
    assert.equal(await page.getByRole('group', { name: 'Actions' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: /Cancel|Rebuild|Retry|Sign$|Test again|Plan a release/ }).count(), 0);
    await page.goto(`${server.url}/builds/${built}`);
    await page.getByRole('heading', { name: `Build ${built} succeeded`, level: 1 }).waitFor();
    assert.equal(await page.getByRole('button', { name: /Rebuild|Sign$|Plan a release/ }).count(), 0);
    await page.getByRole('link', { name: 'New build' }).click();
    await page.getByText(/needs the maintainer role\. You are signed in as reader \(read-only\)/).waitFor();

    // Forced from the page with the reader's own token: every action is refused by the server.
    const forced = async (method: string, path: string, body?: unknown): Promise<number> =>
      (await page.evaluate(
        `fetch(${JSON.stringify(`/api/v1${path}`)}, { method: ${JSON.stringify(method)}, headers: { authorization: 'Bearer ' + sessionStorage.getItem('distforge.token'), 'content-type': 'application/json' }, body: ${JSON.stringify(JSON.stringify(body ?? {}))} }).then((r) => r.status)`,
      )) as number;
    assert.equal(await forced('POST', `/builds/${r.body.id}/cancel`), 403);
    assert.equal(await forced('POST', `/builds/${built}/rebuild`), 403);
    assert.equal(await forced('POST', `/builds/${built}/sign`), 403);
    assert.equal(await forced('POST', `/builds/${built}/test`), 403);
    assert.equal(await forced('POST', '/builds', { platforms: [PLATFORM], sources: [{ git: `${repo.url}#main` }] }), 403);
    assert.equal(await forced('POST', '/releases', { platform: PLATFORM, builds: [built] }), 403);
    assert.equal((await show(r.body.id)).state, 'running', 'nothing changed');
    await node.fail(task, 'stopped by the test');
    await page.close();
  });

  test('phone width: the feed, a build and the platforms fit without sideways scrolling', async () => {
    const page = await browser.page(`${server.url}/builds`, { width: 375, height: 740 });
    await page.locator('table.feed tbody tr').first().waitFor();
    assert.equal(await overflowsSideways(page), false, 'feed');
    await checkAccessible(page, 'the feed at phone width');
    await page.goto(`${server.url}/builds/${built}`);
    await page.getByRole('heading', { name: `Build ${built} succeeded`, level: 1 }).waitFor();
    assert.equal(await overflowsSideways(page), false, 'build page');
    await page.goto(`${server.url}/platforms`);
    await page.getByRole('row', { name: new RegExp(PLATFORM) }).waitFor();
    assert.equal(await overflowsSideways(page), false, 'platforms');
    // The keyboard reaches the skip link first, and it leads to the content.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Skip to content');
    await page.close();
  });
});
