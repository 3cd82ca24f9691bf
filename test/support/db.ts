/**
 * A fresh database for a test: SQLite in a temporary file by default; PostgreSQL when
 * DISTFORGE_TEST_PG holds an admin URL (scripts/test.sh starts a throw-away cluster and runs the
 * database tests a second time with it): then each call creates its own database.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { exitTempDir } from './exit-temp-dir.ts';

/** Which database the tests run on. */
export const TEST_DIALECT: 'sqlite' | 'postgres' = process.env.DISTFORGE_TEST_PG ? 'postgres' : 'sqlite';

/** A URL (or SQLite path) of a new, empty database. */
export async function freshDatabaseUrl(): Promise<string> {
  const admin = process.env.DISTFORGE_TEST_PG;
  // SQLite: a file in a directory removed when the test process exits.
  if (!admin) return join(exitTempDir('distforge-db-'), 'distforge.sqlite');
  return newPgDatabase(admin, 't');
}

/** A URL of a new, empty PostgreSQL database (`PREFIX_` and random hex) of the cluster whose admin URL is `admin`. */
export async function newPgDatabase(admin: string, prefix: string): Promise<string> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
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
