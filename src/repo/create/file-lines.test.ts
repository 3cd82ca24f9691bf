/**
 * File lines written from the header's bytes (file-lines.ts) against the string path: the same
 * primary, filelists and other fragments for every corpus RPM, a generated set and packages made
 * for the rules (primary subset by directory, /usr/lib/sendmail, directories and ghosts, names to
 * escape or decode, which go the string path); and the bytes path is the one taken for plain names.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readRpmFileSync } from '../../rpm/package-file.ts';
import { rpmFileName, writeRpm, type RpmSpec } from '../../rpm/writer.ts';
import { CORPUS_RPMS } from '../../../test/support/corpus.ts';
import { makePackageSet } from '../../../test/support/package-set.ts';
import { PLAIN_NAMES } from '../../../test/support/plain-names.ts';
import { HeaderFileList } from './file-lines.ts';
import { BatchRenderer, renderFragments, unpackBatch } from './fragments.ts';
import { PackageReader } from './read-package.ts';
import type { FoundPackage } from './scan.ts';

const tmp = mkdtempSync(join(tmpdir(), 'distforge-file-lines-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function found(path: string): FoundPackage {
  const st = statSync(path, { bigint: true });
  return { path, href: `Packages/${path.slice(path.lastIndexOf('/') + 1)}`, size: Number(st.size), mtime: Number(st.mtimeMs / 1000n), mtimeNs: st.mtimeNs };
}

/** The fragments both ways; whether the bytes path was taken. */
function compare(path: string): boolean {
  const reader = new PackageReader(10);
  let want;
  try {
    want = renderFragments(found(path), reader.read(found(path)));
  } catch (e) {
    assert.throws(() => reader.readForRendering(found(path), true), { message: (e as Error).message }, path);
    return false;
  }
  const renderer = new BatchRenderer();
  const f = found(path);
  const { pkg, fileList } = reader.readForRendering(f, true);
  renderer.add(pkg, f, fileList);
  const [got] = unpackBatch(renderer.take(), [f]);
  assert.ok(got);
  for (const k of [0, 1, 2] as const) assert.equal(Buffer.from(got.parts[k]).toString('utf8'), Buffer.from(want.parts[k]).toString('utf8'), `${path}: fragment ${k}`);
  return fileList !== null;
}

const base: Omit<RpmSpec, 'name' | 'files'> = { version: '1.0', release: '1', arch: 'x86_64', summary: 's', description: 'd', license: 'MIT', buildtime: 1_700_000_000 };

function made(spec: RpmSpec): string {
  const path = join(tmp, rpmFileName(spec));
  writeRpm(path, spec);
  return path;
}

test('every corpus RPM renders the same from the header bytes', () => {
  let bytes = 0;
  for (const path of CORPUS_RPMS) if (compare(path)) bytes++;
  assert.ok(bytes > 0, 'no corpus package took the bytes path');
});

test('a generated set renders the same, all of it from the header bytes', () => {
  for (const p of makePackageSet(join(tmp, 'set'), 40, { seed: 3 })) assert.ok(compare(p.path), `${p.path}: not the bytes path`);
});

test('the primary subset, directories and ghosts are as the string path has them', () => {
  const path = made({
    ...base,
    name: 'rules-plain',
    ...PLAIN_NAMES,
  });
  assert.ok(compare(path));
  const list = HeaderFileList.of(readRpmFileSync(path).header);
  assert.ok(list);
  assert.ok(list.has('/usr/lib/sendmail') && list.has('/etc') && !list.has('/usr/lib/sen') && !list.has('/usr/bin/elsewhere'));
});

test('names to escape or decode take the string path and render the same', () => {
  for (const [i, name] of ['/usr/share/q/a&b', '/usr/share/q/<x>', '/usr/share/q/ünï', '/usr/share/q/tab\there'].entries()) {
    const path = made({ ...base, name: `rules-odd${i}`, files: [{ path: '/usr/bin/plain', data: 'p' }, { path: name, data: 'x' }] });
    assert.equal(compare(path), false, name);
  }
});

test('a package without files renders the same', () => {
  assert.equal(compare(made({ ...base, name: 'empty', files: [] })), false);
});
