/**
 * The node agent against a stand-in master over real HTTP on 127.0.0.1 (fake-master.ts), with
 * real builds in the example platform's build roots: hello with its arches; an SRPM task from a
 * git tree (SRPM, log and build environment uploaded with their sha256, the log streamed in order
 * while it ran, the target arches reported); the binary task built from that uploaded SRPM, its
 * root recorded; a foreign arch refused; a failing build
 * reported with its reason and log; a lost lease stopping the build; and `distforge node --server
 * URL --token T` doing the same from the command line.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NodeAgent } from '../../src/node/agent.ts';
import { buildSrpmInRoot } from '../../src/node/builders/rpmbuild-root.ts';
import { bootstrapRepo, NODE_CACHE } from '../support/bootstrap-repo.ts';
import type { NodeLogger } from '../../src/node/task-runner.ts';
import { findSpec } from '../../src/node/sources.ts';
import { hostArch } from '../../src/node/host.ts';
import type { LeasedTask } from '../../src/node/types.ts';
import { runCli } from '../support/cli.ts';
import { startFakeMaster, type FakeMaster, type TaskRecord } from './fake-master.ts';
import { examplePlatform, exampleRepo, ROOT, rootOptions, rpmCheck } from './support.ts';

const TOKEN = 'node-secret';
const platform = examplePlatform();
let dir: string;
let master: FakeMaster;
let agent: NodeAgent;
let running: Promise<void>;

const quiet: NodeLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function gitTask(id: number, name: string): Parameters<FakeMaster['push']>[0] {
  const tree = exampleRepo(join(dir, `t${id}`), name);
  return {
    id,
    kind: 'srpm',
    platform: platform.name,
    arch: 'src',
    source: { kind: 'git', gitUrl: tree.url, gitRef: 'main', gitCommit: tree.commit },
    platformDefinition: platform,
    dependencies: [],
    repositories: [],
  };
}

function rpmTask(id: number, arch: string, dependencies: LeasedTask['dependencies'], leaseMs?: number): Parameters<FakeMaster['push']>[0] {
  return {
    id,
    kind: 'rpm',
    platform: platform.name,
    arch,
    source: { kind: 'git', gitUrl: 'unused', gitRef: 'main', gitCommit: 'unused' },
    platformDefinition: platform,
    dependencies,
    repositories: [],
    ...(leaseMs === undefined ? {} : { leaseMs }),
  };
}

function streamed(r: TaskRecord): string {
  return r.logs.map((l) => l.text).join('');
}

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'distforge-node-agent-'));
  await bootstrapRepo();
  master = await startFakeMaster(TOKEN);
  agent = new NodeAgent({ server: master.url, token: TOKEN, arches: [hostArch(), 'noarch'], maxConcurrency: 2, workDir: join(dir, 'work'), cacheDir: NODE_CACHE, pollMs: 50, log: quiet });
  running = agent.run();
});

after(async () => {
  agent.stop();
  await running;
  await master.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the node agent', () => {
  test('says hello with its arches, capabilities and concurrency', async () => {
    await until('hello', () => master.hellos.length > 0);
    assert.deepEqual(master.hellos[0], { arches: [hostArch(), 'noarch'], capabilities: ['build'], maxConcurrency: 2 });
  });

  test('an SRPM task, then the binary task built from the uploaded SRPM', async () => {
    master.push(gitTask(1, 'hello-c'));
    const r1 = await master.settled(1);
    assert.equal(r1.failed, undefined, r1.failed);
    assert.deepEqual(r1.uploads.map((u) => [u.name, u.kind]), [['hello-c-1.0-1.el9.src.rpm', 'srpm'], ['build.log', 'log'], ['buildenv.json', 'buildenv']]);
    assert.deepEqual(r1.completed?.arches, ['x86_64']);
    assert.equal(r1.completed?.packageName, 'hello-c');
    assert.deepEqual(r1.logs.map((l) => l.seq), r1.logs.map((_l, i) => i), 'log chunks numbered in order');
    const log = streamed(r1);
    assert.match(log, /Wrote: \/builddir\/build\/SRPMS\/hello-c-1\.0-1\.el9\.src\.rpm/);
    assert.match(log, /^distforge: build root [0-9a-f]{12} \(@buildsys-build; \d+ packages\)/m);
    assert.equal(log, r1.uploads.find((u) => u.kind === 'log')?.data.toString('utf8'), 'the streamed log is the uploaded log');
    const env = JSON.parse(r1.uploads.find((u) => u.kind === 'buildenv')?.data.toString('utf8') ?? '{}') as { source?: { commit?: string } };
    assert.equal(env.source?.commit?.length, 40);

    const srpm = r1.uploads[0];
    assert.ok(srpm);
    const srpmUrl = `${master.url}/api/v1/artifacts/${srpm.sha256}/${srpm.name}`;
    master.push(rpmTask(2, 'x86_64', [{ taskId: 1, artifacts: [{ name: srpm.name, kind: 'srpm', sha256: srpm.sha256, url: srpmUrl }] }]));
    const r2 = await master.settled(2);
    assert.equal(r2.failed, undefined, r2.failed);
    const rpms = ['hello-c-1.0-1.el9.x86_64.rpm', 'hello-c-debuginfo-1.0-1.el9.x86_64.rpm', 'hello-c-debugsource-1.0-1.el9.x86_64.rpm'];
    assert.deepEqual(r2.uploads.map((u) => [u.name, u.kind]), [...rpms.map((n) => [n, 'rpm']), ['build.log', 'log'], ['buildenv.json', 'buildenv']]);
    assert.deepEqual(r2.completed?.rpms, rpms);
    const root = r2.completed?.buildroot as { packages: { nevra: string }[] } | undefined;
    assert.ok(root?.packages.some((p) => p.nevra.startsWith('gcc-')), 'the result records the root, gcc in it');
    const file = join(dir, 'hello-c.rpm');
    writeFileSync(file, r2.uploads[0]?.data ?? Buffer.alloc(0));
    assert.match(rpmCheck(file), /digests OK$/);
    await until('the task to end on the node', () => agent.outcomes.get(2) === 'succeeded');
    assert.deepEqual(readdirSync(join(dir, 'work')).filter((f) => f.startsWith('task-1-') || f.startsWith('task-2-')), [], 'work dirs are removed');
  });

  test('a task for an arch this host does not build is refused', async () => {
    const foreign = hostArch() === 'aarch64' ? 'x86_64' : 'aarch64';
    master.push(rpmTask(3, foreign, []));
    const r = await master.settled(3);
    assert.match(r.refused ?? '', new RegExp(`^cannot build for ${foreign} on this node`));
    assert.equal(r.completed, undefined);
  });

  test('a task of a kind a build runner does not run (a sign task) is refused, naming the kind', async () => {
    master.push({ ...rpmTask(30, hostArch(), []), kind: 'sign' });
    const r = await master.settled(30);
    assert.equal(r.refused, 'a build runner runs srpm and rpm tasks, not sign tasks');
    assert.equal(r.completed, undefined);
  });

  test('a failing build is reported with its reason, its log uploaded', async () => {
    master.push(gitTask(4, 'broken'));
    const r4 = await master.settled(4);
    const srpm = r4.uploads[0];
    assert.ok(srpm && r4.completed);
    master.push(rpmTask(5, 'x86_64', [{ taskId: 4, artifacts: [{ name: srpm.name, kind: 'srpm', sha256: srpm.sha256, url: `${master.url}/api/v1/artifacts/${srpm.sha256}/${srpm.name}` }] }]));
    const r5 = await master.settled(5);
    assert.equal(r5.failed, 'rpmbuild failed in %build: broken: error: this package fails to build on purpose (example of a failed build)');
    const log = r5.uploads.find((u) => u.kind === 'log')?.data.toString('utf8') ?? '';
    assert.match(log, /broken: error: this package fails to build on purpose/);
    assert.match(log, /distforge: build failed: rpmbuild failed in %build/);
    assert.ok(r5.uploads.some((u) => u.kind === 'buildenv'));
  });

  test('a lost lease (heartbeat 409) stops the build; nothing more is reported', async () => {
    const tree = join(dir, 'sleeper');
    mkdirSync(tree);
    const marker = `${31 + Math.random()}`.slice(0, 7);
    writeFileSync(join(tree, 'sleeper.spec'), `Name: sleeper\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\n%description\ns\n%build\necho SLEEPER-STARTED\nsleep ${marker}\n%files\n`);
    const s = await buildSrpmInRoot({ kind: 'git', dir: tree, commit: 'x', ...findSpec(tree) }, join(dir, 'sleeper-srpm'), rootOptions());
    master.push(rpmTask(6, 'x86_64', [{ taskId: 99, artifacts: [master.addBlob(s.srpmPath, 'srpm')] }], 1500));
    await until('the build to start', () => streamed(master.record(6)).includes('SLEEPER-STARTED'));
    master.revokeLease(6);
    await until('the task to be abandoned', () => agent.outcomes.get(6) === 'lease-lost');
    const r = master.record(6);
    assert.equal(r.completed, undefined);
    assert.equal(r.failed, undefined);
    assert.ok(r.heartbeats > 0);
    const sleeping = (): boolean =>
      readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .some((p) => {
          try {
            return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(marker);
          } catch {
            return false;
          }
        });
    await until('the build processes to be gone', () => !sleeping());
  });
});

describe('distforge node', () => {
  test('`distforge node --server URL --token T` builds a leased task', async () => {
    const cliMaster = await startFakeMaster('cli-token');
    try {
      cliMaster.push(gitTask(10, 'greeter-doc'));
      const child = spawn(join(ROOT, 'bin', 'distforge'), ['node', '--server', cliMaster.url, '--token', 'cli-token', '--poll-ms', '50', '--work', join(dir, 'cli-work'), '--cache', NODE_CACHE, '--log-level', 'warn'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
      const r = await Promise.race([cliMaster.settled(10), exited.then((code) => assert.fail(`distforge node exited (${code}): ${stderr}`))]);
      assert.deepEqual(r.completed?.arches, ['noarch']);
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
    } finally {
      await cliMaster.close();
    }
  });

  test('a wrong token stops the node with the master’s reason', async () => {
    const cliMaster = await startFakeMaster('right');
    try {
      const child = spawn(join(ROOT, 'bin', 'distforge'), ['node', '--server', cliMaster.url, '--token', 'wrong', '--work', join(dir, 'cli-work-2')], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
      assert.equal(code, 1);
      assert.match(stderr, /distforge: POST \/api\/v1\/node\/hello: HTTP 401 unauthorized: unknown or revoked token/);
    } finally {
      await cliMaster.close();
    }
  });

  test('bad run options are refused before the node starts, each named', async () => {
    const base = ['node', '--server', 'http://127.0.0.1:9', '--token', 't', '--work', join(dir, 'never')];
    for (const [flag, value, message] of [
      ['--wait', '61', '--wait must be a whole number of seconds from 0 to 60, not "61"'],
      ['--wait', 'soon', '--wait must be a whole number of seconds from 0 to 60, not "soon"'],
      ['--poll-ms', '5', '--poll-ms must be a whole number of at least 10, not "5"'],
      ['--max-concurrency', '0', '--max-concurrency must be a whole number of at least 1, not "0"'],
    ] as const) {
      const r = await runCli([...base, flag, value]);
      assert.equal(r.code, 1, `${flag} ${value}: ${r.stderr}`);
      assert.equal(r.stderr.trim(), `distforge: ${message}`);
    }
    assert.equal(existsSync(join(dir, 'never')), false, 'nothing was created');
  });
});
