/**
 * A refused upload leaves nothing behind, over real HTTP on a real database: a large file that is
 * not an SRPM sent to POST /srpms (422 not_srpm), and node uploads whose content does not match
 * their kind (422 bad_artifact), are never downloadable from GET /artifacts/SHA/NAME and leave no
 * file in the store. The same bytes stored legitimately, before or at the same moment, stay.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createNodeToken } from '../../src/auth/nodes.ts';
import { issueUserToken } from '../../src/auth/tokens.ts';
import { buildRpm } from '../../src/rpm/index.ts';
import type { RpmSpec } from '../../src/rpm/writer-types.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { insertBuildItem, insertQueuedTask } from '../support/queued-tasks.ts';
import { api, examplePlatform, startTestServer, type TestServer } from '../support/server.ts';

const PLATFORM = 'example-el9';
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const spec = (extra: Partial<RpmSpec> = {}): RpmSpec => ({ name: 'hello', version: '1.0', release: '1', arch: 'x86_64', summary: 'hi', description: 'says hello', license: 'MIT', ...extra });

let server: TestServer;
let maintainer: string;
let nodeToken: string;
let taskId: number;

before(async () => {
  server = await startTestServer({ platforms: [examplePlatform()] });
  const ctx = server.ctx;
  const user = await issueUserToken(ctx, 'alice', 'maintainer');
  maintainer = user.secret;
  nodeToken = (await createNodeToken(ctx, { name: 'n1', arches: ['x86_64'] })).secret;
  taskId = await insertQueuedTask(ctx, await insertBuildItem(ctx, user.userInfo.id, PLATFORM), 'srpm', 'src');
  const leased = await api<{ task: { id: number } }>(server, 'POST', '/node/lease', { token: nodeToken });
  assert.equal(leased.body.task.id, taskId);
});
after(() => server.close());

/** Every file under `dir`. */
function filesUnder(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Everything the store keeps: files under its directory and staging areas, and an S3 store's objects. */
async function storeFiles(): Promise<string[]> {
  return [...filesUnder(join(server.dataDir, 'store')), ...filesUnder(join(server.dataDir, 's3-staging')), ...((await server.s3?.keys()) ?? [])];
}

async function download(sha256: string): Promise<{ status: number; body: Buffer }> {
  const res = await fetch(`${server.url}/api/v1/artifacts/${sha256}/x`);
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

async function postSrpm(body: Buffer): Promise<{ status: number; body: { code?: string; sha256?: string } }> {
  const res = await fetch(`${server.url}/api/v1/srpms`, { method: 'POST', headers: { authorization: `Bearer ${maintainer}`, 'content-type': 'application/octet-stream' }, body });
  return { status: res.status, body: (await res.json()) as { code?: string } };
}

async function nodeUpload(name: string, body: Buffer, kind: string): Promise<{ status: number; body: { code?: string } }> {
  const res = await fetch(`${server.url}/api/v1/node/tasks/${taskId}/artifacts/${name}?kind=${kind}&sha256=${sha(body)}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${nodeToken}`, 'content-type': 'application/octet-stream' },
    body,
  });
  return { status: res.status, body: (await res.json()) as { code?: string } };
}

test(`a large non-RPM sent as an SRPM is refused and cannot be downloaded (${TEST_DIALECT})`, async () => {
  const junk = randomBytes(16 * 1024 * 1024);
  const r = await postSrpm(junk);
  assert.equal(r.status, 422);
  assert.equal(r.body.code, 'not_srpm');
  assert.equal((await download(sha(junk))).status, 404);
  const binary = buildRpm(spec());
  const b = await postSrpm(binary);
  assert.deepEqual([b.status, b.body.code], [422, 'not_srpm']);
  assert.equal((await download(sha(binary))).status, 404);
  assert.deepEqual(await storeFiles(), [], 'nothing in the store, not even in its staging area');
});

test('node uploads refused for their content cannot be downloaded', async () => {
  const binary = buildRpm(spec({ release: '2' }));
  const asSrpm = await nodeUpload('hello-1.0-2.src.rpm', binary, 'srpm');
  assert.deepEqual([asSrpm.status, asSrpm.body.code], [422, 'bad_artifact']);
  const junk = randomBytes(1024 * 1024);
  const asRpm = await nodeUpload('hello-1.0-2.x86_64.rpm', junk, 'rpm');
  assert.deepEqual([asRpm.status, asRpm.body.code], [422, 'bad_artifact']);
  for (const bytes of [binary, junk]) assert.equal((await download(sha(bytes))).status, 404);
  assert.deepEqual(await storeFiles(), []);
  const artifacts = await server.ctx.db.kysely.selectFrom('artifacts').select('name').where('task_id', '=', taskId).execute();
  assert.deepEqual(artifacts, []);
});

test('a refused upload of bytes already stored leaves them stored', async () => {
  const srpm = buildRpm(spec({ arch: 'src', files: [{ path: 'hello.spec', data: 'Name: hello\n' }] }));
  const kept = await postSrpm(srpm);
  assert.equal(kept.status, 201);
  const refused = await nodeUpload('hello.x86_64.rpm', srpm, 'rpm');
  assert.deepEqual([refused.status, refused.body.code], [422, 'bad_artifact']);
  const d = await download(sha(srpm));
  assert.equal(d.status, 200);
  assert.equal(sha(d.body), sha(srpm));
});

test('refused and legitimate uploads of the same bytes at the same moment: the legitimate blob stays', async () => {
  const srpm = buildRpm(spec({ arch: 'src', release: '3', files: [{ path: 'hello.spec', data: 'Name: hello\nRelease: 3\n' }] }));
  const results = await Promise.all(
    Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? nodeUpload('hello-1.0-3.src.rpm', srpm, 'srpm') : nodeUpload(`wrong-${i}.rpm`, srpm, 'rpm'))),
  );
  assert.deepEqual(results.map((r) => r.status), [201, 422, 201, 422, 201, 422]);
  const d = await download(sha(srpm));
  assert.equal(d.status, 200);
  assert.equal(sha(d.body), sha(srpm));
  const artifacts = await server.ctx.db.kysely.selectFrom('artifacts').select('name').where('task_id', '=', taskId).execute();
  assert.deepEqual(artifacts.map((a) => a.name), ['hello-1.0-3.src.rpm']);
});
