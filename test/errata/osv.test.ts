/**
 * Advisories as OSV 1.6 documents (GET /errata/ID/osv, GET /platforms/NAME/errata/osv), checked
 * against the rules of the OSV schema (https://ossf.github.io/osv-schema/; no network here, so the
 * rules are stated below): required fields and their types, RFC 3339 UTC timestamps, ranges whose
 * events each hold one of introduced/fixed/last_affected/limit and contain an introduced one,
 * typed references with absolute URLs. And what each field says: aliases (CVEs), related
 * (upstream advisories), one affected entry per source package with its fixed [E:]V-R, the
 * ecosystem NAME:MAJOR, published/withdrawn following the lifecycle.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { markReleased, osvEcosystem, type AdvisoryRecord, type OsvDocument } from '../../src/errata/index.ts';
import { savePlatform } from '../../src/platforms/store.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api } from '../support/server.ts';
import { addBuiltPackages, advisoryBody, createAdvisory, packageSpec, startErrataServer, type ErrataServer } from './support.ts';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const REFERENCE_TYPES = ['ADVISORY', 'ARTICLE', 'DETECTION', 'DISCUSSION', 'REPORT', 'FIX', 'INTRODUCED', 'GIT', 'PACKAGE', 'EVIDENCE', 'WEB'];
const EVENT_KEYS = ['introduced', 'fixed', 'last_affected', 'limit'];
const TOP_LEVEL = ['schema_version', 'id', 'modified', 'published', 'withdrawn', 'aliases', 'related', 'summary', 'details', 'severity', 'affected', 'references', 'credits', 'database_specific'];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrings = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** What breaks the OSV 1.6 schema's rules in `doc` (empty when nothing). */
function osvProblems(doc: unknown): string[] {
  const out: string[] = [];
  if (!isObject(doc)) return ['not an object'];
  for (const k of Object.keys(doc)) if (!TOP_LEVEL.includes(k)) out.push(`unknown field ${k}`);
  if (typeof doc.id !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*(-[A-Za-z0-9]+)*-[A-Za-z0-9:._-]+$/.test(doc.id)) out.push('id is not <DB>-<ENTRYID>');
  if (typeof doc.schema_version !== 'string' || !/^1\.6\.\d+$/.test(doc.schema_version)) out.push('schema_version is not 1.6.x');
  for (const k of ['modified', 'published', 'withdrawn']) {
    const v = doc[k];
    if (v === undefined && k !== 'modified') continue;
    if (typeof v !== 'string' || !TIMESTAMP.test(v) || Number.isNaN(Date.parse(v))) out.push(`${k} is not an RFC 3339 UTC timestamp`);
  }
  for (const k of ['aliases', 'related']) if (doc[k] !== undefined && !isStrings(doc[k])) out.push(`${k} is not a list of strings`);
  for (const k of ['summary', 'details']) if (doc[k] !== undefined && typeof doc[k] !== 'string') out.push(`${k} is not a string`);
  if (doc.database_specific !== undefined && !isObject(doc.database_specific)) out.push('database_specific is not an object');
  const affected = doc.affected ?? [];
  if (!Array.isArray(affected)) out.push('affected is not a list');
  else affected.forEach((a: unknown, i) => out.push(...affectedProblems(a).map((p) => `affected[${i}]: ${p}`)));
  const refs = doc.references ?? [];
  if (!Array.isArray(refs)) out.push('references is not a list');
  else refs.forEach((r: unknown, i) => {
    if (!isObject(r) || typeof r.type !== 'string' || !REFERENCE_TYPES.includes(r.type)) out.push(`references[${i}].type is not a reference type`);
    else if (typeof r.url !== 'string' || !URL.canParse(r.url)) out.push(`references[${i}].url is not a URL`);
  });
  return out;
}

function affectedProblems(a: unknown): string[] {
  if (!isObject(a)) return ['not an object'];
  const out: string[] = [];
  if (!isObject(a.package) || typeof a.package.ecosystem !== 'string' || typeof a.package.name !== 'string') out.push('package needs ecosystem and name strings');
  for (const k of ['ecosystem_specific', 'database_specific']) if (a[k] !== undefined && !isObject(a[k])) out.push(`${k} is not an object`);
  if (a.versions !== undefined && !isStrings(a.versions)) out.push('versions is not a list of strings');
  if (!Array.isArray(a.ranges)) return [...out, 'ranges is not a list'];
  a.ranges.forEach((r: unknown, i) => {
    if (!isObject(r) || !['GIT', 'SEMVER', 'ECOSYSTEM'].includes(String(r.type))) return out.push(`ranges[${i}].type is not GIT, SEMVER or ECOSYSTEM`);
    if (r.type === 'GIT' && typeof r.repo !== 'string') out.push(`ranges[${i}]: a GIT range needs repo`);
    const events = r.events;
    if (!Array.isArray(events) || events.length === 0) return out.push(`ranges[${i}].events is not a non-empty list`);
    events.forEach((e: unknown, j) => {
      const keys = isObject(e) ? Object.keys(e).filter((k) => EVENT_KEYS.includes(k)) : [];
      if (keys.length !== 1 || typeof (e as Json)[keys[0] ?? ''] !== 'string') out.push(`ranges[${i}].events[${j}] must hold exactly one of ${EVENT_KEYS.join(', ')} (a string)`);
    });
    const has = (k: string): boolean => events.some((e: unknown) => isObject(e) && k in e);
    if (!has('introduced')) out.push(`ranges[${i}].events has no introduced event`);
    if (has('fixed') && has('last_affected')) out.push(`ranges[${i}].events has both fixed and last_affected`);
    return undefined;
  });
  return out;
}

describe(`OSV documents (${TEST_DIALECT})`, () => {
  let server: ErrataServer;
  let a: AdvisoryRecord;

  before(async () => {
    server = await startErrataServer();
    await savePlatform(server.ctx, { name: 'AlmaLinux', arches: ['x86_64'], distTag: '.el9', advisoryPrefix: 'AL', lifecycle: { version: '9.6' } });
    const el9 = await addBuiltPackages(server, 'example-el9', [
      packageSpec('foo', '1.0', '2.el9', 'x86_64', { epoch: 1 }),
      packageSpec('foo-libs', '1.0', '2.el9', 'x86_64', { epoch: 1, source: 'foo' }),
      packageSpec('bar', '2.0', '1.el9', 'noarch'),
    ]);
    const r = await createAdvisory<AdvisoryRecord>(server, server.maintainer, advisoryBody('example-el9', el9.map((f) => f.nevra), {
      references: [
        { type: 'cve', id: 'CVE-2026-1234' },
        { type: 'cve', id: 'CVE-2026-5678', href: 'https://access.redhat.com/security/cve/CVE-2026-5678' },
        { type: 'upstream', id: 'RHSA-2026:1234', href: 'https://access.redhat.com/errata/RHSA-2026:1234' },
        { type: 'bugzilla', id: '2001', href: 'https://bugzilla.example/show_bug.cgi?id=2001' },
        { type: 'bugzilla', id: '2002' },
      ],
    }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    a = r.body;
  });
  after(() => server.close());

  const osv = async (id: string, token?: string): Promise<OsvDocument> => {
    const r = await api<OsvDocument>(server, 'GET', `/errata/${id}/osv`, token === undefined ? {} : { token });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };

  test('a draft: valid, no published date, every field as the advisory says', async () => {
    const doc = await osv(a.id, server.reader);
    assert.deepEqual(osvProblems(doc), []);
    assert.equal(doc.id, a.id);
    assert.equal(doc.schema_version, '1.6.0');
    assert.equal(doc.published, undefined);
    assert.equal(doc.withdrawn, undefined);
    assert.equal(doc.modified, new Date(a.modifiedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    assert.deepEqual(doc.aliases, ['CVE-2026-1234', 'CVE-2026-5678']);
    assert.deepEqual(doc.related, ['RHSA-2026:1234']);
    assert.equal(doc.summary, a.title);
    assert.equal(doc.details, a.description);
    assert.deepEqual(doc.affected, [
      {
        package: { ecosystem: 'example-el9:9', name: 'foo' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1:1.0-2.el9' }] }],
        ecosystem_specific: { severity: 'Important' },
        database_specific: { packages: ['foo-1:1.0-2.el9.x86_64', 'foo-libs-1:1.0-2.el9.x86_64'] },
      },
      {
        package: { ecosystem: 'example-el9:9', name: 'bar' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0-1.el9' }] }],
        ecosystem_specific: { severity: 'Important' },
        database_specific: { packages: ['bar-2.0-1.el9.noarch'] },
      },
    ]);
    assert.deepEqual(doc.references, [
      { type: 'ADVISORY', url: `${server.url}/api/v1/errata/${a.id}` },
      { type: 'WEB', url: 'https://www.cve.org/CVERecord?id=CVE-2026-1234' },
      { type: 'WEB', url: 'https://access.redhat.com/security/cve/CVE-2026-5678' },
      { type: 'ADVISORY', url: 'https://access.redhat.com/errata/RHSA-2026:1234' },
      { type: 'REPORT', url: 'https://bugzilla.example/show_bug.cgi?id=2001' },
    ], 'a bug without a URL is left out');
    assert.deepEqual(doc.database_specific, { type: 'security', severity: 'Important', platform: 'example-el9', state: 'draft', reboot_suggested: false });
  });

  test('released: published is its release, anyone reads it; retracted: withdrawn; the platform\'s OSV feed', async () => {
    assert.equal((await api(server, 'POST', `/errata/${a.id}/approve`, { token: server.adminToken })).status, 200);
    const at = Date.UTC(2026, 3, 2, 10, 30, 0);
    await markReleased(server.ctx, [a.id], { releaseId: 1, at });
    const released = await osv(a.id);
    assert.deepEqual(osvProblems(released), []);
    assert.equal(released.published, '2026-04-02T10:30:00Z');
    const feed = await api<OsvDocument[]>(server, 'GET', '/platforms/example-el9/errata/osv');
    assert.equal(feed.status, 200);
    assert.deepEqual(feed.body.map((d) => d.id), [a.id]);
    assert.deepEqual(feed.body.flatMap(osvProblems), []);
    assert.equal((await api(server, 'POST', `/errata/${a.id}/retract`, { token: server.adminToken })).status, 200);
    const withdrawn = await osv(a.id);
    assert.deepEqual(osvProblems(withdrawn), []);
    assert.match(withdrawn.withdrawn ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.equal(withdrawn.published, '2026-04-02T10:30:00Z');
  });

  test('the checker itself refuses what breaks the rules', async () => {
    const good = await osv(a.id, server.reader);
    const broken: [string, (d: Json) => void][] = [
      ['no modified', (d) => delete d.modified],
      ['a local time', (d) => (d.modified = '2026-04-02 10:30:00')],
      ['an id without a database', (d) => (d.id = 'x')],
      ['aliases not strings', (d) => (d.aliases = [1])],
      ['no introduced event', (d) => ((d.affected as Json[])[0] = { package: { ecosystem: 'e', name: 'n' }, ranges: [{ type: 'ECOSYSTEM', events: [{ fixed: '1' }] }] })],
      ['two keys in an event', (d) => ((d.affected as Json[])[0] = { package: { ecosystem: 'e', name: 'n' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0', fixed: '1' }] }] })],
      ['an unknown reference type', (d) => (d.references = [{ type: 'CVE', url: 'https://x.example/' }])],
      ['a reference without a URL', (d) => (d.references = [{ type: 'WEB', url: 'not a url' }])],
    ];
    for (const [label, change] of broken) {
      const d = structuredClone(good) as unknown as Json;
      change(d);
      assert.notDeepEqual(osvProblems(d), [], label);
    }
  });

  test('the ecosystem: NAME:MAJOR from the lifecycle version, else releasever, else the dist tag\'s digits, else NAME', () => {
    assert.equal(osvEcosystem({ name: 'other-el8', distTag: '.el8', lifecycle: { version: '8.10' } }), 'other-el8:8');
    assert.equal(osvEcosystem({ name: 'p', distTag: '.el9', buildroot: { install: [], releasever: '10' } }), 'p:10');
    assert.equal(osvEcosystem({ name: 'p', distTag: '.fc41' }), 'p:41');
    assert.equal(osvEcosystem({ name: 'p', distTag: '.local' }), 'p');
  });

  test('a platform named as an OSV ecosystem, with that database\'s prefix, makes documents OSV.dev\'s registry accepts', async () => {
    const files = await addBuiltPackages(server, 'AlmaLinux', [packageSpec('zlib', '1.2.11', '41.el9_6', 'x86_64')]);
    const r = await createAdvisory<AdvisoryRecord>(server, server.maintainer, advisoryBody('AlmaLinux', [files[0]?.nevra ?? ''], { type: 'bugfix', severity: undefined, references: [] }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const doc = await osv(r.body.id, server.reader);
    assert.deepEqual(osvProblems(doc), []);
    // OSV 1.6's registry: ids start with a registered prefix (ALSA, ALBA, ALEA for AlmaLinux), ecosystems are registered names with an optional :RELEASE.
    assert.match(doc.id, /^(ALSA|ALBA|ALEA)-\d{4}:\d{4}$/);
    assert.deepEqual(doc.affected.map((x) => x.package.ecosystem), ['AlmaLinux:9']);
    assert.equal(doc.affected[0]?.ecosystem_specific, undefined, 'no severity, none said');
  });
});
