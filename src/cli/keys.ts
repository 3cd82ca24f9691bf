/**
 * `distforge key generate|import|list --keys DIR`: the sign server's key store on this machine
 * (keys encrypted at rest with the store passphrase, from --passphrase-file or
 * DISTFORGE_SIGNER_PASSPHRASE; never a prompt). Only public keys ever leave it.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { UsageError } from '../errors.ts';
import type { KeyInfo } from '../pgp/key-info.ts';
import { generateKey, importKeys, KEY_ALGORITHMS, listKeys, type KeyAlgorithm } from '../signer/keystore.ts';
import { readPassphrase } from '../signer/passphrase.ts';
import { checkKeyId, type KeyView } from '../signing/keys.ts';
import { clientFrom, printJson, printTable, withClientOptions, type ClientFlags } from './client.ts';

interface StoreFlags {
  keys: string;
  passphraseFile?: string;
}

function withStore(c: Command): Command {
  return c
    .requiredOption('--keys <dir>', "the key store directory (the signer's --keys)")
    .option('--passphrase-file <file>', 'file whose first line is the store passphrase (default: $DISTFORGE_SIGNER_PASSPHRASE)');
}

function printKeys(keys: KeyInfo[]): void {
  printTable(['KEYID', 'ALGORITHM', 'CREATED', 'USER ID'], keys.map((k) => [k.keyid, k.algorithm, k.created.slice(0, 10), k.userIds.join(', ')]));
}

function generateCommand(): Command {
  return withStore(new Command('generate'))
    .description('generate a signing key in the key store')
    .requiredOption('--name <name>', 'user id name, e.g. "Example Linux Packaging"')
    .requiredOption('--email <address>', 'user id e-mail address')
    .addOption(new Option('--algorithm <algorithm>', 'key algorithm').choices([...KEY_ALGORITHMS]).default('rsa4096'))
    .option('--json', 'print the key as JSON')
    .action(async (flags: StoreFlags & { name: string; email: string; algorithm: KeyAlgorithm; json?: boolean }) => {
      const key = await generateKey(flags.keys, { algorithm: flags.algorithm, name: flags.name, email: flags.email }, readPassphrase(flags.passphraseFile));
      if (flags.json) return printJson(key);
      process.stdout.write(`generated ${key.algorithm} key ${key.keyid} (fingerprint ${key.fingerprint})\n`);
    });
}

function importCommand(): Command {
  return withStore(new Command('import'))
    .description('import secret keys from an ASCII-armored export (gpg --armor --export-secret-keys)')
    .argument('<file>', 'the armored secret key file')
    .option('--key-passphrase-file <file>', "file whose first line is the imported key's own passphrase, when it differs")
    .action(async (file: string, flags: StoreFlags & { keyPassphraseFile?: string }) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new UsageError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      const passphrase = readPassphrase(flags.passphraseFile);
      const source = flags.keyPassphraseFile === undefined ? undefined : readPassphrase(flags.keyPassphraseFile);
      const { imported, present } = await importKeys(flags.keys, text, file, passphrase, source);
      for (const k of imported) process.stdout.write(`imported ${k.algorithm} key ${k.keyid} (fingerprint ${k.fingerprint})\n`);
      for (const k of present) process.stdout.write(`already present: ${k.keyid}\n`);
    });
}

function listCommand(): Command {
  return withClientOptions(new Command('list'))
    .description("list the master's signing keys and the platforms each may sign (with --keys: a local key store's keys)")
    .option('--keys <dir>', 'list this key store instead (without unlocking it)')
    .option('--json', 'print JSON: [{keyid, fingerprint, algorithm, platforms, …}]')
    .action(async (flags: ClientFlags & { keys?: string; json?: boolean }) => {
      if (flags.keys !== undefined) {
        const local = await listKeys(flags.keys);
        if (flags.json) return printJson(local);
        return printKeys(local);
      }
      const keys = await clientFrom(flags).get<KeyView[]>('/keys');
      if (flags.json) return printJson(keys);
      printTable(['KEYID', 'ALGORITHM', 'PLATFORMS', 'SIGNER', 'USER ID'], keys.map((k) => [k.keyid, k.algorithm, k.platforms.join(',') || '-', k.signer ?? '-', k.userIds.join(', ')]));
    });
}

function allowCommand(): Command {
  return withClientOptions(new Command('allow'))
    .description('set the platforms a key may sign (admin); no --platform: none')
    .argument('<keyid>')
    .option('--platform <name...>', 'a platform the key may sign (repeat or list several)')
    .action(async (keyid: string, flags: ClientFlags & { platform?: string[] }) => {
      const k = await clientFrom(flags, { needsToken: true }).put<KeyView>(`/keys/${encodeURIComponent(checkKeyId(keyid))}/platforms`, { platforms: flags.platform ?? [] });
      process.stdout.write(`key ${k.keyid} may sign: ${k.platforms.join(', ') || 'no platform'}\n`);
    });
}

export function keyCommand(): Command {
  return new Command('key')
    .addCommand(generateCommand())
    .addCommand(importCommand())
    .addCommand(listCommand())
    .addCommand(allowCommand());
}
