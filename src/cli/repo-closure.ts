/**
 * `distforge repo closure [--json] --repo DIR_OR_URL [--repo …]`: the packages of the given
 * repositories, taken together, whose requirements nothing provides, as `dnf repoclosure` lists
 * them. Exit status 1 when anything is unresolved or a repository cannot be read, 0 otherwise.
 *
 * Text output, per package sorted by NEVRA:
 * ```
 * package: NEVRA from REPO
 *   unresolved deps (N):
 *     DEPENDENCY
 * ```
 * (REPO is the --repo argument), then a one-line summary on stderr. With --json: an array of
 * `{ package, unresolved }`.
 *
 * Like dnf, the check assumes a machine architecture (this host's, or --forcearch): packages of
 * other architectures are checked but provide nothing.
 *
 * Terminology:
 * - NEVRA: `name-[epoch:]version-release.arch`, the epoch left out when 0.
 */
import { machine } from 'node:os';
import { Command } from 'commander';
import { ClosureChecker } from '../repo/closure/index.ts';
import { RepoReadError } from '../repo/errors.ts';
import { openRepository } from '../repo/read/index.ts';
import { ExitCode, reportError } from './errors.ts';

interface ClosureFlags {
  repo: string[];
  json?: boolean;
  forcearch: string;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Adds every package of the repository at `location` to `checker`; reports and exits 1 if unreadable. */
async function addRepository(checker: ClosureChecker, location: string): Promise<void> {
  try {
    const source = await openRepository(location);
    for await (const p of source.packages({ filelists: true, other: false })) checker.add(p, location);
  } catch (e) {
    // Name the repository as the user gave it unless the message already does.
    const named = e instanceof RepoReadError && e.message.includes(location);
    reportError(e, named ? undefined : location);
    throw new ExitCode(1);
  }
}

export function repoClosureCommand(): Command {
  return new Command('closure')
    .description('list packages whose requirements nothing in the repositories provides (like dnf repoclosure)')
    .requiredOption('--repo <dir-or-url>', 'repository directory or file://, http(s):// URL; repeat to check several together', collect)
    .option('--json', 'print a JSON array of {package, unresolved}')
    .option('--forcearch <arch>', 'machine architecture: only its packages (and noarch) provide, as dnf --forcearch', machine())
    .action(async (flags: ClosureFlags) => {
      const checker = new ClosureChecker({ arch: flags.forcearch });
      for (const location of flags.repo) await addRepository(checker, location);
      const result = checker.check();
      if (flags.json) {
        const out = result.map(({ package: nevra, unresolved }) => ({ package: nevra, unresolved }));
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } else {
        let text = '';
        for (const r of result) {
          text += `package: ${r.package} from ${r.repo}\n  unresolved deps (${r.unresolved.length}):\n`;
          for (const dep of r.unresolved) text += `    ${dep}\n`;
        }
        process.stdout.write(text);
        if (result.length > 0) {
          const deps = result.reduce((n, r) => n + r.unresolved.length, 0);
          process.stderr.write(`distforge: closure: ${deps} unresolved dependencies across ${result.length} packages\n`);
        }
      }
      if (result.length > 0) throw new ExitCode(1);
    });
}
