/**
 * Tests of openRepository on synthetic repositories: whole packages from a directory and over
 * HTTP, advisories and raw metadata, every way a repository can be unreadable or damaged, and
 * bounded memory on a 100,000-package primary.xml.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RepoReadError } from '../errors.ts';
import type { RepoPackage } from '../model.ts';
import { openRepository } from './source.ts';
import type { PackagesOptions, RepoSource } from './source.ts';
import { syntheticFiles, syntheticPkgId, writeSyntheticRepo } from './test-support.ts';

const UPDATEINFO = '<?xml version="1.0"?>\n<updates><update type="bugfix"><id>X-1</id><title>t</title></update><update><id>X-2</id></update></updates>\n';
const GROUP = '<?xml version="1.0"?>\n<comps><group><id>core</id></group></comps>\n';

let work: string;
let repo: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'distforge-read-'));
  repo = join(work, 'repo');
  await writeSyntheticRepo(repo, 40, { extra: [{ type: 'updateinfo', content: UPDATEINFO }, { type: 'group', content: GROUP }] });
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

async function all(source: RepoSource, options?: PackagesOptions): Promise<RepoPackage[]> {
  const out: RepoPackage[] = [];
  for await (const p of source.packages(options)) out.push(p);
  return out;
}

/** A copy of the synthetic repository to damage. */
async function copy(name: string, options: Parameters<typeof writeSyntheticRepo>[2] = {}): Promise<string> {
  const dir = join(work, name);
  await writeSyntheticRepo(dir, 40, options);
  return dir;
}

async function metadataPath(dir: string, type: string): Promise<string> {
  const f = (await readdir(join(dir, 'repodata'))).find((x) => x.includes(`-${type}.`));
  assert.ok(f, `no ${type} file`);
  return join(dir, 'repodata', f);
}

/** Rejects with a RepoReadError whose file ends with `file` and whose message matches `message`. */
async function rejectsNaming(p: Promise<unknown>, file: string | RegExp, message: RegExp): Promise<RepoReadError> {
  let caught: unknown;
  await assert.rejects(p, (err) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof RepoReadError, `not a RepoReadError: ${String(caught)}`);
  if (typeof file === 'string') assert.ok(caught.file.endsWith(file), `${caught.file} does not end with ${file}`);
  else assert.match(caught.file, file);
  assert.match(caught.message, message);
  assert.ok(!caught.message.includes('\n'), 'one line');
  return caught;
}

describe('a local repository', () => {
  test('whole packages: primary + filelists + other', async () => {
    const source = await openRepository(repo);
    assert.equal(source.location, repo);
    assert.deepEqual(source.repomd.records.map((r) => r.type), ['primary', 'filelists', 'other', 'updateinfo', 'group']);
    const pkgs = await all(source);
    assert.equal(pkgs.length, 40);
    pkgs.forEach((p, k) => {
      assert.equal(p.name, `pkg-${k}`);
      assert.equal(p.pkgId, syntheticPkgId(k));
      assert.deepEqual(
        p.files.map((f) => f.path),
        syntheticFiles(k, 12).map((f) => f.path),
      );
      assert.equal(p.files[2]?.type, 'dir');
      assert.deepEqual(p.changelogs.map((c) => c.text), [0, 1, 2].map((i) => `- change ${i} of package ${k}`));
      assert.equal(p.requires[0]?.pre, true);
    });
  });

  test('filelists: false and other: false', async () => {
    const source = await openRepository(pathToFileURL(repo).href);
    const pkgs = await all(source, { filelists: false, other: false });
    assert.equal(pkgs.length, 40);
    assert.deepEqual(pkgs[3]?.files, [
      { path: '/usr/bin/pkg-3', type: 'file' },
      { path: '/etc/pkg-3.conf', type: 'file' },
    ]);
    assert.deepEqual(pkgs[3]?.changelogs, []);
    // packages() may be iterated again.
    assert.equal((await all(source, { other: false })).length, 40);
  });

  test('followers in another order are joined all the same', async () => {
    const dir = await copy('reversed', { reverseFollowers: true, compress: 'none' });
    const pkgs = await all(await openRepository(dir));
    assert.deepEqual(pkgs, await all(await openRepository(repo)));
  });

  test('advisories and raw metadata', async () => {
    const source = await openRepository(repo);
    const ids: string[] = [];
    for await (const a of source.advisories()) ids.push(a.id);
    assert.deepEqual(ids, ['X-1', 'X-2']);
    assert.equal((await source.raw('group'))?.toString(), GROUP);
    assert.equal(await source.raw('modules'), null);
    const none = await openRepository(await copy('no-updateinfo'));
    for await (const a of none.advisories()) assert.fail(`unexpected advisory ${a.id}`);
  });

  test('compression is recognised by magic bytes, whatever the name says', async () => {
    const dir = await copy('renamed');
    const gz = await metadataPath(dir, 'primary');
    const plainName = gz.replace(/\.gz$/, '');
    await writeFile(plainName, await readFile(gz));
    const repomd = join(dir, 'repodata', 'repomd.xml');
    await writeFile(repomd, (await readFile(repomd, 'utf8')).replace(/(-primary\.xml)\.gz/, '$1'));
    assert.equal((await all(await openRepository(dir), { filelists: false, other: false })).length, 40);
  });
});

describe('an unreadable or damaged local repository', () => {
  test('a directory that does not exist', async () => {
    await rejectsNaming(openRepository(join(work, 'nowhere')), '/nowhere', /: no such directory$/);
  });

  test('a directory without repodata/repomd.xml', async () => {
    await rejectsNaming(openRepository(work), work, /: no repodata\/repomd\.xml \(not a repository\?\)$/);
  });

  test('a malformed repomd.xml', async () => {
    const dir = await copy('bad-repomd');
    await writeFile(join(dir, 'repodata', 'repomd.xml'), '<repomd>\n<data type="primary">\n</repomd>\n');
    await rejectsNaming(openRepository(dir), 'repodata/repomd.xml', /line 3: mismatched close tag <\/repomd>, expected <\/data>/);
  });

  test('a checksum mismatch throws from the iterator after the last package', async () => {
    const dir = await copy('bad-checksum');
    const repomd = join(dir, 'repodata', 'repomd.xml');
    const text = await readFile(repomd, 'utf8');
    const sum = /<checksum type="sha256">([0-9a-f]+)<\/checksum>/.exec(text)?.[1] ?? '';
    await writeFile(repomd, text.replace(`<checksum type="sha256">${sum}`, `<checksum type="sha256">${'0'.repeat(64)}`));
    const source = await openRepository(dir);
    let seen = 0;
    const err = await rejectsNaming(
      (async () => {
        for await (const _ of source.packages({ filelists: false, other: false })) seen++;
      })(),
      /-primary\.xml\.gz$/,
      /checksum mismatch: repomd\.xml says sha256 0{64}, the file has [0-9a-f]{64}$/,
    );
    assert.equal(seen, 40, 'every package came before the error');
    assert.ok(err.message.includes(sum), 'names the actual checksum');
  });

  test('an open-checksum or open-size mismatch', async () => {
    const dir = await copy('bad-open');
    const repomd = join(dir, 'repodata', 'repomd.xml');
    const text = await readFile(repomd, 'utf8');
    await writeFile(repomd, text.replace(/<open-checksum type="sha256">[0-9a-f]+/, `<open-checksum type="sha256">${'1'.repeat(64)}`));
    await rejectsNaming(all(await openRepository(dir)), /-primary\.xml\.gz$/, /open-checksum mismatch: repomd\.xml says sha256 1{64}, the decompressed contents have/);
    await writeFile(repomd, text.replace(/<open-size>\d+/, '<open-size>12'));
    await rejectsNaming(all(await openRepository(dir)), /-primary\.xml\.gz$/, /decompressed size mismatch: repomd\.xml says 12 bytes/);
  });

  test('a truncated primary.xml.gz', async () => {
    const dir = await copy('truncated');
    const file = await metadataPath(dir, 'primary');
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length >> 1));
    await rejectsNaming(all(await openRepository(dir)), file, /size mismatch: repomd\.xml says \d+ bytes, the file has \d+ \(truncated or damaged\?\)$/);
  });

  test('a bit-flipped primary.xml.gz', async () => {
    for (const where of [0.3, 0.6, 0.999]) {
      const dir = await copy(`flipped-${where}`);
      const file = await metadataPath(dir, 'primary');
      const bytes = await readFile(file);
      const at = Math.floor(bytes.length * where);
      bytes[at] = (bytes[at] ?? 0) ^ 0x10;
      await writeFile(file, bytes);
      await rejectsNaming(all(await openRepository(dir)), file, /cannot decompress|checksum mismatch|line \d+:/);
    }
  });

  test('a damaged plain other.xml', async () => {
    const dir = await copy('damaged-plain', { compress: 'none' });
    const file = await metadataPath(dir, 'other');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('</changelog>', '</changelog'));
    await rejectsNaming(all(await openRepository(dir)), file, /line \d+: /);
  });

  test('repomd.xml pointing at a missing file', async () => {
    const dir = await copy('missing-file');
    const file = await metadataPath(dir, 'filelists');
    await rm(file);
    await rejectsNaming(all(await openRepository(dir)), file, /: no such file$/);
  });

  test('repomd.xml without filelists, or with a location outside the repository', async () => {
    const dir = await copy('no-filelists', { types: ['primary'] });
    const source = await openRepository(dir);
    await rejectsNaming(all(source), 'repodata/repomd.xml', /lists no filelists metadata/);
    assert.equal((await all(source, { filelists: false, other: false })).length, 40);
    const repomd = join(dir, 'repodata', 'repomd.xml');
    await writeFile(repomd, (await readFile(repomd, 'utf8')).replace(/href="repodata\//, 'href="../../'));
    await rejectsNaming(all(await openRepository(dir), { filelists: false, other: false }), /primary\.xml\.gz$/, /points outside the repository/);
  });

  test('an unsupported checksum type', async () => {
    const dir = await copy('sha3');
    const repomd = join(dir, 'repodata', 'repomd.xml');
    await writeFile(repomd, (await readFile(repomd, 'utf8')).replace('<checksum type="sha256">', '<checksum type="whirlpool9">'));
    await rejectsNaming(all(await openRepository(dir)), /primary\.xml\.gz$/, /unsupported checksum type "whirlpool9"/);
  });
});

describe('a repository over HTTP', () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname.startsWith('/hang/')) return; // never answers
      if (url.pathname.startsWith('/cut/')) {
        // Promise a large body, send a little of it, then drop the connection.
        res.writeHead(200, { 'content-length': '1000000' });
        res.write('<metadata>');
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      // /repo/: the repository; /cut-primary/ and /stall-primary/: the same, except that
      // primary.xml.gz stops in the middle (the connection is dropped, or nothing more comes).
      const [, mode = '', rest = ''] = /^\/([^/]+)(\/.*)$/.exec(url.pathname) ?? [];
      const path = join(repo, decodeURIComponent(rest));
      stat(path).then(
        (s) => {
          if (!['repo', 'cut-primary', 'stall-primary'].includes(mode) || !s.isFile()) throw new Error('not found');
          res.writeHead(200, { 'content-length': String(s.size) });
          if (mode === 'repo' || !path.includes('-primary.xml')) {
            createReadStream(path).pipe(res);
            return;
          }
          createReadStream(path, { end: (s.size >> 1) - 1 })
            .on('end', () => {
              if (mode === 'cut-primary') setTimeout(() => res.socket?.destroy(), 20);
            })
            .pipe(res, { end: false });
        },
        () => {
          res.writeHead(404, 'Not Found');
          res.end();
        },
      ).catch(() => {
        res.writeHead(404, 'Not Found');
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('reads the same packages, advisories and raw metadata as from the directory', async () => {
    const source = await openRepository(`${base}/repo`);
    assert.equal(source.location, `${base}/repo/`);
    assert.deepEqual(await all(source), await all(await openRepository(repo)));
    let n = 0;
    for await (const _ of source.advisories()) n++;
    assert.equal(n, 2);
    assert.equal((await source.raw('group'))?.toString(), GROUP);
  });

  test('stopping early is fine', async () => {
    const source = await openRepository(`${base}/repo/`);
    for await (const p of source.packages()) if (p.name === 'pkg-1') break;
    assert.equal((await all(source)).length, 40);
  });

  test('a URL with no repository: HTTP 404', async () => {
    await rejectsNaming(openRepository(`${base}/elsewhere/`), `${base}/elsewhere/`, /: cannot fetch repodata\/repomd\.xml: HTTP 404 Not Found$/);
  });

  test('a URL where nothing listens: connection refused', async () => {
    const idle = createServer();
    await new Promise<void>((resolve) => idle.listen(0, '127.0.0.1', resolve));
    const port = (idle.address() as AddressInfo).port;
    await new Promise<void>((resolve) => idle.close(() => resolve()));
    await rejectsNaming(openRepository(`http://127.0.0.1:${port}/repo/`), `http://127.0.0.1:${port}/repo/`, /: cannot fetch repodata\/repomd\.xml: connection refused$/);
  });

  test('a server that does not answer: timeout', async () => {
    const started = Date.now();
    await rejectsNaming(openRepository(`${base}/hang/`, { timeoutMs: 300 }), `${base}/hang/`, /: cannot fetch repodata\/repomd\.xml: timed out after 0\.3 s$/);
    assert.ok(Date.now() - started < 5000);
  });

  test('a connection dropped in the middle of a file', async () => {
    await rejectsNaming(openRepository(`${base}/cut/`), `${base}/cut/`, /: cannot fetch repodata\/repomd\.xml: connection closed before the end of the file$/);
  });

  test('a metadata file cut off in the middle', async () => {
    await rejectsNaming(all(await openRepository(`${base}/cut-primary/`)), /^http:.*\/cut-primary\/repodata\/.*-primary\.xml\.gz$/, /: connection closed before the end of the file$/);
  });

  test('a metadata file that stops coming: timeout', async () => {
    const source = await openRepository(`${base}/stall-primary/`, { timeoutMs: 300 });
    await rejectsNaming(all(source), /^http:.*\/stall-primary\/repodata\/.*-primary\.xml\.gz$/, /: timed out after 0\.3 s$/);
  });

  test('a metadata file missing on the server is named by its URL', async () => {
    // Point the parsed repomd.xml at a name the server does not have.
    const source = await openRepository(`${base}/repo/`);
    const other = source.repomd.records.find((r) => r.type === 'other');
    assert.ok(other);
    other.location = { href: 'repodata/gone-other.xml.gz' };
    await rejectsNaming(all(source), `${base}/repo/repodata/gone-other.xml.gz`, /: HTTP 404 Not Found$/);
  });
});

test('memory stays bounded while streaming a 100,000-package primary.xml', async () => {
  const dir = join(work, 'big');
  const sizes = await writeSyntheticRepo(dir, 100_000, { lean: true, types: ['primary'] });
  const source = await openRepository(dir);
  const heapBefore = process.memoryUsage().heapUsed;
  let peak = heapBefore;
  let n = 0;
  const started = performance.now();
  for await (const p of source.packages({ filelists: false, other: false })) {
    if (++n % 2000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    if (p.name.length === 0) assert.fail('empty name');
  }
  const seconds = (performance.now() - started) / 1000;
  assert.equal(n, 100_000);
  const growth = (peak - heapBefore) / 1e6;
  const xmlMb = (sizes.primary ?? 0) / 1e6;
  assert.ok(growth < 200, `heap grew by ${growth.toFixed(0)} MB for ${xmlMb.toFixed(0)} MB of XML`);
  process.stdout.write(`# 100,000 packages, ${xmlMb.toFixed(0)} MB of primary.xml: ${seconds.toFixed(1)} s, heap growth ${growth.toFixed(0)} MB\n`);
});
