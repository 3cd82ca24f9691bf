/**
 * Indexes the scheduler's hot queries need: picking each owner's next queued task in lease order
 * (priority, then age), counting a node's and an owner's leased tasks, asking whether a build
 * still has tasks in a given state, and finding an item's srpm task.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../connection.ts';

export function schedulerIndexes(_dialect: Dialect): Migration {
  return { up };
}

async function up(db: Kysely<unknown>): Promise<void> {
  // leaseTask: per owner, the first queued task by priority DESC, queued_at, id; and the
  // fairness count of an owner's leased tasks (prefix owner_id, state).
  await db.schema
    .createIndex('tasks_owner_pick')
    .on('tasks')
    .columns(['owner_id', 'state', 'priority desc', 'queued_at', 'id'])
    .execute();
  // leaseTask: a node's leased tasks (per-node concurrency).
  await db.schema.createIndex('tasks_node_state').on('tasks').columns(['leased_by', 'state']).execute();
  // refreshBuildState: does the build still have a task in this state?
  await db.schema.createIndex('tasks_build_state').on('tasks').columns(['build_id', 'state']).execute();
  // describeLease: an rpm task's SRPM comes from its item's srpm task.
  await db.schema.createIndex('tasks_item').on('tasks').columns(['item_id', 'kind']).execute();
}
