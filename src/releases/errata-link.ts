/**
 * What the release system asks of the errata domain: whether an advisory may be released and
 * what it covers; the advisories each new repository version carries (updateinfo.xml); marking
 * advisories released (inside the publishing transaction) and unreleased again by a revert.
 */
import type { Context } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import type { Advisory } from '../repo/model.ts';
import type { AdvisoryFacts } from './checks.ts';

/** A package of a channel, as updateinfo names it. */
export interface ChannelFile {
  nevra: string;
  filename: string;
  /** The SRPM's file name. */
  src: string | null;
  sha256: string;
}

export async function advisoryFacts(_ctx: Context, _platform: string, id: string): Promise<AdvisoryFacts> {
  return { problem: `advisory ${id} does not exist`, packages: [] };
}

/** The advisories a channel's new version carries: released ones and `adding`, restricted to what it holds. */
export async function channelAdvisories(_ctx: Context, _platform: string, _adding: readonly string[], _files: ReadonlyMap<string, ChannelFile>): Promise<Advisory[]> {
  return [];
}

export async function markAdvisoriesReleased(_tx: Context, _ids: readonly string[], _releaseId: number): Promise<void> {}

export async function markAdvisoriesUnreleased(_tx: Context, _ids: readonly string[], _releaseId: number): Promise<void> {}

/** Refuses an advisory a plan cannot carry. @throws NotFoundError, ReleaseStateError */
export async function requireAdvisory(ctx: Context, platform: string, id: string): Promise<void> {
  const facts = await advisoryFacts(ctx, platform, id);
  if (facts.problem !== null) throw new NotFoundError(facts.problem);
}
