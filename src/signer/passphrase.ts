/**
 * Where the key store's passphrase comes from: a file (first line) or the environment variable
 * DISTFORGE_SIGNER_PASSPHRASE. Never a prompt: the signer runs unattended.
 */
import { readFileSync } from 'node:fs';
import { KeyStoreError } from './errors.ts';

export const PASSPHRASE_ENV = 'DISTFORGE_SIGNER_PASSPHRASE';

/** The passphrase from `file` if given, else from the environment. @throws KeyStoreError */
export function readPassphrase(file: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  let passphrase: string | undefined;
  if (file !== undefined) {
    try {
      passphrase = readFileSync(file, 'utf8').split(/\r?\n/)[0];
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new KeyStoreError(`${file}: cannot read the passphrase file (${code === 'ENOENT' ? 'no such file' : (code ?? (e as Error).message)})`, { cause: e });
    }
    if (!passphrase) throw new KeyStoreError(`${file}: the passphrase file is empty`);
    return passphrase;
  }
  passphrase = env[PASSPHRASE_ENV];
  if (!passphrase) throw new KeyStoreError(`the key store needs a passphrase: pass --passphrase-file FILE or set ${PASSPHRASE_ENV}`);
  return passphrase;
}
