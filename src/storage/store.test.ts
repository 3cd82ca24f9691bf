/**
 * The artifact store's contract, run on both backends: LocalStore on a real temporary directory
 * and S3Store on a real S3-compatible server (s3rver on 127.0.0.1, test/support/s3-server.ts).
 * Blobs are stored under their sha256 (ab/cdef… on disk, PREFIX/blobs/ab/cd/SHA256 in the
 * bucket); a matching expected sha256 is accepted, a mismatch is refused naming both and leaves
 * nothing (no blob, no staged file); an aborted stream leaves nothing; bytes the caller refuses
 * while staged are never stored; the same blob put twice, or four times at once, is one blob; a
 * blob is not readable under its sha256 before all its bytes are in; presigned download URLs work
 * and expire; listing gives every blob (over several pages) and nothing else; deleting skips a
 * missing blob and, asked to, one written since a time (a put of an old blob makes it new again).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { buffer, text } from 'node:stream/consumers';
import { after, describe, test } from 'node:test';
import { sharedS3Server, startS3Server } from '../../test/support/s3-server.ts';
import { DistforgeError } from '../errors.ts';
import { LocalStore } from './local-store.ts';
import { S3Store } from './s3-store.ts';
import type { ArtifactStore, ListedBlob } from './store.ts';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
/** Directories the tests made, removed at the end even after a failure. */
const made: string[] = [];
const stores: ArtifactStore[] = [];
after(() => {
  for (const s of stores) s.close?.();
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'distforge-store-'));
  made.push(dir);
  return dir;
}

const filesIn = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir) : []);

interface Fresh {
  store: ArtifactStore;
  /** Where blob `sha256` is kept: a path below the store directory, or an object key. */
  location(sha256: string): string;
  /** Every blob kept, as locations. */
  blobs(): Promise<string[]>;
  /** Files left in the staging directory. */
  staged(): string[];
  /** Sets blob `sha256`'s modified time to `msAgo` before now, behind the store's back. */
  age(sha256: string, msAgo: number): void;
  /** Writes `bytes` behind the store's back at `where` under the store's place (not a blob's name). */
  plant(where: string, bytes: Buffer): Promise<void>;
}

const backends: { name: string; fresh(options?: { presignSeconds?: number; now?: () => number }): Promise<Fresh> }[] = [
  {
    name: 'local directory',
    async fresh() {
      const dir = join(scratch(), 'store');
      const store = new LocalStore(dir);
      return {
        store,
        location: (s) => `${s.slice(0, 2)}/${s.slice(2)}`,
        blobs: async () =>
          filesIn(dir)
            .filter((d) => d !== '.tmp')
            .flatMap((d) => filesIn(join(dir, d)).map((f) => relative(dir, join(dir, d, f))))
            .sort(),
        staged: () => filesIn(join(dir, '.tmp')),
        age: (s, msAgo) => {
          const at = new Date(Date.now() - msAgo);
          utimesSync(store.localPath(s), at, at);
        },
        plant: async (where, bytes) => {
          mkdirSync(dirname(join(dir, where)), { recursive: true });
          writeFileSync(join(dir, where), bytes);
        },
      };
    },
  },
  {
    name: 'S3 bucket',
    async fresh(options = {}) {
      const s3 = await sharedS3Server();
      const settings = await s3.newStore({ prefix: 'pre/fix', ...(options.presignSeconds !== undefined && { presignSeconds: options.presignSeconds }) });
      const stagingDir = join(scratch(), 's3-staging');
      const store = new S3Store(settings, { stagingDir, ...(options.now && { now: options.now }) });
      stores.push(store);
      return {
        store,
        location: (s) => `pre/fix/blobs/${s.slice(0, 2)}/${s.slice(2, 4)}/${s}`,
        blobs: () => s3.keys(settings.bucket),
        staged: () => filesIn(stagingDir),
        age: (s, msAgo) => s3.setModifiedTime(settings.bucket, store.key(s), new Date(Date.now() - msAgo)),
        plant: (where, bytes) => s3.putObject(settings.bucket, `pre/fix/${where}`, bytes),
      };
    },
  },
];

/** Every blob the store lists, by sha256. */
async function listAll(store: ArtifactStore): Promise<ListedBlob[]> {
  const out: ListedBlob[] = [];
  for await (const page of store.list()) out.push(...page);
  return out.sort((a, b) => a.sha256.localeCompare(b.sha256));
}

/**
 * A stream that gives `first`, then waits (at `halfway`) until the test calls `finish` (the rest
 * follows) or `fail` (the stream errors).
 */
function gatedStream(first: Buffer, rest: Buffer): { stream: Readable; halfway: Promise<void>; finish(): void; fail(e: Error): void } {
  let reachedHalfway = (): void => undefined;
  const halfway = new Promise<void>((done) => (reachedHalfway = done));
  let reads = 0;
  const stream = new Readable({
    read() {
      reads += 1;
      if (reads === 1) this.push(first);
      else if (reads === 2) reachedHalfway();
    },
  });
  return {
    stream,
    halfway,
    finish: () => {
      stream.push(rest);
      stream.push(null);
    },
    fail: (e) => stream.destroy(e),
  };
}

for (const backend of backends) {
  describe(`artifact store: ${backend.name}`, () => {
    test('a stream is stored under its sha256; open, has and size read it back', async () => {
      const { store, location, blobs, staged } = await backend.fresh();
      const digest = sha('hello world');
      const blob = await store.put(Readable.from([Buffer.from('hello '), Buffer.from('world')]), digest);
      assert.deepEqual(blob, { sha256: digest, size: 11 });
      assert.deepEqual(await blobs(), [location(digest)]);
      assert.equal(await store.has(digest), true);
      assert.equal(await store.size(digest), 11);
      assert.equal(await text(store.open(digest)), 'hello world');
      const local = store.localPath(digest);
      if (local !== null) assert.equal(readFileSync(local, 'utf8'), 'hello world');
      assert.deepEqual(staged(), []);
    });

    test('a buffer without an expected sha256 is stored; storing it again is harmless', async () => {
      const { store, blobs } = await backend.fresh();
      const data = Buffer.alloc(300_000, 7);
      const first = await store.put(data);
      const second = await store.put(Readable.from([data]));
      assert.deepEqual(first, second);
      assert.deepEqual(first, { sha256: sha(data), size: 300_000 });
      assert.equal((await blobs()).length, 1);
    });

    test('a blob larger than an upload part (17 MiB) is stored whole', async () => {
      const { store, blobs } = await backend.fresh();
      const data = Buffer.alloc(17 * 1024 * 1024);
      for (let i = 0; i < data.length; i += 4096) data.writeUInt32BE(i, i);
      const blob = await store.put(Readable.from([data.subarray(0, 5_000_000), data.subarray(5_000_000)]), sha(data));
      assert.equal(blob.size, data.length);
      assert.equal(sha(await buffer(store.open(blob.sha256))), sha(data));
      assert.equal((await blobs()).length, 1);
    });

    test('a sha256 mismatch is refused naming both, and nothing is kept', async () => {
      const { store, blobs, staged } = await backend.fresh();
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
      assert.deepEqual(await blobs(), []);
      assert.deepEqual(staged(), []);
    });

    test('an aborted stream leaves nothing behind', async () => {
      const { store, blobs, staged } = await backend.fresh();
      const failing = new Readable({
        read() {
          this.push(Buffer.from('partial'));
          this.destroy(new Error('connection reset'));
        },
      });
      await assert.rejects(store.put(failing), /connection reset/);
      assert.deepEqual(staged(), []);
      assert.deepEqual(await blobs(), []);
      assert.equal(await store.has(sha('partial')), false);
    });

    test('a blob is not readable under its sha256 before all its bytes are in', async () => {
      const { store, blobs, staged } = await backend.fresh();
      const first = Buffer.alloc(1024 * 1024, 1);
      const rest = Buffer.alloc(1024 * 1024, 2);
      const whole = Buffer.concat([first, rest]);

      const cut = gatedStream(first, rest);
      const cutPut = store.put(cut.stream, sha(whole));
      await cut.halfway;
      assert.equal(await store.has(sha(whole)), false, 'half a blob is not there');
      assert.deepEqual(await blobs(), []);
      cut.fail(new Error('the sender died'));
      await assert.rejects(cutPut, /the sender died/);
      assert.deepEqual(await blobs(), [], 'a put cut short leaves nothing under the hash');
      assert.deepEqual(staged(), []);

      const whole2 = gatedStream(first, rest);
      const put = store.put(whole2.stream, sha(whole));
      await whole2.halfway;
      assert.equal(await store.has(sha(whole)), false);
      whole2.finish();
      assert.deepEqual(await put, { sha256: sha(whole), size: whole.length });
      assert.equal(sha(await buffer(store.open(sha(whole)))), sha(whole));
    });

    test('four puts of the same blob at once store it once, whole', async () => {
      const { store, blobs, location, staged } = await backend.fresh();
      const data = Buffer.alloc(3 * 1024 * 1024);
      for (let i = 0; i < data.length; i += 8) data.writeUInt32BE(i, i);
      const results = await Promise.all([
        store.put(data),
        store.put(Readable.from([data.subarray(0, 1000), data.subarray(1000)])),
        store.put(data, sha(data)),
        store.put(Readable.from([data]), sha(data)),
      ]);
      for (const r of results) assert.deepEqual(r, { sha256: sha(data), size: data.length });
      assert.deepEqual(await blobs(), [location(sha(data))]);
      assert.equal(sha(await buffer(store.open(sha(data)))), sha(data));
      assert.deepEqual(staged(), []);
    });

    test('missing blobs and malformed digests are reported', async () => {
      const { store } = await backend.fresh();
      const missing = sha('never stored');
      assert.equal(await store.has(missing), false);
      assert.equal(await store.size(missing), null);
      await assert.rejects(async () => text(store.open(missing)), { code: 'not_found', message: `no blob ${missing} in the artifact store` });
      assert.throws(() => store.localPath('../../etc/passwd'), { code: 'bad_sha256' });
      assert.throws(() => store.open('../x'), { code: 'bad_sha256' });
      await assert.rejects(store.put(Buffer.from('x'), 'ABC'), { code: 'bad_sha256' });
      await assert.rejects(async () => store.downloadUrl('nope', 'f'), { code: 'bad_sha256' });
    });

    test('list gives every blob with its size and modified time, and nothing else kept there', async () => {
      const { store, plant, staged } = await backend.fresh();
      assert.deepEqual(await listAll(store), []);
      const started = Date.now();
      const a = await store.put(Buffer.from('blob a'));
      const b = await store.put(Buffer.alloc(70_000, 3));
      await plant('README', Buffer.from('not a blob'));
      await plant(`${a.sha256.slice(0, 2)}/not-a-blob`, Buffer.from('x'));
      await plant(`blobs/zz/zz/${'z'.repeat(64)}`, Buffer.from('x'));
      const listed = await listAll(store);
      assert.deepEqual(listed.map(({ sha256, size }) => ({ sha256, size })), [a, b].sort((x, y) => x.sha256.localeCompare(y.sha256)));
      for (const blob of listed) {
        // The store's clock (a file's mtime, an object's LastModified in whole seconds).
        assert.ok(blob.modifiedAt >= started - 2000 && blob.modifiedAt <= Date.now() + 1000, `${blob.modifiedAt} is about now`);
      }
      assert.deepEqual(staged(), []);
    });

    test('list pages through more than one page (1001 blobs)', async () => {
      const { store, plant } = await backend.fresh();
      const wanted: string[] = [];
      for (let i = 0; i < 1001; i++) {
        const data = Buffer.from(`blob ${i}`);
        const digest = sha(data);
        wanted.push(digest);
        const where = store.localPath(digest) === null ? `blobs/${digest.slice(0, 2)}/${digest.slice(2, 4)}/${digest}` : `${digest.slice(0, 2)}/${digest.slice(2)}`;
        await plant(where, data);
      }
      const pages: number[] = [];
      const seen: string[] = [];
      for await (const page of store.list()) {
        pages.push(page.length);
        seen.push(...page.map((p) => p.sha256));
      }
      assert.deepEqual(seen.sort(), wanted.sort());
      assert.ok(pages.length >= 2, `pages of ${pages.join(', ')}`);
    });

    test('delete removes blobs and says which; a missing blob is skipped', async () => {
      const { store, blobs, location, staged } = await backend.fresh();
      const a = await store.put(Buffer.from('delete me'));
      const b = await store.put(Buffer.from('keep me'));
      const missing = sha('never stored');
      const deleted = await store.delete([a.sha256, missing]);
      assert.deepEqual(deleted.map(({ sha256, size }) => ({ sha256, size })), [a]);
      assert.deepEqual(await blobs(), [location(b.sha256)]);
      assert.equal(await store.has(a.sha256), false);
      assert.deepEqual(await store.delete([a.sha256]), [], 'deleting it again is harmless');
      await assert.rejects(store.delete(['../x']), { code: 'bad_sha256' });
      assert.deepEqual(staged(), []);
      // Stored again after its deletion: an ordinary blob.
      await store.put(Buffer.from('delete me'));
      assert.equal(await text(store.open(a.sha256)), 'delete me');
    });

    test('delete with modifiedBefore leaves blobs written since; a put of an old blob makes it new again', async () => {
      const { store, age, blobs, location } = await backend.fresh();
      const HOUR = 3600_000;
      const old = await store.put(Buffer.from('old'));
      const reput = await store.put(Buffer.from('put again'));
      const fresh = await store.put(Buffer.from('fresh'));
      age(old.sha256, 2 * HOUR);
      age(reput.sha256, 2 * HOUR);
      await store.put(Buffer.from('put again'));
      const times = new Map((await listAll(store)).map((b) => [b.sha256, b.modifiedAt]));
      assert.ok((times.get(reput.sha256) ?? 0) > Date.now() - HOUR, 'the put made it new');
      assert.ok((times.get(old.sha256) ?? Infinity) < Date.now() - HOUR);
      const deleted = await store.delete([old.sha256, reput.sha256, fresh.sha256], { modifiedBefore: Date.now() - HOUR });
      assert.deepEqual(deleted.map((d) => d.sha256), [old.sha256]);
      assert.deepEqual(await blobs(), [location(reput.sha256), location(fresh.sha256)].sort());
    });

    test('bytes the caller refuses while staged are never stored; bytes it accepts are', async () => {
      const { store, blobs, staged } = await backend.fresh();
      const seen: string[] = [];
      const refuse = (blob: { path: string; sha256: string; size: number }): void => {
        seen.push(readFileSync(blob.path, 'utf8'));
        throw new DistforgeError('not_wanted', `refused ${blob.size} bytes`, { status: 422 });
      };
      await assert.rejects(store.put(Buffer.from('unwanted'), undefined, { accept: refuse }), { code: 'not_wanted', message: 'refused 8 bytes' });
      assert.deepEqual(seen, ['unwanted'], 'the check reads the staged bytes');
      assert.equal(await store.has(sha('unwanted')), false);
      assert.deepEqual(await blobs(), []);
      assert.deepEqual(staged(), []);
      await store.put(Buffer.from('unwanted'));
      await assert.rejects(store.put(Buffer.from('unwanted'), undefined, { accept: refuse }));
      assert.equal(await store.has(sha('unwanted')), true, 'a blob stored before stays');
      const kept = await store.put(Buffer.from('wanted'), sha('wanted'), { accept: () => undefined });
      assert.equal(await text(store.open(kept.sha256)), 'wanted');
    });
  });
}

describe('artifact store: download URLs', () => {
  const [local, s3] = backends;
  assert.ok(local && s3);

  test('a local store, or S3 without presigning, has none: the master serves the bytes', async () => {
    for (const fresh of [await local.fresh(), await s3.fresh()]) {
      const blob = await fresh.store.put(Buffer.from('bytes'));
      assert.equal(await fresh.store.downloadUrl(blob.sha256, 'b.rpm'), null);
    }
  });

  test('S3 with presigning: a URL valid for the set seconds that downloads the blob under its name', async () => {
    const { store } = await s3.fresh({ presignSeconds: 90 });
    const data = Buffer.from('presigned bytes');
    const blob = await store.put(data);
    const url = await store.downloadUrl(blob.sha256, 'hello-1.0-1.src.rpm');
    assert.ok(url);
    assert.equal(new URL(url).searchParams.get('X-Amz-Expires'), '90');
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-disposition'), `attachment; filename="hello-1.0-1.src.rpm"; filename*=UTF-8''hello-1.0-1.src.rpm`);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), data);
  });

  test('S3 with presigning: a URL signed longer ago than its lifetime is refused', async () => {
    // The store's clock stands two minutes back: its 60-second URLs have expired when used.
    const { store } = await s3.fresh({ presignSeconds: 60, now: () => Date.now() - 120_000 });
    const blob = await store.put(Buffer.from('too late'));
    const url = await store.downloadUrl(blob.sha256, 'late.rpm');
    assert.ok(url);
    const res = await fetch(url);
    assert.equal(res.status, 403);
    assert.match(await res.text(), /Request has expired/);
  });
});

test('S3 with presigning and a public endpoint: the URL names the public endpoint, and downloads through it', async () => {
  // The "public" address: a TCP relay to the same S3 server, as a client reaches a store that the
  // master reaches on a private network; the relay counts the connections it takes.
  const s3 = await sharedS3Server();
  let relayed = 0;
  const relay = createServer((client) => {
    relayed++;
    const upstream = connect(Number(new URL(s3.endpoint).port), '127.0.0.1');
    client.pipe(upstream).pipe(client);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((done) => relay.listen(0, '127.0.0.1', done));
  try {
    const publicEndpoint = `http://localhost:${(relay.address() as AddressInfo).port}`;
    const settings = await s3.newStore({ presignSeconds: 90 });
    const store = new S3Store({ ...settings, publicEndpoint }, { stagingDir: join(scratch(), 's3-staging') });
    stores.push(store);
    const data = Buffer.from('bytes for the public side');
    const blob = await store.put(data);
    assert.equal(relayed, 0, 'the store itself talks to its own endpoint');
    const url = await store.downloadUrl(blob.sha256, 'pub-1.0-1.noarch.rpm');
    assert.ok(url);
    assert.equal(new URL(url).origin, publicEndpoint);
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), data);
    assert.ok(relayed > 0, 'the download went through the public endpoint');
  } finally {
    relay.close();
  }
});

test('S3: an upload into a bucket removed behind our back fails with 503 naming it, nothing staged left', async () => {
  const s3 = await sharedS3Server();
  const settings = await s3.newStore();
  const stagingDir = join(scratch(), 's3-staging');
  const store = new S3Store(settings, { stagingDir });
  stores.push(store);
  await s3.deleteBucket(settings.bucket);
  const data = Buffer.from('nowhere to go');
  await assert.rejects(store.put(data), (e: unknown) => {
    assert.ok(e instanceof DistforgeError);
    assert.deepEqual([e.code, e.status], ['store_unavailable', 503]);
    assert.match(e.message, new RegExp(`^S3 PUT s3://${settings.bucket}/blobs/${sha(data).slice(0, 2)}/${sha(data).slice(2, 4)}/${sha(data)} failed: HTTP 404 NoSuchBucket`));
    return true;
  });
  assert.deepEqual(filesIn(stagingDir), []);
});

test('S3: a bucket that stops answering fails puts and reads with 503 store_unavailable, nothing staged left', async () => {
  const server = await startS3Server();
  const stagingDir = join(scratch(), 's3-staging');
  const store = new S3Store(await server.newStore(), { stagingDir });
  stores.push(store);
  const kept = await store.put(Buffer.from('kept'));
  await server.close();
  await assert.rejects(store.put(Buffer.from('lost')), (e: unknown) => {
    assert.ok(e instanceof DistforgeError);
    assert.equal(e.code, 'store_unavailable');
    assert.equal(e.status, 503);
    assert.match(e.message, /^S3 HEAD s3:\/\/t-[0-9a-f]+\/blobs\/.* failed: ECONNREFUSED$/);
    return true;
  });
  assert.deepEqual(filesIn(stagingDir), []);
  await assert.rejects(async () => text(store.open(kept.sha256)), { code: 'store_unavailable' });
});
