/**
 * The release system.
 *
 * - A task may belong to a release instead of a build: `tasks.build_id` and `item_id` become
 *   nullable and `tasks.release_id` names the release (its sign-repo task signs the release's new
 *   repository versions). SQLite cannot drop NOT NULL, so its tasks table is rebuilt as SQLite's
 *   documentation describes (foreign keys off, new table, copy, drop, rename, indexes back, check).
 * - releases: a plan and then its publication (who, when, its state); release_builds and
 *   release_packages (each package of the plan with the repository it goes to and why);
 *   release_advisories.
 * - release channels: one published directory of a release repository (REPO/ARCH,
 *   REPO/ARCH/debug, REPO/Source) and the version it serves now; repo_versions, every version
 *   made (immutable once published); repo_version_changes, what each version added or removed
 *   against the one it was made from (the diff, and how a revert restores content);
 *   channel_packages, what each channel holds now.
 */
import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../connection.ts';

export function releasesSchema(dialect: Dialect): Migration {
  const autoId = (c: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
    dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement();
  return {
    up: async (db) => {
      await createReleaseTables(db, autoId);
      if (dialect === 'postgres') await tasksForReleasesPostgres(db);
      else await tasksForReleasesSqlite(db);
    },
  };
}

async function tasksForReleasesPostgres(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE tasks ALTER COLUMN build_id DROP NOT NULL, ALTER COLUMN item_id DROP NOT NULL`.execute(db);
  await db.schema.alterTable('tasks').addColumn('release_id', 'integer', (c) => c.references('releases.id')).execute();
  await db.schema.createIndex('tasks_release').on('tasks').column('release_id').execute();
}

async function tasksForReleasesSqlite(db: Kysely<unknown>): Promise<void> {
  const objects = await sql<{ type: string; name: string; sql: string | null }>`SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'tasks'`.execute(db);
  const table = objects.rows.find((o) => o.type === 'table')?.sql;
  if (!table) throw new Error('no tasks table to migrate');
  const relaxed = table
    .replace('"build_id" integer not null references', '"build_id" integer references')
    .replace('"item_id" integer not null references', '"item_id" integer references')
    .replace(/^CREATE TABLE "tasks"/, 'CREATE TABLE "tasks_new"');
  if (relaxed === table || relaxed.includes('"build_id" integer not null') || relaxed.includes('"item_id" integer not null')) {
    throw new Error(`unexpected tasks table definition: ${table}`);
  }
  const indexes = objects.rows.filter((o) => o.type === 'index' && o.sql !== null).map((o) => o.sql as string);
  await sql`PRAGMA foreign_keys = OFF`.execute(db);
  try {
    await sql`BEGIN`.execute(db);
    try {
      await sql.raw(relaxed).execute(db);
      await sql`INSERT INTO tasks_new SELECT * FROM tasks`.execute(db);
      await sql`DROP TABLE tasks`.execute(db);
      await sql`ALTER TABLE tasks_new RENAME TO tasks`.execute(db);
      for (const index of indexes) await sql.raw(index).execute(db);
      await sql`ALTER TABLE tasks ADD COLUMN release_id integer REFERENCES releases (id)`.execute(db);
      await sql`CREATE INDEX tasks_release ON tasks (release_id)`.execute(db);
      const broken = await sql<Record<string, unknown>>`PRAGMA foreign_key_check`.execute(db);
      if (broken.rows.length > 0) throw new Error(`foreign keys broken by the tasks migration: ${JSON.stringify(broken.rows.slice(0, 3))}`);
      await sql`COMMIT`.execute(db);
    } catch (e) {
      await sql`ROLLBACK`.execute(db);
      throw e;
    }
  } finally {
    await sql`PRAGMA foreign_keys = ON`.execute(db);
  }
}

async function createReleaseTables(db: Kysely<unknown>, autoId: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder): Promise<void> {
  await db.schema
    .createTable('releases')
    .addColumn('id', 'integer', autoId)
    .addColumn('platform', 'text', (c) => c.notNull())
    // planned → publishing → released → reverted (a publishing release whose signing failed is
    // shown failed and may be committed again).
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('forced', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('committed_by', 'integer', (c) => c.references('users.id'))
    .addColumn('committed_at', 'bigint')
    .addColumn('released_at', 'bigint')
    .addColumn('reverted_by', 'integer', (c) => c.references('users.id'))
    .addColumn('reverted_at', 'bigint')
    .addColumn('sign_task_id', 'integer')
    .addColumn('failure_reason', 'text')
    // JSON list of release repositories whose binary channels the release republishes even
    // without packages for them (new comps or modules.yaml).
    .addColumn('republish', 'text', (c) => c.notNull().defaultTo('[]'))
    // A promotion: the release repository its packages come from (and leave).
    .addColumn('promote_from', 'text')
    .execute();
  await db.schema.createIndex('releases_platform').on('releases').columns(['platform', 'state']).execute();
  await db.schema
    .createTable('release_builds')
    .addColumn('release_id', 'integer', (c) => c.notNull().references('releases.id'))
    .addColumn('build_id', 'integer', (c) => c.notNull().references('builds.id'))
    .addPrimaryKeyConstraint('release_builds_pk', ['release_id', 'build_id'])
    .execute();
  await db.schema
    .createTable('release_packages')
    .addColumn('id', 'integer', autoId)
    .addColumn('release_id', 'integer', (c) => c.notNull().references('releases.id'))
    .addColumn('build_id', 'integer', (c) => c.notNull().references('builds.id'))
    // The artifact as built (unsigned); the signed copy is found through signatures.
    .addColumn('artifact_id', 'integer', (c) => c.notNull().references('artifacts.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('epoch', 'integer')
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('release', 'text', (c) => c.notNull())
    .addColumn('arch', 'text', (c) => c.notNull())
    .addColumn('sourcerpm', 'text')
    // JSON array of release repository names ([] when none takes it).
    .addColumn('repos', 'text', (c) => c.notNull())
    // 1 when a user placed it (move), so re-placing leaves it.
    .addColumn('moved', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('reason', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('release_packages_release').on('release_packages').columns(['release_id', 'artifact_id']).unique().execute();
  await db.schema
    .createTable('release_advisories')
    .addColumn('release_id', 'integer', (c) => c.notNull().references('releases.id'))
    .addColumn('advisory_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('release_advisories_pk', ['release_id', 'advisory_id'])
    .execute();
  await db.schema
    .createTable('release_channels')
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('current', 'integer')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('release_channels_pk', ['platform', 'repo', 'channel'])
    .execute();
  // comps.xml and modules.yaml of a release repository, passed through into the next versions of its binary channels.
  await db.schema
    .createTable('release_repo_files')
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('repo', 'text', (c) => c.notNull())
    // groups | modules
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'integer', (c) => c.references('users.id'))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('release_repo_files_pk', ['platform', 'repo', 'kind'])
    .execute();
  await db.schema
    .createTable('repo_versions')
    .addColumn('id', 'integer', autoId)
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('release_id', 'integer', (c) => c.notNull().references('releases.id'))
    // release | revert
    .addColumn('cause', 'text', (c) => c.notNull())
    // staged → published → expired; staged → discarded
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('base', 'integer')
    .addColumn('packages', 'integer', (c) => c.notNull())
    .addColumn('advisories', 'integer', (c) => c.notNull())
    .addColumn('repomd_sha256', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('published_at', 'bigint')
    .addColumn('superseded_at', 'bigint')
    .execute();
  await db.schema.createIndex('repo_versions_number').on('repo_versions').columns(['platform', 'repo', 'channel', 'number']).unique().execute();
  await db.schema.createIndex('repo_versions_release').on('repo_versions').column('release_id').execute();
  await db.schema
    .createTable('repo_version_changes')
    .addColumn('version_id', 'integer', (c) => c.notNull().references('repo_versions.id'))
    // added | removed
    .addColumn('change', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('artifact_id', 'integer')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('epoch', 'integer')
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('release', 'text', (c) => c.notNull())
    .addColumn('arch', 'text', (c) => c.notNull())
    .addColumn('href', 'text', (c) => c.notNull())
    .addColumn('file_time', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('repo_version_changes_version').on('repo_version_changes').column('version_id').execute();
  await db.schema
    .createTable('channel_packages')
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('artifact_id', 'integer')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('epoch', 'integer')
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('release', 'text', (c) => c.notNull())
    .addColumn('arch', 'text', (c) => c.notNull())
    .addColumn('href', 'text', (c) => c.notNull())
    .addColumn('file_time', 'bigint', (c) => c.notNull())
    .addColumn('release_id', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('channel_packages_pk', ['platform', 'repo', 'channel', 'sha256'])
    .execute();
  await db.schema.createIndex('channel_packages_name').on('channel_packages').columns(['platform', 'name']).execute();
}
