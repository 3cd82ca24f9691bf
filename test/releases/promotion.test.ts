/**
 * Promotion testing → stable on one platform: a package released to Testing (promoteTo BaseOS,
 * promoteAfterDays 7) cannot be promoted the same day (the soak check; --force could); eight days
 * later (the master's clock moved on) the promotion passes every check, and its publication puts
 * the package, its debuginfo and its SRPM in BaseOS's channels and takes them out of Testing's,
 * together, as dnf sees. Nothing waiting, a repository that promotes to nothing and a package not
 * waiting are one-line errors.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ReleaseView } from '../../src/releases/index.ts';
import { runCli } from '../support/cli.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api } from '../support/server.ts';
import { dnf, makeBuild, PLATFORM, releaseSpec, repoArgs, setReleaseRepositories, signBuild, startReleaseRig, waitRelease, type ReleaseRig } from './support.ts';

type Checked = ReleaseView & { checks: { package: string | null; check: string; ok: boolean; message: string; forceable?: boolean }[] };
const DAY = 86_400_000;

describe(`promotion testing → stable (${TEST_DIALECT})`, () => {
  let rig: ReleaseRig;
  let offset = 0;
  let build: number;
  const cli = (args: string[], token = rig.server.maintainer) => runCli(['release', ...args], { env: { DISTFORGE_URL: rig.server.url, DISTFORGE_TOKEN: token } });
  const commit = (id: number) => api<{ message?: string }>(rig.server, 'POST', `/releases/${id}/commit`, { token: rig.server.adminToken, body: {} });
  const names = async (channel: string) => {
    const r = await dnf(join(rig.dir, `dnf-${channel.replaceAll('/', '-')}-${Date.now()}`), [...repoArgs(rig, [channel]), '--repo', 'rel0', 'repoquery', '--qf', '%{name}-%{version}-%{release}.%{arch}']);
    assert.equal(r.code, 0, r.output);
    return r.output.split('\n').filter((l) => /^promolib/.test(l)).sort();
  };

  before(async () => {
    rig = await startReleaseRig({ now: () => Date.now() + offset });
    await setReleaseRepositories(rig, [
      { name: 'BaseOS', description: 'the stable core' },
      { name: 'Testing', description: 'updates waiting for promotion', packages: ['promo*'], promoteTo: 'BaseOS', promoteAfterDays: 7 },
      { name: 'AppStream', default: true },
    ]);
    build = await makeBuild(rig, 'promolib', releaseSpec('promolib', '1.0', [], ['debuginfo']));
    await signBuild(rig, build);
    const r = await api<Checked>(rig.server, 'POST', '/releases', { token: rig.server.maintainer, body: { platform: PLATFORM, builds: [build] } });
    assert.deepEqual(r.body.packages.find((p) => p.nevra === 'promolib-1.0-1.el9.x86_64')?.repos, ['Testing/x86_64']);
    assert.equal((await commit(r.body.id)).status, 202);
    assert.equal((await waitRelease(rig, r.body.id)).state, 'released');
  });
  after(async () => {
    await rig?.close();
  });

  test('too early: the soak check refuses the commit, naming the days', async () => {
    const planned = await cli(['promote', '--platform', PLATFORM, '--from', 'Testing', '--json']);
    assert.equal(planned.code, 0, planned.stderr);
    const p = JSON.parse(planned.stdout) as Checked;
    assert.equal(p.promoteFrom, 'Testing');
    assert.deepEqual(Object.fromEntries(p.packages.map((x) => [x.nevra, x.repos.join(' ')])), {
      'promolib-1.0-1.el9.x86_64': 'BaseOS/x86_64',
      'promolib-debuginfo-1.0-1.el9.x86_64': 'BaseOS/x86_64/debug',
      'promolib-1.0-1.el9.src': 'BaseOS/Source',
    });
    assert.equal(p.packages.find((x) => x.kind === 'binary')?.reason, 'promoted from Testing to BaseOS');
    const soak = p.checks.find((c) => c.check === 'soak' && c.package === 'promolib-1.0-1.el9.x86_64');
    assert.deepEqual([soak?.ok, soak?.forceable], [false, true]);
    assert.match(soak?.message ?? '', /^in Testing for 0 day\(s\) of the 7 it needs before promotion; --force promotes it now$/);
    const refused = await commit(p.id);
    assert.equal(refused.status, 409);
    assert.match(refused.body.message ?? '', /promolib-1\.0-1\.el9\.x86_64: soak: in Testing for 0 day\(s\)/);
    assert.deepEqual(await names('Testing/x86_64'), ['promolib-1.0-1.el9.x86_64']);
    await api(rig.server, 'DELETE', `/releases/${p.id}`, { token: rig.server.maintainer });
  });

  test('eight days later the promotion publishes BaseOS and Testing together', async () => {
    offset = 8 * DAY;
    const planned = await cli(['promote', '--platform', PLATFORM, '--from', 'Testing', '--package', 'promolib-1.0-1.el9.x86_64', '--json']);
    assert.equal(planned.code, 0, planned.stderr);
    const p = JSON.parse(planned.stdout) as Checked;
    assert.deepEqual(p.checks.filter((c) => !c.ok), []);
    assert.match(p.checks.find((c) => c.check === 'soak' && c.package === 'promolib-1.0-1.el9.x86_64')?.message ?? '', /^in Testing for 8 day\(s\) \(7 needed\)$/);
    const done = await cli(['commit', String(p.id)], rig.server.adminToken);
    assert.equal(done.code, 0, done.stderr);
    const r = (await api<ReleaseView>(rig.server, 'GET', `/releases/${p.id}`)).body;
    assert.deepEqual(r.versions.map((v) => `${v.repo}/${v.channel}`).sort(), ['BaseOS/Source', 'BaseOS/x86_64', 'BaseOS/x86_64/debug', 'Testing/Source', 'Testing/x86_64', 'Testing/x86_64/debug']);
    assert.deepEqual(await names('BaseOS/x86_64'), ['promolib-1.0-1.el9.x86_64']);
    assert.deepEqual(await names('BaseOS/x86_64/debug'), ['promolib-debuginfo-1.0-1.el9.x86_64']);
    assert.deepEqual(await names('Testing/x86_64'), []);
    const diff = (await api<{ removed: string[] }>(rig.server, 'GET', `/platforms/${PLATFORM}/release-repos/Testing/versions/2?channel=Source`)).body;
    assert.deepEqual(diff.removed, ['promolib-1.0-1.el9.src']);
  });

  test('bad input: one line, nothing made', async () => {
    const count = async () => (await api<ReleaseView[]>(rig.server, 'GET', '/releases?limit=500')).body.length;
    const n = await count();
    const cases: [string[], RegExp][] = [
      [['promote', '--platform', PLATFORM, '--from', 'Testing'], /^distforge: nothing in Testing waits for promotion to BaseOS\n$/],
      [['promote', '--platform', PLATFORM, '--from', 'AppStream'], /^distforge: release repository AppStream of example-el9 promotes to nothing \(set promoteTo in its definition\)\n$/],
      [['promote', '--platform', PLATFORM, '--from', 'Nope'], /^distforge: platform example-el9 has no release repository Nope\n$/],
      [['promote', '--platform', 'nope', '--from', 'Testing'], /^distforge: no platform named "nope"\n$/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, message);
    }
    const reader = await cli(['promote', '--platform', PLATFORM, '--from', 'Testing'], rig.server.reader);
    assert.equal(reader.code, 1);
    assert.equal(await count(), n);
    // A promotion's target must be another release repository of the platform.
    const platform = (await api<Record<string, unknown>>(rig.server, 'GET', `/platforms/${PLATFORM}`)).body;
    const { createdAt: _c, updatedAt: _u, lifecycleStatus: _l, ...definition } = platform;
    (definition.releases as { repositories: Record<string, unknown>[] }).repositories[1] = { name: 'Testing', promoteTo: 'Stable' };
    const put = await api<{ message: string }>(rig.server, 'PUT', `/platforms/${PLATFORM}`, { token: rig.server.adminToken, body: definition });
    assert.equal(put.status, 400);
    assert.match(put.body.message, /releases\.repositories\[1\]\.promoteTo: "Stable" is not one of the release repositories \(BaseOS, Testing, AppStream\)/);
  });
});
