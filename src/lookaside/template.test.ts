/** Lookaside URL templates and hash helpers. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkHash, hashType, hashTypeOfLength } from './hashes.ts';
import { expandTemplate, templateProblem } from './template.ts';

const key = { name: 'hello', filename: 'hello 1.0.tar.gz', hashtype: 'sha512' as const, hash: 'ab'.repeat(64) };

test('templates expand every placeholder, URL-encoded', () => {
  const t = 'https://src.example/repo/pkgs/{name}/{filename}/{hashtype}/{hash}/{filename}';
  assert.equal(templateProblem(t), null);
  assert.equal(expandTemplate(t, key), `https://src.example/repo/pkgs/hello/hello%201.0.tar.gz/sha512/${key.hash}/hello%201.0.tar.gz`);
  assert.equal(expandTemplate('http://h/{HASHTYPE}/{hash}', key), `http://h/SHA512/${key.hash}`);
});

test('bad templates are named', () => {
  assert.match(templateProblem('http://h/{hash}/{version}') ?? '', /unknown placeholder \{version\}/);
  assert.match(templateProblem('ftp://h/{hash}') ?? '', /http:\/\/ or https:\/\//);
  assert.match(templateProblem('http://h/{filename}') ?? '', /must contain \{hash\}/);
  assert.match(templateProblem('http://h/{hash}}') ?? '', /unbalanced/);
});

test('hash types and lengths', () => {
  assert.equal(hashType('SHA256'), 'sha256');
  assert.throws(() => hashType('sha3'), { code: 'bad_hash', message: /unknown hash type "sha3"/ });
  assert.deepEqual(['0'.repeat(32), '0'.repeat(40), '0'.repeat(64), '0'.repeat(128), '0'.repeat(50), 'z'.repeat(32)].map(hashTypeOfLength), ['md5', 'sha1', 'sha256', 'sha512', null, null]);
  assert.throws(() => checkHash('sha512', 'ab'), { code: 'bad_hash', message: /not a sha512 hash/ });
});
