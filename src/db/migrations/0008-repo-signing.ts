/**
 * Signed repository metadata: each detached signature a signer made over a repository's
 * repomd.xml (by the sha256 of the exact bytes signed), with the key, the sign task, the time and
 * the signer; and, for a build repository, which build, platform and arch it was made for.
 */
import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { Dialect } from '../connection.ts';

export function repoSigningSchema(dialect: Dialect): Migration {
  const autoId = (c: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
    dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement();
  return { up: (db) => up(db, autoId) };
}

async function up(db: Kysely<unknown>, autoId: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder): Promise<void> {
  await db.schema
    .createTable('repomd_signatures')
    .addColumn('id', 'integer', autoId)
    .addColumn('repomd_sha256', 'text', (c) => c.notNull())
    .addColumn('keyid', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addColumn('sign_task_id', 'integer', (c) => c.notNull().references('tasks.id'))
    .addColumn('build_id', 'integer', (c) => c.references('builds.id'))
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('arch', 'text', (c) => c.notNull())
    .addColumn('signed_at', 'bigint', (c) => c.notNull())
    .addColumn('node_id', 'integer', (c) => c.references('nodes.id'))
    .execute();
  await db.schema.createIndex('repomd_signatures_sha256').on('repomd_signatures').columns(['repomd_sha256', 'signed_at']).execute();
  await db.schema.createIndex('repomd_signatures_build').on('repomd_signatures').columns(['build_id', 'platform', 'arch']).execute();
}
