/**
 * The mirrors over git's smart HTTP, as a user meets them: `git clone http://127.0.0.1:PORT/git/NAME.git`
 * gives the upstream's tree and tags (protocol v2 and v0), a push is refused and changes nothing,
 * and unknown or path-like repository names are 404/400 without running git.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { MirrorInfo } from '../../src/git/types.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api, startTestServer, type TestServer } from '../support/server.ts';
import { git, pushTag, upstreamRepo } from './support.ts';

/** Runs git asynchronously (the server answers in this same process); never rejects. */
function gitAsync(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile('git', args, { cwd, encoding: 'utf8' }, (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) || 1 : 0, stdout, stderr }));
  });
}

const work = mkdtempSync(join(tmpdir(), 'distforge-git-http-'));
let server: TestServer;
let upstream = '';
let commit = '';

before(async () => {
  server = await startTestServer();
  upstream = upstreamRepo(work, 'hello');
  commit = pushTag(upstream, 'imports/c9/hello-1.0-1.el9');
  const r = await api<MirrorInfo>(server, 'POST', '/git/mirrors', { token: server.adminToken, body: { name: 'hello', url: upstream } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.cloneUrl, `${server.url}/git/hello.git`);
  assert.equal(r.body.refs, 2);
});

after(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

for (const protocol of ['2', '0']) {
  test(`git clone http://…/git/NAME.git works (protocol v${protocol})`, async () => {
    const dest = join(work, `clone-v${protocol}`);
    const clone = await gitAsync(['-c', `protocol.version=${protocol}`, 'clone', '-q', `${server.url}/git/hello.git`, dest]);
    assert.equal(clone.code, 0, clone.stderr);
    assert.equal(readFileSync(join(dest, 'greeter-doc.spec'), 'utf8'), readFileSync(join(upstream, 'greeter-doc.spec'), 'utf8'));
    assert.equal(git(dest, 'rev-parse', 'imports/c9/hello-1.0-1.el9^{commit}'), commit);
  });
}

test(`a push is refused and changes nothing (${TEST_DIALECT})`, async () => {
  const dest = join(work, 'clone-push');
  assert.equal((await gitAsync(['clone', '-q', `${server.url}/git/hello.git`, dest])).code, 0);
  writeFileSync(join(dest, 'extra.txt'), 'not welcome\n');
  git(dest, 'add', '-A');
  git(dest, 'commit', '-q', '-m', 'push attempt');
  const push = await gitAsync(['push', 'origin', 'HEAD:refs/heads/main'], dest);
  assert.notEqual(push.code, 0, 'git push must fail');
  assert.match(push.stderr, /403/);
  const refs = await fetch(`${server.url}/git/hello.git/info/refs?service=git-receive-pack`);
  assert.equal(refs.status, 403);
  assert.deepEqual(await refs.json(), { code: 'forbidden', message: 'the git repositories of distforge are read-only (git-receive-pack is refused)' });
  const post = await fetch(`${server.url}/git/hello.git/git-receive-pack`, { method: 'POST', headers: { 'content-type': 'application/x-git-receive-pack-request' }, body: '0000' });
  assert.equal(post.status, 403);
  const lsRemote = await gitAsync(['ls-remote', `${server.url}/git/hello.git`, 'refs/heads/main']);
  assert.equal(lsRemote.stdout.split('\t')[0], commit, 'the mirror still has the upstream commit');
});

test('unknown and path-like repository names are refused', async () => {
  const unknown = await fetch(`${server.url}/git/nope.git/info/refs?service=git-upload-pack`);
  assert.equal(unknown.status, 404);
  assert.deepEqual(await unknown.json(), { code: 'not_found', message: 'no git mirror "nope"' });
  const dotted = await fetch(`${server.url}/git/..%2Fdistforge.git/info/refs`);
  assert.ok([400, 404].includes(dotted.status));
  assert.ok(['invalid_name', 'not_found'].includes(((await dotted.json()) as { code: string }).code));
  const escape = await fetch(`${server.url}/git/hello.git/objects/..%2F..%2F..%2Fdistforge.sqlite`);
  assert.equal(escape.status, 404);
  assert.equal(((await escape.json()) as { code: string }).code, 'not_found');
  const clone = await gitAsync(['clone', '-q', `${server.url}/git/nope.git`, join(work, 'nope')]);
  assert.notEqual(clone.code, 0);
  assert.equal(existsSync(join(work, 'nope', 'HEAD')), false);
});
