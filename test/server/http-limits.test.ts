/**
 * The master against slow and malformed HTTP clients, over raw sockets on 127.0.0.1: a request
 * body that stops arriving (a lookaside upload trickling a byte at a time, a JSON body cut short)
 * is answered 408 `{ code, message }` and the connection closed, storing nothing; headers that do
 * not arrive in time are 408 too, headers too large 431, both as `{ code, message }`; a slow but
 * steady upload still succeeds. Timeouts are a few hundred milliseconds here (settings).
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { TEST_DIALECT } from '../support/db.ts';
import { startTestServer, userToken, type TestServer } from '../support/server.ts';

let server: TestServer;
let maintainer = '';

before(async () => {
  server = await startTestServer({ http: { headersTimeoutMs: 400, bodyIdleTimeoutMs: 400 } });
  maintainer = await userToken(server, 'mia', 'maintainer');
});
after(() => server.close());

interface RawAnswer {
  status: number;
  headers: string;
  body: string;
  /** The server closed the connection. */
  closed: boolean;
}

/**
 * Sends `head`, then each of `chunks` `gapMs` apart, over one connection, and reads the answer
 * until the server closes the connection (or 15 s pass: then the answer so far, closed false).
 */
function rawExchange(head: string, chunks: string[] = [], gapMs = 0): Promise<RawAnswer> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => finish(false), 15_000);
    const finish = (closed: boolean): void => {
      clearTimeout(giveUp);
      clearTimeout(timer);
      socket.destroy();
      const [headers = '', body = ''] = text.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1] ?? 0), headers, body, closed });
    };
    socket.setEncoding('utf8').on('data', (d: string) => (text += d));
    socket.on('close', () => finish(true));
    socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? undefined : reject(e)));
    socket.write(head);
    let i = 0;
    const next = (): void => {
      if (i >= chunks.length || socket.destroyed) return;
      socket.write(chunks[i++] ?? '');
      timer = setTimeout(next, gapMs);
    };
    timer = setTimeout(next, gapMs);
  });
}

function errorBody(a: RawAnswer): { code: string; message: string } {
  assert.match(a.headers, /content-type: application\/json/i, a.headers);
  const body = JSON.parse(a.body) as { code: string; message: string };
  assert.deepEqual(Object.keys(body).sort(), ['code', 'message']);
  return body;
}

function storedFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else files.push(join(dir, e.name));
    }
  };
  walk(server.dataDir);
  return files.filter((f) => !f.endsWith('admin.token'));
}

test(`a lookaside upload sending a byte now and then is cut off with 408 and stores nothing (${TEST_DIALECT})`, async () => {
  const head = `PUT /api/v1/lookaside/slow-1.0.tar.gz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${maintainer}\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\n`;
  const a = await rawExchange(head, ['a', 'b', 'c', 'd', 'e', 'f'], 1500);
  assert.equal(a.status, 408, a.headers);
  assert.equal(errorBody(a).code, 'request_timeout');
  assert.match(a.headers, /connection: close/i);
  assert.equal(a.closed, true, 'the server closes the connection');
  const rows = await sql<{ n: number }>`select count(*) as n from lookaside_files`.execute(server.ctx.db.kysely);
  assert.equal(Number(rows.rows[0]?.n), 0);
  assert.deepEqual(storedFiles(), []);
});

test('a JSON body cut short is 408 { code, message }', async () => {
  const head = `POST /api/v1/platforms HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.adminToken}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name": "slo`;
  const a = await rawExchange(head);
  assert.equal(a.status, 408);
  assert.deepEqual(errorBody(a), { code: 'request_timeout', message: 'the request body stopped arriving for 0.4 s; nothing was done with it' });
  assert.equal(a.closed, true);
  assert.deepEqual(await server.ctx.db.kysely.selectFrom('platforms').select('name').execute(), []);
});

test('a slow but steady upload is not idle: it is stored', async () => {
  const chunks = Array.from({ length: 8 }, (_v, i) => `chunk ${i}\n`);
  const length = chunks.join('').length;
  const head = `PUT /api/v1/lookaside/steady-1.0.tar.gz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${maintainer}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`;
  const a = await rawExchange(head, chunks, 40);
  assert.equal(a.status, 201, a.body);
  assert.equal((JSON.parse(a.body) as { size: number }).size, length);
});

test('headers that do not arrive in time: 408 { code, message }, connection closed', async () => {
  const a = await rawExchange('GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ');
  assert.equal(a.status, 408, a.headers);
  assert.deepEqual(errorBody(a), { code: 'request_timeout', message: 'the request headers did not arrive in time' });
  assert.equal(a.closed, true);
});

test('headers too large: 431 { code, message }; a URL that does not decode: 400 { code, message }', async () => {
  const big = await rawExchange(`GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
  assert.equal(big.status, 431);
  assert.equal(errorBody(big).code, 'headers_too_large');
  const bad = await rawExchange('GET /api/v1/platforms/%c0%ae HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal(bad.status, 400);
  assert.deepEqual(errorBody(bad), { code: 'bad_request', message: 'the URL path does not decode (bad percent-encoding)' });
  const long = await rawExchange(`GET /api/v1/platforms/${'a'.repeat(200)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  assert.equal(long.status, 414);
  assert.equal(errorBody(long).code, 'uri_too_long');
});
