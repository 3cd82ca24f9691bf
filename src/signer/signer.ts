/**
 * The sign server process (`distforge signer`): unlocks every key of its store at start (from a
 * passphrase file or the environment: never a prompt), says hello to the master as a node with the
 * `sign` capability, registers the public halves of its keys, then leases sign tasks like a build
 * node (lease, heartbeat, complete) and runs them with runSignTask. Private keys stay in this
 * process: only public keys are sent.
 */
import { NodeAgent } from '../node/agent.ts';
import { hostArch } from '../node/host.ts';
import type { NodeLogger } from '../node/task-runner.ts';
import { publicKeyArmored } from '../pgp/secret-key.ts';
import { KeyStoreError } from './errors.ts';
import { unlockKeys, type UnlockedKey } from './keystore.ts';
import { runSignTask } from './sign-task.ts';

export interface SignerOptions {
  /** The master's URL, or several masters' on one database. */
  server: string | readonly string[];
  token: string;
  /** The key store directory. */
  keysDir: string;
  passphrase: string;
  workDir: string;
  /** Sign tasks at once (default 2). */
  maxConcurrency?: number;
  /** Packages up to this size are signed in memory (default 64 MiB). */
  inMemoryBytes?: number;
  /** How long the master may hold a lease request (s); default 20. */
  waitSeconds?: number;
  log: NodeLogger;
}

/** Unlocks the keys and makes the agent (not running yet: call run()). @throws KeyStoreError */
export async function createSigner(o: SignerOptions): Promise<{ agent: NodeAgent; keys: UnlockedKey[] }> {
  const keys = await unlockKeys(o.keysDir, o.passphrase);
  if (keys.length === 0) throw new KeyStoreError(`${o.keysDir}: the key store holds no keys (distforge key generate --keys ${o.keysDir} …, or key import)`);
  const byId = new Map(keys.map((k) => [k.info.keyid, k]));
  const settings = { workRoot: o.workDir, keys: byId, log: o.log, ...(o.inMemoryBytes !== undefined && { inMemoryBytes: o.inMemoryBytes }) };
  const agent: NodeAgent = new NodeAgent({
    server: o.server,
    token: o.token,
    arches: [hostArch()],
    capabilities: ['sign'],
    maxConcurrency: o.maxConcurrency ?? 2,
    workDir: o.workDir,
    ...(o.waitSeconds !== undefined && { waitSeconds: o.waitSeconds }),
    log: o.log,
    runTask: (task, signal, onLeaseLost) => runSignTask(task, { ...settings, client: agent.client }, signal, onLeaseLost),
    afterHello: async (client) => {
      const registered = await client.registerKeys(keys.map((k) => publicKeyArmored(k.secret)));
      o.log.info({ keys: registered.map((k) => k.keyid) }, 'public keys registered with the master');
    },
  });
  return { agent, keys };
}
