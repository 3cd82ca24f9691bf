/**
 * What the release system asks of the errata domain (src/errata): whether an advisory may be
 * released and what it covers; the advisories each new repository version carries
 * (updateinfo.xml); marking advisories released (inside the publishing transaction) and
 * unreleased again by a revert. One file, so the two domains meet in one place.
 */
import type { Context } from '../context.ts';
import { advisoryFacts as errataFacts, advisoryForRelease, channelAdvisories as errataChannelAdvisories, markReleased, markUnreleased, type RepoFile } from '../errata/index.ts';
import type { Advisory } from '../repo/model.ts';
import type { AdvisoryFacts } from './checks.ts';

/** A package of a channel, as updateinfo names it. */
export interface ChannelFile extends RepoFile {
  nevra: string;
  filename: string;
  /** The SRPM's file name. */
  src: string | null;
  sha256: string;
}

/** Whether a release of `platform` may carry advisory `id` (approved or released, of this platform), and the NEVRAs it covers. */
export function advisoryFacts(ctx: Context, platform: string, id: string): Promise<AdvisoryFacts> {
  return errataFacts(ctx, platform, id);
}

/**
 * The advisories a channel's new version carries: every released advisory of the platform and
 * `adding`, each cut to the packages the channel holds (`files`, by NEVRA); an advisory with none
 * there is left out. Those being released are issued at `issuedAt`.
 */
export function channelAdvisories(ctx: Context, platform: string, adding: readonly string[], files: ReadonlyMap<string, ChannelFile>, issuedAt: number): Promise<Advisory[]> {
  return errataChannelAdvisories(ctx, platform, adding, files, { issuedAt });
}

/** In the publishing transaction: the release's advisories become released (issued now unless they were before). */
export async function markAdvisoriesReleased(tx: Context, ids: readonly string[], releaseId: number): Promise<void> {
  if (ids.length > 0) await markReleased(tx, ids, { releaseId, at: tx.now() });
}

/** In the reverting transaction: advisories this release released are approved again. */
export async function markAdvisoriesUnreleased(tx: Context, ids: readonly string[], releaseId: number): Promise<void> {
  if (ids.length > 0) await markUnreleased(tx, ids, releaseId);
}

/** Refuses an advisory a plan cannot carry. @throws NotFoundError, AdvisoryNotReleasableError (409) */
export async function requireAdvisory(ctx: Context, platform: string, id: string): Promise<void> {
  await advisoryForRelease(ctx, platform, id);
}
