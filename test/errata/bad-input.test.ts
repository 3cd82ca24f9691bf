/**
 * Bad input on every errata endpoint: each answer is a 4xx `{code, message}` with one line naming
 * what is wrong, and no errata table changes (no advisory, reference, package, nor a number taken).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AdvisoryRecord } from '../../src/errata/index.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api } from '../support/server.ts';
import { addBuiltPackages, advisoryBody, createAdvisory, errataRows, packageSpec, startErrataServer, type ErrataServer } from './support.ts';

let server: ErrataServer;
let id = '';
let nevras: string[] = [];

before(async () => {
  server = await startErrataServer();
  nevras = (await addBuiltPackages(server, 'example-el9', [packageSpec('foo', '1.0', '2.el9', 'x86_64'), packageSpec('bar', '2.0', '1.el9', 'noarch')])).map((f) => f.nevra);
  const r = await createAdvisory<AdvisoryRecord>(server, server.maintainer, advisoryBody('example-el9', [nevras[0] ?? '']));
  assert.equal(r.status, 201);
  id = r.body.id;
});
after(() => server.close());

/** Paths and bodies are made when the case runs (the packages and the advisory exist then). */
type Case = [label: string, method: string, path: () => string, body: () => unknown, status: number, message: RegExp];

const body = (extra: Record<string, unknown>): Record<string, unknown> => advisoryBody('example-el9', [nevras[0] ?? ''], extra);
const year = (): number => new Date(server.ctx.now()).getUTCFullYear();
const missing = (): string => `DFSA-${year()}:9999`;

const CASES: Case[] = [
  // create
  ['security without severity', 'POST', () => '/errata', () => body({ severity: undefined }), 400, /^severity: a security advisory needs a severity \(Critical, Important, Moderate, Low\)$/],
  ['unknown severity', 'POST', () => '/errata', () => body({ severity: 'High' }), 400, /^body\.severity: must be one of Critical, Important, Moderate, Low$/],
  ['unknown type', 'POST', () => '/errata', () => body({ type: 'critical' }), 400, /^body\.type: must be one of security, bugfix, enhancement, newpackage$/],
  ['malformed CVE id', 'POST', () => '/errata', () => body({ references: [{ type: 'cve', id: 'CVE-26-1' }] }), 400, /^references\[0\]\.id: "CVE-26-1" is not a CVE id \(CVE-YYYY-NNNN\)$/],
  ['bug id that is not a number', 'POST', () => '/errata', () => body({ references: [{ type: 'bugzilla', id: 'abc' }] }), 400, /^references\[0\]\.id: "abc" is not a bug number$/],
  ['malformed upstream id', 'POST', () => '/errata', () => body({ references: [{ type: 'upstream', id: 'rhsa 2026' }] }), 400, /is not an advisory id \(e\.g\. RHSA-2026:1234\)$/],
  ['ftp link', 'POST', () => '/errata', () => body({ references: [{ type: 'upstream', id: 'RHSA-2026:1', href: 'ftp://x.example/a' }] }), 400, /^references\[0\]\.href: "ftp:\/\/x\.example\/a" is not an http:\/\/ or https:\/\/ URL$/],
  ['javascript link', 'POST', () => '/errata', () => body({ references: [{ type: 'other', id: 'x', href: 'javascript:alert(1)' }] }), 400, /is not an http:\/\/ or https:\/\/ URL$/],
  ['credentials in a link', 'POST', () => '/errata', () => body({ references: [{ type: 'self', id: 'x', href: 'https://u:p@x.example/' }] }), 400, /must not hold credentials$/],
  ['self reference without a URL', 'POST', () => '/errata', () => body({ references: [{ type: 'self', id: 'x' }] }), 400, /^references\[0\]\.href: a self reference needs a URL$/],
  ['a reference twice', 'POST', () => '/errata', () => body({ references: [{ type: 'cve', id: 'CVE-2026-0001' }, { type: 'cve', id: 'CVE-2026-0001' }] }), 400, /^references\[1\]: cve CVE-2026-0001 is listed twice$/],
  ['unknown reference type', 'POST', () => '/errata', () => body({ references: [{ type: 'rhsa', id: 'x' }] }), 400, /^body\.references\[0\]\.type: must be one of/],
  ['no packages', 'POST', () => '/errata', () => body({ packages: [] }), 400, /^body\.packages: must NOT have fewer than 1 items$/],
  ['not a NEVRA', 'POST', () => '/errata', () => body({ packages: ['foo'] }), 400, /^packages\[0\]: "foo" is not name-\[epoch:\]version-release\.arch$/],
  ['a package twice', 'POST', () => '/errata', () => body({ packages: [nevras[0], `foo-0:1.0-2.el9.x86_64`] }), 400, /^packages\[1\]: foo-1\.0-2\.el9\.x86_64 is listed twice$/],
  ['an unknown package', 'POST', () => '/errata', () => body({ packages: ['nope-1-1.el9.x86_64'] }), 422, /^package nope-1-1\.el9\.x86_64 is not a built package of platform example-el9$/],
  ['unknown platform', 'POST', () => '/errata', () => body({ platform: 'nope' }), 404, /^no platform named "nope"$/],
  ['path-like platform', 'POST', () => '/errata', () => body({ platform: '../x' }), 400, /platform name/],
  ['blank title', 'POST', () => '/errata', () => body({ title: '   ' }), 400, /^title: must not be empty$/],
  ['bidi override in the title', 'POST', () => '/errata', () => body({ title: 'evil\u202Etitle' }), 400, /^body\.title: must not hold control or invisible formatting characters$/],
  ['NUL in the description', 'POST', () => '/errata', () => body({ description: 'a\u0000b' }), 400, /^body\.description: must not hold NUL characters$/],
  ['description over its bound', 'POST', () => '/errata', () => body({ description: 'x'.repeat(65_537) }), 400, /^body\.description: must NOT have more than 65536 characters$/],
  ['a string for a boolean', 'POST', () => '/errata', () => body({ rebootSuggested: 'yes' }), 400, /^body\.rebootSuggested: must be boolean$/],
  ['unknown field', 'POST', () => '/errata', () => body({ cves: ['CVE-2026-0001'] }), 400, /^body\.cves: unknown field$/],
  ['missing title', 'POST', () => '/errata', () => body({ title: undefined }), 400, /^body\.title: is required$/],
  ['no body', 'POST', () => '/errata', () => undefined, 400, /body/i],
  // update
  ['an empty change', 'PATCH', () => `/errata/${id}`, () => ({}), 400, /^body: must NOT have fewer than 1 properties$/],
  ['unknown field in a change', 'PATCH', () => `/errata/${id}`, () => ({ state: 'released' }), 400, /^body\.state: unknown field$/],
  ['type across letters', 'PATCH', () => `/errata/${id}`, () => ({ type: 'bugfix' }), 400, /^type: advisory DFSA-\d{4}:0001 is security by its id; it cannot become bugfix \(create a new advisory\)$/],
  ['severity removed from a security advisory', 'PATCH', () => `/errata/${id}`, () => ({ severity: null }), 400, /^severity: a security advisory needs a severity/],
  ['an unknown package added', 'PATCH', () => `/errata/${id}`, () => ({ addPackages: ['foo-9-9.el9.x86_64'] }), 422, /^package foo-9-9\.el9\.x86_64 is not a built package of platform example-el9$/],
  ['a package removed that it does not have', 'PATCH', () => `/errata/${id}`, () => ({ removePackages: [nevras[1]] }), 400, /^removePackages\[0\]: bar-2\.0-1\.el9\.noarch is not a package of advisory DFSA-\d{4}:0001$/],
  ['every package removed', 'PATCH', () => `/errata/${id}`, () => ({ removePackages: [nevras[0]] }), 400, /^packages: an advisory covers at least one package$/],
  ['a package added twice', 'PATCH', () => `/errata/${id}`, () => ({ addPackages: [nevras[0]] }), 400, /is listed twice$/],
  ['a reference added twice', 'PATCH', () => `/errata/${id}`, () => ({ addReferences: [{ type: 'cve', id: 'CVE-2026-1234' }] }), 400, /^references\[1\]: cve CVE-2026-1234 is listed twice$/],
  ['change of an unknown advisory', 'PATCH', () => `/errata/${missing()}`, () => ({ title: 'x' }), 404, /^no advisory DFSA-\d{4}:9999$/],
  ['change of a malformed id', 'PATCH', () => '/errata/DFXA-2026:1', () => ({ title: 'x' }), 400, /^params\.id: must match pattern/],
  // list
  ['limit 0', 'GET', () => '/errata?limit=0', () => undefined, 400, /^querystring\.limit: must be >= 1$/],
  ['limit over 500', 'GET', () => '/errata?limit=501', () => undefined, 400, /^querystring\.limit: must be <= 500$/],
  ['negative offset', 'GET', () => '/errata?offset=-1', () => undefined, 400, /^querystring\.offset: must be >= 0$/],
  ['unknown state', 'GET', () => '/errata?state=published', () => undefined, 400, /^querystring\.state: must be one of draft, approved, released, retracted$/],
  ['unknown type filter', 'GET', () => '/errata?type=x', () => undefined, 400, /^querystring\.type: must be one of/],
  ['NUL in a filter', 'GET', () => '/errata?cve=a%00b', () => undefined, 400, /^querystring\.cve: must not hold control/],
  ['a search over 512 characters', 'GET', () => `/errata?q=${'a'.repeat(513)}`, () => undefined, 400, /^querystring\.q: must NOT have more than 512 characters$/],
  ['a control character in a search', 'GET', () => '/errata?q=foo%0Abar', () => undefined, 400, /^querystring\.q: must not hold control/],
  ['unknown parameter', 'GET', () => '/errata?severity=Low', () => undefined, 400, /^querystring\.severity: unknown field$/],
  // show, OSV, moves, delete
  ['show a malformed id', 'GET', () => '/errata/DFSA-26:1', () => undefined, 400, /^params\.id: must match pattern/],
  ['show an unknown advisory', 'GET', () => `/errata/${missing()}`, () => undefined, 404, /^no advisory /],
  ['OSV of a malformed id', 'GET', () => '/errata/..%2F..%2Fetc/osv', () => undefined, 400, /^params\.id: must match pattern/],
  ['OSV of an unknown advisory', 'GET', () => `/errata/${missing()}/osv`, () => undefined, 404, /^no advisory /],
  ['approve an unknown advisory', 'POST', () => `/errata/${missing()}/approve`, () => undefined, 404, /^no advisory /],
  ['approve a malformed id', 'POST', () => '/errata/x/approve', () => undefined, 400, /^params\.id: must match pattern/],
  ['retract an unknown advisory', 'POST', () => `/errata/${missing()}/retract`, () => undefined, 404, /^no advisory /],
  ['retract with an empty reason', 'POST', () => `/errata/${id}/retract`, () => ({ reason: '' }), 400, /^body\.reason: must NOT have fewer than 1 characters$/],
  ['retract with an unknown field', 'POST', () => `/errata/${id}/retract`, () => ({ why: 'x' }), 400, /^body\.why: unknown field$/],
  ['retract a draft', 'POST', () => `/errata/${id}/retract`, () => undefined, 409, /^advisory DFSA-\d{4}:0001 is draft: it cannot become retracted \(delete a draft instead\)$/],
  ['delete an unknown advisory', 'DELETE', () => `/errata/${missing()}`, () => undefined, 404, /^no advisory /],
  ['delete a malformed id', 'DELETE', () => '/errata/DFSA-2026%3A1%00', () => undefined, 400, /^params\.id: must match pattern/],
  // feeds
  ['feed of an unknown platform', 'GET', () => '/platforms/nope/errata', () => undefined, 404, /^no platform named "nope"$/],
  ['OSV feed of an unknown platform', 'GET', () => '/platforms/nope/errata/osv', () => undefined, 404, /^no platform named "nope"$/],
  ['feed of a path-like platform', 'GET', () => '/platforms/..%2Fx/errata', () => undefined, 400, /./],
];

test(`bad input on every errata endpoint: 4xx {code, message} in one line, nothing changed (${TEST_DIALECT})`, async () => {
  const before = await errataRows(server);
  const failures: string[] = [];
  for (const [label, method, path, data, status, message] of CASES) {
    const token = method === 'GET' ? server.reader : method === 'POST' && /approve|retract/.test(path()) ? server.adminToken : server.maintainer;
    const payload = data();
    const r = await api<{ code?: unknown; message?: unknown }>(server, method, path(), { token, ...(payload !== undefined && { body: payload }) });
    const b = r.body;
    if (r.status !== status) failures.push(`${label}: status ${r.status}, not ${status}: ${JSON.stringify(b)}`);
    else if (typeof b !== 'object' || Object.keys(b).sort().join() !== 'code,message' || typeof b.message !== 'string') failures.push(`${label}: not {code, message}: ${JSON.stringify(b)}`);
    else if (!message.test(b.message) || b.message.includes('\n')) failures.push(`${label}: message ${JSON.stringify(b.message)} does not match ${String(message)}`);
  }
  assert.deepEqual(failures, []);
  assert.equal(await errataRows(server), before);
});
