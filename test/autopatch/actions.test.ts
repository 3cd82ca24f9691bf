/**
 * Each action on a package tree in a temp dir (real rpmspec for release and changelog): what it
 * changes when it applies, and the error naming action, file and missing text when it does not.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { applyActions } from '../../src/autopatch/actions/apply.ts';
import { loadAutopatchConfig } from '../../src/autopatch/config.ts';
import { AutopatchActionError } from '../../src/autopatch/errors.ts';
import { detectLayout } from '../../src/autopatch/layout.ts';
import { tempDir, tinySpec, writeFiles, type Files } from './helpers.ts';

interface Run {
  tree: string;
  spec: () => string;
  applied: string[];
}

/** Applies `yaml` to a tree holding `files` (patches repository files in `patchFiles`). */
async function apply(t: TestContext, yaml: string, files: Files, patchFiles: Files = {}, taken: string[] = []): Promise<Run> {
  const dir = tempDir(t);
  const tree = join(dir, 'tree');
  const patches = join(dir, 'patches');
  writeFiles(tree, files);
  writeFiles(patches, { 'keep': '', ...patchFiles });
  const layout = detectLayout(tree, 'hello');
  const applied = await applyActions(loadAutopatchConfig(yaml, 'hello.yml'), {
    layout,
    filesDir: patches,
    dist: '.el9',
    upstreamDate: new Date('2026-03-04T10:00:00Z'),
    nvrTaken: (nvr) => Promise.resolve(taken.includes(nvr)),
  });
  return { tree, spec: () => readFileSync(join(tree, layout.spec), 'utf8'), applied };
}

async function rejects(t: TestContext, yaml: string, files: Files, expected: { index: number; kind: string; file: string; message: RegExp }, patchFiles: Files = {}): Promise<void> {
  await assert.rejects(apply(t, yaml, files, patchFiles), (err: unknown) => {
    assert.ok(err instanceof AutopatchActionError, String(err));
    assert.equal(err.code, 'autopatch_failed');
    assert.equal(err.status, 422);
    assert.equal(err.actionIndex, expected.index);
    assert.equal(err.actionKind, expected.kind);
    assert.equal(err.file, expected.file);
    assert.match(err.message, new RegExp(`^hello\\.yml: actions\\[${expected.index}\\] \\(${expected.kind}\\) on `));
    assert.match(err.message, expected.message);
    return true;
  });
}

const SPEC = { 'hello.spec': tinySpec('hello') };

test('replace: literal text in the spec, the count must match', async (t) => {
  const r = await apply(t, 'actions:\n  - replace: { find: CentOS, replace: AlmaLinux, count: 2 }', SPEC);
  assert.match(r.spec(), /^Vendor:\s+AlmaLinux$/m);
  assert.match(r.spec(), /Built by AlmaLinux\./);
  assert.doesNotMatch(r.spec(), /CentOS/);
  assert.match(r.applied[0] ?? '', /^replace: "CentOS" → "AlmaLinux" in hello\.spec \(2×\)/);
  await rejects(t, 'actions:\n  - replace: { find: CentOS, replace: AlmaLinux }', SPEC, { index: 0, kind: 'replace', file: 'hello.spec', message: /text "CentOS" found 2 times \(expected 1\)/ });
  await rejects(t, 'actions:\n  - replace: { find: RHEL, replace: x }', SPEC, { index: 0, kind: 'replace', file: 'hello.spec', message: /text "RHEL" not found \(expected 1\)/ });
});

test('replace: regular expression with groups in a file of the sources dir (SPECS/SOURCES layout)', async (t) => {
  const files = { 'SPECS/hello.spec': tinySpec('hello'), 'SOURCES/hello.conf': 'vendor=centos\nurl=https://centos.org\n' };
  const r = await apply(t, 'actions:\n  - replace: { target: hello.conf, regex: true, find: "^(\\\\w+)=(.*)centos(.*)$", replace: "$1=$2almalinux$3", count: 2 }', files);
  assert.equal(readFileSync(join(r.tree, 'SOURCES/hello.conf'), 'utf8'), 'vendor=almalinux\nurl=https://almalinux.org\n');
  await rejects(t, 'actions:\n  - replace: { target: missing.conf, find: x, replace: y }', files, { index: 0, kind: 'replace', file: 'SOURCES/missing.conf', message: /file not found in the package tree/ });
});

test('delete_line: whole lines, literal or regex; a missing line fails', async (t) => {
  const r = await apply(t, 'actions:\n  - delete_line: { lines: ["Vendor:         CentOS"] }\n  - delete_line: { regex: true, lines: ["URL:.*"] }', SPEC);
  assert.doesNotMatch(r.spec(), /^Vendor:/m);
  assert.doesNotMatch(r.spec(), /^URL:/m);
  assert.match(r.applied[0] ?? '', /delete_line: 1 line\(s\) from hello\.spec/);
  await rejects(t, 'actions:\n  - replace: { find: CentOS, replace: X, count: 2 }\n  - delete_line: { lines: ["Vendor: CentOS"] }', SPEC, { index: 1, kind: 'delete_line', file: 'hello.spec', message: /line "Vendor: CentOS" not found/ });
});

test('add_line: after, before, top and bottom; a missing anchor fails', async (t) => {
  const r = await apply(t, `actions:
  - add_line: { after: "License:        MIT", lines: ["Packager:       distforge"] }
  - add_line: { before: "%description", regex: true, lines: ["Requires:       distforge-logos"] }
  - add_line: { at: top, lines: ["# patched"] }
  - add_line: { at: bottom, lines: ["- tail"] }`, SPEC);
  const lines = r.spec().trimEnd().split('\n');
  assert.equal(lines[0], '# patched');
  assert.equal(lines[lines.indexOf('License:        MIT') + 1], 'Packager:       distforge');
  assert.equal(lines[lines.indexOf('%description') - 1], 'Requires:       distforge-logos');
  assert.equal(lines.at(-1), '- tail');
  await rejects(t, 'actions:\n  - add_line: { after: "%global foo 1", lines: [x] }', SPEC, { index: 0, kind: 'add_line', file: 'hello.spec', message: /anchor line "%global foo 1" not found/ });
});

test('modify_release: appends the suffix, bumps it when present or when the NVR is taken', async (t) => {
  const r = await apply(t, 'actions:\n  - modify_release: { suffix: .alma.1 }', SPEC);
  assert.match(r.spec(), /^Release:\s+1%\{\?dist\}\.alma\.1$/m);
  assert.match(r.applied[0] ?? '', /hello-1\.0-1\.el9\.alma\.1\)$/);
  const present = await apply(t, 'actions:\n  - modify_release: { suffix: .alma.1 }', { 'hello.spec': tinySpec('hello', { release: '3%{?dist}.alma.2' }) });
  assert.match(present.spec(), /^Release:\s+3%\{\?dist\}\.alma\.3$/m);
  const taken = await apply(t, 'actions:\n  - modify_release: { suffix: .alma.1 }', SPEC, {}, ['hello-1.0-1.el9.alma.1', 'hello-1.0-1.el9.alma.2']);
  assert.match(taken.spec(), /^Release:\s+1%\{\?dist\}\.alma\.3$/m);
  await rejects(t, 'actions:\n  - delete_line: { regex: true, lines: ["Release:.*"] }\n  - modify_release: { suffix: .alma.1 }', SPEC, { index: 1, kind: 'modify_release', file: 'hello.spec', message: /no Release: line/ });
});

test('changelog_entry: a new top entry with the modified EVR', async (t) => {
  const r = await apply(t, `actions:
  - modify_release: { suffix: .alma.1 }
  - changelog_entry: { author: Alma Packager, email: packager@almalinux.org, lines: [Debrand for AlmaLinux, "- Use our URL"] }
  - changelog_entry: { author: B, email: b@example.org, date: "2026-02-01", lines: [Second] }`, SPEC);
  const log = r.spec().slice(r.spec().indexOf('%changelog\n') + '%changelog\n'.length);
  assert.equal(
    log,
    '* Sun Feb 01 2026 B <b@example.org> - 1.0-1.el9.alma.1\n- Second\n\n' +
      '* Wed Mar 04 2026 Alma Packager <packager@almalinux.org> - 1.0-1.el9.alma.1\n- Debrand for AlmaLinux\n- Use our URL\n\n' +
      '* Thu Jan 01 2026 Upstream Packager <packager@example.invalid> - 1.0-1\n- First package\n',
  );
  const noLog = { 'hello.spec': tinySpec('hello').replace(/%changelog[\s\S]*/, '') };
  await rejects(t, 'actions:\n  - changelog_entry: { author: A, email: a@b, lines: [x] }', noLog, { index: 0, kind: 'changelog_entry', file: 'hello.spec', message: /no %changelog section/ });
});

test('add_files: a source file goes to the sources dir with a SourceN line', async (t) => {
  const files = { 'SPECS/hello.spec': tinySpec('hello'), 'SOURCES/hello-1.0.tar.gz': 'x' };
  const r = await apply(t, 'actions:\n  - add_files: { type: source, file: art/logo.svg }', files, { 'art/logo.svg': '<svg/>' });
  assert.equal(readFileSync(join(r.tree, 'SOURCES/logo.svg'), 'utf8'), '<svg/>');
  assert.match(r.spec(), /^Source0:\s+hello-1\.0\.tar\.gz\nSource1:\s+logo\.svg$/m);
  await rejects(t, 'actions:\n  - add_files: { file: nope.patch }', files, { index: 0, kind: 'add_files', file: 'nope.patch', message: /not found in the patches repository/ });
  await rejects(t, 'actions:\n  - add_files: { type: source, file: x.tar.gz, name: hello-1.0.tar.gz }', files, { index: 0, kind: 'add_files', file: 'SOURCES/hello-1.0.tar.gz', message: /already exists/ }, { 'x.tar.gz': 'y' });
  await rejects(t, 'actions:\n  - add_files: { type: source, file: x.tar.gz, number: 0 }', files, { index: 0, kind: 'add_files', file: 'SPECS/hello.spec', message: /Source0 is already declared/ }, { 'x.tar.gz': 'y' });
});

test('add_files: a patch with %autosetup needs no %patch line', async (t) => {
  const files = { 'hello.spec': tinySpec('hello', { prep: '%autosetup -p1', extraTags: 'Patch0:         upstream-fix.patch' }) };
  const r = await apply(t, 'actions:\n  - add_files: { file: brand.patch }', files, { 'brand.patch': 'diff\n' });
  assert.match(r.spec(), /^Patch0:\s+upstream-fix\.patch\nPatch1:\s+brand\.patch$/m);
  assert.doesNotMatch(r.spec(), /^%patch/m);
  assert.ok(existsSync(join(r.tree, 'brand.patch')));
  assert.match(r.applied[0] ?? '', /as Patch1, applied by %autosetup/);
});

test('add_files: a patch with explicit %patch lines gets one more after the last, in the same style', async (t) => {
  const numbered = tinySpec('hello', { prep: '%setup -q\n%patch0 -p1\n%patch1 -p1\necho done', extraTags: 'Patch0:         a.patch\nPatch1:         b.patch' });
  const r = await apply(t, 'actions:\n  - add_files: { file: brand.patch, number: 1000 }', { 'hello.spec': numbered }, { 'brand.patch': 'diff\n' });
  assert.match(r.spec(), /^Patch1:\s+b\.patch\nPatch1000:\s+brand\.patch$/m);
  assert.match(r.spec(), /^%patch1 -p1\n%patch1000 -p1\necho done$/m);
  const dashP = tinySpec('hello', { prep: '%setup -q\n%patch -P 0 -p1', extraTags: 'Patch0:         a.patch' });
  const r2 = await apply(t, 'actions:\n  - add_files: { file: brand.patch }', { 'hello.spec': dashP }, { 'brand.patch': 'diff\n' });
  assert.match(r2.spec(), /^%patch -P 0 -p1\n%patch -P 1 -p1$/m);
  const setupOnly = await apply(t, 'actions:\n  - add_files: { file: brand.patch }', SPEC, { 'brand.patch': 'diff\n' });
  assert.match(setupOnly.spec(), /^Source0:\s+hello-1\.0\.tar\.gz\nPatch1:\s+brand\.patch$/m);
  assert.match(setupOnly.spec(), /^%setup -q\n%patch -P 1 -p1$/m);
  const noPrep = { 'hello.spec': tinySpec('hello', { prep: 'true' }) };
  await rejects(t, 'actions:\n  - add_files: { file: brand.patch }', noPrep, { index: 0, kind: 'add_files', file: 'hello.spec', message: /no %autosetup, %autopatch, %patch or %setup line to apply Patch1/ }, { 'brand.patch': 'diff\n' });
});

test('delete_files: removes files of the sources dir; a missing one fails', async (t) => {
  const files = { 'SPECS/hello.spec': tinySpec('hello'), 'SOURCES/centos-logo.png': 'png', 'SOURCES/keep.txt': 'k' };
  const r = await apply(t, 'actions:\n  - delete_files: { files: [centos-logo.png] }', files);
  assert.equal(existsSync(join(r.tree, 'SOURCES/centos-logo.png')), false);
  assert.equal(existsSync(join(r.tree, 'SOURCES/keep.txt')), true);
  await rejects(t, 'actions:\n  - delete_files: { files: [keep.txt, gone.png] }', files, { index: 0, kind: 'delete_files', file: 'SOURCES/gone.png', message: /file not found in the package tree/ });
});
