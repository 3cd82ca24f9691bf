/**
 * Builds: the item-level dependency graph worked out at submit time (which items of a build wait
 * for which), what each item's spec said (spec path, BuildRequires, Provides), which build a
 * rebuild repeats, the secret in the URL of a private build's repositories, and the fan-out
 * record (which srpm tasks already made their rpm tasks).
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../connection.ts';

export function buildGraphSchema(_dialect: Dialect): Migration {
  return { up };
}

async function up(db: Kysely<unknown>): Promise<void> {
  // JSON array of build_items ids this item waits for (same build).
  await db.schema.alterTable('build_items').addColumn('depends_on', 'text', (c) => c.notNull().defaultTo('[]')).execute();
  await db.schema.alterTable('build_items').addColumn('spec_path', 'text').execute();
  // JSON arrays of dependency strings as rpmspec printed them.
  await db.schema.alterTable('build_items').addColumn('build_requires', 'text').execute();
  await db.schema.alterTable('build_items').addColumn('provides', 'text').execute();
  await db.schema.alterTable('builds').addColumn('rebuild_of', 'integer').execute();
  // Random hex: the build repositories of a private build are served at a URL holding it (dnf and
  // the node's repository reader cannot send a token).
  await db.schema.alterTable('builds').addColumn('repo_key', 'text').execute();
  await db.schema
    .createTable('build_fanouts')
    .addColumn('task_id', 'integer', (c) => c.primaryKey().references('tasks.id'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
}
