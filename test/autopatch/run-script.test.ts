/**
 * run_script in the real bubblewrap sandbox: the script changes the package tree, has no network
 * (a server listening on the host's loopback is unreachable), cannot write outside the tree, and is
 * killed at its time limit. A failing script fails the import and pushes nothing.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { AutopatchActionError, importWithAutopatch, type AutopatchImport } from '../../src/autopatch/index.ts';
import { commitFiles, refsOf, showFile, tempDir, tinySpec } from './helpers.ts';

const PROBE = `#!/bin/bash
# Debrands the spec, then records what the sandbox allows.
set -u
sed -i 's/^Vendor:.*/Vendor:         AlmaLinux/' "$SPEC"
report=/package/sandbox-report.txt
try() { if "$@" 2>/dev/null; then echo "$1 allowed"; else echo "$1 denied"; fi; }
{
  echo "cwd $(pwd)"
  if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then echo "network reachable"; else echo "network unreachable"; fi
  try touch /usr/autopatch-probe
  try touch /patches/autopatch-probe
  try touch /etc/autopatch-probe
  try touch /autopatch-probe
  try touch /package/new-file
  echo "host-dir $(test -e "$2" && echo visible || echo hidden)"
} > "$report"
`;

function setup(t: TestContext, script: string, action: string): { target: string; request: AutopatchImport } {
  const dir = tempDir(t);
  const upstream = join(dir, 'upstream');
  commitFiles(upstream, { 'hello.spec': tinySpec('hello') }, 'imports/c9/hello-1.0-1.el9');
  const patches = join(dir, 'patches');
  commitFiles(patches, { 'hello/config.yaml': `actions:\n  - run_script: ${action}\n`, 'hello/probe.sh': script });
  const target = join(dir, 'target.git');
  return {
    target,
    request: { upstreamRepo: upstream, upstreamRef: 'refs/tags/imports/c9/hello-1.0-1.el9', packageName: 'hello', patches: { repo: patches, ref: 'refs/heads/main' }, targetRepo: target, branch: 'a9', workDir: join(dir, 'work') },
  };
}

test('run_script changes the tree inside bwrap: no network, read-only outside the tree', async (t) => {
  const server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const port = (server.address() as { port: number }).port;
  const hostDir = tempDir(t);
  const s = setup(t, PROBE, `{ script: probe.sh, args: ["${port}", "${hostDir}"], timeout: 30 }`);
  const r = await importWithAutopatch(s.request);
  assert.deepEqual(r.applied, [`run_script: probe.sh ${port} ${hostDir}`]);
  assert.match(showFile(s.target, r.commit, 'hello.spec'), /^Vendor:\s+AlmaLinux$/m);
  assert.equal(
    showFile(s.target, r.commit, 'sandbox-report.txt'),
    ['cwd /package', 'network unreachable', 'touch denied', 'touch denied', 'touch denied', 'touch denied', 'touch allowed', 'host-dir hidden'].join('\n'),
  );
  assert.equal(showFile(s.target, r.commit, 'new-file'), '');
});

test('a script that fails or runs past its time limit fails the import; nothing is pushed', async (t) => {
  const failing = setup(t, '#!/bin/sh\necho "cannot find branding" >&2\nexit 3\n', '{ script: probe.sh }');
  await assert.rejects(importWithAutopatch(failing.request), (err: unknown) => {
    assert.ok(err instanceof AutopatchActionError);
    assert.match(err.message, /^hello\/config\.yaml: actions\[0\] \(run_script\) on probe\.sh: exited with status 3; output:\ncannot find branding$/);
    return true;
  });
  assert.equal(refsOf(failing.target), '(no repository)');

  const slow = setup(t, '#!/bin/sh\nsleep 30\n', '{ script: probe.sh, timeout: 1 }');
  await assert.rejects(importWithAutopatch(slow.request), /actions\[0\] \(run_script\) on probe\.sh: time limit of 1 s reached/);
  assert.equal(refsOf(slow.target), '(no repository)');
});
