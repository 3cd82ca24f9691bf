/**
 * The application as a whole over real HTTP: the OpenAPI document, health, the error contract
 * ({ code, message } with the right status; bugs are 500 "internal error" and logged), the auth
 * header rules, and the first-start admin token.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import type { FastifyPluginAsync } from 'fastify';
import { ensureAdmin } from '../../src/auth/bootstrap.ts';
import { buildApp } from '../../src/server/app.ts';
import { createContext } from '../../src/server/context-factory.ts';
import { freshDatabaseUrl, TEST_DIALECT } from '../support/db.ts';
import { api, startTestServer, type TestServer } from '../support/server.ts';

let server: TestServer;

/** A plugin with a route that fails like a bug would. */
const buggy: FastifyPluginAsync = async (app) => {
  app.get('/test/bug', () => {
    throw new Error('secret internals: password=hunter2');
  });
};

before(async () => {
  server = await startTestServer({ extraRoutes: () => [buggy] });
});
after(() => server.close());

test(`health answers with the database kind (${TEST_DIALECT})`, async () => {
  const r = await api(server, 'GET', '/health');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { status: 'ok', version: '0.1.0', database: TEST_DIALECT });
});

test('while the system is starting (distforge up), the API answers 503 starting; the health check and platform repositories answer; then everything does', async () => {
  server.ctx.settings.starting = 'distforge up is starting (making the bootstrap repository)';
  try {
    const submit = await api<{ code: string; message: string }>(server, 'POST', '/builds', { token: server.adminToken, body: { platforms: ['x'], sources: [{ git: '/x#main' }] } });
    assert.equal(submit.status, 503);
    assert.equal(submit.body.code, 'starting');
    assert.match(submit.body.message, /^distforge up is starting \(making the bootstrap repository\); try again in a moment$/);
    assert.equal((await api(server, 'GET', '/platforms')).status, 503);
    const health = await api<{ status: string; starting: string }>(server, 'GET', '/health');
    assert.equal(health.status, 200);
    assert.deepEqual([health.body.status, health.body.starting], ['starting', 'distforge up is starting (making the bootstrap repository)']);
    assert.equal((await api(server, 'GET', '/platform-repos/none/x86_64/repodata/repomd.xml')).status, 404, 'platform repositories are served (here: none)');
  } finally {
    delete server.ctx.settings.starting;
  }
  assert.equal((await api(server, 'GET', '/platforms')).status, 200);
  assert.equal((await api<{ status: string }>(server, 'GET', '/health')).body.status, 'ok');
});

test('the OpenAPI document lists every route with its schemas', async () => {
  const r = await api<{ openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>>; components: { securitySchemes: Record<string, unknown> } }>(server, 'GET', '/openapi.json');
  assert.equal(r.status, 200);
  assert.match(r.body.openapi, /^3\./);
  for (const path of ['/api/v1/health', '/api/v1/platforms', '/api/v1/platforms/{name}', '/api/v1/nodes', '/api/v1/tokens', '/api/v1/users', '/api/v1/whoami']) {
    assert.ok(r.body.paths[path], path);
  }
  const post = r.body.paths['/api/v1/platforms']?.post;
  assert.ok(post?.requestBody);
  assert.ok(post.responses['201'] && post.responses['400'] && post.responses['403']);
  assert.ok(r.body.components.securitySchemes.bearer);
  assert.equal(r.body.paths['/api/v1/openapi.json'], undefined);
});

test('an unknown endpoint is 404 { code, message }', async () => {
  const r = await api(server, 'GET', '/no/such/thing');
  assert.equal(r.status, 404);
  assert.deepEqual(r.body, { code: 'not_found', message: 'no such endpoint: GET /api/v1/no/such/thing' });
});

test('malformed bodies are 400 bad_request', async () => {
  const res = await fetch(`${server.url}/api/v1/platforms`, { method: 'POST', headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' }, body: '{"name": ' });
  assert.equal(res.status, 400);
  const body = (await res.json()) as { code: string; message: string };
  assert.equal(body.code, 'bad_request');
  assert.ok(body.message.length > 0);
  const text = await fetch(`${server.url}/api/v1/platforms`, { method: 'POST', headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'text/plain' }, body: 'hello' });
  assert.equal(text.status, 400);
  assert.deepEqual(await text.json(), { code: 'bad_request', message: 'body: must be object' });
  const xml = await fetch(`${server.url}/api/v1/platforms`, { method: 'POST', headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/xml' }, body: '<a/>' });
  assert.equal(xml.status, 415);
  assert.equal(((await xml.json()) as { code: string }).code, 'bad_request');
});

test('authorization: no header is anonymous; a malformed header or unknown token is 401', async () => {
  const basic = await api(server, 'GET', '/platforms', { headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } });
  assert.equal(basic.status, 401);
  assert.deepEqual(basic.body, { code: 'unauthorized', message: 'unsupported Authorization header; send Authorization: Bearer TOKEN' });
  const unknown = await api(server, 'GET', '/platforms', { token: 'df_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
  assert.equal(unknown.status, 401);
  assert.deepEqual(unknown.body, { code: 'unauthorized', message: 'unknown or revoked token' });
  assert.equal((await api(server, 'GET', '/platforms')).status, 200);
});

test('a bug is 500 "internal error" to the caller and logged in full', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'distforge-app-'));
  const logs = new PassThrough();
  let logged = '';
  logs.setEncoding('utf8').on('data', (d: string) => (logged += d));
  const ctx = await createContext({ dataDir, db: await freshDatabaseUrl(), publicUrl: 'http://127.0.0.1', logLevel: 'error', logDestination: logs });
  const app = await buildApp(ctx, { extraRoutes: [buggy] });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const r = await api({ url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` }, 'GET', '/test/bug');
    assert.equal(r.status, 500);
    assert.deepEqual(r.body, { code: 'internal', message: 'internal error' });
    assert.match(logged, /secret internals/);
    assert.match(logged, /"level":50/);
  } finally {
    await app.close();
    await ctx.db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the first start creates user admin and DATA/admin.token (0600); later starts change nothing', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'distforge-boot-'));
  const db = await freshDatabaseUrl();
  try {
    const ctx = await createContext({ dataDir, db, publicUrl: 'http://127.0.0.1:8080/', logLevel: 'silent' });
    assert.equal(ctx.settings.publicUrl, 'http://127.0.0.1:8080');
    assert.equal(ctx.settings.leaseMs, 60000);
    assert.equal(ctx.settings.maxAttempts, 3);
    const first = await ensureAdmin(ctx, dataDir);
    assert.equal(first.created, true);
    const file = join(dataDir, 'admin.token');
    assert.equal(first.tokenFile, file);
    assert.equal(readFileSync(file, 'utf8'), `${first.token ?? ''}\n`);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const second = await ensureAdmin(ctx, dataDir);
    assert.deepEqual(second, { created: false, tokenFile: file, token: null });
    assert.equal(readFileSync(file, 'utf8'), `${first.token ?? ''}\n`);
    await ctx.db.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('without --db the database is DATA/distforge.sqlite', { skip: TEST_DIALECT === 'postgres' ? 'SQLite only' : false }, async () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'distforge-ctx-')), 'data');
  try {
    const ctx = await createContext({ dataDir, publicUrl: 'http://127.0.0.1', logLevel: 'silent' });
    await ctx.db.close();
    assert.ok(existsSync(join(dataDir, 'distforge.sqlite')));
    assert.equal(ctx.db.dialect, 'sqlite');
    await assert.rejects(createContext({ dataDir, publicUrl: 'ftp://x', logLevel: 'silent' }), { code: 'usage' });
  } finally {
    rmSync(join(dataDir, '..'), { recursive: true, force: true });
  }
});
