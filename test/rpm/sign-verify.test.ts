/**
 * Signing and verification judged by rpm and dnf: what `distforge rpm sign` writes, rpmkeys
 * --checksig accepts and dnf (gpgcheck=1) installs; what our verify says of every corpus file
 * matches rpmkeys line by line; tampering is caught by both.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as openpgp from 'openpgp';
import { mergeRings, readPublicKeys } from '../../src/pgp/keys.ts';
import { readSecretKey } from '../../src/pgp/secret-key.ts';
import { signRpm } from '../../src/rpm/sign.ts';
import { readRpmFileSync } from '../../src/rpm/package-file.ts';
import { Tag } from '../../src/rpm/tags.ts';
import { verifyRpm } from '../../src/rpm/verify.ts';
import { runCli } from '../support/cli.ts';
import { CORPUS_RPMS, corpusKey, corpusRpm } from '../support/corpus.ts';
import { dnfInstall, keyDb, rpmkeysCheck } from '../support/rpmkeys.ts';
import { rpmbuild } from '../support/rpmbuild.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-sign-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Keys to sign with: the corpus test keys plus a passphrase-protected RSA 4096 key made here. */
const keys: { name: string; secret: string; pub: string; passphrase?: string }[] = [
  { name: 'rsa2048', secret: corpusKey('rpm.org-rsa-2048-test.secret'), pub: corpusKey('rpm.org-rsa-2048-test.pub') },
  { name: 'ed25519', secret: corpusKey('rpm.org-ed25519-test.secret'), pub: corpusKey('rpm.org-ed25519-test.pub') },
];

before(async () => {
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'rsa',
    rsaBits: 4096,
    userIDs: [{ name: 'distforge test', email: 'test@distforge.test' }],
    passphrase: 'correct horse',
    format: 'armored',
  });
  writeFileSync(join(work, 'rsa4096.secret'), privateKey);
  writeFileSync(join(work, 'rsa4096.pub'), publicKey);
  writeFileSync(join(work, 'passphrase'), 'correct horse\n');
  keys.push({ name: 'rsa4096', secret: join(work, 'rsa4096.secret'), pub: join(work, 'rsa4096.pub'), passphrase: join(work, 'passphrase') });
});

function flipByte(file: string, offset: number): void {
  const data = readFileSync(file);
  data[offset] = (data[offset] ?? 0) ^ 0x01;
  writeFileSync(file, data);
}

describe('distforge rpm sign', () => {
  const inputs = ['RPMS__hello-2.0-1.x86_64.rpm', 'RPMS__hello-2.0-1.x86_64-signed.rpm', 'RPMS__hello-1.0-1.i386.rpm', 'RPMS__foo-1.0-1.noarch.rpm'];
  for (const k of ['rsa2048', 'ed25519', 'rsa4096']) {
    test(`signs with ${k}; rpmkeys and our verify say OK; tampering is caught`, async () => {
      const key = keys.find((x) => x.name === k);
      assert.ok(key);
      const dir = join(work, k);
      mkdirSync(dir, { recursive: true });
      const files = inputs.map((f) => {
        const dest = join(dir, f);
        copyFileSync(corpusRpm(f), dest);
        return dest;
      });
      const args = ['rpm', 'sign', '--key', key.secret, ...(key.passphrase ? ['--passphrase-file', key.passphrase] : []), ...files];
      const r = await runCli(args);
      assert.equal(r.code, 0, r.stderr);
      const db = keyDb([key.pub]);
      for (const f of files) {
        const rk = rpmkeysCheck(db, f);
        assert.equal(rk.code, 0, rk.output);
        assert.ok(rk.checks.some(([name, st]) => name.startsWith('Header V4') && st === 'OK'), rk.output);
      }
      const v = await runCli(['rpm', 'verify', '--key', key.pub, ...files]);
      assert.equal(v.code, 0, v.stdout + v.stderr);
      assert.equal(v.stdout.trim().split('\n').length, files.length);
      assert.match(v.stdout, /digests signatures OK/);

      // A flipped payload byte and a flipped header byte: both tools refuse.
      const payload = files[0] ?? '';
      const header = files[3] ?? '';
      const pf = readRpmFileSync(payload);
      flipByte(payload, pf.payloadStart + 40);
      // Change one letter of the description: the header stays readable, its digests and signature do not match.
      const hf = readRpmFileSync(header);
      const desc = hf.header.entry(Tag.DESCRIPTION);
      assert.ok(desc);
      flipByte(header, hf.headerStart + 16 + hf.header.il * 16 + desc.offset + 1);
      for (const bad of [payload, header]) {
        assert.notEqual(rpmkeysCheck(db, bad).code, 0, `rpmkeys accepts tampered ${basename(bad)}`);
        const ours = await runCli(['rpm', 'verify', '--key', key.pub, bad]);
        assert.equal(ours.code, 1, ours.stdout);
        assert.match(ours.stdout, /NOT OK/);
      }
      const report = await verifyRpm(payload, { keys: mergeRings([await readPublicKeys(readFileSync(key.pub, 'utf8'))]) });
      assert.deepEqual(report.checks.filter((c) => c.status === 'BAD').map((c) => c.name), ['Payload SHA256 digest', 'MD5 digest']);
    });
  }

  test('a wrong passphrase, a public key as secret key, and a damaged file are clear errors that change nothing', async () => {
    const key = keys.find((x) => x.name === 'rsa4096');
    assert.ok(key);
    const f = join(work, 'unchanged.rpm');
    copyFileSync(corpusRpm('RPMS__hello-2.0-1.x86_64.rpm'), f);
    const before = readFileSync(f);
    writeFileSync(join(work, 'wrong'), 'wrong horse\n');
    const wrong = await runCli(['rpm', 'sign', '--key', key.secret, '--passphrase-file', join(work, 'wrong'), f]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^distforge: .*rsa4096\.secret: cannot unlock the secret key/);
    const missing = await runCli(['rpm', 'sign', '--key', key.secret, f]);
    assert.match(missing.stderr, /protected by a passphrase/);
    const pub = await runCli(['rpm', 'sign', '--key', key.pub, f]);
    assert.match(pub.stderr, /not an ASCII-armored OpenPGP secret key/);
    assert.deepEqual(readFileSync(f), before);
    const notRpm = join(work, 'not.rpm');
    writeFileSync(notRpm, 'hello');
    const bad = await runCli(['rpm', 'sign', '--key', corpusKey('rpm.org-rsa-2048-test.secret'), notRpm]);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, `distforge: ${notRpm}: not an RPM package (bad lead magic) (offset 0)\n`);
    assert.equal(readFileSync(notRpm, 'utf8'), 'hello');
  });
});

test('signing to another file leaves the original untouched and leaves no temporary file', async () => {
  const dir = join(work, 'to-output');
  mkdirSync(dir, { recursive: true });
  const secret = await readSecretKey(readFileSync(corpusKey('rpm.org-rsa-2048-test.secret'), 'utf8'));
  const db = keyDb([corpusKey('rpm.org-rsa-2048-test.pub')]);
  for (const name of ['RPMS__hello-2.0-1.x86_64.rpm', 'RPMS__hello-1.0-1.i386.rpm']) {
    const src = join(dir, name);
    copyFileSync(corpusRpm(name), src);
    const out = join(dir, `signed-${name}`);
    const r = await signRpm(src, secret, out);
    assert.equal(r.inPlace, false);
    assert.deepEqual(readFileSync(src), readFileSync(corpusRpm(name)));
    assert.equal(rpmkeysCheck(db, out).code, 0, rpmkeysCheck(db, out).output);
  }
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});

test('our verify agrees with rpmkeys --checksig -v on every corpus file', async () => {
  const pubs = [corpusKey('rpm.org-rsa-2048-test.pub'), corpusKey('rpm.org-ed25519-test.pub')];
  const db = keyDb(pubs);
  const ring = mergeRings(await Promise.all(pubs.map(async (p) => readPublicKeys(readFileSync(p, 'utf8')))));
  for (const file of CORPUS_RPMS) {
    const rk = rpmkeysCheck(db, file);
    const ours = await verifyRpm(file, { keys: ring });
    const mine = new Map(ours.checks.map((c) => [c.name, c.status]));
    for (const [name, status] of rk.checks) {
      // rpm 4.18 lists checks it could not find (NOTFOUND) and the uncompressed-payload digest; we do not.
      if (status === 'NOTFOUND' || name.startsWith('Payload SHA256 ALT')) continue;
      assert.equal(mine.get(name), status, `${basename(file)}: ${name}\n${rk.output}`);
    }
    const rpmOk = rk.code === 0;
    // We refuse the v6 ML-DSA signature rpm 4.18 cannot see; otherwise the verdicts agree.
    if (!basename(file).includes('mldsa')) assert.equal(ours.ok, rpmOk, `${basename(file)} verdict\n${rk.output}`);
  }
});

test('subkey signatures rpm 4.18 cannot import are verified through the binding signature', async () => {
  const ring = mergeRings([
    await readPublicKeys(readFileSync(corpusKey('alice.asc'), 'utf8')),
    await readPublicKeys(readFileSync(corpusKey('rpm.org-rsa-2048-add-subkey.asc'), 'utf8')),
  ]);
  for (const f of ['RPMS__hello-2.0-1.x86_64-signed-with-subkey.rpm', 'RPMS__hello-2.0-1.x86_64-signed-with-new-subkey.rpm']) {
    assert.equal((await verifyRpm(corpusRpm(f), { keys: ring })).ok, true, f);
  }
  const revoked = mergeRings([await readPublicKeys(readFileSync(corpusKey('alice-revoked-subkey.asc'), 'utf8'))]);
  const r = await verifyRpm(corpusRpm('RPMS__hello-2.0-1.x86_64-signed-with-subkey.rpm'), { keys: revoked });
  assert.equal(r.ok, false);
  assert.ok(r.checks.some((c) => c.status === 'NOTTRUSTED'));
});

test('dnf installs a package we signed into an empty root with gpgcheck=1, and refuses an unsigned one', async () => {
  const spec = `Name: signedpkg\nVersion: 1.0\nRelease: 1\nSummary: s\nLicense: MIT\nBuildArch: noarch\nAutoReqProv: no\n%description\nd\n%install\nmkdir -p %{buildroot}/usr/share/signedpkg\necho hi > %{buildroot}/usr/share/signedpkg/data\n%files\n/usr/share/signedpkg/data\n`;
  const rpms = rpmbuild(work, 'signedpkg', spec).filter((f) => !f.endsWith('.src.rpm'));
  const repo = join(work, 'repo');
  mkdirSync(repo, { recursive: true });
  const pkg = join(repo, basename(rpms[0] ?? ''));
  copyFileSync(rpms[0] ?? '', pkg);
  const key = keys.find((x) => x.name === 'rsa4096');
  assert.ok(key);
  execFileSync('createrepo_c', ['--no-database', repo], { stdio: 'ignore' });
  const refused = dnfInstall(join(work, 'dnf-unsigned'), `file://${repo}`, key.pub, 'signedpkg');
  assert.notEqual(refused.code, 0, refused.output);
  assert.match(refused.output, /not signed/);

  const signed = await runCli(['rpm', 'sign', '--key', key.secret, '--passphrase-file', key.passphrase ?? '', pkg]);
  assert.equal(signed.code, 0, signed.stderr);
  execFileSync('createrepo_c', ['--no-database', repo], { stdio: 'ignore' });
  const ok = dnfInstall(join(work, 'dnf-signed'), `file://${repo}`, key.pub, 'signedpkg');
  assert.equal(ok.code, 0, ok.output);
  assert.equal(readFileSync(join(ok.root, 'usr/share/signedpkg/data'), 'utf8'), 'hi\n');
  assert.ok(existsSync(join(ok.root, 'var/lib/rpm')));
});
