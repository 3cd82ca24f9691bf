/**
 * `distforge bootstrap …`: the bootstrap platform (docs/bootstrap.md).
 *
 * `bootstrap repo --out DIR` makes (or brings up to date) the bootstrap repository: EL9-named RPMs
 * repackaged from this host's Debian 12 packages, with repodata and the buildsys-build group.
 */
import { Command } from 'commander';
import type { BootstrapResult } from '../bootstrap/types.ts';

interface RepoFlags {
  out: string;
  cache?: string;
  arch: string;
  json?: boolean;
  verbose?: boolean;
}

/** The one-line summary: where, how many, how big, how long, made or from the cache. */
function summary(r: BootstrapResult): string {
  const how = r.made === 0 ? 'all from the cache' : r.made === r.packages.length ? `made all ${r.made}` : `made ${r.made}, the rest from the cache`;
  return `${r.repoDir}: ${r.packages.length} packages, ${(r.bytes / 1e6).toFixed(0)} MB, ${(r.ms / 1000).toFixed(1)} s (${how})`;
}

function repoCommand(): Command {
  return new Command('repo')
    .description("make the bootstrap repository (EL9 names, Debian 12 binaries) in DIR; reuses the cache's debs and RPMs")
    .requiredOption('--out <dir>', 'repository directory to write (Packages/ and repodata/)')
    .option('--cache <dir>', 'keep downloaded debs and made RPMs here (default: OUT/.bootstrap-cache)')
    .option('--arch <arch>', 'architecture of the repository (only x86_64)', 'x86_64')
    .option('--json', 'print the result as one JSON object')
    .option('--verbose', 'report each step on stderr')
    .action(async (flags: RepoFlags) => {
      const { makeBootstrapRepo } = await import('../bootstrap/index.ts');
      const r = await makeBootstrapRepo({
        outDir: flags.out,
        arch: flags.arch,
        ...(flags.cache === undefined ? {} : { cacheDir: flags.cache }),
        ...(flags.verbose ? { progress: (p) => process.stderr.write(`distforge bootstrap: ${p.phase}: ${p.message}\n`) } : {}),
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ ...r, cached: r.made === 0 })}\n`);
      } else {
        process.stdout.write(`${summary(r)}\n`);
      }
    });
}

export function bootstrapCommand(): Command {
  const cmd = new Command('bootstrap');
  cmd.addCommand(repoCommand());
  return cmd;
}
