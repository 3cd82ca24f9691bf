/**
 * The RPM writer's packages in use: installed by `rpm -i --root` and checked by `rpm -V`, signed
 * in place by rpmsign, and whole package sets (test/support/package-set.ts) resolved by rpm's own
 * dependency check.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRpmFileSync } from './package-file.ts';
import { FileFlag, Sense, SigTag } from './tags.ts';
import { rpmFileName, writeRpm, type RpmSpec } from './writer.ts';
import { makePackageSet } from '../../test/support/package-set.ts';

const tmp = mkdtempSync(join(tmpdir(), 'distforge-writer-install-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const db = join(tmp, 'db');
mkdirSync(db);
const GE = Sense.GREATER | Sense.EQUAL;

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('rpm -i installs two packages (one requiring the other) with the right contents, modes and links', () => {
  const base: RpmSpec = {
    name: 'inst-base', epoch: 1, version: '1.0', release: '1', arch: 'noarch', summary: 'base', description: 'base', license: 'MIT',
    provides: [{ name: 'inst-capability', flags: Sense.EQUAL, evr: '2.0' }],
    files: [
      { path: '/opt/inst', mode: 0o40755 },
      { path: '/opt/inst/secret', mode: 0o40700 },
      { path: '/opt/inst/secret/key', mode: 0o100600, data: 'k\n' },
      { path: '/opt/inst/lib.so.1.0', mode: 0o100755, data: Buffer.from([0, 1, 2, 255, 254]) },
      { path: '/opt/inst/lib.so.1', linkto: 'lib.so.1.0' },
    ],
  };
  const app: RpmSpec = {
    name: 'inst-app', version: '3.1', release: '2', arch: 'x86_64', summary: 'app', description: 'app', license: 'MIT', compressor: 'zstd',
    requires: [{ name: 'inst-base', flags: GE, evr: '1:1.0' }, { name: 'inst-capability', flags: GE, evr: '2' }, { name: '/opt/inst/lib.so.1' }],
    files: [
      { path: '/opt/inst/bin/app', mode: 0o100755, data: 'écho ✓\n' },
      { path: '/etc/inst-app.conf', mode: 0o100644, data: 'a=1\n', flags: FileFlag.CONFIG },
      { path: '/opt/inst/bin/app-abs', linkto: '/opt/inst/bin/app' },
    ],
  };
  const files = [base, app].map((s) => {
    const p = join(tmp, rpmFileName(s));
    writeRpm(p, s);
    return p;
  });
  const root = join(tmp, 'root');
  const r = run('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-i', '--nosignature', ...files]);
  assert.equal(r.status, 0, r.stderr);
  for (const f of [...(base.files ?? []), ...(app.files ?? [])]) {
    const st = lstatSync(join(root, f.path));
    const mode = f.mode ?? 0o120777;
    assert.equal(st.mode & 0o177777, mode, f.path);
    if (f.linkto) assert.equal(readlinkSync(join(root, f.path)), f.linkto);
    if (f.data !== undefined) assert.deepEqual(readFileSync(join(root, f.path)), Buffer.from(f.data));
  }
  const v = run('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-Va']);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.equal(v.stdout, '');
  assert.equal(run('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-q', 'inst-app', 'inst-base']).stdout, 'inst-app-3.1-2.x86_64\ninst-base-1.0-1.noarch\n');
});

test('rpmsign signs in place: the reserved space takes the signature, the main header does not move', () => {
  const home = join(tmp, 'gnupg');
  mkdirSync(home, { mode: 0o700 });
  writeFileSync(join(home, 'params'), '%no-protection\nKey-Type: EDDSA\nKey-Curve: ed25519\nName-Real: Writer Test\nName-Email: writer@example.org\nExpire-Date: 0\n');
  const env = { ...process.env, GNUPGHOME: home };
  try {
    assert.equal(run('gpg', ['--batch', '--gen-key', join(home, 'params')], env).status, 0);
    const file = join(tmp, 'signed.rpm');
    writeRpm(file, {
      name: 'signed', version: '1', release: '1', arch: 'x86_64', summary: 's', description: 'd', license: 'MIT',
      files: [{ path: '/usr/share/signed/data', data: 'x'.repeat(10000) }],
    });
    const before = readRpmFileSync(file);
    const s = run('rpmsign', ['--define', '__gpg /usr/bin/gpg', '--define', '_gpg_name writer@example.org', '--addsign', file], env);
    assert.equal(s.status, 0, s.stderr);
    const after = readRpmFileSync(file);
    assert.equal(after.headerStart, before.headerStart);
    assert.ok(after.signature.has(SigTag.DSA));
    writeFileSync(join(home, 'pub.asc'), run('gpg', ['--export', '--armor', 'writer@example.org'], env).stdout);
    const keydb = join(tmp, 'keydb');
    mkdirSync(keydb);
    assert.equal(run('rpmkeys', ['--dbpath', keydb, '--import', join(home, 'pub.asc')]).status, 0);
    assert.equal(run('rpmkeys', ['--dbpath', keydb, '--checksig', file]).stdout, `${file}: digests signatures OK\n`);
  } finally {
    run('gpgconf', ['--kill', 'gpg-agent'], env);
  }
});

/** `rpm -i --test` of a whole set in one transaction: rpm's own check that every requirement resolves. */
function rpmTestInstall(files: string[]): { status: number | null; missing: string[] } {
  const r = run('rpm', ['--root', join(tmp, 'closure-root'), '--dbpath', '/var/lib/rpm', '-i', '--test', '--nosignature', ...files]);
  const missing = [...r.stderr.matchAll(/^\t(.+) is needed by (\S+)$/gm)].map((m) => `${m[1]} <- ${m[2]}`);
  return { status: r.status, missing };
}

test('makePackageSet: 50 packages that rpm reads, verifies and resolves among themselves', () => {
  const dir = join(tmp, 'set');
  const set = makePackageSet(dir, 50);
  assert.equal(set.length, 50);
  assert.equal(new Set(set.map((p) => p.name)).size, 50);
  const paths = set.map((p) => p.path);
  const k = run('rpmkeys', ['--dbpath', db, '--checksig', ...paths]);
  assert.equal(k.status, 0, k.stderr);
  assert.deepEqual(k.stdout.trim().split('\n'), paths.map((p) => `${p}: digests OK`));
  const q = run('rpm', ['--dbpath', db, '-qp', '--qf', '%{NAME}|%{ARCH}|%{EPOCHNUM}:%{VERSION}-%{RELEASE}|[%{FILEFLAGS} ]|[%{FILEMODES:perms} ]|[%{REQUIRENAME} ]\n', ...paths]);
  assert.equal(q.status, 0, q.stderr);
  const rows = q.stdout.trim().split('\n').map((l) => l.split('|'));
  assert.deepEqual(rows.map((r) => r[0]), set.map((p) => p.name));
  assert.deepEqual(rows.map((r) => r[2]?.replace(/^0:/, '')), set.map((p) => p.evr));
  assert.deepEqual(new Set(rows.map((r) => r[1])), new Set(['x86_64', 'noarch']));
  for (const r of rows) {
    const n = r[3]?.trim().split(' ').length ?? 0;
    assert.ok(n >= 5 && n <= 40, `${r[0]} has ${n} files`);
  }
  assert.ok(rows.some((r) => r[3]?.split(' ').includes(String(FileFlag.CONFIG | FileFlag.NOREPLACE))), 'config files');
  assert.ok(rows.some((r) => r[4]?.includes('lrwxrwxrwx')) && rows.some((r) => r[4]?.includes('drwxr-xr-x')), 'symlinks and directories');
  const requires = rows.flatMap((r) => r[5]?.split(' ') ?? []);
  assert.ok(requires.some((d) => d.startsWith('/usr/bin/')), 'file dependencies');
  assert.ok(requires.some((d) => /^lib\w+\.so\.\d+\(\)\(64bit\)$/.test(d)), 'soname dependencies');
  assert.deepEqual(rpmTestInstall(paths), { status: 0, missing: [] });

  const again = makePackageSet(join(tmp, 'set-again'), 50);
  const digest = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
  assert.deepEqual(again.map((p) => digest(p.path)), set.map((p) => digest(p.path)), 'same seed, same bytes');
  const other = makePackageSet(join(tmp, 'set-other'), 5, { seed: 2 });
  assert.notDeepEqual(other.map((p) => p.name), set.slice(0, 5).map((p) => p.name));
});

test('makePackageSet brokenDeps: exactly those packages have an unresolvable requirement', () => {
  const set = makePackageSet(join(tmp, 'broken'), 50, { brokenDeps: 3, compressor: 'zstd' });
  const broken = set.filter((p) => p.brokenRequires.length > 0);
  assert.equal(broken.length, 3);
  const result = rpmTestInstall(set.map((p) => p.path));
  assert.notEqual(result.status, 0);
  const expected = broken.flatMap((p) => p.brokenRequires.map((d) => `${d} <- ${p.name}-${p.evr}.${p.arch}`));
  assert.deepEqual(result.missing.sort(), expected.sort());
});
