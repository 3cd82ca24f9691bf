/**
 * `distforge rpm …` as a user runs it: output shapes, exit statuses, and one clear line for bad
 * input (never a stack trace).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../support/cli.ts';
import { corpusKey, corpusRpm } from '../support/corpus.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('rpm info --json prints one object per file, in order, with the documented fields', async () => {
  const files = [corpusRpm('super_kernel-6.0.1-2.x86_64.rpm'), corpusRpm('RPMS__hello-2.0-1.x86_64-signed.rpm'), corpusRpm('SRPMS__foo-1.0-1.src.rpm')];
  const r = await runCli(['rpm', 'info', '--json', ...files]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, unknown>[];
  assert.deepEqual(out.map((p) => p.name), ['super_kernel', 'hello', 'foo']);
  const [kernel, hello, foo] = out;
  assert.equal(foo?.arch, 'src');
  assert.equal(foo?.sourcerpm, null);
  assert.equal(kernel?.epoch, null);
  assert.deepEqual((kernel?.requires as unknown[])[0], { name: 'bzip2', flags: 'GE', epoch: null, version: '1.0.0', release: null });
  assert.deepEqual(hello?.signature, { keyid: '4344591e1964c5fc', algorithm: 'RSA', hash: 'SHA256' });
  assert.deepEqual(hello?.headerRange, [4504, 7160]);
  const file = (hello?.files as Record<string, unknown>[])[0];
  assert.deepEqual(Object.keys(file ?? {}).sort(), ['digest', 'flags', 'group', 'linkto', 'mode', 'path', 'size', 'user']);
  for (const k of ['name', 'epoch', 'version', 'release', 'arch', 'sourcerpm', 'summary', 'license', 'buildtime', 'size',
    'requires', 'provides', 'conflicts', 'obsoletes', 'recommends', 'suggests', 'supplements', 'enhances', 'files', 'signature', 'headerRange']) {
    assert.ok(k in (hello ?? {}), `missing ${k}`);
  }
});

test('rpm info without --json prints a readable summary', async () => {
  const r = await runCli(['rpm', 'info', corpusRpm('Archer-3.4.5-6.x86_64.rpm')]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Name +: Archer/);
  assert.match(r.stdout, /Epoch +: 2/);
});

test('damaged, truncated, missing and non-RPM files get one line each and exit 1', async () => {
  const good = readFileSync(corpusRpm('RPMS__hello-2.0-1.x86_64.rpm'));
  const truncated = join(work, 'truncated.rpm');
  writeFileSync(truncated, good.subarray(0, 3000));
  const text = join(work, 'text.rpm');
  writeFileSync(text, 'this is not an rpm\n');
  const hugeCount = join(work, 'huge.rpm');
  const h = Buffer.from(good);
  h.writeUInt32BE(0xfffffff0, 96 + 8);
  writeFileSync(hugeCount, h);
  const missing = join(work, 'missing.rpm');
  for (const cmd of [['rpm', 'info'], ['rpm', 'info', '--json'], ['rpm', 'verify', '--key', corpusKey('rpm.org-rsa-2048-test.pub')]]) {
    const r = await runCli([...cmd, truncated, text, hugeCount, missing]);
    assert.equal(r.code, 1, cmd.join(' '));
    const lines = r.stderr.trimEnd().split('\n');
    assert.deepEqual(lines, [
      `distforge: ${truncated}: truncated signature header (needs 4404 bytes, file has 2904) (offset 96)`,
      `distforge: ${text}: not an RPM package (bad lead magic) (offset 0)`,
      `distforge: ${hugeCount}: header index count 4294967280 out of range (offset 104)`,
      `distforge: ${missing}: no such file or directory`,
    ], cmd.join(' '));
  }
});

test('rpm vercmp prints -1, 0 or 1', async () => {
  assert.equal((await runCli(['rpm', 'vercmp', '1.0~rc1', '1.0'])).stdout, '-1\n');
  assert.equal((await runCli(['rpm', 'vercmp', '2.0', '2.0'])).stdout, '0\n');
  assert.equal((await runCli(['rpm', 'vercmp', '1.0^git1', '1.0'])).stdout, '1\n');
});

test('usage errors exit 2 with a message, not a stack trace', async () => {
  for (const args of [['rpm', 'vercmp', '1.0'], ['rpm', 'verify', corpusRpm('RPMS__foo-1.0-1.noarch.rpm')], ['rpm', 'frobnicate'], ['rpm', 'sign', 'x.rpm']]) {
    const r = await runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /error: /);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  const badKey = join(work, 'bad.pub');
  writeFileSync(badKey, 'not a key');
  const r = await runCli(['rpm', 'verify', '--key', badKey, corpusRpm('RPMS__foo-1.0-1.noarch.rpm')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^distforge: .*bad\.pub: cannot read OpenPGP public key/);
});

test('rpm verify fails unsigned packages and packages signed by another key', async () => {
  const key = corpusKey('rpm.org-rsa-2048-test.pub');
  const unsigned = corpusRpm('RPMS__hello-2.0-1.x86_64.rpm');
  const other = corpusRpm('empty-signed-rsa-0-0.x86_64.rpm');
  const good = corpusRpm('RPMS__hello-2.0-1.x86_64-signed.rpm');
  const r = await runCli(['rpm', 'verify', '--key', key, unsigned, other, good]);
  assert.equal(r.code, 1);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines[0], `${unsigned}: digests SIGNATURES NOT OK (not signed)`);
  assert.match(lines[1] ?? '', /SIGNATURES NOT OK \(Header V4 RSA\/SHA512 Signature, key ID 719ce7a5: NOKEY/);
  assert.equal(lines[2], `${good}: digests signatures OK`);
});

function treeDigest(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) out[relative(dir, p)] = `${(st.mode & 0o7777).toString(8)} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
    }
  };
  walk(dir);
  return out;
}

test('rpm extract unpacks what rpm2cpio | cpio unpacks', async () => {
  for (const name of ['RPMS__hello-2.0-1.x86_64.rpm', 'RPMS__hlinktest-1.0-1.noarch.rpm', 'Archer-3.4.5-6.x86_64.rpm', 'RPMS__foo-1.0-1.noarch.rpm']) {
    const file = corpusRpm(name);
    const ours = join(work, `ours-${name}`);
    const theirs = join(work, `theirs-${name}`);
    const r = await runCli(['rpm', 'extract', file, ours]);
    assert.equal(r.code, 0, r.stderr);
    execFileSync('sh', ['-c', `mkdir -p "$2" && cd "$2" && rpm2cpio "$1" | cpio -idm --quiet`, 'sh', file, theirs]);
    assert.deepEqual(treeDigest(ours), treeDigest(theirs), name);
  }
});
