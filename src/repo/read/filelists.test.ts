/** Unit tests of readFilelists: entries with files of every type, and broken entries. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFilelists } from './filelists.ts';
import type { FilelistsPackage } from './filelists.ts';
import { ARCHER_ID, FOO_ID, assertReadErrors, readAll } from './test-support.ts';

const all = (xml: string): Promise<FilelistsPackage[]> => readAll(readFilelists, xml, 'filelists.xml');

test('reads createrepo_c filelists.xml', async () => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<filelists xmlns="http://linux.duke.edu/metadata/filelists" packages="2">
<package pkgid="65dd" name="Archer" arch="x86_64">
  <version epoch="2" ver="3.4.5" rel="6"/>
  <file>/usr/bin/complex_a</file>
  <file type="dir">/usr/share/doc/Archer-3.4.5</file>
  <file type="ghost">/var/log/archer &amp; co</file>
</package>
<package pkgid="3804" name="foo" arch="noarch">
  <version ver="1.0" rel="1"/>
</package>
</filelists>
`;
  assert.deepEqual(await all(xml), [
    {
      ...ARCHER_ID,
      files: [
        { path: '/usr/bin/complex_a', type: 'file' },
        { path: '/usr/share/doc/Archer-3.4.5', type: 'dir' },
        { path: '/var/log/archer & co', type: 'ghost' },
      ],
    },
    { ...FOO_ID, files: [] },
  ]);
});

test('broken entries name the file and line', async () => {
  await assertReadErrors(all, [
    ['<metadata/>', /^filelists\.xml: line 1: not filelists\.xml: root element <metadata>, expected <filelists>$/],
    ['<filelists>\n<package name="a"><version ver="1"/></package></filelists>', /^filelists\.xml: line 2: <package> has no pkgid attribute$/],
    ['<filelists>\n\n<package pkgid="1"><version ver="1"/></package></filelists>', /line 3: <package> has no name attribute/],
    ['<filelists><package pkgid="1" name="a"></package></filelists>', /<package> has no <version>/],
    ['<filelists><package pkgid="1" name="a"><version ver="1"/><file type="x">/a</file></package></filelists>', /<file> has unknown type "x"/],
  ]);
});
