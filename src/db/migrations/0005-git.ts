/**
 * The git service: upstream mirrors, their refs, the rules that map refs to platforms, and the
 * upstream events (a new tag or branch head) with the build each led to.
 * Tables typed in src/git/schema.ts.
 */
import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { Dialect } from '../connection.ts';

export function gitSchema(dialect: Dialect): Migration {
  const autoId = (c: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
    dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement();
  return { up: (db) => up(db, autoId) };
}

async function up(db: Kysely<unknown>, autoId: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder): Promise<void> {
  await db.schema
    .createTable('git_mirrors')
    .addColumn('id', 'integer', autoId)
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('webhook_secret', 'text')
    .addColumn('poll_interval_s', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('synced_at', 'bigint')
    .addColumn('next_poll_at', 'bigint', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('sync_until', 'bigint')
    .execute();
  await db.schema.createIndex('git_mirrors_due').on('git_mirrors').columns(['next_poll_at']).execute();
  await db.schema
    .createTable('git_mirror_refs')
    .addColumn('mirror_id', 'integer', (c) => c.notNull().references('git_mirrors.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('commit', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('git_mirror_refs_pk', ['mirror_id', 'name'])
    .execute();
  await db.schema
    .createTable('git_rules')
    .addColumn('id', 'integer', autoId)
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('pattern', 'text', (c) => c.notNull())
    .addColumn('mirrors', 'text')
    .addColumn('platforms', 'text', (c) => c.notNull())
    .addColumn('autopatch', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('git_events')
    .addColumn('id', 'integer', autoId)
    .addColumn('mirror_id', 'integer', (c) => c.notNull().references('git_mirrors.id').onDelete('cascade'))
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('old_commit', 'text')
    .addColumn('new_commit', 'text', (c) => c.notNull())
    .addColumn('via', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('rule_id', 'integer', (c) => c.references('git_rules.id').onDelete('set null'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('message', 'text')
    .addColumn('our_ref', 'text')
    .addColumn('our_commit', 'text')
    .addColumn('build_id', 'integer', (c) => c.references('builds.id'))
    .execute();
  await db.schema.createIndex('git_events_mirror').on('git_events').columns(['mirror_id', 'id']).execute();
  await db.schema.createIndex('git_events_status').on('git_events').columns(['status']).execute();
}
