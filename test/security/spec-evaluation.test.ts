/**
 * A spec's macros never run code on the master (issue 12, finding 1), tried as an attacker would
 * against a real master and a real build node over HTTP on 127.0.0.1:
 *
 * - a maintainer submits a spec whose `%(...)` and `%{lua: ...}` write the master's admin token to
 *   a host file: nothing is written at submit, nor when the node builds it;
 * - the same spec behind a git-service rule (`tag: v*`, no distforge token at all) and behind an
 *   autopatch rule (rpmspec evaluates the upstream spec for its NVR): nothing is written either;
 * - a platform macro that runs a command is evaluated only in the sandbox.
 *
 * What the spec's macros see is reported back through its Provides (the srpm task's facts): the
 * sandbox user's uid, no data directory, no host /tmp, no network to a real listener on the host.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BuildView } from '../../src/builds/index.ts';
import { DEFAULT_SANDBOX_ID } from '../../src/sandbox/index.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api, EXAMPLE_PLATFORM_FILE } from '../support/server.ts';
import { builtEntry, git, pushTag, startGitMaster, waitFor, type GitMaster } from '../git/support.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-spec-probe-'));
/** Files the attack tries to write on the host: in the test's directory and in the host's /tmp. */
const loot = join(work, 'loot');
const hostTmpLoot = join(tmpdir(), `distforge-probe-loot-${process.pid}`);
/** A file only the host's /tmp has: the spec asks whether it can see it. */
const hostTmpMarker = join(tmpdir(), `distforge-probe-marker-${process.pid}`);
const data = join(work, 'data');
let master: GitMaster;
let listener: Server;
let port = 0;
let connections = 0;

/** A spec whose macros try to reach the host: writes, reads and a connection, reported as Provides. */
function evilSpec(name: string, tag: string): string {
  const file = `${loot}-${tag}`;
  return [
    `%global steal %(id > ${file}; cat ${data}/admin.token >> ${file}; id > ${hostTmpLoot}-${tag})`,
    `%{lua: local f = io.open("${file}-lua", "w"); if f then f:write("lua ran on the host"); f:close() end}`,
    `Name: ${name}`,
    'Version: 1.0',
    'Release: 1%{?dist}',
    `Summary: ${name}`,
    'License: MIT',
    'BuildArch: noarch',
    `Provides: probe-uid-%(id -u)`,
    `Provides: probe-data-%(test -e ${data}/admin.token && echo seen || echo none)`,
    `Provides: probe-tmp-%(test -e ${hostTmpMarker} && echo seen || echo none)`,
    `Provides: probe-net-%(bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port}' 2>/dev/null && echo open || echo closed)`,
    '%{?probe_platform:Provides: probe-platform-%{probe_platform}}',
    '%description',
    'Probes what a spec can reach.',
    '%files',
    '',
  ].join('\n');
}

function upstream(name: string, tag: string): string {
  const dir = join(work, 'upstream', name);
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q');
  writeFileSync(join(dir, `${name}.spec`), evilSpec(name, tag));
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'import');
  return dir;
}

/** Whether any of the attack's files exists on the host. */
function lootFound(): string[] {
  return ['submit', 'rule', 'autopatch', 'platform'].flatMap((tag) => [`${loot}-${tag}`, `${loot}-${tag}-lua`, `${hostTmpLoot}-${tag}`]).filter((f) => existsSync(f));
}

const ruleRepo = upstream('probe-rule', 'rule');
const autopatchRepo = upstream('probe-ap', 'autopatch');
const patches = join(work, 'patches');

before(async () => {
  listener = createServer((sock) => {
    connections++;
    sock.on('error', () => undefined);
    sock.end('hello\n');
  });
  await new Promise<void>((done) => listener.listen(0, '127.0.0.1', done));
  port = (listener.address() as { port: number }).port;
  // The specs name the port: write them again now that it is known.
  for (const [dir, name, tag] of [[ruleRepo, 'probe-rule', 'rule'], [autopatchRepo, 'probe-ap', 'autopatch']] as const) {
    writeFileSync(join(dir, `${name}.spec`), evilSpec(name, tag));
    git(dir, 'commit', '-q', '-a', '-m', 'port');
  }
  writeFileSync(hostTmpMarker, 'only on the host\n');
  mkdirSync(patches, { recursive: true });
  writeFileSync(join(patches, 'probe-ap.yaml'), 'actions:\n  - modify_release: {suffix: .probe.1}\n');
  git(patches, 'init', '-q');
  git(patches, 'add', '-A');
  git(patches, 'commit', '-q', '-m', 'actions');
  const platformFile = join(work, 'probe-el9.yaml');
  const example = readFileSync(EXAMPLE_PLATFORM_FILE, 'utf8');
  writeFileSync(platformFile, example.replace('name: example-el9', 'name: probe-el9').replace('macros:\n', `macros:\n  probe_platform: "%(id -u; touch ${loot}-platform ${hostTmpLoot}-platform)"\n`));
  const config = join(work, 'server.yaml');
  writeFileSync(
    config,
    [
      'platforms:',
      `  - ${EXAMPLE_PLATFORM_FILE}`,
      `  - ${platformFile}`,
      'git:',
      '  pollIntervalSeconds: 1',
      '  mirrors:',
      `    - {name: probe-rule, url: "file://${ruleRepo}"}`,
      `    - {name: probe-ap, url: "file://${autopatchRepo}"}`,
      '  rules:',
      '    - {name: any-v, tag: "v*", mirrors: [probe-rule], platforms: [example-el9]}',
      `    - {name: ap, tag: "imports/*", mirrors: [probe-ap], platforms: [example-el9], autopatch: {repo: "${patches}", ref: main, branch: a9}}`,
      '',
    ].join('\n'),
  );
  master = await startGitMaster(work, config);
});

after(async () => {
  await master.stop();
  listener.close();
  for (const f of lootFound()) rmSync(f, { force: true });
  rmSync(hostTmpMarker, { force: true });
  rmSync(work, { recursive: true, force: true });
});

/** Waits until build `id` has ended; returns it. */
async function finished(id: number): Promise<BuildView> {
  return waitFor(`build ${id} to end`, async () => {
    const b = (await api<BuildView>(master.server, 'GET', `/builds/${id}`, { token: master.admin })).body;
    return ['succeeded', 'failed', 'cancelled'].includes(b.state) ? b : undefined;
  }, 120_000);
}

/** The probe Provides of the build's only item. */
function probes(b: BuildView): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of b.items[0]?.provides ?? []) {
    const m = /^probe-(\w+)-(\S+)$/.exec(p);
    if (m?.[1] !== undefined && m[2] !== undefined) out[m[1]] = m[2];
  }
  return out;
}

const SANDBOX_UID = process.getuid?.() === 0 ? String(DEFAULT_SANDBOX_ID) : String(process.getuid?.());

describe(`a spec's macros never run on the master (${TEST_DIALECT})`, () => {
  test('a maintainer’s spec: nothing runs at submit; on the node it runs as the sandbox user and reaches nothing of the host', async () => {
    const dir = upstream('probe-submit', 'submit');
    const r = await api<BuildView>(master.server, 'POST', '/builds', { token: master.admin, body: { platforms: ['example-el9'], sources: [{ git: `file://${dir}#HEAD` }] } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(lootFound(), [], 'submitting evaluated the spec on the master');
    const b = await finished(r.body.id);
    assert.equal(b.state, 'succeeded', JSON.stringify(b.tasks.map((t) => t.failureReason)));
    assert.deepEqual(lootFound(), [], 'building wrote outside the sandbox');
    assert.deepEqual(probes(b), { uid: SANDBOX_UID, data: 'none', tmp: 'none', net: 'closed' });
    assert.equal(connections, 0, 'the sandbox reached the listener on the host');
  });

  test('a platform macro that runs a command is evaluated in the sandbox only', async () => {
    const dir = upstream('probe-platform', 'platform');
    const r = await api<BuildView>(master.server, 'POST', '/builds', { token: master.admin, body: { platforms: ['probe-el9'], sources: [{ git: `file://${dir}#HEAD` }] } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const b = await finished(r.body.id);
    assert.equal(b.state, 'succeeded', JSON.stringify(b.tasks.map((t) => t.failureReason)));
    assert.equal(probes(b).platform, SANDBOX_UID);
    assert.deepEqual(lootFound(), []);
  });

  test('a tag pushed upstream, built by a rule with no distforge token: nothing runs on the master', async () => {
    pushTag(ruleRepo, 'v1.0');
    const e = await builtEntry(master.server, 'probe-rule', 'refs/tags/v1.0');
    assert.equal(e.build?.state, 'succeeded');
    assert.deepEqual(lootFound(), []);
    const b = (await api<BuildView>(master.server, 'GET', `/builds/${e.build?.id ?? 0}`, { token: master.admin })).body;
    assert.equal(probes(b).uid, SANDBOX_UID);
  });

  test('autopatch evaluates the upstream spec (its NVR) in the sandbox', async () => {
    pushTag(autopatchRepo, 'imports/probe-ap-1.0-1.el9');
    const e = await builtEntry(master.server, 'probe-ap', 'refs/tags/imports/probe-ap-1.0-1.el9');
    assert.equal(e.build?.state, 'succeeded');
    assert.match(e.ourRef ?? '', /probe-ap-1\.0-1\.el9\.probe\.1$/);
    assert.deepEqual(lootFound(), []);
  });
});
