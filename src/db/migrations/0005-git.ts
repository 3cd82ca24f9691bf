/**
 * The git service: upstream mirrors, their refs, upstream events and what they led to.
 * (Filled in by the git service; tables typed in src/git/schema.ts.)
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../connection.ts';

export function gitSchema(_dialect: Dialect): Migration {
  return { up };
}

async function up(_db: Kysely<unknown>): Promise<void> {
  // tables come with the git service
}
