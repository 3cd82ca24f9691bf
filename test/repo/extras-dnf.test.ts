/**
 * Advisories, comps groups and module streams in a distforge repository, judged by dnf:
 * `repoquery --advisory/--security/--cve` and `updateinfo` read our updateinfo.xml, `group list`
 * our comps, `module list` our modules.yaml. Bad comps or modules files are refused.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../support/cli.ts';
import { corpusRpm } from '../support/corpus.ts';
import { dnfQuery } from '../support/dnf-query.ts';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/repo');
const work = mkdtempSync(join(tmpdir(), 'distforge-extras-'));
const repo = join(work, 'repo');
after(() => rmSync(work, { recursive: true, force: true }));

const dnf = (name: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  dnfQuery(join(work, `dnf-${name}`), [{ id: 'r', url: `file://${repo}` }], args);

before(async () => {
  mkdirSync(repo, { recursive: true });
  copyFileSync(corpusRpm('Archer-3.4.5-6.x86_64.rpm'), join(repo, 'Archer-3.4.5-6.x86_64.rpm'));
  copyFileSync(corpusRpm('RPMS__foo-1.0-1.noarch.rpm'), join(repo, 'foo-1.0-1.noarch.rpm'));
  const r = await runCli([
    'repo', 'create',
    '--groups', join(FIXTURES, 'comps.xml'),
    '--modules', join(FIXTURES, 'modules.yaml'),
    '--updateinfo', join(FIXTURES, 'advisories.yaml'),
    repo,
  ]);
  assert.equal(r.code, 0, r.stderr);
  for (const t of ['updateinfo', 'group ', 'group_gz', 'modules']) assert.match(r.stdout, new RegExp(`  ${t}`));
});

describe('extra metadata read by dnf', () => {
  test('advisories: repoquery by advisory, type and CVE', async () => {
    for (const args of [['--advisory', 'ALSA-2026:0001'], ['--security'], ['--cve', 'CVE-2026-1234']]) {
      const r = await dnf(`adv${args[0]}`, ['repoquery', ...args]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'Archer-2:3.4.5-6.x86_64\n', args.join(' '));
    }
    const none = await dnf('adv-none', ['repoquery', '--advisory', 'ALSA-1999:9999']);
    assert.equal(none.stdout, '');
  });

  test('advisories: updateinfo shows type, title and dates for an installed package', async () => {
    const name = 'updateinfo';
    assert.equal((await dnf(name, ['install', '-y', 'foo'])).code, 0);
    const list = await dnf(name, ['updateinfo', 'list', '--all']);
    assert.match(list.stdout, /ALBA-2026:0002 +bugfix +foo-1\.0-1\.noarch/);
    const info = await dnf(name, ['updateinfo', 'info', '--all']);
    assert.match(info.stdout, /foo bug fix/);
    assert.match(info.stdout, /Updated: 2026-11-02 10:00:00/);
  });

  test('comps: the group and its packages', async () => {
    const r = await dnf('groups', ['group', 'info', 'archery']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Group: Archery/);
    assert.match(r.stdout, /Mandatory Packages:\s+Archer/);
  });

  test('modules: the stream and its default profile', async () => {
    const r = await dnf('modules', ['module', 'list']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /archery +3\.4 \[d\] +default \[d\] +Archery module/);
  });
});

describe('bad comps and modules files are refused before anything is written', () => {
  const cases: [string, string, string, RegExp][] = [
    ['--groups', 'comps.xml', '<comps><group></comps>', /not a valid comps file: .*line 1/],
    ['--groups', 'comps.xml', '<?xml version="1.0"?>\n<groups/>', /not a comps file: the root element is <groups>/],
    ['--modules', 'modules.yaml', 'document: [unclosed', /document 1: not valid YAML/],
    ['--modules', 'modules.yaml', '---\nversion: 2\ndata: {}\n', /document 1: no "document:" type/],
    ['--modules', 'modules.yaml', '', /holds no module documents/],
  ];
  for (const [flag, name, text, message] of cases) {
    test(`${flag} ${JSON.stringify(text.slice(0, 30))}`, async () => {
      const d = join(work, `bad-${Math.random().toString(36).slice(2)}`);
      mkdirSync(d);
      const f = join(d, name);
      writeFileSync(f, text);
      const r = await runCli(['repo', 'create', flag, f, d]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`^distforge: ${f}: `));
      assert.match(r.stderr, message);
      assert.ok(!existsSync(join(d, 'repodata')));
    });
  }
});
