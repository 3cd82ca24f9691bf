/**
 * bench/scheduler: the scheduler through the node API over HTTP on 127.0.0.1, on SQLite and on
 * PostgreSQL. A master (the full app, logging off) serves 100 simulated nodes that run in a child
 * process, each looping lease → complete at once. A node asks with ?wait=WAIT (default 30 s): the
 * master answers as soon as a task it can take is queued (WAIT=0: nodes poll every POLL ms, ± 50 %
 * jitter, and a 204 costs them that long). Two phases on each database:
 * - throughput: TASKS tasks from four owners (60/30/9/1 %), arches x86_64/aarch64/noarch, all
 *   submitted before the nodes start; leases per second from the first lease to the last.
 * - latency: tasks submitted one by one at a steady RATE per second for SECONDS (into one build
 *   per owner) while the nodes run; submit-to-lease latency (queued_at → started_at, the master's
 *   clock) p50/p99. RATE defaults to half the throughput just measured: latency is a property of
 *   a scheduler that keeps up, not of a queue that grows.
 * Also the lease request's round trip as the nodes see it in the throughput phase (100 nodes
 * always asking: it is queueing, mostly), and the CPU per task of the master, the database
 * backends and the simulated nodes: a figure that holds on a machine shared with other work.
 *   node --import tsx bench/scheduler.ts [TASKS=10000] [NODES=100]
 * Environment: RATE (tasks/s), SECONDS (default 20), WAIT (default 30 s), POLL (default 1000 ms),
 * BENCH_DB (sqlite | postgres | both; default both), BENCH_APP=scheduler (the node API without the
 * builds domain's lease decorator and completion hook; default the full app), DISTFORGE_BENCH_PG
 * (an admin URL of a running PostgreSQL; default a throw-away cluster from scripts/postgres.sh),
 * ROUTE_TIMING=1 (per-route server times and event-loop delay on exit).
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { createNodeToken } from '../src/auth/nodes.ts';
import { createUser } from '../src/auth/users.ts';
import type { Context } from '../src/context.ts';
import type { NewTask } from '../src/db/schema.ts';
import { enqueueReadyTasks } from '../src/scheduler/index.ts';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { registerAuth } from '../src/server/auth.ts';
import { errorHandler } from '../src/server/errors.ts';
import { createContext } from '../src/server/context-factory.ts';
import { nodeApiRoutes } from '../src/server/routes/node-api.ts';

const ARCH_CYCLE = ['x86_64', 'aarch64', 'x86_64', 'aarch64', 'x86_64', 'aarch64', 'x86_64', 'aarch64', 'x86_64', 'noarch'];
const OWNER_SHARE = [60, 30, 9, 1];

type ToNodes = { type: 'start'; url: string; tokens: string[]; pollMs: number; waitS: number } | { type: 'go' } | { type: 'pause' };
type FromNodes = { type: 'ready' } | { type: 'paused'; leaseRtt: number[]; errors: number; cpuMs: number };

// ---------------------------------------------------------------- the simulated nodes (child)

async function runNodes(): Promise<void> {
  let url = '';
  let tokens: string[] = [];
  let pollMs = 100;
  let waitS = 0;
  let running = false;
  let loops: Promise<void>[] = [];
  let leaseRtt: number[] = [];
  let errors = 0;
  let cpuStart = process.cpuUsage();
  const send = (m: FromNodes): void => {
    process.send?.(m);
  };

  let stop = new AbortController();
  const loop = async (token: string): Promise<void> => {
    try {
      await leaseLoop(token);
    } catch (e) {
      if (!stop.signal.aborted) throw e;
    }
  };
  const leaseLoop = async (token: string): Promise<void> => {
    const auth = { authorization: `Bearer ${token}` };
    while (running) {
      const t0 = performance.now();
      const res = await fetch(`${url}/api/v1/node/lease?wait=${waitS}`, { method: 'POST', headers: auth, signal: stop.signal });
      if (res.status === 204) {
        await res.arrayBuffer();
        // Polling: jitter, as real nodes should (polls in step arrive in herds). Waiting: ask again.
        if (waitS === 0) await sleep(pollMs * (0.5 + Math.random()));
        continue;
      }
      if (res.status !== 200) {
        errors++;
        await res.arrayBuffer();
        continue;
      }
      const { task } = (await res.json()) as { task: { id: number } };
      leaseRtt.push(performance.now() - t0);
      const done = await fetch(`${url}/api/v1/node/tasks/${task.id}/complete`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: '{"result":null}',
      });
      await done.arrayBuffer();
      if (done.status !== 204) errors++;
    }
  };

  process.on('message', (m: ToNodes) => {
    if (m.type === 'start') {
      ({ url, tokens, pollMs, waitS } = m);
      send({ type: 'ready' });
    } else if (m.type === 'go') {
      cpuStart = process.cpuUsage();
      stop = new AbortController();
      running = true;
      loops = tokens.map((t) => loop(t));
    } else {
      running = false;
      // Nodes waiting for work hang up (the master sees them go and leases them nothing).
      stop.abort();
      void Promise.all(loops).then(() => {
        const cpu = process.cpuUsage(cpuStart);
        send({ type: 'paused', leaseRtt, errors, cpuMs: (cpu.user + cpu.system) / 1000 });
        leaseRtt = [];
        errors = 0;
      });
    }
  });
}

// ---------------------------------------------------------------- the master (parent)

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function nextMessage(child: ChildProcess, type: FromNodes['type']): Promise<FromNodes> {
  return new Promise((resolve) => {
    const on = (m: FromNodes): void => {
      if (m.type !== type) return;
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
  });
}

interface Setup {
  ctx: Context;
  owners: number[];
}

interface BenchBuild {
  buildId: number;
  itemId: number;
  owner: number;
}

/** A build of `owner` with one item, no tasks yet. */
async function createBuild(s: Setup, owner: number): Promise<BenchBuild> {
  const { ctx } = s;
  const build = await ctx.db.kysely
    .insertInto('builds')
    .values({ owner_id: owner, state: 'pending', priority: 0, platforms: '["bench"]', explicit_order: 0, public: 1, created_at: ctx.now() })
    .returning('id')
    .executeTakeFirstOrThrow();
  const item = await ctx.db.kysely
    .insertInto('build_items')
    .values({ build_id: build.id, position: 0, kind: 'git', git_url: 'https://git.example/pkg.git', git_ref: 'main', git_commit: '0'.repeat(40), name: 'pkg' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { buildId: build.id, itemId: item.id, owner };
}

/** Submits `count` tasks to `build`: inserted blocked, then queued by enqueueReadyTasks, as the builds domain does. */
async function submitTasks(s: Setup, build: BenchBuild, count: number, offset: number): Promise<void> {
  const { ctx } = s;
  const now = ctx.now();
  for (let i = 0; i < count; i += 500) {
    const rows: NewTask[] = [];
    for (let j = i; j < Math.min(count, i + 500); j++) {
      rows.push({
        build_id: build.buildId, item_id: build.itemId, kind: 'rpm', platform: 'bench', arch: ARCH_CYCLE[(offset + j) % ARCH_CYCLE.length] ?? 'noarch',
        state: 'blocked', priority: 0, owner_id: build.owner, attempt: 1, max_attempts: 3, created_at: now,
      });
    }
    await ctx.db.kysely.insertInto('tasks').values(rows).execute();
  }
  await enqueueReadyTasks(ctx, build.buildId);
}

/** Owner of the i-th task of a phase (60/30/9/1 %). */
function ownerOf(s: Setup, i: number): number {
  const r = i % 100;
  let acc = 0;
  for (const [k, share] of OWNER_SHARE.entries()) {
    acc += share;
    if (r < acc) return s.owners[k] ?? 0;
  }
  return s.owners[0] ?? 0;
}

async function waitAllDone(ctx: Context, builds: number[]): Promise<void> {
  for (;;) {
    const row = await ctx.db.kysely
      .selectNoFrom((eb) =>
        eb.exists(eb.selectFrom('tasks').select('id').where('build_id', 'in', builds).where('state', 'in', ['blocked', 'queued', 'leased'])).as('busy'),
      )
      .executeTakeFirstOrThrow();
    if (!row.busy) return;
    await sleep(100);
  }
}

async function leaseTimes(ctx: Context, builds: number[]): Promise<{ waits: number[]; first: number; last: number }> {
  const rows = await ctx.db.kysely.selectFrom('tasks').select(['queued_at', 'started_at']).where('build_id', 'in', builds).execute();
  const waits = rows.map((r) => (r.started_at ?? 0) - (r.queued_at ?? 0)).sort((a, b) => a - b);
  const starts = rows.map((r) => r.started_at ?? 0);
  return { waits, first: Math.min(...starts), last: Math.max(...starts) };
}

async function pause(child: ChildProcess): Promise<{ leaseRtt: number[]; errors: number; cpuMs: number }> {
  const paused = nextMessage(child, 'paused');
  child.send({ type: 'pause' } satisfies ToNodes);
  const m = (await paused) as Extract<FromNodes, { type: 'paused' }>;
  return { leaseRtt: m.leaseRtt.sort((a, b) => a - b), errors: m.errors, cpuMs: m.cpuMs };
}

/** CPU milliseconds used so far by the PostgreSQL backends serving `ctx` (from /proc), 0 on SQLite. */
async function databaseCpuMs(ctx: Context): Promise<number> {
  if (ctx.db.dialect !== 'postgres') return 0;
  const { rows } = await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`.execute(ctx.db.kysely);
  const tick = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  let total = 0;
  for (const { pid } of rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * tick;
    } catch {
      // gone
    }
  }
  return total;
}

/** CPU of the master process so far, ms. */
function masterCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Result {
  dialect: string;
  leasesPerSecond: number;
  throughputSeconds: number;
  burstRtt: [number, number];
  /** CPU ms per leased and completed task in the throughput phase. */
  cpuPerTask: { master: number; db: number; nodes: number };
  p50: number;
  p99: number;
  steadyRate: number;
  steadyCount: number;
  errors: number;
}

interface Asking {
  /** Seconds a node waits for work per request (0: it polls). */
  waitS: number;
  /** With waitS 0: milliseconds between polls. */
  pollMs: number;
}

async function benchOne(dbUrl: string, tasks: number, nodes: number, fixedRate: number | undefined, seconds: number, asking: Asking): Promise<Result> {
  const dataDir = mkdtempSync(join(tmpdir(), 'distforge-bench-sched-'));
  const ctx = await createContext({ dataDir, db: dbUrl, publicUrl: 'http://127.0.0.1', logLevel: 'silent' });
  const app = process.env.BENCH_APP === 'scheduler' ? await schedulerOnlyApp(ctx) : await buildApp(ctx);
  const timing = new Map<string, number[]>();
  if (process.env.ROUTE_TIMING) {
    const { monitorEventLoopDelay } = await import('node:perf_hooks');
    const h = monitorEventLoopDelay({ resolution: 5 });
    h.enable();
    process.on('exit', () => process.stderr.write(`event loop delay p50 ${(h.percentile(50) / 1e6).toFixed(1)} ms p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms max ${(h.max / 1e6).toFixed(1)} ms\n`));
    app.addHook('onResponse', async (req, reply) => {
      const k = `${req.method} ${req.routeOptions.url ?? '?'} ${reply.statusCode}`;
      const list = timing.get(k) ?? [];
      list.push(reply.elapsedTime);
      timing.set(k, list);
    });
    process.on('exit', () => {
      for (const [k, v] of timing) {
        v.sort((a, b) => a - b);
        process.stderr.write(`${k}: n=${v.length} p50=${percentile(v, 50).toFixed(1)} p99=${percentile(v, 99).toFixed(1)} ms\n`);
      }
    });
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  ctx.settings.publicUrl = url;
  const child = fork(fileURLToPath(import.meta.url), ['nodes'], { execArgv: ['--import', 'tsx', '--no-warnings'] });
  try {
    const now = ctx.now();
    await ctx.db.kysely.insertInto('platforms').values({ name: 'bench', definition: '{"name":"bench","arches":["x86_64","aarch64","noarch"]}', created_at: now, updated_at: now }).execute();
    const owners: number[] = [];
    for (const name of ['bench-a', 'bench-b', 'bench-c', 'bench-d']) owners.push((await createUser(ctx, name, 'maintainer')).id);
    const tokens: string[] = [];
    for (let i = 0; i < nodes; i++) {
      tokens.push((await createNodeToken(ctx, { name: `node-${i}`, arches: [i % 2 === 0 ? 'x86_64' : 'aarch64'], maxConcurrency: 1 })).secret);
    }
    const s: Setup = { ctx, owners };
    const ready = nextMessage(child, 'ready');
    child.send({ type: 'start', url, tokens, ...asking } satisfies ToNodes);
    await ready;

    // Throughput: everything queued first, then the nodes drain it.
    const burstBuilds: number[] = [];
    for (const [k, share] of OWNER_SHARE.entries()) {
      const build = await createBuild(s, owners[k] ?? 0);
      await submitTasks(s, build, Math.round((tasks * share) / 100), 0);
      burstBuilds.push(build.buildId);
    }
    const cpu0 = { master: masterCpuMs(), db: await databaseCpuMs(ctx) };
    child.send({ type: 'go' } satisfies ToNodes);
    await waitAllDone(ctx, burstBuilds);
    const burst = await pause(child);
    const cpu = { master: masterCpuMs() - cpu0.master, db: (await databaseCpuMs(ctx)) - cpu0.db, nodes: burst.cpuMs };
    const b = await leaseTimes(ctx, burstBuilds);
    const burstCount = b.waits.length;
    const throughputSeconds = (b.last - b.first) / 1000;

    // Latency: a steady stream of tasks (into one build per owner) while the nodes run.
    const rate = fixedRate ?? Math.max(1, Math.floor(burstCount / throughputSeconds / 2));
    const steadyTasks = Math.round(rate * seconds);
    const steadyByOwner = new Map<number, BenchBuild>();
    for (const owner of owners) steadyByOwner.set(owner, await createBuild(s, owner));
    const steadyBuilds = [...steadyByOwner.values()].map((b) => b.buildId);
    child.send({ type: 'go' } satisfies ToNodes);
    const start = Date.now();
    let submitted = 0;
    while (submitted < steadyTasks) {
      const due = Math.min(steadyTasks, Math.floor(((Date.now() - start) / 1000) * rate));
      for (; submitted < due; submitted++) {
        const build = steadyByOwner.get(ownerOf(s, submitted));
        if (build) await submitTasks(s, build, 1, submitted);
      }
      await sleep(10);
    }
    const steadyRate = steadyTasks / ((Date.now() - start) / 1000);
    await waitAllDone(ctx, steadyBuilds);
    const steady = await pause(child);
    const l = await leaseTimes(ctx, steadyBuilds);
    return {
      dialect: ctx.db.dialect,
      leasesPerSecond: burstCount / throughputSeconds,
      throughputSeconds,
      burstRtt: [percentile(burst.leaseRtt, 50), percentile(burst.leaseRtt, 99)],
      cpuPerTask: { master: cpu.master / burstCount, db: cpu.db / burstCount, nodes: cpu.nodes / burstCount },
      p50: percentile(l.waits, 50),
      p99: percentile(l.waits, 99),
      steadyRate,
      steadyCount: steadyTasks,
      errors: burst.errors + steady.errors,
    };
  } finally {
    child.kill();
    await app.close();
    await ctx.db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * BENCH_APP=scheduler: the node API alone (auth hook, error handler, the plugin without the builds
 * domain's lease decorator and completion hook), to tell the scheduler's cost from the rest.
 */
async function schedulerOnlyApp(ctx: Context): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: ctx.log as FastifyBaseLogger });
  app.setErrorHandler(errorHandler);
  registerAuth(app, ctx);
  await app.register(nodeApiRoutes(ctx), { prefix: '/api/v1' });
  return app;
}

async function freshPgDatabase(admin: string): Promise<string> {
  const name = `bench_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return u.toString();
}

function print(r: Result, tasks: number, nodes: number): void {
  const ms = (v: number): string => `${v.toFixed(1)} ms`;
  process.stdout.write(
    `${r.dialect}: ${tasks} tasks, ${nodes} nodes over HTTP\n` +
      `  throughput: ${r.leasesPerSecond.toFixed(0)} leases/s (${r.throughputSeconds.toFixed(1)} s); lease request p50 ${ms(r.burstRtt[0])}, p99 ${ms(r.burstRtt[1])}\n` +
      `  CPU per task (lease + complete): master ${ms(r.cpuPerTask.master)}, database ${r.dialect === 'sqlite' ? '(in the master)' : ms(r.cpuPerTask.db)}, ` +
      `simulated nodes ${ms(r.cpuPerTask.nodes)}; the master alone would serve ${(1000 / r.cpuPerTask.master).toFixed(0)} leases/s per core\n` +
      `  steady ${r.steadyRate.toFixed(0)} tasks/s for ${r.steadyCount} tasks: submit-to-lease p50 ${r.p50} ms, p99 ${r.p99} ms\n` +
      (r.errors > 0 ? `  ${r.errors} failed requests\n` : ''),
  );
}

async function main(): Promise<void> {
  const tasks = Number(process.argv[2] ?? 10_000);
  const nodes = Number(process.argv[3] ?? 100);
  const rate = process.env.RATE ? Number(process.env.RATE) : undefined;
  const seconds = Number(process.env.SECONDS ?? 20);
  const asking: Asking = { waitS: Number(process.env.WAIT ?? 30), pollMs: Number(process.env.POLL ?? 1000) };
  const which = process.env.BENCH_DB ?? 'both';
  process.stdout.write(`bench/scheduler: ${tasks} tasks, ${nodes} nodes, steady rate ${rate ?? 'half the throughput'}/s for ${seconds} s, ${asking.waitS > 0 ? `nodes wait up to ${asking.waitS} s for work` : `idle nodes poll every ${asking.pollMs} ms`}\n`);
  if (which !== 'postgres') {
    const file = join(mkdtempSync(join(tmpdir(), 'distforge-bench-sqlite-')), 'bench.sqlite');
    print(await benchOne(file, tasks, nodes, rate, seconds, asking), tasks, nodes);
  }
  if (which !== 'sqlite') {
    let admin = process.env.DISTFORGE_BENCH_PG;
    let cluster: string | undefined;
    if (!admin) {
      const script = fileURLToPath(new URL('../scripts/postgres.sh', import.meta.url));
      [cluster, admin] = execFileSync('bash', [script, 'start'], { encoding: 'utf8' }).trim().split(' ');
    }
    try {
      print(await benchOne(await freshPgDatabase(admin ?? ''), tasks, nodes, rate, seconds, asking), tasks, nodes);
    } finally {
      if (cluster) execFileSync('bash', [fileURLToPath(new URL('../scripts/postgres.sh', import.meta.url)), 'stop', cluster]);
    }
  }
}

if (process.argv[2] === 'nodes') await runNodes();
else await main();
