/**
 * A fresh database for a test: SQLite in a temporary file by default; PostgreSQL when
 * DISTFORGE_TEST_PG holds an admin URL (scripts/test.sh starts a throw-away cluster and runs the
 * database tests a second time with it): then each call creates its own database.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Which database the tests run on. */
export const TEST_DIALECT: 'sqlite' | 'postgres' = process.env.DISTFORGE_TEST_PG ? 'postgres' : 'sqlite';

/** The SQLite databases' directories, removed when the test process exits (passed or failed). */
const sqliteDirs: string[] = [];
process.once('exit', () => {
  for (const dir of sqliteDirs) rmSync(dir, { recursive: true, force: true });
});

/** A URL (or SQLite path) of a new, empty database. */
export async function freshDatabaseUrl(): Promise<string> {
  const admin = process.env.DISTFORGE_TEST_PG;
  if (!admin) {
    const dir = mkdtempSync(join(tmpdir(), 'distforge-db-'));
    sqliteDirs.push(dir);
    return join(dir, 'distforge.sqlite');
  }
  const name = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}
