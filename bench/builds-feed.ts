/**
 * bench/builds-feed: the builds feed (GET /api/v1/builds) at 100,000 builds, on SQLite and on
 * PostgreSQL. The builds, with their items, tasks, artifacts, indexed packages, signatures and
 * releases (bench/builds-feed-data.ts), are written straight into the tables in batches; then the
 * full app (`buildApp`: auth, schemas, routes) listens on 127.0.0.1 and each request is sent
 * ROUNDS times over HTTP by a client holding a read-only token (after two warm-up rounds): the
 * master's own time for it (Fastify's elapsed time, request received → reply sent), the round
 * trip the client sees, and `listBuilds` called in-process (the queries alone, no HTTP). Medians
 * and the worst round are printed.
 *   node --import tsx bench/builds-feed.ts [BUILDS=100000]
 * Environment: BENCH_DB (sqlite | postgres | both; default both), ROUNDS (default 20),
 * DISTFORGE_BENCH_PG (an admin URL of a running PostgreSQL; default a throw-away cluster from
 * scripts/postgres.sh), FEED_SQLITE and FEED_PG (a SQLite file, a PostgreSQL database URL: filled
 * on the first run, reused by later ones).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { issueUserToken } from '../src/auth/tokens.ts';
import { listBuilds, type FeedQuery } from '../src/builds/index.ts';
import type { Context } from '../src/context.ts';
import { buildApp } from '../src/server/app.ts';
import { createContext } from '../src/server/context-factory.ts';
import { newPgDatabase } from '../test/support/db.ts';
import { fillFeedData, type FeedFacts } from './builds-feed-data.ts';

const BUDGET_MS = 100;

interface Case {
  what: string;
  query: Omit<FeedQuery, 'publicOnly'>;
  /** Sent without a token (public builds only). */
  anonymous?: boolean;
  /** Checks the answer (the bench measures the right thing). */
  check?: (page: { builds: { id: number }[]; total: number }) => string | null;
}

function cases(f: FeedFacts): Case[] {
  // Deep: 95 % down the feed (before=5000 and offset=90000 at 100,000 builds).
  const deepBefore = Math.max(2, Math.round(f.builds * 0.05));
  const deepOffset = Math.round(f.builds * 0.9);
  return [
    { what: 'first page (50 newest)', query: { limit: 50, offset: 0 } },
    { what: 'first page, anonymous (public builds)', query: { limit: 50, offset: 0 }, anonymous: true },
    { what: 'filtered: state=failed, platform=el9, arch=x86_64', query: { limit: 50, offset: 0, state: 'failed', platform: 'el9', arch: 'x86_64' } },
    { what: `NEVRA search q=${f.sampleNevra}`, query: { limit: 50, offset: 0, q: f.sampleNevra }, check: (p) => (p.builds.some((b) => b.id === f.sampleNevraBuild) ? null : `build ${f.sampleNevraBuild} not found`) },
    { what: `deep page by cursor (before=${deepBefore})`, query: { limit: 50, offset: 0, before: deepBefore }, check: (p) => (p.builds[0]?.id === deepBefore - 1 ? null : 'wrong first build') },
    { what: `deep page by offset (offset=${deepOffset})`, query: { limit: 50, offset: deepOffset } },
    { what: `package=${f.samplePackage}`, query: { limit: 50, offset: 0, package: f.samplePackage } },
    { what: `name prefix q=${f.samplePackage.slice(0, 6)}`, query: { limit: 50, offset: 0, q: f.samplePackage.slice(0, 6) } },
    { what: 'broad prefix q=lib', query: { limit: 50, offset: 0, q: 'lib' } },
    { what: `ref=${f.sampleRef}`, query: { limit: 50, offset: 0, ref: f.sampleRef } },
    { what: 'ref=c9 (a branch: many builds)', query: { limit: 50, offset: 0, ref: 'c9' } },
    { what: `q=${f.sampleNevraBuild} (a build id)`, query: { limit: 50, offset: 0, q: String(f.sampleNevraBuild) }, check: (p) => (p.builds.some((b) => b.id === f.sampleNevraBuild) ? null : 'build not found') },
    { what: 'owner=maint07, signed=true', query: { limit: 50, offset: 0, owner: 'maint07', signed: true } },
    { what: 'released=true, platform=el8', query: { limit: 50, offset: 0, released: true, platform: 'el8' } },
    { what: 'signed=false, state=succeeded', query: { limit: 50, offset: 0, signed: false, state: 'succeeded' } },
    { what: 'arch=i686 (no such build)', query: { limit: 50, offset: 0, arch: 'i686' } },
    { what: 'first page, 500 builds', query: { limit: 500, offset: 0 } },
  ];
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function queryString(q: Case['query']): string {
  return new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, String(v)])).toString();
}

interface Row {
  what: string;
  server: number[];
  client: number[];
  direct: number[];
  total: number;
  totalExact: boolean;
  returned: number;
}

async function benchOne(label: string, dbUrl: string, n: number, rounds: number): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'distforge-bench-feed-'));
  const ctx = await createContext({ dataDir, db: dbUrl, publicUrl: 'http://127.0.0.1', logLevel: 'silent' });
  try {
    const have = await ctx.db.kysely.selectFrom('builds').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const reuse = Number(have.n) >= n;
    const t0 = performance.now();
    const facts = reuse ? await factsOf(ctx, n) : await fillFeedData(ctx, n);
    const fillS = (performance.now() - t0) / 1000;
    // As autovacuum would after the inserts (statistics, the visibility map for index-only scans).
    if (ctx.db.dialect === 'postgres') await sql`VACUUM ANALYZE`.execute(ctx.db.kysely);
    const rowCount = Object.entries(facts.rows).map(([t, k]) => `${t} ${k.toLocaleString('en')}`).join(', ');
    process.stdout.write(`\n${label}: ${reuse ? 'reused' : `filled in ${fillS.toFixed(1)} s`}: ${rowCount}\n`);
    const token = (await issueUserToken(ctx, `bench-reader-${randomBytes(3).toString('hex')}`, 'read-only')).secret;
    const app = await buildApp(ctx);
    const serverMs: number[] = [];
    app.addHook('onResponse', async (_req, reply) => {
      serverMs.push(reply.elapsedTime);
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1/builds`;
    const results: Row[] = [];
    try {
      for (const c of cases(facts)) {
        const row: Row = { what: c.what, server: [], client: [], direct: [], total: 0, totalExact: true, returned: 0 };
        for (let i = 0; i < rounds + 2; i++) {
          serverMs.length = 0;
          const t = performance.now();
          const res = await fetch(`${url}?${queryString(c.query)}`, c.anonymous ? {} : { headers: { authorization: `Bearer ${token}` } });
          const body = (await res.json()) as { builds: { id: number }[]; total: number; totalExact: boolean; message?: string };
          const client = performance.now() - t;
          if (res.status !== 200) throw new Error(`${c.what}: ${res.status} ${body.message ?? ''}`);
          const problem = c.check?.(body);
          if (problem) throw new Error(`${c.what}: ${problem}`);
          const d0 = performance.now();
          await listBuilds(ctx, { ...c.query, publicOnly: c.anonymous === true });
          const direct = performance.now() - d0;
          if (i < 2) continue;
          row.server.push(serverMs[0] ?? NaN);
          row.client.push(client);
          row.direct.push(direct);
          Object.assign(row, { total: body.total, totalExact: body.totalExact, returned: body.builds.length });
        }
        results.push(row);
      }
    } finally {
      await app.close();
    }
    print(results);
  } finally {
    await ctx.db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The facts of a database filled by an earlier run (FEED_SQLITE, FEED_PG): the sample values, read back. */
async function factsOf(ctx: Context, n: number): Promise<FeedFacts> {
  const db = ctx.db.kysely;
  const mid = Math.floor(n / 2);
  const pkg = await sql<{ name: string; epoch: number | null; version: string; release: string; arch: string }>`
    SELECT r.name, r.epoch, r.version, r.release, r.arch FROM tasks t JOIN artifacts a ON a.task_id = t.id JOIN rpm_packages r ON r.sha256 = a.sha256
    WHERE t.build_id = ${mid} AND a.kind = 'rpm' AND r.name LIKE '%-devel' ORDER BY a.id LIMIT 1`.execute(db);
  const p = pkg.rows[0];
  const popular = await sql<{ name: string }>`SELECT name FROM build_items GROUP BY name ORDER BY count(*) DESC, name LIMIT 1`.execute(db);
  const ref = await sql<{ git_ref: string }>`SELECT git_ref FROM build_items WHERE git_ref LIKE 'imports/%' GROUP BY git_ref ORDER BY count(*) DESC, git_ref LIMIT 1`.execute(db);
  const rows: Record<string, number> = {};
  for (const table of ['builds', 'build_items', 'tasks', 'artifacts', 'rpm_packages', 'artifact_packages', 'signatures', 'releases', 'release_builds']) {
    rows[table] = Number((await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(db)).rows[0]?.n ?? 0);
  }
  return {
    builds: n,
    rows,
    owners: [],
    sampleNevra: p ? `${p.name}-${p.epoch ? `${p.epoch}:` : ''}${p.version}-${p.release}.${p.arch}` : 'none-1-1.x86_64',
    sampleNevraBuild: mid,
    samplePackage: popular.rows[0]?.name ?? 'bash',
    sampleRef: ref.rows[0]?.git_ref ?? 'c9',
  };
}

function print(rows: Row[]): void {
  const ms = (v: number): string => v.toFixed(1).padStart(6);
  process.stdout.write(`${'request'.padEnd(58)} ${'server'.padStart(6)} ${'worst'.padStart(6)} ${'client'.padStart(6)} ${'query'.padStart(6)}  total\n`);
  for (const r of rows) {
    const worst = Math.max(...r.server);
    const flag = median(r.server) > BUDGET_MS ? '  OVER BUDGET' : '';
    process.stdout.write(`${r.what.slice(0, 58).padEnd(58)} ${ms(median(r.server))} ${ms(worst)} ${ms(median(r.client))} ${ms(median(r.direct))}  ${r.returned} of ${r.totalExact ? '' : '≥'}${r.total}${flag}\n`);
  }
  process.stdout.write(`(ms; server: the master's time per request, median of the rounds; worst: the slowest round; client: round trip; query: listBuilds in-process)\n`);
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 100_000);
  const rounds = Number(process.env.ROUNDS ?? 20);
  const which = process.env.BENCH_DB ?? 'both';
  process.stdout.write(`bench/builds-feed: ${n.toLocaleString('en')} builds, ${rounds} rounds per request, budget ${BUDGET_MS} ms\n`);
  if (which !== 'postgres') {
    const keep = process.env.FEED_SQLITE;
    const file = keep ?? join(mkdtempSync(join(tmpdir(), 'distforge-bench-sqlite-')), 'bench.sqlite');
    await benchOne('SQLite', file, n, rounds);
    if (keep === undefined) rmSync(join(file, '..'), { recursive: true, force: true });
  }
  if (which !== 'sqlite') {
    let admin = process.env.DISTFORGE_BENCH_PG;
    let cluster: string | undefined;
    const script = fileURLToPath(new URL('../scripts/postgres.sh', import.meta.url));
    if (!admin && !process.env.FEED_PG) [cluster, admin] = execFileSync('bash', [script, 'start'], { encoding: 'utf8' }).trim().split(' ');
    try {
      await benchOne('PostgreSQL', process.env.FEED_PG ?? (await newPgDatabase(admin ?? '', 'bench_feed')), n, rounds);
    } finally {
      if (cluster) execFileSync('bash', [script, 'stop', cluster]);
    }
  }
}

await main();
