/**
 * The web UI's git pages in a real Chromium against a real master (with a build node driven by
 * the test: real RPMs from rpmbuild, and a real sign server): mirrors of local git repositories
 * listed with their state; a maintainer's *Sync now* noticing a new upstream tag, whose event, our
 * autopatched tag, build, tasks, signing and release then appear in the package's pipeline (the
 * package's name holds a dot, as python3.12's does); a mirror whose upstream is gone showing its
 * failure and last error; a read-only user offered no sync and refused one (403) when forcing it.
 * Every page is checked with axe-core and at phone width. The README's screenshot of a pipeline is
 * made here.
 */
// not in the PostgreSQL phase: a browser test of the UI, whose endpoints have their own HTTP tests on both databases.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { ReleaseView } from '../../src/releases/index.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api } from '../support/server.ts';
import { overflowsSideways, screenshot, seriousViolations, signIn, startBrowser, type UiBrowser } from '../support/browser.ts';
import { git, pipeline, pushTag, submittedEntry } from '../git/support.ts';
import { PLATFORM, releaseSpec, signBuild, startReleaseRig, waitRelease, type ReleaseRig } from '../releases/support.ts';
import { makeGitRepo, runSpecBuild } from '../server/builds-support.ts';

/** A package name with a dot: its page's address must still be a page, not a file. */
const PKG = 'greet3.1';
const TAG = `imports/c9/${PKG}-1.0-1.el9`;
const PIPELINE_PATH = `/mirrors/${PKG}/pipeline`;

describe(`the web UI in Chromium: git mirrors and pipelines (${TEST_DIALECT})`, () => {
  const work = mkdtempSync(join(tmpdir(), 'distforge-ui-git-'));
  let rig: ReleaseRig;
  let browser: UiBrowser;
  let upstream = '';
  let vanishing = '';

  before(async () => {
    rig = await startReleaseRig();
    browser = await startBrowser();
    const admin = rig.server.adminToken;
    // Our patches: a release suffix, so that the build is of our autopatched tag.
    const patches = join(work, 'patches');
    mkdirSync(patches, { recursive: true });
    writeFileSync(join(patches, `${PKG}.yaml`), 'actions:\n  - modify_release: {suffix: .alma.1}\n');
    git(patches, 'init', '-q');
    git(patches, 'add', '-A');
    git(patches, 'commit', '-q', '-m', 'actions');
    upstream = makeGitRepo(join(work, 'upstream'), PKG, { [`${PKG}.spec`]: releaseSpec(PKG, '1.0', ['BuildArch: noarch']) }).url;
    vanishing = makeGitRepo(join(work, 'upstream'), 'vanishing', { 'vanishing.spec': releaseSpec('vanishing', '1.0') }).url;
    for (const [name, url] of [[PKG, upstream], ['vanishing', vanishing]]) {
      const r = await api(rig.server, 'POST', '/git/mirrors', { token: admin, body: { name, url } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    const rule = { name: 'a9', tag: 'imports/c9/*', mirrors: [PKG], platforms: [PLATFORM], autopatch: { repo: patches, ref: 'main', branch: 'a9' } };
    assert.equal((await api(rig.server, 'PUT', '/git/rules/a9', { token: admin, body: rule })).status, 201);
  });
  after(async () => {
    await browser?.close();
    await rig?.close();
    rmSync(work, { recursive: true, force: true });
  });

  async function checkAccessible(page: Page, what: string): Promise<void> {
    assert.deepEqual(await seriousViolations(page), [], `axe: ${what}`);
  }

  const mirrorRow = (page: Page, name: string) => page.getByRole('region', { name: 'Mirrors and their state' }).getByRole('row', { name: new RegExp(`^${name.replaceAll('.', '\\.')} `) });
  const pipelineRow = (page: Page, ref: string) => page.getByRole('region', { name: 'Pipeline, newest first' }).getByRole('row', { name: new RegExp(`^${ref.replaceAll('.', '\\.')} `) });

  test('anonymous: the mirrors with their state, the rules, no Sync button', async () => {
    const page = await browser.page(`${rig.server.url}/`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Git' }).click();
    await page.waitForURL(/\/mirrors$/);
    await page.getByRole('heading', { name: 'Git mirrors', level: 1 }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Git' }).getAttribute('aria-current'), 'page');
    await page.getByText('2 mirrors: 2 synced, 0 failing, 0 not synced yet.').waitFor();
    const row = mirrorRow(page, PKG);
    const text = await row.innerText();
    assert.ok(text.includes(upstream), text);
    assert.match(text, /synced/);
    assert.match(text, /\bnext \d{4}-\d\d-\d\d/, 'the next poll is shown');
    assert.deepEqual(await row.getByRole('cell').allInnerTexts().then((cells) => cells.slice(-3)), ['0', '–', '1'], 'no failures, no error, one branch');
    const rule = await page.getByRole('region', { name: 'Rules: refs built for platforms' }).getByRole('row', { name: /^a9 / }).innerText();
    assert.match(rule, /tags\s+imports\/c9\/\*/);
    assert.match(rule, new RegExp(`${PKG.replace('.', '\\.')}\\s+${PLATFORM}`));
    assert.match(rule, /our branch a9/);
    await page.getByText(/No tag or branch has appeared or moved upstream/).waitFor();
    assert.equal(await page.getByRole('button', { name: /Sync now/ }).count(), 0, 'anonymous users are offered no sync');
    await checkAccessible(page, 'the mirrors list');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('a maintainer syncs a new tag; its pipeline shows our ref, the build, its tasks, signed and released', async () => {
    const commit = pushTag(upstream, TAG);
    pushTag(upstream, 'unrelated');
    const page = await browser.page(`${rig.server.url}/mirrors`);
    await signIn(page, rig.server.maintainer);
    await page.getByRole('heading', { name: 'Git mirrors', level: 1 }).waitFor();

    // Sync now: the result beside the button; the latest events show what came in.
    await mirrorRow(page, PKG).getByRole('button', { name: `Sync now: ${PKG}` }).click();
    await mirrorRow(page, PKG).getByRole('status').filter({ hasText: 'Synced: 2 new or moved refs (1 to build, 1 matching no rule).' }).waitFor();
    const events = page.getByRole('region', { name: 'Upstream events, newest first' });
    await events.getByRole('row', { name: new RegExp(`${PKG.replace('.', '\\.')} tag ${TAG.replaceAll('.', '\\.')}`) }).waitFor();
    assert.match(await events.getByRole('row', { name: /tag unrelated/ }).innerText(), /ignored\s+no rule matches this ref/);
    await mirrorRow(page, PKG).getByRole('cell', { name: '3', exact: true }).waitFor(); // its refs: main and the two tags

    // The package's page: its address ends in a word, so a name with a dot is a page, not a file.
    await mirrorRow(page, PKG).getByRole('link', { name: PKG }).click();
    await page.waitForURL(new RegExp(`${PIPELINE_PATH.replaceAll('.', '\\.')}$`));
    await page.getByRole('heading', { name: `${PKG} synced`, level: 1 }).waitFor();
    const entry = await submittedEntry(rig.server, PKG, `refs/tags/${TAG}`);
    assert.equal(entry.commit, commit);
    const row = pipelineRow(page, `tag ${TAG}`);
    await row.getByRole('link', { name: `build #${entry.buildId}`, exact: true }).waitFor();
    const submitted = await row.innerText();
    assert.match(submitted, new RegExp(`a9\\s+tag changed/a9/${PKG.replace('.', '\\.')}-1\\.0-1\\S*\\.alma\\.1 autopatched, ${entry.ourCommit?.slice(0, 12) ?? '?'}`));
    assert.match(submitted, new RegExp(commit.slice(0, 12)));
    assert.match(submitted, /not signed\s+not released/);
    assert.match(await pipelineRow(page, 'tag unrelated').innerText(), /none\s+–\s+ignored\s+no rule matches this ref/);

    // The node builds our tag (the spec as autopatch left it); the page follows by itself.
    const spec = git(join(rig.server.dataDir, 'git', 'ours', `${PKG}.git`), 'show', `${entry.ourCommit ?? ''}:${PKG}.spec`);
    assert.match(spec, /\.alma\.1/);
    await runSpecBuild(rig.server, rig.node, entry.buildId, { name: PKG, spec, workDir: mkdtempSync(join(work, 'rpmbuild-')) });
    await row.getByText('succeeded', { exact: true }).waitFor({ timeout: 20_000 });
    assert.deepEqual(await row.getByRole('list', { name: '2 tasks' }).getByRole('listitem').allInnerTexts(), ['2 succeeded']);

    // Signed by the sign server, then released: each shown with when and where.
    await signBuild(rig, entry.buildId);
    await page.reload();
    await row.getByText('signed', { exact: true }).waitFor();
    assert.match(await row.innerText(), /signed\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+not released/);
    const plan = await api<ReleaseView>(rig.server, 'POST', '/releases', { token: rig.server.maintainer, body: { platform: PLATFORM, builds: [entry.buildId] } });
    assert.equal(plan.status, 201, JSON.stringify(plan.body));
    assert.ok(plan.body.packages.some((p) => p.nevra === `${PKG}-1.0-1.el9.alma.1.noarch`), JSON.stringify(plan.body.packages.map((p) => p.nevra)));
    assert.equal((await api(rig.server, 'POST', `/releases/${plan.body.id}/commit`, { token: rig.server.adminToken, body: {} })).status, 202);
    await waitRelease(rig, plan.body.id);
    await page.reload();
    await row.getByRole('link', { name: `release #${plan.body.id}` }).waitFor();
    assert.match(await row.innerText(), new RegExp(`released in release #${plan.body.id}`));
    assert.equal((await pipeline(rig.server, PKG)).pipeline.find((e) => e.ref === `refs/tags/${TAG}`)?.build?.released, true);
    await checkAccessible(page, 'a pipeline');
    await screenshot(page, 'git', { fullPage: true });

    // The branches and tags unfold by keyboard; the release and the build are a click away.
    await page.getByText('Its branches and tags (3)').focus();
    await page.keyboard.press('Enter');
    assert.match(await page.getByRole('region', { name: 'Branches and tags' }).getByRole('row', { name: `tag ${TAG}` }).innerText(), new RegExp(commit.slice(0, 12)));
    await row.getByRole('link', { name: `release #${plan.body.id}` }).click();
    await page.getByRole('heading', { name: `Release ${plan.body.id} released`, level: 1 }).waitFor();
    await page.goBack();
    await row.getByRole('link', { name: `build #${entry.buildId}`, exact: true }).click();
    await page.getByRole('heading', { name: `Build ${entry.buildId} succeeded`, level: 1 }).waitFor();

    // The address opens by itself (a reload, a bookmark) despite the dot in the name.
    const direct = await browser.page(`${rig.server.url}${PIPELINE_PATH}`);
    await direct.getByRole('heading', { name: `${PKG} synced`, level: 1 }).waitFor();
    assert.deepEqual(page.errors, []);
    assert.deepEqual(direct.errors, []);
    await direct.close();
    await page.close();
  });

  test('a mirror whose upstream is gone: Sync now shows the refusal, the list and its page the failure and last error', async () => {
    rmSync(vanishing, { recursive: true, force: true });
    const page = await browser.page(`${rig.server.url}/mirrors`);
    await signIn(page, rig.server.maintainer);
    const row = mirrorRow(page, 'vanishing');
    await row.getByRole('button', { name: 'Sync now: vanishing' }).click();
    const refusal = row.getByRole('alert');
    await refusal.waitFor();
    assert.match(await refusal.innerText(), new RegExp(`cannot reach git repository ${vanishing}`));
    await row.getByText('failing', { exact: true }).waitFor();
    const cells = await row.getByRole('cell').allInnerTexts();
    assert.equal(cells[3], '1', 'one failure');
    assert.match(cells[4] ?? '', new RegExp(`cannot reach git repository ${vanishing}`), 'the last error');
    await page.getByText('2 mirrors: 1 synced, 1 failing, 0 not synced yet.').waitFor();
    page.errors.length = 0; // the browser logs the refused request

    // Failing only: the address keeps the filter.
    await page.getByLabel('Failing only').check();
    await page.waitForURL(/\/mirrors\?failing=1$/);
    await page.getByRole('region', { name: 'Mirrors and their state' }).getByRole('row', { name: /^vanishing / }).waitFor();
    assert.equal(await mirrorRow(page, PKG).count(), 0);
    await page.getByLabel('Name or URL').fill('nothing-like-it');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No mirror matches.').waitFor();
    await checkAccessible(page, 'a failing mirror in the list');

    await page.goto(`${rig.server.url}/mirrors/vanishing/pipeline`);
    await page.getByRole('heading', { name: 'vanishing failing', level: 1 }).waitFor();
    assert.match(await page.getByRole('note').innerText(), new RegExp(`The last sync failed: cannot reach git repository ${vanishing}`));
    await page.getByText(/No tag or branch has appeared or moved upstream since the mirror's first sync/).waitFor();
    await checkAccessible(page, 'a failing mirror');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('a read-only user is offered no sync, and the API refuses one forced from the page (403)', async () => {
    const page = await browser.page(`${rig.server.url}/mirrors`);
    await signIn(page, rig.server.reader);
    await mirrorRow(page, PKG).waitFor();
    assert.equal(await page.getByRole('button', { name: /Sync now/ }).count(), 0);
    assert.equal(await page.getByRole('columnheader', { name: 'Actions' }).count(), 0);
    await page.goto(`${rig.server.url}${PIPELINE_PATH}`);
    await page.getByRole('heading', { name: `${PKG} synced`, level: 1 }).waitFor();
    assert.equal(await page.getByRole('button', { name: /Sync now/ }).count(), 0);
    const forced = (await page.evaluate(
      `fetch('/api/v1/git/mirrors/${PKG}/sync', { method: 'POST', headers: { authorization: 'Bearer ' + sessionStorage.getItem('distforge.token') } }).then((r) => r.status)`,
    )) as number;
    assert.equal(forced, 403, 'the server refuses a read-only user’s sync');
    page.errors.length = 0; // the browser logs the refused request

    // An unknown mirror: the API's error on the page.
    await page.goto(`${rig.server.url}/mirrors/no-such-mirror/pipeline`);
    await page.getByRole('alert').filter({ hasText: 'no git mirror "no-such-mirror"' }).waitFor();
    page.errors.length = 0;
    await page.close();
  });

  test('phone width: the mirrors and a pipeline as cards, nothing scrolls sideways', async () => {
    for (const path of ['/mirrors', PIPELINE_PATH]) {
      const page = await browser.page(`${rig.server.url}${path}`, { width: 375 });
      await page.getByRole('heading', { level: 1 }).waitFor();
      await page.getByRole('table').first().waitFor();
      assert.equal(await overflowsSideways(page), false, `${path} at 375 px`);
      await checkAccessible(page, `${path} at 375 px`);
      await page.close();
    }
  });
});
