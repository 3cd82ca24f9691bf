/**
 * Cluster-wide locks for work that one master at a time must do (docs/scale-out.md): on
 * PostgreSQL a session advisory lock (`pg_try_advisory_lock`) taken on a connection of its own
 * and held while the work runs, so a master that dies releases it with its connection; on SQLite
 * (one master) the work simply runs.
 *
 * Terminology:
 * - claim: a row a master marks as its own until a time (`sync_until`, `claimed_until`), renewed
 *   while its work runs ({@link whileClaimed}); when the master dies the claim lapses and another
 *   takes the row.
 * - lock name: text naming the work (`builds-loop`, `build-repo:7:el9:x86_64`); its 64-bit key
 *   is the first 8 bytes of its sha256, so names never need a registry.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { sql } from 'kysely';
import type { Db } from './connection.ts';

/** The advisory lock key of `name`: a signed 64-bit integer, as text (PostgreSQL's bigint). */
export function lockKey(name: string): string {
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString();
}

/**
 * Runs `fn` while holding the lock `name`, or returns `{ ran: false }` at once when another
 * process (or another call of this one) holds it. On SQLite `fn` always runs.
 */
export async function tryClusterLock<T>(db: Db, name: string, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
  if (db.dialect !== 'postgres') return { ran: true, value: await fn() };
  const key = lockKey(name);
  return db.kysely.connection().execute(async (conn) => {
    const got = await sql<{ ok: boolean }>`SELECT pg_try_advisory_lock(${key}::bigint) AS ok`.execute(conn);
    if (got.rows[0]?.ok !== true) return { ran: false as const };
    try {
      return { ran: true as const, value: await fn() };
    } finally {
      await sql`SELECT pg_advisory_unlock(${key}::bigint)`.execute(conn);
    }
  });
}

/**
 * Takes the lock `name` until the transaction `db` ends, waiting while another holds it
 * (`pg_advisory_xact_lock`; nothing on SQLite, whose writers are serialised). Unlike a row lock
 * it orders with nothing else, so it cannot deadlock against the row locks of other operations.
 */
export async function lockForTransaction(db: Db, name: string): Promise<void> {
  if (db.dialect !== 'postgres') return;
  await sql`SELECT pg_advisory_xact_lock(${lockKey(name)}::bigint)`.execute(db.kysely);
}

/**
 * Runs `fn` holding the lock `name`, waiting for it while another holds it (polling every
 * `pollMs`, without holding a connection meanwhile). `ready()` is asked before each try: when it
 * says the work is already done (another master did it while this one waited), `fn` is skipped.
 */
export async function withClusterLock<T>(db: Db, name: string, ready: () => Promise<T | null>, fn: () => Promise<T>, pollMs = 100): Promise<T> {
  for (;;) {
    const done = await ready();
    if (done !== null) return done;
    const r = await tryClusterLock(db, name, async () => (await ready()) ?? (await fn()));
    if (r.ran) return r.value;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** How this process names itself in claims: HOST/PID. */
export function processName(): string {
  return `${hostname()}/${process.pid}`;
}

/**
 * Runs `fn` while calling `renew` every `holdMs / 3` (a claim held for `holdMs` stays held while
 * the work runs; a failed renewal is left to the next one). Renewal stops when `fn` settles.
 */
export async function whileClaimed<T>(holdMs: number, renew: () => Promise<unknown>, fn: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => {
    renew().catch(() => undefined);
  }, Math.max(100, Math.floor(holdMs / 3)));
  timer.unref();
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}
