/**
 * Platform definitions and platform files: what is accepted, and that every problem is reported
 * with the file and the field (the server configuration file: src/server/config.test.ts).
 */
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { scratchFiles } from '../../test/support/scratch-files.ts';
import { ConfigError, loadPlatformFile } from './config.ts';
import { InvalidNameError, PlatformDefinitionError } from './errors.ts';
import { checkName } from './names.ts';
import { acceptsNoarch, buildArches } from './types.ts';
import { parsePlatform } from './validate.ts';

const { dir: work, file } = scratchFiles('platforms');
const EXAMPLE = resolve(import.meta.dirname, '../../examples/platforms/example-el9.yaml');

const minimal = { name: 'p1', arches: ['x86_64'], distTag: '.el9' };

test('the example platform file reads as written, numbers kept as text', () => {
  const p = loadPlatformFile(EXAMPLE);
  assert.equal(p.name, 'example-el9');
  assert.deepEqual(p.arches, ['x86_64', 'noarch']);
  assert.deepEqual(buildArches(p), ['x86_64']);
  assert.equal(acceptsNoarch(p), true);
  assert.equal(p.distTag, '.el9');
  assert.equal(p.macros.rhel, '9');
  assert.equal(p.macros.el9, '1');
  assert.equal(p.macros.vendor, 'distforge example');
  assert.deepEqual(p.repositories, [{ name: 'bootstrap', url: '/api/v1/platform-repos/bootstrap-el9/$basearch/' }]);
  assert.deepEqual(p.buildroot, { install: ['@buildsys-build'], releasever: '9' });
  assert.deepEqual(p.lifecycle, {
    version: '9.4', codename: 'Example Ocelot', upstreamBase: 'EL 9.4', kernel: '5.14.0-427.13.1.el9_4',
    releaseDate: '2024-05-06', upstreamReleaseDate: '2024-04-30', endOfActiveSupport: '2027-05-31', endOfSecuritySupport: '2032-05-31',
  });
});

test('build roots and repositories: buildroot.install and releasever, gpgcheck with its key, paths on the master; bad ones named', () => {
  assert.equal(parsePlatform(minimal).buildroot, undefined);
  assert.deepEqual(parsePlatform({ ...minimal, buildroot: {} }).buildroot, { install: ['@buildsys-build'] });
  assert.deepEqual(parsePlatform({ ...minimal, buildroot: { install: ['@buildsys-build', 'gcc', 'pkgconfig(zlib) >= 1.2'], releasever: '9.4' } }).buildroot, { install: ['@buildsys-build', 'gcc', 'pkgconfig(zlib) >= 1.2'], releasever: '9.4' });
  const repo = { name: 'baseos', url: 'https://repo.example/9/BaseOS/$basearch/os/', gpgcheck: true, gpgkey: 'https://repo.example/RPM-GPG-KEY-9' };
  assert.deepEqual(parsePlatform({ ...minimal, repositories: [repo] }).repositories, [repo]);
  assert.deepEqual(parsePlatform({ ...minimal, repositories: [{ name: 'local', url: '/api/v1/platform-repos/x/$basearch/' }] }).repositories, [{ name: 'local', url: '/api/v1/platform-repos/x/$basearch/' }]);
  assert.deepEqual(parsePlatform({ ...minimal, tests: { install: ['bash'] } }).tests?.install, ['bash']);
  const bad: [unknown, RegExp][] = [
    [{ buildroot: { install: [] } }, /^buildroot\.install: must be a non-empty list/],
    [{ buildroot: { install: ['gcc; rm -rf /'] } }, /^buildroot\.install\[0\]: "gcc; rm -rf \/" is not a package name/],
    [{ buildroot: { releasever: '9 9' } }, /^buildroot\.releasever: "9 9" must be letters/],
    [{ buildroot: { chroot: 'x' } }, /^buildroot\.chroot: unknown field/],
    [{ repositories: [{ ...repo, gpgkey: undefined }] }, /^repositories\[0\]\.gpgkey: is required when gpgcheck is true/],
    [{ repositories: [{ name: 'r', url: 'ftp://x/' }] }, /^repositories\[0\]\.url: "ftp:\/\/x\/" must be an http:\/\/, https:\/\/ or file:\/\/ URL, or a path on this master/],
    [{ tests: { install: 'bash' } }, /^tests\.install: must be a non-empty list/],
  ];
  for (const [extra, message] of bad) assert.throws(() => parsePlatform({ ...minimal, ...(extra as object) }), (e: Error) => message.test(e.message.replace(/^platform definition: /, '')), JSON.stringify(extra));
});

test('advisoryPrefix: 2 to 8 uppercase letters, absent by default (src/errata then uses DF)', () => {
  assert.equal(parsePlatform(minimal).advisoryPrefix, undefined);
  assert.equal(parsePlatform({ ...minimal, advisoryPrefix: 'AL' }).advisoryPrefix, 'AL');
  assert.equal(parsePlatform({ ...minimal, advisoryPrefix: 'EXAMPLEX' }).advisoryPrefix, 'EXAMPLEX');
  for (const bad of ['A', 'al', 'AL1', 'ALMALINUX', 'AL-', 7]) {
    assert.throws(() => parsePlatform({ ...minimal, advisoryPrefix: bad }), (e: Error) => /^platform definition: advisoryPrefix: .* must be 2 to 8 uppercase letters \(e\.g\. "AL" for ALSA-2026:0001\)$/.test(e.message), String(bad));
  }
});

test('tests: defaults, and the settings as given', () => {
  assert.equal(parsePlatform(minimal).tests, undefined, 'no tests unless asked for');
  assert.deepEqual(parsePlatform({ ...minimal, tests: {} }).tests, { gate: true, timeoutSeconds: 300, autoSign: false });
  assert.deepEqual(parsePlatform({ ...minimal, tests: { gate: 'false', timeoutSeconds: '60', autoSign: true, repository: { url: 'https://git.example.org/tests.git' } } }).tests, {
    gate: false, timeoutSeconds: 60, autoSign: true, repository: { url: 'https://git.example.org/tests.git', ref: 'main' },
  });
});

test('version 9.10 in YAML stays "9.10"; the dist macro defaults to the dist tag', () => {
  const p = loadPlatformFile(file('v.yaml', 'name: v\narches: [aarch64]\ndistTag: .el9\nlifecycle:\n  version: 9.10\n'));
  assert.equal(p.lifecycle?.version, '9.10');
  assert.equal(p.macros.dist, '.el9');
});

test('lifecycle: the release table\'s columns; endOfSupport read as endOfSecuritySupport; each bad date or order one error naming the field', () => {
  const table = { version: '9.4', upstreamBase: 'EL 9.4', releaseDate: '2024-05-06', upstreamReleaseDate: '2024-04-30', endOfActiveSupport: '2027-05-31', endOfSecuritySupport: '2032-05-31' };
  assert.deepEqual(parsePlatform({ ...minimal, lifecycle: table }).lifecycle, table);
  // Files written before the two ends were told apart still load; the old name is read as the new one.
  const old = loadPlatformFile(file('old.yaml', 'name: p1\narches: [x86_64]\ndistTag: .el9\nlifecycle:\n  version: "9.2"\n  releaseDate: 2023-05-10\n  endOfSupport: 2025-05-31\n'));
  assert.deepEqual(old.lifecycle, { version: '9.2', releaseDate: '2023-05-10', endOfSecuritySupport: '2025-05-31' });
  assert.deepEqual(parsePlatform({ ...minimal, lifecycle: { version: '9', releaseDate: '2024-05-06', endOfActiveSupport: '2032-05-31', endOfSecuritySupport: '2032-05-31' } }).lifecycle?.endOfActiveSupport, '2032-05-31', 'no security-only phase');
  const bad: [Record<string, string>, string, string][] = [
    [{ upstreamReleaseDate: '2024-02-30' }, 'lifecycle.upstreamReleaseDate', '"2024-02-30" is not a date (YYYY-MM-DD)'],
    [{ endOfActiveSupport: '2027-5-31' }, 'lifecycle.endOfActiveSupport', '"2027-5-31" is not a date (YYYY-MM-DD)'],
    [{ endOfSecuritySupport: '31/05/2032' }, 'lifecycle.endOfSecuritySupport', '"31/05/2032" is not a date (YYYY-MM-DD)'],
    [{ endOfSupport: '2023-02-29' }, 'lifecycle.endOfSupport', '"2023-02-29" is not a date (YYYY-MM-DD)'],
    [{ releaseDate: '2024-05-06', upstreamReleaseDate: '2024-05-07' }, 'lifecycle.upstreamReleaseDate', '2024-05-07 is after lifecycle.releaseDate (2024-05-06): the upstream release comes first'],
    [{ releaseDate: '2024-05-06', endOfActiveSupport: '2024-05-06' }, 'lifecycle.endOfActiveSupport', '2024-05-06 must be after lifecycle.releaseDate (2024-05-06)'],
    [{ releaseDate: '2024-05-06', endOfSecuritySupport: '2023-01-01' }, 'lifecycle.endOfSecuritySupport', '2023-01-01 must be after lifecycle.releaseDate (2024-05-06)'],
    [{ endOfActiveSupport: '2033-01-01', endOfSecuritySupport: '2032-05-31' }, 'lifecycle.endOfActiveSupport', '2033-01-01 is after lifecycle.endOfSecuritySupport (2032-05-31): active support ends first'],
    [{ endOfActiveSupport: '2033-01-01', endOfSupport: '2032-05-31' }, 'lifecycle.endOfActiveSupport', '2033-01-01 is after lifecycle.endOfSupport (2032-05-31): active support ends first'],
    [{ endOfSupport: '2032-05-31', endOfSecuritySupport: '2032-05-31' }, 'lifecycle.endOfSupport', 'is the old name of endOfSecuritySupport: give only endOfSecuritySupport'],
    [{ endOfLife: '2032-05-31' }, 'lifecycle.endOfLife', 'unknown field (expected one of version, codename, upstreamBase, kernel, releaseDate, upstreamReleaseDate, endOfActiveSupport, endOfSecuritySupport, endOfSupport)'],
  ];
  for (const [fields, field, problem] of bad) {
    assert.throws(() => parsePlatform({ ...minimal, lifecycle: { version: '9', ...fields } }), (e: unknown) => {
      assert.ok(e instanceof PlatformDefinitionError, String(e));
      assert.equal(e.field, field, JSON.stringify(fields));
      assert.equal(e.message, `platform definition: ${field}: ${problem}`);
      return true;
    });
  }
});

test('bad definitions name the field', () => {
  const cases: [unknown, string, RegExp][] = [
    [{ ...minimal, arches: ['x86_64', 'x86'] }, 'arches[1]', /unknown architecture "x86"/],
    [{ ...minimal, arches: ['noarch'] }, 'arches', /besides noarch/],
    [{ ...minimal, arches: ['x86_64', 'x86_64'] }, 'arches[1]', /twice/],
    [{ ...minimal, arches: [] }, 'arches', /non-empty list/],
    [{ ...minimal, distTag: 'el9' }, 'distTag', /must start with "."/],
    [{ name: 'p', arches: ['x86_64'] }, 'distTag', /is required/],
    [{ ...minimal, name: '../etc' }, 'name', /must not contain a path separator/],
    [{ ...minimal, name: '..' }, 'name', /must not contain ".."/],
    [{ ...minimal, name: '/abs' }, 'name', /path separator/],
    [{ ...minimal, distag: '.el9' }, 'distag', /unknown field/],
    [{ ...minimal, macros: { '%dist': '.x' } }, 'macros.%dist', /macro name/],
    [{ ...minimal, macros: { rhel: 9 } }, 'macros.rhel', /must be a string/],
    [{ ...minimal, repositories: [{ name: 'base', url: 'ftp://x' }] }, 'repositories[0].url', /http/],
    [{ ...minimal, repositories: [{ name: '../base', url: 'https://x/' }] }, 'repositories[0].name', /path separator/],
    [{ ...minimal, repositories: [{ name: 'a', url: 'https://x/', arches: ['s390x'] }] }, 'repositories[0].arches[0]', /not one of the platform's arches/],
    [{ ...minimal, lifecycle: { codename: 'x' } }, 'lifecycle.version', /is required/],
    [{ ...minimal, lifecycle: { version: 9.4 } }, 'lifecycle.version', /must be a string/],
    [{ ...minimal, lifecycle: { version: '9', releaseDate: '2024-02-30' } }, 'lifecycle.releaseDate', /not a date/],
    [{ ...minimal, lifecycle: { version: '9', releaseDate: '2024-05-06', endOfSupport: '2020-01-01' } }, 'lifecycle.endOfSupport', /^platform definition: lifecycle\.endOfSupport: 2020-01-01 must be after lifecycle\.releaseDate \(2024-05-06\)$/],
    [{ ...minimal, lifecycle: { version: '9', eol: '2030-01-01' } }, 'lifecycle.eol', /unknown field/],
    [{ ...minimal, tests: { gate: 'maybe' } }, 'tests.gate', /must be true or false/],
    [{ ...minimal, tests: { timeoutSeconds: 0 } }, 'tests.timeoutSeconds', /whole number of seconds/],
    [{ ...minimal, tests: { autosign: true } }, 'tests.autosign', /unknown field/],
    [{ ...minimal, tests: { repository: { url: 'tests.git' } } }, 'tests.repository.url', /http\(s\):\/\/ or file:\/\/ URL/],
    [{ ...minimal, tests: { repository: { url: 'https://git/t.git', ref: '--upload-pack=x' } } }, 'tests.repository.ref', /not a branch or tag name/],
    [[minimal], '', /mapping/],
  ];
  for (const [input, field, message] of cases) {
    assert.throws(() => parsePlatform(input), (e: unknown) => {
      assert.ok(e instanceof PlatformDefinitionError, String(e));
      assert.equal(e.field, field, JSON.stringify(input));
      assert.equal(e.status, 400);
      assert.match(e.message, message);
      return true;
    });
  }
});

test('file errors name the file, and the field or the YAML line', () => {
  const bad = file('bad.yaml', 'name: p\narches: [x86_64, sparc]\ndistTag: .el9\n');
  assert.throws(() => loadPlatformFile(bad), { message: `${bad}: arches[1]: unknown architecture "sparc" (expected one of x86_64, aarch64, ppc64le, s390x, i686, noarch)` });
  const syntax = file('syntax.yaml', 'name: p\narches: [x86_64\n');
  assert.throws(() => loadPlatformFile(syntax), (e: unknown) => e instanceof ConfigError && e.message.startsWith(`${syntax}: not valid YAML (line`));
  const missing = join(work, 'missing.yaml');
  assert.throws(() => loadPlatformFile(missing), { message: `${missing}: cannot read: no such file` });
  const dup = file('dup.yaml', 'name: p\nname: q\narches: [x86_64]\ndistTag: .el9\n');
  assert.throws(() => loadPlatformFile(dup), ConfigError);
});

test('names: letters, digits, . _ -; never a path', () => {
  for (const ok of ['a', 'example-el9', 'node_1.x86', 'A9']) assert.equal(checkName('node name', ok), ok);
  for (const bad of ['', '.', '..', '../x', 'a/b', '/abs', 'a..b', '.hidden', '-rf', 'a b', 'x'.repeat(65), 'a\\b']) {
    assert.throws(() => checkName('node name', bad), InvalidNameError, JSON.stringify(bad));
  }
});

test('a platform file has the bounds of the API: long, control or bidi text, too many macros, credentials', () => {
  const cases: [string, RegExp][] = [
    [`macros:\n  _vendor: ${'v'.repeat(5000)}\n`, /macros\._vendor: must be at most 4096 characters \(got 5000\)$/],
    [`lifecycle:\n  version: "9"\n  codename: ${'c'.repeat(300)}\n`, /lifecycle\.codename: must be at most 200 characters/],
    ['lifecycle:\n  version: "9"\n  codename: "Evil\\u202Eemoh"\n', /lifecycle\.codename: holds a control or invisible formatting character \(U\+202E\)$/],
    ['macros:\n  vendor: "a\\u0007b"\n', /macros\.vendor: holds a control or invisible formatting character \(U\+0007\)$/],
    [`macros:\n${Array.from({ length: 300 }, (_v, i) => `  m${i}: x\n`).join('')}`, /macros: at most 256 macros$/],
    ['tests:\n  repository:\n    url: https://bob:hunter2@git.example/tests.git\n', /tests\.repository\.url: must not hold credentials \(https:\/\/\*\*\*@git\.example\/tests\.git\)/],
  ];
  for (const [extra, message] of cases) {
    const path = file('bounded.yaml', `name: p1\narches: [x86_64]\ndistTag: .el9\n${extra}`);
    assert.throws(() => loadPlatformFile(path), (e: Error) => {
      assert.ok(e instanceof PlatformDefinitionError, e.message);
      assert.match(e.message, message);
      assert.doesNotMatch(e.message, /hunter2/);
      return true;
    });
  }
});
