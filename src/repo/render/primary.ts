/**
 * primary.xml: one `<package>` per package with its NEVRA, checksum, descriptions, times, sizes,
 * location and `<format>` (license, vendor, group, build host, source RPM, header range, every
 * dependency kind, the primary subset of its files), laid out as createrepo_c writes it.
 */
import { isPrimaryFile, type RepoDependency, type RepoFile, type RepoPackage } from '../model.ts';
import { escapeAttr as a, escapeText as t } from '../xml/escape.ts';

export const PRIMARY_NS = 'http://linux.duke.edu/metadata/common';
export const RPM_NS = 'http://linux.duke.edu/metadata/rpm';

export function primaryHead(count: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="${PRIMARY_NS}" xmlns:rpm="${RPM_NS}" packages="${count}">\n`;
}

export const PRIMARY_TAIL = '</metadata>';

function entry(d: RepoDependency, withPre: boolean): string {
  let s = `      <rpm:entry name="${a(d.name)}"`;
  if (d.flags) {
    s += ` flags="${d.flags}"`;
    if (d.epoch) s += ` epoch="${a(d.epoch)}"`;
    if (d.version) s += ` ver="${a(d.version)}"`;
    if (d.release) s += ` rel="${a(d.release)}"`;
  }
  if (withPre && d.pre) s += ' pre="1"';
  return `${s}/>\n`;
}

function depList(tag: string, list: readonly RepoDependency[], withPre = false): string {
  let body = '';
  for (const d of list) if (d.name !== '') body += entry(d, withPre);
  return body === '' ? '' : `    <rpm:${tag}>\n${body}    </rpm:${tag}>\n`;
}

/** A `<file>` line (primary.xml and filelists.xml write them the same way). */
export function fileLine(f: RepoFile, indent: string): string {
  return f.type === 'file' ? `${indent}<file>${t(f.path)}</file>\n` : `${indent}<file type="${f.type}">${t(f.path)}</file>\n`;
}

/** The `<version …/>` element shared by the three files. */
export function versionElement(p: Pick<RepoPackage, 'epoch' | 'version' | 'release'>): string {
  return `  <version epoch="${a(p.epoch)}" ver="${a(p.version)}" rel="${a(p.release)}"/>\n`;
}

/** primary.xml's `<package>` of `p`. */
export function primaryPackage(p: RepoPackage): string {
  return primaryBeforeId(p) + t(p.pkgId) + primaryAfterId(p);
}

/**
 * The `<package>` element up to its pkgId (the text of `<checksum>`), so that a renderer can tell
 * where the pkgId goes (src/repo/create writes it in later when another thread hashes the file).
 */
export function primaryBeforeId(p: RepoPackage): string {
  return '<package type="rpm">\n' + `  <name>${t(p.name)}</name>\n` + `  <arch>${t(p.arch)}</arch>\n` + versionElement(p) + `  <checksum type="${a(p.checksumType)}" pkgid="YES">`;
}

/** The `<package>` element after its pkgId. */
export function primaryAfterId(p: RepoPackage): string {
  return primaryMiddle(p) + primaryFileLines(p.files) + PRIMARY_PACKAGE_END;
}

/** The primary subset of `files`, as `<file>` lines. */
export function primaryFileLines(files: readonly RepoFile[]): string {
  let s = '';
  for (const f of files) if (isPrimaryFile(f.path)) s += fileLine(f, PRIMARY_FILE_INDENT);
  return s;
}

/** How a `<file>` line of primary.xml starts (its files are listed last in `<format>`). */
export const PRIMARY_FILE_INDENT = '    ';

/** What follows the files in a `<package>` element. */
export const PRIMARY_PACKAGE_END = '  </format>\n</package>\n';

/** The `<package>` element from after its pkgId up to its files. */
export function primaryMiddle(p: RepoPackage): string {
  const base = p.location.base ? ` xml:base="${a(/^\//.test(p.location.base) ? `file://${p.location.base}` : p.location.base)}"` : '';
  return (
    '</checksum>\n' +
    `  <summary>${t(p.summary)}</summary>\n` +
    `  <description>${t(p.description)}</description>\n` +
    `  <packager>${t(p.packager)}</packager>\n` +
    `  <url>${t(p.url)}</url>\n` +
    `  <time file="${p.time.file}" build="${p.time.build}"/>\n` +
    `  <size package="${p.size.package}" installed="${p.size.installed}" archive="${p.size.archive}"/>\n` +
    `  <location${base} href="${a(p.location.href)}"/>\n` +
    '  <format>\n' +
    `    <rpm:license>${t(p.license)}</rpm:license>\n` +
    `    <rpm:vendor>${t(p.vendor)}</rpm:vendor>\n` +
    `    <rpm:group>${t(p.group)}</rpm:group>\n` +
    `    <rpm:buildhost>${t(p.buildhost)}</rpm:buildhost>\n` +
    `    <rpm:sourcerpm>${t(p.sourcerpm)}</rpm:sourcerpm>\n` +
    `    <rpm:header-range start="${p.headerRange.start}" end="${p.headerRange.end}"/>\n` +
    depList('provides', p.provides) +
    depList('requires', p.requires, true) +
    depList('conflicts', p.conflicts) +
    depList('obsoletes', p.obsoletes) +
    depList('suggests', p.suggests) +
    depList('enhances', p.enhances) +
    depList('recommends', p.recommends) +
    depList('supplements', p.supplements)
  );
}
