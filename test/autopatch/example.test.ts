/**
 * The example patches repository (examples/autopatch) applied to the example package
 * examples/packages/hello-c, copied into a temp git repository: the debranded spec, the tag, and
 * rpmbuild -bp showing that the added patch applies to the real tarball.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { importWithAutopatch } from '../../src/autopatch/index.ts';
import { commitFiles, gitIn, rpmspecRelease, tempDir } from './helpers.ts';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));

test('examples/autopatch debrands examples/packages/hello-c', async (t) => {
  const dir = tempDir(t);
  const upstream = join(dir, 'upstream');
  commitFiles(upstream, {}, 'imports/c9/hello-c-1.0-1.el9', join(EXAMPLES, 'packages/hello-c'));
  const patches = join(dir, 'patches');
  commitFiles(patches, {}, undefined, join(EXAMPLES, 'autopatch'));
  const target = join(dir, 'target.git');

  const r = await importWithAutopatch({
    upstreamRepo: upstream,
    upstreamRef: 'refs/tags/imports/c9/hello-c-1.0-1.el9',
    packageName: 'hello-c',
    patches: { repo: patches, ref: 'refs/heads/main' },
    targetRepo: target,
    branch: 'a9',
    tagPrefix: 'changed/a9',
    workDir: join(dir, 'work'),
  });
  assert.equal(r.tag, 'changed/a9/hello-c-1.0-1.el9.distforge.1');
  assert.equal(r.applied.length, 5);
  assert.equal(gitIn(target, 'rev-parse', 'a9'), r.commit);

  const checkout = join(dir, 'result');
  mkdirSync(checkout);
  gitIn(target, `--work-tree=${checkout}`, 'checkout', r.commit, '--', '.');
  const specPath = join(checkout, 'hello-c.spec');
  const spec = readFileSync(specPath, 'utf8');
  assert.match(spec, /^URL:\s+https:\/\/distforge\.invalid\/hello-c$/m);
  assert.match(spec, /^License:\s+MIT\nVendor:\s+distforge$/m);
  assert.match(spec, /^Source0:\s+%\{name\}-%\{version\}\.tar\.gz\nPatch1000:\s+hello-c-distforge-branding\.patch$/m);
  assert.match(spec, /^%setup -q\n%patch -P 1000 -p1$/m);
  assert.match(spec, /^%changelog\n\* Sun Feb 01 2026 distforge examples <examples@distforge\.invalid> - 1\.0-1\.el9\.distforge\.1\n- Debrand for distforge\n- Add hello-c-distforge-branding\.patch\n\n\* Thu Jan 01 2026/m);
  assert.equal(rpmspecRelease(specPath), '1.distforge.1');

  const top = join(dir, 'top');
  execFileSync('rpmbuild', ['-bp', '--nodeps', '--quiet', '--define', `_topdir ${top}`, '--define', `_sourcedir ${checkout}`, '--define', 'dist .el9', '--define', '_buildshell /bin/bash', specPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  assert.match(readFileSync(join(top, 'BUILD/hello-c-1.0/hello.c'), 'utf8'), /\(hello-c 1\.0, built by distforge\)/);
});
