/**
 * The whole system as a user starts it: `distforge up` (master + local build node, SQLite, the
 * example platform with its bootstrap repository and first build root) as a real process, the
 * example packages as local git repositories, and the client commands over HTTP on 127.0.0.1. The
 * build's order is worked out (libgreet before greeter, though submitted after it); every package
 * is built in a root of the platform's repositories, recorded in `build show --json`, and comes
 * out as on EL9 (-debuginfo, -debugsource); its RPMs download from the URLs `build show --json`
 * gives and pass `rpm -K` and `rpm -qp`; the failing example fails with its log; `up` stops
 * cleanly.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../support/cli.ts';
import { dnfAsync } from '../support/dnf-root.ts';
import { dnfInstallAsync } from '../support/rpmkeys.ts';
import { exampleGitRepo, startUp, type RunningUp } from '../support/e2e.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-e2e-'));
const data = join(work, 'data');
let up: RunningUp;
let url = '';
let env: NodeJS.ProcessEnv = {};
let builtId = '';

const gitRepo = (name: string): string => exampleGitRepo(work, name);

interface ShowJson {
  id: number;
  state: string;
  tasks: {
    id: number;
    package: string;
    arch: string;
    kind: string;
    state: string;
    failureReason: string | null;
    dependsOn?: number[];
    artifacts: { name: string; kind: string; sha256: string; url: string }[];
    buildroot?: { key: string; packages: { nevra: string; sha256: string | null }[]; repos: { url: string; checksum: string }[] } | null;
    tests?: { package: string; state: string; stages: { name: string; state: string }[] }[];
  }[];
}

async function show(id: string): Promise<ShowJson> {
  const r = await runCli(['build', 'show', id, '--json'], { env });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ShowJson;
}

before(async () => {
  // The first start makes the bootstrap repository and the first build root (shared test caches).
  up = await startUp(data, 300_000);
  url = up.url;
  env = up.env;
});

after(async () => {
  await up.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('distforge up builds the example packages', () => {
  test('up prints where it is and what it runs', () => {
    assert.match(up.output(), /created user admin; its token is in .*admin\.token/);
    assert.match(up.output(), /^bootstrap repository: \d+ packages/m);
    assert.match(up.output(), /^build root: @buildsys-build, \d+ packages, (made in [\d.]+ s|from the cache)$/m);
    assert.match(up.output(), /platform example-el9 created \(a bootstrap of EL9 from Debian 12 packages: for trying distforge, not for release\); it tests every package it builds/);
    assert.match(up.output(), /build and test node local serving x86_64, noarch/);
  });

  test('the web UI is where up says, with its assets', async () => {
    const where = /^ {2}web UI: (http:\/\/\S+\/) \(sign in with the token in .*admin\.token\)$/m.exec(up.output())?.[1];
    assert.equal(where, `${url}/`);
    const page = await fetch(`${url}/builds/1`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    const html = await page.text();
    for (const asset of html.match(/\/assets\/[^"]+/g) ?? []) assert.equal((await fetch(`${url}${asset}`)).status, 200, asset);
    assert.match(html, /\/assets\/app-[A-Z0-9]+\.js/);
  });

  test('a build of four packages: order worked out, RPMs valid and downloadable', async () => {
    // greeter (BuildRequires libgreet-devel) is submitted before libgreet.
    const sources = ['greeter-doc', 'greeter', 'hello-c', 'libgreet'].flatMap((n) => ['--git', gitRepo(n)]);
    const r = await runCli(['build', 'submit', '--platform', 'example-el9', ...sources, '--wait'], { env, timeoutMs: 300_000 });
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    const id = r.stdout.trim().split('\n')[0] ?? '';
    builtId = id;
    const build = await show(id);
    assert.equal(build.state, 'succeeded');
    const rpmTask = (pkg: string): ShowJson['tasks'][number] => {
      const t = build.tasks.find((x) => x.package === pkg && x.kind === 'rpm');
      assert.ok(t, `an rpm task for ${pkg}`);
      return t;
    };
    assert.ok(rpmTask('greeter').dependsOn?.includes(rpmTask('libgreet').id), 'greeter waits for libgreet');
    assert.equal(rpmTask('greeter-doc').arch, 'noarch', 'noarch built once');
    const dl = join(work, 'download');
    execFileSync('mkdir', ['-p', dl]);
    const names: string[] = [];
    for (const t of build.tasks) {
      for (const a of t.artifacts.filter((x) => x.kind === 'rpm' || x.kind === 'srpm')) {
        const res = await fetch(a.url);
        assert.equal(res.status, 200, a.url);
        writeFileSync(join(dl, a.name), Buffer.from(await res.arrayBuffer()));
        names.push(a.name);
      }
    }
    assert.deepEqual(names.filter((n) => n.endsWith('.x86_64.rpm') && !/-debug(info|source)-/.test(n)).sort(), [
      'greeter-1.0-1.el9.x86_64.rpm', 'hello-c-1.0-1.el9.x86_64.rpm', 'libgreet-1.0-1.el9.x86_64.rpm', 'libgreet-devel-1.0-1.el9.x86_64.rpm',
    ]);
    for (const p of ['greeter', 'hello-c', 'libgreet']) {
      assert.ok(names.includes(`${p}-debuginfo-1.0-1.el9.x86_64.rpm`) && names.includes(`${p}-debugsource-1.0-1.el9.x86_64.rpm`), `${p}'s -debuginfo and -debugsource, as on EL9`);
    }
    // Every srpm and rpm task records its root: the packages dnf installed, from the platform's repositories.
    for (const t of build.tasks.filter((x) => x.kind === 'srpm' || x.kind === 'rpm')) {
      assert.match(t.buildroot?.key ?? '', /^[0-9a-f]{64}$/, `task ${t.id} records its root`);
      assert.ok(t.buildroot?.packages.some((p) => p.nevra.startsWith('rpm-build-')), `task ${t.id}: rpm-build in its root`);
      assert.ok(t.buildroot?.repos.some((r) => r.url.endsWith('/api/v1/platform-repos/bootstrap-el9/x86_64/')), `task ${t.id}: the platform's repository`);
    }
    assert.ok(rpmTask('greeter').buildroot?.packages.some((p) => p.nevra === 'libgreet-devel-1.0-1.el9.x86_64'), "greeter's root holds the libgreet-devel of this build");
    const files = readdirSync(dl).map((f) => join(dl, f));
    execFileSync('rpm', ['-K', '--nosignature', ...files]);
    const q = execFileSync('rpm', ['-qp', '--qf', '%{NAME} %{ARCH} %{DISTTAG}%{RELEASE}\\n', join(dl, 'greeter-1.0-1.el9.x86_64.rpm')], { encoding: 'utf8' });
    assert.match(q, /^greeter x86_64 .*1\.el9$/m);
    const req = execFileSync('rpm', ['-qp', '--requires', join(dl, 'greeter-1.0-1.el9.x86_64.rpm')], { encoding: 'utf8' });
    assert.match(req, /libgreet\.so\.1\(\)\(64bit\)/, 'greeter links the libgreet built in this build');
  });

  test('the data directory is for its owner only: 0700, the database, tokens and blobs 0600', () => {
    const mode = (p: string): string => `0${(statSync(p).mode & 0o777).toString(8)}`;
    assert.equal(mode(data), '0700');
    for (const f of ['distforge.sqlite', 'admin.token', 'node.token', 'signer.token']) assert.equal(mode(join(data, f)), '0600', f);
    const blobs = readdirSync(join(data, 'store'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    assert.ok(blobs.length > 0);
    assert.deepEqual(blobs.map((e) => join(e.parentPath, e.name)).filter((p) => mode(p) !== '0600'), []);
  });

  test('every binary package is installed, verified and removed in a fresh root by the test node', async () => {
    assert.ok(builtId, 'the four-package build ran');
    const end = Date.now() + 300_000;
    let build = await show(builtId);
    // The test tasks are queued once the build has succeeded: wait for them to be there, and to end.
    const testing = (b: ShowJson): boolean => !b.tasks.some((t) => t.kind === 'test') || b.tasks.some((t) => t.kind === 'test' && !['succeeded', 'failed', 'cancelled'].includes(t.state));
    while (testing(build)) {
      assert.ok(Date.now() < end, 'the tests end');
      await new Promise((r) => setTimeout(r, 500));
      build = await show(builtId);
    }
    const tests = build.tasks.filter((t) => t.kind === 'rpm').flatMap((t) => t.tests ?? []);
    const names = tests.map((t) => t.package).sort();
    assert.deepEqual(names, ['greeter', 'greeter-doc', 'hello-c', 'libgreet', 'libgreet-devel'], JSON.stringify(tests));
    for (const t of tests) {
      assert.equal(t.state, 'passed', JSON.stringify(t));
      assert.deepEqual(t.stages.map((st) => st.name), ['install', 'integrity', 'tests', 'uninstall']);
    }
  });

  test('the build is signed by the signer up runs: rpmkeys checks every package with the key from the API', async () => {
    assert.ok(builtId, 'the four-package build ran');
    assert.match(up.output(), /signer with rsa4096 key [0-9A-F]{16} \(allowed for example-el9\)/);
    const signed = await runCli(['build', 'sign', builtId, '--wait'], { env, timeoutMs: 300_000 });
    assert.equal(signed.code, 0, signed.stdout + signed.stderr);
    assert.match(signed.stdout, new RegExp(`^build ${builtId}: signed \\(example-el9: [0-9A-F]{16}\\)$`, 'm'));
    assert.doesNotMatch(signed.stderr, /not signed/, 'the repositories\' metadata is signed too');
    const keys = await runCli(['key', 'list', '--json'], { env });
    assert.equal(keys.code, 0, keys.stderr);
    const [key] = JSON.parse(keys.stdout) as { keyid: string; platforms: string[]; algorithm: string }[];
    assert.ok(key);
    assert.deepEqual([key.platforms, key.algorithm], [['example-el9'], 'rsa4096']);
    const pub = join(work, 'RPM-GPG-KEY-distforge');
    writeFileSync(pub, await (await fetch(`${url}/api/v1/keys/${key.keyid}.asc`)).text());
    const db = mkdtempSync(join(work, 'rpmdb-'));
    execFileSync('rpmkeys', ['--dbpath', db, '--import', pub]);
    const build = await show(builtId);
    const packages = build.tasks.filter((t) => t.kind === 'srpm' || t.kind === 'rpm').flatMap((t) => t.artifacts.filter((a) => a.kind === 'rpm' || a.kind === 'srpm'));
    assert.ok(packages.length >= 14, `every package: ${packages.length}`);
    for (const a of packages) {
      const file = join(work, `signed-${a.name}`);
      writeFileSync(file, Buffer.from(await (await fetch(a.url)).arrayBuffer()));
      const out = execFileSync('rpmkeys', ['--dbpath', db, '--checksig', '-v', file], { encoding: 'utf8' });
      assert.match(out, /Header V4 RSA\/SHA(256|512) Signature, key ID [0-9a-f]+: OK/, `${a.name}: ${out}`);
    }
    // dnf with gpgcheck=1 and repo_gpgcheck=1 installs greeter-doc from the build's repository (its
    // packages and repository metadata signed); what it needs of the platform (glibc …) comes from
    // the bootstrap repository, which nobody signs.
    const repos = (JSON.parse((await runCli(['build', 'show', builtId, '--json'], { env })).stdout) as { repositories: { url: string }[] }).repositories.map((r) => r.url);
    const platform = JSON.parse((await runCli(['platform', 'show', 'example-el9', '--json'], { env })).stdout) as { repositories: { url: string }[] };
    const bootstrap = `${url}${(platform.repositories[0]?.url ?? '').replace('$basearch', 'x86_64')}`;
    const installed = await dnfInstallAsync(join(work, 'dnf'), repos, pub, 'greeter-doc', { repoGpgcheck: true, unsigned: [bootstrap] });
    assert.equal(installed.code, 0, installed.output);
  });

  test("the README's release: plan, commit, and dnf installs from /repos with the .repo file, gpgcheck and repo_gpgcheck on", async () => {
    assert.ok(builtId, 'the four-package build ran and was signed');
    const planned = await runCli(['release', 'plan', '--platform', 'example-el9', '--build', builtId, '--json'], { env });
    assert.equal(planned.code, 0, planned.stderr);
    const plan = JSON.parse(planned.stdout) as { id: number; packages: { nevra: string; repos: string[]; reason: string }[]; checks: { ok: boolean; package: string | null; check: string; message: string }[] };
    assert.deepEqual(plan.checks.filter((c) => !c.ok), []);
    const where = (nevra: RegExp) => plan.packages.find((p) => nevra.test(p.nevra))?.repos;
    assert.deepEqual(where(/^libgreet-\d[^-]*-[^-]+\.x86_64$/), ['BaseOS/x86_64']);
    assert.deepEqual(where(/^libgreet-debuginfo-\d.*\.x86_64$/), ['BaseOS/x86_64/debug']);
    assert.deepEqual(where(/^greeter-\d[^-]*-[^-]+\.x86_64$/), ['AppStream/x86_64']);
    assert.deepEqual(where(/^greeter-doc-.*\.noarch$/), ['AppStream/x86_64']);
    assert.deepEqual(where(/^libgreet-.*\.src$/), ['BaseOS/Source', 'AppStream/Source'], 'libgreet-devel goes to AppStream, so its source goes to both');
    const committed = await runCli(['release', 'commit', String(plan.id)], { env, timeoutMs: 300_000 });
    assert.equal(committed.code, 0, committed.stdout + committed.stderr);
    assert.match(committed.stdout, new RegExp(`^release ${plan.id}: released \\(`));
    const list = await runCli(['release', 'list'], { env });
    assert.match(list.stdout, new RegExp(`^${plan.id}\\s+example-el9\\s+released`, 'm'));
    // What a user does: the .repo file in /etc/yum.repos.d (here a reposdir of its own), then dnf.
    const reposdir = join(work, 'yum.repos.d');
    execFileSync('mkdir', ['-p', reposdir]);
    const repoFile = await (await fetch(`${url}/repos/example-el9.repo`)).text();
    assert.match(repoFile, /repo_gpgcheck=1/);
    writeFileSync(join(reposdir, 'example-el9.repo'), repoFile);
    const platform = JSON.parse((await runCli(['platform', 'show', 'example-el9', '--json'], { env })).stdout) as { repositories: { url: string }[] };
    const bootstrap = `${url}${(platform.repositories[0]?.url ?? '').replace('$basearch', 'x86_64')}`;
    const installed = await dnfAsync(join(work, 'dnf-release'), [`--repofrompath=bootstrap,${bootstrap}`, '--setopt=bootstrap.gpgcheck=0', '--setopt=bootstrap.repo_gpgcheck=0', 'install', 'greeter'], { reposdir });
    assert.equal(installed.code, 0, installed.output);
    assert.match(installed.output, /greeter-1[^\n]*x86_64/);
    assert.match(installed.output, /libgreet-1[^\n]*x86_64/);
  });

  test('the failing example fails, with its log', async () => {
    const r = await runCli(['build', 'submit', '--platform', 'example-el9', '--git', gitRepo('broken'), '--wait'], { env, timeoutMs: 300_000 });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const id = r.stdout.trim().split('\n')[0] ?? '';
    const build = await show(id);
    assert.equal(build.state, 'failed');
    const failed = build.tasks.find((t) => t.state === 'failed');
    assert.ok(failed);
    assert.match(failed.failureReason ?? '', /fails to build on purpose/);
    const logs = await runCli(['build', 'logs', id, '--task', String(failed.id)], { env });
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /fails to build on purpose/);
  });

  test('bad input: unknown platform, unreachable git URL, missing ref', async () => {
    const hello = `file://${join(work, 'git', 'hello-c')}`; // made by the first build
    const cases: [string[], RegExp][] = [
      [['--platform', 'nope', '--git', `${hello}#v1`], /platform.*nope/i],
      [['--platform', 'example-el9', '--git', `file://${work}/no-such-repo#v1`], /no-such-repo/],
      [['--platform', 'example-el9', '--git', `${hello}#no-such-tag`], /no-such-tag/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['build', 'submit', ...args], { env });
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, message, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });

  test('up stops cleanly on SIGTERM', async () => {
    const code = await up.stop();
    assert.equal(code, 0);
    assert.match(up.output(), /distforge stopped/);
  });
});
