/**
 * The git service end to end with a real master (`startServer` with a configuration file that
 * declares a mirror and a rule) and a real build node: a tag pushed to a local upstream leads to
 * a successful build that nobody submitted — once noticed by polling, once by a signed Gitea
 * webhook, once through autopatch (our branch and tag in DATA/git/ours, served over HTTP) — and the
 * package's pipeline shows upstream ref → our ref → build → tasks. A webhook with a wrong
 * signature is refused and builds nothing.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { MirrorInfo } from '../../src/git/types.ts';
import type { RunningServer } from '../../src/server/start.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api, EXAMPLE_PLATFORM_FILE } from '../support/server.ts';
import { builtEntry, git, giteaHeaders, pipeline, pushPayload, pushTag, startGitMaster, upstreamRepo, waitFor, type GitMaster } from './support.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-git-flow-'));
let server: RunningServer;
let master: GitMaster;
let admin = '';
const polled = upstreamRepo(join(work, 'upstream'), 'greeter-doc');
const hooked = upstreamRepo(join(work, 'upstream2'), 'greeter-doc');

/** A patches repository: greeter-doc.yaml adds a release suffix. */
function patchesRepo(): string {
  const dir = join(work, 'patches');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'greeter-doc.yaml'), 'actions:\n  - modify_release: {suffix: .alma.1}\n');
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'greeter-doc actions');
  return dir;
}
const patches = patchesRepo();

const built = (name: string, ref: string) => builtEntry(master.server, name, ref);

before(async () => {
  const config = join(work, 'server.yaml');
  writeFileSync(
    config,
    [
      'platforms:',
      `  - ${EXAMPLE_PLATFORM_FILE}`,
      'git:',
      '  pollIntervalSeconds: 1',
      '  webhookSecret: not-this-one',
      '  mirrors:',
      `    - {name: greeter-doc, url: "file://${polled}"}`,
      '  rules:',
      '    - {name: c9-imports, tag: "imports/c9/*", mirrors: [greeter-doc], platforms: [example-el9]}',
      `    - {name: a9, tag: "imports/a9/*", mirrors: [greeter-doc], platforms: [example-el9], autopatch: {repo: "${patches}", ref: main, branch: a9}}`,
      '',
    ].join('\n'),
  );
  master = await startGitMaster(work, config);
  server = master.server;
  admin = master.admin;
});

after(async () => {
  await master.stop();
  rmSync(work, { recursive: true, force: true });
});

describe(`a tag pushed upstream builds by itself (${TEST_DIALECT})`, () => {
  test('via polling: the configured mirror is fetched, then a new imports/c9 tag builds', async () => {
    await waitFor('the baseline sync', async () => {
      const m = (await api<MirrorInfo>(server, 'GET', '/git/mirrors/greeter-doc')).body;
      return m.syncedAt !== null ? m : undefined;
    });
    const commit = pushTag(polled, 'imports/c9/greeter-doc-1.0-1.el9');
    const e = await built('greeter-doc', 'refs/tags/imports/c9/greeter-doc-1.0-1.el9');
    assert.equal(e.via, 'poll');
    assert.equal(e.commit, commit);
    assert.equal(e.rule, 'c9-imports');
    assert.equal(e.build?.state, 'succeeded');
    assert.equal(e.build?.signed, false, 'the pipeline shows signing: not signed yet');
    assert.ok(e.build?.tasks.some((t) => t.kind === 'rpm' && t.arch === 'noarch' && t.state === 'succeeded'), JSON.stringify(e.build?.tasks));
    const build = await api<{ owner: string; items: { git: { url: string; commit: string } }[] }>(server, 'GET', `/builds/${e.build?.id ?? 0}`, { token: admin });
    assert.equal(build.body.owner, 'git-service');
    assert.equal(build.body.items[0]?.git.url, `${server.url}/git/greeter-doc.git`);
    assert.equal(build.body.items[0]?.git.commit, commit);
  });

  test('via a signed webhook: a mirror registered over the API syncs at once; a wrong signature is refused', async () => {
    const body = { name: 'greeter-hooked', url: hooked, webhookSecret: 'hook-secret', pollIntervalSeconds: 604800 };
    assert.equal((await api(server, 'POST', '/git/mirrors', { token: admin, body })).status, 201);
    const rule = { name: 'hooked', tag: 'imports/c9/*', mirrors: ['greeter-hooked'], platforms: ['example-el9'] };
    assert.equal((await api(server, 'PUT', '/git/rules/hooked', { token: admin, body: rule })).status, 201);
    // The first sync (made at once, in the background) ends before the tag is pushed, so that the
    // webhook's delivery, not that sync, is what notices it.
    await waitFor('the first sync of the new mirror', async () => {
      const m = (await api<MirrorInfo>(server, 'GET', '/git/mirrors/greeter-hooked', { token: admin })).body;
      return m.syncedAt !== null ? m : undefined;
    });
    const commit = pushTag(hooked, 'imports/c9/greeter-doc-1.0-2.el9');
    const payload = pushPayload(hooked, 'refs/tags/imports/c9/greeter-doc-1.0-2.el9');

    const bad = await fetch(`${server.url}/api/v1/git/hooks/greeter-hooked`, { method: 'POST', headers: giteaHeaders(payload, 'wrong-secret'), body: payload });
    assert.equal(bad.status, 403);
    const err = (await bad.json()) as { code: string; message: string };
    assert.equal(err.code, 'forbidden');
    assert.match(err.message, /wrong gitea webhook signature/);
    assert.equal((await pipeline(server, 'greeter-hooked')).pipeline.length, 0, 'a refused webhook records nothing');

    const ok = await fetch(`${server.url}/api/v1/git/hooks/greeter-hooked`, { method: 'POST', headers: giteaHeaders(payload, 'hook-secret'), body: payload });
    assert.equal(ok.status, 200, await ok.clone().text());
    const synced = (await ok.json()) as { synced: { events: { ref: string; rule: string | null }[] }[] };
    assert.deepEqual(synced.synced[0]?.events.map((e) => [e.ref, e.rule]), [['refs/tags/imports/c9/greeter-doc-1.0-2.el9', 'hooked']]);
    const e = await built('greeter-hooked', 'refs/tags/imports/c9/greeter-doc-1.0-2.el9');
    assert.equal(e.via, 'webhook');
    assert.equal(e.commit, commit);
    assert.equal(e.build?.state, 'succeeded');
  });

  test('through autopatch: our tag is built from our repository, and the pipeline shows it', async () => {
    const commit = pushTag(polled, 'imports/a9/greeter-doc-1.0-1.el9');
    const e = await built('greeter-doc', 'refs/tags/imports/a9/greeter-doc-1.0-1.el9');
    assert.equal(e.rule, 'a9');
    assert.equal(e.commit, commit);
    assert.match(e.ourRef ?? '', /^refs\/tags\/changed\/a9\/greeter-doc-1\.0-1.*\.alma\.1$/);
    assert.equal(e.build?.state, 'succeeded');
    const build = await api<{ items: { git: { url: string; ref: string; commit: string } }[]; tasks: { artifacts: { name: string }[] }[] }>(server, 'GET', `/builds/${e.build?.id ?? 0}`, { token: admin });
    assert.equal(build.body.items[0]?.git.url, `${server.url}/git/ours/greeter-doc.git`);
    assert.equal(build.body.items[0]?.git.commit, e.ourCommit);
    const names = build.body.tasks.flatMap((t) => t.artifacts.map((a) => a.name));
    assert.ok(names.some((n) => /^greeter-doc-1\.0-1\.el9\.alma\.1\.noarch\.rpm$/.test(n)), names.join(' '));
  });
});
