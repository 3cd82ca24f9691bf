/**
 * The signer signs repository metadata only when the bytes it is handed are a repository index:
 * a repomd.xml that createrepo_c wrote passes; other XML, a repomd.xml without primary metadata
 * and non-XML are refused, naming what was handed over.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { checkRepomdDocument } from '../../src/signer/repomd-sign.ts';
import { SignFailed } from '../../src/signer/job.ts';

describe('the signer checks what it is asked to sign as repository metadata', () => {
  test("createrepo_c's repomd.xml is signed; anything else is refused with the reason", () => {
    const dir = mkdtempSync(join(tmpdir(), 'distforge-repomd-check-'));
    try {
      execFileSync('createrepo_c', ['--no-database', dir], { stdio: 'ignore' });
      const real = readFileSync(join(dir, 'repodata', 'repomd.xml'));
      assert.doesNotThrow(() => checkRepomdDocument(real, 'el9/x86_64 repomd.xml'));
      const refused = (data: string, why: RegExp): void => {
        assert.throws(() => checkRepomdDocument(Buffer.from(data), 'el9/x86_64 repomd.xml'), (e: unknown) => e instanceof SignFailed && /^el9\/x86_64 repomd\.xml /.test(e.message) && why.test(e.message));
      };
      refused('#!/bin/sh\necho not metadata\n', /is not a repomd\.xml/);
      refused('<?xml version="1.0"?><metadata xmlns="http://linux.duke.edu/metadata/common" packages="0"/>', /is not a repomd\.xml/);
      refused('<?xml version="1.0"?><repomd xmlns="http://linux.duke.edu/metadata/repo"><revision>1</revision></repomd>', /lists no primary metadata/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
