/**
 * The rules an advisory follows beyond its shape (which the API's JSON schemas check first): a
 * security advisory has a severity, reference ids have their form (CVE-YYYY-NNNN, a bug number,
 * an upstream advisory id), links are http(s) URLs, nothing is listed twice, packages are NEVRAs.
 * Each problem is one InvalidAdvisoryError naming the field.
 */
import { unsafeTextProblem } from '../util/text.ts';
import { InvalidAdvisoryError } from './errors.ts';
import { formatNevra, parseNevra, type Nevra } from './nevra.ts';
import { ADVISORY_TYPES, ERRATA_LIMITS, REFERENCE_TYPES, SEVERITIES, type AdvisoryReference, type AdvisoryType, type ReferenceInput, type Severity } from './types.ts';

/** CVE-2026-1234 (four or more digits after the year). */
export const CVE_ID = /^CVE-\d{4}-\d{4,19}$/;
/** A bug number. */
const BUG_ID = /^\d{1,12}$/;
/** An upstream advisory: RHSA-2026:1234, ALSA-2026:1234, USN-1234-1, GHSA-xxxx-xxxx-xxxx, … */
export const UPSTREAM_ID = /^[A-Z][A-Z0-9]*-[A-Za-z0-9][A-Za-z0-9:._-]*$/;

function fail(field: string, problem: string): never {
  throw new InvalidAdvisoryError(`${field}: ${problem}`);
}

/** One line of text, not empty, at most `max` characters. */
export function checkLine(value: string, field: string, max: number): string {
  if (value.trim() === '') fail(field, 'must not be empty');
  if (value.length > max) fail(field, `must be at most ${max} characters`);
  if (/[\r\n]/.test(value)) fail(field, 'must be a single line');
  const unsafe = unsafeTextProblem(value);
  if (unsafe) fail(field, unsafe);
  return value;
}

/** Free text (description, solution): at most the limit, no NUL. */
export function checkText(value: string, field: string): string {
  if (value.length > ERRATA_LIMITS.text) fail(field, `must be at most ${ERRATA_LIMITS.text} characters`);
  if (value.includes('\u0000')) fail(field, 'must not hold NUL characters');
  return value;
}

export function checkType(value: string, field = 'type'): AdvisoryType {
  if (!(ADVISORY_TYPES as readonly string[]).includes(value)) fail(field, `must be one of ${ADVISORY_TYPES.join(', ')}`);
  return value as AdvisoryType;
}

/** The severity an advisory of `type` may have: required for security. */
export function checkSeverity(type: AdvisoryType, severity: string | null | undefined): Severity | null {
  if (severity === undefined || severity === null) {
    if (type === 'security') fail('severity', `a security advisory needs a severity (${SEVERITIES.join(', ')})`);
    return null;
  }
  if (!(SEVERITIES as readonly string[]).includes(severity)) fail('severity', `must be one of ${SEVERITIES.join(', ')}`);
  return severity as Severity;
}

/** An http(s) URL. */
export function checkHref(href: string, field: string): string {
  checkLine(href, field, ERRATA_LIMITS.href);
  let u: URL | null = null;
  try {
    u = new URL(href);
  } catch {
    // reported below
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || /\s/.test(href)) fail(field, `"${href.slice(0, 100)}" is not an http:// or https:// URL`);
  if (u.username || u.password) fail(field, 'must not hold credentials');
  return href;
}

function checkReference(r: ReferenceInput, field: string): AdvisoryReference {
  if (!(REFERENCE_TYPES as readonly string[]).includes(r.type)) fail(`${field}.type`, `must be one of ${REFERENCE_TYPES.join(', ')}`);
  const id = checkLine(r.id, `${field}.id`, ERRATA_LIMITS.refId);
  if (r.type === 'cve' && !CVE_ID.test(id)) fail(`${field}.id`, `"${id}" is not a CVE id (CVE-YYYY-NNNN)`);
  if (r.type === 'bugzilla' && !BUG_ID.test(id)) fail(`${field}.id`, `"${id}" is not a bug number`);
  if (r.type === 'upstream' && !UPSTREAM_ID.test(id)) fail(`${field}.id`, `"${id}" is not an advisory id (e.g. RHSA-2026:1234)`);
  if ((r.type === 'self' || r.type === 'other') && r.href === undefined) fail(`${field}.href`, `a ${r.type} reference needs a URL`);
  const href = r.href === undefined ? null : checkHref(r.href, `${field}.href`);
  const title = r.title === undefined ? null : checkLine(r.title, `${field}.title`, ERRATA_LIMITS.refId);
  return { type: r.type, id, href, title };
}

/** A list of references, each once (by type and id). */
export function checkReferences(refs: (ReferenceInput | AdvisoryReference)[], field = 'references'): AdvisoryReference[] {
  if (refs.length > ERRATA_LIMITS.references) fail(field, `at most ${ERRATA_LIMITS.references} references`);
  const seen = new Set<string>();
  return refs.map((r, i) => {
    const checked = checkReference({ type: r.type, id: r.id, ...(r.href != null && { href: r.href }), ...(r.title != null && { title: r.title }) }, `${field}[${i}]`);
    const key = `${checked.type} ${checked.id}`;
    if (seen.has(key)) fail(`${field}[${i}]`, `${checked.type} ${checked.id} is listed twice`);
    seen.add(key);
    return checked;
  });
}

/** A NEVRA, in its normal form (no `0:` epoch). */
export function checkNevra(text: string, field: string): { text: string; nevra: Nevra } {
  const n = parseNevra(text);
  if ('problem' in n) fail(field, `"${text.slice(0, 100)}" ${n.problem}`);
  return { text: formatNevra(n), nevra: n };
}

/** A list of NEVRAs (normal form), each once; not empty unless `allowEmpty`. */
export function checkPackageList(nevras: string[], field = 'packages', allowEmpty = false): { text: string; nevra: Nevra }[] {
  if (nevras.length === 0 && !allowEmpty) fail(field, 'an advisory covers at least one package');
  if (nevras.length > ERRATA_LIMITS.packages) fail(field, `at most ${ERRATA_LIMITS.packages} packages`);
  const seen = new Set<string>();
  return nevras.map((given, i) => {
    const checked = checkNevra(given, `${field}[${i}]`);
    if (seen.has(checked.text)) fail(`${field}[${i}]`, `${checked.text} is listed twice`);
    seen.add(checked.text);
    return checked;
  });
}
