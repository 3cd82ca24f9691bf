/**
 * Issue 5's whole path with dist-git upstreams: hello-c (a C program whose tarball is not in git)
 * as a CentOS-layout upstream (SPECS/ + .hello-c.metadata, sha1) and as a Fedora-layout upstream
 * (spec at the root + `sources`, sha512), its tarball only in a lookaside cache served over HTTP
 * on 127.0.0.1 and named by the platform's URL template. A tag pushed to each upstream builds by
 * itself through a real master and node — one noticed by polling, one by a signed webhook — and
 * the SRPM holds the tarball fetched from the lookaside, checked against its hash.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { MirrorInfo } from '../../src/git/types.ts';
import type { RunningServer } from '../../src/server/start.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { serveDirectory, type StaticServer } from '../support/http-static.ts';
import { api, EXAMPLE_PLATFORM_FILE } from '../support/server.ts';
import { builtEntry, EXAMPLES, git, giteaHeaders, pushPayload, pushTag, startGitMaster, waitFor, type GitMaster } from './support.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-distgit-'));
const TARBALL = 'hello-c-1.0.tar.gz';
const tarball = readFileSync(join(EXAMPLES, 'hello-c', TARBALL));
const hash = (type: string): string => createHash(type).update(tarball).digest('hex');
let lookaside: StaticServer;
let server: RunningServer;
let master: GitMaster;
let admin = '';

/** A git upstream of hello-c in a dist-git layout, without its tarball. */
function upstream(name: string, layout: 'centos' | 'fedora'): string {
  const dir = join(work, 'upstream', name);
  mkdirSync(layout === 'centos' ? join(dir, 'SPECS') : dir, { recursive: true });
  copyFileSync(join(EXAMPLES, 'hello-c', 'hello-c.spec'), layout === 'centos' ? join(dir, 'SPECS', 'hello-c.spec') : join(dir, 'hello-c.spec'));
  if (layout === 'centos') writeFileSync(join(dir, '.hello-c.metadata'), `${hash('sha1')} SOURCES/${TARBALL}\n`);
  else writeFileSync(join(dir, 'sources'), `SHA512 (${TARBALL}) = ${hash('sha512')}\n`);
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', `import hello-c (${layout} layout)`);
  return dir;
}
const centos = upstream('hello-c', 'centos');
const fedora = upstream('hello-c-stream', 'fedora');

const built = (name: string, ref: string) => builtEntry(master.server, name, ref, 180_000);

/** The SRPM of a build: it holds the tarball the lookaside served. */
async function srpmHoldsTarball(buildId: number): Promise<void> {
  const b = await api<{ tasks: { kind: string; state: string; failureReason: string | null; artifacts: { name: string; url: string }[] }[] }>(server, 'GET', `/builds/${buildId}`, { token: admin });
  const srpm = b.body.tasks.find((t) => t.kind === 'srpm')?.artifacts.find((a) => a.name.endsWith('.src.rpm'));
  assert.ok(srpm, JSON.stringify(b.body.tasks));
  const file = join(work, `${buildId}-${srpm.name}`);
  writeFileSync(file, Buffer.from(await (await fetch(srpm.url)).arrayBuffer()));
  const { execFileSync } = await import('node:child_process');
  const list = execFileSync('rpm', ['-qpl', file], { encoding: 'utf8' });
  assert.match(list, /^hello-c-1\.0\.tar\.gz$/m);
}

before(async () => {
  // The lookaside, laid out as {name}/{filename}/{hashtype}/{hash}/{filename} (Fedora's scheme).
  const root = join(work, 'lookaside');
  for (const type of ['sha1', 'sha512']) {
    const d = join(root, 'hello-c', TARBALL, type, hash(type));
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, TARBALL), tarball);
  }
  lookaside = await serveDirectory(root);
  const platform = join(work, 'distgit-el9.yaml');
  const example = readFileSync(EXAMPLE_PLATFORM_FILE, 'utf8').replace(/^name: example-el9$/m, 'name: distgit-el9');
  writeFileSync(platform, `${example}\nlookaside:\n  - url: "${lookaside.url}/{name}/{filename}/{hashtype}/{hash}/{filename}"\n`);
  const config = join(work, 'server.yaml');
  writeFileSync(
    config,
    [
      'platforms:',
      `  - ${platform}`,
      'git:',
      '  pollIntervalSeconds: 1',
      '  mirrors:',
      `    - {name: hello-c, url: "file://${centos}"}`,
      `    - {name: hello-c-stream, url: "file://${fedora}", webhookSecret: stream-secret, pollIntervalSeconds: 604800}`,
      '  rules:',
      '    - {name: c9, tag: "imports/c9/*", platforms: [distgit-el9]}',
      '',
    ].join('\n'),
  );
  master = await startGitMaster(work, config);
  server = master.server;
  admin = master.admin;
  for (const name of ['hello-c', 'hello-c-stream']) {
    await waitFor(`the baseline sync of ${name}`, async () => {
      const m = (await api<MirrorInfo>(server, 'GET', `/git/mirrors/${name}`)).body;
      return m.syncedAt !== null ? m : undefined;
    });
  }
});

after(async () => {
  await master.stop();
  await lookaside.close();
  rmSync(work, { recursive: true, force: true });
});

describe(`dist-git upstreams build by themselves, their tarballs from the lookaside (${TEST_DIALECT})`, () => {
  test('CentOS layout (SPECS/, .hello-c.metadata), noticed by polling', async () => {
    const commit = pushTag(centos, 'imports/c9/hello-c-1.0-1.el9');
    const e = await built('hello-c', 'refs/tags/imports/c9/hello-c-1.0-1.el9');
    assert.equal(e.via, 'poll');
    assert.equal(e.commit, commit);
    assert.equal(e.build?.state, 'succeeded', JSON.stringify(e.build));
    await srpmHoldsTarball(e.build?.id ?? 0);
    assert.ok(lookaside.requests.includes(`/hello-c/${TARBALL}/sha1/${hash('sha1')}/${TARBALL}`), lookaside.requests.join(' '));
  });

  test('Fedora layout (spec at the root, sources with SHA512), noticed by a signed webhook', async () => {
    const commit = pushTag(fedora, 'imports/c9/hello-c-1.0-2.el9');
    const payload = pushPayload(fedora, 'refs/tags/imports/c9/hello-c-1.0-2.el9');
    const wrong = await fetch(`${server.url}/api/v1/git/hooks/hello-c-stream`, { method: 'POST', headers: giteaHeaders(payload, 'not-it'), body: payload });
    assert.equal(wrong.status, 403);
    const ok = await fetch(`${server.url}/api/v1/git/hooks/hello-c-stream`, { method: 'POST', headers: giteaHeaders(payload, 'stream-secret'), body: payload });
    assert.equal(ok.status, 200, await ok.clone().text());
    const e = await built('hello-c-stream', 'refs/tags/imports/c9/hello-c-1.0-2.el9');
    assert.equal(e.via, 'webhook');
    assert.equal(e.commit, commit);
    assert.equal(e.build?.state, 'succeeded', JSON.stringify(e.build));
    await srpmHoldsTarball(e.build?.id ?? 0);
    assert.ok(lookaside.requests.includes(`/hello-c/${TARBALL}/sha512/${hash('sha512')}/${TARBALL}`), lookaside.requests.join(' '));
  });
});
