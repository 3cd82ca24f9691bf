/**
 * The server configuration file: platform definitions and platform files (relative to it), each
 * problem reported with the file and the field.
 */
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { scratchFiles } from '../../test/support/scratch-files.ts';
import { loadConfig } from './config.ts';

const { dir: work, file } = scratchFiles('server-config');
const EXAMPLE = resolve(import.meta.dirname, '../../examples/platforms/example-el9.yaml');

test('a config file lists platform definitions and platform files', () => {
  const cfg = file('config.yaml', `platforms:\n  - ${EXAMPLE}\n  - name: other\n    arches: [ppc64le, s390x]\n    distTag: .el8\n`);
  const config = loadConfig(cfg);
  assert.deepEqual(config.platforms.map((p) => p.name), ['example-el9', 'other']);
  file('bad.yaml', 'name: p\narches: [x86_64, sparc]\ndistTag: .el9\n');
  const rel = file('rel.yaml', 'platforms:\n  - bad.yaml\n');
  assert.throws(() => loadConfig(rel), { message: /bad\.yaml: arches\[1\]/ });
  const inline = file('inline.yaml', 'platforms:\n  - name: x\n    arches: [i686]\n    distTag: nodot\n');
  assert.throws(() => loadConfig(inline), { message: `${inline}: platforms[0].distTag: "nodot" must start with "." followed by letters, digits or . _ + ~ (e.g. ".el9")` });
  const twice = file('twice.yaml', `platforms:\n  - ${EXAMPLE}\n  - ${EXAMPLE}\n`);
  assert.throws(() => loadConfig(twice), { message: /platforms\[1\]: platform "example-el9" is defined twice/ });
  const unknown = file('unknown.yaml', 'platform: []\n');
  assert.throws(() => loadConfig(unknown), { message: `${unknown}: platform: unknown field (expected platforms, git, http, platformRepos, releaseExport, store)` });
  assert.equal(loadConfig(file('repos.yaml', 'platformRepos: served\n')).platformRepos, join(work, 'served'));
  assert.deepEqual(loadConfig(file('empty.yaml', '')), { platforms: [] });
  const store = file('store.yaml', 'store:\n  url: s3://artifacts/prod\n  endpoint: http://127.0.0.1:9000\n  forcePathStyle: true\n  presignSeconds: 300\n');
  assert.deepEqual(loadConfig(store).store, { url: 's3://artifacts/prod', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, presignSeconds: 300 });
  const badStore = file('bad-store.yaml', 'store:\n  bucket: artifacts\n');
  assert.throws(() => loadConfig(badStore), { message: /^.*bad-store\.yaml: store\.bucket: unknown field \(expected url, endpoint/ });
});

test('the http section sets the HTTP limits, in seconds; bad values name the field', () => {
  const cfg = file('http.yaml', 'http:\n  headersTimeoutSeconds: 5\n  bodyIdleTimeoutSeconds: 10\n  gitBackendProcesses: 3\n');
  assert.deepEqual(loadConfig(cfg).http, { headersTimeoutMs: 5000, bodyIdleTimeoutMs: 10_000, gitBackendProcesses: 3 });
  const bad = file('bad-http.yaml', 'http:\n  bodyIdleTimeoutSeconds: 0\n');
  assert.throws(() => loadConfig(bad), { message: `${bad}: http.bodyIdleTimeoutSeconds: must be a whole number from 1 to 3600` });
  const typo = file('typo-http.yaml', 'http:\n  bodyTimeout: 3\n');
  assert.throws(() => loadConfig(typo), { message: /http\.bodyTimeout: unknown field/ });
});
