/**
 * `distforge errata …` as a user runs it (the real bin/distforge) against a real master: create
 * with every option, show (text, --json, --osv), list, update, approve, retract, delete; and bad
 * input to each command: one line on stderr, exit 1, nothing on stdout, nothing changed; a server
 * that does not answer.
 */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { markReleased, type AdvisoryPage, type AdvisoryRecord, type OsvDocument } from '../../src/errata/index.ts';
import { runCli, type CliResult } from '../support/cli.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { addBuiltPackages, errataRows, packageSpec, startErrataServer, type ErrataServer } from './support.ts';

describe(`distforge errata (${TEST_DIALECT})`, () => {
  let server: ErrataServer;
  let nevras: string[] = [];
  let id = '';

  before(async () => {
    server = await startErrataServer();
    nevras = (await addBuiltPackages(server, 'example-el9', [packageSpec('foo', '1.0', '2.el9', 'x86_64'), packageSpec('foo', '1.0', '2.el9', 'src'), packageSpec('bar', '2.0', '1.el9', 'noarch')])).map((f) => f.nevra);
  });
  after(() => server.close());

  const cli = (args: string[], token: string | null = server.maintainer): Promise<CliResult> =>
    runCli(['errata', ...args], { env: { DISTFORGE_URL: server.url, DISTFORGE_TOKEN: token ?? '' } });
  const ok = async (args: string[], token?: string | null): Promise<string> => {
    const r = await cli(args, token);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, '');
    return r.stdout;
  };

  test('create with every option prints the id; show prints it for people, as JSON and as OSV', async () => {
    const out = await ok([
      'create', '--platform', 'example-el9', '--type', 'security', '--severity', 'Important', '--title', 'Important: foo security update',
      '--cve', 'CVE-2026-1234', 'CVE-2026-5678', '--package', nevras[0] ?? '', nevras[1] ?? '',
      '--description', 'A flaw was found in foo.', '--solution', 'dnf update foo', '--reboot-suggested',
      '--upstream', 'RHSA-2026:1234=https://access.redhat.com/errata/RHSA-2026:1234', '--bugzilla', '2001=https://bugzilla.example/2001', '--bugzilla', '2002',
    ]);
    assert.match(out, /^DFSA-\d{4}:0001\n$/);
    id = out.trim();
    const a = JSON.parse(await ok(['show', id, '--json'], server.reader)) as AdvisoryRecord;
    assert.deepEqual([a.state, a.type, a.severity, a.rebootSuggested, a.solution], ['draft', 'security', 'Important', true, 'dnf update foo']);
    assert.deepEqual(a.references.map((r) => `${r.type} ${r.id} ${r.href ?? '-'}`), [
      'cve CVE-2026-1234 -', 'cve CVE-2026-5678 -', 'upstream RHSA-2026:1234 https://access.redhat.com/errata/RHSA-2026:1234', 'bugzilla 2001 https://bugzilla.example/2001', 'bugzilla 2002 -',
    ]);
    assert.deepEqual(a.packages.map((p) => p.nevra), [nevras[0], nevras[1]]);
    const text = await ok(['show', id], server.reader);
    assert.match(text, new RegExp(`^${id}: security \\(Important\\), draft\\ntitle: Important: foo security update\\nplatform: example-el9\\ncreated .* by maint\\n`));
    assert.match(text, /^packages:\n {2}foo-1\.0-2\.el9\.x86_64\n {2}foo-1\.0-2\.el9\.src$/m);
    const osv = JSON.parse(await ok(['show', id, '--osv'], server.reader)) as OsvDocument;
    assert.deepEqual([osv.id, osv.aliases, osv.related, osv.affected.length], [id, ['CVE-2026-1234', 'CVE-2026-5678'], ['RHSA-2026:1234'], 1]);
    const json = JSON.parse(await ok(['create', '--platform', 'example-el9', '--type', 'bugfix', '--title', 'bar bug fix', '--package', nevras[2] ?? '', '--json'])) as AdvisoryRecord;
    assert.match(json.id, /^DFBA-\d{4}:0001$/);
  });

  test('list: a table, or JSON; without a token only released ones', async () => {
    const table = await ok(['list', '--platform', 'example-el9'], server.reader);
    const lines = table.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^ID +TYPE +SEVERITY +STATE +PLATFORM +CVES +TITLE$/);
    assert.ok(lines.some((l) => new RegExp(`^${id} +security +Important +draft +example-el9 +CVE-2026-1234,CVE-2026-5678 +Important: foo security update$`).test(l)), table);
    const page = JSON.parse(await ok(['list', '--json', '--type', 'bugfix'], server.reader)) as AdvisoryPage;
    assert.deepEqual(page.advisories.map((a) => a.type), ['bugfix']);
    const byCve = JSON.parse(await ok(['list', '--json', '--cve', 'CVE-2026-5678'], server.reader)) as AdvisoryPage;
    assert.deepEqual(byCve.advisories.map((a) => a.id), [id]);
    const bySource = JSON.parse(await ok(['list', '--json', '--package', 'bar', '--state', 'draft'], server.reader)) as AdvisoryPage;
    assert.deepEqual(bySource.advisories.map((a) => a.type), ['bugfix']);
    const anonymous = JSON.parse(await ok(['list', '--json'], null)) as AdvisoryPage;
    assert.deepEqual(anonymous.advisories, []);
    // --server and --token instead of the environment.
    const flags = await runCli(['errata', 'list', '--limit', '1', '--server', server.url, '--token', server.reader], { env: { DISTFORGE_URL: '', DISTFORGE_TOKEN: '' } });
    assert.equal(flags.code, 0, flags.stderr);
    assert.equal(flags.stdout.trimEnd().split('\n').length, 2, flags.stdout);
  });

  test('update, approve (admin), release, amend, retract (admin), delete a draft', async () => {
    assert.equal(await ok(['update', id, '--add-cve', 'CVE-2026-9999', '--remove-package', nevras[1] ?? '', '--no-reboot-suggested']), `${id}: draft\n`);
    const approved = JSON.parse(await ok(['approve', id, '--json'], server.adminToken)) as AdvisoryRecord;
    assert.deepEqual([approved.state, approved.approvedBy], ['approved', 'admin']);
    await markReleased(server.ctx, [id], { releaseId: 1, at: server.ctx.now() });
    const anonymous = JSON.parse(await ok(['list', '--json'], null)) as AdvisoryPage;
    assert.deepEqual(anonymous.advisories.map((a) => [a.id, a.state]), [[id, 'released']], 'released: anyone lists it');
    assert.match(await ok(['show', id], null), /^issued \d{4}-\d\d-\d\d \d\d:\d\d, updated \d{4}-\d\d-\d\d \d\d:\d\d \(release 1\)$/m);
    const amended = JSON.parse(await ok(['update', id, '--upstream', 'RHSA-2026:5555=https://access.redhat.com/errata/RHSA-2026:5555', '--description', 'Named upstream.', '--json'])) as AdvisoryRecord;
    assert.deepEqual([amended.state, amended.description, amended.rebootSuggested], ['released', 'Named upstream.', false]);
    assert.deepEqual(amended.references.map((r) => r.id), ['CVE-2026-1234', 'CVE-2026-5678', 'RHSA-2026:1234', '2001', '2002', 'CVE-2026-9999', 'RHSA-2026:5555']);
    assert.deepEqual(amended.packages.map((p) => p.nevra), [nevras[0]]);
    assert.equal(await ok(['retract', id, '--reason', 'superseded'], server.adminToken), `${id}: retracted\n`);
    assert.match(await ok(['show', id], server.reader), /^retracted .* by admin: superseded$/m);
    const withdrawn = JSON.parse(await ok(['show', id, '--osv'], null)) as OsvDocument;
    assert.ok(withdrawn.withdrawn !== undefined && withdrawn.published !== undefined, 'retracted after its release: public, withdrawn');
    const draft = (await ok(['create', '--platform', 'example-el9', '--type', 'enhancement', '--title', 'x', '--package', nevras[2] ?? ''])).trim();
    assert.equal(await ok(['delete', draft]), `${draft}: deleted\n`);
  });

  test('bad input to every command: one line on stderr, exit 1, nothing changed', async () => {
    const bug = (await ok(['list', '--json', '--type', 'bugfix'], server.reader)).match(/DFBA-\d{4}:\d{4}/)?.[0] ?? '';
    const cases: [string[], RegExp, (string | null)?][] = [
      [['create', '--type', 'security', '--title', 't', '--package', nevras[0] ?? ''], /^distforge: give --platform$/],
      [['create', '--platform', 'example-el9', '--type', 'security', '--title', 't'], /^distforge: give at least one --package NEVRA$/],
      [['create', '--platform', 'example-el9', '--type', 'critical', '--title', 't', '--package', 'a-1-1.x86_64'], /^distforge: --type must be one of security, bugfix, enhancement, newpackage, not "critical"$/],
      [['create', '--platform', 'example-el9', '--type', 'security', '--severity', 'High', '--title', 't', '--package', 'a-1-1.x86_64'], /^distforge: --severity must be one of Critical, Important, Moderate, Low, not "High"$/],
      [['create', '--platform', 'example-el9', '--type', 'security', '--title', 't', '--package', nevras[0] ?? ''], /^distforge: severity: a security advisory needs a severity/],
      [['create', '--platform', 'example-el9', '--type', 'bugfix', '--title', 't', '--package', 'foo-9-9.el9.x86_64'], /^distforge: package foo-9-9\.el9\.x86_64 is not a built package of platform example-el9$/],
      [['create', '--platform', 'example-el9', '--type', 'bugfix', '--title', 't', '--package', nevras[0] ?? '', '--upstream', '=https://x.example'], /^distforge: --upstream takes ID or ID=URL, not "=https:\/\/x\.example"$/],
      [['create', '--platform', 'example-el9', '--type', 'bugfix', '--title', 't', '--package', nevras[0] ?? '', '--cve', 'CVE-1'], /^distforge: references\[0\]\.id: "CVE-1" is not a CVE id/],
      [['create', '--platform', 'nope', '--type', 'bugfix', '--title', 't', '--package', nevras[0] ?? ''], /^distforge: no platform named "nope"$/],
      [['create', '--platform', 'example-el9', '--type', 'bugfix', '--title', 't', '--package', nevras[0] ?? ''], /^distforge: this command needs a token: pass --token TOKEN or set DISTFORGE_TOKEN$/, null],
      [['create', '--platform', 'example-el9', '--type', 'bugfix', '--title', 't', '--package', nevras[0] ?? ''], /^distforge: this call needs the maintainer role; reader is read-only$/, server.reader],
      [['update', 'DFSA-1'], /^distforge: "DFSA-1" is not an advisory id \(e\.g\. DFSA-2026:0001\)$/],
      [['update', bug], /^distforge: nothing to change: give an option/],
      [['update', bug, '--severity', 'Huge'], /^distforge: --severity must be one of Critical, Important, Moderate, Low, none, not "Huge"$/],
      [['update', id, '--title', 'late'], /^distforge: advisory DFSA-\d{4}:0001 is retracted: it cannot be changed$/],
      [['update', bug, '--add-package', 'foo-9-9.el9.x86_64'], /^distforge: package foo-9-9\.el9\.x86_64 is not a built package of platform example-el9$/],
      [['update', bug, '--add-package', 'foo'], /^distforge: addPackages\[0\]: "foo" is not name-\[epoch:\]version-release\.arch$/],
      [['update', bug, '--title', 'x'], /^distforge: this call needs the maintainer role; reader is read-only$/, server.reader],
      [['update', bug, '--bugzilla', 'abc'], /^distforge: references\[0\]\.id: "abc" is not a bug number$/],
      [['approve', 'x'], /^distforge: "x" is not an advisory id/],
      [['approve', bug], /^distforge: this call needs the admin role; maint is maintainer$/],
      [['approve', 'DFSA-1999:0001'], /^distforge: no advisory DFSA-1999:0001$/, server.adminToken],
      [['retract', bug], /^distforge: this call needs the admin role; maint is maintainer$/],
      [['retract', bug], /^distforge: advisory DFBA-\d{4}:0001 is draft: it cannot become retracted \(delete a draft instead\)$/, server.adminToken],
      [['retract', id], /^distforge: advisory DFSA-\d{4}:0001 is retracted: it cannot become retracted$/, server.adminToken],
      [['delete', id], /^distforge: advisory DFSA-\d{4}:0001 is retracted: only drafts can be deleted$/],
      [['delete', '../x'], /^distforge: "\.\.\/x" is not an advisory id/],
      [['delete', bug], /^distforge: this call needs the maintainer role; reader is read-only$/, server.reader],
      [['delete', bug], /^distforge: this command needs a token: pass --token TOKEN or set DISTFORGE_TOKEN$/, null],
      [['list', '--limit', '0'], /^distforge: --limit must be a number from 1 to 500, not "0"$/],
      [['list', '--limit', 'ten'], /^distforge: --limit must be a number from 1 to 500, not "ten"$/],
      [['list', '--state', 'published'], /^distforge: --state must be one of draft, approved, released, retracted, not "published"$/],
      [['list', '--type', 'x'], /^distforge: --type must be one of/],
      [['show', 'nope'], /^distforge: "nope" is not an advisory id/],
      [['show', 'DFSA-1999:0001'], /^distforge: no advisory DFSA-1999:0001$/],
      [['show', bug], /^distforge: advisory DFBA-\d{4}:0001 is not released: a user token is required$/, null],
      [['show', bug, '--osv'], /^distforge: advisory DFBA-\d{4}:0001 is not released: a user token is required$/, null],
    ];
    const before = await errataRows(server);
    for (const [args, message, token] of cases) {
      const r = await cli(args, token === undefined ? server.maintainer : token);
      assert.equal(r.code, 1, `${args.join(' ')}: exit ${r.code}, ${r.stderr}`);
      assert.equal(r.stdout, '', args.join(' '));
      assert.equal(r.stderr.split('\n').length, 2, `one line: ${r.stderr}`);
      assert.match(r.stderr.trimEnd(), message, args.join(' '));
    }
    assert.equal(await errataRows(server), before);
  });

  test('a server that does not answer: one line, exit 1', async () => {
    const free = createServer();
    await new Promise<void>((done) => free.listen(0, '127.0.0.1', done));
    const { port } = free.address() as AddressInfo;
    await new Promise<void>((done) => free.close(() => done()));
    const r = await runCli(['errata', 'list', '--server', `http://127.0.0.1:${port}`], { env: { DISTFORGE_URL: '', DISTFORGE_TOKEN: '' } });
    assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', `distforge: cannot reach http://127.0.0.1:${port}: connection refused\n`]);
  });
});
