/**
 * LocalStore on a real temporary directory: blobs land at ab/cdef…, a matching expected sha256 is
 * accepted, a mismatch is refused naming both and leaves nothing (no blob, no temporary file), an
 * aborted stream leaves nothing, bytes the caller refuses while staged are never stored, and
 * missing blobs are reported.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { after, test } from 'node:test';
import { DistforgeError } from '../errors.ts';
import { LocalStore } from './local-store.ts';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
/** Directories the tests made, removed at the end even after a failure. */
const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function fresh(): LocalStore {
  const dir = mkdtempSync(join(tmpdir(), 'distforge-store-'));
  made.push(dir);
  return new LocalStore(join(dir, 'store'));
}

function tmpFiles(store: LocalStore): string[] {
  const dir = join(store.dir, '.tmp');
  return existsSync(dir) ? readdirSync(dir) : [];
}

test('a stream is stored under its sha256, split ab/cdef…', async () => {
  const store = fresh();
  const parts = [Buffer.from('hello '), Buffer.from('world')];
  const digest = sha('hello world');
  const blob = await store.put(Readable.from(parts), digest);
  assert.deepEqual(blob, { sha256: digest, size: 11 });
  const path = join(store.dir, digest.slice(0, 2), digest.slice(2));
  assert.equal(store.localPath(digest), path);
  assert.equal(readFileSync(path, 'utf8'), 'hello world');
  assert.equal(await store.has(digest), true);
  assert.equal(await text(store.open(digest)), 'hello world');
  assert.deepEqual(tmpFiles(store), []);
});

test('a buffer without an expected sha256 is stored; storing it again is harmless', async () => {
  const store = fresh();
  const data = Buffer.alloc(300_000, 7);
  const first = await store.put(data);
  const second = await store.put(Readable.from([data]));
  assert.deepEqual(first, second);
  assert.equal(first.sha256, sha(data));
  assert.equal(first.size, 300_000);
});

test('a sha256 mismatch is refused naming both, and nothing is kept', async () => {
  const store = fresh();
  const wrong = sha('something else');
  await assert.rejects(store.put(Buffer.from('payload'), wrong), (e: unknown) => {
    assert.ok(e instanceof DistforgeError);
    assert.equal(e.code, 'checksum_mismatch');
    assert.equal(e.status, 422);
    assert.match(e.message, new RegExp(wrong));
    assert.match(e.message, new RegExp(sha('payload')));
    return true;
  });
  assert.equal(await store.has(sha('payload')), false);
  assert.equal(await store.has(wrong), false);
  assert.deepEqual(tmpFiles(store), []);
});

test('an aborted stream leaves nothing behind', async () => {
  const store = fresh();
  const failing = new Readable({
    read() {
      this.push(Buffer.from('partial'));
      this.destroy(new Error('connection reset'));
    },
  });
  await assert.rejects(store.put(failing), /connection reset/);
  assert.deepEqual(tmpFiles(store), []);
  assert.equal(await store.has(sha('partial')), false);
});

test('missing blobs and malformed digests are reported', async () => {
  const store = fresh();
  const missing = sha('never stored');
  assert.equal(await store.has(missing), false);
  assert.throws(() => store.open(missing), { code: 'not_found' });
  assert.throws(() => store.localPath('../../etc/passwd'), { code: 'bad_sha256' });
  await assert.rejects(store.put(Buffer.from('x'), 'ABC'), { code: 'bad_sha256' });
});

test('bytes the caller refuses while staged are never stored; bytes it accepts are', async () => {
  const store = fresh();
  const seen: string[] = [];
  const refuse = (staged: { path: string; sha256: string; size: number }): void => {
    seen.push(readFileSync(staged.path, 'utf8'));
    throw new DistforgeError('not_wanted', `refused ${staged.size} bytes`, { status: 422 });
  };
  await assert.rejects(store.put(Buffer.from('unwanted'), undefined, { accept: refuse }), { code: 'not_wanted', message: 'refused 8 bytes' });
  assert.deepEqual(seen, ['unwanted'], 'the check reads the staged bytes');
  assert.equal(await store.has(sha('unwanted')), false);
  assert.deepEqual(tmpFiles(store), []);
  await store.put(Buffer.from('unwanted'));
  await assert.rejects(store.put(Buffer.from('unwanted'), undefined, { accept: refuse }));
  assert.equal(await store.has(sha('unwanted')), true, 'a blob stored before stays');
  const kept = await store.put(Buffer.from('wanted'), sha('wanted'), { accept: () => undefined });
  assert.equal(readFileSync(store.localPath(kept.sha256), 'utf8'), 'wanted');
});
