/**
 * `distforge signer --server URL --token T --keys DIR`: run this machine as the sign server. The
 * token is a node token with the `sign` capability (`distforge node add NAME --capabilities sign`);
 * the store passphrase comes from --passphrase-file or DISTFORGE_SIGNER_PASSPHRASE.
 */
import { Command, Option } from 'commander';
import { pino } from 'pino';
import { readPassphrase } from '../signer/passphrase.ts';
import { createSigner } from '../signer/signer.ts';
import { agentConnection, concurrencyFlag, runUntilSignalled } from './agent-process.ts';

interface SignerFlags {
  server?: string;
  token?: string;
  keys: string;
  passphraseFile?: string;
  maxConcurrency: string;
  work: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

async function runSigner(flags: SignerFlags): Promise<void> {
  const { server, token } = agentConnection(flags, 'a signer needs a node token with the sign capability (distforge node add NAME --capabilities sign)');
  const max = concurrencyFlag(flags.maxConcurrency);
  const log = pino({ level: flags.logLevel }, process.stderr);
  const { agent, keys } = await createSigner({ server, token, keysDir: flags.keys, passphrase: readPassphrase(flags.passphraseFile), workDir: flags.work, maxConcurrency: max, log });
  log.info({ keys: keys.map((k) => `${k.info.keyid} (${k.info.algorithm})`) }, 'keys unlocked');
  await runUntilSignalled(agent, log, 'sign tasks');
}

export function signerCommand(): Command {
  return new Command('signer')
    .option('--server <url>', 'the distforge master, or several on one database: URL,URL,… (default: $DISTFORGE_URL)')
    .option('--token <token>', "this signer's node token (default: $DISTFORGE_TOKEN)")
    .requiredOption('--keys <dir>', 'the key store directory (distforge key generate|import --keys DIR)')
    .option('--passphrase-file <file>', 'file whose first line is the store passphrase (default: $DISTFORGE_SIGNER_PASSPHRASE)')
    .option('--max-concurrency <n>', 'sign tasks at once', '2')
    .option('--work <dir>', 'directory for downloaded and signed packages', 'distforge-signer-work')
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'))
    .action(runSigner);
}
