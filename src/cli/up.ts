/**
 * `distforge up [--data DIR] [--port N] [--config FILE] [--cache DIR]`: the whole system in one
 * process on embedded defaults: the master (SQLite and the local artifact store in DIR, default
 * ./distforge-data), one build and test node serving this host's arches, and a sign server with a
 * key made on first start (src/up/local-signer.ts). Without --config the example platform
 * `example-el9` is loaded, with the bootstrap repository its build roots come from and its first
 * build root (src/up/example-platform.ts; cached in --cache, default DATA/cache). Until all of
 * that is ready the API answers 503 `starting`; on a terminal a status line on stderr says what it
 * is doing meanwhile and for how long (progress.ts). Prints the URL and where the admin token is; stops
 * cleanly on SIGINT/SIGTERM (the node stops leasing, the master finishes requests in flight and
 * closes the database).
 */
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { UsageError } from '../errors.ts';
import { Progress, type Line } from './progress.ts';

interface UpFlags {
  data: string;
  port: string;
  host: string;
  config?: string;
  db?: string;
  cache?: string;
  maxConcurrency: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', on).off('SIGTERM', on);
      done(signal);
    };
    process.on('SIGINT', on).on('SIGTERM', on);
  });
}

/**
 * What `up` is doing while it starts, as a status line on a terminal (nothing otherwise): the
 * phase and how long it has taken, and the time in all.
 */
function startingStatus(progress: Progress): (phase: string) => void {
  let phase = '';
  let since = progress.now();
  return (text) => {
    if (text !== phase) since = progress.now();
    phase = text;
    progress.status((): Line[] => [[['distforge up', 'bold'], ` starting: ${phase}`, ['  ', 'dim'], [`${progress.elapsed(since)}, ${progress.elapsed()} in all`, 'dim']]]);
  };
}

async function up(flags: UpFlags): Promise<void> {
  if (!/^\d+$/.test(flags.port) || Number(flags.port) > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not "${flags.port}"`);
  const max = Number(flags.maxConcurrency);
  if (!Number.isInteger(max) || max < 1) throw new UsageError(`--max-concurrency must be a whole number of at least 1, not "${flags.maxConcurrency}"`);
  const progress = new Progress();
  try {
    await run(flags, max, progress);
  } finally {
    progress.end();
  }
}

async function run(flags: UpFlags, max: number, progress: Progress): Promise<void> {
  const phase = startingStatus(progress);
  phase('starting the master');
  const { startServer } = await import('../server/start.ts');
  const { exampleConfigFile } = await import('../up/example-config.ts');
  const { localNodeToken } = await import('../up/local-node.ts');
  const { NodeAgent } = await import('../node/agent.ts');
  const { createSigner } = await import('../signer/signer.ts');
  const { prepareLocalSigner } = await import('../up/local-signer.ts');
  const { prepareExamplePlatform, saveExamplePlatform } = await import('../up/example-platform.ts');
  const { buildableArches } = await import('../node/host.ts');
  const { pino } = await import('pino');
  const { tightenedNote } = await import('../server/data-dir.ts');
  const configFile = flags.config;
  const dataDir = resolve(flags.data);
  const cacheDir = resolve(flags.cache ?? join(dataDir, 'cache'));
  // Everything written in the data directory (the master's, the local node's and signer's work)
  // is for this account only; startServer makes the directory itself, once the port is taken.
  process.umask(0o077);
  // Lines and logs go above the status line while it is drawn (as they are, byte for byte, when it is not).
  const out = (line: string): void => progress.print(line, process.stdout);
  const logs = progress.live ? progress.lines(process.stderr) : process.stderr;
  const server = await startServer({
    dataDir,
    host: flags.host,
    port: Number(flags.port),
    logLevel: flags.logLevel,
    logDestination: logs,
    ...(flags.db !== undefined && { db: flags.db }),
    ...(configFile !== undefined && { configFile }),
  });
  // Nothing may be submitted before the system can run it: the API answers 503 until ready.
  server.ctx.settings.starting = 'distforge up is starting (making the bootstrap repository and the first build root)';
  const example = configFile === undefined ? exampleConfigFile() : null;
  if (example) server.platforms.push({ name: 'example-el9', created: (await saveExamplePlatform(server.ctx, example)).created });
  const arches = buildableArches();
  let agent: InstanceType<typeof NodeAgent>;
  let signer: Awaited<ReturnType<typeof createSigner>>['agent'];
  let signing: Awaited<ReturnType<typeof prepareLocalSigner>>;
  phase('preparing the sign server (its key is made on the first start) and the build node');
  try {
    signing = await prepareLocalSigner(server.ctx, server.platforms.map((p) => p.name));
    signer = (
      await createSigner({
        server: server.url,
        token: signing.token,
        keysDir: signing.keysDir,
        passphrase: signing.passphrase,
        workDir: join(dataDir, 'signer-work'),
        log: pino({ level: flags.logLevel }, logs),
      })
    ).agent;
    const token = await localNodeToken(server.ctx, arches, max);
    agent = new NodeAgent({
      server: server.url,
      token,
      arches,
      capabilities: ['build', 'test'],
      maxConcurrency: max,
      workDir: join(dataDir, 'node-work'),
      cacheDir: join(cacheDir, 'node'),
      log: pino({ level: flags.logLevel }, logs),
    });
    // Both work directories first: another `up` on this data directory is refused before either runs.
    signer.claimWorkRoot();
    agent.claimWorkRoot();
  } catch (e) {
    await server.close();
    throw e;
  }
  let prepared: string[] = [];
  if (example) {
    // The example platform's build roots come from the bootstrap repository: made (or taken from
    // the cache) now, with the first root, before anything is leased.
    try {
      if (server.admin.created) out(`created user admin; its token is in ${server.admin.tokenFile}`);
      phase('making the example platform\'s bootstrap repository and first build root (cached after the first start)');
      prepared = (await prepareExamplePlatform(server.ctx, example, cacheDir, agent.rootCache, { line: out, phase })).lines;
    } catch (e) {
      await server.close();
      throw e;
    }
  }
  progress.end();
  const signerDone = signer.run();
  const agentDone = agent.run();
  // Listening for signals before saying it is up: a signal sent as soon as the line is read stops it cleanly.
  const stopping = untilSignal();
  const note = tightenedNote(server.dataDir);
  if (note) out(note);
  if (!example && server.admin.created) out(`created user admin; its token is in ${server.admin.tokenFile}`);
  else if (!server.admin.created) out(`admin token: ${server.admin.tokenFile}`);
  for (const line of prepared) out(line);
  for (const p of server.platforms) out(`platform ${p.name} ${p.created ? 'created' : 'updated'}${p.name === 'example-el9' && example ? ' (a bootstrap of EL9 from Debian 12 packages: for trying distforge, not for release); it tests every package it builds' : ''}`);
  out(`build and test node local serving ${arches.join(', ')}`);
  out(`signer with ${signing.algorithm} key ${signing.keyid}${signing.allowed.length ? ` (allowed for ${signing.allowed.join(', ')})` : ''}; public key: ${server.url}/api/v1/keys/${signing.keyid}.asc`);
  delete server.ctx.settings.starting;
  out(`distforge is up at ${server.url}`);
  out(`  try: DISTFORGE_URL=${server.url} DISTFORGE_TOKEN=$(cat ${server.admin.tokenFile}) bin/distforge platform list`);
  out(`  web UI: ${server.url}/ (sign in with the token in ${server.admin.tokenFile})`);
  const signal = await stopping;
  out(`distforge stopping (${signal})`);
  agent.stop();
  signer.stop();
  await agentDone.catch(() => undefined);
  await signerDone.catch(() => undefined);
  await server.close();
  out('distforge stopped');
}

export function upCommand(): Command {
  return new Command('up')
    .option('--data <dir>', 'data directory, made mode 0700 (looser modes are tightened)', 'distforge-data')
    .option('--port <n>', 'TCP port', '8080')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--config <file>', 'YAML configuration file (default: the example platform example-el9)')
    .option('--db <url>', 'database: postgres://… or a SQLite file (default DATA/distforge.sqlite)')
    .option('--cache <dir>', 'the bootstrap repository\'s and the node\'s build-root caches, kept across starts (default DATA/cache)')
    .option('--max-concurrency <n>', 'tasks the local node runs at once', '2')
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'))
    .action(up);
}
