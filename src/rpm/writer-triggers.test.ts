/**
 * File triggers written by the writer, judged by rpm: the same triggers built by rpmbuild from a
 * spec and by the writer give the same `rpm -qp --filetriggers` listing, the same trigger tags and
 * the same interpreter requirements. (Running them is test/bootstrap's: glibc's ldconfig trigger.)
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.ts';
import { readRpmFileSync } from './package-file.ts';
import { Tag } from './tags.ts';
import { buildRpm, writeRpm, type RpmSpec } from './writer.ts';

const tmp = mkdtempSync(join(tmpdir(), 'distforge-writer-triggers-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const SPEC = `Name: ft
Version: 1
Release: 1
Summary: file triggers
License: MIT
BuildArch: noarch
%description
file triggers
%filetriggerin -- /usr/share/foo
echo in
%filetriggerun -P 5 -- /usr/share/bar /usr/share/baz
echo un
%transfiletriggerin -P 2000000 -p /sbin/ldconfig -- /lib /usr/lib /lib64 /usr/lib64
%transfiletriggerpostun -P 2000000 -p /sbin/ldconfig -- /lib /usr/lib /lib64 /usr/lib64
%files
`;

const WRITTEN: RpmSpec = {
  name: 'ft', version: '1', release: '1', arch: 'noarch', summary: 'file triggers', description: 'file triggers', license: 'MIT',
  fileTriggers: [
    { type: 'in', paths: ['/usr/share/foo'], script: 'echo in' },
    { type: 'un', paths: ['/usr/share/bar', '/usr/share/baz'], script: 'echo un', priority: 5 },
    { type: 'in', transaction: true, paths: ['/lib', '/usr/lib', '/lib64', '/usr/lib64'], script: '', interpreter: '/sbin/ldconfig', priority: 2_000_000 },
    { type: 'postun', transaction: true, paths: ['/lib', '/usr/lib', '/lib64', '/usr/lib64'], script: '', interpreter: '/sbin/ldconfig', priority: 2_000_000 },
  ],
};

const TRIGGER_TAGS = Object.entries(Tag).filter(([name]) => name.includes('FILETRIGGER'));

test('file triggers: the writer and rpmbuild give rpm the same triggers, tags and requirements', () => {
  const top = join(tmp, 'top');
  writeFileSync(join(tmp, 'ft.spec'), SPEC);
  run('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${top}`, join(tmp, 'ft.spec')]);
  const theirs = join(top, 'RPMS', 'noarch', readdirSync(join(top, 'RPMS', 'noarch'))[0] ?? '');
  const ours = join(tmp, 'ours.rpm');
  writeRpm(ours, WRITTEN);

  const listing = (f: string): string => run('rpm', ['-qp', '--filetriggers', f]);
  assert.match(listing(ours), /transfiletriggerin scriptlet \(using \/sbin\/ldconfig\) -- \/lib, \/lib64, \/usr\/lib, \/usr\/lib64/);
  assert.equal(listing(ours), listing(theirs));
  const requires = (f: string): string => run('rpm', ['-qp', '--requires', f]);
  assert.equal(requires(ours), requires(theirs));

  const a = readRpmFileSync(ours).header;
  const b = readRpmFileSync(theirs).header;
  for (const [name, tag] of TRIGGER_TAGS) {
    assert.equal(a.has(tag), b.has(tag), `${name} present in one package only`);
    if (!b.has(tag)) continue;
    const type = b.entry(tag)?.type;
    assert.equal(a.entry(tag)?.type, type, `${name} type`);
    const value = (h: typeof a): unknown => (type === 4 ? h.numbers(tag) : h.strings(tag));
    assert.deepEqual(value(a), value(b), name);
  }
});

test('file triggers: bad triggers are refused with the field named', () => {
  const bad = (t: unknown, re: RegExp): void => {
    assert.throws(() => buildRpm({ ...WRITTEN, fileTriggers: [t as never] }), (e: unknown) => e instanceof UsageError && re.test(e.message));
  };
  bad({ type: 'install', paths: ['/x'], script: '' }, /fileTriggers\[0\]\.type/);
  bad({ type: 'in', paths: [], script: '' }, /fileTriggers\[0\]\.paths must be a non-empty list/);
  bad({ type: 'in', paths: ['relative'], script: '' }, /fileTriggers\[0\]\.paths\[0\]/);
  bad({ type: 'in', paths: ['/x'], script: '', interpreter: '/bin/sh -e' }, /fileTriggers\[0\]\.interpreter/);
  bad({ type: 'in', paths: ['/x'], script: '', priority: -1 }, /fileTriggers\[0\]\.priority/);
});
