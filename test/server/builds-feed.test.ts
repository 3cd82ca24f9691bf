/**
 * The builds feed (GET /api/v1/builds) over real HTTP on a real database (SQLite, or PostgreSQL
 * with DISTFORGE_TEST_PG): each filter, the search box (build id, NEVRA, NEVRA and name prefixes,
 * file names, any case, epochs), the list item a feed shows, paging by cursor while builds arrive
 * (nothing twice, nothing skipped), what anonymous callers see, `total` (exact, or capped once
 * counting gets long), and bad input answered with one-line 400s.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { retryBuild, TOTAL_CAP, type BuildListItem, type BuildPage } from '../../src/builds/index.ts';
import { BROAD_SEARCH, RARE } from '../../src/builds/feed-filters.ts';
import { issueUserToken } from '../../src/auth/tokens.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api, startTestServer, type TestServer } from '../support/server.ts';
import { FeedFixture, inBatches, type FeedBuild } from './builds-feed-support.ts';

describe(`builds feed (${TEST_DIALECT})`, () => {
  let server: TestServer;
  let f: FeedFixture;
  let reader = '';
  /** bash, el9, signed and released. */
  let b1: FeedBuild;
  /** NetworkManager (epoch 1), el8, failed. */
  let b2: FeedBuild;
  /** bash again, platform el9-beta, running, private. */
  let b3: FeedBuild;
  /** zlib and openssl on el8 and el9, noarch, in a reverted release. */
  let b4: FeedBuild;
  /** half signed, in a planned release. */
  let b5: FeedBuild;

  before(async () => {
    server = await startTestServer();
    f = await FeedFixture.create(server.ctx);
    reader = (await issueUserToken(server.ctx, 'reader', 'read-only')).secret;
    b1 = await f.build({
      owner: 'alice', platforms: ['el9'], arches: ['x86_64', 'aarch64'], sources: [{ package: 'bash', ref: 'imports/c9/bash-5.1.8-6.el9' }],
      packages: [
        { name: 'bash', version: '5.1.8', release: '6.el9', arch: 'src' },
        { name: 'bash', version: '5.1.8', release: '6.el9', arch: 'x86_64' },
        { name: 'bash-devel', version: '5.1.8', release: '6.el9', arch: 'x86_64' },
        { name: 'bash', version: '5.1.8', release: '6.el9', arch: 'aarch64' },
      ],
    });
    await f.sign(b1);
    await f.release([b1.id], 'released');
    b2 = await f.build({ owner: 'bob', platforms: ['el8'], state: 'failed', sources: [{ package: 'NetworkManager', ref: 'c9' }], packages: [{ name: 'NetworkManager', epoch: 1, version: '1.46.0', release: '1.el9', arch: 'x86_64' }] });
    b3 = await f.build({ owner: 'alice', platforms: ['el9-beta'], state: 'running', public: false, sources: [{ package: 'bash', ref: 'c9' }], packages: [{ name: 'bash', version: '5.2.15', release: '1.el9', arch: 'x86_64' }] });
    b4 = await f.build({
      owner: 'bob', platforms: ['el8', 'el9'], arches: ['noarch'], sources: [{ package: 'zlib' }, { package: 'openssl' }],
      packages: [{ name: 'zlib', version: '1.2.11', release: '40.el9', arch: 'noarch' }],
    });
    await f.release([b4.id], 'reverted');
    b5 = await f.build({ owner: 'carol', packages: [{ name: 'half', version: '1', release: '1', arch: 'x86_64' }, { name: 'half-devel', version: '1', release: '1', arch: 'x86_64' }] });
    await f.sign(b5, b5.artifacts.slice(0, 1));
    await f.release([b5.id], 'planned');
  });
  after(() => server.close());

  const feed = (query: string, token: string | undefined = reader) => api<BuildPage & { code: string; message: string }>(server, 'GET', `/builds?${query}`, token ? { token } : {});
  const ids = async (query: string, token?: string): Promise<number[]> => {
    const r = await feed(query, token);
    assert.equal(r.status, 200, `${query}: ${JSON.stringify(r.body)}`);
    return r.body.builds.map((b) => b.id);
  };

  test('newest first, each build as a feed shows it', async () => {
    const r = await feed('');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.builds.map((b) => b.id), [b5.id, b4.id, b3.id, b2.id, b1.id]);
    assert.deepEqual([r.body.total, r.body.totalExact, r.body.limit, r.body.offset, r.body.nextBefore], [5, true, 50, 0, null]);
    const first = r.body.builds.find((b) => b.id === b1.id) as BuildListItem;
    const { createdAt, finishedAt, signedAt, ...rest } = first;
    assert.ok(createdAt > 0 && finishedAt !== null && signedAt !== null && signedAt >= createdAt);
    assert.deepEqual(rest, {
      id: b1.id, state: 'succeeded', owner: 'alice', platforms: ['el9'], public: true, priority: 0, explicitOrder: false, arches: null, rebuildOf: null, failureReason: null,
      sources: [{ package: 'bash', kind: 'git', url: 'https://git.example/bash.git', ref: 'imports/c9/bash-5.1.8-6.el9', commit: 'a'.repeat(40), srpmSha256: null }],
      sourceCount: 1,
      packages: ['bash'],
      // srpm, rpm x86_64, rpm aarch64 and the sign task.
      tasks: { total: 4, blocked: 0, queued: 0, leased: 0, succeeded: 4, failed: 0, cancelled: 0 },
      signed: true,
      released: true,
    });
    const b4Item = r.body.builds.find((b) => b.id === b4.id) as BuildListItem;
    assert.deepEqual([b4Item.packages, b4Item.sourceCount, b4Item.signed, b4Item.released], [['zlib', 'openssl'], 2, false, false], 'a reverted release is not released');
    assert.deepEqual((r.body.builds.find((b) => b.id === b2.id) as BuildListItem).tasks, { total: 2, blocked: 0, queued: 0, leased: 0, succeeded: 1, failed: 1, cancelled: 0 });
    assert.equal(r.body.builds.some((b) => 'matches' in b), false, 'matches only with a package search');
  });

  test('each filter', async () => {
    assert.deepEqual(await ids('state=failed'), [b2.id]);
    assert.deepEqual(await ids('state=running'), [b3.id]);
    assert.deepEqual(await ids('owner=alice'), [b3.id, b1.id]);
    assert.deepEqual(await ids('owner=nobody'), []);
    assert.deepEqual(await ids('platform=el9'), [b5.id, b4.id, b1.id], 'el9-beta is another platform');
    assert.deepEqual(await ids('platform=el9-beta'), [b3.id]);
    assert.deepEqual(await ids('platform=el8'), [b4.id, b2.id]);
    assert.deepEqual(await ids('arch=aarch64'), [b1.id]);
    assert.deepEqual(await ids('arch=noarch'), [b4.id]);
    assert.deepEqual(await ids('arch=src'), [b5.id, b4.id, b3.id, b2.id, b1.id]);
    assert.deepEqual(await ids('arch=s390x'), []);
    assert.deepEqual(await ids('package=bash'), [b3.id, b1.id], 'a source package');
    assert.deepEqual(await ids('package=bash-devel'), [b1.id], 'a package made');
    assert.deepEqual(await ids('package=openssl'), [b4.id], 'a source that made nothing yet');
    assert.deepEqual(await ids('package=BASH'), [], 'names are exact');
    assert.deepEqual(await ids('nevra=bash-5.1.8-6.el9.x86_64'), [b1.id]);
    assert.deepEqual(await ids('nevra=bash-5.1.8-6.el9.src'), [b1.id]);
    assert.deepEqual(await ids('nevra=networkmanager-1.46.0-1.el9.x86_64'), [b2.id], 'any case, any epoch');
    assert.deepEqual(await ids('nevra=NetworkManager-1:1.46.0-1.el9.x86_64'), [b2.id]);
    assert.deepEqual(await ids('nevra=NetworkManager-2:1.46.0-1.el9.x86_64'), [], 'another epoch');
    assert.deepEqual(await ids('nevra=NetworkManager-0:1.46.0-1.el9.x86_64'), [], '0 is no epoch');
    assert.deepEqual(await ids('nevra=bash-5.1.8-6.el9'), [], 'a NEVRA is whole');
    assert.deepEqual(await ids('ref=c9'), [b3.id, b2.id]);
    assert.deepEqual(await ids(`ref=${encodeURIComponent('imports/c9/bash-5.1.8-6.el9')}`), [b1.id]);
    assert.deepEqual(await ids('signed=true'), [b1.id]);
    assert.deepEqual(await ids('signed=false'), [b5.id, b4.id, b3.id, b2.id], 'half signed is not signed');
    assert.deepEqual(await ids('released=true'), [b1.id]);
    assert.deepEqual(await ids('released=false'), [b5.id, b4.id, b3.id, b2.id], 'planned and reverted releases are not released');
    assert.deepEqual(await ids('owner=bob&platform=el9&arch=noarch&state=succeeded&signed=false&released=false'), [b4.id], 'filters combine');
    assert.deepEqual(await ids('owner=alice&package=bash&signed=false'), [b3.id]);
  });

  test('the search box finds a build by its id or by any package NEVRA it made', async () => {
    assert.deepEqual(await ids(`q=${b2.id}`), [b2.id]);
    assert.deepEqual(await ids(`q=%23${b2.id}`), [b2.id]);
    assert.deepEqual(await ids('q=bash'), [b3.id, b1.id], 'a name prefix');
    assert.deepEqual(await ids('q=ba'), [b3.id, b1.id]);
    assert.deepEqual(await ids('q=bash-5.1'), [b1.id], 'a NEVRA prefix');
    assert.deepEqual(await ids('q=BASH-DEVEL-5.1.8-6.EL9.X86_64'), [b1.id], 'any case');
    assert.deepEqual(await ids('q=bash-devel-5.1.8-6.el9.x86_64.rpm'), [b1.id], 'a file name');
    assert.deepEqual(await ids('q=+bash-5.1.8-6.el9.src+'), [b1.id], 'spaces around are dropped');
    assert.deepEqual(await ids('q=NetworkManager-1:1.46'), [b2.id], 'with the epoch');
    assert.deepEqual(await ids('q=NetworkManager-0:1.46'), []);
    assert.deepEqual(await ids('q=openssl'), [b4.id], 'a source package name');
    assert.deepEqual(await ids('q=zzz'), []);
    assert.deepEqual(await ids('q='), [b5.id, b4.id, b3.id, b2.id, b1.id], 'an empty search is none');
    const found = await feed('q=bash-devel');
    assert.deepEqual(found.body.builds.map((b) => [b.id, b.matches]), [[b1.id, ['bash-devel-5.1.8-6.el9.x86_64']]]);
    const all = await feed('q=bash');
    assert.deepEqual(all.body.builds.map((b) => b.matches), [['bash-5.2.15-1.el9.x86_64'], ['bash-5.1.8-6.el9.aarch64', 'bash-5.1.8-6.el9.src', 'bash-5.1.8-6.el9.x86_64', 'bash-devel-5.1.8-6.el9.x86_64']]);
    assert.deepEqual((await feed('nevra=NetworkManager-1:1.46.0-1.el9.x86_64')).body.builds.map((b) => b.matches), [['NetworkManager-1:1.46.0-1.el9.x86_64']]);
    assert.deepEqual((await feed('package=bash-devel')).body.builds.map((b) => b.matches), [['bash-devel-5.1.8-6.el9.x86_64']]);
  });

  test('anonymous callers see public builds only, in every filter and search', async () => {
    const anon = await feed('', '');
    assert.deepEqual([anon.body.builds.map((b) => b.id), anon.body.total], [[b5.id, b4.id, b2.id, b1.id], 4]);
    assert.deepEqual(await ids('q=bash', ''), [b1.id]);
    assert.deepEqual(await ids('q=bash-5.2.15-1.el9.x86_64', ''), []);
    assert.deepEqual(await ids(`q=${b3.id}`, ''), []);
    assert.deepEqual(await ids('ref=c9', ''), [b2.id]);
    assert.deepEqual(await ids('owner=alice', ''), [b1.id]);
  });

  test('paging by cursor while builds arrive: no build twice, none skipped', async () => {
    const made: number[] = [];
    for (let i = 0; i < 7; i++) made.push((await f.build({ owner: 'pager' })).id);
    const seen: number[] = [];
    let before: number | null = null;
    let pages = 0;
    do {
      const r = await feed(`owner=pager&limit=3${before === null ? '' : `&before=${before}`}`);
      assert.equal(r.status, 200);
      assert.deepEqual([r.body.total, r.body.totalExact], [7 + pages, true], 'the count follows the arrivals; the pages do not');
      seen.push(...r.body.builds.map((b) => b.id));
      before = r.body.nextBefore;
      // A build submitted between two pages is newer than every page still to come.
      made.push((await f.build({ owner: 'pager' })).id);
      pages++;
    } while (before !== null);
    assert.equal(pages, 3);
    assert.deepEqual(seen, made.slice(0, 7).reverse());
    assert.deepEqual(await ids('owner=pager&limit=3'), made.slice(-3).reverse(), 'a fresh first page shows them');
    // The offset pages as before.
    assert.deepEqual(await ids('owner=pager&limit=2&offset=2'), made.slice().reverse().slice(2, 4));
    assert.deepEqual(await ids(`limit=2&before=${b3.id}`), [b2.id, b1.id]);
  });

  test('total: exact with the state filter alone, counted up to a cap with the others', async () => {
    const owner = await f.userId('many');
    const now = server.ctx.now();
    const rows = Array.from({ length: TOTAL_CAP + 1 }, () => ({ owner_id: owner, state: 'cancelled' as const, priority: 0, platforms: '["bulk"]', explicit_order: 0, public: 1, created_at: now }));
    await inBatches(rows, (batch) => server.ctx.db.kysely.insertInto('builds').values(batch).execute());
    const capped = await feed('owner=many&limit=1');
    assert.deepEqual([capped.body.total, capped.body.totalExact, capped.body.builds.length], [TOTAL_CAP, false, 1]);
    const exact = await feed('state=cancelled&limit=1');
    assert.deepEqual([exact.body.total, exact.body.totalExact], [TOTAL_CAP + 1, true]);
    const few = await feed('platform=bulk&owner=many&offset=1000&limit=5');
    assert.deepEqual([few.body.builds.length, few.body.total, few.body.totalExact], [1, TOTAL_CAP + 1, false], 'never less than what was shown');
  });

  test('a search matching very many packages is tested build by build, newest first', async () => {
    const db = server.ctx.db.kysely;
    const now = server.ctx.now();
    const perBuild = Math.ceil((BROAD_SEARCH + 1) / 20);
    const made: number[] = [];
    for (let i = 0; i < 20; i++) {
      const build = await f.bareBuild('broad', 'wide');
      const task = await db
        .insertInto('tasks')
        .values({ build_id: build.id, item_id: build.itemId, kind: 'rpm', platform: 'el9', arch: 'x86_64', state: 'succeeded', priority: 0, owner_id: build.ownerId, attempt: 1, max_attempts: 3, created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      // As recordArtifact writes them (a node uploading this many takes minutes).
      for (let k = 0; k < perBuild; k += 500) {
        const names = Array.from({ length: Math.min(500, perBuild - k) }, (_v, j) => `wide${i}x${k + j}`);
        const artifacts = await db.insertInto('artifacts').values(names.map((n) => ({ task_id: task.id, name: `${n}-1-1.x86_64.rpm`, kind: 'rpm', sha256: 'b'.repeat(64), size: 1, created_at: now }))).returning(['id', 'name']).execute();
        await db.insertInto('artifact_packages').values(artifacts.map((a) => {
          const name = a.name.replace(/-1-1\.x86_64\.rpm$/, '');
          return { artifact_id: a.id, build_id: build.id, key: `${name}-1-1.x86_64`, name, epoch: null, nevra: `${name}-1-1.x86_64` };
        })).execute();
      }
      made.push(build.id);
    }
    const r = await feed('q=wide&limit=5');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.builds.map((b) => b.id), made.slice(-5).reverse());
    assert.deepEqual([r.body.total, r.body.totalExact], [6, false], 'not counted: at least what was shown and one more');
    assert.equal(r.body.builds[0]?.matches?.length, 10);
    assert.deepEqual(await ids('q=wide19x1&limit=50'), [made[19]], 'a narrower prefix is a set again');
  });

  test('an arch most builds have is tested build by build, a rare one is the set of its builds: same answers', async () => {
    const now = server.ctx.now();
    const made: number[] = [];
    for (let i = 0; i < 6; i++) {
      const build = await f.bareBuild('arches');
      const rows = Array.from({ length: Math.ceil((RARE + 1) / 6) }, () => ({ build_id: build.id, item_id: build.itemId, kind: 'rpm' as const, platform: 'el9', arch: 'ppc64le', state: 'succeeded' as const, priority: 0, owner_id: build.ownerId, attempt: 1, max_attempts: 3, created_at: now }));
      await inBatches(rows, (batch) => server.ctx.db.kysely.insertInto('tasks').values(batch).execute());
      made.push(build.id);
    }
    assert.deepEqual(await ids('arch=ppc64le&limit=4'), made.slice(-4).reverse());
    assert.deepEqual(await ids('arch=ppc64le&owner=alice'), []);
    assert.deepEqual(await ids('arch=aarch64'), [b1.id]);
  });

  test('a git ref many sources are at (a branch) is tested build by build, a rare one (a tag) is the set of its builds: same answers', async () => {
    const made: number[] = [];
    for (let i = 0; i < 6; i++) {
      const build = await f.bareBuild('branches');
      const rows = Array.from({ length: Math.ceil((RARE + 1) / 6) }, (_v, k) => ({ build_id: build.id, position: k + 1, kind: 'git' as const, git_url: 'x', git_ref: 'a9', git_commit: null, name: `p${k}` }));
      await inBatches(rows, (batch) => server.ctx.db.kysely.insertInto('build_items').values(batch).execute());
      made.push(build.id);
    }
    assert.deepEqual(await ids('ref=a9&limit=4'), made.slice(-4).reverse());
    assert.deepEqual(await ids('ref=a9&owner=alice'), []);
    assert.deepEqual(await ids('ref=c9'), [b3.id, b2.id]);
  });

  test("a retried task's packages go with its uploads", async () => {
    const b = await f.build({ owner: 'retry', state: 'failed', packages: [{ name: 'retryme', version: '1', release: '1', arch: 'x86_64' }] });
    assert.deepEqual(await ids('q=retryme'), [b.id]);
    await retryBuild(server.ctx, b.id, 'retry');
    assert.deepEqual(await ids('q=retryme'), []);
    assert.deepEqual(await ids('package=retryme'), []);
  });

  test('bad input is a one-line 400 and changes nothing', async () => {
    const cases: [string, string, RegExp][] = [
      ['before=5&offset=2', 'usage', /^give either before \(a cursor\) or offset, not both$/],
      ['nevra=bash', 'usage', /^nevra "bash" is not name-\[epoch:\]version-release\.arch$/],
      ['nevra=a-x:1-1.x86_64', 'usage', /^nevra "a-x:1-1\.x86_64" is not name-\[epoch:\]version-release\.arch$/],
      ['q=bash%00', 'bad_request', /^querystring\.q: must match pattern/],
      ['q=%3Cscript%3E', 'bad_request', /^querystring\.q: must match pattern/],
      [`q=${'a'.repeat(513)}`, 'bad_request', /^querystring\.q: must NOT have more than 512 characters$/],
      ['signed=maybe', 'bad_request', /^querystring\.signed: must be boolean$/],
      ['released=1x', 'bad_request', /^querystring\.released: must be boolean$/],
      ['arch=x86_64;x', 'bad_request', /^querystring\.arch: must match pattern/],
      ['package=a%20b', 'bad_request', /^querystring\.package: must match pattern/],
      ['state=done', 'bad_request', /^querystring\.state: must be one of pending, running, succeeded, failed, cancelled$/],
      ['limit=501', 'bad_request', /^querystring\.limit: must be <= 500$/],
      ['before=0', 'bad_request', /^querystring\.before: must be >= 1$/],
      ['before=99999999999', 'bad_request', /^querystring\.before: must be <= 2147483647$/],
      ['owner=%E2%80%AEx', 'bad_request', /^querystring\.owner: must not hold control or invisible formatting characters$/],
      ['ref=a%0Ab', 'bad_request', /^querystring\.ref: must not hold control or invisible formatting characters$/],
      ['bogus=1', 'bad_request', /^querystring\.bogus: unknown field$/],
    ];
    const before = await feed('');
    for (const [query, code, message] of cases) {
      const r = await feed(query);
      assert.equal(r.status, 400, `${query}: ${JSON.stringify(r.body)}`);
      assert.deepEqual(Object.keys(r.body).sort(), ['code', 'message'], query);
      assert.equal(r.body.code, code, `${query}: ${r.body.message}`);
      assert.match(r.body.message, message, query);
      assert.doesNotMatch(r.body.message, /\n/, query);
    }
    assert.deepEqual((await feed('')).body, before.body, 'nothing changed');
  });
});
