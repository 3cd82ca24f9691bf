/**
 * The new-build form with several platforms in a real Chromium: the arches offered are those of
 * the chosen platforms, all asked for until some are left out; what is left out is not built (the
 * build records the arches asked for), leaving none out asks for every arch, and leaving all out
 * is refused in the form.
 */
// not in the PostgreSQL phase: a browser test of the UI, whose endpoints have their own HTTP tests on both databases.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BuildView } from '../../src/builds/index.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api } from '../support/server.ts';
import { seriousViolations, signIn, startBrowser, type UiBrowser } from '../support/browser.ts';
import { makeGitRepo, multiArchPlatform, specOf, startBuildsServer, type BuildsServer } from '../server/builds-support.ts';

describe(`the web UI in Chromium: the new-build form's platforms and arches (${TEST_DIALECT})`, () => {
  let server: BuildsServer;
  let browser: UiBrowser;

  before(async () => {
    server = await startBuildsServer({ morePlatforms: [multiArchPlatform('multi-el9')] });
    browser = await startBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the arches of the chosen platforms; those left out are not asked for', async () => {
    const repo = makeGitRepo(server.gitRoot, 'uiarch', { 'uiarch.spec': specOf('uiarch') });
    const page = await browser.page(`${server.url}/builds/new`);
    await signIn(page, server.maintainer);
    await page.getByRole('heading', { name: 'New build', level: 1 }).waitFor();
    await page.getByLabel('Git URL 1').fill(repo.url);
    const arches = page.getByRole('group', { name: 'Arches' });
    const values = async (): Promise<(string | null)[]> => Promise.all((await arches.getByRole('checkbox').all()).map((c) => c.getAttribute('value')));
    assert.equal(await arches.count(), 0, 'no platform chosen yet: no arches to offer');

    await page.getByRole('checkbox', { name: /^example-el9/ }).check();
    assert.deepEqual(await values(), ['x86_64']);
    await page.getByRole('checkbox', { name: /^multi-el9/ }).check();
    assert.deepEqual(await values(), ['x86_64', 'aarch64', 'ppc64le']);
    for (const a of ['x86_64', 'aarch64', 'ppc64le']) assert.equal(await arches.getByRole('checkbox', { name: a }).isChecked(), true, `${a} is asked for at first`);
    assert.deepEqual(await seriousViolations(page), [], 'axe: the form with arches');

    // None left: refused in the form, nothing submitted.
    for (const a of ['x86_64', 'aarch64', 'ppc64le']) await arches.getByRole('checkbox', { name: a }).uncheck();
    const total = async (): Promise<number> => (await api<{ total: number }>(server, 'GET', '/builds', { token: server.reader })).body.total;
    const before = await total();
    await page.getByRole('button', { name: 'Submit build' }).click();
    await page.getByText('Choose at least one arch.').waitFor();
    assert.equal(await total(), before);

    // aarch64 only, on example-el9 (x86_64 only) and multi-el9: the master refuses, naming the platform.
    await arches.getByRole('checkbox', { name: 'aarch64' }).check();
    await page.getByRole('button', { name: 'Submit build' }).click();
    await page.getByText(/platform example-el9 builds none of aarch64 \(it builds x86_64\)/).waitFor();
    assert.equal(await total(), before);

    // x86_64 and aarch64 on both platforms: the build asks for them.
    await arches.getByRole('checkbox', { name: 'x86_64' }).check();
    await page.getByRole('button', { name: 'Submit build' }).click();
    await page.waitForURL(/\/builds\/\d+$/);
    const id = Number(/\/builds\/(\d+)$/.exec(page.url())?.[1]);
    const b = (await api<BuildView>(server, 'GET', `/builds/${id}`, { token: server.reader })).body;
    assert.deepEqual(b.platforms, ['example-el9', 'multi-el9']);
    assert.deepEqual(b.arches, ['x86_64', 'aarch64']);
    await page.getByText('x86_64, aarch64 (and noarch)').waitFor();

    // Every arch asked for is sent as none: the build is for every arch of its platforms.
    await page.goto(`${server.url}/builds/new`);
    await page.getByLabel('Git URL 1').fill(repo.url);
    await page.getByRole('checkbox', { name: /^multi-el9/ }).check();
    await page.getByRole('button', { name: 'Submit build' }).click();
    await page.waitForURL(/\/builds\/\d+$/);
    const all = Number(/\/builds\/(\d+)$/.exec(page.url())?.[1]);
    assert.equal((await api<BuildView>(server, 'GET', `/builds/${all}`, { token: server.reader })).body.arches, null);
    await page.getByText('every arch of its platforms').waitFor();
    assert.deepEqual(page.errors, ['Failed to load resource: the server responded with a status of 400 (Bad Request)'], 'only the refusal asked for');
    await page.close();
  });
});
