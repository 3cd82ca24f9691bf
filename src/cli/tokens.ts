/**
 * `distforge token …`: API tokens. `token create` (admin) prints the secret, shown only once,
 * creating the user with `--role` when they are new.
 */
import { Command } from 'commander';
import type { TokenInfo, UserInfo } from '../auth/types.ts';
import { ROLES } from '../auth/types.ts';
import { UsageError } from '../errors.ts';
import { clientFrom, printJson, printTable, withClientOptions, type ClientFlags } from './client.ts';

interface CreateFlags extends ClientFlags {
  user: string;
  role?: string;
  json?: boolean;
}

interface ListFlags extends ClientFlags {
  json?: boolean;
}

function createCommand(): Command {
  return withClientOptions(new Command('create'))
    .description('issue an API token for a user (admin); prints the token, shown only once')
    .requiredOption('--user <name>', 'the user (created when --role is given and they do not exist)')
    .option('--role <role>', `the user's role: ${ROLES.join(', ')}`)
    .option('--json', 'print JSON: { secret, token, user }')
    .action(async (flags: CreateFlags) => {
      if (flags.role !== undefined && !(ROLES as readonly string[]).includes(flags.role)) {
        throw new UsageError(`--role: unknown role "${flags.role}" (expected ${ROLES.join(', ')})`);
      }
      const body = { user: flags.user, ...(flags.role !== undefined && { role: flags.role }) };
      const issued = await clientFrom(flags, { needsToken: true }).post<{ secret: string; token: TokenInfo; user: UserInfo }>('/tokens', body);
      if (flags.json) return printJson(issued);
      process.stderr.write(`token ${issued.token.id} for ${issued.user.name} (${issued.user.role}), shown only once:\n`);
      process.stdout.write(`${issued.secret}\n`);
    });
}

function listCommand(): Command {
  return withClientOptions(new Command('list'))
    .description('list tokens (admin: all; others: their own); never the secrets')
    .option('--json', 'print JSON')
    .action(async (flags: ListFlags) => {
      const tokens = await clientFrom(flags, { needsToken: true }).get<TokenInfo[]>('/tokens');
      if (flags.json) return printJson(tokens);
      const when = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'));
      printTable(['ID', 'KIND', 'OWNER', 'CREATED', 'REVOKED'], tokens.map((t) => [String(t.id), t.kind, t.user ?? t.node ?? '-', when(t.createdAt), when(t.revokedAt)]));
    });
}

function revokeCommand(): Command {
  return withClientOptions(new Command('revoke'))
    .description('revoke a token by id (admin, or your own)')
    .argument('<id>')
    .action(async (id: string, flags: ClientFlags) => {
      if (!/^[1-9]\d*$/.test(id)) throw new UsageError(`token id must be a positive whole number, not "${id}"`);
      const t = await clientFrom(flags, { needsToken: true }).delete<TokenInfo>(`/tokens/${id}`);
      process.stdout.write(`token ${t.id} (${t.user ?? t.node ?? '-'}) revoked\n`);
    });
}

export function tokenCommand(): Command {
  const token = new Command('token');
  token.addCommand(createCommand());
  token.addCommand(listCommand());
  token.addCommand(revokeCommand());
  return token;
}
