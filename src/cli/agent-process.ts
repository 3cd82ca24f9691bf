/**
 * What the long-running agent commands (`distforge node`, `distforge signer`) share: the master's
 * URL and the node token from flags or the environment, and running the agent until SIGINT or
 * SIGTERM (running tasks are abandoned; their leases expire and the master hands them out again).
 */
import { UsageError } from '../errors.ts';
import type { NodeAgent } from '../node/agent.ts';
import type { NodeLogger } from '../node/task-runner.ts';
import { normalizeServerUrl, tokenFrom } from './client.ts';

/** The server URL and token. @throws UsageError naming what is missing and where it comes from */
export function agentConnection(flags: { server?: string; token?: string }, tokenHint: string): { server: string[]; token: string } {
  const server = flags.server ?? process.env.DISTFORGE_URL;
  if (!server) throw new UsageError('no server given: pass --server URL or set DISTFORGE_URL');
  const token = tokenFrom(flags.token ?? process.env.DISTFORGE_TOKEN);
  if (!token) throw new UsageError(`${tokenHint}: pass --token TOKEN (from \`distforge node add\`) or set DISTFORGE_TOKEN`);
  // Several masters on one database: URL,URL,… (the node moves to the next when one does not answer).
  const servers = server.split(',').map((s) => s.trim());
  if (servers.some((s) => s === '')) throw new UsageError(`invalid server list "${server}": give URL or URL,URL,… without empty entries`);
  return { server: servers.map(normalizeServerUrl), token };
}

/** Parses --max-concurrency. @throws UsageError */
export function concurrencyFlag(value: string): number {
  const max = Number(value);
  if (!Number.isInteger(max) || max < 1) throw new UsageError(`--max-concurrency must be a whole number of at least 1, not "${value}"`);
  return max;
}

/** Runs the agent until it stops or a signal stops it. */
export async function runUntilSignalled(agent: NodeAgent, log: NodeLogger, what: string): Promise<void> {
  const stop = (signal: NodeJS.Signals): void => {
    log.info({ signal }, `stopping: running ${what} are abandoned (their leases expire)`);
    agent.stop();
  };
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    await agent.run();
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
  }
}
