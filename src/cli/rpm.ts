/**
 * `distforge rpm …`: read, verify, sign, compare versions and unpack RPM files.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { formatDependency, type RpmDependency } from '../rpm/dependencies.ts';
import { readPackageSync, type RpmPackage } from '../rpm/package.ts';
import { readRpmFileSync } from '../rpm/package-file.ts';
import { Tag } from '../rpm/tags.ts';
import { rpmvercmp } from '../rpm/vercmp.ts';
import { ExitCode, reportError } from './errors.ts';

const DEP_KINDS = ['requires', 'provides', 'conflicts', 'obsoletes', 'recommends', 'suggests', 'supplements', 'enhances'] as const;

function depJson(d: RpmDependency): object {
  return { name: d.name, flags: d.flags, epoch: d.epoch, version: d.version, release: d.release };
}

/** The `rpm info --json` object for one package. */
export function infoJson(p: RpmPackage): object {
  return {
    name: p.name,
    epoch: p.epoch,
    version: p.version,
    release: p.release,
    arch: p.arch,
    sourcerpm: p.sourcerpm,
    summary: p.summary,
    description: p.description,
    license: p.license,
    url: p.url,
    vendor: p.vendor,
    packager: p.packager,
    group: p.group,
    buildhost: p.buildhost,
    buildtime: p.buildtime,
    size: p.installedSize,
    fileSize: p.fileSize,
    archiveSize: p.archiveSize,
    payload: { format: p.payloadFormat, compressor: p.payloadCompressor, flags: p.payloadFlags },
    ...Object.fromEntries(DEP_KINDS.map((k) => [k, p[k].map(depJson)])),
    orderwithrequires: p.orderwithrequires.map(depJson),
    files: p.files.map((f) => ({ path: f.path, mode: f.mode, size: f.size, digest: f.digest, flags: f.flags, user: f.user, group: f.group, linkto: f.linkto })),
    changelog: p.changelog,
    signature: p.signature,
    headerRange: p.headerRange,
  };
}

function infoText(p: RpmPackage, file: string): string {
  const sig = p.signature ? `${p.signature.algorithm}/${p.signature.hash}, Key ID ${p.signature.keyid ?? '(none)'}` : '(none)';
  const lines = [
    `${file}:`,
    `  Name        : ${p.name}`,
    `  Epoch       : ${p.epoch ?? '(none)'}`,
    `  Version     : ${p.version}`,
    `  Release     : ${p.release}`,
    `  Architecture: ${p.arch}`,
    `  Source RPM  : ${p.sourcerpm ?? '(none: source package)'}`,
    `  Summary     : ${p.summary}`,
    `  License     : ${p.license}`,
    `  URL         : ${p.url ?? '(none)'}`,
    `  Build time  : ${p.buildtime === null ? '(none)' : new Date(p.buildtime * 1000).toISOString()}`,
    `  Build host  : ${p.buildhost ?? '(none)'}`,
    `  Size        : ${p.installedSize} installed, ${p.fileSize} package`,
    `  Payload     : ${p.payloadFormat}, ${p.payloadCompressor}`,
    `  Signature   : ${sig}`,
    `  Header range: ${p.headerRange[0]}-${p.headerRange[1]}`,
    `  Files       : ${p.files.length}`,
  ];
  for (const k of DEP_KINDS) {
    if (p[k].length) lines.push(`  ${k.padEnd(12)}: ${p[k].map(formatDependency).join(', ')}`);
  }
  return lines.join('\n') + '\n';
}

/** Runs `fn` for each file, reporting errors per file; exits 1 if any failed. */
async function eachFile(files: string[], fn: (file: string) => Promise<boolean> | boolean): Promise<void> {
  let failed = false;
  for (const file of files) {
    try {
      if (!(await fn(file))) failed = true;
    } catch (e) {
      reportError(e, file);
      failed = true;
    }
  }
  if (failed) throw new ExitCode(1);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function rpmCommand(): Command {
  const rpm = new Command('rpm');

  rpm
    .command('info')
    .description('print the metadata of RPM files')
    .option('--json', 'print a JSON array, one object per file')
    .argument('<file...>')
    .action(async (files: string[], opts: { json?: boolean }) => {
      const out: object[] = [];
      await eachFile(files, (file) => {
        const p = readPackageSync(file);
        if (opts.json) out.push(infoJson(p));
        else process.stdout.write(infoText(p, file));
        return true;
      }).finally(() => {
        if (opts.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      });
    });

  rpm
    .command('verify')
    .description('check digests, sizes and signatures (like rpmkeys --checksig)')
    .requiredOption('--key <pubkey>', 'public key file (armored or binary); repeat for more', collect)
    .option('-v, --verbose', 'print every check on its own line')
    .argument('<file...>')
    .action(async (files: string[], opts: { key: string[]; verbose?: boolean }) => {
      const { mergeRings, readPublicKeys } = await import('../pgp/keys.ts');
      const { verifyRpm } = await import('../rpm/verify.ts');
      const rings = [];
      for (const k of opts.key) {
        try {
          rings.push(await readPublicKeys(readFileSync(k)));
        } catch (e) {
          reportError(e, k);
          throw new ExitCode(1);
        }
      }
      const keys = mergeRings(rings);
      await eachFile(files, async (file) => {
        const r = await verifyRpm(file, { keys, requireSignature: true });
        const failures = r.checks.filter((c) => c.status !== 'OK').map((c) => `${c.name}: ${c.status}`);
        if (!r.signed) failures.push('not signed');
        const words = `${r.digestsOk ? 'digests' : 'DIGESTS'} ${r.signaturesOk ? 'signatures' : 'SIGNATURES'} ${r.ok ? 'OK' : 'NOT OK'}`;
        process.stdout.write(`${file}: ${words}${r.ok ? '' : ` (${failures.join('; ')})`}\n`);
        if (opts.verbose) for (const c of r.checks) process.stdout.write(`    ${c.name}: ${c.status}${c.detail ? ` (${c.detail})` : ''}\n`);
        return r.ok;
      });
    });

  rpm
    .command('sign')
    .description('add or replace the header signature of RPM files, in place')
    .requiredOption('--key <secretkey>', 'ASCII-armored secret key (gpg --armor --export-secret-keys)')
    .option('--passphrase-file <file>', 'file whose first line is the key passphrase')
    .argument('<file...>')
    .action(async (files: string[], opts: { key: string; passphraseFile?: string }) => {
      const { loadSigningKey } = await import('./signing-key.ts');
      const { signRpm } = await import('../rpm/sign.ts');
      const signer = await loadSigningKey(opts.key, opts.passphraseFile);
      await eachFile(files, async (file) => {
        const r = await signRpm(file, signer);
        process.stdout.write(`${file}: signed with key ${r.keyId}\n`);
        return true;
      });
    });

  rpm
    .command('vercmp')
    .description('compare two versions as rpm does; prints -1, 0 or 1')
    .argument('<a>')
    .argument('<b>')
    .action((a: string, b: string) => {
      process.stdout.write(`${rpmvercmp(a, b)}\n`);
    });

  rpm
    .command('extract')
    .description('unpack the files of an RPM into a directory')
    .argument('<file>')
    .argument('<dir>')
    .action(async (file: string, dir: string) => {
      await eachFile([file], async () => {
        const f = readRpmFileSync(file);
        const { extractPayload, parseCompressor } = await import('../rpm/payload/index.ts');
        const r = await extractPayload(file, f.payloadStart, parseCompressor(f.header.string(Tag.PAYLOADCOMPRESSOR)), dir);
        if (r.skipped.length) process.stderr.write(`distforge: ${file}: skipped device nodes and fifos: ${r.skipped.join(', ')}\n`);
        return true;
      });
    });

  return rpm;
}

