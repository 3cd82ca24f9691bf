/**
 * The distforge command line: one program, a command group per part of the system. Each group
 * lives in its own file and only parses, calls a library or service, and prints.
 */
import { Command, CommanderError } from 'commander';
import { ExitCode, exitQuietlyWhenOutputCloses, reportError } from './errors.ts';

/**
 * The command groups, in the order `distforge --help` lists them. A group's module (and what it
 * imports: the server, the RPM reader, the AWS SDK…) is loaded only when its group is run, so a
 * command starts without loading the rest of the system.
 */
const GROUPS: { name: string; summary: string; load(): Promise<Command> }[] = [
  { name: 'rpm', summary: 'read, verify, sign and unpack RPM files', load: async () => (await import('./rpm.ts')).rpmCommand() },
  { name: 'repo', summary: 'create and check dnf repositories', load: async () => (await import('./repo.ts')).repoCommand() },
  { name: 'server', summary: 'run the distforge master (REST API under /api/v1) until interrupted', load: async () => (await import('./server.ts')).serverCommand() },
  {
    name: 'node',
    summary: 'build nodes of a distforge server',
    load: async () => {
      const [{ withNodeRun }, { nodeCommand }] = await Promise.all([import('./node.ts'), import('./nodes.ts')]);
      return withNodeRun(nodeCommand());
    },
  },
  { name: 'platform', summary: 'platforms of a distforge server', load: async () => (await import('./platforms.ts')).platformCommand() },
  { name: 'token', summary: 'API tokens of a distforge server', load: async () => (await import('./tokens.ts')).tokenCommand() },
  { name: 'build', summary: 'submit and follow builds', load: async () => (await import('./builds.ts')).buildCommand() },
  { name: 'up', summary: 'run the master and a build node on embedded defaults (SQLite, local store)', load: async () => (await import('./up.ts')).upCommand() },
  { name: 'git', summary: 'upstream git mirrors: list, sync, show, add', load: async () => (await import('./git.ts')).gitCommand() },
  { name: 'sources', summary: "source files in distforge's lookaside store: upload", load: async () => (await import('./sources.ts')).sourcesCommand() },
  { name: 'key', summary: 'signing keys: generate, import (a key store), list, allow (the master)', load: async () => (await import('./keys.ts')).keyCommand() },
  { name: 'signer', summary: 'run the sign server: holds the keys, signs packages the master asks it to', load: async () => (await import('./signer.ts')).signerCommand() },
  {
    name: 'bootstrap',
    summary: 'the bootstrap platform: an EL9-like build root repository made from Debian packages',
    load: async () => (await import('./bootstrap.ts')).bootstrapCommand(),
  },
  {
    name: 'release',
    summary: 'plan, check, commit and revert releases: versioned, signed dnf repositories of a platform',
    load: async () => (await import('./releases.ts')).releaseCommand(),
  },
  { name: 'errata', summary: 'advisories: create, update, approve, retract, list, show (OSV)', load: async () => (await import('./errata.ts')).errataCommand() },
  { name: 'store', summary: "the artifact store's housekeeping on a distforge server", load: async () => (await import('./store.ts')).storeCommand() },
];

/**
 * The program for these arguments: the group they run (`GROUP …` or `help GROUP`) loaded whole,
 * every other group only as its name and summary for the help text.
 */
async function program(argv: readonly string[]): Promise<Command> {
  const p = new Command('distforge')
    .description('Build, test, sign and release RPM distributions.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const named = argv[0] === 'help' ? argv[1] : argv[0];
  for (const g of GROUPS) p.addCommand((g.name === named ? await g.load() : new Command(g.name)).description(g.summary));
  const override = (c: Command): void => {
    c.exitOverride();
    for (const sub of c.commands) override(sub);
  };
  override(p);
  return p;
}

async function main(argv: string[]): Promise<number> {
  try {
    await (await program(argv)).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof ExitCode) return e.code;
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    reportError(e);
    return 1;
  }
}

exitQuietlyWhenOutputCloses();
process.exitCode = await main(process.argv.slice(2));
