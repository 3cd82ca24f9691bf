/** other.xml: the changelog entries of each package, as createrepo_c writes them. */
import type { RepoPackage } from '../model.ts';
import { escapeAttr as a, escapeText as t } from '../xml/escape.ts';
import { packageOpen } from './filelists.ts';
import { versionElement } from './primary.ts';

export function otherHead(count: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<otherdata xmlns="http://linux.duke.edu/metadata/other" packages="${count}">\n`;
}

export const OTHER_TAIL = '</otherdata>';

export function otherPackage(p: RepoPackage): string {
  let s = packageOpen(p) + versionElement(p);
  for (const c of p.changelogs) s += `  <changelog author="${a(c.author)}" date="${c.date}">${t(c.text)}</changelog>\n`;
  return `${s}</package>\n`;
}
