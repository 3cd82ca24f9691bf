/**
 * nodes.lease_seq: a number every lease of the node (and every attempt at one) increases, in the
 * statement that locks the node's row. A lease counts the node's leased tasks on its statement's
 * snapshot; on PostgreSQL a statement that waited for the row lock does not see the leases
 * committed meanwhile, so it adds how far lease_seq moved since its snapshot
 * (src/scheduler/lease.ts, lease-at-once.ts): the node's limit holds however many of its requests
 * arrive at once.
 */
import type { Kysely, Migration } from 'kysely';

export function nodeLeaseSeqSchema(): Migration {
  return {
    up: async (db: Kysely<unknown>) => {
      await db.schema
        .alterTable('nodes')
        .addColumn('lease_seq', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  };
}
