/**
 * `distforge server`: runs the master in the foreground until SIGINT or SIGTERM, then stops
 * cleanly (requests in flight finish, the database is closed). Logs (JSON lines) go to standard
 * error; standard output gets a few lines for people: where it listens, the admin token file on
 * first start, the platforms loaded from --config.
 */
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { UsageError } from '../errors.ts';
import { parseDurationSeconds } from './duration.ts';
import { graceFlag } from './store.ts';

interface ServerFlags {
  data: string;
  db?: string;
  port: string;
  host: string;
  config?: string;
  publicUrl?: string;
  leaseSeconds: string;
  platformRepos?: string;
  releaseExport?: string;
  store?: string;
  s3Endpoint?: string;
  s3Region?: string;
  s3PathStyle?: boolean;
  s3PresignSeconds?: string;
  s3PublicEndpoint?: string;
  storeGcInterval?: string;
  storeGcGrace?: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

/** Resolves when the process gets SIGINT or SIGTERM. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', on).off('SIGTERM', on);
      done(signal);
    };
    process.on('SIGINT', on).on('SIGTERM', on);
  });
}

/** The periodic garbage collection the flags ask for, checked. @throws UsageError */
function storeGcFlags(flags: ServerFlags): { intervalMs: number; graceSeconds: number } | undefined {
  if (flags.storeGcInterval === undefined) {
    if (flags.storeGcGrace !== undefined) throw new UsageError('--store-gc-grace needs --store-gc-interval');
    return undefined;
  }
  const interval = parseDurationSeconds('--store-gc-interval', flags.storeGcInterval);
  if (interval < 60) throw new UsageError(`--store-gc-interval: at least 1m, not ${flags.storeGcInterval}`);
  return { intervalMs: interval * 1000, graceSeconds: graceFlag('--store-gc-grace', flags.storeGcGrace) };
}

export function serverCommand(): Command {
  return new Command('server')
    .option('--data <dir>', 'data directory (SQLite database, artifact store, admin token), made mode 0700; looser modes are tightened', 'distforge-data')
    .option('--db <url>', 'database: postgres://… or a SQLite file (default DATA/distforge.sqlite)')
    .option('--port <n>', 'TCP port (0: any free port)', '8080')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--config <file>', 'YAML configuration file (platforms)')
    .option('--public-url <url>', 'URL clients and nodes reach this server at (default http://HOST:PORT)')
    .option('--lease-seconds <n>', 'how long a task lease lasts without a heartbeat', '60')
    .option('--release-export <dir>', 'export the release repositories to DIR (hard links; for a web server or rsync mirrors), kept in step (default: the config file\'s releaseExport, else none)')
    .option('--platform-repos <dir>', 'repositories served at /api/v1/platform-repos/NAME/ARCH/ (default: the config file\'s platformRepos, else DATA/platform-repos)')
    .option('--store <url>', 'artifact store: s3://BUCKET[/PREFIX] or a directory (default: DISTFORGE_STORE, the config file\'s store.url, else DATA/store); S3 credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY')
    .option('--s3-endpoint <url>', 'S3-compatible endpoint, e.g. http://minio:9000 (default: DISTFORGE_S3_ENDPOINT, store.endpoint, else AWS)')
    .option('--s3-region <name>', 'S3 region (default: AWS_REGION, store.region, else us-east-1)')
    .option('--s3-path-style', 'path-style S3 addressing, for MinIO and Ceph RGW (default: DISTFORGE_S3_FORCE_PATH_STYLE, store.forcePathStyle)')
    .option('--s3-presign-seconds <n>', 'answer artifact downloads with presigned S3 URLs valid N seconds; 0: stream through the master (default: DISTFORGE_S3_PRESIGN_SECONDS, store.presignSeconds, else 0)')
    .option('--s3-public-endpoint <url>', 'the endpoint presigned URLs name, when clients reach the store elsewhere than the master does (default: DISTFORGE_S3_PUBLIC_ENDPOINT, store.publicEndpoint, else --s3-endpoint)')
    .option('--store-gc-interval <duration>', 'collect the artifact store\'s garbage this often, e.g. 6h (at least 1m; default never: run `distforge store gc`)')
    .option('--store-gc-grace <duration>', 'with --store-gc-interval: keep blobs written within this long (default 1d, at least 1h)')
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'))
    .action(async (flags: ServerFlags) => {
      if (!/^\d+$/.test(flags.port) || Number(flags.port) > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not "${flags.port}"`);
      const leaseSeconds = Number(flags.leaseSeconds);
      if (!Number.isInteger(leaseSeconds) || leaseSeconds < 1) throw new UsageError(`--lease-seconds must be a whole number of at least 1, not "${flags.leaseSeconds}"`);
      const storeGc = storeGcFlags(flags);
      const { startServer } = await import('../server/start.ts');
      const { storeSourceFromEnv } = await import('../storage/store-settings.ts');
      const { tightenedNote } = await import('../server/data-dir.ts');
      // The AWS SDK (an S3 store) warns once on Node 20 that its versions after January 2027
      // need Node 22; the version we pin runs on Node 20, and the warning's lines would break
      // the JSON log on stderr.
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
      // Everything the master writes in its data directory is for its own account only.
      process.umask(0o077);
      const server = await startServer({
        dataDir: flags.data,
        host: flags.host,
        port: Number(flags.port),
        leaseMs: leaseSeconds * 1000,
        logLevel: flags.logLevel,
        logDestination: process.stderr,
        ...(flags.db !== undefined && { db: flags.db }),
        ...(flags.config !== undefined && { configFile: flags.config }),
        ...(flags.publicUrl !== undefined && { publicUrl: flags.publicUrl }),
        ...(flags.platformRepos !== undefined && { platformReposDir: resolve(flags.platformRepos) }),
        ...(flags.releaseExport !== undefined && { releaseExportDir: resolve(flags.releaseExport) }),
        ...(storeGc && { storeGc }),
        store: {
          env: storeSourceFromEnv(process.env),
          flags: {
            ...(flags.store !== undefined && { url: flags.store }),
            ...(flags.s3Endpoint !== undefined && { endpoint: flags.s3Endpoint }),
            ...(flags.s3Region !== undefined && { region: flags.s3Region }),
            ...(flags.s3PathStyle !== undefined && { forcePathStyle: flags.s3PathStyle }),
            ...(flags.s3PresignSeconds !== undefined && { presignSeconds: flags.s3PresignSeconds }),
            ...(flags.s3PublicEndpoint !== undefined && { publicEndpoint: flags.s3PublicEndpoint }),
          },
        },
      });
      // Listening for signals before saying where it listens: a signal sent as soon as the line is
      // read stops the server cleanly instead of killing it.
      const stopping = untilSignal();
      const out = (line: string): boolean => process.stdout.write(`${line}\n`);
      const note = tightenedNote(server.dataDir);
      if (note) out(note);
      if (server.admin.created) out(`created user admin; its token is in ${server.admin.tokenFile}`);
      for (const p of server.platforms) out(`platform ${p.name} ${p.created ? 'created' : 'updated'} from ${flags.config ?? ''}`);
      out(`distforge server listening on ${server.url}`);
      const signal = await stopping;
      out(`distforge server stopping (${signal})`);
      await server.close();
      out('distforge server stopped');
    });
}
