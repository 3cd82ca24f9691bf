/**
 * A master whose artifact store is an S3 bucket (a real S3-compatible server, s3rver on
 * 127.0.0.1), over real HTTP on a real database, with presigned downloads on: an SRPM uploaded
 * with POST /srpms lands in the bucket under its sha256 and nowhere on the master's disk; its
 * download is a 302 to a presigned URL that serves the bytes (a missing blob is still a 404); the
 * builds domain reads the uploaded SRPM's BuildArch from the bucket (no local file to read); a
 * node's lease points at the SRPM through a URL that ends in the bucket; the build repository is
 * made from copies of the bucket's blobs; a lookaside download redirects too.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BuildView } from '../../src/builds/index.ts';
import { buildRpm } from '../../src/rpm/index.ts';
import type { LeasedTask } from '../../src/scheduler/index.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { sharedS3Server } from '../support/s3-server.ts';
import { api, examplePlatform, nodeToken, startTestServer, userToken, type TestServer } from '../support/server.ts';
import { buildSrpm, specOf } from './builds-support.ts';

const PLATFORM = 'example-el9';
const PRESIGN_SECONDS = 120;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe(`a master on an S3 store (${TEST_DIALECT})`, () => {
  let server: TestServer;
  let maintainer: string;
  let node: string;
  let work: string;
  let srpmPath: string;
  let srpm: Buffer;
  let buildId: number;

  before(async () => {
    server = await startTestServer({ platforms: [examplePlatform()], store: 's3', s3PresignSeconds: PRESIGN_SECONDS });
    maintainer = await userToken(server, 'maint', 'maintainer');
    node = (await nodeToken(server, 'n1', { arches: ['x86_64', 'noarch'] })).token;
    work = mkdtempSync(join(tmpdir(), 'distforge-s3-e2e-'));
    srpmPath = buildSrpm(work, 'onbucket', specOf('onbucket', [], 'BuildArch: noarch'));
    srpm = readFileSync(srpmPath);
  });
  after(async () => {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  });

  const keyOf = (s: string): string => `distforge/blobs/${s.slice(0, 2)}/${s.slice(2, 4)}/${s}`;
  const show = async (id: number): Promise<BuildView> => (await api<BuildView>(server, 'GET', `/builds/${id}`, { token: maintainer })).body;
  /** Sends `body` as application/octet-stream. */
  const send = (method: 'POST' | 'PUT', path: string, body: Buffer, token = maintainer): Promise<Response> =>
    fetch(`${server.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, body });

  /** Follows a download by hand: the master's answer, then the presigned URL it points at. */
  async function viaRedirect(url: string): Promise<{ location: URL; body: Buffer; disposition: string | null }> {
    const first = await fetch(url, { redirect: 'manual' });
    assert.equal(first.status, 302, `${url} redirects`);
    const location = new URL(first.headers.get('location') ?? '');
    assert.equal(location.origin, (await sharedS3Server()).endpoint, 'to the bucket');
    assert.equal(location.searchParams.get('X-Amz-Expires'), String(PRESIGN_SECONDS));
    const res = await fetch(location);
    assert.equal(res.status, 200);
    return { location, body: Buffer.from(await res.arrayBuffer()), disposition: res.headers.get('content-disposition') };
  }

  test('an uploaded SRPM lands in the bucket under its sha256, and its download redirects to a presigned URL', async () => {
    const up = await send('POST', '/srpms', srpm);
    assert.equal(up.status, 201);
    const { sha256, name } = (await up.json()) as { sha256: string; name: string };
    assert.deepEqual([sha256, name], [sha(srpm), 'onbucket']);
    assert.deepEqual(await server.s3?.keys(), [keyOf(sha256)]);
    assert.equal(existsSync(join(server.dataDir, 'store')), false, 'nothing in a local store');
    assert.deepEqual(readdirSync(join(server.dataDir, 's3-staging')), [], 'nothing left staged');

    const got = await viaRedirect(`${server.url}/api/v1/artifacts/${sha256}/${basename(srpmPath)}`);
    assert.equal(sha(got.body), sha256);
    assert.equal(got.disposition, `attachment; filename="${basename(srpmPath)}"; filename*=UTF-8''${basename(srpmPath)}`);
    // Following the redirect, as nodes and browsers do, gives the bytes.
    assert.equal(sha(Buffer.from(await (await fetch(`${server.url}/api/v1/artifacts/${sha256}/x.src.rpm`)).arrayBuffer())), sha256);
    const missing = await fetch(`${server.url}/api/v1/artifacts/${sha(Buffer.from('absent'))}/x.rpm`, { redirect: 'manual' });
    assert.equal(missing.status, 404, 'no redirect for a blob the store does not hold');
    assert.equal(((await missing.json()) as { code: string }).code, 'not_found');
  });

  test("the builds domain reads the SRPM's BuildArch from the bucket: one noarch task", async () => {
    const r = await api<BuildView>(server, 'POST', '/builds', { token: maintainer, body: { platforms: [PLATFORM], sources: [{ srpmSha256: sha(srpm) }] } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    buildId = r.body.id;
    const leased = await api<{ task: LeasedTask }>(server, 'POST', '/node/lease', { token: node });
    assert.equal(leased.status, 200);
    const task = leased.body.task;
    assert.equal(task.kind, 'srpm');
    // The node fetches the uploaded SRPM through the master's URL, which ends in the bucket.
    assert.equal(sha((await viaRedirect(task.source.srpmUrl ?? '')).body), sha(srpm));
    const up = await send('PUT', `/node/tasks/${task.id}/artifacts/${basename(srpmPath)}?kind=srpm&sha256=${sha(srpm)}`, srpm, node);
    assert.equal(up.status, 201);
    // No arches reported: the master reads them from the SRPM in the store.
    const facts = { packageName: 'onbucket', buildRequires: [], provides: ['onbucket', 'onbucket-devel'], specPath: 'onbucket.spec' };
    assert.equal((await api(server, 'POST', `/node/tasks/${task.id}/complete`, { token: node, body: { result: facts } })).status, 204);
    const b = await show(buildId);
    assert.deepEqual(b.tasks.filter((t) => t.kind === 'rpm').map((t) => [t.arch, t.state]), [['noarch', 'queued']]);
  });

  test('the build repository is made from copies of the blobs in the bucket', async () => {
    const leased = await api<{ task: LeasedTask }>(server, 'POST', '/node/lease', { token: node });
    const task = leased.body.task;
    assert.deepEqual([task.kind, task.arch], ['rpm', 'noarch']);
    const rpms = ['onbucket', 'onbucket-devel'].map((n) => buildRpm({ name: n, version: '1.0', release: '1.el9', arch: 'noarch', summary: n, description: n, license: 'MIT', sourcerpm: basename(srpmPath) }));
    for (const [i, rpm] of rpms.entries()) {
      const name = `${i === 0 ? 'onbucket' : 'onbucket-devel'}-1.0-1.el9.noarch.rpm`;
      assert.equal((await send('PUT', `/node/tasks/${task.id}/artifacts/${name}?kind=rpm&sha256=${sha(rpm)}`, rpm, node)).status, 201);
    }
    assert.equal((await api(server, 'POST', `/node/tasks/${task.id}/complete`, { token: node, body: {} })).status, 204);
    assert.equal((await show(buildId)).state, 'succeeded');
    const repo = `${server.url}/api/v1/builds/${buildId}/repo/${PLATFORM}/x86_64/`;
    const auth = { headers: { authorization: `Bearer ${maintainer}` } };
    const repomd = await fetch(`${repo}repodata/repomd.xml`, auth);
    assert.equal(repomd.status, 200);
    const file = await fetch(`${repo}onbucket-1.0-1.el9.noarch.rpm`, auth);
    assert.equal(file.status, 200);
    assert.equal(sha(Buffer.from(await file.arrayBuffer())), sha(rpms[0] ?? Buffer.alloc(0)));
    const keys = (await server.s3?.keys()) ?? [];
    for (const rpm of rpms) assert.ok(keys.includes(keyOf(sha(rpm))), 'each RPM is in the bucket');
  });

  test('a lookaside download redirects to the bucket too', async () => {
    const tarball = Buffer.from('a source tarball\n');
    const up = await send('PUT', '/lookaside/onbucket-1.0.tar.gz', tarball);
    assert.equal(up.status, 201);
    const got = await viaRedirect(`${server.url}/api/v1/lookaside/sha256/${sha(tarball)}/onbucket-1.0.tar.gz`);
    assert.deepEqual(got.body, tarball);
    assert.match(got.disposition ?? '', /filename="onbucket-1\.0\.tar\.gz"/);
  });
});
