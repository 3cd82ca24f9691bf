/**
 * Failures in the middle of a build, with real processes: `distforge server` (3 s leases), build
 * nodes as `distforge node` processes, a package whose build takes a few seconds.
 * - kill -9 a node mid-build: its task is leased again after the lease expires, by another node,
 *   and the build finishes, with no artifact recorded twice;
 * - stop and restart the master mid-build: the running build finishes and nothing is lost.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { bootstrapRepo, NODE_CACHE, PLATFORM_REPOS } from '../support/bootstrap-repo.ts';
import { DISTFORGE, runCli } from '../support/cli.ts';
import { unmountStaleSync } from '../../src/node/buildroot/overlay.ts';

const PLATFORM = resolve(import.meta.dirname, '../../examples/platforms/example-el9.yaml');
const work = mkdtempSync(join(tmpdir(), 'distforge-resilience-'));
const data = join(work, 'data');
const children: ChildProcess[] = [];
const outputs: (() => string)[] = [];
let port = 0;
let env: NodeJS.ProcessEnv = {};

function start(args: string[], name: string): { child: ChildProcess; output: () => string } {
  let out = '';
  const child = spawn(DISTFORGE, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.on('error', (e) => (out += `${name}: ${e.message}`));
  children.push(child);
  outputs.push(() => `--- ${name}\n${out.slice(-3000)}`);
  return { child, output: () => out };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${outputs.map((o) => o()).join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function startServer(): Promise<string> {
  const s = start(['server', '--data', data, '--port', String(port), '--lease-seconds', '3', '--platform-repos', PLATFORM_REPOS, '--log-level', 'warn'], 'server');
  return waitFor('the server', () => Promise.resolve(/listening on (\S+)/.exec(s.output())?.[1]), 60_000);
}

async function startNode(name: string): Promise<ChildProcess> {
  const add = await runCli(['node', 'add', name, '--arches', 'x86_64,noarch'], { env });
  assert.equal(add.code, 0, add.stderr);
  return start(['node', '--server', `http://127.0.0.1:${port}`, '--token', add.stdout.trim(), '--work', join(work, `work-${name}`), '--cache', NODE_CACHE, '--poll-ms', '200', '--log-level', 'warn'], name).child;
}

/** A noarch package whose %build takes `seconds`. */
function slowPackage(name: string, seconds: number): string {
  const dir = join(work, 'git', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `${name}.spec`),
    `Name: ${name}\nVersion: 1.0\nRelease: 1%{?dist}\nSummary: slow\nLicense: MIT\nBuildArch: noarch\n\n%description\nslow\n\n%build\necho building slowly\nsleep ${seconds}\n\n%install\nmkdir -p %{buildroot}/usr/share/${name}\necho ok > %{buildroot}/usr/share/${name}/ok\n\n%files\n/usr/share/${name}\n`,
  );
  const git = (...a: string[]): void => void execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...a], { cwd: dir, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'import');
  return `file://${dir}#HEAD`;
}

interface Show {
  state: string;
  tasks: { id: number; kind: string; state: string; attempt: number; artifacts: { name: string }[] }[];
}

async function show(id: string): Promise<Show> {
  const r = await runCli(['build', 'show', id, '--json'], { env });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Show;
}

async function submit(git: string): Promise<string> {
  const r = await runCli(['build', 'submit', '--platform', 'example-el9', '--git', git], { env });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

const finished = (id: string) => async (): Promise<Show | undefined> => {
  const b = await show(id);
  return ['succeeded', 'failed', 'cancelled'].includes(b.state) ? b : undefined;
};

before(async () => {
  await bootstrapRepo();
  port = await new Promise<number>((done) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => done(p));
    });
  });
  await startServer();
  env = { DISTFORGE_URL: `http://127.0.0.1:${port}`, DISTFORGE_TOKEN: readFileSync(join(data, 'admin.token'), 'utf8').trim() };
  assert.equal((await runCli(['platform', 'add', PLATFORM], { env })).code, 0);
});

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  // A node killed with -9 leaves its build root mounted: unmount it first.
  unmountStaleSync(work);
  rmSync(work, { recursive: true, force: true });
});

test('kill -9 a node mid-build: the task is leased again after expiry and the build finishes', async () => {
  const first = await startNode('doomed');
  const id = await submit(slowPackage('slow-one', 6));
  // Wait until the binary (noarch) task runs on the first node, then kill it without warning.
  await waitFor('the rpm task to run', async () => ((await show(id)).tasks.some((t) => t.kind === 'rpm' && t.state === 'leased') ? true : undefined));
  first.kill('SIGKILL');
  await startNode('rescuer');
  const b = await waitFor('the build to finish', finished(id));
  assert.equal(b.state, 'succeeded');
  const rpm = b.tasks.find((t) => t.kind === 'rpm');
  assert.ok(rpm);
  assert.equal(rpm.attempt, 2, 'leased again after the first lease expired');
  const names = rpm.artifacts.map((a) => a.name);
  assert.deepEqual(names, [...new Set(names)], 'no artifact recorded twice');
  assert.ok(names.includes('slow-one-1.0-1.el9.noarch.rpm'));
});

test('stop and restart the master mid-build: the build finishes, nothing is lost', async () => {
  const id = await submit(slowPackage('slow-two', 6));
  await waitFor('the rpm task to run', async () => ((await show(id)).tasks.some((t) => t.kind === 'rpm' && t.state === 'leased') ? true : undefined));
  const server = children.find((c) => c.spawnargs.includes('server') && c.exitCode === null);
  assert.ok(server);
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  await startServer();
  const b = await waitFor('the build to finish', finished(id));
  assert.equal(b.state, 'succeeded');
  assert.ok(b.tasks.every((t) => t.state === 'succeeded'));
  assert.ok(b.tasks.find((t) => t.kind === 'rpm')?.artifacts.some((a) => a.name === 'slow-two-1.0-1.el9.noarch.rpm'));
});
