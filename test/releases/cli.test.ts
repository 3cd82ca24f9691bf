/**
 * `distforge release …` as a user runs it (the real bin/distforge) against a real master with a
 * signer: plan --json has the documented shape, show and list print the plan and the history,
 * commit waits until the release is published, revert, repos; bad input is one line, exit 1,
 * nothing made. On a terminal, commit shows what it waits for (the sign server's task) and leaves
 * only its line.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ChannelView, ReleaseView } from '../../src/releases/index.ts';
import { runCli, type CliResult } from '../support/cli.ts';
import { startTty } from '../support/terminal.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api } from '../support/server.ts';
import { libraryInBaseOS, makeBuild, PLATFORM, releaseSpec, signBuild, startReleaseRig, type ReleaseRig } from './support.ts';

interface PlanJson {
  id: number;
  packages: { nevra: string; arch: string; repos: string[]; reason: string }[];
  checks: { package: string | null; check: string; ok: boolean; message: string }[];
}

describe(`distforge release (${TEST_DIALECT})`, () => {
  let rig: ReleaseRig;
  let libBuild: number;
  let unsignedBuild: number;

  const cli = (args: string[], token = rig.server.adminToken): Promise<CliResult> => runCli(['release', ...args], { env: { DISTFORGE_URL: rig.server.url, DISTFORGE_TOKEN: token } });
  const count = async () => (await api<ReleaseView[]>(rig.server, 'GET', '/releases?limit=500')).body.length;

  before(async () => {
    rig = await startReleaseRig();
    await libraryInBaseOS(rig, 'clilib');
    libBuild = await makeBuild(rig, 'clilib', releaseSpec('clilib', '1.0', [], ['debuginfo']));
    unsignedBuild = await makeBuild(rig, 'cliother', releaseSpec('cliother', '1.0', ['BuildArch: noarch']));
    await signBuild(rig, libBuild);
  });
  after(async () => {
    await rig?.close();
  });

  test('plan --json, show, commit (waits), list, repos, revert', async () => {
    const planned = await cli(['plan', '--platform', PLATFORM, '--build', String(libBuild), '--json'], rig.server.maintainer);
    assert.equal(planned.code, 0, planned.stderr);
    const p = JSON.parse(planned.stdout) as PlanJson;
    assert.ok(Number.isInteger(p.id));
    const lib = p.packages.find((x) => x.nevra === 'clilib-1.0-1.el9.x86_64');
    assert.deepEqual({ arch: lib?.arch, repos: lib?.repos, reason: lib?.reason }, { arch: 'x86_64', repos: ['BaseOS/x86_64'], reason: 'listed in BaseOS' });
    assert.deepEqual(p.packages.find((x) => x.nevra === 'clilib-debuginfo-1.0-1.el9.x86_64')?.repos, ['BaseOS/x86_64/debug']);
    assert.ok(p.checks.length > 0 && p.checks.every((c) => c.ok && typeof c.check === 'string' && typeof c.message === 'string'), planned.stdout);

    const shown = await cli(['show', String(p.id)], rig.server.reader);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`release ${p.id} of ${PLATFORM}: planned`));
    assert.match(shown.stdout, /clilib-1\.0-1\.el9\.x86_64\s+binary\s+\d+\s+BaseOS\/x86_64\s+listed in BaseOS/);
    assert.match(shown.stdout, /checks: all \d+ passed/);

    const committed = await cli(['commit', String(p.id)]);
    assert.equal(committed.code, 0, committed.stderr);
    assert.match(committed.stdout, new RegExp(`release ${p.id}: released \\(.*BaseOS/x86_64@1`));
    assert.equal(committed.stderr, '', 'piped: nothing but the line');

    const list = await cli(['list', '--platform', PLATFORM], rig.server.reader);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`^${p.id}\\s+${PLATFORM}\\s+released\\s+${libBuild}\\s+`, 'm'));
    const listed = JSON.parse((await cli(['list', '--json'], rig.server.reader)).stdout) as ReleaseView[];
    assert.equal(listed.find((r) => r.id === p.id)?.state, 'released');

    const repos = JSON.parse((await cli(['repos', '--platform', PLATFORM, '--json'], rig.server.reader)).stdout) as ChannelView[];
    assert.equal(repos.find((c) => c.path === 'BaseOS/x86_64/')?.current, 1);

    const reverted = await cli(['revert', String(p.id)]);
    assert.equal(reverted.code, 0, reverted.stderr);
    assert.match(reverted.stdout, new RegExp(`release ${p.id}: reverted`));
    const after = JSON.parse((await cli(['show', String(p.id), '--json'])).stdout) as ReleaseView;
    assert.equal(after.state, 'reverted');
  });

  test('bad input is one line, exit 1, nothing made', async () => {
    const n = await count();
    const cases: [string[], RegExp, string?][] = [
      [['plan', '--platform', PLATFORM, '--build', '999999'], /^distforge: build 999999 does not exist\n$/],
      [['plan', '--platform', PLATFORM, '--build', 'abc'], /^distforge: "abc" is not a build id \(a positive number\)\n$/],
      [['plan', '--platform', PLATFORM], /^distforge: give at least one --build ID \(or --advisory ID to publish an amended advisory, --republish REPO for new comps or modules\)\n$/],
      [['plan', '--platform', 'nope', '--build', String(libBuild)], /^distforge: no platform named "nope"\n$/],
      [['plan', '--platform', PLATFORM, '--build', String(libBuild), '--build', String(libBuild)], /^distforge: .*a build is named twice.*\n$/],
      [['plan', '--platform', PLATFORM, '--build', String(libBuild)], /^distforge: .*(read-only|not allowed|role).*\n$/, 'reader'],
      [['show', '0'], /^distforge: "0" is not a release id \(a positive number\)\n$/],
      [['show', '999999'], /^distforge: release 999999 does not exist\n$/],
      [['commit', '999999'], /^distforge: release 999999 does not exist\n$/],
      [['revert', 'x'], /^distforge: "x" is not a release id \(a positive number\)\n$/],
      [['repos', '--platform', 'nope'], /^distforge: no platform named "nope"\n$/],
    ];
    for (const [args, message, who] of cases) {
      const r = await cli(args, who === 'reader' ? rig.server.reader : rig.server.adminToken);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    assert.equal(await count(), n, 'no release was made');

    // An unsigned package: the plan is made (it is a plan) but its commit is refused, naming it.
    const planned = await cli(['plan', '--platform', PLATFORM, '--build', String(unsignedBuild), '--json'], rig.server.maintainer);
    assert.equal(planned.code, 0, planned.stderr);
    const p = JSON.parse(planned.stdout) as PlanJson;
    assert.ok(p.checks.some((c) => c.package === 'cliother-1.0-1.el9.noarch' && c.check === 'signed' && !c.ok));
    const refused = await cli(['commit', String(p.id)]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^distforge: release \d+ does not pass its checks:/);
    assert.match(refused.stderr, /cliother-1\.0-1\.el9\.noarch: signed: /);
    const still = JSON.parse((await cli(['show', String(p.id), '--json'])).stdout) as ReleaseView;
    assert.equal(still.state, 'planned');
    assert.deepEqual(still.versions, []);
  });

  test('commit on a terminal: the checks and staging, then the sign server\'s task, live; at the end only its line', async (testContext) => {
    const build = await makeBuild(rig, 'clitty', releaseSpec('clitty', '1.0', ['BuildArch: noarch']));
    await signBuild(rig, build);
    const planned = JSON.parse((await cli(['plan', '--platform', PLATFORM, '--build', String(build), '--json'], rig.server.maintainer)).stdout) as PlanJson;
    await rig.stopSigner();
    let restarted = false;
    try {
      const run = startTty(['release', 'commit', String(planned.id)], { env: { DISTFORGE_URL: rig.server.url, DISTFORGE_TOKEN: rig.server.adminToken, LANG: 'C.UTF-8' } });
      testContext.after(() => run.stop());
      await run.shows(new RegExp(`^. release ${planned.id} checking it again and staging the repositories it changes {2}\\d+s$`));
      const waiting = await run.shows(/waiting for the sign server/);
      const task = (await api<ReleaseView>(rig.server, 'GET', `/releases/${planned.id}`)).body.signTask;
      assert.ok(task);
      assert.match(waiting[0] ?? '', new RegExp(`^. release ${planned.id} publishing \\d+ repository version\\(s\\) of ${PLATFORM} {2}\\d+s$`));
      assert.equal(waiting[1], `  waiting for the sign server to sign their repomd.xml: task ${task.id} queued`);
      await rig.startSigner();
      restarted = true;
      const r = await run.done;
      assert.equal(r.code, 0, r.raw);
      const released = (await api<ReleaseView>(rig.server, 'GET', `/releases/${planned.id}`)).body;
      assert.equal(released.state, 'released');
      assert.deepEqual(r.screen, [`release ${planned.id}: released (${released.versions.filter((v) => v.cause === 'release').map((v) => `${v.repo}/${v.channel}@${v.number}`).join(', ')})`]);
    } finally {
      if (!restarted) await rig.startSigner();
    }
  });
});
