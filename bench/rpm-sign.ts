/**
 * bench/rpm-sign: sign N generated RPMs (default 2,000) with one RSA 4096 key, against
 * `rpmsign --addsign` (gpg) with the same key on copies of the same files. Checks a sample of
 * both results with rpmkeys.
 *   node --import tsx bench/rpm-sign.ts [N]
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as openpgp from 'openpgp';
import { readSecretKey } from '../src/pgp/secret-key.ts';
import { signRpm } from '../src/rpm/sign.ts';
import { packageSet, report, time } from './lib.ts';

const n = Number(process.argv[2] ?? 2000);
const { files } = packageSet(n);
const work = mkdtempSync(join(tmpdir(), 'distforge-bench-sign-'));
const ours = join(work, 'ours');
const theirs = join(work, 'rpmsign');
mkdirSync(ours);
mkdirSync(theirs);
const oursFiles = files.map((f) => join(ours, basename(f)));
const theirFiles = files.map((f) => join(theirs, basename(f)));
files.forEach((f, i) => {
  copyFileSync(f, oursFiles[i] ?? '');
  copyFileSync(f, theirFiles[i] ?? '');
});

const { privateKey, publicKey } = await openpgp.generateKey({ type: 'rsa', rsaBits: 4096, userIDs: [{ name: 'bench', email: 'bench@distforge.test' }], format: 'armored' });
const gnupg = join(work, 'gnupg');
mkdirSync(gnupg, { mode: 0o700 });
writeFileSync(join(work, 'key.secret'), privateKey);
writeFileSync(join(work, 'key.pub'), publicKey);
const env = { ...process.env, GNUPGHOME: gnupg };
execFileSync('gpg', ['--batch', '--import', join(work, 'key.secret')], { env, stdio: 'ignore' });
const key = await readSecretKey(privateKey);

process.stdout.write(`${files.length} packages, RSA 4096 key ${key.signingKeyId}\n`);
const oursMs = await time(async () => {
  // Two signatures in flight keep both cores busy (hashing and RSA run in node's crypto).
  let next = 0;
  const worker = async () => {
    while (next < oursFiles.length) await signRpm(oursFiles[next++] ?? '', key);
  };
  await Promise.all([worker(), worker()]);
});
const theirMs = await time(() =>
  execFileSync('rpmsign', ['--addsign', '--define', '__gpg /usr/bin/gpg', '--define', `_gpg_name ${key.signingKeyId}`, ...theirFiles], {
    env,
    stdio: 'ignore',
    maxBuffer: 1 << 30,
  }),
);
const db = join(work, 'rpmdb');
execFileSync('rpmkeys', ['--dbpath', db, '--import', join(work, 'key.pub')]);
const sample = [0, Math.floor(files.length / 2), files.length - 1];
execFileSync('rpmkeys', ['--dbpath', db, '--checksig', ...sample.map((i) => oursFiles[i] ?? ''), ...sample.map((i) => theirFiles[i] ?? '')], { stdio: 'ignore' });
process.stdout.write('rpmkeys --checksig: both results verify\n');
report(`sign ${files.length} RPMs (RSA 4096)`, oursMs, 'rpmsign --addsign', theirMs);
rmSync(work, { recursive: true, force: true });
