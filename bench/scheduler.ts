/**
 * bench/scheduler: the scheduler through the node API over HTTP on 127.0.0.1, on SQLite and on
 * PostgreSQL. A master (the full app, logging off) serves 100 simulated nodes that run in a child
 * process (its own core), each looping lease → complete at once; an idle node asks again after
 * POLL ms. Two phases on each database:
 * - throughput: 10,000 tasks from four owners (60/30/9/1 %), arches x86_64/aarch64/noarch, all
 *   submitted before the nodes start; leases per second from the first lease to the last.
 * - latency: 10,000 tasks submitted at a steady RATE per second (small builds, as users submit)
 *   while the nodes run; submit-to-lease latency (queued_at → lease, the master's clock) p50/p99.
 * Also the lease request's round trip as the nodes see it.
 *   node --import tsx bench/scheduler.ts [TASKS=10000] [NODES=100]
 * Environment: RATE (default 400 tasks/s), POLL (default 100 ms), DISTFORGE_BENCH_PG (an admin
 * URL of a running PostgreSQL; default: start a throw-away cluster with scripts/postgres.sh),
 * BENCH_DB (sqlite | postgres | both, default both).
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createNodeToken } from '../src/auth/nodes.ts';
import { createUser } from '../src/auth/users.ts';
import type { Context } from '../src/context.ts';
import type { NewTask } from '../src/db/schema.ts';
import { enqueueReadyTasks } from '../src/scheduler/index.ts';
import { buildApp } from '../src/server/app.ts';
import { createContext } from '../src/server/context-factory.ts';
import { nodeApiRoutes } from '../src/server/routes/node-api.ts';

const ARCH_CYCLE = ['x86_64', 'aarch64', 'x86_64', 'aarch64', 'x86_64', 'aarch64', 'x86_64', 'aarch64', 'x86_64', 'noarch'];
const OWNER_SHARE = [60, 30, 9, 1];

type ToNodes = { type: 'start'; url: string; tokens: string[]; pollMs: number } | { type: 'go' } | { type: 'pause' };
type FromNodes = { type: 'ready' } | { type: 'paused'; leaseRtt: number[]; errors: number };

// ---------------------------------------------------------------- the simulated nodes (child)

async function runNodes(): Promise<void> {
  let url = '';
  let tokens: string[] = [];
  let pollMs = 100;
  let running = false;
  let loops: Promise<void>[] = [];
  let leaseRtt: number[] = [];
  let errors = 0;
  const send = (m: FromNodes): void => {
    process.send?.(m);
  };

  const loop = async (token: string): Promise<void> => {
    const auth = { authorization: `Bearer ${token}` };
    while (running) {
      const t0 = performance.now();
      const res = await fetch(`${url}/api/v1/node/lease`, { method: 'POST', headers: auth });
      if (res.status === 204) {
        await res.arrayBuffer();
        await sleep(pollMs);
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
      ({ url, tokens, pollMs } = m);
      send({ type: 'ready' });
    } else if (m.type === 'go') {
      running = true;
      loops = tokens.map((t) => loop(t));
    } else {
      running = false;
      void Promise.all(loops).then(() => {
        send({ type: 'paused', leaseRtt, errors });
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
  itemFor: Map<number, number>;
}

/** Submits `count` tasks (blocked, then queued by enqueueReadyTasks) as one build of `owner`. */
async function submitBuild(s: Setup, owner: number, count: number, offset: number): Promise<number> {
  const { ctx } = s;
  const now = ctx.now();
  const build = await ctx.db.kysely
    .insertInto('builds')
    .values({ owner_id: owner, state: 'pending', priority: 0, platforms: '["bench"]', explicit_order: 0, public: 1, created_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  const item = await ctx.db.kysely
    .insertInto('build_items')
    .values({ build_id: build.id, position: 0, kind: 'git', git_url: 'https://git.example/pkg.git', git_ref: 'main', git_commit: '0'.repeat(40), name: 'pkg' })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (let i = 0; i < count; i += 500) {
    const rows: NewTask[] = [];
    for (let j = i; j < Math.min(count, i + 500); j++) {
      rows.push({
        build_id: build.id, item_id: item.id, kind: 'rpm', platform: 'bench', arch: ARCH_CYCLE[(offset + j) % ARCH_CYCLE.length] ?? 'noarch',
        state: 'blocked', priority: 0, owner_id: owner, attempt: 1, max_attempts: 3, created_at: now,
      });
    }
    await ctx.db.kysely.insertInto('tasks').values(rows).execute();
  }
  await enqueueReadyTasks(ctx, build.id);
  return build.id;
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
      .selectFrom('tasks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('build_id', 'in', builds)
      .where('state', '<>', 'succeeded')
      .executeTakeFirstOrThrow();
    if (Number(row.n) === 0) return;
    await sleep(50);
  }
}

async function leaseTimes(ctx: Context, builds: number[]): Promise<{ waits: number[]; first: number; last: number }> {
  const rows = await ctx.db.kysely.selectFrom('tasks').select(['queued_at', 'started_at']).where('build_id', 'in', builds).execute();
  const waits = rows.map((r) => (r.started_at ?? 0) - (r.queued_at ?? 0)).sort((a, b) => a - b);
  const starts = rows.map((r) => r.started_at ?? 0);
  return { waits, first: Math.min(...starts), last: Math.max(...starts) };
}

async function pause(child: ChildProcess): Promise<{ leaseRtt: number[]; errors: number }> {
  const paused = nextMessage(child, 'paused');
  child.send({ type: 'pause' } satisfies ToNodes);
  const m = (await paused) as Extract<FromNodes, { type: 'paused' }>;
  return { leaseRtt: m.leaseRtt.sort((a, b) => a - b), errors: m.errors };
}

interface Result {
  dialect: string;
  leasesPerSecond: number;
  throughputSeconds: number;
  burstRtt: [number, number];
  p50: number;
  p99: number;
  steadyRate: number;
  steadyRtt: [number, number];
  errors: number;
}

async function benchOne(dbUrl: string, tasks: number, nodes: number, rate: number, pollMs: number): Promise<Result> {
  const dataDir = mkdtempSync(join(tmpdir(), 'distforge-bench-sched-'));
  const ctx = await createContext({ dataDir, db: dbUrl, publicUrl: 'http://127.0.0.1', logLevel: 'silent' });
  let app = await buildApp(ctx);
  if (!app.hasRoute({ method: 'POST', url: '/api/v1/node/lease' })) {
    await app.close();
    app = await buildApp(ctx, { extraRoutes: [nodeApiRoutes(ctx)] });
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
    const s: Setup = { ctx, owners, itemFor: new Map() };
    const ready = nextMessage(child, 'ready');
    child.send({ type: 'start', url, tokens, pollMs } satisfies ToNodes);
    await ready;

    // Throughput: everything queued first, then the nodes drain it.
    const burstBuilds: number[] = [];
    for (const [k, share] of OWNER_SHARE.entries()) burstBuilds.push(await submitBuild(s, owners[k] ?? 0, Math.round((tasks * share) / 100), 0));
    child.send({ type: 'go' } satisfies ToNodes);
    await waitAllDone(ctx, burstBuilds);
    const burst = await pause(child);
    const b = await leaseTimes(ctx, burstBuilds);
    const burstCount = b.waits.length;
    const throughputSeconds = (b.last - b.first) / 1000;

    // Latency: a steady stream of small builds while the nodes run.
    child.send({ type: 'go' } satisfies ToNodes);
    const steadyBuilds: number[] = [];
    const start = Date.now();
    let submitted = 0;
    while (submitted < tasks) {
      const due = Math.min(tasks, Math.floor(((Date.now() - start) / 1000) * rate));
      if (due > submitted) {
        steadyBuilds.push(await submitBuild(s, ownerOf(s, submitted), due - submitted, submitted));
        submitted = due;
      }
      await sleep(10);
    }
    const steadyRate = tasks / ((Date.now() - start) / 1000);
    await waitAllDone(ctx, steadyBuilds);
    const steady = await pause(child);
    const l = await leaseTimes(ctx, steadyBuilds);
    return {
      dialect: ctx.db.dialect,
      leasesPerSecond: burstCount / throughputSeconds,
      throughputSeconds,
      burstRtt: [percentile(burst.leaseRtt, 50), percentile(burst.leaseRtt, 99)],
      p50: percentile(l.waits, 50),
      p99: percentile(l.waits, 99),
      steadyRate,
      steadyRtt: [percentile(steady.leaseRtt, 50), percentile(steady.leaseRtt, 99)],
      errors: burst.errors + steady.errors,
    };
  } finally {
    child.kill();
    await app.close();
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

function print(r: Result, tasks: number, nodes: number): void {
  const ms = (v: number): string => `${v.toFixed(1)} ms`;
  process.stdout.write(
    `${r.dialect}: ${tasks} tasks, ${nodes} nodes over HTTP\n` +
      `  throughput: ${r.leasesPerSecond.toFixed(0)} leases/s (${r.throughputSeconds.toFixed(1)} s); lease request p50 ${ms(r.burstRtt[0])}, p99 ${ms(r.burstRtt[1])}\n` +
      `  steady ${r.steadyRate.toFixed(0)} tasks/s: submit-to-lease p50 ${r.p50} ms, p99 ${r.p99} ms; lease request p50 ${ms(r.steadyRtt[0])}, p99 ${ms(r.steadyRtt[1])}\n` +
      (r.errors > 0 ? `  ${r.errors} failed requests\n` : ''),
  );
}

async function main(): Promise<void> {
  const tasks = Number(process.argv[2] ?? 10_000);
  const nodes = Number(process.argv[3] ?? 100);
  const rate = Number(process.env.RATE ?? 400);
  const pollMs = Number(process.env.POLL ?? 100);
  const which = process.env.BENCH_DB ?? 'both';
  process.stdout.write(`bench/scheduler: ${tasks} tasks, ${nodes} nodes, steady rate ${rate}/s, idle poll ${pollMs} ms\n`);
  if (which !== 'postgres') {
    const file = join(mkdtempSync(join(tmpdir(), 'distforge-bench-sqlite-')), 'bench.sqlite');
    print(await benchOne(file, tasks, nodes, rate, pollMs), tasks, nodes);
  }
  if (which !== 'sqlite') {
    let admin = process.env.DISTFORGE_BENCH_PG;
    let cluster: string | undefined;
    if (!admin) {
      const script = fileURLToPath(new URL('../scripts/postgres.sh', import.meta.url));
      [cluster, admin] = execFileSync('bash', [script, 'start'], { encoding: 'utf8' }).trim().split(' ');
    }
    try {
      print(await benchOne(await freshPgDatabase(admin ?? ''), tasks, nodes, rate, pollMs), tasks, nodes);
    } finally {
      if (cluster) execFileSync('bash', [fileURLToPath(new URL('../scripts/postgres.sh', import.meta.url)), 'stop', cluster]);
    }
  }
}

if (process.argv[2] === 'nodes') await runNodes();
else await main();
