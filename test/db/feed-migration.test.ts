/**
 * Migration 0014 on a database that already holds builds (SQLite, or PostgreSQL when
 * DISTFORGE_TEST_PG is set): the packages of the RPM artifacts recorded so far are indexed for the
 * builds feed (artifact_packages), and builds whose every package is signed get their signed_at.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Sqlite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrations, openDatabase, sqliteFileOf, type Dialect } from '../../src/db/connection.ts';
import type { SigningDatabase } from '../../src/signing/schema.ts';
import { freshDatabaseUrl, TEST_DIALECT } from '../support/db.ts';

/** The database at `url` migrated up to (and with) `last`. */
async function migratedTo(url: string, last: string): Promise<Kysely<SigningDatabase>> {
  const file = sqliteFileOf(url);
  const dialect: Dialect = file === null ? 'postgres' : 'sqlite';
  const db = new Kysely<SigningDatabase>({ dialect: file === null ? new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) : new SqliteDialect({ database: new Sqlite(file) }) });
  const { error } = await new Migrator({ db, provider: { getMigrations: () => Promise.resolve(migrations(dialect)) } }).migrateTo(last);
  if (error) throw error;
  return db;
}

test(`migration 0014 indexes the packages built so far and marks the builds signed so far (${TEST_DIALECT})`, async () => {
  const url = await freshDatabaseUrl();
  const old = await migratedTo(url, '0013-errata');
  const user = await old.insertInto('users').values({ name: 'u', role: 'maintainer', created_at: 1 }).returning('id').executeTakeFirstOrThrow();
  const build = async (): Promise<{ id: number; item: number }> => {
    const b = await old.insertInto('builds').values({ owner_id: user.id, state: 'succeeded', priority: 0, platforms: '["el9"]', explicit_order: 0, public: 1, created_at: 1 }).returning('id').executeTakeFirstOrThrow();
    const i = await old.insertInto('build_items').values({ build_id: b.id, position: 0, kind: 'git', git_url: 'x', git_ref: 'main', git_commit: null, name: 'p' }).returning('id').executeTakeFirstOrThrow();
    return { id: b.id, item: i.id };
  };
  const task = async (b: { id: number; item: number }, kind: 'srpm' | 'rpm' | 'sign'): Promise<number> =>
    (await old.insertInto('tasks').values({ build_id: b.id, item_id: b.item, kind, platform: 'el9', arch: 'x86_64', state: 'succeeded', priority: 0, owner_id: user.id, attempt: 1, max_attempts: 3, created_at: 1 }).returning('id').executeTakeFirstOrThrow()).id;
  let n = 0;
  const artifact = async (taskId: number, kind: string, rpm?: { name: string; epoch: number | null; arch: string }): Promise<number> => {
    const sha256 = (++n).toString(16).padStart(64, '0');
    if (rpm) await old.insertInto('rpm_packages').values({ sha256, name: rpm.name, epoch: rpm.epoch, version: '1.0', release: '1.EL9', arch: rpm.arch, sourcerpm: null, metadata: '{}', created_at: 1 }).execute();
    return (await old.insertInto('artifacts').values({ task_id: taskId, name: `f${n}`, kind, sha256, size: 1, created_at: 1 }).returning('id').executeTakeFirstOrThrow()).id;
  };
  const sign = async (artifactId: number, signTask: number, at: number): Promise<void> => {
    await old.insertInto('signatures').values({ artifact_id: artifactId, sign_task_id: signTask, keyid: 'K', original_sha256: 'o', sha256: 's', size: 1, signed_at: at, node_id: null }).execute();
  };
  const signed = await build();
  const srpm = await artifact(await task(signed, 'srpm'), 'srpm', { name: 'Hello', epoch: 2, arch: 'src' });
  const rpmTask = await task(signed, 'rpm');
  const rpm = await artifact(rpmTask, 'rpm', { name: 'Hello', epoch: null, arch: 'x86_64' });
  await artifact(rpmTask, 'log');
  const signTask = await task(signed, 'sign');
  await sign(srpm, signTask, 100);
  await sign(rpm, signTask, 200);
  const half = await build();
  const halfTask = await task(half, 'rpm');
  await sign(await artifact(halfTask, 'rpm', { name: 'half', epoch: null, arch: 'x86_64' }), await task(half, 'sign'), 300);
  await artifact(halfTask, 'rpm', { name: 'half-devel', epoch: 0, arch: 'x86_64' });
  const empty = await build();
  await old.destroy();

  const db = await openDatabase(url);
  try {
    const packages = await db.kysely.selectFrom('artifact_packages').select(['artifact_id', 'build_id', 'key', 'name', 'epoch', 'nevra']).orderBy('artifact_id').execute();
    assert.deepEqual(packages.map((p) => [p.build_id, p.key, p.name, p.epoch, p.nevra]), [
      [signed.id, 'hello-1.0-1.el9.src', 'Hello', 2, 'Hello-2:1.0-1.EL9.src'],
      [signed.id, 'hello-1.0-1.el9.x86_64', 'Hello', null, 'Hello-1.0-1.EL9.x86_64'],
      [half.id, 'half-1.0-1.el9.x86_64', 'half', null, 'half-1.0-1.EL9.x86_64'],
      [half.id, 'half-devel-1.0-1.el9.x86_64', 'half-devel', 0, 'half-devel-1.0-1.EL9.x86_64'],
    ]);
    const builds = await db.kysely.selectFrom('builds').select(['id', 'signed_at']).orderBy('id').execute();
    assert.deepEqual(builds.map((b) => [b.id, b.signed_at]), [[signed.id, 200], [half.id, null], [empty.id, null]]);
  } finally {
    await db.close();
  }
});
