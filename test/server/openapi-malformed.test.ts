/**
 * Every route of the live OpenAPI document (GET /api/v1/openapi.json of a running master) is sent
 * malformed input, one thing wrong at a time, with a token of a role allowed to call it: wrong
 * JSON types for each body field (no coercion), oversized strings, control, NUL and bidirectional
 * characters, `../` in path parameters and file names, absurd numbers in path and query
 * parameters, unknown fields. Each answer must be a 4xx with a JSON `{ code, message }` body (never
 * a 500, never a stack trace), and nothing may change: the database tables and the data directory
 * are compared before and after every route.
 *
 * The only fields spared the control-character cases are those the document itself declares free
 * text (their pattern forbids NUL only: failure reasons, armored keys).
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { NO_NUL_PATTERN } from '../../src/util/text.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api, examplePlatform, nodeToken, startTestServer, userToken, type TestServer } from '../support/server.ts';
import { upstreamRepo } from '../git/support.ts';

interface Schema {
  type?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  required?: string[];
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
}
interface Parameter {
  in: 'path' | 'query';
  name: string;
  required?: boolean;
  schema: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}
interface Case {
  label: string;
  path: Record<string, string>;
  query: Record<string, string>;
  body?: { type: string; data: string };
}

const work = mkdtempSync(join(tmpdir(), 'distforge-malformed-'));
let server: TestServer;
let admin = '';
let node = '';

before(async () => {
  server = await startTestServer({ platforms: [examplePlatform()], http: { bodyIdleTimeoutMs: 2000 } });
  admin = server.adminToken;
  node = (await nodeToken(server, 'n1', { capabilities: ['build', 'test', 'sign'] })).token;
  await userToken(server, 'alice', 'maintainer');
  const mirror = await api(server, 'POST', '/git/mirrors', { token: admin, body: { name: 'hello', url: upstreamRepo(work, 'hello') } });
  assert.equal(mirror.status, 201, JSON.stringify(mirror.body));
  const rule = await api(server, 'PUT', '/git/rules/r1', { token: admin, body: { name: 'r1', tag: 'imports/*', platforms: ['example-el9'] } });
  assert.equal(rule.status, 201, JSON.stringify(rule.body));
});

after(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

// ---- valid values, so that each case has exactly one thing wrong ----

const FILLER: Record<string, string> = {
  name: 'hello', id: '1', keyid: '0123456789ABCDEF', hashtype: 'sha256', '*': '0'.repeat(64), sha256: '0'.repeat(64),
  filename: 'hello-1.0.tar.gz', platform: 'example-el9', arch: 'x86_64', key: '0'.repeat(32),
};

/** Valid values of path parameters whose schema has a pattern the filler for their name does not match (advisory ids). */
const PATTERNED = ['DFSA-2026:0001'];

/** A valid value of a path parameter. */
function validPathValue(p: Parameter): string {
  const filler = FILLER[p.name] ?? 'x';
  if (p.schema.pattern === undefined || new RegExp(p.schema.pattern).test(filler)) return filler;
  const pattern = new RegExp(p.schema.pattern);
  return PATTERNED.find((v) => pattern.test(v)) ?? filler;
}

function sample(s: Schema): unknown {
  if (s.enum) return s.enum[0];
  switch (s.type) {
    case 'string':
      if (s.pattern?.includes('{64}')) return '0'.repeat(64);
      if (s.pattern?.includes('0-9a-fA-F')) return 'ab';
      return 'x'.repeat(Math.max(1, s.minLength ?? 1));
    case 'integer':
    case 'number':
      return Math.max(s.minimum ?? 1, 1);
    case 'boolean':
      return false;
    case 'array':
      return Array.from({ length: Math.max(1, s.minItems ?? 1) }, () => sample(s.items ?? {}));
    case 'object':
      return Object.fromEntries((s.required ?? []).map((k) => [k, sample(s.properties?.[k] ?? {})]));
    default:
      return null;
  }
}

const NAME_FIELDS = new Set(['name', 'user', 'platforms', 'mirrors', 'branch', 'tagPrefix', 'key']);

/** Wrong values for a field of schema `s`, with labels. */
function badValues(s: Schema, field: string): [string, unknown][] {
  if (s.enum) return [['not in the enum', 'no-such-value'], ['a number for an enum', 1]];
  const out: [string, unknown][] = [];
  switch (s.type) {
    case 'string':
      out.push(['a number for a string', 123], ['an object for a string', { a: 1 }]);
      out.push([`a string over its bound (${s.maxLength ?? 'none'})`, 'a'.repeat(s.maxLength !== undefined ? s.maxLength + 1 : 1_000_000)]);
      out.push(['NUL', 'a\u0000b']);
      if (s.pattern !== NO_NUL_PATTERN) out.push(['a control character', 'a\u0007b'], ['a bidi override', 'evil\u202Egpj.rpm'], ['a line separator', 'a\u2028b']);
      if (NAME_FIELDS.has(field)) out.push(['path traversal', '../../etc/passwd']);
      break;
    case 'integer':
    case 'number':
      out.push(['a string for a number', '2'], ['a fraction', 1.5], ['an absurd number', 1e20], ['a boolean for a number', true]);
      if (s.minimum !== undefined) out.push(['below the minimum', s.minimum - 1]);
      if (s.maximum !== undefined) out.push(['above the maximum', s.maximum + 1]);
      break;
    case 'boolean':
      out.push(['a string for a boolean', 'true'], ['a number for a boolean', 1]);
      break;
    case 'array':
      out.push(['a string for a list', 'x86_64'], ['an object for a list', { 0: 'x' }]);
      out.push([`a list over its bound (${s.maxItems ?? 'none'})`, Array.from({ length: s.maxItems !== undefined ? s.maxItems + 1 : 100_000 }, () => sample(s.items ?? {}))]);
      if ((s.minItems ?? 0) > 0) out.push(['an empty list', []]);
      break;
    case 'object':
      out.push(['a list for an object', []], ['a string for an object', 'x']);
      break;
  }
  return out;
}

type Key = string | number;

/** Every [label, body] with one field of `root` wrong (nested to any depth), the rest valid. */
function badBodies(root: Schema): [string, unknown][] {
  const base = sample(root);
  const out: [string, unknown][] = [];
  /** `base` with `value` at `path`; `trail[i]` is the schema of the node at path[0..i], to create what is missing. */
  const put = (trail: Schema[], path: Key[], value: unknown): unknown => {
    const copy = structuredClone(base) as Record<Key, unknown>;
    let at = copy;
    path.forEach((key, i) => {
      if (i === path.length - 1) at[key] = value;
      else {
        at[key] ??= sample(trail[i] ?? {});
        at = at[key] as Record<Key, unknown>;
      }
    });
    return copy;
  };
  const walk = (s: Schema, path: Key[], trail: Schema[]): void => {
    const name = path.join('.') || 'body';
    const field = String(path.filter((p) => typeof p === 'string').pop() ?? '');
    if (path.length > 0) for (const [label, value] of badValues(s, field)) out.push([`${name}: ${label}`, put(trail, path, value)]);
    if (s.type === 'object') {
      if (s.additionalProperties === false) out.push([`${name}: an unknown field`, put(trail, [...path, 'bogus'], 1)]);
      for (const [key, child] of Object.entries(s.properties ?? {})) walk(child, [...path, key], [...trail, child]);
      if (typeof s.additionalProperties === 'object') {
        walk(s.additionalProperties, [...path, 'k'], [...trail, s.additionalProperties]);
        out.push([`${name}: a key over any bound`, put(trail, [...path, 'k'.repeat(100_000)], sample(s.additionalProperties))]);
      }
    } else if (s.type === 'array' && s.items) {
      walk(s.items, [...path, 0], [...trail, s.items]);
    }
  };
  walk(root, [], []);
  return out;
}

const BAD_PATH_STRINGS: [string, string][] = [
  ['path traversal', '..%2F..%2F..%2Fetc%2Fpasswd'],
  ['dot-dot', '..'],
  ['NUL', 'a%00b'],
  ['a control character', 'a%07b'],
  ['a bidi override', 'evil%E2%80%AEgpj.rpm'],
  ['a bad percent-encoding', '%C0%AE'],
  ['an overlong segment', 'a'.repeat(300)],
];
/** Wrong integers in a path or query, by the parameter's schema (zero and -1 only where they are below its minimum). */
function badIntegers(s: Schema): [string, string][] {
  const bad: [string, string][] = [['an absurd number', '99999999999999999999'], ['an exponent', '1e20'], ['a fraction', '1.5'], ['not a number', 'abc']];
  if ((s.minimum ?? 0) >= 0) bad.push(['a negative number', '-1']);
  if ((s.minimum ?? 0) > 0) bad.push(['zero', '0']);
  return bad;
}
const BAD_QUERY_STRINGS: [string, string][] = [
  ['NUL', 'a%00b'],
  ['a bidi override', 'a%E2%80%AEb'],
  ['a string over any bound', 'a'.repeat(9000)],
];

function casesFor(op: Operation): Case[] {
  const params = op.parameters ?? [];
  const validPath = Object.fromEntries(params.filter((p) => p.in === 'path').map((p) => [p.name, validPathValue(p)]));
  const validQuery = Object.fromEntries(params.filter((p) => p.in === 'query' && p.required).map((p) => [p.name, String(sample(p.schema))]));
  const content = Object.entries(op.requestBody?.content ?? {})[0];
  const jsonSchema = content?.[0] === 'application/json' ? content[1].schema : undefined;
  const validBody = content === undefined ? undefined : jsonSchema ? { type: 'application/json', data: JSON.stringify(sample(jsonSchema)) } : { type: content[0], data: 'hello' };
  const base = (label: string): Case => ({ label, path: { ...validPath }, query: { ...validQuery }, ...(validBody && { body: validBody }) });
  const cases: Case[] = [];
  for (const p of params) {
    const bad = p.schema.type === 'integer' ? badIntegers(p.schema) : p.in === 'path' ? BAD_PATH_STRINGS : BAD_QUERY_STRINGS;
    for (const [label, value] of bad) {
      const c = base(`${p.in} ${p.name}: ${label}`);
      (p.in === 'path' ? c.path : c.query)[p.name] = value;
      cases.push(c);
    }
  }
  if (params.some((p) => p.in === 'query')) cases.push({ ...base('query: an unknown parameter'), query: { ...validQuery, bogus: '1' } });
  if (jsonSchema) {
    for (const [label, body] of badBodies(jsonSchema)) cases.push({ ...base(`body ${label}`), body: { type: 'application/json', data: JSON.stringify(body) } });
    cases.push({ ...base('body: not JSON'), body: { type: 'application/json', data: '{"a": ' } });
    cases.push({ ...base('body: JSON that is not an object'), body: { type: 'application/json', data: '[]' } });
  }
  if (content !== undefined && content[0] !== 'application/json') cases.push({ ...base('body: JSON where another type is expected'), body: { type: 'application/json', data: '{}' } });
  return cases;
}

// ---- sending and checking ----

function send(method: string, path: string, token: string | null, body?: Case['body']): Promise<{ status: number; type: string; text: string }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers: { ...(token && { authorization: `Bearer ${token}` }), ...(body && { 'content-type': body.type }) } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body?.data);
  });
}

function urlOf(template: string, c: Case): string {
  const path = template.replace(/\{([^}]+)\}/g, (_m, name: string) => c.path[name] ?? 'x');
  const query = Object.entries(c.query).map(([k, v]) => `${k}=${v}`).join('&');
  return query ? `${path}?${query}` : path;
}

/** What is wrong with an answer to malformed input, or null. */
function problemWith(r: { status: number; type: string; text: string }): string | null {
  if (r.status < 400 || r.status >= 500) return `status ${r.status}`;
  if (!r.type.includes('application/json')) return `content type "${r.type}"`;
  let body: unknown;
  try {
    body = JSON.parse(r.text);
  } catch {
    return 'a body that is not JSON';
  }
  const b = body as Record<string, unknown>;
  if (typeof b !== 'object' || b === null || Object.keys(b).sort().join() !== 'code,message' || typeof b.code !== 'string' || typeof b.message !== 'string') return 'a body that is not { code, message }';
  if (/\n\s+at |node_modules|\.ts:\d+/.test(b.message)) return 'a stack trace in the message';
  return null;
}

/** The database's rows and the data directory's files, as comparable text. */
async function snapshot(): Promise<Map<string, string>> {
  const db = server.ctx.db.kysely;
  const tables =
    TEST_DIALECT === 'postgres'
      ? (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db)).rows
      : (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db)).rows;
  const out = new Map<string, string>();
  for (const { name } of tables) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db)).rows;
    out.set(`table ${name}`, rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).sort().join('\n'));
  }
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else files.push(`${p.slice(server.dataDir.length)} ${statSync(p).size}`);
    }
  };
  walk(server.dataDir);
  out.set('data directory', files.sort().join('\n'));
  return out;
}

function tokenFor(path: string): string | null {
  if (path.startsWith('/api/v1/node/')) return node;
  if (path.startsWith('/api/v1/git/hooks')) return null;
  return admin;
}

test(`every route of the OpenAPI document refuses malformed input with 4xx { code, message } and changes nothing (${TEST_DIALECT})`, async () => {
  const doc = await api<{ paths: Record<string, Record<string, Operation>> }>(server, 'GET', '/openapi.json');
  assert.equal(doc.status, 200);
  const failures: string[] = [];
  let sent = 0;
  let routes = 0;
  for (const [template, methods] of Object.entries(doc.body.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const cases = casesFor(op);
      if (cases.length === 0) continue;
      routes += 1;
      const before = await snapshot();
      for (const c of cases) {
        const r = await send(method.toUpperCase(), urlOf(template, c), tokenFor(template), c.body);
        sent += 1;
        const problem = problemWith(r);
        if (problem) failures.push(`${method.toUpperCase()} ${template} [${c.label}]: ${problem}: ${r.text.slice(0, 160)}`);
      }
      const afterwards = await snapshot();
      for (const [what, text] of before) if (afterwards.get(what) !== text) failures.push(`${method.toUpperCase()} ${template}: malformed input changed the ${what}`);
    }
  }
  assert.ok(routes >= 40 && sent >= 500, `only ${routes} routes and ${sent} requests: is the OpenAPI document complete?`);
  assert.deepEqual(failures, []);
});

test('every text field of every request schema is bounded, and every number', async () => {
  const doc = await api<{ paths: Record<string, Record<string, Operation>> }>(server, 'GET', '/openapi.json');
  const unbounded: string[] = [];
  const check = (s: Schema, where: string): void => {
    if (s.type === 'string' && !s.enum && s.maxLength === undefined) unbounded.push(`${where}: string without maxLength`);
    if ((s.type === 'integer' || s.type === 'number') && s.maximum === undefined) unbounded.push(`${where}: number without maximum`);
    if (s.type === 'array' && s.maxItems === undefined) unbounded.push(`${where}: list without maxItems`);
    for (const [k, child] of Object.entries(s.properties ?? {})) check(child, `${where}.${k}`);
    if (typeof s.additionalProperties === 'object') check(s.additionalProperties, `${where}.*`);
    if (s.items) check(s.items, `${where}[]`);
  };
  for (const [template, methods] of Object.entries(doc.body.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const where = `${method.toUpperCase()} ${template}`;
      for (const p of op.parameters ?? []) check(p.schema, `${where} ${p.in} ${p.name}`);
      for (const [type, c] of Object.entries(op.requestBody?.content ?? {})) check(c.schema, `${where} body (${type})`);
    }
  }
  assert.deepEqual(unbounded, []);
});
