/**
 * Real upstream projects built as EL9 packages through the whole system, judged by rpm.
 *
 * The dist-git trees of examples/realistic (hello, gdbm, libyaml, fribidi: autotools with
 * autoreconf, old and new patch forms, signatures checked in %prep, %find_lang, -libs/-devel/
 * -static splits, meson, real test suites in %check) name their upstream files by SHA512 in a
 * `sources` file. The files come from Debian's source packages (pristine upstream tarballs and
 * signatures, fetched once into .tmp/debian-sources), are uploaded to the master's lookaside store
 * with `distforge sources upload`, and the four trees, each a local git repository, are submitted
 * as one build to a real master with a real node that builds in roots dnf installs from the
 * example platform's (bootstrap) repository. What an EL9 packager checks is then checked with
 * `rpm -qp` and readelf on the RPMs the API serves, and in each task's log and build root record.
 * A fifth tree whose BuildRequires no repository has fails naming it.
 *
 * The builds run on SQLite only (the database plays no part in what is checked here).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { createNodeToken } from '../../src/auth/nodes.ts';
import { issueUserToken } from '../../src/auth/tokens.ts';
import type { BuildView, TaskView } from '../../src/builds/index.ts';
import { NodeAgent } from '../../src/node/agent.ts';
import { buildableArches } from '../../src/node/host.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { bootstrapRepo, NODE_CACHE, PLATFORM_REPOS } from '../support/bootstrap-repo.ts';
import { runCli } from '../support/cli.ts';
import { debianSource, origFile, upstreamSigningKey, type DebianSource } from '../support/debian-sources.ts';
import { api, EXAMPLE_PLATFORM_FILE } from '../support/server.ts';

const REALISTIC = resolve(import.meta.dirname, '../../examples/realistic');
/** Each example and the Debian source package its upstream files come from. */
const PACKAGES = { hello: 'hello', gdbm: 'gdbm', libyaml: 'libyaml', fribidi: 'fribidi' } as const;
type Pkg = keyof typeof PACKAGES;
const NAMES = Object.keys(PACKAGES) as Pkg[];
const EVR: Record<Pkg, string> = { hello: '2.10-1.el9', gdbm: '1.23-1.el9', libyaml: '0.2.5-1.el9', fribidi: '1.0.8-1.el9' };

const work = mkdtempSync(join(tmpdir(), 'distforge-realistic-'));
const rpmsDir = join(work, 'rpms');
let server: RunningServer;
let agent: NodeAgent;
let agentDone: Promise<void>;
let maintainer = '';
let build: BuildView;
let missing: BuildView;
const logs = new Map<Pkg, string>();
const uploads: { file: string; code: number; stdout: string; stderr: string }[] = [];
const timings: string[] = [];

/** The dist-git `sources` file of an example: file name → SHA512. */
function sourcesOf(pkg: Pkg): Map<string, string> {
  const lines = readFileSync(join(REALISTIC, pkg, 'sources'), 'utf8').trim().split('\n');
  return new Map(lines.map((l) => {
    const m = /^SHA512 \((.+)\) = ([0-9a-f]{128})$/.exec(l);
    assert.ok(m?.[1] && m[2], `${pkg}/sources: ${l}`);
    return [m[1], m[2]];
  }));
}

/** The Debian file a dist-git source file is: the upstream signature, the signing key, or the tarball. */
function debianFileFor(src: DebianSource, name: string): string {
  if (name.startsWith('gpgkey-')) return upstreamSigningKey(src);
  if (name.endsWith('.sig') || name.endsWith('.asc')) return origFile(src, '.asc').path;
  const tarball = src.orig.find((o) => !o.name.endsWith('.asc'));
  assert.ok(tarball, `${src.name} has an upstream tarball`);
  return tarball.path;
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Packager', '-c', 'user.email=packager@example.invalid', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, encoding: 'utf8' }).trim();
}

/** examples/realistic/NAME as a git repository of its own (spec, patches, sources: no tarballs). */
function distGitRepo(pkg: Pkg, as: string = pkg, edit?: (spec: string) => string): string {
  const dir = join(work, 'git', as);
  cpSync(join(REALISTIC, pkg), dir, { recursive: true });
  if (edit) writeFileSync(join(dir, `${pkg}.spec`), edit(readFileSync(join(dir, `${pkg}.spec`), 'utf8')));
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', `import ${pkg}`);
  return dir;
}

async function waitForBuild(id: number, timeoutMs: number): Promise<BuildView> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const b = (await api<BuildView>(server, 'GET', `/builds/${id}`, { token: maintainer })).body;
    if (['succeeded', 'failed', 'cancelled'].includes(b.state)) return b;
    if (Date.now() > end) throw new Error(`build ${id} still ${b.state} after ${timeoutMs / 1000} s: ${JSON.stringify(b.tasks.map((t) => [t.package, t.kind, t.state]))}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Seconds between a task's lease and its end, from its events. */
async function taskSeconds(t: TaskView): Promise<number> {
  const events = (await api<{ at: number; kind: string }[]>(server, 'GET', `/tasks/${t.id}/events`, { token: maintainer })).body;
  const start = events.find((e) => e.kind === 'leased')?.at;
  const end = [...events].reverse().find((e) => e.kind === 'succeeded' || e.kind === 'failed')?.at;
  return start !== undefined && end !== undefined ? (end - start) / 1000 : NaN;
}

/** GET of an artifact (the maintainer's token). */
async function download(url: string): Promise<Buffer> {
  const r = await fetch(url, { headers: { authorization: `Bearer ${maintainer}` } });
  if (r.status !== 200) throw new Error(`GET ${url}: HTTP ${r.status}`);
  return Buffer.from(await r.arrayBuffer());
}

const rpmTask = (b: BuildView, pkg: string): TaskView => {
  const t = b.tasks.find((x) => x.package === pkg && x.kind === 'rpm');
  assert.ok(t, `an rpm task for ${pkg}: ${JSON.stringify(b.tasks.map((x) => [x.package, x.kind, x.state, x.failureReason]))}`);
  return t;
};

/** `rpm -qp --qf FORMAT` of a built package file. */
const qf = (file: string, format: string): string => execFileSync('rpm', ['-qp', '--qf', format, join(rpmsDir, file)], { encoding: 'utf8' });
const lines = (file: string, ...args: string[]): string[] => execFileSync('rpm', ['-qp', ...args, join(rpmsDir, file)], { encoding: 'utf8' }).trim().split('\n');
const rpmFile = (pkg: Pkg, sub = ''): string => `${pkg}${sub}-${EVR[pkg]}.x86_64.rpm`;
/** The binary packages a build of `pkg` made (names without version), sorted. */
const madeBy = (pkg: Pkg): string[] =>
  rpmTask(build, pkg).artifacts.filter((a) => a.kind === 'rpm').map((a) => a.name.slice(0, -`-${EVR[pkg]}.x86_64.rpm`.length)).sort();

/**
 * rpm 4.18's trace of one patch applied in %prep: `%patchN` and `%patch -P N` print
 * `Patch #N (FILE):`, %autosetup and %autopatch pipe the file through rpmuncompress.
 */
const applied = (patch: string): RegExp => {
  const file = patch.replace(/[.+]/g, '\\$&');
  return new RegExp(`^(Patch #\\d+ \\(${file}\\):|\\+ /usr/lib/rpm/rpmuncompress /builddir/build/SOURCES/${file})$`, 'm');
};

/** Unpacks one RPM's payload into a fresh directory (rpm2cpio | cpio), for readelf. */
function unpack(file: string): string {
  const dir = mkdtempSync(join(work, 'unpacked-'));
  execFileSync('sh', ['-c', 'rpm2cpio "$1" | cpio -idm --quiet', 'sh', join(rpmsDir, file)], { cwd: dir });
  return dir;
}

/** EL9's hardening as a packager checks it: a PIE, bound now, with a read-only relocation segment. */
function assertHardened(binary: string): void {
  const header = execFileSync('readelf', ['-hW', binary], { encoding: 'utf8' });
  const dynamic = execFileSync('readelf', ['-dW', binary], { encoding: 'utf8' });
  const segments = execFileSync('readelf', ['-lW', binary], { encoding: 'utf8' });
  assert.match(header, /Type:\s+DYN \(Position-Independent Executable file\)/, `${binary} is a PIE`);
  assert.match(dynamic, /\(FLAGS\)\s+BIND_NOW/, `${binary}: -Wl,-z,now`);
  assert.match(dynamic, /\(FLAGS_1\)\s+Flags: NOW PIE/, `${binary}: NOW PIE`);
  assert.match(segments, /GNU_RELRO/, `${binary}: -Wl,-z,relro`);
}

/** The packages of a task's recorded build root, by name. */
function rootNames(t: TaskView): Set<string> {
  assert.ok(t.buildroot, `task ${t.id} (${t.package} ${t.kind}) records its build root`);
  return new Set(t.buildroot.packages.map((p) => p.nevra.replace(/-[^-]+-[^-]+$/, '')));
}

before(async () => {
  const started = Date.now();
  await bootstrapRepo();
  const sources = new Map(NAMES.map((n) => [n, debianSource(PACKAGES[n])]));
  timings.push(`bootstrap repository and Debian sources ready: ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const config = join(work, 'server.yaml');
  writeFileSync(config, `platforms:\n  - ${EXAMPLE_PLATFORM_FILE}\n`);
  server = await startServer({ dataDir: join(work, 'data'), host: '127.0.0.1', port: 0, configFile: config, logLevel: 'silent', platformReposDir: PLATFORM_REPOS });
  maintainer = (await issueUserToken(server.ctx, 'pat', 'maintainer')).secret;
  const arches = buildableArches();
  const node = await createNodeToken(server.ctx, { name: 'local', arches, capabilities: ['build'], maxConcurrency: 2 });
  agent = new NodeAgent({ server: server.url, token: node.secret, arches, capabilities: ['build'], maxConcurrency: 2, workDir: join(work, 'node'), cacheDir: NODE_CACHE, waitSeconds: 1, log: pino({ level: 'silent' }) });
  agentDone = agent.run();

  // Every upstream file into the master's lookaside store, as a packager uploads it.
  await Promise.all(NAMES.flatMap((pkg) => [...sourcesOf(pkg)].map(async ([file, sha512]) => {
    const r = await runCli(['sources', 'upload', debianFileFor(sources.get(pkg) as DebianSource, file), '--name', pkg, '--as', file, '--sha512', sha512, '--server', server.url, '--token', maintainer]);
    uploads.push({ file, ...r });
  })));

  const submitted = Date.now();
  const submit = async (dirs: string[]): Promise<number> => {
    const r = await api<BuildView>(server, 'POST', '/builds', { token: maintainer, body: { platforms: ['example-el9'], sources: dirs.map((d) => ({ git: `${d}#main` })) } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id;
  };
  const id = await submit(NAMES.map((n) => distGitRepo(n)));
  // fribidi's manual pages need c2man, which no EL repository has.
  const missingId = await submit([distGitRepo('fribidi', 'fribidi-docs', (s) => s.replace('BuildRequires:  python3\n', 'BuildRequires:  python3\nBuildRequires:  c2man\n').replace('%meson -Ddocs=false', '%meson'))]);
  [build, missing] = await Promise.all([waitForBuild(id, 420_000), waitForBuild(missingId, 420_000)]);
  timings.push(`build ${id} (${NAMES.join(', ')}) ${build.state} in ${((Date.now() - submitted) / 1000).toFixed(1)} s on a node building 2 tasks at once`);
  for (const t of build.tasks) timings.push(`  ${t.package} ${t.kind}: ${(await taskSeconds(t)).toFixed(1)} s`);

  mkdirSync(rpmsDir, { recursive: true });
  for (const t of build.tasks.filter((x) => x.kind === 'rpm')) {
    for (const a of t.artifacts) {
      if (a.kind === 'rpm') writeFileSync(join(rpmsDir, a.name), await download(a.url));
      if (a.kind === 'log') logs.set(t.package as Pkg, (await download(a.url)).toString('utf8'));
    }
  }
});

after(async () => {
  agent?.stop();
  await agentDone?.catch(() => undefined);
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('realistic EL9 specs, built from dist-git trees and lookaside files', () => {
  test('the upstream files go into the lookaside store under the names and hashes of each sources file', () => {
    for (const u of uploads) {
      assert.equal(u.code, 0, `${u.file}: ${u.stderr}`);
      const pkg = NAMES.find((n) => sourcesOf(n).has(u.file)) as Pkg;
      assert.match(u.stdout, new RegExp(`^sources: +SHA512 \\(${u.file.replace(/[.+]/g, '\\$&')}\\) = ${sourcesOf(pkg).get(u.file)}$`, 'm'), u.stdout);
    }
    assert.equal(uploads.length, NAMES.reduce((n, p) => n + sourcesOf(p).size, 0));
  });

  test('the four packages build in one build, each srpm then rpm task in a root of the platform repository', (t) => {
    for (const line of timings) t.diagnostic(line);
    assert.equal(build.state, 'succeeded', JSON.stringify(build.tasks.map((x) => [x.package, x.kind, x.state, x.failureReason])));
    assert.deepEqual(build.tasks.map((x) => `${x.package} ${x.kind}`).sort(), NAMES.flatMap((n) => [`${n} rpm`, `${n} srpm`]).sort());
    for (const x of build.tasks) {
      assert.ok(x.buildroot?.repos.some((r) => r.url.endsWith('/api/v1/platform-repos/bootstrap-el9/x86_64/')), `${x.package} ${x.kind}: installed from the platform repository`);
      if (x.kind === 'srpm') {
        const names = rootNames(x);
        assert.ok(names.has('rpm-build') && !names.has('gcc'), `${x.package} srpm: the base set only (rpm-build, no gcc)`);
      }
    }
  });

  test('hello: autoreconf, old-style patches, a signature checked in %prep, translations and an info manual', () => {
    assert.deepEqual(madeBy('hello'), ['hello', 'hello-debuginfo', 'hello-debugsource']);
    const log = logs.get('hello') ?? '';
    assert.match(log, /gpgverify --keyring=.*gpgkey-8ED396E37E38D471A00530D3A9553245FDE9B739\.gpg --signature=.*hello-2\.10\.tar\.gz\.sig --data=.*hello-2\.10\.tar\.gz/);
    assert.match(log, /Good signature from "Sami Kerola/);
    assert.match(log, /^Patch #0 \(hello-2\.10-configure-version\.patch\):$/m, '%patch0 -p1');
    assert.match(log, /^Patch #1 \(hello-2\.10-manual-https\.patch\):$/m, '%patch -P 1 -p1');
    assert.match(log, /autoreconf: running: automake --add-missing/);
    assert.match(log, /makeinfo/, 'the patched manual is rebuilt');
    assert.match(log, /^PASS: tests\/hello-1$/m, '%check ran make check');
    assert.match(log, /^Testsuite summary for GNU Hello 2\.10$/m);

    const files = lines(rpmFile('hello'), '-l');
    for (const f of ['/usr/bin/hello', '/usr/share/man/man1/hello.1.gz', '/usr/share/info/hello.info.gz', '/usr/share/licenses/hello/COPYING', '/usr/share/doc/hello/NEWS']) assert.ok(files.includes(f), `hello has ${f}`);
    assert.ok(!files.includes('/usr/share/info/dir'), 'no info dir file');
    // %find_lang: every catalogue is a %lang file of its language.
    const langs = qf(rpmFile('hello'), '[%{FILENAMES} %{FILELANGS}\\n]').trim().split('\n').filter((l) => l.includes('/LC_MESSAGES/'));
    assert.ok(langs.length > 20, `hello's translations: ${langs.length}`);
    // (rpm's find-lang.sh, on EL9 too, tags pt_BR/ as %lang(pt))
    for (const l of langs) assert.match(l, /^\/usr\/share\/locale\/([^/_]+)[^/]*\/LC_MESSAGES\/hello\.mo \1$/);

    const root = unpack(rpmFile('hello'));
    assert.match(execFileSync(join(root, 'usr/bin/hello'), ['--version'], { encoding: 'utf8' }), /^hello \(GNU Hello\) 2\.10$/m);
    assert.match(execFileSync('gzip', ['-dc', join(root, 'usr/share/info/hello.info.gz')], { encoding: 'utf8' }), /https:\/\/www\.gnu\.org\/software\/hello\//);
    assertHardened(join(root, 'usr/bin/hello'));
    assert.ok(lines(rpmFile('hello', '-debuginfo'), '-l').includes('/usr/lib/debug/usr/bin/hello-2.10-1.el9.x86_64.debug'));
    assert.ok(lines(rpmFile('hello', '-debugsource'), '-l').includes('/usr/src/debug/hello-2.10-1.el9.x86_64/src/hello.c'));

    const names = rootNames(rpmTask(build, 'hello'));
    for (const br of ['gcc', 'make', 'autoconf', 'automake', 'gettext-devel', 'texinfo', 'gnupg2']) assert.ok(names.has(br), `hello's root has ${br}`);
    for (const other of ['meson', 'ninja-build', 'libtool', 'readline-devel']) assert.ok(!names.has(other), `hello's root has no ${other}`);
  });

  test('gdbm: -libs, -devel and -static, the soname and %{name}-libs%{?_isa} requirements, its test suite', () => {
    assert.deepEqual(madeBy('gdbm'), ['gdbm', 'gdbm-debuginfo', 'gdbm-debugsource', 'gdbm-devel', 'gdbm-libs', 'gdbm-libs-debuginfo', 'gdbm-static']);
    const log = logs.get('gdbm') ?? '';
    assert.match(log, /Good signature from "Sergey Poznyakoff/);
    assert.match(log, applied('gdbm-1.23-load-meta-init.patch'));
    assert.match(log, /^All \d+ tests were successful\.$/m, '%check ran the autotest suite');

    const libs = lines(rpmFile('gdbm', '-libs'), '-l');
    for (const f of ['/usr/lib64/libgdbm.so.6', '/usr/lib64/libgdbm.so.6.0.0', '/usr/lib64/libgdbm_compat.so.4.0.0', '/usr/share/licenses/gdbm-libs/COPYING']) assert.ok(libs.includes(f), `gdbm-libs has ${f}`);
    assert.ok(libs.some((f) => /^\/usr\/share\/locale\/de\/LC_MESSAGES\/gdbm\.mo$/.test(f)), 'the translations are in gdbm-libs (%files libs -f gdbm.lang)');
    assert.ok(!libs.some((f) => f.endsWith('.so') || f.endsWith('.a')));
    const devel = qf(rpmFile('gdbm', '-devel'), '[%{FILENAMES} -> %{FILELINKTOS}\\n]');
    assert.match(devel, /^\/usr\/lib64\/libgdbm\.so -> libgdbm\.so\.6\.0\.0$/m, 'the .so link is in -devel');
    assert.match(devel, /^\/usr\/include\/gdbm\/ndbm\.h -> $/m);
    assert.match(devel, /^\/usr\/share\/info\/gdbm\.info\.gz -> $/m);
    assert.deepEqual(lines(rpmFile('gdbm', '-static'), '-l'), ['/usr/lib64/libgdbm.a', '/usr/lib64/libgdbm_compat.a']);
    assert.ok(!lines(rpmFile('gdbm'), '-l').some((f) => f.startsWith('/usr/lib64/')), 'no library in the main package');

    assert.ok(lines(rpmFile('gdbm', '-libs'), '--provides').includes('libgdbm.so.6()(64bit)'));
    assert.ok(lines(rpmFile('gdbm', '-libs'), '--provides').includes('libgdbm_compat.so.4()(64bit)'));
    const requires = lines(rpmFile('gdbm'), '--requires');
    assert.ok(requires.includes('gdbm-libs(x86-64) = 1.23-1.el9'), `gdbm requires %{name}-libs%{?_isa} = %{version}-%{release}: ${requires.join(', ')}`);
    assert.ok(requires.includes('libgdbm.so.6()(64bit)') && requires.includes('libreadline.so.8()(64bit)'));
    const develRequires = lines(rpmFile('gdbm', '-devel'), '--requires');
    assert.ok(develRequires.includes('gdbm-libs(x86-64) = 1.23-1.el9'));
    assert.ok(develRequires.includes('libgdbm.so.6()(64bit)'), 'the .so link requires its soname, as on EL9');
    assert.ok(lines(rpmFile('gdbm', '-static'), '--requires').includes('gdbm-devel(x86-64) = 1.23-1.el9'));
    assert.equal(qf(rpmFile('gdbm', '-libs'), '%{POSTIN}|%{POSTUN}'), '(none)|(none)', '%ldconfig_scriptlets: glibc\'s file triggers run ldconfig');

    const root = unpack(rpmFile('gdbm'));
    assertHardened(join(root, 'usr/bin/gdbmtool'));
    assert.ok(lines(rpmFile('gdbm', '-libs-debuginfo'), '-l').includes('/usr/lib/debug/usr/lib64/libgdbm.so.6.0.0-1.23-1.el9.x86_64.debug'));

    const names = rootNames(rpmTask(build, 'gdbm'));
    for (const br of ['gcc', 'make', 'gettext', 'readline-devel', 'gnupg2']) assert.ok(names.has(br), `gdbm's root has ${br}`);
    for (const other of ['autoconf', 'automake', 'meson', 'texinfo']) assert.ok(!names.has(other), `gdbm's root has no ${other}`);
  });

  test('libyaml: %autosetup with three patches, autoreconf of a git snapshot, pkg-config, its tests', () => {
    assert.deepEqual(madeBy('libyaml'), ['libyaml', 'libyaml-debuginfo', 'libyaml-debugsource', 'libyaml-devel']);
    const log = logs.get('libyaml') ?? '';
    for (const p of ['libyaml-0.2.5-emitter-write-break.patch', 'libyaml-0.2.5-emitter-test-suite-init.patch', 'libyaml-0.2.5-check-examples.patch']) {
      assert.match(log, applied(p), `%autosetup -p1 applied ${p}`);
    }
    assert.match(log, /autoreconf: running: libtoolize/);
    assert.match(log, /^PASS: run-examples\.sh$/m, 'the patched test suite ran');
    assert.doesNotMatch(log, /value computed is not used/, 'the emitter patch silenced gcc');

    assert.deepEqual(lines(rpmFile('libyaml'), '-l').filter((f) => f.startsWith('/usr/lib64/')), ['/usr/lib64/libyaml-0.so.2', '/usr/lib64/libyaml-0.so.2.0.9']);
    assert.deepEqual(lines(rpmFile('libyaml', '-devel'), '-l'), ['/usr/include/yaml.h', '/usr/lib64/libyaml.so', '/usr/lib64/pkgconfig/yaml-0.1.pc']);
    assert.ok(lines(rpmFile('libyaml'), '--provides').includes('libyaml-0.so.2()(64bit)'));
    const provides = lines(rpmFile('libyaml', '-devel'), '--provides');
    assert.ok(provides.includes('pkgconfig(yaml-0.1) = 0.2.5'), provides.join(', '));
    const requires = lines(rpmFile('libyaml', '-devel'), '--requires');
    for (const r of ['libyaml(x86-64) = 0.2.5-1.el9', 'libyaml-0.so.2()(64bit)', '/usr/bin/pkg-config']) assert.ok(requires.includes(r), `libyaml-devel requires ${r}: ${requires.join(', ')}`);

    const names = rootNames(rpmTask(build, 'libyaml'));
    for (const br of ['gcc', 'make', 'autoconf', 'automake', 'libtool']) assert.ok(names.has(br), `libyaml's root has ${br}`);
    for (const other of ['meson', 'texinfo', 'gnupg2', 'gettext-devel']) assert.ok(!names.has(other), `libyaml's root has no ${other}`);
  });

  test('fribidi: %meson, %meson_build, %meson_install and %meson_test', () => {
    assert.deepEqual(madeBy('fribidi'), ['fribidi', 'fribidi-debuginfo', 'fribidi-debugsource', 'fribidi-devel']);
    const log = logs.get('fribidi') ?? '';
    assert.match(log, /meson setup --buildtype=plain --prefix=\/usr --libdir=\/usr\/lib64 .*-Ddocs=false/);
    assert.match(log, /meson test -C redhat-linux-build/);
    assert.match(log, /BidiCharacterTest +OK/, "%check ran Unicode's conformance tests");
    assert.match(log, /^Fail: +0 *$/m);

    const files = lines(rpmFile('fribidi'), '-l');
    assert.ok(files.includes('/usr/bin/fribidi') && files.includes('/usr/lib64/libfribidi.so.0'));
    const devel = lines(rpmFile('fribidi', '-devel'), '-l');
    for (const f of ['/usr/include/fribidi/fribidi.h', '/usr/lib64/libfribidi.so', '/usr/lib64/pkgconfig/fribidi.pc']) assert.ok(devel.includes(f), `fribidi-devel has ${f}`);
    assert.ok(lines(rpmFile('fribidi', '-devel'), '--provides').includes('pkgconfig(fribidi) = 1.0.8'));
    assert.ok(lines(rpmFile('fribidi', '-devel'), '--requires').includes('libfribidi.so.0()(64bit)'));
    const root = unpack(rpmFile('fribidi'));
    assertHardened(join(root, 'usr/bin/fribidi'));

    const names = rootNames(rpmTask(build, 'fribidi'));
    for (const br of ['gcc', 'meson', 'ninja-build', 'python3']) assert.ok(names.has(br), `fribidi's root has ${br}`);
    for (const other of ['autoconf', 'automake', 'libtool', 'texinfo', 'make']) assert.ok(!names.has(other), `fribidi's root has no ${other}`);
  });

  test('a BuildRequires no repository has fails the build, naming it', () => {
    assert.equal(missing.state, 'failed');
    const t = rpmTask(missing, 'fribidi');
    assert.equal(t.state, 'failed');
    assert.match(t.failureReason ?? '', /^missing build dependencies: c2man$/);
  });

  test('every RPM is intact and carries EL9 build flags', () => {
    const files = readdirSync(rpmsDir).map((f) => join(rpmsDir, f));
    assert.ok(files.length >= 18);
    execFileSync('rpm', ['-K', '--nosignature', ...files]);
    for (const f of files) {
      const [release, ...optflags] = execFileSync('rpm', ['-qp', '--qf', '%{RELEASE} %{OPTFLAGS}', f], { encoding: 'utf8' }).split(' ');
      assert.match(release ?? '', /\.el9$/, f);
      for (const flag of ['-O2', '-flto=auto', '-fstack-protector-strong', '-Wp,-D_FORTIFY_SOURCE=2', '-fstack-clash-protection', '-fcf-protection', '-grecord-gcc-switches']) assert.ok(optflags.includes(flag), `${f} built with ${flag}`);
    }
  });
});
