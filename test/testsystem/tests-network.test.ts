/**
 * The test stage's sandbox has no network. A root is made as the test node makes it (the
 * platform's test base set from the bootstrap repository through the root cache, then installStage:
 * dnf installs `netprobe`, a small C client built here in a build root by the node's own builder).
 * The host listens on 127.0.0.1 and on its own non-loopback addresses. The same test script, run
 * from the same root with the host's network, reaches every listener (so the client works); run
 * by testsStage, it reaches none, each connect() failing with the kernel's reason.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildRpmsInRoot, buildSrpmInRoot } from '../../src/node/builders/rpmbuild-root.ts';
import { openTaskRoot } from '../../src/node/buildroot/for-task.ts';
import type { TaskRoot } from '../../src/node/buildroot/task-root.ts';
import { hostArch } from '../../src/node/host.ts';
import { findSpec } from '../../src/node/sources.ts';
import { installStage, testsStage } from '../../src/node/test-stages.ts';
import { bootstrapRepo, testRootCache } from '../support/bootstrap-repo.ts';
import { startListeners, type Listeners } from '../support/tcp-listeners.ts';
import { examplePlatform, rootOptions } from '../node/support.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-tests-network-'));
const stop = new AbortController();
let listeners: Listeners;
let root: TaskRoot;
let testsDir = '';

/** `netprobe ADDRESS PORT`: exit 0 once connected (it says so), 1 with connect()'s error otherwise. */
const PROBE_C = String.raw`#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: netprobe ADDRESS PORT\n"); return 2; }
  struct sockaddr_storage sa;
  socklen_t len;
  memset(&sa, 0, sizeof sa);
  int port = atoi(argv[2]);
  if (strchr(argv[1], ':')) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&sa;
    a->sin6_family = AF_INET6; a->sin6_port = htons(port); len = sizeof *a;
    if (inet_pton(AF_INET6, argv[1], &a->sin6_addr) != 1) { fprintf(stderr, "netprobe: bad address %s\n", argv[1]); return 2; }
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&sa;
    a->sin_family = AF_INET; a->sin_port = htons(port); len = sizeof *a;
    if (inet_pton(AF_INET, argv[1], &a->sin_addr) != 1) { fprintf(stderr, "netprobe: bad address %s\n", argv[1]); return 2; }
  }
  int s = socket(sa.ss_family, SOCK_STREAM, 0);
  if (s < 0) { printf("netprobe: %s %s: socket: %s\n", argv[1], argv[2], strerror(errno)); return 1; }
  if (connect(s, (struct sockaddr *)&sa, len) != 0) { printf("netprobe: %s %s: %s\n", argv[1], argv[2], strerror(errno)); return 1; }
  printf("netprobe: %s %s: connected\n", argv[1], argv[2]);
  close(s);
  return 0;
}
`;

const PROBE_SPEC = [
  'Name: netprobe',
  'Version: 1.0',
  'Release: 1%{?dist}',
  'Summary: connects to ADDRESS PORT',
  'License: MIT',
  'Source0: netprobe.c',
  'BuildRequires: gcc',
  '%description',
  'A TCP client for the sandbox network tests.',
  '%prep',
  '%build',
  'gcc %{optflags} -o netprobe %{SOURCE0}',
  '%install',
  'install -D -m 0755 netprobe %{buildroot}/usr/bin/netprobe',
  '%files',
  '/usr/bin/netprobe',
  '',
].join('\n');

/** Runs `argv` in the root with the host's network: the control that shows the client works there. */
function runWithNetwork(argv: string[]): { code: number; output: string } {
  const r = spawnSync('bwrap', [
    '--bind', root.overlay.merged, '/', '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp',
    '--ro-bind', testsDir, '/run/distforge-tests',
    '--unshare-all', '--share-net', '--die-with-parent', '--clearenv', '--setenv', 'PATH', '/usr/bin:/bin',
    ...argv,
  ], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? 1, output: `${r.stdout}${r.stderr}` };
}

before(async () => {
  await bootstrapRepo();
  const tree = join(work, 'netprobe');
  mkdirSync(tree, { recursive: true });
  writeFileSync(join(tree, 'netprobe.spec'), PROBE_SPEC);
  writeFileSync(join(tree, 'netprobe.c'), PROBE_C);
  const srpm = await buildSrpmInRoot({ kind: 'git', dir: tree, commit: 'test', ...findSpec(tree) }, join(work, 'srpm'), rootOptions());
  const built = await buildRpmsInRoot(srpm.srpmPath, hostArch(), join(work, 'build'), rootOptions());
  const probe = built.rpms.find((f) => /netprobe-1\.0-1\.el9\.\w+\.rpm$/.test(f));
  assert.ok(probe);
  const platform = { ...examplePlatform(), buildroot: { install: ['bash', 'coreutils'], releasever: '9' } };
  root = await openTaskRoot({ cache: testRootCache(), platform, arch: hostArch(), taskRepos: [], workDir: join(work, 'test-root'), hostname: 'test', run: { signal: stop.signal } });
  const installed = await installStage(root, probe);
  assert.equal(installed.state, 'passed', installed.log);
  listeners = await startListeners();
  testsDir = join(work, 'tests');
  mkdirSync(testsDir);
  const lines = listeners.targets.map(
    (t, i) => `if netprobe ${t.address} ${t.port}; then echo "not ok ${i + 1} - reached ${t.address}"; else echo "ok ${i + 1} - no connection to ${t.address}"; fi`,
  );
  writeFileSync(join(testsDir, 'network.sh'), ['#!/bin/sh', `echo 1..${lines.length}`, ...lines, ''].join('\n'));
});

after(async () => {
  stop.abort();
  await root?.dispose();
  await listeners?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the test stage sandbox', () => {
  test('has no network: a client in the root reaches the host’s listeners with the network, none from testsStage', async () => {
    assert.ok(readdirSync(root.host('usr/bin')).includes('netprobe'), 'netprobe is installed in the root');
    const addresses = listeners.targets.map((t) => t.address);
    assert.ok(addresses.length >= 1);

    // Control: the same script, from the same root, with the host's network: every listener answers.
    const control = runWithNetwork(['/bin/sh', '/run/distforge-tests/network.sh']);
    assert.equal(control.code, 0, control.output);
    for (const [i, t] of listeners.targets.entries()) {
      assert.match(control.output, new RegExp(`^netprobe: ${t.address} ${t.port}: connected$`, 'm'));
      assert.match(control.output, new RegExp(`^not ok ${i + 1} - reached ${t.address}$`, 'm'));
    }
    assert.deepEqual((await listeners.takeReached()).sort(), [...addresses].sort(), 'each listener saw the client once');

    // The stage: the script runs in the stage's sandbox and reaches nothing.
    const r = await testsStage(root, testsDir, 60);
    assert.equal(r.state, 'passed', `${r.detail}\n${r.log}`);
    for (const [i, t] of listeners.targets.entries()) {
      assert.match(r.log, new RegExp(`^netprobe: ${t.address} ${t.port}: (Connection refused|Network is unreachable|Cannot assign requested address)$`, 'm'));
      assert.match(r.log, new RegExp(`^ok ${i + 1} - no connection to ${t.address}$`, 'm'));
    }
    assert.deepEqual(await listeners.takeReached(), [], 'no listener saw a connection from the sandbox');
  });
});
