/**
 * The distforge command line: one program, a command group per part of the system. Each group
 * lives in its own file and only parses, calls a library or service, and prints.
 */
import { Command, CommanderError } from 'commander';
import { ExitCode, reportError } from './errors.ts';
import { repoCommand } from './repo.ts';
import { rpmCommand } from './rpm.ts';

function program(): Command {
  const p = new Command('distforge')
    .description('Build, test, sign and release RPM distributions.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  p.addCommand(rpmCommand());
  p.addCommand(repoCommand());
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

process.exitCode = await main(process.argv.slice(2));
