/**
 * Sources through a real node (NodeAgent against the stand-in master, real git, rpmbuild and
 * bwrap): hello-c from git repositories in both dist-git layouts, its tarball kept out of git and
 * served by a lookaside over HTTP on 127.0.0.1. The SRPM holds the tarball and builds; a lookaside
 * blob with the wrong content fails with both hashes; a file found nowhere fails naming the URLs;
 * a second task takes the file from the node's cache (no second HTTP request); a `sources` line
 * with a path fails as path traversal.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { NodeAgent } from '../../src/node/agent.ts';
import { hostArch } from '../../src/node/host.ts';
import type { NodeLogger } from '../../src/node/task-runner.ts';
import { serveDirectory, type StaticServer } from '../support/http-static.ts';
import { startFakeMaster, type FakeMaster, type TaskRecord } from '../node/fake-master.ts';
import { commitTree, EXAMPLES, examplePlatform, rpmCheck } from '../node/support.ts';
import { bootstrapRepo, NODE_CACHE } from '../support/bootstrap-repo.ts';

const TOKEN = 'node-secret';
const TARBALL = join(EXAMPLES, 'hello-c', 'hello-c-1.0.tar.gz');
const SPEC = readFileSync(join(EXAMPLES, 'hello-c', 'hello-c.spec'), 'utf8');
const data = readFileSync(TARBALL);
const hex = (type: string, d: Buffer): string => createHash(type).update(d).digest('hex');
const SHA512 = hex('sha512', data);
const SHA1 = hex('sha1', data);
const quiet: NodeLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

let dir: string;
let master: FakeMaster;
let lookaside: StaticServer;
let agent: NodeAgent;
let running: Promise<void>;
let nextId = 1;

/** A git repository holding `files` (path → content). */
function repo(name: string, files: Record<string, string | Buffer>): { url: string; commit: string } {
  const d = join(dir, 'git', `${name}-${nextId}`);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(d, path, '..'), { recursive: true });
    writeFileSync(join(d, path), content);
  }
  return commitTree(d);
}

/** Hands the node an srpm task for `tree` and waits for its end. */
async function srpmTask(tree: { url: string; commit: string }): Promise<TaskRecord> {
  const id = nextId++;
  const platform = {
    ...examplePlatform(),
    lookaside: [{ url: `${lookaside.url}/repo/pkgs/{name}/{filename}/{hashtype}/{hash}/{filename}` }, { url: `${lookaside.url}/by-hash/{hashtype}/{hash}` }],
  };
  master.push({ id, kind: 'srpm', platform: platform.name, arch: 'src', source: { kind: 'git', gitUrl: tree.url, gitRef: 'main', gitCommit: tree.commit }, platformDefinition: platform, dependencies: [], repositories: [] });
  return master.settled(id);
}

function srpmOf(r: TaskRecord): string {
  const up = r.uploads.find((u) => u.kind === 'srpm');
  assert.ok(up, 'an SRPM was uploaded');
  const path = join(dir, `${nextId}-${up.name}`);
  writeFileSync(path, up.data);
  return path;
}

const hits = (path: string): number => lookaside.requests.filter((p) => p === path).length;

before(async () => {
  await bootstrapRepo();
  dir = mkdtempSync(join(tmpdir(), 'distforge-sources-'));
  const served = join(dir, 'lookaside');
  mkdirSync(join(served, 'repo/pkgs/hello-c/hello-c-1.0.tar.gz/sha512', SHA512), { recursive: true });
  copyFileSync(TARBALL, join(served, 'repo/pkgs/hello-c/hello-c-1.0.tar.gz/sha512', SHA512, 'hello-c-1.0.tar.gz'));
  mkdirSync(join(served, 'by-hash/sha1'), { recursive: true });
  copyFileSync(TARBALL, join(served, 'by-hash/sha1', SHA1));
  // A blob whose content is not what its name says.
  mkdirSync(join(served, 'by-hash/sha512'), { recursive: true });
  writeFileSync(join(served, 'by-hash/sha512', 'f'.repeat(128)), 'not the tarball\n');
  [lookaside, master] = await Promise.all([serveDirectory(served), startFakeMaster(TOKEN)]);
  agent = new NodeAgent({ server: master.url, token: TOKEN, arches: [hostArch(), 'noarch'], maxConcurrency: 2, workDir: join(dir, 'work'), cacheDir: NODE_CACHE, pollMs: 50, log: quiet });
  running = agent.run();
});

after(async () => {
  agent.stop();
  await running;
  await Promise.all([master.close(), lookaside.close()]);
  rmSync(dir, { recursive: true, force: true });
});

test('Fedora layout: spec at the root, `sources` with SHA512; the tarball comes from the lookaside and the package builds', async () => {
  const tree = repo('fedora', { 'hello-c.spec': SPEC, sources: `SHA512 (hello-c-1.0.tar.gz) = ${SHA512}\n` });
  const r = await srpmTask(tree);
  assert.equal(r.failed, undefined, r.failed);
  assert.equal(r.completed?.commit, tree.commit);
  assert.equal(r.completed?.layout, 'fedora');
  const url = `${lookaside.url}/repo/pkgs/hello-c/hello-c-1.0.tar.gz/sha512/${SHA512}/hello-c-1.0.tar.gz`;
  assert.deepEqual(r.completed?.sources, [{ path: 'hello-c-1.0.tar.gz', hashtype: 'sha512', hash: SHA512, from: url }]);
  const srpm = srpmOf(r);
  assert.match(rpmCheck(srpm), /digests OK/);
  assert.ok(execFileSync('rpm', ['-qlp', srpm], { encoding: 'utf8' }).split('\n').includes('hello-c-1.0.tar.gz'));

  // The binary build from that SRPM.
  const id = nextId++;
  const srpmBlob = master.addBlob(srpm, 'srpm');
  master.push({ id, kind: 'rpm', platform: 'example-el9', arch: hostArch(), source: { kind: 'git', gitUrl: tree.url, gitRef: 'main', gitCommit: tree.commit }, platformDefinition: examplePlatform(), dependencies: [{ taskId: id - 1, artifacts: [srpmBlob] }], repositories: [] });
  const built = await master.settled(id);
  assert.equal(built.failed, undefined, built.failed);
  assert.ok(built.uploads.some((u) => u.kind === 'rpm' && u.name.startsWith('hello-c-1.0-1.el9.')));
});

test('a second task takes the file from the node cache: no second HTTP request', async () => {
  const path = `/repo/pkgs/hello-c/hello-c-1.0.tar.gz/sha512/${SHA512}/hello-c-1.0.tar.gz`;
  assert.equal(hits(path), 1);
  const r = await srpmTask(repo('fedora-again', { 'hello-c.spec': SPEC.replace('Release:        1', 'Release:        2'), sources: `SHA512 (hello-c-1.0.tar.gz) = ${SHA512}\n` }));
  assert.equal(r.failed, undefined, r.failed);
  assert.equal((r.completed?.sources as { from: string }[])[0]?.from, 'cache');
  assert.equal(hits(path), 1);
});

test('CentOS layout: SPECS/ + .NAME.metadata (sha1), nothing in SOURCES/ committed; found by the second lookaside', async () => {
  const tree = repo('centos', { 'SPECS/hello-c.spec': SPEC, '.hello-c.metadata': `${SHA1} SOURCES/hello-c-1.0.tar.gz\n` });
  const r = await srpmTask(tree);
  assert.equal(r.failed, undefined, r.failed);
  assert.equal(r.completed?.layout, 'centos');
  assert.equal(r.completed?.commit, tree.commit);
  assert.deepEqual(r.completed?.sources, [{ path: 'SOURCES/hello-c-1.0.tar.gz', hashtype: 'sha1', hash: SHA1, from: `${lookaside.url}/by-hash/sha1/${SHA1}` }]);
  assert.ok(execFileSync('rpm', ['-qlp', srpmOf(r)], { encoding: 'utf8' }).split('\n').includes('hello-c-1.0.tar.gz'));
});

test('a lookaside blob with the wrong content fails the task with both hashes; nothing is cached', async () => {
  const wanted = 'f'.repeat(128);
  const r = await srpmTask(repo('bad-blob', { 'hello-c.spec': SPEC, sources: `SHA512 (hello-c-1.0.tar.gz) = ${wanted}\n` }));
  const got = hex('sha512', Buffer.from('not the tarball\n'));
  assert.equal(r.failed, `source file hello-c-1.0.tar.gz: sha512 mismatch: expected ${wanted}, got ${got} (downloaded from ${lookaside.url}/by-hash/sha512/${wanted})`);
  assert.ok(r.uploads.some((u) => u.name === 'build.log'));
  const again = await srpmTask(repo('bad-blob-again', { 'hello-c.spec': SPEC, sources: `SHA512 (hello-c-1.0.tar.gz) = ${wanted}\n` }));
  assert.match(again.failed ?? '', /sha512 mismatch/);
});

test('a file found nowhere fails naming the file and every URL tried', async () => {
  const missing = '0'.repeat(64);
  const r = await srpmTask(repo('missing', { 'hello-c.spec': SPEC, sources: `SHA256 (hello-c-1.0.tar.gz) = ${missing}\n` }));
  assert.match(r.failed ?? '', new RegExp(`^source file hello-c-1\\.0\\.tar\\.gz \\(sha256 ${missing}\\) is in no lookaside; tried `));
  for (const u of [`${master.url}/api/v1/lookaside/sha256/${missing}/hello-c-1.0.tar.gz`, `${lookaside.url}/repo/pkgs/hello-c/hello-c-1.0.tar.gz/sha256/${missing}/hello-c-1.0.tar.gz (HTTP 404)`, `${lookaside.url}/by-hash/sha256/${missing} (HTTP 404)`]) {
    assert.ok(r.failed?.includes(u), `${u} in ${r.failed ?? ''}`);
  }
});

test('a committed file that does not match its hash, a path in `sources`, a line that does not parse: clear failures', async () => {
  const wrong = await srpmTask(repo('committed', { 'hello-c.spec': SPEC, 'hello-c-1.0.tar.gz': 'edited\n', sources: `SHA512 (hello-c-1.0.tar.gz) = ${SHA512}\n` }));
  assert.equal(wrong.failed, `source file hello-c-1.0.tar.gz: sha512 mismatch: expected ${SHA512}, got ${hex('sha512', Buffer.from('edited\n'))} (the file committed in git)`);
  const traversal = await srpmTask(repo('traversal', { 'hello-c.spec': SPEC, sources: `SHA512 (../../../etc/cron.d/x) = ${SHA512}\n` }));
  assert.match(traversal.failed ?? '', /^sources line 1: "\.\.\/\.\.\/\.\.\/etc\/cron\.d\/x" is a path, not a file name \(path traversal refused\)$/);
  const garbled = await srpmTask(repo('garbled', { 'hello-c.spec': SPEC, '.hello-c.metadata': `${SHA1} SOURCES/hello-c-1.0.tar.gz\nnonsense\n` }));
  assert.equal(garbled.failed, '.hello-c.metadata line 2: cannot parse "nonsense" (expected "HASH SOURCES/FILE")');
});
