/**
 * distforge's own lookaside store: uploaded source files, keyed by their hashes (one row per hash
 * type), pointing at the blob in the artifact store. Tables typed in src/lookaside/schema.ts.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../connection.ts';

export function lookasideSchema(_dialect: Dialect): Migration {
  return { up };
}

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('lookaside_files')
    .addColumn('hashtype', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('uploaded_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('lookaside_files_pk', ['hashtype', 'hash'])
    .execute();
  await db.schema.createIndex('lookaside_files_sha256').on('lookaside_files').columns(['sha256']).execute();
}
