/**
 * Starting and stopping the master as one unit: configuration, context, first-start admin,
 * platforms from the config file, the app listening, the lease reaper, the builds loop (fan-out,
 * build repositories), the git service's poller (mirrors and rules from the config file) and,
 * when asked, the store's garbage collection every so often. `distforge server` and `distforge up`
 * call this; `close()` undoes it in reverse order.
 */
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import type { Level } from 'pino';
import { ensureAdmin, type AdminBootstrap } from '../auth/bootstrap.ts';
import { startStoreGcLoop } from '../blob-refs/index.ts';
import { startBuildsLoop } from '../builds/index.ts';
import { startReleasesLoop } from '../releases/index.ts';
import type { Context } from '../context.ts';
import { UsageError } from '../errors.ts';
import { applyGitConfig, gitSettings, startGitPoller, type GitPoller } from '../git/index.ts';
import { loadConfig } from './config.ts';
import { sqliteFileOf } from '../db/connection.ts';
import { savePlatform } from '../platforms/store.ts';
import { startLeaseReaper } from '../scheduler/index.ts';
import { buildApp } from './app.ts';
import { openStore } from '../storage/open-store.ts';
import { describeStore, resolveStoreSettings, type StoreSource } from '../storage/store-settings.ts';
import { closeContext, createContext, defaultDatabase } from './context-factory.ts';
import { prepareDataDir, type PreparedDataDir } from './data-dir.ts';
import { listenError, reservePort } from './port.ts';

export interface ServerOptions {
  dataDir: string;
  /** Database URL; default DATA/distforge.sqlite. */
  db?: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Default http://HOST:PORT (127.0.0.1 when listening on every address). */
  publicUrl?: string;
  /** YAML configuration file (platforms). */
  configFile?: string;
  logLevel?: Level | 'silent';
  logDestination?: NodeJS.WritableStream;
  /** How long a lease lasts without a heartbeat (default 60 s). */
  leaseMs?: number;
  /** More route plugins under /api/v1. */
  extraRoutes?: (ctx: Context) => FastifyPluginAsync[];
  /** How often the git poller looks for due mirrors (default 1000 ms). */
  gitTickMs?: number;
  /** Repositories served at /api/v1/platform-repos/ (default: the config file's platformRepos, else DATA/platform-repos). */
  platformReposDir?: string;
  /** Where release repositories are exported (default: the config file's releaseExport, else none). */
  releaseExportDir?: string;
  /**
   * The artifact store as flags and the environment give it (over the config file's `store:`
   * section); default the local DATA/store.
   */
  store?: { flags?: StoreSource; env?: StoreSource };
  /** Collect the artifact store's garbage this often (src/blob-refs/); default never (on demand: POST /store/gc). */
  storeGc?: { intervalMs: number; graceSeconds?: number };
}

export interface RunningServer {
  /** Where it listens, e.g. http://127.0.0.1:8080. */
  url: string;
  ctx: Context;
  /** The data directory: whether it was made now, and what had looser modes and was tightened. */
  dataDir: PreparedDataDir;
  admin: AdminBootstrap;
  /** Platforms from the configuration file, and whether each was created (else updated). */
  platforms: { name: string; created: boolean }[];
  /** Stops the reaper and the builds loop, the app (waiting for requests in flight), then closes the database. */
  close(): Promise<void>;
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Starts the master. Refusals (a bad configuration, an S3 bucket that does not answer, a port it
 * cannot listen on) come before anything is written: the store is opened (and an S3 bucket
 * checked) first, then the port is bound and held until the app listens on it.
 * @throws UsageError, ConfigError, PlatformDefinitionError, DistforgeError `database`, StoreUnavailableError
 */
export async function startServer(o: ServerOptions): Promise<RunningServer> {
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new UsageError(`invalid port ${o.port}`);
  const config = o.configFile ? loadConfig(o.configFile) : { platforms: [] };
  const storeSettings = resolveStoreSettings({ ...o.store, ...(config.store && o.configFile !== undefined && { file: { source: config.store, path: o.configFile } }) }, o.dataDir);
  const store = await openStore(storeSettings, { dataDir: resolve(o.dataDir) });
  const reservation = await reservePort(o.host, o.port).catch((e: unknown) => {
    store.close?.();
    throw e;
  });
  let ctx: Context;
  let dataDir: PreparedDataDir;
  try {
    dataDir = prepareDataDir(o.dataDir, sqliteFileOf(o.db ?? defaultDatabase(o.dataDir)) ?? undefined);
    ctx = await createContext({
      dataDir: o.dataDir,
      publicUrl: o.publicUrl ?? `http://${hostForUrl(o.host)}:${reservation.port}`,
      ...(o.db !== undefined && { db: o.db }),
      ...(o.logLevel !== undefined && { logLevel: o.logLevel }),
      ...(o.logDestination !== undefined && { logDestination: o.logDestination }),
      ...(o.leaseMs !== undefined && { leaseMs: o.leaseMs }),
      store,
    });
  } catch (e) {
    store.close?.();
    await reservation.release();
    throw e;
  }
  if (config.http) ctx.settings.http = config.http;
  const platformRepos = o.platformReposDir ?? config.platformRepos;
  if (platformRepos !== undefined) ctx.settings.platformReposDir = platformRepos;
  const releaseExport = o.releaseExportDir ?? config.releaseExport;
  if (releaseExport !== undefined) ctx.settings.releaseExportDir = releaseExport;
  if (dataDir.tightened.length > 0) ctx.log.warn({ tightened: dataDir.tightened }, 'the data directory was readable by others: restricted to its owner');
  let stopReaper = (): void => {};
  let stopBuildsLoop = (): Promise<void> => Promise.resolve();
  let stopReleasesLoop = (): Promise<void> => Promise.resolve();
  let stopStoreGc = (): Promise<void> => Promise.resolve();
  let poller: GitPoller | null = null;
  try {
    const admin = await ensureAdmin(ctx, ctx.settings.dataDir);
    const platforms: RunningServer['platforms'] = [];
    for (const p of config.platforms) {
      const { created } = await savePlatform(ctx, p);
      platforms.push({ name: p.name, created });
    }
    if (config.git) await applyGitConfig(ctx, config.git);
    const app = await buildApp(ctx, { extraRoutes: o.extraRoutes?.(ctx) ?? [] });
    await reservation.release();
    try {
      await app.listen({ host: o.host, port: reservation.port });
    } catch (e) {
      await app.close();
      throw listenError(o.host, o.port, e);
    }
    const { port } = app.server.address() as AddressInfo;
    const url = `http://${hostForUrl(o.host)}:${port}`;
    if (!o.publicUrl) ctx.settings.publicUrl = url;
    stopReaper = startLeaseReaper(ctx, Math.max(1000, Math.floor(ctx.settings.leaseMs / 4)));
    stopBuildsLoop = startBuildsLoop(ctx);
    stopReleasesLoop = startReleasesLoop(ctx);
    if (o.storeGc) stopStoreGc = startStoreGcLoop(ctx, o.storeGc.intervalMs, o.storeGc.graceSeconds);
    const git = gitSettings(ctx);
    poller = startGitPoller(ctx, { intervalS: git.pollIntervalSeconds, concurrency: git.concurrency, ...(o.gitTickMs !== undefined && { tickMs: o.gitTickMs }) });
    ctx.log.info({ url, publicUrl: ctx.settings.publicUrl, database: ctx.db.dialect, store: describeStore(storeSettings) }, 'distforge server listening');
    return {
      url,
      ctx,
      dataDir,
      admin,
      platforms,
      async close() {
        stopReaper();
        await poller?.stop();
        await stopBuildsLoop();
        await stopReleasesLoop();
        await stopStoreGc();
        await app.close();
        await closeContext(ctx);
      },
    };
  } catch (e) {
    stopReaper();
    await poller?.stop();
    await closeContext(ctx);
    await reservation.release();
    throw e;
  }
}
