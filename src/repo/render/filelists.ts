/** filelists.xml: every file, directory and ghost of each package, as createrepo_c writes it. */
import type { RepoPackage } from '../model.ts';
import { escapeAttr as a } from '../xml/escape.ts';
import { fileLine, versionElement } from './primary.ts';

export function filelistsHead(count: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<filelists xmlns="http://linux.duke.edu/metadata/filelists" packages="${count}">\n`;
}

export const FILELISTS_TAIL = '</filelists>';

/** The `<package pkgid= name= arch=>` opening line shared by filelists.xml and other.xml. */
export function packageOpen(p: RepoPackage): string {
  return `<package pkgid="${a(p.pkgId)}" name="${a(p.name)}" arch="${a(p.arch)}">\n`;
}

export function filelistsPackage(p: RepoPackage): string {
  let s = packageOpen(p) + versionElement(p);
  for (const f of p.files) s += fileLine(f, '  ');
  return `${s}</package>\n`;
}
