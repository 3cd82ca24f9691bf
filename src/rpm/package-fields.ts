/**
 * The descriptive fields of a package (NEVRA, texts, sizes), read from its main and signature
 * headers: what src/rpm's full reader and the repository reader (src/repo/create) both take.
 */
import type { Header } from './header.ts';
import type { RpmFile } from './package-file.ts';
import type { RpmPackage } from './package.ts';
import { SigTag, Tag } from './tags.ts';

export type PackageFields = Pick<
  RpmPackage,
  'name' | 'epoch' | 'version' | 'release' | 'arch' | 'isSource' | 'summary' | 'description' | 'license' | 'url' | 'vendor' | 'packager' | 'group' | 'buildhost' | 'buildtime' | 'sourcerpm' | 'installedSize' | 'archiveSize'
>;

function archOf(h: Header, isSource: boolean): string {
  if (!isSource) return h.string(Tag.ARCH) ?? '';
  // rpm marks a source package that leaves out sources or patches as nosrc.
  return h.has(1051) || h.has(1052) ? 'nosrc' : 'src';
}

/** Reads the fields of {@link PackageFields}. @throws RpmFormatError when one is malformed. */
export function readPackageFields(f: RpmFile): PackageFields {
  const h = f.header;
  const s = f.signature;
  const isSource = !h.has(Tag.SOURCERPM);
  return {
    name: h.string(Tag.NAME) ?? '',
    epoch: h.number(Tag.EPOCH) ?? null,
    version: h.string(Tag.VERSION) ?? '',
    release: h.string(Tag.RELEASE) ?? '',
    arch: archOf(h, isSource),
    isSource,
    summary: h.string(Tag.SUMMARY) ?? '',
    description: h.string(Tag.DESCRIPTION) ?? '',
    license: h.string(Tag.LICENSE) ?? '',
    url: h.string(Tag.URL) ?? null,
    vendor: h.string(Tag.VENDOR) ?? null,
    packager: h.string(Tag.PACKAGER) ?? null,
    group: h.string(Tag.GROUP) ?? null,
    buildhost: h.string(Tag.BUILDHOST) ?? null,
    buildtime: h.number(Tag.BUILDTIME) ?? null,
    sourcerpm: h.string(Tag.SOURCERPM) ?? null,
    installedSize: h.number(Tag.LONGSIZE) ?? h.number(Tag.SIZE) ?? 0,
    archiveSize: h.number(Tag.PAYLOADSIZEALT) ?? s.number(SigTag.LONGARCHIVESIZE) ?? s.number(SigTag.PAYLOADSIZE) ?? h.number(Tag.ARCHIVESIZE) ?? null,
  };
}
