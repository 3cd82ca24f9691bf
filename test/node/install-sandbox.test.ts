/**
 * A package's scriptlets run in dnf's install sandbox: as root chrooted into the root, but with
 * no network, no mounts, no device nodes and none of the host's files. `scriptprobe`, a small C
 * program built here by the node's own builder, tries each of those and says what the kernel
 * answered; the package's %post runs it while the test system installs the package. Run with
 * every capability and the host's network in the same root (the control), it succeeds at each,
 * so the refusals come from the sandbox, not from the probe.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildRpmsInRoot, buildSrpmInRoot } from '../../src/node/builders/rpmbuild-root.ts';
import { openTaskRoot } from '../../src/node/buildroot/for-task.ts';
import type { TaskRoot } from '../../src/node/buildroot/task-root.ts';
import { hostArch } from '../../src/node/host.ts';
import { findSpec } from '../../src/node/sources.ts';
import { installStage } from '../../src/node/test-stages.ts';
import { bootstrapRepo, testRootCache } from '../support/bootstrap-repo.ts';
import { startListeners, type Listeners } from '../support/tcp-listeners.ts';
import { examplePlatform, rootOptions } from './support.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-install-sandbox-'));
const stop = new AbortController();
const secret = join(work, 'host-secret.txt');
let listeners: Listeners;
let root: TaskRoot;
let installLog = '';

/** `scriptprobe SECRET ADDRESS PORT...`: one line for each thing it tries. */
const PROBE_C = String.raw`#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static void said(const char *what, int ok) { printf("%s: %s\n", what, ok ? "ok" : strerror(errno)); }

int main(int argc, char **argv) {
  char line[256];
  FILE *st = fopen("/proc/self/status", "r");
  while (st && fgets(line, sizeof line, st)) if (!strncmp(line, "CapEff:", 7)) printf("%s", line);
  printf("uid: %d\n", (int)getuid());
  mkdir("/mnt", 0755);
  said("mount", mount("none", "/mnt", "tmpfs", 0, NULL) == 0);
  unlink("/var/tmp/probe-null");
  said("mknod", mknod("/var/tmp/probe-null", S_IFCHR | 0666, makedev(1, 3)) == 0);
  said("secret", open(argv[1], O_RDONLY) >= 0);
  for (int i = 2; i + 1 < argc; i += 2) {
    struct sockaddr_storage sa;
    socklen_t len;
    memset(&sa, 0, sizeof sa);
    if (strchr(argv[i], ':')) {
      struct sockaddr_in6 *a = (struct sockaddr_in6 *)&sa;
      a->sin6_family = AF_INET6; a->sin6_port = htons(atoi(argv[i + 1])); len = sizeof *a;
      inet_pton(AF_INET6, argv[i], &a->sin6_addr);
    } else {
      struct sockaddr_in *a = (struct sockaddr_in *)&sa;
      a->sin_family = AF_INET; a->sin_port = htons(atoi(argv[i + 1])); len = sizeof *a;
      inet_pton(AF_INET, argv[i], &a->sin_addr);
    }
    int s = socket(sa.ss_family, SOCK_STREAM, 0);
    char what[128];
    snprintf(what, sizeof what, "connect %s", argv[i]);
    said(what, s >= 0 && connect(s, (struct sockaddr *)&sa, len) == 0);
    if (s >= 0) close(s);
  }
  return 0;
}
`;

function probeSpec(args: string): string {
  return [
    'Name: scriptprobe',
    'Version: 1.0',
    'Release: 1%{?dist}',
    'Summary: tries what a scriptlet must not do',
    'License: MIT',
    'Source0: scriptprobe.c',
    'BuildRequires: gcc',
    '%description',
    'A %post that probes the install sandbox.',
    '%prep',
    '%build',
    'gcc %{optflags} -o scriptprobe %{SOURCE0}',
    '%install',
    'install -D -m 0755 scriptprobe %{buildroot}/usr/bin/scriptprobe',
    '%post',
    `/usr/bin/scriptprobe ${args} > /var/lib/scriptprobe.txt 2>&1 || :`,
    '%files',
    '/usr/bin/scriptprobe',
    '',
  ].join('\n');
}

/** CapEff's bits as capability numbers. */
function capsOf(output: string): Set<number> {
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(output)?.[1];
  assert.ok(hex, output);
  const bits = BigInt(`0x${hex}`);
  return new Set([...Array(64).keys()].filter((i) => (bits >> BigInt(i)) & 1n));
}

const CAP = { NET_ADMIN: 12, NET_RAW: 13, SYS_MODULE: 16, SYS_RAWIO: 17, SYS_PTRACE: 19, SYS_ADMIN: 21, MKNOD: 27 };

before(async () => {
  await bootstrapRepo();
  listeners = await startListeners();
  writeFileSync(secret, 'the node’s own file\n');
  const args = [secret, ...listeners.targets.flatMap((t) => [t.address, String(t.port)])].join(' ');
  const tree = join(work, 'scriptprobe');
  mkdirSync(tree, { recursive: true });
  writeFileSync(join(tree, 'scriptprobe.spec'), probeSpec(args));
  writeFileSync(join(tree, 'scriptprobe.c'), PROBE_C);
  const srpm = await buildSrpmInRoot({ kind: 'git', dir: tree, commit: 'test', ...findSpec(tree) }, join(work, 'srpm'), rootOptions());
  const built = await buildRpmsInRoot(srpm.srpmPath, hostArch(), join(work, 'build'), rootOptions());
  const probe = built.rpms.find((f) => /scriptprobe-1\.0-1\.el9\.\w+\.rpm$/.test(f));
  assert.ok(probe);
  const platform = { ...examplePlatform(), buildroot: { install: ['bash', 'coreutils'], releasever: '9' } };
  root = await openTaskRoot({ cache: testRootCache(), platform, arch: hostArch(), taskRepos: [], workDir: join(work, 'test-root'), hostname: 'test', run: { signal: stop.signal } });
  const installed = await installStage(root, probe);
  installLog = installed.log;
  assert.equal(installed.state, 'passed', installed.log);
});

after(async () => {
  stop.abort();
  await root?.dispose();
  await listeners?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('scriptlets in the install sandbox', () => {
  test('run as root in the root, without mounts, device nodes, network, the host’s files or dangerous capabilities', async () => {
    const args = [secret, ...listeners.targets.flatMap((t) => [t.address, String(t.port)])];
    // Control: the probe, in the same root, as real root (no user namespace) with every capability and the host’s network.
    const control = spawnSync('bwrap', [
      '--bind', root.overlay.merged, '/', '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--ro-bind', secret, secret,
      '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--die-with-parent', '--cap-add', 'ALL', '--clearenv', '--setenv', 'PATH', '/usr/bin',
      '/usr/bin/scriptprobe', ...args,
    ], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(control.status, 0, control.stderr);
    for (const what of ['mount', 'mknod', 'secret', ...listeners.targets.map((t) => `connect ${t.address}`)]) {
      assert.match(control.stdout, new RegExp(`^${what}: ok$`, 'm'), control.stdout);
    }
    assert.ok(capsOf(control.stdout).has(CAP.SYS_ADMIN), control.stdout);
    await listeners.takeReached();

    // The %post that ran while installStage installed the package.
    const post = readFileSync(root.host('var/lib/scriptprobe.txt'), 'utf8');
    assert.match(post, /^uid: 0$/m, post);
    assert.match(post, /^mount: Operation not permitted$/m, post);
    assert.match(post, /^mknod: Operation not permitted$/m, post);
    assert.match(post, /^secret: No such file or directory$/m, post);
    for (const t of listeners.targets) {
      assert.match(post, new RegExp(`^connect ${t.address}: (Connection refused|Network is unreachable|Cannot assign requested address)$`, 'm'), post);
    }
    assert.deepEqual(await listeners.takeReached(), [], 'no listener saw a connection from the scriptlet');
    const caps = capsOf(post);
    for (const [name, bit] of Object.entries(CAP)) assert.ok(!caps.has(bit), `the scriptlet holds CAP_${name}: ${post}`);
    assert.ok(installLog.length > 0);
  });
});
