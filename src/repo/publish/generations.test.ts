import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { namedFiles, publishGeneration } from './generations.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-gen-'));
after(() => rmSync(work, { recursive: true, force: true }));

function repomd(names: string[]): string {
  return `<repomd>${names.map((n) => `<data type="x"><location href="repodata/${n}"/></data>`).join('')}</repomd>\n`;
}

/** Writes files as a metadata writer would, with an old mtime (as if written long ago). */
function files(dir: string, names: string[], at: number): void {
  for (const n of names) {
    writeFileSync(join(dir, n), n);
    utimesSync(join(dir, n), new Date(at), new Date(at));
  }
}

test('namedFiles lists the repodata/ files a repomd.xml names', () => {
  assert.deepEqual([...namedFiles(repomd(['a-primary.xml.zst', 'b-other.xml.zst']))], ['a-primary.xml.zst', 'b-other.xml.zst']);
  assert.deepEqual([...namedFiles('<location href="elsewhere/x"/>')], []);
});

test('a superseded generation is kept for the grace period, then removed', async () => {
  const rd = join(work, 'repodata');
  mkdirSync(rd);
  const t0 = 1_800_000_000_000;
  const grace = 600;
  files(rd, ['g1-primary', 'shared-other'], t0 - 86_400_000);
  let r = await publishGeneration(rd, { repomd: repomd(['g1-primary', 'shared-other']), sign: null, graceSeconds: grace, now: t0 });
  assert.deepEqual(r, { removed: [], retained: [] });

  // Generation 2 shares one file; g1-primary is superseded now and must survive the grace period.
  files(rd, ['g2-primary'], t0);
  r = await publishGeneration(rd, { repomd: repomd(['g2-primary', 'shared-other']), sign: null, graceSeconds: grace, now: t0 + 1000 });
  assert.deepEqual(r, { removed: [], retained: ['g1-primary'] });
  assert.equal(statSync(join(rd, 'g1-primary')).mtimeMs, t0 + 1000, 'the supersession time is kept in the mtime');

  // Within the grace period, generation 3 keeps both older generations' files.
  files(rd, ['g3-primary'], t0 + 2000);
  r = await publishGeneration(rd, { repomd: repomd(['g3-primary', 'shared-other']), sign: null, graceSeconds: grace, now: t0 + 2000 });
  assert.deepEqual(r, { removed: [], retained: ['g2-primary'] });
  assert.ok(existsSync(join(rd, 'g1-primary')));

  // After the grace period: g1 goes (superseded at t0+1000), g2 stays (superseded at t0+2000).
  files(rd, ['g4-primary'], t0 + 1000 + grace * 1000 + 500);
  r = await publishGeneration(rd, { repomd: repomd(['g4-primary', 'shared-other']), sign: null, graceSeconds: grace, now: t0 + 1000 + grace * 1000 + 500 });
  assert.deepEqual(r.removed, ['g1-primary']);
  assert.deepEqual(r.retained, ['g3-primary']);
  assert.ok(existsSync(join(rd, 'g2-primary')));
  assert.ok(existsSync(join(rd, 'shared-other')), 'a file the current generation names is never removed');
  assert.equal(readFileSync(join(rd, 'repomd.xml'), 'utf8'), repomd(['g4-primary', 'shared-other']));
});

test('repomd.xml.asc is written with repomd.xml and removed when publishing unsigned', async () => {
  const rd = join(work, 'signed');
  mkdirSync(rd);
  await publishGeneration(rd, { repomd: repomd([]), sign: (doc) => Promise.resolve(`sig of ${doc.length} bytes`), now: 0 });
  assert.equal(readFileSync(join(rd, 'repomd.xml.asc'), 'utf8'), `sig of ${repomd([]).length} bytes`);
  await publishGeneration(rd, { repomd: repomd([]), sign: null, now: 0 });
  assert.ok(!existsSync(join(rd, 'repomd.xml.asc')));
});

test('a failing signer publishes nothing', async () => {
  const rd = join(work, 'failing');
  mkdirSync(rd);
  await publishGeneration(rd, { repomd: repomd(['a']), sign: null, now: 0 });
  await assert.rejects(publishGeneration(rd, { repomd: repomd(['b']), sign: () => Promise.reject(new Error('no key')), now: 0 }), /no key/);
  assert.equal(readFileSync(join(rd, 'repomd.xml'), 'utf8'), repomd(['a']));
});
