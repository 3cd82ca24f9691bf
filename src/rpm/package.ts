/**
 * Typed metadata of an RPM package, read from its main and signature headers.
 *
 * Terminology:
 * - NEVRA: name, epoch, version, release, arch: what identifies a package.
 * - source package (SRPM): a package without SOURCERPM; its arch is reported as `src`
 *   (`nosrc` when it leaves sources out), as createrepo_c and dnf do.
 * - header range: the byte range [start, end) of the main header in the file; end is where the
 *   payload starts (createrepo_c's rpm:header-range).
 */
import { readDependencies, DEPENDENCY_KINDS, type DependencyKind, type RpmDependency } from './dependencies.ts';
import { readFiles, fileDigestAlgo, type RpmFileEntry } from './files.ts';
import type { Header } from './header.ts';
import { readRpmBuffer, readRpmFileSync, type RpmFile } from './package-file.ts';
import { readPackageFields } from './package-fields.ts';
import { SCRIPTLET_TAGS, type ScriptletKind, type ScriptletTags } from './scriptlets.ts';
import { readSignatures, signatureInfo, type SignatureInfo } from './signatures.ts';

export type { ScriptletKind };
import { SigTag, Tag } from './tags.ts';

export interface RpmChangelogEntry {
  time: number;
  author: string;
  text: string;
}


export interface RpmScriptlet {
  kind: ScriptletKind;
  /** Interpreter and its arguments, e.g. ['/bin/sh']. */
  interpreter: string[];
  body: string;
}

export interface RpmPackage {
  name: string;
  epoch: number | null;
  version: string;
  release: string;
  arch: string;
  isSource: boolean;
  summary: string;
  description: string;
  license: string;
  url: string | null;
  vendor: string | null;
  packager: string | null;
  group: string | null;
  buildhost: string | null;
  buildtime: number | null;
  sourcerpm: string | null;
  /** Installed size (%{SIZE}). */
  installedSize: number;
  /** Uncompressed payload (cpio archive) size, when recorded. */
  archiveSize: number | null;
  /** Size of the package file. */
  fileSize: number;
  /** Header+payload size recorded in the signature header (SIZE/LONGSIZE), or null. */
  sigSize: number | null;
  payloadFormat: string;
  /** PAYLOADCOMPRESSOR as recorded (null when absent: rpm then reads gzip or a plain archive). */
  payloadCompressor: string | null;
  payloadFlags: string | null;
  /** Package format: 4 (rpm 4.x) or 6 (rpm 6). */
  rpmFormat: number;
  requires: RpmDependency[];
  provides: RpmDependency[];
  conflicts: RpmDependency[];
  obsoletes: RpmDependency[];
  recommends: RpmDependency[];
  suggests: RpmDependency[];
  supplements: RpmDependency[];
  enhances: RpmDependency[];
  orderwithrequires: RpmDependency[];
  files: RpmFileEntry[];
  /** OpenPGP hash algorithm id of the file digests. */
  fileDigestAlgo: number;
  changelog: RpmChangelogEntry[];
  scriptlets: RpmScriptlet[];
  signature: SignatureInfo | null;
  headerRange: [number, number];
}

function readChangelog(h: Header): RpmChangelogEntry[] {
  const times = h.numbers(Tag.CHANGELOGTIME);
  const names = h.strings(Tag.CHANGELOGNAME);
  const texts = h.strings(Tag.CHANGELOGTEXT);
  const n = Math.min(times.length, names.length, texts.length);
  const out: RpmChangelogEntry[] = [];
  for (let i = 0; i < n; i++) out.push({ time: times[i] ?? 0, author: names[i] ?? '', text: texts[i] ?? '' });
  return out;
}

function readScriptlets(h: Header): RpmScriptlet[] {
  const out: RpmScriptlet[] = [];
  for (const [kind, tags] of Object.entries(SCRIPTLET_TAGS) as [ScriptletKind, ScriptletTags][]) {
    const body = h.string(tags.body);
    const prog = h.strings(tags.prog);
    if (body === undefined && prog.length === 0) continue;
    out.push({ kind, interpreter: prog, body: body ?? '' });
  }
  return out;
}

/** Builds the typed metadata from a file's parsed framing. */
export function packageFromFile(f: RpmFile): RpmPackage {
  const h = f.header;
  const s = f.signature;
  const deps = Object.fromEntries(
    (Object.keys(DEPENDENCY_KINDS) as DependencyKind[]).map((k) => [k, readDependencies(h, k)]),
  ) as Record<DependencyKind, RpmDependency[]>;
  return {
    ...readPackageFields(f),
    fileSize: f.fileSize,
    sigSize: s.number(SigTag.LONGSIZE) ?? s.number(SigTag.SIZE) ?? null,
    payloadFormat: h.string(Tag.PAYLOADFORMAT) ?? 'cpio',
    payloadCompressor: h.string(Tag.PAYLOADCOMPRESSOR) ?? null,
    payloadFlags: h.string(Tag.PAYLOADFLAGS) ?? null,
    rpmFormat: h.number(Tag.RPMFORMAT) ?? (f.lead.major >= 4 ? 6 : 4),
    ...deps,
    files: readFiles(h),
    fileDigestAlgo: fileDigestAlgo(h),
    changelog: readChangelog(h),
    scriptlets: readScriptlets(h),
    signature: signatureInfo(readSignatures(s)),
    headerRange: [f.headerStart, f.payloadStart],
  };
}

/** Reads the metadata of the RPM file at `path`. @throws RpmFormatError */
export function readPackageSync(path: string): RpmPackage {
  return packageFromFile(readRpmFileSync(path));
}

/** Reads the metadata of an RPM held in memory. @throws RpmFormatError */
export function readPackageBuffer(data: Buffer): RpmPackage {
  return packageFromFile(readRpmBuffer(data));
}

/** `name-[epoch:]version-release.arch`, as dnf prints a NEVRA. */
export function nevra(p: Pick<RpmPackage, 'name' | 'epoch' | 'version' | 'release' | 'arch'>): string {
  return `${p.name}-${p.epoch ? `${p.epoch}:` : ''}${p.version}-${p.release}.${p.arch}`;
}
