/** The table of distforge's own lookaside store (migration 0006), on top of src/db/schema.ts. */
import type { Kysely } from 'kysely';
import type { Context } from '../context.ts';
import type { Database, Millis } from '../db/schema.ts';

/** One row per (hash type, hash) of an uploaded file: each upload adds md5, sha1, sha256 and sha512 rows. */
export interface LookasideFilesTable {
  hashtype: string;
  /** Lower-case hex. */
  hash: string;
  /** The blob in the artifact store. */
  sha256: string;
  /** The file name it was uploaded as (no directories). */
  filename: string;
  /** The package it was uploaded for, when given. */
  name: string | null;
  size: number;
  uploaded_by: number | null;
  created_at: Millis;
}

export type LookasideDatabase = Database & { lookaside_files: LookasideFilesTable };

export function lookasideDb(ctx: Context): Kysely<LookasideDatabase> {
  return ctx.db.kysely as unknown as Kysely<LookasideDatabase>;
}
