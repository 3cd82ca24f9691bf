/**
 * The git service's API with bad input: every call answers a clear `{code, message}` and changes
 * nothing — unknown mirror, path-like names, an unreachable upstream (its URL in the message), a
 * duplicate, bad rule patterns, unknown platforms and mirrors in rules, missing or wrong webhook
 * signatures (each forge's header), roles. Also what works: lists, rules, sync, events, OpenAPI.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { EventView, MirrorInfo, SyncResult } from '../../src/git/types.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api, examplePlatform, startTestServer, userToken, type ApiResponse, type TestServer } from '../support/server.ts';
import { pushPayload, pushTag, upstreamRepo } from './support.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-git-api-'));
let server: TestServer;
let admin = '';
let upstream = '';

function assertError(r: ApiResponse, status: number, code: string, message?: RegExp): void {
  assert.equal(r.status, status, JSON.stringify(r.body));
  const body = r.body as { code: string; message: string };
  assert.equal(body.code, code, body.message);
  if (message) assert.match(body.message, message);
}

async function mirrorNames(): Promise<string[]> {
  return (await api<MirrorInfo[]>(server, 'GET', '/git/mirrors')).body.map((m) => m.name);
}

before(async () => {
  server = await startTestServer({ platforms: [examplePlatform()] });
  admin = server.adminToken;
  upstream = upstreamRepo(work, 'hello');
  assert.equal((await api(server, 'POST', '/git/mirrors', { token: admin, body: { name: 'hello', url: upstream, webhookSecret: 's3cret' } })).status, 201);
});

after(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

describe(`mirrors (${TEST_DIALECT})`, () => {
  test('anyone lists and shows them; the list has the clone and webhook URLs', async () => {
    const r = await api<MirrorInfo[]>(server, 'GET', '/git/mirrors');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.map((m) => [m.name, m.cloneUrl, m.webhookUrl, m.hasWebhookSecret, m.refs]), [['hello', `${server.url}/git/hello.git`, `${server.url}/api/v1/git/hooks/hello`, true, 1]]);
    assert.equal((await api<MirrorInfo>(server, 'GET', '/git/mirrors/hello')).body.url, upstream);
  });

  test('unknown mirror: 404 everywhere', async () => {
    assertError(await api(server, 'GET', '/git/mirrors/nope'), 404, 'not_found', /no git mirror "nope"/);
    assertError(await api(server, 'GET', '/git/packages/nope'), 404, 'not_found', /no git mirror "nope"/);
    assertError(await api(server, 'POST', '/git/mirrors/nope/sync', { token: admin }), 404, 'not_found');
    assertError(await api(server, 'DELETE', '/git/mirrors/nope', { token: admin }), 404, 'not_found');
    assertError(await api(server, 'GET', '/git/events?mirror=nope'), 404, 'not_found');
  });

  test('path-like names are refused', async () => {
    assertError(await api(server, 'GET', '/git/mirrors/..%2Fetc'), 400, 'invalid_name', /must not contain a path separator/);
    assertError(await api(server, 'POST', '/git/mirrors/..%2F..%2Fx/sync', { token: admin }), 400, 'invalid_name');
    for (const name of ['../x', 'a/b', '..', '-rf']) {
      assertError(await api(server, 'POST', '/git/mirrors', { token: admin, body: { name, url: upstream } }), 400, 'invalid_git_definition', /git mirror: name: /);
    }
    assert.deepEqual(await mirrorNames(), ['hello']);
  });

  test('an unreachable upstream is named in the error and nothing is kept', async () => {
    const url = join(work, 'does-not-exist');
    assertError(await api(server, 'POST', '/git/mirrors', { token: admin, body: { name: 'ghost', url } }), 400, 'git_unreachable', new RegExp(`cannot reach git repository ${url}`));
    const list = { mirrors: [{ name: 'ok1', url: upstream }, { name: 'ghost2', url: 'http://127.0.0.1:9/none.git' }] };
    assertError(await api(server, 'POST', '/git/mirrors/import', { token: admin, body: list }), 400, 'git_unreachable', /http:\/\/127\.0\.0\.1:9\/none\.git/);
    assert.deepEqual(await mirrorNames(), ['hello']);
    assert.deepEqual(readdirSync(join(server.dataDir, 'git', 'mirrors')), ['hello.git']);
  });

  test('bad definitions: duplicate, relative path, unknown field, the data directory', async () => {
    assertError(await api(server, 'POST', '/git/mirrors', { token: admin, body: { name: 'hello', url: upstream } }), 409, 'already_exists');
    assertError(await api(server, 'POST', '/git/mirrors', { token: admin, body: { name: 'rel', url: 'some/dir' } }), 400, 'invalid_git_definition', /url: a local repository must be given by its absolute path/);
    assertError(await api(server, 'POST', '/git/mirrors', { token: admin, body: { name: 'x', url: upstream, branch: 'main' } }), 400, 'bad_request', /body\.branch: unknown field/);
    assertError(await api(server, 'POST', '/git/mirrors', { token: admin, body: { name: 'x', url: server.dataDir } }), 400, 'usage', /inside the server's data directory/);
    assert.deepEqual(await mirrorNames(), ['hello']);
  });

  test("the data directory is refused however it is named: /proc/self/root, a symbolic link, file://", async () => {
    const link = join(work, 'data-link');
    symlinkSync(server.dataDir, link);
    const own = join(server.dataDir, 'git', 'mirrors', 'hello.git');
    for (const url of [`/proc/self/root${own}`, join(link, 'git', 'mirrors', 'hello.git'), `file://${link}/git/mirrors/hello.git`, `/proc/self/root${link}`]) {
      assertError(await api(server, 'POST', '/git/mirrors', { token: admin, body: { name: 'x', url } }), 400, 'usage', /inside the server's data directory/);
    }
    assert.deepEqual(await mirrorNames(), ['hello']);
  });

  test('credentials in an upstream URL are refused without being echoed; so is a NUL or a 1 MB URL', async () => {
    for (const url of ['https://alice:hunter2@git.example/x.git', 'https://ghp_hunter2@github.com/x/y.git', 'ssh://git:hunter2@git.example/x.git']) {
      const r = await api<{ code: string; message: string }>(server, 'POST', '/git/mirrors', { token: admin, body: { name: 'x', url } });
      assertError(r, 400, 'invalid_git_definition', /url: must not hold credentials \((https|ssh):\/\/\*\*\*@git/);
      assert.doesNotMatch(r.body.message, /hunter2/);
    }
    const rule = { name: 'cred', tag: 'imports/*', platforms: ['example-el9'], autopatch: { repo: 'https://bob:hunter2@git.example/{package}.git', branch: 'a9' } };
    const r = await api<{ code: string; message: string }>(server, 'PUT', '/git/rules/cred', { token: admin, body: rule });
    assertError(r, 400, 'invalid_git_definition', /autopatch\.repo: must not hold credentials/);
    assert.doesNotMatch(r.body.message, /hunter2/);
    assertError(await api(server, 'POST', '/git/mirrors', { token: admin, body: { name: 'x', url: 'https://git.example/a\u0000b.git' } }), 400, 'bad_request', /body\.url: must not hold control/);
    assertError(await api(server, 'POST', '/git/mirrors', { token: admin, body: { name: 'x', url: `https://git.example/${'a'.repeat(1024 * 1024)}` } }), 400, 'bad_request', /body\.url: must NOT have more than 2048 characters/);
    assert.deepEqual(await mirrorNames(), ['hello']);
    assert.deepEqual((await api(server, 'GET', '/git/rules')).body, []);
    assertError(await api(server, 'POST', '/git/mirrors/import', { token: admin, body: { mirrors: [{ name: 'd', url: upstream }, { name: 'd', url: upstream }] } }), 400, 'invalid_git_definition', /given twice/);
    assert.deepEqual(await mirrorNames(), ['hello']);
  });

  test('roles: anonymous 401, maintainer 403 to register; a read-only user may not sync', async () => {
    assertError(await api(server, 'POST', '/git/mirrors', { body: { name: 'x', url: upstream } }), 401, 'unauthorized');
    const maint = await userToken(server, 'mia', 'maintainer');
    assertError(await api(server, 'POST', '/git/mirrors', { token: maint, body: { name: 'x', url: upstream } }), 403, 'forbidden', /needs the admin role/);
    const reader = await userToken(server, 'rob', 'read-only');
    assertError(await api(server, 'POST', '/git/mirrors/hello/sync', { token: reader }), 403, 'forbidden');
    assert.deepEqual(await mirrorNames(), ['hello']);
  });
});

describe('rules', () => {
  const rule = { name: 'c9', tag: 'imports/c9/*', platforms: ['example-el9'] };

  test('bad patterns, unknown platforms and mirrors are refused and nothing is stored', async () => {
    for (const tag of ['refs/tags/imports/*', 'a..b', 'bad pattern', 'x:y', '/lead', 'trail/']) {
      assertError(await api(server, 'PUT', '/git/rules/c9', { token: admin, body: { ...rule, tag } }), 400, 'invalid_git_definition', /git rule: tag: /);
    }
    assertError(await api(server, 'PUT', '/git/rules/c9', { token: admin, body: { ...rule, branch: 'c9' } }), 400, 'invalid_git_definition', /exactly one of tag and branch/);
    assertError(await api(server, 'PUT', '/git/rules/c9', { token: admin, body: { ...rule, platforms: ['almalinux-42'] } }), 404, 'unknown_platform', /"almalinux-42" \(known: example-el9\)/);
    assertError(await api(server, 'PUT', '/git/rules/c9', { token: admin, body: { ...rule, mirrors: ['nope'] } }), 404, 'not_found', /no git mirror "nope"/);
    assertError(await api(server, 'PUT', '/git/rules/c9', { token: admin, body: { ...rule, autopatch: { branch: 'a..9' } } }), 400, 'invalid_git_definition', /autopatch\.branch/);
    assertError(await api(server, 'PUT', '/git/rules/other', { token: admin, body: rule }), 400, 'invalid_git_definition', /does not match/);
    assertError(await api(server, 'PUT', '/git/rules/..%2Fx', { token: admin, body: rule }), 400, 'invalid_name');
    assertError(await api(server, 'PUT', '/git/rules/c9', { body: rule }), 401, 'unauthorized');
    assert.deepEqual((await api(server, 'GET', '/git/rules')).body, []);
    assertError(await api(server, 'GET', '/git/rules/c9'), 404, 'not_found');
  });

  test('a rule is created, replaced, matched by a sync, and deleted', async () => {
    assert.equal((await api(server, 'PUT', '/git/rules/c9', { token: admin, body: rule })).status, 201);
    assert.equal((await api(server, 'PUT', '/git/rules/c9', { token: admin, body: { ...rule, mirrors: ['hello'] } })).status, 200);
    const commit = pushTag(upstream, 'imports/c9/hello-1.0-1.el9');
    pushTag(upstream, 'unrelated-tag');
    const s = await api<SyncResult>(server, 'POST', '/git/mirrors/hello/sync', { token: admin });
    assert.equal(s.status, 200);
    assert.equal(s.body.changed, true);
    assert.deepEqual(s.body.events.map((e) => [e.ref, e.rule]).sort(), [['refs/tags/imports/c9/hello-1.0-1.el9', 'c9'], ['refs/tags/unrelated-tag', null]]);
    const again = await api<SyncResult>(server, 'POST', '/git/mirrors/hello/sync', { token: admin });
    assert.deepEqual([again.body.changed, again.body.events], [false, []]);
    const events = (await api<EventView[]>(server, 'GET', '/git/events?mirror=hello')).body;
    const ev = events.find((e) => e.rule === 'c9');
    assert.equal(ev?.commit, commit);
    assert.equal(ev?.via, 'sync');
    assert.equal(events.find((e) => e.rule === null)?.status, 'ignored');
    assert.equal((await api(server, 'DELETE', '/git/rules/c9', { token: admin })).status, 204);
  });
});

describe('webhooks', () => {
  const body = (): string => pushPayload(upstream, 'refs/heads/main');
  const eventCount = async (): Promise<number> => (await api<EventView[]>(server, 'GET', '/git/events')).body.length;
  const hook = (path: string, headers: Record<string, string>, payload = body()): Promise<Response> =>
    fetch(`${server.url}/api/v1/git/hooks${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });
  const hmac = (secret: string, payload = body()): string => createHmac('sha256', secret).update(payload).digest('hex');

  test('missing signature: 401; wrong signature in each forge’s header: 403; nothing synced', async () => {
    const before = await eventCount();
    const missing = await hook('/hello', {});
    assert.equal(missing.status, 401);
    assert.equal(((await missing.json()) as { code: string }).code, 'unauthorized');
    const wrong: Record<string, string>[] = [{ 'x-gitea-signature': hmac('wrong') }, { 'x-forgejo-signature': hmac('wrong') }, { 'x-hub-signature-256': `sha256=${hmac('wrong')}` }, { 'x-gitlab-token': 'wrong' }, { 'x-hub-signature-256': 'sha256=zz' }];
    for (const headers of wrong) {
      const r = await hook('/hello', headers);
      assert.equal(r.status, 403, JSON.stringify(headers));
      const e = (await r.json()) as { code: string; message: string };
      assert.equal(e.code, 'forbidden');
      assert.match(e.message, /wrong (gitea|github|gitlab) webhook signature for git mirror "hello"/);
    }
    const tampered = await hook('/hello', { 'x-gitea-signature': hmac('s3cret') }, body().replace('main', 'evil'));
    assert.equal(tampered.status, 403);
    assert.equal(await eventCount(), before);
  });

  test('unknown mirror, path-like name, a payload naming no mirror', async () => {
    assert.equal((await hook('/nope', { 'x-gitea-signature': hmac('s3cret') })).status, 404);
    assert.equal((await hook('/..%2Fx', { 'x-gitea-signature': hmac('s3cret') })).status, 400);
    const other = pushPayload('https://example.invalid/other.git', 'refs/heads/main');
    assert.equal((await hook('', { 'x-gitea-signature': hmac('s3cret', other) }, other)).status, 404);
    const r = await hook('', { 'x-gitea-signature': hmac('s3cret', '{}') }, '{}');
    assert.equal(r.status, 400);
    assert.match(((await r.json()) as { message: string }).message, /not a push payload/);
  });

  test('the signature covers the raw bytes: indented JSON with odd spacing, key order and escapes, as forges send it', async () => {
    const url = JSON.stringify(upstream).replaceAll('/', '\\/');
    const raw = [
      '{',
      '  "after" :"' + '1'.repeat(40) + '",',
      '\t"repository": {',
      `    "html_url": ${url},   "clone_url":${url},`,
      '    "name" : "x",  "description": "caf\\u00e9 \\/ r\\u00e9sum\\u00e9", "size": 1.0e3',
      '  },',
      '  "ref":    "refs/heads/main",   "before": "' + '0'.repeat(40) + '"',
      '}',
      '',
    ].join('\r\n');
    const reserialised = JSON.stringify(JSON.parse(raw));
    assert.notEqual(reserialised, raw);
    const signed = (payload: string): Record<string, string>[] => [
      { 'x-hub-signature-256': `sha256=${hmac('s3cret', payload)}` },
      { 'x-gitea-signature': hmac('s3cret', payload) },
      { 'x-forgejo-signature': hmac('s3cret', payload) },
    ];
    const before = await eventCount();
    for (const headers of signed(reserialised)) {
      for (const path of ['/hello', '']) {
        const r = await hook(path, headers, raw);
        assert.equal(r.status, 403, `HMAC of the re-serialised JSON accepted at hooks${path}: ${JSON.stringify(headers)}`);
        assert.match(((await r.json()) as { message: string }).message, /wrong (gitea|github) webhook signature for (git mirror "hello"|the git mirrors of this repository)/);
      }
    }
    assert.equal(await eventCount(), before, 'a refused webhook syncs nothing');
    for (const headers of [...signed(raw), { 'x-gitlab-token': 's3cret' }]) {
      for (const path of ['/hello', '']) {
        const r = await hook(path, headers, raw);
        assert.equal(r.status, 200, `HMAC of the raw bytes refused at hooks${path}: ${JSON.stringify(headers)} ${await r.clone().text()}`);
        assert.deepEqual(((await r.json()) as { synced: SyncResult[] }).synced.map((x) => x.mirror), ['hello']);
      }
    }
  });

  test('by URL: a delivery syncs the mirrors whose secret verifies it; mirrors without one are skipped', async () => {
    // Three mirrors of one upstream: one with the right secret, one with another, one with none.
    for (const m of [{ name: 'twin-other', url: upstream, webhookSecret: 'other' }, { name: 'twin-none', url: upstream }]) {
      assert.equal((await api(server, 'POST', '/git/mirrors', { token: admin, body: m })).status, 201);
    }
    try {
      const before = await eventCount();
      const missing = await hook('', {});
      assert.equal(missing.status, 401);
      assert.equal(((await missing.json()) as { code: string }).code, 'unauthorized');
      const wrong = await hook('', { 'x-gitea-signature': hmac('wrong') });
      assert.equal(wrong.status, 403);
      assert.match(((await wrong.json()) as { message: string }).message, /wrong gitea webhook signature for the git mirrors of this repository \(hello, twin-other\)/);
      assert.equal(await eventCount(), before);
      const right = await hook('', { 'x-gitea-signature': hmac('s3cret') });
      assert.equal(right.status, 200, await right.clone().text());
      assert.deepEqual(((await right.json()) as { synced: SyncResult[] }).synced.map((x) => x.mirror), ['hello']);
      const other = await hook('', { 'x-hub-signature-256': `sha256=${hmac('other')}` });
      assert.deepEqual(((await other.json()) as { synced: SyncResult[] }).synced.map((x) => x.mirror), ['twin-other']);
      // Per mirror: unsigned is 401 even for a mirror that takes no webhooks; signed, 403.
      assert.equal((await hook('/twin-none', {})).status, 401);
      assert.equal((await hook('/twin-none', { 'x-gitea-signature': hmac('s3cret') })).status, 403);
    } finally {
      for (const name of ['twin-other', 'twin-none']) await api(server, 'DELETE', `/git/mirrors/${name}`, { token: admin });
    }
  });

  test('GitHub, GitLab and Gitea signatures with the right secret are accepted (per-mirror and by URL)', async () => {
    const right: Record<string, string>[] = [{ 'x-hub-signature-256': `sha256=${hmac('s3cret')}` }, { 'x-gitlab-token': 's3cret' }, { 'x-forgejo-signature': hmac('s3cret') }];
    for (const headers of right) {
      const r = await hook('/hello', headers);
      assert.equal(r.status, 200, await r.clone().text());
    }
    const byUrl = await hook('', { 'x-gitea-signature': hmac('s3cret') });
    assert.equal(byUrl.status, 200);
    assert.equal(((await byUrl.json()) as { synced: SyncResult[] }).synced[0]?.mirror, 'hello');
  });
});

test('the OpenAPI document lists the git routes', async () => {
  const doc = (await api<{ paths: Record<string, unknown> }>(server, 'GET', '/openapi.json')).body;
  for (const path of ['/api/v1/git/mirrors', '/api/v1/git/mirrors/{name}/sync', '/api/v1/git/rules/{name}', '/api/v1/git/events', '/api/v1/git/packages/{name}', '/api/v1/git/hooks/{name}']) {
    assert.ok(doc.paths[path], path);
  }
});
