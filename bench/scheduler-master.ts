/**
 * One master of bench/scheduler (on PostgreSQL), in its own process: the full app (`buildApp`, logging off) on
 * 127.0.0.1 at a free port over the database the bench made (already migrated), its own data
 * directory. It says `listening` with its URL and stops (closing the app and the database, then
 * exiting, so a --cpu-prof profile is written) when told `stop`.
 *   node --import tsx bench/scheduler-master.ts DB_URL DATA_DIR
 * Environment: BENCH_APP=scheduler (the node API without the builds domain's lease decorator and
 * completion hook), BENCH_MASTER_SRC (a directory holding another version of src/, to compare
 * before and after in one session; default ../src), ROUTE_TIMING=1 (per-route server times and
 * event-loop delay, on standard error, at exit).
 */
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Context } from '../src/context.ts';
import type * as AppModule from '../src/server/app.ts';
import type * as AuthModule from '../src/server/auth.ts';
import type * as ContextFactoryModule from '../src/server/context-factory.ts';
import type * as ErrorsModule from '../src/server/errors.ts';
import type * as NodeApiModule from '../src/server/routes/node-api.ts';

export type ToMaster = { type: 'stop' };
export type FromMaster = { type: 'listening'; url: string };

const src = process.env.BENCH_MASTER_SRC ? pathToFileURL(`${process.env.BENCH_MASTER_SRC}/`).href : new URL('../src/', import.meta.url).href;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** The node API alone (auth hook, error handler, the plugin without the builds domain's hooks). */
async function schedulerOnlyApp(ctx: Context): Promise<FastifyInstance> {
  const { default: Fastify } = await import('fastify');
  const { errorHandler } = (await import(`${src}server/errors.ts`)) as typeof ErrorsModule;
  const { registerAuth } = (await import(`${src}server/auth.ts`)) as typeof AuthModule;
  const { nodeApiRoutes } = (await import(`${src}server/routes/node-api.ts`)) as typeof NodeApiModule;
  const app = Fastify({ loggerInstance: ctx.log as FastifyBaseLogger });
  app.setErrorHandler(errorHandler);
  registerAuth(app, ctx);
  await app.register(nodeApiRoutes(ctx), { prefix: '/api/v1' });
  return app;
}

/** Per-route server times and the event loop's delay, printed at exit. */
function timeRoutes(app: FastifyInstance): void {
  const timing = new Map<string, number[]>();
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  app.addHook('onResponse', async (req, reply) => {
    const k = `${req.method} ${req.routeOptions.url ?? '?'} ${reply.statusCode}`;
    const list = timing.get(k) ?? [];
    list.push(reply.elapsedTime);
    timing.set(k, list);
  });
  process.on('exit', () => {
    process.stderr.write(`[master ${process.pid}] event loop delay p50 ${(h.percentile(50) / 1e6).toFixed(1)} ms p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms max ${(h.max / 1e6).toFixed(1)} ms\n`);
    for (const [k, v] of timing) {
      v.sort((a, b) => a - b);
      process.stderr.write(`[master ${process.pid}] ${k}: n=${v.length} p50=${percentile(v, 50).toFixed(1)} p99=${percentile(v, 99).toFixed(1)} ms\n`);
    }
  });
}

/** Serves the app of `ctx` on 127.0.0.1 at a free port (SQLite's bench runs its one master in
 * its own process with this: a SQLite database belongs to one process). */
export async function serveMaster(ctx: Context): Promise<{ app: FastifyInstance; url: string }> {
  const { buildApp } = (await import(`${src}server/app.ts`)) as typeof AppModule;
  const app = process.env.BENCH_APP === 'scheduler' ? await schedulerOnlyApp(ctx) : await buildApp(ctx);
  if (process.env.ROUTE_TIMING) timeRoutes(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  ctx.settings.publicUrl = url;
  return { app, url };
}

async function main(): Promise<void> {
  const [dbUrl, dataDir] = process.argv.slice(2);
  if (!dbUrl || !dataDir) throw new Error('usage: scheduler-master.ts DB_URL DATA_DIR');
  const { createContext } = (await import(`${src}server/context-factory.ts`)) as typeof ContextFactoryModule;
  const ctx = await createContext({ dataDir, db: dbUrl, publicUrl: 'http://127.0.0.1', logLevel: 'silent' });
  const { app, url } = await serveMaster(ctx);
  process.on('message', (m: ToMaster) => {
    if (m.type !== 'stop') return;
    void app
      .close()
      .then(() => ctx.db.close())
      .finally(() => process.exit(0));
  });
  process.send?.({ type: 'listening', url } satisfies FromMaster);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
