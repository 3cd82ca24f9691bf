/**
 * Opening the database: SQLite (better-sqlite3, a file in the data directory: the embedded
 * default) or PostgreSQL (`postgres://…`), through Kysely, with the numbered migrations applied.
 *
 * SQLite runs in WAL mode with a busy timeout, so readers never block the writer. PostgreSQL's
 * bigint columns (times in ms, sizes) are read back as JavaScript numbers.
 */
import Sqlite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Migration, type MigrationProvider } from 'kysely';
import pg from 'pg';
import { DistforgeError } from '../errors.ts';
import { initialSchema } from './migrations/0001-initial.ts';
import { schedulerIndexes } from './migrations/0002-scheduler.ts';
import { buildGraphSchema } from './migrations/0004-build-graph.ts';
import { gitSchema } from './migrations/0005-git.ts';
import { lookasideSchema } from './migrations/0006-lookaside.ts';
import { signingSchema } from './migrations/0007-signing.ts';
import { repoSigningSchema } from './migrations/0008-repo-signing.ts';
import { buildFinishedIndex } from './migrations/0009-build-finished-index.ts';
import { nodeAdvertisedSchema } from './migrations/0010-node-advertised.ts';
import { buildrootLockSchema } from './migrations/0011-buildroot-lock.ts';
import { releasesSchema } from './migrations/0012-releases.ts';
import { errataSchema } from './migrations/0013-errata.ts';
import { buildsFeedSchema } from './migrations/0014-builds-feed.ts';
import { buildArchesSchema } from './migrations/0015-build-arches.ts';
import { scaleOutSchema } from './migrations/0016-scale-out.ts';
import { nodeLeaseSeqSchema } from './migrations/0017-node-lease-seq.ts';
import { cachingSqlite } from './sqlite-statement-cache.ts';
import { PreparingClient } from './prepared-client.ts';
import type { Database } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  close(): Promise<void>;
}

/** The numbered migrations, in order; forward only. (Exported for the tests of a migration's backfill.) */
export function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001-initial': initialSchema(dialect),
    '0002-scheduler': schedulerIndexes(dialect),
    '0004-build-graph': buildGraphSchema(dialect),
    '0005-git': gitSchema(dialect),
    '0006-lookaside': lookasideSchema(dialect),
    '0007-signing': signingSchema(dialect),
    '0008-repo-signing': repoSigningSchema(dialect),
    '0009-build-finished-index': buildFinishedIndex(),
    '0010-node-advertised': nodeAdvertisedSchema(),
    '0011-buildroot-lock': buildrootLockSchema(),
    '0012-releases': releasesSchema(dialect),
    '0013-errata': errataSchema(),
    '0014-builds-feed': buildsFeedSchema(dialect),
    '0015-build-arches': buildArchesSchema(),
    '0016-scale-out': scaleOutSchema(),
    '0017-node-lease-seq': nodeLeaseSeqSchema(),
  };
}

// int8 (bigint) → number: our bigints are milliseconds and byte counts, far below 2^53.
pg.types.setTypeParser(20, (v: string) => Number(v));

/** The SQLite file a database URL names, or null for a PostgreSQL URL. */
export function sqliteFileOf(url: string): string | null {
  return /^postgres(ql)?:\/\//.test(url) ? null : url.replace(/^sqlite:/, '');
}

/**
 * Opens `url` (a `postgres://` URL, or a SQLite file path or `sqlite:PATH`) and migrates it.
 * @throws DistforgeError `database` when it cannot be opened or migrated.
 */
export async function openDatabase(url: string): Promise<Db> {
  const file = sqliteFileOf(url);
  const dialect: Dialect = file === null ? 'postgres' : 'sqlite';
  let kysely: Kysely<Database>;
  if (file === null) {
    const pool = new pg.Pool({ connectionString: url, max: 10, Client: PreparingClient });
    // No JIT compilation: our statements are short, but PostgreSQL compiles any whose *estimated*
    // cost passes jit_above_cost, and a LIMIT over correlated subqueries (the builds feed) is
    // estimated at millions: 100–200 ms of compiling to save microseconds. (The first statement
    // on each new connection; a client runs its statements in order.)
    pool.on('connect', (client) => {
      client.query('SET jit = off').catch(() => undefined);
    });
    kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  } else {
    let handle: Sqlite.Database;
    try {
      handle = new Sqlite(file);
    } catch (e) {
      throw new DistforgeError('database', `cannot open SQLite database ${file}: ${(e as Error).message}`, { status: 500, cause: e });
    }
    handle.pragma('journal_mode = WAL');
    handle.pragma('busy_timeout = 10000');
    // SQLite's recommended setting for WAL: commits do not fsync (the WAL is synced at
    // checkpoints); a process crash loses nothing, a power loss may roll back the last commits.
    handle.pragma('synchronous = NORMAL');
    handle.pragma('foreign_keys = ON');
    kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingSqlite(handle) }) });
  }
  const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations(dialect)) };
  const { error, results } = await new Migrator({ db: kysely, provider }).migrateToLatest();
  if (error) {
    await kysely.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new DistforgeError('database', `cannot migrate the database (migration ${failed}): ${(error as Error).message}`, { status: 500, cause: error });
  }
  return { kysely, dialect, close: () => kysely.destroy() };
}
