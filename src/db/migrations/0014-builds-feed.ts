/**
 * What the builds feed (GET /api/v1/builds with filters and search, src/builds/feed*.ts) reads,
 * so that a page stays a walk of a few index entries at 100,000 builds:
 * - artifact_packages: the package of each indexed RPM artifact (srpm or rpm of a build's task),
 *   with its build and its search key, lower-case `name-version-release.arch`
 *   ({@link packageSearchKey}): a search for the start of a NEVRA is one range of one index, the
 *   builds' ids in it, without a join per package. Written with the artifact (src/scheduler
 *   artifacts.ts), removed with it (ON DELETE CASCADE: a retried task's uploads go); filled here
 *   from the artifacts recorded so far.
 * - builds.signed_at: when the last package of the build was signed (null while any is not),
 *   set by the signing domain in the transaction that records the signatures; filled here.
 * - indexes: builds by state and by owner, newest first within each; build_items by build (they
 *   were found by reading the whole table), by package name (lower case) and by git ref; tasks by
 *   arch; release_builds by build (its key starts with the release).
 * Text keys compare byte by byte on PostgreSQL (COLLATE "C") whatever the database's collation,
 * as SQLite compares them, so that a prefix is one range on both.
 */
import { sql, type ColumnDataType, type Expression, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../connection.ts';

/** The lower-case package name of a build item, as its index holds it (`i.` prefixed when aliased). */
export function itemNameKeySql(dialect: Dialect, alias?: string): string {
  const name = `${alias ? `${alias}.` : ''}name`;
  return dialect === 'postgres' ? `lower(${name} COLLATE "C")` : `lower(${name})`;
}

export function buildsFeedSchema(dialect: Dialect): Migration {
  const keyType: ColumnDataType | Expression<unknown> = dialect === 'postgres' ? sql`text COLLATE "C"` : 'text';
  return {
    up: async (db: Kysely<unknown>) => {
      await db.schema
        .createTable('artifact_packages')
        .addColumn('artifact_id', 'integer', (c) => c.primaryKey().references('artifacts.id').onDelete('cascade'))
        .addColumn('build_id', 'integer', (c) => c.notNull().references('builds.id'))
        .addColumn('key', keyType, (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('epoch', 'integer')
        .addColumn('nevra', 'text', (c) => c.notNull())
        .execute();
      const nvra = sql`r.name || '-' || r.version || '-' || r.release || '.' || r.arch`;
      const key = dialect === 'postgres' ? sql`lower((${nvra}) COLLATE "C")` : sql`lower(${nvra})`;
      await sql`INSERT INTO artifact_packages (artifact_id, build_id, key, name, epoch, nevra)
        SELECT a.id, t.build_id, ${key}, r.name, r.epoch,
          r.name || '-' || CASE WHEN coalesce(r.epoch, 0) = 0 THEN '' ELSE CAST(r.epoch AS text) || ':' END || r.version || '-' || r.release || '.' || r.arch
        FROM artifacts a JOIN tasks t ON t.id = a.task_id JOIN rpm_packages r ON r.sha256 = a.sha256
        WHERE a.kind IN ('srpm', 'rpm') AND t.build_id IS NOT NULL`.execute(db);
      await db.schema.createIndex('artifact_packages_key').on('artifact_packages').columns(['key', 'build_id', 'epoch']).execute();
      await db.schema.createIndex('artifact_packages_build').on('artifact_packages').columns(['build_id', 'key']).execute();
      await db.schema.createIndex('artifact_packages_name').on('artifact_packages').columns(['name', 'build_id']).execute();

      await db.schema.alterTable('builds').addColumn('signed_at', 'bigint').execute();
      // Signed: it has packages (srpm and rpm artifacts of succeeded srpm and rpm tasks) and every
      // one has a signature (as src/signing isBuildSigned).
      const of = sql`t.build_id = builds.id AND t.state = 'succeeded' AND t.kind IN ('srpm', 'rpm') AND a.kind IN ('srpm', 'rpm')`;
      const packages = sql`FROM tasks t JOIN artifacts a ON a.task_id = t.id WHERE ${of}`;
      await sql`UPDATE builds SET signed_at = (SELECT max(s.signed_at) FROM tasks t JOIN artifacts a ON a.task_id = t.id JOIN signatures s ON s.artifact_id = a.id WHERE ${of})
        WHERE EXISTS (SELECT 1 ${packages}) AND NOT EXISTS (SELECT 1 ${packages} AND NOT EXISTS (SELECT 1 FROM signatures s WHERE s.artifact_id = a.id))`.execute(db);

      await db.schema.createIndex('builds_state').on('builds').columns(['state', 'id']).execute();
      await db.schema.createIndex('builds_owner').on('builds').columns(['owner_id', 'id']).execute();
      await db.schema.createIndex('build_items_build').on('build_items').columns(['build_id', 'position']).execute();
      await sql`CREATE INDEX build_items_name_key ON build_items (${sql.raw(itemNameKeySql(dialect))}, build_id)`.execute(db);
      await db.schema.createIndex('build_items_ref').on('build_items').columns(['git_ref', 'build_id']).execute();
      await db.schema.createIndex('tasks_arch_build').on('tasks').columns(['arch', 'build_id', 'kind']).execute();
      await db.schema.createIndex('release_builds_build').on('release_builds').column('build_id').execute();
    },
  };
}
