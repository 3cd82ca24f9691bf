/** filelists.xml: every file, directory and ghost of each package, as createrepo_c writes it. */
import type { RepoPackage } from '../model.ts';
import { escapeAttr as a } from '../xml/escape.ts';
import { fileLine, versionElement } from './primary.ts';

export function filelistsHead(count: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<filelists xmlns="http://linux.duke.edu/metadata/filelists" packages="${count}">\n`;
}

export const FILELISTS_TAIL = '</filelists>';

/** Where the pkgId starts in a {@link packageOpen} line (src/repo/create writes it in there later). */
export const PACKAGE_OPEN_ID_AT = '<package pkgid="'.length;

/** The `<package pkgid= name= arch=>` opening line shared by filelists.xml and other.xml. */
export function packageOpen(p: RepoPackage): string {
  return `<package pkgid="${a(p.pkgId)}" name="${a(p.name)}" arch="${a(p.arch)}">\n`;
}

export function filelistsPackage(p: RepoPackage): string {
  let s = filelistsStart(p);
  for (const f of p.files) s += fileLine(f, FILELISTS_FILE_INDENT);
  return s + FILELISTS_PACKAGE_END;
}

/** A `<package>` element of filelists.xml up to its files. */
export function filelistsStart(p: RepoPackage): string {
  return packageOpen(p) + versionElement(p);
}

/** How a `<file>` line of filelists.xml starts. */
export const FILELISTS_FILE_INDENT = '  ';

/** What follows the files in a `<package>` element. */
export const FILELISTS_PACKAGE_END = '</package>\n';
