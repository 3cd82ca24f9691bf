/** Unit tests of readOther: changelog entries, and broken entries. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readOther } from './other.ts';
import type { OtherPackage } from './other.ts';
import { ARCHER_ID, FOO_ID, assertReadErrors, readAll } from './test-support.ts';

const all = (xml: string): Promise<OtherPackage[]> => readAll(readOther, xml, 'other.xml');

test('reads createrepo_c other.xml', async () => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<otherdata xmlns="http://linux.duke.edu/metadata/other" packages="2">
<package pkgid="65dd" name="Archer" arch="x86_64">
  <version epoch="2" ver="3.4.5" rel="6"/>
  <changelog author="Tomas Mlcoch &lt;tmlcoch@redhat.com&gt; - 1.1.1-1" date="1334664000">- First changelog.</changelog>
  <changelog author="Tomas Mlcoch &lt;tmlcoch@redhat.com&gt; - 2.2.2-2" date="1334750400">- Two
- lines &amp; more</changelog>
</package>
<package pkgid="3804" name="foo" arch="noarch">
  <version epoch="0" ver="1.0" rel="1"/>
  <changelog author="" date="0"></changelog>
</package>
</otherdata>
`;
  assert.deepEqual(await all(xml), [
    {
      ...ARCHER_ID,
      changelogs: [
        { author: 'Tomas Mlcoch <tmlcoch@redhat.com> - 1.1.1-1', date: 1334664000, text: '- First changelog.' },
        { author: 'Tomas Mlcoch <tmlcoch@redhat.com> - 2.2.2-2', date: 1334750400, text: '- Two\n- lines & more' },
      ],
    },
    { ...FOO_ID, changelogs: [{ author: '', date: 0, text: '' }] },
  ]);
});

test('broken entries name the file and line', async () => {
  await assertReadErrors(all, [
    ['<filelists/>', /^other\.xml: line 1: not other\.xml: root element <filelists>, expected <otherdata>$/],
    ['<otherdata>\n<package pkgid="1" name="a"><version ver="1"/>\n<changelog date="soon"/></package></otherdata>', /^other\.xml: line 3: <changelog date> is not an integer: "soon"$/],
    ['<otherdata><package pkgid="1" name="a"><version ver="1"/><changelog date="1">x</changelog>', /unexpected end of file: <package> is not closed/],
  ]);
});
