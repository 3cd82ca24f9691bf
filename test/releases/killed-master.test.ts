/**
 * A master killed in the middle of a release, with a real `distforge server` process over the
 * rig's database and data directory: kill -9 after the commit staged the new versions and while
 * the sign server has not signed them. The previous versions stay served (before and after the
 * restart), nothing is stuck: once the signer runs the release is published by the restarted
 * master, the export directory follows, and dnf sees the new content.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ReleaseView } from '../../src/releases/index.ts';
import { PLATFORM_REPOS } from '../support/bootstrap-repo.ts';
import { DISTFORGE } from '../support/cli.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api } from '../support/server.ts';
import { dnf, libraryInBaseOS, makeBuild, PLATFORM, releaseSpec, repoArgs, signBuild, startReleaseRig, until, type ReleaseRig } from './support.ts';

interface Master {
  child: ChildProcess;
  url: string;
  output: () => string;
}

describe(`a master killed mid-release (${TEST_DIALECT})`, () => {
  let rig: ReleaseRig;
  let libBuild: number;
  let appBuild: number;
  let lib2Build: number;
  let master: Master | null = null;
  const exportDir = () => join(rig.dir, 'export');

  /** `distforge server` over the rig's database and data directory. */
  async function startMaster(): Promise<Master> {
    let out = '';
    const args = ['server', '--data', rig.server.dataDir, '--db', rig.server.dbUrl, '--port', '0', '--platform-repos', PLATFORM_REPOS, '--release-export', exportDir(), '--log-level', 'info'];
    const child = spawn(DISTFORGE, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
    const url = await until('the master to listen', async () => /listening on (http:\/\/\S+)/.exec(out)?.[1], 60_000).catch((e: Error) => {
      child.kill('SIGKILL');
      throw new Error(`${e.message}\n${out.slice(-3000)}`);
    });
    return { child, url, output: () => out };
  }

  async function kill(m: Master): Promise<void> {
    const gone = new Promise((r) => m.child.once('exit', r));
    m.child.kill('SIGKILL');
    await gone;
  }

  const at = (m: Master) => ({ url: m.url });
  const repomd = async (m: Master, path: string) => {
    const r = await fetch(`${m.url}/repos/${PLATFORM}/${path}/repodata/repomd.xml`);
    return createHash('sha256').update(Buffer.from(await r.arrayBuffer())).digest('hex');
  };

  before(async () => {
    rig = await startReleaseRig();
    await libraryInBaseOS(rig, 'killlib');
    libBuild = await makeBuild(rig, 'killlib', releaseSpec('killlib', '1.0', ['Provides: killlib-api = 1'], ['debuginfo']));
    appBuild = await makeBuild(rig, 'killapp', releaseSpec('killapp', '1.0', ['BuildArch: noarch', 'Requires: killlib-api']));
    lib2Build = await makeBuild(rig, 'killlib', releaseSpec('killlib', '2.0', ['Provides: killlib-api = 1'], ['debuginfo']));
    for (const b of [libBuild, appBuild, lib2Build]) await signBuild(rig, b);
    // The first release through the rig's master, signed while the signer runs.
    const r = await api<ReleaseView>(rig.server, 'POST', '/releases', { token: rig.server.maintainer, body: { platform: PLATFORM, builds: [libBuild, appBuild] } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal((await api(rig.server, 'POST', `/releases/${r.body.id}/commit`, { token: rig.server.adminToken, body: {} })).status, 202);
    const done = await until('the first release', async () => {
      const v = (await api<ReleaseView>(rig.server, 'GET', `/releases/${r.body.id}`)).body;
      return v.state !== 'publishing' && v;
    });
    assert.equal(done.state, 'released', done.failureReason ?? '');
    await rig.stopSigner();
  });
  after(async () => {
    if (master) await kill(master);
    await rig?.close();
  });

  test('kill -9 after the commit staged its versions: the old ones stay served; after a restart the release publishes', async () => {
    master = await startMaster();
    const before1 = await repomd(master, 'BaseOS/x86_64');
    const r = await api<ReleaseView>(at(master), 'POST', '/releases', { token: rig.server.maintainer, body: { platform: PLATFORM, builds: [lib2Build] } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const c = await api(at(master), 'POST', `/releases/${r.body.id}/commit`, { token: rig.server.adminToken, body: {} });
    assert.equal(c.status, 202, JSON.stringify(c.body));
    const staged = (await api<ReleaseView>(at(master), 'GET', `/releases/${r.body.id}`)).body;
    assert.equal(staged.state, 'publishing');
    assert.ok(staged.versions.some((v) => v.repo === 'BaseOS' && v.channel === 'x86_64' && v.state === 'staged'), JSON.stringify(staged.versions));
    assert.equal(await repomd(master, 'BaseOS/x86_64'), before1, 'the staged version is not served');

    await kill(master);
    master = await startMaster();
    assert.equal(await repomd(master, 'BaseOS/x86_64'), before1, 'after the restart the old version is served');
    const exportedRepomd = join(exportDir(), PLATFORM, 'BaseOS', 'x86_64', 'repodata', 'repomd.xml');
    await until('the export to hold the served version', async () => existsSync(exportedRepomd) && createHash('sha256').update(readFileSync(exportedRepomd)).digest('hex') === before1, 30_000);
    const waiting = (await api<ReleaseView>(at(master), 'GET', `/releases/${r.body.id}`)).body;
    assert.equal(waiting.state, 'publishing', 'the release waits for its signatures, not stuck');
    // Another commit meanwhile is refused with a reason, not queued behind a dead process.
    const other = await api<ReleaseView>(at(master), 'POST', '/releases', { token: rig.server.maintainer, body: { platform: PLATFORM, builds: [appBuild] } });
    const busy = await api<{ message: string }>(at(master), 'POST', `/releases/${other.body.id}/commit`, { token: rig.server.adminToken, body: { force: true } });
    assert.equal(busy.status, 409);
    assert.match(busy.body.message, new RegExp(`release ${r.body.id} of platform ${PLATFORM} is being published`));
    await api(at(master), 'DELETE', `/releases/${other.body.id}`, { token: rig.server.maintainer });

    await rig.startSigner(master.url);
    const m = master;
    const done = await until('the release to be published by the restarted master', async () => {
      const v = (await api<ReleaseView>(at(m), 'GET', `/releases/${r.body.id}`)).body;
      return v.state !== 'publishing' && v;
    }, 120_000);
    assert.equal(done.state, 'released', `${done.failureReason ?? ''}\n${m.output().slice(-2000)}`);
    const now = await repomd(m, 'BaseOS/x86_64');
    assert.notEqual(now, before1);
    const exported = join(exportDir(), PLATFORM, 'BaseOS', 'x86_64');
    await until('the export to follow', async () => createHash('sha256').update(readFileSync(join(exported, 'repodata', 'repomd.xml'))).digest('hex') === now, 30_000);
    assert.ok(existsSync(join(exported, 'repodata', 'repomd.xml.asc')));
    assert.ok(readdirSync(join(exported, 'Packages', 'k')).includes('killlib-2.0-1.el9.x86_64.rpm'));

    // dnf against the restarted master, and against the export directory as a mirror would serve it.
    const served = await dnf(join(rig.dir, 'dnf-after-kill'), [...repoArgs({ ...rig, server: { ...rig.server, url: m.url } }, ['BaseOS/x86_64']), '--repo', 'rel0', 'repoquery', '--qf', '%{name}-%{version}', 'killlib']);
    assert.equal(served.code, 0, served.output);
    assert.match(served.output, /^killlib-2\.0$/m);
    const mirror = await dnf(join(rig.dir, 'dnf-export'), [`--repofrompath=mirror,file://${exported}`, '--setopt=mirror.gpgcheck=1', '--setopt=mirror.repo_gpgcheck=1', `--setopt=mirror.gpgkey=file://${rig.pubkeyFile}`, '--repo', 'mirror', 'repoquery', '--qf', '%{name}-%{version}', 'killlib']);
    assert.equal(mirror.code, 0, mirror.output);
    assert.match(mirror.output, /^killlib-2\.0$/m);
  });
});
