/**
 * Hostile input: thousands of mutations of the corpus (bit flips, truncations, huge counts,
 * lengths and offsets in the header intro and index). Every outcome must be a reading or our
 * typed error: never another exception, never a hang (the test has a time limit), never an
 * allocation larger than the file.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DistforgeError } from '../../src/errors.ts';
import { readRpmBuffer } from '../../src/rpm/package-file.ts';
import { packageFromFile } from '../../src/rpm/package.ts';
import { readSignatures } from '../../src/rpm/signatures.ts';
import { CORPUS_RPMS } from '../support/corpus.ts';
import { prng } from '../support/prng.ts';

const HUGE = [0xffffffff, 0x7fffffff, 0x80000000, 0x0fffffff, 0x10000000, 0x00ffffff, 0xfffffff0, 65536, 0];

function mutate(orig: Buffer, rand: () => number): Buffer {
  const int = (n: number) => Math.floor(rand() * n);
  const f = (() => {
    try {
      return readRpmBuffer(orig);
    } catch {
      return null;
    }
  })();
  const data = Buffer.from(orig);
  const kind = int(6);
  if (kind === 0) {
    // Flip a few bits anywhere in the headers.
    const end = f ? f.payloadStart : data.length;
    for (let i = 0, n = 1 + int(8); i < n; i++) {
      const at = int(end);
      data[at] = (data[at] ?? 0) ^ (1 << int(8));
    }
    return data;
  }
  if (kind === 1) return data.subarray(0, int(f ? f.payloadStart + 16 : data.length));
  if (!f) return data;
  const h = int(2) === 0 ? f.signature : f.header;
  const start = h === f.signature ? f.signatureStart : f.headerStart;
  if (kind === 2) {
    // Huge il or dl in a header intro.
    data.writeUInt32BE(HUGE[int(HUGE.length)] ?? 0, start + 8 + 4 * int(2));
    return data;
  }
  // Huge or odd values in one field of one index entry: tag, type, offset or count.
  const entry = int(h.il);
  const field = kind === 3 ? 3 : kind === 4 ? 2 : int(4);
  const value = int(3) === 0 ? int(h.dl + 64) : (HUGE[int(HUGE.length)] ?? 0);
  data.writeUInt32BE(value >>> 0, start + 16 + entry * 16 + field * 4);
  return data;
}

test('mutated corpus files read correctly or fail with our typed error', { timeout: 120_000 }, () => {
  const originals = CORPUS_RPMS.map((p) => readFileSync(p));
  const rand = prng(0x5eed);
  const outcomes = { read: 0, rejected: 0 };
  const iterations = 20000;
  for (let i = 0; i < iterations; i++) {
    const orig = originals[i % originals.length] ?? Buffer.alloc(0);
    const data = mutate(orig, rand);
    try {
      const f = readRpmBuffer(data);
      const p = packageFromFile(f);
      readSignatures(f.signature);
      // A reading must be self-consistent: the ranges lie inside the file.
      assert.ok(p.headerRange[0] < p.headerRange[1] && p.headerRange[1] <= data.length, `iteration ${i}`);
      outcomes.read++;
    } catch (e) {
      if (!(e instanceof DistforgeError)) {
        assert.fail(`iteration ${i}: untyped ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
      }
      outcomes.rejected++;
    }
  }
  // Both outcomes must occur, or the mutations are not reaching the parser.
  assert.ok(outcomes.read > iterations / 20, JSON.stringify(outcomes));
  assert.ok(outcomes.rejected > iterations / 4, JSON.stringify(outcomes));
});
