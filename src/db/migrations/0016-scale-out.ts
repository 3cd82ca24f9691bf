/**
 * Several masters on one database (docs/scale-out.md): what a master used to know only from its
 * own disk is recorded where every master finds it.
 *
 * - build_repo_metadata: the repodata of each build repository (build, platform, arch) as last
 *   rendered: the key of the packages it was rendered from, its repomd.xml's sha256 and every
 *   repodata file's sha256 in the artifact store (JSON name → sha256). Any master serves exactly
 *   those bytes.
 * - repo_version_files: every repodata file of a release repository version, by sha256 in the
 *   artifact store (the signature, repomd.xml.asc, is in repomd_signatures).
 * - git_ours_bundles: our autopatched repositories, as a git bundle in the artifact store, with
 *   the sha256 of their refs (to tell a master's copy is behind).
 * - git_mirrors.sync_by: who holds a mirror's sync (`sync_until`), for people and tests.
 * - git_events.claimed_until: how long a master's claim on a `submitting` event lasts; past it
 *   another master takes the event over.
 */
import type { Kysely, Migration } from 'kysely';

export function scaleOutSchema(): Migration {
  return {
    up: async (db: Kysely<unknown>) => {
      await db.schema
        .createTable('build_repo_metadata')
        .addColumn('build_id', 'integer', (c) => c.notNull().references('builds.id').onDelete('cascade'))
        .addColumn('platform', 'text', (c) => c.notNull())
        .addColumn('arch', 'text', (c) => c.notNull())
        .addColumn('content_sha256', 'text', (c) => c.notNull())
        .addColumn('repomd_sha256', 'text', (c) => c.notNull())
        .addColumn('files', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('build_repo_metadata_pk', ['build_id', 'platform', 'arch'])
        .execute();
      await db.schema
        .createTable('repo_version_files')
        .addColumn('version_id', 'integer', (c) => c.notNull().references('repo_versions.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('repo_version_files_pk', ['version_id', 'name'])
        .execute();
      await db.schema
        .createTable('git_ours_bundles')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('refs_sha256', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.alterTable('git_mirrors').addColumn('sync_by', 'text').execute();
      await db.schema.alterTable('git_events').addColumn('claimed_until', 'bigint').execute();
    },
  };
}
