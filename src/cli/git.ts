/**
 * `distforge git …`: the git service's mirrors from the command line. Anyone may list them and
 * show a package's pipeline; `git sync NAME` (maintainer) looks at the upstream now and builds
 * what the rules match; `git add NAME URL` (admin) registers an upstream repository.
 */
import { isAbsolute, resolve } from 'node:path';
import { Command } from 'commander';
import type { MirrorInfo, PipelineView, SyncResult } from '../git/types.ts';
import { checkName } from '../platforms/names.ts';
import { clientFrom, printJson, printTable, withClientOptions, type ClientFlags } from './client.ts';

interface JsonFlags extends ClientFlags {
  json?: boolean;
}

const when = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'));

function listCommand(): Command {
  return withClientOptions(new Command('list'))
    .description('list upstream mirrors')
    .option('--json', 'print JSON')
    .action(async (flags: JsonFlags) => {
      const mirrors = await clientFrom(flags).get<MirrorInfo[]>('/git/mirrors');
      if (flags.json) return printJson(mirrors);
      printTable(
        ['NAME', 'REFS', 'SYNCED', 'NEXT POLL', 'FAILURES', 'UPSTREAM'],
        mirrors.map((m) => [m.name, String(m.refs), when(m.syncedAt), when(m.nextPollAt), m.failures ? `${m.failures} (${m.lastError ?? ''})` : '0', m.url]),
      );
    });
}

/** A command taking one mirror name and --json; the name is checked before anything is sent. */
function mirrorCommand(verb: string, description: string, run: (name: string, flags: JsonFlags) => Promise<void>): Command {
  return withClientOptions(new Command(verb))
    .description(description)
    .argument('<name>', 'mirror (package) name')
    .option('--json', 'print JSON')
    .action(async (name: string, flags: JsonFlags) => {
      checkName('mirror name', name);
      await run(name, flags);
    });
}

function syncCommand(): Command {
  return mirrorCommand('sync', 'sync a mirror with its upstream now; new refs that a rule matches are built (maintainer)', async (name, flags) => {
    const r = await clientFrom(flags, { needsToken: true }).post<SyncResult>(`/git/mirrors/${encodeURIComponent(name)}/sync`);
    if (flags.json) return printJson(r);
    process.stdout.write(`mirror ${r.mirror}: ${r.changed ? 'updated' : 'up to date'}${r.deleted.length ? `, ${r.deleted.length} refs removed` : ''}\n`);
    for (const e of r.events) process.stdout.write(`  ${e.ref} ${e.commit.slice(0, 12)} ${e.rule ? `→ rule ${e.rule} (building)` : '(no rule)'}\n`);
  });
}

function showCommand(): Command {
  return mirrorCommand('show', "a package's pipeline: upstream ref → our ref → build → tasks", async (name, flags) => {
    const p = await clientFrom(flags).get<PipelineView>(`/git/packages/${encodeURIComponent(name)}`);
    if (flags.json) return printJson(p);
    process.stdout.write(`${p.package}  ${p.mirror.url}\n  clone: ${p.mirror.cloneUrl}\n  webhook: ${p.mirror.webhookUrl}\n`);
    printTable(
      ['EVENT', 'UPSTREAM REF', 'COMMIT', 'VIA', 'RULE', 'OUR REF', 'BUILD', 'STATE'],
      p.pipeline.map((e) => [String(e.id), e.ref, e.commit.slice(0, 12), e.via, e.rule ?? '-', e.ourRef ?? '-', e.build ? String(e.build.id) : '-', e.build?.state ?? `${e.status}${e.message ? `: ${e.message}` : ''}`]),
    );
  });
}

function addCommand(): Command {
  return withClientOptions(new Command('add'))
    .description('register an upstream repository (admin): it is fetched and its refs recorded')
    .argument('<name>', 'mirror (package) name')
    .argument('<url>', 'upstream URL, or a local path')
    .option('--webhook-secret <secret>', 'secret of its push webhooks')
    .action(async (name: string, url: string, flags: ClientFlags & { webhookSecret?: string }) => {
      checkName('mirror name', name);
      const upstream = url.includes(':') || isAbsolute(url) ? url : resolve(url);
      const m = await clientFrom(flags, { needsToken: true }).post<MirrorInfo>('/git/mirrors', { name, url: upstream, ...(flags.webhookSecret !== undefined && { webhookSecret: flags.webhookSecret }) });
      process.stdout.write(`mirror ${m.name} registered (${m.refs} refs); clone ${m.cloneUrl}\n`);
    });
}

export function gitCommand(): Command {
  const git = new Command('git');
  git.addCommand(listCommand());
  git.addCommand(syncCommand());
  git.addCommand(showCommand());
  git.addCommand(addCommand());
  return git;
}
