/**
 * What a node advertises is kept apart from what the admin granted: `nodes.arches` and
 * `nodes.capabilities` are the admin's grant (POST/PATCH /nodes), `advertised_arches` and
 * `advertised_capabilities` what the node said in its last hello (null before its first). The
 * node serves the intersection; a hello never changes the grant.
 */
import type { Kysely, Migration } from 'kysely';

export function nodeAdvertisedSchema(): Migration {
  return {
    up: async (db: Kysely<unknown>) => {
      await db.schema.alterTable('nodes').addColumn('advertised_arches', 'text').execute();
      await db.schema.alterTable('nodes').addColumn('advertised_capabilities', 'text').execute();
    },
  };
}
