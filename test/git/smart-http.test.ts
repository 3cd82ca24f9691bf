/**
 * The mirrors over git's smart HTTP, as a user meets them: `git clone http://127.0.0.1:PORT/git/NAME.git`
 * gives the upstream's tree and tags (protocol v2 and v0), a push is refused and changes nothing,
 * and unknown or path-like repository names are 404/400 without running git. Against hostile
 * clients: a body over the limit is 413 at once, slow bodies never run more git processes than
 * the setting allows and end with 408, a client that goes away takes its git process with it,
 * and every refusal (git's own too) is `{ code, message }`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { MirrorInfo } from '../../src/git/types.ts';
import { childProcesses } from '../support/child-processes.ts';
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
  server = await startTestServer({ http: { bodyIdleTimeoutMs: 1500, gitBackendProcesses: 2 } });
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

/** Pids of the git http-backend processes this process started (the master runs in it). */
const backendProcesses = (): number[] => childProcesses('http-backend');

async function until(what: string, probe: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface RawAnswer {
  status: number;
  body: string;
}

/** A raw request to `base`: `head`, then `body` (if any); resolves with the answer once the server closes the connection. */
function rawRequest(base: string, head: string, body?: Buffer | string): { socket: Socket; answer: Promise<RawAnswer> } {
  const url = new URL(base);
  const socket = connect(Number(url.port), url.hostname);
  const answer = new Promise<RawAnswer>((resolve) => {
    let text = '';
    socket.setEncoding('latin1').on('data', (d: string) => (text += d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const at = text.indexOf('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), body: at < 0 ? '' : text.slice(at + 4) });
    });
  });
  socket.write(head);
  if (body !== undefined) socket.write(body);
  return { socket, answer };
}

const uploadPackHead = (extra: string): string => `POST /git/hello.git/git-upload-pack HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-git-upload-pack-request\r\n${extra}\r\n`;

function jsonError(a: RawAnswer): { code: string; message: string } {
  const body = JSON.parse(a.body) as { code: string; message: string };
  assert.deepEqual(Object.keys(body).sort(), ['code', 'message']);
  return body;
}

test('a POST over the body limit is 413 { code, message } at once, before its body is sent', async () => {
  const { answer } = rawRequest(server.url, uploadPackHead(`Content-Length: ${17 * 1024 * 1024}\r\n`));
  const a = await answer;
  assert.equal(a.status, 413);
  assert.equal(jsonError(a).code, 'body_too_large');
  assert.deepEqual(backendProcesses(), []);
});

test('a chunked POST that grows over the body limit is 413 { code, message }, not a truncated 200', async () => {
  const { socket, answer } = rawRequest(server.url, uploadPackHead('Transfer-Encoding: chunked\r\n'));
  const chunk = Buffer.alloc(1024 * 1024, 0x30);
  const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
  for (let i = 0; i < 18 && !socket.destroyed; i++) {
    if (!socket.write(frame)) await new Promise((r) => socket.once('drain', r).once('close', r));
  }
  const a = await answer;
  assert.equal(a.status, 413);
  assert.equal(jsonError(a).code, 'body_too_large');
  await until('no git process is left', () => backendProcesses().length === 0);
});

test('slow POSTs never run more git processes than the setting allows; each ends with 408; none is left', async () => {
  const requests = Array.from({ length: 5 }, () => rawRequest(server.url, uploadPackHead('Content-Length: 1000\r\n'), '0032want '));
  let most = 0;
  const watching = setInterval(() => (most = Math.max(most, backendProcesses().length)), 20);
  const answers = await Promise.all(requests.map((r) => r.answer));
  clearInterval(watching);
  assert.ok(most >= 1 && most <= 2, `${most} git http-backend processes ran at once (the setting is 2)`);
  assert.deepEqual(answers.map((a) => [a.status, jsonError(a).code]), Array.from({ length: 5 }, () => [408, 'request_timeout']));
  await until('no git process is left', () => backendProcesses().length === 0);
});

test('a client that goes away takes its git process with it', async () => {
  // A long idle timeout: only the client leaving can end git here.
  const patient = await startTestServer({ http: { bodyIdleTimeoutMs: 120_000 } });
  try {
    const r = await api<MirrorInfo>(patient, 'POST', '/git/mirrors', { token: patient.adminToken, body: { name: 'hello', url: upstream } });
    assert.equal(r.status, 201);
    const { socket } = rawRequest(patient.url, uploadPackHead('Content-Length: 1000\r\n'), '0032want ');
    await until('git http-backend runs', () => backendProcesses().length === 1);
    socket.destroy();
    await until('git http-backend is gone', () => backendProcesses().length === 0);
  } finally {
    await patient.close();
  }
});

test('ambiguous service parameters, NUL in the path and what git refuses are { code, message }', async () => {
  const both = await fetch(`${server.url}/git/hello.git/info/refs?service=git-upload-pack&service=git-receive-pack`);
  assert.equal(both.status, 403);
  assert.equal(((await both.json()) as { code: string }).code, 'forbidden');
  const twice = await fetch(`${server.url}/git/hello.git/info/refs?service=git-upload-pack&service=git-upload-pack`);
  assert.equal(twice.status, 400);
  assert.deepEqual(await twice.json(), { code: 'bad_request', message: 'give the service query parameter once (service=git-upload-pack)' });
  const nul = await fetch(`${server.url}/git/hello.git/%00/%00/config`);
  assert.equal(nul.status, 400);
  assert.equal(((await nul.json()) as { code: string }).code, 'bad_request');
  const config = await fetch(`${server.url}/git/hello.git/config`);
  assert.equal(config.status, 404);
  const refused = (await config.json()) as { code: string; message: string };
  assert.equal(refused.code, 'not_found');
  assert.match(refused.message, /^git http-backend refused the request \(404\)/);
});
