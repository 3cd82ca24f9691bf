/**
 * Opening the store at start against a real S3-compatible server (s3rver): a bucket that answers
 * is used; a missing bucket, refused credentials and an endpoint nobody listens on each stop the
 * start with one line naming the bucket and the endpoint.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort } from '../../test/support/e2e.ts';
import { sharedS3Server } from '../../test/support/s3-server.ts';
import { LocalStore } from './local-store.ts';
import { openStore } from './open-store.ts';
import { S3Store } from './s3-store.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'distforge-open-store-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('a local store, and an S3 bucket that answers, open', async () => {
  assert.ok((await openStore({ kind: 'local', dir: join(dataDir, 'store') }, { dataDir })) instanceof LocalStore);
  const s3 = await sharedS3Server();
  const store = await openStore(await s3.newStore(), { dataDir });
  assert.ok(store instanceof S3Store);
  store.close?.();
});

test('a missing bucket, refused credentials, an endpoint nobody listens on: one line each', async () => {
  const s3 = await sharedS3Server();
  const good = await s3.newStore();
  const port = await freePort();
  const cases: [typeof good, string][] = [
    [{ ...good, bucket: 'no-such-bucket' }, `S3 bucket "no-such-bucket" at ${s3.endpoint} does not exist (create it first)`],
    [
      { ...good, credentials: { accessKeyId: 'WRONG', secretAccessKey: 'x' } },
      `S3 bucket "${good.bucket}" at ${s3.endpoint} refused access (HTTP 403): check the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and the bucket's policy`,
    ],
    [{ ...good, endpoint: `http://127.0.0.1:${port}` }, `cannot reach S3 bucket "${good.bucket}" at http://127.0.0.1:${port}: ECONNREFUSED`],
  ];
  for (const [settings, message] of cases) {
    await assert.rejects(openStore(settings, { dataDir }), { code: 'store_unavailable', status: 503, message });
  }
});
