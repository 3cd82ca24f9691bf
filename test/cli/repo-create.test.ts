/**
 * `distforge repo create` as a user runs it: what it prints, what --update reuses, and one clear
 * line for every kind of bad input, with repodata/ left exactly as it was.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../support/cli.ts';
import { corpusKey, corpusRpm } from '../support/corpus.ts';
import { makePackageSet } from '../support/package-set.ts';
import { rpmFileName, writeRpm } from '../../src/rpm/writer.ts';
import { setTimeout as sleep } from 'node:timers/promises';

const work = mkdtempSync(join(tmpdir(), 'distforge-repo-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));
let seq = 0;

/** A fresh repository directory with `n` generated packages. */
function repoDir(n = 5): string {
  const dir = join(work, `repo-${seq++}`);
  makePackageSet(join(dir, 'Packages'), n, { seed: 2 });
  return dir;
}

/** The uncompressed primary.xml of a gzip repository. */
function primaryXml(dir: string): string {
  const name = readdirSync(join(dir, 'repodata')).filter((f) => f.endsWith('-primary.xml.gz'));
  const latest = name.map((f) => join(dir, 'repodata', f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0] as string;
  const repomd = readFileSync(join(dir, 'repodata', 'repomd.xml'), 'utf8');
  const href = /<data type="primary">[\s\S]*?<location href="repodata\/([^"]+)"/.exec(repomd)?.[1] ?? latest;
  return gunzipSync(readFileSync(join(dir, 'repodata', href))).toString('utf8');
}

/** Names and contents of repodata/, to check that a failed run changed nothing. */
function snapshot(dir: string): Map<string, string> {
  const rd = join(dir, 'repodata');
  const m = new Map<string, string>();
  if (!existsSync(rd)) return m;
  for (const f of readdirSync(rd)) m.set(f, readFileSync(join(rd, f)).toString('base64'));
  return m;
}

describe('repo create', () => {
  let dir: string;
  before(() => {
    dir = repoDir(8);
  });

  test('writes repodata and says what it wrote', async () => {
    const r = await runCli(['repo', 'create', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /: 8 packages \(8 read, 0 reused\)\n/);
    assert.match(r.stdout, /primary +repodata\/[0-9a-f]{64}-primary\.xml\.zst/);
    const names = readdirSync(join(dir, 'repodata')).sort();
    assert.equal(names.length, 4);
    assert.ok(names.includes('repomd.xml'));
    assert.equal(r.stderr, '');
  });

  test('--update reads only new or changed files', async () => {
    copyFileSync(corpusRpm('Archer-3.4.5-6.x86_64.rpm'), join(dir, 'Archer.rpm'));
    let r = await runCli(['repo', 'create', '--update', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /: 9 packages \(1 read, 8 reused\)/);
    const one = readdirSync(join(dir, 'Packages'))[0] as string;
    const path = join(dir, 'Packages', one);
    const t = statSync(path).mtime;
    utimesSync(path, t, new Date(t.getTime() + 5000));
    r = await runCli(['repo', 'create', '--update', dir]);
    assert.match(r.stdout, /: 9 packages \(1 read, 8 reused\)/);
    r = await runCli(['repo', 'create', dir]);
    assert.match(r.stdout, /: 9 packages \(9 read, 0 reused\)/);
  });

  test('--update on a repository made by createrepo_c reuses its metadata and gives the same result', async () => {
    const d = repoDir(6);
    execFileSync('createrepo_c', ['--no-database', d], { stdio: 'ignore' });
    const r = await runCli(['repo', 'create', '--update', '--compress', 'gz', d]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /: 6 packages \(0 read, 6 reused\)/);
    const fromOld = primaryXml(d);
    assert.equal((await runCli(['repo', 'create', '--compress', 'gz', d])).code, 0);
    assert.equal(primaryXml(d), fromOld, 'the same XML as reading every RPM again');
  });

  test('--update keeps advisories, groups and modules it is not given again', async () => {
    const d = repoDir(2);
    const fixtures = join(import.meta.dirname, '../fixtures/repo');
    const first = await runCli(['repo', 'create', '--updateinfo', join(fixtures, 'advisories.yaml'), '--groups', join(fixtures, 'comps.xml'), '--modules', join(fixtures, 'modules.yaml'), d]);
    assert.equal(first.code, 0, first.stderr);
    const extras = (out: string): string[] => out.split('\n').filter((l) => /^ {2}(updateinfo|group|group_gz|modules) /.test(l)).sort();
    assert.equal(extras(first.stdout).length, 4);
    const again = await runCli(['repo', 'create', '--update', d]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(extras(again.stdout), extras(first.stdout));
    const repomd = readFileSync(join(d, 'repodata', 'repomd.xml'), 'utf8');
    for (const t of ['updateinfo', 'group', 'group_gz', 'modules']) assert.match(repomd, new RegExp(`<data type="${t}">`));
  });

  test('a signed repository has repomd.xml.asc', async () => {
    const d = repoDir(2);
    const r = await runCli(['repo', 'create', '--sign-key', corpusKey('rpm.org-ed25519-test.secret'), d]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(readFileSync(join(d, 'repodata', 'repomd.xml.asc'), 'utf8'), /^-----BEGIN PGP SIGNATURE-----/);
    // Re-publishing without a key removes the stale signature rather than leave a wrong one.
    assert.equal((await runCli(['repo', 'create', d])).code, 0);
    assert.ok(!existsSync(join(d, 'repodata', 'repomd.xml.asc')));
  });
});

describe('repo create: bad input changes nothing and says what is wrong', () => {
  test('a directory that does not exist', async () => {
    const r = await runCli(['repo', 'create', join(work, 'nope')]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `distforge: ${join(work, 'nope')}: no such directory\n`);
    assert.ok(!existsSync(join(work, 'nope')));
  });

  test('a file instead of a directory', async () => {
    const f = join(work, 'plain-file');
    writeFileSync(f, 'x');
    const r = await runCli(['repo', 'create', f]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `distforge: ${f}: not a directory\n`);
  });

  for (const [what, damage] of [
    ['truncated', (b: Buffer) => b.subarray(0, 500)],
    ['not an RPM at all', () => Buffer.from('hello, I am a text file\n')],
    ['with a corrupted header', (b: Buffer) => Buffer.concat([b.subarray(0, 110), Buffer.alloc(8, 0xff), b.subarray(118)])],
  ] as const) {
    test(`a damaged RPM (${what}) among good ones: named, and the previous repodata is untouched`, async () => {
      const d = repoDir(4);
      assert.equal((await runCli(['repo', 'create', d])).code, 0);
      const before = snapshot(d);
      const bad = join(d, 'Packages', 'zz-bad-1.0-1.x86_64.rpm');
      writeFileSync(bad, damage(readFileSync(corpusRpm('Archer-3.4.5-6.x86_64.rpm'))));
      for (const args of [['repo', 'create', d], ['repo', 'create', '--update', d]]) {
        const r = await runCli(args);
        assert.equal(r.code, 1);
        assert.match(r.stderr, new RegExp(`^distforge: ${bad}: not a valid RPM package: .+\\n$`));
        assert.deepEqual(snapshot(d), before);
      }
    });
  }

  test('a damaged RPM in a new repository: no repodata at all', async () => {
    const d = repoDir(2);
    writeFileSync(join(d, 'Packages', 'bad.rpm'), 'nope');
    const r = await runCli(['repo', 'create', d]);
    assert.equal(r.code, 1);
    assert.ok(!existsSync(join(d, 'repodata')));
  });

  test('options with bad values', async () => {
    const d = repoDir(1);
    const cases: [string[], number, RegExp][] = [
      [['--compress', 'lzma'], 2, /argument 'lzma' is invalid/],
      [['--changelog-limit', 'many'], 1, /--changelog-limit must be a whole number/],
      [['--grace', '-5'], 1, /--grace must be a whole number/],
      [['--sign-key', join(work, 'missing.key')], 1, /missing\.key: no such file or directory/],
      [['--sign-key', corpusKey('rpm.org-rsa-2048-test.pub')], 1, /rpm\.org-rsa-2048-test\.pub: /],
      [['--groups', join(work, 'missing-comps.xml')], 1, /missing-comps\.xml: cannot read comps file: ENOENT/],
      [['--updateinfo', join(work, 'missing.yaml')], 1, /missing\.yaml: cannot read advisories: ENOENT/],
    ];
    for (const [args, code, message] of cases) {
      const r = await runCli(['repo', 'create', ...args, d]);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.equal(r.stderr.split('\n').filter(Boolean).length <= 2, true, r.stderr);
      assert.ok(!existsSync(join(d, 'repodata')), args.join(' '));
    }
  });

  test('advisories with mistakes are named by advisory and field', async () => {
    const d = repoDir(1);
    const cases: [string, RegExp][] = [
      ['not: [a list', /not valid YAML or JSON/],
      ['{"id": "X"}', /must be a list of advisories/],
      ['- id: A-1\n  type: security\n  title: t\n', /advisory A-1: missing "issued"/],
      ['- id: A-1\n  type: securty\n  title: t\n  issued: 2026-01-01 00:00:00\n', /advisory A-1: "type" must be one of security, bugfix, enhancement, newpackage, not "securty"/],
      ['- id: A-1\n  type: bugfix\n  title: t\n  issued: yesterday\n', /advisory A-1: "issued" must be "YYYY-MM-DD HH:MM:SS"/],
      ['- id: A-1\n  type: bugfix\n  title: t\n  issued: 2026-01-01\n  collections: [{packages: [{name: foo}]}]\n', /advisory A-1 collection 1 package 1: missing "version"/],
      ['- id: A-1\n  type: bugfix\n  title: t\n  issued: 2026-01-01\n- id: A-1\n  type: bugfix\n  title: u\n  issued: 2026-01-02\n', /advisory A-1 appears twice/],
    ];
    for (const [text, message] of cases) {
      const f = join(work, `adv-${seq++}.yaml`);
      writeFileSync(f, text);
      const r = await runCli(['repo', 'create', '--updateinfo', f, d]);
      assert.equal(r.code, 1, text);
      assert.match(r.stderr, new RegExp(`^distforge: ${f}: `), text);
      assert.match(r.stderr, message, text);
      assert.ok(!existsSync(join(d, 'repodata')));
    }
  });

  test('a second publisher is refused while one holds the lock', async () => {
    const d = repoDir(1);
    mkdirSync(join(d, '.distforge-cache'), { recursive: true });
    // pid 1 exists and is not us: the lock looks held.
    writeFileSync(join(d, '.distforge-cache', 'lock'), '1');
    const r = await runCli(['repo', 'create', d]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /another distforge process \(pid 1\) is publishing this repository/);
    assert.ok(!existsSync(join(d, 'repodata')));
  });
});

describe('repo create: packages hashed while Node starts (bin/distforge, two cores)', () => {
  const FORGED = 'ab'.repeat(32);
  let dir: string;
  let fakeBin: string;
  const pkgIds = (d: string): string[] => [...primaryXml(d).matchAll(/pkgid="YES">([0-9a-f]{64})</g)].map((m) => m[1] as string);
  const realIds = (d: string): string[] =>
    readdirSync(join(d, 'Packages'))
      .sort()
      .map((f) => join(d, 'Packages', f))
      .filter((f) => statSync(f).isFile())
      .map((f) => createHash('sha256').update(readFileSync(f)).digest('hex'));
  const create = (env: NodeJS.ProcessEnv) => runCli(['repo', 'create', '--compress', 'gz', dir], { env });

  before(async () => {
    // Large packages (the calling thread reads them beside the pipeline), older than the margin.
    dir = join(work, `large-${seq++}`);
    mkdirSync(join(dir, 'Packages'), { recursive: true });
    for (let i = 0; i < 6; i++) {
      const spec = { name: `big${i}`, version: '1.0', release: '1', arch: 'x86_64', summary: 's', description: 'd', license: 'MIT', compressor: 'none' as const, files: [{ path: `/usr/share/big${i}/data`, data: randomBytes(96 * 1024) }] };
      writeRpm(join(dir, 'Packages', rpmFileName(spec)), spec);
    }
    // An openssl that vouches for every file with the same made-up digest: what the command takes
    // from the pipeline shows in primary.xml.
    fakeBin = join(work, 'fake-bin');
    mkdirSync(fakeBin, { recursive: true });
    writeFileSync(join(fakeBin, 'openssl'), `#!/bin/sh\n[ "$1 $2 $3" = "dgst -sha256 -r" ] || exit 2\nshift 3\nfor f in "$@"; do echo "${FORGED} *$f"; done\n`);
    chmodSync(join(fakeBin, 'openssl'), 0o755);
    await sleep(1200);
  });

  test('the pkgIds come from the pipeline for files unchanged since it started', async () => {
    const r = await create({ DISTFORGE_PREHASH: '1', PATH: `${fakeBin}:${process.env.PATH ?? ''}` });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(pkgIds(dir), Array(6).fill(FORGED));
  });

  test('a file changed since is hashed by the command; DISTFORGE_PREHASH=0 starts no pipeline', async () => {
    const first = join(dir, 'Packages', readdirSync(join(dir, 'Packages')).sort()[0] as string);
    // A new ctime: the pipeline's digest of it is not trusted.
    utimesSync(first, new Date(), new Date());
    const r = await create({ DISTFORGE_PREHASH: '1', PATH: `${fakeBin}:${process.env.PATH ?? ''}` });
    assert.equal(r.code, 0, r.stderr);
    const real = realIds(dir);
    assert.deepEqual(new Set(pkgIds(dir)), new Set([real[0], FORGED]));
    const off = await create({ DISTFORGE_PREHASH: '0', PATH: `${fakeBin}:${process.env.PATH ?? ''}` });
    assert.equal(off.code, 0, off.stderr);
    assert.deepEqual(new Set(pkgIds(dir)), new Set(real));
  });

  test('with the real openssl, primary, filelists and other are byte for byte createrepo_c\'s', async () => {
    const r = await create({ DISTFORGE_PREHASH: '1' });
    assert.equal(r.code, 0, r.stderr);
    const out = join(work, `createrepo-${seq++}`);
    mkdirSync(out);
    execFileSync('createrepo_c', ['--no-database', '--outputdir', out, dir], { stdio: 'ignore' });
    // The newest file of each type (earlier tests of this block left older generations).
    const xml = (d: string, type: string): string => {
      const href = new RegExp(`<data type="${type}">[\\s\\S]*?<location href="repodata/([^"]+)"`).exec(readFileSync(join(d, 'repodata', 'repomd.xml'), 'utf8'))?.[1];
      assert.ok(href, `${type} in ${d}`);
      return gunzipSync(readFileSync(join(d, 'repodata', href))).toString('utf8');
    };
    for (const type of ['primary', 'filelists', 'other']) assert.equal(xml(dir, type), xml(out, type), type);
  });

  test('the pipeline does not outlive the command: small packages, an option refused by the command or by its parser', async () => {
    const slowBin = join(work, 'slow-bin');
    mkdirSync(slowBin, { recursive: true });
    writeFileSync(join(slowBin, 'openssl'), '#!/bin/sh\necho $$ > "$PIDFILE"\nexec sleep 60\n');
    chmodSync(join(slowBin, 'openssl'), 0o755);
    for (const [args, code] of [[[repoDir(4)], 0], [['--changelog-limit', 'nope', dir], 1], [['--compress', 'bogus', dir], 2]] as const) {
      const pidFile = join(work, `openssl-${seq++}.pid`);
      const r = await runCli(['repo', 'create', ...args], { env: { DISTFORGE_PREHASH: '1', PIDFILE: pidFile, PATH: `${slowBin}:${process.env.PATH ?? ''}` } });
      assert.equal(r.code, code, r.stderr);
      // A pipeline stopped before it reached openssl leaves no pid; one left running would write it
      // soon. One that outlives the command is stopped within 0.1 s of its end (bin/distforge).
      await sleep(500);
      // Small packages: bin/distforge does not start the pipeline at all (a reader thread reads them).
      if (args.at(-1) !== dir) assert.equal(existsSync(pidFile), false, 'no pipeline for small packages');
      if (!existsSync(pidFile)) continue;
      const pid = Number(readFileSync(pidFile, 'utf8'));
      // Gone, or a zombie waiting to be reaped by init: not sleeping on.
      const state = existsSync(`/proc/${pid}/stat`) ? (readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1] ?? '').charAt(0) : 'gone';
      assert.ok(state === 'gone' || state === 'Z', `${args.join(' ')}: the pipeline's openssl (pid ${pid}) is still ${state}`);
    }
  });

  test('sizes are judged on what the scan takes: large files it leaves out start no pipeline, links to large packages do', async () => {
    // Small packages, and large files named like packages where the scan does not look: in a
    // hidden directory, in the top-level repodata/, behind a link to a directory. Counting any
    // of them would make the average large.
    const small = repoDir(4);
    const junk = (d: string): void => {
      mkdirSync(d, { recursive: true });
      for (let i = 0; i < 5; i++) writeFileSync(join(d, `junk${i}-1.0-1.x86_64.rpm`), Buffer.alloc(1 << 20));
    };
    junk(join(small, '.hidden'));
    junk(join(small, 'repodata'));
    junk(join(work, `elsewhere-${seq}`));
    symlinkSync(join(work, `elsewhere-${seq++}`), join(small, 'linked'));
    // Links to large packages: sized as their targets.
    const linked = join(work, `links-${seq++}`);
    mkdirSync(join(linked, 'Packages'), { recursive: true });
    for (const f of readdirSync(join(dir, 'Packages'))) symlinkSync(join(dir, 'Packages', f), join(linked, 'Packages', f));
    await sleep(1200);
    const env = { DISTFORGE_PREHASH: '1', PATH: `${fakeBin}:${process.env.PATH ?? ''}` };
    const smallRun = await runCli(['repo', 'create', '--compress', 'gz', small], { env });
    assert.equal(smallRun.code, 0, smallRun.stderr);
    assert.ok(!pkgIds(small).includes(FORGED), 'no pipeline for small packages');
    const linkedRun = await runCli(['repo', 'create', '--compress', 'gz', linked], { env });
    assert.equal(linkedRun.code, 0, linkedRun.stderr);
    assert.deepEqual(pkgIds(linked), Array(6).fill(FORGED));
  });

  test('a link to a FIFO named like a package holds neither the pipeline nor the command', async () => {
    const d = join(work, `fifo-${seq++}`);
    mkdirSync(join(d, 'Packages'), { recursive: true });
    for (const f of readdirSync(join(dir, 'Packages'))) copyFileSync(join(dir, 'Packages', f), join(d, 'Packages', f));
    execFileSync('mkfifo', [join(d, 'fifo')]);
    execFileSync('ln', ['-s', '../fifo', join(d, 'Packages', 'zz-fifo-1.0-1.x86_64.rpm')]);
    const r = await runCli(['repo', 'create', '--compress', 'gz', d], { env: { DISTFORGE_PREHASH: '1' }, timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /: 6 packages \(6 read, 0 reused\)/);
    assert.deepEqual(new Set(pkgIds(d)), new Set(realIds(d)));
  });

  test('a pipe named by the environment is not taken: only the one bin/distforge starts', async () => {
    const r = await create({ DISTFORGE_PREHASH: '0', DISTFORGE_PREHASH_FD: '0', DISTFORGE_PREHASH_DIR: dir, DISTFORGE_PREHASH_SINCE: '99999999999999999' });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(new Set(pkgIds(dir)), new Set(realIds(dir)));
  });
});
