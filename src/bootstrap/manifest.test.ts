/** The manifest's consistency, Debian versions as EL versions, control files, comps. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../errors.ts';
import { renderComps } from './comps.ts';
import { parseControl } from './deb.ts';
import { parseDependency } from './deps.ts';
import { GROUPS, MANIFEST, manifestDebs, validateManifest } from './manifest/index.ts';
import { elVersion } from './package.ts';
import { Sense } from '../rpm/tags.ts';

test('the manifest is consistent and has the packages an EL9 build root needs', () => {
  validateManifest();
  const names = new Set(MANIFEST.map((p) => p.name));
  for (const n of ['filesystem', 'setup', 'distforge-bootstrap-release', 'bash', 'glibc', 'gcc', 'rpm-build', 'redhat-rpm-config', 'shadow-utils', 'which']) assert.ok(names.has(n), n);
  assert.ok(!names.has('dash'));
  assert.ok(manifestDebs().includes('libc6'));
  for (const g of GROUPS) for (const m of g.packages) assert.ok(names.has(m), `${g.id}: ${m}`);
});

test('validateManifest refuses duplicates, a deb taken whole twice, and unknown group members', () => {
  const base = { name: 'a', from: ['x'] };
  assert.throws(() => validateManifest([base, { ...base }], []), (e: unknown) => e instanceof UsageError && /listed twice/.test(e.message));
  assert.throws(() => validateManifest([base, { name: 'b', from: ['x'] }], []), /deb x is taken whole by both a and b/);
  assert.throws(() => validateManifest([{ name: 'own' }], []), /no deb and has no version/);
  assert.throws(() => validateManifest([base], [{ id: 'g', name: 'g', description: '', packages: ['zz'] }]), /group g names zz/);
  validateManifest([base, { name: 'b', from: [{ deb: 'x', paths: ['/usr/bin/*'] }] }], []);
});

test('Debian versions become EL epoch, version and release', () => {
  assert.deepEqual(elVersion('5.2.15-2+b13'), { version: '5.2.15', release: '2+b13.dfbs' });
  assert.deepEqual(elVersion('1:1.2.13.dfsg-1'), { epoch: 1, version: '1.2.13.dfsg', release: '1.dfbs' });
  assert.deepEqual(elVersion('2.0207+dfsg+really+2.0134-1+deb12u1'), { version: '2.0207+dfsg+really+2.0134', release: '1+deb12u1.dfbs' });
  assert.deepEqual(elVersion('20220109.1'), { version: '20220109.1', release: '0.dfbs' });
  assert.deepEqual(elVersion('1.0-beta-3'), { version: '1.0.beta', release: '3.dfbs' });
  assert.deepEqual(elVersion('5.7-0.5~deb12u1'), { version: '5.7', release: '0.5~deb12u1.dfbs' });
});

test('control fields, dependency strings and comps', () => {
  const c = parseControl('Package: gcc-12\nVersion: 12.2.0-14\nDescription: GNU C compiler\n This is the compiler.\n .\n More.\n');
  assert.equal(c.Package, 'gcc-12');
  assert.equal(c.Description, 'GNU C compiler\nThis is the compiler.\n.\nMore.');
  assert.deepEqual(parseDependency('libc.so.6(GLIBC_2.34)(64bit)'), { name: 'libc.so.6(GLIBC_2.34)(64bit)' });
  assert.deepEqual(parseDependency('perl >= 1:5.010'), { name: 'perl', flags: Sense.GREATER | Sense.EQUAL, evr: '1:5.010' });
  assert.deepEqual(parseDependency('pkgconfig = 1:0.29.1'), { name: 'pkgconfig', flags: Sense.EQUAL, evr: '1:0.29.1' });
  const comps = renderComps([{ id: 'g', name: 'G & co', description: 'd', packages: ['b', 'a'] }]);
  assert.match(comps, /<name>G &amp; co<\/name>/);
  assert.ok(comps.indexOf('>a</packagereq>') < comps.indexOf('>b</packagereq>'));
});
