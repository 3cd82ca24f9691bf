/**
 * The errata API over real HTTP on a real master: creating advisories (numbered per prefix, type
 * letter and year; packages resolved to built packages of the platform with their source
 * package), showing, listing with filters and pages, the platform feeds, and who may do what:
 * maintainers create, edit and delete drafts, admins approve and retract, anyone reads what is or
 * was released, users read everything.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AdvisoryPage, AdvisoryRecord } from '../../src/errata/index.ts';
import { markReleased } from '../../src/errata/index.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api, nodeToken } from '../support/server.ts';
import { addBuiltPackages, advisoryBody, createAdvisory, errataRows, newAdvisory, packageSpec, startErrataServer, type BuiltFile, type ErrataServer } from './support.ts';

describe(`errata API (${TEST_DIALECT})`, () => {
  let server: ErrataServer;
  let el9: BuiltFile[];
  let el8: BuiltFile[];
  let year = 0;

  before(async () => {
    server = await startErrataServer();
    year = new Date(server.ctx.now()).getUTCFullYear();
    el9 = await addBuiltPackages(server, 'example-el9', [
      packageSpec('foo', '1.0', '2.el9', 'src'),
      packageSpec('foo', '1.0', '2.el9', 'x86_64'),
      packageSpec('foo-libs', '1.0', '2.el9', 'x86_64', { source: 'foo', epoch: 1 }),
      packageSpec('bar', '2.0', '1.el9', 'noarch'),
    ]);
    el8 = await addBuiltPackages(server, 'other-el8', [packageSpec('baz', '3', '1.el8', 'x86_64')]);
  });
  after(() => server.close());

  const nevra = (files: BuiltFile[], i: number): string => files[i]?.nevra ?? '';
  const create = (body: Record<string, unknown>, token = server.maintainer): Promise<AdvisoryRecord> => newAdvisory(server, body, token);
  const release = (id: string): Promise<string[]> => markReleased(server.ctx, [id], { releaseId: 7, at: server.ctx.now() });

  test('a maintainer creates a draft: numbered DFSA-YEAR:0001, packages resolved with their source package', async () => {
    const a = await create(advisoryBody('example-el9', [nevra(el9, 1), nevra(el9, 2), nevra(el9, 0)], {
      rebootSuggested: true,
      references: [
        { type: 'cve', id: 'CVE-2026-1234' },
        { type: 'upstream', id: 'RHSA-2026:1234', href: 'https://access.redhat.com/errata/RHSA-2026:1234' },
        { type: 'bugzilla', id: '2001', href: 'https://bugzilla.example/show_bug.cgi?id=2001', title: 'foo crashes' },
      ],
    }));
    assert.equal(a.id, `DFSA-${year}:0001`);
    assert.equal(a.state, 'draft');
    assert.equal(a.platform, 'example-el9');
    assert.equal(a.createdBy, 'maint');
    assert.equal(a.severity, 'Important');
    assert.equal(a.rebootSuggested, true);
    assert.equal(a.issuedAt, null);
    assert.deepEqual(a.references.map((r) => [r.type, r.id, r.href]), [
      ['cve', 'CVE-2026-1234', null],
      ['upstream', 'RHSA-2026:1234', 'https://access.redhat.com/errata/RHSA-2026:1234'],
      ['bugzilla', '2001', 'https://bugzilla.example/show_bug.cgi?id=2001'],
    ]);
    assert.deepEqual(a.packages.map((p) => [p.nevra, p.epoch, p.source.name, `${p.source.version}-${p.source.release}`]), [
      ['foo-1.0-2.el9.x86_64', null, 'foo', '1.0-2.el9'],
      ['foo-libs-1:1.0-2.el9.x86_64', 1, 'foo', '1.0-2.el9'],
      ['foo-1.0-2.el9.src', null, 'foo', '1.0-2.el9'],
    ]);
    const shown = await api<AdvisoryRecord>(server, 'GET', `/errata/${a.id}`, { token: server.reader });
    assert.equal(shown.status, 200);
    assert.deepEqual(shown.body, a);
  });

  test('ids count per prefix, letter and year: S, B and E (enhancement and newpackage share E); other-el8 has prefix OT', async () => {
    const next = await create(advisoryBody('example-el9', [nevra(el9, 3)], { title: 'Moderate: bar security update', severity: 'Moderate' }));
    assert.equal(next.id, `DFSA-${year}:0002`);
    const bug = await create(advisoryBody('example-el9', [nevra(el9, 3)], { type: 'bugfix', severity: undefined, title: 'bar bug fix', references: [] }));
    assert.equal(bug.id, `DFBA-${year}:0001`);
    assert.equal(bug.severity, null);
    const enh = await create(advisoryBody('example-el9', [nevra(el9, 3)], { type: 'enhancement', severity: 'Low', title: 'bar enhancement' }));
    const np = await create(advisoryBody('example-el9', [nevra(el9, 3)], { type: 'newpackage', severity: undefined, title: 'new package bar' }));
    assert.deepEqual([enh.id, np.id], [`DFEA-${year}:0001`, `DFEA-${year}:0002`]);
    const other = await create(advisoryBody('other-el8', [nevra(el8, 0)]));
    assert.equal(other.id, `OTSA-${year}:0001`);
  });

  test('a platform\'s advisoryPrefix through the platforms API: shown, set, refused when it is not 2–8 uppercase letters', async () => {
    const shown = await api<{ advisoryPrefix?: string }>(server, 'GET', '/platforms/other-el8');
    assert.equal(shown.body.advisoryPrefix, 'OT');
    assert.equal((await api<{ advisoryPrefix?: string }>(server, 'GET', '/platforms/example-el9')).body.advisoryPrefix, undefined, 'none: DF');
    const definition = { name: 'third-el9', arches: ['x86_64'], distTag: '.el9' };
    for (const bad of ['al', 'A', 'ALMALINUX', 'A1']) {
      const r = await api<{ code: string; message: string }>(server, 'POST', '/platforms', { token: server.adminToken, body: { ...definition, advisoryPrefix: bad } });
      assert.equal(r.status, 400, bad);
      assert.match(r.body.message, /^body\.advisoryPrefix: /, bad);
    }
    const made = await api<{ advisoryPrefix?: string }>(server, 'POST', '/platforms', { token: server.adminToken, body: { ...definition, advisoryPrefix: 'TH' } });
    assert.deepEqual([made.status, made.body.advisoryPrefix], [201, 'TH']);
    const third = await addBuiltPackages(server, 'third-el9', [packageSpec('qux', '1', '1.el9', 'x86_64')]);
    assert.equal((await create(advisoryBody('third-el9', [nevra(third, 0)]))).id, `THSA-${year}:0001`);
  });

  test('an unknown package, or one of another platform, is one line naming it (422) and nothing is stored', async () => {
    const before = await errataRows(server);
    const unknown = await createAdvisory(server, server.maintainer, advisoryBody('example-el9', [nevra(el9, 1), 'foo-9.9-9.el9.x86_64']));
    assert.equal(unknown.status, 422);
    assert.deepEqual(unknown.body, { code: 'unknown_package', message: 'package foo-9.9-9.el9.x86_64 is not a built package of platform example-el9' });
    const foreign = await createAdvisory(server, server.maintainer, advisoryBody('other-el8', [nevra(el9, 1)]));
    assert.equal(foreign.status, 422);
    assert.match((foreign.body as { message: string }).message, /^package foo-1\.0-2\.el9\.x86_64 is not a built package of platform other-el8$/);
    const epoch = await createAdvisory(server, server.maintainer, advisoryBody('example-el9', ['foo-libs-1.0-2.el9.x86_64']));
    assert.equal(epoch.status, 422, 'the epoch is part of the NEVRA');
    assert.equal(await errataRows(server), before);
  });

  test('roles: readers and nodes may not create, maintainers may not approve or retract; nothing changes', async () => {
    const node = (await nodeToken(server, 'n1')).token;
    const draft = await create(advisoryBody('example-el9', [nevra(el9, 3)], { title: 'for the role checks' }));
    const before = await errataRows(server);
    const calls: [string, string, string | undefined, unknown, number][] = [
      ['POST', '/errata', undefined, advisoryBody('example-el9', [nevra(el9, 3)]), 401],
      ['POST', '/errata', server.reader, advisoryBody('example-el9', [nevra(el9, 3)]), 403],
      ['POST', '/errata', node, advisoryBody('example-el9', [nevra(el9, 3)]), 403],
      ['PATCH', `/errata/${draft.id}`, server.reader, { title: 'x' }, 403],
      ['PATCH', `/errata/${draft.id}`, undefined, { title: 'x' }, 401],
      ['DELETE', `/errata/${draft.id}`, server.reader, undefined, 403],
      ['POST', `/errata/${draft.id}/approve`, server.maintainer, undefined, 403],
      ['POST', `/errata/${draft.id}/approve`, undefined, undefined, 401],
      ['POST', `/errata/${draft.id}/retract`, server.maintainer, undefined, 403],
      ['POST', `/errata/${draft.id}/retract`, node, undefined, 403],
    ];
    for (const [method, path, token, body, status] of calls) {
      const r = await api<{ code: string; message: string }>(server, method, path, { ...(token && { token }), ...(body !== undefined && { body }) });
      assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.body)}`);
      assert.deepEqual(Object.keys(r.body).sort(), ['code', 'message']);
    }
    assert.equal(await errataRows(server), before);
    const approved = await api<AdvisoryRecord>(server, 'POST', `/errata/${draft.id}/approve`, { token: server.adminToken });
    assert.equal(approved.status, 200);
    assert.equal(approved.body.approvedBy, 'admin');
  });

  test('anonymous callers see only what is or was released; users see drafts too', async () => {
    const a = await create(advisoryBody('example-el9', [nevra(el9, 1)], { title: 'to be released', references: [{ type: 'cve', id: 'CVE-2026-7777' }] }));
    assert.equal((await api(server, 'GET', `/errata/${a.id}`)).status, 401);
    assert.equal((await api(server, 'GET', `/errata/${a.id}/osv`)).status, 401);
    assert.equal((await api(server, 'GET', `/errata/${a.id}`, { token: server.reader })).status, 200);
    const anonymous = await api<AdvisoryPage>(server, 'GET', '/errata?cve=CVE-2026-7777');
    assert.deepEqual(anonymous.body.advisories, []);
    assert.equal((await api(server, 'POST', `/errata/${a.id}/approve`, { token: server.adminToken })).status, 200);
    assert.deepEqual(await release(a.id), [a.id]);
    const shown = await api<AdvisoryRecord>(server, 'GET', `/errata/${a.id}`);
    assert.equal(shown.status, 200);
    assert.equal(shown.body.state, 'released');
    assert.equal(shown.body.releaseId, 7);
    assert.deepEqual((await api<AdvisoryPage>(server, 'GET', '/errata?cve=CVE-2026-7777')).body.advisories.map((x) => x.id), [a.id]);
    const feed = await api<{ platform: string; advisories: AdvisoryRecord[] }>(server, 'GET', '/platforms/example-el9/errata');
    assert.equal(feed.status, 200);
    assert.ok(feed.body.advisories.some((x) => x.id === a.id));
    assert.ok(feed.body.advisories.every((x) => x.state === 'released' || (x.state === 'retracted' && x.issuedAt !== null)), 'no drafts in the feed');
    assert.equal((await api(server, 'POST', `/errata/${a.id}/retract`, { token: server.adminToken, body: { reason: 'wrong package' } })).status, 200);
    const after = await api<{ advisories: AdvisoryRecord[] }>(server, 'GET', '/platforms/example-el9/errata');
    assert.equal(after.body.advisories.find((x) => x.id === a.id)?.state, 'retracted', 'consumers learn of the retraction');
    assert.equal(after.body.advisories.find((x) => x.id === a.id)?.retractionReason, 'wrong package');
  });

  test('list: filters by platform, type, state, CVE and package (binary or source name), newest first, in pages', async () => {
    const all = await api<AdvisoryPage>(server, 'GET', '/errata?limit=500', { token: server.reader });
    assert.equal(all.status, 200);
    assert.equal(all.body.total, all.body.advisories.length);
    const created = all.body.advisories.map((a) => a.createdAt);
    assert.deepEqual(created, [...created].sort((x, y) => y - x));
    const q = async (query: string): Promise<AdvisoryPage> => (await api<AdvisoryPage>(server, 'GET', `/errata?${query}`, { token: server.reader })).body;
    assert.deepEqual((await q('platform=other-el8')).advisories.map((a) => a.id), [`OTSA-${year}:0001`]);
    assert.ok((await q('type=bugfix')).advisories.every((a) => a.type === 'bugfix'));
    assert.ok((await q('state=draft')).advisories.every((a) => a.state === 'draft'));
    const withCve = (await q('cve=CVE-2026-1234&platform=example-el9&type=security')).advisories;
    assert.ok(withCve.every((a) => a.cves.includes('CVE-2026-1234')));
    assert.deepEqual(withCve.map((a) => a.id).filter((id) => id.endsWith(':0001') || id.endsWith(':0002')).sort(), [`DFSA-${year}:0001`, `DFSA-${year}:0002`]);
    assert.deepEqual((await q('cve=CVE-2026-7777')).advisories.map((a) => a.id), [`DFSA-${year}:0004`]);
    assert.deepEqual((await q('package=foo-libs')).advisories.map((a) => a.id), [`DFSA-${year}:0001`]);
    const bySource = (await q('package=foo')).advisories.map((a) => a.id);
    assert.ok(bySource.includes(`DFSA-${year}:0001`) && !bySource.includes(`DFBA-${year}:0001`));
    const page = await q('limit=2&offset=1');
    assert.deepEqual({ total: page.total, limit: page.limit, offset: page.offset }, { total: all.body.total, limit: 2, offset: 1 });
    assert.deepEqual(page.advisories.map((a) => a.id), all.body.advisories.slice(1, 3).map((a) => a.id));
    const first = all.body.advisories.find((a) => a.id === `DFSA-${year}:0001`);
    assert.deepEqual(first?.cves, ['CVE-2026-1234']);
  });

  test('search (q): an advisory id or its start, a CVE id (any case), a package name (binary or source) or NEVRA; with the filters; each line names its source packages', async () => {
    const ids = async (query: string, token: string | null = server.reader): Promise<string[]> => {
      const r = await api<AdvisoryPage>(server, 'GET', `/errata?limit=500&${query}`, token ? { token } : {});
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.total, r.body.advisories.length);
      return r.body.advisories.map((a) => a.id);
    };
    const all = await ids('');
    assert.deepEqual(await ids(`q=${encodeURIComponent(`dfsa-${year}:0001`)}`), [`DFSA-${year}:0001`], 'a whole id, any case');
    assert.deepEqual(await ids(`q=DFBA-${year}`), [`DFBA-${year}:0001`], 'the start of an id');
    assert.deepEqual(await ids('q=OT'), [`OTSA-${year}:0001`]);
    assert.deepEqual(await ids('q=cve-2026-1234'), await ids('cve=CVE-2026-1234'), 'a CVE id, any case');
    assert.ok((await ids('q=CVE-2026-1234')).includes(`DFSA-${year}:0001`));
    assert.deepEqual(await ids('q=foo-libs'), [`DFSA-${year}:0001`], 'a binary package name');
    assert.deepEqual(await ids(`q=${encodeURIComponent('foo-libs-1:1.0-2.el9.x86_64')}`), [`DFSA-${year}:0001`], 'a NEVRA');
    assert.deepEqual(await ids('q=foo'), await ids('package=foo'), 'a source package name');
    assert.deepEqual(await ids('q=baz'), [`OTSA-${year}:0001`]);
    assert.deepEqual(await ids('q=baz&platform=example-el9'), [], 'with a filter');
    assert.deepEqual(await ids('q=FOO-LIBS'), [], 'package names keep their case');
    for (const wildcard of ['%', 'DF_A', '*']) assert.deepEqual(await ids(`q=${encodeURIComponent(wildcard)}`), [], `${wildcard} is no pattern`);
    assert.deepEqual(await ids('q=%20%20'), all, 'a blank search searches nothing');
    assert.deepEqual(await ids('q=CVE-2026-7777', null), [`DFSA-${year}:0004`], 'anonymous: what was released');
    assert.deepEqual(await ids(`q=DFSA-${year}:0001`, null), [], 'anonymous: no drafts');
    const page = (await api<AdvisoryPage>(server, 'GET', '/errata?limit=500', { token: server.reader })).body.advisories;
    assert.deepEqual(page.find((a) => a.id === `DFSA-${year}:0001`)?.sourcePackages, ['foo'], 'foo, foo-libs and the SRPM all come from foo');
    assert.deepEqual(page.find((a) => a.id === `OTSA-${year}:0001`)?.sourcePackages, ['baz']);
  });

  test('a draft may be deleted by a maintainer; its number is not given again', async () => {
    const a = await create(advisoryBody('other-el8', [nevra(el8, 0)], { title: 'mistake' }));
    const del = await api(server, 'DELETE', `/errata/${a.id}`, { token: server.maintainer });
    assert.equal(del.status, 204);
    assert.equal((await api(server, 'GET', `/errata/${a.id}`, { token: server.reader })).status, 404);
    const next = await create(advisoryBody('other-el8', [nevra(el8, 0)]));
    assert.notEqual(next.id, a.id);
    assert.equal(next.id, `OTSA-${year}:0003`);
  });
});
