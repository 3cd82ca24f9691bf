/**
 * `distforge repo …`: create and check dnf repositories.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { CreateOptions } from '../repo/create/create.ts';
import { RepoCreateError } from '../repo/errors.ts';
import { parseCompression } from '../repo/publish/compress.ts';
import { repoClosureCommand } from './repo-closure.ts';

interface CreateFlags {
  compress: string;
  signKey?: string;
  passphraseFile?: string;
  update?: boolean;
  changelogLimit: string;
  updateinfo?: string;
  groups?: string;
  modules?: string;
  grace: string;
}

function readInput(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new RepoCreateError(`cannot read ${what}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, file);
  }
}

function wholeNumber(value: string, flag: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new RepoCreateError(`${flag} must be a whole number${min < 0 ? ' (-1 for all)' : ''}, not "${value}"`);
  return n;
}

async function createOptions(f: CreateFlags): Promise<CreateOptions> {
  const o: CreateOptions = {
    compression: parseCompression(f.compress),
    update: Boolean(f.update),
    changelogLimit: wholeNumber(f.changelogLimit, '--changelog-limit', -1),
    graceSeconds: wholeNumber(f.grace, '--grace', 0),
  };
  // Each loaded only when its flag is given: a command line that needs no YAML, XML checks or
  // keys does not load them (the OpenPGP library alone costs ~50 ms).
  if (f.updateinfo) {
    const { parseAdvisories } = await import('../repo/advisories-input.ts');
    o.advisories = parseAdvisories(readInput(f.updateinfo, 'advisories').toString('utf8'), f.updateinfo);
  }
  if (f.groups) {
    const { checkComps } = await import('../repo/extras.ts');
    o.groups = readInput(f.groups, 'comps file');
    checkComps(o.groups, f.groups);
  }
  if (f.modules) {
    const { checkModules } = await import('../repo/extras.ts');
    o.modules = readInput(f.modules, 'modules file');
    checkModules(o.modules, f.modules);
  }
  if (f.signKey) {
    const { loadSigningKey } = await import('./signing-key.ts');
    o.signKey = await loadSigningKey(f.signKey, f.passphraseFile);
  }
  return o;
}

function createCommand(): Command {
  return new Command('create')
    .description('write DIR/repodata for the *.rpm files under DIR (recursively), like createrepo_c')
    .addOption(new Option('--compress <type>', 'compression of the metadata files').choices(['zstd', 'gz', 'none']).default('zstd'))
    .option('--sign-key <secretkey>', 'sign repomd.xml with this ASCII-armored secret key (repodata/repomd.xml.asc)')
    .option('--passphrase-file <file>', 'file whose first line is the key passphrase')
    .option('--update', 'reuse the cached metadata of files whose path, size and mtime are unchanged')
    .option('--changelog-limit <n>', 'newest changelog entries per package in other.xml (-1: all)', '10')
    .option('--updateinfo <file>', 'advisories (YAML or JSON list) for updateinfo.xml')
    .option('--groups <comps.xml>', 'comps (group) file to include')
    .option('--modules <modules.yaml>', 'modules metadata to include')
    .option('--grace <seconds>', 'keep superseded metadata files this long for clients still reading them', '3600')
    .argument('<dir>')
    .action(async (dir: string, flags: CreateFlags) => {
      const [{ createRepository }, { Prehash }] = await Promise.all([import('../repo/create/create.ts'), import('../repo/create/prehash.ts')]);
      // The packages may be being hashed already (bin/distforge): the pipeline comes in the
      // environment (it ends with this process, however it ends).
      const prehash = Prehash.fromEnvironment(dir);
      const r = await createRepository(dir, { ...(await createOptions(flags)), prehash });
      const signed = flags.signKey ? ', repomd.xml signed' : '';
      process.stdout.write(`${dir}: ${r.packages} packages (${r.read} read, ${r.reused} reused)${signed}\n`);
      for (const rec of r.records) process.stdout.write(`  ${rec.type.padEnd(10)} ${rec.location.href}\n`);
      if (r.publish.removed.length > 0) process.stdout.write(`  removed ${r.publish.removed.length} files of older generations\n`);
    });
}

export function repoCommand(): Command {
  const repo = new Command('repo');
  repo.addCommand(createCommand());
  repo.addCommand(repoClosureCommand());
  return repo;
}
