/**
 * What the release system (src/releases) asks of errata: whether a plan may carry an advisory
 * (`advisoryForRelease`, or `advisoryFacts` for its checks), the NEVRAs it needs files for, the
 * advisories a channel's new repository version carries (`channelAdvisories`, or
 * `releasedAdvisories` + `toRepoAdvisory` to do it by hand) as src/repo's Advisory for
 * updateinfo.xml. It marks advisories released and unreleased with `markReleased` and
 * `markUnreleased` (lifecycle.ts) inside the transactions that publish and revert a release.
 */
import type { Context } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import type { Advisory as RepoAdvisory, AdvisoryPackage as RepoAdvisoryPackage, AdvisoryReference as RepoAdvisoryReference } from '../repo/model.ts';
import { AdvisoryNotReleasableError } from './errors.ts';
import { getAdvisory, platformAdvisories } from './read.ts';
import type { AdvisoryPackage, AdvisoryRecord, AdvisoryReference } from './types.ts';

/** A package file of the repository an advisory is rendered for. */
export interface RepoFile {
  /** The file name (location) in the repository: `foo-1.0-2.el9.x86_64.rpm`. */
  filename: string;
  /**
   * Its source package's file name: `foo-1.0-2.el9.src.rpm` ("" for an SRPM). null or absent:
   * unknown, made from the source package the advisory recorded for it.
   */
  src?: string | null;
  /** The sha256 of the file as published (signed), when known. */
  sha256?: string;
}

/** What the release system's checks need to know about an advisory a plan carries. */
export interface AdvisoryFacts {
  /** null when a release of the platform may carry it (approved or released, of this platform), else why not. */
  problem: string | null;
  /** The NEVRAs of its packages ([] when it does not exist). */
  packages: string[];
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

/**
 * `advisoryForRelease` without exceptions for what a check reports: an unknown advisory, one not
 * approved or released, one of another platform come back with their `problem`.
 * @throws only what the database throws.
 */
export async function advisoryFacts(ctx: Context, platform: string, id: string): Promise<AdvisoryFacts> {
  try {
    return { problem: null, packages: advisoryNevras(await advisoryForRelease(ctx, platform, id)) };
  } catch (e) {
    if (e instanceof NotFoundError || e instanceof AdvisoryNotReleasableError) return { problem: e.message, packages: [] };
    throw e;
  }
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

/**
 * The advisories a new version of one repository channel of `platform` carries in its
 * updateinfo.xml, as src/repo's Advisory: every released advisory of the platform, and `adding`
 * (the ones the release being made carries: approved or released), each with only its packages
 * that `files` (the channel's package files after the release, by NEVRA) holds; an advisory none
 * of whose packages is there is left out. Released ones come first, oldest first, then `adding` in
 * its order. An advisory being released is issued at `issuedAt` (default now).
 * @throws NotFoundError, AdvisoryNotReleasableError (an advisory of `adding` the release may not carry)
 */
export async function channelAdvisories(ctx: Context, platform: string, adding: readonly string[], files: ReadonlyMap<string, RepoFile>, options: { issuedAt?: number } = {}): Promise<RepoAdvisory[]> {
  const carried = await releasedAdvisories(ctx, platform);
  const known = new Set(carried.map((a) => a.id));
  for (const id of adding) {
    if (known.has(id)) continue;
    carried.push(await advisoryForRelease(ctx, platform, id));
    known.add(id);
  }
  const issuedAt = options.issuedAt ?? ctx.now();
  return carried.map((a) => toRepoAdvisory(a, files, { issuedAt })).filter((a) => a.collections.some((c) => c.packages.length > 0));
}

/** `YYYY-MM-DD HH:MM:SS` (UTC), as updateinfo.xml writes dates. */
export function updateinfoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** A CVE's page where a reference gives no URL. */
export function cveUrl(id: string): string {
  return `https://www.cve.org/CVERecord?id=${encodeURIComponent(id)}`;
}

/** The SRPM file name of a package's source package ("" for an SRPM). */
function sourceRpmName(p: AdvisoryPackage): string {
  return p.arch === 'src' || p.arch === 'nosrc' ? '' : `${p.source.name}-${p.source.version}-${p.source.release}.src.rpm`;
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
      name: p.name, epoch: String(p.epoch ?? 0), version: p.version, release: p.release, arch: p.arch, src: f.src ?? sourceRpmName(p), filename: f.filename,
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
