/**
 * distforge's own lookaside store: uploaded source files, keyed by their hashes.
 * (Filled in by the sources work; tables typed in src/lookaside/schema.ts.)
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../connection.ts';

export function lookasideSchema(_dialect: Dialect): Migration {
  return { up };
}

async function up(_db: Kysely<unknown>): Promise<void> {
  // tables come with the lookaside store
}
