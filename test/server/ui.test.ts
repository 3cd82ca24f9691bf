/**
 * The web UI as the master serves it, over real HTTP: index.html at / and at every page path,
 * hashed assets with their content types and a year of caching, gzip when asked, revalidation by
 * ETag, 404 for unknown asset files and for paths that try to leave the bundle, and the API, the
 * release repositories and the git mirrors keeping their own answers (JSON 404s included). A
 * master whose UI could not be built still serves its API.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { findUiSources, loadUiBundle, uiSourceKey } from '../../src/server/ui-bundle.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api, startTestServer, type TestServer } from '../support/server.ts';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One request with the path exactly as given (no URL normalisation, unlike fetch). */
function raw(server: TestServer, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe(`the web UI served by the master (${TEST_DIALECT})`, () => {
  let server: TestServer;
  let script = '';
  let style = '';

  before(async () => {
    server = await startTestServer();
    const index = await raw(server, '/');
    script = /src="\/assets\/([^"]+\.js)"/.exec(index.body.toString())?.[1] ?? '';
    style = /href="\/assets\/([^"]+\.css)"/.exec(index.body.toString())?.[1] ?? '';
  });
  after(() => server.close());

  test('/ is the app: index.html naming hashed assets, revalidated on every load, under a strict content security policy', async () => {
    const r = await raw(server, '/');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.match(String(r.headers['content-security-policy']), /default-src 'none'; script-src 'self'; style-src 'self'/);
    assert.equal(r.headers['x-frame-options'], 'DENY');
    assert.match(script, /^app-[A-Z0-9]+\.js$/);
    assert.match(style, /^app-[A-Z0-9]+\.css$/);
    // Nothing is loaded from outside the master.
    assert.doesNotMatch(r.body.toString(), /(src|href)="(https?:)?\/\//);
  });

  test('page paths of the app answer index.html, so they can be opened, bookmarked and reloaded', async () => {
    const index = (await raw(server, '/')).body.toString();
    for (const path of ['/builds', '/builds/123', '/builds/new', '/releases/7', '/platforms', '/sign-in?next=/builds', '/no/such/page']) {
      const r = await raw(server, path);
      assert.equal(r.status, 200, path);
      assert.equal(r.body.toString(), index, path);
    }
    // HEAD works as GET without the body.
    const head = await raw(server, '/builds/5', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
  });

  test('assets: their content types, cached a year as immutable, gzip when asked, 304 for a known ETag', async () => {
    const js = await raw(server, `/assets/${script}`);
    assert.equal(js.status, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(js.headers['x-content-type-options'], 'nosniff');
    assert.match(js.body.toString(), /distforge/);
    const css = await raw(server, `/assets/${style}`);
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    assert.equal(css.headers['cache-control'], 'public, max-age=31536000, immutable');
    const map = await raw(server, `/assets/${script}.map`);
    assert.equal(map.headers['content-type'], 'application/json; charset=utf-8');

    const zipped = await raw(server, `/assets/${script}`, { headers: { 'accept-encoding': 'gzip, br' } });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(zipped.headers.vary, 'accept-encoding');
    assert.ok(zipped.body.length < js.body.length);
    assert.deepEqual(gunzipSync(zipped.body), js.body);

    const etag = String(js.headers.etag);
    const again = await raw(server, `/assets/${script}`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    const index = await raw(server, '/');
    assert.equal((await raw(server, '/builds/1', { headers: { 'if-none-match': String(index.headers.etag) } })).status, 304);
  });

  test('an asset the bundle does not have is a 404, never index.html', async () => {
    for (const path of ['/assets/app-NOPE.js', '/assets/', '/assets/app.js', `/assets/${script.toLowerCase()}x`]) {
      const r = await raw(server, path);
      assert.equal(r.status, 404, path);
      assert.equal(JSON.parse(r.body.toString()).code, 'not_found', path);
    }
    // A file-like path outside /assets/ is not a page either.
    for (const path of ['/favicon.ico', '/robots.txt', '/builds/1/log.txt']) assert.equal((await raw(server, path)).status, 404, path);
  });

  test('paths that try to leave the bundle are refused', async () => {
    const paths = [
      '/assets/../package.json',
      '/assets/..%2Fpackage.json',
      '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
      '/assets/..%5Cpackage.json',
      '/../package.json',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/..%2f..%2fetc%2fpasswd',
      '/assets/%00',
      '/builds/%2e%2e',
      '/%ZZ',
    ];
    for (const path of paths) {
      const r = await raw(server, path);
      assert.ok(r.status === 404 || r.status === 400, `${path}: ${r.status}`);
      assert.doesNotMatch(r.body.toString(), /"name": "distforge"|root:x:0:0|<!doctype html>/, path);
    }
  });

  test('the API, the release repositories and the git mirrors take precedence, their 404s included', async () => {
    const health = await api<{ status: string }>(server, 'GET', '/health');
    assert.equal(health.status, 200);
    assert.equal(health.body.status, 'ok');
    for (const path of ['/api/v1/no-such-thing', '/api/v2/builds', '/api', '/repos/nope.repo', '/repos/p/r/x86_64/repodata/repomd.xml', '/git/nothing.git/info/refs', '/health']) {
      const r = await raw(server, path);
      assert.ok(r.status >= 400 && r.status < 500, `${path}: ${r.status}`);
      assert.match(String(r.headers['content-type']), /application\/json/, path);
      assert.doesNotMatch(r.body.toString(), /<!doctype html>/, path);
    }
    // The UI answers only what no route serves: how the router refuses a path is unchanged.
    const long = await raw(server, `/api/v1/platforms/${'a'.repeat(200)}`);
    assert.equal(long.status, 414);
    assert.equal(JSON.parse(long.body.toString()).code, 'uri_too_long');
    // Other methods at the UI's paths are the API's usual 404.
    const post = await raw(server, '/builds/1', { method: 'POST' });
    assert.equal(post.status, 404);
    assert.equal(JSON.parse(post.body.toString()).code, 'not_found');
    // The UI's routes stay out of the API's OpenAPI document.
    const doc = await api<{ paths: Record<string, unknown> }>(server, 'GET', '/openapi.json');
    assert.ok(!Object.keys(doc.body.paths).some((p) => p === '/' || p.startsWith('/assets') || p === '/*'));
  });
});

describe('a UI that could not be built', () => {
  test('the page says why with 503; the API works', async () => {
    const server = await startTestServer({ ui: { ok: false, reason: 'the web UI could not be built: src/ui/main.tsx:1: Unexpected "<"' } });
    try {
      const r = await raw(server, '/builds/3');
      assert.equal(r.status, 503);
      assert.match(r.body.toString(), /could not be built: src\/ui\/main\.tsx:1/);
      assert.equal((await raw(server, '/assets/app-X.js')).status, 404);
      assert.equal((await api(server, 'GET', '/health')).status, 200);
    } finally {
      await server.close();
    }
  });

  test('without the sources beside the program there is no UI, and the reason says so', async () => {
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const b = await loadUiBundle(silent, null);
    assert.equal(b.ok, false);
    assert.match(b.ok ? '' : b.reason, /sources \(src\/ui\) are not beside this program/);
  });

  test('the bundle is found from the sources and from .build/, and keyed by every source file', () => {
    const root = findUiSources();
    assert.ok(root);
    assert.equal(findUiSources(`${root}/.build`), root);
    assert.equal(findUiSources(`${root}/src/server`), root);
    assert.match(uiSourceKey(root), /^[0-9a-f]{20}$/);
    assert.equal(uiSourceKey(root), uiSourceKey(root));
  });
});
