/**
 * The rpmbuild builder in the example platform's build roots (installed by dnf from the bootstrap
 * repository), with rpm as the judge: each example's git tree is checked out, its SRPM built in a
 * root of the base set, then its RPMs in a root with its BuildRequires, as EL9 makes them
 * (-debuginfo and -debugsource included, EL9's hardening flags, the platform's vendor and build
 * host). greeter needs libgreet-devel: without the build's repository it fails naming the missing
 * BuildRequires; with libgreet's packages in a repository served over HTTP it builds and links
 * libgreet, and the root's record names the exact packages and the repository's metadata. Dynamic
 * BuildRequires are installed in rounds; a locked root repeats a package set; the cached root is
 * never written; broken fails with its log and its root's record.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createRepository } from '../../src/repo/create/create.ts';
import { buildRpmsInRoot, buildSrpmInRoot, type RootRpmBuild, type RootSrpmBuild } from '../../src/node/builders/rpmbuild-root.ts';
import type { BuildEnvironment } from '../../src/node/buildenv.ts';
import { BuildFailedError } from '../../src/node/errors.ts';
import { checkoutSource, findSpec, type GitCheckout } from '../../src/node/sources.ts';
import { bootstrapRepo, NODE_CACHE } from '../support/bootstrap-repo.ts';
import { serveDirectory } from '../support/http-static.ts';
import { exampleRepo, rootOptions, rpmCheck, rpmQuery, rpmRequires } from './support.ts';

let dir: string;
const srpms = new Map<string, RootSrpmBuild>();
const built = new Map<string, RootRpmBuild>();

async function srpmOf(name: string): Promise<RootSrpmBuild> {
  const known = srpms.get(name);
  if (known) return known;
  const tree = exampleRepo(dir, name);
  const work = join(dir, name, 'srpm');
  const checkout = await checkoutSource({ kind: 'git', gitUrl: tree.url, gitRef: 'main', gitCommit: tree.commit }, work);
  assert.equal(checkout.kind, 'git');
  const s = await buildSrpmInRoot(checkout as GitCheckout, work, rootOptions());
  srpms.set(name, s);
  return s;
}

async function rpmsOf(name: string, arch: string, repositories: string[] = [], tag = arch, lock?: string[]): Promise<RootRpmBuild> {
  const s = await srpmOf(name);
  return buildRpmsInRoot(s.srpmPath, arch, join(dir, name, tag), { ...rootOptions(repositories), ...(lock ? { lock } : {}) });
}

async function buildFailure(p: Promise<unknown>): Promise<BuildFailedError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof BuildFailedError, `expected a BuildFailedError, got ${String(e)}`);
    return e;
  }
  assert.fail('the build succeeded');
}

function checkPackages(files: string[], arch: string): void {
  for (const f of files) {
    assert.match(rpmCheck(f), /digests OK$/, f);
    assert.equal(rpmQuery(f, '%{RELEASE}|%{ARCH}|%{VENDOR}|%{BUILDHOST}|%{DISTRIBUTION}'), `1.el9|${arch}|distforge example|build.example.invalid|example-el9`, f);
  }
}

const names = (b: { packages: { nevra: string }[] }): string[] => b.packages.map((p) => p.nevra.replace(/-[^-]+-[^-]+$/, ''));

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'distforge-node-builder-'));
  await bootstrapRepo();
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('rpmbuild builder in platform build roots', () => {
  test('hello-c: SRPM in a root of the base set, then x86_64 RPMs as EL9 makes them, -debuginfo and -debugsource included', async () => {
    const s = await srpmOf('hello-c');
    assert.equal(basename(s.srpmPath), 'hello-c-1.0-1.el9.src.rpm');
    assert.deepEqual(s.arches, ['x86_64']);
    assert.match(rpmCheck(s.srpmPath), /digests OK$/);
    assert.match(rpmQuery(s.srpmPath, '[%{FILENAMES}\n]'), /hello-c-1\.0\.tar\.gz/);
    assert.deepEqual(s.facts.buildRequires, ['gcc', 'make']);
    assert.ok(!names(s.buildroot).includes('gcc'), 'an SRPM is built in the base set, without BuildRequires');
    const b = await rpmsOf('hello-c', 'x86_64');
    built.set('hello-c', b);
    assert.deepEqual(b.rpms.map((f) => basename(f)), ['hello-c-1.0-1.el9.x86_64.rpm', 'hello-c-debuginfo-1.0-1.el9.x86_64.rpm', 'hello-c-debugsource-1.0-1.el9.x86_64.rpm']);
    checkPackages(b.rpms, 'x86_64');
    assert.match(rpmQuery(b.rpms[0] as string, '[%{FILENAMES}\n]'), /^\/usr\/bin\/hello-c$/m);
    assert.match(rpmQuery(b.rpms[1] as string, '[%{FILENAMES}\n]'), /^\/usr\/lib\/debug\/usr\/bin\/hello-c-1\.0-1\.el9\.x86_64\.debug$/m);
    assert.match(rpmQuery(b.rpms[2] as string, '[%{FILENAMES}\n]'), /^\/usr\/src\/debug\/hello-c-1\.0-1\.el9\.x86_64\/hello\.c$/m);
    // EL9's flags, from the root's redhat-rpm-config, not the host's -O2 -g.
    const optflags = rpmQuery(b.rpms[0] as string, '%{OPTFLAGS}');
    for (const flag of ['-O2', '-fstack-protector-strong', '-Wp,-D_FORTIFY_SOURCE=2', '-fstack-clash-protection', '-fcf-protection', '-grecord-gcc-switches']) assert.ok(optflags.includes(flag), `${flag} in ${optflags}`);
    const env = JSON.parse(readFileSync(b.buildenvPath, 'utf8')) as BuildEnvironment;
    assert.equal(env.format, 2);
    assert.equal(env.macros.dist, '.el9');
    assert.equal(env.task.arch, 'x86_64');
    assert.match(env.buildroot?.key ?? '', /^[0-9a-f]{64}$/);
    const inRoot = names(env.buildroot ?? { packages: [] });
    for (const p of ['bash', 'glibc', 'rpm-build', 'redhat-rpm-config', 'gcc', 'make']) assert.ok(inRoot.includes(p), `${p} in the root`);
    assert.ok(!inRoot.includes('flex'), 'a root holds only what the build asks for: no flex');
    assert.ok(env.buildroot?.packages.every((p) => /^[0-9a-f]{64}$/.test(p.sha256 ?? '')), 'every package with its sha256');
    assert.match(env.buildroot?.repos[0]?.url ?? '', /^file:\/\/.*bootstrap-el9\/x86_64/);
    assert.match(env.buildroot?.repos[0]?.checksum ?? '', /^[0-9a-f]{64}$/);
  });

  test('libgreet: a library, its -devel, -debuginfo and -debugsource (SPECS/ and SOURCES/ layout)', async () => {
    const b = await rpmsOf('libgreet', 'x86_64');
    built.set('libgreet', b);
    assert.deepEqual(b.rpms.map((f) => basename(f)), [
      'libgreet-1.0-1.el9.x86_64.rpm',
      'libgreet-debuginfo-1.0-1.el9.x86_64.rpm',
      'libgreet-debugsource-1.0-1.el9.x86_64.rpm',
      'libgreet-devel-1.0-1.el9.x86_64.rpm',
    ]);
    checkPackages(b.rpms, 'x86_64');
    assert.match(rpmQuery(b.rpms[0] as string, '[%{PROVIDES}\n]'), /^libgreet\.so\.1\(\)\(64bit\)$/m);
  });

  test('greeter without the build repository: fails naming the missing BuildRequires', async () => {
    const e = await buildFailure(rpmsOf('greeter', 'x86_64', [], 'x86_64-nodeps'));
    assert.equal(e.message, 'missing build dependencies: libgreet-devel >= 1.0');
    assert.ok(e.buildroot, 'the root it failed in is recorded');
  });

  test("greeter with libgreet's packages in a repository served over HTTP: builds, links libgreet, records exactly what it used", async () => {
    const repo = join(dir, 'repo');
    mkdirSync(repo, { recursive: true });
    for (const f of built.get('libgreet')?.rpms ?? []) copyFileSync(f, join(repo, basename(f)));
    await createRepository(repo, { compression: 'gz' });
    const server = await serveDirectory(repo);
    try {
      const b = await rpmsOf('greeter', 'x86_64', [`${server.url}/`]);
      built.set('greeter', b);
      assert.deepEqual(b.rpms.map((f) => basename(f)), ['greeter-1.0-1.el9.x86_64.rpm', 'greeter-debuginfo-1.0-1.el9.x86_64.rpm', 'greeter-debugsource-1.0-1.el9.x86_64.rpm']);
      checkPackages(b.rpms, 'x86_64');
      assert.ok(rpmRequires(b.rpms[0] as string).includes('libgreet.so.1()(64bit)'));
      assert.ok(server.requests.includes('/libgreet-devel-1.0-1.el9.x86_64.rpm'));
      assert.ok(!server.requests.some((r) => r.includes('debuginfo')), 'only the packages dnf picked are downloaded');
      const devel = b.buildroot.packages.find((p) => p.nevra === 'libgreet-devel-1.0-1.el9.x86_64');
      const file = join(repo, 'libgreet-devel-1.0-1.el9.x86_64.rpm');
      assert.equal(devel?.sha256, createHash('sha256').update(readFileSync(file)).digest('hex'));
      const served = b.buildroot.repos.find((r) => r.url === `${server.url}/`);
      assert.equal(served?.checksum, createHash('sha256').update(readFileSync(join(repo, 'repodata', 'repomd.xml'))).digest('hex'));
      assert.match(readFileSync(b.logPath, 'utf8'), /\+ \.\/greeter tester/);
    } finally {
      await server.close();
    }
  });

  test('greeter-doc: noarch, built once, Requires greeter', async () => {
    const s = await srpmOf('greeter-doc');
    assert.deepEqual(s.arches, ['noarch']);
    const b = await rpmsOf('greeter-doc', 'noarch');
    assert.deepEqual(b.rpms.map((f) => basename(f)), ['greeter-doc-1.0-1.el9.noarch.rpm']);
    checkPackages(b.rpms, 'noarch');
    assert.ok(rpmRequires(b.rpms[0] as string).includes('greeter'));
  });

  test('dynamic BuildRequires (%generate_buildrequires) are installed in rounds until rpmbuild asks for nothing more', async () => {
    const tree = join(dir, 'dynbr', 'tree');
    mkdirSync(tree, { recursive: true });
    writeFileSync(join(tree, 'dynbr.spec'), [
      'Name: dynbr', 'Version: 1', 'Release: 1%{?dist}', 'Summary: dynamic BuildRequires', 'License: MIT', 'BuildArch: noarch',
      '%description', 'Asks for flex, then (once flex is there) ed.',
      '%generate_buildrequires', 'echo flex', 'if command -v flex >/dev/null; then echo ed; fi',
      '%build', 'flex --version', 'ed --version | head -1',
      '%files', '',
    ].join('\n'));
    const s = await buildSrpmInRoot({ kind: 'git', dir: tree, commit: 'test', ...findSpec(tree) }, join(dir, 'dynbr', 'srpm'), rootOptions());
    const b = await buildRpmsInRoot(s.srpmPath, 'noarch', join(dir, 'dynbr', 'noarch'), rootOptions());
    const log = readFileSync(b.logPath, 'utf8');
    assert.match(log, /dynamic BuildRequires, round 1: flex/);
    assert.match(log, /dynamic BuildRequires, round 2: .*\bed\b/);
    assert.match(log, /^flex \d/m);
    assert.ok(names(b.buildroot).includes('flex') && names(b.buildroot).includes('ed'));
  });

  test("a locked root (a rebuild with the same package set) holds exactly the recorded packages; the cached roots never change", async () => {
    const first = built.get('hello-c');
    assert.ok(first);
    const lock = first.buildroot.packages.map((p) => p.nevra);
    const again = await rpmsOf('hello-c', 'x86_64', [], 'x86_64-locked', lock);
    assert.deepEqual(again.buildroot.packages.map((p) => p.nevra).sort(), [...lock].sort());
    assert.notEqual(again.buildroot.key, first.buildroot.key, 'a locked root is a root of its own');
    assert.match(readFileSync(again.logPath, 'utf8'), /locked to the \d+ packages of the build it repeats/);
    for (const key of readdirSync(join(NODE_CACHE, 'roots')).filter((k) => /^[0-9a-f]{64}$/.test(k))) {
      assert.ok(!existsSync(join(NODE_CACHE, 'roots', key, 'root', 'builddir')), `cached root ${key} was written by a build`);
    }
  });

  test('broken: fails in %build, its message in the reason and the log, its root recorded', async () => {
    const e = await buildFailure(rpmsOf('broken', 'x86_64'));
    assert.equal(e.message, 'rpmbuild failed in %build: broken: error: this package fails to build on purpose (example of a failed build)');
    assert.ok(e.logPath);
    assert.match(readFileSync(e.logPath, 'utf8'), /Bad exit status from .* \(%build\)/);
    const env = JSON.parse(readFileSync(join(dir, 'broken', 'x86_64', 'buildenv.json'), 'utf8')) as BuildEnvironment;
    assert.equal(env.package, 'broken-1.0-1.el9');
    assert.ok(env.finishedAt);
    assert.ok(env.buildroot && env.buildroot.packages.length > 0);
    assert.deepEqual(e.buildroot, env.buildroot);
  });
});
