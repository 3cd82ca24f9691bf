/**
 * A repository made and signed by `distforge repo create` judged by the real dnf: with gpgcheck=1
 * and repo_gpgcheck=1 it installs a package and its dependencies (versioned, file and rich) into an
 * empty root, over file:// and over HTTP on 127.0.0.1, and refuses after repomd.xml or a package
 * is changed. A client that read the previous generation's repomd.xml (and signature) just before
 * a re-publish still installs from it: its files are kept for the grace period.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readSecretKey } from '../../src/pgp/secret-key.ts';
import { signRpm } from '../../src/rpm/sign.ts';
import { Sense } from '../../src/rpm/tags.ts';
import { rpmFileName, writeRpm, type RpmSpec } from '../../src/rpm/writer.ts';
import { runCli } from '../support/cli.ts';
import { corpusKey } from '../support/corpus.ts';
import { serveDirectory, type StaticServer } from '../support/http-static.ts';
import { dnfInstallAsync } from '../support/rpmkeys.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-repo-dnf-'));
const repo = join(work, 'repo');
const SECRET = corpusKey('rpm.org-rsa-2048-test.secret');
const PUB = corpusKey('rpm.org-rsa-2048-test.pub');
let server: StaticServer;
let run = 0;

function pkg(name: string, extra: Partial<RpmSpec>): RpmSpec {
  return { name, version: '1.0', release: '1.el9', arch: 'noarch', summary: name, description: `${name} for tests`, license: 'MIT', buildtime: 1_700_000_000, ...extra };
}

const PACKAGES: RpmSpec[] = [
  pkg('greet-app', {
    arch: 'x86_64',
    files: [{ path: '/usr/bin/greet', mode: 0o100755, data: '#!/bin/false\n' }],
    requires: [
      { name: 'libgreet', flags: Sense.GREATER | Sense.EQUAL, evr: '1.2' },
      { name: '/usr/share/greet/words' },
      { name: '(greet-data or greet-data-alt)' },
    ],
  }),
  pkg('libgreet', { version: '1.2', arch: 'x86_64', files: [{ path: '/usr/lib64/libgreet.so.1', data: 'lib' }] }),
  pkg('libgreet', { version: '1.1', arch: 'x86_64', files: [{ path: '/usr/lib64/libgreet.so.1', data: 'old' }] }),
  pkg('greet-words', { files: [{ path: '/usr/share/greet', mode: 0o40755 }, { path: '/usr/share/greet/words', data: 'hello\nworld\n' }] }),
  pkg('greet-data', { files: [{ path: '/usr/share/greet-data.txt', data: 'data' }] }),
  pkg('unrelated', { files: [{ path: '/usr/share/unrelated.txt', data: 'x' }] }),
];

async function writeSigned(dir: string, specs: RpmSpec[]): Promise<void> {
  const key = await readSecretKey(readFileSync(SECRET, 'utf8'));
  mkdirSync(dir, { recursive: true });
  for (const s of specs) {
    const path = join(dir, rpmFileName(s));
    writeRpm(path, s);
    await signRpm(path, key);
  }
}

async function install(url: string, what = 'greet-app'): Promise<{ code: number; output: string; installed: string[] }> {
  const w = join(work, `dnf-${run++}`);
  const r = await dnfInstallAsync(w, url, PUB, what, { repoGpgcheck: true });
  const q = spawnSync('rpm', ['--root', r.root, '--dbpath', '/var/lib/rpm', '-qa', '--qf', '%{NAME}-%{VERSION}\n'], { encoding: 'utf8' });
  const installed = q.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('gpg-pubkey-'));
  return { code: r.code, output: r.output, installed: installed.sort() };
}

before(async () => {
  await writeSigned(join(repo, 'Packages'), PACKAGES);
  const r = await runCli(['repo', 'create', '--sign-key', SECRET, repo]);
  assert.equal(r.code, 0, r.stderr);
  server = await serveDirectory(repo);
});
after(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

describe('dnf installs from a distforge repository (gpgcheck=1, repo_gpgcheck=1)', () => {
  const expected = ['greet-app-1.0', 'greet-data-1.0', 'greet-words-1.0', 'libgreet-1.2'];

  test('over file://', async () => {
    const r = await install(`file://${repo}`);
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(r.installed, expected);
  });

  test('over HTTP on 127.0.0.1', async () => {
    const r = await install(server.url);
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(r.installed, expected);
    assert.ok(server.requests.includes('/repodata/repomd.xml.asc'), 'dnf fetched the signature');
  });

  test('gzip metadata (--compress gz) works the same', async () => {
    const gz = join(work, 'repo-gz');
    cpSync(join(repo, 'Packages'), join(gz, 'Packages'), { recursive: true });
    const r = await runCli(['repo', 'create', '--compress', 'gz', '--sign-key', SECRET, gz]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(readdirSync(join(gz, 'repodata')).some((f) => f.endsWith('-primary.xml.gz')));
    const i = await install(`file://${gz}`);
    assert.equal(i.code, 0, i.output);
    assert.deepEqual(i.installed, expected);
  });

  test('refuses a changed repomd.xml', async () => {
    const copy = join(work, 'repo-edited');
    cpSync(repo, copy, { recursive: true });
    const path = join(copy, 'repodata', 'repomd.xml');
    writeFileSync(path, readFileSync(path, 'utf8').replace(/<revision>(\d+)</, (_m, n: string) => `<revision>${Number(n) + 1}<`));
    const r = await install(`file://${copy}`);
    assert.notEqual(r.code, 0);
    assert.match(r.output, /GPG|signature/i);
    assert.deepEqual(r.installed, []);
  });

  test('refuses a package changed after the metadata was made', async () => {
    const copy = join(work, 'repo-swapped');
    cpSync(repo, copy, { recursive: true });
    // A rebuilt libgreet, properly signed but not the file the metadata describes.
    const rebuilt = join(work, 'rebuilt');
    await writeSigned(rebuilt, [{ ...(PACKAGES[1] as RpmSpec), buildtime: 1_700_000_100 }]);
    const name = rpmFileName(PACKAGES[1] as RpmSpec);
    copyFileSync(join(rebuilt, name), join(copy, 'Packages', name));
    const r = await install(`file://${copy}`);
    assert.notEqual(r.code, 0);
    assert.match(r.output, /checksum/i);
  });

  test('a client that read the previous repomd.xml before a re-publish still installs from it', async () => {
    const live = join(work, 'repo-live');
    cpSync(join(repo, 'Packages'), join(live, 'Packages'), { recursive: true });
    assert.equal((await runCli(['repo', 'create', '--sign-key', SECRET, live])).code, 0);
    const oldRepomd = readFileSync(join(live, 'repodata', 'repomd.xml'));
    const oldAsc = readFileSync(join(live, 'repodata', 'repomd.xml.asc'));
    await writeSigned(join(live, 'Packages'), [pkg('greet-extra', { files: [{ path: '/usr/share/extra', data: 'e' }] })]);
    assert.equal((await runCli(['repo', 'create', '--update', '--sign-key', SECRET, live])).code, 0);
    // What that client holds: the old repomd.xml and its signature; the files it names must still be there.
    const racing = join(work, 'repo-racing');
    cpSync(live, racing, { recursive: true });
    writeFileSync(join(racing, 'repodata', 'repomd.xml'), oldRepomd);
    writeFileSync(join(racing, 'repodata', 'repomd.xml.asc'), oldAsc);
    const r = await install(`file://${racing}`);
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(r.installed, expected);
  });
});
