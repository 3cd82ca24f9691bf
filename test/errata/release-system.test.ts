/**
 * What the release system calls, on both databases, as src/releases calls it: advisoryFacts for
 * its checks (never throwing for what a check reports), channelAdvisories for one channel's
 * updateinfo.xml (released ones and the release's own, cut to the channel's files, source RPM
 * names made when the channel does not know them), markReleased in the publishing transaction and
 * markUnreleased in the reverting one (only what that release first published; all or nothing).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  advisoryFacts, AdvisoryNotReleasableError, channelAdvisories, getAdvisory, IllegalAdvisoryTransitionError, markReleased, markUnreleased, releasedAdvisories, type AdvisoryRecord, type RepoFile,
} from '../../src/errata/index.ts';
import { NotFoundError } from '../../src/errors.ts';
import { inTransaction } from '../../src/scheduler/transaction.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api } from '../support/server.ts';
import { addBuiltPackages, advisoryBody, approvedAdvisory, errataRows, newAdvisory, packageSpec, startErrataServer, type ErrataServer } from './support.ts';

describe(`the release system's errata functions (${TEST_DIALECT})`, () => {
  let server: ErrataServer;
  let clock = Date.UTC(2026, 5, 1, 8, 0, 0);
  let nevras: string[] = [];
  let other = '';

  before(async () => {
    server = await startErrataServer({ now: () => clock });
    nevras = (await addBuiltPackages(server, 'example-el9', [
      packageSpec('foo', '1.0', '2.el9', 'x86_64'),
      packageSpec('foo', '1.0', '2.el9', 'src'),
      packageSpec('foo-libs', '1.0', '2.el9', 'x86_64', { source: 'foo' }),
      packageSpec('bar', '2.0', '1.el9', 'noarch', { epoch: 1 }),
    ])).map((f) => f.nevra);
    other = (await addBuiltPackages(server, 'other-el8', [packageSpec('baz', '3', '1.el8', 'x86_64')]))[0]?.nevra ?? '';
  });
  after(() => server.close());

  const create = (extra: Record<string, unknown>, packages: string[], platform = 'example-el9'): Promise<AdvisoryRecord> => newAdvisory(server, advisoryBody(platform, packages, extra));
  const approved = (extra: Record<string, unknown>, packages: string[], platform = 'example-el9'): Promise<AdvisoryRecord> => approvedAdvisory(server, advisoryBody(platform, packages, extra));
  const state = async (id: string): Promise<[string, number | null, number | null]> => {
    const a = await getAdvisory(server.ctx, id);
    return [a.state, a.issuedAt, a.releaseId];
  };

  test('advisoryFacts: the packages of one a release may carry; the problem with any other, never an exception', async () => {
    const ok = await approved({ title: 'facts' }, [nevras[0] ?? '', nevras[2] ?? '']);
    const draft = await create({ title: 'a draft' }, [nevras[0] ?? '']);
    const foreign = await approved({ title: 'other platform' }, [other], 'other-el8');
    assert.deepEqual(await advisoryFacts(server.ctx, 'example-el9', ok.id), { problem: null, packages: [nevras[0], nevras[2]] });
    assert.deepEqual(await advisoryFacts(server.ctx, 'example-el9', draft.id), { problem: `advisory ${draft.id} is draft: only approved (or already released) advisories are released`, packages: [] });
    assert.deepEqual(await advisoryFacts(server.ctx, 'example-el9', foreign.id), { problem: `advisory ${foreign.id} is for platform other-el8, not example-el9`, packages: [] });
    assert.deepEqual(await advisoryFacts(server.ctx, 'example-el9', 'DFSA-1999:0001'), { problem: 'no advisory DFSA-1999:0001', packages: [] });
  });

  test('channelAdvisories: released ones and the release\'s own, each cut to the channel\'s files; none of whose packages is there left out', async () => {
    const [foo, fooSrc, fooLibs, bar] = nevras as [string, string, string, string];
    const old = await approved({ title: 'Moderate: bar update', severity: 'Moderate' }, [bar]);
    clock += 1000;
    const releasedAt = clock;
    assert.deepEqual(await markReleased(server.ctx, [old.id], { releaseId: 1, at: releasedAt }), [old.id]);
    const adding = await approved({ title: 'Important: foo update', rebootSuggested: true }, [foo, fooSrc, fooLibs]);

    // The x86_64 channel after the release: foo and foo-libs (the release's, with what the plan knows), bar (already there: no source known).
    const x86 = new Map<string, RepoFile>([
      [foo, { filename: 'foo-1.0-2.el9.x86_64.rpm', src: 'foo-1.0-2.el9.src.rpm', sha256: 'a'.repeat(64) }],
      [fooLibs, { filename: 'foo-libs-1.0-2.el9.x86_64.rpm', src: null, sha256: 'b'.repeat(64) }],
      [bar, { filename: 'bar-2.0-1.el9.noarch.rpm', src: null, sha256: 'c'.repeat(64) }],
    ]);
    clock += 1000;
    const list = await channelAdvisories(server.ctx, 'example-el9', [adding.id], x86, { issuedAt: clock });
    const releasedIds = (await releasedAdvisories(server.ctx, 'example-el9')).map((a) => a.id);
    assert.deepEqual(list.map((a) => a.id), [...releasedIds, adding.id], 'released ones first, oldest first, then the release\'s own');
    const mine = list.find((a) => a.id === adding.id);
    assert.deepEqual(mine?.collections[0]?.packages.map((p) => [p.filename, p.src, p.sum?.value.slice(0, 1), p.rebootSuggested]), [
      ['foo-1.0-2.el9.x86_64.rpm', 'foo-1.0-2.el9.src.rpm', 'a', true],
      ['foo-libs-1.0-2.el9.x86_64.rpm', 'foo-1.0-2.el9.src.rpm', 'b', true],
    ], 'the SRPM is not in this channel; foo-libs\' source comes from the advisory');
    assert.equal(mine?.issued, new Date(clock).toISOString().slice(0, 19).replace('T', ' '), 'being released: issued at the release');
    const carried = list.find((a) => a.id === old.id);
    assert.deepEqual(carried?.collections[0]?.packages.map((p) => [p.name, p.epoch, p.src]), [['bar', '1', 'bar-2.0-1.el9.src.rpm']]);
    assert.equal(carried?.issued, new Date(releasedAt).toISOString().slice(0, 19).replace('T', ' '), 'already released: its own issue date');

    // The Source channel: only the SRPM, whose src is "".
    const source = await channelAdvisories(server.ctx, 'example-el9', [adding.id], new Map([[fooSrc, { filename: 'foo-1.0-2.el9.src.rpm' }]]));
    assert.deepEqual(source.map((a) => [a.id, a.collections[0]?.packages.map((p) => `${p.filename} src="${p.src}"`)]), [[adding.id, ['foo-1.0-2.el9.src.rpm src=""']]]);
    // A channel holding none of them: no advisories.
    assert.deepEqual(await channelAdvisories(server.ctx, 'example-el9', [adding.id], new Map()), []);

    // The release may carry only approved or released advisories of its platform.
    const draft = await create({ title: 'not approved' }, [foo]);
    await assert.rejects(channelAdvisories(server.ctx, 'example-el9', [draft.id], x86), AdvisoryNotReleasableError);
    await assert.rejects(channelAdvisories(server.ctx, 'example-el9', ['DFSA-1999:0001'], x86), NotFoundError);
  });

  test('markUnreleased: only what the reverted release first published goes back to approved; a later release issues it anew', async () => {
    const [foo, , , bar] = nevras as [string, string, string, string];
    const earlier = await approved({ title: 'released by release 20' }, [bar]);
    const mine = await approved({ title: 'released by release 21' }, [foo]);
    const gone = await approved({ title: 'released by 21, then retracted' }, [foo]);
    const never = await approved({ title: 'approved, never released' }, [foo]);
    clock += 1000;
    await markReleased(server.ctx, [earlier.id], { releaseId: 20, at: clock });
    const first = clock;
    clock += 1000;
    await inTransaction(server.ctx, (tx) => markReleased(tx, [earlier.id, mine.id, gone.id], { releaseId: 21 }));
    const second = clock;
    assert.deepEqual(await state(mine.id), ['released', second, 21], '`at` defaults to now');
    assert.equal((await api(server, 'POST', `/errata/${gone.id}/retract`, { token: server.adminToken })).status, 200);

    clock += 1000;
    const undone = await inTransaction(server.ctx, (tx) => markUnreleased(tx, [earlier.id, mine.id, gone.id, never.id], 21));
    assert.deepEqual(undone, [mine.id]);
    assert.deepEqual(await state(mine.id), ['approved', null, null]);
    const back = await getAdvisory(server.ctx, mine.id);
    assert.deepEqual([back.updatedAt, back.approvedBy, back.modifiedAt], [null, 'admin', clock]);
    assert.deepEqual(await state(earlier.id), ['released', first, 20], 'released by an earlier release: the restored versions still carry it');
    assert.equal((await state(gone.id))[0], 'retracted', 'a retraction stands');
    assert.deepEqual(await state(never.id), ['approved', null, null]);
    assert.equal((await api(server, 'GET', `/errata/${mine.id}`)).status, 401, 'no longer public');
    assert.ok(!(await releasedAdvisories(server.ctx, 'example-el9')).some((a) => a.id === mine.id));
    assert.deepEqual(await markUnreleased(server.ctx, [mine.id], 21), [], 'twice: nothing more');

    clock += 1000;
    assert.deepEqual(await markReleased(server.ctx, [mine.id], { releaseId: 22 }), [mine.id]);
    assert.deepEqual(await state(mine.id), ['released', clock, 22], 'issued anew by the next release');
    // Unreleased is the release system's move: an admin cannot approve a released advisory back.
    const again = await api<{ code: string }>(server, 'POST', `/errata/${mine.id}/approve`, { token: server.adminToken });
    assert.deepEqual([again.status, again.body.code], [409, 'illegal_transition']);
  });

  test('markUnreleased of an unknown advisory: NotFoundError, and the revert\'s transaction rolls back whole', async () => {
    const a = await approved({ title: 'rolled back' }, [nevras[0] ?? '']);
    clock += 1000;
    await markReleased(server.ctx, [a.id], { releaseId: 30 });
    const draft = await create({ title: 'edited after the checks' }, [nevras[0] ?? '']);
    const before = await errataRows(server);
    await assert.rejects(inTransaction(server.ctx, (tx) => markUnreleased(tx, [a.id, 'DFSA-1999:0001'], 30)), NotFoundError);
    assert.equal(await errataRows(server), before);
    await assert.rejects(markReleased(server.ctx, ['DFSA-1999:0002'], { releaseId: 31 }), NotFoundError);
    await assert.rejects(inTransaction(server.ctx, (tx) => markReleased(tx, [draft.id], { releaseId: 31 })), IllegalAdvisoryTransitionError);
    assert.equal(await errataRows(server), before);
  });
});
