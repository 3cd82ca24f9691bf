/**
 * distforge's own lookaside store on the master: an upload is spooled to a temporary file while
 * its md5, sha1, sha256 and sha512 are computed, checked against the hashes the uploader asserted
 * (a mismatch stores nothing), put into the artifact store by sha256, and recorded under each of
 * its four hashes in one transaction. Anyone downloads a file by any of them.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Context } from '../context.ts';
import { DistforgeError, NotFoundError } from '../errors.ts';
import { checkFileName } from './filename.ts';
import { checkHash, hashType, MultiHash, type HashType } from './hashes.ts';
import { lookasideDb } from './schema.ts';

/** The hash types every upload is recorded under. */
export const STORED_HASH_TYPES = ['md5', 'sha1', 'sha256', 'sha512'] as const satisfies readonly HashType[];

/** An uploaded source file. */
export interface LookasideFile {
  filename: string;
  name: string | null;
  size: number;
  md5: string;
  sha1: string;
  sha256: string;
  sha512: string;
}

export interface UploadInput {
  filename: string;
  /** The package it belongs to (informative). */
  name?: string;
  /** Hashes the uploader asserts, by type (any of md5, sha1, sha224, sha256, sha384, sha512). */
  expected?: Partial<Record<string, string>>;
  uploadedBy?: number;
}

/** An upload whose content does not have the hash its sender asserted: 422 `checksum_mismatch`. */
export class SourceHashMismatchError extends DistforgeError {
  constructor(filename: string, type: string, expected: string, got: string) {
    super('checksum_mismatch', `${filename}: ${type} mismatch: expected ${expected}, got ${got}; nothing stored`, { status: 422 });
  }
}

/** Checks the asserted hashes (types and hex) before anything is read. @throws BadHashError */
function expectedHashes(expected: UploadInput['expected']): [HashType, string][] {
  return Object.entries(expected ?? {})
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([t, hex]) => {
      const type = hashType(t);
      return [type, checkHash(type, hex)];
    });
}

/**
 * Stores `data` as the source file `input.filename`.
 * @throws BadFileNameError, BadHashError (400) before reading; SourceHashMismatchError (422).
 */
export async function uploadSource(ctx: Context, data: Readable, input: UploadInput): Promise<LookasideFile> {
  const filename = checkFileName(input.filename);
  if (input.name !== undefined) checkFileName(input.name);
  const expected = expectedHashes(input.expected);
  const tmpDir = join(ctx.settings.dataDir, 'tmp');
  await mkdir(tmpDir, { recursive: true });
  const tmp = join(tmpDir, `lookaside-${process.pid}-${randomBytes(8).toString('hex')}`);
  try {
    const hashes = new MultiHash([...STORED_HASH_TYPES, ...expected.map(([t]) => t)]);
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hashes.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(data, tap, createWriteStream(tmp, { flags: 'wx' }));
    const got = hashes.digest();
    for (const [type, hex] of expected) {
      if (got[type] !== hex) throw new SourceHashMismatchError(filename, type, hex, got[type] ?? '?');
    }
    const file: LookasideFile = { filename, name: input.name ?? null, size: hashes.size, md5: got.md5 ?? '', sha1: got.sha1 ?? '', sha256: got.sha256 ?? '', sha512: got.sha512 ?? '' };
    await ctx.store.put(createReadStream(tmp), file.sha256);
    await recordUpload(ctx, file, input.uploadedBy ?? null);
    return file;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** One row per hash type, in one transaction; a hash already known keeps its first upload's row. */
async function recordUpload(ctx: Context, file: LookasideFile, uploadedBy: number | null): Promise<void> {
  const now = ctx.now();
  await lookasideDb(ctx).transaction().execute(async (tx) => {
    for (const hashtype of STORED_HASH_TYPES) {
      await tx
        .insertInto('lookaside_files')
        .values({ hashtype, hash: file[hashtype], sha256: file.sha256, filename: file.filename, name: file.name, size: file.size, uploaded_by: uploadedBy, created_at: now })
        .onConflict((oc) => oc.columns(['hashtype', 'hash']).doNothing())
        .execute();
    }
  });
}

/**
 * The stored file whose `type` hash is `hash`.
 * @throws BadHashError for an unknown type or malformed hash; NotFoundError when not stored.
 */
export async function findSource(ctx: Context, type: string, hash: string): Promise<{ sha256: string; filename: string; size: number }> {
  const t = hashType(type);
  const hex = checkHash(t, hash);
  const row = await lookasideDb(ctx).selectFrom('lookaside_files').select(['sha256', 'filename', 'size']).where('hashtype', '=', t).where('hash', '=', hex).executeTakeFirst();
  if (!row || !(await ctx.store.has(row.sha256))) throw new NotFoundError(`no source file with ${t} ${hex} in the lookaside store`);
  return row;
}
