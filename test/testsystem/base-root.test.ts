/**
 * The base example packages make an empty root usable: distforge-filesystem, distforge-libc and
 * distforge-sh (examples/packages/base-*), built with rpmbuild from the example tree together
 * with hello-c, in a repository written by createRepository. Real dnf installs hello-c and a
 * /bin/sh into an empty root, resolving the libc and the filesystem through hello-c's generated
 * dependencies (libc.so.6()(64bit), rtld(GNU_HASH)) and libc's Requires; `rpm -V` passes; the
 * program runs inside the root under bubblewrap and so does `/bin/sh -c`; `rpm -e` removes it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeHostProvidesPackage } from '../../src/node/host-provides.ts';
import { createRepository } from '../../src/repo/create/create.ts';
import { BASE_PACKAGE_DIRS } from '../../src/testsystem/base-packages.ts';
import { dnfInstallUnsigned, dnfRoot, rpmInRoot, runInRoot, type DnfRoot } from '../support/dnf-root.ts';
import { el9Defines, rpmbuild } from '../support/rpmbuild.ts';

const EXAMPLES = resolve(import.meta.dirname, '../../examples/packages');
const work = mkdtempSync(join(tmpdir(), 'distforge-base-root-'));
const repo = join(work, 'repo');
let root: DnfRoot;
let installOutput = '';

/** The one spec of an example package directory and its other files (the sources). */
function readExample(dir: string): { spec: string; name: string; sources: Record<string, Buffer> } {
  const files = readdirSync(dir);
  const specFile = files.find((f) => f.endsWith('.spec'));
  assert.ok(specFile, `a spec in ${dir}`);
  const sources: Record<string, Buffer> = {};
  for (const f of files) if (f !== specFile) sources[f] = readFileSync(join(dir, f));
  return { spec: readFileSync(join(dir, specFile), 'utf8'), name: basename(specFile, '.spec'), sources };
}

/**
 * rpmbuild -ba with the EL9 defines, its BuildRequires (gcc, make) checked against a private
 * rpmdb holding distforge's build-host-provides package, as the build node does.
 */
function rpmbuildWithHostProvides(name: string, spec: string, sources: Record<string, Buffer>): string[] {
  const top = join(work, `top-${name}`);
  for (const d of ['SPECS', 'SOURCES', 'BUILD', 'RPMS', 'SRPMS', 'tmp', 'BUILDROOT']) mkdirSync(join(top, d), { recursive: true });
  const db = join(work, `rpmdb-${name}`);
  mkdirSync(db);
  const hostPkg = join(work, 'distforge-build-host.rpm');
  writeHostProvidesPackage(hostPkg);
  execFileSync('rpm', ['--dbpath', db, '-i', '--justdb', '--noscripts', '--notriggers', hostPkg], { stdio: ['ignore', 'ignore', 'pipe'] });
  const specPath = join(top, 'SPECS', `${name}.spec`);
  writeFileSync(specPath, spec);
  for (const [f, data] of Object.entries(sources)) writeFileSync(join(top, 'SOURCES', f), data);
  execFileSync('rpmbuild', ['-ba', '--quiet', ...el9Defines(top), '--define', `_dbpath ${db}`, specPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  return readdirSync(join(top, 'RPMS')).flatMap((arch) => readdirSync(join(top, 'RPMS', arch)).map((f) => join(top, 'RPMS', arch, f)));
}

before(async () => {
  const examples = join(work, 'examples');
  for (const d of [...BASE_PACKAGE_DIRS, 'hello-c']) cpSync(join(EXAMPLES, d), join(examples, d), { recursive: true });
  mkdirSync(repo);
  const built: string[] = [];
  for (const d of BASE_PACKAGE_DIRS) {
    const { spec, name, sources } = readExample(join(examples, d));
    built.push(...rpmbuild(work, name, spec, sources).filter((p) => !p.endsWith('.src.rpm')));
  }
  const hello = readExample(join(examples, 'hello-c'));
  built.push(...rpmbuildWithHostProvides(hello.name, hello.spec, hello.sources));
  for (const p of built) copyFileSync(p, join(repo, basename(p)));
  await createRepository(repo, { compression: 'gz' });
  root = dnfRoot(join(work, 'dnf'));
});

after(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('the base example packages make an empty root usable', () => {
  test('the base packages carry the capabilities an empty root resolves through', () => {
    const rpmQ = (file: string, what: string): string[] => execFileSync('rpm', ['-qp', what, file], { encoding: 'utf8' }).trim().split('\n');
    const pkg = (prefix: string): string => {
      const f = readdirSync(repo).find((x) => x.startsWith(`${prefix}-`) && x.endsWith('.rpm'));
      assert.ok(f, `${prefix} was built`);
      return join(repo, f);
    };
    const libc = rpmQ(pkg('distforge-libc'), '--provides');
    for (const p of ['libc.so.6()(64bit)', 'libc.so.6(GLIBC_2.34)(64bit)', 'ld-linux-x86-64.so.2()(64bit)', 'rtld(GNU_HASH)']) assert.ok(libc.includes(p), `distforge-libc provides ${p}`);
    assert.ok(rpmQ(pkg('distforge-libc'), '--requires').includes('filesystem'), 'distforge-libc requires filesystem');
    const sh = rpmQ(pkg('distforge-sh'), '--provides');
    for (const p of ['/bin/sh', '/usr/bin/sh']) assert.ok(sh.includes(p), `distforge-sh provides ${p}`);
    assert.ok(rpmQ(pkg('distforge-filesystem'), '--provides').includes('filesystem'));
    assert.ok(rpmQ(pkg('hello-c'), '--requires').includes('libc.so.6()(64bit)'), 'hello-c has generated libc requires');
  });

  test('dnf installs hello-c and /bin/sh into an empty root, resolving libc and filesystem from the repository', () => {
    assert.deepEqual(readdirSync(root.root), [], 'the root starts empty');
    const r = dnfInstallUnsigned(root, `file://${repo}`, ['hello-c', '/bin/sh']);
    installOutput = `${r.stdout}${r.stderr}`;
    assert.equal(r.code, 0, installOutput);
    const q = rpmInRoot(root, ['-qa', '--qf', '%{NAME}\n']);
    assert.equal(q.code, 0, q.stderr);
    assert.deepEqual(q.stdout.trim().split('\n').sort(), ['distforge-filesystem', 'distforge-libc', 'distforge-sh', 'hello-c']);
    const who = rpmInRoot(root, ['-q', '--whatprovides', '/bin/sh', 'libc.so.6()(64bit)', 'filesystem', '--qf', '%{NAME}\n']);
    assert.deepEqual(who.stdout.trim().split('\n'), ['distforge-sh', 'distforge-libc', 'distforge-filesystem']);
  });

  test('rpm -V passes for hello-c and the base packages', () => {
    for (const name of ['hello-c', 'distforge-filesystem', 'distforge-libc', 'distforge-sh']) {
      const v = rpmInRoot(root, ['-V', name]);
      assert.equal(v.code, 0, `rpm -V ${name}:\n${v.stdout}${v.stderr}`);
    }
  });

  test('the usr-merge links and the loader are where binaries built here look', () => {
    for (const p of ['bin/sh', 'lib64/ld-linux-x86-64.so.2', 'usr/lib/x86_64-linux-gnu/libc.so.6', 'usr/bin/hello-c']) assert.ok(existsSync(join(root.root, p)), p);
  });

  test('hello-c runs inside the root', () => {
    const r = runInRoot(root, ['/usr/bin/hello-c']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Hello, world! (hello-c 1.0)\n');
  });

  test('/bin/sh works inside the root', () => {
    const r = runInRoot(root, ['/bin/sh', '-c', 'echo ok']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'ok\n');
  });

  test('rpm -e removes hello-c and its files, leaving the base packages', () => {
    const e = rpmInRoot(root, ['-e', 'hello-c']);
    assert.equal(e.code, 0, `${e.stdout}${e.stderr}`);
    assert.equal(existsSync(join(root.root, 'usr/bin/hello-c')), false);
    assert.notEqual(rpmInRoot(root, ['-q', 'hello-c']).code, 0);
    const sh = runInRoot(root, ['/bin/sh', '-c', 'echo still']);
    assert.equal(sh.stdout, 'still\n');
  });
});
