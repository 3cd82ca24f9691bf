/**
 * The rpmbuild builder on the example packages, with rpm as the judge: each example's git tree is
 * checked out, its SRPM built in the sandbox, then its RPMs for every target arch; the packages
 * pass `rpm -K` and carry the platform's dist tag, payload, vendor and build host. greeter needs
 * libgreet-devel: without libgreet's packages it fails naming the missing BuildRequires, with
 * them (as files, or from a repository over HTTP) it builds and links libgreet. broken fails with
 * its log.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createRepository } from '../../src/repo/create/create.ts';
import { buildRpms, buildSrpm, type RpmBuild, type SrpmBuild } from '../../src/node/builders/rpmbuild-sandbox.ts';
import type { BuildEnvironment } from '../../src/node/buildenv.ts';
import { BuildFailedError } from '../../src/node/errors.ts';
import { checkoutSource, type GitCheckout } from '../../src/node/sources.ts';
import type { DependencySources } from '../../src/node/dep-pool.ts';
import { serveDirectory } from '../support/http-static.ts';
import { examplePlatform, exampleRepo, rpmCheck, rpmQuery, rpmRequires } from './support.ts';

const platform = examplePlatform();
let dir: string;
const srpms = new Map<string, SrpmBuild>();
const built = new Map<string, RpmBuild>();

async function srpmOf(name: string): Promise<SrpmBuild> {
  const known = srpms.get(name);
  if (known) return known;
  const tree = exampleRepo(dir, name);
  const work = join(dir, name, 'srpm');
  const checkout = await checkoutSource({ kind: 'git', gitUrl: tree.url, gitRef: 'main', gitCommit: tree.commit }, work);
  assert.equal(checkout.kind, 'git');
  const s = await buildSrpm(checkout as GitCheckout, work, { platform });
  srpms.set(name, s);
  return s;
}

async function rpmsOf(name: string, arch: string, deps: DependencySources = {}, tag = arch): Promise<RpmBuild> {
  const s = await srpmOf(name);
  return buildRpms(s.srpmPath, arch, deps, join(dir, name, tag), { platform });
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
    assert.equal(rpmQuery(f, '%{RELEASE}|%{ARCH}|%{PAYLOADCOMPRESSOR}|%{VENDOR}|%{BUILDHOST}|%{DISTRIBUTION}'), `1.el9|${arch}|zstd|distforge example|build.example.invalid|example-el9`);
  }
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'distforge-node-builder-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('rpmbuild builder on the example packages', () => {
  test('hello-c: SRPM from a tarball source, then x86_64 RPMs', async () => {
    const s = await srpmOf('hello-c');
    assert.equal(basename(s.srpmPath), 'hello-c-1.0-1.el9.src.rpm');
    assert.deepEqual(s.arches, ['x86_64']);
    assert.match(rpmCheck(s.srpmPath), /digests OK$/);
    assert.match(rpmQuery(s.srpmPath, '[%{FILENAMES}\n]'), /hello-c-1\.0\.tar\.gz/);
    const b = await rpmsOf('hello-c', 'x86_64');
    assert.deepEqual(b.rpms.map((f) => basename(f)), ['hello-c-1.0-1.el9.x86_64.rpm']);
    checkPackages(b.rpms, 'x86_64');
    assert.match(rpmQuery(b.rpms[0] as string, '[%{FILENAMES}\n]'), /^\/usr\/bin\/hello-c$/m);
    const env = JSON.parse(readFileSync(b.buildenvPath, 'utf8')) as BuildEnvironment;
    assert.deepEqual(env.buildRequires, ['gcc', 'make']);
    assert.deepEqual(env.fromHost, ['gcc', 'make']);
    assert.deepEqual(env.buildDependencies, []);
    assert.equal(env.macros.dist, '.el9');
    assert.equal(env.macros._binary_payload, 'w19.zstdio');
    assert.ok(env.hostProvides.some((p) => /^gcc = \d/.test(p)));
    assert.ok(env.host.rpmVersion.startsWith('4.'));
    assert.equal(env.task.arch, 'x86_64');
  });

  test('libgreet: a library and its -devel subpackage (SPECS/ and SOURCES/ layout)', async () => {
    const b = await rpmsOf('libgreet', 'x86_64');
    built.set('libgreet', b);
    assert.deepEqual(b.rpms.map((f) => basename(f)), ['libgreet-1.0-1.el9.x86_64.rpm', 'libgreet-devel-1.0-1.el9.x86_64.rpm']);
    checkPackages(b.rpms, 'x86_64');
    assert.match(execProvides(b.rpms[0] as string), /^libgreet\.so\.1\(\)\(64bit\)$/m);
  });

  test('greeter without libgreet: fails naming the missing BuildRequires, with the log', async () => {
    const e = await buildFailure(rpmsOf('greeter', 'x86_64', {}, 'x86_64-nodeps'));
    assert.equal(e.message, 'missing build dependencies: libgreet-devel >= 1.0');
    assert.ok(e.logPath);
    assert.match(readFileSync(e.logPath, 'utf8'), /libgreet-devel >= 1\.0 is needed by greeter-1\.0-1\.el9\.x86_64/);
  });

  test('greeter with libgreet-devel but not libgreet: the missing Requires of a build dependency', async () => {
    const devel = (built.get('libgreet')?.rpms ?? []).filter((f) => f.includes('-devel-'));
    const e = await buildFailure(rpmsOf('greeter', 'x86_64', { rpmFiles: devel }, 'x86_64-halfdeps'));
    assert.match(e.message, /^missing build dependencies: libgreet\(x86-64\) = 1\.0-1\.el9 \(needed by libgreet-devel-1\.0-1\.el9\.x86_64\)/);
  });

  test("greeter with libgreet's packages: builds and links libgreet", async () => {
    const b = await rpmsOf('greeter', 'x86_64', { rpmFiles: built.get('libgreet')?.rpms ?? [] });
    built.set('greeter', b);
    assert.deepEqual(b.rpms.map((f) => basename(f)), ['greeter-1.0-1.el9.x86_64.rpm']);
    checkPackages(b.rpms, 'x86_64');
    assert.ok(rpmRequires(b.rpms[0] as string).includes('libgreet.so.1()(64bit)'));
    assert.deepEqual(
      b.buildenv.buildDependencies.map((d) => d.nevra).sort(),
      ['libgreet-1.0-1.el9.x86_64', 'libgreet-devel-1.0-1.el9.x86_64'],
    );
    assert.deepEqual(b.buildenv.fromHost, ['gcc']);
    assert.match(readFileSync(b.logPath, 'utf8'), /\+ \.\/greeter tester/);
  });

  test('greeter with build dependencies from a repository served over HTTP', async () => {
    const repo = join(dir, 'repo');
    mkdirSync(repo, { recursive: true });
    for (const f of [...(built.get('libgreet')?.rpms ?? []), ...(built.get('greeter')?.rpms ?? [])]) copyFileSync(f, join(repo, basename(f)));
    await createRepository(repo, { compression: 'gz' });
    const server = await serveDirectory(repo);
    try {
      const b = await rpmsOf('greeter', 'x86_64', { repositories: [`${server.url}/`] }, 'x86_64-repo');
      assert.equal(b.rpms.length, 1);
      assert.ok(server.requests.includes('/libgreet-devel-1.0-1.el9.x86_64.rpm'));
      assert.ok(!server.requests.includes('/greeter-1.0-1.el9.x86_64.rpm'), 'only the packages picked are downloaded');
      assert.ok(b.buildenv.buildDependencies.every((d) => d.origin === `${server.url}/`));
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

  test('broken: fails in %build, its message in the reason and the log', async () => {
    const e = await buildFailure(rpmsOf('broken', 'x86_64'));
    assert.equal(e.message, 'rpmbuild failed in %build: broken: error: this package fails to build on purpose (example of a failed build)');
    assert.ok(e.logPath);
    const log = readFileSync(e.logPath, 'utf8');
    assert.match(log, /Bad exit status from .* \(%build\)/);
    const env = JSON.parse(readFileSync(join(dir, 'broken', 'x86_64', 'buildenv.json'), 'utf8')) as BuildEnvironment;
    assert.equal(env.package, 'broken-1.0-1.el9');
    assert.ok(env.finishedAt);
  });
});

function execProvides(file: string): string {
  return rpmQuery(file, '[%{PROVIDES}\n]');
}
