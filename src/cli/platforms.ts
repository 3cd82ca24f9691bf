/**
 * `distforge platform …`: the platforms a server builds for. Anyone may list and show them;
 * `platform add FILE` (admin) checks the YAML file here first, so a bad file is reported with its
 * name and field before anything is sent.
 */
import { Command } from 'commander';
import type { StoredPlatform } from '../platforms/types.ts';
import { checkName } from '../platforms/names.ts';
import { clientFrom, printJson, printTable, withClientOptions, type ClientFlags } from './client.ts';

interface JsonFlags extends ClientFlags {
  json?: boolean;
}

interface AddFlags extends ClientFlags {
  replace?: boolean;
}

function listCommand(): Command {
  return withClientOptions(new Command('list'))
    .description('list platforms')
    .option('--json', 'print JSON (an array of platform definitions)')
    .action(async (flags: JsonFlags) => {
      const platforms = await clientFrom(flags).get<StoredPlatform[]>('/platforms');
      if (flags.json) return printJson(platforms);
      printTable(
        ['NAME', 'VERSION', 'CODENAME', 'DIST', 'ARCHES', 'RELEASED', 'END OF SUPPORT'],
        platforms.map((p) => [p.name, p.lifecycle?.version ?? '-', p.lifecycle?.codename ?? '-', p.distTag, p.arches.join(','), p.lifecycle?.releaseDate ?? '-', p.lifecycle?.endOfSupport ?? '-']),
      );
    });
}

function showCommand(): Command {
  return withClientOptions(new Command('show'))
    .description('print a platform definition (YAML, as `platform add` takes it)')
    .argument('<name>')
    .option('--json', 'print JSON')
    .action(async (name: string, flags: JsonFlags) => {
      checkName('platform name', name);
      const { createdAt: _c, updatedAt: _u, ...definition } = await clientFrom(flags).get<StoredPlatform>(`/platforms/${encodeURIComponent(name)}`);
      if (flags.json) return printJson(definition);
      const YAML = await import('yaml');
      process.stdout.write(YAML.stringify(definition));
    });
}

function addCommand(): Command {
  return withClientOptions(new Command('add'))
    .description('create a platform from a YAML file (admin)')
    .argument('<file>', 'platform definition (see examples/platforms/example-el9.yaml)')
    .option('--replace', 'replace the platform if it exists')
    .action(async (file: string, flags: AddFlags) => {
      const { loadPlatformFile } = await import('../platforms/config.ts');
      const platform = loadPlatformFile(file);
      const client = clientFrom(flags, { needsToken: true });
      const path = `/platforms/${encodeURIComponent(platform.name)}`;
      const res = flags.replace
        ? await client.fetch('PUT', path, { body: JSON.stringify(platform), headers: { 'content-type': 'application/json' } })
        : await client.fetch('POST', '/platforms', { body: JSON.stringify(platform), headers: { 'content-type': 'application/json' } });
      await res.body?.cancel();
      process.stdout.write(`platform ${platform.name} ${res.status === 201 ? 'created' : 'replaced'}\n`);
    });
}

export function platformCommand(): Command {
  const platform = new Command('platform').description('platforms of a distforge server');
  platform.addCommand(listCommand());
  platform.addCommand(showCommand());
  platform.addCommand(addCommand());
  return platform;
}
