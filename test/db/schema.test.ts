/**
 * The migrations on a real database (SQLite, or PostgreSQL when DISTFORGE_TEST_PG is set): they
 * apply on an empty database and again as a no-op, and SQLite and PostgreSQL end with the same
 * logical schema (tables and columns).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from '../../src/db/connection.ts';
import { freshDatabaseUrl, TEST_DIALECT } from '../support/db.ts';

/** Tables and their columns, as the database reports them. */
async function logicalSchema(url: string): Promise<Record<string, string[]>> {
  const db = await openDatabase(url);
  try {
    const tables = await db.kysely.introspection.getTables();
    return Object.fromEntries(
      tables
        .filter((t) => !t.name.startsWith('kysely_'))
        .map((t) => [t.name, t.columns.map((c) => c.name).sort()])
        .sort(([a], [b]) => String(a).localeCompare(String(b))),
    );
  } finally {
    await db.close();
  }
}

test(`migrations apply and re-apply (${TEST_DIALECT})`, async () => {
  const url = await freshDatabaseUrl();
  const first = await logicalSchema(url);
  assert.ok(first.tasks?.includes('lease_expires_at'));
  assert.deepEqual(await logicalSchema(url), first);
});

test('SQLite and PostgreSQL have the same logical schema', { skip: TEST_DIALECT === 'sqlite' ? 'needs DISTFORGE_TEST_PG' : false }, async () => {
  const saved = process.env.DISTFORGE_TEST_PG;
  const pgSchema = await logicalSchema(await freshDatabaseUrl());
  delete process.env.DISTFORGE_TEST_PG;
  try {
    const { freshDatabaseUrl: sqliteUrl } = await import('../support/db.ts');
    assert.deepEqual(await logicalSchema(await sqliteUrl()), pgSchema);
  } finally {
    process.env.DISTFORGE_TEST_PG = saved;
  }
});

test('PostgreSQL runs parameterised statements as prepared statements, each answering for its own values', { skip: TEST_DIALECT === 'sqlite' ? 'needs DISTFORGE_TEST_PG' : false }, async () => {
  const db = await openDatabase(await freshDatabaseUrl());
  try {
    await db.kysely.insertInto('users').values([
      { name: 'prep-a', role: 'admin', created_at: 1 },
      { name: 'prep-b', role: 'read-only', created_at: 2 },
    ]).execute();
    await db.kysely.connection().execute(async (c) => {
      const byName = (name: string): Promise<{ role: string } | undefined> => c.selectFrom('users').select('role').where('name', '=', name).executeTakeFirst();
      assert.equal((await byName('prep-a'))?.role, 'admin');
      assert.equal((await byName('prep-b'))?.role, 'read-only');
      assert.equal(await byName('nobody'), undefined);
      const prepared = await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements`.execute(c);
      const users = prepared.rows.filter((r) => r.statement.includes('from "users" where "name" = $1'));
      assert.equal(users.length, 1, `one prepared statement for the three calls: ${JSON.stringify(prepared.rows)}`);
    });
  } finally {
    await db.close();
  }
});

test('SQLite reuses compiled statements: each call answers for its own values, past the cache size and across a schema change', { skip: TEST_DIALECT === 'postgres' ? 'SQLite only' : false }, async () => {
  const db = await openDatabase(await freshDatabaseUrl());
  try {
    await db.kysely.insertInto('users').values([
      { name: 'cache-a', role: 'admin', created_at: 1 },
      { name: 'cache-b', role: 'read-only', created_at: 2 },
    ]).execute();
    const byName = async (name: string): Promise<string | undefined> => (await db.kysely.selectFrom('users').select('role').where('name', '=', name).executeTakeFirst())?.role;
    assert.equal(await byName('cache-a'), 'admin');
    assert.equal(await byName('cache-b'), 'read-only');
    // More distinct statement texts than the cache holds (IN lists of every length up to 600).
    for (let n = 1; n <= 600; n++) {
      const names = Array.from({ length: n }, (_, i) => (i === 0 ? 'cache-b' : `nobody-${i}`));
      const rows = await db.kysely.selectFrom('users').select('name').where('name', 'in', names).execute();
      assert.deepEqual(rows.map((r) => r.name), ['cache-b']);
    }
    assert.equal(await byName('cache-a'), 'admin');
    await sql`ALTER TABLE users ADD COLUMN cache_test integer`.execute(db.kysely);
    assert.equal(await byName('cache-b'), 'read-only');
    assert.equal(await byName('nobody'), undefined);
  } finally {
    await db.close();
  }
});
