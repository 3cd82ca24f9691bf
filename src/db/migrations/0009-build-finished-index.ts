/**
 * builds.finished_at is indexed: the builds loop looks every second for builds that finished in
 * the last day (test tasks to make, tested builds to sign), which without an index reads every
 * build ever made.
 */
import type { Kysely, Migration } from 'kysely';

export function buildFinishedIndex(): Migration {
  return {
    up: async (db: Kysely<unknown>) => {
      await db.schema.createIndex('builds_finished_at').on('builds').column('finished_at').execute();
    },
  };
}
