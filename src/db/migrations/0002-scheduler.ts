/**
 * Indexes the scheduler's hot queries need. The partial ones hold only queued or only leased
 * tasks, so they stay small however many tasks the database keeps:
 * - each owner's next queued task in lease order (priority DESC, queued_at, id);
 * - an owner's and a node's leased tasks (fairness, per-node concurrency);
 * - whether a build still has tasks in a given state (build state);
 * - an item's srpm task (what an rpm task's node downloads).
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../connection.ts';

export function schedulerIndexes(_dialect: Dialect): Migration {
  return { up };
}

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('tasks_queued_pick')
    .on('tasks')
    .columns(['owner_id', 'priority desc', 'queued_at', 'id'])
    .where(sql.ref('state'), '=', sql.lit('queued'))
    .execute();
  await db.schema.createIndex('tasks_leased_owner').on('tasks').column('owner_id').where(sql.ref('state'), '=', sql.lit('leased')).execute();
  await db.schema.createIndex('tasks_leased_node').on('tasks').column('leased_by').where(sql.ref('state'), '=', sql.lit('leased')).execute();
  await db.schema.createIndex('tasks_build_state').on('tasks').columns(['build_id', 'state']).execute();
  await db.schema.createIndex('tasks_item').on('tasks').columns(['item_id', 'kind']).execute();
}
