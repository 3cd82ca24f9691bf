/** The first schema: users and tokens, nodes, platforms, builds and their items, tasks with
 * dependencies, events, refusals and logs, artifacts, and the RPM index. */
import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { Dialect } from '../connection.ts';

/** Integer milliseconds: bigint in PostgreSQL (read back as numbers), integer in SQLite. */
const MS = 'bigint';

export function initialSchema(dialect: Dialect): Migration {
  /** An integer primary key the database numbers itself. */
  const autoId = (c: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
    dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement();
  return { up: (db) => up(db, autoId) };
}

async function up(db: Kysely<unknown>, autoId: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'integer', autoId)
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', MS, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('nodes')
    .addColumn('id', 'integer', autoId)
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('arches', 'text', (c) => c.notNull())
    .addColumn('capabilities', 'text', (c) => c.notNull())
    .addColumn('max_concurrency', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('last_seen_at', MS)
    .addColumn('created_at', MS, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('tokens')
    .addColumn('id', 'integer', autoId)
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.references('users.id'))
    .addColumn('node_id', 'integer', (c) => c.references('nodes.id'))
    .addColumn('created_at', MS, (c) => c.notNull())
    .addColumn('revoked_at', MS)
    .execute();
  await db.schema
    .createTable('platforms')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('created_at', MS, (c) => c.notNull())
    .addColumn('updated_at', MS, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('builds')
    .addColumn('id', 'integer', autoId)
    .addColumn('owner_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('platforms', 'text', (c) => c.notNull())
    .addColumn('explicit_order', 'integer', (c) => c.notNull())
    .addColumn('public', 'integer', (c) => c.notNull())
    .addColumn('created_at', MS, (c) => c.notNull())
    .addColumn('finished_at', MS)
    .addColumn('failure_reason', 'text')
    .execute();
  await db.schema
    .createTable('build_items')
    .addColumn('id', 'integer', autoId)
    .addColumn('build_id', 'integer', (c) => c.notNull().references('builds.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('git_url', 'text')
    .addColumn('git_ref', 'text')
    .addColumn('git_commit', 'text')
    .addColumn('srpm_sha256', 'text')
    .addColumn('name', 'text')
    .execute();
  await db.schema
    .createTable('tasks')
    .addColumn('id', 'integer', autoId)
    .addColumn('build_id', 'integer', (c) => c.notNull().references('builds.id'))
    .addColumn('item_id', 'integer', (c) => c.notNull().references('build_items.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('arch', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('owner_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('leased_by', 'integer', (c) => c.references('nodes.id'))
    .addColumn('lease_expires_at', MS)
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('created_at', MS, (c) => c.notNull())
    .addColumn('queued_at', MS)
    .addColumn('started_at', MS)
    .addColumn('finished_at', MS)
    .addColumn('failure_reason', 'text')
    .addColumn('result', 'text')
    .execute();
  await db.schema.createIndex('tasks_queue').on('tasks').columns(['state', 'priority', 'queued_at']).execute();
  await db.schema.createIndex('tasks_build').on('tasks').column('build_id').execute();
  await db.schema.createIndex('tasks_lease').on('tasks').columns(['state', 'lease_expires_at']).execute();
  await db.schema
    .createTable('task_dependencies')
    .addColumn('task_id', 'integer', (c) => c.notNull().references('tasks.id'))
    .addColumn('depends_on', 'integer', (c) => c.notNull().references('tasks.id'))
    .addPrimaryKeyConstraint('task_dependencies_pk', ['task_id', 'depends_on'])
    .execute();
  await db.schema.createIndex('task_dependencies_reverse').on('task_dependencies').column('depends_on').execute();
  await db.schema
    .createTable('task_events')
    .addColumn('id', 'integer', autoId)
    .addColumn('task_id', 'integer', (c) => c.notNull().references('tasks.id'))
    .addColumn('at', MS, (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('node_id', 'integer')
    .addColumn('message', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('task_events_task').on('task_events').column('task_id').execute();
  await db.schema
    .createTable('task_refusals')
    .addColumn('task_id', 'integer', (c) => c.notNull().references('tasks.id'))
    .addColumn('node_id', 'integer', (c) => c.notNull().references('nodes.id'))
    .addColumn('at', MS, (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('task_refusals_pk', ['task_id', 'node_id'])
    .execute();
  await db.schema
    .createTable('task_logs')
    .addColumn('task_id', 'integer', (c) => c.notNull().references('tasks.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('at', MS, (c) => c.notNull())
    .addColumn('chunk', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('task_logs_pk', ['task_id', 'seq'])
    .execute();
  await db.schema
    .createTable('artifacts')
    .addColumn('id', 'integer', autoId)
    .addColumn('task_id', 'integer', (c) => c.notNull().references('tasks.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('size', MS, (c) => c.notNull())
    .addColumn('created_at', MS, (c) => c.notNull())
    .addUniqueConstraint('artifacts_task_name', ['task_id', 'name'])
    .execute();
  await db.schema
    .createTable('rpm_packages')
    .addColumn('sha256', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('epoch', 'integer')
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('release', 'text', (c) => c.notNull())
    .addColumn('arch', 'text', (c) => c.notNull())
    .addColumn('sourcerpm', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('created_at', MS, (c) => c.notNull())
    .execute();
}
