/**
 * Whole-file sha256 with one reused buffer, judged by coreutils' sha256sum: empty, smaller than
 * the buffer, exactly its size, a byte more, and several pieces (the buffer growing between files).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FileDigester } from './file-digest.ts';

const tmp = mkdtempSync(join(tmpdir(), 'distforge-file-digest-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('the sha256 and length of whole files, as sha256sum has them', () => {
  const digester = new FileDigester();
  for (const size of [0, 1000, 256 * 1024, 256 * 1024 + 1, 3 * 1024 * 1024 + 7, 17 * 1024 * 1024 + 3, 5]) {
    const path = join(tmp, `f${size}`);
    writeFileSync(path, randomBytes(size));
    const want = execFileSync('sha256sum', [path], { encoding: 'utf8' }).split(' ')[0];
    const fd = openSync(path, 'r');
    try {
      assert.deepEqual(digester.digest(fd), { hex: want, bytes: size }, `${size} bytes`);
    } finally {
      closeSync(fd);
    }
  }
});
