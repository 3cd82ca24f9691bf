/**
 * Repository closure judged by the real `dnf repoclosure` (dnf 4.14, dnf-plugins-core 4.3, libsolv
 * 0.7.23): repositories with deliberately broken dependencies are written as RPMs, indexed with
 * createrepo_c, read back with our reader, and our list of unresolved requirements must equal
 * dnf's, package by package (same packages, same requirements printed the same way, as multisets).
 *
 * The repositories:
 * - set: a generated package set (test/support/package-set.ts) with broken versioned, soname and
 *   file requirements among ordinary ones (versioned, soname, file, the odd rich dependency).
 * - hand: packages written one by one for the hard cases: rich dependencies of every operator
 *   (and malformed ones dnf drops), file requirements met by files only in filelists.xml, by
 *   directories and ghosts, versioned requirements that fail only by version or epoch, tilde and
 *   caret versions, source packages (checked, never providing), i686 (providing on x86_64) and
 *   aarch64 packages (checked, never providing), noarch, scriptlet requirements, older versions
 *   of a package (they provide too), rich Provides.
 * - app and base: app's requirements are mostly met by base; checked alone and together.
 *
 * The hand-made repository is also checked as an aarch64 machine sees it (dnf --forcearch), where
 * the x86_64 and i686 packages provide nothing.
 *
 * dnf runs isolated (private config, empty install root, HOME with its own .rpmmacros), as
 * ../shared/docs/TOOLCHAIN.md describes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { machine, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ClosureChecker } from '../../src/repo/closure/index.ts';
import { openRepository } from '../../src/repo/read/index.ts';
import { FileFlag, Sense } from '../../src/rpm/tags.ts';
import { rpmFileName, writeRpm, type RpmSpec, type RpmSpecDependency } from '../../src/rpm/writer.ts';
import { makePackageSet } from '../support/package-set.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-closure-dnf-'));
after(() => rmSync(work, { recursive: true, force: true }));

const GE = Sense.GREATER | Sense.EQUAL;
const dep = (name: string, flags = 0, evr?: string): RpmSpecDependency => (evr === undefined ? { name } : { name, flags, evr });

function spec(name: string, extra: Partial<RpmSpec> = {}): RpmSpec {
  return { name, version: '1.0', release: '1', arch: 'x86_64', summary: name, description: `${name} for closure tests`, license: 'MIT', buildtime: 1_700_000_000, ...extra };
}

function writeRepo(dir: string, specs: RpmSpec[]): void {
  mkdirSync(dir, { recursive: true });
  for (const s of specs) writeRpm(join(dir, `${s.arch}-${rpmFileName(s)}`), s);
}

function createrepo(dir: string): void {
  const r = spawnSync('createrepo_c', ['--no-database', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

/** Hand-made packages for the hard cases (see the module comment). */
function handPackages(): RpmSpec[] {
  return [
    spec('prov', {
      epoch: 0,
      provides: [dep('cap-a', Sense.EQUAL, '2.0-1'), dep('cap-b'), dep('/usr/libexec/fake'), dep('vcap', Sense.EQUAL, '1.0'), dep('tcap', Sense.EQUAL, '1.0~rc1-1'), dep('ccap', Sense.EQUAL, '1.0^git5-1'), dep('acap', GE, '2.0')],
      files: [
        { path: '/usr/share/prov', mode: 0o40755 },
        { path: '/usr/share/prov/data.txt', data: 'x' },
        { path: '/usr/bin/prov', mode: 0o100755, data: '#!/bin/false\n' },
        { path: '/etc/prov.conf', data: 'x', flags: FileFlag.CONFIG },
        { path: '/var/log/prov.log', flags: FileFlag.GHOST },
      ],
    }),
    spec('eprov', { epoch: 2, provides: [dep('ecap', Sense.EQUAL, '2:1.5-1')] }),
    spec('user-versions', {
      requires: [
        dep('cap-a', GE, '3.0'), dep('cap-a', GE, '1.0'), dep('cap-a', Sense.LESS, '0:1.0'), dep('cap-a', Sense.EQUAL, '2.0'), dep('cap-a', Sense.EQUAL, '2.0-2'),
        dep('missing-x', GE, '0:1.0-1'), dep('missing-y', Sense.EQUAL, '3:1.0'),
        dep('ecap', GE, '1.5'), dep('ecap', GE, '3:1'), dep('eprov', Sense.LESS, '3'), dep('eprov', GE, '2:1.0'), dep('eprov', Sense.EQUAL, '1.0-1'),
        dep('vcap', Sense.EQUAL, '1.0-5'), dep('vcap', Sense.GREATER, '1.0-5'), dep('vcap', Sense.LESS, '1.0'),
        dep('prov', Sense.GREATER, '1.0'), dep('prov', Sense.EQUAL, '1.0'), dep('prov(x86-64)', GE, '1.0'), dep('prov(x86-32)'),
        dep('tcap', Sense.LESS, '1.0'), dep('tcap', Sense.GREATER, '1.0'), dep('ccap', Sense.GREATER, '1.0'), dep('ccap', Sense.LESS, '1.0.1'), dep('ccap', Sense.GREATER, '1.0.1'),
        dep('acap', Sense.LESS, '1.0'), dep('acap', Sense.GREATER, '5.0'), dep('config(prov)', Sense.EQUAL, '1.0-1'), dep('config(prov)', Sense.EQUAL, '1.0-2'),
      ],
    }),
    spec('user-files', {
      arch: 'noarch',
      requires: [
        dep('/usr/share/prov/data.txt'), dep('/usr/share/prov'), dep('/var/log/prov.log'), dep('/usr/bin/prov'), dep('/etc/prov.conf'),
        dep('/usr/share/prov/nothere'), dep('/usr/bin/nothere'), dep('/usr/libexec/fake'), dep('/usr/libexec/fake', GE, '2'),
        dep('/usr/share/prov/data.txt', GE, '1'), dep('/usr/bin/prov', GE, '1'), dep('/srcpkg.spec'), dep('srcpkg.spec'),
      ],
      scripts: { postin: { script: 'true' }, prein: { script: 'print("x")', interpreter: '/usr/bin/lua-missing' } },
    }),
    spec('user-rich', {
      arch: 'noarch',
      requires: [
        '(cap-a >= 3 or cap-b)', '(cap-a >= 3 and cap-b)', '(nothing1 or nothing2)', '(nothing1 and cap-b)', '(nothing3 if cap-b)', '(cap-b if nothing4)',
        '(nothing5 if cap-b else nothing6)', '(nothing7 unless cap-b else cap-a)', '(nothing7 unless cap-b)', '(cap-a with cap-b)', '(cap-a with ecap)',
        '(cap-a without cap-b)', '(cap-a without ecap)', '(foo or)', '((nothing8 and nothing9) and (nothing10 or nothing11))', '(n12 and (n13 and n14))',
        '(n15 >= 0:1.0 or n16 < 1:2-3)', '((a1 and b1) and c1)', '(a1 and b1 and c1)', '(a2 else b2)', '(a3 if b3 if c3)', '( a4 or b4 )', '(a5  or   b5)',
        '(a6 or b6 and c6)', '(a7 if b7 else c7 else d7)', '(a8 unless b8 unless c8)', '(prov(x86-64) = 1.0-1 with a9)', '(prov(x86-64) = 1.0-1 with cap-a = 2.0)',
        '(a10 >= (x y) or b10)', '(a11 or (b11 with c11) or (d11 without e11))', '(a12>=1 or b12)', '(a13 => 1 or b13 =< 2 or c13 == 3)', '(a14 <=> 1 or b14 <> 2)',
        '(a15 >= 00:1 or b15 >= 0:0:1)', '(/usr/share/prov/data.txt and a16)', '(/usr/share/prov/y or a17)', '(a18 if b18 else c18 if d18)',
        '(ecap >= 3:0 or eprov < 2:0)', '(i6cap with armcap)', '(srccap or armcap)',
      ].map((name) => dep(name)),
    }),
    spec('srcpkg', { arch: 'src', requires: [dep('buildreq-missing'), dep('cap-b'), dep('cap-a', GE, '9')], provides: [dep('srccap')], files: [{ path: 'srcpkg.spec', data: 'Name: srcpkg\n' }] }),
    spec('user-src', { requires: [dep('srccap'), dep('srcpkg'), dep('srcpkg', Sense.EQUAL, '1.0-1')] }),
    spec('armpkg', { arch: 'aarch64', provides: [dep('armcap')], requires: [dep('armreq-missing'), dep('cap-b')], files: [{ path: '/usr/lib64/arm.so', data: 'x' }] }),
    spec('i6pkg', { arch: 'i686', provides: [dep('i6cap')], requires: [dep('i6req-missing')], files: [{ path: '/usr/lib/i6.so', data: 'x' }] }),
    spec('user-arch', { requires: [dep('armcap'), dep('armpkg'), dep('/usr/lib64/arm.so'), dep('i6cap'), dep('i6pkg'), dep('/usr/lib/i6.so'), dep('i6pkg(x86-32)')] }),
    spec('closed', { arch: 'noarch', requires: [dep('cap-b'), dep('prov')] }),
    // Older versions provide too (dnf's default best=False keeps them available).
    spec('multi', { version: '1.0', provides: [dep('mcap', Sense.EQUAL, '1.0')] }),
    spec('multi', { version: '2.0', provides: [dep('mcap', Sense.EQUAL, '2.0')] }),
    // A rich Provides (rpmbuild never makes one) is filed under its leftmost name, unversioned.
    spec('odd', { provides: [dep('(lefty or righty)'), dep('(lv >= 2 and rv)')] }),
    spec('user-odd', { requires: [dep('lefty'), dep('righty'), dep('lefty', GE, '1'), dep('lv'), dep('lv', GE, '1'), dep('rv')] }),
    spec('user-multi', { arch: 'noarch', requires: [dep('multi', Sense.LESS, '2.0'), dep('mcap', Sense.EQUAL, '1.0'), dep('mcap', Sense.EQUAL, '3.0'), dep('multi', Sense.GREATER, '2.0')] }),
  ];
}

/** app needs base's packages (and a few things nobody has); base is closed on its own. */
function appAndBase(): { app: RpmSpec[]; base: RpmSpec[] } {
  const base = [
    spec('base-lib', { version: '2.4', provides: [dep('libbase.so.2()(64bit)')], files: [{ path: '/usr/lib64/libbase.so.2', data: 'x' }] }),
    spec('base-tools', { epoch: 1, arch: 'noarch', files: [{ path: '/usr/bin/base-tool', mode: 0o100755, data: '#!/bin/false\n' }, { path: '/usr/share/base/words', data: 'w' }] }),
  ];
  const app = [
    spec('app', { requires: [dep('libbase.so.2()(64bit)'), dep('base-lib', GE, '2.0'), dep('/usr/bin/base-tool'), dep('/usr/share/base/words'), dep('(base-tools or base-tools-ng)')] }),
    spec('app-extra', { requires: [dep('base-lib', GE, '3.0'), dep('base-tools', GE, '1.0'), dep('base-tools', GE, '1:1.0'), dep('app-missing')] }),
  ];
  return { app, base };
}

interface Repo {
  id: string;
  dir: string;
}

const repos: Record<'set' | 'hand' | 'app' | 'base', Repo> = {
  set: { id: 'set', dir: join(work, 'set') },
  hand: { id: 'hand', dir: join(work, 'hand') },
  app: { id: 'app', dir: join(work, 'app') },
  base: { id: 'base', dir: join(work, 'base') },
};

/** package line → unresolved requirements (sorted, repeats kept). */
type Report = Map<string, string[]>;

let dnfRuns = 0;

/** Runs `dnf repoclosure` over the repositories and parses what it prints. */
function dnfRepoclosure(list: Repo[], forcearch?: string): Report {
  const run = join(work, `dnf-${++dnfRuns}`);
  const home = join(run, 'home');
  const root = join(run, 'root');
  mkdirSync(home, { recursive: true });
  mkdirSync(root, { recursive: true });
  writeFileSync(join(home, '.rpmmacros'), '%_dbpath /var/lib/rpm\n');
  const conf = join(run, 'dnf.conf');
  writeFileSync(conf, '[main]\nreposdir=/dev/null\ngpgcheck=0\n');
  const args = ['-c', conf, '--disableplugin=local,generate_completion_cache', `--installroot=${root}`, '--releasever=9'];
  if (forcearch !== undefined) args.push(`--forcearch=${forcearch}`);
  for (const r of list) args.push(`--repofrompath=${r.id},file://${r.dir}`);
  for (const r of list) args.push('--repo', r.id);
  args.push('repoclosure');
  const out = spawnSync('dnf', args, { encoding: 'utf8', env: { ...process.env, HOME: home }, timeout: 300_000 });
  assert.ok(out.status === 0 || out.status === 1, `dnf failed (${out.status}): ${out.stderr}`);
  const report: Report = new Map();
  let current: string[] | undefined;
  for (const line of out.stdout.split('\n')) {
    const pkg = /^package: (.+)$/.exec(line);
    if (pkg?.[1] !== undefined) {
      current = [];
      report.set(pkg[1], current);
    } else if (line.startsWith('    ') && current) current.push(line.slice(4));
  }
  for (const deps of report.values()) deps.sort();
  assert.equal(out.status, report.size > 0 ? 1 : 0, `dnf exit status ${out.status} with ${report.size} packages reported`);
  return report;
}

/** Our closure over the same repositories, read through our repodata reader. */
async function ourClosure(list: Repo[], arch = machine()): Promise<Report> {
  const checker = new ClosureChecker({ arch });
  for (const r of list) {
    const source = await openRepository(r.dir);
    for await (const p of source.packages({ filelists: true, other: false })) checker.add(p, r.id);
  }
  return new Map(checker.check().map((u) => [`${u.package} from ${u.repo}`, u.unresolved]));
}

function sortedEntries(r: Report): Array<[string, string[]]> {
  return [...r.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

async function assertSameAsDnf(list: Repo[], forcearch?: string): Promise<Report> {
  const theirs = dnfRepoclosure(list, forcearch);
  const ours = await ourClosure(list, forcearch);
  assert.deepEqual(sortedEntries(ours), sortedEntries(theirs));
  return ours;
}

describe('closure equals dnf repoclosure', { skip: machine() !== 'x86_64' && 'the hand-made repository assumes an x86_64 host' }, () => {
  let brokenInSet: Map<string, string[]>;

  before(() => {
    const set = makePackageSet(repos.set.dir, 300, { brokenDeps: 24, seed: 11 });
    brokenInSet = new Map(set.filter((e) => e.brokenRequires.length > 0).map((e) => [`${e.name}-${e.evr.replace(/^0:/, '')}.${e.arch}`, e.brokenRequires]));
    writeRepo(repos.hand.dir, handPackages());
    const { app, base } = appAndBase();
    writeRepo(repos.app.dir, app);
    writeRepo(repos.base.dir, base);
    for (const r of Object.values(repos)) createrepo(r.dir);
  });

  test('a generated set with broken versioned, soname and file requirements', async () => {
    const ours = await assertSameAsDnf([repos.set]);
    assert.equal(ours.size, 24);
    for (const [nevra, broken] of brokenInSet) assert.deepEqual(ours.get(`${nevra} from set`), broken, nevra);
  });

  test('rich, file, versioned, epoch, source and foreign-architecture cases', async () => {
    const ours = await assertSameAsDnf([repos.hand]);
    assert.ok(ours.has('srcpkg-1.0-1.src from hand'), 'source packages are checked');
    assert.ok(ours.has('armpkg-1.0-1.aarch64 from hand'), 'foreign packages are checked');
    assert.ok(!ours.has('closed-1.0-1.noarch from hand'));
    assert.deepEqual(ours.get('user-multi-1.0-1.noarch from hand'), ['mcap = 3.0', 'multi > 2.0']);
    assert.deepEqual(ours.get('user-odd-1.0-1.x86_64 from hand'), ['lefty >= 1', 'lv >= 1', 'righty', 'rv']);
    const rich = ours.get('user-rich-1.0-1.noarch from hand') ?? [];
    assert.equal(rich.filter((d) => d === '(a1 and b1 and c1)').length, 2, 'two requirements that print alike');
  });

  test('a forced machine architecture (dnf --forcearch=aarch64): x86_64 and i686 packages provide nothing', async () => {
    const ours = await assertSameAsDnf([repos.hand], 'aarch64');
    assert.ok(ours.get('user-files-1.0-1.noarch from hand')?.includes('/usr/share/prov/data.txt'));
    assert.equal(ours.has('user-arch-1.0-1.x86_64 from hand'), true);
    assert.equal(ours.get('user-arch-1.0-1.x86_64 from hand')?.includes('armcap'), false);
  });

  test('one repository alone, then satisfied by another', async () => {
    const alone = await assertSameAsDnf([repos.app]);
    assert.equal(alone.get('app-1.0-1.x86_64 from app')?.length, 5);
    const together = await assertSameAsDnf([repos.app, repos.base]);
    assert.equal(together.has('app-1.0-1.x86_64 from app'), false);
    assert.deepEqual(together.get('app-extra-1.0-1.x86_64 from app'), ['app-missing', 'base-lib >= 3.0']);
  });

  test('all repositories together', async () => {
    await assertSameAsDnf([repos.set, repos.hand, repos.app, repos.base]);
  });
});
