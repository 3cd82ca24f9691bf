/**
 * Forged signature values: one bit of a signature's value changed (RSA's s; DSA's and EdDSA's r,
 * then s), its 16-bit digest prefix and everything it hashes left as they were, so that only the
 * signature mathematics can tell. rpmkeys (RPM header signatures) and gpg --verify (detached
 * signatures over a repomd.xml made by createrepo_c) are the judges: each forgery is BAD to them,
 * and must be BAD to us, while the untouched signature is OK to all.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as openpgp from 'openpgp';
import { verifyDetachedArmored } from '../../src/pgp/detached.ts';
import { readPublicKeys, type PublicKeyRing } from '../../src/pgp/keys.ts';
import { readSecretKey, signDetached } from '../../src/pgp/secret-key.ts';
import { SigTag } from '../../src/rpm/tags.ts';
import { verifyRpm } from '../../src/rpm/verify.ts';
import { corpusKey, corpusRpm } from '../support/corpus.ts';
import { gpgHome, type GpgHome } from '../support/gpg.ts';
import { keyDb, rpmkeysCheck } from '../support/rpmkeys.ts';
import { digestPrefixHolds, rpmMainHeader, rpmSignatureEntry, signatureLayout, withValueChanged } from '../support/signature-values.ts';

const RSA_FPR = '771B18D3D7BAA28734333C424344591E1964C5FC';
const ED25519_FPR = '152BB32FD9CA982797E835CFB0645AEC757BF69E';

const work = mkdtempSync(join(tmpdir(), 'distforge-forged-'));
let home: GpgHome | undefined;
const pubs = { rsa: corpusKey('rpm.org-rsa-2048-test.pub'), ed25519: corpusKey('rpm.org-ed25519-test.pub'), dsa: join(work, 'dsa.pub') };
let dsaFpr = '';

after(() => {
  home?.close();
  rmSync(work, { recursive: true, force: true });
});

before(() => {
  home = gpgHome();
  home.importKeys(corpusKey('rpm.org-rsa-2048-test.secret'), corpusKey('rpm.org-ed25519-test.secret'));
  // No DSA key in the corpus: gpg makes one (DSA 2048, q of 256 bits: SHA-256 signatures).
  const made = home.gpg(['--gen-key'], '%no-protection\nKey-Type: DSA\nKey-Length: 2048\nKey-Usage: sign\nName-Real: forged test\nName-Email: dsa@distforge.test\nExpire-Date: 0\n%commit\n');
  assert.equal(made.code, 0, made.output);
  dsaFpr = /^fpr:+([0-9A-F]{40}):/m.exec(home.gpg(['--with-colons', '--list-keys', 'dsa@distforge.test']).stdout)?.[1] ?? '';
  assert.notEqual(dsaFpr, '');
  writeFileSync(pubs.dsa, home.gpg(['--armor', '--export', dsaFpr]).stdout);
});

async function ring(pub: string): Promise<PublicKeyRing> {
  return readPublicKeys(readFileSync(pub, 'utf8'));
}

/** A copy of the unsigned corpus package signed by rpmsign (through gpg) with the key `fpr`. */
function rpmsigned(name: string, fpr: string): string {
  const file = join(work, `${name}.rpm`);
  copyFileSync(corpusRpm('RPMS__hello-2.0-1.x86_64.rpm'), file);
  execFileSync('rpmsign', ['--define', '__gpg /usr/bin/gpg', '--define', `_gpg_path ${home?.dir ?? ''}`, '--define', `_gpg_name ${fpr}`, '--addsign', file], { stdio: 'ignore' });
  return file;
}

/**
 * openpgp.js, which decides which keys may sign, refuses DSA keys ("dsa keys are considered too
 * weak"), so we call every DSA signature NOTTRUSTED where rpm 4.18 checks it: never OK, forged or not.
 */
const DSA_REFUSED = /dsa keys are considered too weak/;

describe('RPM signatures with a forged value are BAD to rpmkeys and to us', () => {
  const cases: { label: string; file: () => string; tag: number; pub: keyof typeof pubs; algo: string; scope: 'header' | 'header+payload'; refused?: RegExp }[] = [
    { label: 'RSA v4 header-only (rpm test suite)', file: () => corpusRpm('RPMS__hello-2.0-1.x86_64-signed.rpm'), tag: SigTag.RSA, pub: 'rsa', algo: 'RSA', scope: 'header' },
    { label: 'RSA v4 header+payload (rpm test suite)', file: () => corpusRpm('RPMS__hello-2.0-1.x86_64-signed.rpm'), tag: SigTag.PGP, pub: 'rsa', algo: 'RSA', scope: 'header+payload' },
    { label: 'RSA v3 header-only (rpm test suite)', file: () => corpusRpm('RPMS__hello-2.0-1.x86_64-v3-signed.rpm'), tag: SigTag.RSA, pub: 'rsa', algo: 'RSA', scope: 'header' },
    { label: 'RSA v3 header+payload (rpm test suite)', file: () => corpusRpm('RPMS__hello-2.0-1.x86_64-v3-signed.rpm'), tag: SigTag.PGP, pub: 'rsa', algo: 'RSA', scope: 'header+payload' },
    { label: 'EdDSA v4 header-only (rpmsign)', file: () => rpmsigned('eddsa', ED25519_FPR), tag: SigTag.DSA, pub: 'ed25519', algo: 'EdDSA', scope: 'header' },
    { label: 'DSA v4 header-only (rpmsign)', file: () => rpmsigned('dsa', dsaFpr), tag: SigTag.DSA, pub: 'dsa', algo: 'DSA', scope: 'header', refused: DSA_REFUSED },
  ];
  for (const c of cases) {
    test(c.label, async () => {
      const original = readFileSync(c.file());
      const keys = await ring(pubs[c.pub]);
      const db = keyDb([pubs[c.pub]], work);
      const entry = rpmSignatureEntry(original, c.tag);
      const packet = original.subarray(entry.start, entry.end);
      const header = rpmMainHeader(original);
      const signed = original.subarray(header.start, c.scope === 'header' ? header.end : original.length);
      const layout = signatureLayout(packet);
      assert.equal(layout.values.length, c.algo === 'RSA' ? 1 : 2);
      // The line rpm prints for this signature ("Header V4 RSA/SHA256 Signature, key ID 1964c5fc").
      const line = new RegExp(`^${c.scope === 'header' ? 'Header ' : ''}V${layout.version} ${c.algo}/`);

      const files = [join(work, `good-${c.tag}-${basename(c.file())}`)];
      writeFileSync(files[0] ?? '', original);
      for (let i = 0; i < layout.values.length; i++) {
        const forged = withValueChanged(packet, i);
        assert.ok(digestPrefixHolds(forged, signed), 'the forgery keeps the 16-bit digest prefix');
        const file = join(work, `forged-${c.tag}-${i}-${basename(c.file())}`);
        writeFileSync(file, Buffer.concat([original.subarray(0, entry.start), forged, original.subarray(entry.end)]));
        files.push(file);
      }
      for (const [n, file] of files.entries()) {
        const rk = rpmkeysCheck(db, file);
        const judged = rk.checks.filter(([name]) => line.test(name));
        assert.equal(judged.length, 1, rk.output);
        assert.equal(judged[0]?.[1], n === 0 ? 'OK' : 'BAD', `rpmkeys on ${basename(file)}:\n${rk.output}`);
        for (const [name, status] of rk.checks) {
          if (!line.test(name)) assert.equal(status, 'OK', `only the forged signature is BAD to rpmkeys:\n${rk.output}`);
        }
        const ours = await verifyRpm(file, { keys });
        const mine = new Map(ours.checks.map((x) => [x.name, x]));
        for (const [name, status] of rk.checks) {
          if (status === 'NOTFOUND' || name.startsWith('Payload SHA256 ALT')) continue;
          const check = mine.get(name);
          if (c.refused && line.test(name)) {
            assert.equal(check?.status, 'NOTTRUSTED', `${basename(file)}: ${name}`);
            assert.match(check.detail ?? '', c.refused);
          } else assert.equal(check?.status, status, `${basename(file)}: ${name} (${check?.detail ?? ''})\nrpmkeys:\n${rk.output}`);
        }
        assert.equal(ours.ok, n === 0 && !c.refused, basename(file));
      }
    });
  }
});

describe('detached signatures over repomd.xml with a forged value are BAD to gpg --verify and to us', () => {
  let repomd = Buffer.alloc(0);
  before(() => {
    const repo = join(work, 'repo');
    mkdirSync(repo);
    copyFileSync(corpusRpm('RPMS__foo-1.0-1.noarch.rpm'), join(repo, 'foo-1.0-1.noarch.rpm'));
    execFileSync('createrepo_c', ['--no-database', repo], { stdio: 'ignore' });
    repomd = readFileSync(join(repo, 'repodata/repomd.xml'));
  });

  /** gpg's own detached signature, or ours (Node's crypto), over repomd.xml, as binary. */
  async function sign(by: 'gpg' | 'distforge', key: keyof typeof pubs): Promise<Buffer> {
    if (by === 'distforge') {
      const secret = await readSecretKey(readFileSync(corpusKey(key === 'rsa' ? 'rpm.org-rsa-2048-test.secret' : 'rpm.org-ed25519-test.secret'), 'utf8'));
      return signDetached(secret, repomd);
    }
    const out = join(work, `repomd.xml.${key}.sig`);
    const fpr = { rsa: RSA_FPR, ed25519: ED25519_FPR, dsa: dsaFpr }[key];
    const r = home?.gpg(['--local-user', fpr, '--output', out, '--detach-sign', join(work, 'repo/repodata/repomd.xml')]);
    assert.equal(r?.code, 0, r?.output);
    return readFileSync(out);
  }

  const cases: { by: 'gpg' | 'distforge'; key: keyof typeof pubs; refused?: RegExp }[] = [
    { by: 'gpg', key: 'rsa' },
    { by: 'gpg', key: 'ed25519' },
    { by: 'gpg', key: 'dsa', refused: DSA_REFUSED },
    { by: 'distforge', key: 'rsa' },
    { by: 'distforge', key: 'ed25519' },
  ];
  for (const c of cases) {
    test(`${c.key}, signed by ${c.by}`, async () => {
      const good = await sign(c.by, c.key);
      const keys = await ring(pubs[c.key]);
      const layout = signatureLayout(good);
      assert.equal(layout.values.length, c.key === 'rsa' ? 1 : 2);
      const signatures = [good, ...layout.values.map((_, i) => withValueChanged(good, i))];
      for (const [n, sig] of signatures.entries()) {
        assert.ok(digestPrefixHolds(sig, repomd), 'the forgery keeps the 16-bit digest prefix');
        const file = join(work, `repomd.xml.${c.by}-${c.key}-${n}.sig`);
        writeFileSync(file, sig);
        const theirs = home?.gpg(['--verify', file, join(work, 'repo/repodata/repomd.xml')]);
        assert.equal(theirs?.code, n === 0 ? 0 : 1, theirs?.output);
        assert.match(theirs?.output ?? '', n === 0 ? /Good signature/ : /BAD signature/);
        const ours = await verifyDetachedArmored(openpgp.armor(openpgp.enums.armor.signature, sig), repomd, keys);
        const what = n === 0 ? 'the untouched signature' : `signature value ${n - 1} forged`;
        if (c.refused) {
          assert.equal(ours.status, 'NOTTRUSTED', what);
          assert.match(ours.detail ?? '', c.refused);
        } else assert.equal(ours.status, n === 0 ? 'OK' : 'BAD', `${what}: ${ours.detail ?? ''}`);
      }
    });
  }
});
