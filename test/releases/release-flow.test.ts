/**
 * A release from builds to dnf clients, over real HTTP: plan → checks → commit → the sign server
 * signs the new repository versions → dnf installs from /repos/… in an empty root with
 * gpgcheck=1 and repo_gpgcheck=1 (through the .repo file too) → a second release → its revert →
 * dnf sees the earlier content again. A closure failure refuses a commit naming the package and
 * the missing dependency; a re-release and a downgrade need --force; bad input changes nothing.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { ChannelContent, ChannelView, ReleaseView, VersionDetail } from '../../src/releases/index.ts';
import { BOOTSTRAP_REPO } from '../support/bootstrap-repo.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api } from '../support/server.ts';
import { dnf, libraryInBaseOS, makeBuild, PLATFORM, releaseSpec, repoArgs, repoUrl, signBuild, startReleaseRig, waitRelease, type ReleaseRig } from './support.ts';

type Checked = ReleaseView & { checks: { package: string | null; check: string; ok: boolean; message: string }[] };

describe(`releases (${TEST_DIALECT})`, () => {
  let rig: ReleaseRig;
  let libBuild: number;
  let appBuild: number;
  let lib2Build: number;
  let first: ReleaseView;

  const plan = (body: unknown, token?: string) => api<Checked>(rig.server, 'POST', '/releases', { token: token ?? rig.server.maintainer, body });
  const show = async (id: number) => (await api<Checked>(rig.server, 'GET', `/releases/${id}`)).body;
  const commit = (id: number, body: unknown = {}, token?: string) => api<ReleaseView & { code?: string; message?: string }>(rig.server, 'POST', `/releases/${id}/commit`, { token: token ?? rig.server.adminToken, body });
  const repomd = async (path: string) => {
    const r = await fetch(`${repoUrl(rig, path)}repodata/repomd.xml`);
    return { status: r.status, sha256: createHash('sha256').update(Buffer.from(await r.arrayBuffer())).digest('hex') };
  };

  before(async () => {
    rig = await startReleaseRig();
    await libraryInBaseOS(rig, 'rellib');
    libBuild = await makeBuild(rig, 'rellib', releaseSpec('rellib', '1.0', ['Provides: rellib-api = 1'], ['debuginfo']));
    appBuild = await makeBuild(rig, 'relapp', releaseSpec('relapp', '1.0', ['BuildArch: noarch', 'Requires: rellib-api', 'Requires: /bin/sh']));
    lib2Build = await makeBuild(rig, 'rellib', releaseSpec('rellib', '1.1', ['Provides: rellib-api = 1'], ['debuginfo']));
    for (const b of [libBuild, appBuild, lib2Build]) await signBuild(rig, b);
  });
  after(async () => {
    await rig?.close();
  });

  test('a plan places every package with its reason; a missing dependency refuses the commit naming it', async () => {
    const r = await plan({ platform: PLATFORM, builds: [appBuild], note: 'the app alone' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const app = r.body.packages.find((p) => p.nevra === 'relapp-1.0-1.el9.noarch');
    assert.deepEqual(app?.repos, ['AppStream/x86_64']);
    assert.equal(app?.reason, 'default repository AppStream; noarch: every arch of it (AppStream/x86_64)');
    const src = r.body.packages.find((p) => p.kind === 'source');
    assert.deepEqual(src?.repos, ['AppStream/Source']);
    assert.match(src?.reason ?? '', /source of relapp's packages in AppStream/);
    const closure = r.body.checks.find((c) => c.package === 'relapp-1.0-1.el9.noarch' && c.check === 'closure');
    assert.equal(closure?.ok, false);
    assert.match(closure?.message ?? '', /requires rellib-api, which nothing in the release repositories or bootstrap provides/);
    for (const check of ['signed', 'checksum', 'new', 'no-downgrade', 'placement']) {
      assert.ok(r.body.checks.some((c) => c.package === 'relapp-1.0-1.el9.noarch' && c.check === check && c.ok), `${check} passes`);
    }
    const refused = await commit(r.body.id);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.code, 'checks_failed');
    assert.match(refused.body.message ?? '', /relapp-1\.0-1\.el9\.noarch: closure: requires rellib-api/);
    const after = await show(r.body.id);
    assert.equal(after.state, 'planned');
    assert.deepEqual(after.versions, []);
    assert.equal((await repomd('AppStream/x86_64')).status, 404, 'nothing is published');
    // The plan is fixed by adding the library's build; it is deleted here, a new one follows.
    assert.equal((await api(rig.server, 'DELETE', `/releases/${r.body.id}`, { token: rig.server.maintainer })).status, 204);
  });

  test('commit publishes every channel together once signed; dnf installs from /repos with gpgcheck and repo_gpgcheck', async () => {
    const r = await plan({ platform: PLATFORM, builds: [appBuild] });
    const added = await api<Checked>(rig.server, 'POST', `/releases/${r.body.id}/builds`, { token: rig.server.maintainer, body: { build: libBuild } });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    const placed = Object.fromEntries(added.body.packages.map((p) => [p.nevra, p.repos.join(' ')]));
    assert.deepEqual(placed, {
      'relapp-1.0-1.el9.noarch': 'AppStream/x86_64',
      'relapp-1.0-1.el9.src': 'AppStream/Source',
      'rellib-1.0-1.el9.x86_64': 'BaseOS/x86_64',
      'rellib-debuginfo-1.0-1.el9.x86_64': 'BaseOS/x86_64/debug',
      'rellib-1.0-1.el9.src': 'BaseOS/Source',
    });
    assert.deepEqual(added.body.checks.filter((c) => !c.ok), []);
    assert.equal((await commit(r.body.id, {}, rig.server.maintainer)).status, 403, 'only an admin commits');
    const c = await commit(r.body.id);
    assert.equal(c.status, 202, JSON.stringify(c.body));
    first = await waitRelease(rig, r.body.id);
    assert.equal(first.state, 'released', first.failureReason ?? '');
    assert.deepEqual(first.versions.map((v) => `${v.repo}/${v.channel}@${v.number}:${v.state}`).sort(), ['AppStream/Source@1:published', 'AppStream/x86_64@1:published', 'BaseOS/Source@1:published', 'BaseOS/x86_64/debug@1:published', 'BaseOS/x86_64@1:published']);

    const work = join(rig.dir, 'dnf-first');
    const installed = await dnf(work, [...repoArgs(rig, ['AppStream/x86_64', 'BaseOS/x86_64']), 'install', '-y', 'relapp']);
    assert.equal(installed.code, 0, installed.output);
    assert.match(installed.output, /relapp-1\.0-1\.el9\.noarch/);
    assert.match(installed.output, /rellib-1\.0-1\.el9\.x86_64/);
    // A signature that does not match the metadata is refused by dnf: the .asc is the real check.
    const asc = await fetch(`${repoUrl(rig, 'BaseOS/x86_64')}repodata/repomd.xml.asc`);
    assert.equal(asc.status, 200);
    assert.match(await asc.text(), /BEGIN PGP SIGNATURE/);

    // The .repo file users install, as they would: dnf with it as the only repository definition.
    const repoFile = await fetch(`${rig.server.url}/repos/${PLATFORM}.repo`);
    assert.equal(repoFile.status, 200);
    const text = await repoFile.text();
    assert.match(text, /\[example-el9-BaseOS\][^[]*baseurl=http:\/\/127\.0\.0\.1:\d+\/repos\/example-el9\/BaseOS\/\$basearch\/[^[]*gpgcheck=1[^[]*repo_gpgcheck=1/);
    assert.match(text, new RegExp(`gpgkey=${rig.server.url}/api/v1/keys/${rig.key.keyid}\\.asc`));
    assert.match(text, /\[example-el9-AppStream-debuginfo\][^[]*enabled=0/);
    const reposdir = join(rig.dir, 'reposd');
    mkdirSync(reposdir, { recursive: true });
    writeFileSync(join(reposdir, `${PLATFORM}.repo`), text);
    const viaRepoFile = await dnf(join(rig.dir, 'dnf-repofile'), [`--repofrompath=bootstrap,file://${BOOTSTRAP_REPO}`, '--setopt=bootstrap.gpgcheck=0', '--setopt=bootstrap.repo_gpgcheck=0', '-y', 'install', 'relapp'], { reposdir });
    assert.equal(viaRepoFile.code, 0, viaRepoFile.output);

    // The twins: debuginfo and sources.
    const debug = await dnf(join(rig.dir, 'dnf-debug'), [...repoArgs(rig, ['BaseOS/x86_64/debug']), '--repo', 'rel0', 'repoquery', '--qf', '%{name}-%{version}-%{release}.%{arch}']);
    assert.equal(debug.code, 0, debug.output);
    assert.match(debug.output, /^rellib-debuginfo-1\.0-1\.el9\.x86_64$/m);
    const sources = await dnf(join(rig.dir, 'dnf-src'), [...repoArgs(rig, ['BaseOS/Source']), '--repo', 'rel0', 'repoquery', '--qf', '%{name}-%{version}-%{release}.%{arch}']);
    assert.match(sources.output, /^rellib-1\.0-1\.el9\.src$/m);
  });

  test('a second release adds the newer library; a re-release and a downgrade need --force; revert serves the earlier version again', async () => {
    const before1 = await repomd('BaseOS/x86_64');
    const oldRepomd = await (await fetch(`${repoUrl(rig, 'BaseOS/x86_64')}repodata/repomd.xml`)).text();
    const oldPrimary = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(oldRepomd)?.[1] ?? '';
    const r = await plan({ platform: PLATFORM, builds: [lib2Build] });
    assert.deepEqual(r.body.checks.filter((c) => !c.ok), []);
    assert.equal((await commit(r.body.id)).status, 202);
    const second = await waitRelease(rig, r.body.id);
    assert.equal(second.state, 'released', second.failureReason ?? '');
    const now = await repomd('BaseOS/x86_64');
    assert.notEqual(now.sha256, before1.sha256);
    // A client that read the old repomd.xml just before the switch still gets the files it names.
    assert.ok(!(await (await fetch(`${repoUrl(rig, 'BaseOS/x86_64')}repodata/repomd.xml`)).text()).includes(oldPrimary), 'the new version has another primary');
    const late = await fetch(`${repoUrl(rig, 'BaseOS/x86_64')}${oldPrimary}`);
    assert.equal(late.status, 200, `${oldPrimary} within the grace period`);
    // The earlier version stays addressable while kept.
    const v1 = await fetch(`${repoUrl(rig, 'BaseOS/x86_64')}@1/repodata/repomd.xml`);
    assert.equal(createHash('sha256').update(Buffer.from(await v1.arrayBuffer())).digest('hex'), before1.sha256);
    const latest = await dnf(join(rig.dir, 'dnf-second'), [...repoArgs(rig, ['BaseOS/x86_64']), '--repo', 'rel0', 'repoquery', '--latest-limit=1', '--qf', '%{name}-%{version}', 'rellib']);
    assert.match(latest.output, /^rellib-1\.1$/m, latest.output);
    const versions = (await api<ChannelView[]>(rig.server, 'GET', `/platforms/${PLATFORM}/release-repos`)).body;
    assert.deepEqual(versions.find((c) => c.path === 'BaseOS/x86_64/')?.versions.map((v) => v.number), [2, 1]);
    const diff = (await api<VersionDetail>(rig.server, 'GET', `/platforms/${PLATFORM}/release-repos/BaseOS/versions/2?channel=x86_64`)).body;
    assert.deepEqual(diff.added, ['rellib-1.1-1.el9.x86_64']);
    assert.deepEqual(diff.removed, []);
    // What the channel serves now, by name prefix, a page at a time.
    const contentOf = (query: string) => api<ChannelContent & { message?: string }>(rig.server, 'GET', `/platforms/${PLATFORM}/release-repos/BaseOS/packages?${query}`);
    const content = (await contentOf('channel=x86_64')).body;
    assert.equal(content.current, 2);
    assert.deepEqual(content.packages.map((p) => p.nevra), ['rellib-1.0-1.el9.x86_64', 'rellib-1.1-1.el9.x86_64']);
    assert.equal(content.total, 2);
    assert.equal(content.packages[1]?.releaseId, second.id);
    assert.deepEqual((await contentOf('channel=x86_64&name=rellib&limit=1&offset=1')).body.packages.map((p) => p.nevra), ['rellib-1.1-1.el9.x86_64']);
    assert.deepEqual((await contentOf('channel=x86_64&name=zzz')).body, { repo: 'BaseOS', channel: 'x86_64', current: 2, total: 0, packages: [] });
    for (const [query, status, message] of [
      ['channel=sparc', 404, /^example-el9 has no release repository channel BaseOS\/sparc$/],
      ['', 400, /channel/],
      ['channel=x86_64&name=%25', 400, /name/],
      ['channel=x86_64&limit=0', 400, /limit/],
    ] as [string, number, RegExp][]) {
      const r = await contentOf(query);
      assert.equal(r.status, status, query);
      assert.match(r.body.message ?? '', message);
    }
    assert.equal((await api(rig.server, 'GET', `/platforms/${PLATFORM}/release-repos/Nowhere/packages?channel=x86_64`)).status, 404);

    // The first library again: already released, and older than what is released.
    const again = await plan({ platform: PLATFORM, builds: [libBuild] });
    const lib = again.body.checks.filter((c) => c.package === 'rellib-1.0-1.el9.x86_64' && !c.ok).map((c) => c.check).sort();
    assert.deepEqual(lib, ['new', 'no-downgrade']);
    const refused = await commit(again.body.id);
    assert.equal(refused.status, 409);
    assert.match(refused.body.message ?? '', /rellib-1\.0-1\.el9\.x86_64: new: already released in BaseOS\/x86_64 \(release \d+\); --force releases it again/);
    assert.match(refused.body.message ?? '', /no-downgrade: BaseOS\/x86_64 has the newer rellib-1\.1-1\.el9\.x86_64/);
    await api(rig.server, 'DELETE', `/releases/${again.body.id}`, { token: rig.server.maintainer });

    // Reverting the first release is refused while the second has moved BaseOS on.
    const early = await api<{ code: string; message: string }>(rig.server, 'POST', `/releases/${first.id}/revert`, { token: rig.server.adminToken });
    assert.equal(early.status, 409);
    assert.match(early.body.message, /BaseOS\/(x86_64|Source) has moved on to version 2 \(release \d+\): revert that first/);
    const reverted = await api<ReleaseView>(rig.server, 'POST', `/releases/${second.id}/revert`, { token: rig.server.adminToken });
    assert.equal(reverted.status, 200, JSON.stringify(reverted.body));
    assert.equal(reverted.body.state, 'reverted');
    assert.equal((await repomd('BaseOS/x86_64')).sha256, before1.sha256, 'the version before the release, byte for byte');
    const back = await dnf(join(rig.dir, 'dnf-reverted'), [...repoArgs(rig, ['BaseOS/x86_64']), '--repo', 'rel0', 'repoquery', '--qf', '%{name}-%{version}', 'rellib']);
    assert.equal(back.code, 0, back.output);
    assert.match(back.output, /^rellib-1\.0$/m);
    assert.doesNotMatch(back.output, /rellib-1\.1/);
    const history = (await api<ReleaseView[]>(rig.server, 'GET', `/releases?platform=${PLATFORM}`)).body;
    assert.deepEqual(history.filter((h) => h.state !== 'planned').map((h) => [h.id, h.state]), [[second.id, 'reverted'], [first.id, 'released']]);
    assert.equal(history.find((h) => h.id === second.id)?.revertedBy, 'admin');
  });

  test('bad input is a clear error and changes nothing', async () => {
    const count = async () => (await api<ReleaseView[]>(rig.server, 'GET', '/releases?limit=500')).body.length;
    const n = await count();
    const cases: [unknown, number, RegExp][] = [
      [{ platform: PLATFORM, builds: [999999] }, 404, /build 999999 does not exist/],
      [{ platform: 'no-such-platform', builds: [appBuild] }, 404, /no platform named "no-such-platform"/],
      [{ platform: PLATFORM, builds: [appBuild, appBuild] }, 400, /a build is named twice/],
      [{ platform: PLATFORM, builds: [] }, 400, /builds/],
      [{ platform: PLATFORM, builds: [appBuild], surprise: 1 }, 400, /surprise/],
      [{ platform: PLATFORM, builds: [appBuild], advisories: ['DFSA-2026:9999'] }, 404, /DFSA-2026:9999/],
    ];
    for (const [body, status, message] of cases) {
      const r = await plan(body);
      assert.equal(r.status, status, JSON.stringify(r.body));
      assert.match((r.body as unknown as { message: string }).message, message);
    }
    assert.equal((await plan({ platform: PLATFORM, builds: [appBuild] }, rig.server.reader)).status, 403);
    assert.equal((await api(rig.server, 'POST', '/releases', { body: { platform: PLATFORM, builds: [appBuild] } })).status, 401);
    assert.equal(await count(), n, 'no release was made');

    // An unsigned build: the check names it and the commit is refused.
    const unsigned = await makeBuild(rig, 'relunsigned', releaseSpec('relunsigned', '1.0', ['BuildArch: noarch']));
    const r = await plan({ platform: PLATFORM, builds: [unsigned] });
    assert.equal(r.status, 201);
    const signed = r.body.checks.find((c) => c.package === 'relunsigned-1.0-1.el9.noarch' && c.check === 'signed');
    assert.equal(signed?.ok, false);
    assert.match(signed?.message ?? '', new RegExp(`not signed with a key platform ${PLATFORM} allows .*distforge build sign ${unsigned}`));
    assert.equal((await commit(r.body.id)).status, 409);
    // Editing: a package not in the plan, a repository the platform lacks, an SRPM moved by hand.
    const move = (body: unknown) => api<{ message: string }>(rig.server, 'POST', `/releases/${r.body.id}/moves`, { token: rig.server.maintainer, body });
    assert.match((await move({ package: 'nothere-1-1.noarch', repo: 'BaseOS' })).body.message, /has no package nothere-1-1\.noarch/);
    assert.match((await move({ package: 'relunsigned-1.0-1.el9.noarch', repo: 'Extras' })).body.message, /has no release repository Extras/);
    assert.match((await move({ package: 'relunsigned-1.0-1.el9.src', repo: 'BaseOS' })).body.message, /an SRPM: it follows its binary packages/);
    const moved = await move({ package: 'relunsigned-1.0-1.el9.noarch', repo: 'BaseOS' });
    assert.deepEqual((moved.body as unknown as ReleaseView).packages.map((p) => p.repos.join(' ')).sort(), ['BaseOS/Source', 'BaseOS/x86_64']);
    assert.match((await api<{ message: string }>(rig.server, 'POST', '/releases/999999/commit', { token: rig.server.adminToken, body: {} })).body.message, /release 999999 does not exist/);
    assert.equal((await api(rig.server, 'POST', `/releases/${first.id}/builds`, { token: rig.server.maintainer, body: { build: unsigned } })).status, 409, 'a released release is not edited');
    assert.equal((await api(rig.server, 'POST', `/releases/${r.body.id}/revert`, { token: rig.server.adminToken })).status, 409, 'a plan is not reverted');

    // /repos serves the release tree and nothing else: no way out of it, unknown names are 404.
    const base = `${rig.server.url}/repos/${PLATFORM}/BaseOS/x86_64`;
    for (const path of ['/%2e%2e/%2e%2e/%2e%2e/%2e%2e/admin.token', '/..%2f..%2f..%2f..%2fadmin.token', '/Packages/%2e%2e%2f%2e%2e%2f%2e%2e%2fadmin.token', '/@999/repodata/repomd.xml', '/.staging', '/repodata/..%00', '/@1/../../../../admin.token']) {
      const res = await fetch(`${base}${path}`);
      assert.ok(res.status === 404 || res.status === 400, `${path}: ${res.status}`);
      assert.ok(!(await res.text()).includes(rig.server.adminToken), path);
    }
    assert.equal((await fetch(`${rig.server.url}/repos/no-such-platform.repo`)).status, 404);
    assert.equal((await fetch(`${rig.server.url}/repos/${PLATFORM}/NoRepo/x86_64/repodata/repomd.xml`)).status, 404);
  });
});
