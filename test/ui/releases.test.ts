/**
 * The web UI's release pages in a real Chromium against a real master with a real sign server:
 * a maintainer signs a build and plans a release of it from the build page; the plan shows where
 * each package goes, why, and its checks; only an admin is offered the commit, which publishes
 * the release (signed by the sign server), and the revert. The README's screenshot of a release is
 * made here.
 */
// not in the PostgreSQL phase: a browser test of the UI, whose endpoints have their own HTTP tests on both databases.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ReleaseView } from '../../src/releases/index.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api } from '../support/server.ts';
import { screenshot, seriousViolations, signIn, startBrowser, type UiBrowser } from '../support/browser.ts';
import { libraryInBaseOS, makeBuild, releaseSpec, signBuild, startReleaseRig, type ReleaseRig } from '../releases/support.ts';

describe(`the web UI in Chromium: releases (${TEST_DIALECT})`, () => {
  let rig: ReleaseRig;
  let browser: UiBrowser;

  before(async () => {
    rig = await startReleaseRig();
    browser = await startBrowser();
  });
  after(async () => {
    await browser?.close();
    await rig?.close();
  });

  test('sign a build and plan its release as a maintainer; commit and revert it as an admin', async () => {
    await libraryInBaseOS(rig, 'uilib');
    const id = await makeBuild(rig, 'uilib', releaseSpec('uilib', '1.0', [], ['devel']));
    const page = await browser.page(`${rig.server.url}/builds/${id}`);
    await signIn(page, rig.server.maintainer);
    await page.getByRole('heading', { name: `Build ${id} succeeded`, level: 1 }).waitFor();

    // Sign: the sign server signs every package with the platform's key.
    await page.getByRole('button', { name: 'Sign', exact: true }).click();
    await page.getByRole('status').filter({ hasText: /sign tasks with/ }).waitFor();
    await page.getByText(/^signed$/).first().waitFor({ timeout: 60_000 });
    assert.match(await page.locator('#signing-h + p').innerText(), new RegExp(`signed\\s+\\d+ of \\d+ packages signed with ${rig.key.keyid}`));
    assert.equal(await page.getByRole('button', { name: 'Sign', exact: true }).count(), 0, 'a signed build is not offered signing again');

    // Plan a release of it: the plan's page, with its packages, placements and checks.
    await page.getByRole('button', { name: 'Plan a release' }).click();
    await page.waitForURL(/\/releases\/\d+$/);
    const rid = Number(/\/releases\/(\d+)$/.exec(page.url())?.[1]);
    await page.getByRole('heading', { name: `Release ${rid} planned`, level: 1 }).waitFor();
    await page.getByText(/^All \d+ checks pass\.$/).waitFor();
    const packages = page.getByRole('region', { name: 'Packages' });
    assert.match(await packages.getByRole('row', { name: /^uilib-1\.0-1\.el9\.x86_64/ }).innerText(), /BaseOS\/x86_64/);
    assert.match(await packages.getByRole('row', { name: /^uilib-devel-1\.0-1\.el9\.x86_64/ }).innerText(), /AppStream\/x86_64/);
    assert.match(await packages.getByRole('row', { name: /^uilib-1\.0-1\.el9\.src/ }).innerText(), /Source/);
    // The passing checks are folded away; they unfold by keyboard.
    await page.getByText(/^The \d+ passing checks$/).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('region', { name: 'Passing checks' }).getByRole('row', { name: /signed uilib-devel/ }).waitFor();
    // A maintainer plans and edits; committing is an admin's.
    assert.equal(await page.getByRole('button', { name: 'Commit' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Delete plan' }).count(), 1);
    assert.deepEqual(await seriousViolations(page), [], 'axe: a planned release');

    // Another build joins the open plan from its own page.
    const extra = await makeBuild(rig, 'uiextra', releaseSpec('uiextra', '2.0'));
    await signBuild(rig, extra);
    await page.goto(`${rig.server.url}/builds/${extra}`);
    await page.getByRole('heading', { name: `Build ${extra} succeeded`, level: 1 }).waitFor();
    await page.getByRole('button', { name: `Add to release ${rid}` }).click();
    await page.waitForURL(new RegExp(`/releases/${rid}$`));
    await page.getByRole('region', { name: 'Packages' }).getByRole('row', { name: /^uiextra-2\.0-1\.el9\.x86_64/ }).waitFor();
    await page.getByText(/^All \d+ checks pass\.$/).waitFor();
    assert.deepEqual((await api<ReleaseView>(rig.server, 'GET', `/releases/${rid}`)).body.builds.sort(), [id, extra].sort());
    await page.goto(`${rig.server.url}/builds/${extra}`);
    await page.getByRole('link', { name: `In planned release ${rid}` }).waitFor();
    assert.equal(await page.getByRole('button', { name: `Add to release ${rid}` }).count(), 0, 'a plan that has the build is not offered again');
    await page.goto(`${rig.server.url}/releases/${rid}`);
    await page.getByRole('heading', { name: `Release ${rid} planned`, level: 1 }).waitFor();
    // Move it from AppStream (the default repository) to BaseOS: the plan says so.
    const extraRow = page.getByRole('region', { name: 'Packages' }).getByRole('row', { name: /^uiextra-2\.0-1\.el9\.x86_64/ });
    assert.match(await extraRow.innerText(), /AppStream\/x86_64/);
    await extraRow.getByLabel('Move uiextra-2.0-1.el9.x86_64 to').selectOption('BaseOS');
    await extraRow.getByRole('button', { name: 'Move uiextra to BaseOS' }).click();
    await extraRow.filter({ hasText: 'BaseOS/x86_64' }).waitFor();
    const moved = (await api<ReleaseView>(rig.server, 'GET', `/releases/${rid}`)).body.packages.find((p) => p.nevra === 'uiextra-2.0-1.el9.x86_64');
    assert.deepEqual(moved?.repos, ['BaseOS/x86_64']);
    await page.getByText(/^All \d+ checks pass\.$/).waitFor();
    const forced = (await page.evaluate(
      `fetch('/api/v1/releases/${rid}/commit', { method: 'POST', headers: { authorization: 'Bearer ' + sessionStorage.getItem('distforge.token'), 'content-type': 'application/json' }, body: '{}' }).then((r) => r.status)`,
    )) as number;
    assert.equal(forced, 403, 'the server refuses a maintainer\'s commit');
    page.errors.length = 0; // the browser logs the refused request

    // The admin commits; the page follows the release until it is published.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.goto(`${rig.server.url}/releases/${rid}`);
    await signIn(page, rig.server.adminToken);
    // By keyboard: the question takes the focus, Enter confirms.
    await page.getByRole('button', { name: 'Commit' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('group', { name: /Publish release \d+ to example-el9's repositories\?/ }).waitFor();
    // The focus moves once the question is drawn (an effect after the render): wait for it, do not race it.
    await page.waitForFunction("document.activeElement && document.activeElement.textContent === 'Commit and publish'", undefined, { timeout: 10_000 });
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: `Release ${rid} released`, level: 1 }).waitFor({ timeout: 60_000 });
    await page.getByRole('heading', { name: 'Repository versions' }).waitFor();
    assert.match(await page.getByRole('region', { name: 'Repository versions' }).getByRole('row', { name: /^BaseOS\/x86_64 / }).innerText(), /1\s+published/);
    const released = (await api<ReleaseView>(rig.server, 'GET', `/releases/${rid}`)).body;
    assert.equal(released.state, 'released');
    assert.deepEqual(await seriousViolations(page), [], 'axe: a released release');
    await screenshot(page, 'release', { fullPage: true });

    // The platforms page names the release repositories and the key allowed, which downloads.
    await page.getByRole('link', { name: 'Platforms', exact: true }).click();
    const platformRow = page.getByRole('row', { name: /^example-el9/ });
    await platformRow.getByRole('link', { name: rig.key.keyid }).waitFor();
    assert.match(await platformRow.innerText(), /BaseOS, AppStream/);
    const keyFile = await fetch(new URL((await platformRow.getByRole('link', { name: rig.key.keyid }).getAttribute('href')) ?? '', rig.server.url));
    assert.equal(keyFile.status, 200);
    assert.match(await keyFile.text(), /^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    assert.deepEqual(await seriousViolations(page), [], 'axe: platforms with keys');

    // Its release repositories: each channel's versions, what one serves now and what a version changed.
    await platformRow.getByRole('link', { name: /^Release repositories of example-el9/ }).click();
    await page.getByRole('heading', { name: 'Release repositories of example-el9', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'BaseOS/x86_64', exact: true }).click();
    await page.getByRole('heading', { name: /^What it serves now \(version 1\)$/ }).waitFor();
    const served = page.getByRole('region', { name: 'Packages served' });
    await served.getByRole('row', { name: /^uilib-1\.0-1\.el9\.x86_64/ }).waitFor();
    const rpmHref = await served.getByRole('link', { name: 'uilib-1.0-1.el9.x86_64' }).getAttribute('href');
    assert.equal((await fetch(new URL(rpmHref ?? '', rig.server.url))).status, 200, 'the package link downloads from /repos');
    await page.getByLabel('Package name starts with').fill('nothing-like-it');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('No package whose name starts with "nothing-like-it".').waitFor();
    await page.getByRole('link', { name: 'Version 1', exact: true }).click();
    await page.getByRole('heading', { name: 'Version 1 of BaseOS/x86_64' }).waitFor();
    await page.getByText('The first version: everything in it was added.').waitFor();
    assert.match(await page.locator('.two-columns').innerText(), /Added \(2\)\s+uiextra-2\.0-1\.el9\.x86_64\s+uilib-1\.0-1\.el9\.x86_64\s+Removed \(0\)/);
    assert.deepEqual(await seriousViolations(page), [], 'axe: release repositories');

    // The history lists it; the admin may revert it.
    await page.getByRole('link', { name: 'Releases', exact: true }).click();
    const row = page.getByRole('row', { name: new RegExp(`#${rid}\\b`) });
    await row.waitFor();
    assert.match(await row.innerText(), /released/);
    assert.deepEqual(await seriousViolations(page), [], 'axe: the releases list');
    await row.getByRole('link', { name: `#${rid}` }).click();
    await page.getByRole('button', { name: 'Revert' }).click();
    await page.getByRole('button', { name: 'Revert the release' }).click();
    await page.getByRole('heading', { name: `Release ${rid} reverted`, level: 1 }).waitFor();
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});
