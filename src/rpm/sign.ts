/**
 * Adding or replacing the v4 header-only OpenPGP signature of an RPM, as `rpmsign --addsign`
 * does, without gpg. The signature header is rebuilt with the new signature and the old
 * signatures removed; RESERVEDSPACE shrinks by what the signature takes so that the main header
 * and payload stay where they are and only the signature block is rewritten. When the reserved
 * space is too small the whole file is rewritten to a temporary file and renamed over.
 */
import { closeSync, createReadStream, createWriteStream, openSync, readFileSync, writeSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { PubkeyAlgo } from '../pgp/algorithms.ts';
import { replaceFile } from '../util/atomic-file.ts';
import { signDetached, type SecretKey } from '../pgp/secret-key.ts';
import { RpmFormatError } from './errors.ts';
import { buildHeader, type EntryValue } from './header-build.ts';
import type { Header } from './header.ts';
import { LEAD_SIZE, readRpmBuffer, readRpmFileSync, type RpmFile } from './package-file.ts';
import { RegionTag, SigTag, Tag, TagType } from './tags.ts';

/** Signature tags replaced on signing (old v3 and v4 signatures). */
const REPLACED = new Set<number>([SigTag.RSA, SigTag.DSA, SigTag.PGP, SigTag.GPG, SigTag.PGP5, SigTag.OPENPGP]);

/** Copies the entries of a header into builder form, leaving out region, reserved space and `skip`. */
function entriesOf(h: Header, skip: Set<number>): EntryValue[] {
  const out: EntryValue[] = [];
  for (const tag of h.tags()) {
    if (tag === h.region?.tag || tag === SigTag.RESERVEDSPACE || tag === SigTag.RESERVED || skip.has(tag)) continue;
    const e = h.entry(tag);
    if (!e) continue;
    if (e.type === TagType.BIN) out.push({ tag, type: TagType.BIN, value: h.bin(tag) ?? Buffer.alloc(0) });
    else if (e.type === TagType.STRING || e.type === TagType.I18NSTRING) out.push({ tag, type: e.type, value: h.strings(tag) });
    else if (e.type === TagType.STRING_ARRAY) out.push({ tag, type: TagType.STRING_ARRAY, value: h.strings(tag) });
    else if (e.type === TagType.NULL) continue;
    else out.push({ tag, type: e.type as 1 | 2 | 3 | 4 | 5, value: h.numbers(tag) });
  }
  return out;
}

/**
 * Builds the new signature block (header + padding to 8 bytes) holding `signature`. With
 * `targetSize`, RESERVEDSPACE is sized so that the block is exactly that long; returns null when
 * it cannot fit.
 */
export function buildSignatureBlock(
  f: RpmFile,
  signature: Buffer,
  algorithm: number,
  targetSize?: number,
  legacySignature?: Buffer,
): Buffer | null {
  const v6 = f.lead.major >= 4;
  const rsa = algorithm === PubkeyAlgo.RSA || algorithm === PubkeyAlgo.RSA_SIGN;
  const entries = entriesOf(f.signature, REPLACED);
  entries.push({ tag: rsa ? SigTag.RSA : SigTag.DSA, type: TagType.BIN, value: signature });
  if (legacySignature) entries.push({ tag: rsa ? SigTag.PGP : SigTag.GPG, type: TagType.BIN, value: legacySignature });
  if (v6) entries.push({ tag: SigTag.OPENPGP, type: TagType.STRING_ARRAY, value: [signature.toString('base64')] });
  const reserveTag = v6 ? SigTag.RESERVED : SigTag.RESERVEDSPACE;
  const bare = buildHeader(entries, RegionTag.HEADERSIGNATURES);
  let block: Buffer;
  if (targetSize === undefined) {
    block = bare;
  } else {
    const reserve = targetSize - bare.length - 16;
    if (reserve < 1) return null;
    block = buildHeader([...entries, { tag: reserveTag, type: TagType.BIN, value: Buffer.alloc(reserve) }], RegionTag.HEADERSIGNATURES);
    if (block.length !== targetSize) return null;
  }
  const pad = (8 - (block.length % 8)) % 8;
  return pad ? Buffer.concat([block, Buffer.alloc(pad)]) : block;
}

export interface SignResult {
  path: string;
  keyId: string;
  /** True when only the signature block was rewritten in place. */
  inPlace: boolean;
}

/** The signatures of a package: over its header, and over header+payload when needed. */
async function signaturesFor(f: RpmFile, key: SecretKey, headerAndPayload: () => Buffer): Promise<{ signature: Buffer; legacy: Buffer | undefined }> {
  if (!f.header.region) throw new RpmFormatError('cannot sign a package without an immutable header region (rpm v3 format)', f.headerStart);
  const signature = await signDetached(key, f.header.blob);
  // A package without a payload digest has nothing in its header protecting the payload: like
  // rpmsign, also sign header+payload (the v3-style signature) so the payload stays covered.
  const legacy = f.header.has(Tag.PAYLOADDIGEST) ? undefined : await signDetached(key, headerAndPayload());
  return { signature, legacy };
}

/** Whether signing the package needs its payload: without a payload digest in its header, the
 * header+payload signature is made too (as rpmsign does), so the payload stays covered. */
export function signingNeedsPayload(f: RpmFile): boolean {
  return !f.header.has(Tag.PAYLOADDIGEST);
}

/**
 * The new signature block (signature header and padding) of the package read as `f`, signed with
 * `key`: as long as the old block when its reserved space absorbs the signature (the main header
 * and payload then stay where they are), else without reserved space. `f` may be read from the
 * package's head alone unless {@link signingNeedsPayload}; `headerAndPayload` gives the main
 * header and payload then.
 * @throws RpmFormatError
 */
export async function signatureBlock(f: RpmFile, key: SecretKey, headerAndPayload?: () => Buffer): Promise<Buffer> {
  const { signature, legacy } = await signaturesFor(f, key, () => {
    if (!headerAndPayload) throw new RpmFormatError('the package has no payload digest: its payload is needed to sign it', f.payloadStart);
    return headerAndPayload();
  });
  const block = buildSignatureBlock(f, signature, key.algorithm, f.headerStart - LEAD_SIZE, legacy) ?? buildSignatureBlock(f, signature, key.algorithm, undefined, legacy);
  if (!block) throw new RpmFormatError('cannot build the signature header', LEAD_SIZE);
  return block;
}

/** The package `original` (read as `f`) with its signature block replaced by `block`. */
export function withSignatureBlock(original: Buffer, f: RpmFile, block: Buffer): Buffer {
  return Buffer.concat([f.lead.bytes, block, original.subarray(f.headerStart)]);
}

/** Signature tags a new signature header may add (the signatures) or size freely (reserved space). */
const SIGNATURE_TAGS = new Set<number>([...REPLACED, SigTag.RESERVEDSPACE, SigTag.RESERVED]);

/** Whether `tag` has the same type and value in both headers. */
function sameEntry(a: Header, b: Header, tag: number): boolean {
  const ea = a.entry(tag);
  const eb = b.entry(tag);
  if (!ea || !eb || ea.type !== eb.type || ea.count !== eb.count) return false;
  if (ea.type === TagType.NULL) return true;
  if (ea.type === TagType.BIN) return (a.bin(tag) ?? Buffer.alloc(0)).equals(b.bin(tag) ?? Buffer.alloc(0));
  const text = ea.type === TagType.STRING || ea.type === TagType.I18NSTRING || ea.type === TagType.STRING_ARRAY;
  const va = text ? a.strings(tag) : a.numbers(tag);
  const vb = text ? b.strings(tag) : b.numbers(tag);
  return va.length === vb.length && va.every((v, i) => v === vb[i]);
}

/**
 * What a replacement signature header changes beyond signing, compared with the package's
 * original one (empty when nothing): every digest and size must stay as it was, only signatures
 * and reserved space (zero-filled, no larger than the original signature header) may differ.
 */
export function signatureHeaderChanges(original: Header, replacement: Header): string[] {
  const problems: string[] = [];
  if (replacement.region?.tag !== RegionTag.HEADERSIGNATURES) problems.push('it has no signature header region');
  const skip = (h: Header, tag: number): boolean => tag === h.region?.tag || SIGNATURE_TAGS.has(tag);
  for (const tag of original.tags()) {
    if (skip(original, tag)) continue;
    if (!replacement.has(tag)) problems.push(`tag ${tag} of the original is missing`);
    else if (!sameEntry(original, replacement, tag)) problems.push(`tag ${tag} differs from the original`);
  }
  for (const tag of replacement.tags()) {
    if (!skip(replacement, tag) && !original.has(tag)) problems.push(`tag ${tag} is not in the original`);
  }
  for (const tag of [SigTag.RESERVEDSPACE, SigTag.RESERVED]) {
    const space = replacement.bin(tag);
    if (space === undefined) continue;
    if (space.length > original.blob.length) problems.push(`its reserved space (${space.length} bytes) is larger than the original signature header`);
    else if (space.some((b) => b !== 0)) problems.push('its reserved space is not zero-filled');
  }
  return problems;
}

/**
 * Signs the package held in `data` as {@link signRpm} does, in memory: returns the signed bytes
 * (`data` itself, changed in place, when the reserved space absorbs the signature).
 * @throws RpmFormatError when the bytes are not a v4/v6 RPM.
 */
export async function signRpmBuffer(data: Buffer, key: SecretKey): Promise<Buffer> {
  const f = readRpmBuffer(data);
  const block = await signatureBlock(f, key, () => data.subarray(f.headerStart));
  if (block.length === f.headerStart - LEAD_SIZE) {
    block.copy(data, LEAD_SIZE);
    return data;
  }
  return Buffer.concat([f.lead.bytes, block, data.subarray(f.headerStart)]);
}

/**
 * Signs the RPM at `path` with `key` (a header-only v4 signature: RSA tag for RSA keys, DSA tag
 * for EdDSA/DSA keys). Writes to `output` when given, else replaces the file.
 * @throws RpmFormatError when the file is not a v4/v6 RPM.
 */
export async function signRpm(path: string, key: SecretKey, output?: string): Promise<SignResult> {
  const f = readRpmFileSync(path);
  const block = await signatureBlock(f, key, () => readFileSync(path).subarray(f.headerStart));
  if (block.length === f.headerStart - LEAD_SIZE && output === undefined) {
    // Same size: only the signature block changes, written over the old one in one write.
    const fd = openSync(path, 'r+');
    try {
      writeSync(fd, block, 0, block.length, LEAD_SIZE);
    } finally {
      closeSync(fd);
    }
    return { path, keyId: key.signingKeyId, inPlace: true };
  }
  // To another file, or when the reserved space is too small: write lead + signature block + the
  // rest to a temporary file and rename it over the target.
  const target = output ?? path;
  await replaceFile(target, async (tmp) => {
    const out = createWriteStream(tmp, { flags: 'wx' });
    out.write(f.lead.bytes);
    out.write(block);
    await pipeline(createReadStream(path, { start: f.headerStart }), out);
  });
  return { path: target, keyId: key.signingKeyId, inPlace: false };
}
