/**
 * `distforge errata …`: advisories over the server's API. Maintainers create, update and delete
 * drafts; admins approve and retract; anyone lists and shows released ones (a user token shows all).
 * `--cve`, `--package`, `--upstream ID[=URL]` and `--bugzilla ID[=URL]` take several values and may
 * be repeated. Bad input is one line on stderr and exit 1, before anything is sent.
 */
import { Command } from 'commander';
import { ADVISORY_ID_PATTERN } from '../errata/numbering.ts';
import { ADVISORY_STATES, ADVISORY_TYPES, SEVERITIES, type AdvisoryPage, type AdvisoryRecord, type ReferenceInput } from '../errata/types.ts';
import { UsageError } from '../errors.ts';
import { clientFrom, printJson, printTable, withClientOptions, type ClientFlags } from './client.ts';

const ID = new RegExp(ADVISORY_ID_PATTERN);

/** The advisory id as a path segment. @throws UsageError */
function advisoryPath(id: string, rest = ''): string {
  if (!ID.test(id)) throw new UsageError(`"${id}" is not an advisory id (e.g. DFSA-2026:0001)`);
  return `/errata/${encodeURIComponent(id)}${rest}`;
}

function oneOf(flag: string, value: string | undefined, allowed: readonly string[]): void {
  if (value !== undefined && !allowed.includes(value)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, not "${value}"`);
}

/** `ID[=URL]` → a reference of `type`. */
function linked(type: 'upstream' | 'bugzilla', flag: string) {
  return (text: string): ReferenceInput => {
    const at = text.indexOf('=');
    const id = at < 0 ? text : text.slice(0, at);
    const href = at < 0 ? undefined : text.slice(at + 1);
    if (id === '' || href === '') throw new UsageError(`${flag} takes ID or ID=URL, not "${text}"`);
    return { type, id, ...(href !== undefined && { href }) };
  };
}

interface ReferenceFlags {
  cve?: string[];
  addCve?: string[];
  upstream?: string[];
  bugzilla?: string[];
}

function referencesOf(flags: ReferenceFlags): ReferenceInput[] {
  return [
    ...[...(flags.cve ?? []), ...(flags.addCve ?? [])].map((id): ReferenceInput => ({ type: 'cve', id })),
    ...(flags.upstream ?? []).map(linked('upstream', '--upstream')),
    ...(flags.bugzilla ?? []).map(linked('bugzilla', '--bugzilla')),
  ];
}

const time = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString().slice(0, 16).replace('T', ' '));

function printAdvisory(a: AdvisoryRecord): void {
  const out: string[] = [
    `${a.id}: ${a.type}${a.severity ? ` (${a.severity})` : ''}, ${a.state}`,
    `title: ${a.title}`,
    `platform: ${a.platform}`,
    `created ${time(a.createdAt)} by ${a.createdBy}${a.approvedBy ? `; approved ${time(a.approvedAt)} by ${a.approvedBy}` : ''}`,
  ];
  if (a.issuedAt !== null) out.push(`issued ${time(a.issuedAt)}, updated ${time(a.updatedAt)}${a.releaseId !== null ? ` (release ${a.releaseId})` : ''}`);
  if (a.retractedAt !== null) out.push(`retracted ${time(a.retractedAt)} by ${a.retractedBy ?? '?'}${a.retractionReason ? `: ${a.retractionReason}` : ''}`);
  if (a.rebootSuggested) out.push('reboot suggested');
  out.push('references:', ...a.references.map((r) => `  ${r.type} ${r.id}${r.href ? ` ${r.href}` : ''}`));
  out.push('packages:', ...a.packages.map((p) => `  ${p.nevra}`));
  if (a.description) out.push('description:', ...a.description.split('\n').map((l) => `  ${l}`));
  if (a.solution) out.push('solution:', ...a.solution.split('\n').map((l) => `  ${l}`));
  process.stdout.write(`${out.join('\n')}\n`);
}

/** Prints the advisory as JSON or its id. */
function printResult(a: AdvisoryRecord, json: boolean | undefined, what: string): void {
  if (json) printJson(a);
  else process.stdout.write(what === 'created' ? `${a.id}\n` : `${a.id}: ${a.state}\n`);
}

interface CreateFlags extends ClientFlags, ReferenceFlags {
  platform?: string;
  type?: string;
  severity?: string;
  title?: string;
  package?: string[];
  description?: string;
  solution?: string;
  rebootSuggested?: boolean;
  json?: boolean;
}

function createCommand(): Command {
  return withClientOptions(new Command('create'))
    .description('create a draft advisory (maintainer); prints its id')
    .option('--platform <name>', 'the platform whose built packages it covers')
    .option('--type <type>', ADVISORY_TYPES.join(', '))
    .option('--severity <severity>', `${SEVERITIES.join(', ')} (required for security)`)
    .option('--title <text>', 'e.g. "Important: foo security update"')
    .option('--cve <id...>', 'CVE ids it fixes')
    .option('--package <nevra...>', 'built packages it covers: name-[epoch:]version-release.arch')
    .option('--description <text>', 'what it fixes')
    .option('--solution <text>', 'what users do')
    .option('--reboot-suggested', 'installing it needs a reboot')
    .option('--upstream <advisory...>', 'the upstream advisory: ID or ID=URL, e.g. RHSA-2026:1234=https://access.redhat.com/errata/RHSA-2026:1234')
    .option('--bugzilla <bug...>', 'bugs it fixes: ID or ID=URL')
    .option('--json', 'print the advisory as JSON')
    .action(async (flags: CreateFlags) => {
      for (const f of ['platform', 'type', 'title'] as const) if (!flags[f]) throw new UsageError(`give --${f}`);
      if (!flags.package?.length) throw new UsageError('give at least one --package NEVRA');
      oneOf('--type', flags.type, ADVISORY_TYPES);
      oneOf('--severity', flags.severity, SEVERITIES);
      const body = {
        platform: flags.platform, type: flags.type, title: flags.title, packages: flags.package, references: referencesOf(flags),
        ...(flags.severity !== undefined && { severity: flags.severity }),
        ...(flags.description !== undefined && { description: flags.description }),
        ...(flags.solution !== undefined && { solution: flags.solution }),
        ...(flags.rebootSuggested && { rebootSuggested: true }),
      };
      printResult(await clientFrom(flags, { needsToken: true }).post<AdvisoryRecord>('/errata', body), flags.json, 'created');
    });
}

interface UpdateFlags extends ClientFlags, ReferenceFlags {
  type?: string;
  severity?: string;
  title?: string;
  description?: string;
  solution?: string;
  rebootSuggested?: boolean;
  addPackage?: string[];
  removePackage?: string[];
  json?: boolean;
}

function updateCommand(): Command {
  return withClientOptions(new Command('update'))
    .description('change an advisory (maintainer): an approved one becomes a draft again; a released one takes only references, --description and --solution')
    .argument('<id>')
    .option('--type <type>', 'enhancement ↔ newpackage (the id keeps its letter)')
    .option('--severity <severity>', `${SEVERITIES.join(', ')}, or none`)
    .option('--title <text>')
    .option('--description <text>')
    .option('--solution <text>')
    .option('--reboot-suggested', 'installing it needs a reboot')
    .option('--no-reboot-suggested', 'it does not')
    .option('--add-cve <id...>', 'CVE ids to add')
    .option('--upstream <advisory...>', 'an upstream advisory to add: ID or ID=URL')
    .option('--bugzilla <bug...>', 'bugs to add: ID or ID=URL')
    .option('--add-package <nevra...>', 'built packages to add')
    .option('--remove-package <nevra...>', 'packages to remove')
    .option('--json', 'print the advisory as JSON')
    .action(async (id: string, flags: UpdateFlags) => {
      const path = advisoryPath(id);
      oneOf('--type', flags.type, ADVISORY_TYPES);
      oneOf('--severity', flags.severity, [...SEVERITIES, 'none']);
      const refs = referencesOf(flags);
      const body = {
        ...(flags.type !== undefined && { type: flags.type }),
        ...(flags.severity !== undefined && { severity: flags.severity === 'none' ? null : flags.severity }),
        ...(flags.title !== undefined && { title: flags.title }),
        ...(flags.description !== undefined && { description: flags.description }),
        ...(flags.solution !== undefined && { solution: flags.solution }),
        ...(flags.rebootSuggested !== undefined && { rebootSuggested: flags.rebootSuggested }),
        ...(refs.length > 0 && { addReferences: refs }),
        ...(flags.addPackage && { addPackages: flags.addPackage }),
        ...(flags.removePackage && { removePackages: flags.removePackage }),
      };
      if (Object.keys(body).length === 0) throw new UsageError('nothing to change: give an option (distforge errata update --help)');
      printResult(await clientFrom(flags, { needsToken: true }).patch<AdvisoryRecord>(path, body), flags.json, 'updated');
    });
}

function moveCommand(name: 'approve' | 'retract', description: string): Command {
  const command = withClientOptions(new Command(name)).description(description).argument('<id>').option('--json', 'print the advisory as JSON');
  if (name === 'retract') command.option('--reason <text>', 'why, shown with it');
  return command.action(async (id: string, flags: ClientFlags & { json?: boolean; reason?: string }) => {
    const path = advisoryPath(id, `/${name}`);
    const client = clientFrom(flags, { needsToken: true });
    printResult(await client.post<AdvisoryRecord>(path, flags.reason === undefined ? undefined : { reason: flags.reason }), flags.json, name);
  });
}

function deleteCommand(): Command {
  return withClientOptions(new Command('delete'))
    .description('delete a draft advisory (maintainer)')
    .argument('<id>')
    .action(async (id: string, flags: ClientFlags) => {
      await clientFrom(flags, { needsToken: true }).delete(advisoryPath(id));
      process.stdout.write(`${id}: deleted\n`);
    });
}

interface ListFlags extends ClientFlags {
  platform?: string;
  type?: string;
  state?: string;
  cve?: string;
  package?: string;
  limit: string;
  json?: boolean;
}

function listCommand(): Command {
  return withClientOptions(new Command('list'))
    .description('list advisories, newest first (without a token: released ones)')
    .option('--platform <name>')
    .option('--type <type>', ADVISORY_TYPES.join(', '))
    .option('--state <state>', ADVISORY_STATES.join(', '))
    .option('--cve <id>', 'advisories fixing this CVE')
    .option('--package <name>', 'advisories covering a package of this name')
    .option('--limit <n>', 'how many (1–500)', '50')
    .option('--json', 'print JSON {advisories, total, limit, offset}')
    .action(async (flags: ListFlags) => {
      oneOf('--type', flags.type, ADVISORY_TYPES);
      oneOf('--state', flags.state, ADVISORY_STATES);
      if (!/^\d+$/.test(flags.limit) || Number(flags.limit) < 1 || Number(flags.limit) > 500) throw new UsageError(`--limit must be a number from 1 to 500, not "${flags.limit}"`);
      const page = await clientFrom(flags).get<AdvisoryPage>('/errata', { platform: flags.platform, type: flags.type, state: flags.state, cve: flags.cve, package: flags.package, limit: flags.limit });
      if (flags.json) return printJson(page);
      printTable(
        ['ID', 'TYPE', 'SEVERITY', 'STATE', 'PLATFORM', 'CVES', 'TITLE'],
        page.advisories.map((a) => [a.id, a.type, a.severity ?? '-', a.state, a.platform, a.cves.join(',') || '-', a.title]),
      );
    });
}

function showCommand(): Command {
  return withClientOptions(new Command('show'))
    .description('show an advisory')
    .argument('<id>')
    .option('--json', 'print it as JSON')
    .option('--osv', 'print its OSV document (JSON)')
    .action(async (id: string, flags: ClientFlags & { json?: boolean; osv?: boolean }) => {
      const client = clientFrom(flags);
      if (flags.osv) return printJson(await client.get(advisoryPath(id, '/osv')));
      const a = await client.get<AdvisoryRecord>(advisoryPath(id));
      if (flags.json) printJson(a);
      else printAdvisory(a);
    });
}

export function errataCommand(): Command {
  return new Command('errata')
    .addCommand(createCommand())
    .addCommand(updateCommand())
    .addCommand(moveCommand('approve', 'approve a draft advisory (admin): the release system may then release it'))
    .addCommand(moveCommand('retract', 'retract an approved or released advisory (admin)'))
    .addCommand(deleteCommand())
    .addCommand(listCommand())
    .addCommand(showCommand());
}
