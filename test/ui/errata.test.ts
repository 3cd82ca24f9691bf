/**
 * The web UI's errata pages in a real Chromium against a real master, a build node driven by the
 * test (real RPMs from rpmbuild) and a real sign server: a maintainer writes a security advisory in
 * the editor, choosing its packages with the package picker from the platform's builds; bad input
 * shows the server's one-line refusal and changes nothing; a read-only user is offered no action
 * and the API refuses the approval when forced; an admin approves it; the list finds it by CVE, by
 * package and by id; its OSV view shows the document the API gives; a release carrying it publishes
 * it, the release's page leads to it; it is amended, then retracted with a reason. Every page is
 * checked with axe-core; the list and an advisory at phone width too. The screenshots of the errata
 * list, the editor and an advisory in docs/ui.md are made here.
 */
// not in the PostgreSQL phase: a browser test of the UI, whose endpoints have their own HTTP tests on both databases.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { AdvisoryPage, AdvisoryRecord } from '../../src/errata/index.ts';
import type { ReleaseView } from '../../src/releases/index.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api } from '../support/server.ts';
import { overflowsSideways, screenshot, seriousViolations, signIn, startBrowser, type UiBrowser } from '../support/browser.ts';
import { libraryInBaseOS, makeBuild, PLATFORM, releaseSpec, signBuild, startReleaseRig, type ReleaseRig } from '../releases/support.ts';

const CVE = 'CVE-2026-40001';

describe(`the web UI in Chromium: errata (${TEST_DIALECT})`, () => {
  let rig: ReleaseRig;
  let browser: UiBrowser;
  let build = 0;
  let id = '';

  const advisory = async (): Promise<AdvisoryRecord> => (await api<AdvisoryRecord>(rig.server, 'GET', `/errata/${id}`, { token: rig.server.reader })).body;
  const total = async (): Promise<number> => (await api<AdvisoryPage>(rig.server, 'GET', '/errata', { token: rig.server.reader })).body.total;
  /** A call from the page with the signed-in user's own token; its status. */
  const forced = async (page: Page, method: string, path: string, body?: unknown): Promise<number> =>
    (await page.evaluate(
      `fetch(${JSON.stringify(`/api/v1${path}`)}, { method: ${JSON.stringify(method)}, headers: { authorization: 'Bearer ' + sessionStorage.getItem('distforge.token'), 'content-type': 'application/json' }, body: ${JSON.stringify(JSON.stringify(body ?? {}))} }).then((r) => r.status)`,
    )) as number;
  /** The one error the page shows, which must be the server's message, on one line. */
  async function refusal(page: Page): Promise<string> {
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = (await alert.innerText()).trim();
    assert.doesNotMatch(text, /\n/);
    return text;
  }
  /** Chooses a package with the picker: searches the platform's builds, ticks the NEVRA. */
  async function pick(page: Page, search: string, nevra: string): Promise<void> {
    await page.getByLabel(`Find built packages of ${PLATFORM}`).fill(search);
    await page.getByRole('status').filter({ hasText: `Packages of 1 build of ${PLATFORM} start with “${search}”.` }).waitFor();
    await page.getByRole('checkbox', { name: nevra, exact: true }).check();
    await page.getByRole('list', { name: 'Chosen packages' }).getByText(nevra, { exact: true }).waitFor();
  }

  before(async () => {
    rig = await startReleaseRig();
    browser = await startBrowser();
    await libraryInBaseOS(rig, 'uifix');
    build = await makeBuild(rig, 'uifix', releaseSpec('uifix', '1.0', [], ['devel']));
  });
  after(async () => {
    await browser?.close();
    await rig?.close();
  });

  test('a maintainer writes an advisory, picking its packages from the builds; bad input shows the server\'s refusal and changes nothing', async () => {
    const page = await browser.page(`${rig.server.url}/errata`);
    await signIn(page, rig.server.maintainer);
    await page.getByRole('heading', { name: 'Errata', level: 1 }).waitFor();
    await page.getByText('No advisories yet.').waitFor();
    await page.getByRole('link', { name: 'New advisory' }).click();
    await page.getByRole('heading', { name: 'New advisory', level: 1 }).waitFor();
    assert.equal(await page.getByLabel('Platform').inputValue(), PLATFORM, 'the only platform is chosen');
    await page.getByLabel('Type').selectOption('security');
    await page.getByLabel('Severity').selectOption('Important');
    await page.getByLabel('Synopsis').fill('Important: uifix security update');
    await page.getByLabel('Description').fill('A crafted input overflowed a buffer in uifix.');
    await page.getByLabel('Solution').fill('Update uifix.');
    await page.getByLabel('Id 1', { exact: true }).fill('CVE-26-1');

    // The picker: the builds of the platform whose packages start with the text, NEVRAs to tick.
    await page.getByLabel(`Find built packages of ${PLATFORM}`).fill('uifix');
    const found = page.getByRole('group', { name: new RegExp(`^Build #${build}\\b`) });
    await found.getByRole('checkbox', { name: 'uifix-devel-1.0-1.el9.x86_64', exact: true }).waitFor();
    await pick(page, 'uifix-1', 'uifix-1.0-1.el9.x86_64');
    await pick(page, 'uifix-1.0-1.el9.s', 'uifix-1.0-1.el9.src');
    assert.equal(await page.getByRole('checkbox', { name: 'uifix-devel-1.0-1.el9.x86_64' }).count(), 0, 'the search narrowed');
    await screenshot(page, 'advisory-editor', { fullPage: true });
    await page.getByLabel(`Find built packages of ${PLATFORM}`).fill('nosuch');
    await page.getByText(`No built package of ${PLATFORM} starts with “nosuch”.`).waitFor();
    assert.deepEqual(await seriousViolations(page), [], 'axe: the editor');

    // A malformed CVE id: the server's message, one line; nothing is made.
    await page.getByRole('button', { name: 'Create draft' }).click();
    assert.equal(await refusal(page), 'references[0].id: "CVE-26-1" is not a CVE id (CVE-YYYY-NNNN)');
    assert.match(page.url(), /\/errata\/new$/);
    assert.equal(await total(), 0, 'nothing made');

    await page.getByLabel('Id 1', { exact: true }).fill(CVE);
    await page.getByRole('button', { name: 'Create draft' }).click();
    await page.waitForURL(/\/errata\/[A-Z]+SA-\d{4}:\d{4}$/);
    id = decodeURIComponent(/\/errata\/([^/]+)$/.exec(page.url())?.[1] ?? '');
    assert.match(id, /^DFSA-\d{4}:0001$/);
    await page.getByRole('heading', { name: `${id} draft`, level: 1 }).waitFor();
    await page.getByText('Important: uifix security update').waitFor();
    const packages = page.getByRole('region', { name: 'Packages' });
    assert.deepEqual(await packages.locator('tbody th').allInnerTexts(), ['uifix-1.0-1.el9.x86_64', 'uifix-1.0-1.el9.src']);
    assert.match(await packages.getByRole('row', { name: /^uifix-1\.0-1\.el9\.src/ }).innerText(), /uifix-1\.0-1\.el9/);
    const cve = page.getByRole('region', { name: 'References' }).getByRole('link', { name: CVE });
    assert.equal(await cve.getAttribute('href'), `https://www.cve.org/CVERecord?id=${CVE}`);
    const made = await advisory();
    assert.deepEqual([made.state, made.severity, made.createdBy, made.references.map((r) => r.id)], ['draft', 'Important', 'maint', [CVE]]);
    // A maintainer edits and deletes drafts; approving is an admin's.
    const actions = page.getByRole('group', { name: 'Actions' });
    assert.equal(await actions.getByRole('link', { name: 'Edit' }).count(), 1);
    assert.equal(await actions.getByRole('button', { name: 'Delete' }).count(), 1);
    assert.equal(await actions.getByRole('button', { name: 'Approve' }).count(), 0);
    assert.deepEqual(await seriousViolations(page), [], 'axe: a draft advisory');

    // Edit: removing the severity of a security advisory is refused as the server says; nothing changes.
    await actions.getByRole('link', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: `Edit ${id} draft`, level: 1 }).waitFor();
    assert.deepEqual(await page.getByRole('list', { name: 'Chosen packages' }).getByRole('listitem').allInnerTexts().then((t) => t.map((x) => x.replace(/\s*Remove$/, ''))), ['uifix-1.0-1.el9.x86_64', 'uifix-1.0-1.el9.src']);
    await page.getByLabel('Severity').selectOption('');
    await page.getByRole('button', { name: 'Save changes' }).click();
    assert.equal(await refusal(page), 'severity: a security advisory needs a severity (Critical, Important, Moderate, Low)');
    assert.deepEqual(await advisory(), made, 'nothing changed');

    // Then a good change: the severity back, the devel package added with the picker.
    await page.getByLabel('Severity').selectOption('Moderate');
    await pick(page, 'uifix-devel', 'uifix-devel-1.0-1.el9.x86_64');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: `${id} draft`, level: 1 }).waitFor();
    await page.getByRole('region', { name: 'Packages' }).getByRole('row', { name: /^uifix-devel-1\.0-1\.el9\.x86_64/ }).waitFor();
    const edited = await advisory();
    assert.equal(edited.severity, 'Moderate');
    assert.deepEqual(edited.packages.map((p) => p.nevra), ['uifix-1.0-1.el9.x86_64', 'uifix-1.0-1.el9.src', 'uifix-devel-1.0-1.el9.x86_64']);
    assert.deepEqual(page.errors.filter((e) => !/status of 400/.test(e)), []);
    await page.close();
  });

  test('a read-only user sees no edit, approve or delete, and the API refuses them when forced', async () => {
    const page = await browser.page(`${rig.server.url}/errata/${id}`);
    // A draft is for users only.
    await page.getByRole('alert').filter({ hasText: `advisory ${id} is not released: a user token is required` }).waitFor();
    await signIn(page, rig.server.reader);
    await page.getByRole('heading', { name: `${id} draft`, level: 1 }).waitFor();
    assert.equal(await page.getByRole('group', { name: 'Actions' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: /Approve|Retract|Delete/ }).count(), 0);
    assert.equal(await page.getByRole('link', { name: /^(Edit|Amend)$/ }).count(), 0);
    await page.getByRole('link', { name: 'Errata', exact: true }).click();
    await page.getByRole('row', { name: new RegExp(id) }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'New advisory' }).count(), 0);
    await page.goto(`${rig.server.url}/errata/${id}/edit`);
    await page.getByText(/Writing advisories needs the maintainer role\. You are signed in as reader \(read-only\)/).waitFor();
    const before = await advisory();
    assert.equal(await forced(page, 'POST', `/errata/${id}/approve`), 403);
    assert.equal(await forced(page, 'PATCH', `/errata/${id}`, { title: 'changed' }), 403);
    assert.equal(await forced(page, 'DELETE', `/errata/${id}`), 403);
    assert.equal(await forced(page, 'POST', '/errata', { platform: PLATFORM, type: 'bugfix', title: 'x', packages: ['uifix-1.0-1.el9.x86_64'] }), 403);
    assert.deepEqual(await advisory(), before, 'nothing changed');
    await page.close();
  });

  test('an admin approves it; the list finds it by CVE, package and id; its OSV view is the API\'s document', async () => {
    const page = await browser.page(`${rig.server.url}/errata/${id}`);
    await signIn(page, rig.server.adminToken);
    await page.getByRole('heading', { name: `${id} draft`, level: 1 }).waitFor();
    page.errors.length = 0; // the browser logged the 401 a draft gets before signing in
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('button', { name: 'Approve it' }).click();
    await page.getByRole('heading', { name: `${id} approved`, level: 1 }).waitFor();
    assert.match(await page.locator('.fact', { hasText: 'Approved' }).innerText(), /by admin/);
    assert.equal((await advisory()).state, 'approved');

    // Search: a CVE id in any case, a binary package name, the start of the id; a miss says so.
    await page.getByRole('link', { name: 'Errata', exact: true }).click();
    const search = async (text: string): Promise<void> => {
      await page.getByLabel('Search', { exact: true }).fill(text);
      await page.getByRole('button', { name: 'Search' }).click();
      await page.waitForURL((u) => u.searchParams.get('q') === text);
    };
    const row = page.getByRole('region', { name: 'Advisories' }).getByRole('row', { name: new RegExp(`^${id}`) });
    for (const text of [CVE.toLowerCase(), 'uifix-devel', id.slice(0, 9)]) {
      await search(text);
      await page.getByRole('status').filter({ hasText: 'Advisories 1–1 of 1' }).waitFor();
      const cells = await row.innerText();
      assert.match(cells, /security/);
      assert.match(cells, /Moderate/);
      assert.match(cells, /approved/);
      assert.match(cells, /Important: uifix security update/);
      assert.match(cells, new RegExp(PLATFORM));
      assert.match(cells, /uifix/);
      assert.match(cells, new RegExp(CVE));
    }
    await page.getByLabel('State').selectOption('draft');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No advisories match.').waitFor();
    await page.goto(`${rig.server.url}/errata?q=nosuch`);
    await page.getByText('No advisories match.').waitFor();
    await page.getByRole('link', { name: 'Clear' }).click();
    await row.waitFor();
    assert.deepEqual(await seriousViolations(page), [], 'axe: the errata list');
    await screenshot(page, 'errata');

    // The OSV view: the API's document, formatted.
    await row.getByRole('link', { name: id }).click();
    await page.getByRole('link', { name: 'OSV JSON' }).click();
    const pre = page.getByLabel(`OSV document of ${id}`);
    await pre.waitFor();
    const shown = JSON.parse(await pre.innerText()) as { id: string; aliases: string[]; affected: { package: { name: string } }[] };
    const osv = (await api(rig.server, 'GET', `/errata/${id}/osv`, { token: rig.server.reader })).body;
    assert.deepEqual(shown, osv);
    assert.equal(shown.id, id);
    assert.deepEqual(shown.aliases, [CVE]);
    assert.deepEqual(shown.affected.map((a) => a.package.name), ['uifix']);
    assert.match(await pre.innerText(), /^\{\n {2}"/, 'indented');
    assert.equal(await page.getByRole('link', { name: 'OSV JSON' }).getAttribute('aria-current'), 'page');
    assert.deepEqual(await seriousViolations(page), [], 'axe: the OSV view');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('a release carrying the advisory publishes it; the release page leads to it, released; amended, retracted; a phone', async () => {
    await signBuild(rig, build);
    const planned = await api<ReleaseView>(rig.server, 'POST', '/releases', { token: rig.server.maintainer, body: { platform: PLATFORM, builds: [build], advisories: [id] } });
    assert.equal(planned.status, 201, JSON.stringify(planned.body));
    const rid = planned.body.id;
    const page = await browser.page(`${rig.server.url}/releases/${rid}`);
    await signIn(page, rig.server.adminToken);
    await page.getByRole('heading', { name: `Release ${rid} planned`, level: 1 }).waitFor();
    await page.getByText(/^All \d+ checks pass\.$/).waitFor();
    await page.getByRole('button', { name: 'Commit' }).click();
    await page.getByRole('button', { name: 'Commit and publish' }).click();
    await page.getByRole('heading', { name: `Release ${rid} released`, level: 1 }).waitFor({ timeout: 60_000 });

    // The release names its advisory; the link opens it, released by that release.
    await page.locator('.fact', { hasText: 'Advisories' }).getByRole('link', { name: id }).click();
    await page.getByRole('heading', { name: `${id} released`, level: 1 }).waitFor();
    const by = page.locator('.fact', { hasText: 'Released by' }).getByRole('link', { name: `release #${rid}` });
    assert.equal(await by.getAttribute('href'), `/releases/${rid}`);
    assert.notEqual(await page.locator('.fact', { hasText: 'Issued' }).innerText(), 'Issued\n–');
    // Released: an admin may retract it, a maintainer amend it; nobody deletes it.
    const actions = page.getByRole('group', { name: 'Actions' });
    assert.equal(await actions.getByRole('link', { name: 'Amend' }).count(), 1);
    assert.equal(await actions.getByRole('button', { name: 'Retract' }).count(), 1);
    assert.equal(await actions.getByRole('button', { name: 'Delete' }).count(), 0);
    assert.deepEqual(await seriousViolations(page), [], 'axe: a released advisory');
    await screenshot(page, 'advisory', { fullPage: true });

    // An amendment: a clearer description and the upstream advisory named later; it stays released.
    await actions.getByRole('link', { name: 'Amend' }).click();
    await page.getByRole('heading', { name: `Amend ${id} released`, level: 1 }).waitFor();
    assert.equal(await page.getByLabel('Synopsis').count(), 0, 'a released advisory keeps its synopsis');
    assert.equal(await page.getByLabel(`Find built packages of ${PLATFORM}`).count(), 0, 'and its packages');
    await page.getByLabel('Description').fill('A crafted input overflowed a buffer in uifix; fixed upstream.');
    await page.getByLabel('Kind 1', { exact: true }).selectOption('upstream');
    await page.getByLabel('Id 1', { exact: true }).fill('RHSA-2026:4242');
    await page.getByLabel('Link 1', { exact: true }).fill('https://access.redhat.com/errata/RHSA-2026:4242');
    assert.deepEqual(await seriousViolations(page), [], 'axe: an amendment');
    await page.getByRole('button', { name: 'Save the amendment' }).click();
    await page.getByRole('heading', { name: `${id} released`, level: 1 }).waitFor();
    await page.getByRole('region', { name: 'References' }).getByRole('link', { name: 'RHSA-2026:4242' }).waitFor();
    const amended = await advisory();
    assert.deepEqual([amended.state, amended.references.map((r) => r.id), amended.description], ['released', [CVE, 'RHSA-2026:4242'], 'A crafted input overflowed a buffer in uifix; fixed upstream.']);

    // Retracted by the admin, with a reason: final, and said on its page.
    await page.getByLabel('Reason to retract').fill('superseded by a later fix');
    await page.getByRole('button', { name: 'Retract' }).click();
    await page.getByRole('button', { name: 'Retract it' }).click();
    await page.getByRole('heading', { name: `${id} retracted`, level: 1 }).waitFor();
    assert.match(await page.locator('.fact', { hasText: 'Retracted' }).innerText(), /by admin: superseded by a later fix$/);
    assert.equal(await page.getByRole('group', { name: 'Actions' }).getByRole('button').count(), 0, 'nothing more to do');
    assert.deepEqual([(await advisory()).state, (await advisory()).retractionReason], ['retracted', 'superseded by a later fix']);

    // Anyone finds it, released once and retracted since: the list without signing in.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.goto(`${rig.server.url}/errata?state=retracted&q=uifix`);
    assert.match(await page.getByRole('region', { name: 'Advisories' }).getByRole('row', { name: new RegExp(`^${id}`) }).innerText(), /retracted/);
    assert.equal((await advisory()).releaseId, rid);
    assert.deepEqual(page.errors, []);
    await page.close();

    // At phone width the list and the advisory fit without sideways scrolling.
    const phone = await browser.page(`${rig.server.url}/errata`, { width: 375, height: 740 });
    await phone.getByRole('link', { name: id }).click();
    await phone.getByRole('heading', { name: `${id} retracted`, level: 1 }).waitFor();
    assert.equal(await overflowsSideways(phone), false, 'an advisory');
    await phone.goto(`${rig.server.url}/errata`);
    await phone.getByRole('link', { name: id }).waitFor();
    assert.equal(await overflowsSideways(phone), false, 'the list');
    assert.deepEqual(await seriousViolations(phone), [], 'axe: the list at phone width');
    await phone.close();
  });
});
