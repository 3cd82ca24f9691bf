/**
 * builds.arches: the arches a build was asked for (a JSON array of arch names), or null for every
 * build arch of its platforms, which is what every build before this migration had. The fan-out
 * (src/builds/fan-out.ts) creates rpm tasks only for those arches; noarch packages are built once
 * whatever was asked, as before.
 */
import type { Kysely, Migration } from 'kysely';

export function buildArchesSchema(): Migration {
  return {
    up: async (db: Kysely<unknown>) => {
      await db.schema.alterTable('builds').addColumn('arches', 'text').execute();
    },
  };
}
