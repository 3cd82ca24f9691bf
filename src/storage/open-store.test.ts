/**
 * Opening the store at start against a real S3-compatible server (s3rver): a bucket that answers
 * is used; a missing bucket, refused credentials and an endpoint nobody listens on each stop the
 * start with one line naming the bucket and the endpoint.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort } from '../../test/support/e2e.ts';
import { sharedS3Server } from '../../test/support/s3-server.ts';
import { LocalStore } from './local-store.ts';
import { openStore } from './open-store.ts';
import { s3StagingDir, S3Store } from './s3-store.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'distforge-open-store-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('a local store, and an S3 bucket that answers, open; what killed masters left staged goes', async () => {
  // 999999999 is above any pid Linux gives: that process has ended.
  const leftovers = [[join(dataDir, 'store', '.tmp'), 'local'], [s3StagingDir(dataDir), 's3']] as const;
  for (const [dir] of leftovers) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '999999999.0123456789abcdef'), 'half an upload');
    writeFileSync(join(dir, `${process.pid}.0123456789abcdef`), 'an upload of this process');
  }
  assert.ok((await openStore({ kind: 'local', dir: join(dataDir, 'store') }, { dataDir })) instanceof LocalStore);
  const s3 = await sharedS3Server();
  const store = await openStore(await s3.newStore(), { dataDir });
  assert.ok(store instanceof S3Store);
  store.close?.();
  for (const [dir, kind] of leftovers) assert.deepEqual(readdirSync(dir), [`${process.pid}.0123456789abcdef`], kind);
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
