/**
 * libsolv's EVR comparison and range matching, and how they relate to rpm's (src/rpm/depmatch.ts):
 * on every combination of the EVRs and relations below both give the same answer; the only
 * differences found are in EVR texts repodata cannot produce (listed in the last test).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rangesOverlap } from '../../rpm/depmatch.ts';
import { Sense } from '../../rpm/tags.ts';
import { Rel } from './dep-tree.ts';
import { solvEvrCompare, solvRangesMatch } from './solv-evr.ts';

const GE = Rel.GT | Rel.EQ;
const LE = Rel.LT | Rel.EQ;

describe('solvEvrCompare', () => {
  test('matching mode: a missing release matches any release (±2), empty release is none', () => {
    assert.equal(solvEvrCompare('1.0', '1.0-5', true), -2);
    assert.equal(solvEvrCompare('1.0-5', '1.0', true), 2);
    assert.equal(solvEvrCompare('1.0-', '1.0-5', true), -2);
    assert.equal(solvEvrCompare('1.0-1', '1.0-2', true), -1);
    assert.equal(solvEvrCompare('1.0', '1.0', true), 0);
  });
  test('order mode: a missing release sorts first', () => {
    assert.equal(solvEvrCompare('1.0', '1.0-5', false), -1);
    assert.equal(solvEvrCompare('1.0-5', '1.0', false), 1);
    assert.equal(solvEvrCompare('1.0-', '1.0-1', false), -1);
  });
  test('epochs: zero equals none, any other epoch is greater; compared as numbers', () => {
    assert.equal(solvEvrCompare('0:1.0', '1.0', true), 0);
    assert.equal(solvEvrCompare('00:1.0', '1.0', true), 0);
    assert.equal(solvEvrCompare('1:0.1', '9.9', true), 1);
    assert.equal(solvEvrCompare('9.9', '1:0.1', true), -1);
    assert.equal(solvEvrCompare('10:1', '9:1', true), 1);
    assert.equal(solvEvrCompare('2:1.0-1', '2:1.0-1', true), 0);
  });
  test('tilde and caret order as in rpm', () => {
    assert.equal(solvEvrCompare('1.0~rc1', '1.0', true), -1);
    assert.equal(solvEvrCompare('1.0^git1', '1.0', true), 1);
    assert.equal(solvEvrCompare('1.0^git1', '1.0.1', true), -1);
  });
});

describe('solvRangesMatch', () => {
  test('dnf repoclosure answers (observed)', () => {
    // Provides vcap = 1.0 (no release): satisfies vcap = 1.0-5 and even vcap > 1.0-5.
    assert.equal(solvRangesMatch(Rel.EQ, '1.0', Rel.EQ, '1.0-5'), true);
    assert.equal(solvRangesMatch(Rel.EQ, '1.0', Rel.GT, '1.0-5'), true);
    // Provides fprov = 1.0-1: not fprov > 1.0, but fprov = 1.0.
    assert.equal(solvRangesMatch(Rel.EQ, '1.0-1', Rel.GT, '1.0'), false);
    assert.equal(solvRangesMatch(Rel.EQ, '1.0-1', Rel.EQ, '1.0'), true);
    // Provides tcap = 1.0~rc1-1.
    assert.equal(solvRangesMatch(Rel.EQ, '1.0~rc1-1', Rel.LT, '1.0'), true);
    assert.equal(solvRangesMatch(Rel.EQ, '1.0~rc1-1', Rel.GT, '1.0'), false);
    // Provides acap >= 2.0.
    assert.equal(solvRangesMatch(GE, '2.0', Rel.LT, '1.0'), false);
    assert.equal(solvRangesMatch(GE, '2.0', Rel.GT, '5.0'), true);
    // Provides eprov = 2:1.0-1 (epoch beats version): not eprov < 3.
    assert.equal(solvRangesMatch(Rel.EQ, '2:1.0-1', Rel.LT, '3'), false);
  });
  test('no relation bits match nothing; all three match everything', () => {
    assert.equal(solvRangesMatch(0, '1', Rel.EQ, '1'), false);
    assert.equal(solvRangesMatch(7, '9', Rel.LT, '1'), true);
  });

  const evrs = ['1.0', '1.0-1', '1.0-2', '0:1.0-1', '1:1.0', '1:1.0-1', '2.0', '0.9-9', '1.0~rc1', '1.0^git1', '1.0-', '1.0-1.el9', '1_0-1', '01.0-1'];
  const rels: Array<[number, number]> = [
    [Rel.LT, Sense.LESS],
    [LE, Sense.LESS | Sense.EQUAL],
    [Rel.EQ, Sense.EQUAL],
    [GE, Sense.GREATER | Sense.EQUAL],
    [Rel.GT, Sense.GREATER],
  ];
  test(`agrees with rpm's rangesOverlap on ${evrs.length ** 2 * rels.length ** 2} combinations`, () => {
    const differ: string[] = [];
    for (const pevr of evrs) {
      for (const evr of evrs) {
        for (const [pflags, psense] of rels) {
          for (const [flags, sense] of rels) {
            const solv = solvRangesMatch(pflags, pevr, flags, evr);
            const rpm = rangesOverlap({ flags: psense, evr: pevr }, { flags: sense, evr });
            if (solv !== rpm) differ.push(`${pflags} ${pevr} / ${flags} ${evr}: libsolv ${solv}, rpm ${rpm}`);
          }
        }
      }
    }
    assert.deepEqual(differ, []);
  });

  test('where they differ: EVR texts repodata does not produce', () => {
    // An epoch with no digits: rpm reads ":2" as epoch 0, libsolv as the version ":2" (equal to "2"),
    // so they still agree; "a:2" is a version to both. Epoch texts that are not digits differ:
    // rpm compares "x:1" as version "x:1", libsolv too; no difference there either.
    assert.equal(solvRangesMatch(Rel.EQ, ':2', Rel.EQ, '2'), rangesOverlap({ flags: Sense.EQUAL, evr: ':2' }, { flags: Sense.EQUAL, evr: '2' }));
    // A versioned relation with an empty EVR: rpm treats it as unversioned (matches), libsolv compares
    // the text (repodata gives it libsolv's null id, see repo-deps.ts) and does not match.
    assert.equal(rangesOverlap({ flags: Sense.EQUAL, evr: '' }, { flags: Sense.EQUAL, evr: '1.0' }), true);
    assert.equal(solvRangesMatch(Rel.EQ, '<NULL>', Rel.EQ, '1.0'), false);
  });
});
