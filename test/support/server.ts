/**
 * A real master for a test: a fresh data directory, a fresh database (SQLite, or PostgreSQL when
 * DISTFORGE_TEST_PG is set: see db.ts), a fresh artifact store (the local DATA/store, or a bucket
 * of its own on a real S3-compatible server when DISTFORGE_TEST_STORE=s3 or the test asks: see
 * s3-server.ts), the full app listening on 127.0.0.1 on a free port, and the admin token of the
 * first start.
 *
 * ```ts
 * const server = await startTestServer({ platforms: [examplePlatform()] });
 * after(() => server.close());
 * const r = await api(server, 'GET', '/nodes', { token: server.adminToken });
 * const maintainer = await userToken(server, 'alice', 'maintainer');
 * const node = await nodeToken(server, 'builder1', { arches: ['x86_64', 'noarch'] });
 * ```
 * The signature of startTestServer and the TestServer fields are stable: other test files use them.
 */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyPluginAsync } from 'fastify';
import { ensureAdmin } from '../../src/auth/bootstrap.ts';
import { createNodeToken, type NodeSpec } from '../../src/auth/nodes.ts';
import { issueUserToken } from '../../src/auth/tokens.ts';
import type { Context } from '../../src/context.ts';
import type { Role } from '../../src/db/schema.ts';
import { loadPlatformFile } from '../../src/platforms/config.ts';
import { savePlatform } from '../../src/platforms/store.ts';
import type { Platform } from '../../src/platforms/types.ts';
import { buildApp } from '../../src/server/app.ts';
import { S3Store } from '../../src/storage/s3-store.ts';
import { closeContext, createContext } from '../../src/server/context-factory.ts';
import { DEFAULT_HTTP_SETTINGS, type HttpSettings } from '../../src/server/http-settings.ts';
import type { UiBundle } from '../../src/server/ui-bundle.ts';
import { freshDatabaseUrl, TEST_DIALECT } from './db.ts';
import { sharedS3Server } from './s3-server.ts';

/** Which artifact store test servers use unless a test says: DISTFORGE_TEST_STORE=s3, else local. */
export const TEST_STORE: 'local' | 's3' = process.env.DISTFORGE_TEST_STORE === 's3' ? 's3' : 'local';

/** examples/platforms/example-el9.yaml. */
export const EXAMPLE_PLATFORM_FILE = resolve(import.meta.dirname, '../../examples/platforms/example-el9.yaml');

/** The example platform `example-el9` (a fresh copy each call). */
export function examplePlatform(): Platform {
  return loadPlatformFile(EXAMPLE_PLATFORM_FILE);
}

export interface TestServerOptions {
  /** Platforms stored before the server answers (API-shaped definitions). */
  platforms?: unknown[];
  /** More route plugins under /api/v1, given the context. */
  extraRoutes?: (ctx: Context) => FastifyPluginAsync[];
  /** Scheduler settings (defaults: 60000 ms, 3 attempts). */
  leaseMs?: number;
  maxAttempts?: number;
  /** The clock (default Date.now); tests may move time. */
  now?: () => number;
  /** Default silent; DISTFORGE_TEST_LOG=debug shows the server's log. */
  logLevel?: 'silent' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  /** Where the log goes (default stderr). */
  logDestination?: NodeJS.WritableStream;
  /** HTTP limits (timeouts in ms, git http-backend processes); defaults as the server's. */
  http?: Partial<HttpSettings>;
  /** Repositories served at /api/v1/platform-repos/ (the shared bootstrap repository: bootstrap-repo.ts). */
  platformReposDir?: string;
  /** The web UI to serve at / (default: the bundle of src/ui, as the master makes it). */
  ui?: UiBundle;
  /** The artifact store (default TEST_STORE): `s3` is a fresh bucket on the process's s3rver. */
  store?: 'local' | 's3';
  /** With an S3 store: answer downloads with presigned URLs valid this long (default 0: off). */
  s3PresignSeconds?: number;
}

export interface TestServer {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:40123 (the API is under /api/v1). */
  url: string;
  ctx: Context;
  /** The token of user `admin` (also in DATA/admin.token). */
  adminToken: string;
  dataDir: string;
  /** The database's URL (a SQLite file or postgres://…), for a `distforge server` process of the same master. */
  dbUrl: string;
  /** With an S3 store: its bucket, and the keys in it. */
  s3?: { bucket: string; keys(): Promise<string[]> };
  /** Replaces the stored bytes of blob `sha256` behind the store's back (a test that damages a blob), whatever the store. */
  damageBlob(sha256: string, bytes: Buffer): Promise<void>;
  /** Sets blob `sha256`'s modified time to `msAgo` before now behind the store's back (a blob that has been stored that long), whatever the store. */
  ageBlob(sha256: string, msAgo: number): Promise<void>;
  /** Stops the server, closes the database and removes the data directory (and a SQLite database's directory). */
  close(): Promise<void>;
}

/** Starts a master on 127.0.0.1:0 over a fresh database. */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'distforge-server-'));
  const envLevel = process.env.DISTFORGE_TEST_LOG as TestServerOptions['logLevel'];
  const db = await freshDatabaseUrl();
  const s3 = (opts.store ?? TEST_STORE) === 's3' ? await sharedS3Server() : null;
  const store = s3 ? await s3.newStore({ prefix: 'distforge', ...(opts.s3PresignSeconds !== undefined && { presignSeconds: opts.s3PresignSeconds }) }) : undefined;
  const ctx = await createContext({
    dataDir,
    db,
    publicUrl: 'http://127.0.0.1',
    logLevel: opts.logLevel ?? envLevel ?? 'silent',
    logDestination: opts.logDestination ?? process.stderr,
    ...(opts.leaseMs !== undefined && { leaseMs: opts.leaseMs }),
    ...(opts.maxAttempts !== undefined && { maxAttempts: opts.maxAttempts }),
    ...(opts.now !== undefined && { now: opts.now }),
    ...(store && { store }),
  });
  if (opts.http) ctx.settings.http = { ...DEFAULT_HTTP_SETTINGS, ...opts.http };
  if (opts.platformReposDir !== undefined) ctx.settings.platformReposDir = opts.platformReposDir;
  const admin = await ensureAdmin(ctx, dataDir);
  if (!admin.token) throw new Error('startTestServer: the fresh database already had an admin');
  for (const p of opts.platforms ?? []) await savePlatform(ctx, p);
  const app = await buildApp(ctx, { extraRoutes: opts.extraRoutes?.(ctx) ?? [], ...(opts.ui && { ui: opts.ui }) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  ctx.settings.publicUrl = url;
  return {
    url,
    ctx,
    adminToken: admin.token,
    dataDir,
    dbUrl: db,
    ...(s3 && store?.kind === 's3' && { s3: { bucket: store.bucket, keys: () => s3.keys(store.bucket) } }),
    async damageBlob(sha256, bytes) {
      const path = ctx.store.localPath(sha256);
      if (path !== null) {
        // A new file, not the old one rewritten: the build repositories hold hard links to it.
        rmSync(path, { force: true });
        writeFileSync(path, bytes);
      } else if (s3 && ctx.store instanceof S3Store) {
        await s3.putObject(ctx.store.settings.bucket, ctx.store.key(sha256), bytes);
      } else {
        throw new Error('damageBlob: an unknown store');
      }
    },
    async ageBlob(sha256, msAgo) {
      const at = new Date(Date.now() - msAgo);
      const path = ctx.store.localPath(sha256);
      if (path !== null) utimesSync(path, at, at);
      else if (s3 && ctx.store instanceof S3Store) s3.setModifiedTime(ctx.store.settings.bucket, ctx.store.key(sha256), at);
      else throw new Error('ageBlob: an unknown store');
    },
    async close() {
      await app.close();
      await closeContext(ctx);
      rmSync(dataDir, { recursive: true, force: true });
      // A SQLite database lives in a temporary directory of its own.
      if (TEST_DIALECT === 'sqlite') rmSync(dirname(db), { recursive: true, force: true });
    },
  };
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * One JSON request to `server`'s API: `path` is under /api/v1 (e.g. `/nodes`). The body, when
 * given, is sent as JSON; the reply is parsed as JSON when it is JSON, else returned as text.
 */
export async function api<T = unknown>(
  server: Pick<TestServer, 'url'>,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers,
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
  });
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').includes('json') && text !== '';
  return { status: res.status, body: (json ? JSON.parse(text) : text) as T, headers: res.headers };
}

/** A token for user `name` (created with `role` when new). */
export async function userToken(server: Pick<TestServer, 'ctx'>, name: string, role: Role): Promise<string> {
  return (await issueUserToken(server.ctx, name, role)).secret;
}

/** A new node and its token (default arches x86_64 and noarch). */
export async function nodeToken(server: Pick<TestServer, 'ctx'>, name: string, spec: Partial<Omit<NodeSpec, 'name'>> = {}): Promise<{ id: number; token: string }> {
  const issued = await createNodeToken(server.ctx, { arches: ['x86_64', 'noarch'], ...spec, name });
  return { id: issued.node.id, token: issued.secret };
}
