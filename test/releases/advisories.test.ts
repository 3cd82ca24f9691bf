/**
 * Advisories through a release, judged by dnf in an empty root against what the master publishes:
 * a security advisory approved, carried by the release that ships its fix, is in the new versions'
 * updateinfo.xml (`dnf updateinfo list/info`, `dnf --security upgrade`, `dnf repoquery --cve`);
 * it becomes released; the upstream advisory named later is republished by a release of the
 * advisory alone. A plan's advisory covering a package neither in the plan nor released fails its
 * check; an advisory naming a package the platform never built is refused on creation.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ReleaseView } from '../../src/releases/index.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api } from '../support/server.ts';
import { dnf, libraryInBaseOS, makeBuild, PLATFORM, releaseSpec, repoArgs, repoUrl, signBuild, startReleaseRig, waitRelease, type ReleaseRig } from './support.ts';

type Checked = ReleaseView & { checks: { package: string | null; advisory?: string | null; check: string; ok: boolean; message: string }[] };
interface AdvisoryJson {
  id: string;
  state: string;
  references: { type: string; id: string }[];
}

describe(`advisories in releases (${TEST_DIALECT})`, () => {
  let rig: ReleaseRig;
  let oldBuild: number;
  let fixBuild: number;
  let laterBuild: number;
  let advisory: string;

  const plan = (body: unknown) => api<Checked>(rig.server, 'POST', '/releases', { token: rig.server.maintainer, body });
  async function commitAndWait(id: number): Promise<ReleaseView> {
    const c = await api(rig.server, 'POST', `/releases/${id}/commit`, { token: rig.server.adminToken, body: {} });
    assert.equal(c.status, 202, JSON.stringify(c.body));
    const r = await waitRelease(rig, id);
    assert.equal(r.state, 'released', r.failureReason ?? '');
    return r;
  }
  const errata = <T>(method: string, path: string, body?: unknown, token = rig.server.maintainer) => api<T>(rig.server, method, path, { token, body });

  before(async () => {
    rig = await startReleaseRig();
    await libraryInBaseOS(rig, 'secfix');
    oldBuild = await makeBuild(rig, 'secfix', releaseSpec('secfix', '1.0', []));
    fixBuild = await makeBuild(rig, 'secfix', releaseSpec('secfix', '1.1', []));
    laterBuild = await makeBuild(rig, 'secfix', releaseSpec('secfix', '1.2', []));
    for (const b of [oldBuild, fixBuild, laterBuild]) await signBuild(rig, b);
    const first = await plan({ platform: PLATFORM, builds: [oldBuild] });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    await commitAndWait(first.body.id);
  });
  after(async () => {
    await rig?.close();
  });

  test('an advisory naming a package the platform never built is refused, nothing made', async () => {
    const before = (await errata<AdvisoryJson[]>('GET', '/errata')).body.length;
    const r = await errata<{ message: string }>('POST', '/errata', { platform: PLATFORM, type: 'security', severity: 'Important', title: 'nothing', packages: ['nosuch-1.0-1.el9.x86_64'] });
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.match(r.body.message, /^package nosuch-1\.0-1\.el9\.x86_64 is not a built package of platform example-el9$/);
    assert.doesNotMatch(r.body.message, /\n/);
    assert.equal((await errata<AdvisoryJson[]>('GET', '/errata')).body.length, before);
  });

  test('a security advisory released with its fix: dnf updateinfo, --security upgrade, repoquery --cve', async () => {
    const created = await errata<AdvisoryJson>('POST', '/errata', {
      platform: PLATFORM,
      type: 'security',
      severity: 'Important',
      title: 'secfix: heap overflow in the parser',
      description: 'A crafted input overflowed a buffer in secfix.',
      solution: 'Update secfix.',
      references: [{ type: 'cve', id: 'CVE-2026-31337' }],
      packages: ['secfix-1.1-1.el9.x86_64'],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    advisory = created.body.id;
    assert.match(advisory, /^DFSA-\d{4}:\d{4}$/);

    // A draft is not released: the plan's check says so.
    const early = await plan({ platform: PLATFORM, builds: [fixBuild], advisories: [advisory] });
    assert.equal(early.status, 409, JSON.stringify(early.body));
    assert.match((early.body as unknown as { message: string }).message, new RegExp(`${advisory} is draft`));
    assert.equal((await errata('POST', `/errata/${advisory}/approve`, {}, rig.server.adminToken)).status, 200);

    // Carried by a plan without its package: the advisory check names what is missing.
    const wrong = await plan({ platform: PLATFORM, builds: [laterBuild], advisories: [advisory] });
    assert.equal(wrong.status, 201, JSON.stringify(wrong.body));
    const check = wrong.body.checks.find((c) => c.check === 'advisory');
    assert.equal(check?.ok, false);
    assert.match(check?.message ?? '', new RegExp(`${advisory} covers secfix-1\\.1-1\\.el9\\.x86_64, which is neither in this release nor released`));
    assert.equal((await api(rig.server, 'POST', `/releases/${wrong.body.id}/commit`, { token: rig.server.adminToken, body: {} })).status, 409);
    await api(rig.server, 'DELETE', `/releases/${wrong.body.id}`, { token: rig.server.maintainer });

    const r = await plan({ platform: PLATFORM, builds: [fixBuild], advisories: [advisory] });
    assert.deepEqual(r.body.checks.filter((c) => !c.ok), []);
    await commitAndWait(r.body.id);
    const released = (await errata<AdvisoryJson>('GET', `/errata/${advisory}`)).body;
    assert.equal(released.state, 'released');

    // A user with the old package: dnf lists the advisory, shows it, upgrades with --security.
    const work = join(rig.dir, 'dnf-security');
    const repos = repoArgs(rig, ['BaseOS/x86_64']);
    const installed = await dnf(work, [...repos, 'install', 'secfix-1.0']);
    assert.equal(installed.code, 0, installed.output);
    const list = await dnf(work, [...repos, '--repo', 'rel0', 'updateinfo', 'list']);
    assert.equal(list.code, 0, list.output);
    assert.match(list.output, new RegExp(`^${advisory}\\s+Important/Sec\\.\\s+secfix-1\\.1-1\\.el9\\.x86_64$`, 'm'));
    const info = await dnf(work, [...repos, '--repo', 'rel0', 'updateinfo', 'info', advisory]);
    assert.match(info.output, /CVE-2026-31337/);
    assert.match(info.output, /Severity\s*: Important/);
    assert.match(info.output, /heap overflow in the parser/);
    const cve = await dnf(work, [...repos, '--repo', 'rel0', 'repoquery', '--cve', 'CVE-2026-31337', '--qf', '%{name}-%{version}']);
    assert.match(cve.output, /^secfix-1\.1$/m);
    assert.doesNotMatch(cve.output, /^secfix-1\.2$/m);
    const upgraded = await dnf(work, [...repos, '--security', 'upgrade']);
    assert.equal(upgraded.code, 0, upgraded.output);
    assert.match(upgraded.output, /secfix-1\.1-1\.el9\.x86_64/, 'upgraded to the fix, not beyond it');
    assert.doesNotMatch(upgraded.output, /secfix-1\.2/);
  });

  test('the upstream advisory named later is published by a release of the advisory alone', async () => {
    const amended = await errata<AdvisoryJson>('PATCH', `/errata/${advisory}`, { addReferences: [{ type: 'upstream', id: 'RHSA-2026:4242', href: 'https://access.redhat.com/errata/RHSA-2026:4242' }] });
    assert.equal(amended.status, 200, JSON.stringify(amended.body));
    const r = await plan({ platform: PLATFORM, advisories: [advisory] });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(r.body.checks.filter((c) => !c.ok), []);
    const done = await commitAndWait(r.body.id);
    assert.ok(done.versions.some((v) => v.repo === 'BaseOS' && v.channel === 'x86_64'), 'BaseOS/x86_64 has a new version');
    // dnf shows CVE and bugzilla references only: the upstream one is read from updateinfo.xml itself.
    const repomd = await (await fetch(`${repoUrl(rig, 'BaseOS/x86_64')}repodata/repomd.xml`)).text();
    const href = /<data type="updateinfo">[\s\S]*?<location href="([^"]+)"/.exec(repomd)?.[1];
    assert.ok(href, repomd);
    const compressed = Buffer.from(await (await fetch(`${repoUrl(rig, 'BaseOS/x86_64')}${href}`)).arrayBuffer());
    const xml = execFileSync(href.endsWith('.zst') ? 'zstd' : 'gzip', ['-dc'], { input: compressed }).toString('utf8');
    assert.match(xml, /<reference href="https:\/\/access\.redhat\.com\/errata\/RHSA-2026:4242" id="RHSA-2026:4242" type="other"/);
    const work = join(rig.dir, 'dnf-amended');
    const repos = repoArgs(rig, ['BaseOS/x86_64']);
    assert.equal((await dnf(work, [...repos, 'install', 'secfix-1.0'])).code, 0);
    const info = await dnf(work, [...repos, '--repo', 'rel0', 'updateinfo', 'info', advisory]);
    assert.equal(info.code, 0, info.output);
    assert.match(info.output, /CVE-2026-31337/);
  });
});
