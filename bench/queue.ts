/**
 * bench/queue: GET /api/v1/queue (the web UI's nodes page refreshes it every few seconds) at
 * 100,000 builds, on SQLite and on PostgreSQL, and the plans of its two task queries: they must
 * read only the tasks that have not ended (a range of an index on state), never the whole table.
 *
 * The builds are bench/builds-feed-data.ts's (the newest 300 running or pending: a few hundred
 * tasks queued and leased, half a million ended). Then a mass rebuild is added (MASS queued rpm
 * tasks and half as many blocked test tasks, default 20,000) and everything is measured again.
 * Each request goes ROUNDS times over HTTP with a read-only token (after two warm-up rounds): the
 * master's own time (Fastify's elapsed time), and `queueView` called in-process.
 *   node --import tsx bench/queue.ts [BUILDS=100000]
 * Environment: BENCH_DB (sqlite | postgres | both; default both), ROUNDS (default 20), MASS,
 * DISTFORGE_BENCH_PG (an admin URL of a running PostgreSQL; default a throw-away cluster from
 * scripts/postgres.sh).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type Compilable } from 'kysely';
import { issueUserToken } from '../src/auth/tokens.ts';
import type { Context } from '../src/context.ts';
import { leasedTasksQuery, queueView, waitingCountsQuery, type QueueView } from '../src/scheduler/queue.ts';
import { buildApp } from '../src/server/app.ts';
import { createContext } from '../src/server/context-factory.ts';
import { newPgDatabase } from '../test/support/db.ts';
import { fillFeedData } from './builds-feed-data.ts';

const BUDGET_MS = 50;

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/** The plan of `query` as the database would run it (PostgreSQL: run, with its actual rows). */
async function plan(ctx: Context, query: Compilable): Promise<string> {
  const q = query.compile();
  if (ctx.db.dialect === 'postgres') {
    const r = await sql.raw<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ${inline(q.sql, q.parameters)}`).execute(ctx.db.kysely);
    return r.rows.map((row) => row['QUERY PLAN']).join('\n');
  }
  const r = await sql.raw<{ detail: string }>(`EXPLAIN QUERY PLAN ${inline(q.sql, q.parameters)}`).execute(ctx.db.kysely);
  return r.rows.map((row) => row.detail).join('\n');
}

/** `sql` with its $n or ? parameters written in (the bench's own string and number values). */
function inline(text: string, params: readonly unknown[]): string {
  const lit = (v: unknown): string => (typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`);
  let i = 0;
  return text.replace(/\$(\d+)|\?/g, (_m, n: string | undefined) => lit(params[n === undefined ? i++ : Number(n) - 1]));
}

async function measure(ctx: Context, url: string, token: string, serverMs: number[], rounds: number): Promise<{ server: number[]; direct: number[]; view: QueueView }> {
  const out = { server: [] as number[], direct: [] as number[], view: undefined as QueueView | undefined };
  for (let i = 0; i < rounds + 2; i++) {
    serverMs.length = 0;
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as QueueView & { message?: string };
    if (res.status !== 200) throw new Error(`GET /queue: ${res.status} ${body.message ?? ''}`);
    const d0 = performance.now();
    await queueView(ctx);
    const direct = performance.now() - d0;
    out.view = body;
    if (i < 2) continue;
    out.server.push(serverMs[0] ?? NaN);
    out.direct.push(direct);
  }
  return { server: out.server, direct: out.direct, view: out.view as QueueView };
}

/** A mass rebuild's backlog on the pending builds: `n` queued rpm tasks and n/2 blocked test tasks. */
async function addMassRebuild(ctx: Context, n: number): Promise<void> {
  const db = ctx.db.kysely;
  const builds = await db.selectFrom('builds').select(['id', 'owner_id']).where('state', '=', 'pending').orderBy('id').execute();
  const now = ctx.now();
  const rows = Array.from({ length: Math.floor(n * 1.5) }, (_v, k) => {
    const b = builds[k % builds.length] ?? { id: 1, owner_id: 1 };
    const queued = k < n;
    return {
      build_id: b.id, item_id: null, release_id: null, kind: queued ? ('rpm' as const) : ('test' as const), platform: 'el9', arch: ['x86_64', 'aarch64', 'ppc64le', 's390x'][k % 4] ?? 'x86_64',
      state: queued ? ('queued' as const) : ('blocked' as const), priority: 0, owner_id: b.owner_id, leased_by: null, lease_expires_at: null, attempt: 1, max_attempts: 3,
      created_at: now - 3_600_000 + k, queued_at: queued ? now - 3_600_000 + k : null, started_at: null, finished_at: null, failure_reason: null, result: null,
    };
  });
  for (let i = 0; i < rows.length; i += 1000) await db.insertInto('tasks').values(rows.slice(i, i + 1000)).execute();
}

async function benchOne(label: string, dbUrl: string, n: number, rounds: number, mass: number): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'distforge-bench-queue-'));
  const ctx = await createContext({ dataDir, db: dbUrl, publicUrl: 'http://127.0.0.1', logLevel: 'silent' });
  try {
    const t0 = performance.now();
    const facts = await fillFeedData(ctx, n);
    // As autovacuum would after the inserts (statistics, the visibility map).
    if (ctx.db.dialect === 'postgres') await sql`VACUUM ANALYZE`.execute(ctx.db.kysely);
    process.stdout.write(`\n${label}: filled in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${(facts.rows.tasks ?? 0).toLocaleString('en')} tasks of ${n.toLocaleString('en')} builds\n`);
    const token = (await issueUserToken(ctx, 'bench-reader', 'read-only')).secret;
    const app = await buildApp(ctx);
    const serverMs: number[] = [];
    app.addHook('onResponse', async (_req, reply) => {
      serverMs.push(reply.elapsedTime);
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1/queue`;
    try {
      for (const stage of ['as filled', `with a mass rebuild (+${mass.toLocaleString('en')} queued, +${(mass / 2).toLocaleString('en')} blocked)`]) {
        if (stage !== 'as filled') {
          await addMassRebuild(ctx, mass);
          if (ctx.db.dialect === 'postgres') await sql`VACUUM ANALYZE tasks`.execute(ctx.db.kysely);
        }
        const m = await measure(ctx, url, token, serverMs, rounds);
        const t = m.view.totals;
        const over = median(m.server) > BUDGET_MS ? '  OVER BUDGET' : '';
        process.stdout.write(`\n${label}, ${stage}: ${t.blocked} blocked, ${t.queued} queued, ${t.running} running in ${m.view.queue.length} arch × kind rows\n`);
        process.stdout.write(`  GET /queue: server ${median(m.server).toFixed(1)} ms (worst ${Math.max(...m.server).toFixed(1)}), queueView ${median(m.direct).toFixed(1)} ms${over}\n`);
        process.stdout.write(`  plan, waiting counts:\n${indent(await plan(ctx, waitingCountsQuery(ctx.db.kysely)))}\n`);
        process.stdout.write(`  plan, leased tasks:\n${indent(await plan(ctx, leasedTasksQuery(ctx.db.kysely)))}\n`);
      }
    } finally {
      await app.close();
    }
  } finally {
    await ctx.db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 100_000);
  const rounds = Number(process.env.ROUNDS ?? 20);
  const mass = Number(process.env.MASS ?? 20_000);
  const which = process.env.BENCH_DB ?? 'both';
  process.stdout.write(`bench/queue: ${n.toLocaleString('en')} builds, ${rounds} rounds, budget ${BUDGET_MS} ms\n`);
  if (which !== 'postgres') {
    const dir = mkdtempSync(join(tmpdir(), 'distforge-bench-sqlite-'));
    try {
      await benchOne('SQLite', join(dir, 'bench.sqlite'), n, rounds, mass);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (which !== 'sqlite') {
    let admin = process.env.DISTFORGE_BENCH_PG;
    let cluster: string | undefined;
    const script = fileURLToPath(new URL('../scripts/postgres.sh', import.meta.url));
    if (!admin) [cluster, admin] = execFileSync('bash', [script, 'start'], { encoding: 'utf8' }).trim().split(' ');
    try {
      await benchOne('PostgreSQL', await newPgDatabase(admin ?? '', 'bench_queue'), n, rounds, mass);
    } finally {
      if (cluster) execFileSync('bash', [script, 'stop', cluster]);
    }
  }
}

await main();
