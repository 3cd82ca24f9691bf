/**
 * Signing: the public keys signers hold (never a private key), which keys may sign which
 * platforms, the key each sign task uses, and every signature made (package, key, time, signer),
 * with the signed package's sha256 beside the unsigned original's.
 */
import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { Dialect } from '../connection.ts';

export function signingSchema(dialect: Dialect): Migration {
  const autoId = (c: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
    dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement();
  return { up: (db) => up(db, autoId) };
}

async function up(db: Kysely<unknown>, autoId: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder): Promise<void> {
  await db.schema
    .createTable('signing_keys')
    .addColumn('keyid', 'text', (c) => c.primaryKey())
    .addColumn('fingerprint', 'text', (c) => c.notNull().unique())
    .addColumn('algorithm', 'text', (c) => c.notNull())
    .addColumn('user_ids', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('key_created_at', 'bigint', (c) => c.notNull())
    .addColumn('node_id', 'integer', (c) => c.references('nodes.id'))
    .addColumn('registered_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('platform_keys')
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('keyid', 'text', (c) => c.notNull().references('signing_keys.keyid'))
    .addPrimaryKeyConstraint('platform_keys_pk', ['platform', 'keyid'])
    .execute();
  await db.schema
    .createTable('sign_requests')
    .addColumn('task_id', 'integer', (c) => c.primaryKey().references('tasks.id'))
    .addColumn('keyid', 'text', (c) => c.notNull().references('signing_keys.keyid'))
    .addColumn('requested_by', 'integer', (c) => c.references('users.id'))
    .addColumn('requested_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('signatures')
    .addColumn('id', 'integer', autoId)
    .addColumn('artifact_id', 'integer', (c) => c.notNull().references('artifacts.id'))
    .addColumn('sign_task_id', 'integer', (c) => c.notNull().references('tasks.id'))
    .addColumn('keyid', 'text', (c) => c.notNull())
    .addColumn('original_sha256', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('signed_at', 'bigint', (c) => c.notNull())
    .addColumn('node_id', 'integer', (c) => c.references('nodes.id'))
    .execute();
  await db.schema.createIndex('signatures_artifact').on('signatures').columns(['artifact_id', 'signed_at']).execute();
}
