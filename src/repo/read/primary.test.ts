/** Unit tests of readPrimary: every field of a createrepo_c package, defaults, and broken packages. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RepoReadError } from '../errors.ts';
import type { RepoPackage } from '../model.ts';
import type { XmlInput } from './items.ts';
import { readPrimary } from './primary.ts';
import { assertReadErrors, readAll, syntheticPrimaryPackage } from './test-support.ts';

const wrap = (body: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="1">\n${body}</metadata>\n`;

const all = (input: XmlInput): Promise<RepoPackage[]> => readAll(readPrimary, input, 'primary.xml');

const ARCHER = `<package type="rpm">
  <name>Archer</name>
  <arch>x86_64</arch>
  <version epoch="2" ver="3.4.5" rel="6"/>
  <checksum type="sha256" pkgid="YES">65dd4d39b7539cb0b6b150db20a314402845e006cc0456d910bce87741f81b82</checksum>
  <summary>Complex package.</summary>
  <description>Archer package
  second line</description>
  <packager>Sterling Archer</packager>
  <url>http://soo_complex_package.eu/</url>
  <time file="1795632359" build="1710742930"/>
  <size package="7737" installed="0" archive="544"/>
  <location xml:base="http://mirror.example.org/" href="Archer-3.4.5-6.x86_64.rpm"/>
  <format>
    <rpm:license>GPL</rpm:license>
    <rpm:vendor>ISIS</rpm:vendor>
    <rpm:group>Development/Tools</rpm:group>
    <rpm:buildhost>localhost.localdomain</rpm:buildhost>
    <rpm:sourcerpm>Archer-3.4.5-6.src.rpm</rpm:sourcerpm>
    <rpm:header-range start="4504" end="7517"/>
    <rpm:provides>
      <rpm:entry name="Archer" flags="EQ" epoch="2" ver="3.4.5" rel="6"/>
      <rpm:entry name="bara" flags="LE" epoch="0" ver="22"/>
    </rpm:provides>
    <rpm:requires>
      <rpm:entry name="foof" flags="EQ" epoch="0" ver="6" pre="1"/>
      <rpm:entry name="/bin/sh" pre="1"/>
      <rpm:entry name="(a if b)"/>
    </rpm:requires>
    <rpm:conflicts><rpm:entry name="bba" flags="LT" epoch="0" ver="2222"/></rpm:conflicts>
    <rpm:obsoletes><rpm:entry name="aaa" flags="GT" epoch="0" ver="1" rel="2"/></rpm:obsoletes>
    <rpm:suggests><rpm:entry name="s"/></rpm:suggests>
    <rpm:enhances><rpm:entry name="e"/></rpm:enhances>
    <rpm:recommends><rpm:entry name="r" flags="GE" epoch="1" ver="2"/></rpm:recommends>
    <rpm:supplements><rpm:entry name="u"/></rpm:supplements>
    <rpm:unknown><rpm:entry name="ignored"/></rpm:unknown>
    <file>/usr/bin/complex_a</file>
    <file type="dir">/etc/archer</file>
    <file type="ghost">/etc/archer/state</file>
  </format>
  <future-element><name>not the package name</name></future-element>
</package>
`;

test('reads every field of a package', async () => {
  const [p, ...rest] = await all(wrap(ARCHER));
  assert.equal(rest.length, 0);
  assert.deepEqual(p, {
    pkgId: '65dd4d39b7539cb0b6b150db20a314402845e006cc0456d910bce87741f81b82',
    checksumType: 'sha256',
    name: 'Archer',
    arch: 'x86_64',
    epoch: '2',
    version: '3.4.5',
    release: '6',
    summary: 'Complex package.',
    description: 'Archer package\n  second line',
    packager: 'Sterling Archer',
    url: 'http://soo_complex_package.eu/',
    time: { file: 1795632359, build: 1710742930 },
    size: { package: 7737, installed: 0, archive: 544 },
    location: { href: 'Archer-3.4.5-6.x86_64.rpm', base: 'http://mirror.example.org/' },
    license: 'GPL',
    vendor: 'ISIS',
    group: 'Development/Tools',
    buildhost: 'localhost.localdomain',
    sourcerpm: 'Archer-3.4.5-6.src.rpm',
    headerRange: { start: 4504, end: 7517 },
    provides: [
      { name: 'Archer', flags: 'EQ', epoch: '2', version: '3.4.5', release: '6', pre: false },
      { name: 'bara', flags: 'LE', epoch: '0', version: '22', release: null, pre: false },
    ],
    requires: [
      { name: 'foof', flags: 'EQ', epoch: '0', version: '6', release: null, pre: true },
      { name: '/bin/sh', flags: null, epoch: null, version: null, release: null, pre: true },
      { name: '(a if b)', flags: null, epoch: null, version: null, release: null, pre: false },
    ],
    conflicts: [{ name: 'bba', flags: 'LT', epoch: '0', version: '2222', release: null, pre: false }],
    obsoletes: [{ name: 'aaa', flags: 'GT', epoch: '0', version: '1', release: '2', pre: false }],
    suggests: [{ name: 's', flags: null, epoch: null, version: null, release: null, pre: false }],
    enhances: [{ name: 'e', flags: null, epoch: null, version: null, release: null, pre: false }],
    recommends: [{ name: 'r', flags: 'GE', epoch: '1', version: '2', release: null, pre: false }],
    supplements: [{ name: 'u', flags: null, epoch: null, version: null, release: null, pre: false }],
    files: [
      { path: '/usr/bin/complex_a', type: 'file' },
      { path: '/etc/archer', type: 'dir' },
      { path: '/etc/archer/state', type: 'ghost' },
    ],
    changelogs: [],
  });
});

test('missing optional elements take the defaults', async () => {
  const [p] = await all(
    wrap('<package type="rpm"><name>min</name><arch>noarch</arch><version ver="1"/><checksum type="sha512">ab</checksum><location href="m.rpm"/></package>\n'),
  );
  assert.ok(p);
  assert.equal(p.epoch, '0');
  assert.equal(p.release, '');
  assert.equal(p.checksumType, 'sha512');
  for (const k of ['summary', 'description', 'packager', 'url', 'license', 'vendor', 'group', 'buildhost', 'sourcerpm'] as const) assert.equal(p[k], '', k);
  assert.deepEqual(p.time, { file: 0, build: 0 });
  assert.deepEqual(p.size, { package: 0, installed: 0, archive: 0 });
  assert.deepEqual(p.headerRange, { start: 0, end: 0 });
  assert.deepEqual(p.location, { href: 'm.rpm' });
  assert.deepEqual([p.provides, p.requires, p.files, p.changelogs], [[], [], [], []]);
});

test('many packages, streamed in small chunks', async () => {
  const doc = Buffer.from(wrap(Array.from({ length: 300 }, (_, k) => syntheticPrimaryPackage(k, 6)).join('')));
  const chunks: Buffer[] = [];
  for (let i = 0; i < doc.length; i += 997) chunks.push(doc.subarray(i, i + 997));
  const pkgs = await all(chunks);
  assert.equal(pkgs.length, 300);
  assert.deepEqual(pkgs.map((p) => p.name).slice(0, 3), ['pkg-0', 'pkg-1', 'pkg-2']);
  const p7 = pkgs[7];
  assert.ok(p7);
  assert.equal(p7.summary, 'Synthetic package number 7 & friends');
  assert.equal(p7.description, 'Package 7 exists to be parsed.\nIt has a second line <with markup>.');
  assert.deepEqual(p7.files, [
    { path: '/usr/bin/pkg-7', type: 'file' },
    { path: '/etc/pkg-7.conf', type: 'file' },
  ]);
  assert.deepEqual(await all([doc]), pkgs);
});

test('a package without a required field is an error naming the file and its line', async () => {
  const full = (omit: string): string => {
    const parts: Record<string, string> = {
      name: '<name>x</name>',
      arch: '<arch>noarch</arch>',
      version: '<version ver="1" rel="1"/>',
      checksum: '<checksum type="sha256">00</checksum>',
      location: '<location href="x.rpm"/>',
    };
    return Object.entries(parts)
      .filter(([k]) => k !== omit)
      .map(([, v]) => v)
      .join('\n');
  };
  for (const [omit, what] of [
    ['name', '<name>'],
    ['arch', '<arch>'],
    ['version', '<version>'],
    ['checksum', '<checksum>'],
    ['location', '<location>'],
  ]) {
    const xml = wrap(`${ARCHER}<package type="rpm">\n${full(omit ?? '')}\n</package>\n`);
    await assert.rejects(
      all(xml),
      (err) => err instanceof RepoReadError && err.file === 'primary.xml' && err.message === `primary.xml: line 45: <package> has no ${what}`,
      omit,
    );
  }
});

test('malformed values and documents', async () => {
  await assertReadErrors(all, [
    ['<other/>', /line 1: not primary\.xml: root element <other>, expected <metadata>/],
    [wrap('<package><version epoch="0"/></package>'), /<version> without a ver attribute/],
    [wrap('<package><time file="yesterday"/></package>'), /<time file> is not an integer: "yesterday"/],
    [wrap('<package><size package="-5"/></package>'), /<size package> is negative/],
    [wrap('<package><format><rpm:requires><rpm:entry flags="EQ"/></rpm:requires></format></package>'), /<rpm:entry> without a name/],
    [wrap('<package><format><rpm:requires><rpm:entry name="a" flags="NE"/></rpm:requires></format></package>'), /<rpm:entry name="a"> has unknown flags "NE"/],
    [wrap('<package><format><file type="socket">/x</file></format></package>'), /<file> has unknown type "socket"/],
    [wrap(ARCHER).slice(0, 900), /unexpected end of file|unterminated/],
  ]);
});

test('packages before an error are yielded, then the iterator throws', async () => {
  const xml = wrap(`${ARCHER}<package><name>broken</name></pack>`);
  const cut = xml.indexOf('</package>') + 11;
  const seen: string[] = [];
  await assert.rejects(async () => {
    for await (const p of readPrimary([xml.slice(0, cut), xml.slice(cut)], 'p.xml')) seen.push(p.name);
  }, /mismatched close tag <\/pack>/);
  assert.deepEqual(seen, ['Archer']);
});
