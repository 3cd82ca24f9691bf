/**
 * Validation of autopatch configs: a good config with every action parses to the defaults the
 * docs promise; each kind of mistake is rejected naming the file and the field.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { AutopatchConfigError, loadAutopatchConfig } from '../../src/autopatch/index.ts';

const FULL = `
actions:
  - replace: { find: "Vendor: CentOS", replace: "Vendor: AlmaLinux" }
  - replace: { target: hello.conf, find: "^x=(\\\\d+)$", replace: "x=$1", regex: true, count: 2 }
  - delete_line: { lines: "BuildRequires: centos-logos" }
  - add_line: { after: "License: MIT", lines: ["Vendor: distforge"] }
  - add_line: { at: bottom, lines: [x] }
  - modify_release: { suffix: .alma.1 }
  - changelog_entry: { author: A Person, email: a@example.org, date: "2026-02-01", lines: [Debrand] }
  - add_files: { file: patches/fix.patch }
  - add_files: { type: source, file: logo.png, name: logo-alma.png, number: 9 }
  - delete_files: { files: [centos.png] }
  - run_script: { script: fix.sh, args: [a], timeout: 5 }
`;

test('a config with every action parses, with defaults filled in', () => {
  const c = loadAutopatchConfig(FULL, 'hello.yml');
  assert.equal(c.file, 'hello.yml');
  assert.deepEqual(c.actions.map((a) => a.kind), ['replace', 'replace', 'delete_line', 'add_line', 'add_line', 'modify_release', 'changelog_entry', 'add_files', 'add_files', 'delete_files', 'run_script']);
  assert.deepEqual(c.actions[0], { kind: 'replace', target: 'spec', find: 'Vendor: CentOS', replace: 'Vendor: AlmaLinux', regex: false, count: 1 });
  assert.deepEqual(c.actions[2], { kind: 'delete_line', target: 'spec', lines: ['BuildRequires: centos-logos'], regex: false });
  assert.deepEqual(c.actions[3], { kind: 'add_line', target: 'spec', lines: ['Vendor: distforge'], position: 'after', anchor: 'License: MIT', regex: false });
  assert.deepEqual(c.actions[7], { kind: 'add_files', type: 'patch', file: 'patches/fix.patch', name: 'fix.patch', number: null });
  assert.deepEqual(c.actions[10], { kind: 'run_script', script: 'fix.sh', args: ['a'], timeout: 5 });
});

test('the example config of examples/autopatch validates', () => {
  const url = new URL('../../examples/autopatch/hello-c/config.yaml', import.meta.url);
  const c = loadAutopatchConfig(readFileSync(url, 'utf8'), 'hello-c/config.yaml');
  assert.equal(c.actions.length, 5);
});

const BAD: Array<[string, string, RegExp]> = [
  ['not: [valid', '(document)', /not valid YAML/],
  ['- a\n- b', '(document)', /mapping with an actions list/],
  ['actions: {}', 'actions', /list of actions/],
  ['actions: [3]', 'actions[0]', /one key/],
  ['actions:\n  - frobnicate: {}', 'actions[0].frobnicate', /unknown action/],
  ['actions:\n  - replace: 3', 'actions[0].replace', /mapping of options/],
  ['actions:\n  - replace: { replace: x }', 'actions[0].replace.find', /is required/],
  ['actions:\n  - replace: { find: x, replace: y, count: 0 }', 'actions[0].replace.count', /whole number ≥ 1/],
  ['actions:\n  - replace: { find: "(", replace: y, regex: true }', 'actions[0].replace.find', /not a valid regular expression/],
  ['actions:\n  - replace: { find: x, replce: y }', 'actions[0].replace.replce', /unknown field/],
  ['actions:\n  - replace: { target: ../etc/passwd, find: x }', 'actions[0].replace.target', /relative path/],
  ['actions:\n  - delete_line: { target: spec }', 'actions[0].delete_line.lines', /is required/],
  ['actions:\n  - add_line: { lines: [x] }', 'actions[0].add_line', /exactly one of after, before, at/],
  ['actions:\n  - add_line: { at: middle, lines: [x] }', 'actions[0].add_line.at', /top or bottom/],
  ['actions:\n  - modify_release: { suffix: .alma }', 'actions[0].modify_release.suffix', /end in a number/],
  ['actions:\n  - changelog_entry: { author: A, email: nope, lines: [x] }', 'actions[0].changelog_entry.email', /e-mail/],
  ['actions:\n  - changelog_entry: { author: A, email: a@b, date: 2026-13-45, lines: [x] }', 'actions[0].changelog_entry.date', /YYYY-MM-DD/],
  ['actions:\n  - add_files: { type: binary, file: x }', 'actions[0].add_files.type', /patch or source/],
  ['actions:\n  - add_files: { file: /abs/x.patch }', 'actions[0].add_files.file', /relative path/],
  ['actions:\n  - add_files: { file: "patches/evil\\u202Ehctap.sh" }', 'actions[0].add_files.file', /"evil\\u202ehctap\.sh" holds a control or invisible formatting character \(U\+202E\)/],
  ['actions:\n  - add_files: { file: x.patch, name: "x\\u200F.patch" }', 'actions[0].add_files.name', /U\+200F/],
  ['actions:\n  - run_script: { script: s.sh, timeout: -1 }', 'actions[0].run_script.timeout', /whole number ≥ 1/],
  ['actions: []\nextra: 1', 'extra', /unknown field/],
];

for (const [text, field, problem] of BAD) {
  test(`rejected: ${field} (${problem.source})`, () => {
    assert.throws(
      () => loadAutopatchConfig(text, 'pkg.yml'),
      (err: unknown) => {
        assert.ok(err instanceof AutopatchConfigError, String(err));
        assert.equal(err.code, 'autopatch_config');
        assert.equal(err.status, 422);
        assert.equal(err.file, 'pkg.yml');
        assert.equal(err.field, field);
        assert.match(err.message, /^pkg\.yml: /);
        assert.match(err.message, problem);
        return true;
      },
    );
  });
}
