/**
 * importWithAutopatch end to end with real git and rpmspec: upstream and patches repositories in
 * temp dirs, our branch and tags in a bare target repository.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { AutopatchActionError, AutopatchConfigError, importWithAutopatch, type AutopatchImport } from '../../src/autopatch/index.ts';
import { commitFiles, gitIn, refsOf, rpmspecRelease, showFile, tempDir, tinySpec } from './helpers.ts';

const CONFIG = `actions:
  - replace: { find: "Vendor:         CentOS", replace: "Vendor:         AlmaLinux" }
  - modify_release: { suffix: .alma.1 }
  - changelog_entry: { author: Alma Packager, email: packager@almalinux.org, date: "2026-02-01", lines: [Debrand for AlmaLinux] }
`;

interface Setup {
  dir: string;
  upstream: string;
  patches: string;
  target: string;
  request: (ref: string, patches?: AutopatchImport['patches']) => AutopatchImport;
}

function setup(t: TestContext, config: string | null = CONFIG, layout: 'flat' | 'specs' = 'flat'): Setup {
  const dir = tempDir(t);
  const upstream = join(dir, 'upstream');
  const specPath = layout === 'flat' ? 'hello.spec' : 'SPECS/hello.spec';
  commitFiles(upstream, { [specPath]: tinySpec('hello') }, 'imports/c9/hello-1.0-1.el9');
  const patches = join(dir, 'patches');
  commitFiles(patches, config === null ? { 'README': 'no configs\n' } : { 'hello.yml': config, 'other.yml': 'actions: []\n' });
  const target = join(dir, 'target.git');
  const request = (ref: string, p: AutopatchImport['patches'] = { repo: patches, ref: 'refs/heads/main' }): AutopatchImport => ({
    upstreamRepo: upstream,
    upstreamRef: ref,
    packageName: 'hello',
    patches: p,
    targetRepo: target,
    branch: 'a9',
    workDir: join(dir, 'work'),
  });
  return { dir, upstream, patches, target, request };
}

test('an import is patched, committed on our branch, tagged with the patched NVR and pushed', async (t) => {
  const s = setup(t);
  const upstreamCommit = gitIn(s.upstream, 'rev-parse', 'HEAD');
  const r = await importWithAutopatch(s.request('refs/tags/imports/c9/hello-1.0-1.el9'));
  assert.equal(r.tag, 'changed/a9/hello-1.0-1.el9.alma.1');
  assert.equal(r.nvr, 'hello-1.0-1.el9.alma.1');
  assert.equal(r.branch, 'a9');
  assert.equal(r.applied.length, 3);
  assert.match(r.applied[1] ?? '', /^modify_release: Release 1%\{\?dist\} → 1%\{\?dist\}\.alma\.1/);

  assert.equal(gitIn(s.target, 'rev-parse', 'refs/heads/a9'), r.commit);
  assert.equal(gitIn(s.target, 'rev-parse', `refs/tags/${r.tag}^{commit}`), r.commit);
  assert.equal(gitIn(s.target, 'log', '-1', '--format=%P', r.commit), upstreamCommit, 'first import: the upstream commit is the only parent');
  assert.equal(gitIn(s.target, 'log', '-1', '--format=%an <%ae>|%cn <%ce>', r.commit), 'distforge <distforge@localhost>|distforge <distforge@localhost>');
  const message = gitIn(s.target, 'log', '-1', '--format=%B', r.commit);
  assert.match(message, /^autopatch: hello-1\.0-1\.el9\.alma\.1 from refs\/tags\/imports\/c9\/hello-1\.0-1\.el9\n/);
  assert.match(message, new RegExp(`Upstream-Commit: ${upstreamCommit}`));
  assert.match(message, /Actions applied:\n- replace: /);

  const spec = showFile(s.target, r.commit, 'hello.spec');
  assert.match(spec, /^Vendor:\s+AlmaLinux$/m);
  assert.match(spec, /^Release:\s+1%\{\?dist\}\.alma\.1$/m);
  assert.match(spec, /^%changelog\n\* Sun Feb 01 2026 Alma Packager <packager@almalinux\.org> - 1\.0-1\.el9\.alma\.1\n- Debrand for AlmaLinux\n\n\* Thu Jan 01/m);
  const specFile = join(s.dir, 'result.spec');
  writeFileSync(specFile, spec + '\n');
  assert.equal(rpmspecRelease(specFile), '1.alma.1');
});

test('importing the same ref again returns the same result and pushes nothing', async (t) => {
  const s = setup(t);
  const first = await importWithAutopatch(s.request('refs/tags/imports/c9/hello-1.0-1.el9'));
  const refs = refsOf(s.target);
  const again = await importWithAutopatch(s.request('refs/tags/imports/c9/hello-1.0-1.el9'));
  assert.deepEqual(again, first);
  assert.equal(refsOf(s.target), refs);
});

test('a later upstream import follows the previous tip; a changed config on the same import bumps the suffix', async (t) => {
  const s = setup(t);
  const first = await importWithAutopatch(s.request('refs/tags/imports/c9/hello-1.0-1.el9'));
  const second = commitFiles(s.upstream, { 'hello.spec': tinySpec('hello', { release: '2%{?dist}' }) }, 'imports/c9/hello-1.0-2.el9');
  const r2 = await importWithAutopatch(s.request('refs/tags/imports/c9/hello-1.0-2.el9'));
  assert.equal(r2.tag, 'changed/a9/hello-1.0-2.el9.alma.1');
  assert.equal(gitIn(s.target, 'log', '-1', '--format=%P', r2.commit), `${first.commit} ${second}`, 'parents: previous tip, then upstream');
  const firstUpstream = gitIn(s.upstream, 'rev-parse', 'imports/c9/hello-1.0-1.el9');
  assert.equal(gitIn(s.target, 'rev-list', '--first-parent', 'a9'), [r2.commit, first.commit, firstUpstream].join('\n'), 'our imports on the first-parent line');
  assert.match(showFile(s.target, r2.commit, 'hello.spec'), /^Release:\s+2%\{\?dist\}\.alma\.1$/m);

  commitFiles(s.patches, { 'hello.yml': CONFIG.replace('Debrand for AlmaLinux', 'Debrand for AlmaLinux, again') });
  const r3 = await importWithAutopatch(s.request('refs/tags/imports/c9/hello-1.0-2.el9'));
  assert.equal(r3.tag, 'changed/a9/hello-1.0-2.el9.alma.2');
  assert.equal(gitIn(s.target, 'log', '-1', '--format=%P', r3.commit), `${r2.commit} ${second}`);
});

test('without patches, or without a config for the package, the import is published unchanged', async (t) => {
  const s = setup(t, null, 'specs');
  const r = await importWithAutopatch(s.request('refs/tags/imports/c9/hello-1.0-1.el9'));
  assert.equal(r.tag, 'changed/a9/hello-1.0-1.el9');
  assert.deepEqual(r.applied, []);
  assert.equal(gitIn(s.target, 'rev-parse', `${r.commit}^{tree}`), gitIn(s.upstream, 'rev-parse', 'HEAD^{tree}'));
  assert.match(gitIn(s.target, 'log', '-1', '--format=%B', r.commit), /imported unchanged/);
  const none = await importWithAutopatch({ ...s.request('refs/tags/imports/c9/hello-1.0-1.el9', null), targetRepo: join(s.dir, 'other.git'), tagPrefix: 'plain/a9' });
  assert.equal(none.tag, 'plain/a9/hello-1.0-1.el9');
});

test('a config that no longer applies fails naming action, file and text, and pushes nothing', async (t) => {
  const s = setup(t);
  await importWithAutopatch(s.request('refs/tags/imports/c9/hello-1.0-1.el9'));
  const before = refsOf(s.target);
  commitFiles(s.upstream, { 'hello.spec': tinySpec('hello', { release: '2%{?dist}' }).replace('Vendor:         CentOS', 'Vendor:         Red Hat') }, 'imports/c9/hello-1.0-2.el9');
  await assert.rejects(importWithAutopatch(s.request('refs/tags/imports/c9/hello-1.0-2.el9')), (err: unknown) => {
    assert.ok(err instanceof AutopatchActionError);
    assert.equal(err.code, 'autopatch_failed');
    assert.equal(err.status, 422);
    assert.equal(err.message, 'hello.yml: actions[0] (replace) on hello.spec: text "Vendor:         CentOS" not found (expected 1)');
    return true;
  });
  assert.equal(refsOf(s.target), before);

  const fresh = setup(t, 'actions:\n  - replace: { find: x, replace: y, cuont: 1 }\n');
  await assert.rejects(importWithAutopatch(fresh.request('refs/tags/imports/c9/hello-1.0-1.el9')), (err: unknown) => {
    assert.ok(err instanceof AutopatchConfigError);
    assert.match(err.message, /^hello\.yml: actions\[0\]\.replace\.cuont: unknown field$/);
    return true;
  });
  assert.equal(refsOf(fresh.target), '(no repository)', 'a missing target repository is not created on failure');
  await assert.rejects(importWithAutopatch(fresh.request('refs/tags/imports/c9/nope')), /cannot fetch upstream ref refs\/tags\/imports\/c9\/nope/);
});

test('a one-package patches repository (config.yaml at its root) named by a short ref', async (t) => {
  const s = setup(t);
  const own = join(s.dir, 'hello-patches');
  commitFiles(own, { 'config.yaml': 'actions:\n  - modify_release: { suffix: .own.1 }\n' });
  const r = await importWithAutopatch(s.request('refs/tags/imports/c9/hello-1.0-1.el9', { repo: own, ref: 'main' }));
  assert.equal(r.tag, 'changed/a9/hello-1.0-1.el9.own.1');
  assert.match(gitIn(s.target, 'log', '-1', '--format=%B', r.commit), /Patched with config\.yaml of the patches repository at main/);
});
