/**
 * The test system through a real master and a real node with the build and test capabilities,
 * over HTTP on 127.0.0.1: on a platform that tests, each succeeded rpm task gets a test task; the
 * node installs each binary package with real dnf into a fresh root of the platform's test base
 * set (its dependencies from the build's repository and the platform's: the bootstrap repository),
 * checks it with rpm -V, runs the source's tests/ scripts in the sandbox rooted there as the
 * sandbox user (TAP read test by test), and removes it with rpm -e. Each stage's result shows per package and arch in the
 * build; a failing test fails its test task, never the build, and blocks signing; `build test`
 * runs it again once the tests repository fixes it, and the newest result counts.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { createNodeToken } from '../../src/auth/nodes.ts';
import type { BuildView } from '../../src/builds/index.ts';
import { NodeAgent } from '../../src/node/agent.ts';
import { buildableArches } from '../../src/node/host.ts';
import { publicKeyArmored } from '../../src/pgp/secret-key.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { registerKeys, setKeyPlatforms } from '../../src/signing/index.ts';
import { generateKey, unlockKeys } from '../../src/signer/keystore.ts';
import { freshDatabaseUrl, TEST_DIALECT } from '../support/db.ts';
import { bootstrapRepo, NODE_CACHE, PLATFORM_REPOS } from '../support/bootstrap-repo.ts';
import { runCli } from '../support/cli.ts';
import { api, EXAMPLE_PLATFORM_FILE } from '../support/server.ts';
import { git } from '../git/support.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-testsystem-'));
let server: RunningServer;
let agent: NodeAgent;
let agentDone: Promise<void>;
let admin = '';

const spec = (name: string): string =>
  [
    `Name: ${name}`,
    'Version: 1.0',
    'Release: 1%{?dist}',
    `Summary: ${name}`,
    'License: MIT',
    'BuildArch: noarch',
    '%description',
    `${name} says hello.`,
    '%install',
    'mkdir -p %{buildroot}/usr/bin %{buildroot}/etc',
    `printf '#!/bin/sh\\necho hello from ${name}\\n' > %{buildroot}/usr/bin/${name}`,
    `chmod 755 %{buildroot}/usr/bin/${name}`,
    `echo greeting=hello > %{buildroot}/etc/${name}.conf`,
    '%files',
    `/usr/bin/${name}`,
    `%config(noreplace) /etc/${name}.conf`,
    '',
  ].join('\n');

/** A git repository with the spec and (unless `script` is null) a tests/ directory holding it. */
function source(name: string, script: string | null): string {
  const dir = join(work, 'git', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.spec`), spec(name));
  if (script !== null) {
    mkdirSync(join(dir, 'tests'), { recursive: true });
    writeFileSync(join(dir, 'tests', 'run.sh'), script);
  }
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', `import ${name}`);
  return `file://${dir}#main`;
}

async function finished(id: number): Promise<BuildView> {
  const end = Date.now() + 240_000;
  for (;;) {
    const b = (await api<BuildView>(server, 'GET', `/builds/${id}`, { token: admin })).body;
    const testsDone = b.tasks.filter((t) => t.kind === 'test').every((t) => ['succeeded', 'failed', 'cancelled'].includes(t.state));
    if (['succeeded', 'failed', 'cancelled'].includes(b.state) && testsDone && b.tasks.some((t) => t.kind === 'test')) return b;
    if (b.state === 'failed') return b;
    if (Date.now() > end) throw new Error(`build ${id} did not finish: ${JSON.stringify(b.tasks.map((t) => [t.kind, t.state]))}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

before(async () => {
  // The platform's repository: the bootstrap repository this master serves (build and test roots).
  await bootstrapRepo();
  const platform = join(work, 'tested-el9.yaml');
  const example = readFileSync(EXAMPLE_PLATFORM_FILE, 'utf8').replace(/^name: example-el9$/m, 'name: tested-el9');
  // A tests repository kept apart from the sources: tested-ext/ holds tested-ext's scripts.
  const testsRepo = join(work, 'tests-repo');
  mkdirSync(join(testsRepo, 'tested-ext'), { recursive: true });
  writeFileSync(join(testsRepo, 'tested-ext', 'check.sh'), '#!/bin/sh\necho 1..1\n[ -x /usr/bin/tested-ext ] && echo "ok 1 - from the tests repository"\n');
  git(testsRepo, 'init', '-q');
  git(testsRepo, 'add', '-A');
  git(testsRepo, 'commit', '-q', '-m', 'tests');
  writeFileSync(platform, `${example}\ntests:\n  timeoutSeconds: 60\n  autoSign: true\n  repository: {url: "file://${testsRepo}", ref: main}\n`);
  writeFileSync(join(work, 'server.yaml'), `platforms:\n  - ${platform}\n`);
  server = await startServer({ dataDir: join(work, 'data'), db: await freshDatabaseUrl(), host: '127.0.0.1', port: 0, configFile: join(work, 'server.yaml'), logLevel: 'silent', platformReposDir: PLATFORM_REPOS });
  admin = server.admin.token ?? '';
  // A signing key allowed for the platform (registered as a signer would; no signer runs here).
  const keysDir = join(work, 'keys');
  const info = await generateKey(keysDir, { algorithm: 'ed25519', name: 'tests', email: 'tests@example.org' }, 'pass');
  const signerNode = await createNodeToken(server.ctx, { name: 'signer', arches: ['x86_64'], capabilities: ['sign'] });
  await registerKeys(server.ctx, signerNode.node.id, (await unlockKeys(keysDir, 'pass')).map((k) => publicKeyArmored(k.secret)));
  await setKeyPlatforms(server.ctx, info.keyid, ['tested-el9']);
  const arches = buildableArches();
  const node = await createNodeToken(server.ctx, { name: 'builder-tester', arches, capabilities: ['build', 'test'], maxConcurrency: 2 });
  agent = new NodeAgent({ server: server.url, token: node.secret, arches, capabilities: ['build', 'test'], maxConcurrency: 2, workDir: join(work, 'node'), cacheDir: NODE_CACHE, waitSeconds: 1, log: pino({ level: 'silent' }) });
  agentDone = agent.run();
});

after(async () => {
  agent?.stop();
  await agentDone?.catch(() => undefined);
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

describe(`testing built packages in fresh roots (${TEST_DIALECT})`, () => {
  test('a package whose tests pass: install, integrity, tests and uninstall each pass', async () => {
    const script = [
      '#!/bin/sh',
      // The sandbox's network is tested in tests-network.test.ts (a real client against real listeners).
      'echo 1..2',
      'if [ "$(tested-ok)" = "hello from tested-ok" ]; then echo "ok 1 - says hello"; else echo "not ok 1 - says hello"; fi',
      'if [ -f /etc/tested-ok.conf ]; then echo "ok 2 - config installed"; else echo "not ok 2 - config installed"; fi',
      '',
    ].join('\n');
    const r = await api<BuildView>(server, 'POST', '/builds', { token: admin, body: { platforms: ['tested-el9'], sources: [{ git: source('tested-ok', script) }] } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const b = await finished(r.body.id);
    assert.equal(b.state, 'succeeded');
    const rpm = b.tasks.find((t) => t.kind === 'rpm');
    assert.deepEqual(rpm?.tests?.map((t) => [t.package, t.arch, t.state, t.stages.map((s) => `${s.name}:${s.state}`).join(' ')]), [
      ['tested-ok', 'noarch', 'passed', 'install:passed integrity:passed tests:passed uninstall:passed'],
    ], JSON.stringify(rpm?.tests));
    const testTask = b.tasks.find((t) => t.kind === 'test');
    assert.equal(testTask?.state, 'succeeded');
    assert.ok(testTask?.artifacts.some((a) => a.name === 'test-tested-ok.noarch.log'));
    const logs = await api<{ chunks: { text: string }[] }>(server, 'GET', `/builds/${b.id}/logs?task=${testTask?.id}`, { token: admin });
    const text = logs.body.chunks.map((c) => c.text).join('');
    assert.match(text, /tested-ok\.noarch tests: passed \(1 script\(s\) passed\)/);
    // tests.autoSign: once every test passed, the build asks to be signed by itself.
    const end = Date.now() + 30_000;
    let signTasks: BuildView['tasks'] = [];
    while (signTasks.length === 0 && Date.now() < end) {
      await new Promise((done) => setTimeout(done, 300));
      signTasks = (await api<BuildView>(server, 'GET', `/builds/${b.id}`, { token: admin })).body.tasks.filter((t) => t.kind === 'sign');
    }
    assert.equal(signTasks.length, 1, 'a sign task was made when the tests passed');
  });

  test('a failing test fails its test task (not the build), names the package and stage, and blocks signing', async () => {
    const script = '#!/bin/sh\necho 1..2\necho "ok 1 - starts"\necho "not ok 2 - always broken"\n';
    const r = await api<BuildView>(server, 'POST', '/builds', { token: admin, body: { platforms: ['tested-el9'], sources: [{ git: source('tested-bad', script) }] } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const b = await finished(r.body.id);
    assert.equal(b.state, 'succeeded', 'the build itself succeeded');
    const testTask = b.tasks.find((t) => t.kind === 'test');
    assert.equal(testTask?.state, 'failed');
    assert.equal(testTask?.failureReason, 'tests failed: tested-bad.noarch tests: run.sh: not ok 2 - always broken');
    const tests = b.tasks.find((t) => t.kind === 'rpm')?.tests ?? [];
    assert.deepEqual(tests.map((t) => [t.state, t.stages.map((s) => `${s.name}:${s.state}`).join(' ')]), [['failed', 'install:passed integrity:passed tests:failed uninstall:passed']]);
    const sign = await api<{ code: string; message: string }>(server, 'POST', `/builds/${b.id}/sign`, { token: admin, body: {} });
    assert.equal(sign.status, 409);
    assert.equal(sign.body.message, `platform tested-el9 signs only tested packages: test task ${testTask?.id} (tested-bad noarch) failed: tests failed: tested-bad.noarch tests: run.sh: not ok 2 - always broken; \`distforge build test ${b.id}\` runs it again`);
    assert.equal((await api<BuildView>(server, 'GET', `/builds/${b.id}`, { token: admin })).body.tasks.filter((t) => t.kind === 'sign').length, 0, 'not signed by itself either');
  });

  test('a test fixed in the tests repository runs again with `build test`: the newest result shows, and the build is signed by itself', async () => {
    const testsRepo = join(work, 'tests-repo');
    const script = (ok: boolean): string => `#!/bin/sh\necho 1..1\necho "${ok ? 'ok' : 'not ok'} 1 - tested-fix says hello"\n`;
    mkdirSync(join(testsRepo, 'tested-fix'), { recursive: true });
    writeFileSync(join(testsRepo, 'tested-fix', 'check.sh'), script(false));
    git(testsRepo, 'add', '-A');
    git(testsRepo, 'commit', '-q', '-m', 'tested-fix: a test that expects too much');
    const r = await api<BuildView>(server, 'POST', '/builds', { token: admin, body: { platforms: ['tested-el9'], sources: [{ git: source('tested-fix', null) }] } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const b = await finished(r.body.id);
    const first = b.tasks.find((t) => t.kind === 'test');
    assert.equal(first?.failureReason, 'tests failed: tested-fix.noarch tests: check.sh: not ok 1 - tested-fix says hello');

    writeFileSync(join(testsRepo, 'tested-fix', 'check.sh'), script(true));
    git(testsRepo, 'commit', '-q', '-am', 'tested-fix: the test fixed');
    const rerun = await runCli(['build', 'test', String(b.id), '--wait'], { env: { DISTFORGE_URL: server.url, DISTFORGE_TOKEN: admin } });
    assert.equal(rerun.code, 0, rerun.stderr);
    const second = (await api<BuildView>(server, 'GET', `/builds/${b.id}`, { token: admin })).body.tasks.filter((t) => t.kind === 'test').at(-1);
    assert.ok(second && second.id !== first?.id);
    assert.match(rerun.stdout, new RegExp(`^test task ${second.id}: tested-fix noarch \\(tested-el9\\), again after test task ${first?.id}\nbuild ${b.id}: 1 test task\\(s\\) made\nbuild ${b.id}: every test passed\n$`));
    assert.match(rerun.stderr, new RegExp(`build ${b.id}: test task ${second.id} \\(tested-fix noarch\\) succeeded\n`));
    const after = (await api<BuildView>(server, 'GET', `/builds/${b.id}`, { token: admin })).body;
    assert.deepEqual(after.tasks.find((t) => t.kind === 'rpm')?.tests?.map((t) => [t.package, t.state, t.taskId, t.stages.find((st) => st.name === 'tests')?.state]), [['tested-fix', 'passed', second.id, 'passed']]);
    assert.equal(after.tasks.find((t) => t.id === first?.id)?.state, 'failed', 'the first run stays as it ended');
    // tests.autoSign: the newest tests passed, so the builds loop asks for the build to be signed.
    const end = Date.now() + 30_000;
    while (Date.now() < end && !(await api<BuildView>(server, 'GET', `/builds/${b.id}`, { token: admin })).body.tasks.some((t) => t.kind === 'sign')) await new Promise((done) => setTimeout(done, 300));
    assert.ok((await api<BuildView>(server, 'GET', `/builds/${b.id}`, { token: admin })).body.tasks.some((t) => t.kind === 'sign'), 'a sign task was made once the newest tests passed');
  });

  test('tests kept in the platform tests repository run for packages whose sources have none', async () => {
    const r = await api<BuildView>(server, 'POST', '/builds', { token: admin, body: { platforms: ['tested-el9'], sources: [{ git: source('tested-ext', null) }] } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const b = await finished(r.body.id);
    const tests = b.tasks.find((t) => t.kind === 'rpm')?.tests ?? [];
    assert.deepEqual(tests.map((t) => [t.package, t.state, t.stages.find((st) => st.name === 'tests')?.detail]), [['tested-ext', 'passed', '1 script(s) passed']], JSON.stringify(tests));
    const testTask = b.tasks.find((t) => t.kind === 'test');
    const logs = await api<{ chunks: { text: string }[] }>(server, 'GET', `/builds/${b.id}/logs?task=${testTask?.id}`, { token: admin });
    assert.match(logs.body.chunks.map((c) => c.text).join(''), /tested-ext\.noarch tests: passed/);
  });
});
