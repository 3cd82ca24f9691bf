/**
 * updateinfo.xml: advisories (errata) for dnf's `updateinfo`/`--security`, laid out as
 * createrepo_c writes them: `<update from status type version>` with id, title, issued/updated
 * dates, rights, release, severity, summary, description, solution, references and the package
 * lists per collection (with module stream, file name, checksum, reboot flag). Empty optional
 * elements are left out.
 */
import type { Advisory, AdvisoryCollection, AdvisoryPackage } from '../model.ts';
import { escapeAttr as a, escapeText as t } from '../xml/escape.ts';

export const UPDATEINFO_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<updates>\n';
export const UPDATEINFO_TAIL = '</updates>\n';

function opt(tag: string, value: string, indent = '    '): string {
  return value === '' ? '' : `${indent}<${tag}>${t(value)}</${tag}>\n`;
}

function attrs(pairs: [string, string | undefined][]): string {
  return pairs
    .filter((p): p is [string, string] => p[1] !== undefined && p[1] !== '')
    .map(([k, v]) => ` ${k}="${a(v)}"`)
    .join('');
}

function pkg(p: AdvisoryPackage): string {
  let s = `        <package${attrs([['name', p.name], ['version', p.version], ['release', p.release], ['epoch', p.epoch], ['arch', p.arch], ['src', p.src]])}>\n`;
  s += opt('filename', p.filename, '          ');
  if (p.sum) s += `          <sum type="${a(p.sum.type)}">${t(p.sum.value)}</sum>\n`;
  if (p.rebootSuggested) s += '          <reboot_suggested>True</reboot_suggested>\n';
  return `${s}        </package>\n`;
}

function collection(c: AdvisoryCollection): string {
  let s = `      <collection${attrs([['short', c.short]])}>\n`;
  s += opt('name', c.name, '        ');
  if (c.module) {
    const m = c.module;
    s += `        <module${attrs([['name', m.name], ['stream', m.stream], ['version', m.version], ['context', m.context], ['arch', m.arch]])}/>\n`;
  }
  for (const p of c.packages) s += pkg(p);
  return `${s}      </collection>\n`;
}

/** One `<update>` element. */
export function updateElement(u: Advisory): string {
  let s = `  <update${attrs([['from', u.from], ['status', u.status], ['type', u.type], ['version', u.version]])}>\n`;
  s += `    <id>${t(u.id)}</id>\n`;
  s += opt('title', u.title);
  if (u.issued) s += `    <issued date="${a(u.issued)}"/>\n`;
  if (u.updated) s += `    <updated date="${a(u.updated)}"/>\n`;
  s += opt('rights', u.rights);
  s += opt('release', u.release);
  s += opt('severity', u.severity);
  s += opt('summary', u.summary);
  s += opt('description', u.description);
  s += opt('solution', u.solution);
  if (u.rebootSuggested) s += '    <reboot_suggested>True</reboot_suggested>\n';
  if (u.references.length > 0) {
    s += '    <references>\n';
    for (const r of u.references) s += `      <reference${attrs([['href', r.href], ['id', r.id], ['type', r.type], ['title', r.title]])}/>\n`;
    s += '    </references>\n';
  }
  if (u.collections.length > 0) {
    s += '    <pkglist>\n';
    for (const c of u.collections) s += collection(c);
    s += '    </pkglist>\n';
  }
  return `${s}  </update>\n`;
}

/** The parts of updateinfo.xml, for streaming into a metadata file. */
export function* updateinfoParts(advisories: Iterable<Advisory>): Generator<string> {
  yield UPDATEINFO_HEAD;
  for (const u of advisories) yield updateElement(u);
  yield UPDATEINFO_TAIL;
}
