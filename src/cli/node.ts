/**
 * `distforge node --server URL --token T [options]` (also `distforge node run …`): runs this
 * machine as a build node until SIGINT or SIGTERM. The `node` group itself (nodes.ts) holds the
 * admin commands (`node list`, `node add`); {@link withNodeRun} adds `run` to it and makes the
 * group's own action run the node when options are given instead of a subcommand.
 * Logs (JSON lines) go to standard error.
 */
import { Command, Option } from 'commander';
import { pino } from 'pino';
import { UsageError } from '../errors.ts';
import { NodeAgent } from '../node/agent.ts';
import { buildableArches } from '../node/host.ts';
import { agentConnection, concurrencyFlag, runUntilSignalled } from './agent-process.ts';

interface RunFlags {
  server?: string;
  token?: string;
  arches?: string;
  maxConcurrency: string;
  work: string;
  capabilities: string;
  pollMs: string;
  wait: string;
  keepWork?: boolean;
  cache?: string;
  rootCacheGib: string;
  rootCacheDays: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

async function runNode(flags: RunFlags): Promise<void> {
  const { server, token } = agentConnection(flags, 'a node needs its token');
  const max = concurrencyFlag(flags.maxConcurrency);
  const pollMs = Number(flags.pollMs);
  if (!Number.isInteger(pollMs) || pollMs < 10) throw new UsageError(`--poll-ms must be a whole number of at least 10, not "${flags.pollMs}"`);
  const waitSeconds = Number(flags.wait);
  if (!Number.isInteger(waitSeconds) || waitSeconds < 0 || waitSeconds > 60) throw new UsageError(`--wait must be a whole number of seconds from 0 to 60, not "${flags.wait}"`);
  const capabilities = list(flags.capabilities);
  const bad = capabilities.find((c) => c !== 'build' && c !== 'test');
  if (bad !== undefined) throw new UsageError(`--capabilities: unknown capability "${bad}" (build, test)`);
  const gib = Number(flags.rootCacheGib);
  if (!Number.isFinite(gib) || gib <= 0 || gib > 100_000) throw new UsageError(`--root-cache-gib must be a number of GiB above 0, not "${flags.rootCacheGib}"`);
  const days = Number(flags.rootCacheDays);
  if (!Number.isFinite(days) || days <= 0 || days > 3650) throw new UsageError(`--root-cache-days must be a number of days above 0, not "${flags.rootCacheDays}"`);
  const log = pino({ level: flags.logLevel }, process.stderr);
  const agent = new NodeAgent({
    server,
    token,
    arches: flags.arches ? list(flags.arches) : buildableArches(),
    capabilities,
    maxConcurrency: max,
    workDir: flags.work,
    pollMs,
    waitSeconds,
    ...(flags.keepWork ? { keepWork: true } : {}),
    ...(flags.cache ? { cacheDir: flags.cache } : {}),
    rootMaxBytes: gib * 1024 ** 3,
    rootMaxAgeMs: days * 24 * 3600_000,
    log,
  });
  await runUntilSignalled(agent, log, 'builds');
}

/** The `run` command: options and action. */
export function nodeRunCommand(): Command {
  return new Command('run')
    .description(`run this machine as a build node (it builds ${buildableArches().join(', ')})`)
    .option('--server <url>', 'the distforge master, e.g. http://master:8080, or several on one database: URL,URL,… (default: $DISTFORGE_URL)')
    .option('--token <token>', "this node's token, from `distforge node add` (default: $DISTFORGE_TOKEN)")
    .option('--arches <list>', 'comma-separated arches to serve (default: every arch this host really builds)')
    .option('--max-concurrency <n>', 'tasks to run at once', '1')
    .option('--work <dir>', 'directory for work dirs of the tasks', 'distforge-node-work')
    .option('--capabilities <list>', 'comma-separated: build, test', 'build')
    .option('--wait <seconds>', 'how long the master may hold a lease request until work is queued (0: poll)', '20')
    .option('--poll-ms <ms>', 'pause after a lease request that got no work', '2000')
    .option('--keep-work', 'keep the work dirs of finished tasks (for debugging)')
    .option('--cache <dir>', 'cached build roots and dnf package caches (default: WORK/cache)')
    .option('--root-cache-gib <n>', 'total size of cached build roots kept', '20')
    .option('--root-cache-days <n>', 'cached build roots unused this long are removed', '7')
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'))
    .action(runNode);
}

/**
 * Adds `run` to the `node` group and lets `distforge node --server URL --token T …` (options, no
 * subcommand) run the node too.
 */
export function withNodeRun(group: Command): Command {
  group.addCommand(nodeRunCommand());
  group.addHelpText('after', '\n`distforge node --server URL --token T [run options]` is `distforge node run …`.');
  return group
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (_flags: unknown, cmd: Command) => {
      const args = cmd.args;
      if (args.length === 0) {
        cmd.outputHelp();
        return;
      }
      if (!args[0]?.startsWith('-')) throw new UsageError(`unknown command "node ${args[0] ?? ''}" (run \`distforge node --help\`)`);
      await nodeRunCommand().exitOverride().parseAsync(args, { from: 'user' });
    });
}
