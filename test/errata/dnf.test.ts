/**
 * Released advisories as the release system will publish them: `releasedAdvisories` →
 * `toRepoAdvisory` (with the repository's package files) → src/repo's createRepository →
 * updateinfo.xml, judged by the real dnf in an isolated root with old versions installed:
 * `updateinfo list` (all, --security), `updateinfo info`, `repoquery --cve`, `--advisory`,
 * `check-update --security`.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { approveAdvisory, markReleased, releasedAdvisories, toRepoAdvisory, type AdvisoryRecord, type RepoFile } from '../../src/errata/index.ts';
import { createRepository } from '../../src/repo/create/create.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { dnfQuery } from '../support/dnf-query.ts';
import { api } from '../support/server.ts';
import { addBuiltPackages, advisoryBody, newAdvisory, packageSpec, startErrataServer, type BuiltFile, type ErrataServer } from './support.ts';

describe(`advisories read by dnf (${TEST_DIALECT})`, () => {
  let server: ErrataServer;
  let repo = '';
  let security: AdvisoryRecord;
  let bugfix: AdvisoryRecord;
  const issued = Date.UTC(2026, 4, 5, 6, 7, 8);

  const dnf = (root: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    dnfQuery(join(server.work, `dnf-${root}`), [{ id: 'r', url: `file://${repo}` }], args);

  before(async () => {
    server = await startErrataServer();
    const files: BuiltFile[] = await addBuiltPackages(server, 'example-el9', [
      packageSpec('foo', '1.0', '1.el9', 'x86_64'),
      packageSpec('foo', '1.0', '2.el9', 'x86_64'),
      packageSpec('foo', '1.0', '2.el9', 'src'),
      packageSpec('bar', '2.0', '1.el9', 'noarch'),
      packageSpec('bar', '2.0', '2.el9', 'noarch'),
    ]);
    const create = (body: Record<string, unknown>): Promise<AdvisoryRecord> => newAdvisory(server, body);
    security = await create(advisoryBody('example-el9', ['foo-1.0-2.el9.x86_64', 'foo-1.0-2.el9.src'], {
      title: 'Important: foo security update',
      description: 'A buffer overflow was found in foo.',
      rebootSuggested: true,
      references: [
        { type: 'cve', id: 'CVE-2026-1234' },
        { type: 'upstream', id: 'RHSA-2026:1234', href: 'https://access.redhat.com/errata/RHSA-2026:1234' },
        { type: 'bugzilla', id: '2001', href: 'https://bugzilla.example/show_bug.cgi?id=2001', title: 'foo overflows' },
      ],
    }));
    bugfix = await create(advisoryBody('example-el9', ['bar-2.0-2.el9.noarch'], { type: 'bugfix', severity: undefined, title: 'bar bug fix update', references: [] }));
    await create(advisoryBody('example-el9', ['bar-2.0-2.el9.noarch'], { title: 'a draft: not published' }));
    const admin = await server.ctx.db.kysely.selectFrom('users').select('id').where('name', '=', 'admin').executeTakeFirstOrThrow();
    for (const a of [security, bugfix]) await approveAdvisory(server.ctx, a.id, admin.id);
    await markReleased(server.ctx, [security.id, bugfix.id], { releaseId: 1, at: issued });

    // The x86_64 repository of the release: binary packages only (the SRPM goes to a source repository).
    repo = join(server.work, 'repo');
    mkdirSync(repo);
    const inRepo = files.filter((f) => !f.filename.endsWith('.src.rpm'));
    for (const f of inRepo) copyFileSync(f.path, join(repo, f.filename));
    const byNevra = new Map<string, RepoFile>(inRepo.map((f) => [f.nevra, { filename: f.filename, src: f.src, sha256: f.sha256 }]));
    const advisories = (await releasedAdvisories(server.ctx, 'example-el9')).map((a) => toRepoAdvisory(a, byNevra));
    // Released together: in id order. The SRPM is not in this repository, so it is left out.
    assert.deepEqual(advisories.map((a) => [a.id, a.collections[0]?.packages.map((p) => p.filename)]), [
      [bugfix.id, ['bar-2.0-2.el9.noarch.rpm']],
      [security.id, ['foo-1.0-2.el9.x86_64.rpm']],
    ]);
    await createRepository(repo, { advisories });
    const installed = await dnf('main', ['install', '-y', 'foo-1.0-1.el9', 'bar-2.0-1.el9']);
    assert.equal(installed.code, 0, installed.stderr);
  });
  after(() => server.close());

  test('updateinfo list: both advisories, with their type; --security: only the security one', async () => {
    const all = await dnf('main', ['updateinfo', 'list']);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, new RegExp(`^${security.id} +Important/Sec\\. +foo-1\\.0-2\\.el9\\.x86_64$`, 'm'));
    assert.match(all.stdout, new RegExp(`^${bugfix.id} +bugfix +bar-2\\.0-2\\.el9\\.noarch$`, 'm'));
    assert.doesNotMatch(all.stdout, /a draft/);
    const sec = await dnf('main', ['updateinfo', 'list', '--security']);
    assert.equal(sec.code, 0, sec.stderr);
    assert.match(sec.stdout, new RegExp(`^${security.id} +Important/Sec\\.`, 'm'));
    assert.doesNotMatch(sec.stdout, new RegExp(bugfix.id));
  });

  test('updateinfo info: title, type, severity, CVE and bug, description, date', async () => {
    const r = await dnf('main', ['updateinfo', 'info', security.id]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Important: foo security update/);
    assert.match(r.stdout, new RegExp(`Update ID: ${security.id}`));
    assert.match(r.stdout, /Type: security/);
    assert.match(r.stdout, /Severity: Important/);
    assert.match(r.stdout, /CVEs: CVE-2026-1234/);
    assert.match(r.stdout, /Bugs: 2001 - foo overflows/);
    assert.match(r.stdout, /Description: A buffer overflow was found in foo\./);
    assert.match(r.stdout, /Updated: 2026-05-05 06:07:08/);
  });

  test('an amended advisory (upstream named later), published again: dnf shows the new description and date', async () => {
    const r = await api<AdvisoryRecord>(server, 'PATCH', `/errata/${security.id}`, {
      token: server.maintainer,
      body: { addReferences: [{ type: 'bugzilla', id: '2002', title: 'foo overflows again' }], description: 'A buffer overflow was found in foo (RHSA-2026:1234).' },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const files = new Map<string, RepoFile>([['foo-1.0-2.el9.x86_64', { filename: 'foo-1.0-2.el9.x86_64.rpm', src: 'foo-1.0-2.el9.src.rpm' }], ['bar-2.0-2.el9.noarch', { filename: 'bar-2.0-2.el9.noarch.rpm', src: 'bar-2.0-2.el9.src.rpm' }]]);
    await createRepository(repo, { advisories: (await releasedAdvisories(server.ctx, 'example-el9')).map((a) => toRepoAdvisory(a, files)), update: true });
    const info = await dnf('main', ['--refresh', 'updateinfo', 'info', security.id]);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /Description: A buffer overflow was found in foo \(RHSA-2026:1234\)\./);
    assert.match(info.stdout, /Bugs: 2001 - foo overflows\n\s+: 2002 - foo overflows again/);
    assert.match(info.stdout, new RegExp(`Updated: ${new Date(r.body.updatedAt ?? 0).toISOString().slice(0, 10)} `));
  });

  test('repoquery --cve and --advisory name the fixed package; check-update --security offers it', async () => {
    for (const args of [['--cve', 'CVE-2026-1234'], ['--advisory', security.id], ['--security']]) {
      const r = await dnf('main', ['repoquery', ...args]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'foo-0:1.0-2.el9.x86_64\n', args.join(' '));
    }
    const none = await dnf('main', ['repoquery', '--cve', 'CVE-1999-0001']);
    assert.equal(none.stdout, '');
    const check = await dnf('main', ['check-update', '--security']);
    assert.equal(check.code, 100, `exit 100: updates available (${check.stderr})`);
    assert.match(check.stdout, /^foo\.x86_64 +1\.0-2\.el9 +r$/m);
    assert.doesNotMatch(check.stdout, /^bar/m);
  });
});
