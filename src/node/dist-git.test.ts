/** The dist-git parsers: `sources` (both forms), `.NAME.metadata`, layouts, and bad lines. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { distGitSources, parseMetadataFile, parseSourcesFile } from './dist-git.ts';

const SHA512 = 'a'.repeat(128);
const SHA256 = 'B'.repeat(64);
const SHA1 = 'c'.repeat(40);
const MD5 = 'd'.repeat(32);

test('a Fedora sources file: SHA512/SHA256 tagged lines and the old md5sum form', () => {
  const text = `SHA512 (hello-1.0.tar.gz) = ${SHA512}\nSHA256 (extra file.patch) = ${SHA256}\r\n\n${MD5}  old.tar.bz2\n`;
  assert.deepEqual(parseSourcesFile(text), [
    { filename: 'hello-1.0.tar.gz', hashtype: 'sha512', hash: SHA512 },
    { filename: 'extra file.patch', hashtype: 'sha256', hash: SHA256.toLowerCase() },
    { filename: 'old.tar.bz2', hashtype: 'md5', hash: MD5 },
  ]);
});

test('a CentOS metadata file: hash type told by length, paths kept', () => {
  assert.deepEqual(parseMetadataFile(`${SHA1} SOURCES/hello-1.0.tar.gz\n${SHA512} SOURCES/new.tar.xz\n${SHA256} SOURCES/b.tgz\n`, '.hello.metadata'), [
    { path: 'SOURCES/hello-1.0.tar.gz', filename: 'hello-1.0.tar.gz', hashtype: 'sha1', hash: SHA1 },
    { path: 'SOURCES/new.tar.xz', filename: 'new.tar.xz', hashtype: 'sha512', hash: SHA512 },
    { path: 'SOURCES/b.tgz', filename: 'b.tgz', hashtype: 'sha256', hash: SHA256.toLowerCase() },
  ]);
  assert.deepEqual(parseMetadataFile('', '.x.metadata'), []);
});

test('bad lines fail naming the file and line; path traversal is refused', () => {
  const cases: [() => unknown, RegExp][] = [
    [() => parseSourcesFile(`SHA512 (a.tgz) = ${SHA512}\nthis is not a line\n`), /^sources line 2: cannot parse "this is not a line"/],
    [() => parseSourcesFile(`SHA3 (a.tgz) = ${SHA512}`), /^sources line 1: unknown hash type "SHA3"/],
    [() => parseSourcesFile(`SHA512 (a.tgz) = ${SHA256}`), /^sources line 1: a SHA512 hash has 64 hex digits/],
    [() => parseSourcesFile(`SHA512 (../../etc/passwd) = ${SHA512}`), /^sources line 1: .*path traversal refused/],
    [() => parseSourcesFile(`${MD5}  sub/dir.tgz`), /^sources line 1: .*path traversal refused/],
    [() => parseSourcesFile(`${'e'.repeat(33)}  a.tgz`), /^sources line 1: .* is not a hash/],
    [() => parseMetadataFile(`${SHA1} SOURCES/../../x`, '.p.metadata'), /^\.p\.metadata line 1: .*leaves the tree/],
    [() => parseMetadataFile(`${SHA1} /etc/passwd`, '.p.metadata'), /^\.p\.metadata line 1: .*leaves the tree/],
    [() => parseMetadataFile(`\n${SHA1}SOURCES/a`, '.p.metadata'), /^\.p\.metadata line 2: cannot parse/],
  ];
  for (const [f, re] of cases) assert.throws(f, (e: Error) => (e as { code?: string }).code === 'build_failed' && re.test(e.message), String(re));
});

test('layouts: CentOS (.NAME.metadata), Fedora (sources beside the spec), plain', () => {
  const dir = mkdtempSync(join(tmpdir(), 'distforge-distgit-'));
  try {
    const centos = join(dir, 'c');
    mkdirSync(join(centos, 'SPECS'), { recursive: true });
    writeFileSync(join(centos, 'SPECS', 'hello.spec'), '');
    writeFileSync(join(centos, '.hello.metadata'), `${SHA1} SOURCES/hello-1.0.tar.gz\n`);
    const c = distGitSources(centos, join(centos, 'SPECS', 'hello.spec'), join(centos, 'SPECS'));
    assert.equal(c.layout, 'centos');
    assert.equal(c.name, 'hello');
    assert.deepEqual(c.files.map((f) => f.path), ['SOURCES/hello-1.0.tar.gz']);
    writeFileSync(join(centos, '.other.metadata'), '');
    assert.throws(() => distGitSources(centos, join(centos, 'SPECS', 'hello.spec'), centos), /2 metadata files/);

    const fedora = join(dir, 'f');
    mkdirSync(fedora);
    writeFileSync(join(fedora, 'hello.spec'), '');
    writeFileSync(join(fedora, 'sources'), `SHA512 (hello-1.0.tar.gz) = ${SHA512}\n`);
    const f = distGitSources(fedora, join(fedora, 'hello.spec'), fedora);
    assert.deepEqual([f.layout, f.name, f.listedIn, f.files.map((x) => x.path)], ['fedora', 'hello', ['sources'], ['hello-1.0.tar.gz']]);

    rmSync(join(fedora, 'sources'));
    assert.deepEqual(distGitSources(fedora, join(fedora, 'hello.spec'), fedora), { layout: 'plain', name: 'hello', listedIn: [], files: [] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
