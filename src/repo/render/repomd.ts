/**
 * repomd.xml: the index of a repository's metadata files, the one file a client fetches first.
 * Laid out as createrepo_c writes it: revision, optional tags, then one `<data>` per metadata file
 * with checksum, open-checksum, location, timestamp, size and open-size.
 */
import type { RepomdRecord, RepomdTags } from '../model.ts';
import { escapeAttr as a, escapeText as t } from '../xml/escape.ts';

export interface RepomdDocument {
  revision: string;
  tags?: RepomdTags;
  records: RepomdRecord[];
}

/** The order createrepo_c sorts records in; others follow alphabetically. */
const RECORD_ORDER = ['primary', 'filelists', 'other', 'primary_db', 'filelists_db', 'other_db', 'group', 'group_gz', 'updateinfo', 'modules'];

function rank(type: string): number {
  const i = RECORD_ORDER.indexOf(type);
  return i < 0 ? RECORD_ORDER.length : i;
}

function tags(tg: RepomdTags | undefined): string {
  if (!tg || tg.content.length + tg.repo.length + tg.distro.length === 0) return '';
  let s = '  <tags>\n';
  for (const c of tg.content) s += `    <content>${t(c)}</content>\n`;
  for (const r of tg.repo) s += `    <repo>${t(r)}</repo>\n`;
  for (const d of tg.distro) s += d.cpeid ? `    <distro cpeid="${a(d.cpeid)}">${t(d.name)}</distro>\n` : `    <distro>${t(d.name)}</distro>\n`;
  return `${s}  </tags>\n`;
}

function record(r: RepomdRecord): string {
  let s = `  <data type="${a(r.type)}">\n`;
  s += `    <checksum type="${a(r.checksum.type)}">${t(r.checksum.value)}</checksum>\n`;
  if (r.openChecksum) s += `    <open-checksum type="${a(r.openChecksum.type)}">${t(r.openChecksum.value)}</open-checksum>\n`;
  const base = r.location.base ? ` xml:base="${a(r.location.base)}"` : '';
  s += `    <location${base} href="${a(r.location.href)}"/>\n`;
  if (r.timestamp !== undefined) s += `    <timestamp>${r.timestamp}</timestamp>\n`;
  if (r.size !== undefined) s += `    <size>${r.size}</size>\n`;
  if (r.openSize !== undefined) s += `    <open-size>${r.openSize}</open-size>\n`;
  if (r.databaseVersion !== undefined) s += `    <database_version>${r.databaseVersion}</database_version>\n`;
  return `${s}  </data>\n`;
}

/** Renders repomd.xml. */
export function renderRepomd(doc: RepomdDocument): string {
  const records = [...doc.records].sort((x, y) => rank(x.type) - rank(y.type) || (x.type < y.type ? -1 : x.type > y.type ? 1 : 0));
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">\n' +
    `  <revision>${t(doc.revision)}</revision>\n` +
    tags(doc.tags) +
    records.map(record).join('') +
    '</repomd>\n'
  );
}
