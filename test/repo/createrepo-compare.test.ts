/**
 * Our metadata against createrepo_c's for the same files: byte-identical primary, filelists and
 * other XML for generated package sets (dependencies of every kind, rich and file dependencies,
 * libc requirements, duplicate and self-satisfied requirements, long and same-time changelogs,
 * ghosts, XML special characters, nested directories), and the same `dnf repoquery` answers (NEVRA,
 * location, source RPM, sizes, every dependency kind, file lists) for those and for the corpus.
 *
 * Known, deliberate differences with createrepo_c 0.17 (the host's; checked separately here):
 * - `pre="1"` also marks %pretrans/%posttrans requirements, as createrepo_c ≥ 1.1.1 does;
 * - rpm 6 packages' archive size comes from PAYLOADSIZEALT (0.17 does not know the tag: 0);
 * - text that is not UTF-8 is read as Latin-1 whole (0.17 drops the bytes 0x80–0xBF).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { createRepository } from '../../src/repo/create/create.ts';
import { FileFlag, Sense } from '../../src/rpm/tags.ts';
import { rpmFileName, writeRpm, type RpmSpec } from '../../src/rpm/writer.ts';
import { CORPUS_RPMS } from '../support/corpus.ts';
import { REPOQUERY_EVERYTHING, dnfQuery } from '../support/dnf-query.ts';
import { makePackageSet } from '../support/package-set.ts';
import { PLAIN_NAMES } from '../support/plain-names.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-crc-'));
after(() => rmSync(work, { recursive: true, force: true }));

const GE = Sense.GREATER | Sense.EQUAL;
const base = { summary: 'x', description: 'x', license: 'MIT', buildtime: 1_700_000_000 };

/** Packages that exercise createrepo_c's rules one by one. */
const SPECIAL: RpmSpec[] = [
  {
    ...base,
    name: 'rules',
    epoch: 3,
    version: '2.0~rc1^git5',
    release: '1.el9',
    arch: 'x86_64',
    summary: 'Ampersand & <angle> "quotes" \'apostrophes\' – ünïcödé ✓ 🎉',
    description: 'Line one\nline two\twith tab\r\nand CRLF & <b>',
    url: 'https://example.com/?a=1&b=2',
    vendor: 'Vendor "Q" & Co',
    packager: 'Pack Ager <pa@example.com>',
    group: 'System/Tools',
    files: [
      { path: '/etc/rules.conf', data: 'a', flags: FileFlag.CONFIG },
      { path: '/usr/bin/rules', mode: 0o100755, data: 'b' },
      { path: '/usr/sbin/rulesd', mode: 0o100755, data: 'c' },
      { path: '/opt/x/bin/tool', mode: 0o100755, data: 'd' },
      { path: '/usr/lib/sendmail', data: 'e' },
      { path: '/usr/share/rules', mode: 0o40755 },
      { path: '/usr/share/rules/ghost.log', flags: FileFlag.GHOST },
      { path: '/usr/share/rules/ünï cödé & <x>.txt', data: 'f' },
      { path: '/usr/share/rules/ünï&<x>.txt', data: 'g' },
      { path: '/usr/share/rules/link', linkto: 'ünï cödé & <x>.txt' },
    ],
    provides: [
      { name: 'rules-api', flags: Sense.EQUAL, evr: '2:1.5-3' },
      { name: 'rules-cap(x86-64)' },
      { name: 'same-as-require', flags: Sense.EQUAL, evr: '1.0' },
    ],
    requires: [
      { name: 'rpmlib(CompressedFileNames)', flags: Sense.LESS | Sense.EQUAL | Sense.RPMLIB, evr: '3.0.4-1' },
      { name: '/usr/bin/rules' },
      { name: '/usr/share/rules/ünï&<x>.txt' },
      { name: '/usr/bin/other-tool' },
      { name: 'same-as-require', flags: Sense.EQUAL, evr: '1.0' },
      { name: 'dup', flags: GE, evr: '1' },
      { name: 'dup', flags: GE, evr: '1' },
      { name: 'dup', flags: GE, evr: '2' },
      { name: 'dup', flags: GE, evr: '1' },
      { name: 'libc.so.6()(64bit)' },
      { name: 'libc.so.6(GLIBC_2.34)(64bit)' },
      { name: 'libc.so.6(GLIBC_2.2.5)(64bit)' },
      { name: 'libm.so.6(GLIBC_2.29)(64bit)' },
      { name: 'pre-req', flags: Sense.SCRIPT_PRE },
      { name: 'post-req', flags: Sense.SCRIPT_POST | GE, evr: '0:1-2' },
      { name: 'preun-req', flags: Sense.SCRIPT_PREUN },
      { name: '(rich-a >= 1.0 with rich-a < 2.0)' },
      { name: '(rich-b if rich-c else rich-d)' },
    ],
    conflicts: [{ name: 'old-rules', flags: Sense.LESS, evr: '1:1.0' }],
    obsoletes: [{ name: 'rules-legacy', flags: Sense.LESS | Sense.EQUAL, evr: '1.9-9' }],
    recommends: [{ name: 'rules-doc' }, { name: '(rules-gui if xorg)' }],
    suggests: [{ name: 'rules-extra', flags: GE, evr: '2' }],
    supplements: [{ name: '(rules and kernel)' }],
    enhances: [{ name: 'kernel' }],
    changelog: Array.from({ length: 14 }, (_v, i) => ({
      time: 1_600_000_000 + (i < 4 ? 0 : i) * 86_400,
      author: `Dev ${i} <dev${i}@example.com> - 1.${i}   `,
      text: `- change ${i} & <stuff>`,
    })).reverse(),
  },
  {
    // Plain names: written from the header's bytes (src/repo/create/file-lines.ts), the primary
    // subset decided per directory.
    ...base,
    name: 'rules-plain',
    version: '1',
    release: '1',
    arch: 'x86_64',
    ...PLAIN_NAMES,
  },
  { ...base, name: 'src-thing', version: '1', release: '1', arch: 'src', files: [{ path: 'src-thing.spec', data: 'Name: src-thing' }], requires: [{ name: 'gcc' }] },
  { ...base, name: 'empty-pkg', version: '0', release: '0', arch: 'noarch' },
];

const setDir = join(work, 'set');
const setOut = join(work, 'set-createrepo');

function createrepoC(dir: string, out: string): void {
  mkdirSync(out, { recursive: true });
  execFileSync('createrepo_c', ['--no-database', '--outputdir', out, dir], { stdio: 'ignore' });
}

function openXml(dir: string, type: string): string {
  const names = readdirSync(join(dir, 'repodata')).filter((f) => f.includes(`-${type}.xml`));
  assert.equal(names.length, 1, `one ${type} file in ${dir}`);
  const name = names[0] as string;
  const raw = join(dir, 'repodata', name);
  if (name.endsWith('.gz')) return gunzipSync(execFileSync('cat', [raw])).toString('utf8');
  return execFileSync('zstd', ['-dcq', raw]).toString('utf8');
}

async function repoquery(name: string, url: string): Promise<string> {
  const r = await dnfQuery(join(work, `dnf-${name}`), [{ id: 'r', url }], ['repoquery', '--qf', REPOQUERY_EVERYTHING]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes('=== '), `dnf listed packages for ${name}`);
  return r.stdout;
}

before(async () => {
  makePackageSet(join(setDir, 'Packages'), 250, { seed: 11 });
  mkdirSync(join(setDir, 'extra', 'nested'), { recursive: true });
  for (const s of SPECIAL) writeRpm(join(setDir, 'extra', 'nested', rpmFileName(s)), s);
  await createRepository(setDir, { compression: 'zstd' });
  createrepoC(setDir, setOut);
});

describe('same metadata as createrepo_c', () => {
  for (const type of ['primary', 'filelists', 'other']) {
    test(`${type}.xml is byte-identical for a generated set (${type})`, () => {
      const ours = openXml(setDir, type);
      const theirs = openXml(setOut, type);
      if (ours !== theirs) {
        const a = ours.split('\n');
        const b = theirs.split('\n');
        const i = a.findIndex((l, k) => l !== b[k]);
        assert.fail(`first difference at line ${i + 1}:\n ours:   ${a[i]}\n theirs: ${b[i]}`);
      }
    });
  }

  test('dnf repoquery answers the same for a generated set', async () => {
    assert.equal(await repoquery('set-ours', `file://${setDir}`), await repoquery('set-theirs', `file://${setOut}`));
  });

  test('dnf repoquery answers the same for the corpus', async () => {
    const dir = join(work, 'corpus');
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    CORPUS_RPMS.forEach((f, i) => copyFileSync(f, join(dir, i % 2 ? 'a/b' : '', basename(f))));
    await createRepository(dir, { compression: 'gz' });
    const out = join(work, 'corpus-createrepo');
    createrepoC(dir, out);
    assert.equal(await repoquery('corpus-ours', `file://${dir}`), await repoquery('corpus-theirs', `file://${out}`));
  });
});
