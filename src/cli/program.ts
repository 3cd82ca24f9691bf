/**
 * The distforge program: commander set up the same way for every entry point (main.ts for all
 * command groups, repo-main.ts for the `repo` group alone), the arguments run, and the exit status.
 */
import { Command, CommanderError } from 'commander';
import { ExitCode, exitQuietlyWhenOutputCloses, reportError } from './errors.ts';

/** A command group: its name and summary for the help text, and how to load it whole. */
export interface CommandGroup {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

/**
 * The program for these arguments: the group they run (`GROUP …` or `help GROUP`) loaded whole,
 * every other group only as its name and summary for the help text.
 */
async function program(argv: readonly string[], groups: readonly CommandGroup[]): Promise<Command> {
  const p = new Command('distforge')
    .description('Build, test, sign and release RPM distributions.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const named = argv[0] === 'help' ? argv[1] : argv[0];
  for (const g of groups) p.addCommand((g.name === named ? await g.load() : new Command(g.name)).description(g.summary));
  const override = (c: Command): void => {
    c.exitOverride();
    for (const sub of c.commands) override(sub);
  };
  override(p);
  return p;
}

/** Runs the command `argv` names; resolves to the exit status (errors reported on stderr). */
export async function runProgram(argv: readonly string[], groups: readonly CommandGroup[]): Promise<number> {
  exitQuietlyWhenOutputCloses();
  try {
    await (await program(argv, groups)).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof ExitCode) return e.code;
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    reportError(e);
    return 1;
  }
}
