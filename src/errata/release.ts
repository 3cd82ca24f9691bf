/**
 * What the release system (src/releases) asks of errata: whether a plan may carry an advisory,
 * the NEVRAs it needs files for, the advisory as updateinfo.xml says it (src/repo's Advisory), and
 * which advisories every new repository version of a platform carries. It marks them released with
 * `markReleased` (lifecycle.ts) inside the transaction that records the release.
 */
import type { Context } from '../context.ts';
import type { Advisory as RepoAdvisory, AdvisoryPackage as RepoAdvisoryPackage, AdvisoryReference as RepoAdvisoryReference } from '../repo/model.ts';
import { AdvisoryNotReleasableError } from './errors.ts';
import { getAdvisory, platformAdvisories } from './read.ts';
import type { AdvisoryRecord, AdvisoryReference } from './types.ts';

/** A package file of the repository an advisory is rendered for. */
export interface RepoFile {
  /** The file name (location) in the repository: `foo-1.0-2.el9.x86_64.rpm`. */
  filename: string;
  /** Its source package's file name: `foo-1.0-2.el9.src.rpm` ("" for an SRPM). */
  src: string;
  /** The sha256 of the file as published (signed), when known. */
  sha256?: string;
}

/**
 * The advisory `id` for a release of `platform`.
 * @throws NotFoundError; AdvisoryNotReleasableError (409) unless it is approved or released and of `platform`.
 */
export async function advisoryForRelease(ctx: Context, platform: string, id: string): Promise<AdvisoryRecord> {
  const a = await getAdvisory(ctx, id);
  if (a.platform !== platform) throw new AdvisoryNotReleasableError(id, `advisory ${id} is for platform ${a.platform}, not ${platform}`);
  if (a.state !== 'approved' && a.state !== 'released') throw new AdvisoryNotReleasableError(id, `advisory ${id} is ${a.state}: only approved (or already released) advisories are released`);
  return a;
}

/** The NEVRAs of an advisory's packages (`name-[epoch:]version-release.arch`), in its order. */
export function advisoryNevras(a: Pick<AdvisoryRecord, 'packages'>): string[] {
  return a.packages.map((p) => p.nevra);
}

/**
 * Released advisories of `platform` (not retracted), oldest first: what each new repository
 * version of the platform carries in its updateinfo.xml.
 */
export function releasedAdvisories(ctx: Context, platform: string): Promise<AdvisoryRecord[]> {
  return platformAdvisories(ctx, platform, ['released']);
}

/** `YYYY-MM-DD HH:MM:SS` (UTC), as updateinfo.xml writes dates. */
export function updateinfoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** A CVE's page where a reference gives no URL. */
export function cveUrl(id: string): string {
  return `https://www.cve.org/CVERecord?id=${encodeURIComponent(id)}`;
}

function repoReference(r: AdvisoryReference): RepoAdvisoryReference {
  const type = r.type === 'upstream' ? 'other' : r.type;
  const href = r.href ?? (r.type === 'cve' ? cveUrl(r.id) : '');
  return { type, id: r.id, href, title: r.title ?? r.id };
}

/**
 * The advisory as updateinfo.xml says it, for the repository whose package files `files` lists
 * (by NEVRA). Packages of the advisory that are not in `files` are left out (another
 * architecture's repository); an advisory none of whose packages is there comes back with an empty
 * package list: leave it out of that repository. `issuedAt` is the release's time, used for an
 * advisory that is being released by it (not released yet).
 */
export function toRepoAdvisory(a: AdvisoryRecord, files: ReadonlyMap<string, RepoFile>, options: { issuedAt?: number } = {}): RepoAdvisory {
  const issued = a.issuedAt ?? options.issuedAt ?? a.approvedAt ?? a.modifiedAt;
  const packages: RepoAdvisoryPackage[] = [];
  for (const p of a.packages) {
    const f = files.get(p.nevra);
    if (!f) continue;
    packages.push({
      name: p.name, epoch: String(p.epoch ?? 0), version: p.version, release: p.release, arch: p.arch, src: f.src, filename: f.filename,
      ...(f.sha256 !== undefined && { sum: { type: 'sha256', value: f.sha256 } }),
      ...(a.rebootSuggested && { rebootSuggested: true }),
    });
  }
  return {
    id: a.id,
    type: a.type,
    from: '',
    status: 'final',
    version: '1',
    title: a.title,
    severity: a.severity ?? '',
    release: a.platform,
    rights: '',
    summary: '',
    description: a.description,
    solution: a.solution,
    issued: updateinfoDate(issued),
    updated: updateinfoDate(a.updatedAt ?? issued),
    rebootSuggested: a.rebootSuggested,
    references: a.references.map(repoReference),
    collections: [{ short: a.platform, name: a.platform, packages }],
  };
}
