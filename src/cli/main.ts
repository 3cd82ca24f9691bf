/**
 * The distforge command line: one program, a command group per part of the system. Each group
 * lives in its own file and only parses, calls a library or service, and prints.
 */
import { Command, CommanderError } from 'commander';
import { bootstrapCommand } from './bootstrap.ts';
import { buildCommand } from './builds.ts';
import { errataCommand } from './errata.ts';
import { ExitCode, exitQuietlyWhenOutputCloses, reportError } from './errors.ts';
import { gitCommand } from './git.ts';
import { keyCommand } from './keys.ts';
import { withNodeRun } from './node.ts';
import { nodeCommand } from './nodes.ts';
import { platformCommand } from './platforms.ts';
import { releaseCommand } from './releases.ts';
import { repoCommand } from './repo.ts';
import { rpmCommand } from './rpm.ts';
import { serverCommand } from './server.ts';
import { signerCommand } from './signer.ts';
import { sourcesCommand } from './sources.ts';
import { storeCommand } from './store.ts';
import { tokenCommand } from './tokens.ts';
import { upCommand } from './up.ts';

function program(): Command {
  const p = new Command('distforge')
    .description('Build, test, sign and release RPM distributions.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  p.addCommand(rpmCommand());
  p.addCommand(repoCommand());
  p.addCommand(serverCommand());
  p.addCommand(withNodeRun(nodeCommand()));
  p.addCommand(platformCommand());
  p.addCommand(tokenCommand());
  p.addCommand(buildCommand());
  p.addCommand(upCommand());
  p.addCommand(gitCommand());
  p.addCommand(sourcesCommand());
  p.addCommand(keyCommand());
  p.addCommand(signerCommand());
  p.addCommand(bootstrapCommand());
  p.addCommand(releaseCommand());
  p.addCommand(errataCommand());
  p.addCommand(storeCommand());
  const override = (c: Command): void => {
    c.exitOverride();
    for (const sub of c.commands) override(sub);
  };
  override(p);
  return p;
}

async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
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
