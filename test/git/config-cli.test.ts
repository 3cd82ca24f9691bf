/**
 * The `git:` section of the server configuration (errors name the file and the field, nothing is
 * started), the poller's bookkeeping for a failing upstream (failures counted, its URL in the
 * last error, the next poll pushed back), and `distforge git list|sync|show|add` as a user runs
 * them, bad input included.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pollDueMirrors } from '../../src/git/poller.ts';
import { nextPollAt } from '../../src/git/schedule.ts';
import { gitDb } from '../../src/git/schema.ts';
import type { MirrorInfo } from '../../src/git/types.ts';
import { loadConfig } from '../../src/server/config.ts';
import { runCli } from '../support/cli.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api, examplePlatform, startTestServer, type TestServer } from '../support/server.ts';
import { pushTag, upstreamRepo } from './support.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-git-cfg-'));
let server: TestServer;
let env: NodeJS.ProcessEnv;
let upstream = '';

before(async () => {
  server = await startTestServer({ platforms: [examplePlatform()] });
  env = { DISTFORGE_URL: server.url, DISTFORGE_TOKEN: server.adminToken };
  upstream = upstreamRepo(work, 'hello');
});

after(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

describe('configuration file', () => {
  const load = (text: string): ReturnType<typeof loadConfig> => {
    const file = join(work, 'server.yaml');
    writeFileSync(file, text);
    return loadConfig(file);
  };

  test('a valid git section is read with its defaults', () => {
    const c = load('git:\n  mirrors:\n    - {name: hello, url: /srv/up/hello}\n  rules:\n    - {name: c10s, branch: c10s, platforms: [kitten-10], autopatch: {branch: a10s}}\n');
    assert.equal(c.git?.pollIntervalSeconds, 300);
    assert.deepEqual(c.git?.mirrors, [{ name: 'hello', url: '/srv/up/hello' }]);
    assert.deepEqual(c.git?.rules, [{ name: 'c10s', branch: 'c10s', platforms: ['kitten-10'], autopatch: { branch: 'a10s' } }]);
  });

  const bad: [string, RegExp][] = [
    ['git: [1]\n', /server\.yaml: git: must be a mapping/],
    ['git:\n  pollInterval: 5\n', /server\.yaml: git\.pollInterval: unknown field/],
    ['git:\n  pollIntervalSeconds: 0\n', /git\.pollIntervalSeconds: must be a whole number from 1/],
    ['git:\n  mirrors:\n    - {name: ../x, url: /srv/x}\n', /git\.mirrors\[0\]\.name: "\.\.\/x" must not contain a path separator/],
    ['git:\n  mirrors:\n    - {name: x}\n', /git\.mirrors\[0\]\.url: must be a non-empty string/],
    ['git:\n  mirrors:\n    - {name: x, url: /a}\n    - {name: x, url: /b}\n', /git\.mirrors\[1\]\.name: "x" is defined twice/],
    ['git:\n  rules:\n    - {name: r, tag: "a..b*", platforms: [p]}\n', /git\.rules\[0\]\.tag: "a\.\.b\*" is not a valid tag or branch pattern/],
    ['git:\n  rules:\n    - {name: r, tag: "x/*"}\n', /git\.rules\[0\]\.platforms: must be a non-empty list/],
    ['git:\n  rules:\n    - {name: r, tag: "x/*", platforms: [p], autopatch: {repo: x}}\n', /git\.rules\[0\]\.autopatch\.branch: must be a non-empty string/],
  ];
  for (const [text, message] of bad) {
    test(`refused: ${text.replace(/\n/g, ' ').trim()}`, () => {
      assert.throws(() => load(text), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'invalid_git_definition');
        assert.match(e.message, message);
        return true;
      });
    });
  }

  test('`distforge server` refuses a rule naming an unknown platform and stops', async () => {
    const file = join(work, 'unknown-platform.yaml');
    writeFileSync(file, `git:\n  mirrors:\n    - {name: hello, url: ${upstream}}\n  rules:\n    - {name: r, tag: "x/*", platforms: [almalinux-42]}\n`);
    const r = await runCli(['server', '--data', join(work, 'data-bad'), '--port', '0', '--config', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unknown platform: "almalinux-42"/);
  });
});

test('a failing upstream: failures counted, its URL in the last error, the next poll pushed back', async () => {
  const url = join(work, 'gone');
  const now = server.ctx.now();
  await gitDb(server.ctx).insertInto('git_mirrors').values({ name: 'gone', url, created_at: now, updated_at: now, next_poll_at: 0, failures: 0 }).execute();
  for (let i = 1; i <= 2; i++) {
    await gitDb(server.ctx).updateTable('git_mirrors').set({ next_poll_at: 0 }).where('name', '=', 'gone').execute();
    const stats = await pollDueMirrors(server.ctx, { intervalS: 60, concurrency: 2 });
    assert.equal(stats.failed, 1);
    const m = (await api<MirrorInfo>(server, 'GET', '/git/mirrors/gone')).body;
    assert.equal(m.failures, i);
    assert.match(m.lastError ?? '', new RegExp(`cannot reach git repository ${url}`));
    assert.ok(m.nextPollAt >= now + 60_000 * 2 ** i * 0.9, 'backed off');
  }
  assert.ok(nextPollAt(0, 60, 40) <= 6 * 3600_000 * 1.1, 'backoff is capped');
  await gitDb(server.ctx).deleteFrom('git_mirrors').where('name', '=', 'gone').execute();
});

describe(`distforge git (${TEST_DIALECT})`, () => {
  test('add, list, sync, show', async () => {
    const add = await runCli(['git', 'add', 'hello', upstream], { env });
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /mirror hello registered \(1 refs\); clone http:\/\/127\.0\.0\.1:\d+\/git\/hello\.git/);
    const list = await runCli(['git', 'list'], { env: { DISTFORGE_URL: server.url } });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^NAME\s+REFS/);
    assert.match(list.stdout, new RegExp(`hello\\s+1\\s.*${upstream}`));
    pushTag(upstream, 'v1');
    const sync = await runCli(['git', 'sync', 'hello'], { env });
    assert.equal(sync.code, 0, sync.stderr);
    assert.match(sync.stdout, /mirror hello: updated\n {2}refs\/tags\/v1 [0-9a-f]{12} \(no rule\)/);
    const json = await runCli(['git', 'list', '--json'], { env });
    assert.equal((JSON.parse(json.stdout) as MirrorInfo[])[0]?.refs, 2);
    const show = await runCli(['git', 'show', 'hello'], { env });
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /refs\/tags\/v1 .* sync .*ignored: no rule matches this ref/);
  });

  test('bad input: unknown mirror, path-like name, no token, unreachable upstream, no server', async () => {
    const unknown = await runCli(['git', 'sync', 'nope'], { env });
    assert.deepEqual([unknown.code, unknown.stderr.trim()], [1, 'distforge: no git mirror "nope"']);
    const dotted = await runCli(['git', 'sync', '../x'], { env });
    assert.equal(dotted.code, 1);
    assert.match(dotted.stderr, /invalid mirror name: "\.\.\/x" must not contain a path separator/);
    const noToken = await runCli(['git', 'sync', 'hello'], { env: { DISTFORGE_URL: server.url, DISTFORGE_TOKEN: '' } });
    assert.equal(noToken.code, 1);
    assert.match(noToken.stderr, /token/i);
    const ghost = await runCli(['git', 'add', 'ghost', join(work, 'nothing-here')], { env });
    assert.equal(ghost.code, 1);
    assert.match(ghost.stderr, new RegExp(`cannot reach git repository ${join(work, 'nothing-here')}`));
    const showUnknown = await runCli(['git', 'show', 'nope'], { env });
    assert.deepEqual([showUnknown.code, showUnknown.stderr.trim()], [1, 'distforge: no git mirror "nope"']);
    const down = await runCli(['git', 'list', '--server', 'http://127.0.0.1:9'], { env: {} });
    assert.equal(down.code, 1);
    assert.match(down.stderr, /cannot reach http:\/\/127\.0\.0\.1:9/);
    const names = (await api<MirrorInfo[]>(server, 'GET', '/git/mirrors')).body.map((m) => m.name);
    assert.deepEqual(names, ['hello']);
  });
});
