/**
 * bench/scheduler: the scheduler through the node API over HTTP on 127.0.0.1, on SQLite and on
 * PostgreSQL, with one or more masters. Each master is its own process (bench/scheduler-master.ts:
 * the full app, logging off, its own port and data directory, the one database); 100 simulated
 * nodes run in another (bench/scheduler-nodes.ts), spread over the masters, each looping lease →
 * complete at once. A node asks with ?wait=WAIT (default 30 s): a master answers as soon as a task
 * it can take is queued (WAIT=0: nodes poll every POLL ms, ± 50 %, and a 204 costs them that
 * long). This process only prepares the database, submits tasks and reads the results. Two phases
 * per run:
 * - throughput: TASKS tasks from four owners (60/30/9/1 %), arches x86_64/aarch64/noarch, all
 *   submitted before the nodes start; leases per second from the first lease to the last.
 * - latency: tasks submitted one by one at a steady RATE per second for SECONDS (into one build
 *   per owner) while the nodes run; submit-to-lease latency (queued_at → started_at, one machine's
 *   clock) p50/p99. RATE defaults to half the throughput just measured: latency is a property of
 *   a scheduler that keeps up, not of a queue that grows.
 * Also the lease request's round trip as the nodes see it in the throughput phase (100 nodes
 * always asking: it is queueing, mostly), and the CPU per lease (lease + completion) of the masters
 * (all of them), the database (every process of the PostgreSQL cluster, from /proc) and the
 * simulated nodes: a figure that holds on a machine shared with other work.
 *   node --import tsx bench/scheduler.ts [TASKS=10000] [NODES=100]
 * Environment: BENCH_DB (sqlite | postgres | both; default both), BENCH_MASTERS (master counts to
 * run on PostgreSQL, e.g. 1,2,3; default 1; SQLite always runs one), RATE (tasks/s), SECONDS
 * (default 20), WAIT (default 30 s), POLL (default 1000 ms), BENCH_APP=scheduler (the node API
 * without the builds domain's lease decorator and completion hook), BENCH_MASTER_SRC (masters run
 * another copy of src/: before/after in one session), BENCH_PROF=DIR (masters write --cpu-prof
 * profiles there), DISTFORGE_BENCH_PG (an admin URL of a running PostgreSQL on this machine;
 * default a throw-away cluster from scripts/postgres.sh), BENCH_PG_SOCKET=1 (masters reach PostgreSQL
 * through its Unix socket instead of TCP on 127.0.0.1), ROUTE_TIMING=1 (per-route server times
 * and event-loop delay of each master, at its exit).
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { createNodeToken } from '../src/auth/nodes.ts';
import { createUser } from '../src/auth/users.ts';
import type { Context } from '../src/context.ts';
import type { NewTask } from '../src/db/schema.ts';
import { enqueueReadyTasks } from '../src/scheduler/index.ts';
import { createContext } from '../src/server/context-factory.ts';
import { parentPid, processCpuMs } from './lib.ts';
import { serveMaster, type FromMaster, type ToMaster } from './scheduler-master.ts';
import type { FromNodes, ToNodes } from './scheduler-nodes.ts';

const ARCH_CYCLE = ['x86_64', 'aarch64', 'x86_64', 'aarch64', 'x86_64', 'aarch64', 'x86_64', 'aarch64', 'x86_64', 'noarch'];
const OWNER_SHARE = [60, 30, 9, 1];
const TSX = ['--import', 'tsx', '--no-warnings'];
const STALL_MS = 60_000;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function nextMessage<M extends { type: string }>(child: ChildProcess, type: M['type']): Promise<M> {
  return new Promise((resolve, reject) => {
    const on = (m: M): void => {
      if (m.type !== type) return;
      child.off('message', on);
      child.off('exit', exit);
      resolve(m);
    };
    const exit = (code: number | null): void => reject(new Error(`a bench process exited (${code}) before saying ${type}`));
    child.on('message', on);
    child.once('exit', exit);
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

/** Waits until every task of `builds` has ended. @throws when nothing moved for STALL_MS (a lease
 * the nodes never answered: the masters of the bench run no lease reaper), naming the tasks. */
async function waitAllDone(ctx: Context, builds: number[]): Promise<void> {
  let last = '';
  let since = Date.now();
  for (;;) {
    const row = await ctx.db.kysely
      .selectFrom('tasks')
      .select((eb) => [eb.fn.countAll<number>().as('busy'), eb.fn.max('started_at').as('started')])
      .where('build_id', 'in', builds)
      .where('state', 'in', ['blocked', 'queued', 'leased'])
      .executeTakeFirstOrThrow();
    if (Number(row.busy) === 0) return;
    const now = `${row.busy} ${row.started}`;
    if (now !== last) [last, since] = [now, Date.now()];
    if (Date.now() - since > STALL_MS) {
      const stuck = await ctx.db.kysely.selectFrom('tasks').select(['id', 'state', 'leased_by', 'started_at']).where('build_id', 'in', builds).where('state', 'in', ['queued', 'leased']).limit(10).execute();
      throw new Error(`no progress for ${STALL_MS / 1000} s; ${row.busy} tasks not done, e.g. ${JSON.stringify(stuck)}`);
    }
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
  const paused = nextMessage<Extract<FromNodes, { type: 'paused' }>>(child, 'paused');
  child.send({ type: 'pause' } satisfies ToNodes);
  const m = await paused;
  return { leaseRtt: m.leaseRtt.sort((a, b) => a - b), errors: m.errors, cpuMs: m.cpuMs };
}

/** The PostgreSQL postmaster serving `ctx` (its backends' parent), or 0 on SQLite. */
async function postmasterPid(ctx: Context): Promise<number> {
  if (ctx.db.dialect !== 'postgres') return 0;
  const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(ctx.db.kysely);
  return parentPid(rows[0]?.pid ?? 0);
}

/** A master process of the bench. */
interface MasterProcess {
  child: ChildProcess;
  url: string;
  dataDir: string;
}

/** The masters of a run: processes on PostgreSQL, this process on SQLite. */
interface Masters {
  urls: string[];
  /** CPU ms they used so far. */
  cpuMs(): number;
  stop(): Promise<void>;
}

async function startMasters(ctx: Context, dbUrl: string, count: number): Promise<Masters> {
  if (ctx.db.dialect === 'sqlite') {
    const { app, url } = await serveMaster(ctx);
    return {
      urls: [url],
      cpuMs: () => processCpuMs(process.pid),
      stop: () => app.close(),
    };
  }
  const started: MasterProcess[] = [];
  try {
    for (let i = 0; i < count; i++) started.push(await startMaster(dbUrl));
  } catch (e) {
    await Promise.all(started.map((m) => stopMaster(m)));
    throw e;
  }
  return {
    urls: started.map((m) => m.url),
    cpuMs: () => started.reduce((sum, m) => sum + processCpuMs(m.child.pid ?? 0), 0),
    stop: async () => void (await Promise.all(started.map((m) => stopMaster(m)))),
  };
}

async function startMaster(dbUrl: string): Promise<MasterProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'distforge-bench-master-'));
  const prof = process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir', resolve(process.env.BENCH_PROF)] : [];
  const child = fork(fileURLToPath(new URL('./scheduler-master.ts', import.meta.url)), [dbUrl, dataDir], { execArgv: [...TSX, ...prof] });
  try {
    const { url } = await nextMessage<FromMaster>(child, 'listening');
    return { child, url, dataDir };
  } catch (e) {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
}

async function stopMaster(m: MasterProcess): Promise<void> {
  if (m.child.exitCode === null && m.child.signalCode === null) {
    const gone = new Promise((r) => m.child.once('exit', r));
    m.child.send({ type: 'stop' } satisfies ToMaster);
    await Promise.race([gone, sleep(10_000).then(() => m.child.kill())]);
  }
  rmSync(m.dataDir, { recursive: true, force: true });
}

interface Result {
  dialect: string;
  masters: number;
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

interface Run {
  tasks: number;
  nodes: number;
  masters: number;
  fixedRate: number | undefined;
  seconds: number;
  asking: Asking;
}

async function benchOne(dbUrl: string, run: Run): Promise<Result> {
  const { tasks, nodes, fixedRate, seconds, asking } = run;
  const dataDir = mkdtempSync(join(tmpdir(), 'distforge-bench-sched-'));
  // This process's context: creates the schema, prepares the work and reads the results.
  const ctx = await createContext({ dataDir, db: dbUrl, publicUrl: 'http://127.0.0.1', logLevel: 'silent' });
  let masters: Masters | undefined;
  const child = fork(fileURLToPath(new URL('./scheduler-nodes.ts', import.meta.url)), [], { execArgv: TSX });
  try {
    masters = await startMasters(ctx, dbUrl, run.masters);
    const postmaster = await postmasterPid(ctx);
    const now = ctx.now();
    await ctx.db.kysely.insertInto('platforms').values({ name: 'bench', definition: '{"name":"bench","arches":["x86_64","aarch64","noarch"]}', created_at: now, updated_at: now }).execute();
    const owners: number[] = [];
    for (const name of ['bench-a', 'bench-b', 'bench-c', 'bench-d']) owners.push((await createUser(ctx, name, 'maintainer')).id);
    const tokens: string[] = [];
    for (let i = 0; i < nodes; i++) {
      tokens.push((await createNodeToken(ctx, { name: `node-${i}`, arches: [i % 2 === 0 ? 'x86_64' : 'aarch64'], maxConcurrency: 1 })).secret);
    }
    const s: Setup = { ctx, owners };
    const ready = nextMessage<FromNodes>(child, 'ready');
    child.send({ type: 'start', urls: masters.urls, tokens, ...asking } satisfies ToNodes);
    await ready;

    // Throughput: everything queued first, then the nodes drain it.
    const burstBuilds: number[] = [];
    for (const [k, share] of OWNER_SHARE.entries()) {
      const build = await createBuild(s, owners[k] ?? 0);
      await submitTasks(s, build, Math.round((tasks * share) / 100), 0);
      burstBuilds.push(build.buildId);
    }
    const mastersCpu = masters.cpuMs;
    const dbCpu = (): number => (postmaster ? processCpuMs(postmaster, true) : 0);
    const cpu0 = { master: mastersCpu(), db: dbCpu() };
    child.send({ type: 'go' } satisfies ToNodes);
    await waitAllDone(ctx, burstBuilds);
    const burst = await pause(child);
    const cpu = { master: mastersCpu() - cpu0.master, db: dbCpu() - cpu0.db, nodes: burst.cpuMs };
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
      masters: masters.urls.length,
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
    await masters?.stop();
    await ctx.db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
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

/** The URL of the database `url` names through the server's Unix socket instead of TCP. */
async function overUnixSocket(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const dir = (await client.query<{ unix_socket_directories: string }>('SHOW unix_socket_directories')).rows[0]?.unix_socket_directories.split(',')[0]?.trim();
    const port = (await client.query<{ port: string }>('SHOW port')).rows[0]?.port;
    const u = new URL(url);
    return `postgres://${u.username}@localhost${u.pathname}?host=${encodeURIComponent(dir ?? '/tmp')}&port=${port ?? '5432'}`;
  } finally {
    await client.end();
  }
}

async function dropPgDatabase(admin: string, url: string): Promise<void> {
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${new URL(url).pathname.slice(1)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

function print(r: Result, tasks: number, nodes: number): void {
  const ms = (v: number): string => `${v.toFixed(2)} ms`;
  const total = r.cpuPerTask.master + r.cpuPerTask.db + r.cpuPerTask.nodes;
  process.stdout.write(
    `${r.dialect}, ${r.masters} master${r.masters > 1 ? 's' : ''}: ${tasks} tasks, ${nodes} nodes over HTTP\n` +
      `  throughput: ${r.leasesPerSecond.toFixed(0)} leases/s (${r.throughputSeconds.toFixed(1)} s); lease request p50 ${r.burstRtt[0].toFixed(1)} ms, p99 ${r.burstRtt[1].toFixed(1)} ms\n` +
      `  CPU per lease (lease + complete): masters ${ms(r.cpuPerTask.master)}, database ${r.dialect === 'sqlite' ? '(in the master)' : ms(r.cpuPerTask.db)}, ` +
      `simulated nodes ${ms(r.cpuPerTask.nodes)}, total ${ms(total)}; a core of master serves ${(1000 / r.cpuPerTask.master).toFixed(0)} leases/s` +
      (r.dialect === 'sqlite' ? '\n' : `, a core of database ${(1000 / r.cpuPerTask.db).toFixed(0)}\n`) +
      `  steady ${r.steadyRate.toFixed(0)} tasks/s for ${r.steadyCount} tasks: submit-to-lease p50 ${r.p50} ms, p99 ${r.p99} ms\n` +
      (r.errors > 0 ? `  ${r.errors} failed requests\n` : ''),
  );
}

async function main(): Promise<void> {
  const tasks = Number(process.argv[2] ?? 10_000);
  const nodes = Number(process.argv[3] ?? 100);
  const base = {
    tasks,
    nodes,
    fixedRate: process.env.RATE ? Number(process.env.RATE) : undefined,
    seconds: Number(process.env.SECONDS ?? 20),
    asking: { waitS: Number(process.env.WAIT ?? 30), pollMs: Number(process.env.POLL ?? 1000) },
  };
  const masterCounts = (process.env.BENCH_MASTERS ?? '1').split(',').map(Number).filter((n) => n > 0);
  const which = process.env.BENCH_DB ?? 'both';
  process.stdout.write(
    `bench/scheduler: ${tasks} tasks, ${nodes} nodes, steady rate ${base.fixedRate ?? 'half the throughput'}/s for ${base.seconds} s, ` +
      `${base.asking.waitS > 0 ? `nodes wait up to ${base.asking.waitS} s for work` : `idle nodes poll every ${base.asking.pollMs} ms`}` +
      `${process.env.BENCH_MASTER_SRC ? `, masters from ${process.env.BENCH_MASTER_SRC}` : ''}${process.env.BENCH_PG_SOCKET ? ', PostgreSQL through its Unix socket' : ''}\n`,
  );
  if (which !== 'postgres') {
    const dir = mkdtempSync(join(tmpdir(), 'distforge-bench-sqlite-'));
    try {
      print(await benchOne(join(dir, 'bench.sqlite'), { ...base, masters: 1 }), tasks, nodes);
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
      for (const masters of masterCounts) {
        const db = await freshPgDatabase(admin ?? '');
        try {
          print(await benchOne(process.env.BENCH_PG_SOCKET ? await overUnixSocket(db) : db, { ...base, masters }), tasks, nodes);
        } finally {
          await dropPgDatabase(admin ?? '', db);
        }
      }
    } finally {
      if (cluster) execFileSync('bash', [script, 'stop', cluster]);
    }
  }
}

await main();
