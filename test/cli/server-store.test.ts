/**
 * `distforge server --store s3://…` as an operator runs it against a real S3-compatible server
 * (s3rver on 127.0.0.1): the flag, the environment and the configuration file together make a
 * master whose uploads land in the bucket and whose downloads redirect there; a malformed store
 * URL, S3 flags without an S3 store and a bucket nobody answers for each stop the start with one
 * line before anything is written (no data directory).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildRpm } from '../../src/rpm/index.ts';
import { DISTFORGE, runCli } from '../support/cli.ts';
import { freePort } from '../support/e2e.ts';
import { S3RVER_CREDENTIALS, sharedS3Server } from '../support/s3-server.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-server-store-'));
const running = new Set<ChildProcess>();
after(() => {
  for (const child of running) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});
/** No S3 or distforge settings from the environment the tests run in. */
const CLEAN_ENV = {
  DISTFORGE_URL: '', DISTFORGE_TOKEN: '', DISTFORGE_STORE: '', DISTFORGE_S3_ENDPOINT: '', DISTFORGE_S3_FORCE_PATH_STYLE: '', DISTFORGE_S3_PRESIGN_SECONDS: '', DISTFORGE_S3_PUBLIC_ENDPOINT: '', AWS_REGION: '',
  AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey, AWS_SESSION_TOKEN: '', AWS_PROFILE: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
};

test('a bad store, S3 flags without one, a bucket nobody answers for: one line, nothing written', async () => {
  const port = await freePort();
  const cases: [string[], Record<string, string>, string][] = [
    [['--store', 's3://Bad_Bucket'], {}, 'distforge: --store: "s3://Bad_Bucket" names no valid bucket ("Bad_Bucket": 3 to 63 lowercase letters, digits, dots and hyphens) (expected s3://BUCKET[/PREFIX] or a directory)\n'],
    [['--s3-presign-seconds', '60'], {}, 'distforge: --s3-presign-seconds needs an S3 store (--store s3://BUCKET[/PREFIX])\n'],
    [['--store', 's3://artifacts', '--s3-presign-seconds', 'soon'], {}, 'distforge: --s3-presign-seconds: "soon" must be a whole number of seconds from 0 (off) to 604800 (a week)\n'],
    [['--store', 's3://artifacts'], { DISTFORGE_S3_ENDPOINT: 'minio:9000' }, 'distforge: DISTFORGE_S3_ENDPOINT: "minio:9000" must be http:// or https://\n'],
    [['--s3-public-endpoint', 'https://s3.example.org'], {}, 'distforge: --s3-public-endpoint needs an S3 store (--store s3://BUCKET[/PREFIX])\n'],
    [['--store', 's3://artifacts', '--s3-public-endpoint', 'https://s3.example.org/bucket'], {}, 'distforge: --s3-public-endpoint: "https://s3.example.org/bucket" must be only a scheme, host and port (e.g. http://127.0.0.1:9000)\n'],
    [['--store', 's3://artifacts'], { DISTFORGE_S3_PUBLIC_ENDPOINT: 'ftp://s3.example.org' }, 'distforge: DISTFORGE_S3_PUBLIC_ENDPOINT: "ftp://s3.example.org" must be http:// or https://\n'],
    [['--store', 's3://artifacts', '--s3-path-style'], { DISTFORGE_S3_ENDPOINT: `http://127.0.0.1:${port}` }, `distforge: cannot reach S3 bucket "artifacts" at http://127.0.0.1:${port}: ECONNREFUSED\n`],
  ];
  for (const [flags, env, stderr] of cases) {
    const data = join(work, 'refused');
    const r = await runCli(['server', '--data', data, '--port', '0', ...flags], { env: { ...CLEAN_ENV, ...env } });
    assert.deepEqual([r.code, r.stderr, r.stdout], [1, stderr, ''], flags.join(' '));
    assert.equal(existsSync(data), false, 'no data directory');
  }
  const s3 = await sharedS3Server();
  const missing = await runCli(['server', '--data', join(work, 'refused'), '--port', '0', '--store', 's3://no-such-bucket', '--s3-endpoint', s3.endpoint, '--s3-path-style'], { env: CLEAN_ENV });
  assert.deepEqual([missing.code, missing.stderr], [1, `distforge: S3 bucket "no-such-bucket" at ${s3.endpoint} does not exist (create it first)\n`]);
});

test('flag, environment and config file make a master on the bucket: uploads land there, downloads redirect', async () => {
  const s3 = await sharedS3Server();
  const { bucket } = await s3.newStore();
  const data = join(work, 'on-s3');
  const config = join(work, 'server.yaml');
  writeFileSync(config, 'store:\n  forcePathStyle: true\n  presignSeconds: 60\n');
  const child = spawn(DISTFORGE, ['server', '--data', data, '--port', '0', '--log-level', 'warn', '--config', config, '--store', `s3://${bucket}/farm`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...CLEAN_ENV, DISTFORGE_S3_ENDPOINT: s3.endpoint },
  });
  running.add(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((done) => child.once('exit', done));
  const url = await new Promise<string>((done, fail) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /distforge server listening on (\S+)\n/.exec(out);
      if (m?.[1]) done(m[1]);
    });
    void exited.then((code) => fail(new Error(`distforge server exited ${code}: ${stderr}`)));
  });
  const token = readFileSync(join(data, 'admin.token'), 'utf8').trim();
  const srpm = buildRpm({ name: 'hello', version: '1', release: '1', arch: 'src', summary: 's', description: 'd', license: 'MIT', files: [{ path: 'hello.spec', data: 'Name: hello\n' }] });
  const sha256 = createHash('sha256').update(srpm).digest('hex');
  const up = await fetch(`${url}/api/v1/srpms`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, body: srpm });
  assert.equal(up.status, 201);
  assert.deepEqual(await s3.keys(bucket), [`farm/blobs/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`]);
  assert.equal(existsSync(join(data, 'store')), false);
  const download = await fetch(`${url}/api/v1/artifacts/${sha256}/hello-1-1.src.rpm`, { redirect: 'manual' });
  assert.equal(download.status, 302);
  const location = new URL(download.headers.get('location') ?? '');
  assert.equal(location.origin, s3.endpoint);
  assert.equal(location.searchParams.get('X-Amz-Expires'), '60');
  assert.deepEqual(Buffer.from(await (await fetch(location)).arrayBuffer()), srpm);
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.doesNotMatch(stderr, /NodeVersionSupportWarning/, 'no multi-line SDK warning in the JSON log');
});
