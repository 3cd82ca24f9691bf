/**
 * Building the master's context at start: the data directory (created when missing), the artifact
 * store (DATA/store unless settings name another, e.g. an S3 bucket, checked first), the database
 * (DATA/distforge.sqlite unless a URL is given), a pino logger, and the scheduler settings. The
 * caller closes `ctx.db` (and the store) when done: closeContext.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pino, type Level, type Logger } from 'pino';
import type { Context } from '../context.ts';
import { openDatabase } from '../db/connection.ts';
import { UsageError } from '../errors.ts';
import { openStore } from '../storage/open-store.ts';
import type { StoreSettings } from '../storage/store-settings.ts';
import type { ArtifactStore } from '../storage/store.ts';

export const DEFAULT_LEASE_MS = 60_000;
export const DEFAULT_MAX_ATTEMPTS = 3;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface ContextOptions {
  /** The data directory (created when missing). */
  dataDir: string;
  /** `postgres://…`, a SQLite file path or `sqlite:PATH`; default DATA/distforge.sqlite. */
  db?: string;
  /** Absolute URL clients and nodes reach the server at (a trailing slash is removed). */
  publicUrl: string;
  /** Default info; `silent` for tests. */
  logLevel?: Level | 'silent';
  /** Where logs go; default standard output (JSON lines). */
  logDestination?: NodeJS.WritableStream;
  /** Overrides for the scheduler settings. */
  leaseMs?: number;
  maxAttempts?: number;
  /** The clock; default Date.now. */
  now?: () => number;
  /** The artifact store, opened already or to open; default the local directory DATA/store. */
  store?: StoreSettings | ArtifactStore;
}

/** The default SQLite database of a data directory. */
export function defaultDatabase(dataDir: string): string {
  return join(resolve(dataDir), 'distforge.sqlite');
}

/** Checks that `url` is an absolute http(s) URL and returns it without a trailing slash. @throws UsageError */
export function normalizePublicUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`invalid public URL "${url}" (expected e.g. http://build.example.com:8080)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`invalid public URL "${url}": must be http:// or https://`);
  return url.replace(/\/+$/, '');
}

/** Opens everything the master needs. @throws UsageError, DistforgeError `database`, StoreUnavailableError */
export async function createContext(options: ContextOptions): Promise<Context> {
  const dataDir = resolve(options.dataDir);
  const publicUrl = normalizePublicUrl(options.publicUrl);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new UsageError(`cannot create the data directory ${dataDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  const log: Logger = options.logDestination
    ? pino({ level: options.logLevel ?? 'info' }, options.logDestination)
    : pino({ level: options.logLevel ?? 'info' });
  const now = options.now ?? Date.now;
  const given = options.store ?? { kind: 'local', dir: join(dataDir, 'store') };
  const store = 'put' in given ? given : await openStore(given, { dataDir, now });
  let db;
  try {
    db = await openDatabase(options.db ?? defaultDatabase(dataDir));
  } catch (e) {
    store.close?.();
    throw e;
  }
  return {
    db,
    store,
    log,
    now,
    settings: {
      publicUrl,
      dataDir,
      leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
      maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    },
  };
}

/** Closes what createContext opened: the database, then the store's connections. */
export async function closeContext(ctx: Context): Promise<void> {
  try {
    await ctx.db.close();
  } finally {
    ctx.store.close?.();
  }
}
