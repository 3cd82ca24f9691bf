/**
 * Which store the master uses: s3:// URLs and directories read, flags over the environment over
 * the configuration file, S3 settings checked with one-line messages naming their source, the
 * local DATA/store by default.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeStore, parseStoreSection, parseStoreUrl, resolveStoreSettings, storeSourceFromEnv } from './store-settings.ts';

const fail = (field: string, problem: string): never => {
  throw new Error(`cfg.yaml: ${field}: ${problem}`);
};

test('s3://BUCKET[/PREFIX] and directories', () => {
  assert.deepEqual(parseStoreUrl('s3://artifacts', '--store'), { kind: 's3', bucket: 'artifacts', prefix: '' });
  assert.deepEqual(parseStoreUrl('s3://my.bucket-1/prod/el9/', '--store'), { kind: 's3', bucket: 'my.bucket-1', prefix: 'prod/el9/' });
  assert.deepEqual(parseStoreUrl('blobs', '--store', '/srv'), { kind: 'local', dir: '/srv/blobs' });
  assert.deepEqual(parseStoreUrl('/abs/dir', '--store', '/srv'), { kind: 'local', dir: '/abs/dir' });
  const bad: [string, RegExp][] = [
    ['', /is empty/],
    ['s3://', /names no valid bucket/],
    ['s3://Upper', /names no valid bucket \("Upper"/],
    ['s3://ab', /names no valid bucket/],
    ['s3://a..b', /names no valid bucket/],
    ['s3://bucket/a//b', /empty, "\." or "\.\." prefix segment/],
    ['s3://bucket/../x', /empty, "\." or "\.\." prefix segment/],
    ['s3://bucket/pre fix', /no query, fragment, credentials or spaces/],
    ['s3://key:secret@bucket', /no query, fragment, credentials or spaces/],
    ['s3://bucket/x?y=1', /no query/],
    ['s3://bucket/caf\u00e9', /prefix with characters other than/],
    ['https://bucket.s3.amazonaws.com', /is neither an s3:\/\/ URL nor a directory/],
    ['s3:/bucket', /is neither an s3:\/\/ URL nor a directory/],
  ];
  for (const [url, message] of bad) {
    assert.throws(() => parseStoreUrl(url, '--store'), (e: Error) => {
      assert.match(e.message, /^--store: /);
      assert.match(e.message, message);
      assert.match(e.message, /\(expected s3:\/\/BUCKET\[\/PREFIX\] or a directory\)$/);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
  }
});

test('the default is DATA/store; S3 flags without an S3 store are refused', () => {
  assert.deepEqual(resolveStoreSettings({}, '/data'), { kind: 'local', dir: '/data/store' });
  // S3 settings in the environment or a file do not matter while the store is local.
  assert.deepEqual(resolveStoreSettings({ env: { endpoint: 'http://x:9000' }, file: { path: '/etc/d.yaml', source: { region: 'eu-west-1' } } }, '/data'), { kind: 'local', dir: '/data/store' });
  assert.throws(() => resolveStoreSettings({ flags: { endpoint: 'http://x:9000' } }, '/data'), { message: '--s3-endpoint needs an S3 store (--store s3://BUCKET[/PREFIX])' });
  assert.throws(() => resolveStoreSettings({ flags: { url: '/srv/blobs', presignSeconds: '5' } }, '/data'), { message: /^--s3-presign-seconds needs an S3 store/ });
});

test('flags win over the environment, which wins over the configuration file', () => {
  const file = { path: '/etc/distforge/server.yaml', source: parseStoreSection({ url: 's3://from-file/p', endpoint: 'http://file:9000', region: 'eu-west-1', forcePathStyle: true, presignSeconds: 300, accessKeyId: 'AK', secretAccessKey: 'SK' }, fail) };
  assert.deepEqual(resolveStoreSettings({ file }, '/data'), {
    kind: 's3', bucket: 'from-file', prefix: 'p/', endpoint: 'http://file:9000', region: 'eu-west-1', forcePathStyle: true, presignSeconds: 300,
    credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' },
  });
  const env = storeSourceFromEnv({ DISTFORGE_STORE: 's3://from-env', DISTFORGE_S3_ENDPOINT: 'https://env.example:9443/', AWS_REGION: '', DISTFORGE_S3_FORCE_PATH_STYLE: 'no', DISTFORGE_S3_PRESIGN_SECONDS: '30', AWS_ACCESS_KEY_ID: 'ignored' });
  assert.deepEqual(env, { url: 's3://from-env', endpoint: 'https://env.example:9443/', forcePathStyle: 'no', presignSeconds: '30' }, 'credentials are left to the AWS SDK');
  const both = resolveStoreSettings({ env, file }, '/data');
  assert.deepEqual([both.kind, describeStore(both)], ['s3', 's3://from-env/ at https://env.example:9443']);
  assert.ok(both.kind === 's3');
  assert.deepEqual([both.region, both.forcePathStyle, both.presignSeconds], ['eu-west-1', false, 30]);
  const flags = resolveStoreSettings({ flags: { url: 's3://from-flag/x/y', forcePathStyle: true, presignSeconds: '0' }, env, file }, '/data');
  assert.ok(flags.kind === 's3');
  assert.deepEqual([flags.bucket, flags.prefix, flags.forcePathStyle, flags.presignSeconds, flags.endpoint], ['from-flag', 'x/y/', true, 0, 'https://env.example:9443']);
  // The endpoint presigned URLs name, from any source, checked as the endpoint is.
  const pub = resolveStoreSettings({ env: { url: 's3://bucket', publicEndpoint: 'https://s3.example.org/' }, file: { path: '/etc/d.yaml', source: parseStoreSection({ publicEndpoint: 'http://file:9000' }, fail) } }, '/data');
  assert.ok(pub.kind === 's3');
  assert.equal(pub.publicEndpoint, 'https://s3.example.org');
  assert.deepEqual(storeSourceFromEnv({ DISTFORGE_S3_PUBLIC_ENDPOINT: 'https://p.example' }), { publicEndpoint: 'https://p.example' });
  // A directory named in the file is relative to the file.
  assert.deepEqual(resolveStoreSettings({ file: { path: '/etc/distforge/server.yaml', source: { url: 'blobs' } } }, '/data'), { kind: 'local', dir: '/etc/distforge/blobs' });
  // AWS when no endpoint is given, us-east-1 when no region is.
  const aws = resolveStoreSettings({ flags: { url: 's3://plain' } }, '/data');
  assert.deepEqual(aws, { kind: 's3', bucket: 'plain', prefix: '', region: 'us-east-1', forcePathStyle: false, presignSeconds: 0 });
  assert.equal(describeStore(aws), 's3://plain/ (AWS us-east-1)');
});

test('bad S3 settings: one line naming where the value came from', () => {
  const s3 = { url: 's3://bucket' };
  const cases: [Parameters<typeof resolveStoreSettings>[0], string][] = [
    [{ flags: { ...s3, endpoint: 'minio:9000' } }, '--s3-endpoint: "minio:9000" must be http:// or https://'],
    [{ flags: { ...s3, endpoint: 'not a url' } }, '--s3-endpoint: "not a url" is not a URL (expected e.g. http://127.0.0.1:9000)'],
    [{ env: { ...s3, endpoint: 'http://u:p@minio:9000' } }, 'DISTFORGE_S3_ENDPOINT: "http://u:p@minio:9000" must be only a scheme, host and port (e.g. http://127.0.0.1:9000)'],
    [{ flags: { ...s3, endpoint: 'http://minio:9000/bucket' } }, '--s3-endpoint: "http://minio:9000/bucket" must be only a scheme, host and port (e.g. http://127.0.0.1:9000)'],
    [{ env: { ...s3, region: 'EU West' } }, 'AWS_REGION: "EU West" is not a region name (e.g. us-east-1)'],
    [{ env: { ...s3, forcePathStyle: 'maybe' } }, 'DISTFORGE_S3_FORCE_PATH_STYLE: "maybe" is not a yes/no value (1, true, yes or 0, false, no)'],
    [{ flags: { ...s3, presignSeconds: '-1' } }, '--s3-presign-seconds: "-1" must be a whole number of seconds from 0 (off) to 604800 (a week)'],
    [{ env: { ...s3, presignSeconds: '604801' } }, 'DISTFORGE_S3_PRESIGN_SECONDS: "604801" must be a whole number of seconds from 0 (off) to 604800 (a week)'],
    [{ file: { path: 'd.yaml', source: { ...s3, presignSeconds: 1.5 } } }, 'd.yaml: store.presignSeconds: 1.5 must be a whole number of seconds from 0 (off) to 604800 (a week)'],
    [{ file: { path: 'd.yaml', source: { ...s3, accessKeyId: 'AK' } } }, 'd.yaml: store.accessKeyId and store.secretAccessKey go together (or leave both out to use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)'],
    [{ env: { url: 'ftp://x' } }, 'DISTFORGE_STORE: "ftp://x" is neither an s3:// URL nor a directory (expected s3://BUCKET[/PREFIX] or a directory)'],
  ];
  for (const [sources, message] of cases) assert.throws(() => resolveStoreSettings(sources, '/data'), { code: 'usage', message });
});

test("the configuration file's store section: known fields of the right type", () => {
  assert.deepEqual(parseStoreSection(undefined, fail), {});
  assert.throws(() => parseStoreSection('s3://b', fail), { message: /^cfg\.yaml: store: must be a mapping \(url, endpoint/ });
  assert.throws(() => parseStoreSection({ bucket: 'b' }, fail), { message: /^cfg\.yaml: store\.bucket: unknown field \(expected url, endpoint, region, forcePathStyle, presignSeconds, publicEndpoint, accessKeyId, secretAccessKey, sessionToken\)$/ });
  assert.throws(() => parseStoreSection({ forcePathStyle: 'yes' }, fail), { message: 'cfg.yaml: store.forcePathStyle: must be true or false' });
  assert.deepEqual(parseStoreSection({ presignSeconds: '60', forcePathStyle: 'false' }, fail), { presignSeconds: 60, forcePathStyle: false }, 'as the YAML reader gives them');
  assert.throws(() => parseStoreSection({ presignSeconds: '1m' }, fail), { message: /^cfg\.yaml: store\.presignSeconds: must be a whole number/ });
  assert.throws(() => parseStoreSection({ url: '' }, fail), { message: 'cfg.yaml: store.url: must be a non-empty string' });
});
