/**
 * Platforms' release tables over real HTTP, on a master whose clock the test sets: each platform
 * answered with its lifecycle status (state and lag behind upstream) for the master's day; the
 * old field name `endOfSupport` read as `endOfSecuritySupport` in bodies and stored rows; bad dates
 * and orders one 400 naming the field, with nothing stored.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { LifecycleStatus } from '../../src/platforms/lifecycle.ts';
import type { StoredPlatform } from '../../src/platforms/types.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api, examplePlatform, startTestServer, type TestServer } from '../support/server.ts';

type Answered = StoredPlatform & { lifecycleStatus: LifecycleStatus };

let server: TestServer;
let clock = Date.parse('2025-01-15T08:00:00Z');
const setDay = (day: string): void => {
  clock = Date.parse(`${day}T00:00:00Z`);
};

before(async () => {
  server = await startTestServer({ platforms: [examplePlatform()], now: () => clock });
});
after(() => server.close());

const status = async (name: string): Promise<LifecycleStatus> => (await api<Answered>(server, 'GET', `/platforms/${name}`)).body.lifecycleStatus;

test(`the example platform's release table, and its state and lag on the master's day (${TEST_DIALECT})`, async () => {
  const list = await api<Answered[]>(server, 'GET', '/platforms');
  assert.equal(list.status, 200);
  const [example] = list.body;
  assert.deepEqual(example?.lifecycle, {
    version: '9.4', codename: 'Example Ocelot', upstreamBase: 'EL 9.4', kernel: '5.14.0-427.13.1.el9_4',
    releaseDate: '2024-05-06', upstreamReleaseDate: '2024-04-30', endOfActiveSupport: '2027-05-31', endOfSecuritySupport: '2032-05-31',
  });
  assert.deepEqual(example?.lifecycleStatus, { state: 'supported', lagDays: 6, asOf: '2025-01-15' });
  setDay('2027-05-31');
  assert.deepEqual(await status('example-el9'), { state: 'supported', lagDays: 6, asOf: '2027-05-31' }, 'the end date is the last day of active support');
  setDay('2027-06-01');
  assert.equal((await status('example-el9')).state, 'security-only');
  setDay('2032-06-01');
  assert.deepEqual(await status('example-el9'), { state: 'end-of-life', lagDays: 6, asOf: '2032-06-01' });
  setDay('2025-01-15');
});

test('a platform without lifecycle dates is supported with no lag; the OpenAPI document states the computed fields', async () => {
  const r = await api<Answered>(server, 'POST', '/platforms', { token: server.adminToken, body: { name: 'bare', arches: ['x86_64'], distTag: '.bare' } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.deepEqual(r.body.lifecycleStatus, { state: 'supported', lagDays: null, asOf: '2025-01-15' });
  const doc = (await api<{ paths: Record<string, { get?: { responses: Record<string, { content: Record<string, { schema: { items: { properties: Record<string, { properties?: Record<string, unknown> }> } } }> }> } }> }>(server, 'GET', '/openapi.json')).body;
  const item = doc.paths['/api/v1/platforms']?.get?.responses['200']?.content['application/json']?.schema.items;
  assert.deepEqual(Object.keys(item?.properties.lifecycleStatus?.properties ?? {}), ['state', 'lagDays', 'asOf']);
  assert.deepEqual(Object.keys(item?.properties.lifecycle?.properties ?? {}), ['version', 'codename', 'upstreamBase', 'kernel', 'releaseDate', 'upstreamReleaseDate', 'endOfActiveSupport', 'endOfSecuritySupport', 'endOfSupport']);
  assert.equal((await api(server, 'DELETE', '/platforms/bare', { token: server.adminToken })).status, 204);
});

test('endOfSupport, the old name, is read as endOfSecuritySupport: in a body, and in a row stored before the rename', async () => {
  const body = { name: 'old-el8', arches: ['x86_64'], distTag: '.el8', lifecycle: { version: '8.10', releaseDate: '2024-05-28', upstreamReleaseDate: '2024-05-22', endOfSupport: '2029-05-31' } };
  const created = await api<Answered>(server, 'POST', '/platforms', { token: server.adminToken, body });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual(created.body.lifecycle, { version: '8.10', releaseDate: '2024-05-28', upstreamReleaseDate: '2024-05-22', endOfSecuritySupport: '2029-05-31' });
  assert.deepEqual(created.body.lifecycleStatus, { state: 'supported', lagDays: 6, asOf: '2025-01-15' });

  // A row as an older master stored it: the definition JSON with the old name.
  const now = Date.now();
  const definition = { name: 'stored-el8', arches: ['x86_64'], distTag: '.el8', macros: { dist: '.el8' }, repositories: [], lifecycle: { version: '8.9', releaseDate: '2023-11-21', endOfSupport: '2024-05-31' } };
  await server.ctx.db.kysely.insertInto('platforms').values({ name: 'stored-el8', definition: JSON.stringify(definition), created_at: now, updated_at: now }).execute();
  const stored = (await api<Answered>(server, 'GET', '/platforms/stored-el8')).body;
  assert.deepEqual(stored.lifecycle, { version: '8.9', releaseDate: '2023-11-21', endOfSecuritySupport: '2024-05-31' });
  assert.equal(stored.lifecycleStatus.state, 'end-of-life');
  for (const name of ['old-el8', 'stored-el8']) assert.equal((await api(server, 'DELETE', `/platforms/${name}`, { token: server.adminToken })).status, 204);
});

test('bad lifecycle dates and orders: one 400 naming the field, nothing stored', async () => {
  const base = { name: 'bad-dates', arches: ['x86_64'], distTag: '.el9' };
  const cases: [Record<string, string>, string][] = [
    [{ releaseDate: '2024-13-01' }, 'platform definition: lifecycle.releaseDate: "2024-13-01" is not a date (YYYY-MM-DD)'],
    [{ endOfActiveSupport: '2027-06-31' }, 'platform definition: lifecycle.endOfActiveSupport: "2027-06-31" is not a date (YYYY-MM-DD)'],
    [{ releaseDate: '2024-05-06', upstreamReleaseDate: '2024-06-01' }, 'platform definition: lifecycle.upstreamReleaseDate: 2024-06-01 is after lifecycle.releaseDate (2024-05-06): the upstream release comes first'],
    [{ releaseDate: '2024-05-06', endOfSecuritySupport: '2024-05-01' }, 'platform definition: lifecycle.endOfSecuritySupport: 2024-05-01 must be after lifecycle.releaseDate (2024-05-06)'],
    [{ endOfActiveSupport: '2030-01-01', endOfSecuritySupport: '2029-01-01' }, 'platform definition: lifecycle.endOfActiveSupport: 2030-01-01 is after lifecycle.endOfSecuritySupport (2029-01-01): active support ends first'],
    [{ endOfSupport: '2029-01-01', endOfSecuritySupport: '2029-01-01' }, 'platform definition: lifecycle.endOfSupport: is the old name of endOfSecuritySupport: give only endOfSecuritySupport'],
    [{ endOfLife: '2029-01-01' }, 'body.lifecycle.endOfLife: unknown field'],
    [{ upstreamReleaseDate: '2024-04-30T00:00:00Z' }, 'body.lifecycle.upstreamReleaseDate: must NOT have more than 10 characters'],
  ];
  for (const [fields, message] of cases) {
    const r = await api<{ code: string; message: string }>(server, 'POST', '/platforms', { token: server.adminToken, body: { ...base, lifecycle: { version: '9', ...fields } } });
    assert.equal(r.status, 400, JSON.stringify(fields));
    assert.equal(r.body.message, message);
  }
  assert.equal((await api(server, 'GET', '/platforms/bad-dates')).status, 404);
});
