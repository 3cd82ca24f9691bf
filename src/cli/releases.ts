/**
 * `distforge release …`: plan a release from builds, edit and check the plan, commit it (and wait
 * until its repositories are published), revert it, list the history and the repository versions,
 * over the server's API. On a terminal (and without --json) `commit` shows what it waits for as
 * live status lines on stderr (progress.ts): the checks and staging, then the sign server's task.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { UsageError } from '../errors.ts';
import type { ChannelView, ReleaseView } from '../releases/index.ts';
import { clientFrom, printJson, printTable, withClientOptions, type ApiClient, type ClientFlags } from './client.ts';
import { ExitCode } from './errors.ts';
import { Progress, type Line } from './progress.ts';
import { LeaseLookup } from './task-progress.ts';

const POLL_MS = 500;

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function positiveId(value: string, what: string): number {
  if (!/^\d{1,10}$/.test(value) || Number(value) < 1 || Number(value) > 2_147_483_647) throw new UsageError(`"${value}" is not a ${what} id (a positive number)`);
  return Number(value);
}

function when(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

function printRelease(r: ReleaseView): void {
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  out(`release ${r.id} of ${r.platform}: ${r.state}${r.failureReason ? ` (last commit: ${r.failureReason})` : ''}`);
  out(`planned by ${r.createdBy ?? '?'} ${when(r.createdAt)}; ${r.promoteFrom ? `promotion from ${r.promoteFrom}; ` : ''}builds ${r.builds.join(', ') || '-'}${r.advisories.length ? `; advisories ${r.advisories.join(', ')}` : ''}${r.republish.length ? `; republishes ${r.republish.join(', ')}` : ''}`);
  if (r.committedAt !== null) out(`committed by ${r.committedBy ?? '?'} ${when(r.committedAt)}${r.forced ? ' (forced)' : ''}${r.signTask ? `; signing task ${r.signTask.id} ${r.signTask.state}` : ''}`);
  if (r.releasedAt !== null) out(`released ${when(r.releasedAt)}`);
  if (r.revertedAt !== null) out(`reverted by ${r.revertedBy ?? '?'} ${when(r.revertedAt)}`);
  printTable(['PACKAGE', 'KIND', 'BUILD', 'GOES TO', 'WHY'], r.packages.map((p) => [p.nevra, p.kind, String(p.buildId), p.repos.join(' ') || '-', p.reason]));
  if (r.checks) {
    const failed = r.checks.filter((c) => !c.ok);
    out(failed.length === 0 ? `checks: all ${r.checks.length} passed` : `checks: ${failed.length} of ${r.checks.length} failed`);
    for (const c of failed) out(`  ${c.package ?? c.advisory ?? 'release'}: ${c.check}: ${c.message}${c.forceable ? ' [--force]' : ''}`);
  }
  if (r.versions.length) printTable(['REPOSITORY', 'VERSION', 'STATE', 'CAUSE', 'PACKAGES', 'FROM'], r.versions.map((v) => [`${v.repo}/${v.channel}`, `@${v.number}`, v.state, v.cause, String(v.packages), v.base === null ? '-' : `@${v.base}`]));
}

/** `AppStream/x86_64@3, BaseOS/x86_64@2`: the versions a release made with `cause`. */
function versionList(r: ReleaseView, cause: string): string {
  return r.versions.filter((v) => v.cause === cause).map((v) => `${v.repo}/${v.channel}@${v.number}`).join(', ');
}

/**
 * Polls until the release is no longer being published, showing (live) what it waits for: the
 * sign server's task, its state, where it runs and for how long; returns the release.
 */
async function waitPublished(client: ApiClient, id: number, progress: Progress): Promise<ReleaseView> {
  const leases = new LeaseLookup(client);
  for (;;) {
    const r = await client.get<ReleaseView>(`/releases/${id}`);
    if (r.state !== 'publishing') return r;
    if (progress.live) {
      const task = r.signTask;
      const staged = r.versions.filter((v) => v.state === 'staged').length;
      const leased = task?.state === 'leased' ? [task.id] : [];
      leases.keepOnly(leased);
      const lease = task && leased.length ? await leases.lease(task.id) : null;
      progress.status((): Line[] => [
        [[`release ${id}`, 'bold'], ` publishing ${staged} repository version(s) of ${r.platform}`, ['  ', 'dim'], [progress.elapsed(), 'dim']],
        [`  waiting for the sign server to sign their repomd.xml: task ${task?.id ?? '?'} ${task?.state ?? '?'}`, [lease ? LeaseLookup.where(lease, progress.now()) : '', 'dim']],
      ]);
    }
    await sleep(POLL_MS);
  }
}

type Flags = ClientFlags & { json?: boolean };

function planCommand(): Command {
  return withClientOptions(new Command('plan'))
    .description('plan a release: every package of the builds placed in release repositories, with the checks')
    .requiredOption('--platform <name>', 'the platform')
    .option('--build <id>', 'a build to release (repeat for several)', collect, [])
    .option('--advisory <id>', 'an approved advisory the release carries (repeat for several)', collect, [])
    .option('--republish <repo>', 'give this release repository a new version even without packages: its new comps or modules.yaml (repeat for several)', collect, [])
    .option('--note <text>', 'a note kept with the release')
    .option('--json', 'print {id, packages, checks, …} as JSON')
    .action(async (flags: Flags & { platform: string; build: string[]; advisory: string[]; republish: string[]; note?: string }) => {
      if (flags.build.length === 0 && flags.advisory.length === 0 && flags.republish.length === 0) throw new UsageError('give at least one --build ID (or --advisory ID to publish an amended advisory, --republish REPO for new comps or modules)');
      const builds = flags.build.map((b) => positiveId(b, 'build'));
      const r = await clientFrom(flags, { needsToken: true }).post<ReleaseView>('/releases', { platform: flags.platform, builds, ...(flags.advisory.length && { advisories: flags.advisory }), ...(flags.republish.length && { republish: flags.republish }), ...(flags.note !== undefined && { note: flags.note }) });
      if (flags.json) printJson(r);
      else printRelease(r);
    });
}

function promoteCommand(): Command {
  return withClientOptions(new Command('promote'))
    .description("plan a promotion (testing → stable): what a release repository with promoteTo holds and its target does not, with the checks (soak: its promoteAfterDays); commit it like any release")
    .requiredOption('--platform <name>', 'the platform')
    .requiredOption('--from <repo>', 'the release repository to promote from')
    .option('--package <nevra>', 'only this binary package (repeat; its debuginfo and SRPM follow)', collect, [])
    .option('--note <text>', 'a note kept with the release')
    .option('--json', 'print the plan as JSON')
    .action(async (flags: Flags & { platform: string; from: string; package: string[]; note?: string }) => {
      const r = await clientFrom(flags, { needsToken: true }).post<ReleaseView>('/releases/promotions', { platform: flags.platform, from: flags.from, ...(flags.package.length && { packages: flags.package }), ...(flags.note !== undefined && { note: flags.note }) });
      if (flags.json) printJson(r);
      else printRelease(r);
    });
}

function showCommand(): Command {
  return withClientOptions(new Command('show'))
    .description('show a release: its packages, where each goes and why, its checks and versions')
    .argument('<id>')
    .option('--json', 'print it as JSON')
    .action(async (id: string, flags: Flags) => {
      const r = await clientFrom(flags).get<ReleaseView>(`/releases/${positiveId(id, 'release')}`);
      if (flags.json) printJson(r);
      else printRelease(r);
    });
}

function listCommand(): Command {
  return withClientOptions(new Command('list'))
    .description('the history of releases, newest first')
    .option('--platform <name>', 'only this platform')
    .option('--state <state>', 'planned, publishing, released or reverted')
    .option('--limit <n>', 'at most N (default 50)')
    .option('--json', 'print them as JSON')
    .action(async (flags: Flags & { platform?: string; state?: string; limit?: string }) => {
      const limit = flags.limit === undefined ? undefined : positiveId(flags.limit, 'limit');
      const list = await clientFrom(flags).get<ReleaseView[]>('/releases', { platform: flags.platform, state: flags.state, limit });
      if (flags.json) return printJson(list);
      printTable(
        ['ID', 'PLATFORM', 'STATE', 'BUILDS', 'PACKAGES', 'BY', 'RELEASED', 'VERSIONS'],
        list.map((r) => [String(r.id), r.platform, r.state, r.builds.join(',') || '-', String(r.packages.length), r.committedBy ?? r.createdBy ?? '-', when(r.releasedAt), r.versions.filter((v) => v.cause === 'release').map((v) => `${v.repo}/${v.channel}@${v.number}`).join(' ') || '-']),
      );
    });
}

function commitCommand(): Command {
  return withClientOptions(new Command('commit'))
    .description('commit a release: checks again, then publishes every repository it changes together once the sign server signed them (waits; exit 1 if it is not published)')
    .argument('<id>')
    .option('--force', 'release a NEVRA again, or an older version beside a newer one')
    .option('--no-wait', 'return once the release is staged')
    .option('--json', 'print the release as JSON')
    .action(async (id: string, flags: Flags & { force?: boolean; wait: boolean }) => {
      const rid = positiveId(id, 'release');
      const client = clientFrom(flags, { needsToken: true });
      const progress = new Progress({ json: flags.json === true });
      let r: ReleaseView;
      try {
        progress.status(() => [[[`release ${rid}`, 'bold'], ' checking it again and staging the repositories it changes', ['  ', 'dim'], [progress.elapsed(), 'dim']]]);
        r = await client.post<ReleaseView>(`/releases/${rid}/commit`, { force: flags.force === true });
        if (flags.wait) r = await waitPublished(client, rid, progress);
      } finally {
        progress.end();
      }
      if (flags.json) printJson(r);
      else if (r.state === 'released') process.stdout.write(`release ${rid}: released (${versionList(r, 'release')})\n`);
      else if (r.state === 'publishing') process.stdout.write(`release ${rid}: staged; publishing once the sign server signs it (task ${r.signTask?.id ?? '?'})\n`);
      else process.stderr.write(`distforge: release ${rid} was not published: ${r.failureReason ?? r.state}; fix it and commit again\n`);
      if (flags.wait && r.state !== 'released') throw new ExitCode(1);
    });
}

function revertCommand(): Command {
  return withClientOptions(new Command('revert'))
    .description('revert a release: every repository it changed serves the version before it again')
    .argument('<id>')
    .option('--json', 'print the release as JSON')
    .action(async (id: string, flags: Flags) => {
      const rid = positiveId(id, 'release');
      const r = await clientFrom(flags, { needsToken: true }).post<ReleaseView>(`/releases/${rid}/revert`);
      if (flags.json) return printJson(r);
      process.stdout.write(`release ${rid}: reverted (${versionList(r, 'revert') || 'its repositories serve nothing again'})\n`);
    });
}

function editCommands(): Command[] {
  const edit = (name: string, description: string, args: string[], body: (a: string[], f: Record<string, unknown>) => { path: string; body?: unknown; method?: string }, options: (c: Command) => Command = (c) => c): Command => {
    const cmd = options(withClientOptions(new Command(name)).description(description).argument('<id>'));
    for (const a of args) cmd.argument(`<${a}>`);
    return cmd.option('--json', 'print the release as JSON').action(async (...all: unknown[]) => {
      const values = all.slice(0, 1 + args.length) as string[];
      const flags = all[1 + args.length] as Flags;
      const rid = positiveId(values[0] ?? '', 'release');
      const req = body(values.slice(1), flags as Record<string, unknown>);
      const client = clientFrom(flags, { needsToken: true });
      const r = req.method === 'DELETE' ? await client.delete<ReleaseView>(`/releases/${rid}${req.path}`) : await client.post<ReleaseView>(`/releases/${rid}${req.path}`, req.body);
      if (flags.json) printJson(r);
      else printRelease(r);
    });
  };
  return [
    edit('add-build', 'add a build to a planned release', ['build'], ([b]) => ({ path: '/builds', body: { build: positiveId(b ?? '', 'build') } })),
    edit('move', 'move a binary package of a plan to another release repository (its debuginfo and SRPM follow)', ['nevra', 'repo'], ([p, repo]) => ({ path: '/moves', body: { package: p, repo } })),
    edit('drop', 'drop a package from a plan', ['nevra'], ([p]) => ({ path: '/drops', body: { package: p } })),
    edit('add-advisory', 'add an approved advisory to a plan', ['advisory'], ([a]) => ({ path: '/advisories', body: { advisory: a } })),
    edit('drop-advisory', 'take an advisory out of a plan', ['advisory'], ([a]) => ({ path: `/advisories/${encodeURIComponent(a ?? '')}`, method: 'DELETE' })),
  ];
}

function deleteCommand(): Command {
  return withClientOptions(new Command('delete'))
    .description('delete a plan that was never committed')
    .argument('<id>')
    .action(async (id: string, flags: ClientFlags) => {
      const rid = positiveId(id, 'release');
      await clientFrom(flags, { needsToken: true }).delete(`/releases/${rid}`);
      process.stdout.write(`release ${rid}: deleted\n`);
    });
}

function reposCommand(): Command {
  return withClientOptions(new Command('repos'))
    .description("a platform's release repositories: each with its current version and the versions kept")
    .requiredOption('--platform <name>', 'the platform')
    .option('--json', 'print them as JSON')
    .action(async (flags: Flags & { platform: string }) => {
      const list = await clientFrom(flags).get<ChannelView[]>(`/platforms/${encodeURIComponent(flags.platform)}/release-repos`);
      if (flags.json) return printJson(list);
      printTable(
        ['REPOSITORY', 'CURRENT', 'PACKAGES', 'KEPT'],
        list.map((c) => [c.path, c.current === null ? '-' : `@${c.current}`, String(c.versions.find((v) => v.number === c.current)?.packages ?? 0), c.versions.map((v) => `@${v.number}`).join(' ') || '-']),
      );
    });
}

function repoFileCommand(): Command {
  return withClientOptions(new Command('repo-file'))
    .description("set, show or remove a release repository's comps.xml (--groups) or modules.yaml (--modules); its next versions carry it (publish with release plan --republish REPO)")
    .requiredOption('--platform <name>', 'the platform')
    .requiredOption('--repo <name>', 'the release repository')
    .option('--groups <file>', 'set its comps.xml')
    .option('--modules <file>', 'set its modules.yaml')
    .option('--show <kind>', 'print its groups or modules file')
    .option('--remove <kind>', 'remove its groups or modules file')
    .option('--json', 'print the record as JSON')
    .action(async (flags: Flags & { platform: string; repo: string; groups?: string; modules?: string; show?: string; remove?: string }) => {
      const actions = [flags.groups, flags.modules, flags.show, flags.remove].filter((x) => x !== undefined);
      if (actions.length !== 1) throw new UsageError('give one of --groups FILE, --modules FILE, --show KIND, --remove KIND');
      const kindOf = (v: string): string => {
        if (v !== 'groups' && v !== 'modules') throw new UsageError(`"${v}" is not groups or modules`);
        return v;
      };
      const base = `/platforms/${encodeURIComponent(flags.platform)}/release-repos/${encodeURIComponent(flags.repo)}`;
      const client = clientFrom(flags, { needsToken: flags.show === undefined });
      if (flags.show !== undefined) {
        process.stdout.write(Buffer.from(await (await client.fetch('GET', `${base}/${kindOf(flags.show)}`)).arrayBuffer()));
        return;
      }
      if (flags.remove !== undefined) {
        await client.delete(`${base}/${kindOf(flags.remove)}`);
        process.stdout.write(`${flags.repo} of ${flags.platform}: ${flags.remove} removed; its next version has none\n`);
        return;
      }
      const kind = flags.groups !== undefined ? 'groups' : 'modules';
      const file = (flags.groups ?? flags.modules) as string;
      let content: Buffer;
      try {
        content = readFileSync(file);
      } catch (e) {
        throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const res = await client.fetch('PUT', `${base}/${kind}`, { body: content, headers: { 'content-type': kind === 'groups' ? 'application/xml' : 'application/yaml' } });
      const r = (await res.json()) as { sha256: string; size: number };
      if (flags.json) return printJson(r);
      process.stdout.write(`${flags.repo} of ${flags.platform}: ${kind} set (${r.size} bytes, sha256 ${r.sha256.slice(0, 12)}); publish it with: distforge release plan --platform ${flags.platform} --republish ${flags.repo}\n`);
    });
}

export function releaseCommand(): Command {
  const cmd = new Command('release');
  for (const c of [planCommand(), promoteCommand(), showCommand(), listCommand(), commitCommand(), revertCommand(), ...editCommands(), deleteCommand(), reposCommand(), repoFileCommand()]) cmd.addCommand(c);
  return cmd;
}
