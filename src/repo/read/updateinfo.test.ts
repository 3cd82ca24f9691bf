/** Unit tests of readUpdateinfo: createrepo_c-style advisories with every element, and broken ones. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Advisory } from '../model.ts';
import { assertReadErrors, readAll } from './test-support.ts';
import { readUpdateinfo } from './updateinfo.ts';

const all = (xml: string): Promise<Advisory[]> => readAll(readUpdateinfo, xml, 'updateinfo.xml');

const UPDATEINFO = `<?xml version="1.0" encoding="UTF-8"?>
<updates>
  <update from="security@example.org" status="stable" type="security" version="2">
    <id>ALSA-2026:1234</id>
    <title>Important: openssl security update</title>
    <issued date="2026-01-02 03:04:05"/>
    <updated date="1767323045"/>
    <rights>Copyright 2026 Example</rights>
    <release>Example Linux 9</release>
    <pushcount>1</pushcount>
    <severity>Important</severity>
    <summary>An update for openssl.</summary>
    <description>Fixes CVE-2026-0001 &amp; more.
Second line.</description>
    <solution>Update the packages.</solution>
    <reboot_suggested>True</reboot_suggested>
    <references>
      <reference href="https://cve.example.org/CVE-2026-0001" id="CVE-2026-0001" type="cve" title="CVE-2026-0001"/>
      <reference href="https://bugs.example.org/1" id="1" type="bugzilla"/>
    </references>
    <pkglist>
      <collection short="el9">
        <name>Example Linux 9</name>
        <module name="nodejs" stream="20" version="9050020240101" context="abcd1234" arch="x86_64"/>
        <package name="openssl" version="3.0.7" release="27.el9" epoch="1" arch="x86_64" src="openssl-3.0.7-27.el9.src.rpm">
          <filename>openssl-3.0.7-27.el9.x86_64.rpm</filename>
          <sum type="sha256">0123abcd</sum>
          <reboot_suggested>1</reboot_suggested>
          <restart_suggested>1</restart_suggested>
        </package>
        <package name="openssl-libs" version="3.0.7" release="27.el9" arch="i686">
          <filename>openssl-libs-3.0.7-27.el9.i686.rpm</filename>
        </package>
      </collection>
    </pkglist>
  </update>
  <update type="bugfix">
    <id>FEDORA-2026-1</id>
  </update>
</updates>
`;

test('reads every field of an advisory', async () => {
  const [a, b, ...rest] = await all(UPDATEINFO);
  assert.equal(rest.length, 0);
  const full: Advisory = {
    id: 'ALSA-2026:1234',
    type: 'security',
    from: 'security@example.org',
    status: 'stable',
    version: '2',
    title: 'Important: openssl security update',
    severity: 'Important',
    release: 'Example Linux 9',
    rights: 'Copyright 2026 Example',
    summary: 'An update for openssl.',
    description: 'Fixes CVE-2026-0001 & more.\nSecond line.',
    solution: 'Update the packages.',
    issued: '2026-01-02 03:04:05',
    updated: '1767323045',
    rebootSuggested: true,
    references: [
      { type: 'cve', href: 'https://cve.example.org/CVE-2026-0001', id: 'CVE-2026-0001', title: 'CVE-2026-0001' },
      { type: 'bugzilla', href: 'https://bugs.example.org/1', id: '1', title: '' },
    ],
    collections: [
      {
        short: 'el9',
        name: 'Example Linux 9',
        module: { name: 'nodejs', stream: '20', version: '9050020240101', context: 'abcd1234', arch: 'x86_64' },
        packages: [
          {
            name: 'openssl',
            epoch: '1',
            version: '3.0.7',
            release: '27.el9',
            arch: 'x86_64',
            src: 'openssl-3.0.7-27.el9.src.rpm',
            filename: 'openssl-3.0.7-27.el9.x86_64.rpm',
            sum: { type: 'sha256', value: '0123abcd' },
            rebootSuggested: true,
          },
          { name: 'openssl-libs', epoch: '0', version: '3.0.7', release: '27.el9', arch: 'i686', src: '', filename: 'openssl-libs-3.0.7-27.el9.i686.rpm' },
        ],
      },
    ],
  };
  assert.deepEqual(a, full);
  // What the second advisory leaves out is empty: "", false or [].
  const empty = Object.fromEntries(Object.entries(full).map(([k, v]) => [k, typeof v === 'string' ? '' : typeof v === 'boolean' ? false : []]));
  assert.deepEqual(b, { ...empty, id: 'FEDORA-2026-1', type: 'bugfix' });
});

test('reboot_suggested spellings', async () => {
  const one = async (inner: string): Promise<boolean> => {
    const [a] = await all(`<updates><update><id>x</id>${inner}</update></updates>`);
    assert.ok(a);
    return a.rebootSuggested;
  };
  assert.equal(await one('<reboot_suggested>true</reboot_suggested>'), true);
  assert.equal(await one('<reboot_suggested/>'), true);
  assert.equal(await one('<reboot_suggested>False</reboot_suggested>'), false);
  assert.equal(await one('<reboot_suggested>0</reboot_suggested>'), false);
  assert.equal(await one(''), false);
  await assert.rejects(one('<reboot_suggested>maybe</reboot_suggested>'), /<reboot_suggested> is not a yes\/no value: "maybe"/);
});

test('broken advisories name the file and line', async () => {
  await assertReadErrors(all, [
    ['<metadata/>', /^updateinfo\.xml: line 1: not updateinfo\.xml: root element <metadata>, expected <updates>$/],
    ['<updates>\n<update>\n<title>no id</title></update></updates>', /^updateinfo\.xml: line 2: <update> has no <id>$/],
    [
      '<updates><update><id>x</id><pkglist><collection>\n<package version="1"/></collection></pkglist></update></updates>',
      /line 2: <package> has no name attribute/,
    ],
    ['<updates><update><id>x</id><pkglist><collection><package name="p"/></collection></pkglist></update></updates>', /<package name="p"> has no version attribute/],
    ['<updates><update><id>x</id>', /unexpected end of file/],
  ]);
});
