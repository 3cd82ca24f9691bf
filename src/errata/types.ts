/**
 * Errata: advisories about the packages a platform ships, what dnf's `updateinfo` shows and OSV
 * consumers import.
 *
 * Terminology:
 * - advisory (erratum): a statement that some built packages of one platform fix security issues
 *   (security), bugs (bugfix), add features (enhancement) or are new (newpackage), with a title,
 *   description, solution, references and the packages' NEVRAs. Rendered into updateinfo.xml by
 *   the release system (src/releases, through src/repo), exported as OSV.
 * - advisory id: PREFIX + S/B/E + `A-` + year + `:` + a number of at least four digits, as
 *   RHSA/RHBA/RHEA and ALSA/ALBA/ALEA: `DFSA-2026:0001`. PREFIX is the platform's
 *   `advisoryPrefix` (default `DF`); enhancement and newpackage share `E`. Numbers count per
 *   prefix, letter and year, so ids are unique across platforms that share a prefix.
 * - severity: Critical, Important, Moderate or Low (Red Hat's scale); required for security.
 * - reference: a CVE id, a bugzilla bug, an upstream advisory (RHSA-2026:1234, with its URL), the
 *   advisory's own page (self), or another link.
 * - NEVRA: `name-[epoch:]version-release.arch` of a built package; the epoch is left out when it
 *   is none or 0. An advisory's packages must be built packages (RPMs or SRPMs) of its platform.
 * - state: draft → approved → released; approved or released → retracted. Editing an approved
 *   advisory makes it a draft again; a released one may only get references added and its
 *   description or solution amended. Only the release system releases (`markReleased`).
 * - issued / updated: when the advisory was first released, and last released or amended.
 */

export const ADVISORY_TYPES = ['security', 'bugfix', 'enhancement', 'newpackage'] as const;
export type AdvisoryType = (typeof ADVISORY_TYPES)[number];

export const SEVERITIES = ['Critical', 'Important', 'Moderate', 'Low'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ADVISORY_STATES = ['draft', 'approved', 'released', 'retracted'] as const;
export type AdvisoryState = (typeof ADVISORY_STATES)[number];

export const REFERENCE_TYPES = ['cve', 'bugzilla', 'upstream', 'self', 'other'] as const;
export type ReferenceType = (typeof REFERENCE_TYPES)[number];

/** The prefix of a platform without `advisoryPrefix`. */
export const DEFAULT_ADVISORY_PREFIX = 'DF';

/** Bounds on what an advisory holds (the API's JSON schemas state the same ones). */
export const ERRATA_LIMITS = {
  title: 300,
  /** Description and solution, each. */
  text: 65_536,
  references: 500,
  packages: 2_000,
  /** A reference's id and title. */
  refId: 200,
  href: 2_048,
  /** A NEVRA string. */
  nevra: 512,
  reason: 1_000,
} as const;

/** One reference of an advisory. */
export interface AdvisoryReference {
  type: ReferenceType;
  /** CVE-2026-1234, a bug number, RHSA-2026:1234, … */
  id: string;
  /** An http(s) URL; null when not given (a CVE then gets cve.org's page where a URL is needed). */
  href: string | null;
  title: string | null;
}

/** One package an advisory covers. */
export interface AdvisoryPackage {
  nevra: string;
  name: string;
  /** null: none. */
  epoch: number | null;
  version: string;
  release: string;
  arch: string;
  /** The source package it was built from (its own name and version for an SRPM). */
  source: { name: string; version: string; release: string };
}

/** A stored advisory, as the API shows it. Times are milliseconds since the epoch. */
export interface AdvisoryRecord {
  id: string;
  platform: string;
  type: AdvisoryType;
  severity: Severity | null;
  title: string;
  description: string;
  solution: string;
  rebootSuggested: boolean;
  state: AdvisoryState;
  references: AdvisoryReference[];
  packages: AdvisoryPackage[];
  createdBy: string;
  createdAt: number;
  /** The last change of any kind. */
  modifiedAt: number;
  approvedBy: string | null;
  approvedAt: number | null;
  /** First released; null before. */
  issuedAt: number | null;
  /** Last released or amended; null before its release. */
  updatedAt: number | null;
  retractedBy: string | null;
  retractedAt: number | null;
  retractionReason: string | null;
  /** The release that first published it. */
  releaseId: number | null;
}

/** A reference as a caller gives it. */
export interface ReferenceInput {
  type: ReferenceType;
  id: string;
  href?: string;
  title?: string;
}

/** What creating an advisory takes. */
export interface CreateAdvisoryInput {
  platform: string;
  type: AdvisoryType;
  severity?: Severity;
  title: string;
  description?: string;
  solution?: string;
  rebootSuggested?: boolean;
  references?: ReferenceInput[];
  /** NEVRAs of built packages of the platform. */
  packages: string[];
}

/**
 * A change to an advisory: fields given are set; `references` and `packages` replace the lists,
 * `addReferences`, `addPackages` and `removePackages` change them. A released advisory takes only
 * `addReferences`, `description` and `solution`.
 */
export interface UpdateAdvisoryInput {
  type?: AdvisoryType;
  /** null removes it (not for security). */
  severity?: Severity | null;
  title?: string;
  description?: string;
  solution?: string;
  rebootSuggested?: boolean;
  references?: ReferenceInput[];
  addReferences?: ReferenceInput[];
  packages?: string[];
  addPackages?: string[];
  removePackages?: string[];
}

/** Filters of a list of advisories. */
export interface AdvisoryFilter {
  platform?: string;
  type?: AdvisoryType;
  state?: AdvisoryState;
  /** Advisories with this CVE among their references. */
  cve?: string;
  /** Advisories covering a package of this (binary or source) name. */
  package?: string;
  /**
   * A search: advisories whose id starts with it, that fix the CVE it names, or that cover a
   * package of that name (binary or source) or NEVRA. Ids and CVE ids in any case; blank: none.
   */
  q?: string;
  /** Only advisories the public may see: released, or retracted after their release. */
  publicOnly?: boolean;
  limit: number;
  offset: number;
}

/** One line of a list of advisories. */
export interface AdvisorySummary {
  id: string;
  platform: string;
  type: AdvisoryType;
  severity: Severity | null;
  title: string;
  state: AdvisoryState;
  cves: string[];
  /** The names of the source packages it covers, each once, sorted. */
  sourcePackages: string[];
  createdAt: number;
  modifiedAt: number;
  issuedAt: number | null;
  updatedAt: number | null;
}

export interface AdvisoryPage {
  advisories: AdvisorySummary[];
  total: number;
  limit: number;
  offset: number;
}
