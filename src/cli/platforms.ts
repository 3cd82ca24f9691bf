/**
 * `distforge platform …`: the platforms a server builds for. Anyone may list them (a release
 * table: versions, dates, lag behind upstream, support state as the server computes it) and show them;
 * `platform add FILE` (admin) checks the YAML file here first, so a bad file is reported with its
 * name and field before anything is sent.
 */
import { Command } from 'commander';
import type { LifecycleStatus } from '../platforms/lifecycle.ts';
import type { StoredPlatform } from '../platforms/types.ts';
import { checkName } from '../platforms/names.ts';
import { clientFrom, printJson, printTable, withClientOptions, type ClientFlags } from './client.ts';

interface JsonFlags extends ClientFlags {
  json?: boolean;
}

interface AddFlags extends ClientFlags {
  replace?: boolean;
}

/** A platform as the API answers it: the definition and its computed lifecycle status. */
type AnsweredPlatform = StoredPlatform & { lifecycleStatus?: LifecycleStatus };

/** The release table: one row a platform, `-` where the platform does not say. */
function lifecycleRow(p: AnsweredPlatform): string[] {
  const l = p.lifecycle;
  const lag = p.lifecycleStatus?.lagDays;
  return [
    p.name,
    l?.version ?? '-',
    l?.codename ?? '-',
    l?.upstreamBase ?? '-',
    l?.kernel ?? '-',
    l?.releaseDate ?? '-',
    l?.upstreamReleaseDate ?? '-',
    lag === undefined || lag === null ? '-' : `${lag} day${lag === 1 ? '' : 's'}`,
    l?.endOfActiveSupport ?? '-',
    l?.endOfSecuritySupport ?? '-',
    p.lifecycleStatus?.state ?? '-',
    p.distTag,
    p.arches.join(','),
  ];
}

function listCommand(): Command {
  return withClientOptions(new Command('list'))
    .description('list platforms as a release table: versions, dates, lag behind upstream, support state')
    .option('--json', 'print JSON (an array of platform definitions, each with its lifecycleStatus)')
    .action(async (flags: JsonFlags) => {
      const platforms = await clientFrom(flags).get<AnsweredPlatform[]>('/platforms');
      if (flags.json) return printJson(platforms);
      printTable(
        ['NAME', 'VERSION', 'CODENAME', 'UPSTREAM', 'KERNEL', 'RELEASED', 'UPSTREAM RELEASED', 'LAG', 'ACTIVE SUPPORT TO', 'SECURITY SUPPORT TO', 'STATE', 'DIST', 'ARCHES'],
        platforms.map(lifecycleRow),
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
      const { createdAt: _c, updatedAt: _u, lifecycleStatus: _s, ...definition } = await clientFrom(flags).get<AnsweredPlatform>(`/platforms/${encodeURIComponent(name)}`);
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
  const platform = new Command('platform');
  platform.addCommand(listCommand());
  platform.addCommand(showCommand());
  platform.addCommand(addCommand());
  return platform;
}
