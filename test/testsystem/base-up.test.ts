/**
 * The base example packages built by distforge itself: `distforge up` (master + local build node,
 * the example platform) builds base-filesystem, base-libc, base-sh and hello-c from local git
 * repositories through the node's sandbox; their RPMs, downloaded from the build, make a
 * repository (createRepository) from which real dnf fills an empty root where hello-c runs.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createRepository } from '../../src/repo/create/create.ts';
import { BASE_PACKAGE_DIRS } from '../../src/testsystem/base-packages.ts';
import { runCli } from '../support/cli.ts';
import { exampleGitRepo, startUp, type RunningUp } from '../support/e2e.ts';
import { dnfInstallUnsigned, dnfRoot, rpmInRoot, runInRoot } from '../support/dnf-root.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-base-up-'));
const data = join(work, 'data');
let up: RunningUp;
let env: NodeJS.ProcessEnv = {};

const gitRepo = (name: string): string => exampleGitRepo(work, name);

interface ShowJson {
  state: string;
  tasks: { package: string; arch: string; kind: string; artifacts: { name: string; kind: string; url: string }[] }[];
}

before(async () => {
  up = await startUp(data, 60_000);
  env = up.env;
});

after(async () => {
  await up.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('distforge builds the base packages an empty root needs', () => {
  test('built by the node, they make an empty root where hello-c runs', async () => {
    const sources = [...BASE_PACKAGE_DIRS, 'hello-c'].flatMap((n) => ['--git', gitRepo(n)]);
    const r = await runCli(['build', 'submit', '--platform', 'example-el9', ...sources, '--wait'], { env, timeoutMs: 300_000 });
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    const id = r.stdout.trim().split('\n')[0] ?? '';
    const s = await runCli(['build', 'show', id, '--json'], { env });
    assert.equal(s.code, 0, s.stderr);
    const build = JSON.parse(s.stdout) as ShowJson;
    assert.equal(build.state, 'succeeded');
    const repo = join(work, 'repo');
    mkdirSync(repo);
    const names: string[] = [];
    for (const t of build.tasks.filter((x) => x.kind === 'rpm')) {
      for (const a of t.artifacts.filter((x) => x.kind === 'rpm')) {
        const res = await fetch(a.url);
        assert.equal(res.status, 200, a.url);
        writeFileSync(join(repo, a.name), Buffer.from(await res.arrayBuffer()));
        names.push(a.name);
      }
    }
    assert.deepEqual(names.map((n) => n.replace(/-[^-]+-[^-]+$/, '')).sort(), ['distforge-filesystem', 'distforge-libc', 'distforge-sh', 'hello-c']);
    await createRepository(repo, { compression: 'gz' });
    const root = dnfRoot(join(work, 'dnf'));
    const d = dnfInstallUnsigned(root, `file://${repo}`, ['hello-c', '/bin/sh']);
    assert.equal(d.code, 0, `${d.stdout}${d.stderr}`);
    const v = rpmInRoot(root, ['-Va']);
    assert.equal(v.code, 0, `rpm -Va:\n${v.stdout}${v.stderr}`);
    const hello = runInRoot(root, ['/usr/bin/hello-c', 'root']);
    assert.equal(hello.stdout, 'Hello, root! (hello-c 1.0)\n', hello.stderr);
    const sh = runInRoot(root, ['/bin/sh', '-c', 'echo ok']);
    assert.equal(sh.stdout, 'ok\n', sh.stderr);
  });
});
