/**
 * `distforge node …`: the build nodes a server knows. `node list` needs any user token;
 * `node add` an admin token, and prints the new node's token (shown only once).
 */
import { Command } from 'commander';
import type { NodeInfo, TokenInfo } from '../auth/types.ts';
import { UsageError } from '../errors.ts';
import { ARCHES } from '../platforms/types.ts';
import { clientFrom, printJson, printTable, withClientOptions, type ClientFlags } from './client.ts';

interface ListFlags extends ClientFlags {
  json?: boolean;
}

interface AddFlags extends ClientFlags {
  arches: string;
  capabilities?: string;
  max?: string;
  json?: boolean;
}

/** `a, b,,c` → [a, b, c]. */
export function commaList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function ago(ms: number | null): string {
  if (ms === null) return 'never';
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

function listCommand(): Command {
  return withClientOptions(new Command('list'))
    .description('list build nodes: the arches and capabilities an admin granted, and what each advertised in its last hello')
    .option('--json', 'print JSON (an array of nodes)')
    .action(async (flags: ListFlags) => {
      const nodes = await clientFrom(flags, { needsToken: true }).get<NodeInfo[]>('/nodes');
      if (flags.json) return printJson(nodes);
      const advertised = (list: string[] | null): string => (list === null ? '-' : list.join(',') || '(none)');
      printTable(
        ['NAME', 'ARCHES', 'CAPABILITIES', 'ADVERTISED ARCHES', 'ADVERTISED CAPABILITIES', 'MAX', 'ENABLED', 'LAST SEEN'],
        nodes.map((n) => [
          n.name, n.arches.join(','), n.capabilities.join(','), advertised(n.advertisedArches), advertised(n.advertisedCapabilities),
          String(n.maxConcurrency), n.enabled ? 'yes' : 'no', ago(n.lastSeenAt),
        ]),
      );
    });
}

function addCommand(): Command {
  return withClientOptions(new Command('add'))
    .description('create a build node (admin); prints its token, which is shown only once')
    .argument('<name>', 'node name (letters, digits, . _ -)')
    .requiredOption('--arches <list>', `comma-separated arches granted (${ARCHES.join(', ')})`)
    .option('--capabilities <list>', 'comma-separated capabilities granted: build, test, sign', 'build')
    .option('--max <n>', 'tasks it runs at once', '1')
    .option('--json', 'print JSON: { node, token, secret }')
    .action(async (name: string, flags: AddFlags) => {
      const arches = commaList(flags.arches);
      const unknown = arches.find((a) => !(ARCHES as readonly string[]).includes(a));
      if (arches.length === 0 || unknown !== undefined) throw new UsageError(`--arches: ${unknown ? `unknown arch "${unknown}"` : 'give at least one arch'} (expected ${ARCHES.join(', ')})`);
      const max = Number(flags.max ?? '1');
      if (!Number.isInteger(max) || max < 1) throw new UsageError(`--max must be a whole number of at least 1, not "${flags.max ?? ''}"`);
      const body = { name, arches, capabilities: commaList(flags.capabilities ?? 'build'), maxConcurrency: max };
      const issued = await clientFrom(flags, { needsToken: true }).post<{ node: NodeInfo; token: TokenInfo; secret: string }>('/nodes', body);
      if (flags.json) return printJson(issued);
      process.stderr.write(`created node ${issued.node.name} (${issued.node.arches.join(', ')}; ${issued.node.maxConcurrency} at a time); its token, shown only once:\n`);
      process.stdout.write(`${issued.secret}\n`);
    });
}

export function nodeCommand(): Command {
  const node = new Command('node');
  node.addCommand(listCommand());
  node.addCommand(addCommand());
  return node;
}
