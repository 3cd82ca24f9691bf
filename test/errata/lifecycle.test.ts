/**
 * The advisory lifecycle on a real master: draft → approved → released (only by the release
 * system's markReleased), retracted from approved or released; illegal moves are 409
 * `illegal_transition`; an edit sends an approved advisory back to draft; a released one takes
 * only added references and an amended description or solution (which sets `updated`); a
 * retracted one takes nothing. And the release system's view: advisoryForRelease,
 * releasedAdvisories, markReleased inside a transaction that rolls back whole.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  advisoryForRelease, advisoryNevras, AdvisoryNotReleasableError, getAdvisory, IllegalAdvisoryTransitionError, markReleased, releasedAdvisories, type AdvisoryRecord,
} from '../../src/errata/index.ts';
import { NotFoundError } from '../../src/errors.ts';
import { inTransaction } from '../../src/scheduler/transaction.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api } from '../support/server.ts';
import { addBuiltPackages, advisoryBody, errataRows, newAdvisory, packageSpec, startErrataServer, type ErrataServer } from './support.ts';

describe(`advisory lifecycle (${TEST_DIALECT})`, () => {
  let server: ErrataServer;
  let clock = Date.UTC(2026, 2, 1, 12, 0, 0);
  let nevras: string[] = [];
  let other = '';

  before(async () => {
    server = await startErrataServer({ now: () => clock });
    nevras = (await addBuiltPackages(server, 'example-el9', [packageSpec('foo', '1.0', '2.el9', 'x86_64'), packageSpec('foo', '1.0', '2.el9', 'src'), packageSpec('bar', '2.0', '1.el9', 'noarch')])).map((f) => f.nevra);
    other = (await addBuiltPackages(server, 'other-el8', [packageSpec('baz', '3', '1.el8', 'x86_64')]))[0]?.nevra ?? '';
  });
  after(() => server.close());

  const create = (extra: Record<string, unknown> = {}, platform = 'example-el9', packages = [nevras[0] ?? '']): Promise<AdvisoryRecord> => newAdvisory(server, advisoryBody(platform, packages, extra));
  const call = (method: string, path: string, token: string, body?: unknown) => api<AdvisoryRecord & { code: string; message: string }>(server, method, path, { token, ...(body !== undefined && { body }) });
  const approve = (id: string) => call('POST', `/errata/${id}/approve`, server.adminToken);
  const retract = (id: string, reason?: string) => call('POST', `/errata/${id}/retract`, server.adminToken, reason === undefined ? undefined : { reason });
  const edit = (id: string, body: unknown) => call('PATCH', `/errata/${id}`, server.maintainer, body);

  test('approve, edit (back to draft), approve again, release, amend, retract', async () => {
    const a = await create();
    clock += 60_000;
    const approved = await approve(a.id);
    assert.equal(approved.status, 200);
    assert.deepEqual([approved.body.state, approved.body.approvedBy, approved.body.approvedAt], ['approved', 'admin', clock]);
    const twice = await approve(a.id);
    assert.equal(twice.status, 409);
    assert.deepEqual(twice.body, { code: 'illegal_transition', message: `advisory ${a.id} is approved: it cannot become approved (it is approved already)` });

    const edited = await edit(a.id, { title: 'Important: foo security update (corrected)', addPackages: [nevras[1]] });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.deepEqual([edited.body.state, edited.body.approvedBy, edited.body.approvedAt], ['draft', null, null], 'an edit needs a new approval');
    assert.deepEqual(advisoryNevras(edited.body), [nevras[0], nevras[1]]);
    assert.equal((await approve(a.id)).status, 200);

    clock += 60_000;
    const releasedAt = clock;
    assert.deepEqual(await markReleased(server.ctx, [a.id], { releaseId: 3, at: releasedAt }), [a.id]);
    assert.deepEqual(await markReleased(server.ctx, [a.id], { releaseId: 4, at: releasedAt + 1 }), [], 'already released: left as it is');
    const released = await getAdvisory(server.ctx, a.id);
    assert.deepEqual([released.state, released.issuedAt, released.updatedAt, released.releaseId], ['released', releasedAt, releasedAt, 3]);

    const before = await errataRows(server);
    for (const [body, field] of [[{ addPackages: [nevras[2]] }, 'addPackages'], [{ title: 'x' }, 'title'], [{ severity: 'Low' }, 'severity'], [{ references: [] }, 'references'], [{ rebootSuggested: true, description: 'x' }, 'rebootSuggested']] as const) {
      const r = await edit(a.id, body);
      assert.equal(r.status, 409, field);
      assert.deepEqual(r.body, { code: 'conflict', message: `advisory ${a.id} is released: only addReferences, description and solution may change (not ${field})` });
    }
    assert.equal((await approve(a.id)).status, 409);
    const del = await call('DELETE', `/errata/${a.id}`, server.maintainer);
    assert.deepEqual([del.status, del.body.message], [409, `advisory ${a.id} is released: only drafts can be deleted (retract it instead)`]);
    assert.equal(await errataRows(server), before, 'refused changes change nothing');

    clock += 86_400_000;
    const amended = await edit(a.id, { addReferences: [{ type: 'upstream', id: 'RHSA-2026:4321', href: 'https://access.redhat.com/errata/RHSA-2026:4321' }], description: 'Upstream has published RHSA-2026:4321 for this flaw.' });
    assert.equal(amended.status, 200, JSON.stringify(amended.body));
    assert.deepEqual([amended.body.state, amended.body.issuedAt, amended.body.updatedAt], ['released', releasedAt, clock], 'an amendment sets updated, not issued');
    assert.deepEqual(amended.body.references.map((r) => r.id), ['CVE-2026-1234', 'RHSA-2026:4321']);
    assert.equal(amended.body.description, 'Upstream has published RHSA-2026:4321 for this flaw.');

    const retracted = await retract(a.id, 'the fix was incomplete');
    assert.equal(retracted.status, 200);
    assert.deepEqual([retracted.body.state, retracted.body.retractedBy, retracted.body.retractionReason, retracted.body.issuedAt], ['retracted', 'admin', 'the fix was incomplete', releasedAt]);
    for (const r of [await retract(a.id), await approve(a.id)]) assert.equal(r.status, 409);
    const late = await edit(a.id, { description: 'x' });
    assert.deepEqual([late.status, late.body.message], [409, `advisory ${a.id} is retracted: it cannot be changed`]);
    await assert.rejects(markReleased(server.ctx, [a.id], { releaseId: 5, at: clock }), IllegalAdvisoryTransitionError);
  });

  test('an approved advisory may be retracted before any release: it never becomes public', async () => {
    const a = await create({ title: 'withdrawn before release' });
    assert.equal((await approve(a.id)).status, 200);
    assert.equal((await retract(a.id)).body.state, 'retracted');
    assert.equal((await api(server, 'GET', `/errata/${a.id}`)).status, 401);
    const feed = await api<{ advisories: AdvisoryRecord[] }>(server, 'GET', '/platforms/example-el9/errata');
    assert.ok(!feed.body.advisories.some((x) => x.id === a.id));
  });

  test('two admins approving at once: one move, one 409', async () => {
    const a = await create({ title: 'raced' });
    const answers = await Promise.all([approve(a.id), approve(a.id), approve(a.id)]);
    assert.deepEqual(answers.map((r) => r.status).sort(), [200, 409, 409]);
  });

  test('the release system: advisoryForRelease, markReleased in its transaction (all or nothing), releasedAdvisories', async () => {
    const draft = await create({ title: 'still a draft' });
    const ok = await create({ title: 'ready', type: 'bugfix', severity: undefined, references: [] });
    assert.equal((await approve(ok.id)).status, 200);
    const foreign = await create({}, 'other-el8', [other]);
    assert.equal((await approve(foreign.id)).status, 200);

    assert.equal((await advisoryForRelease(server.ctx, 'example-el9', ok.id)).id, ok.id);
    await assert.rejects(advisoryForRelease(server.ctx, 'example-el9', draft.id), (e: unknown) => e instanceof AdvisoryNotReleasableError && e.status === 409 && e.code === 'advisory_not_releasable' && /is draft: only approved/.test(e.message));
    await assert.rejects(advisoryForRelease(server.ctx, 'example-el9', foreign.id), (e: unknown) => e instanceof AdvisoryNotReleasableError && e.message === `advisory ${foreign.id} is for platform other-el8, not example-el9`);
    await assert.rejects(advisoryForRelease(server.ctx, 'example-el9', 'DFSA-1999:0001'), NotFoundError);

    // A release whose plan holds a draft records nothing: its transaction rolls back whole.
    await assert.rejects(
      inTransaction(server.ctx, async (tx) => {
        await markReleased(tx, [ok.id, draft.id], { releaseId: 9, at: clock });
      }),
      (e: unknown) => e instanceof IllegalAdvisoryTransitionError && e.status === 409,
    );
    assert.equal((await getAdvisory(server.ctx, ok.id)).state, 'approved');

    clock += 1000;
    await inTransaction(server.ctx, (tx) => markReleased(tx, [ok.id], { releaseId: 10, at: clock }));
    const carried = await releasedAdvisories(server.ctx, 'example-el9');
    assert.ok(carried.some((x) => x.id === ok.id));
    assert.ok(carried.every((x) => x.state === 'released' && x.platform === 'example-el9'), 'retracted ones and drafts are not carried');
    const issued = carried.map((x) => x.issuedAt ?? 0);
    assert.deepEqual(issued, [...issued].sort((x, y) => x - y));
    assert.deepEqual((await releasedAdvisories(server.ctx, 'other-el8')).map((x) => x.id), []);
  });
});
