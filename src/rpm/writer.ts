/**
 * The RPM writer: a v4 package file from an {@link RpmSpec}, laid out the way rpmbuild 4.18 lays
 * it out, so that `rpmkeys --checksig`, `rpm -qp`, `rpm -i`, createrepo_c and dnf accept it.
 *
 * File layout: the 96-byte lead; the signature header (region tag 62: SHA1 and SHA256 of the main
 * header, SIZE and MD5 of main header + payload, PAYLOADSIZE, and RESERVEDSPACE, zeros that a
 * signer replaces with a signature without moving anything after it), padded to 8 bytes; the main
 * header (region tag 63); the compressed cpio payload.
 *
 * Parts: writer-types.ts (the spec), writer-validate.ts (checking it), writer-files.ts (file tags
 * and cpio), writer-deps.ts (dependency and scriptlet tags), writer-triggers.ts (file triggers); the cpio archive and its compression come from payload/.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { UsageError } from '../errors.ts';
import { buildHeader, type EntryValue } from './header-build.ts';
import { LEAD_SIZE } from './package-file.ts';
import { compressBuffer } from './payload/index.ts';
import { HashAlgo, RegionTag, SigTag, Tag, TagType } from './tags.ts';
import { dependencyEntries, packageEvr } from './writer-deps.ts';
import { buildFilePart } from './writer-files.ts';
import type { RpmSpec } from './writer-types.ts';
import { validateSpec } from './writer-validate.ts';
import { replaceFileSync } from '../util/atomic-file.ts';

export type {
  RpmSpec,
  RpmSpecChangelogEntry,
  RpmSpecCompressor,
  RpmSpecDependency,
  RpmSpecDependencyKind,
  RpmSpecFile,
  RpmSpecFileTrigger,
  RpmSpecFileTriggerType,
  RpmSpecScriptlet,
  RpmSpecScriptlets,
} from './writer-types.ts';
export { packageEvr } from './writer-deps.ts';

/**
 * Bytes of zeros reserved in the signature header: rpmbuild's 32 plus `%__gpg_reserved_space`
 * (4096), the same 4128 rpm 4.18 writes. An RSA-4096 signature packet takes about 540 bytes and an
 * EdDSA one about 120, so `rpmsign --addsign` (and sign.ts) shrink this entry and rewrite the
 * signature header in place instead of rewriting the whole file.
 */
export const RESERVED_SPACE = 4128;

/** What the RPMVERSION tag says: the rpm whose layout the writer follows. */
const RPM_VERSION = '4.18.0';
const LEAD_MAGIC = 0xedabeedb;
/** Lead arch numbers (rpmrc arch_canon); rpm itself writes the build host's, 1 on x86_64. */
const LEAD_ARCHNUM: Record<string, number> = { aarch64: 19, ppc64le: 16, ppc64: 16, s390x: 15, armv7hl: 12 };
const DEFAULT_LEVEL = { gzip: 9, zstd: 19 } as const;

/** The usual file name of a package: `NAME-VERSION-RELEASE.ARCH.rpm` (`.src.rpm` for sources). */
export function rpmFileName(spec: Pick<RpmSpec, 'name' | 'version' | 'release' | 'arch'>): string {
  return `${spec.name}-${spec.version}-${spec.release}.${spec.arch}.rpm`;
}

function buildLead(spec: RpmSpec, source: boolean): Buffer {
  const lead = Buffer.alloc(LEAD_SIZE);
  lead.writeUInt32BE(LEAD_MAGIC, 0);
  lead[4] = 3;
  lead[5] = 0;
  lead.writeUInt16BE(source ? 1 : 0, 6);
  lead.writeUInt16BE(LEAD_ARCHNUM[source ? (spec.buildArch ?? 'x86_64') : spec.arch] ?? 1, 8);
  // name[66]: N-[E:]V-R cut to 65 bytes, NUL-terminated (the rest of the buffer is already zero).
  Buffer.from(`${spec.name}-${packageEvr(spec)}`, 'utf8').copy(lead, 10, 0, 65);
  lead.writeUInt16BE(1, 76); // os: Linux
  lead.writeUInt16BE(5, 78); // signature type: header-structured signature
  return lead;
}

function str(tag: number, value: string): EntryValue {
  return { tag, type: TagType.STRING, value };
}

function int32(tag: number, value: number[]): EntryValue {
  return { tag, type: TagType.INT32, value };
}

/** NEVRA, descriptive and build tags of the main header. */
function metadataEntries(spec: RpmSpec, source: boolean, buildtime: number, installedSize: number): EntryValue[] {
  const arch = source ? (spec.buildArch ?? 'x86_64') : spec.arch;
  const i18n = (tag: number, value: string): EntryValue => ({ tag, type: TagType.I18NSTRING, value });
  const entries: EntryValue[] = [
    { tag: RegionTag.I18NTABLE, type: TagType.STRING_ARRAY, value: ['C'] },
    str(Tag.NAME, spec.name),
    str(Tag.VERSION, spec.version),
    str(Tag.RELEASE, spec.release),
    i18n(Tag.SUMMARY, spec.summary),
    i18n(Tag.DESCRIPTION, spec.description),
    int32(Tag.BUILDTIME, [buildtime]),
    str(Tag.BUILDHOST, spec.buildhost ?? 'localhost'),
    int32(Tag.SIZE, [installedSize]),
    str(Tag.LICENSE, spec.license),
    i18n(Tag.GROUP, spec.group ?? 'Unspecified'),
    str(Tag.OS, spec.os ?? 'linux'),
    str(Tag.ARCH, arch),
    str(Tag.RPMVERSION, RPM_VERSION),
    int32(Tag.FILEDIGESTALGO, [HashAlgo.SHA256]),
    str(Tag.ENCODING, 'utf-8'),
  ];
  if (spec.epoch !== undefined) entries.push(int32(Tag.EPOCH, [spec.epoch]));
  const optional: [number, string | undefined][] = [
    [Tag.DISTRIBUTION, spec.distribution],
    [Tag.VENDOR, spec.vendor],
    [Tag.PACKAGER, spec.packager],
    [Tag.URL, spec.url],
    [Tag.BUGURL, spec.bugurl],
  ];
  for (const [tag, v] of optional) if (v !== undefined) entries.push(str(tag, v));
  if (source) {
    entries.push(int32(Tag.SOURCEPACKAGE, [1]));
  } else {
    entries.push(
      str(Tag.SOURCERPM, spec.sourcerpm ?? `${spec.name}-${spec.version}-${spec.release}.src.rpm`),
      str(Tag.PLATFORM, spec.platform ?? `${arch}-redhat-linux-gnu`),
      str(Tag.OPTFLAGS, spec.optflags ?? '-O2 -g'),
    );
  }
  const log = spec.changelog ?? [];
  if (log.length > 0) {
    entries.push(
      int32(Tag.CHANGELOGTIME, log.map((c) => c.time)),
      { tag: Tag.CHANGELOGNAME, type: TagType.STRING_ARRAY, value: log.map((c) => c.author) },
      { tag: Tag.CHANGELOGTEXT, type: TagType.STRING_ARRAY, value: log.map((c) => c.text) },
    );
  }
  return entries;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** The signature header over `main` and `payload`, padded to a multiple of 8 bytes. */
function signatureBlock(main: Buffer, payload: Buffer, cpioSize: number): Buffer {
  const md5 = createHash('md5').update(main).update(payload).digest();
  const sig = buildHeader(
    [
      str(SigTag.SHA1, createHash('sha1').update(main).digest('hex')),
      str(SigTag.SHA256, sha256(main)),
      int32(SigTag.SIZE, [main.length + payload.length]),
      { tag: SigTag.MD5, type: TagType.BIN, value: md5 },
      int32(SigTag.PAYLOADSIZE, [cpioSize]),
      { tag: SigTag.RESERVEDSPACE, type: TagType.BIN, value: Buffer.alloc(RESERVED_SPACE) },
    ],
    RegionTag.HEADERSIGNATURES,
  );
  const pad = (8 - (sig.length % 8)) % 8;
  return pad === 0 ? sig : Buffer.concat([sig, Buffer.alloc(pad)]);
}

/**
 * Builds a complete RPM package file in memory.
 * @throws UsageError when `spec` is invalid (naming the field) or the package would exceed 4 GiB.
 * @throws RpmPayloadError when the compressor (`zstd`) cannot run.
 */
export function buildRpm(spec: RpmSpec): Buffer {
  validateSpec(spec);
  const source = spec.arch === 'src';
  const compressor = spec.compressor ?? 'gzip';
  const buildtime = spec.buildtime ?? Math.floor(Date.now() / 1000);
  const files = buildFilePart(spec.files ?? [], buildtime, source);
  if (files.cpio.length >= 0xffffffff) throw new UsageError(`package ${spec.name}: payload of 4 GiB or more is not supported`);
  const level = compressor === 'none' ? undefined : (spec.compressionLevel ?? DEFAULT_LEVEL[compressor]);
  const payload = compressor === 'none' ? files.cpio : compressBuffer(files.cpio, compressor, level);

  const entries: EntryValue[] = [
    ...metadataEntries(spec, source, buildtime, files.installedSize),
    ...files.entries,
    ...dependencyEntries(spec, { source, compressor }),
    str(Tag.PAYLOADFORMAT, 'cpio'),
    str(Tag.PAYLOADFLAGS, level === undefined ? '' : String(level)),
    { tag: Tag.PAYLOADDIGEST, type: TagType.STRING_ARRAY, value: [sha256(payload)] },
    int32(Tag.PAYLOADDIGESTALGO, [HashAlgo.SHA256]),
    { tag: Tag.PAYLOADDIGESTALT, type: TagType.STRING_ARRAY, value: [sha256(files.cpio)] },
  ];
  // rpm writes no compressor tag for an uncompressed payload (and reads it through its gzip reader).
  if (compressor !== 'none') entries.push(str(Tag.PAYLOADCOMPRESSOR, compressor));
  const main = buildHeader(entries, RegionTag.HEADERIMMUTABLE);
  if (main.length + payload.length >= 0xffffffff) throw new UsageError(`package ${spec.name}: 4 GiB or more is not supported`);
  return Buffer.concat([buildLead(spec, source), signatureBlock(main, payload, files.cpio.length), main, payload]);
}

/**
 * Builds the package and writes it to `path` atomically: to a temporary file in the same
 * directory, then renamed over `path`, so readers never see a half-written package.
 * @throws UsageError for an invalid spec; file system errors as they come.
 */
export function writeRpm(path: string, spec: RpmSpec): void {
  const data = buildRpm(spec);
  replaceFileSync(path, (tmp) => writeFileSync(tmp, data, { flag: 'wx' }));
}
