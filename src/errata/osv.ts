/**
 * Advisories as OSV documents (https://ossf.github.io/osv-schema/, schema 1.6): one document per
 * advisory, one `affected` entry per source package it fixes, each with an ECOSYSTEM range from
 * `0` to the fixed `[epoch:]version-release`.
 *
 * Ecosystem: `NAME:MAJOR`, NAME the platform's name, MAJOR the major version of its
 * `lifecycle.version` (9.4 → 9), else its `buildroot.releasever`, else the digits of its dist tag
 * (.el9 → 9); just NAME when it has none of them. As `AlmaLinux:9` and `Rocky Linux:9` do in
 * OSV's database, with the platform's name where they have the distribution's.
 */
import type { Platform } from '../platforms/types.ts';
import { formatEvr } from './nevra.ts';
import { cveUrl } from './release.ts';
import type { AdvisoryRecord, AdvisoryReference } from './types.ts';

export const OSV_SCHEMA_VERSION = '1.6.0';

/** The reference types of OSV 1.6. */
export type OsvReferenceType = 'ADVISORY' | 'ARTICLE' | 'DETECTION' | 'DISCUSSION' | 'REPORT' | 'FIX' | 'INTRODUCED' | 'PACKAGE' | 'EVIDENCE' | 'WEB';

export interface OsvAffected {
  package: { ecosystem: string; name: string };
  ranges: { type: 'ECOSYSTEM'; events: ({ introduced: string } | { fixed: string })[] }[];
  ecosystem_specific?: { severity: string };
  database_specific: { packages: string[] };
}

export interface OsvDocument {
  schema_version: string;
  id: string;
  /** RFC 3339, UTC (`2026-03-01T12:00:00Z`). */
  modified: string;
  published?: string;
  withdrawn?: string;
  aliases: string[];
  related: string[];
  summary: string;
  details: string;
  affected: OsvAffected[];
  references: { type: OsvReferenceType; url: string }[];
  database_specific: {
    type: string;
    severity: string | null;
    platform: string;
    state: string;
    reboot_suggested: boolean;
  };
}

/** RFC 3339 in UTC, whole seconds. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The OSV ecosystem of a platform's packages (see the module's description). */
export function osvEcosystem(p: Pick<Platform, 'name' | 'lifecycle' | 'buildroot' | 'distTag'>): string {
  const major = p.lifecycle?.version.split('.')[0] || p.buildroot?.releasever || /\d+/.exec(p.distTag)?.[0];
  return major ? `${p.name}:${major}` : p.name;
}

const REFERENCE_TYPES: Record<AdvisoryReference['type'], OsvReferenceType> = { upstream: 'ADVISORY', self: 'ADVISORY', bugzilla: 'REPORT', cve: 'WEB', other: 'WEB' };

function references(a: AdvisoryRecord, selfUrl: string | undefined): OsvDocument['references'] {
  const out: OsvDocument['references'] = [];
  if (selfUrl !== undefined && !a.references.some((r) => r.type === 'self')) out.push({ type: 'ADVISORY', url: selfUrl });
  for (const r of a.references) {
    const url = r.href ?? (r.type === 'cve' ? cveUrl(r.id) : null);
    if (url !== null) out.push({ type: REFERENCE_TYPES[r.type], url });
  }
  return out;
}

/**
 * One `affected` entry per source package (name, version, release), in the advisory's order; the
 * fixed version's epoch is its packages' (an epoch is the whole spec's).
 */
function affected(a: AdvisoryRecord, ecosystem: string): OsvAffected[] {
  const bySource = new Map<string, { name: string; version: string; release: string; epoch: number | null; nevras: string[] }>();
  for (const p of a.packages) {
    const key = `${p.source.name} ${p.source.version}-${p.source.release}`;
    const entry = bySource.get(key) ?? { ...p.source, epoch: null, nevras: [] };
    entry.epoch ??= p.epoch;
    entry.nevras.push(p.nevra);
    bySource.set(key, entry);
  }
  return [...bySource.values()].map((s) => ({
    package: { ecosystem, name: s.name },
    ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: formatEvr(s.epoch, s.version, s.release) }] }],
    ...(a.severity !== null && { ecosystem_specific: { severity: a.severity } }),
    database_specific: { packages: s.nevras },
  }));
}

/**
 * The OSV document of an advisory of `platform`. `selfUrl`, when given, is listed as its ADVISORY
 * reference unless it has a self reference. `published` is its first release, `withdrawn` its
 * retraction; `modified` its last change.
 */
export function toOsv(a: AdvisoryRecord, platform: Pick<Platform, 'name' | 'lifecycle' | 'buildroot' | 'distTag'>, options: { selfUrl?: string } = {}): OsvDocument {
  return {
    schema_version: OSV_SCHEMA_VERSION,
    id: a.id,
    modified: rfc3339(a.modifiedAt),
    ...(a.issuedAt !== null && { published: rfc3339(a.issuedAt) }),
    ...(a.state === 'retracted' && a.retractedAt !== null && { withdrawn: rfc3339(a.retractedAt) }),
    aliases: a.references.filter((r) => r.type === 'cve').map((r) => r.id),
    related: a.references.filter((r) => r.type === 'upstream').map((r) => r.id),
    summary: a.title,
    details: a.description || a.title,
    affected: affected(a, osvEcosystem(platform)),
    references: references(a, options.selfUrl),
    database_specific: { type: a.type, severity: a.severity, platform: a.platform, state: a.state, reboot_suggested: a.rebootSuggested },
  };
}
