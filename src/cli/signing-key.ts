/** Loading a secret key named on the command line (`--key`/`--sign-key` and `--passphrase-file`). */
import { readFileSync } from 'node:fs';
import { readSecretKey, type SecretKey } from '../pgp/secret-key.ts';
import { ExitCode, reportError } from './errors.ts';

/** Reads and unlocks the key, or reports why not (naming the key file) and exits 1. */
export async function loadSigningKey(keyFile: string, passphraseFile?: string): Promise<SecretKey> {
  try {
    const passphrase = passphraseFile === undefined ? undefined : readFileSync(passphraseFile, 'utf8').split('\n')[0];
    return await readSecretKey(readFileSync(keyFile, 'utf8'), passphrase);
  } catch (e) {
    reportError(e, keyFile);
    throw new ExitCode(1);
  }
}
