/**
 * Verifying an RPM file the way `rpmkeys --checksig -v` does: every digest and signature the
 * package carries is checked on its own and reported as one line (`Header SHA256 digest: OK`).
 * The payload is read once, in chunks, feeding every hash that covers it.
 */
import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { hashAlgoName, nodeHashName } from '../pgp/algorithms.ts';
import type { PublicKeyRing } from '../pgp/keys.ts';
import { describeSignature, finishSignatureHash, startSignatureHash } from '../pgp/signature.ts';
import { checkSignature } from '../pgp/verify.ts';
import { readRpmBuffer, readRpmFileSync, type RpmFile } from './package-file.ts';
import { readSignatures } from './signatures.ts';
import { HashAlgo, SigTag, Tag } from './tags.ts';

export type CheckStatus = 'OK' | 'BAD' | 'NOKEY' | 'NOTTRUSTED' | 'UNSUPPORTED' | 'NOTFOUND';

/** One line of the report. */
export interface VerifyCheck {
  /** What was checked, as rpm words it: `Header SHA256 digest`, `Header V4 RSA/SHA256 Signature, key ID …`. */
  name: string;
  kind: 'digest' | 'signature' | 'size';
  status: CheckStatus;
  detail: string | null;
}

export interface VerifyReport {
  checks: VerifyCheck[];
  /** True when every check is OK (and, if `requireSignature`, at least one signature is OK). */
  ok: boolean;
  digestsOk: boolean;
  signaturesOk: boolean;
  signed: boolean;
}

export interface VerifyOptions {
  /** Keys to check signatures against; without them, signatures are reported NOKEY. */
  keys?: PublicKeyRing;
  /** Fail a package that carries no signature at all. */
  requireSignature?: boolean;
  /**
   * The bytes are the package's head only (lead, signature header, main header): check what
   * covers the main header (header-only signatures, header digests), not what needs the payload.
   */
  headOnly?: boolean;
}

function digestCheck(name: string, expected: string | undefined, actual: string): VerifyCheck {
  const want = (expected ?? '').toLowerCase();
  return want === actual
    ? { name, kind: 'digest', status: 'OK', detail: null }
    : { name, kind: 'digest', status: 'BAD', detail: `Expected ${want} != ${actual}` };
}

/** A hash fed from some point of the file on: the header start or the payload start. */
interface Feed {
  from: 'header' | 'payload';
  hash: Hash;
  finish: () => Promise<VerifyCheck> | VerifyCheck;
}

/** Reads the package from the main header on, once, feeding each hash its range. */
async function feedFile(source: string | Buffer, f: RpmFile, feeds: Feed[]): Promise<void> {
  if (feeds.length === 0) return;
  const fromHeader = feeds.filter((x) => x.from === 'header');
  for (const x of fromHeader) x.hash.update(f.header.blob);
  if (Buffer.isBuffer(source)) {
    const payload = source.subarray(f.payloadStart);
    for (const x of feeds) x.hash.update(payload);
    return;
  }
  const handle = await open(source, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let pos = f.payloadStart;
    while (true) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      for (const x of feeds) x.hash.update(chunk);
      pos += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

/**
 * Verifies the digests, sizes and signatures of the RPM at `path` (or of the package's bytes).
 * @throws RpmFormatError when the file cannot be read as an RPM at all.
 */
export async function verifyRpm(path: string | Buffer, options: VerifyOptions = {}): Promise<VerifyReport> {
  const f = Buffer.isBuffer(path) ? readRpmBuffer(path) : readRpmFileSync(path);
  const sig = f.signature;
  const h = f.header;
  const ring = options.keys ?? { keys: [] };
  const checks: VerifyCheck[] = [];
  const sigs = readSignatures(sig);

  // Header-only signatures.
  for (const s of sigs.filter((x) => x.scope === 'header')) {
    if (!s.packet) {
      const status = s.unsupported ? 'UNSUPPORTED' : 'BAD';
      checks.push({ name: `Header signature (tag ${s.tag})`, kind: 'signature', status, detail: s.error });
      continue;
    }
    const name = `Header ${describeSignature(s.packet)}`;
    try {
      const hash = startSignatureHash(s.packet);
      hash.update(h.blob);
      const r = await checkSignature(s.packet, finishSignatureHash(s.packet, hash), ring);
      checks.push({ name, kind: 'signature', status: r.status, detail: r.detail });
    } catch (e) {
      checks.push({ name, kind: 'signature', status: 'UNSUPPORTED', detail: (e as Error).message });
    }
  }
  // Header digests.
  for (const [tag, algo, label] of [
    [SigTag.SHA3_256, 'sha3-256', 'Header SHA3-256 digest'],
    [SigTag.SHA256, 'sha256', 'Header SHA256 digest'],
    [SigTag.SHA1, 'sha1', 'Header SHA1 digest'],
  ] as const) {
    if (sig.has(tag)) checks.push(digestCheck(label, sig.string(tag), createHash(algo).update(h.blob).digest('hex')));
  }

  if (options.headOnly) return summary(checks, sigs.length > 0, options);
  const feeds: Feed[] = [];
  const payloadDigests = h.strings(Tag.PAYLOADDIGEST);
  if (payloadDigests.length) {
    const algo = h.number(Tag.PAYLOADDIGESTALGO) ?? HashAlgo.SHA256;
    const node = nodeHashName(algo);
    const label = `Payload ${hashAlgoName(algo)} digest`;
    if (!node) checks.push({ name: label, kind: 'digest', status: 'UNSUPPORTED', detail: null });
    else {
      const hash = createHash(node);
      feeds.push({ from: 'payload', hash, finish: () => digestCheck(label, payloadDigests[0], hash.digest('hex')) });
    }
  }
  for (const s of sigs.filter((x) => x.scope === 'header+payload')) {
    const packet = s.packet;
    if (!packet) {
      checks.push({ name: `Signature (tag ${s.tag})`, kind: 'signature', status: 'BAD', detail: s.error });
      continue;
    }
    let hash: Hash;
    try {
      hash = startSignatureHash(packet);
    } catch (e) {
      checks.push({ name: describeSignature(packet), kind: 'signature', status: 'UNSUPPORTED', detail: (e as Error).message });
      continue;
    }
    feeds.push({
      from: 'header',
      hash,
      finish: async () => {
        const r = await checkSignature(packet, finishSignatureHash(packet, hash), ring);
        return { name: describeSignature(packet), kind: 'signature', status: r.status, detail: r.detail };
      },
    });
  }
  const md5 = sig.bin(SigTag.MD5);
  if (md5) {
    const hash = createHash('md5');
    feeds.push({ from: 'header', hash, finish: () => digestCheck('MD5 digest', md5.toString('hex'), hash.digest('hex')) });
  }
  await feedFile(path, f, feeds);
  for (const x of feeds) checks.push(await x.finish());

  const size = sig.number(SigTag.LONGSIZE) ?? sig.number(SigTag.SIZE);
  if (size !== undefined) {
    const actual = f.fileSize - f.headerStart;
    checks.push(
      size === actual
        ? { name: 'Header+payload size', kind: 'size', status: 'OK', detail: null }
        : { name: 'Header+payload size', kind: 'size', status: 'BAD', detail: `Expected ${size} != ${actual}` },
    );
  }
  return summary(checks, sigs.length > 0, options);
}

function summary(checks: VerifyCheck[], signed: boolean, options: VerifyOptions): VerifyReport {
  const digestsOk = checks.filter((c) => c.kind !== 'signature').every((c) => c.status === 'OK');
  const sigChecks = checks.filter((c) => c.kind === 'signature');
  // A signature we cannot check (say, a v6 one next to a v4 one) does not fail the package when
  // another signature verifies; everything else must be OK.
  const anyOk = sigChecks.some((c) => c.status === 'OK');
  const signaturesOk =
    sigChecks.every((c) => c.status === 'OK' || (c.status === 'UNSUPPORTED' && anyOk)) && (!options.requireSignature || anyOk);
  return { checks, ok: digestsOk && signaturesOk, digestsOk, signaturesOk, signed };
}

