/** Unit tests of parseRepomd: createrepo_c's repomd.xml with every element, and broken ones. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RepoReadError } from '../errors.ts';
import { parseRepomd, repomdRecord } from './repomd.ts';

const REPOMD = `<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
  <revision>1700000000</revision>
  <tags>
    <content>binary-x86_64</content>
    <repo>Fedora 39</repo>
    <distro cpeid="cpe:/o:fedoraproject:fedora:39">Fedora 39</distro>
    <distro>Unnamed</distro>
  </tags>
  <data type="primary">
    <checksum type="sha256">AB12cd</checksum>
    <open-checksum type="sha256">ef34</open-checksum>
    <location href="repodata/ab12cd-primary.xml.gz"/>
    <timestamp>1700000001</timestamp>
    <size>5171</size>
    <open-size>39655</open-size>
  </data>
  <data type="primary_db">
    <checksum type="sha1">0011</checksum>
    <location xml:base="http://mirror.example.org/f39/" href="repodata/0011-primary.sqlite.bz2"/>
    <timestamp>1700000002.25</timestamp>
    <database_version>10</database_version>
  </data>
  <data type="primary_zck">
    <checksum type="sha256">aa</checksum>
    <open-checksum type="sha256">bb</open-checksum>
    <header-checksum type="sha256">cc</header-checksum>
    <location href="repodata/aa-primary.xml.zck"/>
    <size>10</size>
    <open-size>20</open-size>
    <header-size>30</header-size>
    <unknown-element><nested/></unknown-element>
  </data>
  <unknown/>
</repomd>
`;

test('parses createrepo_c repomd.xml', () => {
  const r = parseRepomd(REPOMD, 'repodata/repomd.xml');
  assert.equal(r.revision, '1700000000');
  assert.deepEqual(r.tags, {
    content: ['binary-x86_64'],
    repo: ['Fedora 39'],
    distro: [{ cpeid: 'cpe:/o:fedoraproject:fedora:39', name: 'Fedora 39' }, { name: 'Unnamed' }],
  });
  assert.deepEqual(r.records, [
    {
      type: 'primary',
      location: { href: 'repodata/ab12cd-primary.xml.gz' },
      checksum: { type: 'sha256', value: 'ab12cd' },
      openChecksum: { type: 'sha256', value: 'ef34' },
      timestamp: 1700000001,
      size: 5171,
      openSize: 39655,
    },
    {
      type: 'primary_db',
      location: { href: 'repodata/0011-primary.sqlite.bz2', base: 'http://mirror.example.org/f39/' },
      checksum: { type: 'sha1', value: '0011' },
      timestamp: 1700000002,
      databaseVersion: 10,
    },
    {
      type: 'primary_zck',
      location: { href: 'repodata/aa-primary.xml.zck' },
      checksum: { type: 'sha256', value: 'aa' },
      openChecksum: { type: 'sha256', value: 'bb' },
      headerChecksum: { type: 'sha256', value: 'cc' },
      size: 10,
      openSize: 20,
      headerSize: 30,
    },
  ]);
  assert.equal(repomdRecord(r, 'primary_db')?.databaseVersion, 10);
  assert.equal(repomdRecord(r, 'other'), undefined);
});

test('a repomd.xml without revision or tags, from bytes', () => {
  const r = parseRepomd(Buffer.from('<repomd><data type="other"><checksum type="sha256">00</checksum><location href="o.xml"/></data></repomd>'), 'f');
  assert.equal(r.revision, null);
  assert.deepEqual(r.tags, { content: [], repo: [], distro: [] });
  assert.equal(r.records.length, 1);
});

test('broken repomd.xml is a RepoReadError naming the file and line', () => {
  const cases: [string, RegExp][] = [
    ['<metadata/>', /^r\.xml: line 1: not repomd\.xml: root element <metadata>, expected <repomd>$/],
    ['<repomd>\n<data>\n</data></repomd>', /line 2: <data> without a type attribute/],
    ['<repomd>\n<data type="primary">\n<location href="p.xml"/></data></repomd>', /line 2: <data type="primary"> has no <checksum>/],
    ['<repomd><data type="primary"><checksum type="sha256">00</checksum></data></repomd>', /<data type="primary"> has no <location>/],
    ['<repomd><data type="primary"><checksum>00</checksum></data></repomd>', /<checksum> of primary has no type attribute/],
    ['<repomd><data type="primary"><checksum type="sha256">xyz</checksum></data></repomd>', /<checksum> of primary is not a hex digest: "xyz"/],
    ['<repomd><data type="primary"><size>12k</size></data></repomd>', /<size> of primary is not an integer: "12k"/],
    ['<repomd><data type="primary"><size>-1</size></data></repomd>', /<size> of primary is negative/],
    [
      '<repomd><data type="a"><checksum type="sha256">00</checksum><location href="x"/></data>\n<data type="a"/></repomd>',
      /line 2: metadata type a is listed twice/,
    ],
    ['<repomd><data type="a"><location/></data></repomd>', /<location> of a has no href/],
    ['<repomd><data type="a">', /unexpected end of file: <data> is not closed/],
  ];
  for (const [xml, expected] of cases) {
    assert.throws(
      () => parseRepomd(xml, 'r.xml'),
      (err) => err instanceof RepoReadError && err.file === 'r.xml' && expected.test(err.message),
      xml,
    );
  }
});
