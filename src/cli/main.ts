/**
 * The distforge command line: one program, a command group per part of the system. Each group
 * lives in its own file and only parses, calls a library or service, and prints. bin/distforge
 * runs the `repo` group from an entry of its own (repo-main.ts), everything else from this one.
 */
import type { Command } from 'commander';
import { GROUP_SUMMARIES, type GroupName } from './group-summaries.ts';
import { runProgram, type CommandGroup } from './program.ts';

/**
 * How each group is loaded. A group's module (and what it imports: the server, the RPM reader,
 * the AWS SDK…) is loaded only when its group is run, so a command starts without loading the
 * rest of the system.
 */
const LOADERS: Record<GroupName, () => Promise<Command>> = {
  rpm: async () => (await import('./rpm.ts')).rpmCommand(),
  repo: async () => (await import('./repo.ts')).repoCommand(),
  server: async () => (await import('./server.ts')).serverCommand(),
  node: async () => {
    const [{ withNodeRun }, { nodeCommand }] = await Promise.all([import('./node.ts'), import('./nodes.ts')]);
    return withNodeRun(nodeCommand());
  },
  platform: async () => (await import('./platforms.ts')).platformCommand(),
  token: async () => (await import('./tokens.ts')).tokenCommand(),
  build: async () => (await import('./builds.ts')).buildCommand(),
  up: async () => (await import('./up.ts')).upCommand(),
  git: async () => (await import('./git.ts')).gitCommand(),
  sources: async () => (await import('./sources.ts')).sourcesCommand(),
  key: async () => (await import('./keys.ts')).keyCommand(),
  signer: async () => (await import('./signer.ts')).signerCommand(),
  bootstrap: async () => (await import('./bootstrap.ts')).bootstrapCommand(),
  release: async () => (await import('./releases.ts')).releaseCommand(),
  errata: async () => (await import('./errata.ts')).errataCommand(),
  store: async () => (await import('./store.ts')).storeCommand(),
};

/** The command groups, in the order `distforge --help` lists them. */
const GROUPS: CommandGroup[] = (Object.keys(GROUP_SUMMARIES) as GroupName[]).map((name) => ({ name, summary: GROUP_SUMMARIES[name], load: LOADERS[name] }));

process.exitCode = await runProgram(process.argv.slice(2), GROUPS);
