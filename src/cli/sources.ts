/**
 * `distforge sources upload FILE [--name PKG] [--sha512 HEX] [--hash TYPE:HEX]`: put a source file
 * into distforge's lookaside store (maintainer). The file is streamed; the server recomputes its
 * md5, sha1, sha256 and sha512, refuses it when an asserted hash differs, and prints the lines a
 * dist-git tree lists it with (`sources` and `.NAME.metadata` forms).
 */
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { Command } from 'commander';
import { UsageError } from '../errors.ts';
import { checkFileName, checkHash, hashType, type LookasideFile } from '../lookaside/index.ts';
import { clientFrom, printJson, withClientOptions, type ClientFlags } from './client.ts';

interface UploadFlags extends ClientFlags {
  name?: string;
  as?: string;
  sha256?: string;
  sha512?: string;
  hash: string[];
  json?: boolean;
}

const collect = (v: string, all: string[]): string[] => [...all, v];

/** The asserted hashes, checked before anything is sent. @throws UsageError, BadHashError */
function assertedHashes(flags: UploadFlags): Record<string, string> {
  const out: Record<string, string> = {};
  const given = [...(flags.sha256 ? [`sha256:${flags.sha256}`] : []), ...(flags.sha512 ? [`sha512:${flags.sha512}`] : []), ...flags.hash];
  for (const h of given) {
    const m = /^([^:]+):(.*)$/.exec(h);
    if (!m) throw new UsageError(`--hash ${JSON.stringify(h)}: expected TYPE:HEX, e.g. sha512:…`);
    const type = hashType(m[1] ?? '');
    out[type] = checkHash(type, m[2] ?? '');
  }
  return out;
}

function uploadCommand(): Command {
  return withClientOptions(new Command('upload'))
    .description("upload a source file to distforge's lookaside store (maintainer); prints its dist-git lines")
    .argument('<file>')
    .option('--name <package>', 'the package the file belongs to')
    .option('--as <filename>', 'store it under this file name (default: the file name)')
    .option('--sha256 <hex>', 'the sha256 the file must have')
    .option('--sha512 <hex>', 'the sha512 the file must have')
    .option('--hash <type:hex>', 'a hash the file must have (md5, sha1, sha224, sha256, sha384, sha512; repeat for several)', collect, [])
    .option('--json', 'print what the server stored as JSON')
    .action(async (file: string, flags: UploadFlags) => {
      const filename = checkFileName(flags.as ?? basename(file));
      if (flags.name !== undefined) checkFileName(flags.name);
      const query = { ...assertedHashes(flags), ...(flags.name !== undefined && { name: flags.name }) };
      try {
        if (!statSync(file).isFile()) throw new Error('not a regular file');
      } catch (e) {
        throw new UsageError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const client = clientFrom(flags, { needsToken: true });
      const res = await client.fetch('PUT', `/lookaside/${encodeURIComponent(filename)}`, {
        body: createReadStream(file) as unknown as RequestInit['body'],
        headers: { 'content-type': 'application/octet-stream' },
        query,
      });
      const stored = (await res.json()) as LookasideFile;
      if (flags.json) return printJson(stored);
      const name = stored.name ?? '<name>';
      process.stdout.write(
        `stored ${stored.filename} (${stored.size} bytes)\n` +
          `sources:          SHA512 (${stored.filename}) = ${stored.sha512}\n` +
          `.${name}.metadata: ${stored.sha1} SOURCES/${stored.filename}\n` +
          `download:         ${client.url(`/lookaside/sha512/${stored.sha512}/${encodeURIComponent(stored.filename)}`)}\n`,
      );
    });
}

export function sourcesCommand(): Command {
  return new Command('sources').addCommand(uploadCommand());
}
