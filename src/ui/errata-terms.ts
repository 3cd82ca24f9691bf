/**
 * The words of errata the pages share (src/errata/types.ts has their meaning): advisory types,
 * severities, states and reference types as the API spells them, the form of an advisory id, and
 * where a reference links to.
 */
import type { AdvisoryReference, AdvisoryState, AdvisoryType, ReferenceType, Severity } from './api-types.ts';

/** Each type and what it is called in a sentence; the keys are every type the API has. */
const TYPE_NAMES: Record<AdvisoryType, string> = { security: 'security', bugfix: 'bug fix', enhancement: 'enhancement', newpackage: 'new package' };
export const ADVISORY_TYPES = Object.keys(TYPE_NAMES) as AdvisoryType[];
export const typeName = (t: AdvisoryType): string => TYPE_NAMES[t];

// Records over the API's unions: the compiler says when the API gains a value the UI lacks.
const SEVERITY_NAMES: Record<Severity, true> = { Critical: true, Important: true, Moderate: true, Low: true };
export const SEVERITIES = Object.keys(SEVERITY_NAMES) as Severity[];

const STATE_NAMES: Record<AdvisoryState, true> = { draft: true, approved: true, released: true, retracted: true };
export const ADVISORY_STATES = Object.keys(STATE_NAMES) as AdvisoryState[];

const REFERENCE_NAMES: Record<ReferenceType, string> = { cve: 'CVE', bugzilla: 'Bug', upstream: 'Upstream advisory', self: 'This advisory elsewhere', other: 'Other link' };
export const REFERENCE_TYPES = Object.keys(REFERENCE_NAMES) as ReferenceType[];
export const referenceName = (t: ReferenceType): string => REFERENCE_NAMES[t];

/** An advisory id (ADVISORY_ID_PATTERN of src/errata): DFSA-2026:0001. */
export const ADVISORY_ID = /^[A-Z]{2,8}[SBE]A-[0-9]{4}:[0-9]{4,9}$/;

/** The types an advisory of type `t` may become: the letter of its id stays (E: enhancement and newpackage). */
export function typesFrom(t: AdvisoryType): AdvisoryType[] {
  return t === 'enhancement' || t === 'newpackage' ? ['enhancement', 'newpackage'] : [t];
}

/** Where a reference links to: its own address, or cve.org's page of a CVE; null: nowhere. */
export function referenceHref(r: Pick<AdvisoryReference, 'type' | 'id' | 'href'>): string | null {
  if (r.href) return r.href;
  return r.type === 'cve' ? `https://www.cve.org/CVERecord?id=${encodeURIComponent(r.id)}` : null;
}
