/**
 * What a release repository channel serves now (its current version's packages, channel_packages),
 * a page at a time and by package name prefix: the web UI's view of a repository's content, next
 * to each version's diff (view.ts versionDetail). Older versions are served whole under
 * /repos/PLATFORM/REPO/CHANNEL/@N/ while they are kept.
 */
import { sql } from 'kysely';
import type { Context } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { nevra } from '../rpm/index.ts';
import { allChannels } from './placement.ts';
import { releasablePlatform } from './plan.ts';
import { releasesDb } from './schema.ts';

export interface ChannelPackage {
  nevra: string;
  name: string;
  arch: string;
  sha256: string;
  /** The file's path in the channel (Packages/…). */
  href: string;
  /** The release that put it there. */
  releaseId: number;
}

export interface ChannelContent {
  repo: string;
  channel: string;
  current: number | null;
  /** Packages matching (the name prefix, when given). */
  total: number;
  packages: ChannelPackage[];
}

export interface ContentQuery {
  /** Only packages whose name starts with this (case as given). */
  name?: string;
  limit?: number;
  offset?: number;
}

/** A page of the packages channel REPO/CHANNEL of the platform serves now, by name. @throws NotFoundError */
export async function channelContent(ctx: Context, platformName: string, repo: string, channel: string, q: ContentQuery = {}): Promise<ChannelContent> {
  const platform = await releasablePlatform(ctx, platformName);
  if (!allChannels(platform).some((c) => c.repo === repo && c.channel === channel)) {
    throw new NotFoundError(`${platform.name} has no release repository channel ${repo}/${channel}`);
  }
  const db = releasesDb(ctx);
  const prefix = q.name ?? '';
  let rows = db.selectFrom('channel_packages').where('platform', '=', platform.name).where('repo', '=', repo).where('channel', '=', channel);
  if (prefix !== '') rows = rows.where(sql<boolean>`substr(name, 1, ${prefix.length}) = ${prefix}`);
  const [page, count, current] = await Promise.all([
    rows.selectAll().orderBy('name').orderBy('arch').orderBy('version').orderBy('release').limit(q.limit ?? 100).offset(q.offset ?? 0).execute(),
    rows.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
    db.selectFrom('release_channels').select('current').where('platform', '=', platform.name).where('repo', '=', repo).where('channel', '=', channel).executeTakeFirst(),
  ]);
  return {
    repo,
    channel,
    current: current?.current ?? null,
    total: Number(count.n),
    packages: page.map((p) => ({ nevra: nevra(p), name: p.name, arch: p.arch, sha256: p.sha256, href: p.href, releaseId: p.release_id })),
  };
}
