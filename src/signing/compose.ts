/**
 * Signing without moving packages: a signer gets the heads of a sign task's packages (lead,
 * signature header, main header: what it signs), and sends back only each package's new signature
 * header; the master composes the signed package from the original in its store (the original's
 * lead, the new signature header, the original from its main header on), checks it, and stores it.
 *
 * What the master checks of each signature header it is sent, before anything is stored: it names
 * a package of the task, once; it is a well-formed signature header of bounded size that changes
 * nothing of the original's but signatures and zero-filled reserved space (every digest and size
 * stays); the original in the store is still the package built (its sha256); and the composed
 * package checks — digests, payload, and the signatures against the requested key's public key
 * alone, a header signature among them. The signature thus covers exactly the original header.
 *
 * Terminology:
 * - head: the bytes of a package before its payload (lead, signature header, main header).
 * - signature block: a signature header with its padding to 8 bytes, as it sits in the package.
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readFileSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { Context } from '../context.ts';
import type { Task } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { Header, headerSize, readHeaderIntro } from '../rpm/header.ts';
import { packageHeadLength, readRpmBuffer, readRpmFileSync, RpmFormatError, signatureHeaderChanges, verifyRpm, withSignatureBlock, type RpmFile } from '../rpm/index.ts';
import type { PublicKeyRing } from '../pgp/keys.ts';
import { withLocalBlob } from '../storage/blob-files.ts';
import { readBlob } from '../storage/read-blob.ts';
import type { ArtifactStore } from '../storage/store.ts';
import { eachAtMost } from '../util/each-at-most.ts';
import { sha256File } from '../util/sha256-file.ts';
import { publicRing, signedPackageProblem, signTaskOriginals, type ComposedPackage, type SignOriginal } from './completion.ts';
import { BadSignatureError } from './errors.ts';

/** Largest signature header accepted (rpm itself reads at most 32 entries there). */
export const MAX_SIGNATURE_HEADER_BYTES = 64 * 1024;

/** Heads sent in one answer, at most (at least one head is always sent). */
const HEADS_PER_ANSWER_BYTES = 8 * 1024 * 1024;

/** Originals up to this size are composed in memory; larger ones are streamed from their file. */
const IN_MEMORY_BYTES = 64 * 1024 * 1024;

/** Packages of one request composed at once. */
const COMPOSING_AT_ONCE = 4;

/** A package head as the signer gets it. */
export interface PackageHead {
  name: string;
  kind: string;
  /** The original's sha256, as the build recorded it. */
  sha256: string;
  head: Buffer;
}

/** Bytes read at once from a local blob for its head (most heads are smaller). */
const HEAD_READ_BYTES = 64 * 1024;

/** A blob's local file that is not there: the store lost it. */
function missing(sha256: string, e: unknown): unknown {
  return (e as NodeJS.ErrnoException).code === 'ENOENT' ? new NotFoundError(`no blob ${sha256} in the artifact store`) : e;
}

/** Reads `length` bytes from the start of the file at `path` (fewer when it is shorter). */
function readStart(path: string, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buf, got, length - got, got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/**
 * The head of blob `sha256`: read from the start of the blob until the main header ends. A local
 * blob is read synchronously, a few kilobytes (no round trips through the thread pool, which the
 * store's fsyncs keep busy); a remote one is streamed until its head has arrived.
 * @throws RpmFormatError
 */
export async function readPackageHead(store: ArtifactStore, sha256: string): Promise<Buffer> {
  const local = store.localPath(sha256);
  if (local !== null) {
    try {
      let start = readStart(local, HEAD_READ_BYTES);
      const length = packageHeadLength(start);
      if (length === null) throw new RpmFormatError('the package ends before its main header does', start.length);
      if (length > start.length) start = readStart(local, length);
      if (length > start.length) throw new RpmFormatError('the package ends before its main header does', start.length);
      return start.subarray(0, length);
    } catch (e) {
      throw missing(sha256, e);
    }
  }
  const chunks: Buffer[] = [];
  let have = 0;
  for await (const chunk of store.open(sha256)) {
    chunks.push(chunk as Buffer);
    have += (chunk as Buffer).length;
    const prefix = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    const length = packageHeadLength(prefix);
    if (length !== null && have >= length) return prefix.subarray(0, length);
  }
  throw new RpmFormatError('the package ends before its main header does', have);
}

/**
 * The heads of a sign task's packages from the `from`th on (in the order of the task's
 * originals), as many as fit in one answer; `next` is where the next answer starts (null: none).
 */
export async function packageHeads(ctx: Context, task: Pick<Task, 'id'>, from: number, maxBytes = HEADS_PER_ANSWER_BYTES): Promise<{ packages: PackageHead[]; next: number | null }> {
  const originals = await signTaskOriginals(ctx, task.id);
  const packages: PackageHead[] = [];
  let bytes = 0;
  let i = from;
  for (; i < originals.length && (packages.length === 0 || bytes < maxBytes); i++) {
    const o = originals[i] as SignOriginal;
    let head: Buffer;
    try {
      head = await readPackageHead(ctx.store, o.sha256);
    } catch (e) {
      if (e instanceof RpmFormatError) throw new BadSignatureError(`${o.name}: the stored package is not an RPM (${e.message})`);
      throw e;
    }
    bytes += head.length;
    packages.push({ name: o.name, kind: o.kind, sha256: o.sha256, head });
  }
  return { packages, next: i < originals.length ? i : null };
}

/** A signature header a signer sent for one package. */
export interface SentSignature {
  name: string;
  signatureHeader: Buffer;
}

/** The signature block of `sent` (its header, padded to 8 bytes) as a parsed header. @throws BadSignatureError */
function parseSignatureBlock(sent: SentSignature): { block: Buffer; header: Header } {
  const bytes = sent.signatureHeader;
  const malformed = (why: string): BadSignatureError => new BadSignatureError(`${sent.name}: the signature header is malformed (${why})`);
  if (bytes.length > MAX_SIGNATURE_HEADER_BYTES) throw new BadSignatureError(`${sent.name}: the signature header is ${bytes.length} bytes, more than the ${MAX_SIGNATURE_HEADER_BYTES} accepted`);
  let size: number;
  let header: Header;
  try {
    const { il, dl } = readHeaderIntro(bytes, 0, 0);
    size = headerSize(il, dl);
    if (size > bytes.length) throw malformed(`it says ${size} bytes, ${bytes.length} were sent`);
    header = Header.parse(bytes.subarray(0, size));
  } catch (e) {
    if (e instanceof RpmFormatError) throw malformed(e.message);
    throw e;
  }
  const padded = size + ((8 - (size % 8)) % 8);
  if (bytes.length !== size && bytes.length !== padded) throw malformed(`${bytes.length - size} bytes follow the header`);
  if (bytes.subarray(size).some((b) => b !== 0)) throw malformed('its padding is not zeros');
  const block = bytes.length === padded ? bytes : Buffer.concat([bytes, Buffer.alloc(padded - size)]);
  return { block, header };
}

/** The original changed in the store since it was built. */
function changedInStore(o: SignOriginal, got: string): BadSignatureError {
  return new BadSignatureError(`${o.name} is not the package that was built: the store gives sha256 ${got}, the build recorded ${o.sha256}`);
}

/** Refuses a replacement signature header that changes more than signatures. @throws BadSignatureError */
function checkReplacement(o: SignOriginal, f: RpmFile, replacement: Header): void {
  const changes = signatureHeaderChanges(f.signature, replacement);
  if (changes.length > 0) throw new BadSignatureError(`${o.name}: the signature header changes more than the signature (${changes.join('; ')})`);
}

/** Refuses a composed package that does not check with the key. @throws BadSignatureError */
async function checkComposed(o: SignOriginal, composed: Buffer | string, ring: PublicKeyRing, keyid: string): Promise<void> {
  let problem: string | null;
  try {
    problem = signedPackageProblem(await verifyRpm(composed, { keys: ring, requireSignature: true }));
  } catch (e) {
    if (e instanceof RpmFormatError) problem = `not an RPM once composed: ${e.message}`;
    else throw e;
  }
  if (problem !== null) throw new BadSignatureError(`${o.name}: the signature does not check with key ${keyid} (${problem})`);
}

/** Composes, checks and stores one signed package. @throws BadSignatureError */
async function composeOne(ctx: Context, o: SignOriginal, sent: SentSignature, key: { keyid: string; ring: PublicKeyRing }, inMemoryBytes: number): Promise<ComposedPackage> {
  const { block, header } = parseSignatureBlock(sent);
  const made = (stored: { sha256: string; size: number }): ComposedPackage => ({ artifactId: o.id, name: o.name, kind: o.kind, originalSha256: o.sha256, ...stored });
  if (o.size <= inMemoryBytes) {
    // A local blob of usual size is read synchronously (see readPackageHead).
    const local = ctx.store.localPath(o.sha256);
    let original: Buffer;
    try {
      original = local !== null ? readFileSync(local) : await readBlob(ctx.store, o.sha256);
    } catch (e) {
      throw missing(o.sha256, e);
    }
    const got = createHash('sha256').update(original).digest('hex');
    if (got !== o.sha256) throw changedInStore(o, got);
    const f = readRpmBuffer(original);
    checkReplacement(o, f, header);
    const composed = withSignatureBlock(original, f, block);
    await checkComposed(o, composed, key.ring, key.keyid);
    return made(await ctx.store.put(composed));
  }
  // A large package: streamed from the original's file into the store, checked while staged.
  return withLocalBlob(ctx.store, o.sha256, async (path) => {
    const got = await sha256File(path);
    if (got !== o.sha256) throw changedInStore(o, got);
    const f = readRpmFileSync(path);
    checkReplacement(o, f, header);
    const stream = Readable.from(
      (async function* () {
        yield f.lead.bytes;
        yield block;
        yield* createReadStream(path, { start: f.headerStart });
      })(),
    );
    return made(await ctx.store.put(stream, undefined, { accept: (staged) => checkComposed(o, staged.path, key.ring, key.keyid) }));
  });
}

/**
 * Composes the signed packages of sign task `task` (whose packages are `originals`) from the
 * signature headers sent, checks each and stores it; returns them (recorded by the caller).
 * Nothing is stored unless every signature header sent names a package of the task once and is
 * well-formed; a bad package stops the composing (packages composed meanwhile stay in the store,
 * recorded nowhere).
 * @throws BadSignatureError
 */
export async function composeSigned(
  ctx: Context,
  task: Pick<Task, 'id'>,
  key: { keyid: string; public_key: string },
  originalList: readonly SignOriginal[],
  sent: readonly SentSignature[],
  options: { inMemoryBytes?: number } = {},
): Promise<ComposedPackage[]> {
  const originals = new Map(originalList.map((o) => [o.name, o]));
  const seen = new Set<string>();
  for (const s of sent) {
    if (!originals.has(s.name)) throw new BadSignatureError(`${s.name} is not a package of sign task ${task.id}`);
    if (seen.has(s.name)) throw new BadSignatureError(`${s.name}: two signature headers were sent`);
    seen.add(s.name);
    parseSignatureBlock(s);
  }
  const ring = await publicRing(key.public_key);
  // A few at once: one package's store writes (and their fsyncs) overlap the next one's checks.
  const out: ComposedPackage[] = new Array(sent.length);
  await eachAtMost(sent, COMPOSING_AT_ONCE, async (s, i) => {
    out[i] = await composeOne(ctx, originals.get(s.name) as SignOriginal, s, { keyid: key.keyid, ring }, options.inMemoryBytes ?? IN_MEMORY_BYTES);
  });
  return out;
}
