/**
 * Advisory numbers under concurrent creation, over real HTTP (on PostgreSQL the requests run in
 * parallel transactions on the pool's connections): every id is given once, each sequence is
 * 1..N without a gap, refused creations take no number, platforms sharing a prefix share its
 * sequence, and numbering starts again each year.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AdvisoryRecord } from '../../src/errata/index.ts';
import { savePlatform } from '../../src/platforms/store.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { addBuiltPackages, advisoryBody, createAdvisory, packageSpec, startErrataServer, type ErrataServer } from './support.ts';

describe(`advisory numbering (${TEST_DIALECT})`, () => {
  let server: ErrataServer;
  let clock = Date.UTC(2026, 5, 1);
  let el9 = '';
  let third = '';

  before(async () => {
    server = await startErrataServer({ now: () => clock });
    // A third platform without advisoryPrefix: it shares DF with example-el9.
    await savePlatform(server.ctx, { name: 'third-el9', arches: ['x86_64'], distTag: '.el9' });
    el9 = (await addBuiltPackages(server, 'example-el9', [packageSpec('foo', '1.0', '2.el9', 'x86_64')]))[0]?.nevra ?? '';
    third = (await addBuiltPackages(server, 'third-el9', [packageSpec('qux', '1', '1.el9', 'x86_64')]))[0]?.nevra ?? '';
  });
  after(() => server.close());

  const number = (id: string): number => Number(id.split(':')[1]);

  test('40 parallel creations of two types on two platforms sharing the DF prefix, with refused ones among them', async () => {
    const bodies = Array.from({ length: 40 }, (_, i) => {
      const bugfix = i % 4 === 3;
      const platform = i % 2 === 0 ? 'example-el9' : 'third-el9';
      const packages = [platform === 'example-el9' ? el9 : third];
      return advisoryBody(platform, packages, bugfix ? { type: 'bugfix', severity: undefined, title: `bug ${i}` } : { title: `flaw ${i}` });
    });
    // Every fifth request names a package that does not exist: refused after the checks, before any number is taken.
    const requests = bodies.map((b, i) => createAdvisory<AdvisoryRecord>(server, server.maintainer, i % 5 === 4 ? { ...b, packages: ['nope-1-1.el9.x86_64'] } : b));
    const answers = await Promise.all(requests);
    const created = answers.filter((r) => r.status === 201).map((r) => r.body);
    assert.equal(answers.filter((r) => r.status === 422).length, 8);
    assert.equal(created.length, 32);
    const ids = created.map((a) => a.id);
    assert.equal(new Set(ids).size, ids.length, 'no id given twice');
    const security = ids.filter((id) => id.startsWith('DFSA-2026:')).map(number).sort((a, b) => a - b);
    const bugfix = ids.filter((id) => id.startsWith('DFBA-2026:')).map(number).sort((a, b) => a - b);
    assert.deepEqual(security, Array.from({ length: security.length }, (_, i) => i + 1), 'security numbers 1..N without a gap');
    assert.deepEqual(bugfix, Array.from({ length: bugfix.length }, (_, i) => i + 1), 'bugfix numbers 1..N without a gap');
    assert.equal(security.length + bugfix.length, 32);
    const counters = await server.ctx.db.kysely.selectFrom('advisory_counters').selectAll().orderBy('kind').execute();
    assert.deepEqual(counters.map((c) => [c.prefix, c.kind, Number(c.year), Number(c.last_number)]), [['DF', 'BA', 2026, bugfix.length], ['DF', 'SA', 2026, security.length]]);
  });

  test('a new year starts at 0001 again; the old year\'s sequence goes on', async () => {
    clock = Date.UTC(2027, 0, 1, 0, 0, 1);
    const r = await createAdvisory<AdvisoryRecord>(server, server.maintainer, advisoryBody('example-el9', [el9]));
    assert.equal(r.body.id, 'DFSA-2027:0001');
    clock = Date.UTC(2026, 11, 31, 23, 59, 59);
    const late = await createAdvisory<AdvisoryRecord>(server, server.maintainer, advisoryBody('example-el9', [el9]));
    assert.match(late.body.id, /^DFSA-2026:00\d\d$/);
    assert.ok(number(late.body.id) > 1);
  });
});
