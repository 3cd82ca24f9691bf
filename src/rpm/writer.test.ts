/**
 * The RPM writer judged by rpm itself: rpmkeys checks the digests, `rpm -qp --qf` reads back every
 * field, `rpm -i --root` installs the files, `rpm -V` finds them as the header describes them,
 * and rpmsign signs in place thanks to the reserved space.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.ts';
import { readRpmFileSync } from './package-file.ts';
import { FileFlag, Sense, SigTag } from './tags.ts';
import { buildRpm, RESERVED_SPACE, writeRpm, type RpmSpec, type RpmSpecFile } from './writer.ts';

const tmp = mkdtempSync(join(tmpdir(), 'distforge-writer-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const db = join(tmp, 'db');
mkdirSync(db);

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `rpm -qp --qf FORMAT file`; in FORMAT, `\x1f` ends each array element. */
function qf(file: string, format: string): string {
  const r = run('rpm', ['--dbpath', db, '-qp', '--qf', format, file]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}
const list = (file: string, format: string): string[] => qf(file, `[${format}\x1f]`).split('\x1f').slice(0, -1);
const GE = Sense.GREATER | Sense.EQUAL;

const FILES: RpmSpecFile[] = [
  { path: '/usr/bin/demo', mode: 0o100755, data: '#!/bin/sh\necho demo\n' },
  { path: '/usr/lib64/libdemo.so.1.2', mode: 0o100755, data: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...new Array<number>(40).fill(7)]) },
  { path: '/usr/lib64/libdemo.so.1', linkto: 'libdemo.so.1.2' },
  { path: '/usr/share/demo', mode: 0o40755 },
  { path: '/usr/share/demo/private', mode: 0o40700, user: 'nobody', group: 'adm' },
  { path: '/usr/share/demo/grüße.txt', data: 'Grüße, ünïcødé ✓\n', mtime: 1_600_000_000 },
  { path: '/usr/share/demo/empty', data: '' },
  { path: '/usr/share/demo/abs-link', mode: 0o120777, linkto: '/usr/bin/demo' },
  { path: '/usr/share/doc/demo/README', data: 'read me\n', flags: FileFlag.DOC },
  { path: '/usr/share/licenses/demo/COPYING', data: 'MIT\n', flags: FileFlag.LICENSE },
  { path: '/etc/demo.conf', mode: 0o100640, data: 'key=value\n', flags: FileFlag.CONFIG | FileFlag.NOREPLACE },
  { path: '/var/log/demo.log', flags: FileFlag.GHOST },
];

function fullSpec(compressor: RpmSpec['compressor']): RpmSpec {
  return {
    name: 'demo-full',
    epoch: 3,
    version: '2.4.1',
    release: '7.el9',
    arch: 'x86_64',
    summary: 'Grüße — a ünïcødé summary ✓',
    description: 'First line.\n\nSecond paragraph: ünïcødé.',
    license: 'MIT AND GPL-2.0-or-later',
    url: 'https://example.org/demo',
    vendor: 'Example',
    packager: 'Pat <pat@example.org>',
    group: 'System/Tools',
    buildhost: 'build.example.org',
    buildtime: 1_700_000_000,
    requires: [
      { name: 'bar' },
      { name: 'baz', flags: GE, evr: '1:2.0-1' },
      { name: 'qux', flags: Sense.LESS, evr: '3' },
      { name: 'libz.so.1()(64bit)' },
      { name: '/usr/bin/env' },
      { name: '(foo >= 1.0 with foo < 2.0)' },
      { name: 'coreutils', flags: Sense.SCRIPT_POST },
    ],
    provides: [{ name: 'demo-virtual', flags: Sense.EQUAL, evr: '1.0' }, { name: 'libdemo.so.1()(64bit)' }],
    conflicts: [{ name: 'demo-old', flags: Sense.LESS | Sense.EQUAL, evr: '2:1.0' }],
    obsoletes: [{ name: 'demo-legacy', flags: Sense.LESS, evr: '2.0' }],
    recommends: [{ name: 'demo-extras' }],
    suggests: [{ name: '(demo-gui if xorg)' }],
    supplements: [{ name: 'demo-base', flags: GE, evr: '1.0' }],
    enhances: [{ name: 'other' }],
    orderwithrequires: [{ name: 'setup' }, { name: 'filesystem', flags: GE, evr: '3.16' }],
    files: FILES,
    changelog: [
      { time: 1_699_963_200, author: 'Pat <pat@example.org> - 3:2.4.1-7', text: '- Fix ünïcødé\n- And more' },
      { time: 1_690_000_000, author: 'Sam <sam@example.org> - 2.4.0-1', text: '- Initial package' },
    ],
    scripts: {
      prein: { script: 'echo pre' },
      postin: { script: '', interpreter: '/sbin/ldconfig' },
      preun: { script: 'print("lua")', interpreter: '<lua>' },
      postun: { script: 'echo postun', interpreter: ['/bin/sh', '-e'] },
    },
    compressor,
  };
}

for (const compressor of ['gzip', 'zstd', 'none'] as const) {
  test(`${compressor}: rpm checks the digests and reads back every field`, () => {
    const spec = fullSpec(compressor);
    const file = join(tmp, `full-${compressor}.rpm`);
    writeRpm(file, spec);
    const k = run('rpmkeys', ['--dbpath', db, '--checksig', file]);
    assert.equal(k.status, 0, k.stderr);
    assert.equal(k.stdout, `${file}: digests OK\n`);
    assert.equal(qf(file, '%{NAME}|%{EPOCH}|%{VERSION}|%{RELEASE}|%{ARCH}|%{LICENSE}|%{GROUP}|%{URL}|%{VENDOR}|%{PACKAGER}|%{BUILDHOST}|%{BUILDTIME}'),
      'demo-full|3|2.4.1|7.el9|x86_64|MIT AND GPL-2.0-or-later|System/Tools|https://example.org/demo|Example|Pat <pat@example.org>|build.example.org|1700000000');
    assert.equal(qf(file, '%{SUMMARY}'), spec.summary);
    assert.equal(qf(file, '%{DESCRIPTION}'), spec.description);
    assert.equal(qf(file, '%{SOURCERPM}|%{PAYLOADCOMPRESSOR}|%{PAYLOADFLAGS}'),
      { gzip: 'demo-full-2.4.1-7.el9.src.rpm|gzip|9', zstd: 'demo-full-2.4.1-7.el9.src.rpm|zstd|19', none: 'demo-full-2.4.1-7.el9.src.rpm|(none)|' }[compressor]);

    const expectFiles = FILES.map((f) => {
      const mode = f.mode ?? (f.linkto ? 0o120777 : 0o100644);
      const data = typeof f.data === 'string' ? Buffer.from(f.data) : (f.data ?? Buffer.alloc(0));
      const regular = (mode & 0o170000) === 0o100000;
      const size = f.linkto ? Buffer.byteLength(f.linkto) : data.length;
      const digest = regular && !((f.flags ?? 0) & FileFlag.GHOST) ? createHash('sha256').update(data).digest('hex') : '';
      return [f.path, mode, size, digest, f.linkto ?? '', f.flags ?? 0, f.user ?? 'root', f.group ?? 'root', f.mtime ?? 1_700_000_000].join(' ');
    });
    const gotFiles = list(file, '%{FILENAMES} %{FILEMODES} %{FILESIZES} %{FILEDIGESTS} %{FILELINKTOS} %{FILEFLAGS} %{FILEUSERNAME} %{FILEGROUPNAME} %{FILEMTIMES}');
    assert.deepEqual(gotFiles, [...expectFiles].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    const sizes = FILES.filter((f) => !((f.flags ?? 0) & FileFlag.GHOST)).map((f) => (f.linkto ? Buffer.byteLength(f.linkto) : Buffer.byteLength(f.data ?? '')));
    assert.equal(qf(file, '%{SIZE}'), String(sizes.reduce((a, b) => a + b, 0)));

    const rpmlib = (f: string, v: string) => `rpmlib(${f}) <= ${v}`;
    assert.deepEqual(list(file, '%{REQUIRENEVRS}').sort(), [
      '(foo >= 1.0 with foo < 2.0)', '/bin/sh', '/bin/sh', '/sbin/ldconfig', '/usr/bin/env', 'bar', 'baz >= 1:2.0-1', 'config(demo-full) = 3:2.4.1-7.el9', 'coreutils', 'libz.so.1()(64bit)', 'qux < 3',
      rpmlib('BuiltinLuaScripts', '4.2.2-1'), rpmlib('CompressedFileNames', '3.0.4-1'), rpmlib('FileDigests', '4.6.0-1'),
      rpmlib('PayloadFilesHavePrefix', '4.0-1'), ...(compressor === 'zstd' ? [rpmlib('PayloadIsZstd', '5.4.18-1')] : []),
      rpmlib('RichDependencies', '4.12.0-1'), rpmlib('ScriptletInterpreterArgs', '4.0.3-1'),
    ].sort());
    assert.deepEqual(list(file, '%{REQUIRENAME} %{REQUIREFLAGS:deptype}').filter((r) => r.startsWith('/') || r.startsWith('coreutils')).sort(),
      ['/bin/sh postun,interp', '/bin/sh pre,interp', '/sbin/ldconfig post,interp', '/usr/bin/env manual', 'coreutils post']);
    assert.deepEqual(list(file, '%{PROVIDENEVRS}').sort(),
      ['config(demo-full) = 3:2.4.1-7.el9', 'demo-full = 3:2.4.1-7.el9', 'demo-full(x86-64) = 3:2.4.1-7.el9', 'demo-virtual = 1.0', 'libdemo.so.1()(64bit)']);
    assert.deepEqual(list(file, '%{CONFLICTNEVRS}'), ['demo-old <= 2:1.0']);
    assert.deepEqual(list(file, '%{OBSOLETENEVRS}'), ['demo-legacy < 2.0']);
    assert.deepEqual(list(file, '%{RECOMMENDNEVRS}'), ['demo-extras']);
    assert.deepEqual(list(file, '%{SUGGESTNEVRS}'), ['(demo-gui if xorg)']);
    assert.deepEqual(list(file, '%{SUPPLEMENTNEVRS}'), ['demo-base >= 1.0']);
    assert.deepEqual(list(file, '%{ENHANCENEVRS}'), ['other']);
    assert.deepEqual(list(file, '%{ORDERNAME} %{ORDERFLAGS:depflags} %{ORDERVERSION}'), ['filesystem >= 3.16', 'setup  ']);
    assert.deepEqual(list(file, '%{CHANGELOGTIME}|%{CHANGELOGNAME}|%{CHANGELOGTEXT}'), (spec.changelog ?? []).map((c) => `${c.time}|${c.author}|${c.text}`));
    assert.equal(qf(file, '%{PREINPROG}|%{PREIN}|%{POSTINPROG}|%{POSTIN}|%{PREUNPROG}|%{PREUN}|[%{POSTUNPROG} ]|%{POSTUN}'),
      '/bin/sh|echo pre|/sbin/ldconfig|(none)|<lua>|print("lua")|/bin/sh -e |echo postun');
  });
}

test('the layout matches rpmbuild: lead, 4128 bytes reserved, main header at 4504', () => {
  const file = join(tmp, 'full-gzip-layout.rpm');
  writeRpm(file, fullSpec('gzip'));
  const f = readRpmFileSync(file);
  const { bytes: _bytes, ...lead } = f.lead;
  assert.deepEqual(lead, { major: 3, minor: 0, type: 0, archnum: 1, name: 'demo-full-3:2.4.1-7.el9', osnum: 1, signatureType: 5 });
  assert.equal(f.signature.bin(SigTag.RESERVEDSPACE)?.length, RESERVED_SPACE);
  assert.equal(f.headerStart, 4504);
  writeRpm(join(tmp, 'long.rpm'), { ...fullSpec('gzip'), name: 'n'.repeat(80) });
  const long = readRpmFileSync(join(tmp, 'long.rpm'));
  assert.equal(long.lead.name, `${'n'.repeat(80)}-3:2.4.1-7.el9`.slice(0, 65));
});

test('a source package: bare file names, SOURCEPACKAGE, no arch-specific provide', () => {
  const file = join(tmp, 'demo-1.0-1.src.rpm');
  writeRpm(file, {
    name: 'demo', version: '1.0', release: '1', arch: 'src', summary: 's', description: 'd', license: 'MIT', requires: [{ name: 'gcc' }],
    files: [{ path: 'demo.spec', data: 'Name: demo\n', flags: FileFlag.SPECFILE }, { path: 'demo-1.0.tar.gz', data: Buffer.alloc(10) }],
  });
  assert.equal(run('rpmkeys', ['--dbpath', db, '--checksig', file]).stdout, `${file}: digests OK\n`);
  assert.equal(qf(file, '%{SOURCEPACKAGE}|%{SOURCERPM}|%{ARCH}|[%{FILENAMES} ]|[%{PROVIDENEVRS} ]'), '1|(none)|x86_64|demo-1.0.tar.gz demo.spec |demo = 1.0-1 ');
  assert.equal(readRpmFileSync(file).lead.type, 1);
});


test('bad specs throw UsageError naming the field, and writeRpm leaves nothing behind', () => {
  const ok: RpmSpec = { name: 'ok', version: '1', release: '1', arch: 'noarch', summary: 's', description: 'd', license: 'MIT' };
  const file = (f: RpmSpecFile): Partial<RpmSpec> => ({ files: [f] });
  const cases: [Partial<RpmSpec>, RegExp][] = [
    [{ name: 'has space' }, /name "has space" is not a valid package name/],
    [{ name: '' }, /name "" is not a valid/],
    [{ version: '1.0-2' }, /version "1.0-2"/],
    [{ release: '' }, /release/],
    [{ epoch: -1 }, /epoch must be an integer/],
    [{ arch: 'x86 64' }, /arch/],
    [{ summary: 'two\nlines' }, /summary must be a single line/],
    [{ summary: ' ' }, /summary must not be empty/],
    [{ description: 'nul\0' }, /description must not contain NUL/],
    [{ license: '' }, /license must not be empty/],
    [file({ path: 'usr/bin/x' }), /files\[0\]\.path "usr\/bin\/x" must be absolute/],
    [file({ path: '/usr/../etc/x' }), /must not contain "\." or "\.\." segments/],
    [file({ path: '/usr/./x' }), /segments/],
    [file({ path: '/usr//x' }), /is not normalised/],
    [file({ path: '/usr/x/' }), /is not normalised/],
    [file({ path: '/' }), /root directory/],
    [{ files: [{ path: '/a' }, { path: '/a', mode: 0o40755 }] }, /files\[1\]\.path "\/a" is listed twice/],
    [file({ path: '/l', mode: 0o120777 }), /files\[0\]\.linkto must be a string/],
    [file({ path: '/d', mode: 0o40755, data: 'x' }), /files\[0\]\.data is only allowed for regular files/],
    [file({ path: '/f', mode: 0o100644, linkto: 'x' }), /linkto is only allowed for symlinks/],
    [file({ path: '/dev/x', mode: 0o20644 }), /type 0o20000 is not supported/],
    [file({ path: '/f', user: 'a b' }), /files\[0\]\.user/],
    [file({ path: 'x.spec' }), /must be absolute/],
    [{ arch: 'src', files: [{ path: '/x.spec' }] }, /bare file name in a source package/],
    [{ requires: [{ name: 'a b' }] }, /requires\[0\]\.name must not contain whitespace/],
    [{ requires: [{ name: '(a or b' }] }, /rich dependency/],
    [{ provides: [{ name: 'p', evr: '1.0' }] }, /provides\[0\] has evr "1.0" but no LESS\/GREATER\/EQUAL flag/],
    [{ conflicts: [{ name: 'c', flags: Sense.LESS }] }, /conflicts\[0\] has a LESS\/GREATER\/EQUAL flag but no evr/],
    [{ obsoletes: [{ name: 'o', flags: Sense.LESS, evr: 'a:b:c' }] }, /obsoletes\[0\]\.evr/],
    [{ changelog: [{ time: 1.5, author: 'a', text: 't' }] }, /changelog\[0\]\.time/],
    [{ scripts: { postin: { script: 'x', interpreter: 'sh' } } }, /scripts\.postin\.interpreter "sh" must be an absolute path/],
    [{ scripts: { post: { script: 'x' } } as RpmSpec['scripts'] }, /scripts\.post is not one of/],
    [{ compressor: 'xz' as RpmSpec['compressor'] }, /compressor "xz" is not gzip, zstd or none/],
    [{ compressor: 'gzip', compressionLevel: 10 }, /compressionLevel must be an integer from 1 to 9/],
  ];
  const dir = join(tmp, 'bad');
  mkdirSync(dir);
  for (const [change, message] of cases) {
    const spec = { ...ok, ...change };
    assert.throws(() => buildRpm(spec), (e: unknown) => e instanceof UsageError && message.test(e.message), `${JSON.stringify(change)} should fail with ${message}`);
    assert.throws(() => writeRpm(join(dir, 'bad.rpm'), spec), UsageError);
  }
  assert.deepEqual(readdirSync(dir), []);
  assert.ok(buildRpm(ok).length > 4504);
});

test('byte for byte what rpmbuild writes for the same package (uncompressed payload)', () => {
  const top = join(tmp, 'rpmbuild');
  mkdirSync(join(top, 'SPECS'), { recursive: true });
  writeFileSync(join(top, 'SPECS', 'cmp.spec'), `Name: cmp
Version: 1.0
Release: 1
Epoch: 2
Summary: compare me
License: MIT
URL: https://example.org/cmp
Requires: bash >= 5
Requires: (a or b)
Provides: cmpvirt = 2
Recommends: foo
Conflicts: bar < 1
Obsoletes: cmp-old < 1.0
%description
Compare
me
%install
mkdir -p %{buildroot}/usr/share/cmp %{buildroot}/etc %{buildroot}/usr/bin
echo hi > %{buildroot}/usr/share/cmp/a.txt
printf 'x=1\\n' > %{buildroot}/etc/cmp.conf
printf 'echo tool\\n' > %{buildroot}/usr/bin/cmp-tool
chmod 755 %{buildroot}/usr/bin/cmp-tool
ln -s a.txt %{buildroot}/usr/share/cmp/b
%post
echo post
%files
%config(noreplace) /etc/cmp.conf
/usr/bin/cmp-tool
/usr/share/cmp
%changelog
* Tue Nov 14 2023 Pat <p@example.org> - 2:1.0-1
- first
`);
  const defines = { _topdir: top, _tmppath: top, _buildhost: 'build.example.org', use_source_date_epoch_as_buildtime: '1', clamp_mtime_to_source_date_epoch: '1', _binary_payload: 'w.ufdio' };
  const b = run('rpmbuild', ['-bb', ...Object.entries(defines).flatMap(([k, v]) => ['--define', `${k} ${v}`]), join(top, 'SPECS', 'cmp.spec')], { ...process.env, HOME: top, SOURCE_DATE_EPOCH: '1700000000' });
  assert.equal(b.status, 0, b.stderr);
  const theirs = readdirSync(join(top, 'RPMS'), { recursive: true, encoding: 'utf8' }).find((f) => f.endsWith('.rpm')) ?? '';
  const [arch, platform, optflags] = qf(join(top, 'RPMS', theirs), '%{ARCH}|%{PLATFORM}|%{OPTFLAGS}').split('|');
  const ours = buildRpm({
    name: 'cmp', epoch: 2, version: '1.0', release: '1', arch: arch ?? '', summary: 'compare me', description: 'Compare\nme', license: 'MIT',
    url: 'https://example.org/cmp', buildtime: 1_700_000_000, buildhost: 'build.example.org', platform, optflags,
    requires: [{ name: 'bash', flags: GE, evr: '5' }, { name: '(a or b)' }],
    provides: [{ name: 'cmpvirt', flags: Sense.EQUAL, evr: '2' }],
    recommends: [{ name: 'foo' }],
    conflicts: [{ name: 'bar', flags: Sense.LESS, evr: '1' }],
    obsoletes: [{ name: 'cmp-old', flags: Sense.LESS, evr: '1.0' }],
    files: [
      { path: '/etc/cmp.conf', data: 'x=1\n', flags: FileFlag.CONFIG | FileFlag.NOREPLACE },
      { path: '/usr/bin/cmp-tool', mode: 0o100755, data: 'echo tool\n' },
      { path: '/usr/share/cmp', mode: 0o40755 },
      { path: '/usr/share/cmp/a.txt', data: 'hi\n' },
      { path: '/usr/share/cmp/b', linkto: 'a.txt' },
    ],
    changelog: [{ time: 1_699_963_200, author: 'Pat <p@example.org> - 2:1.0-1', text: '- first' }],
    scripts: { postin: { script: 'echo post' } },
    compressor: 'none',
  });
  assert.ok(ours.equals(readFileSync(join(top, 'RPMS', theirs))), 'identical files');
});
