/**
 * What a platform's release channels hold now (channel_packages) and which version each serves
 * (release_channels). Both change only in the transaction that publishes a release or a revert.
 */
import type { Context } from '../context.ts';
import { nevra } from '../rpm/index.ts';
import { releasesDb, type ChannelPackage } from './schema.ts';

/** A channel of a release repository: `repo` and `channel` (ARCH, ARCH/debug or Source). */
export interface ChannelRef {
  repo: string;
  channel: string;
}

/** `REPO/CHANNEL`, as users name a channel. */
export function channelPath(c: ChannelRef): string {
  return `${c.repo}/${c.channel}`;
}

/** The version number each channel of the platform serves now (channels never published are absent). */
export async function currentVersions(ctx: Context, platform: string): Promise<Map<string, number>> {
  const rows = await releasesDb(ctx).selectFrom('release_channels').select(['repo', 'channel', 'current']).where('platform', '=', platform).execute();
  return new Map(rows.filter((r) => r.current !== null).map((r) => [channelPath(r), r.current as number]));
}

/** Every package of one channel now, by href. */
export async function channelContent(ctx: Context, platform: string, c: ChannelRef): Promise<ChannelPackage[]> {
  return releasesDb(ctx)
    .selectFrom('channel_packages')
    .select(['sha256', 'artifact_id', 'name', 'epoch', 'version', 'release', 'arch', 'href', 'file_time'])
    .where('platform', '=', platform)
    .where('repo', '=', c.repo)
    .where('channel', '=', c.channel)
    .orderBy('href')
    .execute();
}

/** A released package with where it is. */
export interface ReleasedPackage extends ChannelPackage {
  repo: string;
  channel: string;
  releaseId: number;
}

/** Every released package of the platform named `names` (any channel). */
export async function releasedByName(ctx: Context, platform: string, names: readonly string[]): Promise<ReleasedPackage[]> {
  if (names.length === 0) return [];
  const out: ReleasedPackage[] = [];
  for (let i = 0; i < names.length; i += 500) {
    const rows = await releasesDb(ctx)
      .selectFrom('channel_packages')
      .select(['sha256', 'artifact_id', 'name', 'epoch', 'version', 'release', 'arch', 'href', 'file_time', 'repo', 'channel', 'release_id'])
      .where('platform', '=', platform)
      .where('name', 'in', names.slice(i, i + 500))
      .execute();
    for (const r of rows) out.push({ ...r, releaseId: r.release_id });
  }
  return out;
}

/** Whether a package NEVRA is released on the platform (in any channel). */
export async function isReleased(ctx: Context, platform: string, wanted: string): Promise<boolean> {
  const name = /^(.+)-[^-]+-[^-]+$/.exec(wanted)?.[1];
  if (!name) return false;
  // The name is a prefix up to two dashes from the end; NEVRAs of packages named like it compare whole.
  const candidates = await releasedByName(ctx, platform, [name, ...namesOf(wanted)]);
  return candidates.some((p) => nevra(p) === wanted);
}

/** Every way to split a NEVRA's name off (names may hold dashes; version and release do not). */
function namesOf(wanted: string): string[] {
  const parts = wanted.split('-');
  const out: string[] = [];
  for (let i = 1; i < parts.length - 1; i++) out.push(parts.slice(0, i).join('-'));
  return out;
}
